"""Composition root: builds the Assistant from Settings and wires the stages together.

load → clean → structure → embed → store → retrieve → answer → cite
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from . import lexicon
from .answer.base import AnswerContext, Extracted, abstention
from .answer.extractive import ExtractiveAnswerer, ExtractiveConfig
from .answer.followup import rewrite_followup
from .answer.multipart import split_question
from .answer.registry import AnswererOptions, default_answerers, find_answerer
from .answer.tracking import TrackAnswerer
from .config import Settings
from .embeddings import Embeddings, build_embedder, calibration_of
from .errors import (
    DocumentNotFoundError,
    EmptyQuestionError,
    InputError,
    LoadError,
    StoreLockedError,
)
from .indicator_store import FILENAME as INDICATOR_FILE
from .indicator_store import IndicatorStore
from .indicators import KINDS, extract, extract_report
from .ingest import structure
from .ingest.clean import clean_text
from .ingest.loaders import load_file
from .ingest.report import build_report
from .question import QuestionPlan, asks_tracking, names_region, plan_question
from .retrieve import RetrievalConfig, Retriever
from .store import ChromaStore, StoredGeneration, Unit
from .tracking import build_pairs
from .types import (
    RESULT,
    TARGET,
    Answer,
    DocumentInfo,
    Hit,
    Indicator,
    IngestReport,
    Paragraph,
    Report,
    RetrievedParagraph,
    SourceText,
    TrackRecord,
)

if TYPE_CHECKING:
    # The LLM chain (LangChain, the OpenAI client) is imported only in LLM mode: it takes
    # about a second, a third of an extractive `assistant ask`.
    from langchain_core.language_models import BaseChatModel

    from .answer.llm import LLMAnswerer, LLMResult

log = logging.getLogger("assistant")

MAX_QUESTION_CHARS = 500
# Long sentences are cut into windows of about this many characters at clause boundaries.
UNIT_CHARS = 120
# No unit is longer than this: well inside the embedding model's input (e5: 512 tokens, and a
# token covers at least one character). A longer clause is split at 、；, then every
# UNIT_CHARS characters.
MAX_UNIT_CHARS = 240
_LIST_MARKS = "、；;"
# The longest real reports have about 260 paragraphs and 700 units; these are 40-80 times
# that, and keep an accepted file's records within memory and hours of embedding.
MAX_PARAGRAPHS = 20_000
MAX_UNITS = 40_000
_EMBED_CHUNK = 256


def _split_long(clause: str) -> list[str]:
    """A clause as pieces of at most MAX_UNIT_CHARS characters (itself when it fits)."""
    if len(clause) <= MAX_UNIT_CHARS:
        return [clause]
    pieces = []
    for item in re.split(f"(?<=[{_LIST_MARKS}])", clause):
        if len(item) <= MAX_UNIT_CHARS:
            pieces.append(item)
        else:
            pieces.extend(item[i : i + UNIT_CHARS] for i in range(0, len(item), UNIT_CHARS))
    return pieces


def _windows(sentence: str) -> list[str]:
    if len(sentence) <= UNIT_CHARS * 1.5:
        return [sentence]
    parts, current = [], ""
    clauses = sentence.replace("，", "，\n").replace(",", ",\n").split("\n")
    for clause in (p for c in clauses for p in _split_long(c)):
        if current and len(current) + len(clause) > UNIT_CHARS:
            parts.append(current)
            current = ""
        current += clause
    if current:
        parts.append(current)
    return parts


def report_units(report: Report) -> list[tuple[int, int, str]]:
    """(paragraph, sentence index, text) of every retrieval unit of a report."""
    out = []
    for p in report.paragraphs:
        if p.is_heading:
            continue  # the heading's paragraph record is its unit
        for i, sentence in enumerate(p.sentences):
            for window in _windows(sentence):
                out.append((p.number, i, window))
    return out


def _folder_files(folder: Path) -> tuple[list[Path], list[tuple[str, str]]]:
    """The files under `folder` (hidden ones skipped), in order, and the symbolic links that
    lead out of it, each with the reason it is not followed.

    A link whose target is inside the folder is read (a link to a folder is not entered: what
    it holds is reached by its own path).
    """
    root = folder.resolve()
    files: list[Path] = []
    refused: list[tuple[str, str]] = []

    def leaves(entry: Path) -> bool:
        target = entry.resolve()
        if target == root or root in target.parents:
            return False
        kind = "folder" if target.is_dir() else "file"
        refused.append(
            (str(entry), f"not followed: a link to a {kind} outside {folder} ({target})")
        )
        return True

    for here, dirs, names in os.walk(folder):  # does not enter links to folders
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in dirs:
            if (Path(here) / name).is_symlink():
                leaves(Path(here) / name)
        for name in names:
            entry = Path(here) / name
            if name.startswith(".") or (entry.is_symlink() and leaves(entry)):
                continue
            if entry.is_file():
                files.append(entry)
    return sorted(files), refused


def _clean_question(question: str) -> tuple[str, list[str]]:
    if not isinstance(question, str):
        raise InputError("the question must be text")
    notices = []
    cleaned = "".join(
        ch for ch in question if unicodedata.category(ch)[0] != "C" or ch in "\n\t"
    ).strip()
    if not cleaned or all(unicodedata.category(ch)[0] in "PZS" for ch in cleaned):
        raise EmptyQuestionError("the question is empty: ask about something in the reports")
    if len(cleaned) > MAX_QUESTION_CHARS:
        cleaned = cleaned[:MAX_QUESTION_CHARS]
        notices.append(f"问题过长，只使用了前{MAX_QUESTION_CHARS}个字符。")
    return cleaned, notices


History = Sequence[Sequence[str]]  # (question, answer) turns, oldest first


@dataclass
class _Prepared:
    """A question after rewriting and retrieval, with its extractive answer (the fallback)."""

    question_in: str  # as asked
    question: str  # standalone form used for retrieval and answering
    rewritten: str  # the standalone form when it differs from the question, else ""
    notices: list[str]
    hits: list[Hit]
    extracted: Extracted
    timings: dict[str, float]
    started: float
    keyword_only: tuple[str, ...] = ()  # reports in scope not yet embedded


@dataclass(frozen=True)
class _Embedded:
    """A report's vectors, ready to be written."""

    paragraph_vectors: list[np.ndarray]
    units: list[Unit]
    title_vector: Sequence[float]


