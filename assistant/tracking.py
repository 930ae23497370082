"""目标与实绩: each target of a year followed to the result for that year (pure, no I/O).

A report delivered in year Y sets targets for Y in its plan (国内生产总值增长5.5%左右); the
report delivered in Y+1 states the results for Y in its review (增长3%). `build_pairs` lines
them up by region and indicator from the indicator records of the reports:

- names: a figure's name is cleaned (今年, 把, 预期目标… are dropped) and looked up in the
  synonym table `resources/track_indicators.json` (国内生产总值 / GDP / 经济增长 / 地区生产总值 are
  one indicator), separately for rates (%, 个百分点) and amounts, so GDP growth and the GDP
  total are two indicators. A name the table does not know is followed under its cleaned name.
  Figures over several years (年均, 累计, 五年, 一直…) are not one year's target or result.
- sides: the target is the first figure of the indicator in the plan of the report of year Y
  about year Y; the result the first one in the report of Y+1 about year Y. A sentence in a plan
  that speaks of the past year (过去一年…, 去年…, and the sentences after it until one turns to
  the plan) states results; a review of five years gives a result of one year only where the
  sentence names that year (2012年…, 去年…).
- verdict (`judge`): from the target's qualifier. A floor (以上, 不低于, 超过…) is met by a
  result at or above it, a ceiling (以内, 不超过, 低于…) by one at or below it, a range
  (6%－6.5%) by one inside it or on the better side. An approximate target (左右, 约, or none)
  is met by a result no more than the table's tolerance (0.1 percentage point; 2% of an
  amount) on the worse side, where the better side is the indicator's (higher for growth,
  jobs and harvests, lower for prices, unemployment and deficits); for an indicator without a
  direction only a result within the tolerance decides. A decrease (能耗下降3%以上) is judged on
  its size. Different units, or a missing side, are 无法判断.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from .types import (
    MET,
    NOT_MET,
    RESULT,
    TARGET,
    UNDECIDED,
    Indicator,
    Paragraph,
    TrackRecord,
    TrackSide,
)
from .vocab import (
    CEILING_WORDS,
    FLOOR_WORDS,
    MAGNITUDES,
    PAST_YEAR_OPENINGS,
    PLAN_TURN_CUES,
    RATE_UNITS,
    alternation,
)

RATE, AMOUNT = "rate", "amount"
HIGHER, LOWER = "higher", "lower"
_RATE_UNITS = RATE_UNITS
_FLOOR = FLOOR_WORDS
_CEILING = CEILING_WORDS
_RANGE = re.compile(r"^(?:[－—–~～\-]{1,2}|至|到)(?P<upper>\d+(?:\.\d+)?)")
# A bound said before the figure: 城镇登记失业率低于4.6% (the extractor reads 低于 as a fall).
_BOUND_BEFORE = re.compile(r"(低于|不高于|不超过|高于|不低于)\s*$")
_PAST_OPENING = re.compile(rf"^[^，,；;。]{{0,6}}(?:{alternation(PAST_YEAR_OPENINGS)})")
_PLAN_CUE = re.compile(alternation(PLAN_TURN_CUES))
_VERB = re.compile(r"(增长|上涨|下降|降低|涨幅|减少|提高|回落到|降到|降至|控制在|增加)\s*$")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_MULTIPLIERS = MAGNITUDES


@dataclass(frozen=True)
class IndicatorSpec:
    """An indicator of the synonym table."""

    name: str
    measure: str  # RATE | AMOUNT
    better: str  # HIGHER | LOWER | "" (no direction)
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class TrackTable:
    """The synonym table and verdict settings (see resources/track_indicators.json)."""

    indicators: tuple[IndicatorSpec, ...]
    strip_prefix: re.Pattern[str]
    strip_suffix: re.Pattern[str]
    multi_year: re.Pattern[str]
    rate_points: float = 0.1
    amount_share: float = 0.02

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TrackTable:
        specs = tuple(
            IndicatorSpec(i["name"], i["measure"], i.get("better", ""), tuple(i.get("aliases", ())))
            for i in data["indicators"]
        )
        for spec in specs:
            if spec.measure not in (RATE, AMOUNT) or spec.better not in (HIGHER, LOWER, ""):
                raise ValueError(f"indicator {spec.name}: bad measure or direction")
        tolerance = data.get("tolerance", {})
        return cls(
            specs,
            re.compile(data["strip_prefix"]),
            re.compile(data["strip_suffix"]),
            re.compile(data["multi_year"]),
            float(tolerance.get("rate_points", 0.1)),
            float(tolerance.get("amount_share", 0.02)),
        )

    @classmethod
    def load(cls, path: str | Path | None = None) -> TrackTable:
        """The table in `path`, or the bundled one."""
        if path is None:
            text = resources.files("assistant.resources").joinpath("track_indicators.json")
            return cls.from_dict(json.loads(text.read_text(encoding="utf-8")))
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))

    @property
    def _by_alias(self) -> dict[tuple[str, str], IndicatorSpec]:
        return _alias_index(self)

    def clean(self, name: str) -> str:
        """The name without the words around an indicator (今年, 把, 预期目标…)."""
        name = re.sub(r"\s+", "", name).replace("％", "%")
        for _ in range(3):
            before = name
            name = self.strip_suffix.sub("", self.strip_prefix.sub("", name))
            if name == before:
                break
        return name

    def spec(self, name: str, unit: str) -> IndicatorSpec | None:
        """The table's indicator a figure's (cleaned) name and unit are, or None."""
        return self._by_alias.get((self.clean(name), measure(unit)))

    def resolve(self, query: str) -> set[str]:
        """The indicator names a user's wording means (GDP -> 国内生产总值增长 and 国内生产总值)."""
        cleaned = self.clean(query)
        found = {s.name for s in self.indicators if cleaned == s.name or cleaned in s.aliases}
        if not found:
            # 国内生产总值增长目标, GDP增速: the longest alias the query holds.
            words = re.sub(r"增速|增幅|增长率|增长|目标|实际|实绩|完成", "", cleaned)
            found = {s.name for s in self.indicators if words and words in s.aliases}
            if not found and words:
                best = max(
                    (len(a) for s in self.indicators for a in s.aliases if a in cleaned),
                    default=0,
                )
                found = {
                    s.name
                    for s in self.indicators
                    if best and any(len(a) == best and a in cleaned for a in s.aliases)
                }
        if found and re.search(r"增长|增速|增幅|涨幅|率", query):
            rates = {s.name for s in self.indicators if s.name in found and s.measure == RATE}
            found = rates or found
        return found or {cleaned}


