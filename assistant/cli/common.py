"""What every command shares: the Assistant over --store, and how answers, notices and CSV
exports are written (results on stdout; progress and notices on stderr)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from ..config import Settings
from ..errors import InputError
from ..types import Answer

if TYPE_CHECKING:
    from ..pipeline import Assistant


def open_assistant(args: argparse.Namespace, create: bool = False) -> Assistant:
    """The Assistant over --store; only `ingest` (create=True) makes a new store."""
    from ..pipeline import Assistant

    settings = Settings.from_env(store_dir=args.store)
    return Assistant(settings=settings, rebuild=getattr(args, "rebuild", False), create=create)


def mode_notice(a: Assistant) -> None:
    """Say on stderr that answers are extractive when no LLM is configured."""
    if a.mode == "extractive":
        print("assistant: no OPENAI_API_KEY set: answering extractively", file=sys.stderr)


def print_answer(ans: Answer, out: TextIO | None = None) -> None:
    """An answer as text: the answer, its notices, then each citation with its quote."""
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


def write_csv(path: Path, text: str, what: str) -> None:
    try:
        # utf-8-sig: spreadsheet programs then read the Chinese text correctly.
        path.write_text(text, encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(f"{path}: cannot write the CSV ({exc.strerror})") from None
    print(f"{what} -> {path}", file=sys.stderr)
