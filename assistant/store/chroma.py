"""`ChromaStore`: the store's one class. It opens Chroma and the pending table on first use,
writes reports (with their vectors, or pending without), collects what an interrupted write
left behind, and reads documents, paragraphs and units back; the files beside the store
(`files.py`) spare most reads from starting Chroma at all."""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import NotAStoreError, StoreError, StoreLockedError
from ..types import DocumentInfo, Paragraph, Report
from .connection import (
    COLLECTION,
    _brief,
    _check_compatible,
    _client,
    _open_collection,
    _store_errors,
)
from .files import CHROMA_FILE, StoreFiles, WriteLock, _make_folder
from .pending import PENDING_FILE, _PendingTable
from .records import (
    DOCUMENT,
    PARAGRAPH,
    UNIT_KINDS,
    StoredGeneration,
    Unit,
    UnitMatch,
    Vector,
    _as_vector,
    _document_info,
    _paragraph,
    _records,
    _stored_generation,
)

log = logging.getLogger("assistant")

_WRITE_BATCH = 500


class ChromaStore:
    """Documents, paragraphs and retrieval units of indexed reports, in one Chroma collection."""

    def __init__(
        self,
        embedding_model: str,
        dimension: int,
        path: Path | None = None,
        host: str = "",
        port: int = 8000,
        rebuild: bool = False,
        lock_timeout: float = 60.0,
        create: bool = True,
    ) -> None:
        """Open (or create) the store; `rebuild` first drops every indexed report.

        With `create=False` a folder (or server) that holds no index is a `NotAStoreError`,
        and nothing is written to it.
        """
        if not host and path is None:
            raise StoreError("a store needs a folder or a Chroma server")
        self.path = path
        self.location = f"{host}:{port}" if host else str(path)
        # What to check when a request fails half-way through a session.
        self._hint = f"; is the Chroma server at {host}:{port} running?" if host else ""
        self.embedding_model = embedding_model
        self.dimension = dimension
        if path is not None and not create and not (path / CHROMA_FILE).is_file():
            raise NotAStoreError(
                f"{path} is not a store (it holds no index): index reports into it with "
                f"`assistant ingest --store {path} PATH...`, or pass another --store"
            )
        self.lock_timeout = lock_timeout
        self._host, self._port, self._create = host, port, create
        # Chroma's client and collections, opened on first use (`_open`).
        self._open_lock = threading.Lock()
        self._opened = False
        self._chroma_client: Any = None
        self._main: Any = None
        self._pending_col: _PendingTable | None = None
        self._pending_opened = False
        self._pending_lock = threading.Lock()
        self._files = StoreFiles(path)
        # The generation marker is written last when a store is created: until it exists, a
        # second process could be creating the same store, and Chroma's first start is not
        # safe to run twice at once ("table collections already exists").
        creating = path is not None and not self._files.has_generation()
        if path is not None:
            _make_folder(path)
        self._lock = WriteLock(path, self.location)
        self._paragraph_cache: dict[tuple[str, str], tuple[Paragraph, ...]] = {}
        meta = self._files.read_meta()
        if host or creating or rebuild or meta is None:
            with self.write_lock() if creating or rebuild else nullcontext():
                self._open(rebuild=rebuild)
                if creating or rebuild:
                    self._write_meta()
                    if self._files.clean_path is not None:
                        self._files.clean_path.touch()  # nothing written yet, nothing to collect
                    self._files.bump_generation()
                    self._write_documents()
            if meta is None and not (host or creating or rebuild):
                self._upgrade()
        else:
            _check_compatible(meta, self.location, self.embedding_model, self.dimension)

    # -- opening ---------------------------------------------------------------------------

    def _write_meta(self) -> None:
        self._files.write_meta(dict(self._main.metadata or {}))

    def _upgrade(self) -> None:
        """Write store.json and documents.json for a store written before they were kept (if
        no other process is writing it: they are written next time otherwise)."""
        try:
            with self.write_lock(timeout=0):
                self._write_meta()
                self._write_documents()
        except StoreLockedError:
            pass

    def _open(self, rebuild: bool = False) -> None:
        """Open Chroma's client and collections, once (any thread may be first)."""
        if self._opened:
            return
        with self._open_lock:
            if self._opened:
                return
            client = _client(self.path, self._host, self._port)
            if rebuild:
                self._drop_collection(client)
            main = _open_collection(
                client, self._create or rebuild, self.location, self.embedding_model, self.dimension
            )
            _check_compatible(
                main.metadata or {}, self.location, self.embedding_model, self.dimension
            )
            self._chroma_client = client
            self._main = main
            self._opened = True

    @property
    def _client(self) -> Any:
        self._open()
        return self._chroma_client

    @property
    def _col(self) -> Any:
        """The main collection (opened on first use)."""
        self._open()
        return self._main

    @property
    def _pending(self) -> _PendingTable | None:
        """The reports awaiting vectors (opened on first use, without Chroma; None when a
        store opened read-only has none)."""
        if not self._pending_opened:
            with self._pending_lock:  # not _open_lock: `_open` may get here (a rebuild)
                if not self._pending_opened:
                    self._pending_col = self._open_pending(self._create)
                    self._pending_opened = True
        return self._pending_col

    def _open_pending(self, create: bool) -> _PendingTable | None:
        """The reports awaiting vectors; None in a store opened read-only that has none."""
        if self.path is not None and not create and not (self.path / PENDING_FILE).exists():
            return None
        return self._pending_table()

    def _pending_table(self) -> _PendingTable:
        """The reports awaiting vectors, created if need be."""
        if self.path is None:
            return _PendingTable(None)  # a Chroma server: this process's ingests only
        file = self.path / PENDING_FILE
        try:
            return _PendingTable(file)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open {file}: {exc}") from exc

    def _collections(self) -> list[Any]:
        return [self._col] if self._pending is None else [self._col, self._pending]

    def _drop_collection(self, client: Any) -> None:
        with self.write_lock():
            self._files.forget_documents()
            try:
                names = [getattr(c, "name", c) for c in client.list_collections()]
                if self._pending is not None:
                    self._pending.clear()
                if COLLECTION in names:
                    client.delete_collection(COLLECTION)
                    log.info("dropped the index in %s to rebuild it", self.location)
            except Exception as exc:
                raise StoreError(f"cannot rebuild store {self.location}: {_brief(exc)}") from exc

    # -- the files beside the store ---------------------------------------------------------

    def not_rederivable(self, version: str) -> set[tuple[str, str]]:
        """(doc_id, content hash) of the generations recorded by `note_not_rederivable`
        for detector `version`."""
        return self._files.not_rederivable(version)

    def note_not_rederivable(self, version: str, generations: set[tuple[str, str]]) -> None:
        """Record generations whose metadata detector `version` cannot re-derive (derived
        data: losing it only costs a re-check)."""
        self._files.note_not_rederivable(version, generations)

    def generation(self) -> str | None:
        """A token that changes whenever a document record is written or deleted.

        None when the store cannot tell (a Chroma server, or the marker is unreadable): the
        caller must then read the document records to see whether anything changed.
        """
        return self._files.generation()

    # -- writing ---------------------------------------------------------------------------

    def write_lock(self, timeout: float | None = None) -> Any:
        """Context manager held while writing (across processes for a local store)."""
        return self._lock.hold(self.lock_timeout if timeout is None else timeout, self)

    def _write_documents(self) -> None:
        """Write documents.json from the records as Chroma holds them now (by a writer, under
        the write lock, after its change)."""
        self._files.write_documents(self._chroma_document_records)

    def _upsert(self, ids, vectors, documents, metadatas, col=None) -> None:
        col = self._col if col is None else col
        for i in range(0, len(ids), _WRITE_BATCH):
            sl = slice(i, i + _WRITE_BATCH)
            col.upsert(
                ids=ids[sl],
                # Lists of Python floats only a batch at a time: 8 times an array's memory.
                embeddings=[_as_vector(v) for v in vectors[sl]],
                documents=documents[sl],
                metadatas=metadatas[sl],
            )

    def write_report(
        self,
        report: Report,
        paragraph_vectors: Sequence[Vector],
        units: Sequence[Unit],
        title_vector: Vector,
    ) -> None:
        """Store a report's paragraphs and units with their vectors, then make them live by
        writing its record; its pending generations (`write_pending`) are dropped."""
        ids, docs, metas, record = _records(
            report, [(u.paragraph, u.sentence, u.text) for u in units]
        )
        vecs = [*paragraph_vectors, *(u.vector for u in units)]
        if len(vecs) != len(ids):
            raise ValueError("one vector per paragraph and per unit")
        with self.write_lock(), self._tracked_write():
            self._files.forget_documents()
            try:
                self._write_report(report, ids, vecs, docs, metas, record, title_vector)
            finally:
                # Even a failed write may have replaced the record: let readers look again.
                self._files.bump_generation()
                self._write_documents()

    def _write_report(self, report, ids, vecs, docs, metas, record, title_vector) -> None:
        h = report.content_hash
        with _store_errors(f"writing {report.doc_id} to {self.location}", self._hint):
            self._upsert(ids, vecs, docs, metas)
            # The document record goes last: until it exists, none of the above is visible.
            self._col.upsert(
                ids=[f"doc::{report.doc_id}"],
                embeddings=[_as_vector(title_vector)],
                documents=[report.title],
                metadatas=[record],
            )
            self._col.delete(where={"$and": [{"doc_id": report.doc_id}, {"doc_hash": {"$ne": h}}]})
            if self._pending is not None:
                self._pending.delete(where={"doc_id": report.doc_id})

    def write_pending(self, report: Report, units: Sequence[tuple[int, int, str]]) -> None:
        """Store a report without vectors: live at once for everything but dense search.
        Its earlier generations, embedded or not, are dropped."""
        with self.write_lock(), self._tracked_write():
            self._files.forget_documents()
            try:
                self._write_pending(report, units)
            finally:
                self._files.bump_generation()
                self._write_documents()

    def _write_pending(self, report: Report, units: Sequence[tuple[int, int, str]]) -> None:
        pending = self._pending
        if pending is None:
            pending = self._pending_col = self._pending_table()
        h = report.content_hash
        ids, docs, metas, record = _records(report, units)
        with _store_errors(f"writing {report.doc_id} to {self.location}", self._hint):
            self._upsert(ids, [[]] * len(ids), docs, metas, col=pending)
            # The document record goes last, as in write_report.
            pending.upsert(
                ids=[f"doc::{report.doc_id}"],
                embeddings=[[]],
                documents=[report.title],
                metadatas=[record],
            )
            pending.delete(where={"$and": [{"doc_id": report.doc_id}, {"doc_hash": {"$ne": h}}]})
            self._col.delete(where={"doc_id": report.doc_id})

    def delete_document(self, doc_id: str) -> None:
        with self.write_lock(), self._tracked_write():
            self._files.forget_documents()
            try:
                with _store_errors(f"deleting {doc_id} from {self.location}", self._hint):
                    # Records first, so the units vanish from queries at once.
                    for col in self._collections():
                        col.delete(ids=[f"doc::{doc_id}"])
                    for col in self._collections():
                        col.delete(where={"doc_id": doc_id})
            finally:
                self._files.bump_generation()
                self._write_documents()

    @contextmanager
    def _tracked_write(self) -> Iterator[None]:
        """A write of several records: the store counts as clean again only if it completes,
        so records an interrupted one leaves behind are collected (see `collect_garbage`)."""
        marker = self._files.clean_path
        was_clean = marker is not None and marker.exists()
        if marker is not None:
            marker.unlink(missing_ok=True)
        yield
        if marker is not None and was_clean:
            marker.touch()

    def collect_garbage(self) -> int:
        """Delete records left by an interrupted write: units whose generation never went
        live, an embedded generation a newer pending one replaced, and pending records of a
        report already written with its vectors.

        Reading every record takes seconds on a large store, so it is done only when a write
        may have been interrupted since the last collection (no CLEAN_FILE); returns how
        many records were removed."""
        marker = self._files.clean_path
        if marker is not None and marker.exists():
            return 0
        removed = self._collect_garbage()
        if marker is not None:
            marker.touch()
        return removed

    def _collect_garbage(self) -> int:
        live = {(m["doc_hash"], m["embedded"]) for m in self._chroma_document_records()}
        removed = 0
        with _store_errors(f"cleaning up {self.location}", self._hint):
            for col in self._collections():
                embedded = col is self._col
                got = col.get(include=["metadatas"])
                orphans = [
                    i
                    for i, m in zip(got["ids"], got["metadatas"], strict=True)
                    if (m["doc_hash"], embedded) not in live
                ]
                for i in range(0, len(orphans), _WRITE_BATCH):
                    col.delete(ids=orphans[i : i + _WRITE_BATCH])
                removed += len(orphans)
        return removed

    # -- reading ---------------------------------------------------------------------------

    def _document_records(self) -> list[dict[str, Any]]:
        """The live record of each document, with ``embedded`` saying which collection holds
        it: from documents.json when it is current, else from Chroma."""
        records = self._files.documents()
        return records if records is not None else self._chroma_document_records()

    def _chroma_document_records(self) -> list[dict[str, Any]]:
        """The live record of each document as Chroma holds it (see the module docstring for
        which generation is live)."""
        records: dict[str, dict[str, Any]] = {}
        try:
            for col in self._collections():
                embedded = col is self._col
                got = col.get(where={"kind": DOCUMENT}, include=["metadatas"])
                for m in got["metadatas"] or []:
                    held = records.get(m["doc_id"])
                    # Embedded first: a pending record replaces it only when it is newer.
                    if held is None or held["doc_hash"] != m["doc_hash"]:
                        records[m["doc_id"]] = {**m, "embedded": embedded}
        except StoreError:
            raise  # e.g. Chroma could not be opened: say so as it is
        except Exception as exc:
            raise StoreError(
                f"cannot read store {self.location}: {_brief(exc)}{self._hint}"
            ) from exc
        return list(records.values())

    def live_hashes(self) -> dict[str, str]:
        """doc_id -> content hash of its live generation."""
        return {m["doc_id"]: m["doc_hash"] for m in self._document_records()}

    def documents(self) -> list[DocumentInfo]:
        out = [_document_info(m) for m in self._document_records()]
        return sorted(out, key=lambda d: d.doc_id)

    def detector_versions(self) -> dict[str, str]:
        """doc_id -> version of the detector that derived its metadata ("" before versions)."""
        return {m["doc_id"]: str(m.get("detector_version", "")) for m in self._document_records()}

    def stored_generation(
        self, doc_id: str, doc_hash: str, embedded: bool = True
    ) -> StoredGeneration:
        """One live generation as stored, vectors included: enough to write it again under
        re-derived metadata without embedding anything. With `embedded=False`, a pending
        generation, whose vectors are empty lists."""
        col = self._col if embedded else self._pending
        if col is None:
            raise StoreError(f"{doc_id} has no pending generation in {self.location}")
        with _store_errors(f"reading {doc_id} from {self.location}", self._hint):
            got = col.get(
                # The same text under two names has the same hash.
                where={"$and": [{"doc_id": doc_id}, {"doc_hash": doc_hash}]},
                include=["documents", "metadatas", "embeddings"],
            )
        return _stored_generation(doc_id, doc_hash, got, embedded)

    def unit_vectors(self, uids: Sequence[str]) -> np.ndarray | None:
        """The vectors of the given unit records of embedded reports, one float32 row per id
        in that order; None when any of them is not in the main collection."""
        rows: dict[str, Any] = {}
        with _store_errors(f"reading vectors from {self.location}", self._hint):
            for i in range(0, len(uids), _WRITE_BATCH):
                got = self._col.get(ids=list(uids[i : i + _WRITE_BATCH]), include=["embeddings"])
                rows.update(zip(got["ids"], got["embeddings"], strict=True))
        if any(u not in rows for u in uids):
            return None
        if not uids:
            return np.zeros((0, self.dimension), np.float32)
        return np.asarray([rows[u] for u in uids], dtype=np.float32)

    def count(self) -> int:
        with _store_errors(f"counting records in {self.location}", self._hint):
            return sum(col.count() for col in self._collections())

    def paragraphs(self, doc_id: str, doc_hash: str) -> tuple[Paragraph, ...]:
        """All paragraphs of one live document, in order (cached per generation)."""
        key = (doc_id, doc_hash)
        cached = self._paragraph_cache.get(key)
        if cached is not None:
            return cached
        with _store_errors(f"reading {doc_id} from {self.location}", self._hint):
            for col in self._collections():  # embedded first; else pending
                got = col.get(
                    where={
                        "$and": [{"doc_id": doc_id}, {"doc_hash": doc_hash}, {"kind": PARAGRAPH}]
                    },
                    include=["documents", "metadatas"],
                )
                if got["ids"]:
                    break
        paras = sorted(
            (
                _paragraph(text, m)
                for text, m in zip(got["documents"], got["metadatas"], strict=True)
            ),
            key=lambda p: p.number,
        )
        result = tuple(paras)
        self._paragraph_cache[key] = result
        return result

    def units(self, hashes: Sequence[str], doc_id: str | None = None) -> list[UnitMatch]:
        """Every retrieval unit (sentences and paragraphs) of the given generations (of one
        document when `doc_id` is given)."""
        if not hashes:
            return []
        conditions: list[dict[str, Any]] = [
            {"doc_hash": {"$in": list(hashes)}},
            {"kind": {"$in": list(UNIT_KINDS)}},
        ]
        if doc_id is not None:
            conditions.append({"doc_id": doc_id})
        found: dict[str, UnitMatch] = {}
        with _store_errors(f"reading {self.location}", self._hint):
            for col in self._collections():
                got = col.get(where={"$and": conditions}, include=["documents", "metadatas"])
                for uid, text, m in zip(
                    got["ids"], got["documents"], got["metadatas"], strict=True
                ):
                    # A generation both embedded and pending (a completion not yet cleaned
                    # up) holds the same records under the same ids in both.
                    found.setdefault(
                        uid,
                        UnitMatch(
                            m["doc_id"], int(m["paragraph"]), int(m["sentence"]), text, 0.0, uid
                        ),
                    )
        return list(found.values())

    def nearest(
        self, vector: Sequence[float], k: int, hashes: Sequence[str] | None = None
    ) -> list[tuple[str, float]]:
        """(record id, cosine similarity) of the k nearest records, nearest first (embedded
        reports only).

        Without `hashes` every record takes part (document records, and units of generations
        that are not, or not yet, live): the caller filters, which keeps the search a plain
        HNSW query. With `hashes`, only units of those generations. Only ids and distances
        are read, no texts or metadata.
        """
        # Chroma returns fewer than k when the collection (or the filtered part) is smaller.
        if k <= 0 or (hashes is not None and not hashes):
            return []
        where = None
        if hashes is not None:
            where = {
                "$and": [{"doc_hash": {"$in": list(hashes)}}, {"kind": {"$in": list(UNIT_KINDS)}}]
            }
        with _store_errors(f"search in {self.location}", self._hint):
            got = self._col.query(
                query_embeddings=[_as_vector(vector)],
                n_results=k,
                where=where,
                include=["distances"],
            )
        return [
            (i, 1.0 - float(d)) for i, d in zip(got["ids"][0], got["distances"][0], strict=True)
        ]

    def search(self, vector: Sequence[float], k: int, hashes: Sequence[str]) -> list[UnitMatch]:
        """Nearest units to `vector` among the given live generations."""
        if not hashes:
            return []
        where = {"$and": [{"doc_hash": {"$in": list(hashes)}}, {"kind": {"$in": list(UNIT_KINDS)}}]}
        with _store_errors(f"search in {self.location}", self._hint):
            got = self._col.query(
                query_embeddings=[_as_vector(vector)],
                n_results=k,
                where=where,
                include=["documents", "metadatas", "distances"],
            )
        return [
            UnitMatch(m["doc_id"], int(m["paragraph"]), int(m["sentence"]), text, 1.0 - float(d))
            for text, m, d in zip(
                got["documents"][0], got["metadatas"][0], got["distances"][0], strict=True
            )
        ]
