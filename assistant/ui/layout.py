"""The Gradio page: three tabs built from the `ChatApp` handlers, and the events that join them.

问答: a chat (answers with one card per citation) and a side panel (question filters, example
questions, indexed documents, upload, delete). 指标表: every figure of the indexed reports as
a filterable table; a row opens its paragraph, and the matching rows export to CSV. 目标与实绩:
a year's target against the next report's result, as a chart and a table.

Each tab is built by one function that returns the components other parts of the page use.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypedDict

import gradio as gr
from gradio.components import Component

from .figures import (
    ALL,
    INDICATOR_COLUMNS,
    INDICATOR_WIDTHS,
    KIND_LABELS,
    STATUS_LABELS,
    TRACK_CHART_JS,
    TRACK_COLUMNS,
    TRACK_WIDTHS,
)
from .render import TITLE, esc, render_header
from .uploads import upload_hint, upload_types

if TYPE_CHECKING:
    from .app import ChatApp

EXAMPLE_QUESTIONS = (
    "2023年内江市地区生产总值是多少？",
    "2024年内江市规模以上工业增加值增长目标是多少？",
    "市中区2024年新增城镇就业目标？",
)
# Questions answered at the same time (Assistant.ask is thread-safe, also during an upload);
# more wait in Gradio's queue.
CHAT_CONCURRENCY = 16
ALL_YEARS = 0  # value of the year filter's "all years" choice
EMBEDDING_TICK = 2.0  # seconds between refreshes of the document table while embedding


class Event(TypedDict):
    """A handler and its components, given as keyword arguments to every trigger that runs it."""

    fn: Callable[..., Any]
    inputs: list[Component]
    outputs: list[Component]


class ChatEvent(Event):
    """Asking a question: the same handler, progress and queue for every way of asking."""

    show_progress: Literal["full", "minimal", "hidden"]
    concurrency_id: str
    concurrency_limit: int


@dataclass
class IndicatorRefresh:
    """The indicator tab's two refresh steps, which the page load runs too."""

    filters: Event
    table: Event


@dataclass
class SidePanel:
    """The side panel of the chat tab."""

    doc_filter: gr.Dropdown
    year_filter: gr.Dropdown
    examples: list[tuple[gr.Button, str]]
    doc_table: gr.HTML
    upload: gr.UploadButton
    upload_result: gr.HTML
    delete_choice: gr.Dropdown
    delete_button: gr.Button

    @property
    def outputs(self) -> list[Component]:
        """What `ChatApp.panel` returns, in its order."""
        return [self.doc_table, self.doc_filter, self.year_filter, self.delete_choice]


def build_page(app: ChatApp) -> gr.Blocks:
    """The page. Start it with `serve()` (which passes the theme and CSS)."""
    with gr.Blocks(title=TITLE, analytics_enabled=False, fill_width=True) as demo:
        history = gr.State([])
        gr.HTML(render_header(app.assistant), elem_id="app-header-block")
        with gr.Tabs(elem_id="tabs"):
            side = _chat_tab(app, history)
            refresh_indicators = _indicator_tab(app)
            _track_tab(app)
        _documents_events(app, demo, side, refresh_indicators)
    return demo


# -- 问答 -------------------------------------------------------------------------------------


def _chat_tab(app: ChatApp, history: gr.State) -> SidePanel:
    """The chat and its side panel; wires the ways of asking a question."""
    with gr.Tab("问答", id="chat-tab"), gr.Row(equal_height=False, elem_id="main-row"):
        with gr.Column(scale=7, min_width=520, elem_id="chat-column"):
            chatbot, question, send = _chat_column()
        with gr.Column(scale=4, min_width=340, elem_id="side-panel"):
            side = _side_panel()
    chat_io = ChatEvent(
        fn=app.respond,
        inputs=[question, chatbot, history, side.doc_filter, side.year_filter],
        outputs=[chatbot, history, question],
        show_progress="hidden",
        # One queue for every way of asking, answering many users' questions at once.
        concurrency_id="chat",
        concurrency_limit=CHAT_CONCURRENCY,
    )
    question.submit(**chat_io, api_name="chat")
    send.click(**chat_io, api_visibility="private")
    for button, text in side.examples:
        button.click(lambda text=text: text, None, question, api_visibility="private").then(
            **chat_io, api_visibility="private"
        )
    chatbot.clear(lambda: [], None, history, api_visibility="private")
    return side


