"""Evaluation harness: asks every question of a QA set through the public API and scores it.

It lives in the package (not only under the repository's `eval/` folder) so that
`assistant eval` works wherever the package is installed; `python -m eval` from the repository
root is a thin wrapper over the same code.

Scoring (the design contract; text matching is after NFKC and with all whitespace removed):

- answer correct: answerable, not abstained and every `must_include` element matched (an
  element may be a list of alternatives); unanswerable: correct = abstained.
- a retrieved or cited paragraph "hits" when it contains a gold `evidence` string;
  recall@k and MRR come from `Answer.retrieved` (answerable questions only).
- citation precision: cited paragraphs that hit / all cited paragraphs, over answerable
  questions that were answered; citation recall: answerable questions with a citation that
  hits / answerable questions.
- abstention precision: abstentions on unanswerable questions / all abstentions; recall:
  abstentions on unanswerable questions / unanswerable questions.

The `naive` pipeline is the baseline a LangChain tutorial builds (see `NaiveRAG`); it returns
the same `Answer` objects, so one scorer scores every pipeline.

Optional LLM judge (`judge=True`, `assistant eval --judge`): string matching misses a correct
answer worded differently from `must_include` (一千八百亿元 for 1800亿元). The judge asks the
chat model (prompt `prompts/judge_v1.yaml`) whether such an answer states the same fact and
figures as the gold answer, for answerable questions that were answered but failed
`must_include`, and for those only. `judged_accuracy` = strict correct or judged the same, over
all questions. It is reported next to the strict figures and never replaces them: the gate
checks strict figures only. Without OPENAI_API_KEY (and no chat model given) the judge is
skipped, never guessed.
"""

from __future__ import annotations

import json
import logging
import re
import tempfile
import time
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel

from .config import Settings
from .errors import ConfigError, InputError, LoadError
from .types import (
    Answer,
    Citation,
    Indicator,
    IngestReport,
    Paragraph,
    Report,
    RetrievedParagraph,
)

log = logging.getLogger("assistant")

QA_TYPES = (
    "numeric",
    "fact",
    "list",
    "temporal",
    "cross_doc",
    "unanswerable",
    "section",
    "paraphrase",
)
QA_FIELDS = ("id", "question", "answer", "must_include", "evidence", "source", "type", "answerable")
# The optional "tags" of a QA record mark subsets the report scores apart. Known tags, in report
# order: questions that need the right one of two years; unanswerable near-misses (a figure,
# year, place or person close to what the reports give); questions whose answer a report's
# glossary or notes could be mistaken for. Other tags are reported after these.
QA_TAGS = ("two-year", "near-miss", "glossary-confusable")

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
RECALL_KS = (1, 3, 5)

# Headline figures, in report order, with their table labels.
HEADLINE = {
    "accuracy": "accuracy",
    "answerable_accuracy": "answerable acc.",
    "recall@1": "R@1",
    "recall@3": "R@3",
    "recall@5": "R@5",
    "mrr": "MRR",
    "citation_precision": "cite P",
    "citation_recall": "cite R",
    "abstention_precision": "abstain P",
    "abstention_recall": "abstain R",
    "answered_rate": "answered",
    "false_abstention_rate": "answerable but declined",
    "accuracy_when_answered": "acc. when answered",
    "false_abstentions": "false abstentions",
    "latency_p50_ms": "p50 ms",
    "latency_p95_ms": "p95 ms",
}
# Figures --gate may hold to a minimum (higher is better): strict figures only, never the
# judge's `judged_accuracy`. The false-abstention rate is held through its complement,
# `answered_rate`.
GATED = tuple(k for k in HEADLINE if not k.startswith(("latency", "false_")))
# Figures of target tracking on the labelled pairs (`tracking_scores`), gated like the others.
TRACK_FIGURES = ("pair_precision", "pair_recall", "verdict_accuracy")
JUDGED = {"judged_accuracy": "judged acc."}  # shown after `accuracy` when a judge ran

LLM_SKIPPED = "LLM evaluation skipped: OPENAI_API_KEY is not set"
JUDGE_SKIPPED = "LLM judge skipped: OPENAI_API_KEY is not set; scoring strictly"
JUDGE_YES = "是"


# -- the QA set -------------------------------------------------------------------------------


@dataclass(frozen=True)
class QAItem:
    """One question of a QA set (see the schema in DESIGN.md)."""

    id: str
    question: str
    answer: str
    must_include: tuple[tuple[str, ...], ...]  # each element: its alternatives
    evidence: tuple[str, ...]
    source: tuple[str, ...]
    type: str
    answerable: bool
    tags: tuple[str, ...] = ()


def _str_list(value: Any, name: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(s, str) and s.strip() for s in value):
        raise ValueError(f'"{name}" must be a list of non-empty strings')
    return tuple(value)


def parse_qa_record(obj: Any) -> QAItem:
    """Validate one decoded QA record; raises ValueError saying what is wrong."""
    if not isinstance(obj, dict):
        raise ValueError("expected a JSON object")
    missing = [k for k in QA_FIELDS if k not in obj]
    if missing:
        raise ValueError(f"missing field(s): {', '.join(missing)}")
    for key in ("id", "question"):
        if not isinstance(obj[key], str) or not obj[key].strip():
            raise ValueError(f'"{key}" must be a non-empty string')
    if not isinstance(obj["answer"], str):
        raise ValueError('"answer" must be a string')
    if obj["type"] not in QA_TYPES:
        raise ValueError(f'"type" must be one of {", ".join(QA_TYPES)}, not {obj["type"]!r}')
    if not isinstance(obj["answerable"], bool):
        raise ValueError('"answerable" must be true or false')
    evidence = _str_list(obj["evidence"], "evidence")
    source = _str_list(obj["source"], "source")
    if not isinstance(obj["must_include"], list):
        raise ValueError('"must_include" must be a list')
    must_include = []
    for element in obj["must_include"]:
        alternatives = [element] if isinstance(element, str) else element
        if (
            not isinstance(alternatives, list)
            or not alternatives
            or not all(isinstance(a, str) and a.strip() for a in alternatives)
        ):
            raise ValueError(
                '"must_include" elements must be non-empty strings or non-empty lists of them'
            )
        must_include.append(tuple(alternatives))
    if obj["answerable"] and not (must_include and evidence):
        raise ValueError("an answerable question needs non-empty must_include and evidence")
    if not obj["answerable"] and must_include:
        raise ValueError("an unanswerable question must have an empty must_include")
    tags = _str_list(obj.get("tags", []), "tags")
    return QAItem(
        id=obj["id"],
        question=obj["question"],
        answer=obj["answer"],
        must_include=tuple(must_include),
        evidence=evidence,
        source=source,
        type=obj["type"],
        answerable=obj["answerable"],
        tags=tuple(dict.fromkeys(tags)),
    )


def load_qa(path: str | Path) -> list[QAItem]:
    """Read and validate a QA file (JSON lines); InputError names the file and line at fault."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such QA file")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    items: list[QAItem] = []
    first_line: dict[str, int] = {}
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = parse_qa_record(json.loads(line))
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}:{n}: not JSON ({exc.msg})") from None
        except ValueError as exc:
            raise InputError(f"{path}:{n}: {exc}") from None
        if item.id in first_line:
            raise InputError(
                f"{path}:{n}: duplicate id {item.id!r} (first on line {first_line[item.id]})"
            )
        first_line[item.id] = n
        items.append(item)
    if not items:
        raise InputError(f"{path}: no questions")
    return items


# -- scoring ----------------------------------------------------------------------------------


def normalise(text: str) -> str:
    """NFKC (full-width to half-width) with all whitespace removed."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def includes_all(text: str, must_include: Iterable[Sequence[str]]) -> bool:
    """Every element matched in `text` (any one of its alternatives), after normalising."""
    norm = normalise(text)
    return all(any(normalise(a) in norm for a in element) for element in must_include)


