"""Reports answerable before they are embedded: indexed first (keyword search, figures,
citations), their vectors computed afterwards, in the background or by `assistant embed`."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pytest

from assistant import Assistant, Settings
from assistant.cli import main as cli_main
from assistant.embeddings import CachedEmbeddings

from .fakes import HashEmbeddings
from .helpers import CITY, ROOT, stored_records

DOC = {
    "id": "demo",
    "title": "示例市人民政府工作报告",
    "text": "一、2023年工作回顾\n全年实现地区生产总值500亿元，增长6.1%。\n"
    "二、2024年工作安排\n地区生产总值增长6%以上。\n新增城镇就业3万人。",
}


def _open(tmp_path, embedder=None) -> tuple[Assistant, HashEmbeddings]:
    emb = embedder or HashEmbeddings()
    settings = Settings.from_env(env={}, store_dir=tmp_path / "store", cache_dir=tmp_path / "cache")
    return Assistant(settings=settings, embedder=emb), emb


def _vectors(a: Assistant, doc_id: str) -> dict[str, list[float]]:
    """The stored vectors of the report's live generation, by record."""
    got = a.store.stored_generation(doc_id, a.store.live_hashes()[doc_id])
    vectors = {
        "title": got.title_vector,
        **{f"p{p.number}": v for p, v in zip(got.paragraphs, got.paragraph_vectors, strict=True)},
        **{f"u{n}": unit.vector for n, unit in enumerate(got.units)},
    }
    return {k: np.round(np.asarray(v), 6).tolist() for k, v in vectors.items()}


def test_a_report_indexed_without_vectors_is_answered_by_keyword_search_and_says_so(tmp_path):
    a, emb = _open(tmp_path)
    report = a.ingest_texts([DOC], embed=False)
    assert report.added == ("demo",)
    assert emb.embedded == 0  # nothing embedded yet
    (doc,) = a.documents()
    assert not doc.embedded and doc.units > 0
    ans = a.ask("2023年地区生产总值是多少？")
    assert "500亿元" in ans.text and ans.citations
    assert ans.keyword_only == ("demo",)
    assert any("只按关键词检索" in n for n in ans.notices)
    assert [r.doc_id for r in a.indicators()] and emb.embedded == 0  # figures at once

    assert a.embed_pending() == ["demo"]
    (doc,) = a.documents()
    assert doc.embedded and not a.pending()
    ans = a.ask("2023年地区生产总值是多少？")
    assert "500亿元" in ans.text and ans.keyword_only == () and not ans.notices


def test_vectors_computed_later_are_those_of_a_direct_build(tmp_path):
    later, _ = _open(tmp_path / "later")
    later.ingest_texts([DOC], embed=False)
    doc_hash = later.store.live_hashes()["demo"]
    assert stored_records(later.store, "demo", doc_hash) == 0
    later.embed_pending()
    direct, _ = _open(tmp_path / "direct")
    direct.ingest_texts([DOC])
    assert _vectors(later, "demo") == _vectors(direct, "demo") != {}
    # The placeholders are gone: the report's records are in one collection only.
    assert stored_records(later.store, "demo", doc_hash, embedded=False) == 0


def test_dense_search_leaves_out_reports_without_vectors(tmp_path):
    a, _ = _open(tmp_path)
    a.ingest_texts([{**DOC, "id": "embedded"}])
    a.ingest_texts(
        [{**DOC, "id": "waiting", "text": DOC["text"].replace("500", "700")}], embed=False
    )
    a.retriever.refresh()
    # The dense half of retrieval on its own: the public retrieve() fuses it with keywords.
    state = a.retriever._state
    vector = a.embedder.embed_query("地区生产总值")
    dense = a.retriever._dense(state, vector, 20, [state.live["embedded"]])
    assert dense and {m.doc_id for m in dense} == {"embedded"}
    # Keyword search still finds the waiting report.
    hits = a.retriever.retrieve("地区生产总值700亿元", k=5)
    assert "waiting" in {h.paragraph.doc_id for h in hits}


def test_a_changed_report_replaces_its_embedded_generation_at_once(tmp_path):
    a, _ = _open(tmp_path)
    a.ingest_texts([DOC])
    old_hash = a.store.live_hashes()["demo"]
    changed = {**DOC, "text": DOC["text"].replace("500亿元", "520亿元")}
    report = a.ingest_texts([changed], embed=False)
    assert report.updated == ("demo",)
    (doc,) = a.documents()
    assert not doc.embedded
    ans = a.ask("2023年地区生产总值是多少？")
    assert "520亿元" in ans.text and "500亿元" not in ans.text
    new_hash = a.store.live_hashes()["demo"]
    assert (
        stored_records(a.store, "demo", old_hash) == stored_records(a.store, "demo", new_hash) == 0
    )
    a.embed_pending()
    assert "520亿元" in a.ask("2023年地区生产总值是多少？").text


