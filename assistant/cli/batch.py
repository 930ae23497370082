"""`assistant batch`: the questions of a .jsonl, .csv or .txt file answered into a JSON-lines
file, resumable: a rerun skips the ids already answered and keeps going after a bad line."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from .common import mode_notice, open_assistant


@dataclass(frozen=True)
class _Item:
    """One question of a batch file; `error` says why it cannot be asked."""

    id: str
    line: int
    question: str
    error: str = ""


def _not_text(question: str) -> str:
    # Undecodable bytes (read with surrogateescape) and lone surrogates (a JSON "\ud800").
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in question):
        return "not valid UTF-8 text"
    return ""


def _read_questions(path: Path) -> list[_Item]:
    """The questions of a .jsonl, .csv or .txt file; a line that cannot be read is an item
    with the reason, so the batch can report it and go on."""
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix not in (".jsonl", ".csv", ".txt"):
        raise InputError(f"{path}: batch input must be .jsonl, .csv or .txt")
    try:
        # Bytes that are not UTF-8 stay in as surrogates: their line is reported, not the file.
        text = path.read_bytes().decode("utf-8", "surrogateescape").removeprefix("\ufeff")
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    items: list[_Item] = []
    if suffix == ".jsonl":
        for n, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            if _not_text(line):
                items.append(_Item(str(n), n, line, _not_text(line)))
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                items.append(_Item(str(n), n, line, f"not JSON ({exc.msg})"))
                continue
            if isinstance(obj, str):
                obj = {"question": obj}
            qid = str(obj.get("id", n)) if isinstance(obj, dict) else str(n)
            if not isinstance(obj, dict) or not isinstance(obj.get("question"), str):
                items.append(_Item(qid, n, line, 'expected an object with a "question"'))
                continue
            question = obj["question"]
            items.append(_Item(qid, n, question, _not_text(question)))
    elif suffix == ".csv":
        reader = csv.DictReader(text.splitlines())
        if not reader.fieldnames or "question" not in reader.fieldnames:
            raise InputError(f'{path}: the CSV needs a "question" column')
        for n, row in enumerate(reader, start=1):
            question = row["question"] or ""
            # Row n is on line n + 1 (after the header) unless a quoted cell spans lines.
            items.append(_Item(str(row.get("id") or n), n + 1, question, _not_text(question)))
    else:
        for n, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                items.append(_Item(str(n), n, line.strip(), _not_text(line)))
    ids = [item.id for item in items]
    if len(set(ids)) != len(ids):
        raise InputError(f"{path}: question ids must be unique")
    return items


def _check_output(out_path: Path, in_path: Path) -> None:
    """A one-line error for an output path that cannot be written, before any work."""
    if out_path.is_dir():
        raise InputError(f"{out_path}: is a folder; give a file name, e.g. {out_path / 'a.jsonl'}")
    parent = out_path.parent
    if not parent.is_dir():
        raise InputError(f"{out_path}: no such folder {parent}")
    if out_path.exists() and out_path.resolve() == in_path.resolve():
        raise InputError(f"{out_path}: is the input file; write the answers to another file")


def _resume(out_path: Path) -> set[str]:
    """Ids already in an earlier run's output; a half-written last line is dropped."""
    if not out_path.exists():
        return set()
    try:
        lines = out_path.read_bytes().decode("utf-8", "replace").splitlines()
    except OSError as exc:
        raise InputError(f"{out_path}: cannot read ({exc.strerror or exc})") from None
    done: set[str] = set()
    kept = []
    for n, line in enumerate(lines, start=1):
        try:
            record = json.loads(line)
            done.add(str(record["id"]))
            kept.append(line)
        except (json.JSONDecodeError, KeyError, TypeError):
            if n < len(lines) and line.strip():
                # Not an interrupted write: this file is something else; do not rewrite it.
                raise InputError(
                    f"{out_path}: line {n} is not an answer record; "
                    "is it the output of an earlier batch? choose another -o"
                ) from None
    out_path.write_text("".join(k + "\n" for k in kept), encoding="utf-8")
    return done


def cmd_batch(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    in_path, out_path = Path(args.input), Path(args.output)
    _check_output(out_path, in_path)
    items = _read_questions(in_path)
    done = _resume(out_path)
    todo = [item for item in items if item.id not in done]
    a = open_assistant(args)
    mode_notice(a)
    failures = 0
    # Windows of questions go through ask_batch (concurrent LLM calls in LLM mode); each
    # finished window is flushed, so an interruption loses at most the window in flight.
    window = a.settings.llm_concurrency * 2 if a.mode == "llm" else 1
    try:
        # backslashreplace: a question's lone surrogate is written as its JSON escape.
        out = out_path.open("a", encoding="utf-8", errors="backslashreplace")
    except OSError as exc:
        raise InputError(f"{out_path}: cannot write ({exc.strerror or exc})") from None
    with out, tqdm(total=len(todo), desc="answering", unit="q", file=sys.stderr) as bar:
        for start in range(0, len(todo), window):
            part = todo[start : start + window]
            askable = [n for n, item in enumerate(part) if not item.error]
            try:
                asked = a.ask_batch([part[n].question for n in askable])
                answers = dict(zip(askable, asked, strict=True))
            except InputError:
                answers = {}  # one bad question: answer this window one by one
            for n, item in enumerate(part):
                try:
                    if item.error:
                        raise InputError(item.error)
                    answer = answers[n] if n in answers else a.ask(item.question)
                    record = {"id": item.id, **answer.to_dict()}
                except InputError as exc:
                    failures += 1
                    record = {
                        "id": item.id,
                        "line": item.line,
                        "question": item.question,
                        "error": str(exc),
                    }
                try:
                    out.write(json.dumps(record, ensure_ascii=False) + "\n")
                except OSError as exc:
                    raise InputError(f"{out_path}: cannot write ({exc.strerror or exc})") from None
            out.flush()
            bar.update(len(part))
    print(
        f"{len(todo)} answered ({len(done)} already done, {failures} with errors) -> {out_path}",
        file=sys.stderr,
    )
    return 0
