"""`assistant eval`: the QA suites scored through the public API, with a report and a gate."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from ..config import Settings

if TYPE_CHECKING:
    from ..evaluation import EvalResult


def cmd_eval(args: argparse.Namespace) -> int:
    import time

    from tqdm import tqdm

    from ..evaluation import (
        judge_skip_reason,
        llm_skip_reason,
        parse_pipelines,
        run_eval,
    )

    settings = Settings.from_env()
    pipelines = parse_pipelines(args.compare or args.pipeline)
    if args.llm and "llm" not in pipelines:
        pipelines = [*pipelines, "llm"] if args.compare else ["llm"]
    if "llm" in pipelines:
        reason = llm_skip_reason(settings)
        if reason:
            print(f"assistant eval: {reason}", file=sys.stderr)
            pipelines = [p for p in pipelines if p != "llm"]
            if not pipelines:
                return 0
    if args.judge:
        reason = judge_skip_reason(settings)
        if reason:
            # Said before the run starts; run_eval skips the judge for the same reason.
            print(f"assistant eval: {reason}", file=sys.stderr)
    bars: dict[str, tqdm] = {}

    def progress(name: str, done: int, total: int) -> None:
        if name not in bars:
            bars[name] = tqdm(
                total=total, desc=name, unit="q", file=sys.stderr, leave=False, disable=None
            )
        bars[name].update(1)
        if done == total:
            bars[name].close()

    t0 = time.perf_counter()
    result = run_eval(
        qa=args.qa,
        corpus=args.corpus,
        pipelines=pipelines,
        report_dir=args.report,
        gate=args.gate,
        thresholds=args.thresholds,
        settings=settings,
        progress=progress,
        judge=args.judge,
        suites=args.suite,
    )
    return _report(result, time.perf_counter() - t0)


def _report(result: EvalResult, seconds: float) -> int:
    """Print each suite's summary, the notes and the gate; 1 when the gate failed."""
    from ..evaluation import suite_summary

    several = len(result.suites) > 1 or bool(result.notes)
    for n, suite in enumerate(result.suites):
        if several:
            meta = suite.meta
            head = f"Suite {suite.name}: {meta['qa']} ({meta['questions']} questions) over "
            print(("\n" if n else "") + f"{head}{meta['corpus']}\n")
        print(suite_summary(suite))
    for note in result.notes:
        print(f"assistant eval: {note}", file=sys.stderr)
    questions = sum(len(s.runs[0].results) for s in result.suites)
    print(
        f"{questions} questions x {len(result.runs)} pipeline(s) in "
        f"{seconds:.1f} s -> {result.report_md}, {result.report_json}",
        file=sys.stderr,
    )
    if result.gate is not None:
        if result.gate_failed:
            print(
                f"gate FAILED: {result.gate['pipeline']} below {result.gate['thresholds']}:",
                file=sys.stderr,
            )
            for line in result.gate["failures"]:
                print(f"  {line}", file=sys.stderr)
            return 1
        met = sum(len(s.gate["minimum"]) for s in result.suites if s.gate)
        print(f"gate passed: {met} thresholds met", file=sys.stderr)
    return 0