@lru_cache(maxsize=8)
def _alias_index(table: TrackTable) -> dict[tuple[str, str], IndicatorSpec]:
    index: dict[tuple[str, str], IndicatorSpec] = {}
    for spec in table.indicators:
        for alias in (spec.name, *spec.aliases):
            index.setdefault((alias, spec.measure), spec)
    return index


@lru_cache(maxsize=1)
def default_table() -> TrackTable:
    return TrackTable.load()


def measure(unit: str) -> str:
    return RATE if unit in _RATE_UNITS else AMOUNT


def _scale(unit: str) -> tuple[float, str]:
    """'万亿斤' -> (1e12, '斤'); '万人' -> (1e4, '人'); '%' -> (1, '%')."""
    unit = unit.replace("％", "%")
    for prefix, factor in _MULTIPLIERS:
        if unit.startswith(prefix):
            return factor, unit[len(prefix) :]
    return 1.0, unit


def comparable(a: str, b: str) -> tuple[float, float] | None:
    """Factors that bring values in units `a` and `b` to one scale, or None (other units)."""
    fa, ba = _scale(a)
    fb, bb = _scale(b)
    if ba == bb or {ba, bb} == {"", "人"}:  # 1000万 (people) and 1232万人
        return fa, fb
    return None


def _bound(qualifier: str) -> str:
    if _RANGE.match(qualifier):
        return "range"
    if qualifier in _FLOOR:
        return "floor"
    if qualifier in _CEILING:
        return "ceiling"
    return "approx"


