"""Web UI: rendering helpers, upload safety, the handlers called directly, and the chat API."""

from __future__ import annotations

import asyncio
import dataclasses
import re
from pathlib import Path

import pytest

from assistant import (
    Answer,
    Assistant,
    Citation,
    DocumentInfo,
    IngestReport,
    LLMError,
    Settings,
)
from assistant.indicators import rank_by_name
from assistant.ingest.formats import supported_extensions
from assistant.types import Indicator
from assistant.ui import (
    MAX_UPLOAD_BYTES,
    ChatApp,
    UploadRejected,
    card_id,
    highlight,
    link_markers,
    render_answer,
    render_citation,
    render_documents,
    render_indicator_detail,
    render_upload_result,
    safe_upload_name,
    serve,
    stage_upload,
)
from assistant.ui.render import render_index_progress

from .fakes import gated_assistant
from .helpers import DATA, DISTRICT, GDP_QUESTION, REPORT_TEXT, Notes, free_port

CITY_ID = "neijiang-2024.txt"
DISTRICT_ID = DISTRICT.name
XSS = "<script>alert(1)</script><img src=x onerror=alert(2)>"


def citation(**changes) -> Citation:
    base = Citation(
        doc_id="r.txt",
        title="某市政府工作报告",
        section="一、2023年工作回顾",
        paragraph=4,
        text="第一句。全年地区生产总值1800亿元左右。第三句。",
        quote="全年地区生产总值1800亿元左右。",
        score=0.9,
        period="2023年工作回顾",
    )
    return dataclasses.replace(base, **changes)


def answer(**changes) -> Answer:
    base = Answer(
        question="问题",
        text="全年地区生产总值1800亿元左右",
        abstained=False,
        mode="extractive",
        citations=(citation(),),
        timings={"total": 0.12},
    )
    return dataclasses.replace(base, **changes)


def last(chat: list[dict]) -> str:
    return chat[-1]["content"]


def run(gen):
    """All yields of a streaming handler, and the last one."""
    steps = list(gen)
    return steps, steps[-1]


# -- rendering ------------------------------------------------------------------------------


def test_card_marks_the_supporting_sentence_within_the_paragraph():
    html = render_citation(citation(), 1, turn=3)
    assert 'id="cite-3-1"' in html
    assert "第一句。<mark>全年地区生产总值1800亿元左右。</mark>第三句。" in html
    for shown in ("某市政府工作报告", "一、2023年工作回顾", "第4段", "2023年工作回顾"):
        assert shown in html


def test_document_text_in_cards_is_escaped():
    c = citation(
        title=f"报告{XSS}",
        section=f"一、{XSS}",
        text=f"开头{XSS}。全年地区生产总值1800亿元左右。",
        quote=f"开头{XSS}。",
        period='"><b>x</b>',
    )
    html = render_citation(c, 1, turn=1)
    assert "<script" not in html and "<img" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html
    assert "<mark>开头&lt;script&gt;" in html


def test_quote_of_non_adjacent_sentences_marks_each():
    text = "甲句。乙句有数字12亿元。丙句。丁句增长5%。"
    assert highlight(text, "乙句有数字12亿元。丁句增长5%。") == (
        "甲句。<mark>乙句有数字12亿元。</mark>丙句。<mark>丁句增长5%。</mark>"
    )


def test_quote_missing_from_paragraph_leaves_it_unmarked():
    assert highlight("甲句<乙>。", "不在段落里的句子。") == "甲句&lt;乙&gt;。"


def test_answer_markers_link_to_their_cards():
    ans = answer(
        mode="llm",
        text="生产总值1800亿元[1]，增长7.0%[2]。",
        citations=(citation(), citation(paragraph=5)),
    )
    html = render_answer(ans, turn=2)
    hrefs = re.findall(r'href="#([^"]+)"', html)
    ids = re.findall(r'class="cite-card" id="([^"]+)"', html)
    assert hrefs == [card_id(2, 1), card_id(2, 2)] == ids


