"""Indicator extraction: every figure of a report as a structured record (pure, no I/O).

A figure is a number with a unit (亿元, 万人, %, 个百分点, 个, 公里…) stated as the value of an
indicator: 地区生产总值1800亿元左右, 增长7.0%左右, 新增城镇就业5800人以上, 新增4个省级临床重点专科.
Also 600多万套, 突破万亿元, 八成以上, 842元/月, and a bare 1240万 when it counts people (…人口).
`value_text` is the figure as written, in digits where the text spells it (突破1万亿元, 8成以上).
Numbers that only qualify a name (5亿元以上项目, 2×475兆瓦燃气轮机, 第3位, 2024年, 稳经济“30条”)
are not. A range (6%－6.5%) is one figure: the lower bound, the rest as qualifier.

Rules, per clause of a sentence:

- the indicator name is the text before the figure, trimmed of verbs and adverbs (增长, 达到,
  控制在, 实际…); a figure with no name of its own ("…1800亿元左右、增长7.0%左右") shares the
  subject, and so do names that only say how or when (总量, 年均, 十年增加, 比去年增加); an amount
  that is a change keeps its verb (农村贫困人口减少1240万);
- "A、B、C分别增长x、y、z" (or items and values in parallel) pairs items with values, each item
  completed from the last (城镇、农村常住居民人均可支配收入; a shared suffix such as 增加值;
  "城乡居民…" means urban and rural); one value stated for several rates gives one figure each;
- a count before its noun ("新增4个省级临床重点专科") is named by the noun after it, and by what
  its clause says of it when it opens the clause ("7所高职学校入选…" -> 入选…的高职学校); so is a
  share that opens its clause ("90%的县医院达到…");
- "由A提高到B" gives both values, A of the year before the period; "三次产业比重为a∶b∶c" the
  three sector shares;
- kind: growth (a change in %, 成 or 个百分点 after 增长/下降/提高/上涨…), share (other %), count
  (个, 户, 家…), level (amounts: 亿元, 万人, 公里…, and people counted in 名 or 人次);
- status and year come from the paragraph's period (review: result; plan: target), and cue
  words (力争, 确保, 目标; 预计, 完成了) decide when the paragraph has no period. A review that
  turns to the five years of a plan (这五年, “十四五”时期…) labels its changes 五年累计; targets
  under a 十五五 heading are for 2030, and 到2027年 sets the year of what follows it.

Layout: `_figures` finds the figures of a sentence, `_names` names them, and this module labels
each with its kind, status and year and is the public API.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence

from ..ingest.periods import plan_years, small_number
from ..lexicon import normalize
from ..types import PLAN, RESULT, REVIEW, SECTION_SEP, TARGET, Indicator, Paragraph, Report
from ..vocab import (
    CN_DIGITS,
    CN_NUMERALS,
    CN_TWO,
    PEOPLE_UNITS,
    PLAN_NUMBER,
    POINTS,
    RATE_UNITS,
    SENTENCE_PLAN_CUES,
    SENTENCE_RESULT_CUES,
    alternation,
)
from ._figures import _PEOPLE_NOUN, _Figure
from ._names import _GROWTH_VERBS, _name_figures

LEVEL, GROWTH, SHARE, COUNT = "level", "growth", "share", "count"
KINDS = (LEVEL, GROWTH, SHARE, COUNT)
_DECREASE = re.compile(r"下降|下调|减少|降低|缩短|压减|压缩|下滑|低于")
_POINTS_LIST = re.compile(r"、\d+(?:\.\d+)?个百分点")
# Five-year periods: a plan's own (“十五五”时期) and a review's (这五年, 过去一年).
_FIVE_YEAR_PLAN = re.compile(rf"“?({PLAN_NUMBER})五”?(?:时期|规划|期间|目标|发展|以来)")
_PERIOD_OPENING = re.compile(
    rf"(?P<five>五年|“?十[{CN_DIGITS}]?五”?(?:时期|期间|以来))"
    r"|(?P<one>一年|去年|(?:19|20)\d\d年是|刚刚过去的)"
)
_CUMULATIVE = re.compile(r"^growth|累计")  # a change over the five years, not a level
_PERIOD_IN = re.compile(rf"年均|[{CN_NUMERALS}{CN_TWO}多几\d]年")
_COMPARISON = re.compile(r"高于|低于|优于|快于|慢于|比")
_BY_YEAR = re.compile(r"(?:到|至)((?:19|20)\d\d)年")
_PLAN_CUES = re.compile(alternation(SENTENCE_PLAN_CUES))
_RESULT_CUES = re.compile(alternation(SENTENCE_RESULT_CUES))


def _status(para: Paragraph, sentence: str, report_year: int | None) -> tuple[str, int | None]:
    # A paragraph on several years (a five-year review) states end-of-period figures: the
    # last year of its period.
    year = para.period_year or (para.period_years[-1] if para.period_years else None)
    if para.period == REVIEW:
        return RESULT, year
    if para.period == PLAN:
        return TARGET, year
    if _PLAN_CUES.search(sentence) and not _RESULT_CUES.search(sentence):
        return TARGET, report_year
    if _RESULT_CUES.search(sentence):
        return RESULT, (report_year - 1) if report_year else None
    return "", None


def _plan_end(section: tuple[str, ...]) -> int | None:
    """The last year of a five-year plan a section is about: “十五五”时期主要目标 -> 2030."""
    for title in reversed(section):
        m = _FIVE_YEAR_PLAN.search(title)
        if m:
            n = small_number(m.group(1)) or 0
            return plan_years(n)[-1] if n >= 6 else None
    return None


def _five_years(para: Paragraph) -> bool | None:
    """True when a review paragraph opens on the five years (这五年, 过去五年, “十四五”时期…),
    False when on the one year (过去一年, 一年来, 2025年是…); None when it says neither."""
    opening = "".join(para.sentences[:2]) or para.text[:120]
    last = None
    for m in _PERIOD_OPENING.finditer(opening):
        last = m
    return None if last is None else bool(last.group("five"))


def _kind(f: _Figure, sentence: str) -> str:
    if f.unit_word in (*RATE_UNITS, "成"):
        growth = f.unit_word == POINTS or _GROWTH_VERBS.search(f.verb.strip())
        return GROWTH if growth else SHARE
    if f.unit_word in PEOPLE_UNITS or f.unit_word == "人":
        return LEVEL
    if f.unit_word == "个" and _PEOPLE_NOUN.match(f.count_noun or sentence[f.end :]):
        return LEVEL
    return COUNT if f.counter else LEVEL


def extract_paragraph(
    para: Paragraph,
    *,
    title: str = "",
    region: str = "",
    report_year: int | None = None,
    five_years: bool | None = None,
) -> list[Indicator]:
    """Every figure of one paragraph, in order (headings have none).

    `five_years`: whether a review paragraph is about the five years of a plan rather than the
    last year (`extract` follows it from paragraph to paragraph); None reads it from the
    paragraph's own opening."""
    if para.is_heading:
        return []
    if five_years is None:
        five_years = bool(_five_years(para))
    five_years = five_years and para.period == REVIEW
    plan_end = _plan_end(para.section) if para.period == PLAN else None
    out = []
    for sentence in para.sentences:
        status, year = _status(para, sentence, report_year)
        if not status:
            continue  # neither a result nor a target: not a figure we can label
        for f in _name_figures(sentence):
            unit, kind = f.unit, _kind(f, sentence)
            if unit == "个" and _POINTS_LIST.match(sentence, f.end):
                unit, kind = "个百分点", GROWTH  # 超目标任务42个、23个百分点
            value = f.value
            if kind == GROWTH and _DECREASE.search(f.verb):
                value = -value
            name, f_status, f_year = f.name, status, year
            if status == TARGET:
                by = _BY_YEAR.findall(sentence, 0, f.start)
                f_year = int(by[-1]) if by else plan_end or year
            if f.year:
                f_year = f.year
            elif f.base and year:
                # The start of 由A提高到B: the year before the period (or before the plan).
                f_status = RESULT
                if status == TARGET:
                    f_year = (report_year or year) - 1  # where the plan starts from
                else:
                    f_year = year - (5 if five_years else 1)
            if (
                five_years
                and _CUMULATIVE.search(f"{kind} {f.verb}")
                and not _PERIOD_IN.search(name)
                and not _COMPARISON.search(f.verb)
            ):
                name = name.replace("累计", "") + "五年累计"  # 城镇累计新增就业 over the five years
            out.append(
                Indicator(
                    doc_id=para.doc_id,
                    title=title or para.doc_id,
                    region=region,
                    paragraph=para.number,
                    section=SECTION_SEP.join(para.section),
                    sentence=sentence,
                    span=sentence[f.span_start : f.span_end].strip("、，, "),
                    name=name,
                    value=value,
                    value_text=f.value_text,
                    unit=unit,
                    kind=kind,
                    qualifier=f.qualifier,
                    year=f_year,
                    status=f_status,
                    period=para.period_label,
                )
            )
    return out


