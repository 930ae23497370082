"""Questions about a report's own delivery (who delivered it, on which date, at which meeting),
answered from its title block with the title-block line cited.

The facts come from the report's identity (`DocumentInfo.speaker`, `speaker_role`, `date`,
`meeting`, read from the title block at ingest); the citation is the paragraph of the title
block that states them (two when the dateline is broken over two lines). A report whose title
block does not state the asked fact, such as one that starts at 各位代表, is answered 报告中未找到:
a name or date written elsewhere in the text is not taken for it. When the question's scope
holds a few reports (2024年政府工作报告 of a city and a district), each one whose title block
states the fact is answered under its title.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from ..cite import citation
from ..lexicon import normalize
from ..question import DELIVERED_AT, DELIVERED_BY, DELIVERED_ON, QuestionPlan
from ..types import FRONT, Citation, DocumentInfo, Hit, Paragraph
from ..vocab import CN_DIGITS, CN_ZEROS, SALUTATION, TITLE_BLOCK_LINES, cn_numeral
from .base import AnswerContext, Extracted, abstention

# More reports than this in scope: the question does not say which report it is about.
_MAX_REPORTS = 4


class DeliveryAnswerer:
    """Answers who delivered a report, when and where, from its title block."""

    def answer(self, plan: QuestionPlan, context: AnswerContext) -> Extracted | None:
        if not plan.delivery:
            return None
        if plan.unknown_place and not plan.place_documents:
            return abstention()  # a place no report is about
        reports = _reports(plan, context)
        if len(reports) > _MAX_REPORTS:
            return None
        answers: list[tuple[str, str, list[Citation]]] = []
        for doc_id in reports:
            info = context.docs[doc_id]
            found = _stated(plan.delivery, info, _title_block(context, doc_id))
            if found:
                text, paragraphs = found
                title = context.titles.get(doc_id, info.title)
                cited = [citation(Hit(p, title, 1.0), range(len(p.sentences))) for p in paragraphs]
                answers.append((title, text, cited))
        if not answers:
            return abstention()
        if len(reports) == 1:
            _, text, cited = answers[0]
            return Extracted(f"{text}。", False, tuple(cited), 1.0)
        return Extracted(
            "；".join(f"{title}：{text}" for title, text, _ in answers) + "。",
            False,
            tuple(c for _, _, cited in answers for c in cited),
            1.0,
        )


def _reports(plan: QuestionPlan, context: AnswerContext) -> list[str]:
    """The reports the question is about: those it routes to, within the caller's filters."""
    reports = list(plan.documents or plan.place_documents or context.documents or context.docs)
    if context.documents:
        reports = [d for d in reports if d in context.documents]
    if context.report_year is not None:
        reports = [
            d for d in reports if d in context.docs and context.docs[d].year == context.report_year
        ]
    return [d for d in reports if d in context.docs]


def _title_block(context: AnswerContext, doc_id: str) -> list[Paragraph]:
    """The report's paragraphs before its salutation (各位代表) and its first section."""
    block: list[Paragraph] = []
    for number in range(1, TITLE_BLOCK_LINES + 1):
        paragraph = context.paragraph(doc_id, number)
        if (
            paragraph is None
            or paragraph.section
            or paragraph.part not in (FRONT, "")
            or paragraph.text.strip().startswith(SALUTATION)
        ):
            break
        block.append(paragraph)
    return block


def _stated(
    asked: str, info: DocumentInfo, block: Sequence[Paragraph]
) -> tuple[str, list[Paragraph]] | None:
    """(the answer, the title-block paragraphs stating it), or None when the block does not."""
    if asked == DELIVERED_BY:
        if not info.speaker:
            return None
        who = f"{info.speaker_role}{info.speaker}"
        lines = _lines_with(block, who) or _lines_with(block, info.speaker)
        return (f"由{who}作报告", lines) if lines else None
    day = _written_date(info.date)
    dateline = (_lines_with(block, info.meeting) if info.meeting else []) or (
        _lines_with(block, *_date_forms(info.date)) if day else []
    )
    if not dateline:
        return None
    where = f"在{info.meeting}上" if info.meeting else ""
    if asked == DELIVERED_ON and day:
        return f"{day}{'，' if where else ''}{where}作报告", dateline
    if asked == DELIVERED_AT and where:
        return f"{day}{where}作报告", dateline
    return None


def _lines_with(block: Sequence[Paragraph], *needles: str) -> list[Paragraph]:
    """The first paragraph of the block, or two running on, holding one of the needles."""
    wanted = [normalize(n) for n in needles if n]
    for size in (1, 2):
        for i in range(len(block) - size + 1):
            window = block[i : i + size]
            joined = "".join(normalize(p.text) for p in window)
            if any(n in joined for n in wanted):
                return list(window)
    return []


def _written_date(iso: str) -> str:
    """2026年2月5日 for 2026-02-05; "" for no date."""
    try:
        day = date.fromisoformat(iso)
    except ValueError:
        return ""
    return f"{day.year}年{day.month}月{day.day}日"


def _date_forms(iso: str) -> tuple[str, ...]:
    """A date as a dateline writes it: 2026年1月27日 or 二〇二六年一月二十七日."""
    day = date.fromisoformat(iso)
    digits = CN_ZEROS[0] + CN_DIGITS
    year = "".join(digits[int(c)] for c in str(day.year))
    return (_written_date(iso), f"{year}年{cn_numeral(day.month)}月{cn_numeral(day.day)}日")