def has_evidence(text: str, evidence: Iterable[str]) -> bool:
    """`text` contains one of the gold evidence strings (after normalising both)."""
    norm = normalise(text)
    return any(normalise(e) in norm for e in evidence)


def evidence_rank(retrieved: Sequence[RetrievedParagraph], evidence: Sequence[str]) -> int | None:
    """1-based rank of the first retrieved paragraph holding gold evidence, or None."""
    for rank, paragraph in enumerate(retrieved, start=1):
        if has_evidence(paragraph.text, evidence):
            return rank
    return None


@dataclass(frozen=True)
class Verdict:
    """What the LLM judge said of one answer."""

    same: bool | None  # None: the judge could not be asked (the call failed)
    reply: str  # the model's reply (one line), or why the call failed


@dataclass(frozen=True)
class Scored:
    """One question, the answer given, and how it scored."""

    item: QAItem
    answer: Answer
    latency_ms: float
    rank: int | None  # of the first retrieved paragraph with gold evidence
    correct: bool
    cited: int  # citations given
    cited_with_evidence: int  # citations whose paragraph contains gold evidence
    judge: Verdict | None = None  # None: the LLM judge was not consulted

    @property
    def judged_correct(self) -> bool:
        """Strictly correct, or judged to state the same fact as the gold answer."""
        return self.correct or (self.judge is not None and self.judge.same is True)

    def to_dict(self) -> dict[str, Any]:
        top = self.answer.citations[0] if self.answer.citations else None
        return {
            "id": self.item.id,
            "type": self.item.type,
            "tags": list(self.item.tags),
            "answerable": self.item.answerable,
            "question": self.item.question,
            "gold": self.item.answer,
            "must_include": [list(e) for e in self.item.must_include],
            "answer": self.answer.text,
            "abstained": self.answer.abstained,
            "correct": self.correct,
            "evidence_rank": self.rank,
            "cited": self.cited,
            "cited_with_evidence": self.cited_with_evidence,
            "top_citation": (
                {"doc_id": top.doc_id, "paragraph": top.paragraph, "quote": top.quote}
                if top
                else None
            ),
            "latency_ms": round(self.latency_ms, 1),
            "judge": ({"same": self.judge.same, "reply": self.judge.reply} if self.judge else None),
        }


def score(item: QAItem, answer: Answer, latency_ms: float = 0.0) -> Scored:
    """Score one answer against its QA item."""
    if item.answerable:
        correct = not answer.abstained and includes_all(answer.text, item.must_include)
        rank = evidence_rank(answer.retrieved, item.evidence)
        cited_with_evidence = sum(has_evidence(c.text, item.evidence) for c in answer.citations)
    else:
        correct, rank, cited_with_evidence = answer.abstained, None, 0
    return Scored(
        item=item,
        answer=answer,
        latency_ms=latency_ms,
        rank=rank,
        correct=correct,
        cited=len(answer.citations),
        cited_with_evidence=cited_with_evidence,
    )