def judge(
    target: TrackSide, result: TrackSide, better: str, table: TrackTable | None = None
) -> tuple[str, str]:
    """(verdict, reason) of a result against its target (see the module docstring)."""
    table = table or default_table()
    factors = comparable(target.unit, result.unit)
    if factors is None:
        return UNDECIDED, f"单位不同（目标{target.unit}，实际{result.unit}）"
    t, r = target.value * factors[0], result.value * factors[1]
    if t < 0:
        # A decrease: judge its size (下降3%以上 is met by 下降3.1%).
        t, r = -t, -r
        better = {LOWER: HIGHER, HIGHER: LOWER}.get(better, "")
    is_rate = measure(target.unit) == RATE
    tol = table.rate_points if is_rate else abs(t) * table.amount_share
    eps = 1e-9 * max(1.0, abs(t))
    kind = _bound(target.qualifier)
    if kind == "range":
        upper = float(_RANGE.match(target.qualifier).group("upper")) * factors[0]  # type: ignore[union-attr]
        lo, hi = min(t, abs(upper)), max(t, abs(upper))
        inside = lo - eps <= r <= hi + eps
        if inside or (better == HIGHER and r > hi) or (better == LOWER and r < lo):
            return MET, "在目标区间内" if inside else "好于目标区间"
        if not better:
            return UNDECIDED, "不在目标区间内，该指标没有高低方向"
        return NOT_MET, "未达到目标区间"
    if kind == "floor":
        return (MET, "不低于目标") if r >= t - eps else (NOT_MET, "低于目标下限")
    if kind == "ceiling":
        return (MET, "不高于目标") if r <= t + eps else (NOT_MET, "高于目标上限")
    slack = f"（容差{tol:g}个百分点）" if is_rate else f"（容差{table.amount_share:.0%}）"
    if better == HIGHER:
        return (MET, f"不低于目标{slack}") if r >= t - tol - eps else (NOT_MET, f"低于目标{slack}")
    if better == LOWER:
        return (MET, f"不高于目标{slack}") if r <= t + tol + eps else (NOT_MET, f"高于目标{slack}")
    if abs(r - t) <= tol + eps:
        return MET, f"与目标相当{slack}"
    return UNDECIDED, "该指标没有高低方向，实际与目标不同"


def stated(record: Indicator) -> str:
    """'增长5.5%左右', '上涨2%', '1100万人以上': the figure with the verb that leads to it."""
    head = (
        record.span[: record.span.find(record.value_text)]
        if record.value_text in record.span
        else ""
    )
    verb = _VERB.search(head)
    if verb:
        return verb.group(1) + record.value_text
    if record.kind == "growth" and record.unit in _RATE_UNITS:
        return ("下降" if record.value < 0 else "增长") + record.value_text
    return record.value_text


@dataclass
class _Figure:
    """A record read for tracking: its indicator, status and year once corrected."""

    record: Indicator
    indicator: str
    spec: IndicatorSpec | None
    status: str
    year: int
    value: float
    qualifier: str


class _PastSentences:
    """Which sentences of plan paragraphs speak of the past year (see the module docstring)."""

    def __init__(self, paragraph: Callable[[str, int], Paragraph | None] | None) -> None:
        self.paragraph = paragraph
        self._cache: dict[tuple[str, int], frozenset[str]] = {}

    def __call__(self, record: Indicator) -> bool:
        if _PAST_OPENING.search(record.sentence):
            return True
        if self.paragraph is None:
            return False
        key = (record.doc_id, record.paragraph)
        if key not in self._cache:
            para = self.paragraph(*key)
            past, state = set(), False
            for s in para.sentences if para is not None else ():
                if _PAST_OPENING.search(s):
                    state = True
                elif _PLAN_CUE.search(s):
                    state = False
                if state:
                    past.add(s)
            self._cache[key] = frozenset(past)
        return record.sentence in self._cache[key]


