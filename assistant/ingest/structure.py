"""Report structure: headings, numbered paragraphs, sentences, parts and periods (pure, no I/O).

Outline: 一、/（一）/1./（1） headings (and a heading's first short sentence when the
paragraph runs on after it); a short unnumbered line shaped like a part of a report
("“十四五”时期工作回顾", "2026年重点工作") is a part heading too, above 一、 when the
numbered headings are not parts themselves. Appendices (附件, 名词解释, 注释, a glossary of
［1］term： lines) are parts of their own after the report: never sub-sections of its last
section, and without the period of the section before them.

Periods: each top-level part is a review (回顾) or a plan (安排, 目标, 任务) of some years, read
from its heading: "一、2025年工作和“十四五”发展回顾" reviews 2021–2025, "二、“十五五”时期主要
目标" plans 2026–2030, "三、2026年重点工作" plans 2026. Within a part, a paragraph whose
opening says which years it speaks of ("过去一年", "这五年", "“十四五”时期", "2026年是")
narrows the span for itself and the paragraphs after it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import replace

from ..types import APPENDIX, BODY, FRONT, PLAN, REVIEW, Paragraph, Report, ReportMeta
from ..versions import DETECTOR_VERSION, PARSER_VERSION
from ..vocab import (
    CN_NUMERALS,
    HEADING_MARKERS,
    HEADING_PLAN_WORDS,
    HEADING_REVIEW_WORDS,
    PART_HEADING_ENDS,
    PART_PLAN_CUES,
    PART_RESULT_CUES,
    PLAN_HEADING_TERMS,
    PLAN_NUMBER,
    SENTENCE_END,
    alternation,
    first_clause,
    split_sentences,
)
from ..vocab import MAX_SENTENCE_CHARS as MAX_SENTENCE_CHARS  # the bound split_sentences keeps
from . import periods as _periods

# (level, pattern): the marker at the start of a heading line.
_HEADING_MARKERS = tuple((level, re.compile(f"^{p}")) for level, p in HEADING_MARKERS)
# A glossary entry: "［1］一降三减：" (in an appendix, a heading like 1.).
_NOTE_MARKER = re.compile(r"^[［\[【]\d{1,3}[］\]】]")
_FIRST_NOTE = re.compile(r"^[［\[【]1[］\]】]")
# Appendix headings: 附件 / 附件2 / 附录 / 附： and glossary titles (名词解释, 有关内容名词注释).
_APPENDIX = re.compile(
    rf"^(?:附件\s*[\d{CN_NUMERALS}]*|附录\s*[\d{CN_NUMERALS}]*|附表\s*\d*|附\s*[:：]?)\s*[:：]?$"
)
_GLOSSARY = re.compile(
    r"(?:名词|词语|术语)(?:解释|注释|释义|说明)|^注释\s*[:：]?$|^注\s*[:：]$|注释\s*[:：]$"
)
_MAX_APPENDIX_TITLE = 30
# A part heading without a number: short, no clause punctuation, ending in a part word.
_PART_END = re.compile(f"(?:{alternation(PART_HEADING_ENDS)})$")
_MAX_PART_HEADING = 30
# Lines of the title block and opening: salutation, "现在，我代表…向大会报告工作，请予审议".
_FRONT_LINE = re.compile(r"^各位代表|我代表|受.{0,8}委托|向大会|报告工作|请予审议|提出意见")
_NO_PART_PUNCT = re.compile(r"[，。；！？,;!?:：]")
_SENTENCE_END = SENTENCE_END
_TITLE_LINE = re.compile(r"政府工作报告")
_REVIEW_WORDS = re.compile(alternation(HEADING_REVIEW_WORDS))
_PLAN_WORDS = re.compile(alternation(HEADING_PLAN_WORDS))
# How a paragraph opens when it says which years it speaks of: 过去一年 / 这五年 /
# “十四五”时期 / 2025年， / 2026年是 / 今年 (a year followed by a month is an event, not a frame).
_OPENING_CUE = re.compile(
    r"^(?:——|－|-)?(?:刚刚)?(?:过去的|过去)?(?:"
    rf"(?:19|20)\d{{2}}\s*年(?![\d{CN_NUMERALS}]+月|以来|以前|底|末|初)"
    rf"|[“\"]?(?:{PLAN_NUMBER})五[”\"]?(?:时期|期间|以来|规划)"
    rf"|第[{CN_NUMERALS}]+个五年(?:计划|规划)"
    r"|这五年|五年来|五年|一年来|这一年|一年|今年|去年|未来五年|今后五年|本届政府"
    r")"
)
# Cue words that mark planned work ("确保…以上") or reported results ("实现了…", "预计全年").
_PLAN_CUES = re.compile(alternation(PART_PLAN_CUES))
_REVIEW_CUES = re.compile(alternation(PART_RESULT_CUES))

MAX_HEADING_CHARS = 60
# The longest paragraph in those reports has about 1,400 characters. A longer line (a page
# extracted without line breaks) becomes several paragraphs, cut between sentences, so a
# citation quotes a readable paragraph, not the whole file.
MAX_PARAGRAPH_CHARS = 4000
MAX_RUNIN_HEADING_CHARS = 30


def heading_level(line: str) -> int:
    """Level (1 = 一、, 2 = （一）, 3 = 1., 4 = （1）) of a heading marker, 0 if none."""
    for level, pattern in _HEADING_MARKERS:
        if pattern.match(line):
            return level
    return 0


def _paragraphs_of(line: str) -> list[str]:
    """A line as paragraphs of at most MAX_PARAGRAPH_CHARS characters, cut between sentences
    (itself when it fits)."""
    line = line.strip()
    if len(line) <= MAX_PARAGRAPH_CHARS:
        return [line]
    out, current = [], ""
    for sentence in split_sentences(line):
        if current and len(current) + len(sentence) > MAX_PARAGRAPH_CHARS:
            out.append(current)
            current = ""
        current += sentence
    return [*out, current] if current else out


def _is_pure_heading(line: str) -> bool:
    body = line.rstrip("。")
    return len(line) <= MAX_HEADING_CHARS and not any(p in body for p in _SENTENCE_END)


def _runin_heading(line: str, sentences: list[str]) -> str:
    """The heading of a numbered paragraph like '（一）加强政治建设。坚定…', or ''."""
    first = sentences[0] if sentences else ""
    if len(sentences) > 1 and len(first) <= MAX_RUNIN_HEADING_CHARS:
        return first.rstrip(_SENTENCE_END)
    return ""


def _period_from_cues(texts: Iterable[str]) -> str:
    joined = "".join(texts)
    plan = len(_PLAN_CUES.findall(joined))
    review = len(_REVIEW_CUES.findall(joined))
    if plan > review:
        return PLAN
    if review > plan:
        return REVIEW
    return ""


def content_hash(text: str) -> str:
    """Hash of a report's generation: its cleaned text, and the parser and detector versions."""
    return hashlib.sha256(f"{PARSER_VERSION}\n{DETECTOR_VERSION}\n{text}".encode()).hexdigest()


