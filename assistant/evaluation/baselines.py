"""The `naive` pipeline: the baseline a LangChain tutorial builds (see `NaiveRAG`).

It returns the same `Answer` objects as the assistant, so one scorer scores every pipeline.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from langchain_core import embeddings as lc

from ..embeddings import Embeddings
from ..errors import LoadError
from ..types import Answer, Citation, IngestReport, RetrievedParagraph
from .schema import corpus_files

_SENTENCE_END = re.compile(r"(?<=[。！？!?])|\n")


class _LangChainEmbeddings(lc.Embeddings):
    """The assistant's embedder as the LangChain class `InMemoryVectorStore` is typed to take
    (the methods are the same; the classes differ, see `assistant.embeddings.Embeddings`)."""

    def __init__(self, inner: Embeddings) -> None:
        self.inner = inner

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)


class NaiveRAG:
    """The baseline a LangChain tutorial builds, behind the assistant's `ask()`.

    `RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)` over each report's raw
    text (as loaded, without cleaning or structure), an `InMemoryVectorStore` over the given
    embedder, top-4 similarity search. The answer is the sentence of the first retrieved chunk
    that is most similar to the question by embedding cosine similarity; it never abstains.
    Its "paragraphs" (retrieved, cited) are the chunks, numbered from 1 within each report.
    """

    chunk_size = 1000
    chunk_overlap = 200
    k = 4

    def __init__(self, embedder: Embeddings) -> None:
        from langchain_core.vectorstores import InMemoryVectorStore
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        self.embedder = embedder
        self.splitter = RecursiveCharacterTextSplitter(
            chunk_size=self.chunk_size, chunk_overlap=self.chunk_overlap
        )
        self.store = InMemoryVectorStore(_LangChainEmbeddings(embedder))

    def ingest(self, paths: Iterable[str | Path]) -> IngestReport:
        from ..ingest.loaders import load_file

        added: list[str] = []
        failed: list[tuple[str, str]] = []
        for path in (f for p in paths for f in corpus_files(p)):
            try:
                source = load_file(path)
            except LoadError as exc:
                failed.append((str(path), exc.reason))
                continue
            chunks = self.splitter.split_text(source.text)
            meta = [
                {"doc_id": path.name, "title": source.title or path.name, "chunk": n}
                for n in range(1, len(chunks) + 1)
            ]
            self.store.add_texts(chunks, metadatas=meta)
            added.append(path.name)
        return IngestReport(added=tuple(added), failed=tuple(failed))

    def ask(self, question: str) -> Answer:
        t0 = time.perf_counter()
        query = np.asarray(self.embedder.embed_query(question), dtype=np.float32)
        found = self.store.similarity_search_with_score_by_vector(query.tolist(), k=self.k)
        t1 = time.perf_counter()
        retrieved = tuple(
            RetrievedParagraph(
                d.metadata["doc_id"], d.metadata["chunk"], round(float(s), 6), d.page_content
            )
            for d, s in found
        )
        citations: tuple[Citation, ...] = ()
        text = ""
        if found:
            first, first_score = found[0]
            sentences = [s.strip() for s in _SENTENCE_END.split(first.page_content) if s.strip()]
            vectors = np.asarray(self.embedder.embed_documents(sentences), dtype=np.float32)
            norms = np.linalg.norm(vectors, axis=1) * (np.linalg.norm(query) or 1.0)
            similarity = vectors @ query / np.where(norms > 0, norms, 1.0)
            text = sentences[int(np.argmax(similarity))]
            citations = (
                Citation(
                    doc_id=first.metadata["doc_id"],
                    title=first.metadata["title"],
                    section="",
                    paragraph=first.metadata["chunk"],
                    text=first.page_content,
                    quote=text,
                    score=round(float(first_score), 6),
                ),
            )
        t2 = time.perf_counter()
        return Answer(
            question=question,
            text=text,
            abstained=False,
            mode="naive",
            citations=citations,
            timings={"retrieve": t1 - t0, "answer": t2 - t1, "total": t2 - t0},
            retrieved=retrieved,
        )
