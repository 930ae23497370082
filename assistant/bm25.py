"""BM25 over tokenized retrieval units, assembled from per-document term counts (pure).

Each document generation's units are counted once (`TermCounts`, kept on disk beside the
store); the index of the whole live set is put together from those counts, so adding a report
costs the tokenizing of its own units and a vectorised merge, not a pass over every unit of
every report. Scores are BM25 as Lucene computes it (bm25s' default "lucene" method):

    idf(t)    = ln(1 + (N - df(t) + 0.5) / (df(t) + 0.5))
    score(u)  = sum over query tokens t of idf(t) * tf / (tf + k1 * (1 - b + b * |u| / avgdl))

with k1 = 1.5 and b = 0.75; each term's part is a float32, and a token repeated in the query
counts each time.
"""

from __future__ import annotations

import zipfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

K1 = 1.5
B = 0.75
EMPTY = "\u2205"  # the token of a unit with no tokens, so every unit has a row


@dataclass(frozen=True)
class TermCounts:
    """How often each term occurs in each unit of one document: a sparse matrix with one
    row per unit (CSR arrays) over the document's own vocabulary `terms`."""

    terms: np.ndarray  # str
    indptr: np.ndarray  # int64, one more than the units
    indices: np.ndarray  # int32 positions in `terms`
    counts: np.ndarray  # int32

    @classmethod
    def of(cls, token_lists: Sequence[Sequence[str]]) -> TermCounts:
        vocab: dict[str, int] = {}
        indptr = [0]
        indices: list[int] = []
        counts: list[int] = []
        for tokens in token_lists:
            tokens = tokens or [EMPTY]
            for term, n in Counter(tokens).items():
                indices.append(vocab.setdefault(term, len(vocab)))
                counts.append(n)
            indptr.append(len(indices))
        return cls(
            terms=np.asarray(list(vocab), dtype=str),
            indptr=np.asarray(indptr, np.int64),
            indices=np.asarray(indices, np.int32),
            counts=np.asarray(counts, np.int32),
        )

    @property
    def rows(self) -> int:
        return len(self.indptr) - 1

    @property
    def lengths(self) -> np.ndarray:
        """Tokens per unit: the sum of its row (every row has at least one entry)."""
        if not len(self.counts):
            return np.zeros(self.rows, np.int64)
        return np.add.reduceat(self.counts.astype(np.int64), self.indptr[:-1])

    def save(self, path: Path) -> None:
        """Write to an open-able path (np.savez adds no suffix to a file object)."""
        with open(path, "wb") as f:
            np.savez(
                f,
                terms=self.terms,
                indptr=self.indptr,
                indices=self.indices,
                counts=self.counts,
            )

    @classmethod
    def load(cls, path: Path) -> TermCounts:
        """Raises OSError or ValueError when the file is missing or damaged."""
        try:
            with np.load(path, allow_pickle=False) as data:
                counts = cls(
                    terms=data["terms"],
                    indptr=data["indptr"].astype(np.int64),
                    indices=data["indices"].astype(np.int32),
                    counts=data["counts"].astype(np.int32),
                )
        except (zipfile.BadZipFile, EOFError, KeyError, AttributeError) as exc:
            raise ValueError(f"not term counts: {exc}") from exc
        if (
            not len(counts.indptr)
            or counts.indptr[0] != 0
            or bool(np.any(np.diff(counts.indptr) < 1))  # every unit has a term (EMPTY)
            or counts.indptr[-1] != len(counts.indices)
            or len(counts.counts) != len(counts.indices)
            or (len(counts.indices) and int(counts.indices.max()) >= len(counts.terms))
        ):
            raise ValueError("inconsistent term counts")
        return counts


class BM25:
    """BM25 over the units of several documents, in the order of `parts` and their rows."""

    def __init__(self, parts: Sequence[TermCounts], k1: float = K1, b: float = B) -> None:
        # One vocabulary: every part's terms, sorted and deduplicated in one numpy call.
        every = [p.terms for p in parts]
        names, ids = np.unique(
            np.concatenate(every) if every else np.zeros(0, str), return_inverse=True
        )
        vocab = {name: i for i, name in enumerate(names.tolist())}
        indptr, indices, counts, lengths = [np.zeros(1, np.int64)], [], [], []
        offset = start = 0
        for part in parts:
            indices.append(ids[start : start + len(part.terms)].astype(np.int32)[part.indices])
            start += len(part.terms)
            counts.append(part.counts)
            lengths.append(part.lengths)
            indptr.append(part.indptr[1:] + offset)
            offset += len(part.indices)
        self.vocab = vocab
        self.units = sum(p.rows for p in parts)
        terms = np.concatenate(indices) if indices else np.zeros(0, np.int32)
        tf = np.concatenate(counts) if counts else np.zeros(0, np.int32)
        row_ptr = np.concatenate(indptr)
        dl = np.concatenate(lengths).astype(np.float64) if lengths else np.zeros(0)
        rows = np.repeat(np.arange(self.units, dtype=np.int32), np.diff(row_ptr))
        # Column order (term by term, units ascending within a term): a stable sort by term.
        order = np.argsort(terms, kind="stable")
        self._df = np.bincount(terms, minlength=len(vocab)).astype(np.int64)
        self._col_ptr = np.concatenate([np.zeros(1, np.int64), np.cumsum(self._df)])
        self._rows = rows[order]
        idf = np.log(1.0 + (self.units - self._df + 0.5) / (self._df + 0.5))
        f = tf[order].astype(np.float64)
        norm = k1 * ((1 - b) + b * dl[self._rows] / dl.mean()) if self.units else f
        self._scores = (idf[terms[order]] * f / (f + norm)).astype(np.float32)

    def df(self, term: str) -> int:
        """How many units contain `term`."""
        tid = self.vocab.get(term)
        return int(self._df[tid]) if tid is not None else 0

    def scores(self, tokens: Sequence[str]) -> np.ndarray:
        """The score of every unit for the query `tokens` (float32; unknown tokens add 0)."""
        out = np.zeros(self.units, np.float32)
        for token in tokens:
            tid = self.vocab.get(token)
            if tid is None:
                continue
            start, end = self._col_ptr[tid], self._col_ptr[tid + 1]
            out[self._rows[start:end]] += self._scores[start:end]
        return out