def _read(
    record: Indicator,
    report_year: int,
    table: TrackTable,
    past: _PastSentences,
) -> _Figure | None:
    """The record as a target or result of one year, or None when it is neither."""
    status, year = record.status, record.year
    if year is None or status not in (RESULT, TARGET):
        return None
    name = record.name
    if status == TARGET and year == report_year and past(record):
        status, year = RESULT, report_year - 1  # 过去一年…国内生产总值增长10.3%
    names_year = re.search(rf"{year}年|去年|上年|过去一年", record.sentence)
    if name.endswith("五年累计") and names_year:
        name = name[: -len("五年累计")]  # 2012年，…国内生产总值增长7.8% in a five-year review
    if table.multi_year.search(name) or table.multi_year.search(record.span):
        return None
    if status == RESULT and "—" in record.period and not names_year:
        return None  # a five-year review's figure, not one year's
    value, qualifier = record.value, record.qualifier
    head = (
        record.span[: record.span.find(record.value_text)]
        if record.value_text in record.span
        else ""
    )
    bound = _BOUND_BEFORE.search(head)
    if bound:
        value, qualifier = abs(value), bound.group(1)
    spec = table.spec(name, record.unit)
    indicator = spec.name if spec else table.clean(name)
    if len(indicator) < 2:
        return None
    return _Figure(record, indicator, spec, status, year, value, qualifier)


def _side(fig: _Figure) -> TrackSide:
    r = fig.record
    said = stated(r)
    if fig.spec is not None and fig.spec.name.endswith("增长") and said == r.value_text:
        said = ("下降" if r.value < 0 else "增长") + r.value_text  # 经济增长预期目标为7%左右
    return TrackSide(
        value=fig.value,
        value_text=r.value_text,
        unit=r.unit.replace("％", "%"),
        qualifier=fig.qualifier,
        doc_id=r.doc_id,
        title=r.title,
        paragraph=r.paragraph,
        section=r.section,
        sentence=r.sentence,
        span=r.span,
        name=r.name,
        stated=said,
    )


def build_pairs(
    records: Iterable[Indicator],
    report_years: Mapping[str, int | None],
    *,
    paragraph: Callable[[str, int], Paragraph | None] | None = None,
    table: TrackTable | None = None,
    indicator: str | None = None,
    region: str | Callable[[str], bool] | None = None,
    years: Iterable[int] | None = None,
) -> list[TrackRecord]:
    """Every target followed to its result, by region, indicator and year.

    `report_years`: doc_id -> the year each report was delivered (reports without one are left
    out); `paragraph(doc_id, number)` gives a record's paragraph, to read the sentences around
    it (optional). A target without a result, or a result of a table indicator without a
    target, is a record with one side and a note saying why the other is missing.
    Filters: `indicator` (any wording the table knows, else the name), `region` (a name or a
    predicate), `years`.
    """
    table = table or default_table()
    past = _PastSentences(paragraph)
    wanted = table.resolve(indicator) if indicator else None
    year_set = set(years) if years is not None else None
    if isinstance(region, str):
        region_name = region
        region_ok: Callable[[str], bool] | None = lambda r: r == region_name  # noqa: E731
    else:
        region_ok = region
    delivered, targets, results = _targets_and_results(
        records, report_years, table, past, wanted, region_ok
    )
    # A result alone is shown for the years of an indicator the region sets targets for.
    tracked = {k[:2] for k in targets}
    keys = set(targets) | {
        k
        for k, f in results.items()
        if f.spec is not None and k[:2] in tracked and k[2] in delivered.get(k[0], ())
    }
    out = []
    for key in sorted(keys):
        if year_set is not None and key[2] not in year_set:
            continue
        have = delivered.get(key[0], set())
        out.append(_track_record(key, targets.get(key), results.get(key), have, table))
    return out