def test_marker_without_a_card_stays_text():
    assert link_markers("见[3]和[1, 2]", turn=1, count=2) == (
        '见[3]和<a class="cite-ref" href="#cite-1-1" title="查看出处 1">[1]</a>'
        '<a class="cite-ref" href="#cite-1-2" title="查看出处 2">[2]</a>'
    )


def test_extractive_answer_without_markers_gets_links_to_every_card():
    html = render_answer(answer(citations=(citation(), citation(paragraph=9))), turn=1)
    assert html.count('class="cite-ref"') == 2
    assert 'href="#cite-1-1"' in html and 'href="#cite-1-2"' in html


def test_abstention_is_shown_as_not_found_not_as_error():
    html = render_answer(
        answer(abstained=True, text="报告中未找到与该问题相关的内容。", citations=()), turn=1
    )
    assert 'class="qa-abstain"' in html and "报告中未找到" in html
    assert "qa-error" not in html and "qa-cites" not in html


def test_abstention_keeps_an_explanation_after_the_title():
    html = render_answer(
        answer(mode="llm", abstained=True, text="报告中未找到：没有检索到相关段落。", citations=()),
        turn=1,
    )
    assert 'class="qa-abstain-text">没有检索到相关段落。' in html


def test_notices_and_rewritten_question_are_shown_escaped():
    html = render_answer(
        answer(notices=("问题过长<b>", "未核实的数字：12%"), rewritten_question="内江<i>GDP</i>"),
        turn=1,
    )
    assert html.count('class="qa-notice"') == 2
    assert "问题过长&lt;b&gt;" in html and "内江&lt;i&gt;GDP&lt;/i&gt;" in html


def test_llm_markdown_is_rendered_but_raw_html_and_links_are_not():
    html = render_answer(
        answer(mode="llm", text=f"**要点**[1]\n\n- 一项{XSS}\n- [点我](javascript:alert(1))"),
        turn=1,
    )
    assert "<strong>要点</strong>" in html and "<li>" in html
    assert "<script" not in html and "<img" not in html and 'href="javascript' not in html


def test_index_progress_says_how_far_the_start_up_indexing_is():
    html = render_index_progress(1, 2, "<b>neijiang.txt")
    assert html.startswith('<div class="index-progress" role="status">')
    assert "已完成 1/2 份" in html and "&lt;b&gt;neijiang.txt" in html and "<b>" not in html
    assert '<progress max="2" value="1">' in html
    assert "正在读取报告文件" in render_index_progress(0, 0, "")
    assert "正在加载检索索引" in render_index_progress(2, 2, "b.txt")


def test_document_table_and_upload_result_escape_names():
    doc = DocumentInfo(doc_id=f"{XSS}.txt", title=XSS, region="某市", year=2024, paragraphs=7)
    table = render_documents([doc])
    assert "<script" not in table and "&lt;script&gt;" in table and ">2024<" in table
    result = render_upload_result(IngestReport(added=(doc.doc_id,)), [(XSS, "坏<文件>")])
    assert "<script" not in result and "坏&lt;文件&gt;" in result


def test_document_table_shows_region_level_year_the_years_reviewed_and_planned_and_speaker():
    doc = DocumentInfo(
        doc_id="anhui.txt",
        title="2026年安徽省政府工作报告",
        region="安徽省",
        level="省",
        year=2026,
        paragraphs=103,
        review_years=(2021, 2022, 2023, 2024, 2025),
        plan_years=(2026, 2027, 2028, 2029, 2030),
        speaker="林远舟",
        speaker_role="省人民政府省长",
    )
    table = render_documents([doc])
    assert "<th>地区</th><th>级别</th><th>年份</th>" in table
    assert ">安徽省<" in table and ">省<" in table and ">2026<" in table
    assert "回顾 2021—2025 · 规划 2026—2030 · 省人民政府省长 林远舟" in table