def _ratio(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


def summarise(results: Sequence[Scored], judged: bool = False) -> dict[str, Any]:
    """Headline figures of a set of scored questions (None where a figure has no denominator).

    `judged`: the LLM judge ran over these results, so `judged_accuracy` is measured (it is
    None otherwise).
    """
    answerable = [r for r in results if r.item.answerable]
    unanswerable = [r for r in results if not r.item.answerable]
    answered = [r for r in answerable if not r.answer.abstained]
    abstained = [r for r in results if r.answer.abstained]
    latencies = [r.latency_ms for r in results]
    figures: dict[str, Any] = {
        "questions": len(results),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "accuracy": _ratio(sum(r.correct for r in results), len(results)),
        "answerable_accuracy": _ratio(sum(r.correct for r in answerable), len(answerable)),
        "judged_accuracy": (
            _ratio(sum(r.judged_correct for r in results), len(results)) if judged else None
        ),
    }
    for k in RECALL_KS:
        hits = sum(r.rank is not None and r.rank <= k for r in answerable)
        figures[f"recall@{k}"] = _ratio(hits, len(answerable))
    figures["mrr"] = _ratio(sum(1 / r.rank for r in answerable if r.rank), len(answerable))
    figures["citation_precision"] = _ratio(
        sum(r.cited_with_evidence for r in answered), sum(r.cited for r in answered)
    )
    figures["citation_recall"] = _ratio(
        sum(r.cited_with_evidence > 0 for r in answerable), len(answerable)
    )
    figures["abstention_precision"] = _ratio(
        sum(not r.item.answerable for r in abstained), len(abstained)
    )
    figures["abstention_recall"] = _ratio(
        sum(r.answer.abstained for r in unanswerable), len(unanswerable)
    )
    # What abstention costs on answerable questions: how many went unanswered, and how many
    # of those had the gold evidence within the top 5 paragraphs retrieved.
    figures["answered_rate"] = _ratio(len(answered), len(answerable))
    figures["false_abstention_rate"] = _ratio(len(answerable) - len(answered), len(answerable))
    figures["accuracy_when_answered"] = _ratio(sum(r.correct for r in answered), len(answered))
    figures["false_abstentions"] = len(answerable) - len(answered)
    figures["false_abstentions_evidence_in_top5"] = sum(
        r.answer.abstained and r.rank is not None and r.rank <= 5 for r in answerable
    )
    figures["latency_p50_ms"] = round(float(np.percentile(latencies, 50)), 1) if results else None
    figures["latency_p95_ms"] = round(float(np.percentile(latencies, 95)), 1) if results else None
    return figures


def summarise_by_type(results: Sequence[Scored], judged: bool = False) -> dict[str, dict[str, Any]]:
    """`summarise` per question type, types in schema order."""
    types = [t for t in QA_TYPES if any(r.item.type == t for r in results)]
    return {t: summarise([r for r in results if r.item.type == t], judged) for t in types}


def summarise_by_tag(results: Sequence[Scored], judged: bool = False) -> dict[str, dict[str, Any]]:
    """`summarise` over the questions of each tag present: QA_TAGS in order, then others."""
    present = {t for r in results for t in r.item.tags}
    tags = [t for t in QA_TAGS if t in present] + sorted(present - set(QA_TAGS))
    return {t: summarise([r for r in results if t in r.item.tags], judged) for t in tags}


# -- the LLM judge ----------------------------------------------------------------------------


def needs_judge(result: Scored) -> bool:
    """The judge is asked only about answerable questions answered but failing must_include."""
    return result.item.answerable and not result.answer.abstained and not result.correct


def parse_verdict(reply: str) -> bool:
    """True only when the reply is 是, ignoring width, whitespace, punctuation and markup.

    Anything else (否, an explanation, 是的, an empty reply) counts as not the same fact.
    """
    kept = "".join(
        ch
        for ch in unicodedata.normalize("NFKC", reply)
        if not ch.isspace() and unicodedata.category(ch)[0] not in "PS"
    )
    return kept == JUDGE_YES


def judge_skip_reason(settings: Settings, chat_model: BaseChatModel | None = None) -> str | None:
    """Why the LLM judge cannot run (no key set and no chat model given), or None."""
    return None if chat_model is not None or settings.llm_enabled else JUDGE_SKIPPED


class Judge:
    """Asks a chat model whether an answer states the same fact and figures as the gold answer.

    A failed call is retried when transient (rate limit, 5xx, timeout) and otherwise recorded
    as no verdict, which counts as not correct.
    """

    transient = ("rate_limit", "server", "timeout")

    def __init__(
        self,
        chat_model: BaseChatModel,
        *,
        concurrency: int = 4,
        retries: int = 2,
        backoff: float = 1.0,
    ) -> None:
        from langchain_core.output_parsers import StrOutputParser

        from .prompts import JUDGE, load_prompt

        if concurrency < 1 or retries < 0 or backoff < 0:
            raise ConfigError("judge: concurrency must be >= 1, retries and backoff >= 0")
        self.chat_model = chat_model
        self.chain = chat_model | StrOutputParser()
        self.concurrency = concurrency
        self.retries = retries
        self.backoff = backoff
        self.prompt_version = load_prompt(JUDGE).version

    @classmethod
    def from_settings(cls, settings: Settings, chat_model: BaseChatModel | None = None) -> Judge:
        """A judge over `chat_model`, else the chat model `settings` configure (needs a key)."""
        from .answer.llm import make_chat_model

        return cls(chat_model or make_chat_model(settings), concurrency=settings.llm_concurrency)

    @property
    def label(self) -> str:
        """Model and prompt version, as the report names the judge."""
        model = getattr(self.chat_model, "model_name", None) or type(self.chat_model).__name__
        return f"{model}, {self.prompt_version}"

    def verdict(self, item: QAItem, answer_text: str) -> Verdict:
        """Ask whether `answer_text` states the same fact and figures as `item.answer`."""
        from .answer.llm import classify
        from .prompts import render_judge_messages

        messages = render_judge_messages(item.question, item.answer, answer_text)
        attempt = 0
        while True:
            try:
                reply = self.chain.invoke(messages)
                break
            except Exception as exc:
                kind = classify(exc)
                if kind not in self.transient or attempt >= self.retries:
                    # The kind only: an exception's text may echo request details.
                    log.warning("LLM judge failed on %s (%s)", item.id, kind)
                    return Verdict(None, f"judge call failed ({kind})")
                time.sleep(self.backoff * 2**attempt)
                attempt += 1
        return Verdict(parse_verdict(reply), _one_line(reply))

    def judge_run(self, run: PipelineRun, progress: Progress | None = None) -> PipelineRun:
        """`run` with a verdict on each question that `needs_judge`."""
        results = list(run.results)
        todo = [n for n, r in enumerate(results) if needs_judge(r)]
        if todo:
            with ThreadPoolExecutor(min(self.concurrency, len(todo))) as pool:
                verdicts = pool.map(
                    lambda n: self.verdict(results[n].item, results[n].answer.text), todo
                )
                for done, (n, verdict) in enumerate(zip(todo, verdicts, strict=True), start=1):
                    results[n] = replace(results[n], judge=verdict)
                    if progress is not None:
                        progress(f"{run.name} (judge)", done, len(todo))
        failed = sum(results[n].judge.same is None for n in todo)  # type: ignore[union-attr]
        notes = list(run.notes)
        if failed:
            notes.append(
                f"the LLM judge failed on {failed} of {len(todo)} questions; "
                "they count as not correct in judged accuracy"
            )
        return replace(run, results=results, notes=notes, judge=self.label)


# -- the naive baseline -----------------------------------------------------------------------


class QuestionAnswerer(Protocol):
    """What the harness asks: the `Assistant` and the naive baseline both fit."""

    def ask(self, question: str) -> Answer: ...


_SENTENCE_END = re.compile(r"(?<=[。！？!?])|\n")

# Files in a corpus folder that describe the corpus (where its reports come from), not reports.
CORPUS_NOTES = frozenset({"readme.md", "sources.md"})


def corpus_files(corpus: str | Path) -> list[Path]:
    """Report files of a corpus (a file, or a folder searched recursively), as ingest finds them,
    without the folder's notes (CORPUS_NOTES)."""
    from .ingest.loaders import SUPPORTED_EXTENSIONS

    path = Path(corpus)
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise InputError(f"{path}: no such corpus file or folder")
    return sorted(
        f
        for f in path.rglob("*")
        if f.is_file()
        and not f.name.startswith(".")
        and f.suffix.lower() in SUPPORTED_EXTENSIONS
        and f.name.lower() not in CORPUS_NOTES
    )


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
        self.store = InMemoryVectorStore(embedder)

    def ingest(self, paths: Iterable[str | Path]) -> IngestReport:
        from .ingest.loaders import load_file

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


# -- running pipelines ------------------------------------------------------------------------


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
    from .pipeline import Assistant, build_embedder
    from .retrieve import RetrievalConfig

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


# -- indicator extraction ---------------------------------------------------------------------

INDICATOR_TYPES = ("numeric", "temporal", "cross_doc")  # compared with and without the table


def load_indicator_gold(path: str | Path) -> list[dict[str, Any]]:
    """Hand-labelled figures, one JSON object per line.

    A figure names its paragraph (`paragraph`, 1-based), or gives its verbatim `sentence` so
    that `locate_gold` finds the paragraph: paragraph numbers move when cleaning changes,
    sentences do not.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    gold = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}:{n}: not JSON ({exc.msg})") from None
        if not isinstance(obj, dict):
            raise InputError(f"{path}:{n}: expected a JSON object")
        missing = {"doc_id", "name", "value", "unit", "kind", "status", "year"} - set(obj)
        if "paragraph" not in obj and "sentence" not in obj:
            missing.add("paragraph or sentence")
        if missing:
            raise InputError(f"{path}:{n}: missing {', '.join(sorted(missing))}")
        gold.append(obj)
    return gold


def locate_gold(
    gold: Sequence[Mapping[str, Any]], reports: Mapping[str, Report]
) -> list[dict[str, Any]]:
    """`gold` with the paragraph of each figure that gives only its sentence.

    The paragraph is the first parsed paragraph of the figure's report whose text contains the
    sentence verbatim, else the first that contains it after normalising width and whitespace
    (`normalise`). A sentence found in no paragraph (cleaning dropped it, or the parser split
    it) gets paragraph None: it counts as missed.
    """
    located = []
    for g in gold:
        if g.get("paragraph") is None and g.get("sentence") and g["doc_id"] in reports:
            paragraphs = reports[g["doc_id"]].paragraphs
            sentence = g["sentence"]
            found = next((p for p in paragraphs if sentence in p.text), None)
            if found is None:
                norm = normalise(sentence)
                found = next((p for p in paragraphs if norm in normalise(p.text)), None)
            g = {**g, "paragraph": found.number if found else None}
        located.append(dict(g))
    return located


def names_match(a: str, b: str) -> bool:
    """Indicator names match when one contains the other and is at least half as long, or
    they share at least 60% of their character bigrams (Dice)."""
    a, b = normalise(a), normalise(b)
    short, long_ = sorted((a, b), key=len)
    if short and short in long_ and len(short) * 2 >= len(long_):
        return True
    ga = {a[i : i + 2] for i in range(len(a) - 1)}
    gb = {b[i : i + 2] for i in range(len(b) - 1)}
    return bool(ga and gb) and 2 * len(ga & gb) / (len(ga) + len(gb)) >= 0.6


def _record_matches(record: Mapping[str, Any], gold: Mapping[str, Any]) -> bool:
    return (
        record["doc_id"] == gold["doc_id"]
        and record["paragraph"] == gold["paragraph"]
        and abs(float(record["value"]) - float(gold["value"])) < 1e-9
        and record["unit"] == gold["unit"]
        and record["kind"] == gold["kind"]
        and record["status"] == gold["status"]
        and record["year"] == gold["year"]
        and names_match(record["name"], gold["name"])
    )


def score_extraction(
    records: Sequence[Mapping[str, Any]], gold: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """Precision and recall of extracted figures over the paragraphs the gold labels fully.

    A record is correct when a gold figure of its paragraph has the same value, unit, kind,
    result/target and year and a matching name (`names_match`); each gold figure counts once.
    Precision = correct records / records extracted from the labelled paragraphs; recall =
    gold figures matched / gold figures. A gold figure without a paragraph (its sentence was
    not found, see `locate_gold`) matches nothing: it is missed, and `unlocated` counts it.
    """
    paragraphs = {(g["doc_id"], g["paragraph"]) for g in gold if g.get("paragraph") is not None}
    pool = [r for r in records if (r["doc_id"], r["paragraph"]) in paragraphs]
    unmatched = list(gold)
    correct, wrong = 0, []
    for r in pool:
        hit = next((g for g in unmatched if _record_matches(r, g)), None)
        if hit is None:
            wrong.append(r)
        else:
            unmatched.remove(hit)
            correct += 1
    return {
        "gold": len(gold),
        "paragraphs": len(paragraphs),
        "documents": sorted({g["doc_id"] for g in gold}),
        "extracted": len(pool),
        "correct": correct,
        "precision": _ratio(correct, len(pool)),
        "recall": _ratio(len(gold) - len(unmatched), len(gold)),
        "unlocated": sum(g.get("paragraph") is None for g in gold),
        "wrong": [
            {k: r[k] for k in ("doc_id", "paragraph", "name", "value_text", "unit", "kind")}
            for r in wrong
        ],
        "missed": [
            {k: g.get(k) for k in ("doc_id", "paragraph", "name", "value", "unit", "kind")}
            | ({"sentence": g.get("sentence")} if g.get("paragraph") is None else {})
            for g in unmatched
        ],
    }


def extraction_scores(corpus: str | Path, gold_path: str | Path) -> dict[str, Any] | None:
    """Extract the figures of the corpus reports as ingest does and score them on the gold
    (None when the corpus holds none of the labelled reports)."""
    from .indicators import extract_report
    from .ingest.loaders import load_file
    from .pipeline import Assistant

    gold = load_indicator_gold(gold_path)
    files = corpus_files(corpus)
    if not {g["doc_id"] for g in gold} & {f.name for f in files}:
        return None  # the labelled reports are not in this corpus
    records: list[dict[str, Any]] = []
    reports: dict[str, Report] = {}
    t0 = time.perf_counter()
    for f in files:
        try:
            report = Assistant._parse(load_file(f), f.name)
        except LoadError:
            continue
        reports[f.name] = report
        records.extend(r.to_dict() for r in extract_report(report))
    ms = (time.perf_counter() - t0) * 1000
    located = locate_gold(gold, reports)
    return {
        "gold_file": str(gold_path),
        "by_sentence": sum(g.get("paragraph") is None for g in gold),
        **score_extraction(records, located),
        "extract_ms": ms,
    }


def load_track_gold(path: str | Path) -> list[dict[str, Any]]:
    """Hand-labelled target/result pairs, one JSON object a line (see eval/track_gold.jsonl):
    region, indicator, year, target and result (doc_id, verbatim sentence, value as written),
    verdict."""
    path = Path(path)
    gold = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            for side in ("target", "result"):
                obj[side]["doc_id"], obj[side]["sentence"], obj[side]["value"]
            obj["indicator"], obj["year"], obj["verdict"]
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise InputError(f"{path}:{n}: not a labelled pair ({exc})") from None
        gold.append(obj)
    return gold


def _first_number(text: str) -> float:
    m = re.search(r"\d+(?:\.\d+)?", str(text))
    return float(m.group()) if m else float("nan")


def _side_matches(side: Any, gold: Mapping[str, Any]) -> bool:
    """A pair's side is the labelled one: same report, value and sentence (either sentence may
    hold the other: the parser joins lines a web page broke)."""
    if side is None or side.doc_id != gold["doc_id"]:
        return False
    if abs(abs(side.value) - _first_number(gold["value"])) > 1e-9:
        return False
    a, b = re.sub(r"\s", "", side.sentence), re.sub(r"\s", "", gold["sentence"])
    return a in b or b in a


def score_tracking(pairs: Sequence[Any], gold: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Pair precision and recall, and verdict accuracy, on the labelled pairs.

    The labels are exhaustive for their indicators in their regions: every pair of those
    indicators with both sides in the reports is labelled. Precision = pairs built (both sides)
    of a labelled indicator and region that match a label / those pairs; recall = labels
    matched / labels; a pair matches a label when indicator, year and both sides (report,
    value, sentence) agree. Verdict accuracy = matched pairs with the labelled verdict /
    matched pairs.
    """
    scope = {(g.get("region", ""), g["indicator"]) for g in gold}
    built = [p for p in pairs if p.paired and (p.region, p.indicator) in scope]
    matched: dict[int, Any] = {}
    wrong = []
    for p in built:
        for i, g in enumerate(gold):
            if (
                i not in matched
                and (g.get("region", p.region), g["indicator"], g["year"])
                == (p.region, p.indicator, p.year)
                and _side_matches(p.target, g["target"])
                and _side_matches(p.result, g["result"])
            ):
                matched[i] = p
                break
        else:
            wrong.append(p)
    right = [i for i, p in matched.items() if p.verdict == gold[i]["verdict"]]

    def brief(p: Any) -> dict[str, Any]:
        return {
            "indicator": p.indicator,
            "year": p.year,
            "target": p.target.value_text,
            "target_sentence": p.target.sentence,
            "result": p.result.value_text,
            "result_sentence": p.result.sentence,
            "verdict": p.verdict,
        }

    return {
        "gold": len(gold),
        "indicators": sorted({g["indicator"] for g in gold}),
        "years": sorted({g["year"] for g in gold}),
        "built": len(built),
        "matched": len(matched),
        "pair_precision": _ratio(len(matched), len(built)),
        "pair_recall": _ratio(len(matched), len(gold)),
        "verdict_accuracy": _ratio(len(right), len(matched)),
        "wrong": [brief(p) for p in wrong],
        "missed": [
            {"id": g.get("id"), "indicator": g["indicator"], "year": g["year"]}
            for i, g in enumerate(gold)
            if i not in matched
        ],
        "wrong_verdicts": [
            {**brief(p), "gold_verdict": gold[i]["verdict"], "reason": p.reason}
            for i, p in matched.items()
            if p.verdict != gold[i]["verdict"]
        ],
    }


