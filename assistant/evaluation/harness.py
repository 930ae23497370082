"""One evaluation, end to end (`run_eval`): plan the suites, run the pipelines of each, judge,
score extraction and tracking, check the gate and write the report."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel

from ..config import Settings
from ..embeddings import Embeddings
from .extraction import extraction_scores
from .gate import GatePlan, combined_gate, plan_gate, suite_gate
from .judge import Judge, judge_skip_reason
from .report import write_report, write_suites_report
from .runner import PipelineRun, Progress, evaluate, parse_pipelines
from .schema import QAItem, load_qa
from .suites import Suite, SuiteResult, default_path, plan_suites
from .tracking import tracking_scores


@dataclass
class EvalResult:
    """What `run_eval` did: the runs and gate of each suite, and where the report is."""

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
    gate_plan = plan_gate(names, planned, thresholds) if gate else None
    items = {suite.name: load_qa(suite.qa) for suite in planned}  # every file checked first
    if len(planned) > 1 and embedder is None:
        from ..pipeline import build_embedder

        embedder = build_embedder(settings)  # one model load for all suites
    llm_judge = Judge.from_settings(settings, judge_model) if judge and not judge_skipped else None
    results = [
        _run_suite(
            suite,
            items[suite.name],
            names,
            settings=settings,
            embedder=embedder,
            retrieval=retrieval,
            progress=_suite_progress(progress, suite.name) if len(planned) > 1 else progress,
            chat_model=chat_model,
            llm_judge=llm_judge,
            gate_plan=gate_plan,
        )
        for suite in planned
    ]
    seconds = time.perf_counter() - t0
    meta = {
        "pipelines": names,
        "judge": _judge_meta(judge_skipped, llm_judge),
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "seconds": round(seconds, 1),
    }
    if len(results) == 1 and not notes:
        (only,) = results
        gate_report = only.gate
        md, js = write_report(only.runs, out_dir, {**only.meta, **meta}, gate_report)
    else:
        gate_report = combined_gate(results, notes, gate_plan.pipeline) if gate_plan else None
        md, js = write_suites_report(results, out_dir, {**meta, "notes": notes}, gate_report)
    return EvalResult(results[0].runs, md, js, seconds, gate_report, judge_skipped, results, notes)


def _run_suite(
    suite: Suite,
    items: Sequence[QAItem],
    names: Sequence[str],
    *,
    settings: Settings,
    embedder: Embeddings | None,
    retrieval: Mapping[str, Any] | None,
    progress: Progress | None,
    chat_model: BaseChatModel | None,
    llm_judge: Judge | None,
    gate_plan: GatePlan | None,
) -> SuiteResult:
    """One suite: its pipeline runs (judged when `llm_judge` is given), its tracking and
    extraction scores, and its gate (with `gate_plan`)."""
    runs = evaluate(
        items,
        suite.corpus,
        names,
        settings=settings,
        embedder=embedder,
        retrieval=retrieval,
        progress=progress,
        chat_model=chat_model,
    )
    if llm_judge is not None:
        runs = [llm_judge.judge_run(run, progress) for run in runs]
    tracking = tracking_scores(suite.corpus, suite.track_gold) if suite.track_gold else None
    gate = suite_gate(gate_plan, suite, runs, tracking) if gate_plan is not None else None
    return SuiteResult(suite, runs, _extraction(suite), gate, tracking)


def _judge_meta(skipped: str | None, llm_judge: Judge | None) -> dict[str, Any] | None:
    """What the report says of the judge: why it was skipped, or which judge ran."""
    if skipped:
        return {"skipped": skipped}
    if llm_judge is not None:
        return {"label": llm_judge.label}
    return None


def _suite_progress(progress: Progress | None, suite: str) -> Progress | None:
    """`progress` naming the suite too, when several run."""
    if progress is None:
        return None
    return lambda name, done, total: progress(f"{suite}: {name}", done, total)


def _extraction(suite: Suite) -> dict[str, Any] | None:
    for gold in suite.indicator_gold:
        scores = extraction_scores(suite.corpus, gold)
        if scores is not None:
            return scores
    return None