# -- uploads --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("..\\..\\windows\\报告.DOCX", "报告.docx"),
        ("/abs/path/2024年 政府工作报告.pdf", "2024年_政府工作报告.pdf"),
        ("<script>alert(1)</script>.html", "script.html"),
        ("a<b>c|d?.md", "a_b_c_d.md"),
        ("...md", "upload.md"),
        (".hidden.txt", "hidden.txt"),
    ],
)
def test_upload_names_are_made_safe(name, safe):
    assert safe_upload_name(name) == safe


@pytest.mark.parametrize("name", ["run.exe", "report.txt.sh", "noextension", "a.zip"])
def test_upload_of_other_types_is_rejected(name):
    with pytest.raises(UploadRejected, match="不支持的文件类型"):
        safe_upload_name(name)


@pytest.mark.parametrize("ext", supported_extensions())
def test_upload_accepts_every_format_ingest_reads(ext):
    assert safe_upload_name(f"报告{ext.upper()}") == f"报告{ext}"


def test_upload_form_offers_every_format_ingest_reads(fake_assistant):
    config = ChatApp(fake_assistant[0], notify=Notes()).build().get_config_file()
    button = next(c for c in config["components"] if c["props"].get("elem_id") == "upload")
    assert sorted(button["props"]["file_types"]) == sorted(supported_extensions())


def test_staged_upload_stays_inside_the_upload_folder(tmp_path):
    src = tmp_path / "in" / "..报告..txt"
    src.parent.mkdir()
    src.write_text(REPORT_TEXT, encoding="utf-8")
    uploads = tmp_path / "store" / "uploads"
    staged = stage_upload(src, uploads)
    assert staged.parent == uploads and staged.read_text(encoding="utf-8") == REPORT_TEXT
    assert [p.name for p in uploads.iterdir()] == [staged.name]


def test_oversized_and_empty_uploads_are_rejected(tmp_path):
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * 2048)
    with pytest.raises(UploadRejected, match="MB"):
        stage_upload(big, tmp_path / "uploads", max_bytes=1024)
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with pytest.raises(UploadRejected, match="文件为空"):
        stage_upload(empty, tmp_path / "uploads")
    assert MAX_UPLOAD_BYTES == 20 * 1024 * 1024


# -- handlers on the real store ---------------------------------------------------------------


def test_chat_answers_with_highlighted_citation_cards(assistant):
    app = ChatApp(assistant, notify=Notes())
    steps, (chat, history, box) = run(app.respond(GDP_QUESTION, [], []))
    assert "正在检索" in last(steps[0][0])  # shown at once while the answer is found
    assert [m["role"] for m in chat] == ["user", "assistant"]
    html = last(chat)
    assert "1800亿元" in html and 'class="cite-card"' in html and "<mark>" in html
    assert "内江市人民政府工作报告" in html and 'href="#cite-1-1"' in html
    assert history == [[GDP_QUESTION, history[0][1]]] and "1800亿元" in history[0][1]
    assert box == ""


def test_second_answer_gets_its_own_card_anchors(assistant):
    app = ChatApp(assistant, notify=Notes())
    _, (chat, history, _) = run(app.respond(GDP_QUESTION, [], []))
    _, (chat, history, _) = run(app.respond("市中区2024年新增城镇就业目标？", chat, history))
    assert len(chat) == 4 and 'id="cite-2-1"' in last(chat) and "5800人" in last(chat)


def test_empty_question_warns_and_keeps_the_chat(assistant):
    notes = Notes()
    app = ChatApp(assistant, notify=notes)
    _, (chat, history, _) = run(app.respond("   ", [], []))
    assert chat == [] and history == [] and notes.warnings == ["请先输入问题。"]


def test_punctuation_only_question_gets_an_inline_message(assistant):
    notes = Notes()
    _, (chat, history, _) = run(ChatApp(assistant, notify=notes).respond("？？？", [], []))
    assert "qa-error" in last(chat) and "问题为空" in last(chat)
    assert history == [] and notes.warnings