def tracking_scores(corpus: str | Path, gold_path: str | Path) -> dict[str, Any] | None:
    """Build the target/result pairs of the corpus reports as `Assistant.track` does (from the
    figures extracted at ingest) and score them on the labelled pairs (None when the corpus
    holds none of the labelled reports)."""
    from .indicators import extract_report
    from .ingest.loaders import load_file
    from .pipeline import Assistant
    from .tracking import build_pairs

    gold = load_track_gold(gold_path)
    files = corpus_files(corpus)
    labelled = {g[s]["doc_id"] for g in gold for s in ("target", "result")}
    if not labelled & {f.name for f in files}:
        return None
    records: list[Indicator] = []
    years: dict[str, int | None] = {}
    paragraphs: dict[tuple[str, int], Paragraph] = {}
    for f in files:
        try:
            report = Assistant._parse(load_file(f), f.name)
        except LoadError:
            continue
        years[f.name] = report.meta.year
        paragraphs.update(((f.name, p.number), p) for p in report.paragraphs)
        records.extend(extract_report(report))
    t0 = time.perf_counter()
    pairs = build_pairs(records, years, paragraph=lambda d, n: paragraphs.get((d, n)))
    ms = (time.perf_counter() - t0) * 1000
    return {
        "gold_file": str(gold_path),
        "reports": len(years),
        "pairs_total": sum(p.paired for p in pairs),
        **score_tracking(pairs, gold),
        "build_ms": ms,
    }


