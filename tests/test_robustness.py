"""Bad questions, bad files, an ingest killed half-way, and damaged or locked stores."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from langchain_core.embeddings import Embeddings

from assistant import (
    Assistant,
    EmbeddingMismatchError,
    EmptyQuestionError,
    InputError,
    Settings,
    StoreError,
)
from assistant.cli import main as cli_main
from assistant.errors import StoreLockedError
from assistant.pipeline import MAX_QUESTION_CHARS

from .fakes import HashEmbeddings
from .helpers import CITY, DISTRICT, ROOT, encrypted_pdf, pdf_bytes

GDP_QUESTION = "2023年内江市地区生产总值是多少？"
GOOD_TEXT = "某市人民政府工作报告\n一、2023年工作回顾\n全年实现地区生产总值{gdp}亿元，增长6.5%。\n"


class RecordingEmbeddings(Embeddings):
    """Delegates to another embedder and records every question text it embeds."""

    def __init__(self, inner: Embeddings) -> None:
        self.inner = inner
        self.model_name = inner.model_name
        self.dimension = inner.dimension
        self.queries: list[str] = []

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        self.queries.append(text)
        return self.inner.embed_query(text)


@pytest.fixture(scope="module")
def recording(real_store, cache_dir, assistant):
    emb = RecordingEmbeddings(assistant.embedder)
    settings = Settings.from_env(env={}, store_dir=real_store, cache_dir=cache_dir)
    return Assistant(settings=settings, embedder=emb), emb


# -- 1. bad questions -------------------------------------------------------------------------

EMPTY_QUESTIONS = {
    "empty": "",
    "whitespace": " \t\n\u3000 ",
    "punctuation": "？？！！。，……",
    "emoji": "🙂🙂",
    "control characters": "\x00\x01\x07\x1b",
    "zero-width": "\u200b\u200d\ufeff",
}


@pytest.mark.parametrize("question", EMPTY_QUESTIONS.values(), ids=EMPTY_QUESTIONS.keys())
def test_question_without_content_is_a_clear_error(recording, question):
    a, _ = recording
    with pytest.raises(EmptyQuestionError, match="the question is empty"):
        a.ask(question)


@pytest.mark.parametrize("question", [None, b"GDP", 42])
def test_question_that_is_not_text_is_an_input_error(recording, question):
    a, _ = recording
    with pytest.raises(InputError, match="must be text"):
        a.ask(question)


ODD_QUESTIONS = {
    "english": "What was Neijiang's GDP in 2023?",
    "mixed scripts": "2023年Neijiang市GDP是多少？",
    "control characters inside": "2023年\x00内江市\x07地区\x1b[31m生产总值\u200b是多少？",
    "html": "<script>alert(1)</script>2023年内江市地区生产总值是多少？",
    "lone surrogate": "2023年内江市地区生产总值\ud800是多少？",
}


@pytest.mark.parametrize("question", ODD_QUESTIONS.values(), ids=ODD_QUESTIONS.keys())
def test_odd_but_meaningful_questions_get_the_answer(recording, question):
    a, emb = recording
    ans = a.ask(question)
    assert not ans.abstained and "1800亿元" in ans.text
    sent = emb.queries[-1]
    assert all(ch not in sent for ch in "\x00\x07\x1b\u200b\ud800")


@pytest.mark.parametrize("question", ["'; DROP TABLE docs; --", "1234567890", "的"])
def test_questions_the_reports_cannot_answer_abstain(recording, question):
    a, _ = recording
    assert a.ask(question).abstained


def test_very_long_question_is_truncated_with_a_notice_before_embedding(recording):
    a, emb = recording
    question = GDP_QUESTION + "请详细说明。" * 1700  # over 10,000 characters
    assert len(question) > 10_000
    emb.queries.clear()
    ans = a.ask(question)
    assert any("问题过长" in n and str(MAX_QUESTION_CHARS) in n for n in ans.notices)
    assert emb.queries and all(len(q) <= MAX_QUESTION_CHARS for q in emb.queries)
    assert "1800亿元" in ans.text
    assert ans.question == question  # the answer records what was asked


def test_cli_gives_one_line_for_an_empty_question_and_a_notice_for_a_long_one(
    real_store, cache_dir, capsys
):
    assert cli_main(["ask", "--store", str(real_store), "？？ \x01"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert [line for line in err if "error" in line] == [
        "assistant: error: the question is empty: ask about something in the reports"
    ]
    assert cli_main(["ask", "--store", str(real_store), GDP_QUESTION + "啊" * 10_000]) == 0
    out = capsys.readouterr().out
    assert "注：问题过长" in out and "1800亿元" in out


def test_ui_shows_a_message_for_a_question_of_control_characters(recording):
    from assistant.ui import ChatApp

    a, _ = recording
    seen: list[tuple[str, str]] = []
    app = ChatApp(a, notify=lambda level, msg: seen.append((level, msg)))
    *_, (chat, history, _) = list(app.respond("\x00\x01\x02", [], []))
    assert "问题为空或只有标点" in chat[-1]["content"] and history == []
    assert seen and seen[-1][0] == "warning"


# -- 2. bad files -----------------------------------------------------------------------------


def _bad_folder(folder: Path) -> dict[str, str]:
    """Good and bad reports in one folder; returns bad file name -> expected reason (regex)."""
    folder.mkdir()
    (folder / "good-utf8.txt").write_text(GOOD_TEXT.format(gdp=100), encoding="utf-8")
    (folder / "good-gbk.txt").write_bytes(GOOD_TEXT.format(gdp=200).encode("gbk"))
    # 𠀀 (U+20000) is in GB18030 but not in GBK.
    (folder / "good-gb18030.txt").write_bytes(
        (GOOD_TEXT.format(gdp=300) + "新建𠀀字号园区3个。\n").encode("gb18030")
    )
    sub = folder / "sub"
    sub.mkdir()
    (sub / "good.pdf").write_bytes(pdf_bytes([GOOD_TEXT.format(gdp=400).splitlines()]))
    bad = {
        "empty.txt": b"",
        "image.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8,
        "truncated.pdf": pdf_bytes([["全年实现地区生产总值500亿元。"]])[:600],
        "encrypted.pdf": encrypted_pdf("secret", [["全年实现地区生产总值500亿元。"]]),
        "scanned.pdf": _blank_pdf(),
        "old-word.doc": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512,
        "photo.png": b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
    }
    for name, data in bad.items():
        (sub if name.endswith(".pdf") else folder).joinpath(name).write_bytes(data)
    # 50 MB of text (under the byte limit, far over any one report's text).
    line = "全年实现地区生产总值500亿元，增长6.5%。\n".encode()
    (folder / "huge.txt").write_bytes(line * (50_000_000 // len(line)))
    return {
        "empty.txt": "empty",
        "image.txt": "binary data",
        "truncated.pdf": "truncated or damaged PDF",
        "encrypted.pdf": "encrypted PDF",
        "scanned.pdf": r"no text layer \(scanned PDF\?\)",
        "old-word.doc": r"unsupported format '\.doc'",
        "photo.png": r"unsupported format '\.png'",
        "huge.txt": r"too much text for one report \(over \d+\.\d million characters",
    }


def _blank_pdf() -> bytes:
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _records(a: Assistant) -> dict[str, tuple[str, str]]:
    """Every record of the embedded collection: the public API lists live documents only,
    and these tests check that no record of a failed or replaced file is left."""
    got = a.store._col.get(include=["metadatas", "documents"])
    return {
        i: (m["doc_id"], d or "")
        for i, m, d in zip(got["ids"], got["metadatas"], got["documents"], strict=True)
    }


def test_folder_of_good_and_bad_files_indexes_the_good_and_names_each_bad_one(
    fake_assistant, tmp_path
):
    a, _ = fake_assistant
    a.ingest_texts([{"id": "existing", "text": GOOD_TEXT.format(gdp=900), "title": "已有报告"}])
    before = _records(a)
    expected = _bad_folder(tmp_path / "reports")

    report = a.ingest([tmp_path / "reports"])

    assert sorted(report.added) == [
        "good-gb18030.txt",
        "good-gbk.txt",
        "good-utf8.txt",
        "good.pdf",
    ]
    failed = {Path(path).name: reason for path, reason in report.failed}
    assert set(failed) == set(expected)
    for name, reason in expected.items():
        assert re.search(reason, failed[name]), (name, failed[name])
    # The store gained the good reports and nothing else; what was there is untouched.
    after = _records(a)
    assert {k: v for k, v in after.items() if k in before} == before
    assert {doc for doc, _ in after.values()} == {"existing", *report.added}
    assert a.ask("全年实现地区生产总值多少亿元", documents=["good-gb18030.txt"]).text.count("300")
    assert "𠀀" in "".join(d for _, d in after.values())


def test_cli_ingest_lists_each_bad_file_with_its_reason(tmp_path, cache_dir, capsys):
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "good.txt").write_text(GOOD_TEXT.format(gdp=100), encoding="utf-8")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "notes.xlsx").write_bytes(b"PK\x03\x04")
    code = cli_main(["ingest", "--store", str(tmp_path / "store"), str(folder)])
    captured = capsys.readouterr()
    assert code == 0 and "added 1" in captured.out and "failed 2" in captured.out
    assert f"failed: {folder / 'empty.txt'}: empty" in captured.err
    assert f"failed: {folder / 'notes.xlsx'}: unsupported format '.xlsx'" in captured.err
    assert "Traceback" not in captured.err


# -- 3. an ingest killed half-way -------------------------------------------------------------

KILLED_CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path

    from assistant import Assistant, Settings
    from assistant.store import chroma as store

    store_dir, ready, *paths = sys.argv[1:]
    # A kill between two of the store's batched writes: patched at the one write seam.
    real_upsert = store.ChromaStore._upsert
    store._WRITE_BATCH = 100

    def first_batch_then_hang(self, ids, vectors, documents, metadatas, col=None):
        # Write the first batch for real, say so, and wait to be killed.
        n = store._WRITE_BATCH
        real_upsert(self, ids[:n], vectors[:n], documents[:n], metadatas[:n], col=col)
        Path(ready).write_text(str(len(ids)))
        time.sleep(600)

    store.ChromaStore._upsert = first_batch_then_hang
    Assistant(settings=Settings.from_env(store_dir=store_dir)).ingest(paths)
    """
)