def test_document_filter_is_passed_to_the_assistant(assistant):
    app = ChatApp(assistant, notify=Notes())
    _, (chat, _, _) = run(app.respond("新增城镇就业目标是多少？", [], [], [DISTRICT_ID], 0))
    assert "内江市市中区人民政府工作报告" in last(chat)
    assert "内江市人民政府工作报告（2024）" not in last(chat)


def test_year_filter_without_reports_of_that_year_abstains(assistant):
    app = ChatApp(assistant, notify=Notes())
    _, (chat, _, _) = run(app.respond(GDP_QUESTION, [], [], None, 2019))
    assert "qa-abstain" in last(chat) and "qa-error" not in last(chat)


class FailingLLMAssistant(Assistant):
    """An assistant whose model fails on the first question, then recovers."""

    failures = 1

    def ask(self, question, documents=None, year=None):
        if self.failures:
            self.failures -= 1
            raise LLMError("connection refused")
        return super().ask(question, documents=documents, year=year)

    def stream(self, question, documents=None, year=None, history=None):
        if self.failures:
            self.failures -= 1
            raise LLMError("connection refused")
        yield from super().stream(question, documents=documents, year=year, history=history)


class StreamingAssistant(Assistant):
    """Stands in for the LLM mode: streams the answer in chunks, then yields the Answer."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.histories: list[list[tuple[str, str]]] = []

    def stream(self, question, history=(), documents=None, year=None):
        self.histories.append(list(history))
        ans = self.ask(question, documents=documents, year=year)
        half = len(ans.text) // 2
        yield ans.text[:half]
        yield ans.text[half:]
        rewritten = f"{question}（补全）" if history else ""
        yield dataclasses.replace(ans, mode="llm", rewritten_question=rewritten)


class BrokenStreamAssistant(Assistant):
    """The model's connection drops after part of the reply was streamed."""

    def stream(self, question, history=(), documents=None, year=None):
        yield "2023年全市地区生产总值"
        raise LLMError("connection reset")


def _like(cls, assistant):
    return cls(settings=assistant.settings, embedder=assistant.embedder)


def test_llm_error_is_shown_in_the_chat_and_the_session_continues(assistant):
    notes = Notes()
    app = ChatApp(_like(FailingLLMAssistant, assistant), notify=notes)
    _, (chat, history, _) = run(app.respond(GDP_QUESTION, [], []))
    assert "qa-error" in last(chat) and "大模型暂时无法回答" in last(chat)
    assert notes.warnings and history == []
    _, (chat, history, _) = run(app.respond(GDP_QUESTION, chat, history))
    assert len(chat) == 4 and "1800亿元" in last(chat) and len(history) == 1


def test_streaming_assistant_streams_and_gets_the_history(assistant):
    streaming = _like(StreamingAssistant, assistant)
    app = ChatApp(streaming, notify=Notes())
    steps, (chat, history, _) = run(app.respond(GDP_QUESTION, [], []))
    partial = [last(s[0]) for s in steps if "qa-cursor" in last(s[0])]
    assert len(partial) == 2 and "cite-card" not in partial[0]
    assert "cite-card" in last(chat) and "qa-rewritten" not in last(chat)
    _, (chat, _, _) = run(app.respond("那2024年的目标呢？", chat, history))
    assert streaming.histories == [[], [(GDP_QUESTION, history[0][1])]]
    assert "qa-rewritten" in last(chat) and "那2024年的目标呢？（补全）" in last(chat)


def test_error_mid_stream_keeps_the_partial_reply_and_says_what_failed(assistant):
    app = ChatApp(_like(BrokenStreamAssistant, assistant), notify=Notes())
    _, (chat, history, _) = run(app.respond(GDP_QUESTION, [], []))
    assert "2023年全市地区生产总值" in last(chat) and "connection reset" in last(chat)
    assert "qa-error" in last(chat) and "qa-cursor" not in last(chat) and history == []


