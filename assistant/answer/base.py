"""The one interface every answerer shares: a question plan and its retrieved context in, an
answer or "not mine" (None) out. The pipeline asks its answerers in order and takes the first
answer; the extractive answerer comes last and always answers (or abstains).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from ..question import QuestionPlan
from ..types import Citation, DocumentInfo, Hit, Indicator, Paragraph, TrackRecord

NOT_FOUND = "报告中未找到与该问题相关的内容。"
NOT_FOUND_RELATED = "报告中未找到该问题的答案，下面是报告中相关的内容。"


@dataclass(frozen=True)
class Extracted:
    """An answer without a language model: its text and citations, or an abstention."""

    text: str
    abstained: bool
    citations: tuple[Citation, ...]
    score: float
    related: tuple[Citation, ...] = ()  # when abstained: close statements, never the answer


def abstention(score: float = 0.0, related: Sequence[Citation] = ()) -> Extracted:
    """报告中未找到, with the related statements when there are any."""
    related = tuple(related)
    return Extracted(NOT_FOUND_RELATED if related else NOT_FOUND, True, (), score, related)


@dataclass
class AnswerContext:
    """What answerers read besides the plan: the retrieved paragraphs and the indexed reports."""

    hits: list[Hit]
    weights: dict[str, float]  # content term -> weight (IDF over the indexed units)
    regions: dict[str, str]  # doc_id -> region
    docs: Mapping[str, DocumentInfo]
    paragraph: Callable[[str, int], Paragraph | None]
    outline: Callable[[str], list[Paragraph]]
    indicators: Callable[[], Sequence[Indicator]] = lambda: ()
    documents: Sequence[str] | None = None  # the caller's report filter
    report_year: int | None = None  # the caller's year filter
    titles: dict[str, str] = field(default_factory=dict)
    # Targets followed to their results (None: the caller does not track them).
    tracks: Callable[[], Sequence[TrackRecord]] | None = None


class Answerer(Protocol):
    """Answers the questions it knows how to answer; None leaves the question to the next one."""

    def answer(self, plan: QuestionPlan, context: AnswerContext) -> Extracted | None: ...
