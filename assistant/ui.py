"""Gradio chat UI: a thin layer over the `Assistant` API.

The page has two tabs. 问答: a chat (answers with one card per citation) and a side panel (indexed
documents, upload, delete, question filters, mode badge). 指标表: every figure of the indexed
reports as a filterable table; a row opens its paragraph, and the matching rows export to CSV.
Everything shown that comes from a document or a user is HTML-escaped here, before Gradio
sees it.

Rendering helpers are pure functions of the API's types; `ChatApp` holds the Assistant and
the event handlers, which are plain methods so tests can call them without a browser.
"""

from __future__ import annotations

import hashlib
import html
import logging
import os
import re
import shutil
import tempfile
import threading
import unicodedata
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

import gradio as gr
from markdown_it import MarkdownIt

from .errors import (
    AssistantError,
    DocumentNotFoundError,
    EmptyQuestionError,
    LLMError,
    StoreError,
)
from .indicators import to_csv
from .pipeline import Assistant
from .tracking import comparable
from .tracking import to_csv as track_csv
from .types import (
    RESULT,
    TARGET,
    Answer,
    Citation,
    DocumentInfo,
    Indicator,
    IngestReport,
    Paragraph,
    TrackRecord,
    TrackSide,
    year_span,
)

log = logging.getLogger("assistant.ui")

TITLE = "政府工作报告问答助手"
EXAMPLE_QUESTIONS = (
    "2023年内江市地区生产总值是多少？",
    "2024年内江市规模以上工业增加值增长目标是多少？",
    "市中区2024年新增城镇就业目标？",
)
UPLOAD_TYPES = (".pdf", ".docx", ".txt", ".md", ".html", ".htm")
MAX_UPLOAD_MB = 20
MAX_UPLOAD_BYTES = MAX_UPLOAD_MB * 1024 * 1024
HISTORY_TURNS = 6  # earlier turns passed to follow-up rewriting
# Questions answered at the same time (Assistant.ask is thread-safe, also during an upload);
# more wait in Gradio's queue.
CHAT_CONCURRENCY = 16
ALL_YEARS = 0  # value of the year filter's "all years" choice
NOT_FOUND = "报告中未找到"

Notify = Callable[[str, str], None]  # (level: "info" | "warning", message as plain text)


# -- rendering ------------------------------------------------------------------------------


def esc(text: object) -> str:
    """Escape text for HTML (quotes too, so it is safe in attributes)."""
    return html.escape(str(text), quote=True)


def _with_breaks(escaped: str) -> str:
    return escaped.replace("\r\n", "\n").replace("\n", "<br>")


_SENTENCE = re.compile(r"[^。！？；!?;]+[。！？；!?;]*")


def _quote_spans(text: str, quote: str) -> list[tuple[int, int]]:
    """Character spans of `text` covered by `quote` (whole, else sentence by sentence)."""
    quote = quote.strip()
    if not quote:
        return []
    start = text.find(quote)
    if start >= 0:
        return [(start, start + len(quote))]
    # A quote of non-adjacent sentences is their concatenation: find each one.
    spans, pos = [], 0
    for piece in (m.group(0).strip() for m in _SENTENCE.finditer(quote)):
        if len(piece) < 2:
            continue
        at = text.find(piece, pos)
        if at < 0:
            at = text.find(piece)
        if at >= 0:
            spans.append((at, at + len(piece)))
            pos = at + len(piece)
    spans.sort()
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


def highlight(text: str, quote: str) -> str:
    """`text` as escaped HTML with the sentences of `quote` wrapped in <mark>."""
    out, pos = [], 0
    for s, e in _quote_spans(text, quote):
        out.append(esc(text[pos:s]))
        out.append(f"<mark>{esc(text[s:e])}</mark>")
        pos = e
    out.append(esc(text[pos:]))
    return _with_breaks("".join(out))


def card_id(turn: int, n: int) -> str:
    return f"cite-{turn}-{n}"


def _ref(turn: int, n: int) -> str:
    return f'<a class="cite-ref" href="#{card_id(turn, n)}" title="查看出处 {n}">[{n}]</a>'


_MARKERS = re.compile(r"\[(\d{1,3}(?:\s*[,，、]\s*\d{1,3})*)\]")


def link_markers(escaped: str, turn: int, count: int) -> str:
    """Turn [n] (and [n, m]) in escaped answer text into links to citation card n."""

    def repl(m: re.Match[str]) -> str:
        numbers = [int(x) for x in re.split(r"\s*[,，、]\s*", m.group(1))]
        if not all(1 <= n <= count for n in numbers):
            return m.group(0)
        return "".join(_ref(turn, n) for n in numbers)

    return _MARKERS.sub(repl, escaped)


# LLM answers may use a little Markdown (lists, bold); raw HTML and links are not rendered.
_MARKDOWN = MarkdownIt("commonmark", {"html": False, "breaks": True}).disable(
    ["link", "image", "autolink", "html_inline", "html_block"]
)


def answer_text_html(answer: Answer, turn: int) -> str:
    """The answer text as HTML, with [n] linked to the cards (appended when absent)."""
    if answer.mode == "llm":
        body = _MARKDOWN.render(answer.text).strip()
    else:
        body = f"<p>{_with_breaks(esc(answer.text))}</p>"
    count = len(answer.citations)
    linked = link_markers(body, turn, count)
    if count and linked == body:
        # No [n] in the text (the extractive answerer writes none): point to every card.
        refs = "".join(_ref(turn, n) for n in range(1, count + 1))
        linked = (
            f"{linked[:-4]} {refs}</p>" if linked.endswith("</p>") else f"{linked}<p>{refs}</p>"
        )
    return linked


def render_citation(c: Citation, n: int, turn: int) -> str:
    """One card: title, section path, paragraph number, period, paragraph with the quote marked."""
    period = f'<span class="cite-period">{esc(c.period)}</span>' if c.period else ""
    where = " · ".join(x for x in (esc(c.section), f"第{c.paragraph}段") if x)
    return (
        f'<div class="cite-card" id="{card_id(turn, n)}">'
        f'<div class="cite-head"><span class="cite-num">{n}</span>'
        f'<span class="cite-title">{esc(c.title or c.doc_id)}</span>{period}</div>'
        f'<div class="cite-loc">{where}</div>'
        f'<div class="cite-body">{highlight(c.text, c.quote)}</div>'
        "</div>"
    )


_MODE_LABELS = {"extractive": "抽取式", "llm": "大模型"}