def tracking_markdown(t: Mapping[str, Any]) -> str:
    """Pair precision and recall and verdict accuracy on one gold file, with the faults."""
    parts = [
        f"Gold `{t['gold_file']}`: {t['gold']} hand-labelled target/result pairs, "
        f"{len(t['indicators'])} indicators ({'、'.join(t['indicators'])}), {len(t['years'])} "
        f"years. The labels hold every pair of their indicators in the {t['reports']} reports. "
        "Precision = pairs built for those indicators that match a label (indicator, year, and "
        "each side's report, value and sentence) / pairs built; recall = labels matched / "
        "labels; verdict accuracy over the matched pairs. "
        f"Building all {t['pairs_total']} pairs of the corpus took {t['build_ms']:.0f} ms.",
        "",
        _table(
            ["figure", "value"],
            [
                ("pair precision", _fmt("x", t["pair_precision"])),
                ("pair recall", _fmt("x", t["pair_recall"])),
                ("verdict accuracy", _fmt("x", t["verdict_accuracy"])),
                ("pairs built in scope", str(t["built"])),
                ("matched", str(t["matched"])),
            ],
        ),
        "",
    ]
    for label, key in (
        ("Pairs matching no label", "wrong"),
        ("Labels not matched", "missed"),
        ("Wrong verdicts", "wrong_verdicts"),
    ):
        if t[key]:
            parts += [f"{label}:", ""]
            parts += [f"- `{json.dumps(x, ensure_ascii=False)}`" for x in t[key]]
            parts += [""]
    return "\n".join(parts)


def indicator_path_table(runs: Sequence[PipelineRun]) -> str:
    """Accuracy by question type with and without the indicator path (same run)."""
    by = {r.name: r.per_type for r in runs}
    if "default" not in by or "no-indicators" not in by:
        return ""
    rows = []
    for t in (*INDICATOR_TYPES, "all"):
        if t == "all":
            w = next(r for r in runs if r.name == "default").figures["accuracy"]
            wo = next(r for r in runs if r.name == "no-indicators").figures["accuracy"]
            n = len(runs[0].results)
        else:
            if t not in by["default"]:
                continue
            w, wo = by["default"][t]["accuracy"], by["no-indicators"][t]["accuracy"]
            n = by["default"][t]["questions"]
        rows.append((t, str(n), _fmt("accuracy", wo), _fmt("accuracy", w)))
    return _table(["type", "n", "without indicators", "with indicators (default)"], rows)


# -- the gate ---------------------------------------------------------------------------------


