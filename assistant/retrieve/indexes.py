"""The in-memory indexes a refresh builds over the live units: BM25 (`_LexicalIndex`) and
exact cosine search over their vectors (`_DenseIndex`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np

from ..bm25 import BM25, TermCounts
from ..store import UnitMatch


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