def test_deleting_a_report_that_waits_for_vectors_removes_it(tmp_path):
    a, _ = _open(tmp_path)
    a.ingest_texts([DOC, {**DOC, "id": "other"}], embed=False)
    doc_hash = a.store.live_hashes()["demo"]
    a.delete("demo")
    assert [d.doc_id for d in a.documents()] == ["other"]
    assert stored_records(a.store, "demo", doc_hash, embedded=False) == 0
    assert a.embed_pending() == ["other"]


def test_records_a_finished_embedding_left_behind_are_collected(tmp_path):
    a, _ = _open(tmp_path)
    a.ingest_texts([DOC], embed=False)
    stored = a.store.stored_generation("demo", a.documents()[0].content_hash, embedded=False)
    a.embed_pending()
    # As if killed after writing the vectors but before dropping the placeholders: written
    # straight into the pending table inside a tracked write, which no public call leaves behind.
    ids = [f"demo::{stored.doc_hash[:12]}::p{p.number}" for p in stored.paragraphs]
    with pytest.raises(KeyboardInterrupt), a.store._tracked_write():
        _placeholders(a, ids, stored)
        raise KeyboardInterrupt
    (doc,) = a.documents()
    assert doc.embedded  # the embedded generation is live
    assert a.store.collect_garbage() == len(ids)
    assert stored_records(a.store, "demo", stored.doc_hash, embedded=False) == 0


def _placeholders(a, ids, stored) -> None:
    a.store._pending.upsert(
        ids=ids,
        embeddings=[[float(n)] for n in range(len(ids))],
        documents=[p.text for p in stored.paragraphs],
        metadatas=[
            {"doc_id": "demo", "doc_hash": stored.doc_hash, "kind": "paragraph"}
            for _ in stored.paragraphs
        ],
    )


def test_background_embedding_answers_questions_meanwhile_and_can_be_stopped(tmp_path):
    class Slow(HashEmbeddings):
        def embed_documents(self, texts):
            time.sleep(0.05 * len(texts))
            return super().embed_documents(texts)

    a, _ = _open(tmp_path, Slow())
    text = "\n".join(f"第{i}项工作：地区生产总值增长{i}%，完成投资{i}亿元。" for i in range(1, 300))
    a.ingest_texts([{"id": "long", "text": "一、工作回顾\n" + text}], embed=False)
    thread = a.embed_in_background()
    assert thread is not None and thread.is_alive()
    assert a.embed_in_background() is thread  # one at a time
    t0 = time.perf_counter()
    ans = a.ask("完成投资123亿元的是哪项工作？")
    assert time.perf_counter() - t0 < 5  # not queued behind the report (15 s of embedding)
    assert ans.keyword_only == ("long",)
    done, total = a.embedding_progress()["long"]
    assert 0 <= done < total
    a.stop_embedding(timeout=30)
    assert not thread.is_alive()
    assert not a.documents()[0].embedded  # stopped before the end: still waiting