def load_thresholds(path: str | Path, section: str | None = None) -> dict[str, float]:
    """The `minimum` figures of a thresholds file; InputError if it is missing or malformed.

    `section`: the minimums of the object of that name (e.g. "corpus" for the corpus suite);
    None reads the top-level `minimum`, which holds the bundled suite (and a custom QA set).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such thresholds file")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not a JSON file ({exc})") from None
    where = '"minimum" object' if section is None else f'"minimum" object in "{section}"'
    if section is not None:
        data = data.get(section) if isinstance(data, dict) else None
    minimum = data.get("minimum") if isinstance(data, dict) else None
    if not isinstance(minimum, dict) or not minimum:
        raise InputError(f"{path}: expected an object with a non-empty {where}")
    for key, value in minimum.items():
        if key not in GATED + TRACK_FIGURES:
            choices = ", ".join(GATED + TRACK_FIGURES)
            raise InputError(f"{path}: unknown figure {key!r}: choose from {choices}")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise InputError(f"{path}: the minimum of {key} must be a number")
    return {k: float(v) for k, v in minimum.items()}


def check_thresholds(figures: Mapping[str, Any], minimum: Mapping[str, float]) -> list[str]:
    """One line per figure below its minimum (or not measured); empty when all are met."""
    failures = []
    for key, floor in minimum.items():
        value = figures.get(key)
        if value is None:
            failures.append(f"{key}: not measured (minimum {floor:.3f})")
        elif value < floor:
            failures.append(f"{key}: {value:.3f} < minimum {floor:.3f}")
    return failures


# -- reports ----------------------------------------------------------------------------------


def _fmt(key: str, value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.1f}" if key.endswith("_ms") else f"{value:.3f}"
    return str(value)


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" for _ in header) + "|",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _with_judged(columns: Mapping[str, str], judged: bool) -> dict[str, str]:
    """`columns`, with judged accuracy after accuracy when a judge ran."""
    out: dict[str, str] = {}
    for key, label in columns.items():
        out[key] = label
        if judged and key == "accuracy":
            out.update(JUDGED)
    return out


def headline(runs: Sequence[PipelineRun]) -> dict[str, str]:
    """The headline figures of `runs` and their labels: HEADLINE, plus judged accuracy."""
    return _with_judged(HEADLINE, any(run.judge for run in runs))


def comparison_table(runs: Sequence[PipelineRun]) -> str:
    """The headline figures of each pipeline, one row each (markdown)."""
    columns = headline(runs)
    return _table(
        ["pipeline", *columns.values()],
        ([run.name, *(_fmt(k, run.figures[k]) for k in columns)] for run in runs),
    )


PER_TYPE_COLUMNS = {
    "questions": "n",
    "accuracy": "accuracy",
    "recall@1": "R@1",
    "recall@5": "R@5",
    "mrr": "MRR",
    "citation_precision": "cite P",
    "citation_recall": "cite R",
    "answered_rate": "answered",
    "abstention_recall": "abstain R",
    "latency_p50_ms": "p50 ms",
}


def per_type_table(run: PipelineRun) -> str:
    """Figures per question type (markdown)."""
    columns = _with_judged(PER_TYPE_COLUMNS, run.judge is not None)
    return _table(
        ["type", *columns.values()],
        ([t, *(_fmt(k, f[k]) for k in columns)] for t, f in run.per_type.items()),
    )


TAG_COLUMNS = {
    "questions": "n",
    "accuracy": "accuracy",
    "recall@1": "R@1",
    "recall@5": "R@5",
    "citation_precision": "cite P",
    "answered_rate": "answered",
    "abstention_recall": "abstain R",
}


def tag_table(runs: Sequence[PipelineRun]) -> str:
    """Figures of the tagged questions (two-year, near-miss, …), per tag and pipeline
    (markdown); empty when no question is tagged."""
    rows = []
    by_run = [(run.name, run.per_tag) for run in runs]
    for tag in by_run[0][1] if by_run else ():
        for name, per_tag in by_run:
            rows.append([tag, name, *(_fmt(k, per_tag[tag][k]) for k in TAG_COLUMNS)])
    return _table(["tag", "pipeline", *TAG_COLUMNS.values()], rows) if rows else ""


def _one_line(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def failures_markdown(run: PipelineRun) -> str:
    """Every failed question: question, answer given, gold answer, top citation, judge verdict."""
    out = []
    for r in run.failures:
        item, answer = r.item, r.answer
        rank = f"evidence at rank {r.rank}" if r.rank else "evidence not retrieved"
        kinds = " · ".join((item.type, *item.tags))
        head = f"**{item.id}** · {kinds} · " + (rank if item.answerable else "unanswerable")
        if r.judge is not None and r.judge.same is not None:
            head += " · **judged correct**" if r.judge.same else " · judged wrong"
        given = "(abstained) " if answer.abstained else ""
        gold = item.answer if item.answerable else "(should abstain)"
        must = " + ".join("|".join(e) for e in item.must_include)
        lines = [
            head,
            f"- question: {item.question}",
            f"- answer given: {given}{_one_line(answer.text) or '—'}",
            f"- gold: {gold}" + (f" (must include: {must})" if must else ""),
        ]
        if answer.citations:
            c = answer.citations[0]
            lines.append(f"- top citation: {c.doc_id} ¶{c.paragraph}: “{_one_line(c.quote)}”")
        else:
            lines.append("- top citation: —")
        if r.judge is not None:
            if r.judge.same is None:
                lines.append(f"- LLM judge: no verdict, {r.judge.reply}")
            else:
                outcome = "same fact: counted in judged acc." if r.judge.same else "not the same"
                lines.append(f"- LLM judge: “{r.judge.reply}” ({outcome})")
        out.append("\n".join(lines))
    return "\n\n".join(out) if out else "None."


FIGURES_EXPLAINED = (
    "Figures are fractions (latency in ms). Accuracy: answerable questions answered with every "
    "must_include matched, unanswerable ones abstained. R@k/MRR: a top-k retrieved paragraph "
    "contains gold evidence. cite P/R: citation precision and recall. abstain P/R: "
    "abstention precision and recall on unanswerable questions. answered / answerable but "
    "declined / acc. when answered / false abstentions: what abstention costs on answerable "
    "questions."
)


def _judge_markdown(meta: Mapping[str, Any]) -> list[str]:
    judge = meta.get("judge") or {}
    if judge.get("skipped"):
        return [f"{judge['skipped']}.", ""]
    if judge:
        return [
            f"LLM judge ({judge['label']}): judged acc. also counts answered questions that "
            "missed must_include but that the judge found to state the same fact and figures "
            "as the gold answer. All other figures, and the gate, are strict.",
            "",
        ]
    return []


def _gate_markdown(gate: Mapping[str, Any]) -> list[str]:
    status = "passed" if not gate["failures"] else "FAILED"
    section = f", {gate['section']}" if gate.get("section") else ""
    parts = [f"**Gate ({gate['pipeline']} vs `{gate['thresholds']}`{section}): {status}**", ""]
    parts += [f"- {line}" for line in gate["failures"]]
    return parts + ([""] if gate["failures"] else [])


def extraction_markdown(extraction: Mapping[str, Any]) -> str:
    """Precision and recall of indicator extraction on one gold file, with its faults."""
    located = ""
    if extraction.get("by_sentence"):
        located = (
            f" {extraction['by_sentence']} of them are located by their verbatim sentence (the "
            "parsed paragraph that contains it)"
            + (
                f"; {extraction['unlocated']} sentences are in no parsed paragraph and count "
                "as missed."
                if extraction.get("unlocated")
                else "."
            )
        )
    parts = [
        f"Gold `{extraction['gold_file']}`: {extraction['gold']} hand-labelled figures in "
        f"{extraction['paragraphs']} paragraphs of {', '.join(extraction['documents'])}."
        f"{located} Precision = correct records / records extracted from those paragraphs; "
        "recall = gold figures matched / gold figures (same paragraph, value, unit, kind, "
        "result/target, year, and a matching name). Loading, parsing and extracting the corpus "
        f"took {extraction['extract_ms']:.0f} ms.",
        "",
        _table(
            ["figure", "value"],
            [
                ("precision", _fmt("precision", extraction["precision"])),
                ("recall", _fmt("recall", extraction["recall"])),
                ("extracted in labelled paragraphs", str(extraction["extracted"])),
                ("correct", str(extraction["correct"])),
            ],
        ),
        "",
    ]
    for label, key in (("Wrong records", "wrong"), ("Missed figures", "missed")):
        if extraction[key]:
            parts += [f"{label}:", ""]
            parts += [f"- `{json.dumps(x, ensure_ascii=False)}`" for x in extraction[key]]
            parts += [""]
    return "\n".join(parts)


def _suite_markdown(
    runs: Sequence[PipelineRun],
    meta: Mapping[str, Any],
    gate: Mapping[str, Any] | None,
    level: int,
) -> list[str]:
    """The sections of one suite's report, headings from `level` down."""
    h, sub = "#" * level, "#" * (level + 1)
    parts = _gate_markdown(gate) if gate is not None else []
    if len(runs) > 1:
        parts += [f"{h} Comparison", "", comparison_table(runs), ""]
    path_table = indicator_path_table(runs)
    if path_table:
        parts += [f"{h} Indicator path", "", "Accuracy by question type, same run:", ""]
        parts += [path_table, ""]
    tags = tag_table(runs)
    if tags:
        parts += [
            f"{h} Tagged questions",
            "",
            "two-year: questions that need the right one of two years; near-miss: unanswerable "
            "questions close to what the reports give; glossary-confusable: questions whose "
            "answer a report's glossary or notes could be mistaken for.",
            "",
            tags,
            "",
        ]
    extraction = meta.get("indicators")
    if extraction:
        parts += [f"{h} Indicator extraction", "", extraction_markdown(extraction)]
    tracking = meta.get("tracking")
    if tracking:
        parts += [f"{h} Target tracking", "", tracking_markdown(tracking)]
    for run in runs:
        f = run.figures
        parts += [
            f"{h} Pipeline `{run.name}`",
            "",
            f"Indexing {run.index_seconds:.1f} s, asking {run.ask_seconds:.1f} s. "
            f"{f['false_abstentions']} of {f['answerable']} answerable questions abstained "
            f"({f['false_abstentions_evidence_in_top5']} of them with gold evidence in the top 5).",
            "",
        ]
        parts += [f"Note: {n}" for n in run.notes] + ([""] if run.notes else [])
        figures = headline([run])
        parts += [_table(["figure", "value"], ((k, _fmt(k, f[k])) for k in figures)), ""]
        parts += [f"{sub} By question type", "", per_type_table(run), ""]
        failed = f"{len(run.failures)}"
        if run.judge is not None:
            failed += f"; {sum(r.judged_correct for r in run.failures)} judged correct"
        parts += [f"{sub} Failed questions ({failed})", "", failures_markdown(run), ""]
    return parts


def render_markdown(
    runs: Sequence[PipelineRun], meta: Mapping[str, Any], gate: Mapping[str, Any] | None = None
) -> str:
    """The report of one QA set (markdown)."""
    parts = [
        "# Evaluation report",
        "",
        f"QA set `{meta['qa']}` ({meta['questions']} questions) over `{meta['corpus']}`; "
        f"{meta['created']}; {meta['seconds']:.1f} s.",
        "",
        FIGURES_EXPLAINED,
        "",
    ]
    parts += _judge_markdown(meta)
    parts += _suite_markdown(runs, meta, gate, level=2)
    return "\n".join(parts)


def _suite_data(
    runs: Sequence[PipelineRun], meta: Mapping[str, Any], gate: Mapping[str, Any] | None
) -> dict[str, Any]:
    return {
        **meta,
        "comparison": {run.name: {k: run.figures[k] for k in headline(runs)} for run in runs},
        "gate": gate,
        "runs": [run.to_dict() for run in runs],
    }


def _write(out_dir: str | Path, data: Mapping[str, Any], markdown: str) -> tuple[Path, Path]:
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{out}: cannot create the report folder ({exc.strerror})") from None
    json_path, md_path = out / "report.json", out / "report.md"
    json_path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    md_path.write_text(markdown, encoding="utf-8")
    return md_path, json_path


def write_report(
    runs: Sequence[PipelineRun],
    out_dir: str | Path,
    meta: Mapping[str, Any],
    gate: Mapping[str, Any] | None = None,
) -> tuple[Path, Path]:
    """Write report.json and report.md of one QA set into `out_dir`; returns their paths."""
    return _write(out_dir, _suite_data(runs, meta, gate), render_markdown(runs, meta, gate))


