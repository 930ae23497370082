"""The web UI in a real headless Chromium driven by Playwright, against the app on loopback.

Needs Debian's Chromium (`apt-get install chromium`) and the `playwright` Python package; no
browser download (`playwright install`) is used. Screenshots go to artifacts/ui/.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant import Assistant, Settings
from assistant.ui import ChatApp, serve

from .fakes import HashEmbeddings, gated_assistant
from .helpers import DATA, ROOT, free_port

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(
        "browser tests need Chromium at /usr/bin/chromium (apt-get install chromium)",
        allow_module_level=True,
    )
sync_api = pytest.importorskip(
    "playwright.sync_api",
    reason="browser tests need the playwright package (pip install playwright)",
)

ARTIFACTS = ROOT / "artifacts" / "ui"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
TIMEOUT_MS = 60_000
INJECTION = "<script>alert(1)</script><img src=x onerror=alert(2)>"
UPLOADED = f"""测试市人民政府工作报告

一、2024年工作回顾

2024年，全市经济稳中向好。全年实现地区生产总值321.5亿元、增长6.1%。

二、2025年工作安排

2025年全市新增城镇就业1.2万人以上，城镇调查失业率控制在5.5%以内。{INJECTION}
"""


@pytest.fixture(scope="module")
def app_url(real_store, cache_dir, assistant, tmp_path_factory):
    """The app over a private copy of the bundled-report store, on a free loopback port."""
    store = tmp_path_factory.mktemp("ui-browser") / "store"
    shutil.copytree(real_store, store)
    settings = Settings.from_env(store_dir=store, cache_dir=cache_dir)
    app = ChatApp(Assistant(settings=settings, embedder=assistant.embedder), bundled=[DATA])
    app.startup.start()
    port = free_port()
    demo = serve(app, host="127.0.0.1", port=port, block=False)
    yield f"http://127.0.0.1:{port}/"
    demo.close()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


class Session:
    """A page on the app, recording any JavaScript dialog (an injected script would open one)."""

    def __init__(self, page) -> None:
        self.page = page
        self.dialogs: list[str] = []
        page.on("dialog", self._on_dialog)

    def _on_dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def ask(self, question: str):
        """Type a question, send it with Enter, and return the locator of its answer."""
        answers = self.page.locator(".qa-answer")
        before = answers.count()
        self.page.fill("#question textarea", question)
        # Gradio ignores a submit while the previous answer's event is still closing: retry.
        for _ in range(5):
            self.page.press("#question textarea", "Enter")
            try:
                self.page.wait_for_function(
                    "n => document.querySelectorAll('.qa-answer').length > n",
                    arg=before,
                    timeout=2000,
                )
                break
            except sync_api.TimeoutError:
                continue
        self.page.wait_for_function(
            "n => document.querySelectorAll('.qa-answer').length > n"
            " && !document.querySelector('.qa-pending')",
            arg=before,
            timeout=TIMEOUT_MS,
        )
        return answers.last

    def screenshot(self, name: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / name))


@pytest.fixture
def session(browser, app_url):
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(app_url)
    page.wait_for_selector(".doc-table")
    yield Session(page)
    context.close()


def test_bundled_report_question_shows_answer_and_highlighted_citation(session):
    page = session.page
    assert "内江市人民政府工作报告（2024）" in page.inner_text("#doc-table")
    answer = session.ask("2023年内江市地区生产总值是多少？")
    assert "1800亿元" in answer.locator(".qa-text").inner_text()
    card = answer.locator(".cite-card").first
    assert "内江市人民政府工作报告（2024）" in card.locator(".cite-title").inner_text()
    assert "第4段" in card.locator(".cite-loc").inner_text()
    assert "1800亿元" in card.locator("mark").first.inner_text()
    session.ask("2024年内江市规模以上工业增加值增长目标是多少？")
    session.screenshot("chat.png")

    # A reader scrolls the chat back up until the last answer's [1] shows at its bottom edge,
    # the card still out of view below; the [1] scrolls the chat to the card, not the page.
    last = session.ask("市中区2024年新增城镇就业目标？").element_handle()
    page.wait_for_timeout(600)  # Gradio's chat scrolls to the bottom 300 ms after an answer
    link, card = last.query_selector("a.cite-ref"), last.query_selector(".cite-card")
    assert link.get_attribute("href") == f"#{card.get_attribute('id')}"
    link.evaluate(
        """el => {
          let box = el.parentElement;
          while (!(getComputedStyle(box).overflowY === 'auto'
                   && box.scrollHeight > box.clientHeight)) box = box.parentElement;
          box.scrollTop += el.getBoundingClientRect().bottom - box.getBoundingClientRect().bottom
            + 20;
        }"""
    )
    in_chat = (
        "el => { const c = el.getBoundingClientRect();"
        " const b = document.querySelector('#chat').getBoundingClientRect();"
        " return c.top >= b.top && c.bottom <= b.bottom; }"
    )
    header_top = "() => document.querySelector('.app-header').getBoundingClientRect().top"
    assert link.evaluate(in_chat) and not card.evaluate(in_chat)
    scroll_y, header = page.evaluate("scrollY"), page.evaluate(header_top)
    link.click()
    page.wait_for_function(f"el => ({in_chat})(el)", arg=card)
    assert page.evaluate("scrollY") == scroll_y, "the page itself does not scroll"
    assert page.evaluate(header_top) == header >= 0, "the header stays in view"
    assert "cite-active" in card.get_attribute("class")
    session.screenshot("citation-click.png")


def test_uploaded_report_is_listed_answerable_and_its_markup_stays_text(session, tmp_path):
    page = session.page
    report = tmp_path / "测试市政府工作报告2025.txt"
    report.write_text(UPLOADED, encoding="utf-8")
    page.set_input_files("#upload-row input[type=file]", str(report))
    page.wait_for_selector("#upload-result .up-ok")
    assert "测试市政府工作报告2025.txt" in page.inner_text("#upload-result")
    assert "测试市人民政府工作报告" in page.inner_text("#doc-table")
    session.screenshot("documents.png")

    answer = session.ask("测试市2025年新增城镇就业目标是多少？")
    assert "1.2万人" in answer.locator(".qa-text").inner_text()
    card = answer.locator(".cite-card").first
    assert "测试市人民政府工作报告" in card.inner_text()
    assert INJECTION in card.inner_text(), "markup from a report is shown as text"
    assert answer.locator("script, img").count() == 0
    assert session.dialogs == []
    session.screenshot("upload-answer.png")


def test_upload_form_takes_a_markdown_file_with_the_long_extension(session, tmp_path):
    page = session.page
    accept = page.locator("#upload-row input[type=file]").get_attribute("accept")
    assert ".markdown" in [t.strip() for t in accept.split(",")]
    report = tmp_path / "长扩展名报告.markdown"
    report.write_text(UPLOADED.replace("测试市", "长名市"), encoding="utf-8")
    page.set_input_files("#upload-row input[type=file]", str(report))
    page.wait_for_function(
        "() => document.querySelector('#upload-result')?.innerText.includes('长扩展名报告.markdown')"
    )
    assert "已添加：长扩展名报告.markdown" in page.inner_text("#upload-result")
    assert "长名市人民政府工作报告" in page.inner_text("#doc-table")


def test_empty_question_warns_and_the_chat_keeps_working(session):
    page = session.page
    page.fill("#question textarea", "   ")
    page.get_by_role("button", name="提问", exact=True).click()
    page.get_by_text("请先输入问题。").first.wait_for()
    assert page.locator(".qa-answer").count() == 0
    answer = session.ask("市中区2024年新增城镇就业目标？")
    assert "5800人" in answer.inner_text()


def test_indicator_table_filters_shows_the_paragraph_and_exports_csv(session):
    page = session.page
    page.get_by_role("tab", name="指标表").click()
    page.wait_for_function(
        "() => document.querySelectorAll('#ind-table [role=gridcell]').length > 0"
    )
    before = page.inner_text(".ind-summary")
    search = page.locator("#ind-search textarea, #ind-search input").first
    search.fill("地区生产总值")
    search.press("Enter")
    page.wait_for_function(
        "b => document.querySelector('.ind-summary').innerText !== b", arg=before
    )
    names = page.locator('#ind-table [role=gridcell][data-col="0"]').all_inner_texts()
    assert names and "第一产业增加值" not in names

    page.locator("#ind-table [role=gridcell]").filter(has_text="6.0%以上").first.click()
    card = page.locator("#ind-detail .cite-card")
    card.wait_for()
    assert "内江市人民政府工作报告（2024）" in card.locator(".cite-title").inner_text()
    assert "第36段" in card.locator(".cite-loc").inner_text()
    assert "地区生产总值增长6.0%以上" in card.locator("mark").first.inner_text()
    assert "2024年目标" in page.inner_text("#ind-detail .ind-detail-head")
    session.screenshot("indicators.png")

    with page.expect_download() as info:
        page.locator("#ind-csv").click()
    text = Path(info.value.path()).read_text(encoding="utf-8-sig")
    rows = text.strip().split("\n")
    assert rows[0].startswith("doc_id,")
    assert len(rows) > 1 and all("地区生产总值" in row for row in rows[1:])

    # An indicator named exactly what was searched for comes before mere mentions of it.
    before = page.inner_text(".ind-summary")
    search.fill("粮食产量")
    search.press("Enter")
    page.wait_for_function(
        "b => document.querySelector('.ind-summary').innerText !== b", arg=before
    )
    names = page.locator('#ind-table [role=gridcell][data-col="0"]').all_inner_texts()
    assert names[:2] == ["粮食产量", "粮食产量"] and "新建抗旱机井" in names[2:]
    session.screenshot("indicators-search.png")


def test_an_abstention_shows_related_statements_apart_from_answers(session):
    answer = session.ask("2023年内江市的城镇居民人均可支配收入是多少元？")
    assert "报告中未找到" in answer.locator(".qa-abstain").inner_text()
    related = answer.locator(".qa-related")
    assert "不是答案" in related.locator(".qa-related-title").inner_text()
    assert "人均可支配收入" in related.locator(".cite-card").first.inner_text()
    assert answer.locator(".qa-text").count() == 0  # nothing is presented as the answer
    assert related.evaluate("el => getComputedStyle(el).borderLeftStyle") == "solid"
    session.screenshot("related.png")


@pytest.fixture
def gated_app(tmp_path):
    """The app starting on an empty store, its indexing of the bundled reports held after the
    first one until the test sets `assistant.gate`."""

    assistant = gated_assistant(tmp_path / "store")
    app = ChatApp(assistant, bundled=[DATA])
    app.startup.start()
    port = free_port()
    demo = serve(app, host="127.0.0.1", port=port, block=False)
    yield f"http://127.0.0.1:{port}/", assistant
    assistant.gate.set()
    demo.close()


def test_first_start_shows_the_indexing_progress_in_a_box_of_its_own(browser, gated_app):
    url, assistant = gated_app
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(url)
    page.wait_for_function(
        "() => document.querySelector('.index-progress')?.innerText.includes('已完成 1/2 份')"
    )
    page.wait_for_timeout(1000)  # a few updates: nothing of Gradio's may come over it
    box = page.locator(".index-progress")
    looks = box.evaluate(
        """el => {
          const probe = document.createElement('span');
          probe.style.color = 'var(--body-text-color)';
          el.appendChild(probe);
          const text = getComputedStyle(probe).color;
          probe.remove();
          let opacity = 1;
          for (let e = el; e; e = e.parentElement) opacity *= Number(getComputedStyle(e).opacity);
          const step = el.querySelector('.index-progress-step').getBoundingClientRect();
          const top = document.elementFromPoint(step.x + step.width / 2, step.y + step.height / 2);
          return {
            color: getComputedStyle(el.querySelector('.index-progress-step')).color,
            text, opacity, border: getComputedStyle(el).borderTopStyle,
            onTop: el.contains(top),
            inView: step.top >= 0 && step.bottom <= innerHeight,
          };
        }"""
    )
    assert looks["color"] == looks["text"], "the progress is in the normal text colour"
    assert looks["opacity"] == 1 and looks["border"] == "solid"
    assert looks["onTop"] and looks["inView"], "nothing covers it"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "startup-progress.png"))

    assistant.gate.set()
    page.wait_for_selector("#doc-table .doc-table")
    assert "2 份报告" in page.inner_text("#doc-table")
    assert page.locator(".index-progress").count() == 0
    context.close()


@pytest.fixture(scope="module")
def track_url(tmp_path_factory):
    """The app over a store of the national reports of eval/track/ (a test embedder: the tab
    reads the figures, not the vectors), on a free loopback port."""

    store = tmp_path_factory.mktemp("ui-track") / "store"
    settings = Settings.from_env(env={}, store_dir=store, cache_dir=store.parent / "cache")
    assistant = Assistant(settings=settings, embedder=HashEmbeddings())
    report = assistant.ingest([ROOT / "eval" / "track"])
    assert not report.failed, report.failed
    app = ChatApp(assistant)
    app.startup.start()
    port = free_port()
    demo = serve(app, host="127.0.0.1", port=port, block=False)
    yield f"http://127.0.0.1:{port}/"
    demo.close()


def test_track_tab_charts_targets_and_results_shows_both_paragraphs_and_exports_csv(
    browser, track_url
):
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(track_url)
    page.get_by_role("tab", name="目标与实绩").click()
    page.wait_for_selector("#track-chart .track-point")
    assert "国内生产总值增长" in page.inner_text("#track-summary")
    # Two series; the 2022 result (3% against 5.5%左右) is marked as missed.
    assert page.locator("#track-chart .line-target").count() >= 1
    assert page.locator("#track-chart .line-result").count() >= 1
    point = page.locator('#track-chart .track-point[data-year="2022"]')
    assert point.locator("circle.pt-result.missed").count() == 1
    cells = page.locator('#track-table [role=gridcell][data-col="0"]').all_inner_texts()
    assert "2022" in cells and "2003" in cells

    point.locator("circle.pt-result").click()
    page.wait_for_selector("#track-detail .cite-card")
    detail = page.locator("#track-detail")
    assert "2022年" in detail.locator(".ind-detail-head").inner_text()
    assert "未达到" in detail.locator(".verdict").inner_text()
    cards = detail.locator(".cite-card")
    assert cards.count() == 2
    assert "5.5%左右" in cards.nth(0).locator("mark").first.inner_text()
    assert "增长3%" in cards.nth(1).locator("mark").first.inner_text()
    page.locator("#track-chart").scroll_into_view_if_needed()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "track.png"))

    # A row of the table shows its year; another indicator redraws the chart.
    page.locator("#track-table [role=gridcell]").filter(has_text="2016").first.click()
    page.wait_for_function(
        "() => document.querySelector('#track-detail .ind-detail-head')"
        "?.innerText.includes('2016年')"
    )
    assert "6.5%－7%" in page.inner_text("#track-detail")
    page.locator("#track-indicator input").click()
    page.get_by_role("option", name="居民消费价格涨幅").click()
    page.wait_for_function(
        "() => document.querySelector('#track-summary').innerText.includes('居民消费价格涨幅')"
    )
    assert page.locator('#track-chart .track-point[data-year="2010"] circle.missed').count() == 1

    with page.expect_download() as info:
        page.locator("#track-csv").click()
    rows = Path(info.value.path()).read_text(encoding="utf-8-sig").strip().split("\n")
    assert rows[0].startswith("region,indicator,year,target")
    assert len(rows) > 10 and all("居民消费价格涨幅" in row for row in rows[1:])
    context.close()
