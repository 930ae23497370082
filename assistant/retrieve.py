"""Query → candidate paragraphs: dense search in the store plus BM25 over jieba tokens, fused
by reciprocal rank, preferring the period (past-year review or report-year plan) and the place
the question names. No LLM calls.
"""

from __future__ import annotations

import logging
import math
import threading
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from langchain_core.embeddings import Embeddings

from . import lexicon
from .store import ChromaStore, UnitMatch
from .types import DocumentInfo, Hit, Paragraph

log = logging.getLogger("assistant")

RRF_K = 60
PIPELINES = ("hybrid", "dense", "bm25")


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


class _LexicalIndex:
    """BM25 (bm25s) over the tokens of every live unit; rebuilt when the live set changes."""

    def __init__(self, units: list[UnitMatch]) -> None:
        import bm25s

        # bm25s pins its logger to DEBUG on import; let it inherit the application's level.
        logging.getLogger("bm25s").setLevel(logging.NOTSET)
        self.units = units
        corpus = [lexicon.tokens(u.text) or ["\u2205"] for u in units]
        self.df: Counter[str] = Counter(t for toks in corpus for t in set(toks))
        self._bm25 = bm25s.BM25()
        self._bm25.index(corpus, show_progress=False) if units else None

    def search(self, query_tokens: list[str], k: int) -> list[tuple[UnitMatch, float]]:
        if not self.units or not query_tokens:
            return []
        scores = self._bm25.get_scores(query_tokens)
        k = min(k, len(self.units))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        return [(self.units[i], float(scores[i])) for i in top if scores[i] > 0]


