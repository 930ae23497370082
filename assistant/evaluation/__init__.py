"""Evaluation harness: asks every question of a QA set through the public API and scores it.

It lives in the package (not only under the repository's `eval/` folder) so that
`assistant eval` works wherever the package is installed; `python -m eval` from the repository
root is a thin wrapper over the same code.

One module per job; data flows one way, each module importing only those above it:

    schema.py      the QA-set schema (`QAItem`, `load_qa`) and a corpus's report files
    scoring.py     one answer against its QA item (`score`), headline figures (`summarise`)
    baselines.py   the `naive` pipeline, a LangChain tutorial's RAG (`NaiveRAG`)
    runner.py      pipelines over a QA set in a fresh store (`evaluate` -> `PipelineRun`)
    judge.py       the optional LLM judge of answers worded differently from the gold
    extraction.py  indicator extraction scored on hand-labelled figures
    tracking.py    target/result pairing scored on hand-labelled pairs
    suites.py      the default suites and their files (`plan_suites`), `SuiteResult`
    gate.py        minimum figures from the thresholds file, checked per suite
    report.py      the printed tables, report.md and report.json
    harness.py     one evaluation end to end (`run_eval`), the only module wiring the others

The names below are the public surface; other names are reached through their module.
"""

from .baselines import NaiveRAG
from .extraction import locate_gold, score_extraction
from .gate import check_thresholds, load_thresholds
from .harness import EvalResult, run_eval
from .judge import JUDGE_SKIPPED, Judge, judge_skip_reason, parse_verdict
from .report import comparison_table, suite_summary, tag_table, write_report, write_suites_report
from .runner import PipelineRun, evaluate, llm_skip_reason, parse_pipelines
from .schema import QAItem, corpus_files, load_qa, parse_qa_record
from .scoring import (
    Scored,
    evidence_rank,
    has_evidence,
    includes_all,
    normalise,
    score,
    summarise,
    summarise_by_tag,
    summarise_by_type,
)
from .suites import SUITES, Suite, SuiteResult
from .tracking import load_track_gold, score_tracking

__all__ = [
    "JUDGE_SKIPPED",
    "SUITES",
    "EvalResult",
    "Judge",
    "NaiveRAG",
    "PipelineRun",
    "QAItem",
    "Scored",
    "Suite",
    "SuiteResult",
    "check_thresholds",
    "comparison_table",
    "corpus_files",
    "evaluate",
    "evidence_rank",
    "has_evidence",
    "includes_all",
    "judge_skip_reason",
    "llm_skip_reason",
    "load_qa",
    "load_thresholds",
    "load_track_gold",
    "locate_gold",
    "normalise",
    "parse_pipelines",
    "parse_qa_record",
    "parse_verdict",
    "run_eval",
    "score",
    "score_extraction",
    "score_tracking",
    "suite_summary",
    "summarise",
    "summarise_by_tag",
    "summarise_by_type",
    "tag_table",
    "write_report",
    "write_suites_report",
]
