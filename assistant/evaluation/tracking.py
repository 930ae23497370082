"""Target tracking scored on hand-labelled target/result pairs: pair precision and recall, and
verdict accuracy."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..errors import InputError, LoadError
from ..types import Indicator, Paragraph
from .schema import corpus_files
from .scoring import ratio

# Figures of target tracking on the labelled pairs (`tracking_scores`), gated like the others.
TRACK_FIGURES = ("pair_precision", "pair_recall", "verdict_accuracy")


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

    return {
        "gold": len(gold),
        "indicators": sorted({g["indicator"] for g in gold}),
        "years": sorted({g["year"] for g in gold}),
        "built": len(built),
        "matched": len(matched),
        "pair_precision": ratio(len(matched), len(built)),
        "pair_recall": ratio(len(matched), len(gold)),
        "verdict_accuracy": ratio(len(right), len(matched)),
        "wrong": [_brief(p) for p in wrong],
        "missed": [
            {"id": g.get("id"), "indicator": g["indicator"], "year": g["year"]}
            for i, g in enumerate(gold)
            if i not in matched
        ],
        "wrong_verdicts": [
            {**_brief(p), "gold_verdict": gold[i]["verdict"], "reason": p.reason}
            for i, p in matched.items()
            if p.verdict != gold[i]["verdict"]
        ],
    }


def _brief(p: Any) -> dict[str, Any]:
    """A built pair as the scores list it: indicator, year, both sides, verdict."""
    return {
        "indicator": p.indicator,
        "year": p.year,
        "target": p.target.value_text,
        "target_sentence": p.target.sentence,
        "result": p.result.value_text,
        "result_sentence": p.result.sentence,
        "verdict": p.verdict,
    }


def tracking_scores(corpus: str | Path, gold_path: str | Path) -> dict[str, Any] | None:
    """Build the target/result pairs of the corpus reports as `Assistant.track` does (from the
    figures extracted at ingest) and score them on the labelled pairs (None when the corpus
    holds none of the labelled reports)."""
    from ..indicators import extract_report
    from ..ingest.loaders import load_file
    from ..pipeline import Assistant
    from ..tracking import build_pairs

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
