"""The extractive answerer: picks the sentence(s) of the retrieved paragraphs that answer the
question, trims them to the clauses that matter, and abstains when none is supported well.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .. import lexicon
from ..cite import citation
from ..types import PLAN, REVIEW, Citation, Hit, Paragraph

NOT_FOUND = "报告中未找到与该问题相关的内容。"
_DIGIT = re.compile(r"\d")
_CLAUSE_SPLIT = re.compile(r"(?<=[，,：:])")


@dataclass(frozen=True)
class ExtractiveConfig:
    """Scoring weights and the abstention threshold (calibrated on the eval QA set)."""

    threshold: float = 0.42
    candidates: int = 5  # paragraphs whose sentences are considered
    max_answer_chars: int = 60
    rank_weight: float = 0.15  # prior for sentences of higher-ranked paragraphs
    numeric_bonus: float = 0.1
    numeric_penalty: float = 0.25


@dataclass(frozen=True)
class Extracted:
    text: str
    abstained: bool
    citations: tuple[Citation, ...]
    score: float


def _coverage(weights: dict[str, float], text: str) -> float:
    """Share of the question's term weight found in `text`."""
    total = sum(weights.values())
    if not total:
        return 0.0
    return sum(w for t, w in weights.items() if t in text) / total


def _constraints_met(intent: lexicon.QuestionIntent, para: Paragraph, context: str) -> bool:
    """Years and places the question names must be borne out by the paragraph."""
    for year in intent.years:
        if para.period_year == year:
            continue
        if f"{year}年" in context or str(year) in context:
            continue
        return False
    for place in intent.places:
        core = place.rstrip("市区县省")
        if place not in context and (len(core) < 2 or core not in context):
            return False
    return True


class ExtractiveAnswerer:
    """Answers from the retrieved paragraphs without a language model."""

    def __init__(self, config: ExtractiveConfig | None = None) -> None:
        self.config = config or ExtractiveConfig()

    def score_sentences(
        self, question: str, hits: list[Hit], regions: dict[str, str], weights: dict[str, float]
    ):
        """(score, hit index, sentence index) for every candidate sentence, best first.

        `weights` maps the question's content terms to their weight (e.g. IDF over the corpus).
        """
        cfg = self.config
        intent = lexicon.intent(question)
        scored = []
        for rank, hit in enumerate(hits[: cfg.candidates]):
            para = hit.paragraph
            heading_ctx = lexicon.normalize(" ".join(para.section))
            doc_ctx = lexicon.normalize(f"{hit.title} {regions.get(para.doc_id, '')}")
            para_norm = lexicon.normalize(para.text)
            if not _constraints_met(intent, para, f"{para_norm} {heading_ctx} {doc_ctx}"):
                continue
            lead = lexicon.normalize(para.sentences[0]) if para.sentences else ""
            for i, sentence in enumerate(para.sentences):
                s_norm = lexicon.normalize(sentence)
                own = _coverage(weights, s_norm)
                ctx = _coverage(weights, f"{s_norm} {lead} {heading_ctx} {doc_ctx}")
                score = 0.7 * own + 0.3 * ctx
                score += cfg.rank_weight * (1.0 - rank / max(cfg.candidates, 1))
                if intent.numeric:
                    score += cfg.numeric_bonus if _DIGIT.search(sentence) else -cfg.numeric_penalty
                if i in hit.matched[:3]:
                    score += 0.05
                scored.append((score, rank, i))
        scored.sort(key=lambda t: (-t[0], t[1], t[2]))
        return scored

    def answer(
        self, question: str, hits: list[Hit], regions: dict[str, str], weights: dict[str, float]
    ) -> Extracted:
        scored = self.score_sentences(question, hits, regions, weights)
        if not scored or scored[0][0] < self.config.threshold:
            return Extracted(NOT_FOUND, True, (), scored[0][0] if scored else 0.0)
        best, rank, idx = scored[0]
        hit = hits[rank]
        chosen = [idx]
        # A list or a figure often runs on into the next sentence of the same paragraph.
        for score, r, i in scored[1:4]:
            if r == rank and abs(i - idx) == 1 and score >= 0.85 * best:
                chosen.append(i)
        chosen.sort()
        text = "".join(hit.paragraph.sentences[i] for i in chosen)
        text = self._trim(text, weights, lexicon.intent(question).numeric)
        label = _period_note(hit.paragraph)
        if label:
            text = f"{text}（{label}）"
        return Extracted(text, False, (citation(hit, chosen),), best)

    def _trim(self, text: str, weights: dict[str, float], numeric: bool) -> str:
        """Keep the run of clauses around the one that best matches the question."""
        text = text.strip()
        if len(text) <= self.config.max_answer_chars:
            return text.rstrip("。；;")
        clauses = [c for c in _CLAUSE_SPLIT.split(text) if c]
        scores = []
        for c in clauses:
            score = _coverage(weights, lexicon.normalize(c))
            if numeric and _DIGIT.search(c):
                score += 0.1
            scores.append(score)
        best = max(range(len(clauses)), key=lambda i: scores[i])
        if scores[best] <= 0:
            return text[: self.config.max_answer_chars].rstrip("，,、") + "…"
        first = last = best
        # Grow over neighbours that match nearly as well (a figure's other half, a list).
        while first > 0 and scores[first - 1] >= 0.8 * scores[best]:
            first -= 1
        while last + 1 < len(clauses) and scores[last + 1] >= 0.8 * scores[best]:
            last += 1
        if numeric and not _DIGIT.search("".join(clauses[first : last + 1])):
            last = min(last + 1, len(clauses) - 1)
        out = "".join(clauses[first : last + 1]).strip().rstrip("，,：:。；;")
        if len(out) > self.config.max_answer_chars * 1.5:
            out = out[: self.config.max_answer_chars].rstrip("，,、") + "…"
        return out


def _period_note(para: Paragraph) -> str:
    if para.period == REVIEW and para.period_year:
        return f"{para.period_year}年实绩"
    if para.period == PLAN and para.period_year:
        return f"{para.period_year}年目标任务"
    return ""
