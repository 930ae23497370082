"""Re-deriving the metadata of stored reports under a newer detector, from their stored
paragraphs and with their stored vectors (`RederiveMixin`, part of `Assistant`)."""

from __future__ import annotations

import logging
from collections import Counter

from ..errors import StoreLockedError
from ..indicator_store import IndicatorStore
from ..indicators import extract_report
from ..ingest import structure
from ..ingest.report import build_report
from ..store import ChromaStore, StoredGeneration, Unit
from ..types import Report
from .embedding import _Embedded
from .units import report_units

log = logging.getLogger("assistant")


class RederiveMixin:
    """`Assistant.rederive_metadata`, run when a store is opened."""

    store: ChromaStore
    indicator_store: IndicatorStore

    def _store_report(self, report: Report, embedded: _Embedded) -> None:
        """Write an embedded report and its figures (under the write lock)."""
        # The figures go in before the document record makes this generation live.
        self.indicator_store.write(report.doc_id, report.content_hash, extract_report(report))
        self.store.write_report(
            report,
            paragraph_vectors=embedded.paragraph_vectors,
            units=embedded.units,
            title_vector=embedded.title_vector,
        )
        self.indicator_store.delete(report.doc_id, keep_hash=report.content_hash)

    def rederive_metadata(self, lock_timeout: float = 5.0) -> list[str]:
        """Re-derive the metadata and structure (region, level, years, sections, periods) of
        stored reports that an older detector read, from their stored paragraphs, and store
        them again with their stored vectors: nothing is embedded. Runs when the assistant
        opens a store; returns the ids of the documents updated.

        A report whose paragraphs or retrieval units would come out differently (a changed
        parser), or would come out the same, is left as it is (ingesting its file again
        re-indexes it) and noted in the store, so later openings do not read it again for this
        detector. When another process is writing the store, nothing is done now; the next
        opening tries again.
        """
        current = structure.DETECTOR_VERSION
        # A report still waiting for its vectors is re-derived once it has them; one found
        # not re-derivable is not read again until it changes.
        kept = self.store.not_rederivable(current)
        embedded = {
            d.doc_id
            for d in self.store.documents()
            if d.embedded and (d.doc_id, d.content_hash) not in kept
        }
        stale = sorted(
            d for d, v in self.store.detector_versions().items() if v != current and d in embedded
        )
        if not stale:
            return []
        done: list[str] = []
        try:
            with self.store.write_lock(timeout=lock_timeout):
                live = self.store.live_hashes()
                refused = {(d, h) for d, h in live.items() if (d, h) in kept}
                for doc_id in stale:
                    if doc_id not in live:
                        continue
                    if self._rederive(self.store.stored_generation(doc_id, live[doc_id])):
                        done.append(doc_id)
                    else:
                        refused.add((doc_id, live[doc_id]))
                if refused != kept:
                    self.store.note_not_rederivable(current, refused)
        except StoreLockedError:
            log.info("store is being written; stored reports' metadata is re-derived later")
        if done:
            log.info("re-derived the metadata of %d stored report(s)", len(done))
        return done

    def _rederive(self, stored: StoredGeneration) -> bool:
        text = "\n".join(p.text for p in stored.paragraphs)
        record = stored.record
        report = build_report(
            text,
            stored.doc_id,
            title_hint=str(record.get("title_hint", "")),
            source=str(record.get("source", "")),
        )
        if report.content_hash == stored.doc_hash:
            return False
        vectors = {(u.paragraph, u.sentence, u.text): u.vector for u in stored.units}
        wanted = report_units(report)
        if (
            Counter(wanted) != Counter((u.paragraph, u.sentence, u.text) for u in stored.units)
            or [p.number for p in report.paragraphs] != [p.number for p in stored.paragraphs]
            or [p.is_heading for p in report.paragraphs]
            != [p.is_heading for p in stored.paragraphs]
        ):
            log.info("%s: paragraphs would change; ingest it again to re-index", stored.doc_id)
            return False
        # The title's vector is kept even when the title changes: retrieval never uses it.
        self._store_report(
            report,
            _Embedded(
                paragraph_vectors=list(stored.paragraph_vectors),
                units=[Unit(p, s, t, vectors[(p, s, t)]) for p, s, t in wanted],
                title_vector=stored.title_vector,
            ),
        )
        return True