def is_appendix_heading(line: str) -> bool:
    """附件 / 附件1 / 附录 / 名词解释 / 《…》有关内容名词注释: a line that opens an appendix."""
    return (
        len(line) <= _MAX_APPENDIX_TITLE
        and not any(p in line for p in "。；！？")
        and bool(_APPENDIX.match(line) or _GLOSSARY.search(line))
    )


def is_part_heading(line: str) -> bool:
    """A part heading without a number: "“十四五”时期工作回顾", "2026年重点工作"."""
    return (
        len(line) <= _MAX_PART_HEADING
        and not _NO_PART_PUNCT.search(line)
        and not heading_level(line)
        and bool(_PART_END.search(line))
        and bool(_periods.spans(line, 2000))  # names a time: a year, 十四五, 过去五年, 今年…
    )


def parse_report(text: str, doc_id: str, meta: ReportMeta, source: str = "") -> Report:
    """Turn cleaned text (one paragraph per line) into a Report with numbered paragraphs.

    The returned report's meta carries the years its review and plan cover.
    """
    lines = [piece for line in text.splitlines() if line.strip() for piece in _paragraphs_of(line)]
    items = _outline(lines)
    _assign_periods(items, meta.year)
    paragraphs = tuple(
        Paragraph(
            doc_id=doc_id,
            number=number,
            text=item.text,
            section=item.section,
            sentences=tuple(item.sentences),
            period=item.period,
            period_year=item.years[0] if item.period and len(item.years) == 1 else None,
            is_heading=item.heading,
            period_years=item.years if item.period else (),
            part=item.part,
        )
        for number, item in enumerate(items, start=1)
    )
    return Report(
        doc_id=doc_id,
        meta=with_spans(meta, paragraphs),
        paragraphs=paragraphs,
        content_hash=content_hash(text),
        source=source,
    )


