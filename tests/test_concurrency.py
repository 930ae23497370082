"""Many questions at once while reports are being indexed: through the API and the running app."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from assistant import Answer, Assistant, Settings
from assistant.ui import ChatApp, serve

from .fakes import HashEmbeddings
from .helpers import CITY, GDP_QUESTION, REPORT_TEXT, free_port

STABLE = {
    "id": "stable",
    "title": "甲市人民政府工作报告",
    "text": "一、2023年工作回顾\n全年实现地区生产总值500亿元，增长6.5%。\n二、2024年工作安排\n新增城镇就业3万人。",
}
# Indexed and deleted over and over while questions are asked.
COMING_AND_GOING = [
    {
        "id": f"doc{n}",
        "title": f"乙{n}市人民政府工作报告",
        "text": f"一、2023年工作回顾\n乙{n}市全年粮食产量{100 + n}万吨。\n二、2024年工作安排\n"
        f"乙{n}市新建学校{n + 1}所。",
    }
    for n in range(4)
]


def test_threads_asking_while_reports_come_and_go_get_consistent_answers(tmp_path):
    settings = Settings.from_env(env={}, store_dir=tmp_path / "store", cache_dir=tmp_path / "c")
    a = Assistant(settings=settings, embedder=HashEmbeddings())
    a.ingest_texts([STABLE])
    stop = threading.Event()
    errors: list[BaseException] = []
    answers: list[Answer] = []

    def writer() -> None:
        try:
            for _ in range(4):
                a.ingest_texts(COMING_AND_GOING)
                for doc in COMING_AND_GOING:
                    a.delete(doc["id"])
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            stop.set()

    def reader(n: int) -> None:
        questions = ["2023年地区生产总值是多少？", f"乙{n % 4}市2023年粮食产量是多少？"]
        try:
            while not stop.is_set():
                for q in questions:
                    answers.append(a.ask(q))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer)]
    threads += [threading.Thread(target=reader, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    assert not errors, repr(errors[0])
    assert len(answers) >= 16
    paragraphs = {doc["id"]: set(doc["text"].splitlines()) for doc in [STABLE, *COMING_AND_GOING]}
    for ans in answers:
        if "地区生产总值" in ans.question:
            # The stable report is always indexed: always the same answer from it.
            assert "500亿元" in ans.text and ans.citations[0].doc_id == "stable"
        else:
            # Cited paragraphs are whole paragraphs of the report they name (never half of a
            # report, never mixed), and a figure comes from the report cited first.
            for c in ans.citations:
                assert c.text in paragraphs[c.doc_id], c
            if "万吨" in ans.text:
                assert ans.citations[0].doc_id.startswith("doc")
                n = int(ans.citations[0].doc_id.removeprefix("doc"))
                assert f"{100 + n}万吨" in ans.text


def test_a_refresh_cannot_swap_the_retrievers_state_in_the_middle_of_a_search(tmp_path):
    settings = Settings.from_env(env={}, store_dir=tmp_path / "store", cache_dir=tmp_path / "c")
    a = Assistant(settings=settings, embedder=HashEmbeddings())
    a.ingest_texts([{**STABLE, "id": "a-stable"}, {**COMING_AND_GOING[0], "id": "b-going"}])
    retriever = a.retriever
    retriever.refresh()
    refreshed = threading.Event()

    def refresh() -> None:
        retriever.refresh()
        refreshed.set()

    class Meddling(list):
        """A document filter that, when first consulted, has another user delete a report
        and another question refresh the retriever, as could happen at any moment."""

        fired = False

        def __contains__(self, item: object) -> bool:
            if not self.fired:
                self.fired = True
                a.delete("b-going")
                threading.Thread(target=refresh).start()
                refreshed.wait(1.0)
            return super().__contains__(item)

    hits = retriever.retrieve(
        "2023年粮食产量是多少？", documents=Meddling(["a-stable", "b-going"]), year=2024
    )
    # The search saw the state from before the delete, whole: the deleted report's hits
    # come with its title, as it was still live when the search began.
    assert {h.paragraph.doc_id for h in hits} <= {"a-stable", "b-going"}
    assert all(h.title for h in hits)
    assert refreshed.wait(10)  # the refresh ran once the search was done
    assert "b-going" not in retriever.documents


def test_questions_asked_from_many_threads_get_the_single_threaded_answers(assistant):
    questions = [
        GDP_QUESTION,
        "2024年内江市规模以上工业增加值增长目标是多少？",
        "市中区2024年新增城镇就业目标？",
        "2023年内江市地区生产总值是多少？",
    ] * 4
    expected = {q: assistant.ask(q).text for q in set(questions)}
    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(assistant.ask, questions))
    assert [ans.text for ans in got] == [expected[q] for q in questions]


# -- the running app ------------------------------------------------------------------------

USERS = 8


class RendezvousApp(ChatApp):
    """Each answer waits until USERS answers are in progress at once.

    If the app answered one question at a time, the first would wait in vain: the barrier
    breaks after its timeout and every user gets an error instead of an answer.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.barrier = threading.Barrier(USERS, timeout=60)

    # ChatApp's hook for one answer, overridden to hold every user at the barrier.
    def _answer(self, *args, **kwargs):
        self.barrier.wait()
        yield from super()._answer(*args, **kwargs)


def test_eight_users_are_answered_at_once_while_a_report_is_uploaded(
    store_copy, cache_dir, assistant, tmp_path
):
    from gradio_client import Client

    settings = Settings.from_env(store_dir=store_copy, cache_dir=cache_dir)
    a = Assistant(settings=settings, embedder=assistant.embedder)
    app = RendezvousApp(a, notify=lambda level, message: None)
    port = free_port()
    demo = serve(app, port=port, block=False)
    url = f"http://127.0.0.1:{port}/"
    upload = tmp_path / "测试市政府工作报告2025.txt"
    upload.write_text(REPORT_TEXT, encoding="utf-8")
    try:
        clients = [
            Client(url, verbose=False, download_files=tmp_path / f"u{n}") for n in range(USERS)
        ]
        questions = [GDP_QUESTION, "测试市2025年新增城镇就业目标是多少？"] * (USERS // 2)
        ingest = threading.Thread(target=lambda: app.upload([str(upload)]))
        with ThreadPoolExecutor(USERS) as pool:
            jobs = [
                pool.submit(c.predict, q, [], [], 0, api_name="/chat")
                for c, q in zip(clients, questions, strict=True)
            ]
            ingest.start()
            replies = [job.result(timeout=180) for job in jobs]
        ingest.join(120)
    finally:
        demo.close()
    for q, (chat, box) in zip(questions, replies, strict=True):
        html = str(chat[-1]["content"])
        assert box == "" and "qa-error" not in html, html
        if q == GDP_QUESTION:
            assert "1800亿元" in html and "cite-card" in html
        else:
            # Asked while the upload was being indexed: answered from all of it, or from the
            # other reports as if it were not there yet.
            if "测试市人民政府工作报告" in html:
                assert "1.2万人" in html
    assert upload.name in {d.doc_id for d in a.documents()}
    assert "1.2万人" in a.ask("测试市2025年新增城镇就业目标是多少？").text
    assert CITY.name in {d.doc_id for d in a.documents()}
