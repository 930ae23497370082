"""Test doubles, all real subclasses of the interfaces they stand in for."""

from __future__ import annotations

import hashlib

import numpy as np
from langchain_core.embeddings import Embeddings


class HashEmbeddings(Embeddings):
    """Deterministic bag-of-characters embedder: similar texts get similar vectors.

    Counts how many texts it was asked to embed, so tests can assert what was (not) embedded.
    """

    def __init__(self, dimension: int = 64, model_name: str = "hash-test") -> None:
        self.dimension = dimension
        self.model_name = model_name
        self.embedded = 0

    def _vec(self, text: str) -> list[float]:
        v = np.zeros(self.dimension, dtype=np.float32)
        for ch in text:
            v[int(hashlib.md5(ch.encode()).hexdigest(), 16) % self.dimension] += 1.0
        n = np.linalg.norm(v)
        return (v / n if n else v + 1.0 / np.sqrt(self.dimension)).tolist()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.embedded += len(texts)
        return [self._vec(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vec(text)
