"""Questions that ask for two things at once: "市中区今年的目标和全市去年的实绩各是多少？".

Such a question names two places (documents) or two periods. It is split into one standalone
sub-question per place/period, each carrying the shared topic words, so each part is retrieved
and answered on its own and the answer gives both figures side by side with a citation each.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from ..question import NATIONAL, region_core
from ..vocab import (
    CITY_UNITS,
    COUNTY_UNITS,
    LAST_YEAR_WORDS,
    NATIONAL_NAMES,
    THIS_YEAR_WORDS,
    alternation,
)

_NATIONAL_NAMES = NATIONAL_NAMES

# Which of two periods a question part asks, and the period words left out of the topic it
# shares with the other part.
_PLAN_WORDS = (*THIS_YEAR_WORDS, "目标", "计划", "预期")
_REVIEW_WORDS = (*LAST_YEAR_WORDS, "实际", "实绩", "完成了", "实现了")
_PLAN = re.compile(alternation(_PLAN_WORDS))
_REVIEW = re.compile(alternation(_REVIEW_WORDS))
_PERIOD_WORDS = re.compile(
    r"(?:19|20)\d{2}年|"
    + alternation(
        (*THIS_YEAR_WORDS, *LAST_YEAR_WORDS, "目标", "计划", "预期", "实际", "实绩", "完成", "实现")
    )
)
# 内江市市中区: a county-level unit inside a prefecture.
_INNER_REGION = re.compile(f"^(.+?[{''.join(CITY_UNITS)}])(.+[{''.join(COUNTY_UNITS)}市])$")
_SEPARATORS = re.compile(r"[？?；;，,。]|和|与|以及|及|跟|而")


@dataclass(frozen=True)
class SubQuestion:
    text: str
    label: str  # shown before this part of the answer, e.g. "市中区" or "2023年"
    documents: tuple[str, ...] = ()  # restrict retrieval to these documents (empty: all)


def _place_mentions(question: str, regions: dict[str, str]) -> list[tuple[int, str, str, str]]:
    """(position, doc_id, label, text) of each place in the question naming one document."""
    found: list[tuple[int, str, str, str]] = []
    for doc_id, region in regions.items():
        if not region:
            continue
        names = {region}
        if region == NATIONAL:
            names |= set(_NATIONAL_NAMES)
        elif len(region_core(region)) >= 2 and region_core(region) != region:
            names.add(region_core(region))  # 安徽 for 安徽省, 宁夏 for 宁夏回族自治区
        # 内江市市中区 -> also 市中区; 内江市 -> also 内江 (when no other region contains it)
        split = _INNER_REGION.match(region)
        if split:
            names.add(split.group(2))
        for name in list(names):
            for m in re.finditer(re.escape(name), question):
                found.append((m.start(), doc_id, name, name))
    # City-level words (全市) name the document whose region is a 市 and contains no district.
    cities = [d for d, r in regions.items() if r.endswith("市")]
    if len(cities) == 1:
        city = regions[cities[0]]
        pattern = (
            rf"{re.escape(city[:-1])}(?:全市|市(?![\u4e00-\u9fff]{{1,3}}区))?|全市|市级|市本级"
        )
        for m in re.finditer(pattern, question):
            found.append((m.start(), cities[0], city, m.group(0)))
    # Keep the longest mention at each place; drop mentions inside a longer one.
    found.sort(key=lambda t: (t[0], -len(t[3])))
    out: list[tuple[int, str, str, str]] = []
    end, kept = -1, (-1, "")
    for pos, doc_id, label, text in found:
        if pos >= end or (pos, text) == kept:  # every report of a place named here
            out.append((pos, doc_id, label, text))
            end, kept = max(end, pos + len(text)), (pos, text)
    return out


def _segments(question: str, starts: list[int]) -> list[str]:
    """Cut the question at separators just before each anchor position after the first."""
    cuts = [0]
    for s in starts[1:]:
        seps = [m.end() for m in _SEPARATORS.finditer(question, 0, s)]
        cut = max((x for x in seps if x > cuts[-1]), default=s)
        cuts.append(cut)
    cuts.append(len(question))
    return [question[a:b] for a, b in itertools.pairwise(cuts) if question[a:b].strip()]


def _topic(text: str, places: list[str], keep_period: bool = False) -> str:
    for p in sorted(places, key=len, reverse=True):
        text = text.replace(p, "")
    if not keep_period:
        text = _PERIOD_WORDS.sub("", text)
    return re.sub(r"[？?；;，,。]|分别|各是|各为|各自|和|与", " ", text).strip()


def split_question(question: str, regions: dict[str, str]) -> list[SubQuestion]:
    """Sub-questions of a two-part question; [] when it asks for one thing."""
    mentions = _place_mentions(question, regions)
    # Several reports of one place (its reports of several years) count as one place.
    docs_of: dict[str, list[str]] = {}
    for _, doc_id, _, _ in mentions:
        docs_of.setdefault(regions[doc_id], []).append(doc_id)
    places_in_order = list(docs_of)
    docs_in_order = list(dict.fromkeys(m[1] for m in mentions))
    if len(places_in_order) >= 2:
        firsts = [next(m for m in mentions if regions[m[1]] == r) for r in places_in_order]
        parts = _segments(question, [m[0] for m in firsts])
        if len(parts) != len(firsts):
            return []
        labels = [m[2] for m in firsts]
        all_places = [m[3] for m in mentions]
        out = []
        for i, (part, (_, doc_id, label, _)) in enumerate(zip(parts, firsts, strict=True)):
            # A part without its own period ("内江市和市中区今年的目标") shares the others'.
            keep = not _PERIOD_WORDS.search(part)
            others = " ".join(_topic(p, all_places, keep) for j, p in enumerate(parts) if j != i)
            docs = tuple(dict.fromkeys(docs_of[regions[doc_id]]))
            out.append(SubQuestion(f"{part} {others}".strip(), label, docs))
        return out if len(set(labels)) == len(labels) else []
    # One place, two periods: "今年粮食产量目标和去年实绩各是多少？"
    plan = [m.start() for m in _PLAN.finditer(question)]
    review = [m.start() for m in _REVIEW.finditer(question)]
    if plan and review:
        order = sorted([(plan[0], "plan"), (review[0], "review")])
        parts = _segments(question, [p for p, _ in order])
        if len(parts) != 2:
            return []
        docs = tuple(docs_in_order)
        out = []
        for i, (part, (_, kind)) in enumerate(zip(parts, order, strict=True)):
            other = _topic(parts[1 - i], [m[3] for m in mentions])
            label = "目标" if kind == "plan" else "实绩"
            out.append(SubQuestion(f"{part} {other}".strip(), label, docs))
        return out
    return []


def documents_named(question: str, regions: dict[str, str]) -> list[str]:
    """Documents whose place the question names (市中区, 内江全市…), in order of mention."""
    return list(dict.fromkeys(m[1] for m in _place_mentions(question, regions)))
