"""The indicator table: extracted figures in SQLite beside the Chroma store.

Rows carry their document's id and content hash, like the store's units. They are written
before the document's Chroma record (inside the store's write lock), and readers only return
rows whose (doc_id, hash) is live in the store, so a report's figures appear and disappear
together with its paragraphs. A generation marked in `extracted` with the current
`EXTRACTOR_VERSION` is complete (possibly with no figures); any other is rebuilt from the
stored paragraphs.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from .errors import StoreError
from .types import Indicator
from .versions import EXTRACTOR_VERSION

log = logging.getLogger("assistant")

FILENAME = "indicators.sqlite"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS indicators (
    doc_id TEXT NOT NULL,
    doc_hash TEXT NOT NULL,
    ord INTEGER NOT NULL,
    record TEXT NOT NULL,
    PRIMARY KEY (doc_id, doc_hash, ord)
);
CREATE TABLE IF NOT EXISTS extracted (
    doc_id TEXT NOT NULL,
    doc_hash TEXT NOT NULL,
    version TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (doc_id, doc_hash)
);
"""


class IndicatorStore:
    """Indicator records per document generation, in one SQLite file."""

    def __init__(self, path: Path | None) -> None:
        """`path` None keeps the table in memory for this process: with a Chroma server there is
        no local store folder, and the table is rebuilt from the server's paragraphs."""
        self.path = path
        self._keeper: sqlite3.Connection | None = None
        if path is None:
            self._target = f"file:indicators-{uuid.uuid4().hex}?mode=memory&cache=shared"
            # The in-memory database lives as long as one connection to it is open.
            self._keeper = sqlite3.connect(self._target, uri=True, check_same_thread=False)
        else:
            self._target = str(path)
        try:
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
            with self._connect() as db:
                db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open indicator table {self.path}: {exc}") from exc

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self._target, timeout=30, uri=self.path is None)
        try:
            with db:  # one transaction: committed on success, rolled back on error
                yield db
        finally:
            db.close()

    def write(self, doc_id: str, doc_hash: str, records: Sequence[Indicator]) -> None:
        """Store the records of one generation (replacing any earlier rows of it)."""
        rows = [
            (doc_id, doc_hash, n, json.dumps(r.to_dict(), ensure_ascii=False))
            for n, r in enumerate(records)
        ]
        try:
            with self._connect() as db:
                db.execute(
                    "DELETE FROM indicators WHERE doc_id = ? AND doc_hash = ?", (doc_id, doc_hash)
                )
                db.executemany("INSERT INTO indicators VALUES (?, ?, ?, ?)", rows)
                db.execute(
                    "INSERT OR REPLACE INTO extracted VALUES (?, ?, ?, ?)",
                    (doc_id, doc_hash, EXTRACTOR_VERSION, len(rows)),
                )
        except sqlite3.Error as exc:
            raise StoreError(
                f"writing indicators of {doc_id} to {self.path} failed: {exc}"
            ) from exc

    def delete(self, doc_id: str, keep_hash: str | None = None) -> None:
        """Delete a document's rows (all, or all but the generation `keep_hash`)."""
        cond, args = "doc_id = ?", [doc_id]
        if keep_hash is not None:
            cond, args = "doc_id = ? AND doc_hash != ?", [doc_id, keep_hash]
        try:
            with self._connect() as db:
                db.execute(f"DELETE FROM indicators WHERE {cond}", args)
                db.execute(f"DELETE FROM extracted WHERE {cond}", args)
        except sqlite3.Error as exc:
            raise StoreError(f"deleting indicators of {doc_id} failed: {exc}") from exc

    def missing(self, live: Mapping[str, str]) -> list[str]:
        """Live documents whose generation has no complete table for this extractor version."""
        try:
            with self._connect() as db:
                done = set(
                    db.execute(
                        "SELECT doc_id, doc_hash FROM extracted WHERE version = ?",
                        (EXTRACTOR_VERSION,),
                    ).fetchall()
                )
        except sqlite3.Error as exc:
            raise StoreError(f"cannot read indicator table {self.path}: {exc}") from exc
        return sorted(d for d, h in live.items() if (d, h) not in done)

    def records(self, live: Mapping[str, str]) -> list[Indicator]:
        """The records of the live generations, by document and order of appearance."""
        if not live:
            return []
        try:
            with self._connect() as db:
                rows = db.execute(
                    "SELECT doc_id, doc_hash, record FROM indicators ORDER BY doc_id, ord"
                ).fetchall()
        except sqlite3.Error as exc:
            raise StoreError(f"cannot read indicator table {self.path}: {exc}") from exc
        return [Indicator(**json.loads(rec)) for d, h, rec in rows if live.get(d) == h]
