"""Chroma itself: the client, the collection and its compatibility check, and the turning of
whatever chromadb raises into a `StoreError`. The only module that imports chromadb."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import EmbeddingMismatchError, NotAStoreError, StoreError
from ..versions import SCHEMA_VERSION

COLLECTION = "report_units"


def _brief(exc: Exception) -> str:
    """An exception message short enough for a one-line error."""
    text = " ".join(str(exc).split())
    return text if len(text) <= 200 else text[:200] + "…"


REBUILD_HINT = (
    "rebuild it with `assistant ingest --rebuild PATH...` "
    "(drops every indexed report, then indexes PATH)"
)


@contextmanager
def _store_errors(what: str, hint: str = "") -> Iterator[None]:
    """Turn whatever chromadb raises (a dead server, a damaged file) into one StoreError."""
    try:
        yield
    except StoreError:
        raise
    except Exception as exc:
        raise StoreError(f"{what} failed: {_brief(exc)}{hint}") from exc


def _client(path: Path | None, host: str, port: int) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    settings = ChromaSettings(anonymized_telemetry=False)
    if host:
        try:
            return chromadb.HttpClient(host=host, port=port, settings=settings)
        except Exception as exc:  # chromadb raises many types; turn them into one clear error
            raise StoreError(
                f"cannot reach the Chroma server at {host}:{port} ({_brief(exc)}): start it "
                "(`chroma run --path DIR --port PORT`) or fix CHROMA_HOST/CHROMA_PORT"
            ) from exc
    assert path is not None
    try:
        return chromadb.PersistentClient(path=str(path), settings=settings)
    except Exception as exc:
        raise StoreError(
            f"cannot open store {path}: {_brief(exc)}; if it is damaged, move the folder away "
            "(or pass another --store) and index the reports again"
        ) from exc


def _open_collection(client: Any, create: bool, location: str, model: str, dimension: int) -> Any:
    """The store's collection (created unless `create` is False: then its absence is a
    `NotAStoreError`)."""
    if not create:
        try:
            return client.get_collection(COLLECTION, embedding_function=None)
        except Exception as exc:
            if "does not exist" in str(exc) or type(exc).__name__ == "NotFoundError":
                raise NotAStoreError(
                    f"{location} holds no index: index reports into it with "
                    "`assistant ingest PATH...`"
                ) from None
            raise StoreError(f"cannot open store {location}: {_brief(exc)}") from exc
    try:
        return client.get_or_create_collection(
            COLLECTION,
            embedding_function=None,
            configuration={
                # One build thread and a wide search beam. Builds still differ slightly:
                # Chroma inserts the records of one upsert into the graph in an order that
                # varies between runs (see README, "Rebuilds").
                "hnsw": {
                    "space": "cosine",
                    "num_threads": 1,
                    "ef_construction": 200,
                    "ef_search": 200,
                }
            },
            metadata={
                "embedding_model": model,
                "dimension": dimension,
                "schema_version": SCHEMA_VERSION,
            },
        )
    except Exception as exc:
        raise StoreError(f"cannot open store {location}: {_brief(exc)}") from exc


def _check_compatible(
    meta: dict[str, Any], location: str, embedding_model: str, dimension: int
) -> None:
    """Raise unless a store whose collection metadata is `meta` can be read with this
    version and this embedder."""
    schema = int(meta.get("schema_version") or SCHEMA_VERSION)
    if schema > SCHEMA_VERSION:
        raise StoreError(
            f"store {location} was written by a newer version (schema {schema}); "
            f"upgrade the assistant, use another --store, or {REBUILD_HINT}"
        )
    model, dim = meta.get("embedding_model"), meta.get("dimension")
    if model != embedding_model or int(dim or 0) != dimension:
        raise EmbeddingMismatchError(
            f"store {location} was built with embeddings {model!r} (dim {dim}), "
            f"not {embedding_model!r} (dim {dimension}); use another --store, "
            f"set ASSISTANT_EMBEDDINGS to match, or {REBUILD_HINT}"
        )
