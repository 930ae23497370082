"""Indexing: files and folders read, parsed, their figures extracted, and written to the
store without vectors (`IndexingMixin`, part of `Assistant`)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from ..errors import InputError, LoadError
from ..indicator_store import IndicatorStore
from ..indicators import extract_report
from ..ingest.clean import clean_text
from ..ingest.loaders import load_file
from ..ingest.report import build_report
from ..types import IngestReport, Report, SourceText
from .embedding import EmbeddingMixin
from .units import report_units

# The longest real reports have about 260 paragraphs and 700 units; these are 40-80 times
# that, and keep an accepted file's records within memory and hours of embedding.
MAX_PARAGRAPHS = 20_000
MAX_UNITS = 40_000


def _folder_files(folder: Path) -> tuple[list[Path], list[tuple[str, str]]]:
    """The files under `folder` (hidden ones skipped), in order, and the symbolic links that
    lead out of it, each with the reason it is not followed.

    A link whose target is inside the folder is read (a link to a folder is not entered: what
    it holds is reached by its own path).
    """
    root = folder.resolve()
    files: list[Path] = []
    refused: list[tuple[str, str]] = []

    def leaves(entry: Path) -> bool:
        target = entry.resolve()
        if target == root or root in target.parents:
            return False
        kind = "folder" if target.is_dir() else "file"
        refused.append(
            (str(entry), f"not followed: a link to a {kind} outside {folder} ({target})")
        )
        return True

    for here, dirs, names in os.walk(folder):  # does not enter links to folders
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in dirs:
            if (Path(here) / name).is_symlink():
                leaves(Path(here) / name)
        for name in names:
            entry = Path(here) / name
            if name.startswith(".") or (entry.is_symlink() and leaves(entry)):
                continue
            if entry.is_file():
                files.append(entry)
    return sorted(files), refused


class IndexingMixin(EmbeddingMixin):
    """`Assistant.ingest` and `Assistant.ingest_texts`: reports indexed without vectors,
    which `EmbeddingMixin` then computes."""

    indicator_store: IndicatorStore

    def ingest(
        self,
        paths: Iterable[str | Path] | str | Path,
        progress=None,
        embed: bool = True,
        embed_progress=None,
    ) -> IngestReport:
        """Index files and folders (recursively); unchanged documents are skipped.

        `progress(n, total, doc_id)` is called as each file is indexed. The reports are
        answerable (by keyword search and the indicator table) as soon as they are indexed;
        their vectors are computed next (`embed_progress(doc_id, done, total)` after each
        batch), or later by `embed_pending` / `embed_in_background` when `embed` is False.
        """
        if isinstance(paths, (str, Path)):
            paths = [paths]
        files: list[Path] = []
        failed: list[tuple[str, str]] = []
        for raw in paths:
            path = Path(raw)
            if path.is_dir():
                # Unsupported files are passed on too, so the report names them with the reason.
                found, refused = _folder_files(path)
                files.extend(found)
                failed.extend(refused)
            elif path.exists():
                files.append(path)
            else:
                failed.append((str(path), "no such file or folder"))
        sources: list[SourceText] = []
        for f in files:
            try:
                sources.append(load_file(f))
            except LoadError as exc:
                failed.append((str(f), exc.reason))
        report = self._index_sources(
            sources, progress=progress, embed=embed, embed_progress=embed_progress
        )
        return IngestReport(
            added=report.added,
            updated=report.updated,
            skipped=report.skipped,
            failed=tuple(failed) + report.failed,
        )

    def ingest_texts(
        self, items: Sequence[dict[str, Any]], progress=None, embed: bool = True
    ) -> IngestReport:
        """Index documents given as dicts with `id`, `text` and optional `title` (`embed` as
        in `ingest`)."""
        sources = []
        for item in items:
            if (
                not isinstance(item, dict)
                or not item.get("id")
                or not isinstance(item.get("text"), str)
            ):
                raise InputError("each document needs an 'id' and a 'text'")
            sources.append(
                SourceText(
                    text=item["text"],
                    source=str(item["id"]),
                    format="text",
                    title=str(item.get("title") or ""),
                )
            )
        return self._index_sources(sources, progress=progress, embed=embed)

    def _index_sources(
        self, sources: Sequence[SourceText], progress=None, embed: bool = True, embed_progress=None
    ) -> IngestReport:
        """Index reports in two steps. First each is parsed, its figures extracted, and it is
        written without vectors: from then on it is answered from (keyword search, the
        indicator table, citations). Then, unless `embed` is False, `embed_pending` computes
        the vectors of every report still without them. The write lock is held only to write,
        so other writers (a delete, another upload) wait seconds, not for the embedding."""
        added: list[str] = []
        updated: list[str] = []
        skipped: list[str] = []
        failed: list[tuple[str, str]] = []
        live = self.store.live_hashes()
        collected = False
        seen: dict[str, str] = {}
        for n, src in enumerate(sources):
            doc_id = Path(src.source).name if src.format != "text" else src.source
            if doc_id in seen:
                # Document ids are file names: a second file of that name would replace it.
                failed.append((src.source, f"same document id {doc_id!r} as {seen[doc_id]}"))
                continue
            seen[doc_id] = src.source
            try:
                report = self._parse(src, doc_id)
            except LoadError as exc:
                failed.append((src.source, exc.reason))
                continue
            if live.get(doc_id) == report.content_hash:
                skipped.append(doc_id)
            else:
                units = report_units(report)
                figures = extract_report(report)
                with self.store.write_lock():
                    if not collected:
                        # Records an interrupted write left behind; only a writer may tell.
                        self.store.collect_garbage()
                        collected = True
                    live = self.store.live_hashes()  # another writer may have been first
                    if live.get(doc_id) == report.content_hash:
                        skipped.append(doc_id)
                    else:
                        # The figures go in before the record makes this generation live.
                        self.indicator_store.write(doc_id, report.content_hash, figures)
                        self.store.write_pending(report, units)
                        self.indicator_store.delete(doc_id, keep_hash=report.content_hash)
                        (updated if doc_id in live else added).append(doc_id)
            if progress is not None:
                progress(n + 1, len(sources), doc_id)
        if added or updated:
            # Tokenize the new units here, not in the next question (which, like any asked
            # meanwhile, answers from the reports before this ingest until this is done).
            self.retriever.refresh()
        if embed:
            self.embed_pending(progress=embed_progress)
        return IngestReport(tuple(added), tuple(updated), tuple(skipped), tuple(failed))

    @staticmethod
    def _parse(src: SourceText, doc_id: str) -> Report:
        text = clean_text(src.text)
        if not text.strip():
            raise LoadError(src.source, "no text left after removing page boilerplate")
        report = build_report(
            text, doc_id, title_hint=src.title, filename=Path(src.source).name, source=src.source
        )
        # Within the text limit, one-character lines or sentences would make hundreds of
        # thousands of records: hours of embedding for no report.
        if len(report.paragraphs) > MAX_PARAGRAPHS:
            raise LoadError(
                src.source,
                f"too many paragraphs for one report ({len(report.paragraphs):,}; "
                f"the limit is {MAX_PARAGRAPHS:,})",
            )
        units = len(report_units(report))
        if units > MAX_UNITS:
            raise LoadError(
                src.source,
                f"too many sentences for one report ({units:,} units; the limit is {MAX_UNITS:,})",
            )
        return report