def with_spans(meta: ReportMeta, paragraphs: Sequence[Paragraph]) -> ReportMeta:
    """`meta` with the years its review and plan cover, from its paragraphs' periods
    (by default, a report of year Y reviews Y−1 and plans Y)."""
    review: set[int] = set()
    plan: set[int] = set()
    for p in paragraphs:
        if p.part == APPENDIX:
            continue
        if p.period == REVIEW:
            review.update(p.period_years)
        elif p.period == PLAN:
            plan.update(p.period_years)
    year = meta.year
    if year is not None:
        review = {y for y in review if y < year} or {year - 1}
        plan = {y for y in plan if y >= year} or {year}
    return replace(meta, review_years=tuple(sorted(review)), plan_years=tuple(sorted(plan)))


class _Item:
    """A line on its way to becoming a Paragraph."""

    __slots__ = (
        "heading",
        "level",
        "part",
        "period",
        "section",
        "sentences",
        "text",
        "top",
        "years",
    )

    def __init__(self, text: str, sentences: list[str], section: tuple[str, ...], heading: bool,
                 top: int | None, part: str) -> None:  # fmt: skip
        self.text = text
        self.sentences = sentences
        self.section = section
        self.heading = heading
        self.top = top  # index of the top-level part it belongs to (None: before any)
        self.part = part
        self.period = ""
        self.years: tuple[int, ...] = ()
        self.level = 0  # level of the heading this item opens (0: none)


def _outline(lines: list[str]) -> list[_Item]:
    """Headings, section paths and parts of every line."""
    # Unnumbered part headings sit above 一、 unless the numbered headings are parts themselves.
    numbered_parts = any(
        heading_level(line) == 1 and is_part_heading(_MARKER_PREFIX.sub("", line)) for line in lines
    )
    part_level = 1 if numbered_parts else 0
    items: list[_Item] = []
    path: list[str] = []
    path_levels: list[int] = []
    tops: list[str] = []
    in_appendix = False
    seen_heading = False
    for line in lines:
        sentences = split_sentences(line)
        level = heading_level(line)
        is_heading = False
        entry = ""
        opens_appendix = is_appendix_heading(line) or (
            bool(_FIRST_NOTE.match(line)) and not in_appendix and seen_heading
        )
        if opens_appendix and in_appendix and len(items) and items[-1].level == -1:
            # 附件2 / 名词解释: the second line is the title of the appendix just opened.
            opens_appendix = False
        if opens_appendix and (seen_heading or items):
            in_appendix = True
            path, path_levels = [], []
            if _FIRST_NOTE.match(line) and not is_appendix_heading(line):
                # A glossary without a title: its own part, titled 注释.
                path, path_levels = ["注释"], [-1]
                tops.append("注释")
            else:
                level, is_heading, entry = -1, True, line
        if in_appendix:
            if level != -1:  # not the appendix heading itself
                level, is_heading, entry = _appendix_line(line, sentences, path, items)
        elif level:
            if _is_pure_heading(line):
                is_heading, entry = True, line.rstrip("。")
            else:
                entry = _runin_heading(line, sentences)
        elif is_part_heading(line) and (seen_heading or items):
            level, is_heading, entry = part_level, True, line
        elif _TITLE_LINE.search(line) and _is_pure_heading(line) and not items:
            # The report's own title line: a heading outside the section tree.
            items.append(_Item(line, sentences, (), True, None, FRONT))
            continue
        if entry:
            while path_levels and path_levels[-1] >= level:
                path_levels.pop()
                path.pop()
            if not path:
                tops.append(entry)
            path.append(entry)
            path_levels.append(level)
            seen_heading = True
        top = len(tops) - 1 if path else None
        if in_appendix:
            part = APPENDIX
        elif path or (not _FRONT_LINE.search(line) and line.endswith(tuple(_SENTENCE_END))):
            part = BODY  # before any heading: a fragment's first section
        else:
            part = FRONT
        item = _Item(line, sentences, tuple(path), is_heading, top, part)
        item.level = level if entry else 0
        items.append(item)
    if not seen_heading:
        for item in items:
            item.part = BODY  # a fragment without headings is all body
    return items


