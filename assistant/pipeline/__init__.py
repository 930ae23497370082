"""Composition root: builds the Assistant from Settings and wires the stages together.

load → clean → structure → embed → store → retrieve → answer → cite

`Assistant` is the facade; its work is done by the mixins it is built from, one module each:

- `indexing.py`: files and texts parsed and written to the store without vectors;
- `embedding.py`: their vectors computed, in the foreground or in the background;
- `rederive.py`: stored reports' metadata re-derived under a newer detector;
- `tables.py`: the indicator table and the target/result tracks;
- `answering.py`: the answer path (with `notices.py`, what an answer says about its question);
- `units.py`: a report cut into retrieval units.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

from .. import lexicon
from ..answer.extractive import ExtractiveAnswerer, ExtractiveConfig
from ..answer.registry import AnswererOptions, default_answerers, find_answerer
from ..answer.tracking import TrackAnswerer
from ..config import Settings
from ..embeddings import Embeddings, build_embedder, calibration_of
from ..errors import DocumentNotFoundError
from ..indicator_store import FILENAME as INDICATOR_FILE
from ..indicator_store import IndicatorStore
from ..retrieve import RetrievalConfig, Retriever
from ..store import ChromaStore
from ..types import DocumentInfo, Indicator, Paragraph, TrackRecord
from .answering import AnsweringMixin, History
from .indexing import MAX_PARAGRAPHS, MAX_UNITS, IndexingMixin
from .notices import MAX_QUESTION_CHARS
from .rederive import RederiveMixin
from .units import MAX_UNIT_CHARS, UNIT_CHARS, report_units

if TYPE_CHECKING:
    # The LLM chain (LangChain, the OpenAI client) is imported only in LLM mode: it takes
    # about a second, a third of an extractive `assistant ask`.
    from langchain_core.language_models import BaseChatModel

    from ..answer.llm import LLMAnswerer


__all__ = [
    "MAX_PARAGRAPHS",
    "MAX_QUESTION_CHARS",
    "MAX_UNITS",
    "MAX_UNIT_CHARS",
    "UNIT_CHARS",
    "Assistant",
    "History",
    "build_embedder",
    "report_units",
]


class Assistant(IndexingMixin, RederiveMixin, AnsweringMixin):
    """Question answering over government work reports, with citations."""

    def __init__(
        self,
        store_dir: str | Path | None = None,
        settings: Settings | None = None,
        *,
        embedder: Embeddings | None = None,
        retrieval: RetrievalConfig | None = None,
        extractive: ExtractiveConfig | None = None,
        chat_model: BaseChatModel | None = None,
        rebuild: bool = False,
        indicators: bool = True,
        create: bool = True,
    ) -> None:
        """`rebuild=True` drops every indexed report first (e.g. to change embedding model).
        `indicators=False` answers every question through retrieval alone (for comparison);
        the indicator table is still built and `indicators()` still works.
        `create=False` opens an existing store only: a folder without one is a
        `NotAStoreError`, and nothing is written to it."""
        settings = settings or Settings.from_env()
        if store_dir is not None:
            settings = settings.with_(store_dir=Path(store_dir))
        self.settings = settings
        lexicon.use_compact_dictionary(settings.cache_dir)
        self.embedder = embedder or build_embedder(settings)
        dim = getattr(self.embedder, "dimension", None) or len(self.embedder.embed_query("维度"))
        model = getattr(self.embedder, "model_name", type(self.embedder).__name__)
        self.store = ChromaStore(
            embedding_model=model,
            dimension=int(dim),
            path=None if settings.chroma_host else settings.store_dir,
            host=settings.chroma_host,
            port=settings.chroma_port,
            rebuild=rebuild,
            create=create,
        )
        self.retriever = Retriever(self.store, self.embedder, retrieval)
        self.indicator_store = IndicatorStore(
            None if settings.chroma_host else settings.store_dir / INDICATOR_FILE
        )
        self.use_indicators = indicators
        self.tracker = TrackAnswerer()
        self._track_cache: tuple[tuple[tuple[str, str], ...], list[TrackRecord]] | None = None
        self._indicator_cache: tuple[tuple[tuple[str, str], ...], list[Indicator]] | None = None
        # Asked in order (answer/registry.py); the first answer wins.
        options = AnswererOptions(calibration_of(self.embedder), extractive, self.tracker.table)
        self.answerers = default_answerers(options, indicators=indicators)
        self.extractive = find_answerer(self.answerers, ExtractiveAnswerer)
        # LLM mode when a key is configured (or a chat model is given, e.g. in tests).
        self.llm: LLMAnswerer | None = None
        if chat_model is not None or settings.llm_enabled:
            from ..answer.llm import answerer_from_settings

            self.llm = answerer_from_settings(settings, chat_model)
        self._embedding: dict[str, tuple[int, int]] = {}  # doc_id -> progress, this process
        self._background: threading.Thread | None = None
        self._background_lock = threading.Lock()
        self._stop = threading.Event()  # ends background embedding (`stop_embedding`)
        self.rederive_metadata()

    @property
    def mode(self) -> str:
        return "llm" if self.llm is not None else "extractive"

    def documents(self) -> list[DocumentInfo]:
        return self.store.documents()

    def paragraph(self, doc_id: str, number: int) -> Paragraph | None:
        """One indexed paragraph by document id and 1-based number; None when there is none."""
        self.retriever.refresh()
        return self.retriever.paragraph(doc_id, number)

    def delete(self, doc_id: str) -> None:
        if doc_id not in self.store.live_hashes():
            raise DocumentNotFoundError(f"no indexed document {doc_id!r}")
        with self.store.write_lock():
            self.store.delete_document(doc_id)
            self.indicator_store.delete(doc_id)
        self.retriever.refresh()

    def warm_up(self) -> None:
        """Load the tokenizer and the lexical index before the first question."""
        lexicon.warm_up()
        self.retriever.refresh()
