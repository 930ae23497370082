"""A report cut into retrieval units: its sentences, long ones as windows of clauses."""

from __future__ import annotations

import re

from ..types import Report

# Long sentences are cut into windows of about this many characters at clause boundaries.
UNIT_CHARS = 120
# No unit is longer than this: well inside the embedding model's input (e5: 512 tokens, and a
# token covers at least one character). A longer clause is split at 、；, then every
# UNIT_CHARS characters.
MAX_UNIT_CHARS = 240
_LIST_MARKS = "、；;"


def _split_long(clause: str) -> list[str]:
    """A clause as pieces of at most MAX_UNIT_CHARS characters (itself when it fits)."""
    if len(clause) <= MAX_UNIT_CHARS:
        return [clause]
    pieces = []
    for item in re.split(f"(?<=[{_LIST_MARKS}])", clause):
        if len(item) <= MAX_UNIT_CHARS:
            pieces.append(item)
        else:
            pieces.extend(item[i : i + UNIT_CHARS] for i in range(0, len(item), UNIT_CHARS))
    return pieces


def _windows(sentence: str) -> list[str]:
    if len(sentence) <= UNIT_CHARS * 1.5:
        return [sentence]
    parts, current = [], ""
    clauses = sentence.replace("，", "，\n").replace(",", ",\n").split("\n")
    for clause in (p for c in clauses for p in _split_long(c)):
        if current and len(current) + len(clause) > UNIT_CHARS:
            parts.append(current)
            current = ""
        current += clause
    if current:
        parts.append(current)
    return parts


def report_units(report: Report) -> list[tuple[int, int, str]]:
    """(paragraph, sentence index, text) of every retrieval unit of a report."""
    out = []
    for p in report.paragraphs:
        if p.is_heading:
            continue  # the heading's paragraph record is its unit
        for i, sentence in enumerate(p.sentences):
            for window in _windows(sentence):
                out.append((p.number, i, window))
    return out
