"""Answers from the indicator table: a question asking for a figure that a record matches well
gets that record's figure, labelled with its year and whether it is a result or a target, and
the record's sentence as the citation. Anything less than a good match returns None and the
extractive answerer takes over.

A record matches well when its indicator name covers the question's topic terms and the
question's terms cover its name (both by term weight), its document is the place the question
names (else the document retrieval ranked first), its year and result/target agree with what
the question asks for, and its kind (growth, share, amount in the asked unit) fits the question.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .. import lexicon
from ..cite import citation
from ..question import FACT, FIGURE, QuestionPlan, TopicTerm, region_core
from ..types import PLAN, RESULT, REVIEW, TARGET, Hit, Indicator
from ..vocab import (
    ASK_WORDS,
    MULTI_YEAR_WORDS,
    RATE_UNITS,
    RECENT_PLAN,
    alternation,
    states_change,
)
from .base import AnswerContext, Extracted

_WANTS_GROWTH = re.compile(r"增长|增速|增幅|增长率|提高|下降|降低|减少|涨幅|百分点")
_WANTS_SHARE = re.compile(r"比重|占比|比例|覆盖率|普及率|达标率|满意率|合格率|治理率|率是")
_SEVERAL = re.compile(r"分别|各[是为自项有]|哪些|都是")  # the question asks for several figures
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
# A figure over several years (any 五年 or 十年 here: the record's sentence is matched, not a
# paragraph being scored as in the extractive answerer).
_SPAN_FIGURE = re.compile(f"{alternation((*MULTI_YEAR_WORDS, '五年', '十年'))}|{RECENT_PLAN}")


@dataclass(frozen=True)
class FiguresConfig:
    """How well a record must match before its figure answers the question."""

    min_topic: float = 0.7  # share of the question's topic weight in the name and its sentence
    min_name: float = 0.6  # share of the name's characters found in the question's terms
    min_sibling: float = 0.4  # the same, for further figures of the chosen sentence
    paragraph_pool: int = 3  # without a period in the question: only records of the top hits


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)} or {text}


def _name_score(
    record: Indicator, terms: Sequence[TopicTerm], question: str
) -> tuple[float, float, float]:
    """(topic coverage by the name, by the name and its sentence, name coverage by the
    question). A term counts when the name says it or one of its synonyms."""
    norm = lexicon.normalize(record.name)
    context = f"{norm} {lexicon.normalize(record.sentence)}"
    total = sum(t.weight for t in terms)
    topic = sum(t.weight for t in terms if t.in_text(norm)) / total if total else 0.0
    # Elsewhere in the sentence a compound counts only in its own wording: the words of
    # 农村居民人均可支配收入 spread over a sentence about 全体居民… and 农村居民收入 are not it.
    in_context = (
        sum(t.weight for t in terms if t.in_text(norm) or any(a in context for a in t.alternatives))
        / total
        if total
        else 0.0
    )
    grams = _bigrams(norm)
    covered = sum(1 for g in grams if g in question) / len(grams)
    return topic, in_context, covered


def _fits_kind(record: Indicator, question: str, plan: QuestionPlan) -> bool:
    intent = plan.intent
    if plan.asks_change and record.kind != "growth":
        # A level (农村劳动力转移就业1697.7万人) does not say how much it grew, unless its
        # words say so (比上年增加120万人).
        before = record.span.replace(record.name, "").split(record.value_text)[0]
        if not states_change(before):
            return False
    if intent.units:
        # Enterprises are counted in 户 or 家 alike.
        units = set(intent.units) | ({"户", "家"} if {"户", "家"} & set(intent.units) else set())
        return any(record.unit.endswith(u) for u in units)
    if _WANTS_GROWTH.search(question):
        return record.kind == "growth" or (record.kind == "share" and "率" in record.name)
    if _WANTS_SHARE.search(question):
        return record.kind == "share"
    return True


def figure_text(records: Sequence[Indicator]) -> str:
    """'地区生产总值1800亿元左右、增长7.0%左右（2023年实绩）': the figures grouped by indicator."""
    groups: dict[str, list[str]] = {}
    for r in records:
        if r.kind == "growth" and r.unit in RATE_UNITS:
            verb = "下降" if r.value < 0 else "增长"
            groups.setdefault(r.name, []).append(f"{verb}{r.value_text}")
        else:
            groups.setdefault(r.name, []).append(r.value_text)
    text = "；".join(f"{name}{'、'.join(values)}" for name, values in groups.items())
    return f"{text}（{records[0].status_label}）"


class FigureAnswerer:
    """Answers figure questions from indicator records, or declines (None)."""

    def __init__(self, config: FiguresConfig | None = None) -> None:
        self.config = config or FiguresConfig()

    def answer(self, plan: QuestionPlan, context: AnswerContext) -> Extracted | None:
        """The answer from the best-matching record, or None (the next answerer's turn)."""
        if plan.answer_type not in (FIGURE, FACT) or not plan.numeric or plan.uncovered:
            return None
        if plan.unknown_place:
            return None  # a place no report is about: only a sentence naming it may answer
        records = context.indicators()
        if not records:
            return None
        norm = lexicon.expand(plan.question)
        doc = _the_document(plan, context)
        if doc is None:
            return None
        years = {d: info.year for d, info in context.docs.items()}
        report_year = context.report_year
        if report_year is not None and years.get(doc) != report_year:
            return None
        status, year = _wanted_status_year(plan, years.get(doc))
        terms = _topic_terms(plan, context.regions)
        if not terms:
            return None
        scored, siblings = self._match(plan, context, records, doc, status, year, terms, norm)
        return _answer_from(context, records, scored, siblings, terms, norm)

    def _match(
        self,
        plan: QuestionPlan,
        context: AnswerContext,
        records: Sequence[Indicator],
        doc: str,
        status: str,
        year: int | None,
        terms: Sequence[TopicTerm],
        norm: str,
    ) -> tuple[list[tuple[float, bool, Indicator]], list[Indicator]]:
        """(score, fits the asked kind, record) of the records matching well, and the weaker
        matches (siblings), shown only beside a good one from the same sentence."""
        cfg = self.config
        hits = context.hits
        pool = {(h.paragraph.doc_id, h.paragraph.number) for h in hits[: cfg.paragraph_pool]}
        given = set(_NUMBER.findall(norm))
        scored = []
        siblings = []  # weaker matches, shown only beside a good one from the same sentence
        for r in records:
            if r.doc_id != doc:
                continue
            if status and r.status != status:
                continue
            if year is not None and r.year != year:
                continue
            if not status and year is None and (r.doc_id, r.paragraph) not in pool:
                continue
            number = _NUMBER.search(r.value_text)
            if number and number.group(0) in given:
                continue  # the question states this figure ("去年18个…项目完成了多少投资")
            if bool(_SPAN_FIGURE.search(f"{r.name}{r.span}")) != plan.multi_year:
                continue  # a five-year average or total for one year's figure, or the reverse
            topic, in_context, covered = _name_score(r, terms, norm)
            # The name must be what the question names; the rest of the question's topic may
            # be said elsewhere in the sentence (…中心城区城市更新行动，…完成老旧小区改造206个).
            head = lexicon.normalize(r.name)[-2:]
            if head not in norm:
                continue  # the question does not name what this figure counts (…产值, …总数)
            if in_context >= cfg.min_topic and covered >= cfg.min_name:
                scored.append((2 * topic + in_context + covered, _fits_kind(r, norm, plan), r))
            elif topic > 0 and covered >= cfg.min_sibling:
                siblings.append(r)
        return scored, siblings


def _the_document(plan: QuestionPlan, context: AnswerContext) -> str | None:
    """The one document the question is about: the place it names (within the documents the
    context allows), else the document retrieval ranked first; None when there are two."""
    hits = context.hits
    docs = set(plan.documents)
    if context.documents:
        docs = (docs & set(context.documents)) if docs else set(context.documents)
    if not docs and hits:
        docs = {hits[0].paragraph.doc_id}
    if len(docs) != 1:
        return None  # two places: multipart splits such questions; otherwise unclear
    (doc,) = docs
    return doc


def _wanted_status_year(plan: QuestionPlan, doc_year: int | None) -> tuple[str, int | None]:
    """(result or target or "", year or None) the question asks for, in a report of doc_year."""
    if plan.status:
        status = plan.status
        year = plan.year
        if year is None and doc_year:
            year = doc_year - 1 if status == RESULT else doc_year
        return status, year
    period, year = plan.intent.wanted(doc_year)
    return {REVIEW: RESULT, PLAN: TARGET}.get(period, ""), year


def _topic_terms(plan: QuestionPlan, regions: Mapping[str, str]) -> list[TopicTerm]:
    """The question's topic terms a record's name must cover: without ask words, place names
    and the words of a compound term also listed whole."""
    place_words = {p for r in regions.values() for p in (r, region_core(r))}
    return [
        t
        for t in plan.topic
        if t.term not in ASK_WORDS
        and not any(t.term in p for p in place_words if p)
        and not any(t.term in o.parts for o in plan.topic)  # a compound's words: once
    ]


def _answer_from(
    context: AnswerContext,
    records: Sequence[Indicator],
    scored: Sequence[tuple[float, bool, Indicator]],
    siblings: Sequence[Indicator],
    terms: Sequence[TopicTerm],
    norm: str,
) -> Extracted | None:
    """The answer from the best-scoring record that fits the asked kind, with the figures of
    its sentence that match too; None when the best matches disagree."""
    fitting = [(s, r) for s, fits, r in scored if fits]
    if not fitting:
        return None
    best = max(s for s, _ in fitting)
    top = [r for s, r in fitting if s >= best - 1e-9]
    first = top[0]
    if any((r.name, r.status, r.year) != (first.name, first.status, first.year) for r in top):
        return None  # different indicators match equally well: let retrieval decide
    if len({(r.paragraph, r.sentence) for r in top}) > 1 and len({r.value_text for r in top}) > 1:
        return None  # one indicator, different figures in different places
    # With it: the other figures of its sentence that match the question (民生支出204.98亿元，
    # 占…66.4%) and the other figures of the same indicator there (397亿元、增长9%).
    same_sentence = [
        r
        for r in records
        if (r.doc_id, r.paragraph, r.sentence) == (first.doc_id, first.paragraph, first.sentence)
    ]
    if _name_score(first, terms, norm)[2] >= 1.0 and not _SEVERAL.search(norm):
        siblings = []  # the question names this indicator exactly and asks for one figure
    matching = {id(r) for _, _, r in scored} | {id(r) for r in siblings}
    shown = [r for r in same_sentence if id(r) in matching or first.name.startswith(r.name)]
    para = context.paragraph(first.doc_id, first.paragraph)
    if para is None or first.sentence not in para.sentences:
        return None
    hit = Hit(paragraph=para, title=first.title, score=best / 4)
    cite = citation(hit, [para.sentences.index(first.sentence)])
    return Extracted(figure_text(shown), False, (cite,), best / 4)