def render_answer(answer: Answer, turn: int) -> str:
    """An answer as one HTML block: text (or abstention), notices, citation cards."""
    parts = ['<div class="qa-answer">']
    if answer.rewritten_question:
        parts.append(
            '<div class="qa-rewritten">按补全后的问题回答：'
            f"<q>{esc(answer.rewritten_question)}</q></div>"
        )
    if answer.abstained:
        # "报告中未找到与该问题相关的内容。" repeats the title; "报告中未找到：…" explains.
        detail = answer.text.strip()
        if detail.startswith(NOT_FOUND):
            rest = detail[len(NOT_FOUND) :]
            detail = rest[1:].strip() if rest[:1] in ("：", ":") else ""
        parts.append(
            f'<div class="qa-abstain"><div class="qa-abstain-title">{NOT_FOUND}</div>'
            + (f'<div class="qa-abstain-text">{_with_breaks(esc(detail))}</div>' if detail else "")
            + (
                '<div class="qa-abstain-hint">报告没有直接给出答案；下面是报告中与问题相近的表述，'
                "供参考，不是答案。</div></div>"
                if answer.related
                else '<div class="qa-abstain-hint">已索引的报告中没有找到能回答这个问题的段落。'
                "可以换个说法，或在右侧调整文档和年份范围后再问。</div></div>"
            )
        )
    else:
        parts.append(f'<div class="qa-text">{answer_text_html(answer, turn)}</div>')
    for notice in answer.notices:
        parts.append(f'<div class="qa-notice">{esc(notice)}</div>')
    if answer.verified is False and not answer.notices:
        parts.append('<div class="qa-notice">答案中的部分数字未能在引用段落中核实。</div>')
    if answer.citations:
        heading = "相关段落" if answer.abstained else "出处"
        parts.append(f'<div class="qa-cites"><div class="qa-cites-title">{heading}</div>')
        parts.extend(render_citation(c, n, turn) for n, c in enumerate(answer.citations, 1))
        parts.append("</div>")
    if answer.related:
        first = len(answer.citations) + 1
        parts.append(
            '<div class="qa-related"><div class="qa-related-title">相关内容（不是答案）</div>'
        )
        parts.extend(render_citation(c, n, turn) for n, c in enumerate(answer.related, start=first))
        parts.append("</div>")
    meta = [_MODE_LABELS.get(answer.mode, esc(answer.mode))]
    if answer.verified:
        meta.append("数字已核实")
    if "total" in answer.timings:
        meta.append(f"用时 {answer.timings['total']:.2f} 秒")
    parts.append(f'<div class="qa-meta">{" · ".join(meta)}</div>')
    parts.append("</div>")
    return "".join(parts)


def render_partial(text: str) -> str:
    """An answer still being generated."""
    return (
        f'<div class="qa-answer"><div class="qa-text"><p>{_with_breaks(esc(text))}'
        '<span class="qa-cursor"></span></p></div></div>'
    )


def render_pending(text: str = "正在检索报告…") -> str:
    return f'<div class="qa-answer"><div class="qa-pending">{esc(text)}</div></div>'


def render_error(message: str, partial: str = "") -> str:
    """An error in place of the answer, under the part of it already streamed (if any)."""
    shown = f'<div class="qa-text"><p>{_with_breaks(esc(partial))}</p></div>' if partial else ""
    return f'<div class="qa-answer">{shown}<div class="qa-error">{esc(message)}</div></div>'


def render_question(question: str) -> str:
    return _with_breaks(esc(question))


def render_documents(
    docs: Sequence[DocumentInfo], embedding: dict[str, tuple[int, int]] | None = None
) -> str:
    """The document library: heading with counts, and the indexed documents as a table.

    `embedding` gives (texts embedded, texts in all) of reports still being embedded."""
    paragraphs = sum(d.paragraphs for d in docs)
    waiting = sum(not d.embedded for d in docs)
    status = f"{len(docs)} 份报告 · {paragraphs} 段" + (
        f" · {waiting} 份正在建立语义索引" if waiting else ""
    )
    head = (
        '<div class="doc-head"><span class="side-heading">文档库</span>'
        f'<span class="doc-status">{status}</span></div>'
    )
    if not docs:
        return head + '<div class="doc-empty">还没有索引任何报告。上传一份报告后即可提问。</div>'
    rows = "".join(
        "<tr>"
        f'<td class="doc-title" title="{esc(d.doc_id)}">{esc(d.title or d.doc_id)}'
        f"{_document_years(d)}{_embedding_state(d, embedding or {})}</td>"
        f"<td>{esc(d.region) or '—'}</td>"
        f"<td>{esc(d.level) or '—'}</td>"
        f"<td>{d.year or '—'}</td>"
        f'<td class="num">{d.paragraphs}</td>'
        "</tr>"
        for d in docs
    )
    return head + (
        '<table class="doc-table"><thead><tr><th>标题</th><th>地区</th><th>级别</th><th>年份</th>'
        f'<th class="num">段落</th></tr></thead><tbody>{rows}</tbody></table>'
    )


def _embedding_state(d: DocumentInfo, embedding: dict[str, tuple[int, int]]) -> str:
    """Under the title of a report still being embedded: how far, and what that means."""
    if d.embedded:
        return ""
    done, total = embedding.get(d.doc_id, (0, 0))
    share = f" {done * 100 // total}%（{done}/{total}）" if total else ""
    return (
        f'<div class="doc-embedding" title="建立完成前，这份报告只按关键词检索">'
        f"语义索引建立中{share}</div>"
    )


def _document_years(d: DocumentInfo) -> str:
    """The years a report reviews and plans, under its title: 回顾 2021—2025 · 规划 2026—2030."""
    parts = [
        f"{label} {year_span(years)}"
        for label, years in (("回顾", d.review_years), ("规划", d.plan_years))
        if years
    ]
    return f'<div class="doc-years">{esc(" · ".join(parts))}</div>' if parts else ""


KIND_LABELS = {"level": "总量", "growth": "增速", "share": "比重", "count": "数量"}
STATUS_LABELS = {RESULT: "实绩", TARGET: "目标"}
INDICATOR_COLUMNS = ["指标", "数值", "类型", "实绩/目标", "年份", "地区", "报告", "段落"]
INDICATOR_WIDTHS = ["21%", "13%", "7%", "9%", "7%", "11%", "23%", "9%"]
ALL = ""  # value of the "all" choice of the indicator filters
INDICATOR_ROW_LIMIT = 500
EMBEDDING_TICK = 2.0  # seconds between refreshes of the document table while embedding  # rows shown at once; the CSV export has all matching rows


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
    text = to_csv(records)
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]
    path = folder / f"indicators-{digest}.csv"
    if not path.exists():
        tmp = path.with_suffix(f".{uuid.uuid4().hex}.tmp")
        tmp.write_text(text, encoding="utf-8-sig")
        tmp.replace(path)
    return path


TRACK_COLUMNS = ["年份", "目标", "实际", "结果", "说明"]
TRACK_WIDTHS = ["10%", "22%", "22%", "12%", "34%"]
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

    verdicts = {r.year: r.verdict for r in records}
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
                parts.append(f'<polyline class="line-{kind}" points="{coords}"/>')
    by_year: dict[int, list[tuple[str, float]]] = {}
    for yr, k, v in points:
        by_year.setdefault(yr, []).append((k, v))
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
            parts.append(f'<g class="track-point" data-year="{yr}">{"".join(marks)}</g>')
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
    text = track_csv(records)
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]
    path = folder / f"track-{digest}.csv"
    if not path.exists():
        tmp = path.with_suffix(f".{uuid.uuid4().hex}.tmp")
        tmp.write_text(text, encoding="utf-8-sig")
        tmp.replace(path)
    return path


# Clicking a point of the chart names its year to the server.
TRACK_CHART_JS = (
    "element.addEventListener('click', (e) => {"
    " const p = e.target.closest('[data-year]');"
    " if (p) { trigger('click', {year: Number(p.dataset.year)}); } });"
)


def document_choices(docs: Sequence[DocumentInfo]) -> list[tuple[str, str]]:
    """(label, doc_id) per document for a dropdown; a title two documents share gets its id."""
    titles = [d.title or d.doc_id for d in docs]
    return [
        (t if titles.count(t) == 1 else f"{t}（{d.doc_id}）", d.doc_id)
        for t, d in zip(titles, docs, strict=True)
    ]


def render_mode_badge(assistant: Assistant) -> str:
    if getattr(assistant, "mode", "extractive") == "llm":
        model = esc(assistant.settings.llm_model)
        return (
            '<span class="mode-badge mode-llm" title="答案由大模型根据检索到的段落生成">'
            f"大模型 · {model}</span>"
        )
    return (
        '<span class="mode-badge mode-extractive" title="未配置大模型：答案直接摘自报告原文">'
        "抽取式问答</span>"
    )


