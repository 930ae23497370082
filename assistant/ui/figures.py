"""HTML and table rows of the 指标表 and 目标与实绩 tabs, and their CSV exports.

The indicator table lists every figure of the indexed reports; the target/result tab charts
a year's target against the next report's result, as inline SVG.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..indicators import to_csv
from ..tracking import comparable
from ..tracking import to_csv as track_csv
from ..types import RESULT, TARGET, Citation, Indicator, Paragraph, TrackRecord, TrackSide
from .render import esc, render_citation

KIND_LABELS = {"level": "总量", "growth": "增速", "share": "比重", "count": "数量"}
STATUS_LABELS = {RESULT: "实绩", TARGET: "目标"}
INDICATOR_COLUMNS = ["指标", "数值", "类型", "实绩/目标", "年份", "地区", "报告", "段落"]
INDICATOR_WIDTHS: list[str | int] = ["21%", "13%", "7%", "9%", "7%", "11%", "23%", "9%"]
ALL = ""  # value of the "all" choice of the indicator filters
INDICATOR_ROW_LIMIT = 500  # rows shown at once; the CSV export has all matching rows


def indicator_rows(records: Sequence[Indicator]) -> list[list[Any]]:
    """Table rows for indicator records, in `INDICATOR_COLUMNS` order."""
    return [
        [
            r.name,
            r.value_text,
            KIND_LABELS.get(r.kind, r.kind),
            STATUS_LABELS.get(r.status, ""),
            str(r.year or ""),
            r.region,
            r.title or r.doc_id,
            f"第{r.paragraph}段",
        ]
        for r in records
    ]


def render_indicator_summary(shown: int, total: int, limit: int) -> str:
    """The line above the indicator table: how many figures match, how many are shown."""
    if not total:
        return '<div class="ind-summary">没有符合条件的指标。</div>'
    more = f"，显示前 {shown} 条，请缩小范围" if total > limit else ""
    return f'<div class="ind-summary">共 {total} 条指标{more}。点击一行查看原文段落。</div>'


def render_indicator_detail(record: Indicator, paragraph: Paragraph | None) -> str:
    """The paragraph a figure comes from, as a citation card with its sentence marked."""
    status = STATUS_LABELS.get(record.status, "")
    head = (
        '<div class="ind-detail-head">'
        f'<span class="ind-name">{esc(record.name)}</span>'
        f'<span class="ind-value">{esc(record.value_text)}</span>'
        f'<span class="cite-period">{esc(f"{record.year}年" if record.year else "")}{status}</span>'
        "</div>"
    )
    card = render_citation(
        Citation(
            doc_id=record.doc_id,
            title=record.title,
            section=record.section,
            paragraph=record.paragraph,
            text=paragraph.text if paragraph is not None else record.sentence,
            quote=record.sentence,
            score=1.0,
            period=record.period,
        ),
        1,
        0,
    )
    return f'<div class="ind-detail">{head}{card}</div>'


def write_csv_export(records: Sequence[Indicator], folder: Path) -> Path:
    """The records as a CSV file (UTF-8 with BOM, so spreadsheet programs read the Chinese)."""
    return _write_export(to_csv(records), folder, "indicators")


def _write_export(text: str, folder: Path, prefix: str) -> Path:
    """`text` as `<prefix>-<digest>.csv` in `folder` (UTF-8 with BOM), written once and
    atomically; the same text gives the same file."""
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]
    path = folder / f"{prefix}-{digest}.csv"
    if not path.exists():
        tmp = path.with_suffix(f".{uuid.uuid4().hex}.tmp")
        tmp.write_text(text, encoding="utf-8-sig")
        tmp.replace(path)
    return path


TRACK_COLUMNS = ["年份", "目标", "实际", "结果", "说明"]
TRACK_WIDTHS: list[str | int] = ["10%", "22%", "22%", "12%", "34%"]
VERDICT_CLASSES = {"达到": "met", "未达到": "missed", "无法判断": "undecided"}


def track_rows(records: Sequence[TrackRecord]) -> list[list[Any]]:
    """Table rows for target/result records, in `TRACK_COLUMNS` order."""
    return [
        [
            str(r.year),
            r.target.stated if r.target else "—",
            r.result.stated if r.result else "—",
            r.verdict,
            r.note or r.reason,
        ]
        for r in records
    ]


def _plotted(records: Sequence[TrackRecord]) -> tuple[list[tuple[int, str, float]], str, bool]:
    """The points of the chart: (year, "target" | "result", value in the first side's unit),
    that unit, and whether the values are the sizes of decreases (能耗下降3%)."""
    sides = [
        (r.year, k, s)
        for r in records
        for k, s in (("target", r.target), ("result", r.result))
        if s
    ]
    if not sides:
        return [], "", False
    unit = sides[0][2].unit
    points = []
    for year, kind, side in sides:
        factors = comparable(side.unit, unit)
        if factors is not None:
            points.append((year, kind, side.value * factors[0] / factors[1]))
    falls = bool(points) and all(v <= 0 for _, _, v in points)
    if falls:
        points = [(y, k, -v) for y, k, v in points]
    return points, unit, falls


def render_track_chart(records: Sequence[TrackRecord]) -> str:
    """Target and result by year as an SVG line chart; each result point is coloured by its
    verdict, and every point names its year (`data-year`), so a click can show its paragraphs."""
    points, unit, falls = _plotted(records)
    if not points:
        return '<div class="track-empty">没有可画出的数值。</div>'
    years = sorted({r.year for r in records})
    values = [v for _, _, v in points]
    lo, hi = min(values), max(values)
    pad = (hi - lo) * 0.15 or max(abs(hi) * 0.1, 1.0)
    lo, hi = lo - pad, hi + pad
    width, height, left, right, top, bottom = 760, 300, 56, 20, 24, 40
    span_x = max(years[-1] - years[0], 1)

    def x(year: int) -> float:
        return left + (year - years[0]) / span_x * (width - left - right)

    def y(value: float) -> float:
        return top + (hi - value) / (hi - lo) * (height - top - bottom)

    parts = [
        f'<svg class="track-svg" viewBox="0 0 {width} {height}" role="img" aria-label="目标与实际">'
    ]
    for i in range(5):
        value = lo + (hi - lo) * i / 4
        parts.append(
            f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y(value):.1f}" '
            f'y2="{y(value):.1f}"/><text class="tick" x="{left - 6}" y="{y(value) + 4:.1f}" '
            f'text-anchor="end">{value:.3g}</text>'
        )
    step = max(1, len(years) // 12)
    for year in years[::step]:
        parts.append(
            f'<text class="tick" x="{x(year):.1f}" y="{height - bottom + 18}" '
            f'text-anchor="middle">{year}</text>'
        )
    parts.extend(_chart_lines(points, x, y))
    verdicts = {r.year: r.verdict for r in records}
    parts.extend(_chart_points(points, years, verdicts, unit, x, y))
    parts.append("</svg>")
    axis = f"{'降幅' if falls else '数值'}（{esc(unit)}）"
    legend = (
        '<div class="track-legend">'
        '<span><i class="lg-target"></i>目标</span>'
        '<span><i class="lg-result met"></i>实际·达到</span>'
        '<span><i class="lg-result missed"></i>实际·未达到</span>'
        '<span><i class="lg-result undecided"></i>实际·无法判断</span>'
        f'<span class="track-axis">{axis}</span></div>'
    )
    return f'<div class="track-chart">{legend}{"".join(parts)}</div>'


def _chart_lines(
    points: Sequence[tuple[int, str, float]],
    x: Callable[[int], float],
    y: Callable[[float], float],
) -> list[str]:
    """One polyline per series and run of consecutive years."""
    lines = []
    for kind in ("target", "result"):
        series = sorted((yr, v) for yr, k, v in points if k == kind)
        # A gap (a year without a figure) breaks the line.
        runs: list[list[tuple[int, float]]] = []
        for yr, v in series:
            if runs and yr - runs[-1][-1][0] == 1:
                runs[-1].append((yr, v))
            else:
                runs.append([(yr, v)])
        for run in runs:
            if len(run) > 1:
                coords = " ".join(f"{x(yr):.1f},{y(v):.1f}" for yr, v in run)
                lines.append(f'<polyline class="line-{kind}" points="{coords}"/>')
    return lines


def _chart_points(
    points: Sequence[tuple[int, str, float]],
    years: Sequence[int],
    verdicts: dict[int, str],
    unit: str,
    x: Callable[[int], float],
    y: Callable[[float], float],
) -> list[str]:
    """The points of each year as one group named by its year (`data-year`)."""
    by_year: dict[int, list[tuple[str, float]]] = {}
    for yr, k, v in points:
        by_year.setdefault(yr, []).append((k, v))
    groups = []
    for yr in years:
        verdict = verdicts.get(yr, "")
        marks = []
        for k, v in by_year.get(yr, []):
            label = "目标" if k == "target" else "实际"
            css = "pt-target" if k == "target" else f"pt-result {VERDICT_CLASSES.get(verdict, '')}"
            marks.append(
                f'<circle class="{css}" cx="{x(yr):.1f}" cy="{y(v):.1f}" r="6">'
                f"<title>{yr}年{label} {v:g}{esc(unit)}（{esc(verdict)}）</title></circle>"
            )
        if marks:
            groups.append(f'<g class="track-point" data-year="{yr}">{"".join(marks)}</g>')
    return groups


def _side_card(side: TrackSide | None, label: str, year: int, paragraph: Paragraph | None) -> str:
    if side is None:
        return ""
    card = render_citation(
        Citation(
            doc_id=side.doc_id,
            title=side.title,
            section=side.section,
            paragraph=side.paragraph,
            text=paragraph.text if paragraph is not None else side.sentence,
            quote=side.sentence,
            score=1.0,
            period=paragraph.period_label if paragraph is not None else "",
        ),
        1 if label == "目标" else 2,
        0,
    )
    return (
        f'<div class="track-side"><div class="track-side-head">{year}年{label}：'
        f'<span class="ind-value">{esc(side.stated)}</span></div>{card}</div>'
    )


def render_track_detail(
    record: TrackRecord, target: Paragraph | None, result: Paragraph | None
) -> str:
    """Both paragraphs of a year, the target's and the result's, with their sentences marked."""
    css = VERDICT_CLASSES.get(record.verdict, "")
    why = record.note or record.reason
    head = (
        f'<div class="ind-detail-head"><span class="ind-name">{esc(record.region)}'
        f"{esc(record.indicator)} · {record.year}年</span>"
        f'<span class="verdict {css}">{esc(record.verdict)}</span>'
        f'<span class="track-why">{esc(why)}</span></div>'
    )
    missing = f'<div class="track-missing">{esc(record.note)}</div>' if record.note else ""
    return (
        f'<div class="ind-detail track-detail">{head}'
        f"{_side_card(record.target, '目标', record.year, target)}"
        f"{_side_card(record.result, '实际', record.year, result)}{missing}</div>"
    )


def write_track_export(records: Sequence[TrackRecord], folder: Path) -> Path:
    """The records as a CSV file (UTF-8 with BOM)."""
    return _write_export(track_csv(records), folder, "track")


# Clicking a point of the chart names its year to the server.
TRACK_CHART_JS = (
    "element.addEventListener('click', (e) => {"
    " const p = e.target.closest('[data-year]');"
    " if (p) { trigger('click', {year: Number(p.dataset.year)}); } });"
)
