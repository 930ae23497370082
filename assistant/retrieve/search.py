"""Fusion and search: dense search and BM25 over the live units, fused by reciprocal rank,
then paragraphs scored with the period and place the question asks for."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from .. import lexicon
from ..embeddings import Embeddings
from ..store import ChromaStore, UnitMatch
from ..types import DocumentInfo, Hit, Paragraph
from .indexes import _LexicalIndex
from .places import _PlaceContext
from .state import LiveDocuments, _State

RRF_K = 60
PIPELINES = ("hybrid", "dense", "bm25")
# Extra records fetched by an unfiltered dense search, beyond one per document record.
DENSE_SLACK = 40
LEXICAL_MAX_DEPTH = 2000  # BM25 matches read when retrieval is limited to some reports


@dataclass(frozen=True)
class RetrievalConfig:
    """Knobs of hybrid retrieval; defaults are what the eval measured best overall."""

    pipeline: str = "hybrid"  # hybrid | dense | bm25
    candidates: int = 40  # units taken from each of dense and BM25 before fusion
    similarity_pool: int = 120  # dense units whose similarity is passed on to the answerer
    period_penalty: float = 0.35  # score factor for a paragraph of the other period
    place_penalty: float = 0.5  # factor for a document of another place than the question's
    heading_factor: float = 0.6  # headings rank below body text unless they match well

    def __post_init__(self) -> None:
        if self.pipeline not in PIPELINES:
            raise ValueError(f"pipeline must be one of {PIPELINES}")


UnitKey = tuple[str, int, int]  # doc_id, paragraph number, sentence index
ParagraphKey = tuple[str, int]  # doc_id, paragraph number


@dataclass
class _Fusion:
    """What the dense and lexical searches of one question found, for `_paragraph_hits`."""

    unit_scores: dict[UnitKey, float] = field(default_factory=lambda: defaultdict(float))
    dense_best: dict[ParagraphKey, float] = field(default_factory=lambda: defaultdict(float))
    lexical_best: dict[ParagraphKey, float] = field(default_factory=lambda: defaultdict(float))
    sims: dict[UnitKey, float] = field(default_factory=dict)  # dense similarity per unit
    floor: float = 1.0  # the lowest similarity in the dense pool


class Retriever(LiveDocuments):
    """Hybrid retriever over a `ChromaStore`.

    The lexical index is kept under `lexical_dir` (default: ``<store>/lexical`` for a local
    store; None keeps it in memory only).
    """

    def __init__(
        self,
        store: ChromaStore,
        embedder: Embeddings,
        config: RetrievalConfig | None = None,
        lexical_dir: Path | Literal["default"] | None = "default",
    ) -> None:
        super().__init__(store, lexical_dir)
        self.embedder = embedder
        self.config = config or RetrievalConfig()

    @staticmethod
    def _hashes(state: _State, documents: Sequence[str] | None, year: int | None) -> list[str]:
        return [
            h
            for doc_id, h in state.live.items()
            if (not documents or doc_id in documents)
            and (year is None or state.docs[doc_id].year == year)
        ]

    def _dense(
        self, state: _State, vector: Sequence[float], k: int, hashes: list[str]
    ) -> list[UnitMatch]:
        """The k units nearest to `vector` among the live generations `hashes` (embedded
        ones: a report still waiting for its vectors takes no part).

        An exact search over the vectors held in `state`. Without them, the store's HNSW
        index: over all live documents, a plain query over-fetches and keeps the live units
        (a where-filter on the live hashes costs more than the search itself); over some of
        them, or when too few live units come back (a generation being written, or left by
        an interrupted ingest), the query is filtered in the store.
        """
        if not hashes:
            return []
        if state.dense is not None and state.dense.covers(hashes):
            got = state.dense.search(vector, k, hashes)
            return [_with_similarity(state.units[i], s) for i, s in got]
        if len(hashes) == sum(d.embedded for d in state.docs.values()):
            fetch = k + len(state.live) + DENSE_SLACK
            got = self.store.nearest(vector, fetch)
            matches = [_with_similarity(state.units[i], s) for i, s in got if i in state.units]
            if len(matches) >= min(k, len(state.units)) or len(got) < fetch:
                return matches[:k]
        got = self.store.nearest(vector, k, hashes)
        return [_with_similarity(state.units[i], s) for i, s in got if i in state.units]

    def retrieve(
        self,
        question: str,
        k: int = 5,
        documents: Sequence[str] | None = None,
        year: int | None = None,
        query_vector: Sequence[float] | None = None,
        timings: dict[str, float] | None = None,
    ) -> list[Hit]:
        """The k paragraphs most likely to answer `question`, best first.

        `timings`, when given, gets the seconds spent embedding the question (``embed``),
        in the dense search (``dense``) and in BM25 (``lexical``) added to it.
        """
        self.refresh(wait=False)
        state = self._state
        cfg = self.config
        hashes = self._hashes(state, documents, year)
        if not hashes:
            return []
        fusion = _Fusion()
        spent: dict[str, float] = defaultdict(float)
        if cfg.pipeline in ("hybrid", "dense"):
            self._add_dense(state, fusion, question, hashes, query_vector, spent)
        if cfg.pipeline in ("hybrid", "bm25") and state.index is not None:
            self._add_lexical(state, state.index, fusion, question, set(hashes), spent)
        if timings is not None:
            for name, seconds in spent.items():
                timings[name] = timings.get(name, 0.0) + seconds
        hits = self._paragraph_hits(state, fusion, question)
        hits.sort(key=lambda h: h.score, reverse=True)
        return hits[:k]

    def _add_dense(
        self,
        state: _State,
        fusion: _Fusion,
        question: str,
        hashes: list[str],
        query_vector: Sequence[float] | None,
        spent: dict[str, float],
    ) -> None:
        """Embed the question (unless its vector is given) and add the dense ranking."""
        cfg = self.config
        t0 = time.perf_counter()
        vector = query_vector if query_vector is not None else self.embedder.embed_query(question)
        t1 = time.perf_counter()
        # A deeper pool than fused gives the answerer sentence similarities to weigh.
        embedded = [h for h in hashes if state.docs[state.by_hash[h]].embedded]
        pool = self._dense(state, vector, max(cfg.candidates, cfg.similarity_pool), embedded)
        sims = fusion.sims
        for rank, m in enumerate(pool):
            key = (m.doc_id, m.paragraph)
            unit = (m.doc_id, m.paragraph, m.sentence)
            sims[unit] = max(sims.get(unit, 0.0), m.similarity)
            fusion.floor = min(fusion.floor, m.similarity)
            if rank < cfg.candidates:
                fusion.unit_scores[unit] += 1.0 / (RRF_K + rank + 1)
                fusion.dense_best[key] = max(fusion.dense_best[key], m.similarity)
        spent["embed"] += t1 - t0
        spent["dense"] += time.perf_counter() - t1

    def _add_lexical(
        self,
        state: _State,
        index: _LexicalIndex,
        fusion: _Fusion,
        question: str,
        allowed: set[str],
        spent: dict[str, float],
    ) -> None:
        """Add the BM25 ranking of the units of the generations `allowed`."""
        cfg = self.config
        t0 = time.perf_counter()
        q_tokens = lexicon.tokens(lexicon.expand(question))
        # Over some of the reports, search deeper so that as many of theirs survive.
        share = len(allowed) / max(len(state.live), 1)
        depth = min(int(cfg.candidates * 4 / max(share, 0.02)), LEXICAL_MAX_DEPTH)
        matches = index.search(q_tokens, depth)
        rank = 0
        for m, score in matches:
            if state.live.get(m.doc_id) not in allowed:
                continue
            fusion.unit_scores[(m.doc_id, m.paragraph, m.sentence)] += 1.0 / (RRF_K + rank + 1)
            key = (m.doc_id, m.paragraph)
            fusion.lexical_best[key] = max(fusion.lexical_best[key], score)
            rank += 1
            if rank >= cfg.candidates:
                break
        spent["lexical"] += time.perf_counter() - t0

    def _paragraph_hits(self, state: _State, fusion: _Fusion, question: str) -> list[Hit]:
        """A hit per paragraph with a matching unit, unsorted. Its score: its best unit plus a
        share of its other matching units, weighed by the period and place asked for."""
        per_para: dict[ParagraphKey, list[tuple[float, int]]] = defaultdict(list)
        for (doc_id, number, sentence), s in fusion.unit_scores.items():
            per_para[(doc_id, number)].append((s, sentence))
        intent = lexicon.intent(question, state.regions)
        places = _PlaceContext(intent, state.docs)
        sims, floor = fusion.sims, fusion.floor
        hits = []
        for key, scored in per_para.items():
            para = state.paragraphs.get(key)
            if para is None:
                continue
            scored.sort(reverse=True)
            score = scored[0][0] + 0.3 * sum(s for s, _ in scored[1:])
            score *= self._preference(state.docs[para.doc_id], para, intent, places)
            matched = tuple(dict.fromkeys(i for _, i in scored if i >= 0))
            sentence_sims = tuple(
                sims.get((*key, i), floor if sims else 0.0) for i in range(len(para.sentences))
            )
            hits.append(
                Hit(
                    paragraph=para,
                    title=state.docs[para.doc_id].title,
                    score=score,
                    matched=matched,
                    dense=fusion.dense_best.get(key, 0.0),
                    lexical=fusion.lexical_best.get(key, 0.0),
                    similarities=sentence_sims,
                )
            )
        return hits

    def _preference(
        self,
        doc: DocumentInfo,
        para: Paragraph,
        intent: lexicon.QuestionIntent,
        places: _PlaceContext,
    ) -> float:
        cfg = self.config
        factor = 1.0
        period, year = intent.wanted(doc.year)
        if (para.period and period and para.period != period) or (
            para.period and year and para.period_year and para.period_year != year
        ):
            factor *= cfg.period_penalty
        if places.named_anywhere and doc.region and not places.names(doc):
            factor *= cfg.place_penalty
        if para.is_heading:
            factor *= cfg.heading_factor
        return factor


def _with_similarity(u: UnitMatch, similarity: float) -> UnitMatch:
    # The constructor, not dataclasses.replace: this runs for ~160 units per question.
    return UnitMatch(u.doc_id, u.paragraph, u.sentence, u.text, similarity, u.uid)
