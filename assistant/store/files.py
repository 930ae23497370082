"""The small files a local store keeps beside Chroma's (see the package docstring), and the
write lock.

Every file here is derived or a marker: losing one costs time (Chroma is read instead), never
data. For a Chroma server (no folder) there are none; the write lock is then this process's.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import StoreError, StoreLockedError
from ..versions import DOCUMENTS_VERSION
from .connection import _brief

log = logging.getLogger("assistant")

GENERATION_FILE = "generation"
META_FILE = "store.json"  # embedding model, dimension, schema version
DOCUMENTS_FILE = "documents.json"  # the live document records as of one generation
# Present while every write since the last full garbage collection completed: an interrupted
# write removes it, and only then does `collect_garbage` read every record.
CLEAN_FILE = "clean"
KEPT_FILE = "rederive.json"  # generations whose metadata could not be re-derived
CHROMA_FILE = "chroma.sqlite3"  # what makes a folder a store


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


class StoreFiles:
    """The marker and snapshot files of a local store at `path` (None: a Chroma server, which
    keeps none: reads return None, writes do nothing)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._generation_path = path / GENERATION_FILE if path is not None else None
        self._meta_path = path / META_FILE if path is not None else None
        self._documents_path = path / DOCUMENTS_FILE if path is not None else None
        self.clean_path = path / CLEAN_FILE if path is not None else None

    def has_generation(self) -> bool:
        """Whether the generation marker exists (written last when a store is created)."""
        return self._generation_path is not None and self._generation_path.exists()

    def read_meta(self) -> dict[str, Any] | None:
        """What store.json says (None when absent or unreadable: Chroma is asked instead)."""
        if self._meta_path is None:
            return None
        return _read_json(self._meta_path, "checking the store itself")

    def write_meta(self, meta: dict[str, Any]) -> None:
        """Write store.json from the collection's metadata."""
        if self._meta_path is None:
            return
        data = {k: meta.get(k) for k in ("embedding_model", "dimension", "schema_version")}
        _write_atomically(self._meta_path, json.dumps(data, ensure_ascii=False))

    def bump_generation(self) -> None:
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

    def forget_documents(self) -> None:
        """Before a writer changes anything: no documents.json may outlive the change, even if
        the writer is killed before it bumps the generation."""
        if self._documents_path is None:
            return
        try:
            self._documents_path.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("could not delete %s: %s", self._documents_path, exc)
            self.bump_generation()  # then its tag no longer matches

    def write_documents(self, read: Callable[[], list[dict[str, Any]]]) -> None:
        """Write documents.json: the live records as Chroma holds them now, tagged with the
        current generation (by a writer, under the write lock, after its change)."""
        if self._documents_path is None:
            return
        token = self.generation()
        if token is None:
            return
        try:
            records = read()
        except Exception as exc:  # after a failed write: readers then read Chroma
            log.warning("could not list the documents of %s: %s", self.path, _brief(exc))
            return
        data = {
            "version": DOCUMENTS_VERSION,
            "generation": token,
            "records": records,
        }
        _write_atomically(self._documents_path, json.dumps(data, ensure_ascii=False))

    def documents(self) -> list[dict[str, Any]] | None:
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


class WriteLock:
    """Held while writing: a re-entrant lock among this process's threads and, for a local
    store, a file lock across processes."""

    def __init__(self, path: Path | None, location: str) -> None:
        self.location = location
        self._thread_lock = threading.RLock()
        self._lock_file = None
        if path is not None:
            from filelock import FileLock

            self._lock_file = FileLock(str(path / "write.lock"))

    def hold(self, timeout: float, owner: object) -> _Guard:
        """A context manager that takes the lock (giving up after `timeout` seconds with a
        `StoreLockedError`) and returns `owner`."""
        return _Guard(self, timeout, owner)


class _Guard:
    def __init__(self, lock: WriteLock, timeout: float, owner: object) -> None:
        self._lock, self._timeout, self._owner = lock, timeout, owner

    def __enter__(self) -> object:
        lock, timeout = self._lock, self._timeout
        lock._thread_lock.acquire()
        if lock._lock_file is not None:
            from filelock import Timeout

            try:
                lock._lock_file.acquire(timeout=timeout)
            except Timeout:
                lock._thread_lock.release()
                raise StoreLockedError(
                    f"store {lock.location} is being written by another process "
                    f"(waited {timeout:g} s): try again when that indexing has finished"
                ) from None
        return self._owner

    def __exit__(self, *exc: object) -> None:
        lock = self._lock
        if lock._lock_file is not None:
            lock._lock_file.release()
        lock._thread_lock.release()
