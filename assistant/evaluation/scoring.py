"""Scoring one answer against its QA item, and the headline figures of many.

The design contract (text matching is after NFKC and with all whitespace removed):

- answer correct: answerable, not abstained and every `must_include` element matched (an
  element may be a list of alternatives); unanswerable: correct = abstained.
- a retrieved or cited paragraph "hits" when it contains a gold `evidence` string;
  recall@k and MRR come from `Answer.retrieved` (answerable questions only).
- citation precision: cited paragraphs that hit / all cited paragraphs, over answerable
  questions that were answered; citation recall: answerable questions with a citation that
  hits / answerable questions.
- abstention precision: abstentions on unanswerable questions / all abstentions; recall:
  abstentions on unanswerable questions / unanswerable questions.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..types import Answer, RetrievedParagraph
from .schema import QA_TAGS, QA_TYPES, QAItem

RECALL_KS = (1, 3, 5)
# Headline figures of `summarise`, in report order, with their table labels.
HEADLINE = {
    "accuracy": "accuracy",
    "answerable_accuracy": "answerable acc.",
    "recall@1": "R@1",
    "recall@3": "R@3",
    "recall@5": "R@5",
    "mrr": "MRR",
    "citation_precision": "cite P",
    "citation_recall": "cite R",
    "abstention_precision": "abstain P",
    "abstention_recall": "abstain R",
    "answered_rate": "answered",
    "false_abstention_rate": "answerable but declined",
    "accuracy_when_answered": "acc. when answered",
    "false_abstentions": "false abstentions",
    "latency_p50_ms": "p50 ms",
    "latency_p95_ms": "p95 ms",
}


def normalise(text: str) -> str:
    """NFKC (full-width to half-width) with all whitespace removed."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def includes_all(text: str, must_include: Iterable[Sequence[str]]) -> bool:
    """Every element matched in `text` (any one of its alternatives), after normalising."""
    norm = normalise(text)
    return all(any(normalise(a) in norm for a in element) for element in must_include)


def has_evidence(text: str, evidence: Iterable[str]) -> bool:
    """`text` contains one of the gold evidence strings (after normalising both)."""
    norm = normalise(text)
    return any(normalise(e) in norm for e in evidence)


def evidence_rank(retrieved: Sequence[RetrievedParagraph], evidence: Sequence[str]) -> int | None:
    """1-based rank of the first retrieved paragraph holding gold evidence, or None."""
    for rank, paragraph in enumerate(retrieved, start=1):
        if has_evidence(paragraph.text, evidence):
            return rank
    return None


@dataclass(frozen=True)
class Verdict:
    """What the LLM judge said of one answer."""

    same: bool | None  # None: the judge could not be asked (the call failed)
    reply: str  # the model's reply (one line), or why the call failed


@dataclass(frozen=True)
class Scored:
    """One question, the answer given, and how it scored."""

    item: QAItem
    answer: Answer
    latency_ms: float
    rank: int | None  # of the first retrieved paragraph with gold evidence
    correct: bool
    cited: int  # citations given
    cited_with_evidence: int  # citations whose paragraph contains gold evidence
    judge: Verdict | None = None  # None: the LLM judge was not consulted

    @property
    def judged_correct(self) -> bool:
        """Strictly correct, or judged to state the same fact as the gold answer."""
        return self.correct or (self.judge is not None and self.judge.same is True)

    def to_dict(self) -> dict[str, Any]:
        top = self.answer.citations[0] if self.answer.citations else None
        return {
            "id": self.item.id,
            "type": self.item.type,
            "tags": list(self.item.tags),
            "answerable": self.item.answerable,
            "question": self.item.question,
            "gold": self.item.answer,
            "must_include": [list(e) for e in self.item.must_include],
            "answer": self.answer.text,
            "abstained": self.answer.abstained,
            "correct": self.correct,
            "evidence_rank": self.rank,
            "cited": self.cited,
            "cited_with_evidence": self.cited_with_evidence,
            "top_citation": (
                {"doc_id": top.doc_id, "paragraph": top.paragraph, "quote": top.quote}
                if top
                else None
            ),
            "latency_ms": round(self.latency_ms, 1),
            "judge": ({"same": self.judge.same, "reply": self.judge.reply} if self.judge else None),
        }


