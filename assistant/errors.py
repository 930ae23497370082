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
    │   └── StoreLockedError       another process holds the store
    └── LLMError                   the configured chat model failed (bad key, unreachable, ...)
"""

from __future__ import annotations


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


class LLMError(AssistantError):
    """The configured chat model could not answer."""