class Retriever:
    """Hybrid retriever over a `ChromaStore`."""

    def __init__(
        self, store: ChromaStore, embedder: Embeddings, config: RetrievalConfig | None = None
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.config = config or RetrievalConfig()
        self._lock = threading.RLock()
        self._live: dict[str, str] = {}
        self._docs: dict[str, DocumentInfo] = {}
        self._index: _LexicalIndex | None = None
        self._paragraphs: dict[tuple[str, int], Paragraph] = {}

    def refresh(self) -> None:
        """Re-read the live documents; rebuild the lexical index if they changed."""
        docs = {d.doc_id: d for d in self.store.documents()}
        live = {d.doc_id: d.content_hash for d in docs.values()}
        with self._lock:
            if live == self._live and self._index is not None:
                return
            paragraphs = {}
            for doc_id, h in live.items():
                for p in self.store.paragraphs(doc_id, h):
                    paragraphs[(doc_id, p.number)] = p
            units = self.store.units(list(live.values()))
            self._index = _LexicalIndex(units)
            self._paragraphs = paragraphs
            self._docs = docs
            self._live = live

    def term_weights(self, terms: Sequence[str]) -> dict[str, float]:
        """IDF of each term over the live units (as of the last refresh); a term no report
        contains weighs most."""
        index = self._index
        n = len(index.units) if index else 0
        return {
            t: math.log(1.0 + (n + 1) / ((index.df.get(t, 0) if index else 0) + 0.5)) for t in terms
        }

    @property
    def regions(self) -> tuple[str, ...]:
        """Distinct regions of the live documents."""
        return tuple(sorted({d.region for d in self._docs.values() if d.region}))

    @property
    def documents(self) -> dict[str, DocumentInfo]:
        return self._docs

    def outline(self, doc_id: str) -> list[Paragraph]:
        """The paragraphs of a document that open a section (headings, run-in headings
        included), as of the last refresh."""
        paras = sorted(
            (p for (d, _), p in self._paragraphs.items() if d == doc_id), key=lambda p: p.number
        )
        out, seen = [], set()
        for p in paras:
            if p.section and p.section not in seen:
                seen.add(p.section)
                out.append(p)
        return out

    def paragraph(self, doc_id: str, number: int) -> Paragraph | None:
        return self._paragraphs.get((doc_id, number))

    def _hashes(self, documents: Sequence[str] | None, year: int | None) -> list[str]:
        return [
            h
            for doc_id, h in self._live.items()
            if (not documents or doc_id in documents)
            and (year is None or self._docs[doc_id].year == year)
        ]

    def retrieve(
        self,
        question: str,
        k: int = 5,
        documents: Sequence[str] | None = None,
        year: int | None = None,
        query_vector: Sequence[float] | None = None,
    ) -> list[Hit]:
        """The k paragraphs most likely to answer `question`, best first. Thread-safe."""
        if query_vector is None and self.config.pipeline != "bm25":
            query_vector = self.embedder.embed_query(question)  # outside the lock: the slow part
        # Under the lock a refresh by another thread (after an ingest) cannot swap the live
        # documents, paragraphs and lexical index half-way through this search.
        with self._lock:
            return self._retrieve(question, k, documents, year, query_vector)

    def _retrieve(
        self,
        question: str,
        k: int = 5,
        documents: Sequence[str] | None = None,
        year: int | None = None,
        query_vector: Sequence[float] | None = None,
    ) -> list[Hit]:
        self.refresh()
        cfg = self.config
        hashes = self._hashes(documents, year)
        if not hashes:
            return []
        allowed = {h for h in hashes}
        unit_scores: dict[tuple[str, int, int], float] = defaultdict(float)
        dense_best: dict[tuple[str, int], float] = defaultdict(float)
        lexical_best: dict[tuple[str, int], float] = defaultdict(float)
        sims: dict[tuple[str, int, int], float] = {}
        floor = 1.0

        if cfg.pipeline in ("hybrid", "dense"):
            vector = (
                query_vector if query_vector is not None else self.embedder.embed_query(question)
            )
            # A deeper pool than fused gives the answerer sentence similarities to weigh.
            pool = self.store.search(vector, max(cfg.candidates, cfg.similarity_pool), hashes)
            for rank, m in enumerate(pool):
                key = (m.doc_id, m.paragraph)
                sims[(*key, m.sentence)] = max(sims.get((*key, m.sentence), 0.0), m.similarity)
                floor = min(floor, m.similarity)
                if rank < cfg.candidates:
                    unit_scores[(m.doc_id, m.paragraph, m.sentence)] += 1.0 / (RRF_K + rank + 1)
                    dense_best[key] = max(dense_best[key], m.similarity)
        if cfg.pipeline in ("hybrid", "bm25") and self._index is not None:
            q_tokens = lexicon.tokens(lexicon.expand(question))
            matches = self._index.search(q_tokens, cfg.candidates * 4)
            rank = 0
            for m, score in matches:
                if self._live.get(m.doc_id) not in allowed:
                    continue
                unit_scores[(m.doc_id, m.paragraph, m.sentence)] += 1.0 / (RRF_K + rank + 1)
                key = (m.doc_id, m.paragraph)
                lexical_best[key] = max(lexical_best[key], score)
                rank += 1
                if rank >= cfg.candidates:
                    break

        # Paragraph score: its best unit plus a share of its other matching units.
        per_para: dict[tuple[str, int], list[tuple[float, int]]] = defaultdict(list)
        for (doc_id, number, sentence), s in unit_scores.items():
            per_para[(doc_id, number)].append((s, sentence))
        intent = lexicon.intent(question, self.regions)
        hits = []
        for key, scored in per_para.items():
            para = self._paragraphs.get(key)
            if para is None:
                continue
            scored.sort(reverse=True)
            score = scored[0][0] + 0.3 * sum(s for s, _ in scored[1:])
            score *= self._preference(para, intent)
            matched = tuple(dict.fromkeys(i for _, i in scored if i >= 0))
            sentence_sims = tuple(
                sims.get((*key, i), floor if sims else 0.0) for i in range(len(para.sentences))
            )
            hits.append(
                Hit(
                    paragraph=para,
                    title=self._docs[para.doc_id].title,
                    score=score,
                    matched=matched,
                    dense=dense_best.get(key, 0.0),
                    lexical=lexical_best.get(key, 0.0),
                    similarities=sentence_sims,
                )
            )
        hits.sort(key=lambda h: h.score, reverse=True)
        return hits[:k]

    def _preference(self, para: Paragraph, intent: lexicon.QuestionIntent) -> float:
        cfg = self.config
        factor = 1.0
        doc = self._docs[para.doc_id]
        period, year = intent.wanted(doc.year)
        if (para.period and period and para.period != period) or (
            para.period and year and para.period_year and para.period_year != year
        ):
            factor *= cfg.period_penalty
        if intent.places and doc.region:
            named_here = any(_same_place(p, doc.region) for p in intent.places)
            named_elsewhere = any(
                _same_place(p, d.region) for p in intent.places for d in self._docs.values()
            )
            if named_elsewhere and not named_here:
                factor *= cfg.place_penalty
        if para.is_heading:
            factor *= cfg.heading_factor
        return factor


def _same_place(place: str, region: str) -> bool:
    """True when a question's place names this region (内江市 → 内江市, 市中区 → 内江市市中区)."""
    core = place.rstrip("市区县省")
    if len(core) < 2:
        core = place
    return region == place or region.endswith(place) or region.rstrip("市区县省").endswith(core)