def test_a_kill_during_embedding_loses_nothing_and_the_next_run_resumes(tmp_path):
    """A process killed half-way through a report's vectors: the report stays answerable,
    the texts it embedded are not embedded again, and the finished vectors are those of an
    uninterrupted build."""
    script = textwrap.dedent(
        """
        import json, os, sys
        from pathlib import Path
        sys.path.insert(0, sys.argv[1])
        from assistant import Assistant, Settings
        from assistant.embeddings import CachedEmbeddings
        from tests.fakes import HashEmbeddings

        class Dies(HashEmbeddings):
            def embed_documents(self, texts):
                if self.embedded >= 200:  # after the first chunk of texts
                    os._exit(9)  # as if killed
                return super().embed_documents(texts)

        tmp = Path(sys.argv[2])
        emb = CachedEmbeddings(Dies(), tmp / "cache" / "embeddings.sqlite")
        settings = Settings.from_env(env={}, store_dir=tmp / "store", cache_dir=tmp / "cache")
        a = Assistant(settings=settings, embedder=emb)
        a.ingest([sys.argv[3]], embed=False)
        a.embed_pending()
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", script, str(ROOT), str(tmp_path), str(CITY)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 9, proc.stderr[-2000:]
    inner = HashEmbeddings()
    a, _ = _open(tmp_path, CachedEmbeddings(inner, tmp_path / "cache" / "embeddings.sqlite"))
    (doc,) = a.documents()
    assert not doc.embedded
    done, total = a.embedding_progress()[doc.doc_id]  # read from the cache
    assert 256 <= done < total
    assert "1800亿元" in a.ask("2023年内江市地区生产总值是多少？").text
    assert a.embed_pending() == [doc.doc_id]
    assert inner.embedded == total - done  # only what the killed run had not embedded
    direct, _ = _open(tmp_path / "direct")
    direct.ingest([CITY])
    assert _vectors(a, doc.doc_id) == _vectors(direct, doc.doc_id)


def test_cli_ingest_without_vectors_then_embed(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("ASSISTANT_CACHE_DIR", str(tmp_path / "cache"))
    store = tmp_path / "store"
    src = tmp_path / "demo.txt"
    src.write_text(DOC["text"], encoding="utf-8")
    assert cli_main(["ingest", str(src), "--store", str(store), "--no-embed"]) == 0
    out = capsys.readouterr()
    assert "added 1" in out.out and "assistant embed" in out.err
    assert cli_main(["docs", "--store", str(store), "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["embedded"] is False and row["embedding"][1] > 0
    assert cli_main(["embed", "--store", str(store)]) == 0
    assert "embedded 1 report(s)" in capsys.readouterr().out
    assert cli_main(["docs", "--store", str(store), "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["embedded"] is True and "embedding" not in row


@pytest.mark.parametrize("waiting", [True, False])
def test_the_document_table_shows_which_reports_are_still_being_embedded(waiting, tmp_path):
    from assistant.ui import render_documents

    a, _ = _open(tmp_path)
    a.ingest_texts([DOC], embed=not waiting)
    html = render_documents(a.documents(), a.embedding_progress())
    assert ("语义索引建立中" in html) is waiting
    assert ("1 份正在建立语义索引" in html) is waiting


def test_background_thread_is_not_started_when_nothing_waits(tmp_path):
    a, _ = _open(tmp_path)
    a.ingest_texts([DOC])
    assert a.embed_in_background() is None
    assert not any(t.name == "embed-pending" for t in threading.enumerate())


def test_a_kill_while_writing_the_vectors_leaves_the_report_answerable_and_is_finished_later(
    tmp_path,
):
    """Killed after the first batch of a report's embedded records: the report is still
    live as indexed (keyword search), the partial records are collected, and the next ingest
    of the same file writes the rest."""
    script = textwrap.dedent(
        """
        import sys, time
        from pathlib import Path
        sys.path.insert(0, sys.argv[1])
        from assistant import Assistant, Settings
        from assistant.store import chroma as store
        from tests.fakes import HashEmbeddings

        tmp, ready, path = Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4]
        # A kill between two of the store's batched writes: patched at the one write seam.
        real_upsert = store.ChromaStore._upsert
        store._WRITE_BATCH = 50

        def first_batch_then_hang(self, ids, vectors, documents, metadatas, col=None):
            if col is not None:  # the placeholders of the first step: written for real
                return real_upsert(self, ids, vectors, documents, metadatas, col=col)
            real_upsert(self, ids[:50], vectors[:50], documents[:50], metadatas[:50])
            ready.write_text(str(len(ids)))
            time.sleep(600)

        store.ChromaStore._upsert = first_batch_then_hang
        settings = Settings.from_env(env={}, store_dir=tmp / "store", cache_dir=tmp / "cache")
        Assistant(settings=settings, embedder=HashEmbeddings()).ingest([path])
        """
    )
    ready = tmp_path / "ready"
    child = subprocess.Popen(
        [sys.executable, "-c", script, str(ROOT), str(tmp_path), str(ready), str(CITY)],
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 300
        while not ready.exists():
            assert child.poll() is None, child.stderr.read().decode()[-2000:]
            assert time.monotonic() < deadline, "the child never wrote its vectors"
            time.sleep(0.1)
        child.kill()
        child.wait(30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert int(ready.read_text()) > 50
    a, _ = _open(tmp_path)
    (doc,) = a.documents()
    assert not doc.embedded
    # The killed write's first batch, never made live.
    assert stored_records(a.store, CITY.name, doc.content_hash) == 50
    assert "1800亿元" in a.ask("2023年内江市地区生产总值是多少？").text
    report = a.ingest([CITY])
    assert report.skipped == (CITY.name,)
    (doc,) = a.documents()
    assert doc.embedded
    direct, _ = _open(tmp_path / "direct")
    direct.ingest([CITY])
    assert a.store.count() == direct.store.count()
    assert _vectors(a, CITY.name) == _vectors(direct, CITY.name)