def _appendix_line(
    line: str, sentences: list[str], path: list[str], items: list[_Item]
) -> tuple[int, bool, str]:
    """(level, is heading, section entry) of a line inside an appendix: its numbered items
    and glossary entries (［1］term：) nest under it; the line right under 附件1 that reads
    like a title ("2026年省十件民生实事") is its title."""
    level = 3 if _NOTE_MARKER.match(line) else heading_level(line)
    if level and _is_pure_heading(line):
        return level, True, line.rstrip("。")
    if level:
        return level, False, _runin_heading(line, sentences)
    if len(path) == 1 and items and items[-1].level == -1 and _is_title_line(line, items):
        return 0, True, ""
    return 0, False, ""


_MARKER_PREFIX = re.compile(f"^(?:{'|'.join(p for level, p in HEADING_MARKERS if level == 1)})\\s*")


def _is_title_line(line: str, items: list[_Item]) -> bool:
    return (
        bool(items)
        and items[-1].heading
        and len(line) <= _MAX_APPENDIX_TITLE
        and not any(p in line for p in "，。；！？：")
    )


def _assign_periods(items: list[_Item], report_year: int | None) -> None:
    """Period and years of every item: per top-level part, narrowed by opening cues."""
    by_top: dict[int | None, list[_Item]] = {}
    for item in items:
        by_top.setdefault(item.top, []).append(item)
    previous: tuple[str, tuple[int, ...]] = ("", ())
    for top, members in by_top.items():
        if top is None:
            continue
        heading = members[0].section[0] if members[0].section else ""
        if members[0].part == APPENDIX:
            title = " ".join(m.text for m in members[:2] if m.heading)
            period, span = ("", ()) if _GLOSSARY.search(title) else _period_of(title, report_year)
            for m in members:
                m.period, m.years = period, span
            continue
        period, span = _period_of(heading, report_year)
        if not period:
            for sub in (m.section[1] for m in members if len(m.section) > 1):
                period, span = _period_of(sub, report_year)
                if period:
                    break
        if not period:
            lead = next((m for m in members if not m.heading and m.sentences), None)
            if lead is not None:
                period, span = _period_of_opening(lead.sentences[0], report_year)
        if not period and previous[0] == PLAN:
            # More plan after the plan: the report year's work (a part on the government's
            # own conduct after the five-year goals is about this year).
            period, span = PLAN, _single(previous[1]) or _default_span(PLAN, report_year)
        if not period:
            period = _period_from_cues(m.text for m in members)
        if period and not span:
            span = _default_span(period, report_year)
        sides = {p for p, _ in _heading_periods(heading, report_year)} or {period}
        _narrow(members, period, span, report_year, sides)
        if period:
            previous = (members[-1].period, _single(members[-1].years) or span)
    # Text before the first heading: the title block and opening (no period), or a
    # fragment's first section (its period from its cue words).
    preamble = [m for m in by_top.get(None, []) if m.part != FRONT]
    if preamble:
        period = _period_from_cues(m.text for m in preamble)
        span = _default_span(period, report_year) if period else ()
        for m in preamble:
            m.period, m.years = period, span


def _single(years: tuple[int, ...]) -> tuple[int, ...]:
    return years if len(years) == 1 else ()