def _targets_and_results(
    records: Iterable[Indicator],
    report_years: Mapping[str, int | None],
    table: TrackTable,
    past: _PastSentences,
    wanted: Collection[str] | None,
    region_ok: Callable[[str], bool] | None,
) -> tuple[
    dict[str, set[int]],
    dict[tuple[str, str, int], _Figure],
    dict[tuple[str, str, int], _Figure],
]:
    """(region -> the years its reports were delivered, the targets each report sets for its
    own year, the results each states for the year before), keyed by (region, indicator, year);
    the first figure read for a key stands."""
    delivered: dict[str, set[int]] = {}
    targets: dict[tuple[str, str, int], _Figure] = {}
    results: dict[tuple[str, str, int], _Figure] = {}
    ordered = sorted(enumerate(records), key=lambda x: (x[1].doc_id, x[1].paragraph, x[0]))
    for _, record in ordered:
        report_year = report_years.get(record.doc_id)
        if report_year is None or (region_ok is not None and not region_ok(record.region)):
            continue
        delivered.setdefault(record.region, set()).add(report_year)
        fig = _read(record, report_year, table, past)
        if fig is None or (wanted is not None and fig.indicator not in wanted):
            continue
        key = (record.region, fig.indicator, fig.year)
        if fig.status == TARGET and fig.year == report_year:
            targets.setdefault(key, fig)
        elif fig.status == RESULT and fig.year == report_year - 1:
            results.setdefault(key, fig)
    return delivered, targets, results


def _track_record(
    key: tuple[str, str, int],
    t: _Figure | None,
    r: _Figure | None,
    have: Collection[int],
    table: TrackTable,
) -> TrackRecord:
    """The record of one (region, indicator, year): its target `t` and result `r` judged, or
    the side present with a note on why the other is missing (`have`: the years the region's
    reports were delivered)."""
    region_name, name, year = key
    spec = (t or r).spec  # type: ignore[union-attr]
    note = ""
    if t is None:
        note = f"{year}年的报告未提出该指标的目标" if year in have else f"没有{year}年的报告"
    elif r is None:
        note = (
            f"{year + 1}年的报告未给出{year}年的实际数"
            if year + 1 in have
            else f"没有{year + 1}年的报告"
        )
    if t is not None and r is not None:
        verdict, reason = judge(_side(t), _side(r), spec.better if spec else "", table)
    else:
        verdict, reason = UNDECIDED, note
    return TrackRecord(
        region=region_name,
        indicator=name,
        year=year,
        target=_side(t) if t else None,
        result=_side(r) if r else None,
        verdict=verdict,
        reason=reason,
        note=note,
    )


CSV_FIELDS = (
    "region", "indicator", "year", "target", "target_qualifier", "result", "verdict", "reason",
    "note", "target_doc", "target_paragraph", "target_sentence", "result_doc",
    "result_paragraph", "result_sentence",
)  # fmt: skip


def csv_rows(records: Sequence[TrackRecord]) -> list[dict[str, Any]]:
    """One flat row per record (for CSV export and tables)."""
    rows = []
    for p in records:
        t, r = p.target, p.result
        rows.append(
            {
                "region": p.region,
                "indicator": p.indicator,
                "year": p.year,
                "target": t.stated if t else "",
                "target_qualifier": t.qualifier if t else "",
                "result": r.stated if r else "",
                "verdict": p.verdict,
                "reason": p.reason,
                "note": p.note,
                "target_doc": t.doc_id if t else "",
                "target_paragraph": t.paragraph if t else "",
                "target_sentence": t.sentence if t else "",
                "result_doc": r.doc_id if r else "",
                "result_paragraph": r.paragraph if r else "",
                "result_sentence": r.sentence if r else "",
            }
        )
    return rows


def to_csv(records: Sequence[TrackRecord]) -> str:
    """The records as CSV text (header, then one row per year and indicator)."""
    import csv
    import io

    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(csv_rows(records))
    return buf.getvalue()


__all__ = [
    "CSV_FIELDS",
    "IndicatorSpec",
    "TrackTable",
    "build_pairs",
    "comparable",
    "csv_rows",
    "default_table",
    "judge",
    "stated",
    "to_csv",
]
