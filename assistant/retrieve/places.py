"""Region matching: which indexed documents the places a question names refer to, for the
place preference of retrieval."""

from __future__ import annotations

from .. import lexicon
from ..types import DocumentInfo
from ..vocab import UNIT_CHARS


class _PlaceContext:
    """Which indexed documents the places of a question name, worked out once per question
    rather than once per candidate paragraph."""

    def __init__(self, intent: lexicon.QuestionIntent, docs: dict[str, DocumentInfo]) -> None:
        self.places = intent.places
        regions = {d.region for d in docs.values() if d.region}
        self._named = {r for r in regions if any(_same_place(p, r) for p in self.places)}
        self.named_anywhere = bool(self._named)

    def names(self, doc: DocumentInfo) -> bool:
        return doc.region in self._named


def _same_place(place: str, region: str) -> bool:
    """True when a question's place names this region (内江市 → 内江市, 市中区 → 内江市市中区)."""
    core = place.rstrip(UNIT_CHARS)
    if len(core) < 2:
        core = place
    return region == place or region.endswith(place) or region.rstrip(UNIT_CHARS).endswith(core)