def _chat_column() -> tuple[gr.Chatbot, gr.Textbox, gr.Button]:
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
    return chatbot, question, send


def _side_panel() -> SidePanel:
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
        examples = [
            (gr.Button(q, size="sm", elem_classes="example-btn"), q) for q in EXAMPLE_QUESTIONS
        ]
    with gr.Column(elem_classes="panel-card", elem_id="docs-card"):
        doc_table = gr.HTML('<div class="doc-loading">正在准备文档库…</div>', elem_id="doc-table")
        with gr.Row(elem_id="upload-row"):
            upload = gr.UploadButton(
                "上传报告",
                file_count="multiple",
                file_types=list(upload_types()),
                variant="secondary",
                size="md",
                scale=0,
                min_width=120,
                elem_id="upload",
            )
            gr.HTML(f'<div class="upload-hint">{esc(upload_hint())}</div>')
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
                delete_button = gr.Button("删除", variant="stop", scale=1, min_width=80)
            gr.HTML('<div class="upload-hint">内置报告删除后，会在下次启动时重新索引。</div>')
    return SidePanel(
        doc_filter=doc_filter,
        year_filter=year_filter,
        examples=examples,
        doc_table=doc_table,
        upload=upload,
        upload_result=upload_result,
        delete_choice=delete_choice,
        delete_button=delete_button,
    )


def _documents_events(
    app: ChatApp, demo: gr.Blocks, side: SidePanel, refresh_indicators: IndicatorRefresh
) -> None:
    """Page load (start-up indexing's progress, then the panel and the indicator filters), the
    table's refresh while reports are embedded, upload and delete."""
    panel = side.outputs
    scope = [side.doc_filter, side.year_filter]
    # The start-up progress is a box of its own in the table's place: Gradio's progress
    # overlay would cover it, so none is shown. Every page waiting for it gets its updates.
    demo.load(
        app.startup_progress,
        None,
        side.doc_table,
        show_progress="hidden",
        concurrency_limit=None,
        api_visibility="private",
    ).then(app.on_load, scope, panel, show_progress="hidden", api_visibility="private").then(
        **refresh_indicators.filters, api_visibility="private"
    ).then(**refresh_indicators.table, api_visibility="private")
    # The table follows background embedding (see embedding_tick).
    embedding_shown = gr.State(True)
    gr.Timer(EMBEDDING_TICK).tick(
        app.embedding_tick,
        [embedding_shown],
        [side.doc_table, embedding_shown],
        show_progress="hidden",
        api_visibility="private",
    )
    side.upload.upload(
        app.upload,
        [side.upload, *scope],
        [side.upload, side.upload_result, *panel],
        show_progress_on=[side.doc_table],
        api_visibility="private",
    )
    side.delete_button.click(
        app.delete,
        [side.delete_choice, *scope],
        [side.upload_result, *panel],
        show_progress="minimal",
        api_visibility="private",
    )


# -- 指标表 -----------------------------------------------------------------------------------


