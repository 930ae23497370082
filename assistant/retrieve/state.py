"""What the retriever knows about the live documents (`_State`), and keeping it current
(`LiveDocuments`): read when the store's generation changes, not per question; a rebuild
reuses each report's snapshot from memory or from `LexicalCache`, and only a question that
finds the store changed rebuilds in the background."""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

import numpy as np

from .. import lexicon
from ..bm25 import TermCounts
from ..errors import StoreError
from ..store import ChromaStore, UnitMatch
from ..types import DocumentInfo, Paragraph
from .cache import LexicalCache, _Snapshot
from .indexes import _DenseIndex, _LexicalIndex, _normalised

log = logging.getLogger("assistant")


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


class LiveDocuments:
    """The live documents of a store, their paragraphs, units and indexes, as of the last
    refresh; `Retriever` searches them.

    The lexical state is kept under `lexical_dir` (default: ``<store>/lexical`` for a local
    store; None keeps it in memory only).
    """

    def __init__(
        self,
        store: ChromaStore,
        lexical_dir: Path | Literal["default"] | None = "default",
    ) -> None:
        self.store = store
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


def _embedded(docs: dict[str, DocumentInfo]) -> set[tuple[str, str]]:
    return {(d.doc_id, d.content_hash) for d in docs.values() if d.embedded}
