"""Query → candidate paragraphs: dense search in the store plus BM25 over jieba tokens, fused
by reciprocal rank, preferring the period (past-year review or report-year plan) and the place
the question names. No LLM calls.

Work done once per process and reused: the live documents, their paragraphs, units, BM25
index and unit vectors are read when the store's generation changes, not per question; each
report's units, paragraphs and term counts and a copy of its unit vectors are kept on disk
beside the store (`LexicalCache`), so a start on an unchanged store loads them (without
starting Chroma), an ingest tokenizes only the documents it changed, and the BM25 index is
assembled from the counts (`bm25`).

Dense search is exact: cosine similarity over those vectors with numpy, the same measure as
the store's (1 - Chroma's cosine distance). Only when a live embedded report has no vectors
here (they could not be read) does it ask the store's HNSW index instead.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import shutil
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

import numpy as np

from . import lexicon
from .bm25 import BM25, TermCounts
from .embeddings import Embeddings
from .errors import StoreError
from .store import ChromaStore, UnitMatch
from .types import DocumentInfo, Hit, Paragraph
from .versions import LEXICAL_VERSION

log = logging.getLogger("assistant")

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


class _LexicalIndex:
    """BM25 over the tokens of every live unit, in the order of `units`."""

    def __init__(self, units: list[UnitMatch], bm25: BM25) -> None:
        self.units = units
        self._bm25 = bm25

    @classmethod
    def build(cls, units: list[UnitMatch], parts: Sequence[TermCounts]) -> _LexicalIndex:
        return cls(units, BM25(parts))

    def df(self, term: str) -> int:
        """How many units contain `term`."""
        return self._bm25.df(term) if term else 0

    def search(self, query_tokens: list[str], k: int) -> list[tuple[UnitMatch, float]]:
        if not self.units or not query_tokens:
            return []
        scores = self._bm25.scores(query_tokens)
        k = min(k, len(self.units))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        return [(self.units[i], float(scores[i])) for i in top if scores[i] > 0]


class LexicalCache:
    """The lexical side of a store, kept on disk beside it so it is not rebuilt on every start.

    - one snapshot per document generation: ``<doc key>.json`` holds its units (record id,
      place, text) and its paragraphs, ``<doc key>.counts.npz`` the jieba term counts of its
      units (`TermCounts`). A generation's content never changes, so a snapshot is written
      once; an ingest tokenizes only the documents it added or changed, and the BM25 index of
      the live set is assembled from the counts in a fraction of a second.
    - the unit vectors of each embedded generation, ``<doc key>.<tag>.npy``: normalised
      float32 rows in the order of its snapshot's units. The tag is a digest of the embedding
      model, the dimension and the units' ids in that order, so a mirror is only ever read
      against the snapshot and the vector space it was written for.

    Everything here is derived from the store and can be deleted at any time. Files are
    written to a temporary name and renamed, so a reader never sees half a file; the folder
    name carries `LEXICAL_VERSION` and a digest of the tokenizer's dictionary and stop
    words, so a change to tokenization starts a new folder.
    """

    def __init__(self, root: Path) -> None:
        self.root = root / f"v{LEXICAL_VERSION}-{lexicon.fingerprint()}"

    @staticmethod
    def doc_key(doc_id: str, doc_hash: str) -> str:
        return hashlib.sha1(f"{doc_id}\0{doc_hash}".encode()).hexdigest()

    def _snapshot_path(self, doc_id: str, doc_hash: str) -> Path:
        return self.root / f"{self.doc_key(doc_id, doc_hash)}.json"

    def _counts_path(self, doc_id: str, doc_hash: str) -> Path:
        return self.root / f"{self.doc_key(doc_id, doc_hash)}.counts.npz"

    def load_snapshot(self, doc_id: str, doc_hash: str) -> _Snapshot | None:
        path = self._snapshot_path(doc_id, doc_hash)
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            units = [
                UnitMatch(doc_id, int(p), int(s), text, 0.0, uid)
                for uid, p, s, text in raw["units"]
            ]
            counts = TermCounts.load(self._counts_path(doc_id, doc_hash))
            if counts.rows != len(units):
                raise ValueError("term counts of other units")
            paragraphs = [
                Paragraph(
                    doc_id,
                    int(n),
                    text,
                    tuple(sec),
                    tuple(sents),
                    period,
                    py,
                    bool(h),
                    period_years=tuple(int(y) for y in years),
                    part=part,
                )
                for n, text, sec, sents, period, py, h, years, part in raw["paragraphs"]
            ]
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("lexical snapshot %s unreadable (%s); rebuilding it", path, exc)
            return None
        return _Snapshot(units, counts, paragraphs)

    def save_snapshot(self, doc_id: str, doc_hash: str, snap: _Snapshot) -> None:
        data = {
            "doc_id": doc_id,
            "doc_hash": doc_hash,
            "units": [[u.uid, u.paragraph, u.sentence, u.text] for u in snap.units],
            "paragraphs": [
                [
                    p.number,
                    p.text,
                    list(p.section),
                    list(p.sentences),
                    p.period,
                    p.period_year,
                    p.is_heading,
                    list(p.period_years),
                    p.part,
                ]
                for p in snap.paragraphs
            ],
        }
        # The counts first: a snapshot is read only when its JSON is there.
        self._write_atomically(self._counts_path(doc_id, doc_hash), snap.counts.save)
        self._write_atomically(
            self._snapshot_path(doc_id, doc_hash),
            lambda tmp: tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8"),
        )

    def mirror_path(
        self, doc_id: str, doc_hash: str, uids: Sequence[str], model: str, dimension: int
    ) -> Path:
        tag = hashlib.sha1("\n".join([model, str(dimension), *uids]).encode()).hexdigest()
        return self.root / f"{self.doc_key(doc_id, doc_hash)}.{tag[:16]}.npy"

    @staticmethod
    def load_mirror(path: Path, rows: int, dimension: int) -> np.ndarray | None:
        """A generation's unit vectors, if the mirror is there and has the expected shape."""
        try:
            vectors = np.load(path, allow_pickle=False)
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            log.warning("vector mirror %s unreadable (%s); reading the store", path, exc)
            return None
        if vectors.dtype != np.float32 or vectors.shape != (rows, dimension):
            log.warning("vector mirror %s does not match the store; reading the store", path)
            return None
        return vectors

    def save_mirror(self, path: Path, vectors: np.ndarray) -> None:
        def write(tmp: Path) -> None:
            with open(tmp, "wb") as f:  # np.save(path) would add ".npy" to the name
                np.save(f, vectors, allow_pickle=False)

        self._write_atomically(path, write)

    def prune(self, live: dict[str, str], mirrors: set[str]) -> None:
        """Delete snapshots of generations that are no longer live and vector mirrors other
        than `mirrors` (by name)."""
        keys = {self.doc_key(d, h) for d, h in live.items()}
        try:
            entries = list(self.root.iterdir())
        except OSError:
            return
        for entry in entries:
            name = entry.name
            if name.endswith(".npy"):
                if name in mirrors:
                    continue
            elif name.startswith(".") or name.split(".", 1)[0] in keys:
                continue
            try:
                if entry.is_dir():
                    shutil.rmtree(entry)
                else:
                    entry.unlink()
            except OSError:
                pass  # another process may be pruning too

    def _write_atomically(self, path: Path, write: Callable[[Path], object]) -> None:
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            write(tmp)
            os.replace(tmp, path)
        except OSError as exc:
            # The cache only saves time: carry on without it.
            log.warning("could not write %s: %s", path, exc)
            if tmp.is_dir():
                shutil.rmtree(tmp, ignore_errors=True)
            else:
                tmp.unlink(missing_ok=True)


