"""The commands over an index: ingest, embed, ask, docs, delete, indicators, track."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from ..types import year_span
from .common import mode_notice, open_assistant, print_answer, write_csv

if TYPE_CHECKING:
    from ..pipeline import Assistant


def cmd_ingest(args: argparse.Namespace) -> int:
    a = open_assistant(args, create=True)

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
    a = open_assistant(args)
    done = _embed(a, answerable=0)
    print(f"embedded {len(done)} report(s)")
    return 0


def _embed(a: Assistant, answerable: int) -> list[str]:
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
    a = open_assistant(args)
    if not a.documents():
        raise InputError("the store is empty: run `assistant ingest data/` first")
    mode_notice(a)
    ans = a.ask(args.question, documents=args.doc or None, year=args.year)
    if args.json:
        print(json.dumps(ans.to_dict(), ensure_ascii=False, indent=2))
    else:
        print_answer(ans)
    return 0


def cmd_docs(args: argparse.Namespace) -> int:
    a = open_assistant(args)
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
            f"\t{review}\t{plan}\t{d.delivered_by or '-'}\t{d.paragraphs} paragraphs"
            + (_embedding_state(embedding.get(d.doc_id)) if not d.embedded else "")
        )
    return 0


def _embedding_state(progress: tuple[int, int] | None) -> str:
    done, total = progress or (0, 0)
    share = f" {done}/{total} texts" if total else ""
    return f"\tvectors:{share} (keyword search only until done)"


def cmd_delete(args: argparse.Namespace) -> int:
    open_assistant(args).delete(args.doc_id)
    print(f"deleted {args.doc_id}")
    return 0


def _exported(args: argparse.Namespace, records: Sequence[Any], to_csv: Any, what: str) -> bool:
    """Write `records` as --csv or print them as --json when asked; False when neither was."""
    if args.csv:
        write_csv(Path(args.csv), to_csv(records), f"{len(records)} {what}")
        return True
    if args.json:
        print(json.dumps([r.to_dict() for r in records], ensure_ascii=False, indent=2))
        return True
    return False


def cmd_indicators(args: argparse.Namespace) -> int:
    from ..indicators import rank_by_name, to_csv

    a = open_assistant(args)
    records = a.indicators(doc=args.doc or None, year=args.year, kind=args.kind, name=args.name)
    # Ranked as the UI's indicator search ranks them: the exact name first.
    records = rank_by_name(records, args.name or "")
    if _exported(args, records, to_csv, "figures"):
        return 0
    if not records:
        print("no figures match" if a.documents() else "no documents indexed")
    for r in records:
        print(
            f"{r.doc_id}\t第{r.paragraph}段\t{r.status_label}\t{r.kind}\t{r.name}\t{r.value_text}"
        )
    return 0


def cmd_track(args: argparse.Namespace) -> int:
    from ..tracking import to_csv

    a = open_assistant(args)
    records = a.track(args.indicator, region=args.region, years=args.year or None)
    if _exported(args, records, to_csv, "years"):
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
