"""Exceptions raised by the assistant.

Catch at the level you need::

    AssistantError                 base of everything raised on purpose
    ├── ConfigError                a setting is missing or invalid
    ├── InputError                 the caller gave something unusable
    │   ├── EmptyQuestionError     empty, whitespace-only or punctuation-only question
    │   └── DocumentNotFoundError  delete/filter names a document that is not indexed
    ├── LoadError                  a file could not be read as a report (carries .path)
    │   └── UnsupportedFormatError the file type is not one we read
    ├── StoreError                 the index cannot be opened or written
    │   ├── EmbeddingMismatchError the store was built with another embedding model
    │   ├── NotAStoreError         the folder holds no index (and was left as it was)
    │   └── StoreLockedError       another process holds the store
    ├── EmbeddingError             the embeddings endpoint failed (bad key, unreachable, ...)
    └── LLMError                   the configured chat model failed (bad key, unreachable, ...)

Messages are one line and never contain an API key: text that comes from outside (an
endpoint's error body, a library's exception) goes through `redact` first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# What API keys look like, for text that may hold a key we were not told about.
_KEYLIKE = re.compile(r"\b(?:sk|pk|rk)-[A-Za-z0-9_\-*]{6,}|Bearer\s+\S+", re.IGNORECASE)
MASK = "***"


def scrub(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with every secret, and anything that looks like an API key, replaced by ***."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK)
    return _KEYLIKE.sub(MASK, text)


def redact(text: str, secrets: Iterable[str] = (), limit: int | None = 200) -> str:
    """`text` scrubbed of secrets (see `scrub`) as one line of at most `limit` characters."""
    text = " ".join(scrub(text, secrets).split())
    if limit is not None and len(text) > limit:
        text = text[:limit] + "…"
    return text


class AssistantError(Exception):
    """Base class for errors the assistant raises on purpose."""


class ConfigError(AssistantError):
    """A setting is missing or invalid."""


class InputError(AssistantError):
    """The caller gave input the assistant cannot use."""


class EmptyQuestionError(InputError):
    """The question has no content to search for."""


class DocumentNotFoundError(InputError):
    """No indexed document has this id."""


class LoadError(AssistantError):
    """A file could not be loaded as a report."""

    def __init__(self, path: str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class UnsupportedFormatError(LoadError):
    """The file type is not supported."""


class StoreError(AssistantError):
    """The index cannot be opened or written."""


class EmbeddingMismatchError(StoreError):
    """The store was built with a different embedding model or dimension."""


class StoreLockedError(StoreError):
    """Another process is writing to the store."""


class NotAStoreError(StoreError):
    """The folder holds no index; reading commands do not create one."""


class EmbeddingError(AssistantError):
    """The embeddings endpoint could not embed the texts."""


class LLMError(AssistantError):
    """The configured chat model could not answer."""
