"""HTML of the chat tab: answers with their citation cards, the document library, the header.

Pure functions of the API's types. Everything shown that comes from a document or a user is
HTML-escaped here, before Gradio sees it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from markdown_it import MarkdownIt

from ..types import Answer, Citation, DocumentInfo, IngestReport, year_span
from ..vocab import SENTENCE_END

if TYPE_CHECKING:
    from ..pipeline import Assistant

TITLE = "政府工作报告问答助手"
NOT_FOUND = "报告中未找到"


def esc(text: object) -> str:
    """Escape text for HTML (quotes too, so it is safe in attributes)."""
    return html.escape(str(text), quote=True)


def _with_breaks(escaped: str) -> str:
    return escaped.replace("\r\n", "\n").replace("\n", "<br>")


_SENTENCE = re.compile(f"[^{SENTENCE_END}]+[{SENTENCE_END}]*")


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


def render_index_progress(done: int, total: int, current: str) -> str:
    """The progress of the start-up indexing of the bundled reports, in a box of its own.

    `done` of `total` reports are indexed, `current` the last one; `total` is 0 while the
    files are still being read."""
    if not total:
        step = "正在读取报告文件…"
    elif done < total:
        step = f"已完成 {done}/{total} 份 · 最近完成：{esc(current)}"
    else:
        step = f"已完成 {total}/{total} 份，正在加载检索索引…"
    return (
        '<div class="index-progress" role="status">'
        '<div class="index-progress-title">正在为内置报告建立索引</div>'
        f'<progress max="{max(total, 1)}" value="{min(done, total)}"></progress>'
        f'<div class="index-progress-step">{step}</div>'
        '<div class="index-progress-hint">完成后文档库会显示在这里，即可开始提问。</div>'
        "</div>"
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
    """The years a report reviews and plans, and who delivered it, under its title:
    回顾 2021—2025 · 规划 2026—2030 · 省人民政府省长 王清宪."""
    parts = [
        f"{label} {year_span(years)}"
        for label, years in (("回顾", d.review_years), ("规划", d.plan_years))
        if years
    ]
    if d.speaker:
        parts.append(d.delivered_by)
    return f'<div class="doc-years">{esc(" · ".join(parts))}</div>' if parts else ""


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
    items: list[str] = []
    if report is not None:
        for label, ids in (("已添加", report.added), ("已更新", report.updated)):
            items.extend(f'<li class="up-ok">{label}：{esc(i)}</li>' for i in ids)
        items.extend(f'<li class="up-same">未变化：{esc(i)}</li>' for i in report.skipped)
    items.extend(f'<li class="up-fail">未能索引：{esc(n)}（{esc(r)}）</li>' for n, r in failed)
    return f'<ul class="upload-result">{"".join(items)}</ul>' if items else ""
