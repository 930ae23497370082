"""Command line: a thin shell over the Python API.

Library errors become a one-line message on stderr and a non-zero exit code; no tracebacks.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import sys
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .config import Settings
from .errors import AssistantError, InputError, redact, scrub
from .types import Answer, year_span

EXIT_USER_ERROR = 2


def _assistant(args: argparse.Namespace, create: bool = False):
    """The Assistant over --store; only `ingest` (create=True) makes a new store."""
    from .pipeline import Assistant

    settings = Settings.from_env(store_dir=args.store)
    return Assistant(settings=settings, rebuild=getattr(args, "rebuild", False), create=create)


def _mode_notice(a) -> None:
    if a.mode == "extractive":
        print("assistant: no OPENAI_API_KEY set: answering extractively", file=sys.stderr)


def _print_answer(ans: Answer, out=None) -> None:
    out = out or sys.stdout
    if ans.rewritten_question:
        print(f"问题（改写）：{ans.rewritten_question}", file=out)
    print(f"答：{ans.text}", file=out)
    for notice in ans.notices:
        print(f"注：{notice}", file=out)
    for n, c in enumerate(ans.citations, start=1):
        where = " › ".join(x for x in (c.title, c.section) if x)
        print(f"\n[{n}] {where} · 第{c.paragraph}段", file=out)
        print(f"    “{c.quote}”", file=out)
    if ans.related:
        print("\n相关内容（报告中与问题相近的表述，不是答案）：", file=out)
    for n, c in enumerate(ans.related, start=1):
        where = " › ".join(x for x in (c.title, c.section) if x)
        print(f"\n  相关{n}  {where} · 第{c.paragraph}段", file=out)
        print(f"    “{c.quote}”", file=out)


def cmd_ingest(args: argparse.Namespace) -> int:
    a = _assistant(args, create=True)

    def progress(done: int, total: int, doc_id: str) -> None:
        print(f"[{done}/{total}] {doc_id}", file=sys.stderr)

    report = a.ingest(args.paths, progress=progress, embed=False)
    for path, reason in report.failed:
        print(f"failed: {path}: {reason}", file=sys.stderr)
    if not args.no_embed:
        _embed(a, answerable=len(report.added) + len(report.updated))
    print(
        f"added {len(report.added)}, updated {len(report.updated)}, "
        f"unchanged {len(report.skipped)}, failed {len(report.failed)}"
    )
    waiting = len(a.pending())
    if waiting:
        print(
            f"{waiting} report(s) answerable by keyword search only until their vectors are "
            "computed: run `assistant embed`",
            file=sys.stderr,
        )
    return 1 if report.failed and not (report.added or report.updated or report.skipped) else 0


def cmd_embed(args: argparse.Namespace) -> int:
    a = _assistant(args)
    done = _embed(a, answerable=0)
    print(f"embedded {len(done)} report(s)")
    return 0


def _embed(a, answerable: int) -> list[str]:
    """Compute the vectors of every report indexed without them, with a progress bar on a
    terminal (a line per report otherwise). Ctrl-C stops it; the next run goes on from there."""
    from tqdm import tqdm

    waiting = a.pending()
    if not waiting:
        return []
    if answerable:
        print(
            f"{answerable} report(s) answerable now (keyword search); computing vectors for "
            f"{len(waiting)} report(s)",
            file=sys.stderr,
        )
    bars: dict[str, Any] = {}

    def step(doc_id: str, done: int, total: int) -> None:
        bar = bars.get(doc_id)
        if bar is None:
            bar = bars[doc_id] = tqdm(
                total=total, desc=doc_id, unit="text", file=sys.stderr, leave=False, disable=None
            )
        bar.update(done - bar.n)
        if done == total:
            bar.close()
            print(f"embedded {doc_id} ({total} texts)", file=sys.stderr)

    try:
        return a.embed_pending(progress=step)
    except KeyboardInterrupt:
        for bar in bars.values():
            bar.close()
        print(
            f"assistant: stopped computing vectors: {len(a.pending())} report(s) are "
            "answerable by keyword search only; `assistant embed` (or the same ingest) "
            "finishes them from where this stopped",
            file=sys.stderr,
        )
        raise


def cmd_ask(args: argparse.Namespace) -> int:
    a = _assistant(args)
    if not a.documents():
        raise InputError("the store is empty: run `assistant ingest data/` first")
    _mode_notice(a)
    ans = a.ask(args.question, documents=args.doc or None, year=args.year)
    if args.json:
        print(json.dumps(ans.to_dict(), ensure_ascii=False, indent=2))
    else:
        _print_answer(ans)
    return 0


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
    a = _assistant(args)
    _mode_notice(a)
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


def cmd_docs(args: argparse.Namespace) -> int:
    a = _assistant(args)
    docs = a.documents()
    embedding = a.embedding_progress() if any(not d.embedded for d in docs) else {}
    if args.json:
        rows = [
            {**d.to_dict(), "embedding": list(embedding[d.doc_id])}
            if d.doc_id in embedding
            else d.to_dict()
            for d in docs
        ]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    if not docs:
        print("no documents indexed")
    for d in docs:
        year = d.year or "-"
        review = f"review {year_span(d.review_years) or '-'}"
        plan = f"plan {year_span(d.plan_years) or '-'}"
        print(
            f"{d.doc_id}\t{d.title}\t{d.region or '-'}\t{d.level or '-'}\t{year}"
            f"\t{review}\t{plan}\t{d.paragraphs} paragraphs"
            + (_embedding_state(embedding.get(d.doc_id)) if not d.embedded else "")
        )
    return 0


def _embedding_state(progress: tuple[int, int] | None) -> str:
    done, total = progress or (0, 0)
    share = f" {done}/{total} texts" if total else ""
    return f"\tvectors:{share} (keyword search only until done)"


def cmd_delete(args: argparse.Namespace) -> int:
    _assistant(args).delete(args.doc_id)
    print(f"deleted {args.doc_id}")
    return 0


def _write_csv(path: Path, text: str, what: str) -> None:
    try:
        # utf-8-sig: spreadsheet programs then read the Chinese text correctly.
        path.write_text(text, encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(f"{path}: cannot write the CSV ({exc.strerror})") from None
    print(f"{what} -> {path}", file=sys.stderr)


def cmd_indicators(args: argparse.Namespace) -> int:
    from .indicators import to_csv

    a = _assistant(args)
    records = a.indicators(doc=args.doc or None, year=args.year, kind=args.kind, name=args.name)
    if args.csv:
        _write_csv(Path(args.csv), to_csv(records), f"{len(records)} figures")
        return 0
    if args.json:
        print(json.dumps([r.to_dict() for r in records], ensure_ascii=False, indent=2))
        return 0
    if not records:
        print("no figures match" if a.documents() else "no documents indexed")
    for r in records:
        print(
            f"{r.doc_id}\t第{r.paragraph}段\t{r.status_label}\t{r.kind}\t{r.name}\t{r.value_text}"
        )
    return 0


def cmd_track(args: argparse.Namespace) -> int:
    from .tracking import to_csv

    a = _assistant(args)
    records = a.track(args.indicator, region=args.region, years=args.year or None)
    if args.csv:
        _write_csv(Path(args.csv), to_csv(records), f"{len(records)} years")
        return 0
    if args.json:
        print(json.dumps([r.to_dict() for r in records], ensure_ascii=False, indent=2))
        return 0
    if not records:
        print("no targets match" if a.documents() else "no documents indexed")
    for r in records:
        target = r.target.stated if r.target else "—"
        result = r.result.stated if r.result else "—"
        print(f"{r.region}\t{r.indicator}\t{r.year}\t目标 {target}\t实际 {result}\t{r.verdict}")
        for label, side in (("目标", r.target), ("实际", r.result)):
            if side is not None:
                print(f"    {label}：{side.doc_id} 第{side.paragraph}段 “{side.sentence}”")
        if r.note:
            print(f"    {r.note}")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    import time

    from tqdm import tqdm

    from .evaluation import (
        judge_skip_reason,
        llm_skip_reason,
        parse_pipelines,
        run_eval,
        suite_summary,
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
        f"{time.perf_counter() - t0:.1f} s -> {result.report_md}, {result.report_json}",
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


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--store", metavar="DIR", help="index folder (default: $ASSISTANT_STORE_DIR)"
    )
    common.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    parser = argparse.ArgumentParser(
        prog="assistant", description="Ask questions about government work reports, with citations."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("ingest", parents=[common], help="index files or folders (idempotent)")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument(
        "--rebuild",
        action="store_true",
        help="drop every indexed report first, then index PATH (e.g. after changing the "
        "embedding model, or for a store written by a newer version)",
    )
    p.add_argument(
        "--no-embed",
        action="store_true",
        help="index only (answerable by keyword search at once); compute the vectors later "
        "with `assistant embed` (or in the web app)",
    )
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser(
        "embed",
        parents=[common],
        help="compute the vectors of reports indexed without them (resumable)",
    )
    p.set_defaults(func=cmd_embed)

    p = sub.add_parser("ask", parents=[common], help="answer one question, with citations")
    p.add_argument("question")
    p.add_argument("--json", action="store_true", help="print the answer as JSON")
    p.add_argument(
        "--doc", action="append", metavar="DOC_ID", help="only this document (repeatable)"
    )
    p.add_argument("--year", type=int, help="only reports of this year")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("batch", parents=[common], help="answer many questions; resumable")
    p.add_argument("input", metavar="IN", help="questions: .jsonl, .csv (question column) or .txt")
    p.add_argument("-o", "--output", required=True, metavar="OUT.jsonl")
    p.set_defaults(func=cmd_batch)

    p = sub.add_parser("docs", parents=[common], help="list indexed documents")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_docs)

    p = sub.add_parser("delete", parents=[common], help="remove a document from the index")
    p.add_argument("doc_id")
    p.set_defaults(func=cmd_delete)

    p = sub.add_parser(
        "indicators", parents=[common], help="list or export the figures of the indexed reports"
    )
    p.add_argument(
        "--doc", action="append", metavar="DOC_ID", help="only this document (repeatable)"
    )
    p.add_argument("--year", type=int, help="only figures for this year")
    p.add_argument(
        "--kind",
        metavar="KIND",
        help="target or result; or level, growth, share, count",
    )
    p.add_argument("--name", metavar="TEXT", help="indicator name or sentence contains TEXT")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--csv", metavar="OUT", help="write the figures to a CSV file")
    out.add_argument("--json", action="store_true", help="print the figures as JSON")
    p.set_defaults(func=cmd_indicators)

    p = sub.add_parser(
        "track",
        parents=[common],
        help="follow each target to its result in the next year's report",
        description="For each region, indicator and year: the target set in the plan of that "
        "year's report, the result stated in the next year's review, both cited, and whether "
        "the target was met (达到 / 未达到 / 无法判断).",
    )
    p.add_argument(
        "indicator",
        nargs="?",
        help="e.g. 国内生产总值, GDP, 居民消费价格, 城镇新增就业 (default: all)",
    )
    p.add_argument("--region", metavar="R", help="e.g. 全国, 安徽省 (default: every region)")
    p.add_argument(
        "--year", type=int, action="append", metavar="Y", help="only this year (repeatable)"
    )
    out = p.add_mutually_exclusive_group()
    out.add_argument("--csv", metavar="OUT", help="write the table to a CSV file")
    out.add_argument("--json", action="store_true", help="print the records as JSON")
    p.set_defaults(func=cmd_track)

    p = sub.add_parser(
        "eval",
        help="score the assistant on its QA sets (indexes each corpus into a temporary store)",
        description="Ask every question of a QA set through the API, score the answers and write "
        "report.md and report.json. By default two suites run, each over its own corpus and "
        "gated on its own minimums: bundled (eval/qa.jsonl over data/) and corpus "
        "(eval/qa_corpus.jsonl over eval/corpus/). Pipelines: default (hybrid), dense, bm25, "
        "naive (a LangChain tutorial baseline), llm (needs OPENAI_API_KEY).",
    )
    p.add_argument(
        "--suite",
        metavar="NAME",
        help="run these suites only: bundled, corpus or both comma-separated (default: all); "
        "with one suite, --qa and --corpus replace its files",
    )
    p.add_argument(
        "--qa",
        metavar="FILE",
        help="QA set, JSON lines; without --suite, runs this one QA set (default: both suites)",
    )
    p.add_argument(
        "--corpus",
        metavar="DIR",
        help="reports to index; without --suite, runs one QA set over them (default: data/)",
    )
    which = p.add_mutually_exclusive_group()
    which.add_argument(
        "--pipeline", default="default", metavar="NAME", help="what answers (default: default)"
    )
    which.add_argument(
        "--compare", metavar="LIST", help="run these pipelines and compare, e.g. default,naive"
    )
    p.add_argument("--report", metavar="DIR", help="report folder (default: eval/out/)")
    p.add_argument(
        "--gate",
        action="store_true",
        help="exit 1 if a figure of the default pipeline (or of the one --pipeline names) is "
        "below its minimum in the thresholds file, in any suite",
    )
    p.add_argument(
        "--thresholds", metavar="FILE", help="minimums for --gate (default: eval/thresholds.json)"
    )
    p.add_argument(
        "--llm", action="store_true", help="evaluate LLM answers (skipped without OPENAI_API_KEY)"
    )
    p.add_argument(
        "--judge",
        action="store_true",
        help="ask the LLM whether answers that miss must_include state the same fact as the gold "
        "answer; adds judged accuracy to the report, the gate stays strict (skipped without "
        "OPENAI_API_KEY)",
    )
    p.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    p.set_defaults(func=cmd_eval)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        return args.func(args)
    except AssistantError as exc:
        print(f"assistant: error: {redact(str(exc), _secrets(), limit=None)}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("assistant: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        # A bug or an error nobody turned into a message: still one line, still no key; the
        # traceback (redacted too) with -v.
        if args.verbose:
            print(scrub(traceback.format_exc(), _secrets()), file=sys.stderr, end="")
        detail = redact(f"{type(exc).__name__}: {exc}", _secrets())
        hint = "" if args.verbose else " (run with -v for the traceback)"
        print(f"assistant: unexpected error: {detail}{hint}", file=sys.stderr)
        return 1


def _secrets() -> list[str]:
    """Values that must never be printed (the API key)."""
    try:
        key = Settings.from_env().openai_api_key
    except AssistantError:
        return []
    return [key] if key else []


if __name__ == "__main__":
    sys.exit(main())
