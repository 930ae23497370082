"""Question answering over Chinese government work reports, with cited paragraphs."""

from .config import Settings
from .errors import (
    AssistantError,
    ConfigError,
    DocumentNotFoundError,
    EmbeddingError,
    EmbeddingMismatchError,
    EmptyQuestionError,
    InputError,
    LLMError,
    LoadError,
    NotAStoreError,
    StoreError,
    StoreLockedError,
    UnsupportedFormatError,
)
from .pipeline import Assistant
from .types import (
    Answer,
    Citation,
    DocumentInfo,
    Indicator,
    IngestReport,
    RetrievedParagraph,
    TrackRecord,
    TrackSide,
)

__version__ = "0.1.0"

__all__ = [
    "Answer",
    "Assistant",
    "AssistantError",
    "Citation",
    "ConfigError",
    "DocumentInfo",
    "DocumentNotFoundError",
    "EmbeddingError",
    "EmbeddingMismatchError",
    "EmptyQuestionError",
    "Indicator",
    "IngestReport",
    "InputError",
    "LLMError",
    "LoadError",
    "NotAStoreError",
    "RetrievedParagraph",
    "Settings",
    "StoreError",
    "StoreLockedError",
    "TrackRecord",
    "TrackSide",
    "UnsupportedFormatError",
    "__version__",
]
