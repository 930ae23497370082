"""Embedding: the vectors of reports indexed without them, computed in batches, in the
foreground or a background thread (`EmbeddingMixin`, part of `Assistant`)."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

import numpy as np

from ..embeddings import Embeddings
from ..retrieve import Retriever
from ..store import ChromaStore, Unit, Vector
from ..types import DocumentInfo, Paragraph, Report
from .units import report_units

log = logging.getLogger("assistant")

_EMBED_CHUNK = 256


@dataclass(frozen=True)
class _Embedded:
    """A report's vectors, ready to be written."""

    paragraph_vectors: list[Vector]
    units: list[Unit]
    title_vector: Vector


def _embedding_texts(
    report: Report,
) -> tuple[list[tuple[int, int, str]], list[Paragraph], list[str]]:
    """What is embedded for a report: its units, then the paragraphs that have none (headings)
    on their own, then its title; the third item lists all their texts in that order."""
    units = report_units(report)
    headings = [p for p in report.paragraphs if p.is_heading or not p.sentences]
    return units, headings, [t for _, _, t in units] + [p.text for p in headings] + [report.title]


class EmbeddingMixin:
    """`Assistant.embed_pending` and what reports its progress or stops it."""

    store: ChromaStore
    retriever: Retriever
    embedder: Embeddings
    _embedding: dict[str, tuple[int, int]]  # doc_id -> progress, this process
    _background: threading.Thread | None
    _background_lock: threading.Lock
    _stop: threading.Event

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
        paragraph_vectors: list[Vector] = []
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

    def stop_embedding(self, timeout: float | None = None) -> None:
        """End background embedding after its current batch; what it computed is kept (in
        the embedding cache) for the next `embed_pending` or `embed_in_background`."""
        self._stop.set()
        thread = self._background
        if thread is not None:
            thread.join(timeout)
        self._stop.clear()
