"""How long following targets to results takes once reports are indexed: prints figures.

    python -m eval.track_bench PATH... [--store DIR]

Indexes the reports under PATH (files or folders) into a temporary store, or opens `--store`,
then times `Assistant.track()` from a fresh process state: reading the figures from the
indicator table, building every pair, and a second call (cached until the reports change).
Embedding is not what is measured, so without `--store` the reports are indexed with a
character-hash embedder (the vectors do not take part in pairing).
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

from assistant import Assistant, Settings
from assistant.tracking import build_pairs


class CharHashEmbeddings(Embeddings):
    """Cheap deterministic vectors (bag of characters); only for indexing a benchmark store."""

    dimension = 64
    model_name = "char-hash-bench"

    def _vec(self, text: str) -> list[float]:
        v = np.zeros(self.dimension, dtype=np.float32)
        for ch in text:
            v[int(hashlib.md5(ch.encode()).hexdigest(), 16) % self.dimension] += 1.0
        n = float(np.linalg.norm(v)) or 1.0
        return (v / n).tolist()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._vec(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vec(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.track_bench", description=__doc__)
    parser.add_argument("paths", nargs="*", help="reports to index (files or folders)")
    parser.add_argument("--store", help="an indexed store to open instead")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    if not args.paths and not args.store:
        parser.error("give reports to index or --store")
    if args.store:
        store = Path(args.store)
        embedder = None
    else:
        store = Path(tempfile.mkdtemp(prefix="track-bench-")) / "store"
        embedder = CharHashEmbeddings()
        settings = Settings.from_env(env={}, store_dir=store, cache_dir=store.parent / "cache")
        t0 = time.perf_counter()
        report = Assistant(settings=settings, embedder=embedder).ingest(args.paths)
        print(f"indexed {len(report.added)} reports in {time.perf_counter() - t0:.1f} s "
              f"({len(report.failed)} failed)")  # fmt: skip
    overrides: dict[str, object] = {"store_dir": store}
    if embedder is not None:
        overrides["cache_dir"] = store.parent / "cache"
    settings = Settings.from_env(env=None if embedder is None else {}, **overrides)
    a = Assistant(settings=settings, embedder=embedder, create=False)
    docs = a.documents()
    t0 = time.perf_counter()
    records = a.track()
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    a.track()
    cached = time.perf_counter() - t0
    figures = a._live_indicators()
    years = {d.doc_id: d.year for d in docs}
    paragraph = a.retriever.paragraph
    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        build_pairs(figures, years, paragraph=paragraph)
        times.append(time.perf_counter() - t0)
    paired = sum(r.paired for r in records)
    print(f"reports: {len(docs)}; figures: {len(figures)}; records: {len(records)} "
          f"({paired} with both sides)")  # fmt: skip
    print(f"first track() (read the table, build every pair): {first:.3f} s")
    print(f"second track() (cached until the reports change): {cached * 1000:.1f} ms")
    print(f"build_pairs over the figures: median {statistics.median(times):.3f} s "
          f"of {args.repeat} runs")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
