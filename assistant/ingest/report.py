"""Cleaned text -> Report: metadata detection and structure parsing in one step (pure)."""

from __future__ import annotations

from dataclasses import replace

from ..types import Report
from . import structure
from .meta import detect_meta


def build_report(
    text: str, doc_id: str, *, title_hint: str = "", filename: str = "", source: str = ""
) -> Report:
    """The report of a cleaned text (one paragraph a line): its identity, outline and periods.

    `filename` is the last resort for the year (defaults to `doc_id`, the file name)."""
    meta = detect_meta(text, title_hint=title_hint, filename=filename or doc_id)
    report = structure.parse_report(text, doc_id, meta, source=source)
    return replace(report, title_hint=title_hint, detector_version=structure.DETECTOR_VERSION)