def _indicator_tab(app: ChatApp) -> IndicatorRefresh:
    """The indicator table tab; returns its two refresh steps (filters, then table), which
    the page load runs too."""
    with gr.Tab("指标表", id="indicators-tab") as tab:
        gr.HTML(
            '<div class="ind-intro">报告中的每个数字指标：数值、类型、实绩或目标、'
            "年份和出处。可按报告、年份、实绩/目标和类型筛选，导出 CSV。</div>"
        )
        with gr.Row(elem_id="ind-filters", equal_height=True):
            search = gr.Textbox(
                label="搜索",
                placeholder="指标名或原文，如 地区生产总值",
                scale=3,
                elem_id="ind-search",
            )
            doc = gr.Dropdown(label="报告", choices=[("全部报告", ALL)], value=ALL, scale=3)
            year = gr.Dropdown(label="年份", choices=[("全部年份", ALL)], value=ALL, scale=1)
            status = gr.Dropdown(
                label="实绩/目标",
                choices=[("全部", ALL)] + [(v, k) for k, v in STATUS_LABELS.items()],
                value=ALL,
                scale=1,
            )
            kind = gr.Dropdown(
                label="类型",
                choices=[("全部", ALL)] + [(v, k) for k, v in KIND_LABELS.items()],
                value=ALL,
                scale=1,
            )
        with gr.Row(elem_id="ind-bar", equal_height=True):
            summary = gr.HTML(elem_id="ind-summary")
            csv = _csv_button("ind-csv")
        with gr.Row(equal_height=False):
            with gr.Column(scale=8, min_width=560):
                table = gr.Dataframe(
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
                detail = gr.HTML(
                    '<div class="ind-hint">点击表格中的一行，这里显示它所在的段落。</div>',
                    elem_id="ind-detail",
                )
        shown = gr.State([])
    refresh = IndicatorRefresh(
        filters=Event(fn=app.indicator_filters, inputs=[doc, year], outputs=[doc, year]),
        table=Event(
            fn=app.indicator_table,
            inputs=[search, doc, year, status, kind],
            outputs=[summary, table, shown, csv],
        ),
    )
    tab.select(**refresh.filters, api_visibility="private").then(
        **refresh.table, api_visibility="private"
    )
    search.submit(**refresh.table, api_visibility="private")
    for control in (doc, year, status, kind):
        control.input(**refresh.table, api_visibility="private")
    table.select(app.on_indicator_select, [shown], detail, api_visibility="private")
    return refresh


def _csv_button(elem_id: str) -> gr.DownloadButton:
    return gr.DownloadButton(
        "导出 CSV",
        value=None,
        size="sm",
        variant="secondary",
        scale=0,
        min_width=110,
        elem_id=elem_id,
    )


# -- 目标与实绩 -------------------------------------------------------------------------------


def _track_tab(app: ChatApp) -> None:
    """The target/result tab: choose an indicator and a region, see the chart and the table;
    a point or a row shows both paragraphs."""
    with gr.Tab("目标与实绩", id="track-tab") as tab:
        gr.HTML(
            '<div class="ind-intro">每年报告提出的目标，与下一年报告回顾的实际完成数对照：'
            "选择指标和地区，看历年目标与实际、是否达到，点击查看两边原文，导出 CSV。</div>"
        )
        with gr.Row(elem_id="track-filters", equal_height=True):
            indicator = gr.Dropdown(label="指标", choices=[], scale=3, elem_id="track-indicator")
            region = gr.Dropdown(label="地区", choices=[], scale=2, elem_id="track-region")
        with gr.Row(elem_id="track-bar", equal_height=True):
            summary = gr.HTML(elem_id="track-summary")
            csv = _csv_button("track-csv")
        with gr.Row(equal_height=False):
            with gr.Column(scale=7, min_width=560):
                chart = gr.HTML(elem_id="track-chart", js_on_load=TRACK_CHART_JS)
                table = gr.Dataframe(
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
                detail = gr.HTML(
                    '<div class="ind-hint">点击图中的点或表中的一行，'
                    "这里显示目标和实际所在的段落。</div>",
                    elem_id="track-detail",
                )
        shown = gr.State([])
    view = Event(
        fn=app.track_view,
        inputs=[indicator, region],
        outputs=[summary, chart, table, shown, csv, detail],
    )
    tab.select(
        app.track_filters, [indicator, region], [indicator, region], api_visibility="private"
    ).then(**view, api_visibility="private")
    for control in (indicator, region):
        control.input(**view, api_visibility="private")
    table.select(app.on_track_select, [shown], detail, api_visibility="private")
    chart.click(app.on_chart_click, [shown], detail, api_visibility="private")