@dataclass(frozen=True)
class _Snapshot:
    """The lexical view of one document generation."""

    units: list[UnitMatch]
    counts: TermCounts  # one row per unit
    paragraphs: list[Paragraph]


class _DenseIndex:
    """Exact cosine search over the unit vectors of live embedded generations."""

    def __init__(self, blocks: dict[tuple[str, str], tuple[list[str], np.ndarray]]) -> None:
        # (doc_id, content hash) -> (unit ids, their normalised vectors, one row each)
        self.blocks = blocks
        self.uids: list[str] = []
        # The same text under two names has the same hash: a hash may have several blocks.
        self.spans: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for (_, h), (uids, _) in blocks.items():
            self.spans[h].append((len(self.uids), len(self.uids) + len(uids)))
            self.uids.extend(uids)
        matrices = [m for _, m in blocks.values()]
        self.matrix = np.concatenate(matrices) if matrices else np.zeros((0, 0), np.float32)

    def covers(self, hashes: Sequence[str]) -> bool:
        return all(h in self.spans for h in hashes)

    def search(
        self, vector: Sequence[float], k: int, hashes: Sequence[str]
    ) -> list[tuple[str, float]]:
        """(unit id, cosine similarity) of the k units of `hashes` nearest `vector`, nearest
        first."""
        q = np.asarray(vector, dtype=np.float32)
        q = q / (np.linalg.norm(q) or 1.0)
        rows: np.ndarray | None = None
        if set(hashes) == self.spans.keys():
            sims = self.matrix @ q
        else:
            rows = np.concatenate(
                [np.arange(a, b) for h in dict.fromkeys(hashes) for a, b in self.spans[h]]
            )
            sims = self.matrix[rows] @ q
        k = min(k, len(sims))
        if k <= 0:
            return []
        top = np.argpartition(-sims, k - 1)[:k]
        top = top[np.argsort(-sims[top], kind="stable")]
        ids = top if rows is None else rows[top]
        return [(self.uids[i], float(s)) for i, s in zip(ids, sims[top], strict=True)]