def score(item: QAItem, answer: Answer, latency_ms: float = 0.0) -> Scored:
    """Score one answer against its QA item."""
    if item.answerable:
        correct = not answer.abstained and includes_all(answer.text, item.must_include)
        rank = evidence_rank(answer.retrieved, item.evidence)
        cited_with_evidence = sum(has_evidence(c.text, item.evidence) for c in answer.citations)
    else:
        correct, rank, cited_with_evidence = answer.abstained, None, 0
    return Scored(
        item=item,
        answer=answer,
        latency_ms=latency_ms,
        rank=rank,
        correct=correct,
        cited=len(answer.citations),
        cited_with_evidence=cited_with_evidence,
    )


def ratio(part: float, whole: float) -> float | None:
    """`part / whole` to 4 places, or None when there is no denominator."""
    return round(part / whole, 4) if whole else None


def summarise(results: Sequence[Scored], judged: bool = False) -> dict[str, Any]:
    """Headline figures of a set of scored questions (None where a figure has no denominator).

    `judged`: the LLM judge ran over these results, so `judged_accuracy` is measured (it is
    None otherwise).
    """
    answerable = [r for r in results if r.item.answerable]
    unanswerable = [r for r in results if not r.item.answerable]
    answered = [r for r in answerable if not r.answer.abstained]
    abstained = [r for r in results if r.answer.abstained]
    latencies = [r.latency_ms for r in results]
    figures: dict[str, Any] = {
        "questions": len(results),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "accuracy": ratio(sum(r.correct for r in results), len(results)),
        "answerable_accuracy": ratio(sum(r.correct for r in answerable), len(answerable)),
        "judged_accuracy": (
            ratio(sum(r.judged_correct for r in results), len(results)) if judged else None
        ),
    }
    for k in RECALL_KS:
        hits = sum(r.rank is not None and r.rank <= k for r in answerable)
        figures[f"recall@{k}"] = ratio(hits, len(answerable))
    figures["mrr"] = ratio(sum(1 / r.rank for r in answerable if r.rank), len(answerable))
    figures["citation_precision"] = ratio(
        sum(r.cited_with_evidence for r in answered), sum(r.cited for r in answered)
    )
    figures["citation_recall"] = ratio(
        sum(r.cited_with_evidence > 0 for r in answerable), len(answerable)
    )
    figures["abstention_precision"] = ratio(
        sum(not r.item.answerable for r in abstained), len(abstained)
    )
    figures["abstention_recall"] = ratio(
        sum(r.answer.abstained for r in unanswerable), len(unanswerable)
    )
    # What abstention costs on answerable questions: how many went unanswered, and how many
    # of those had the gold evidence within the top 5 paragraphs retrieved.
    figures["answered_rate"] = ratio(len(answered), len(answerable))
    figures["false_abstention_rate"] = ratio(len(answerable) - len(answered), len(answerable))
    figures["accuracy_when_answered"] = ratio(sum(r.correct for r in answered), len(answered))
    figures["false_abstentions"] = len(answerable) - len(answered)
    figures["false_abstentions_evidence_in_top5"] = sum(
        r.answer.abstained and r.rank is not None and r.rank <= 5 for r in answerable
    )
    figures["latency_p50_ms"] = round(float(np.percentile(latencies, 50)), 1) if results else None
    figures["latency_p95_ms"] = round(float(np.percentile(latencies, 95)), 1) if results else None
    return figures


def summarise_by_type(results: Sequence[Scored], judged: bool = False) -> dict[str, dict[str, Any]]:
    """`summarise` per question type, types in schema order."""
    types = [t for t in QA_TYPES if any(r.item.type == t for r in results)]
    return {t: summarise([r for r in results if r.item.type == t], judged) for t in types}


def summarise_by_tag(results: Sequence[Scored], judged: bool = False) -> dict[str, dict[str, Any]]:
    """`summarise` over the questions of each tag present: QA_TAGS in order, then others."""
    present = {t for r in results for t in r.item.tags}
    tags = [t for t in QA_TAGS if t in present] + sorted(present - set(QA_TAGS))
    return {t: summarise([r for r in results if t in r.item.tags], judged) for t in tags}
