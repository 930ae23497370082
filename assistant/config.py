"""Settings: the only place that reads the environment.

Resolution order for every setting: explicit argument, then environment variable,
then the default below.

=========================  =======================================  ===================
variable                   meaning                                  default
=========================  =======================================  ===================
ASSISTANT_STORE_DIR        persistent index folder                  ~/.local/share/gov-report-assistant/store
ASSISTANT_CACHE_DIR        embedding cache folder                   ~/.cache/gov-report-assistant
ASSISTANT_EMBEDDINGS       ``local`` (bundled e5) or ``openai``     local
ASSISTANT_EMBEDDING_MODEL  model name for ``openai`` embeddings     text-embedding-3-small
OPENAI_API_KEY             enables LLM answers                      (unset: extractive)
OPENAI_BASE_URL            any OpenAI-compatible endpoint           (OpenAI)
ASSISTANT_LLM_MODEL        chat model, ``[provider:]name``          gpt-4o-mini
ASSISTANT_ON_UNVERIFIED    ``warn`` or ``fallback``                 warn
ASSISTANT_LLM_CONCURRENCY  parallel LLM calls in ask_batch          4
ASSISTANT_LLM_TIMEOUT      seconds per LLM request                  60
ASSISTANT_LLM_MAX_RETRIES  retries of a failed LLM request          3
CHROMA_HOST / CHROMA_PORT  use a Chroma server instead of a folder  (unset) / 8000
ASSISTANT_UI_HOST          address the web UI binds                 127.0.0.1
ASSISTANT_UI_PORT          port of the web UI                       7860
ASSISTANT_UI_AUTH          ``user:password`` login for the web UI   (unset: no login)
=========================  =======================================  ===================

``ASSISTANT_LLM_MODEL`` names the chat model as LangChain's ``init_chat_model`` does:
``openai:gpt-4o-mini``, ``anthropic:claude-…`` (with that provider's ``langchain-*`` package
installed). A name without a provider LangChain knows (``deepseek-chat``, ``qwen-plus``,
Ollama's ``qwen2.5:7b``) is a model of the OpenAI-compatible endpoint at ``OPENAI_BASE_URL``.
The key and the endpoint are passed to whichever provider is chosen. Rate limits (HTTP 429),
server errors, timeouts and dropped connections are retried by the provider's client, with
exponential back-off that honours ``Retry-After``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .errors import ConfigError

EMBEDDING_BACKENDS = ("local", "openai")
ON_UNVERIFIED = ("warn", "fallback")


def _default_store_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "gov-report-assistant" / "store"


def _default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "gov-report-assistant"


@dataclass(frozen=True)
class Settings:
    """Everything configurable, validated on construction."""

    store_dir: Path = field(default_factory=_default_store_dir)
    cache_dir: Path = field(default_factory=_default_cache_dir)
    embeddings: str = "local"
    embedding_model: str = "text-embedding-3-small"
    openai_api_key: str = field(default="", repr=False)
    openai_base_url: str = ""
    llm_model: str = "gpt-4o-mini"
    on_unverified: str = "warn"
    llm_concurrency: int = 4
    llm_timeout: float = 60.0
    llm_max_retries: int = 3
    chroma_host: str = ""
    chroma_port: int = 8000
    ui_host: str = "127.0.0.1"
    ui_port: int = 7860
    ui_auth: str = field(default="", repr=False)

    def __post_init__(self) -> None:
        if self.embeddings not in EMBEDDING_BACKENDS:
            raise ConfigError(
                f"ASSISTANT_EMBEDDINGS must be one of {', '.join(EMBEDDING_BACKENDS)}, "
                f"not {self.embeddings!r}"
            )
        if self.embeddings == "openai" and not self.openai_api_key:
            raise ConfigError("ASSISTANT_EMBEDDINGS=openai needs OPENAI_API_KEY")
        if self.on_unverified not in ON_UNVERIFIED:
            raise ConfigError(f"ASSISTANT_ON_UNVERIFIED must be one of {', '.join(ON_UNVERIFIED)}")
        if self.llm_concurrency < 1:
            raise ConfigError("ASSISTANT_LLM_CONCURRENCY must be at least 1")
        if self.llm_timeout <= 0:
            raise ConfigError("ASSISTANT_LLM_TIMEOUT must be positive")
        if self.llm_max_retries < 0:
            raise ConfigError("ASSISTANT_LLM_MAX_RETRIES must not be negative")
        object.__setattr__(self, "store_dir", Path(self.store_dir).expanduser())
        object.__setattr__(self, "cache_dir", Path(self.cache_dir).expanduser())

    @property
    def llm_enabled(self) -> bool:
        return bool(self.openai_api_key)

    @property
    def mode(self) -> str:
        return "llm" if self.llm_enabled else "extractive"

    def with_(self, **changes: Any) -> Settings:
        return replace(self, **changes)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Build settings from `env` (default: os.environ); keyword overrides win."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}

        def take(name: str, key: str, convert: Callable[[str], Any] = str) -> None:
            raw = env.get(name, "").strip()
            if raw:
                try:
                    values[key] = convert(raw)
                except ValueError as exc:
                    raise ConfigError(f"{name}={raw!r} is not valid: {exc}") from None

        take("ASSISTANT_STORE_DIR", "store_dir", Path)
        take("ASSISTANT_CACHE_DIR", "cache_dir", Path)
        take("ASSISTANT_EMBEDDINGS", "embeddings", str.lower)
        take("ASSISTANT_EMBEDDING_MODEL", "embedding_model")
        take("OPENAI_API_KEY", "openai_api_key")
        take("OPENAI_BASE_URL", "openai_base_url")
        take("ASSISTANT_LLM_MODEL", "llm_model")
        take("ASSISTANT_ON_UNVERIFIED", "on_unverified", str.lower)
        take("ASSISTANT_LLM_CONCURRENCY", "llm_concurrency", int)
        take("ASSISTANT_LLM_TIMEOUT", "llm_timeout", float)
        take("ASSISTANT_LLM_MAX_RETRIES", "llm_max_retries", int)
        take("CHROMA_HOST", "chroma_host")
        take("CHROMA_PORT", "chroma_port", int)
        take("ASSISTANT_UI_HOST", "ui_host")
        take("ASSISTANT_UI_PORT", "ui_port", int)
        take("ASSISTANT_UI_AUTH", "ui_auth")
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)
