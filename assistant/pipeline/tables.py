"""The indicator table and the target/result tracks of the live reports, and the queries
over them (`TablesMixin`, part of `Assistant`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .. import lexicon
from ..answer.tracking import TrackAnswerer
from ..errors import DocumentNotFoundError, InputError, StoreLockedError
from ..indicator_store import IndicatorStore
from ..indicators import KINDS, extract
from ..question import names_region
from ..retrieve import Retriever
from ..store import ChromaStore
from ..tracking import build_pairs
from ..types import RESULT, TARGET, Indicator, TrackRecord


class TablesMixin:
    """`Assistant.indicators` and `Assistant.track`, and the cached tables the answerers read."""

    store: ChromaStore
    retriever: Retriever
    indicator_store: IndicatorStore
    tracker: TrackAnswerer
    _indicator_cache: tuple[tuple[tuple[str, str], ...], list[Indicator]] | None
    _track_cache: tuple[tuple[tuple[str, str], ...], list[TrackRecord]] | None

    def indicators(
        self,
        doc: str | Sequence[str] | None = None,
        year: int | None = None,
        kind: str | None = None,
        status: str | None = None,
        name: str | None = None,
    ) -> list[Indicator]:
        """The figures of the indexed reports, filtered.

        `doc`: a document id or several; `year`: the year a figure refers to; `kind`: level,
        growth, share or count, or result/target (the same as `status`); `name`: a substring
        of the indicator name or of the sentence it comes from.
        """
        if kind in (RESULT, TARGET):
            if status and status != kind:
                raise InputError(f"kind {kind!r} and status {status!r} contradict each other")
            kind, status = None, kind
        if kind is not None and kind not in KINDS:
            raise InputError(
                f"unknown kind {kind!r}: choose from {', '.join(KINDS)}, result, target"
            )
        if status is not None and status not in (RESULT, TARGET):
            raise InputError(f"unknown status {status!r}: choose result or target")
        docs = [doc] if isinstance(doc, str) else list(doc or [])
        live = self.store.live_hashes()
        records = self._live_indicators(live)
        if docs:
            unknown = set(docs) - set(live)
            if unknown:
                raise DocumentNotFoundError(f"no indexed document {sorted(unknown)[0]!r}")
        needle = lexicon.normalize(name) if name else ""
        return [
            r
            for r in records
            if (not docs or r.doc_id in docs)
            and (year is None or r.year == year)
            and (kind is None or r.kind == kind)
            and (status is None or r.status == status)
            and (not needle or needle in lexicon.normalize(f"{r.name} {r.sentence}"))
        ]

    def _live_indicators(self, live: dict[str, str] | None = None) -> list[Indicator]:
        """Records of the live documents (`live`: doc_id -> hash, read from the store when not
        given); tables missing for a live document (a store indexed before the indicator table
        existed, or by an older extractor) are built from its stored paragraphs, without
        embedding anything."""
        live = self.store.live_hashes() if live is None else live
        key = tuple(sorted(live.items()))
        if self._indicator_cache is not None and self._indicator_cache[0] == key:
            return self._indicator_cache[1]
        missing = self.indicator_store.missing(live)
        if missing:
            infos = {d.doc_id: d for d in self.store.documents()}
            built: dict[str, list[Indicator]] = {}
            for doc_id in missing:
                info = infos.get(doc_id)
                if info is None:
                    continue
                built[doc_id] = extract(
                    self.store.paragraphs(doc_id, live[doc_id]),
                    title=info.title,
                    region=info.region,
                    report_year=info.year,
                )
            try:
                with self.store.write_lock(timeout=5.0):
                    current = self.store.live_hashes()
                    for doc_id, records in built.items():
                        if current.get(doc_id) == live[doc_id]:
                            self.indicator_store.write(doc_id, live[doc_id], records)
            except StoreLockedError:
                # Another process is writing: answer from the records built here, store later.
                stored = self.indicator_store.records(live)
                return stored + [r for recs in built.values() for r in recs]
        records = self.indicator_store.records(live)
        self._indicator_cache = (key, records)
        return records

    def track(
        self,
        indicator: str | None = None,
        region: str | None = None,
        years: int | Iterable[int] | None = None,
    ) -> list[TrackRecord]:
        """Targets followed to their results: for each region, indicator and year, the target
        set in the plan of that year's report, the result stated in the next year's review,
        and a verdict (达到 / 未达到 / 无法判断). See assistant/tracking.py.

        `indicator`: any wording the synonym table knows (GDP, 国内生产总值, 物价…) or an
        indicator name; `region`: a place (全国, 安徽 for 安徽省); `years`: a year or several.
        """
        live = self.store.live_hashes()
        records = self._live_tracks(live)
        wanted = self.tracker.table.resolve(indicator) if indicator else None
        year_set = {years} if isinstance(years, int) else set(years) if years is not None else None
        return [
            r
            for r in records
            if (wanted is None or r.indicator in wanted)
            and (not region or r.region == region or names_region(region, r.region))
            and (year_set is None or r.year in year_set)
        ]

    def _live_tracks(self, live: dict[str, str] | None = None) -> list[TrackRecord]:
        """Every target/result pair of the live documents (kept until the reports change)."""
        live = self.store.live_hashes() if live is None else live
        key = tuple(sorted(live.items()))
        if self._track_cache is not None and self._track_cache[0] == key:
            return self._track_cache[1]
        records = self._live_indicators(live)
        self.retriever.refresh(wait=False)
        docs = self.retriever.documents
        pairs = build_pairs(
            records,
            {d: info.year for d, info in docs.items()},
            paragraph=self.retriever.paragraph,
            table=self.tracker.table,
        )
        self._track_cache = (key, pairs)
        return pairs