# -- suites -----------------------------------------------------------------------------------

# The suites `assistant eval` runs by default, each a QA set over the corpus it asks about and
# the hand-labelled figures of that corpus (paths relative to the repository root). The bundled
# suite is gated on the top-level minimums of the thresholds file, every other suite on the
# minimums of the object of its name.
SUITES: dict[str, tuple[str, str, str]] = {
    "bundled": ("eval/qa.jsonl", "data", "eval/indicators_gold.jsonl"),
    "corpus": ("eval/qa_corpus.jsonl", "eval/corpus", "eval/indicators_gold_corpus.jsonl"),
    "track": ("eval/qa_track.jsonl", "eval/track", ""),
}
# The labelled target/result pairs of a suite's corpus (scored by `tracking_scores`).
TRACK_GOLD: dict[str, str] = {"track": "eval/track_gold.jsonl"}
CUSTOM = "custom"  # a QA set or corpus given by path, without naming a suite


def default_path(relative: str) -> Path:
    """`relative` under the working directory, else under the repository holding this package."""
    found = _find(relative)
    if found is None:
        raise InputError(
            f"{relative} not found here or in the repository: run from the repository root "
            "or give its path"
        )
    return found


def _find(relative: str) -> Path | None:
    for base in (Path.cwd(), Path(__file__).resolve().parents[1]):
        if (base / relative).exists():
            return base / relative
    return None


@dataclass(frozen=True)
class Suite:
    """A QA set, the corpus it asks about, and the labelled figures of that corpus."""

    name: str
    qa: Path
    corpus: Path
    # Gold files of labelled figures: the first whose reports the corpus holds is scored.
    indicator_gold: tuple[Path, ...] = ()
    track_gold: Path | None = None  # labelled target/result pairs of the corpus

    @property
    def thresholds_section(self) -> str | None:
        """Where its minimums are in the thresholds file (None: the top-level `minimum`)."""
        return None if self.name in ("bundled", CUSTOM) else self.name


def parse_suites(spec: str | Sequence[str]) -> list[str]:
    """Suite names from `bundled,corpus`, `all` or a list; InputError for an unknown one."""
    names = [n.strip() for n in spec.split(",")] if isinstance(spec, str) else list(spec)
    names = [n for n in names if n]
    if names == ["all"]:
        return list(SUITES)
    if not names:
        raise InputError("no suite named: choose from " + ", ".join(SUITES))
    for n in names:
        if n not in SUITES:
            raise InputError(f"unknown suite {n!r}: choose from {', '.join(SUITES)}, all")
    if len(set(names)) != len(names):
        raise InputError("each suite may be named once")
    return names


def plan_suites(
    qa: str | Path | None = None,
    corpus: str | Path | None = None,
    suites: str | Sequence[str] | None = None,
    indicator_gold: str | Path | None = None,
) -> tuple[list[Suite], list[str]]:
    """The suites to run, and a note for each default suite left out because its QA set is
    missing.

    No suite named: `qa`/`corpus`/`indicator_gold` make one custom suite (what is not given
    defaults to the bundled suite's), as before suites existed; with none of them, every suite
    of SUITES runs (a suite other than the bundled one is left out, with a note, while its QA
    file does not exist). Suites named: those, their files looked up as defaults;
    `qa`/`corpus`/`indicator_gold` replace the files of a single named suite.
    """
    if suites is None and (qa or corpus or indicator_gold):
        golds = (Path(indicator_gold),) if indicator_gold else _default_golds()
        suite = Suite(
            CUSTOM,
            Path(qa) if qa else default_path(SUITES["bundled"][0]),
            Path(corpus) if corpus else default_path(SUITES["bundled"][1]),
            golds,
        )
        return [suite], []
    explicit = suites is not None
    names = list(SUITES) if suites is None else parse_suites(suites)
    if len(names) > 1 and (qa or corpus or indicator_gold):
        raise InputError("--qa and --corpus replace the files of one suite: name only one")
    planned, notes = [], []
    for name in names:
        qa_rel, corpus_rel, gold_rel = SUITES[name]
        if not (qa or explicit or name == "bundled" or _find(qa_rel)):
            notes.append(f"{name} suite not run: {qa_rel} not found")
            continue
        gold = Path(indicator_gold) if indicator_gold else _find(gold_rel) if gold_rel else None
        track_gold = _find(TRACK_GOLD[name]) if name in TRACK_GOLD else None
        planned.append(
            Suite(
                name,
                Path(qa) if qa else default_path(qa_rel),
                Path(corpus) if corpus else default_path(corpus_rel),
                (gold,) if gold else (),
                track_gold,
            )
        )
    return planned, notes


def _default_golds() -> tuple[Path, ...]:
    found = (_find(gold) for _, _, gold in SUITES.values() if gold)
    return tuple(p for p in found if p is not None)


@dataclass
class SuiteResult:
    """One suite's pipeline runs, extraction scores and gate."""

    suite: Suite
    runs: list[PipelineRun]
    indicators: dict[str, Any] | None = None
    gate: dict[str, Any] | None = None  # pipeline, thresholds, section, minimum, failures
    tracking: dict[str, Any] | None = None  # pair precision/recall, verdict accuracy

    @property
    def name(self) -> str:
        return self.suite.name

    @property
    def meta(self) -> dict[str, Any]:
        return {
            "suite": self.suite.name,
            "qa": str(self.suite.qa),
            "corpus": str(self.suite.corpus),
            "questions": len(self.runs[0].results) if self.runs else 0,
            "indicators": self.indicators,
            "tracking": self.tracking,
        }


def suite_summary(result: SuiteResult) -> str:
    """What `assistant eval` prints of a suite: headline figures per pipeline, figures per
    question type of the gated (else first) pipeline, the indicator-path and tagged-question
    tables, and the extraction precision and recall."""
    runs = result.runs
    main = next((r for r in runs if r.name == "default"), runs[0])
    parts = [comparison_table(runs), "", f"By question type ({main.name}):", per_type_table(main)]
    path_table = indicator_path_table(runs)
    if path_table:
        parts += ["", "Indicator path, accuracy by question type:", path_table]
    tags = tag_table(runs)
    if tags:
        parts += ["", "Tagged questions:", tags]
    x = result.indicators
    if x:
        parts += [
            "",
            f"Indicator extraction on {x['gold']} labelled figures ({Path(x['gold_file']).name}): "
            f"precision {_fmt('precision', x['precision'])}, "
            f"recall {_fmt('recall', x['recall'])}",
        ]
    t = result.tracking
    if t:
        parts += [
            "",
            f"Target tracking on {t['gold']} labelled pairs ({Path(t['gold_file']).name}): "
            f"pair precision {_fmt('x', t['pair_precision'])}, "
            f"recall {_fmt('x', t['pair_recall'])}, "
            f"verdict accuracy {_fmt('x', t['verdict_accuracy'])}; "
            f"{t['pairs_total']} pairs built in {t['build_ms']:.0f} ms",
        ]
    return "\n".join(parts)


def render_suites_markdown(
    suites: Sequence[SuiteResult],
    meta: Mapping[str, Any],
    gate: Mapping[str, Any] | None = None,
) -> str:
    """The report of several suites (markdown): each suite's sections under its own heading."""
    listed = "; ".join(
        f"`{s.name}`: `{s.meta['qa']}` ({s.meta['questions']} questions) over `{s.meta['corpus']}`"
        for s in suites
    )
    parts = [
        "# Evaluation report",
        "",
        f"Suites {listed}; {meta['created']}; {meta['seconds']:.1f} s. Each suite indexes its "
        "own corpus and is gated on its own minimums.",
        "",
        FIGURES_EXPLAINED,
        "",
    ]
    parts += [f"Note: {n}" for n in meta.get("notes", [])] + ([""] if meta.get("notes") else [])
    parts += _judge_markdown(meta)
    if gate is not None:
        status = "passed" if not gate["failures"] else "FAILED"
        parts += [f"**Gate: {status}**", ""]
        parts += [f"- {line}" for line in gate["failures"]]
        parts += [""] if gate["failures"] else []
    for s in suites:
        parts += [f"## Suite `{s.name}`", ""]
        parts += _suite_markdown(s.runs, s.meta, s.gate, level=3)
    return "\n".join(parts)


