"""The answer path: a question cleaned, rewritten if it follows up, split if it asks
several things, retrieved for and answered, by the LLM or extractively (`AnsweringMixin`,
part of `Assistant`)."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict

from .. import lexicon
from ..answer.base import AnswerContext, Answerer, Extracted, abstention
from ..answer.extractive import ExtractiveAnswerer
from ..answer.followup import rewrite_followup
from ..answer.multipart import split_question
from ..errors import DocumentNotFoundError
from ..question import QuestionPlan, asks_tracking, plan_question
from ..types import Answer, Hit, RetrievedParagraph
from .notices import MAX_QUESTION_CHARS, _clean_question, _waiting_notice
from .tables import TablesMixin

if TYPE_CHECKING:
    # The LLM chain (LangChain, the OpenAI client) is imported only in LLM mode: it takes
    # about a second, a third of an extractive `assistant ask`.
    from ..answer.llm import LLMAnswerer, LLMResult


History = Sequence[Sequence[str]]  # (question, answer) turns, oldest first


@dataclass
class _Prepared:
    """A question after rewriting and retrieval, with its extractive answer (the fallback)."""

    question_in: str  # as asked
    question: str  # standalone form used for retrieval and answering
    rewritten: str  # the standalone form when it differs from the question, else ""
    notices: list[str]
    hits: list[Hit]
    extracted: Extracted
    timings: dict[str, float]
    started: float
    keyword_only: tuple[str, ...] = ()  # reports in scope not yet embedded

    def fallback(self) -> Extracted:
        """The extractive answer, for the LLM answerer to fall back on."""
        return self.extracted


class _AnswerCommon(TypedDict):
    """The fields of an `Answer` that are the same whoever answered."""

    question: str
    timings: dict[str, float]
    rewritten_question: str
    retrieved: tuple[RetrievedParagraph, ...]
    keyword_only: tuple[str, ...]


class AnsweringMixin(TablesMixin):
    """`Assistant.ask`, `stream`, `ask_batch` and `iter_batch`."""

    llm: LLMAnswerer | None
    answerers: list[Answerer]
    extractive: ExtractiveAnswerer
    _embedding: dict[str, tuple[int, int]]

    def ask(
        self,
        question: str,
        documents: Sequence[str] | None = None,
        year: int | None = None,
        history: History | None = None,
    ) -> Answer:
        """Answer one question from the indexed reports, with citations.

        `history` holds the earlier (question, answer) turns of a conversation; a follow-up
        such as "那2024年的目标呢？" is first rewritten into a standalone question.
        """
        prepared = self._prepare(question, documents, year, history)
        if self.llm is None:
            return self._answer_from(prepared, None)
        t0 = time.perf_counter()
        result = self.llm.answer(prepared.question, prepared.hits, lambda: prepared.extracted)
        prepared.timings["llm"] = time.perf_counter() - t0
        return self._answer_from(prepared, result)

    def stream(
        self,
        question: str,
        documents: Sequence[str] | None = None,
        year: int | None = None,
        history: History | None = None,
    ) -> Iterator[str | Answer]:
        """Yield the answer text in chunks as it is generated, then the final `Answer`.

        The chunks are the raw text; the `Answer` (always the last item) holds the final
        text, which may differ (citation markers renumbered, or the extractive fallback).
        """
        prepared = self._prepare(question, documents, year, history)
        if self.llm is None:
            answer = self._answer_from(prepared, None)
            yield answer.text
            yield answer
            return
        from ..answer.llm import LLMResult

        t0 = time.perf_counter()
        for item in self.llm.stream(prepared.question, prepared.hits, lambda: prepared.extracted):
            if isinstance(item, LLMResult):
                prepared.timings["llm"] = time.perf_counter() - t0
                yield self._answer_from(prepared, item)
            else:
                yield item

    def _prepare(
        self,
        question: str,
        documents: Sequence[str] | None,
        year: int | None,
        history: History | None,
    ) -> _Prepared:
        """Clean and rewrite the question, retrieve, and compute the extractive answer."""
        t0 = time.perf_counter()
        question_in = question
        question, notices = _clean_question(question)
        if documents:
            unknown = set(documents) - set(self.store.live_hashes())
            if unknown:
                raise DocumentNotFoundError(f"no indexed document {sorted(unknown)[0]!r}")
        timings: dict[str, float] = {}
        rewritten = ""
        if history:
            if self.llm is not None:
                standalone = self.llm.rewrite(question, history)
            else:
                standalone = rewrite_followup(question, history)
            standalone = standalone.strip()[:MAX_QUESTION_CHARS]
            if standalone and standalone != question:
                rewritten = question = standalone
            timings["rewrite"] = time.perf_counter() - t0
        self.retriever.refresh(wait=False)
        docs = self.retriever.documents
        waiting = tuple(
            d.doc_id
            for d in docs.values()
            if not d.embedded and (not documents or d.doc_id in documents)
        )
        if waiting:
            notices.append(_waiting_notice([docs[d] for d in waiting], self._embedding))
        regions = {d.doc_id: d.region for d in docs.values()}
        # A question on whether a target was met asks for both sides of one pair, not two things.
        parts = [] if asks_tracking(question) else split_question(question, regions)
        if documents:
            parts = [p for p in parts if not p.documents or set(p.documents) & set(documents)]
        terms = lexicon.content_terms(question)
        plan = plan_question(
            question,
            docs,
            self._weights(question),
            [(p.text, p.label, p.documents) for p in parts] if len(parts) >= 2 else (),
            unknown_terms=self.retriever.unknown_terms(
                [*terms, *(w for t in terms for w in lexicon.SYNONYMS.get(t, ()))]
            ),
        )
        if plan.parts:
            results, per_part = [], []
            for part in plan.parts:
                part_hits, part_result = self._answer_one(part, documents, year, timings)
                results.append((part.label, part_result))
                per_part.append(part_hits)
            hits = _interleave(per_part)
            result = _combined(results)
        else:
            hits, result = self._answer_one(plan, documents, year, timings)
        return _Prepared(
            question_in, question, rewritten, notices, hits, result, timings, t0, waiting
        )

    def _answer_from(self, prepared: _Prepared, result: LLMResult | None) -> Answer:
        """The Answer for a prepared question: extractive (result None) or from the LLM."""
        prepared.timings["total"] = time.perf_counter() - prepared.started
        common: _AnswerCommon = {
            "question": prepared.question_in,
            "timings": prepared.timings,
            "rewritten_question": prepared.rewritten,
            "retrieved": tuple(_hit_ref(h) for h in prepared.hits),
            "keyword_only": prepared.keyword_only,
        }
        if result is None:
            ex = prepared.extracted
            return Answer(
                text=ex.text,
                abstained=ex.abstained,
                mode="extractive",
                citations=ex.citations,
                related=ex.related if ex.abstained else (),
                verified=None,
                notices=tuple(prepared.notices),
                **common,
            )
        return Answer(
            text=result.text,
            abstained=result.abstained,
            # An unverified LLM answer replaced by the extractive one is an extractive answer.
            mode="extractive" if result.fallback else "llm",
            citations=result.citations,
            related=prepared.extracted.related if result.abstained else (),
            verified=result.verified,
            notices=(*prepared.notices, *result.notices),
            **common,
        )

    def _answer_one(
        self,
        plan: QuestionPlan,
        documents: Sequence[str] | None,
        year: int | None,
        timings: dict[str, float],
    ) -> tuple[list[Hit], Extracted]:
        """Retrieve for one planned question and ask the answerers in turn."""
        t0 = time.perf_counter()
        scope: Sequence[str] | None = documents
        if plan.documents:
            routed = [d for d in plan.documents if not documents or d in documents]
            scope = routed or documents
        elif plan.uncovered and plan.place_documents:
            scope = plan.place_documents  # for the related statements only
        hits = self._retrieve_in(plan.question, scope, documents, year, timings)
        t1 = time.perf_counter()
        weights = self._weights(plan.question)
        docs = self.retriever.documents
        context = AnswerContext(
            hits=hits,
            weights=weights,
            regions={d: info.region for d, info in docs.items()},
            docs=docs,
            paragraph=self.retriever.paragraph,
            outline=self.retriever.outline,
            indicators=lambda: self._live_indicators(
                {d: info.content_hash for d, info in docs.items()}
            ),
            documents=documents,
            report_year=year,
            titles={d: info.title for d, info in docs.items()},
            tracks=lambda: self._live_tracks({d: info.content_hash for d, info in docs.items()}),
        )
        result: Extracted | None = None
        for answerer in self.answerers:
            result = answerer.answer(plan, context)
            if result is not None:
                break
        assert result is not None  # the extractive answerer always answers or abstains
        if result.abstained and not result.related and plan.topic:
            # Nothing close among the paragraphs of the asked year: look wider in the asked
            # places' reports for what they do say about the topic.
            topic = " ".join(dict.fromkeys(t.term for t in plan.topic if len(t.term) >= 2))
            wider = self.retriever.retrieve(
                topic, k=8, documents=plan.place_documents or documents, year=year
            )
            related = self.extractive.related(plan, wider)
            if related:
                result = abstention(result.score, related)
        if answerer is not self.extractive and not result.abstained and result.citations:
            # The heading or figure the answer comes from: its paragraph leads the ranking.
            cited = result.citations[0]
            para = self.retriever.paragraph(cited.doc_id, cited.paragraph)
            if para is not None and (not hits or hits[0].paragraph != para):
                top = Hit(paragraph=para, title=cited.title, score=hits[0].score if hits else 1.0)
                hits = [top] + [h for h in hits if h.paragraph != para]
        timings["retrieve"] = timings.get("retrieve", 0.0) + t1 - t0
        timings["answer"] = timings.get("answer", 0.0) + time.perf_counter() - t1
        return hits, result

    def _retrieve_in(
        self,
        question: str,
        scope: Sequence[str] | None,
        documents: Sequence[str] | None,
        year: int | None,
        timings: dict[str, float],
        k: int = 8,
    ) -> list[Hit]:
        """The k best paragraphs of the reports in `scope`.

        They are first taken, in their order, from a ranking over all the reports the caller
        allows: ranked among other reports' paragraphs, a report's own paragraphs keep the
        order its sentences earn (ranked alone, its longest paragraphs gather the most units).
        The scope's own ranking fills what is missing.
        """
        if not scope or (documents and set(scope) >= set(documents)):
            return self.retriever.retrieve(
                question, k=k, documents=scope, year=year, timings=timings
            )
        vector = None
        if self.retriever.config.pipeline in ("hybrid", "dense"):
            t0 = time.perf_counter()
            vector = self.retriever.embedder.embed_query(question)
            timings["embed"] = timings.get("embed", 0.0) + time.perf_counter() - t0
        wide = self.retriever.retrieve(
            question,
            k=k * 3,
            documents=documents,
            year=year,
            query_vector=vector,
            timings=timings,
        )
        allowed = set(scope)
        hits = [h for h in wide if h.paragraph.doc_id in allowed][:k]
        if len(hits) < k:
            seen = {(h.paragraph.doc_id, h.paragraph.number) for h in hits}
            narrow = self.retriever.retrieve(
                question, k=k, documents=scope, year=year, query_vector=vector, timings=timings
            )
            hits += [h for h in narrow if (h.paragraph.doc_id, h.paragraph.number) not in seen]
        return hits[:k]

    def _weights(self, question: str) -> dict[str, float]:
        """IDF weights of the question's content terms. A report wording added for a user
        term (国内生产总值 for GDP) that no indexed report uses is left out: it is one of
        several names, not something the reports lack."""
        terms = lexicon.content_terms(question)
        own = set(lexicon.tokens(question))
        unknown = self.retriever.unknown_terms(terms)
        return {
            t: w
            for t, w in self.retriever.term_weights(terms).items()
            if t in own or t not in unknown
        }

    def ask_batch(
        self,
        questions: Sequence[str],
        documents: Sequence[str] | None = None,
        year: int | None = None,
    ) -> list[Answer]:
        """Answer many questions; answers come back in the order asked."""
        return list(self.iter_batch(questions, documents=documents, year=year))

    def iter_batch(self, questions: Sequence[str], **filters: Any) -> Iterator[Answer]:
        """Answers in the order asked, one at a time (LLM calls of a window run concurrently)."""
        if self.llm is None:
            for q in questions:
                yield self.ask(q, **filters)
            return
        questions = list(questions)
        window = self.llm.concurrency * 2
        for start in range(0, len(questions), window):
            # Retrieval runs one question at a time; the window's LLM calls run concurrently.
            prepared = [
                self._prepare(q, filters.get("documents"), filters.get("year"), None)
                for q in questions[start : start + window]
            ]
            t0 = time.perf_counter()
            results = self.llm.answer_many([(p.question, p.hits, p.fallback) for p in prepared])
            elapsed = time.perf_counter() - t0
            for p, result in zip(prepared, results, strict=True):
                p.timings["llm"] = elapsed  # wall time of the window's concurrent calls
                yield self._answer_from(p, result)  # type: ignore[arg-type]


def _combined(results: list[tuple[str, Extracted]]) -> Extracted:
    """One answer from the answers to the parts of a question, each under its label."""
    result = Extracted(
        text="；".join(
            f"{label}：{'报告中未找到' if r.abstained else r.text.rstrip('。')}"
            for label, r in results
        )
        + "。",
        abstained=all(r.abstained for _, r in results),
        citations=tuple(c for _, r in results for c in r.citations),
        score=min(r.score for _, r in results),
        related=tuple(c for _, r in results for c in r.related)[:3]
        if all(r.abstained for _, r in results)
        else (),
    )
    if result.abstained:
        result = abstention(result.score, result.related)
    return result


def _interleave(lists: list[list[Hit]]) -> list[Hit]:
    """Round-robin merge of ranked lists, each paragraph once."""
    out: list[Hit] = []
    seen: set[tuple[str, int]] = set()
    for rank in range(max((len(x) for x in lists), default=0)):
        for hits in lists:
            if rank < len(hits):
                key = (hits[rank].paragraph.doc_id, hits[rank].paragraph.number)
                if key not in seen:
                    seen.add(key)
                    out.append(hits[rank])
    return out


def _hit_ref(hit: Hit) -> RetrievedParagraph:
    p = hit.paragraph
    return RetrievedParagraph(p.doc_id, p.number, round(float(hit.score), 6), p.text)
