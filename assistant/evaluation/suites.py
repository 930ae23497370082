"""The suites `assistant eval` runs: each a QA set, the corpus it asks about and the labelled
figures of that corpus; `plan_suites` picks the suites and their files."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError
from .runner import PipelineRun

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
    # parents[2]: the repository holding assistant/evaluation/.
    for base in (Path.cwd(), Path(__file__).resolve().parents[2]):
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
