"""The gate: minimum figures from a thresholds file, checked per suite (`--gate`)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError
from .runner import PipelineRun
from .scoring import HEADLINE
from .suites import Suite, SuiteResult, default_path
from .tracking import TRACK_FIGURES

# Figures --gate may hold to a minimum (higher is better): strict figures only, never the
# judge's `judged_accuracy`. The false-abstention rate is held through its complement,
# `answered_rate`.
GATED = tuple(k for k in HEADLINE if not k.startswith(("latency", "false_")))


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


@dataclass(frozen=True)
class GatePlan:
    """What `--gate` checks: which pipeline, against which file, each suite's minimums."""

    pipeline: str
    thresholds: Path
    minimums: dict[str, dict[str, float]]  # suite name -> figure -> minimum


def plan_gate(
    pipelines: Sequence[str], suites: Sequence[Suite], thresholds: str | Path | None = None
) -> GatePlan:
    """The pipeline gated (`default`, or the only one run) and each suite's minimums from
    `thresholds` (default eval/thresholds.json); InputError when several pipelines run and
    `default` is not among them, or when the file is missing or malformed."""
    if "default" not in pipelines and len(pipelines) > 1:
        raise InputError("--gate checks the default pipeline: include it in --compare")
    gated = "default" if "default" in pipelines else pipelines[0]
    path = Path(thresholds) if thresholds else default_path("eval/thresholds.json")
    minimums = {suite.name: load_thresholds(path, suite.thresholds_section) for suite in suites}
    return GatePlan(gated, path, minimums)


def suite_gate(
    plan: GatePlan,
    suite: Suite,
    runs: Sequence[PipelineRun],
    tracking: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """One suite's gate: the gated pipeline's figures, and the tracking figures, against the
    suite's minimums."""
    run = next(r for r in runs if r.name == plan.pipeline)
    figures = {**run.figures, **{k: (tracking or {}).get(k) for k in TRACK_FIGURES}}
    minimum = plan.minimums[suite.name]
    return {
        "pipeline": plan.pipeline,
        "thresholds": str(plan.thresholds),
        "section": suite.thresholds_section,
        "minimum": minimum,
        "failures": check_thresholds(figures, minimum),
    }


def combined_gate(
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