def _new_report(folder: Path) -> tuple[Path, Path]:
    """A changed city report (GDP 1800 -> 1900) and a new report, in `folder`."""
    folder.mkdir()
    changed = folder / CITY.name
    changed.write_text(
        CITY.read_text(encoding="utf-8").replace("1800亿元", "1900亿元"), encoding="utf-8"
    )
    new = folder / "测试市政府工作报告2025.txt"
    new.write_text(
        "测试市人民政府工作报告\n一、2024年工作回顾\n全年实现地区生产总值321.5亿元。\n",
        encoding="utf-8",
    )
    return changed, new


def test_ingest_killed_half_way_leaves_the_store_answering_as_before(
    store_copy, cache_dir, tmp_path, assistant
):
    settings = Settings.from_env(store_dir=store_copy, cache_dir=cache_dir)
    a = Assistant(settings=settings, embedder=assistant.embedder)
    docs_before = a.documents()
    answer_before = a.ask(GDP_QUESTION)
    count_before = a.store.count()
    assert "1800亿元" in answer_before.text
    changed, new = _new_report(tmp_path / "incoming")
    ready = tmp_path / "ready"
    script = tmp_path / "child.py"
    script.write_text(KILLED_CHILD, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ASSISTANT_CACHE_DIR": str(cache_dir)}
    child = subprocess.Popen(
        [sys.executable, str(script), str(store_copy), str(ready), str(changed), str(new)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 180
        while not ready.exists():
            assert child.poll() is None, child.stderr.read().decode()[-2000:]
            assert time.monotonic() < deadline, "the child never reached its first write"
            time.sleep(0.1)
        child.send_signal(signal.SIGKILL)
        child.wait(30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    written_of = int(ready.read_text())
    assert written_of > 100  # the kill landed after one batch of a longer write

    # A fresh process-like view of the store: exactly as before, for every query.
    b = Assistant(settings=settings, embedder=assistant.embedder)
    assert b.documents() == docs_before
    orphans = b.store.count() - count_before
    assert orphans == 100  # one batch of the killed generation is stored ...
    live = set(b.store.live_hashes().values())
    assert {u.doc_id for u in b.store.units(list(live))} == {CITY.name, DISTRICT.name}
    ans = b.ask(GDP_QUESTION)  # ... but no query sees it
    assert ans.text == answer_before.text and ans.citations == answer_before.citations
    assert all("1900亿元" not in r.text for r in ans.retrieved)
    assert "321.5" not in b.ask("测试市2024年地区生产总值是多少？").text

    # The next write collects the orphans; the re-run completes both documents.
    report = b.ingest([changed, new])
    assert report.updated == (CITY.name,) and report.added == (new.name,)
    got = b.store._col.get(include=["metadatas"])  # every record, orphans included
    live = b.store.live_hashes()
    assert all(m["doc_hash"] == live[m["doc_id"]] for m in got["metadatas"])
    fresh = Assistant(
        settings=Settings.from_env(env={}, store_dir=tmp_path / "fresh", cache_dir=tmp_path),
        embedder=HashEmbeddings(),
    )
    fresh.ingest([changed, new, DISTRICT])
    assert b.store.count() == fresh.store.count()  # no duplicates, nothing missing
    assert "1900亿元" in b.ask(GDP_QUESTION).text
    assert "321.5亿元" in b.ask("测试市2024年地区生产总值是多少？").text


# -- 4. damaged, foreign, newer or locked stores ----------------------------------------------

DOC = {"id": "demo", "title": "示例市人民政府工作报告", "text": GOOD_TEXT.format(gdp=500)}


def _open(store: Path, tmp_path: Path, embedder: Embeddings | None = None, **kw) -> Assistant:
    settings = Settings.from_env(env={}, store_dir=store, cache_dir=tmp_path / "cache")
    return Assistant(settings=settings, embedder=embedder or HashEmbeddings(), **kw)


def test_store_of_another_embedding_model_is_refused_untouched_until_rebuilt(tmp_path):
    store = tmp_path / "store"
    _open(store, tmp_path).ingest_texts([DOC])
    other = HashEmbeddings(dimension=32, model_name="other-model")

    with pytest.raises(EmbeddingMismatchError) as info:
        _open(store, tmp_path, other)
    message = str(info.value)
    assert "hash-test" in message and "other-model" in message
    assert "assistant ingest --rebuild" in message

    # Refusing changed nothing: the original model still sees its document.
    again = _open(store, tmp_path)
    assert [d.doc_id for d in again.documents()] == ["demo"]
    assert "500亿元" in again.ask("地区生产总值多少亿元？").text

    rebuilt = _open(store, tmp_path, other, rebuild=True)
    assert rebuilt.documents() == []
    rebuilt.ingest_texts([DOC])
    assert [d.doc_id for d in rebuilt.documents()] == ["demo"]
    with pytest.raises(EmbeddingMismatchError):
        _open(store, tmp_path)


@pytest.mark.parametrize("beside", ["store.json", "no store.json"])
def test_store_written_by_a_newer_schema_is_refused_with_what_to_do(tmp_path, beside):
    store = tmp_path / "store"
    a = _open(store, tmp_path)
    a.ingest_texts([DOC])
    # What a newer version writes: in the collection, and in store.json beside it (a store
    # without store.json is checked from the collection). No public call writes another
    # schema version, so the collection's metadata is changed directly.
    meta = dict(a.store._col.metadata)
    a.store._col.modify(metadata={**meta, "schema_version": 99})
    meta_file = store / "store.json"
    if beside == "store.json":
        written = json.loads(meta_file.read_text(encoding="utf-8"))
        meta_file.write_text(json.dumps({**written, "schema_version": 99}), encoding="utf-8")
    else:
        meta_file.unlink()

    with pytest.raises(StoreError, match=r"newer version \(schema 99\).*--rebuild"):
        _open(store, tmp_path)
    assert a.store._col.metadata["schema_version"] == 99  # not overwritten
    if beside == "store.json":
        assert json.loads(meta_file.read_text(encoding="utf-8"))["schema_version"] == 99
    else:
        assert not meta_file.exists()
    assert a.store.count() > 0

    assert _open(store, tmp_path, rebuild=True).documents() == []
    assert json.loads(meta_file.read_text(encoding="utf-8"))["schema_version"] == 1


@pytest.mark.parametrize("files", ["current", "absent"])
def test_damaged_store_file_is_a_clear_error_and_is_left_as_it_was(tmp_path, files):
    import shutil

    _open(tmp_path / "store", tmp_path).ingest_texts([DOC])
    # A copy, as chromadb keeps the stores this process opened in memory.
    store = tmp_path / "copy"
    shutil.copytree(tmp_path / "store", store)
    db = store / "chroma.sqlite3"
    damaged = b"this is not a database" + db.read_bytes()[22:]
    db.write_bytes(damaged)

    with pytest.raises(StoreError, match="move the folder away") as info:
        if files == "absent":  # a store written before store.json and documents.json
            (store / "store.json").unlink()
            (store / "documents.json").unlink()
            _open(store, tmp_path)
        else:  # opening reads only those: the first use of the index fails
            _open(store, tmp_path).ingest_texts([{**DOC, "id": "another"}])
    assert str(store) in str(info.value)
    assert db.read_bytes() == damaged


def test_store_path_that_is_a_file_is_a_clear_error(tmp_path):
    path = tmp_path / "not-a-folder"
    path.write_text("notes", encoding="utf-8")
    with pytest.raises(StoreError, match="is a file, not a folder"):
        _open(path, tmp_path)
    assert path.read_text(encoding="utf-8") == "notes"


CREATOR_CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path

    from assistant.store import ChromaStore

    base, me, creators, rounds = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    for r in range(rounds):
        # Meet the other creators, then all open the same new store at once.
        (base / f"ready-{r}-{me}").touch()
        while len(list(base.glob(f"ready-{r}-*"))) < creators:
            time.sleep(0.001)
        try:
            ChromaStore(embedding_model="m", dimension=4, path=base / f"store-{r}")
        except Exception as exc:
            print(f"{r}: {exc}", flush=True)
    """
)


def test_processes_creating_the_same_new_store_at_once_all_open_it(tmp_path):
    creators, rounds = 3, 10
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                CREATOR_CHILD,
                str(tmp_path),
                str(n),
                str(creators),
                str(rounds),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        for n in range(creators)
    ]
    outputs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0] * creators, outputs
    assert [out for out, _ in outputs] == [""] * creators  # no store failed to open


def test_store_locked_by_another_writer_is_a_clear_error_and_writes_nothing(tmp_path):
    from filelock import FileLock

    a = _open(tmp_path / "store", tmp_path)
    a.ingest_texts([DOC])
    count = a.store.count()
    a.store.lock_timeout = 0.2
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from filelock import FileLock; "
            "lock = FileLock(sys.argv[1]); lock.acquire(); print('locked', flush=True); "
            "time.sleep(60)",
            str(tmp_path / "store" / "write.lock"),
        ],
        stdout=subprocess.PIPE,
    )
    try:
        assert holder.stdout.readline().strip() == b"locked"
        with pytest.raises(StoreLockedError, match=r"another process.*try again"):
            a.ingest_texts([{**DOC, "id": "second"}])
        with pytest.raises(StoreLockedError):
            a.delete("demo")
    finally:
        holder.kill()
        holder.wait()
    assert a.store.count() == count
    with FileLock(str(tmp_path / "store" / "write.lock")).acquire(timeout=5):
        pass  # the lock died with its holder
    assert a.ingest_texts([{**DOC, "id": "second"}]).added == ("second",)


def test_cli_refuses_a_foreign_store_and_rebuilds_it_with_the_flag(tmp_path, cache_dir, capsys):
    store = tmp_path / "store"
    _open(store, tmp_path).ingest_texts([DOC])  # built with the test embedder

    assert cli_main(["ingest", "--store", str(store), str(DISTRICT)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--rebuild" in err and "Traceback" not in err
    assert _open(store, tmp_path).documents()[0].doc_id == "demo"  # untouched

    assert cli_main(["ingest", "--rebuild", "--store", str(store), str(DISTRICT)]) == 0
    capsys.readouterr()
    assert cli_main(["docs", "--store", str(store)]) == 0
    listed = capsys.readouterr().out
    assert DISTRICT.name in listed and "demo" not in listed


def test_cli_ask_on_a_missing_store_says_to_ingest_first(tmp_path, cache_dir, capsys):
    assert cli_main(["ask", "--store", str(tmp_path / "nowhere"), GDP_QUESTION]) == 2
    err = capsys.readouterr().err
    assert "is not a store" in err and "assistant ingest" in err
    assert not (tmp_path / "nowhere").exists()


@pytest.mark.parametrize(
    "command",
    [
        ["docs"],
        ["ask", GDP_QUESTION],
        ["delete", "x.txt"],
        ["indicators"],
        ["batch", "Q", "-o", "O"],
    ],
    ids=lambda c: c[0],
)
def test_reading_commands_on_a_folder_that_is_not_a_store_say_so_and_create_nothing(
    tmp_path, cache_dir, capsys, command
):
    folder = tmp_path / "documents"
    folder.mkdir()
    (folder / "notes.txt").write_text("my notes", encoding="utf-8")
    questions = tmp_path / "q.txt"
    questions.write_text("地区生产总值？\n", encoding="utf-8")
    args = [
        str(questions) if a == "Q" else str(tmp_path / "o.jsonl") if a == "O" else a
        for a in command
    ]

    assert cli_main([*args, "--store", str(folder)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{folder} is not a store" in err, err
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]