def _default_span(period: str, report_year: int | None) -> tuple[int, ...]:
    if report_year is None:
        return ()
    return (report_year - 1,) if period == REVIEW else (report_year,)


def _period_of(text: str, report_year: int | None) -> tuple[str, tuple[int, ...]]:
    """Period and years a heading names: 回顾 → review, 安排/目标/任务 → plan; else by its years."""
    spans = _periods.spans(text, report_year)
    review = _REVIEW_WORDS.search(text)
    plan = _PLAN_WORDS.search(text)
    period = ""
    if review and (not plan or review.start() <= plan.start()):
        period = REVIEW
    elif plan and (spans or _PLAN_ONLY.search(text)):
        period = PLAN
    elif spans and report_year is not None:
        period = REVIEW if max(spans[0]) < report_year else PLAN
    if not period:
        return "", ()
    return period, _fit(spans, period, report_year)


# Plan words that make a heading a plan even without a year (二、对今年政府工作的建议 has 今年).
_PLAN_ONLY = re.compile(alternation(PLAN_HEADING_TERMS))


def _fit(spans: Sequence[tuple[int, ...]], period: str, report_year: int | None) -> tuple[int, ...]:
    """The years of `spans` on the period's side of the report year (all when it is unknown)."""
    years = sorted({y for span in spans for y in span})
    if report_year is not None:
        years = [y for y in years if (y < report_year) == (period == REVIEW)]
    return tuple(years)


def _period_of_opening(sentence: str, report_year: int | None) -> tuple[str, tuple[int, ...]]:
    """Period and years from a part's first sentence: "“十五五”时期是…", "2026年是…"."""
    if report_year is None or not _OPENING_CUE.match(_periods.normalize(sentence)):
        return "", ()
    spans = _periods.spans(_opening(sentence), report_year)
    if not spans:
        return "", ()
    period = REVIEW if max(spans[0]) < report_year else PLAN
    return period, _fit(spans[:1], period, report_year)


def _opening(sentence: str) -> str:
    """The first clause of a sentence (where a paragraph says what time it speaks of)."""
    return first_clause(sentence)


def _heading_periods(heading: str, year: int | None) -> list[tuple[str, tuple[int, ...]]]:
    """Both sides of a heading that names a review and a plan ("“十四五”时期发展成就和“十五五”
    时期主要目标任务", "1998年工作回顾和1999年工作的总体要求"), else []."""
    if year is None or not (_REVIEW_WORDS.search(heading) and _PLAN_WORDS.search(heading)):
        return []
    spans = _periods.spans(heading, year)
    past, coming = _fit(spans, REVIEW, year), _fit(spans, PLAN, year)
    return [(REVIEW, past), (PLAN, coming)] if past and coming else []


def _narrow(
    members: list[_Item], period: str, span: tuple[int, ...], year: int | None, sides: set[str]
) -> None:
    """Give each item of a part its period and years, narrowed by the opening cues of the
    paragraphs and sub-headings before it ("过去一年" → the past year only, "这五年" → the
    five years, "2026年是" → 2026). In a part whose heading names a review and a plan, a cue
    on the plan's side makes the paragraphs from there on plan (and back)."""
    current = (period, span)
    for m in members:
        for side in sorted(sides, key=lambda s: s != current[0]):
            cue = _cue_span(m, side, year)
            if cue:
                current = (side, cue)
                break
        m.period, m.years = current[0], (current[1] if current[0] else ())


def _cue_span(item: _Item, period: str, year: int | None) -> tuple[int, ...]:
    if not period or year is None:
        return ()
    if item.level and len(item.section) == 1:
        return ()  # the part heading itself: its span is the part's
    text = item.section[-1] if item.level else (item.sentences[0] if item.sentences else "")
    normalized = _periods.normalize(text)
    if item.level:
        spans = _periods.spans(normalized, year)
    elif _OPENING_CUE.match(normalized):
        spans = _periods.spans(_opening(normalized), year)[:1]
    else:
        return ()
    return _fit(spans, period, year)