def render_header(assistant: Assistant) -> str:
    return (
        '<div class="app-header"><div class="app-brand"><div class="app-logo">报</div><div>'
        f'<h1 class="app-title">{TITLE}</h1>'
        '<p class="app-subtitle">就政府工作报告提问，每个答案都标明出处段落</p></div></div>'
        f"{render_mode_badge(assistant)}</div>"
    )


def render_upload_result(report: IngestReport | None, failed: Sequence[tuple[str, str]]) -> str:
    """What happened to each uploaded file; failures by file name and reason."""
    items = []
    if report is not None:
        for label, ids in (("已添加", report.added), ("已更新", report.updated)):
            items.extend(f'<li class="up-ok">{label}：{esc(i)}</li>' for i in ids)
        items.extend(f'<li class="up-same">未变化：{esc(i)}</li>' for i in report.skipped)
    items.extend(f'<li class="up-fail">未能索引：{esc(n)}（{esc(r)}）</li>' for n, r in failed)
    return f'<ul class="upload-result">{"".join(items)}</ul>' if items else ""


# -- uploads --------------------------------------------------------------------------------


class UploadRejected(Exception):
    """An uploaded file is refused before indexing (type, size, name)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


_UNSAFE_NAME_CHARS = re.compile(r"[^\w.\-（）()【】]+")


def safe_upload_name(name: str) -> str:
    """A file name that cannot leave the upload folder; keeps CJK, letters, digits, .-_()."""
    # Normalise first: NFKC turns full-width slashes into real ones.
    name = unicodedata.normalize("NFKC", str(name))
    base = PurePosixPath(name.replace("\\", "/")).name
    stem, dot, ext = base.rpartition(".")
    if not dot:
        stem, ext = base, ""
    ext = f".{ext.lower()}"
    if ext not in UPLOAD_TYPES:
        raise UploadRejected(f"不支持的文件类型（仅支持 {'、'.join(UPLOAD_TYPES)}）")
    stem = _UNSAFE_NAME_CHARS.sub("_", stem).strip("._ ")[:100] or "upload"
    return stem + ext


def stage_upload(src: str | Path, uploads_dir: Path, max_bytes: int = MAX_UPLOAD_BYTES) -> Path:
    """Copy an uploaded file into `uploads_dir` under a safe name; return the copy."""
    src = Path(src)
    name = safe_upload_name(src.name)
    size = src.stat().st_size
    if size == 0:
        raise UploadRejected("文件为空")
    if size > max_bytes:
        raise UploadRejected(f"文件超过 {max_bytes / (1024 * 1024):g} MB")
    uploads_dir.mkdir(parents=True, exist_ok=True)
    dest = uploads_dir / name
    if dest.resolve().parent != uploads_dir.resolve():
        raise UploadRejected("文件名不合法")
    part = uploads_dir / f".{uuid.uuid4().hex}.part"
    shutil.copyfile(src, part)
    os.replace(part, dest)
    return dest


# -- bundled reports, indexed once at start-up ----------------------------------------------


class StartupIndex:
    """Indexes the bundled reports in a background thread, so the page can show progress."""

    def __init__(self, assistant: Assistant, paths: Sequence[str | Path], on_progress=None):
        self.assistant = assistant
        self.paths = [Path(p) for p in paths]
        self.on_progress = on_progress
        self.done = 0
        self.total = 0
        self.current = ""
        self.report: IngestReport | None = None
        self.error: str = ""
        self._finished = threading.Event()
        self._thread: threading.Thread | None = None
        if not self.paths:
            self._finished.set()

    def start(self) -> StartupIndex:
        if not self.paths:
            # Nothing to index; finish what an earlier run left without vectors.
            self.assistant.embed_in_background()
        elif self._thread is None:
            self._thread = threading.Thread(target=self._run, name="startup-index", daemon=True)
            self._thread.start()
        return self

    def _progress(self, done: int, total: int, doc_id: str) -> None:
        self.done, self.total, self.current = done, total, doc_id
        if self.on_progress is not None:
            self.on_progress(done, total, doc_id)

    def _run(self) -> None:
        try:
            # Answerable by keyword search once indexed; vectors follow in the background
            # (also for reports an earlier run left without them).
            self.report = self.assistant.ingest(self.paths, progress=self._progress, embed=False)
            # Load the tokenizer and the lexical index now, not on the first question.
            self.assistant.warm_up()
            self.assistant.embed_in_background()
        except AssistantError as exc:
            self.error = str(exc)
        except Exception as exc:  # the page must still load; the log has the details
            log.exception("indexing the bundled reports failed")
            self.error = f"{type(exc).__name__}: {exc}"
        finally:
            self._finished.set()

    @property
    def finished(self) -> bool:
        return self._finished.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        if self._thread is None and not self.finished:
            self.start()
        return self._finished.wait(timeout)


# -- the app --------------------------------------------------------------------------------


def _gradio_notify(level: str, message: str) -> None:
    # gr.Warning/gr.Info render their message as HTML.
    if level == "warning":
        gr.Warning(esc(message), title="注意")
    else:
        gr.Info(esc(message), title="提示")


def _error_message(exc: Exception) -> str:
    if isinstance(exc, EmptyQuestionError):
        return "问题为空或只有标点，请输入要查询的内容。"
    if isinstance(exc, DocumentNotFoundError):
        return f"所选文档已不在索引中，请重新选择提问范围。（{exc}）"
    if isinstance(exc, LLMError):
        return f"大模型暂时无法回答：{exc}。请稍后重试。"
    if isinstance(exc, StoreError):
        return f"索引暂时不可用：{exc}"
    if isinstance(exc, AssistantError):
        return str(exc)
    return "处理问题时出错了，请重试。"


class ChatApp:
    """Event handlers and layout of the web UI over one `Assistant`."""

    def __init__(
        self,
        assistant: Assistant,
        bundled: Sequence[str | Path] = (),
        uploads_dir: str | Path | None = None,
        notify: Notify | None = None,
        on_index_progress=None,
    ) -> None:
        self.assistant = assistant
        self.uploads_dir = Path(uploads_dir or Path(assistant.settings.store_dir) / "uploads")
        self.notify = notify or _gradio_notify
        self.startup = StartupIndex(assistant, bundled, on_progress=on_index_progress)

    # -- answering ------------------------------------------------------------------------

    def _answer(
        self,
        question: str,
        history: list[tuple[str, str]],
        documents: list[str] | None,
        year: int | None,
    ) -> Iterator[str | Answer]:
        """Text chunks as they are generated, then the final Answer."""
        # The LLM mode adds Assistant.stream(question, history=...), which yields text chunks
        # then the Answer and rewrites follow-ups using the history. This is the one place
        # that checks for it: until the Assistant has it, ask() answers in one piece.
        if hasattr(self.assistant, "stream"):
            yield from self.assistant.stream(
                question, history=history, documents=documents, year=year
            )
        else:
            yield self.assistant.ask(question, documents=documents, year=year)

    def respond(
        self,
        message: str,
        chat: list[dict[str, Any]] | None,
        history: list[list[str]] | None,
        documents: list[str] | None = None,
        year: int | None = ALL_YEARS,
    ) -> Iterator[tuple[list[dict[str, Any]], list[list[str]], str]]:
        """Chat handler: yields (chat messages, question/answer history, textbox value)."""
        chat = list(chat or [])
        history = list(history or [])
        question = (message or "").strip()
        if not question:
            self.notify("warning", "请先输入问题。")
            yield chat, history, message or ""
            return
        turn = sum(1 for m in chat if m.get("role") == "assistant") + 1
        chat += [
            {"role": "user", "content": render_question(question)},
            {"role": "assistant", "content": render_pending()},
        ]
        yield list(chat), history, ""
        if not self.startup.finished:
            chat[-1] = {"role": "assistant", "content": render_pending("正在为内置报告建立索引…")}
            yield list(chat), history, ""
            self.startup.wait()
        past = [(q, a) for q, a in history[-HISTORY_TURNS:]]
        text = ""
        try:
            answer = None
            for item in self._answer(question, past, documents or None, year or None):
                if isinstance(item, Answer):
                    answer = item
                else:
                    text += str(item)
                    chat[-1] = {"role": "assistant", "content": render_partial(text)}
                    yield list(chat), history, ""
            if answer is None:
                raise AssistantError("没有得到答案，请重试。")
        except Exception as exc:
            if not isinstance(exc, AssistantError):
                log.exception("answering %r failed", question)
            message_text = _error_message(exc)
            self.notify("warning", message_text)
            chat[-1] = {"role": "assistant", "content": render_error(message_text, text)}
            yield chat, history, ""
            return
        chat[-1] = {"role": "assistant", "content": render_answer(answer, turn)}
        history.append([question, answer.text])
        yield chat, history, ""

    # -- documents ------------------------------------------------------------------------

    def _documents(self) -> list[DocumentInfo]:
        """The indexed documents, newest report year first, then by title."""
        return sorted(self.assistant.documents(), key=lambda d: (-(d.year or 0), d.title))

    def panel(
        self, selected: Sequence[str] | None = None, year: int | None = ALL_YEARS
    ) -> tuple[Any, ...]:
        """Side panel outputs: document table, document filter, year filter, delete choice."""
        docs = self._documents()
        choices = document_choices(docs)
        ids = {d.doc_id for d in docs}
        years = sorted({d.year for d in docs if d.year}, reverse=True)
        year_choices = [("全部年份", ALL_YEARS)] + [(f"{y}年", y) for y in years]
        return (
            render_documents(docs, self.assistant.embedding_progress()),
            gr.Dropdown(
                choices=choices, value=[s for s in selected or [] if s in ids], multiselect=True
            ),
            gr.Dropdown(choices=year_choices, value=year if year in years else ALL_YEARS),
            gr.Dropdown(choices=choices, value=None),
        )

    def on_load(
        self,
        selected=None,
        year=ALL_YEARS,
        progress=gr.Progress(),  # noqa: B008 - Gradio finds its tracker by this default
    ) -> tuple[Any, ...]:
        """Page load: wait for the bundled reports to be indexed, showing progress."""
        while not self.startup.wait(0.3):
            s = self.startup
            desc = "正在为内置报告建立索引"
            if s.total:
                progress((s.done, s.total), desc=f"{desc}（已完成 {s.current}）", unit="份")
            else:
                progress(0.0, desc=f"{desc}…")
        if self.startup.error:
            self.notify("warning", f"内置报告索引失败：{self.startup.error}")
        elif self.startup.report is not None and self.startup.report.failed:
            names = "；".join(f"{Path(p).name}（{r}）" for p, r in self.startup.report.failed)
            self.notify("warning", f"部分内置报告未能索引：{names}")
        return self.panel(selected, year)

    def upload(
        self,
        files: str | Sequence[str] | None,
        selected=None,
        year=ALL_YEARS,
        progress=gr.Progress(),  # noqa: B008 - Gradio finds its tracker by this default
    ) -> tuple[Any, ...]:
        """Index uploaded reports; outputs (file box, result, *panel)."""
        paths = [files] if isinstance(files, (str, Path)) else list(files or [])
        staged: dict[str, str] = {}  # staged path -> name shown to the user
        failed: list[tuple[str, str]] = []
        for p in paths:
            shown = Path(str(p)).name
            try:
                staged[str(stage_upload(p, self.uploads_dir))] = shown
            except UploadRejected as exc:
                failed.append((shown, exc.reason))
            except OSError as exc:
                failed.append((shown, f"无法读取上传的文件（{exc.strerror or exc}）"))
        report = None
        if staged:
            self.startup.wait()
            progress(0.0, desc=f"正在解析并索引 {len(staged)} 个文件…")

            def step(done: int, total: int, doc_id: str) -> None:
                progress((done, total), desc=f"已索引 {doc_id}", unit="个文件")

            try:
                report = self.assistant.ingest(list(staged), progress=step, embed=False)
                self.assistant.embed_in_background()
            except AssistantError as exc:
                failed.extend((name, str(exc)) for name in staged.values())
                for path in staged:
                    Path(path).unlink(missing_ok=True)
            else:
                for path, reason in report.failed:
                    failed.append((staged.get(path, Path(path).name), reason))
                    if path in staged:
                        Path(path).unlink(missing_ok=True)
        if failed:
            self.notify(
                "warning",
                f"{len(failed)} 个文件未能索引：" + "；".join(f"{n}（{r}）" for n, r in failed),
            )
        elif report is not None:
            self.notify(
                "info",
                f"已索引 {len(staged)} 个文件，可以开始提问；语义索引在后台建立，"
                "完成前这些报告只按关键词检索。",
            )
        return (None, render_upload_result(report, failed), *self.panel(selected, year))

    def embedding_tick(self, shown: bool) -> tuple[Any, bool]:
        """Timer: the document table again while reports are being embedded (and once more
        when the last is done); outputs (table, whether it showed one being embedded)."""
        if not self.startup.finished:
            return gr.skip(), shown  # on_load shows the start-up progress there
        docs = self._documents()
        waiting = any(not d.embedded for d in docs)
        if not waiting and not shown:
            return gr.skip(), False
        return render_documents(docs, self.assistant.embedding_progress()), waiting

    def delete(self, doc_id: str | None, selected=None, year=ALL_YEARS) -> tuple[Any, ...]:
        """Remove a document from the index (and its uploaded copy); outputs (result, *panel)."""
        if not doc_id:
            self.notify("warning", "请先选择要删除的文档。")
            return ("", *self.panel(selected, year))
        titles = {d.doc_id: d.title for d in self.assistant.documents()}
        try:
            self.assistant.delete(doc_id)
        except DocumentNotFoundError:
            self.notify("warning", f"删除失败：{doc_id} 不在索引中（可能已被删除）。")
            return ("", *self.panel(selected, year))
        except AssistantError as exc:
            self.notify("warning", f"删除失败：{_error_message(exc)}")
            return ("", *self.panel(selected, year))
        copy = self.uploads_dir / doc_id
        if copy.resolve().parent == self.uploads_dir.resolve() and copy.is_file():
            copy.unlink()
        name = titles.get(doc_id) or doc_id
        self.notify("info", f"已删除 {name}")
        result = f'<ul class="upload-result"><li class="up-same">已删除：{esc(name)}</li></ul>'
        return (result, *self.panel(selected, year))

    # -- indicators -----------------------------------------------------------------------

    def indicator_filters(self, doc=ALL, year=ALL) -> tuple[Any, Any]:
        """The document and year filters of the indicator table, from what is indexed."""
        records = self.assistant.indicators()
        docs = self._documents()
        doc_choices = [("全部报告", ALL), *document_choices(docs)]
        years = sorted({r.year for r in records if r.year}, reverse=True)
        year_choices = [("全部年份", ALL)] + [(f"{y}年", str(y)) for y in years]
        return (
            gr.Dropdown(choices=doc_choices, value=doc if doc in {d.doc_id for d in docs} else ALL),
            gr.Dropdown(
                choices=year_choices, value=year if year in {str(y) for y in years} else ALL
            ),
        )

    def indicator_table(
        self,
        search: str = "",
        doc: str = ALL,
        year: str = ALL,
        status: str = ALL,
        kind: str = ALL,
    ) -> tuple[str, list[list[Any]], list[Indicator], str | None]:
        """Outputs (summary, table rows, the records shown, CSV file of all matching records)."""
        try:
            records = self.assistant.indicators(
                doc=doc or None,
                year=int(year) if year else None,
                status=status or None,
                kind=kind or None,
                name=(search or "").strip() or None,
            )
        except (AssistantError, ValueError) as exc:
            self.notify("warning", _error_message(exc))
            records = []
        shown = records[:INDICATOR_ROW_LIMIT]
        csv_path = (
            str(write_csv_export(records, Path(tempfile.gettempdir()) / "assistant-exports"))
            if records
            else None
        )
        summary = render_indicator_summary(len(shown), len(records), INDICATOR_ROW_LIMIT)
        return summary, indicator_rows(shown), shown, csv_path

    def indicator_detail(self, shown: Sequence[Indicator], row: int | None) -> str:
        """The paragraph of the figure in row `row` of the table, its sentence marked."""
        if row is None or not 0 <= row < len(shown or []):
            return ""
        record = shown[row]
        return render_indicator_detail(
            record, self.assistant.paragraph(record.doc_id, record.paragraph)
        )

    def _on_indicator_select(self, shown: Sequence[Indicator], evt: gr.SelectData) -> str:
        index = evt.index
        row = index[0] if isinstance(index, (list, tuple)) else index
        return self.indicator_detail(shown, row)

    # -- targets and results ----------------------------------------------------------------

    def track_filters(self, indicator: str = "", region: str = "") -> tuple[Any, Any]:
        """The indicator and region choices: those with a target followed to a result."""
        records = [r for r in self.assistant.track() if r.paired]
        counts: dict[str, int] = {}
        for r in records:
            counts[r.indicator] = counts.get(r.indicator, 0) + 1
        indicators = sorted(counts, key=lambda n: (-counts[n], n))
        regions = sorted({r.region for r in records}, key=lambda r: (r != "全国", r))
        return (
            gr.Dropdown(
                choices=indicators,
                value=indicator if indicator in counts else (indicators[0] if indicators else None),
            ),
            gr.Dropdown(
                choices=regions,
                value=region if region in regions else (regions[0] if regions else None),
            ),
        )

    def track_view(
        self, indicator: str | None, region: str | None
    ) -> tuple[str, str, list[list[Any]], list[TrackRecord], str | None, str]:
        """Outputs (summary, chart, table rows, the records shown, CSV file, detail)."""
        records: list[TrackRecord] = []
        if indicator:
            try:
                records = [
                    r
                    for r in self.assistant.track()
                    if r.indicator == indicator and (not region or r.region == region)
                ]
            except AssistantError as exc:
                self.notify("warning", _error_message(exc))
        if not records:
            summary = (
                '<div class="ind-summary">没有可跟踪的目标：需要同一地区相邻年份的报告。</div>'
            )
            return summary, "", [], [], None, ""
        met = sum(r.verdict == "达到" for r in records)
        missed = sum(r.verdict == "未达到" for r in records)
        summary = (
            f'<div class="ind-summary">{esc(region or "")}{esc(indicator)}：{len(records)} 年，'
            f"达到 {met} 年，未达到 {missed} 年，其余无法判断。点击图中的点或表中的一行查看两边原文。</div>"
        )
        csv_path = str(
            write_track_export(records, Path(tempfile.gettempdir()) / "assistant-exports")
        )
        return summary, render_track_chart(records), track_rows(records), records, csv_path, ""

    def track_detail(self, shown: Sequence[TrackRecord], year: int | None) -> str:
        """Both paragraphs of the year `year` of the records shown."""
        record = next((r for r in shown or [] if r.year == year), None)
        if record is None:
            return ""

        def para(side: TrackSide | None) -> Paragraph | None:
            return self.assistant.paragraph(side.doc_id, side.paragraph) if side else None

        return render_track_detail(record, para(record.target), para(record.result))

    def _on_track_select(self, shown: Sequence[TrackRecord], evt: gr.SelectData) -> str:
        index = evt.index
        row = index[0] if isinstance(index, (list, tuple)) else index
        if row is None or not 0 <= row < len(shown or []):
            return ""
        return self.track_detail(shown, shown[row].year)

    def _on_chart_click(self, shown: Sequence[TrackRecord], evt: gr.EventData) -> str:
        year = getattr(evt, "year", None)
        return self.track_detail(shown, int(year)) if year is not None else ""

    # -- layout ---------------------------------------------------------------------------

    def build(self) -> gr.Blocks:
        """The page. Start it with `serve()` (which passes the theme and CSS)."""
        with gr.Blocks(title=TITLE, analytics_enabled=False, fill_width=True) as demo:
            history = gr.State([])
            gr.HTML(render_header(self.assistant), elem_id="app-header-block")
            with gr.Tabs(elem_id="tabs"):
                with (
                    gr.Tab("问答", id="chat-tab"),
                    gr.Row(equal_height=False, elem_id="main-row"),
                ):
                    with gr.Column(scale=7, min_width=520, elem_id="chat-column"):
                        chatbot = gr.Chatbot(
                            show_label=False,
                            elem_id="chat",
                            height="calc(100vh - 240px)",
                            min_height=420,
                            render_markdown=False,
                            sanitize_html=True,
                            latex_delimiters=[],
                            feedback_options=None,
                            buttons=[],
                            layout="panel",
                            placeholder=(
                                '<div class="chat-placeholder"><h3>有什么想从报告里查的？</h3>'
                                "<p>问一个具体的问题，例如某项指标的数值、目标或工作安排。"
                                "答案下方会列出引用的原文段落，支撑句以黄色标出。</p></div>"
                            ),
                        )
                        with gr.Row(elem_id="ask-row"):
                            question = gr.Textbox(
                                show_label=False,
                                placeholder="输入问题，按回车发送",
                                lines=1,
                                max_lines=4,
                                scale=9,
                                elem_id="question",
                                container=False,
                            )
                            send = gr.Button("提问", variant="primary", scale=1, min_width=88)
                    with gr.Column(scale=4, min_width=340, elem_id="side-panel"):
                        with gr.Column(elem_classes="panel-card"):
                            gr.HTML('<div class="side-heading">提问范围</div>')
                            doc_filter = gr.Dropdown(
                                label="限定文档",
                                info="可多选；不选则检索全部文档",
                                multiselect=True,
                                choices=[],
                                elem_id="doc-filter",
                            )
                            year_filter = gr.Dropdown(
                                label="报告年份",
                                choices=[("全部年份", ALL_YEARS)],
                                value=ALL_YEARS,
                                elem_id="year-filter",
                            )
                            gr.HTML('<div class="side-subheading">示例问题</div>')
                            example_buttons = [
                                (gr.Button(q, size="sm", elem_classes="example-btn"), q)
                                for q in EXAMPLE_QUESTIONS
                            ]
                        with gr.Column(elem_classes="panel-card", elem_id="docs-card"):
                            doc_table = gr.HTML(
                                '<div class="doc-loading">正在准备文档库…</div>',
                                elem_id="doc-table",
                            )
                            with gr.Row(elem_id="upload-row"):
                                upload = gr.UploadButton(
                                    "上传报告",
                                    file_count="multiple",
                                    file_types=list(UPLOAD_TYPES),
                                    variant="secondary",
                                    size="md",
                                    scale=0,
                                    min_width=120,
                                    elem_id="upload",
                                )
                                gr.HTML(
                                    '<div class="upload-hint">PDF、Word、TXT、Markdown、HTML，'
                                    f"单个不超过 {MAX_UPLOAD_MB} MB</div>"
                                )
                            upload_result = gr.HTML(elem_id="upload-result")
                            with gr.Accordion("删除文档", open=False, elem_id="delete-section"):
                                with gr.Row(equal_height=True):
                                    delete_choice = gr.Dropdown(
                                        show_label=False,
                                        choices=[],
                                        scale=3,
                                        container=False,
                                        elem_id="delete-choice",
                                    )
                                    delete_button = gr.Button(
                                        "删除", variant="stop", scale=1, min_width=80
                                    )
                                gr.HTML(
                                    '<div class="upload-hint">内置报告删除后，'
                                    "会在下次启动时重新索引。</div>"
                                )
                with gr.Tab("指标表", id="indicators-tab") as indicators_tab:
                    gr.HTML(
                        '<div class="ind-intro">报告中的每个数字指标：数值、类型、实绩或目标、'
                        "年份和出处。可按报告、年份、实绩/目标和类型筛选，导出 CSV。</div>"
                    )
                    with gr.Row(elem_id="ind-filters", equal_height=True):
                        ind_search = gr.Textbox(
                            label="搜索",
                            placeholder="指标名或原文，如 地区生产总值",
                            scale=3,
                            elem_id="ind-search",
                        )
                        ind_doc = gr.Dropdown(
                            label="报告", choices=[("全部报告", ALL)], value=ALL, scale=3
                        )
                        ind_year = gr.Dropdown(
                            label="年份", choices=[("全部年份", ALL)], value=ALL, scale=1
                        )
                        ind_status = gr.Dropdown(
                            label="实绩/目标",
                            choices=[("全部", ALL)] + [(v, k) for k, v in STATUS_LABELS.items()],
                            value=ALL,
                            scale=1,
                        )
                        ind_kind = gr.Dropdown(
                            label="类型",
                            choices=[("全部", ALL)] + [(v, k) for k, v in KIND_LABELS.items()],
                            value=ALL,
                            scale=1,
                        )
                    with gr.Row(elem_id="ind-bar", equal_height=True):
                        ind_summary = gr.HTML(elem_id="ind-summary")
                        ind_csv = gr.DownloadButton(
                            "导出 CSV",
                            value=None,
                            size="sm",
                            variant="secondary",
                            scale=0,
                            min_width=110,
                            elem_id="ind-csv",
                        )
                    with gr.Row(equal_height=False):
                        with gr.Column(scale=8, min_width=560):
                            ind_table = gr.Dataframe(
                                headers=INDICATOR_COLUMNS,
                                datatype="str",
                                interactive=False,
                                wrap=True,
                                max_height=620,
                                column_widths=INDICATOR_WIDTHS,
                                show_label=False,
                                elem_id="ind-table",
                            )
                        with gr.Column(scale=4, min_width=340):
                            ind_detail = gr.HTML(
                                '<div class="ind-hint">点击表格中的一行，这里显示它所在的段落。</div>',
                                elem_id="ind-detail",
                            )
                    ind_shown = gr.State([])
                with gr.Tab("目标与实绩", id="track-tab") as track_tab:
                    gr.HTML(
                        '<div class="ind-intro">每年报告提出的目标，与下一年报告回顾的实际完成数对照：'
                        "选择指标和地区，看历年目标与实际、是否达到，点击查看两边原文，导出 CSV。</div>"
                    )
                    with gr.Row(elem_id="track-filters", equal_height=True):
                        track_indicator = gr.Dropdown(
                            label="指标", choices=[], scale=3, elem_id="track-indicator"
                        )
                        track_region = gr.Dropdown(
                            label="地区", choices=[], scale=2, elem_id="track-region"
                        )
                    with gr.Row(elem_id="track-bar", equal_height=True):
                        track_summary = gr.HTML(elem_id="track-summary")
                        track_csv_button = gr.DownloadButton(
                            "导出 CSV",
                            value=None,
                            size="sm",
                            variant="secondary",
                            scale=0,
                            min_width=110,
                            elem_id="track-csv",
                        )
                    with gr.Row(equal_height=False):
                        with gr.Column(scale=7, min_width=560):
                            track_chart = gr.HTML(elem_id="track-chart", js_on_load=TRACK_CHART_JS)
                            track_table = gr.Dataframe(
                                headers=TRACK_COLUMNS,
                                datatype="str",
                                interactive=False,
                                wrap=True,
                                max_height=420,
                                column_widths=TRACK_WIDTHS,
                                show_label=False,
                                elem_id="track-table",
                            )
                        with gr.Column(scale=5, min_width=360):
                            track_detail = gr.HTML(
                                '<div class="ind-hint">点击图中的点或表中的一行，'
                                "这里显示目标和实际所在的段落。</div>",
                                elem_id="track-detail",
                            )
                    track_shown = gr.State([])

            panel = [doc_table, doc_filter, year_filter, delete_choice]
            chat_io = {
                "fn": self.respond,
                "inputs": [question, chatbot, history, doc_filter, year_filter],
                "outputs": [chatbot, history, question],
                "show_progress": "hidden",
                # One queue for every way of asking, answering many users' questions at once.
                "concurrency_id": "chat",
                "concurrency_limit": CHAT_CONCURRENCY,
            }
            question.submit(**chat_io, api_name="chat")
            send.click(**chat_io, api_visibility="private")
            for button, text in example_buttons:
                button.click(lambda text=text: text, None, question, api_visibility="private").then(
                    **chat_io, api_visibility="private"
                )
            chatbot.clear(lambda: [], None, history, api_visibility="private")
            ind_inputs = [ind_search, ind_doc, ind_year, ind_status, ind_kind]
            ind_outputs = [ind_summary, ind_table, ind_shown, ind_csv]
            ind_io = {"fn": self.indicator_table, "inputs": ind_inputs, "outputs": ind_outputs}
            indicators_tab.select(
                self.indicator_filters,
                [ind_doc, ind_year],
                [ind_doc, ind_year],
                api_visibility="private",
            ).then(**ind_io, api_visibility="private")
            ind_search.submit(**ind_io, api_visibility="private")
            for control in (ind_doc, ind_year, ind_status, ind_kind):
                control.input(**ind_io, api_visibility="private")
            ind_table.select(
                self._on_indicator_select, [ind_shown], ind_detail, api_visibility="private"
            )
            track_io = {
                "fn": self.track_view,
                "inputs": [track_indicator, track_region],
                "outputs": [
                    track_summary,
                    track_chart,
                    track_table,
                    track_shown,
                    track_csv_button,
                    track_detail,
                ],
            }
            track_tab.select(
                self.track_filters,
                [track_indicator, track_region],
                [track_indicator, track_region],
                api_visibility="private",
            ).then(**track_io, api_visibility="private")
            for control in (track_indicator, track_region):
                control.input(**track_io, api_visibility="private")
            track_table.select(
                self._on_track_select, [track_shown], track_detail, api_visibility="private"
            )
            track_chart.click(
                self._on_chart_click, [track_shown], track_detail, api_visibility="private"
            )
            demo.load(
                self.on_load,
                [doc_filter, year_filter],
                panel,
                show_progress_on=[doc_table],
                api_visibility="private",
            ).then(
                self.indicator_filters,
                [ind_doc, ind_year],
                [ind_doc, ind_year],
                api_visibility="private",
            ).then(**ind_io, api_visibility="private")
            # The table follows background embedding (see embedding_tick).
            embedding_shown = gr.State(True)
            gr.Timer(EMBEDDING_TICK).tick(
                self.embedding_tick,
                [embedding_shown],
                [doc_table, embedding_shown],
                show_progress="hidden",
                api_visibility="private",
            )
            upload.upload(
                self.upload,
                [upload, doc_filter, year_filter],
                [upload, upload_result, *panel],
                show_progress_on=[doc_table],
                api_visibility="private",
            )
            delete_button.click(
                self.delete,
                [delete_choice, doc_filter, year_filter],
                [upload_result, *panel],
                show_progress="minimal",
                api_visibility="private",
            )
        return demo


# -- serving --------------------------------------------------------------------------------

THEME = gr.themes.Default(
    primary_hue="blue",
    neutral_hue="slate",
    radius_size="md",
    # System fonts only: the app must not fetch fonts from the internet.
    font=["PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "system-ui", "sans-serif"],
    font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "monospace"],
)

CSS = """
.gradio-container { max-width: 1360px !important; width: 100% !important;
  margin: 0 auto !important; }