# -- documents: start-up indexing, upload, delete ----------------------------------------------


@pytest.fixture
def own_app(store_copy, cache_dir, assistant):
    """An app over a private copy of the bundled-report store."""
    settings = Settings.from_env(store_dir=store_copy, cache_dir=cache_dir)
    a = Assistant(settings=settings, embedder=assistant.embedder)
    return ChatApp(a, bundled=[DATA], notify=Notes())


def test_page_load_reuses_the_store_and_lists_the_documents(own_app):
    table, doc_filter, year_filter, _ = own_app.on_load()
    report = own_app.startup.report
    assert report is not None and len(report.skipped) == 2 and not report.added
    assert "内江市人民政府工作报告（2024）" in table and "2 份报告" in table
    assert {v for _, v in doc_filter.choices} == {CITY_ID, DISTRICT_ID}
    assert [v for _, v in year_filter.choices] == [0, 2024]


def test_page_load_shows_the_start_up_progress_until_the_reports_are_indexed(tmp_path):
    assistant = gated_assistant(tmp_path / "store")
    app = ChatApp(assistant, bundled=[DATA], notify=Notes())

    async def page_load() -> tuple[list, list]:
        held, rest = [], []
        async for html in app.startup_progress():  # starts the indexing
            (rest if assistant.gate.is_set() else held).append(html)
            if "已完成 1/2 份" in str(html):
                assistant.gate.set()  # the indexing goes on
        return held, rest

    held, rest = asyncio.run(asyncio.wait_for(page_load(), 120))
    assert all('<div class="index-progress"' in html for html in held + rest[:-1])
    assert "已完成 1/2 份" in held[-1]
    assert not isinstance(rest[-1], str), "the last step leaves the table to on_load"
    table, *_ = app.on_load()
    assert "2 份报告" in table and not app.notify.warnings


def test_uploaded_report_is_indexed_listed_and_answerable(own_app, tmp_path):
    src = tmp_path / "测试市政府工作报告2025.txt"
    src.write_text(REPORT_TEXT, encoding="utf-8")
    box, result, table, *_ = own_app.upload([str(src)])
    assert box is None and "已添加：测试市政府工作报告2025.txt" in result
    assert "测试市人民政府工作报告" in table and "3 份报告" in table
    assert (own_app.uploads_dir / src.name).is_file()
    _, (chat, _, _) = run(own_app.respond("测试市2025年新增城镇就业目标是多少？", [], []))
    assert "1.2万人" in last(chat) and "测试市人民政府工作报告" in last(chat)


def test_markdown_upload_with_the_long_extension_is_indexed(own_app, tmp_path):
    src = tmp_path / "测试市政府工作报告2025.markdown"
    src.write_text(REPORT_TEXT, encoding="utf-8")
    _, result, table, *_ = own_app.upload([str(src)])
    assert "已添加：测试市政府工作报告2025.markdown" in result
    assert "测试市人民政府工作报告" in table


def test_bad_uploads_are_reported_by_file_name_and_reason(own_app, tmp_path):
    fake_pdf = tmp_path / "假的.pdf"
    fake_pdf.write_bytes(b"this is not a pdf at all")
    exe = tmp_path / "tool.exe"
    exe.write_bytes(b"MZ")
    _, result, table, *_ = own_app.upload([str(fake_pdf), str(exe)])
    assert "未能索引：假的.pdf（" in result and "未能索引：tool.exe（不支持的文件类型" in result
    assert "2 份报告" in table
    assert not any(own_app.uploads_dir.glob("*")), "failed uploads are not kept"
    assert own_app.notify.warnings and "假的.pdf" in own_app.notify.warnings[0]


def test_upload_name_cannot_leave_the_upload_folder(own_app, tmp_path):
    src = tmp_path / "..\\..\\evil.txt"
    src.write_text(REPORT_TEXT, encoding="utf-8")
    _, result, *_ = own_app.upload([str(src)])
    assert "已添加：evil.txt" in result
    assert [p.name for p in own_app.uploads_dir.iterdir()] == ["evil.txt"]


