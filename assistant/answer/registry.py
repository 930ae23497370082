"""The answerers the Assistant asks, in order: the first answer wins.

A new kind of answer is a class with `answer(plan, context)` (see `base.Answerer`) in a module of
its own, and one line in ANSWERERS below, placed where it should be asked. The extractive
answerer comes last: it always answers (or abstains).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from ..embeddings import UNCALIBRATED, Calibration
from ..tracking import TrackTable
from .base import Answerer
from .delivery import DeliveryAnswerer
from .extractive import ExtractiveAnswerer, ExtractiveConfig
from .figures import FigureAnswerer
from .lists import ListAnswerer
from .sections import SectionAnswerer
from .tracking import TrackAnswerer


@dataclass(frozen=True)
class AnswererOptions:
    """What the Assistant gives every answerer factory."""

    # How to read the similarities of the Assistant's embedder (`embeddings.calibration_of`).
    calibration: Calibration = UNCALIBRATED
    extractive: ExtractiveConfig | None = None
    tracks: TrackTable | None = None  # the indicator synonym table of target tracking


@dataclass(frozen=True)
class AnswererEntry:
    """One kind of answer: its name, its factory, and whether it answers from the indicator
    table (left out when the Assistant answers through retrieval alone)."""

    name: str
    build: Callable[[AnswererOptions], Answerer]
    from_indicators: bool = False


ANSWERERS: tuple[AnswererEntry, ...] = (
    AnswererEntry("delivery", lambda o: DeliveryAnswerer()),
    AnswererEntry("section", lambda o: SectionAnswerer()),
    AnswererEntry("tracking", lambda o: TrackAnswerer(o.tracks), from_indicators=True),
    AnswererEntry("figures", lambda o: FigureAnswerer(), from_indicators=True),
    AnswererEntry("lists", lambda o: ListAnswerer(o.extractive, o.calibration)),
    AnswererEntry("extractive", lambda o: ExtractiveAnswerer(o.extractive, o.calibration)),
)


def default_answerers(
    options: AnswererOptions | None = None, *, indicators: bool = True
) -> list[Answerer]:
    """A new answerer of every entry of ANSWERERS, in order (without those answering from the
    indicator table when `indicators` is False)."""
    options = options or AnswererOptions()
    return [e.build(options) for e in ANSWERERS if indicators or not e.from_indicators]


A = TypeVar("A")


def find_answerer(answerers: Sequence[Answerer], kind: type[A]) -> A:
    """The first answerer of class `kind` among `answerers`; LookupError when there is none."""
    for answerer in answerers:
        if isinstance(answerer, kind):
            return answerer
    raise LookupError(f"no {kind.__name__} among the answerers")
