"""What an evaluation reads: the QA-set schema (`QAItem`, validated by `load_qa`) and the report
files of a corpus (`corpus_files`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError

QA_TYPES = (
    "numeric",
    "fact",
    "list",
    "temporal",
    "cross_doc",
    "unanswerable",
    "section",
    "paraphrase",
)
QA_FIELDS = ("id", "question", "answer", "must_include", "evidence", "source", "type", "answerable")
# The optional "tags" of a QA record mark subsets the report scores apart. Known tags, in report
# order: questions that need the right one of two years; unanswerable near-misses (a figure,
# year, place or person close to what the reports give); questions whose answer a report's
# glossary or notes could be mistaken for. Other tags are reported after these.
QA_TAGS = ("two-year", "near-miss", "glossary-confusable")


@dataclass(frozen=True)
class QAItem:
    """One question of a QA set (see the schema in DESIGN.md)."""

    id: str
    question: str
    answer: str
    must_include: tuple[tuple[str, ...], ...]  # each element: its alternatives
    evidence: tuple[str, ...]
    source: tuple[str, ...]
    type: str
    answerable: bool
    tags: tuple[str, ...] = ()


def _str_list(value: Any, name: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(s, str) and s.strip() for s in value):
        raise ValueError(f'"{name}" must be a list of non-empty strings')
    return tuple(value)


def parse_qa_record(obj: Any) -> QAItem:
    """Validate one decoded QA record; raises ValueError saying what is wrong."""
    if not isinstance(obj, dict):
        raise ValueError("expected a JSON object")
    missing = [k for k in QA_FIELDS if k not in obj]
    if missing:
        raise ValueError(f"missing field(s): {', '.join(missing)}")
    for key in ("id", "question"):
        if not isinstance(obj[key], str) or not obj[key].strip():
            raise ValueError(f'"{key}" must be a non-empty string')
    if not isinstance(obj["answer"], str):
        raise ValueError('"answer" must be a string')
    if obj["type"] not in QA_TYPES:
        raise ValueError(f'"type" must be one of {", ".join(QA_TYPES)}, not {obj["type"]!r}')
    if not isinstance(obj["answerable"], bool):
        raise ValueError('"answerable" must be true or false')
    evidence = _str_list(obj["evidence"], "evidence")
    source = _str_list(obj["source"], "source")
    if not isinstance(obj["must_include"], list):
        raise ValueError('"must_include" must be a list')
    must_include = []
    for element in obj["must_include"]:
        alternatives = [element] if isinstance(element, str) else element
        if (
            not isinstance(alternatives, list)
            or not alternatives
            or not all(isinstance(a, str) and a.strip() for a in alternatives)
        ):
            raise ValueError(
                '"must_include" elements must be non-empty strings or non-empty lists of them'
            )
        must_include.append(tuple(alternatives))
    if obj["answerable"] and not (must_include and evidence):
        raise ValueError("an answerable question needs non-empty must_include and evidence")
    if not obj["answerable"] and must_include:
        raise ValueError("an unanswerable question must have an empty must_include")
    tags = _str_list(obj.get("tags", []), "tags")
    return QAItem(
        id=obj["id"],
        question=obj["question"],
        answer=obj["answer"],
        must_include=tuple(must_include),
        evidence=evidence,
        source=source,
        type=obj["type"],
        answerable=obj["answerable"],
        tags=tuple(dict.fromkeys(tags)),
    )


def load_qa(path: str | Path) -> list[QAItem]:
    """Read and validate a QA file (JSON lines); InputError names the file and line at fault."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such QA file")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    items: list[QAItem] = []
    first_line: dict[str, int] = {}
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = parse_qa_record(json.loads(line))
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}:{n}: not JSON ({exc.msg})") from None
        except ValueError as exc:
            raise InputError(f"{path}:{n}: {exc}") from None
        if item.id in first_line:
            raise InputError(
                f"{path}:{n}: duplicate id {item.id!r} (first on line {first_line[item.id]})"
            )
        first_line[item.id] = n
        items.append(item)
    if not items:
        raise InputError(f"{path}: no questions")
    return items


# Files in a corpus folder that describe the corpus (where its reports come from), not reports.
CORPUS_NOTES = frozenset({"readme.md", "sources.md"})


def corpus_files(corpus: str | Path) -> list[Path]:
    """Report files of a corpus (a file, or a folder searched recursively), as ingest finds them,
    without the folder's notes (CORPUS_NOTES)."""
    from ..ingest.formats import format_for

    path = Path(corpus)
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise InputError(f"{path}: no such corpus file or folder")
    return sorted(
        f
        for f in path.rglob("*")
        if f.is_file()
        and not f.name.startswith(".")
        and format_for(f.name) is not None
        and f.name.lower() not in CORPUS_NOTES
    )
