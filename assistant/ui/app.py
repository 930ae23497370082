"""The event handlers of the web UI over one `Assistant`.

The handlers are plain methods, so tests can call them without a browser; `ChatApp.build`
lays them out as a Gradio page (see layout.py) and `serve()` starts it.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import gradio as gr

from ..errors import (
    AssistantError,
    DocumentNotFoundError,
    EmptyQuestionError,
    LLMError,
    StoreError,
)
from ..indicators import rank_by_name
from ..pipeline import Assistant
from ..types import Answer, DocumentInfo, Indicator, Paragraph, TrackRecord, TrackSide
from . import layout
from .figures import (
    ALL,
    INDICATOR_ROW_LIMIT,
    indicator_rows,
    render_indicator_detail,
    render_indicator_summary,
    render_track_chart,
    render_track_detail,
    track_rows,
    write_csv_export,
    write_track_export,
)
from .indexing import StartupIndex
from .layout import ALL_YEARS
from .render import (
    document_choices,
    esc,
    render_answer,
    render_documents,
    render_error,
    render_index_progress,
    render_partial,
    render_pending,
    render_question,
    render_upload_result,
)
from .uploads import UploadRejected, stage_upload

log = logging.getLogger("assistant.ui")

HISTORY_TURNS = 6  # earlier turns passed to follow-up rewriting
STARTUP_TICK = 0.5  # seconds between updates of the start-up indexing's progress

Notify = Callable[[str, str], None]  # (level: "info" | "warning", message as plain text)


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

    async def startup_progress(self) -> AsyncIterator[Any]:
        """Page load, first step: while the bundled reports are being indexed, their progress
        in the document table's place (then nothing: `on_load` fills the table)."""
        if not self.startup.finished:
            self.startup.wait(0)  # starts the indexing, if the launcher has not
        while not self.startup.finished:
            s = self.startup
            yield render_index_progress(s.done, s.total, s.current)
            # Async, so a page waiting here holds no worker thread.
            await asyncio.sleep(STARTUP_TICK)
        yield gr.skip()

    def on_load(self, selected=None, year=ALL_YEARS) -> tuple[Any, ...]:
        """Page load: once the bundled reports are indexed, the side panel (and a warning for
        any that failed)."""
        self.startup.wait()
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
        """Outputs (summary, table rows, the records shown, CSV file of all matching records);
        with a search, exact name matches come first (see `rank_by_name`)."""
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
        records = rank_by_name(records, search)
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

    def on_indicator_select(self, shown: Sequence[Indicator], evt: gr.SelectData) -> str:
        """A click on a row of the indicator table."""
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

    def on_track_select(self, shown: Sequence[TrackRecord], evt: gr.SelectData) -> str:
        """A click on a row of the target/result table."""
        index = evt.index
        row = index[0] if isinstance(index, (list, tuple)) else index
        if row is None or not 0 <= row < len(shown or []):
            return ""
        return self.track_detail(shown, shown[row].year)

    def on_chart_click(self, shown: Sequence[TrackRecord], evt: gr.EventData) -> str:
        """A click on a point of the chart (TRACK_CHART_JS sends its year)."""
        year = getattr(evt, "year", None)
        return self.track_detail(shown, int(year)) if year is not None else ""

    # -- layout ---------------------------------------------------------------------------
    # -- layout ---------------------------------------------------------------------------

    def build(self) -> gr.Blocks:
        """The page. Start it with `serve()` (which passes the theme and CSS)."""
        return layout.build_page(self)
