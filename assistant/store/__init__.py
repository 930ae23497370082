"""The Chroma adapter: the only package that imports chromadb (in `connection.py`).

One collection holds three kinds of record, each carrying its document's id and content hash:

- ``document``: one per report, written *last* when a report is indexed; its hash marks which
  generation of that report's units is live. Queries only see units of live generations, so a
  report is either wholly visible or not at all, even if an ingest is killed half-way. It
  carries the report's identity (title, region, level, year, date, the years its review and
  plan cover) and the version of the detector that derived it.
- ``paragraph``: one per paragraph (headings included), with the whole text and its structure
  (section path, part, period and the years it covers).
- ``sentence``: the retrieval units (a sentence, or a window of a long one), citing their
  paragraph.

The collection's metadata records the embedding model and dimension; opening the store with a
different embedder raises `EmbeddingMismatchError` instead of mixing vector spaces.

Reports that are indexed but not yet embedded are kept apart, in ``pending.sqlite`` (a plain
SQLite table: they have no vectors, and a vector index of placeholders is both slow to write
and, in Chroma's HNSW, not robust): the same records under the same ids. Such a report is live
at once (its paragraphs and units are read for keyword search, citations and the indicator
table) but takes no part in dense search. `write_report` writes it with its vectors into the
collection and then drops its pending records. A document id has one live generation: a
pending one whose hash differs from the embedded one is newer (an ingest of a changed file)
and wins; one with the same hash is what a completion left behind before it was cleaned up.

A local store also keeps, beside the Chroma files:

- ``generation``: rewritten whenever a document record is written or deleted, so readers can
  tell in one small file read whether the set of live documents may have changed (see
  `ChromaStore.generation`).
- ``pending.sqlite``: the reports awaiting their vectors (above).
- ``store.json``: the embedding model, dimension and schema version the store was built with,
  so that opening it checks compatibility without starting Chroma.
- ``rederive.json``: the report versions whose metadata the current detector could not
  re-derive without re-indexing them (see `Assistant.rederive_metadata`), so that a start
  does not read them from Chroma again only to find that out.
- ``documents.json``: the live document records, tagged with the generation they were read
  at. Only a writer, holding the write lock, writes it (after its change and the new
  generation); it deletes it before changing anything, so a writer killed half-way leaves
  none. Readers use it only when its tag equals the current generation, else read Chroma.

With both files current, listing the documents needs no Chroma: the client and collections
open on first use by whatever needs them (a question answered from the retriever's files
beside the store never does; see `assistant.retrieve`).

The package's modules, by job:

- `chroma.py`: `ChromaStore`, opening the store and reading and writing its records;
- `records.py`: the record kinds and their conversion to and from the shared types;
- `files.py`: the files beside the store (above) and the write lock;
- `pending.py`: the table of reports awaiting their vectors;
- `connection.py`: Chroma's client and collection, and its errors turned into `StoreError`.
"""

from .chroma import ChromaStore
from .connection import COLLECTION, REBUILD_HINT, SCHEMA_VERSION
from .files import (
    CHROMA_FILE,
    CLEAN_FILE,
    DOCUMENTS_FILE,
    DOCUMENTS_VERSION,
    GENERATION_FILE,
    KEPT_FILE,
    META_FILE,
)
from .pending import PENDING_FILE
from .records import (
    DOCUMENT,
    PARAGRAPH,
    SENTENCE,
    UNIT_KINDS,
    StoredGeneration,
    Unit,
    UnitMatch,
    Vector,
)

__all__ = [
    "CHROMA_FILE",
    "CLEAN_FILE",
    "COLLECTION",
    "DOCUMENT",
    "DOCUMENTS_FILE",
    "DOCUMENTS_VERSION",
    "GENERATION_FILE",
    "KEPT_FILE",
    "META_FILE",
    "PARAGRAPH",
    "PENDING_FILE",
    "REBUILD_HINT",
    "SCHEMA_VERSION",
    "SENTENCE",
    "UNIT_KINDS",
    "ChromaStore",
    "StoredGeneration",
    "Unit",
    "UnitMatch",
    "Vector",
]