def _embedding_texts(
    report: Report,
) -> tuple[list[tuple[int, int, str]], list[Paragraph], list[str]]:
    """What is embedded for a report: its units, then the paragraphs that have none (headings)
    on their own, then its title; the third item lists all their texts in that order."""
    units = report_units(report)
    headings = [p for p in report.paragraphs if p.is_heading or not p.sentences]
    return units, headings, [t for _, _, t in units] + [p.text for p in headings] + [report.title]


class Assistant:
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
            from .answer.llm import answerer_from_settings

            self.llm = answerer_from_settings(settings, chat_model)
        self._embedding: dict[str, tuple[int, int]] = {}  # doc_id -> progress, this process
        self._background: threading.Thread | None = None
        self._background_lock = threading.Lock()
        self._stop = threading.Event()  # ends background embedding (`stop_embedding`)
        self.rederive_metadata()

    @property
    def mode(self) -> str:
        return "llm" if self.llm is not None else "extractive"

    # -- indexing ---------------------------------------------------------------------------

    def ingest(
        self,
        paths: Iterable[str | Path] | str | Path,
        progress=None,
        embed: bool = True,
        embed_progress=None,
    ) -> IngestReport:
        """Index files and folders (recursively); unchanged documents are skipped.

        `progress(n, total, doc_id)` is called as each file is indexed. The reports are
        answerable (by keyword search and the indicator table) as soon as they are indexed;
        their vectors are computed next (`embed_progress(doc_id, done, total)` after each
        batch), or later by `embed_pending` / `embed_in_background` when `embed` is False.
        """
        if isinstance(paths, (str, Path)):
            paths = [paths]
        files: list[Path] = []
        failed: list[tuple[str, str]] = []
        for raw in paths:
            path = Path(raw)
            if path.is_dir():
                # Unsupported files are passed on too, so the report names them with the reason.
                found, refused = _folder_files(path)
                files.extend(found)
                failed.extend(refused)
            elif path.exists():
                files.append(path)
            else:
                failed.append((str(path), "no such file or folder"))
        sources: list[SourceText] = []
        for f in files:
            try:
                sources.append(load_file(f))
            except LoadError as exc:
                failed.append((str(f), exc.reason))
        report = self._index_sources(
            sources, progress=progress, embed=embed, embed_progress=embed_progress
        )
        return IngestReport(
            added=report.added,
            updated=report.updated,
            skipped=report.skipped,
            failed=tuple(failed) + report.failed,
        )

    def ingest_texts(
        self, items: Sequence[dict[str, Any]], progress=None, embed: bool = True
    ) -> IngestReport:
        """Index documents given as dicts with `id`, `text` and optional `title` (`embed` as
        in `ingest`)."""
        sources = []
        for item in items:
            if (
                not isinstance(item, dict)
                or not item.get("id")
                or not isinstance(item.get("text"), str)
            ):
                raise InputError("each document needs an 'id' and a 'text'")
            sources.append(
                SourceText(
                    text=item["text"],
                    source=str(item["id"]),
                    format="text",
                    title=str(item.get("title") or ""),
                )
            )
        return self._index_sources(sources, progress=progress, embed=embed)

    def _index_sources(
        self, sources: Sequence[SourceText], progress=None, embed: bool = True, embed_progress=None
    ) -> IngestReport:
        """Index reports in two steps. First each is parsed, its figures extracted, and it is
        written without vectors: from then on it is answered from (keyword search, the
        indicator table, citations). Then, unless `embed` is False, `embed_pending` computes
        the vectors of every report still without them. The write lock is held only to write,
        so other writers (a delete, another upload) wait seconds, not for the embedding."""
        added, updated, skipped, failed = [], [], [], []
        live = self.store.live_hashes()
        collected = False
        seen: dict[str, str] = {}
        for n, src in enumerate(sources):
            doc_id = Path(src.source).name if src.format != "text" else src.source
            if doc_id in seen:
                # Document ids are file names: a second file of that name would replace it.
                failed.append((src.source, f"same document id {doc_id!r} as {seen[doc_id]}"))
                continue
            seen[doc_id] = src.source
            try:
                report = self._parse(src, doc_id)
            except LoadError as exc:
                failed.append((src.source, exc.reason))
                continue
            if live.get(doc_id) == report.content_hash:
                skipped.append(doc_id)
            else:
                units = report_units(report)
                figures = extract_report(report)
                with self.store.write_lock():
                    if not collected:
                        # Records an interrupted write left behind; only a writer may tell.
                        self.store.collect_garbage()
                        collected = True
                    live = self.store.live_hashes()  # another writer may have been first
                    if live.get(doc_id) == report.content_hash:
                        skipped.append(doc_id)
                    else:
                        # The figures go in before the record makes this generation live.
                        self.indicator_store.write(doc_id, report.content_hash, figures)
                        self.store.write_pending(report, units)
                        self.indicator_store.delete(doc_id, keep_hash=report.content_hash)
                        (updated if doc_id in live else added).append(doc_id)
            if progress is not None:
                progress(n + 1, len(sources), doc_id)
        if added or updated:
            # Tokenize the new units here, not in the next question (which, like any asked
            # meanwhile, answers from the reports before this ingest until this is done).
            self.retriever.refresh()
        if embed:
            self.embed_pending(progress=embed_progress)
        return IngestReport(tuple(added), tuple(updated), tuple(skipped), tuple(failed))

    def pending(self) -> list[DocumentInfo]:
        """Indexed reports whose vectors are not computed yet, oldest first."""
        return sorted(
            (d for d in self.store.documents() if not d.embedded),
            key=lambda d: (d.indexed_at, d.doc_id),
        )

    def embed_pending(self, progress=None, stop: threading.Event | None = None) -> list[str]:
        """Compute and store the vectors of every report indexed without them (an ingest
        with `embed=False`, or one interrupted while embedding); returns their ids.

        `progress(doc_id, done, total)` is called after each batch of texts. Questions are
        answered meanwhile (they get the model between batches), and the store's write lock
        is taken only to write a finished report. Setting `stop` ends the work after the
        current batch; so does killing the process: embedded texts stay in the embedding
        cache, and the next call starts where this one stopped.
        """
        done: list[str] = []
        collected = False
        for doc in self.pending():
            if stop is not None and stop.is_set():
                break
            stored = self.store.stored_generation(doc.doc_id, doc.content_hash, embedded=False)
            if not stored.record:
                continue  # replaced or deleted meanwhile
            report = stored.report()

            def step(n: int, total: int, doc_id: str = doc.doc_id) -> None:
                self._embedding[doc_id] = (n, total)
                if progress is not None:
                    progress(doc_id, n, total)

            try:
                embedded = self._embed(report, step, stop)
            finally:
                self._embedding.pop(doc.doc_id, None)
            if embedded is None:
                break  # stopped
            with self.store.write_lock():
                if not collected:
                    self.store.collect_garbage()  # e.g. the records of a killed write
                    collected = True
                current = {d.doc_id: d for d in self.store.documents()}.get(doc.doc_id)
                if current is None or current.embedded or current.content_hash != doc.content_hash:
                    continue
                self.store.write_report(
                    report,
                    paragraph_vectors=embedded.paragraph_vectors,
                    units=embedded.units,
                    title_vector=embedded.title_vector,
                )
            done.append(doc.doc_id)
            self.retriever.refresh()
        return done

    def embed_in_background(self) -> threading.Thread | None:
        """Start `embed_pending` in a daemon thread, unless one is running or nothing waits;
        returns the thread."""
        with self._background_lock:
            running = self._background
            if running is not None and running.is_alive():
                return running
            if not any(not d.embedded for d in self.store.documents()):
                return None

            def work() -> None:
                try:
                    while self.embed_pending(stop=self._stop):
                        pass  # reports added meanwhile
                except Exception as exc:  # a background thread has no caller to raise to
                    log.error("embedding in the background failed: %s", exc)

            thread = threading.Thread(target=work, name="embed-pending", daemon=True)
            self._background = thread
            thread.start()
            return thread

    def embedding_progress(self) -> dict[str, tuple[int, int]]:
        """doc_id -> (texts embedded, texts in all) for each report not yet embedded.

        Counted from this process's work, else from the embedding cache (which another
        process embedding the report fills); (0, total) when neither can tell."""
        out: dict[str, tuple[int, int]] = {}
        for doc in self.pending():
            if doc.doc_id in self._embedding:
                out[doc.doc_id] = self._embedding[doc.doc_id]
                continue
            stored = self.store.stored_generation(doc.doc_id, doc.content_hash, embedded=False)
            if not stored.record:
                continue
            texts = _embedding_texts(stored.report())[2]
            counted = getattr(self.embedder, "cached_count", None)
            out[doc.doc_id] = (counted(texts) if counted else 0, len(texts))
        return out

    @staticmethod
    def _parse(src: SourceText, doc_id: str) -> Report:
        text = clean_text(src.text)
        if not text.strip():
            raise LoadError(src.source, "no text left after removing page boilerplate")
        report = build_report(
            text, doc_id, title_hint=src.title, filename=Path(src.source).name, source=src.source
        )
        # Within the text limit, one-character lines or sentences would make hundreds of
        # thousands of records: hours of embedding for no report.
        if len(report.paragraphs) > MAX_PARAGRAPHS:
            raise LoadError(
                src.source,
                f"too many paragraphs for one report ({len(report.paragraphs):,}; "
                f"the limit is {MAX_PARAGRAPHS:,})",
            )
        units = len(report_units(report))
        if units > MAX_UNITS:
            raise LoadError(
                src.source,
                f"too many sentences for one report ({units:,} units; the limit is {MAX_UNITS:,})",
            )
        return report

    def _embed(
        self, report: Report, progress=None, stop: threading.Event | None = None
    ) -> _Embedded | None:
        """A report's vectors (None when `stop` was set before they were all computed)."""
        units, headings, texts = _embedding_texts(report)
        # In chunks, each turned into an array at once: as lists of Python floats the
        # vectors of a long report take 8 times the memory.
        chunks = []
        for i in range(0, len(texts), _EMBED_CHUNK):
            if stop is not None and stop.is_set():
                return None
            chunk = texts[i : i + _EMBED_CHUNK]
            chunks.append(np.asarray(self.embedder.embed_documents(chunk), np.float32))
            if progress is not None:
                progress(i + len(chunk), len(texts))
        vectors = np.concatenate(chunks)
        unit_vectors = vectors[: len(units)]
        heading_vectors = dict(
            zip((p.number for p in headings), vectors[len(units) : -1], strict=False)
        )
        # A body paragraph's vector is the normalised mean of its units' vectors: as good for
        # ranking paragraphs and far cheaper than embedding each paragraph again.
        by_paragraph: dict[int, list[int]] = {}
        for i, (number, _, _) in enumerate(units):
            by_paragraph.setdefault(number, []).append(i)
        paragraph_vectors = []
        for p in report.paragraphs:
            if p.number in heading_vectors:
                paragraph_vectors.append(heading_vectors[p.number])
            else:
                mean = unit_vectors[by_paragraph[p.number]].mean(axis=0)
                paragraph_vectors.append(mean / (np.linalg.norm(mean) or 1.0))
        return _Embedded(
            paragraph_vectors=paragraph_vectors,
            units=[
                Unit(paragraph=p, sentence=s, text=t, vector=v)
                for (p, s, t), v in zip(units, unit_vectors, strict=True)
            ],
            title_vector=vectors[-1],
        )

    def _store_report(self, report: Report, embedded: _Embedded) -> None:
        """Write an embedded report and its figures (under the write lock)."""
        # The figures go in before the document record makes this generation live.
        self.indicator_store.write(report.doc_id, report.content_hash, extract_report(report))
        self.store.write_report(
            report,
            paragraph_vectors=embedded.paragraph_vectors,
            units=embedded.units,
            title_vector=embedded.title_vector,
        )
        self.indicator_store.delete(report.doc_id, keep_hash=report.content_hash)

    def rederive_metadata(self, lock_timeout: float = 5.0) -> list[str]:
        """Re-derive the metadata and structure (region, level, years, sections, periods) of
        stored reports that an older detector read, from their stored paragraphs, and store
        them again with their stored vectors: nothing is embedded. Runs when the assistant
        opens a store; returns the ids of the documents updated.

        A report whose paragraphs or retrieval units would come out differently (a changed
        parser), or would come out the same, is left as it is (ingesting its file again
        re-indexes it) and noted in the store, so later openings do not read it again for this
        detector. When another process is writing the store, nothing is done now; the next
        opening tries again.
        """
        current = structure.DETECTOR_VERSION
        # A report still waiting for its vectors is re-derived once it has them; one found
        # not re-derivable is not read again until it changes.
        kept = self.store.not_rederivable(current)
        embedded = {
            d.doc_id
            for d in self.store.documents()
            if d.embedded and (d.doc_id, d.content_hash) not in kept
        }
        stale = sorted(
            d for d, v in self.store.detector_versions().items() if v != current and d in embedded
        )
        if not stale:
            return []
        done: list[str] = []
        try:
            with self.store.write_lock(timeout=lock_timeout):
                live = self.store.live_hashes()
                refused = {(d, h) for d, h in live.items() if (d, h) in kept}
                for doc_id in stale:
                    if doc_id not in live:
                        continue
                    if self._rederive(self.store.stored_generation(doc_id, live[doc_id])):
                        done.append(doc_id)
                    else:
                        refused.add((doc_id, live[doc_id]))
                if refused != kept:
                    self.store.note_not_rederivable(current, refused)
        except StoreLockedError:
            log.info("store is being written; stored reports' metadata is re-derived later")
        if done:
            log.info("re-derived the metadata of %d stored report(s)", len(done))
        return done

    def _rederive(self, stored: StoredGeneration) -> bool:
        text = "\n".join(p.text for p in stored.paragraphs)
        record = stored.record
        report = build_report(
            text,
            stored.doc_id,
            title_hint=str(record.get("title_hint", "")),
            source=str(record.get("source", "")),
        )
        if report.content_hash == stored.doc_hash:
            return False
        vectors = {(u.paragraph, u.sentence, u.text): u.vector for u in stored.units}
        wanted = report_units(report)
        if (
            Counter(wanted) != Counter((u.paragraph, u.sentence, u.text) for u in stored.units)
            or [p.number for p in report.paragraphs] != [p.number for p in stored.paragraphs]
            or [p.is_heading for p in report.paragraphs]
            != [p.is_heading for p in stored.paragraphs]
        ):
            log.info("%s: paragraphs would change; ingest it again to re-index", stored.doc_id)
            return False
        # The title's vector is kept even when the title changes: retrieval never uses it.
        self._store_report(
            report,
            _Embedded(
                paragraph_vectors=list(stored.paragraph_vectors),
                units=[Unit(p, s, t, vectors[(p, s, t)]) for p, s, t in wanted],
                title_vector=stored.title_vector,
            ),
        )
        return True

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

    def indicators(
        self,
        doc: str | Sequence[str] | None = None,
        year: int | None = None,
        kind: str | None = None,
        status: str | None = None,
        name: str | None = None,
    ) -> list[Indicator]:
        """The figures of the indexed reports, filtered.

        `doc`: a document id or several; `year`: the year a figure refers to; `kind`: level,
        growth, share or count, or result/target (the same as `status`); `name`: a substring
        of the indicator name or of the sentence it comes from.
        """
        if kind in (RESULT, TARGET):
            if status and status != kind:
                raise InputError(f"kind {kind!r} and status {status!r} contradict each other")
            kind, status = None, kind
        if kind is not None and kind not in KINDS:
            raise InputError(
                f"unknown kind {kind!r}: choose from {', '.join(KINDS)}, result, target"
            )
        if status is not None and status not in (RESULT, TARGET):
            raise InputError(f"unknown status {status!r}: choose result or target")
        docs = [doc] if isinstance(doc, str) else list(doc or [])
        live = self.store.live_hashes()
        records = self._live_indicators(live)
        if docs:
            unknown = set(docs) - set(live)
            if unknown:
                raise DocumentNotFoundError(f"no indexed document {sorted(unknown)[0]!r}")
        needle = lexicon.normalize(name) if name else ""
        return [
            r
            for r in records
            if (not docs or r.doc_id in docs)
            and (year is None or r.year == year)
            and (kind is None or r.kind == kind)
            and (status is None or r.status == status)
            and (not needle or needle in lexicon.normalize(f"{r.name} {r.sentence}"))
        ]

    def _live_indicators(self, live: dict[str, str] | None = None) -> list[Indicator]:
        """Records of the live documents (`live`: doc_id -> hash, read from the store when not
        given); tables missing for a live document (a store indexed before the indicator table
        existed, or by an older extractor) are built from its stored paragraphs, without
        embedding anything."""
        live = self.store.live_hashes() if live is None else live
        key = tuple(sorted(live.items()))
        if self._indicator_cache is not None and self._indicator_cache[0] == key:
            return self._indicator_cache[1]
        missing = self.indicator_store.missing(live)
        if missing:
            infos = {d.doc_id: d for d in self.store.documents()}
            built: dict[str, list[Indicator]] = {}
            for doc_id in missing:
                info = infos.get(doc_id)
                if info is None:
                    continue
                built[doc_id] = extract(
                    self.store.paragraphs(doc_id, live[doc_id]),
                    title=info.title,
                    region=info.region,
                    report_year=info.year,
                )
            try:
                with self.store.write_lock(timeout=5.0):
                    current = self.store.live_hashes()
                    for doc_id, records in built.items():
                        if current.get(doc_id) == live[doc_id]:
                            self.indicator_store.write(doc_id, live[doc_id], records)
            except StoreLockedError:
                # Another process is writing: answer from the records built here, store later.
                stored = self.indicator_store.records(live)
                return stored + [r for recs in built.values() for r in recs]
        records = self.indicator_store.records(live)
        self._indicator_cache = (key, records)
        return records

    def track(
        self,
        indicator: str | None = None,
        region: str | None = None,
        years: int | Iterable[int] | None = None,
    ) -> list[TrackRecord]:
        """Targets followed to their results: for each region, indicator and year, the target
        set in the plan of that year's report, the result stated in the next year's review,
        and a verdict (达到 / 未达到 / 无法判断). See assistant/tracking.py.

        `indicator`: any wording the synonym table knows (GDP, 国内生产总值, 物价…) or an
        indicator name; `region`: a place (全国, 安徽 for 安徽省); `years`: a year or several.
        """
        live = self.store.live_hashes()
        records = self._live_tracks(live)
        wanted = self.tracker.table.resolve(indicator) if indicator else None
        year_set = {years} if isinstance(years, int) else set(years) if years is not None else None
        return [
            r
            for r in records
            if (wanted is None or r.indicator in wanted)
            and (not region or r.region == region or names_region(region, r.region))
            and (year_set is None or r.year in year_set)
        ]

    def _live_tracks(self, live: dict[str, str] | None = None) -> list[TrackRecord]:
        """Every target/result pair of the live documents (kept until the reports change)."""
        live = self.store.live_hashes() if live is None else live
        key = tuple(sorted(live.items()))
        if self._track_cache is not None and self._track_cache[0] == key:
            return self._track_cache[1]
        records = self._live_indicators(live)
        self.retriever.refresh(wait=False)
        docs = self.retriever.documents
        pairs = build_pairs(
            records,
            {d: info.year for d, info in docs.items()},
            paragraph=self.retriever.paragraph,
            table=self.tracker.table,
        )
        self._track_cache = (key, pairs)
        return pairs

    # -- answering --------------------------------------------------------------------------

    def ask(
        self,
        question: str,
        documents: Sequence[str] | None = None,
        year: int | None = None,
        history: History | None = None,
    ) -> Answer:
        """Answer one question from the indexed reports, with citations.

        `history` holds the earlier (question, answer) turns of a conversation; a follow-up
        such as "那2024年的目标呢？" is first rewritten into a standalone question.
        """
        prepared = self._prepare(question, documents, year, history)
        if self.llm is None:
            return self._answer_from(prepared, None)
        t0 = time.perf_counter()
        result = self.llm.answer(prepared.question, prepared.hits, lambda: prepared.extracted)
        prepared.timings["llm"] = time.perf_counter() - t0
        return self._answer_from(prepared, result)

    def stream(
        self,
        question: str,
        documents: Sequence[str] | None = None,
        year: int | None = None,
        history: History | None = None,
    ) -> Iterator[str | Answer]:
        """Yield the answer text in chunks as it is generated, then the final `Answer`.

        The chunks are the raw text; the `Answer` (always the last item) holds the final
        text, which may differ (citation markers renumbered, or the extractive fallback).
        """
        prepared = self._prepare(question, documents, year, history)
        if self.llm is None:
            answer = self._answer_from(prepared, None)
            yield answer.text
            yield answer
            return
        from .answer.llm import LLMResult

        t0 = time.perf_counter()
        for item in self.llm.stream(prepared.question, prepared.hits, lambda: prepared.extracted):
            if isinstance(item, LLMResult):
                prepared.timings["llm"] = time.perf_counter() - t0
                yield self._answer_from(prepared, item)
            else:
                yield item

    def _prepare(
        self,
        question: str,
        documents: Sequence[str] | None,
        year: int | None,
        history: History | None,
    ) -> _Prepared:
        """Clean and rewrite the question, retrieve, and compute the extractive answer."""
        t0 = time.perf_counter()
        question_in = question
        question, notices = _clean_question(question)
        if documents:
            unknown = set(documents) - set(self.store.live_hashes())
            if unknown:
                raise DocumentNotFoundError(f"no indexed document {sorted(unknown)[0]!r}")
        timings: dict[str, float] = {}
        rewritten = ""
        if history:
            if self.llm is not None:
                standalone = self.llm.rewrite(question, history)
            else:
                standalone = rewrite_followup(question, history)
            standalone = standalone.strip()[:MAX_QUESTION_CHARS]
            if standalone and standalone != question:
                rewritten = question = standalone
            timings["rewrite"] = time.perf_counter() - t0
        self.retriever.refresh(wait=False)
        docs = self.retriever.documents
        waiting = tuple(
            d.doc_id
            for d in docs.values()
            if not d.embedded and (not documents or d.doc_id in documents)
        )
        if waiting:
            notices.append(self._waiting_notice([docs[d] for d in waiting]))
        regions = {d.doc_id: d.region for d in docs.values()}
        # A question on whether a target was met asks for both sides of one pair, not two things.
        parts = [] if asks_tracking(question) else split_question(question, regions)
        if documents:
            parts = [p for p in parts if not p.documents or set(p.documents) & set(documents)]
        terms = lexicon.content_terms(question)
        plan = plan_question(
            question,
            docs,
            self._weights(question),
            [(p.text, p.label, p.documents) for p in parts] if len(parts) >= 2 else (),
            unknown_terms=self.retriever.unknown_terms(
                [*terms, *(w for t in terms for w in lexicon.SYNONYMS.get(t, ()))]
            ),
        )
        if plan.parts:
            results, per_part = [], []
            for part in plan.parts:
                part_hits, part_result = self._answer_one(part, documents, year, timings)
                results.append((part.label, part_result))
                per_part.append(part_hits)
            hits = _interleave(per_part)
            result = Extracted(
                text="；".join(
                    f"{label}：{'报告中未找到' if r.abstained else r.text.rstrip('。')}"
                    for label, r in results
                )
                + "。",
                abstained=all(r.abstained for _, r in results),
                citations=tuple(c for _, r in results for c in r.citations),
                score=min(r.score for _, r in results),
                related=tuple(c for _, r in results for c in r.related)[:3]
                if all(r.abstained for _, r in results)
                else (),
            )
            if result.abstained:
                result = abstention(result.score, result.related)
        else:
            hits, result = self._answer_one(plan, documents, year, timings)
        return _Prepared(
            question_in, question, rewritten, notices, hits, result, timings, t0, waiting
        )

    def _waiting_notice(self, waiting: list[DocumentInfo]) -> str:
        progress = [self._embedding.get(d.doc_id) for d in waiting]
        done = sum(p[0] for p in progress if p)
        total = sum(p[1] for p in progress if p)
        share = f"（已完成{done * 100 // total}%）" if total else ""
        which = f"《{waiting[0].title}》" + (f"等{len(waiting)}份报告" if len(waiting) > 1 else "")
        return f"{which}的语义索引仍在建立{share}，其内容暂时只按关键词检索。"

    def _answer_from(self, prepared: _Prepared, result: LLMResult | None) -> Answer:
        """The Answer for a prepared question: extractive (result None) or from the LLM."""
        prepared.timings["total"] = time.perf_counter() - prepared.started
        common = {
            "question": prepared.question_in,
            "timings": prepared.timings,
            "rewritten_question": prepared.rewritten,
            "retrieved": tuple(_hit_ref(h) for h in prepared.hits),
            "keyword_only": prepared.keyword_only,
        }
        if result is None:
            ex = prepared.extracted
            return Answer(
                text=ex.text,
                abstained=ex.abstained,
                mode="extractive",
                citations=ex.citations,
                related=ex.related if ex.abstained else (),
                verified=None,
                notices=tuple(prepared.notices),
                **common,
            )
        return Answer(
            text=result.text,
            abstained=result.abstained,
            # An unverified LLM answer replaced by the extractive one is an extractive answer.
            mode="extractive" if result.fallback else "llm",
            citations=result.citations,
            related=prepared.extracted.related if result.abstained else (),
            verified=result.verified,
            notices=(*prepared.notices, *result.notices),
            **common,
        )

    def _answer_one(
        self,
        plan: QuestionPlan,
        documents: Sequence[str] | None,
        year: int | None,
        timings: dict[str, float],
    ) -> tuple[list[Hit], Extracted]:
        """Retrieve for one planned question and ask the answerers in turn."""
        t0 = time.perf_counter()
        scope: Sequence[str] | None = documents
        if plan.documents:
            routed = [d for d in plan.documents if not documents or d in documents]
            scope = routed or documents
        elif plan.uncovered and plan.place_documents:
            scope = plan.place_documents  # for the related statements only
        hits = self._retrieve_in(plan.question, scope, documents, year, timings)
        t1 = time.perf_counter()
        weights = self._weights(plan.question)
        docs = self.retriever.documents
        context = AnswerContext(
            hits=hits,
            weights=weights,
            regions={d: info.region for d, info in docs.items()},
            docs=docs,
            paragraph=self.retriever.paragraph,
            outline=self.retriever.outline,
            indicators=lambda: self._live_indicators(
                {d: info.content_hash for d, info in docs.items()}
            ),
            documents=documents,
            report_year=year,
            titles={d: info.title for d, info in docs.items()},
            tracks=lambda: self._live_tracks({d: info.content_hash for d, info in docs.items()}),
        )
        result: Extracted | None = None
        for answerer in self.answerers:
            result = answerer.answer(plan, context)
            if result is not None:
                break
        assert result is not None  # the extractive answerer always answers or abstains
        if result.abstained and not result.related and plan.topic:
            # Nothing close among the paragraphs of the asked year: look wider in the asked
            # places' reports for what they do say about the topic.
            topic = " ".join(dict.fromkeys(t.term for t in plan.topic if len(t.term) >= 2))
            wider = self.retriever.retrieve(
                topic, k=8, documents=plan.place_documents or documents, year=year
            )
            related = self.extractive.related(plan, wider)
            if related:
                result = abstention(result.score, related)
        if answerer is not self.extractive and not result.abstained and result.citations:
            # The heading or figure the answer comes from: its paragraph leads the ranking.
            cited = result.citations[0]
            para = self.retriever.paragraph(cited.doc_id, cited.paragraph)
            if para is not None and (not hits or hits[0].paragraph != para):
                top = Hit(paragraph=para, title=cited.title, score=hits[0].score if hits else 1.0)
                hits = [top] + [h for h in hits if h.paragraph != para]
        timings["retrieve"] = timings.get("retrieve", 0.0) + t1 - t0
        timings["answer"] = timings.get("answer", 0.0) + time.perf_counter() - t1
        return hits, result

    def _retrieve_in(
        self,
        question: str,
        scope: Sequence[str] | None,
        documents: Sequence[str] | None,
        year: int | None,
        timings: dict[str, float],
        k: int = 8,
    ) -> list[Hit]:
        """The k best paragraphs of the reports in `scope`.

        They are first taken, in their order, from a ranking over all the reports the caller
        allows: ranked among other reports' paragraphs, a report's own paragraphs keep the
        order its sentences earn (ranked alone, its longest paragraphs gather the most units).
        The scope's own ranking fills what is missing.
        """
        if not scope or (documents and set(scope) >= set(documents)):
            return self.retriever.retrieve(
                question, k=k, documents=scope, year=year, timings=timings
            )
        vector = None
        if self.retriever.config.pipeline in ("hybrid", "dense"):
            t0 = time.perf_counter()
            vector = self.retriever.embedder.embed_query(question)
            timings["embed"] = timings.get("embed", 0.0) + time.perf_counter() - t0
        wide = self.retriever.retrieve(
            question,
            k=k * 3,
            documents=documents,
            year=year,
            query_vector=vector,
            timings=timings,
        )
        allowed = set(scope)
        hits = [h for h in wide if h.paragraph.doc_id in allowed][:k]
        if len(hits) < k:
            seen = {(h.paragraph.doc_id, h.paragraph.number) for h in hits}
            narrow = self.retriever.retrieve(
                question, k=k, documents=scope, year=year, query_vector=vector, timings=timings
            )
            hits += [h for h in narrow if (h.paragraph.doc_id, h.paragraph.number) not in seen]
        return hits[:k]

    def _weights(self, question: str) -> dict[str, float]:
        """IDF weights of the question's content terms. A report wording added for a user
        term (国内生产总值 for GDP) that no indexed report uses is left out: it is one of
        several names, not something the reports lack."""
        terms = lexicon.content_terms(question)
        own = set(lexicon.tokens(question))
        unknown = self.retriever.unknown_terms(terms)
        return {
            t: w
            for t, w in self.retriever.term_weights(terms).items()
            if t in own or t not in unknown
        }

    def ask_batch(
        self,
        questions: Sequence[str],
        documents: Sequence[str] | None = None,
        year: int | None = None,
    ) -> list[Answer]:
        """Answer many questions; answers come back in the order asked."""
        return list(self.iter_batch(questions, documents=documents, year=year))

    def iter_batch(self, questions: Sequence[str], **filters: Any) -> Iterator[Answer]:
        """Answers in the order asked, one at a time (LLM calls of a window run concurrently)."""
        if self.llm is None:
            for q in questions:
                yield self.ask(q, **filters)
            return
        questions = list(questions)
        window = self.llm.concurrency * 2
        for start in range(0, len(questions), window):
            # Retrieval runs one question at a time; the window's LLM calls run concurrently.
            prepared = [
                self._prepare(q, filters.get("documents"), filters.get("year"), None)
                for q in questions[start : start + window]
            ]
            t0 = time.perf_counter()
            results = self.llm.answer_many(
                [(p.question, p.hits, lambda p=p: p.extracted) for p in prepared]
            )
            elapsed = time.perf_counter() - t0
            for p, result in zip(prepared, results, strict=True):
                p.timings["llm"] = elapsed  # wall time of the window's concurrent calls
                yield self._answer_from(p, result)  # type: ignore[arg-type]

    def stop_embedding(self, timeout: float | None = None) -> None:
        """End background embedding after its current batch; what it computed is kept (in
        the embedding cache) for the next `embed_pending` or `embed_in_background`."""
        self._stop.set()
        thread = self._background
        if thread is not None:
            thread.join(timeout)
        self._stop.clear()

    def warm_up(self) -> None:
        """Load the tokenizer and the lexical index before the first question."""
        lexicon.warm_up()
        self.retriever.refresh()


def _interleave(lists: list[list[Hit]]) -> list[Hit]:
    """Round-robin merge of ranked lists, each paragraph once."""
    out: list[Hit] = []
    seen: set[tuple[str, int]] = set()
    for rank in range(max((len(x) for x in lists), default=0)):
        for hits in lists:
            if rank < len(hits):
                key = (hits[rank].paragraph.doc_id, hits[rank].paragraph.number)
                if key not in seen:
                    seen.add(key)
                    out.append(hits[rank])
    return out


def _hit_ref(hit: Hit) -> RetrievedParagraph:
    p = hit.paragraph
    return RetrievedParagraph(p.doc_id, p.number, round(float(hit.score), 6), p.text)
