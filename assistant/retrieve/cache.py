"""The lexical side of a store kept on disk beside it (`LexicalCache`): each report's units,
paragraphs and term counts, and a copy of its unit vectors."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import lexicon
from ..bm25 import TermCounts
from ..store import UnitMatch
from ..types import Paragraph
from ..versions import LEXICAL_VERSION

log = logging.getLogger("assistant")


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
