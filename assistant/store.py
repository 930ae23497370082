"""The Chroma adapter: the only module that imports chromadb.

One collection holds three kinds of record, each carrying its document's id and content hash:

- ``document``: one per report, written *last* when a report is indexed; its hash marks which
  generation of that report's units is live. Queries only see units of live generations, so a
  report is either wholly visible or not at all, even if an ingest is killed half-way. It
  carries the report's identity (title, region, level, year, date, the years its review and
  plan cover) and the version of the detector that derived it.
- ``paragraph``: one per paragraph (headings included), with the whole text and its structure
  (section path, part, period and the years it covers).
- ``sentence``: the retrieval units (a sentence, or a window of a long one), citing their
  paragraph.

The collection's metadata records the embedding model and dimension; opening the store with a
different embedder raises `EmbeddingMismatchError` instead of mixing vector spaces.

Reports that are indexed but not yet embedded are kept apart, in ``pending.sqlite`` (a plain
SQLite table: they have no vectors, and a vector index of placeholders is both slow to write
and, in Chroma's HNSW, not robust): the same records under the same ids. Such a report is live
at once (its paragraphs and units are read for keyword search, citations and the indicator
table) but takes no part in dense search. `write_report` writes it with its vectors into the
collection and then drops its pending records. A document id has one live generation: a
pending one whose hash differs from the embedded one is newer (an ingest of a changed file)
and wins; one with the same hash is what a completion left behind before it was cleaned up.

A local store also keeps, beside the Chroma files:

- ``generation``: rewritten whenever a document record is written or deleted, so readers can
  tell in one small file read whether the set of live documents may have changed (see
  `ChromaStore.generation`).
- ``pending.sqlite``: the reports awaiting their vectors (above).
- ``store.json``: the embedding model, dimension and schema version the store was built with,
  so that opening it checks compatibility without starting Chroma.
- ``rederive.json``: the report versions whose metadata the current detector could not
  re-derive without re-indexing them (see `Assistant.rederive_metadata`), so that a start
  does not read them from Chroma again only to find that out.
- ``documents.json``: the live document records, tagged with the generation they were read
  at. Only a writer, holding the write lock, writes it (after its change and the new
  generation); it deletes it before changing anything, so a writer killed half-way leaves
  none. Readers use it only when its tag equals the current generation, else read Chroma.

With both files current, listing the documents needs no Chroma: the client and collections
open on first use by whatever needs them (a question answered from the retriever's files
beside the store never does; see `retrieve.py`).
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from .errors import EmbeddingMismatchError, NotAStoreError, StoreError, StoreLockedError
from .types import DocumentInfo, Paragraph, Report, ReportMeta
from .versions import DOCUMENTS_VERSION, SCHEMA_VERSION

log = logging.getLogger("assistant")

COLLECTION = "report_units"
PENDING_FILE = "pending.sqlite"
DOCUMENT, PARAGRAPH, SENTENCE = "document", "paragraph", "sentence"
UNIT_KINDS = (PARAGRAPH, SENTENCE)
_WRITE_BATCH = 500
GENERATION_FILE = "generation"
META_FILE = "store.json"  # embedding model, dimension, schema version
DOCUMENTS_FILE = "documents.json"  # the live document records as of one generation
# Present while every write since the last full garbage collection completed: an interrupted
# write removes it, and only then does `collect_garbage` read every record.
CLEAN_FILE = "clean"
KEPT_FILE = "rederive.json"  # generations whose metadata could not be re-derived
CHROMA_FILE = "chroma.sqlite3"  # what makes a folder a store


@dataclass(frozen=True)
class Unit:
    """A retrieval unit to store: text, vector, and where it sits in its report."""

    paragraph: int
    sentence: int  # index into the paragraph's sentences; -1 for a whole paragraph
    text: str
    vector: Sequence[float]


@dataclass(frozen=True)
class UnitMatch:
    """A stored unit returned by a search."""

    doc_id: str
    paragraph: int
    sentence: int
    text: str
    similarity: float
    uid: str = ""  # the record's id in the store


@dataclass(frozen=True)
class StoredGeneration:
    """A document generation read back from the store, with its vectors."""

    doc_id: str
    doc_hash: str
    record: dict[str, Any]  # the document record's metadata
    title_vector: list[float]
    paragraphs: tuple[Paragraph, ...]  # in order
    paragraph_vectors: tuple[list[float], ...]  # one per paragraph, same order
    units: tuple[Unit, ...]

    def report(self) -> Report:
        """The report as it was stored (its metadata from the document record)."""
        record = self.record
        return Report(
            doc_id=self.doc_id,
            meta=ReportMeta(
                title=str(record.get("title", "")),
                region=str(record.get("region", "")),
                level=str(record.get("level", "")),
                year=int(record.get("doc_year") or 0) or None,
                date=str(record.get("date", "")),
                review_years=_years(record.get("review_years")),
                plan_years=_years(record.get("plan_years")),
            ),
            paragraphs=self.paragraphs,
            content_hash=self.doc_hash,
            source=str(record.get("source", "")),
            title_hint=str(record.get("title_hint", "")),
            detector_version=str(record.get("detector_version", "")),
        )


def _as_vector(vec: Sequence[float]) -> list[float]:
    return np.asarray(vec, dtype=np.float32).tolist()


def _years(raw: object) -> tuple[int, ...]:
    """Years stored as a JSON list (absent in stores written before they were kept)."""
    try:
        return tuple(int(y) for y in json.loads(raw)) if isinstance(raw, str) and raw else ()
    except (ValueError, TypeError):
        return ()


def _paragraph(text: str, m: dict[str, Any]) -> Paragraph:
    return Paragraph(
        doc_id=m["doc_id"],
        number=int(m["paragraph"]),
        text=text,
        section=tuple(json.loads(m["section"])),
        sentences=tuple(json.loads(m["sentences"])),
        period=m["period"],
        period_year=m["period_year"] or None,
        is_heading=bool(m["is_heading"]),
        period_years=_years(m.get("period_years")),
        part=str(m.get("part", "")),
    )


def _brief(exc: Exception) -> str:
    """An exception message short enough for a one-line error."""
    text = " ".join(str(exc).split())
    return text if len(text) <= 200 else text[:200] + "…"


REBUILD_HINT = (
    "rebuild it with `assistant ingest --rebuild PATH...` "
    "(drops every indexed report, then indexes PATH)"
)


@contextmanager
def _store_errors(what: str, hint: str = "") -> Iterator[None]:
    """Turn whatever chromadb raises (a dead server, a damaged file) into one StoreError."""
    try:
        yield
    except StoreError:
        raise
    except Exception as exc:
        raise StoreError(f"{what} failed: {_brief(exc)}{hint}") from exc


def _client(path: Path | None, host: str, port: int):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    settings = ChromaSettings(anonymized_telemetry=False)
    if host:
        try:
            return chromadb.HttpClient(host=host, port=port, settings=settings)
        except Exception as exc:  # chromadb raises many types; turn them into one clear error
            raise StoreError(
                f"cannot reach the Chroma server at {host}:{port} ({_brief(exc)}): start it "
                "(`chroma run --path DIR --port PORT`) or fix CHROMA_HOST/CHROMA_PORT"
            ) from exc
    assert path is not None
    try:
        return chromadb.PersistentClient(path=str(path), settings=settings)
    except Exception as exc:
        raise StoreError(
            f"cannot open store {path}: {_brief(exc)}; if it is damaged, move the folder away "
            "(or pass another --store) and index the reports again"
        ) from exc


def _make_folder(path: Path) -> None:
    if path.exists() and not path.is_dir():
        raise StoreError(f"store {path} is a file, not a folder: pass another --store")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create store {path}: {exc.strerror or exc}") from None


def _write_atomically(path: Path, text: str) -> None:
    """Write a small file beside the store under a temporary name, then rename it, so a
    reader never sees half of it. A failure is logged: these files only save time."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        log.warning("could not write %s: %s", path, exc)
        try:
            path.unlink(missing_ok=True)  # never leave an older one behind
            tmp.unlink(missing_ok=True)
        except OSError:
            pass


