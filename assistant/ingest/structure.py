"""Report structure: headings, numbered paragraphs, sentences and periods (pure, no I/O)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

from ..types import PLAN, REVIEW, Paragraph, Report, ReportMeta

# Bump when parsing changes in a way that changes paragraphs: stored reports re-index.
PARSER_VERSION = "1"

_CN_NUM = "一二三四五六七八九十"
# (level, pattern): the marker at the start of a heading line.
_HEADING_MARKERS: tuple[tuple[int, re.Pattern[str]], ...] = (
    (1, re.compile(rf"^第[{_CN_NUM}]+部分")),
    (1, re.compile(rf"^[{_CN_NUM}]+[、.．]")),
    (2, re.compile(rf"^[（(][{_CN_NUM}]+[）)]")),
    (3, re.compile(r"^\d{1,2}[、.．](?!\d)")),
    (4, re.compile(r"^[（(]\d{1,2}[）)]")),
)
_SENTENCE_END = "。！？；!?;"
_OPENERS = {"“": "”", "‘": "’", "「": "」", "『": "』", "《": "》", "（": "）", "(": ")", '"': '"'}
_TITLE_LINE = re.compile(r"政府工作报告")
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_REVIEW_WORDS = re.compile(r"回顾|总结|成绩|成就|过去")
_PLAN_WORDS = re.compile(r"安排|目标|任务|打算|计划|部署|重点工作|展望")
# Cue words that mark planned work ("确保…以上") or reported results ("实现了…", "预计全年").
_PLAN_CUES = re.compile(r"确保|力争|以上|不低于|争取|将|要|今年|预期目标|全力|着力|加快")
_REVIEW_CUES = re.compile(
    r"预计|全年实现|完成了|实现了|取得|获评|荣获|入选|累计|同比|去年|过去一年"
)

MAX_HEADING_CHARS = 60
MAX_RUNIN_HEADING_CHARS = 30


def heading_level(line: str) -> int:
    """Level (1 = 一、, 2 = （一）, 3 = 1., 4 = （1）) of a heading marker, 0 if none."""
    for level, pattern in _HEADING_MARKERS:
        if pattern.match(line):
            return level
    return 0


def split_sentences(text: str) -> list[str]:
    """Split on 。！？； (and ASCII !?;), keeping quoted and bracketed text whole."""
    sentences: list[str] = []
    start = 0
    closers: list[str] = []
    for i, ch in enumerate(text):
        if closers and ch == closers[-1]:
            closers.pop()
            continue
        if ch in _OPENERS and not (ch == '"' and closers and closers[-1] == '"'):
            closers.append(_OPENERS[ch])
            continue
        if ch in _SENTENCE_END and not closers:
            # Keep a closing quote that directly follows the end mark with this sentence.
            sentences.append(text[start : i + 1])
            start = i + 1
    if start < len(text):
        sentences.append(text[start:])
    return [s.strip() for s in sentences if s.strip()]


def _is_pure_heading(line: str) -> bool:
    body = line.rstrip("。")
    return len(line) <= MAX_HEADING_CHARS and not any(p in body for p in _SENTENCE_END)


def _runin_heading(line: str, sentences: list[str]) -> str:
    """The heading of a numbered paragraph like '（一）加强政治建设。坚定…', or ''."""
    first = sentences[0] if sentences else ""
    if len(sentences) > 1 and len(first) <= MAX_RUNIN_HEADING_CHARS:
        return first.rstrip(_SENTENCE_END)
    return ""


def _period_from_heading(text: str, report_year: int | None) -> tuple[str, int | None]:
    years = [int(y) for y in _YEAR.findall(text)]
    year = years[0] if years else None
    if _REVIEW_WORDS.search(text):
        return REVIEW, year or (report_year - 1 if report_year else None)
    if year is not None and _PLAN_WORDS.search(text):
        return PLAN, year
    if year is not None and report_year is not None:
        return (REVIEW if year < report_year else PLAN), year
    return "", None


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
    return hashlib.sha256(f"{PARSER_VERSION}\n{text}".encode()).hexdigest()


def parse_report(text: str, doc_id: str, meta: ReportMeta, source: str = "") -> Report:
    """Turn cleaned text (one paragraph per line) into a Report with numbered paragraphs."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    report_year = meta.year

    # Pass 1: headings and section paths.
    raw: list[dict] = []
    path: list[str] = []
    path_levels: list[int] = []
    for line in lines:
        sentences = split_sentences(line)
        level = heading_level(line)
        is_heading = False
        entry = ""
        if level:
            if _is_pure_heading(line):
                is_heading, entry = True, line.rstrip("。")
            else:
                entry = _runin_heading(line, sentences)
        elif _TITLE_LINE.search(line) and _is_pure_heading(line) and not raw:
            # The report's own title line: a heading outside the section tree.
            raw.append(dict(text=line, sentences=sentences, section=(), heading=True, top=None))
            continue
        if entry:
            while path_levels and path_levels[-1] >= level:
                path_levels.pop()
                path.pop()
            path.append(entry)
            path_levels.append(level)
        top = path[0] if path_levels and path_levels[0] == 1 else None
        raw.append(
            dict(text=line, sentences=sentences, section=tuple(path), heading=is_heading, top=top)
        )

    # Pass 2: the period of each top-level section, from its heading, else from the
    # section before it (a plan section is followed by more plan), else from cue words.
    periods: dict[str | None, tuple[str, int | None]] = {}
    order: list[str | None] = []
    for item in raw:
        if item["top"] not in order:
            order.append(item["top"])
    previous: tuple[str, int | None] = ("", None)
    for top in order:
        period, year = _period_from_heading(top, report_year) if top else ("", None)
        if not period:
            sub_headings = [
                it["section"][1] for it in raw if it["top"] == top and len(it["section"]) > 1
            ]
            for sub in sub_headings:
                period, year = _period_from_heading(sub, report_year)
                if period:
                    break
        if not period and previous[0] == PLAN:
            period, year = previous
        if not period:
            period = _period_from_cues(it["text"] for it in raw if it["top"] == top)
        if period and year is None and report_year is not None:
            year = report_year if period == PLAN else report_year - 1
        periods[top] = (period, year)
        if period:
            previous = (period, year)

    paragraphs = []
    for number, item in enumerate(raw, start=1):
        period, year = periods.get(item["top"], ("", None)) if item["section"] else ("", None)
        if not item["section"] and not item["heading"]:
            # Text before the first heading: a preamble, or a fragment's first section.
            period, year = periods.get(None, ("", None))
        paragraphs.append(
            Paragraph(
                doc_id=doc_id,
                number=number,
                text=item["text"],
                section=item["section"],
                sentences=tuple(item["sentences"]),
                period=period,
                period_year=year,
                is_heading=item["heading"],
            )
        )
    return Report(
        doc_id=doc_id,
        meta=meta,
        paragraphs=tuple(paragraphs),
        content_hash=content_hash(text),
        source=source,
    )