/* Toast titles are the level in English ("Info", "Warning"); show Chinese ones. */
.toast-title { font-size: 0 !important; }
.toast-title::before { font-size: 15px; content: "提示"; }
.toast-title.warning::before { content: "注意"; }
.toast-title.error::before { content: "出错了"; }
#app-header-block { padding: 0 !important; }
.app-header { display: flex; align-items: center; justify-content: space-between;
  padding: 6px 4px 10px; border-bottom: 1px solid var(--border-color-primary); }
.app-brand { display: flex; align-items: center; gap: 12px; }
.app-logo { width: 40px; height: 40px; border-radius: 8px; background: #b91c1c; color: #fff;
  display: flex; align-items: center; justify-content: center; font-size: 22px; font-weight: 700; }
.app-title { font-size: 21px !important; font-weight: 700; margin: 0 !important; line-height: 1.3; }
.app-subtitle { margin: 2px 0 0 !important; color: var(--body-text-color-subdued); font-size: 13px; }
.mode-badge { display: inline-block; padding: 4px 12px; border-radius: 999px; font-size: 13px;
  font-weight: 600; border: 1px solid; white-space: nowrap; }
.mode-extractive { color: #1d4ed8; background: #eff6ff; border-color: #bfdbfe; }
.mode-llm { color: #047857; background: #ecfdf5; border-color: #a7f3d0; }

#chat .message { font-size: 15px; }
.chat-placeholder { text-align: center; max-width: 460px; margin: 0 auto;
  color: var(--body-text-color-subdued); }
.chat-placeholder h3 { color: var(--body-text-color); font-size: 18px; margin-bottom: 6px; }
#ask-row { align-items: stretch; gap: 8px; }
#question textarea { font-size: 15px; }
.side-subheading { font-size: 13px; font-weight: 600; color: var(--body-text-color-subdued);
  margin-top: 4px; }
.example-btn { font-weight: 400 !important; justify-content: flex-start !important;
  text-align: left !important; background: var(--background-fill-primary) !important;
  border: 1px solid var(--border-color-primary) !important; box-shadow: none !important;
  color: var(--body-text-color) !important; }
.example-btn:hover { border-color: #93c5fd !important; background: #eff6ff !important; }

.qa-answer { line-height: 1.7; }
.qa-answer p { margin: 0 0 6px; }
.qa-text { font-size: 15.5px; }
.qa-rewritten { font-size: 13px; color: var(--body-text-color-subdued); margin-bottom: 6px; }
.qa-rewritten q { quotes: "“" "”"; color: var(--body-text-color); }
.qa-pending { color: var(--body-text-color-subdued); }
.qa-cursor { display: inline-block; width: 7px; height: 1em; margin-left: 2px;
  vertical-align: text-bottom; background: currentColor; opacity: .5; }
a.cite-ref { display: inline-block; font-size: 12px; line-height: 1; padding: 2px 4px;
  margin: 0 1px; border-radius: 4px; vertical-align: super; text-decoration: none !important;
  background: #dbeafe; color: #1d4ed8 !important; font-weight: 600; }
a.cite-ref:hover { background: #bfdbfe; }
.qa-abstain { border: 1px dashed var(--border-color-primary); border-radius: 8px;
  padding: 10px 14px; background: var(--background-fill-secondary); }
.qa-abstain-title { font-weight: 700; color: var(--body-text-color-subdued); }
.qa-abstain-title::before { content: "○"; margin-right: 6px; }
.qa-abstain-text { margin-top: 2px; }
.qa-related { margin-top: 10px; padding: 8px 10px; border-left: 3px solid #b0b7c3;
  background: var(--background-fill-secondary); border-radius: 4px; opacity: 0.92; }
.qa-related-title { font-size: 13px; font-weight: 700; color: var(--body-text-color-subdued);
  margin-bottom: 4px; }
.qa-abstain-hint { margin-top: 4px; font-size: 13px; color: var(--body-text-color-subdued); }
.qa-notice { margin-top: 8px; padding: 6px 10px; border-left: 3px solid #f59e0b;
  background: #fffbeb; color: #92400e; font-size: 13px; border-radius: 0 6px 6px 0; }
.qa-error { padding: 8px 12px; border-left: 3px solid #dc2626; background: #fef2f2;
  color: #991b1b; border-radius: 0 6px 6px 0; }
.qa-cites { margin-top: 12px; }
.qa-cites-title { font-size: 12px; font-weight: 700; letter-spacing: .08em;
  color: var(--body-text-color-subdued); margin-bottom: 6px; }
.cite-card { border: 1px solid var(--border-color-primary); border-radius: 8px;
  padding: 10px 14px; margin-bottom: 8px; background: var(--background-fill-primary);
  scroll-margin-top: 12px; }
.cite-card:target { border-color: #3b82f6; box-shadow: 0 0 0 3px rgba(59,130,246,.2); }
.cite-head { display: flex; align-items: center; gap: 8px; flex-wrap: wrap; }
.cite-num { flex: none; width: 20px; height: 20px; border-radius: 50%; background: #1d4ed8;
  color: #fff; font-size: 12px; font-weight: 700; display: inline-flex;
  align-items: center; justify-content: center; }
.cite-title { font-weight: 700; font-size: 14.5px; }
.cite-period { font-size: 12px; padding: 1px 8px; border-radius: 999px; background: #f1f5f9;
  color: #475569; border: 1px solid #e2e8f0; }
.cite-loc { font-size: 12.5px; color: var(--body-text-color-subdued); margin: 2px 0 6px 28px; }
.cite-body { font-size: 14px; line-height: 1.75; margin-left: 28px; color: var(--body-text-color); }
.cite-body mark { background: #fef08a; color: inherit; padding: 1px 0; border-radius: 2px; }
.qa-meta { margin-top: 4px; font-size: 12px; color: var(--body-text-color-subdued); }

#side-panel { gap: 14px; }
.panel-card { border: 1px solid var(--border-color-primary); border-radius: 10px;
  padding: 14px 16px !important; background: var(--block-background-fill); gap: 10px; }
.side-heading { font-weight: 700; font-size: 15px; margin: 0; }
.panel-card .form { border: none !important; background: none !important;
  box-shadow: none !important; gap: 12px; }
.panel-card .form > div { padding: 0 !important; background: none !important; }
#upload { background: var(--background-fill-primary) !important; color: #1d4ed8 !important;
  border: 1px solid #93c5fd !important; box-shadow: none !important; }
#upload:hover { background: #eff6ff !important; }
#upload-row { align-items: center; gap: 10px; flex-wrap: nowrap; }
#upload-row > div:last-child { flex: 1 1 auto; }
.upload-hint { font-size: 12.5px; color: var(--body-text-color-subdued); }
.doc-head { display: flex; align-items: baseline; justify-content: space-between;
  margin-bottom: 8px; }
.doc-status { font-size: 12.5px; color: var(--body-text-color-subdued); }
.doc-table { width: 100%; border-collapse: collapse; font-size: 13.5px; border: none !important;
  margin: 0 !important; }
.doc-table tr, .doc-table th, .doc-table td { border: none !important; background: none !important; }
.doc-table th { text-align: left; font-weight: 600; color: var(--body-text-color-subdued);
  border-bottom: 1px solid var(--border-color-primary) !important; padding: 6px 6px;
  white-space: nowrap; font-size: 12.5px; }
.doc-table td { padding: 8px 6px; border-bottom: 1px solid var(--border-color-primary) !important;
  vertical-align: top; }
.doc-table td.doc-title { font-weight: 500; }
.doc-table .doc-years { font-weight: 400; font-size: 12px; color: var(--body-text-color-subdued); }
.doc-table .doc-embedding { font-weight: 400; font-size: 12px; color: #b45309; }
.doc-table .num { text-align: right; white-space: nowrap; }
.doc-loading { min-height: 150px; color: var(--body-text-color-subdued); font-size: 13.5px; }
.doc-empty { color: var(--body-text-color-subdued); font-size: 13.5px; padding: 8px 0; }
.upload-result { list-style: none; padding: 0; margin: 6px 0 0; font-size: 13px; }
.upload-result li { padding: 3px 0; }
.up-ok { color: #047857; }
.up-same { color: var(--body-text-color-subdued); }
.up-fail { color: #b91c1c; }

#tabs > .tab-wrapper button { font-size: 15px; font-weight: 600; }
.ind-intro { font-size: 13.5px; color: var(--body-text-color-subdued); margin: 2px 0 4px; }
#ind-bar { align-items: center; }
.ind-summary { font-size: 13.5px; color: var(--body-text-color-subdued); }
#ind-table { font-size: 13.5px; }
.ind-hint { color: var(--body-text-color-subdued); font-size: 13.5px; padding: 12px 4px; }
.ind-detail-head { display: flex; align-items: baseline; gap: 10px; flex-wrap: wrap;
  margin: 4px 0 10px; }
.ind-name { font-weight: 700; font-size: 16px; }
.ind-value { font-size: 18px; font-weight: 700; color: #b91c1c; }
#track-bar { align-items: center; }
.track-chart { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 8px 10px;
  margin-bottom: 10px; background: var(--background-fill-primary); }
.track-svg { width: 100%; height: auto; display: block; }
.track-svg .grid { stroke: var(--border-color-primary); stroke-width: 1; }
.track-svg .tick { font-size: 12px; fill: var(--body-text-color-subdued); }
.track-svg .line-target { fill: none; stroke: #2563eb; stroke-width: 2; stroke-dasharray: 6 4; }
.track-svg .line-result { fill: none; stroke: #475569; stroke-width: 2; }
.track-svg circle { cursor: pointer; stroke-width: 2; }
.track-svg .pt-target { fill: #fff; stroke: #2563eb; }
.track-svg .pt-result { stroke: #fff; }
.track-svg .pt-result.met, .lg-result.met { fill: #059669; background: #059669; }
.track-svg .pt-result.missed, .lg-result.missed { fill: #dc2626; background: #dc2626; }
.track-svg .pt-result.undecided, .lg-result.undecided { fill: #9ca3af; background: #9ca3af; }
.track-legend { display: flex; gap: 16px; flex-wrap: wrap; font-size: 12.5px;
  color: var(--body-text-color-subdued); margin: 2px 0 4px; }
.track-legend i { display: inline-block; width: 10px; height: 10px; border-radius: 50%;
  margin-right: 5px; vertical-align: -1px; }
.track-legend .lg-target { border: 2px solid #2563eb; width: 7px; height: 7px; }
.track-axis { margin-left: auto; }
.track-empty { color: var(--body-text-color-subdued); font-size: 13.5px; padding: 12px 4px; }
#track-table { font-size: 13.5px; }
.verdict { font-weight: 700; padding: 1px 8px; border-radius: 10px; font-size: 13px; color: #fff; }
.verdict.met { background: #059669; }
.verdict.missed { background: #dc2626; }
.verdict.undecided { background: #9ca3af; }
.track-why { font-size: 12.5px; color: var(--body-text-color-subdued); }
.track-side { margin-bottom: 10px; }
.track-side-head { font-weight: 600; margin: 6px 0 4px; }
.track-missing { color: var(--body-text-color-subdued); font-size: 13.5px; padding: 6px 2px; }
"""


# Gradio routes that do not check the login themselves: with a login set, they are refused
# to a client without one (a reset or cancel of someone's event, a stream, a heartbeat).
_UNGUARDED = ("/gradio_api/reset", "/gradio_api/cancel")
_UNGUARDED_UNDER = ("/gradio_api/stream/", "/gradio_api/heartbeat/")


class LoginRequired:
    """ASGI middleware: with a login set, the routes Gradio leaves open (`_UNGUARDED`,
    `_UNGUARDED_UNDER`) answer 401 without the login cookie, as its other routes do."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and _unguarded(scope.get("path", "")):
            gradio_app = scope.get("app")  # the Gradio App (Starlette sets it before middleware)
            if not await _logged_in(gradio_app, scope):
                from starlette.responses import JSONResponse

                response = JSONResponse({"detail": "Not authenticated"}, status_code=401)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _unguarded(path: str) -> bool:
    return path.rstrip("/") in _UNGUARDED or path.startswith(_UNGUARDED_UNDER)


async def _logged_in(gradio_app: Any, scope: dict) -> bool:
    """Gradio's own test (`get_current_user`): no login configured, or a known token."""
    from starlette.requests import Request

    auth = getattr(gradio_app, "auth", None)
    dependency = getattr(gradio_app, "auth_dependency", None)
    if auth is None and dependency is None:
        return True
    request = Request(scope)
    if dependency is not None:
        user = dependency(request)
        if hasattr(user, "__await__"):
            user = await user
        return user is not None
    cookie = getattr(gradio_app, "cookie_id", "")
    token = request.cookies.get(f"access-token-{cookie}") or request.cookies.get(
        f"access-token-unsecure-{cookie}"
    )
    return getattr(gradio_app, "tokens", {}).get(token) is not None


def serve(
    app: ChatApp,
    host: str = "127.0.0.1",
    port: int = 7860,
    share: bool = False,
    auth: tuple[str, str] | None = None,
    block: bool = True,
) -> gr.Blocks:
    """Build and start the UI; with block=False, return once the server is up."""
    from starlette.middleware import Middleware

    demo = app.build()
    demo.launch(
        server_name=host,
        server_port=port,
        share=share,
        auth=auth,
        auth_message=f"{TITLE}：请登录" if auth else None,
        max_file_size=MAX_UPLOAD_BYTES,
        app_kwargs={"middleware": [Middleware(LoginRequired)]},
        prevent_thread_lock=not block,
        theme=THEME,
        css=CSS,
        footer_links=[],
        quiet=not block,
    )
    return demo
