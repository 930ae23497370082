"""The reports awaiting their vectors, in ``pending.sqlite`` (see the package docstring)."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

PENDING_FILE = "pending.sqlite"


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
