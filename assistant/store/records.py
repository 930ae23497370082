"""The records the store holds, and their conversion to and from the shared types.

Three kinds of record share one collection (see the package docstring): ``document``,
``paragraph`` and ``sentence``. `_records` writes a report as records; `_paragraph`,
`_document_info` and `_stored_generation` read them back.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import numpy as np

from ..types import DocumentInfo, Paragraph, Report, ReportMeta

DOCUMENT, PARAGRAPH, SENTENCE = "document", "paragraph", "sentence"
UNIT_KINDS = (PARAGRAPH, SENTENCE)
# A vector as the embedder returns it, or a row of an array of them.
Vector = Sequence[float] | np.ndarray


@dataclass(frozen=True)
class Unit:
    """A retrieval unit to store: text, vector, and where it sits in its report."""

    paragraph: int
    sentence: int  # index into the paragraph's sentences; -1 for a whole paragraph
    text: str
    vector: Vector


@dataclass(frozen=True)
class UnitMatch:
    """A stored unit returned by a search."""

    doc_id: str
    paragraph: int
    sentence: int
    text: str
    similarity: float
    uid: str = ""  # the record's id in the store


@dataclass(frozen=True)
class StoredGeneration:
    """A document generation read back from the store, with its vectors."""

    doc_id: str
    doc_hash: str
    record: dict[str, Any]  # the document record's metadata
    title_vector: list[float]
    paragraphs: tuple[Paragraph, ...]  # in order
    paragraph_vectors: tuple[list[float], ...]  # one per paragraph, same order
    units: tuple[Unit, ...]

    def report(self) -> Report:
        """The report as it was stored (its metadata from the document record)."""
        record = self.record
        return Report(
            doc_id=self.doc_id,
            meta=ReportMeta(
                title=str(record.get("title", "")),
                region=str(record.get("region", "")),
                level=str(record.get("level", "")),
                year=int(record.get("doc_year") or 0) or None,
                date=str(record.get("date", "")),
                review_years=_years(record.get("review_years")),
                plan_years=_years(record.get("plan_years")),
                speaker=str(record.get("speaker", "")),
                speaker_role=str(record.get("speaker_role", "")),
                meeting=str(record.get("meeting", "")),
            ),
            paragraphs=self.paragraphs,
            content_hash=self.doc_hash,
            source=str(record.get("source", "")),
            title_hint=str(record.get("title_hint", "")),
            detector_version=str(record.get("detector_version", "")),
        )


def _as_vector(vec: Vector) -> list[float]:
    return np.asarray(vec, dtype=np.float32).tolist()


def _years(raw: object) -> tuple[int, ...]:
    """Years stored as a JSON list (absent in stores written before they were kept)."""
    try:
        return tuple(int(y) for y in json.loads(raw)) if isinstance(raw, str) and raw else ()
    except (ValueError, TypeError):
        return ()


def _paragraph(text: str, m: dict[str, Any]) -> Paragraph:
    return Paragraph(
        doc_id=m["doc_id"],
        number=int(m["paragraph"]),
        text=text,
        section=tuple(json.loads(m["section"])),
        sentences=tuple(json.loads(m["sentences"])),
        period=m["period"],
        period_year=m["period_year"] or None,
        is_heading=bool(m["is_heading"]),
        period_years=_years(m.get("period_years")),
        part=str(m.get("part", "")),
    )


def _stored_generation(
    doc_id: str, doc_hash: str, got: dict[str, Any], embedded: bool
) -> StoredGeneration:
    """A generation from the records a ``get`` of its doc_id and hash returned (with
    documents, metadatas and embeddings); vectors are empty lists unless `embedded`."""
    record: dict[str, Any] = {}
    title_vector: list[float] = []
    paragraphs: list[tuple[Paragraph, list[float]]] = []
    units: list[tuple[int, Unit]] = []
    for uid, text, m, vec in zip(
        got["ids"], got["documents"], got["metadatas"], got["embeddings"], strict=True
    ):
        vector = _as_vector(vec) if embedded else []
        if m["kind"] == DOCUMENT:
            record, title_vector = dict(m), vector
        elif m["kind"] == PARAGRAPH:
            paragraphs.append((_paragraph(text, m), vector))
        else:
            order = int(uid.rsplit(".", 1)[1])  # the unit's place in its report
            units.append((order, Unit(int(m["paragraph"]), int(m["sentence"]), text, vector)))
    paragraphs.sort(key=lambda pv: pv[0].number)
    units.sort(key=lambda nu: nu[0])
    return StoredGeneration(
        doc_id=doc_id,
        doc_hash=doc_hash,
        record=record,
        title_vector=title_vector,
        paragraphs=tuple(p for p, _ in paragraphs),
        paragraph_vectors=tuple(v for _, v in paragraphs),
        units=tuple(u for _, u in units),
    )


def _document_info(m: dict[str, Any]) -> DocumentInfo:
    """A document record, with ``embedded`` saying which collection holds it."""
    return DocumentInfo(
        doc_id=m["doc_id"],
        title=m.get("title", ""),
        region=m.get("region", ""),
        level=m.get("level", ""),
        year=m.get("doc_year") or None,
        date=m.get("date", ""),
        source=m.get("source", ""),
        paragraphs=int(m.get("paragraphs", 0)),
        chars=int(m.get("chars", 0)),
        content_hash=m["doc_hash"],
        indexed_at=m.get("indexed_at", ""),
        review_years=_years(m.get("review_years")),
        plan_years=_years(m.get("plan_years")),
        speaker=m.get("speaker", ""),
        speaker_role=m.get("speaker_role", ""),
        meeting=m.get("meeting", ""),
        embedded=bool(m["embedded"]),
        units=int(m.get("units", 0)),
    )


def _records(
    report: Report, units: Sequence[tuple[int, int, str]]
) -> tuple[list[str], list[str], list[dict[str, Any]], dict[str, Any]]:
    """Ids, texts and metadata of a report's paragraphs then units, and its record."""
    h = report.content_hash
    base = {"doc_id": report.doc_id, "doc_hash": h, "doc_year": report.meta.year or 0}
    ids, docs, metas = [], [], []
    for p in report.paragraphs:
        ids.append(f"{report.doc_id}::{h[:12]}::p{p.number}")
        docs.append(p.text)
        metas.append(
            {
                **base,
                "kind": PARAGRAPH,
                "paragraph": p.number,
                "sentence": -1,
                "section": json.dumps(list(p.section), ensure_ascii=False),
                "sentences": json.dumps(list(p.sentences), ensure_ascii=False),
                "period": p.period,
                "period_year": p.period_year or 0,
                "is_heading": p.is_heading,
                "period_years": json.dumps(list(p.period_years)),
                "part": p.part,
            }
        )
    for n, (paragraph, sentence, text) in enumerate(units):
        ids.append(f"{report.doc_id}::{h[:12]}::s{paragraph}.{sentence}.{n}")
        docs.append(text)
        metas.append({**base, "kind": SENTENCE, "paragraph": paragraph, "sentence": sentence})
    m = report.meta
    record = {
        **base,
        "kind": DOCUMENT,
        "title": report.title,
        "region": m.region,
        "level": m.level,
        "date": m.date,
        "review_years": json.dumps(list(m.review_years)),
        "plan_years": json.dumps(list(m.plan_years)),
        "speaker": m.speaker,
        "speaker_role": m.speaker_role,
        "meeting": m.meeting,
        "source": report.source,
        "title_hint": report.title_hint,
        "detector_version": report.detector_version,
        "paragraphs": len(report.paragraphs),
        "units": len(units),
        "chars": sum(len(p.text) for p in report.paragraphs),
        "indexed_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    return ids, docs, metas, record