def extract(
    paragraphs: Iterable[Paragraph],
    *,
    title: str = "",
    region: str = "",
    report_year: int | None = None,
) -> list[Indicator]:
    """Every figure of the given paragraphs of one report."""
    out: list[Indicator] = []
    five_years = False  # the review is about the five years of a plan, until it turns to one
    for p in sorted(paragraphs, key=lambda p: p.number):
        if p.period != REVIEW:
            five_years = False
        elif not p.is_heading:
            opens = _five_years(p)
            five_years = five_years if opens is None else opens
        out.extend(
            extract_paragraph(
                p, title=title, region=region, report_year=report_year, five_years=five_years
            )
        )
    return out


def extract_report(report: Report) -> list[Indicator]:
    """Every figure of a parsed report."""
    return extract(
        report.paragraphs,
        title=report.title,
        region=report.meta.region,
        report_year=report.meta.year,
    )


CSV_FIELDS = tuple(Indicator.__dataclass_fields__)


def to_csv(records: Iterable[Indicator]) -> str:
    """The records as CSV text (a header row, then one row per figure, in field order)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for r in records:
        row = r.to_dict()
        row["year"] = row["year"] or ""
        writer.writerow(row)
    return buf.getvalue()


def rank_by_name(records: Sequence[Indicator], search: str) -> list[Indicator]:
    """The records a search found, best first: indicators named exactly `search`, then those
    whose name starts with it, then those whose name contains it, then those found by their
    sentence alone; each group keeps its order (report, then paragraph)."""
    needle = normalize(search or "")
    if not needle:
        return list(records)

    def rank(record: Indicator) -> int:
        name = normalize(record.name)
        if name == needle:
            return 0
        if name.startswith(needle):
            return 1
        return 2 if needle in name else 3

    return sorted(records, key=rank)