def test_delete_removes_the_document_and_its_uploaded_copy(own_app, tmp_path):
    src = tmp_path / "测试市.txt"
    src.write_text(REPORT_TEXT, encoding="utf-8")
    own_app.upload([str(src)])
    result, table, doc_filter, *_ = own_app.delete("测试市.txt", ["测试市.txt", CITY_ID])
    assert "已删除：测试市人民政府工作报告" in result and "测试市人民政府工作报告" not in table
    assert doc_filter.value == [CITY_ID]
    assert not (own_app.uploads_dir / "测试市.txt").exists()
    own_app.delete(None)
    assert own_app.notify.warnings[-1] == "请先选择要删除的文档。"


# -- the launcher ---------------------------------------------------------------------------


def test_launcher_flags_default_to_loopback_and_read_the_environment():
    from app import parse_args

    args = parse_args([], env={})
    assert (args.host, args.port, args.share, args.auth, args.no_ui) == (
        "127.0.0.1",
        7860,
        False,
        None,
        False,
    )
    env = {
        "ASSISTANT_UI_HOST": "0.0.0.0",
        "ASSISTANT_UI_PORT": "8080",
        "ASSISTANT_UI_AUTH": "a:b:c",
    }
    args = parse_args([], env=env)
    assert (args.host, args.port, args.auth) == ("0.0.0.0", 8080, ("a", "b:c"))
    args = parse_args(["--port", "9000", "--auth", "me:pw", "--share", "--no-ui"], env=env)
    assert (args.port, args.auth, args.share, args.no_ui) == (9000, ("me", "pw"), True, True)


@pytest.mark.parametrize("argv", [["--auth", "nopassword"], ["--port", "http"], ["--port", "0"]])
def test_launcher_rejects_bad_flags(argv):
    from app import parse_args

    with pytest.raises(SystemExit):
        parse_args(argv, env={})


# -- the chat API over HTTP ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def served(assistant):
    """The app on a free loopback port, behind a login."""
    port = free_port()
    demo = serve(ChatApp(assistant), port=port, auth=("reader", "s3cret"), block=False)
    yield f"http://127.0.0.1:{port}/"
    demo.close()


def test_chat_api_answers_over_http(served, tmp_path):
    from gradio_client import Client

    client = Client(served, auth=("reader", "s3cret"), verbose=False, download_files=tmp_path)
    chat, box = client.predict(GDP_QUESTION, [], [], 0, api_name="/chat")
    answer_html = str(chat[-1]["content"])
    assert "1800亿元" in answer_html and "cite-card" in answer_html and box == ""


def test_app_requires_the_configured_login(served):
    import httpx

    assert httpx.get(f"{served}config").status_code == 401
    login = httpx.post(f"{served}login", data={"username": "reader", "password": "wrong"})
    assert login.status_code == 400


# -- indicator table ------------------------------------------------------------------------


def test_indicator_table_filters_by_year_status_and_search(assistant):
    app = ChatApp(assistant, notify=lambda *_: None)
    summary, rows, shown, _ = app.indicator_table()
    assert rows and len(rows) == len(shown)
    assert f"共 {len(shown)} 条" in summary
    _, rows, shown, _ = app.indicator_table("", "", "2024", "target", "")
    assert rows and all(r[3] == "目标" and r[4] == "2024" for r in rows)
    assert all(s.year == 2024 and s.status == "target" for s in shown)
    _, rows, shown, _ = app.indicator_table("地区生产总值", CITY_ID, "", "", "growth")
    assert rows and all(
        r[2] == "增速" and s.doc_id == CITY_ID for r, s in zip(rows, shown, strict=True)
    )
    assert all("地区生产总值" in s.name + s.sentence for s in shown)