def _read_json(path: Path, otherwise: str) -> dict[str, Any] | None:
    """A small JSON object beside the store; None when it is absent, unreadable or not an
    object (logged, with what the caller does `otherwise`)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.warning("%s unreadable (%s); %s", path, exc, otherwise)
        return None
    return data if isinstance(data, dict) else None


class _PendingTable:
    """Records of reports awaiting their vectors, in SQLite, behind the few calls of a Chroma
    collection the store makes (`upsert`, `get`, `delete`, `count`; `where` filters of
    equality, ``$ne``, ``$in`` and ``$and``); vectors are not kept."""

    def __init__(self, file: Path | None) -> None:
        self._lock = threading.Lock()
        self._db = sqlite3.connect(
            str(file) if file is not None else ":memory:", timeout=30, check_same_thread=False
        )
        with self._lock, self._db:
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS records (id TEXT PRIMARY KEY, doc_id TEXT NOT NULL,"
                " document TEXT NOT NULL, metadata TEXT NOT NULL)"
            )
            self._db.execute("CREATE INDEX IF NOT EXISTS records_doc ON records (doc_id)")

    def upsert(self, ids, embeddings=None, documents=None, metadatas=None) -> None:
        rows = [
            (i, m["doc_id"], d, json.dumps(m, ensure_ascii=False))
            for i, d, m in zip(ids, documents, metadatas, strict=True)
        ]
        with self._lock, self._db:
            self._db.executemany("INSERT OR REPLACE INTO records VALUES (?, ?, ?, ?)", rows)

    def _rows(self, where: dict[str, Any] | None) -> list[tuple[str, str, dict[str, Any]]]:
        doc_id = _equal_to(where, "doc_id")
        with self._lock:
            if doc_id is not None:
                got = self._db.execute(
                    "SELECT id, document, metadata FROM records WHERE doc_id = ?", (doc_id,)
                ).fetchall()
            else:
                got = self._db.execute("SELECT id, document, metadata FROM records").fetchall()
        rows = [(i, d, json.loads(m)) for i, d, m in got]
        return [r for r in rows if where is None or _matches(r[2], where)]

    def get(self, where: dict[str, Any] | None = None, include=()) -> dict[str, Any]:
        rows = self._rows(where)
        return {
            "ids": [i for i, _, _ in rows],
            "documents": [d for _, d, _ in rows],
            "metadatas": [m for _, _, m in rows],
            "embeddings": [[] for _ in rows],
        }

    def delete(self, ids: Sequence[str] | None = None, where: dict[str, Any] | None = None) -> None:
        doomed = list(ids) if ids is not None else [i for i, _, _ in self._rows(where)]
        with self._lock, self._db:
            self._db.executemany("DELETE FROM records WHERE id = ?", [(i,) for i in doomed])

    def count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM records").fetchone()[0])

    def clear(self) -> None:
        with self._lock, self._db:
            self._db.execute("DELETE FROM records")


def _equal_to(where: dict[str, Any] | None, key: str) -> Any:
    """The value `where` requires `key` to equal, if it says so at its top level."""
    if not where:
        return None
    if key in where and not isinstance(where[key], dict):
        return where[key]
    for part in where.get("$and", []):
        value = _equal_to(part, key)
        if value is not None:
            return value
    return None


def _matches(meta: dict[str, Any], where: dict[str, Any]) -> bool:
    """Whether metadata passes a Chroma-style filter (equality, $ne, $in, $and)."""
    for key, cond in where.items():
        if key == "$and":
            if not all(_matches(meta, part) for part in cond):
                return False
        elif isinstance(cond, dict):
            ((op, value),) = cond.items()
            if op == "$ne" and meta.get(key) == value:
                return False
            if op == "$in" and meta.get(key) not in value:
                return False
            if op not in ("$ne", "$in"):
                raise ValueError(f"unsupported filter {op}")
        elif meta.get(key) != cond:
            return False
    return True


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
        self._lock_file = None
        self._thread_lock = threading.RLock()
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
        self._generation_path = path / GENERATION_FILE if path is not None else None
        self._meta_path = path / META_FILE if path is not None else None
        self._documents_path = path / DOCUMENTS_FILE if path is not None else None
        self._clean_path = path / CLEAN_FILE if path is not None else None
        # The generation marker is written last when a store is created: until it exists, a
        # second process could be creating the same store, and Chroma's first start is not
        # safe to run twice at once ("table collections already exists").
        creating = self._generation_path is not None and not self._generation_path.exists()
        if path is not None:
            from filelock import FileLock

            _make_folder(path)
            self._lock_file = FileLock(str(path / "write.lock"))
        self._paragraph_cache: dict[tuple[str, str], tuple[Paragraph, ...]] = {}
        meta = self._read_meta()
        if host or creating or rebuild or meta is None:
            with self.write_lock() if creating or rebuild else nullcontext():
                self._open(rebuild=rebuild)
                if creating or rebuild:
                    self._write_meta()
                    if self._clean_path is not None:
                        self._clean_path.touch()  # nothing written yet, nothing to collect
                    self._bump_generation()
                    self._write_documents()
            if meta is None and not (host or creating or rebuild):
                self._upgrade()
        else:
            self._check_compatible(meta)

    # -- opening ---------------------------------------------------------------------------

    def _read_meta(self) -> dict[str, Any] | None:
        """What store.json says (None when absent or unreadable: Chroma is asked instead)."""
        if self._meta_path is None:
            return None
        return _read_json(self._meta_path, "checking the store itself")

    def _write_meta(self) -> None:
        if self._meta_path is None:
            return
        meta = dict(self._main.metadata or {})
        data = {k: meta.get(k) for k in ("embedding_model", "dimension", "schema_version")}
        _write_atomically(self._meta_path, json.dumps(data, ensure_ascii=False))

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
            main = self._open_collection(client, self._create or rebuild)
            self._check_compatible(main.metadata or {})
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

    def _open_collection(self, client: Any, create: bool):
        if not create:
            try:
                return client.get_collection(COLLECTION, embedding_function=None)
            except Exception as exc:
                if "does not exist" in str(exc) or type(exc).__name__ == "NotFoundError":
                    raise NotAStoreError(
                        f"{self.location} holds no index: index reports into it with "
                        "`assistant ingest PATH...`"
                    ) from None
                raise StoreError(f"cannot open store {self.location}: {_brief(exc)}") from exc
        try:
            return client.get_or_create_collection(
                COLLECTION,
                embedding_function=None,
                configuration={
                    # One build thread and a wide search beam. Builds still differ slightly:
                    # Chroma inserts the records of one upsert into the graph in an order that
                    # varies between runs (see README, "Rebuilds").
                    "hnsw": {
                        "space": "cosine",
                        "num_threads": 1,
                        "ef_construction": 200,
                        "ef_search": 200,
                    }
                },
                metadata={
                    "embedding_model": self.embedding_model,
                    "dimension": self.dimension,
                    "schema_version": SCHEMA_VERSION,
                },
            )
        except Exception as exc:
            raise StoreError(f"cannot open store {self.location}: {_brief(exc)}") from exc

    def _open_pending(self, create: bool) -> _PendingTable | None:
        """The reports awaiting vectors; None in a store opened read-only that has none."""
        if self.path is None:
            return _PendingTable(None)  # a Chroma server: this process's ingests only
        file = self.path / PENDING_FILE
        if not create and not file.exists():
            return None
        try:
            return _PendingTable(file)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open {file}: {exc}") from exc

    def _collections(self) -> list[Any]:
        return [self._col] if self._pending is None else [self._col, self._pending]

    def _drop_collection(self, client: Any) -> None:
        with self.write_lock():
            self._forget_documents()
            try:
                names = [getattr(c, "name", c) for c in client.list_collections()]
                if self._pending is not None:
                    self._pending.clear()
                if COLLECTION in names:
                    client.delete_collection(COLLECTION)
                    log.info("dropped the index in %s to rebuild it", self.location)
            except Exception as exc:
                raise StoreError(f"cannot rebuild store {self.location}: {_brief(exc)}") from exc

    def _check_compatible(self, meta: dict[str, Any]) -> None:
        schema = int(meta.get("schema_version") or SCHEMA_VERSION)
        if schema > SCHEMA_VERSION:
            raise StoreError(
                f"store {self.location} was written by a newer version (schema {schema}); "
                f"upgrade the assistant, use another --store, or {REBUILD_HINT}"
            )
        model, dim = meta.get("embedding_model"), meta.get("dimension")
        if model != self.embedding_model or int(dim or 0) != self.dimension:
            raise EmbeddingMismatchError(
                f"store {self.location} was built with embeddings {model!r} (dim {dim}), "
                f"not {self.embedding_model!r} (dim {self.dimension}); use another --store, "
                f"set ASSISTANT_EMBEDDINGS to match, or {REBUILD_HINT}"
            )

    # -- writing ---------------------------------------------------------------------------

    def write_lock(self, timeout: float | None = None):
        """Context manager held while writing (across processes for a local store)."""
        store = self
        timeout = self.lock_timeout if timeout is None else timeout

        class _Guard:
            def __enter__(self_inner):
                store._thread_lock.acquire()
                if store._lock_file is not None:
                    from filelock import Timeout

                    try:
                        store._lock_file.acquire(timeout=timeout)
                    except Timeout:
                        store._thread_lock.release()
                        raise StoreLockedError(
                            f"store {store.location} is being written by another process "
                            f"(waited {timeout:g} s): try again when that indexing has finished"
                        ) from None
                return store

            def __exit__(self_inner, *exc):
                if store._lock_file is not None:
                    store._lock_file.release()
                store._thread_lock.release()

        return _Guard()

    def _bump_generation(self) -> None:
        """Mark a change of the live documents (atomically, for readers in other processes)."""
        if self._generation_path is None:
            return
        tmp = self._generation_path.with_name(f".{GENERATION_FILE}.{uuid.uuid4().hex}")
        try:
            tmp.write_text(uuid.uuid4().hex, encoding="ascii")
            os.replace(tmp, self._generation_path)
        except OSError as exc:
            # Readers then see no marker and fall back to reading the document records.
            log.warning("could not update %s: %s", self._generation_path, exc)
            try:
                self._generation_path.unlink(missing_ok=True)
                tmp.unlink(missing_ok=True)
            except OSError:
                pass

    def _forget_documents(self) -> None:
        """Before a writer changes anything: no documents.json may outlive the change, even if
        the writer is killed before it bumps the generation."""
        if self._documents_path is None:
            return
        try:
            self._documents_path.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("could not delete %s: %s", self._documents_path, exc)
            self._bump_generation()  # then its tag no longer matches

    def _write_documents(self) -> None:
        """Write documents.json: the live records as Chroma holds them now, tagged with the
        current generation (by a writer, under the write lock, after its change)."""
        if self._documents_path is None:
            return
        token = self.generation()
        if token is None:
            return
        try:
            records = self._chroma_document_records()
        except Exception as exc:  # after a failed write: readers then read Chroma
            log.warning("could not list the documents of %s: %s", self.location, _brief(exc))
            return
        data = {
            "version": DOCUMENTS_VERSION,
            "generation": token,
            "records": records,
        }
        _write_atomically(self._documents_path, json.dumps(data, ensure_ascii=False))

    def _snapshot_records(self) -> list[dict[str, Any]] | None:
        """The records in documents.json if it is of the current generation, else None."""
        if self._documents_path is None:
            return None
        token = self.generation()
        if token is None:
            return None
        data = _read_json(self._documents_path, "reading the store")
        if (
            data is None
            or data.get("version") != DOCUMENTS_VERSION
            or data.get("generation") != token
            or not isinstance(data.get("records"), list)
        ):
            return None
        records = data["records"]
        if not all(isinstance(m, dict) and {"doc_id", "doc_hash", "embedded"} <= set(m)
                   for m in records):  # fmt: skip
            return None
        return records

    def not_rederivable(self, version: str) -> set[tuple[str, str]]:
        """(doc_id, content hash) of the generations recorded by `note_not_rederivable`
        for detector `version`."""
        if self.path is None:
            return set()
        try:
            data = json.loads((self.path / KEPT_FILE).read_text(encoding="utf-8"))
            if data.get("detector_version") != version:
                return set()
            return {(str(d), str(h)) for d, h in data["generations"]}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return set()

    def note_not_rederivable(self, version: str, generations: set[tuple[str, str]]) -> None:
        """Record generations whose metadata detector `version` cannot re-derive (derived
        data: losing it only costs a re-check)."""
        if self.path is None:
            return
        data = {"detector_version": version, "generations": sorted(map(list, generations))}
        _write_atomically(self.path / KEPT_FILE, json.dumps(data, ensure_ascii=False))

    def generation(self) -> str | None:
        """A token that changes whenever a document record is written or deleted.

        None when the store cannot tell (a Chroma server, or the marker is unreadable): the
        caller must then read the document records to see whether anything changed.
        """
        if self._generation_path is None:
            return None
        try:
            return self._generation_path.read_text(encoding="ascii") or None
        except (OSError, ValueError):  # unreadable, or damaged (not ASCII): read the records
            return None

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

    @staticmethod
    def _records(
        report: Report, units: Sequence[tuple[int, int, str]]
    ) -> tuple[list[str], list[str], list[dict[str, Any]], dict[str, Any]]:
        """Ids, texts and metadata of a report's paragraphs then units, and its record."""
        h = report.content_hash
        base = {"doc_id": report.doc_id, "doc_hash": h, "doc_year": report.meta.year or 0}
        ids, docs, metas = [], [], []
        for p in report.paragraphs:
            ids.append(f"{report.doc_id}::{h[:12]}::p{p.number}")
            docs.append(p.text)
            metas.append(
                {
                    **base,
                    "kind": PARAGRAPH,
                    "paragraph": p.number,
                    "sentence": -1,
                    "section": json.dumps(list(p.section), ensure_ascii=False),
                    "sentences": json.dumps(list(p.sentences), ensure_ascii=False),
                    "period": p.period,
                    "period_year": p.period_year or 0,
                    "is_heading": p.is_heading,
                    "period_years": json.dumps(list(p.period_years)),
                    "part": p.part,
                }
            )
        for n, (paragraph, sentence, text) in enumerate(units):
            ids.append(f"{report.doc_id}::{h[:12]}::s{paragraph}.{sentence}.{n}")
            docs.append(text)
            metas.append({**base, "kind": SENTENCE, "paragraph": paragraph, "sentence": sentence})
        m = report.meta
        record = {
            **base,
            "kind": DOCUMENT,
            "title": report.title,
            "region": m.region,
            "level": m.level,
            "date": m.date,
            "review_years": json.dumps(list(m.review_years)),
            "plan_years": json.dumps(list(m.plan_years)),
            "source": report.source,
            "title_hint": report.title_hint,
            "detector_version": report.detector_version,
            "paragraphs": len(report.paragraphs),
            "units": len(units),
            "chars": sum(len(p.text) for p in report.paragraphs),
            "indexed_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }
        return ids, docs, metas, record

    def write_report(
        self,
        report: Report,
        paragraph_vectors: Sequence[Sequence[float]],
        units: Sequence[Unit],
        title_vector: Sequence[float],
    ) -> None:
        """Store a report's paragraphs and units with their vectors, then make them live by
        writing its record; its pending generations (`write_pending`) are dropped."""
        ids, docs, metas, record = self._records(
            report, [(u.paragraph, u.sentence, u.text) for u in units]
        )
        vecs = [*paragraph_vectors, *(u.vector for u in units)]
        if len(vecs) != len(ids):
            raise ValueError("one vector per paragraph and per unit")
        with self.write_lock(), self._tracked_write():
            self._forget_documents()
            try:
                self._write_report(report, ids, vecs, docs, metas, record, title_vector)
            finally:
                # Even a failed write may have replaced the record: let readers look again.
                self._bump_generation()
                self._write_documents()

    def _write_report(self, report, ids, vecs, docs, metas, record, title_vector) -> None:
        h = report.content_hash
        try:
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
        except StoreError:
            raise  # e.g. Chroma could not be opened: say so as it is
        except Exception as exc:
            raise StoreError(
                f"writing {report.doc_id} to {self.location} failed: {_brief(exc)}{self._hint}"
            ) from exc

    def write_pending(self, report: Report, units: Sequence[tuple[int, int, str]]) -> None:
        """Store a report without vectors: live at once for everything but dense search.
        Its earlier generations, embedded or not, are dropped."""
        with self.write_lock(), self._tracked_write():
            self._forget_documents()
            try:
                self._write_pending(report, units)
            finally:
                self._bump_generation()
                self._write_documents()

    def _write_pending(self, report: Report, units: Sequence[tuple[int, int, str]]) -> None:
        if self._pending is None:
            self._pending_col = self._open_pending(create=True)
        h = report.content_hash
        ids, docs, metas, record = self._records(report, units)
        try:
            self._upsert(ids, [[]] * len(ids), docs, metas, col=self._pending)
            # The document record goes last, as in write_report.
            self._pending.upsert(
                ids=[f"doc::{report.doc_id}"],
                embeddings=[[]],
                documents=[report.title],
                metadatas=[record],
            )
            self._pending.delete(
                where={"$and": [{"doc_id": report.doc_id}, {"doc_hash": {"$ne": h}}]}
            )
            self._col.delete(where={"doc_id": report.doc_id})
        except StoreError:
            raise  # e.g. Chroma could not be opened: say so as it is
        except Exception as exc:
            raise StoreError(
                f"writing {report.doc_id} to {self.location} failed: {_brief(exc)}{self._hint}"
            ) from exc

    def delete_document(self, doc_id: str) -> None:
        with self.write_lock(), self._tracked_write():
            self._forget_documents()
            try:
                # Records first, so the units vanish from queries at once.
                for col in self._collections():
                    col.delete(ids=[f"doc::{doc_id}"])
                for col in self._collections():
                    col.delete(where={"doc_id": doc_id})
            except StoreError:
                raise  # e.g. Chroma could not be opened: say so as it is
            except Exception as exc:
                raise StoreError(
                    f"deleting {doc_id} from {self.location} failed: {_brief(exc)}{self._hint}"
                ) from exc
            finally:
                self._bump_generation()
                self._write_documents()

    @contextmanager
    def _tracked_write(self) -> Iterator[None]:
        """A write of several records: the store counts as clean again only if it completes,
        so records an interrupted one leaves behind are collected (see `collect_garbage`)."""
        marker = self._clean_path
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
        marker = self._clean_path
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
        records = self._snapshot_records()
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
        out = [
            DocumentInfo(
                doc_id=m["doc_id"],
                title=m.get("title", ""),
                region=m.get("region", ""),
                level=m.get("level", ""),
                year=m.get("doc_year") or None,
                date=m.get("date", ""),
                source=m.get("source", ""),
                paragraphs=int(m.get("paragraphs", 0)),
                chars=int(m.get("chars", 0)),
                content_hash=m["doc_hash"],
                indexed_at=m.get("indexed_at", ""),
                review_years=_years(m.get("review_years")),
                plan_years=_years(m.get("plan_years")),
                embedded=bool(m["embedded"]),
                units=int(m.get("units", 0)),
            )
            for m in self._document_records()
        ]
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
        record: dict[str, Any] = {}
        title_vector: list[float] = []
        paragraphs: list[tuple[Paragraph, list[float]]] = []
        units: list[tuple[int, Unit]] = []
        for uid, text, m, vec in zip(
            got["ids"], got["documents"], got["metadatas"], got["embeddings"], strict=True
        ):
            vector = _as_vector(vec) if embedded else []
            if m["kind"] == DOCUMENT:
                record, title_vector = dict(m), vector
            elif m["kind"] == PARAGRAPH:
                paragraphs.append((_paragraph(text, m), vector))
            else:
                order = int(uid.rsplit(".", 1)[1])  # the unit's place in its report
                units.append((order, Unit(int(m["paragraph"]), int(m["sentence"]), text, vector)))
        paragraphs.sort(key=lambda pv: pv[0].number)
        units.sort(key=lambda nu: nu[0])
        return StoredGeneration(
            doc_id=doc_id,
            doc_hash=doc_hash,
            record=record,
            title_vector=title_vector,
            paragraphs=tuple(p for p, _ in paragraphs),
            paragraph_vectors=tuple(v for _, v in paragraphs),
            units=tuple(u for _, u in units),
        )

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
        try:
            got = self._col.query(
                query_embeddings=[_as_vector(vector)],
                n_results=k,
                where=where,
                include=["distances"],
            )
        except StoreError:
            raise  # e.g. Chroma could not be opened: say so as it is
        except Exception as exc:
            raise StoreError(
                f"search in {self.location} failed: {_brief(exc)}{self._hint}"
            ) from exc
        return [
            (i, 1.0 - float(d)) for i, d in zip(got["ids"][0], got["distances"][0], strict=True)
        ]

    def search(self, vector: Sequence[float], k: int, hashes: Sequence[str]) -> list[UnitMatch]:
        """Nearest units to `vector` among the given live generations."""
        if not hashes:
            return []
        where = {"$and": [{"doc_hash": {"$in": list(hashes)}}, {"kind": {"$in": list(UNIT_KINDS)}}]}
        try:
            got = self._col.query(
                query_embeddings=[_as_vector(vector)],
                n_results=k,
                where=where,
                include=["documents", "metadatas", "distances"],
            )
        except StoreError:
            raise  # e.g. Chroma could not be opened: say so as it is
        except Exception as exc:
            raise StoreError(
                f"search in {self.location} failed: {_brief(exc)}{self._hint}"
            ) from exc
        return [
            UnitMatch(m["doc_id"], int(m["paragraph"]), int(m["sentence"]), text, 1.0 - float(d))
            for text, m, d in zip(
                got["documents"][0], got["metadatas"][0], got["distances"][0], strict=True
            )
        ]
