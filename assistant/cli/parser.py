"""The command line's parser: one subcommand per job, each with its options and help."""

from __future__ import annotations

import argparse
from typing import Any

from . import serve
from .batch import cmd_batch
from .commands import (
    cmd_ask,
    cmd_delete,
    cmd_docs,
    cmd_embed,
    cmd_indicators,
    cmd_ingest,
    cmd_track,
)
from .evaluate import cmd_eval

Subparsers = Any  # argparse's subparsers action (a private class)


def build_parser() -> argparse.ArgumentParser:
    """The `assistant` parser; each subcommand sets `func`, the function that runs it."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--store", metavar="DIR", help="index folder (default: $ASSISTANT_STORE_DIR)"
    )
    common.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    parser = argparse.ArgumentParser(
        prog="assistant", description="Ask questions about government work reports, with citations."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in (
        _index_commands,
        _answer_commands,
        _listing_commands,
        _eval_command,
        _serve_command,
    ):
        add(sub, common)
    return parser


def subcommands(parser: argparse.ArgumentParser) -> list[str]:
    """The names of `parser`'s subcommands, in the order of its help."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return list(action.choices)
    return []


def _index_commands(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    """ingest, embed: reports indexed, then their vectors computed."""
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


def _answer_commands(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    """ask, batch: questions answered with citations."""
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


def _listing_commands(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    """docs, delete, indicators, track: what is indexed, its figures, targets and results."""
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


def _eval_command(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    """eval: the QA suites scored, with a report and a gate."""
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


def _serve_command(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    """serve: the web UI."""
    p = sub.add_parser(
        "serve",
        parents=[common],
        help="start the web UI over the store (python app.py: the same, with the bundled reports)",
    )
    serve.add_arguments(p)
    p.set_defaults(func=serve.cmd_serve)
