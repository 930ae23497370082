"""Answers on targets and their results: "2022年GDP增长目标完成了吗？" gets the target of 2022 and
the result for 2022, each with its citation, and the verdict; "历年GDP增长目标和实际" a short
table of every year. The question plan says whether a question asks this (`plan.tracks`); the
pairs come from `context.tracks` (see assistant/tracking.py). A question naming no indicator
the reports track, or a year no report covers, is left to the next answerer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..cite import citation
from ..question import QuestionPlan
from ..tracking import TrackTable, default_table
from ..types import MET, NOT_MET, Citation, Hit, TrackRecord, TrackSide
from .base import AnswerContext, Extracted

_RANGE_WORDS = re.compile(r"(?:19|20)\d{2}\s*年?\s*(?:到|至|—|－|-|~|～)\s*(?:19|20)\d{2}")
_ALL_YEARS = re.compile(r"历年|每年|各年|逐年|近几年|这几年|多年来|每一年|各年度|历次")
_RATE_ASK = re.compile(r"增长|增速|增幅|涨幅|率|下降|降低")


def asked_indicators(question: str, table: TrackTable, known: set[str]) -> list[str]:
    """The tracked indicators the question names, best first (longest wording; rates first
    when it asks about growth), among those with records (`known`)."""
    norm = question.replace(" ", "")
    found: list[tuple[int, int, str]] = []
    for spec in table.indicators:
        if spec.name not in known:
            continue
        length = max((len(a) for a in (spec.name, *spec.aliases) if a in norm), default=0)
        if length:
            rate_first = (spec.measure == "rate") == bool(_RATE_ASK.search(norm))
            found.append((length, int(rate_first), spec.name))
    found.sort(reverse=True)
    return [name for _, _, name in found]


def verdict_text(record: TrackRecord) -> str:
    if record.verdict == MET:
        return "达到目标"
    if record.verdict == NOT_MET:
        return "未达到目标"
    return f"无法判断是否达到目标（{record.reason}）" if record.reason else "无法判断是否达到目标"


def one_year_text(record: TrackRecord) -> str:
    """'2022年目标：增长5.5%左右；实际：增长3%；未达到目标。'"""
    target = record.target.stated if record.target else f"报告中未找到（{record.note}）"
    result = record.result.stated if record.result else f"报告中未找到（{record.note}）"
    return f"{record.year}年目标：{target}；实际：{result}；{verdict_text(record)}。"


def table_text(records: Sequence[TrackRecord]) -> str:
    """A short table: one line per year."""
    first = records[0]
    lines = [
        f"{first.region}{first.indicator}，目标与实际：",
        "| 年份 | 目标 | 实际 | 结果 |",
        "|---|---|---|---|",
    ]
    for r in records:
        target = r.target.stated if r.target else "—"
        result = r.result.stated if r.result else "—"
        lines.append(f"| {r.year} | {target} | {result} | {r.verdict} |")
    missing = [f"{r.year}年：{r.note}" for r in records if r.note]
    if missing:
        lines.append("缺少一方的年份：" + "；".join(missing) + "。")
    return "\n".join(lines)


class TrackAnswerer:
    """Answers questions on whether targets were met, from the target/result pairs."""

    def __init__(self, table: TrackTable | None = None, max_years: int = 40) -> None:
        self.table = table or default_table()
        self.max_years = max_years

    def answer(self, plan: QuestionPlan, context: AnswerContext) -> Extracted | None:
        if not plan.tracks or plan.unknown_place or context.tracks is None:
            return None
        pairs = list(context.tracks())
        if not pairs:
            return None
        regions = self._regions(plan, context, pairs)
        pairs = [p for p in pairs if p.region in regions] if regions else pairs
        names = asked_indicators(plan.question, self.table, {p.indicator for p in pairs})
        if not names:
            return None
        years = self._years(plan)
        for name in names:
            chosen = [p for p in pairs if p.indicator == name]
            if len({p.region for p in chosen}) > 1:
                return None  # several places and none named: which one is unclear
            if years:
                chosen = [p for p in chosen if p.year in years]
            if not chosen:
                continue
            if len(chosen) == 1 and years and len(years) == 1:
                (record,) = chosen
                return Extracted(one_year_text(record), False, self._cite(record, context), 1.0)
            if not years and not _ALL_YEARS.search(plan.question) and not plan.multi_year:
                return None  # a target of which year? let the other answerers read the question
            chosen = chosen[-self.max_years :]
            cites = tuple(c for r in chosen for c in self._cite(r, context))
            return Extracted(table_text(chosen), False, cites, 1.0)
        return None

    @staticmethod
    def _regions(
        plan: QuestionPlan, context: AnswerContext, pairs: Sequence[TrackRecord]
    ) -> set[str]:
        named = {context.docs[d].region for d in plan.place_documents if d in context.docs}
        if named:
            return named
        if context.documents:
            return {context.docs[d].region for d in context.documents if d in context.docs}
        regions = {p.region for p in pairs}
        if len(regions) > 1 and context.hits:
            return {context.regions.get(context.hits[0].paragraph.doc_id, "")}
        return regions

    @staticmethod
    def _years(plan: QuestionPlan) -> list[int]:
        years = sorted(set(plan.years))
        if len(years) == 2 and _RANGE_WORDS.search(plan.question.replace(" ", "")):
            return list(range(years[0], years[1] + 1))
        if years:
            return years
        return [plan.year] if plan.year is not None and plan.relative else []

    @staticmethod
    def _cite(record: TrackRecord, context: AnswerContext) -> tuple[Citation, ...]:
        out = []
        for side in (record.target, record.result):
            cite = _side_citation(side, context)
            if cite is not None:
                out.append(cite)
        return tuple(out)


def _side_citation(side: TrackSide | None, context: AnswerContext) -> Citation | None:
    if side is None:
        return None
    para = context.paragraph(side.doc_id, side.paragraph)
    if para is None or side.sentence not in para.sentences:
        return None
    hit = Hit(paragraph=para, title=side.title, score=1.0)
    return citation(hit, [para.sentences.index(side.sentence)])
