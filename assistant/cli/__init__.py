"""Command line: a thin shell over the Python API.

Library errors become a one-line message on stderr and a non-zero exit code; no tracebacks.

    parser.py    the subcommands and their options
    common.py    the Assistant over --store; answers and CSV exports written out
    commands.py  ingest, embed, ask, docs, delete, indicators, track
    batch.py     batch: many questions, resumable
    evaluate.py  eval
    serve.py     serve: the web UI (app.py runs it with the bundled reports)
"""

from __future__ import annotations

import logging
import os
import sys
import traceback
from collections.abc import Sequence

from ..config import Settings
from ..errors import AssistantError, redact, scrub
from .common import print_answer
from .parser import build_parser, subcommands

EXIT_USER_ERROR = 2

# `_print_answer`: the name earlier importers use.
_print_answer = print_answer

__all__ = ["EXIT_USER_ERROR", "build_parser", "main", "print_answer", "subcommands"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `assistant` command; returns its exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        return int(args.func(args))
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
