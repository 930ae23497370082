"""Query → candidate paragraphs: dense search in the store plus BM25 over jieba tokens, fused
by reciprocal rank, preferring the period (past-year review or report-year plan) and the place
the question names. No LLM calls.

Work done once per process and reused: the live documents, their paragraphs, units, BM25
index and unit vectors are read when the store's generation changes, not per question; each
report's units, paragraphs and term counts and a copy of its unit vectors are kept on disk
beside the store (`LexicalCache`), so a start on an unchanged store loads them (without
starting Chroma), an ingest tokenizes only the documents it changed, and the BM25 index is
assembled from the counts (`bm25`).

Dense search is exact: cosine similarity over those vectors with numpy, the same measure as
the store's (1 - Chroma's cosine distance). Only when a live embedded report has no vectors
here (they could not be read) does it ask the store's HNSW index instead.

The package's modules, by job:

- `search.py`: `Retriever` and `RetrievalConfig`: dense search and BM25, fused, and the
  paragraphs scored;
- `state.py`: the live documents as of the store's generation, and refreshing them;
- `cache.py`: `LexicalCache`, the snapshots and vector mirrors on disk;
- `indexes.py`: the BM25 and exact dense indexes of the live units;
- `places.py`: which documents a question's places name.
"""

from .cache import LEXICAL_VERSION, LexicalCache
from .search import DENSE_SLACK, LEXICAL_MAX_DEPTH, PIPELINES, RRF_K, RetrievalConfig, Retriever
from .state import LiveDocuments

__all__ = [
    "DENSE_SLACK",
    "LEXICAL_MAX_DEPTH",
    "LEXICAL_VERSION",
    "PIPELINES",
    "RRF_K",
    "LexicalCache",
    "LiveDocuments",
    "RetrievalConfig",
    "Retriever",
]
