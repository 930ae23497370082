"""Indicator extraction scored on hand-labelled figures: precision and recall of the records
extracted from the paragraphs the gold labels fully."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..errors import InputError, LoadError
from ..types import Report
from .schema import corpus_files
from .scoring import normalise, ratio


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
        "precision": ratio(correct, len(pool)),
        "recall": ratio(len(gold) - len(unmatched), len(gold)),
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
    from ..indicators import extract_report
    from ..ingest.loaders import load_file
    from ..pipeline import Assistant

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