def _normalised(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.ascontiguousarray(vectors / norms, dtype=np.float32)


@dataclass(frozen=True)
class _State:
    """What the retriever knows about the live documents, as of one refresh.

    Built whole and swapped in with one assignment, so a question being answered in another
    thread keeps a consistent view without taking a lock.
    """

    token: str | None  # the store's generation when this state was read
    live: dict[str, str] = field(default_factory=dict)  # doc_id -> live content hash
    by_hash: dict[str, str] = field(default_factory=dict)  # live content hash -> doc_id
    docs: dict[str, DocumentInfo] = field(default_factory=dict)
    paragraphs: dict[tuple[str, int], Paragraph] = field(default_factory=dict)
    units: dict[str, UnitMatch] = field(default_factory=dict)  # live units by record id
    index: _LexicalIndex | None = None
    # (doc_id, content hash) -> snapshot: a rebuild reuses those it already holds.
    snapshots: dict[tuple[str, str], _Snapshot] = field(default_factory=dict)
    regions: tuple[str, ...] = ()
    unit_ids: dict[str, list[str]] = field(default_factory=dict)  # doc_id -> its units' ids
    # Vectors of every live embedded generation; None when some could not be read (dense
    # search then asks the store).
    dense: _DenseIndex | None = None


class Retriever:
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
        self.store = store
        self.embedder = embedder
        self.config = config or RetrievalConfig()
        if lexical_dir == "default":
            lexical_dir = store.path / "lexical" if store.path is not None else None
        self.cache = LexicalCache(lexical_dir) if lexical_dir is not None else None
        self._lock = threading.Lock()  # one rebuild at a time; questions never wait for it
        self._starting = threading.Lock()
        self._refresher: threading.Thread | None = None
        self._state = _State(token=None)
        self._built = False
        self.rebuilds = 0  # how often the lexical state was built (for tests and the benchmark)

    def refresh(self, wait: bool = True) -> None:
        """Re-read the live documents if the store says they may have changed; rebuild the
        lexical state when they did.

        With `wait=False` (a question), once a state is built and the store's generation
        says it changed, the rebuild runs in a background thread and the question is answered
        from the state before the change, instead of waiting seconds for a new report's units
        to be tokenized.
        """
        token = self.store.generation()
        if self._built and token is not None and token == self._state.token:
            return
        if not wait and self._built and token is not None:
            self._refresh_in_background()
            return
        # No generation token (a Chroma server): the document records are read here (about
        # 1 ms), so a question sees the store's errors; it does not wait for another rebuild.
        if not self._lock.acquire(blocking=wait or not self._built):
            return
        try:
            state = self._state
            if self._built and token is not None and token == state.token:
                return
            docs = {d.doc_id: d for d in self.store.documents()}
            live = {d.doc_id: d.content_hash for d in docs.values()}
            if self._built and live == state.live:
                # The same generations; some may have got their vectors meanwhile.
                dense = state.dense
                if dense is None or set(dense.blocks) != _embedded(docs):
                    dense = self._vectors(docs, state.unit_ids, dense)
                self._state = replace(state, token=token, docs=docs, dense=dense)
                return
            self._state = self._build(token, docs, live)
            self._built = True
            self.rebuilds += 1
        finally:
            self._lock.release()

    def _refresh_in_background(self) -> None:
        with self._starting:
            if self._refresher is not None and self._refresher.is_alive():
                return
            self._refresher = threading.Thread(
                target=self.refresh, name="lexical-refresh", daemon=True
            )
            self._refresher.start()

    def wait_for_refresh(self, timeout: float | None = None) -> None:
        """Wait until a rebuild started by a question (if any) has finished."""
        refresher = self._refresher
        if refresher is not None:
            refresher.join(timeout)

    def _build(
        self, token: str | None, docs: dict[str, DocumentInfo], live: dict[str, str]
    ) -> _State:
        snapshots: dict[str, _Snapshot] = {}
        for doc_id, h in sorted(live.items()):
            snap = self._state.snapshots.get((doc_id, h))
            if snap is None and self.cache:
                snap = self.cache.load_snapshot(doc_id, h)
            if snap is None:
                lexicon.warm_up()  # a report's units: the whole dictionary in memory is faster
                units = self.store.units([h], doc_id=doc_id)
                snap = _Snapshot(
                    units=units,
                    counts=TermCounts.of([lexicon.tokens(u.text) for u in units]),
                    paragraphs=list(self.store.paragraphs(doc_id, h)),
                )
                if self.cache:
                    self.cache.save_snapshot(doc_id, h, snap)
            snapshots[doc_id] = snap
        units = [u for s in snapshots.values() for u in s.units]
        index = _LexicalIndex.build(units, [s.counts for s in snapshots.values()])
        unit_ids = {d: [u.uid for u in s.units] for d, s in snapshots.items()}
        dense = self._vectors(docs, unit_ids, self._state.dense)
        if self.cache:
            self.cache.prune(live, self._mirror_names(docs, unit_ids))
        return _State(
            token=token,
            live=live,
            by_hash={h: d for d, h in live.items()},
            docs=docs,
            paragraphs={(p.doc_id, p.number): p for s in snapshots.values() for p in s.paragraphs},
            units={u.uid: u for u in units},
            index=index,
            snapshots={(d, live[d]): snap for d, snap in snapshots.items()},
            regions=tuple(sorted({d.region for d in docs.values() if d.region})),
            unit_ids=unit_ids,
            dense=dense,
        )

    def _mirror_path(self, doc_id: str, doc_hash: str, uids: list[str]) -> Path | None:
        if self.cache is None:
            return None
        store = self.store
        return self.cache.mirror_path(
            doc_id, doc_hash, uids, store.embedding_model, store.dimension
        )

    def _mirror_names(
        self, docs: dict[str, DocumentInfo], unit_ids: dict[str, list[str]]
    ) -> set[str]:
        paths = (
            self._mirror_path(d, doc.content_hash, unit_ids[d])
            for d, doc in docs.items()
            if doc.embedded
        )
        return {p.name for p in paths if p is not None}

    def _vectors(
        self,
        docs: dict[str, DocumentInfo],
        unit_ids: dict[str, list[str]],
        previous: _DenseIndex | None,
    ) -> _DenseIndex | None:
        """The vectors of every live embedded generation, in its snapshot's unit order: kept
        from `previous`, else loaded from the mirror beside the store, else read from the
        store once (and mirrored). None when some cannot be read."""
        blocks: dict[tuple[str, str], tuple[list[str], np.ndarray]] = {}
        store, cache = self.store, self.cache
        for doc_id, doc in sorted(docs.items()):
            h = doc.content_hash
            if not doc.embedded:
                continue  # no vectors yet: no part in dense search
            uids = unit_ids[doc_id]
            held = previous.blocks.get((doc_id, h)) if previous is not None else None
            if held is not None and held[0] == uids:
                blocks[(doc_id, h)] = held
                continue
            path = self._mirror_path(doc_id, h, uids)
            vectors = None
            if cache is not None and path is not None:
                vectors = cache.load_mirror(path, len(uids), store.dimension)
            if vectors is None:
                try:
                    raw = store.unit_vectors(uids)
                except StoreError as exc:
                    log.warning("vectors of %s unreadable (%s)", doc_id, exc)
                    raw = None
                if raw is None:
                    log.info("%s: vectors incomplete; dense search asks the store", doc_id)
                    return None
                vectors = _normalised(raw)
                if cache is not None and path is not None:
                    cache.save_mirror(path, vectors)
            blocks[(doc_id, h)] = (uids, vectors)
        return _DenseIndex(blocks)

    def term_weights(self, terms: Sequence[str]) -> dict[str, float]:
        """IDF of each term over the live units (as of the last refresh); a term no report
        contains weighs most."""
        index = self._state.index
        n = len(index.units) if index else 0
        return {t: math.log(1.0 + (n + 1) / ((index.df(t) if index else 0) + 0.5)) for t in terms}

    def unknown_terms(self, terms: Sequence[str]) -> set[str]:
        """The terms no live unit contains (as of the last refresh)."""
        index = self._state.index
        return {t for t in terms if not index or index.df(t) == 0}

    @property
    def regions(self) -> tuple[str, ...]:
        """Distinct regions of the live documents."""
        return self._state.regions

    @property
    def documents(self) -> dict[str, DocumentInfo]:
        return self._state.docs

    def outline(self, doc_id: str) -> list[Paragraph]:
        """The paragraphs of a document that open a section (headings, run-in headings
        included), as of the last refresh."""
        paras = sorted(
            (p for (d, _), p in self._state.paragraphs.items() if d == doc_id),
            key=lambda p: p.number,
        )
        out, seen = [], set()
        for p in paras:
            if p.section and p.section not in seen:
                seen.add(p.section)
                out.append(p)
        return out

    def paragraph(self, doc_id: str, number: int) -> Paragraph | None:
        return self._state.paragraphs.get((doc_id, number))

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
        allowed = set(hashes)
        unit_scores: dict[tuple[str, int, int], float] = defaultdict(float)
        dense_best: dict[tuple[str, int], float] = defaultdict(float)
        lexical_best: dict[tuple[str, int], float] = defaultdict(float)
        sims: dict[tuple[str, int, int], float] = {}
        floor = 1.0
        spent: dict[str, float] = defaultdict(float)

        if cfg.pipeline in ("hybrid", "dense"):
            t0 = time.perf_counter()
            vector = (
                query_vector if query_vector is not None else self.embedder.embed_query(question)
            )
            t1 = time.perf_counter()
            # A deeper pool than fused gives the answerer sentence similarities to weigh.
            embedded = [h for h in hashes if state.docs[state.by_hash[h]].embedded]
            pool = self._dense(state, vector, max(cfg.candidates, cfg.similarity_pool), embedded)
            for rank, m in enumerate(pool):
                key = (m.doc_id, m.paragraph)
                sims[(*key, m.sentence)] = max(sims.get((*key, m.sentence), 0.0), m.similarity)
                floor = min(floor, m.similarity)
                if rank < cfg.candidates:
                    unit_scores[(m.doc_id, m.paragraph, m.sentence)] += 1.0 / (RRF_K + rank + 1)
                    dense_best[key] = max(dense_best[key], m.similarity)
            spent["embed"] += t1 - t0
            spent["dense"] += time.perf_counter() - t1
        if cfg.pipeline in ("hybrid", "bm25") and state.index is not None:
            t0 = time.perf_counter()
            q_tokens = lexicon.tokens(lexicon.expand(question))
            # Over some of the reports, search deeper so that as many of theirs survive.
            share = len(allowed) / max(len(state.live), 1)
            depth = min(int(cfg.candidates * 4 / max(share, 0.02)), LEXICAL_MAX_DEPTH)
            matches = state.index.search(q_tokens, depth)
            rank = 0
            for m, score in matches:
                if state.live.get(m.doc_id) not in allowed:
                    continue
                unit_scores[(m.doc_id, m.paragraph, m.sentence)] += 1.0 / (RRF_K + rank + 1)
                key = (m.doc_id, m.paragraph)
                lexical_best[key] = max(lexical_best[key], score)
                rank += 1
                if rank >= cfg.candidates:
                    break
            spent["lexical"] += time.perf_counter() - t0
        if timings is not None:
            for name, seconds in spent.items():
                timings[name] = timings.get(name, 0.0) + seconds

        # Paragraph score: its best unit plus a share of its other matching units.
        per_para: dict[tuple[str, int], list[tuple[float, int]]] = defaultdict(list)
        for (doc_id, number, sentence), s in unit_scores.items():
            per_para[(doc_id, number)].append((s, sentence))
        intent = lexicon.intent(question, state.regions)
        places = _PlaceContext(intent, state.docs)
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
                    dense=dense_best.get(key, 0.0),
                    lexical=lexical_best.get(key, 0.0),
                    similarities=sentence_sims,
                )
            )
        hits.sort(key=lambda h: h.score, reverse=True)
        return hits[:k]

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


