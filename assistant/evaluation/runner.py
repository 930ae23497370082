"""Running pipelines over a QA set: index the corpus into a fresh store, ask every question of
each pipeline, and score the answers (`evaluate`, giving one `PipelineRun` per pipeline)."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from langchain_core.language_models import BaseChatModel

from ..config import Settings
from ..embeddings import Embeddings
from ..errors import ConfigError, InputError
from ..types import Answer, IngestReport
from .baselines import NaiveRAG
from .schema import QAItem, corpus_files
from .scoring import Scored, score, summarise, summarise_by_tag, summarise_by_type

# Pipeline name -> RetrievalConfig.pipeline; `naive` is the tutorial baseline, `llm` the
# default retrieval with the assistant's LLM answer mode (needs OPENAI_API_KEY).
# `no-indicators` is the default pipeline without answers from the indicator table.
RETRIEVAL_OF = {
    "default": "hybrid",
    "no-indicators": "hybrid",
    "dense": "dense",
    "bm25": "bm25",
    "llm": "hybrid",
}
PIPELINES = ("default", "no-indicators", "naive", "dense", "bm25", "llm")
LLM_SKIPPED = "LLM evaluation skipped: OPENAI_API_KEY is not set"


class QuestionAnswerer(Protocol):
    """What the harness asks: the `Assistant` and the naive baseline both fit."""

    def ask(self, question: str) -> Answer: ...


@dataclass
class PipelineRun:
    """The scored answers of one pipeline over a QA set."""

    name: str
    results: list[Scored]
    index_seconds: float
    ask_seconds: float
    notes: list[str] = field(default_factory=list)
    judge: str | None = None  # the LLM judge that ran over the results (model, prompt)

    @property
    def figures(self) -> dict[str, Any]:
        return summarise(self.results, judged=self.judge is not None)

    @property
    def per_type(self) -> dict[str, dict[str, Any]]:
        return summarise_by_type(self.results, judged=self.judge is not None)

    @property
    def per_tag(self) -> dict[str, dict[str, Any]]:
        return summarise_by_tag(self.results, judged=self.judge is not None)

    @property
    def failures(self) -> list[Scored]:
        return [r for r in self.results if not r.correct]

    def to_dict(self) -> dict[str, Any]:
        return {
            "pipeline": self.name,
            "index_seconds": round(self.index_seconds, 2),
            "ask_seconds": round(self.ask_seconds, 2),
            "notes": self.notes,
            "judge": self.judge,
            "figures": self.figures,
            "per_type": self.per_type,
            "per_tag": self.per_tag,
            "questions": [r.to_dict() for r in self.results],
        }


Progress = Callable[[str, int, int], None]  # (pipeline, done, total)


def parse_pipelines(spec: str | Sequence[str]) -> list[str]:
    """Pipeline names from `default,naive` or a list; InputError for an unknown or empty one."""
    names = [n.strip() for n in spec.split(",")] if isinstance(spec, str) else list(spec)
    names = [n for n in names if n]
    if not names:
        raise InputError("no pipeline named: choose from " + ", ".join(PIPELINES))
    for n in names:
        if n not in PIPELINES:
            raise InputError(f"unknown pipeline {n!r}: choose from {', '.join(PIPELINES)}")
    if len(set(names)) != len(names):
        raise InputError("each pipeline may be named once")
    return names


def llm_skip_reason(settings: Settings) -> str | None:
    """Why LLM evaluation cannot run (no key set), or None."""
    return None if settings.llm_enabled else LLM_SKIPPED


def _extractive_settings(settings: Settings) -> Settings:
    # The default, dense and bm25 pipelines are scored extractively even when a key is set,
    # so their figures (and the gate) do not depend on the environment. OpenAI embeddings
    # need the key, so it stays in that case.
    if settings.embeddings == "openai":
        return settings
    return settings.with_(openai_api_key="")


def evaluate(
    items: Sequence[QAItem],
    corpus: str | Path,
    pipelines: Sequence[str] = ("default",),
    *,
    settings: Settings | None = None,
    embedder: Embeddings | None = None,
    retrieval: Mapping[str, Any] | None = None,
    progress: Progress | None = None,
    chat_model: BaseChatModel | None = None,
) -> list[PipelineRun]:
    """Index `corpus` into a fresh temporary store and ask every question of each pipeline.

    All pipelines share one embedder; `retrieval` may give a `RetrievalConfig` per pipeline
    name to replace its default one (e.g. a weakened configuration). The `llm` pipeline
    answers with `chat_model`, else with the one `settings` configure (needs a key).
    """
    from ..pipeline import Assistant, build_embedder
    from ..retrieve import RetrievalConfig

    names = parse_pipelines(pipelines)
    files = corpus_files(corpus)
    if not files:
        raise InputError(f"{corpus}: no report files in the corpus")
    settings = settings or Settings.from_env()
    runs: list[PipelineRun] = []
    with tempfile.TemporaryDirectory(prefix="assistant-eval-", ignore_cleanup_errors=True) as tmp:
        # A fresh local store, even when CHROMA_HOST points at a server.
        settings = settings.with_(store_dir=Path(tmp) / "store", chroma_host="")
        embedder = embedder or build_embedder(settings)
        notes = _source_notes(items, files)
        indexed: IngestReport | None = None
        for name in names:
            t0 = time.perf_counter()
            answerer: QuestionAnswerer
            if name == "naive":
                answerer = NaiveRAG(embedder)
                report = answerer.ingest(files)
            else:
                config = (retrieval or {}).get(name) or RetrievalConfig(pipeline=RETRIEVAL_OF[name])
                run_settings = settings if name == "llm" else _extractive_settings(settings)
                assistant = Assistant(
                    settings=run_settings,
                    embedder=embedder,
                    retrieval=config,
                    chat_model=chat_model if name == "llm" else None,
                    indicators=name != "no-indicators",
                )
                if name == "llm" and assistant.mode != "llm":
                    raise ConfigError(
                        "the llm pipeline needs OPENAI_API_KEY: without it the assistant "
                        "answers extractively"
                    )
                # The assistant pipelines share the store: index it once.
                if indexed is None:
                    indexed = assistant.ingest(files)
                report = indexed
                assistant.warm_up()
                answerer = assistant
            if not (report.added or report.updated or report.skipped):
                reasons = "; ".join(f"{p}: {r}" for p, r in report.failed) or "nothing indexed"
                raise InputError(f"{corpus}: no report could be indexed ({reasons})")
            run_notes = notes + [f"not indexed: {p}: {r}" for p, r in report.failed]
            t1 = time.perf_counter()
            results = _ask_all(name, answerer, items, progress)
            runs.append(PipelineRun(name, results, t1 - t0, time.perf_counter() - t1, run_notes))
    return runs


def _source_notes(items: Sequence[QAItem], files: Sequence[Path]) -> list[str]:
    names = {f.name for f in files}
    absent = sorted({s for i in items if i.answerable for s in i.source} - names)
    if not absent:
        return []
    return [f"sources named in the QA set but not in the corpus: {', '.join(absent)}"]


def _ask_all(
    name: str, answerer: QuestionAnswerer, items: Sequence[QAItem], progress: Progress | None
) -> list[Scored]:
    results = []
    for n, item in enumerate(items, start=1):
        t0 = time.perf_counter()
        try:
            answer = answerer.ask(item.question)
        except InputError as exc:
            # A question the assistant refuses counts as an abstention, with the reason kept.
            answer = Answer(item.question, "", True, "error", notices=(str(exc),))
        results.append(score(item, answer, (time.perf_counter() - t0) * 1000))
        if progress is not None:
            progress(name, n, len(items))
    return results