def indicator(name: str, sentence: str = "", paragraph: int = 1) -> Indicator:
    return Indicator(
        doc_id="r.txt",
        title="某市政府工作报告",
        region="某市",
        paragraph=paragraph,
        section="一、工作回顾",
        sentence=sentence or f"{name}100万吨。",
        span=f"{name}100万吨",
        name=name,
        value=100.0,
        value_text="100万吨",
        unit="万吨",
        kind="level",
    )


def test_search_ranks_exact_name_matches_first_then_prefix_then_the_rest():
    records = [
        indicator("新建抗旱机井", sentence="新建抗旱机井5231口，保障粮食产量。", paragraph=1),
        indicator("全市粮食产量增长", paragraph=2),
        indicator("粮食产量目标", paragraph=3),
        indicator("粮食产量", paragraph=4),
        indicator("粮食 产量", paragraph=5),  # the same name once whitespace is ignored
        indicator("粮食产量稳定", paragraph=6),
    ]
    ranked = [r.paragraph for r in rank_by_name(records, " 粮食产量 ")]
    assert ranked == [4, 5, 3, 6, 2, 1]
    assert rank_by_name(records, "") == records


def test_indicator_table_lists_the_exact_name_match_first(assistant):
    app = ChatApp(assistant, notify=lambda *_: None)
    found = assistant.indicators(name="粮食产量")
    assert found[0].name != "粮食产量", "the store lists the matches by paragraph"
    exact = sum(r.name == "粮食产量" for r in found)
    _, rows, shown, path = app.indicator_table("粮食产量")
    names = [r[0] for r in rows]
    assert exact and names[:exact] == ["粮食产量"] * exact
    assert "粮食产量" not in names[exact:] and len(shown) == len(found)
    csv_rows = Path(path).read_text(encoding="utf-8-sig").strip().split("\n")[1:]
    assert len(csv_rows) == len(found) and ",粮食产量," in csv_rows[0]


def test_indicator_csv_export_has_every_matching_record(assistant):
    app = ChatApp(assistant, notify=lambda *_: None)
    _, _, shown, path = app.indicator_table("", DISTRICT_ID, "", "", "")
    text = Path(path).read_bytes()
    assert text.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM, for spreadsheet programs"
    lines = text.decode("utf-8-sig").strip().split("\n")
    assert len(lines) == len(shown) + 1
    assert all(line.startswith(DISTRICT_ID) for line in lines[1:])


def test_indicator_row_opens_its_paragraph_with_the_sentence_marked(assistant):
    app = ChatApp(assistant, notify=lambda *_: None)
    _, _, shown, _ = app.indicator_table("地区生产总值", CITY_ID, "2023", "result", "level")
    detail = app.indicator_detail(shown, 0)
    record = shown[0]
    paragraph = assistant.paragraph(record.doc_id, record.paragraph)
    assert f"第{record.paragraph}段" in detail
    assert f"<mark>{record.sentence}</mark>" in detail
    assert len(paragraph.text) > len(record.sentence) and paragraph.text[-20:] in detail
    assert app.indicator_detail(shown, len(shown)) == ""


def test_unknown_indicator_filter_warns_and_shows_nothing(assistant):
    warnings = []
    app = ChatApp(assistant, notify=lambda level, msg: warnings.append(msg))
    summary, rows, _, path = app.indicator_table("", "no-such-report.txt", "", "", "")
    assert rows == [] and path is None and "没有" in summary
    assert warnings and "no-such-report.txt" in warnings[0]


def test_indicator_detail_escapes_report_text():
    record = Indicator(
        doc_id="r.txt", title=XSS, region="", paragraph=1, section=XSS, sentence=XSS,
        span=XSS, name=XSS, value=1.0, value_text="1个", unit="个", kind="count",
    )  # fmt: skip
    html_text = render_indicator_detail(record, None)
    assert "<script>" not in html_text and "<img" not in html_text
    assert "&lt;script&gt;" in html_text