def write_suites_report(
    suites: Sequence[SuiteResult],
    out_dir: str | Path,
    meta: Mapping[str, Any],
    gate: Mapping[str, Any] | None = None,
) -> tuple[Path, Path]:
    """Write report.json and report.md of several suites into `out_dir`; returns their paths.

    report.json keeps the keys of a one-suite report for the first suite (qa, corpus,
    questions, indicators, comparison, runs) and holds every suite under `suites`.
    """
    data = {s.name: _suite_data(s.runs, s.meta, s.gate) for s in suites}
    first = data[suites[0].name]
    out = {**first, **meta, "gate": gate, "suites": data}
    return _write(out_dir, out, render_suites_markdown(suites, meta, gate))


# -- one evaluation, end to end ---------------------------------------------------------------


@dataclass
class EvalResult:
    runs: list[PipelineRun]  # of the first suite
    report_md: Path
    report_json: Path
    seconds: float
    gate: dict[str, Any] | None = None  # pipeline, thresholds, failures (of every suite)
    judge_skipped: str | None = None  # why the LLM judge asked for did not run
    suites: list[SuiteResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # suites left out, and why

    @property
    def gate_failed(self) -> bool:
        return bool(self.gate and self.gate["failures"])


def run_eval(
    qa: str | Path | None = None,
    corpus: str | Path | None = None,
    pipelines: str | Sequence[str] = ("default",),
    report_dir: str | Path | None = None,
    *,
    gate: bool = False,
    thresholds: str | Path | None = None,
    settings: Settings | None = None,
    embedder: Embeddings | None = None,
    retrieval: Mapping[str, Any] | None = None,
    progress: Progress | None = None,
    judge: bool = False,
    judge_model: BaseChatModel | None = None,
    chat_model: BaseChatModel | None = None,
    indicator_gold: str | Path | None = None,
    suites: str | Sequence[str] | None = None,
) -> EvalResult:
    """Evaluate, write the report, and (with `gate`) check the thresholds.

    Without `qa`, `corpus`, `indicator_gold` or `suites`, every suite of SUITES runs (the
    bundled QA set over data/, the corpus QA set over eval/corpus/), each indexing its own
    corpus once; one report holds them all, `EvalResult.suites` each suite's runs and
    `EvalResult.runs` the first suite's. `qa`/`corpus` alone run that one QA set, as a single
    suite gated on the top-level minimums, with the report of one QA set as before suites
    existed; `suites` names the suites to run (see `plan_suites`). Defaults are
    looked up in the working directory and then in the repository; the report goes to
    eval/out/, the minimums come from eval/thresholds.json. The gate checks the `default`
    pipeline, or the only pipeline run when it is not among them, of each suite against that
    suite's minimums; a default suite left out for want of its QA file fails the gate.

    `judge`: also ask the LLM judge (over `judge_model`, else the chat model of `settings`)
    about answered questions that failed must_include. Without a key or a model it is skipped
    and `EvalResult.judge_skipped` says why. `chat_model` answers the `llm` pipeline.
    """
    t0 = time.perf_counter()
    settings = settings or Settings.from_env()
    judge_skipped = judge_skip_reason(settings, judge_model) if judge else None
    names = parse_pipelines(pipelines)
    planned, notes = plan_suites(qa, corpus, suites, indicator_gold)
    out_dir = Path(report_dir) if report_dir else default_path("eval") / "out"
    gated = ""
    minimums: dict[str, dict[str, float]] = {}
    if gate:
        if "default" not in names and len(names) > 1:
            raise InputError("--gate checks the default pipeline: include it in --compare")
        gated = "default" if "default" in names else names[0]
        thresholds_path = Path(thresholds) if thresholds else default_path("eval/thresholds.json")
        for suite in planned:
            minimums[suite.name] = load_thresholds(thresholds_path, suite.thresholds_section)
    items = {suite.name: load_qa(suite.qa) for suite in planned}  # every file checked first
    if len(planned) > 1 and embedder is None:
        from .pipeline import build_embedder

        embedder = build_embedder(settings)  # one model load for all suites
    llm_judge = Judge.from_settings(settings, judge_model) if judge and not judge_skipped else None
    results: list[SuiteResult] = []
    for suite in planned:
        suite_progress = progress
        if progress is not None and len(planned) > 1:
            suite_progress = partial(_suite_progress, progress, suite.name)
        runs = evaluate(
            items[suite.name],
            suite.corpus,
            names,
            settings=settings,
            embedder=embedder,
            retrieval=retrieval,
            progress=suite_progress,
            chat_model=chat_model,
        )
        if llm_judge is not None:
            runs = [llm_judge.judge_run(run, suite_progress) for run in runs]
        suite_gate = None
        tracking = tracking_scores(suite.corpus, suite.track_gold) if suite.track_gold else None
        if gate:
            run = next(r for r in runs if r.name == gated)
            figures = {**run.figures, **{k: (tracking or {}).get(k) for k in TRACK_FIGURES}}
            suite_gate = {
                "pipeline": gated,
                "thresholds": str(thresholds_path),
                "section": suite.thresholds_section,
                "minimum": minimums[suite.name],
                "failures": check_thresholds(figures, minimums[suite.name]),
            }
        results.append(SuiteResult(suite, runs, _extraction(suite), suite_gate, tracking))
    judge_meta: dict[str, Any] | None = None
    if judge_skipped:
        judge_meta = {"skipped": judge_skipped}
    elif llm_judge is not None:
        judge_meta = {"label": llm_judge.label}
    seconds = time.perf_counter() - t0
    meta = {
        "pipelines": names,
        "judge": judge_meta,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "seconds": round(seconds, 1),
    }
    if len(results) == 1 and not notes:
        (only,) = results
        gate_report = only.gate
        md, js = write_report(only.runs, out_dir, {**only.meta, **meta}, gate_report)
    else:
        gate_report = _combined_gate(results, notes, gated) if gate else None
        md, js = write_suites_report(results, out_dir, {**meta, "notes": notes}, gate_report)
    return EvalResult(results[0].runs, md, js, seconds, gate_report, judge_skipped, results, notes)


def _suite_progress(progress: Progress, suite: str, name: str, done: int, total: int) -> None:
    progress(f"{suite}: {name}", done, total)


def _extraction(suite: Suite) -> dict[str, Any] | None:
    for gold in suite.indicator_gold:
        scores = extraction_scores(suite.corpus, gold)
        if scores is not None:
            return scores
    return None


def _combined_gate(
    results: Sequence[SuiteResult], notes: Sequence[str], gated: str
) -> dict[str, Any]:
    """Every suite's gate in one: failures prefixed with their suite's name; a default suite
    that did not run fails."""
    failures = [f"{s.name}: {line}" for s in results for line in s.gate["failures"]]  # type: ignore[index]
    failures += notes
    return {
        "pipeline": gated,
        "thresholds": results[0].gate["thresholds"],  # type: ignore[index]
        "minimum": {s.name: s.gate["minimum"] for s in results},  # type: ignore[index]
        "failures": failures,
        "suites": {s.name: s.gate for s in results},
    }
