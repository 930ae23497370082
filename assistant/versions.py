"""The version of everything the index derives from a report, in one place.

Bump a version when the rule behind its artefact changes: that artefact, and what is derived
from it, is derived again from what the store already holds, and nothing else is (ARTEFACTS
below says what happens for each). No version covers the vectors: they are keyed by the
embedding model's name (a store refuses another model; the embedding cache holds each model's
vectors apart, by text, so re-deriving never embeds a text twice).

The modules that use a version import it from here; a test checks that no module defines one
of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

# Bump when parsing changes what is embedded (paragraphs, sentences, which are headings).
PARSER_VERSION = "1"
# Bump when the metadata (ingest/meta.py) or the derived structure (sections, parts, periods)
# changes.
DETECTOR_VERSION = "4"
# Bump when figure extraction (indicators/) changes.
EXTRACTOR_VERSION = "4"
# Bump when what is stored in a lexical snapshot changes shape or meaning.
# 2: paragraphs keep the years their period covers and their part; 3: term counts, no index
LEXICAL_VERSION = 3
# Bump when `lexicon.tokens()` would give other tokens for the same text.
TOKENIZER_VERSION = 1
# Bump when the compact jieba dictionary's layout changes.
COMPACT_DICTIONARY_VERSION = 1
SCHEMA_VERSION = 1
# Bump when what documents.json holds changes shape.
DOCUMENTS_VERSION = 1


@dataclass(frozen=True)
class Artefact:
    """Something the index derives, the version that says which rule derived it, and what
    bumping that version does."""

    name: str
    version: str  # the name of its version constant in this module
    derived_from: str
    when_bumped: str


ARTEFACTS: tuple[Artefact, ...] = (
    Artefact(
        "paragraphs and units",
        "PARSER_VERSION",
        "the file's cleaned text",
        "a report is re-indexed when its file is ingested again (its content hash changes); "
        "unchanged units' vectors come from the embedding cache, so only changed text is embedded",
    ),
    Artefact(
        "metadata and structure (region, level, years, sections, periods)",
        "DETECTOR_VERSION",
        "the stored paragraphs",
        "re-derived when the store is opened (Assistant.rederive_metadata) and stored with the "
        "stored vectors; its indicator table and lexical snapshot follow",
    ),
    Artefact(
        "indicator table",
        "EXTRACTOR_VERSION",
        "the stored paragraphs",
        "rebuilt from the stored paragraphs on first use (IndicatorStore.missing)",
    ),
    Artefact(
        "lexical snapshot",
        "LEXICAL_VERSION",
        "the store's units and paragraphs",
        "a new folder, filled from the store",
    ),
    Artefact(
        "term counts",
        "TOKENIZER_VERSION",
        "the units' text and the tokenizer",
        "a new lexical folder, filled from the store",
    ),
    Artefact(
        "compact dictionary",
        "COMPACT_DICTIONARY_VERSION",
        "jieba's dictionary",
        "a new file in the cache folder",
    ),
    Artefact("store layout", "SCHEMA_VERSION", "", "a newer store is refused"),
    Artefact(
        "documents.json",
        "DOCUMENTS_VERSION",
        "the live document records",
        "read from Chroma and written again",
    ),
)