class _PlaceContext:
    """Which indexed documents the places of a question name, worked out once per question
    rather than once per candidate paragraph."""

    def __init__(self, intent: lexicon.QuestionIntent, docs: dict[str, DocumentInfo]) -> None:
        self.places = intent.places
        regions = {d.region for d in docs.values() if d.region}
        self._named = {r for r in regions if any(_same_place(p, r) for p in self.places)}
        self.named_anywhere = bool(self._named)

    def names(self, doc: DocumentInfo) -> bool:
        return doc.region in self._named


def _embedded(docs: dict[str, DocumentInfo]) -> set[tuple[str, str]]:
    return {(d.doc_id, d.content_hash) for d in docs.values() if d.embedded}


def _with_similarity(u: UnitMatch, similarity: float) -> UnitMatch:
    # The constructor, not dataclasses.replace: this runs for ~160 units per question.
    return UnitMatch(u.doc_id, u.paragraph, u.sentence, u.text, similarity, u.uid)


def _same_place(place: str, region: str) -> bool:
    """True when a question's place names this region (内江市 → 内江市, 市中区 → 内江市市中区)."""
    core = place.rstrip("市区县省")
    if len(core) < 2:
        core = place
    return region == place or region.endswith(place) or region.rstrip("市区县省").endswith(core)
