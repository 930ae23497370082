"""Work the retriever does once, not per question or per start: the lexical index kept beside
the store, incremental tokenization, re-reading the store only when its generation changes,
the dense search without a where-filter, and a consistent view across threads."""

from __future__ import annotations

import json
import threading
from dataclasses import replace

import pytest

from assistant import Assistant, Settings, lexicon
from assistant.retrieve import Retriever

from .fakes import HashEmbeddings


def report(n: int, place: str = "示例市") -> dict:
    return {
        "id": f"doc{n}",
        "title": f"{place}人民政府工作报告（2024）",
        "text": (
            f"{place}人民政府工作报告（2024）\n一、2023年工作回顾\n"
            f"全年实现地区生产总值{500 + n}亿元，增长{n % 9}.5%。\n"
            f"新增城镇就业{n + 1}万人，第{n}号产业园建成投用。\n"
            "二、2024年工作安排\n"
            f"地区生产总值增长{n % 7}%以上。社会消费品零售总额增长{n % 5 + 3}%。"
        ),
    }


@pytest.fixture
def counted_tokens(monkeypatch):
    """Counts the texts `lexicon.tokens` is asked to tokenize."""
    calls: list[str] = []
    real = lexicon.tokens

    def tokens(text: str) -> list[str]:
        calls.append(text)
        return real(text)

    monkeypatch.setattr(lexicon, "tokens", tokens)
    return calls


def open_assistant(store, cache, emb=None) -> Assistant:
    settings = Settings.from_env(env={}, store_dir=store, cache_dir=cache)
    return Assistant(settings=settings, embedder=emb or HashEmbeddings())


def unit_count(a: Assistant) -> int:
    return a.store.count() - len(a.documents())


def test_a_restart_loads_the_lexical_index_instead_of_tokenizing_every_unit(
    tmp_path, counted_tokens, monkeypatch
):
    a = open_assistant(tmp_path / "store", tmp_path / "cache")
    a.ingest_texts([report(n) for n in range(3)])
    a.retriever.refresh()
    assert len(counted_tokens) == unit_count(a)  # the first build tokenizes every unit once
    before = [h.paragraph.text for h in a.retriever.retrieve("2023年地区生产总值是多少？", k=5)]

    counted_tokens.clear()
    b = open_assistant(tmp_path / "store", tmp_path / "cache")
    b.retriever.refresh()
    assert counted_tokens == []  # the index is put together from the stored term counts
    after = [h.paragraph.text for h in b.retriever.retrieve("2023年地区生产总值是多少？", k=5)]
    assert after == before


def test_loaded_index_scores_like_one_built_from_the_store(tmp_path):
    a = open_assistant(tmp_path / "store", tmp_path / "cache")
    a.ingest_texts([report(n) for n in range(4)])
    a.retriever.refresh()  # writes the index to disk
    from_disk = Retriever(a.store, a.embedder)
    from_store = Retriever(a.store, a.embedder, lexical_dir=None)
    for question in ("新增城镇就业多少万人？", "第2号产业园", "社会消费品零售总额增长目标"):
        got = [(h.paragraph.doc_id, h.paragraph.number, round(h.score, 9)) for h in
               from_disk.retrieve(question, k=8)]  # fmt: skip
        want = [(h.paragraph.doc_id, h.paragraph.number, round(h.score, 9)) for h in
                from_store.retrieve(question, k=8)]  # fmt: skip
        assert got == want and got
    terms = lexicon.content_terms("新增城镇就业多少万人？")
    assert from_disk.term_weights(terms) == from_store.term_weights(terms)


def test_an_ingest_tokenizes_only_the_documents_it_added(tmp_path, counted_tokens):
    a = open_assistant(tmp_path / "store", tmp_path / "cache")
    a.ingest_texts([report(n) for n in range(3)])
    a.retriever.refresh()
    old_units = unit_count(a)
    counted_tokens.clear()
    a.ingest_texts([report(3, "另一县")])
    a.retriever.refresh()
    assert len(counted_tokens) == unit_count(a) - old_units > 0
    assert "doc3" in a.retriever.documents


def test_the_store_is_reread_only_after_its_documents_change(tmp_path, monkeypatch):
    a = open_assistant(tmp_path / "store", tmp_path / "cache")
    a.ingest_texts([report(1)])
    a.ask("2023年地区生产总值是多少？")
    reads = []
    real = a.store.documents
    monkeypatch.setattr(a.store, "documents", lambda: reads.append(1) or real())
    for _ in range(3):
        a.ask("新增城镇就业多少万人？")
    assert reads == []
    # Another writer (as another process would) adds a report: the next question sees it.
    other = open_assistant(tmp_path / "store", tmp_path / "cache")
    other.ingest_texts([report(2, "另一县")])
    a.ask("另一县新增城镇就业多少万人？")  # starts the rebuild; answered meanwhile
    a.retriever.wait_for_refresh()
    answer = a.ask("另一县新增城镇就业多少万人？")
    assert reads and "doc2" in a.retriever.documents
    assert any(c.doc_id == "doc2" for c in answer.citations)


def test_a_deleted_document_disappears_and_its_snapshot_is_pruned(tmp_path):
    a = open_assistant(tmp_path / "store", tmp_path / "cache")
    a.ingest_texts([report(1), report(2)])
    a.retriever.refresh()
    folder = a.retriever.cache.root
    assert len(list(folder.glob("*.json"))) == 2
    a.delete("doc2")
    hits = a.retriever.retrieve("第2号产业园建成投用", k=8)
    assert hits and all(h.paragraph.doc_id == "doc1" for h in hits)
    assert len(list(folder.glob("*.json"))) == 1
    assert len(list(folder.glob("*.counts.npz"))) == 1


def test_a_damaged_snapshot_is_rebuilt_from_the_store(tmp_path, caplog):
    a = open_assistant(tmp_path / "store", tmp_path / "cache")
    a.ingest_texts([report(1)])
    a.retriever.refresh()
    snapshot = next(a.retriever.cache.root.glob("*.json"))
    snapshot.write_text('{"units": [', encoding="utf-8")
    for counts in a.retriever.cache.root.glob("*.counts.npz"):
        counts.write_bytes(b"not term counts")
    b = open_assistant(tmp_path / "store", tmp_path / "cache")
    with caplog.at_level("WARNING", logger="assistant"):
        answer = b.ask("2023年地区生产总值是多少？")
    assert "501亿元" in answer.text
    assert "unreadable" in caplog.text
    assert json.loads(snapshot.read_text(encoding="utf-8"))["doc_id"] == "doc1"


def spy_nearest(a: Assistant, monkeypatch) -> list:
    calls = []
    real = a.store.nearest

    def nearest(vector, k, hashes=None):
        calls.append(None if hashes is None else sorted(hashes))
        return real(vector, k, hashes)

    monkeypatch.setattr(a.store, "nearest", nearest)
    return calls


def test_without_vectors_beside_it_dense_search_over_all_documents_is_one_store_query(
    tmp_path, monkeypatch
):
    a = open_assistant(tmp_path / "store", tmp_path / "cache")
    a.ingest_texts([report(n) for n in range(3)])
    calls = spy_nearest(a, monkeypatch)
    r = a.retriever
    r.refresh()
    # The retriever's dense search on its own (retrieve() fuses it with keyword search).
    state = replace(r._state, dense=None)  # as when the vectors could not be read
    vector = a.embedder.embed_query("新增城镇就业多少万人？")
    everything = r._dense(state, vector, 12, list(state.live.values()))
    assert calls == [None]
    assert len(everything) == 12 and {m.uid for m in everything} <= set(state.units)
    sims = [m.similarity for m in everything]
    assert sims == sorted(sims, reverse=True)
    # The same units as the query filtered in the store, in the same order.
    filtered = a.store.nearest(vector, 12, list(state.live.values()))
    assert [m.uid for m in everything] == [uid for uid, _ in filtered]


def test_dense_search_never_returns_records_that_are_not_live_units(tmp_path, monkeypatch):
    emb = HashEmbeddings()
    a = open_assistant(tmp_path / "store", tmp_path / "cache", emb)
    a.ingest_texts([report(n) for n in range(3)])
    question = "第1号产业园建成投用"
    # Records nearer the question than any live unit: a generation that never went live
    # (an interrupted write), more of them than the over-fetch allows for. No public call
    # leaves such records, so they are written into the collection directly.
    a.store._col.upsert(
        ids=[f"doc1::dead::s2.0.{i}" for i in range(80)],
        embeddings=[emb.embed_query(question)] * 80,
        documents=["第1号产业园建成投用。"] * 80,
        metadatas=[
            {"doc_id": "doc1", "doc_hash": "dead", "doc_year": 0, "kind": "sentence",
             "paragraph": 2, "sentence": 0}
        ] * 80,
    )  # fmt: skip
    calls = spy_nearest(a, monkeypatch)
    r = a.retriever
    r.refresh()
    # The retriever's dense search on its own (retrieve() fuses it with keyword search).
    exact = r._dense(r._state, emb.embed_query(question), 20, list(r._state.live.values()))
    assert calls == [] and len(exact) == 20 and all("dead" not in m.uid for m in exact)
    state = replace(r._state, dense=None)  # the store's search
    hashes = list(state.live.values())
    found = r._dense(state, emb.embed_query(question), 20, hashes)
    # Too few live units survived the unfiltered query: it fell back to the filtered one.
    assert calls == [None, sorted(hashes)]
    assert len(found) == 20 and all("dead" not in m.uid for m in found)
    calls.clear()
    some = r._dense(state, emb.embed_query(question), 20, hashes[:2])
    assert calls == [sorted(hashes[:2])]
    assert {m.doc_id for m in some} <= {d for d, h in state.live.items() if h in hashes[:2]}
    assert all("dead" not in m.uid for m in some)


def test_answers_stay_consistent_while_another_thread_ingests(tmp_path):
    a = open_assistant(tmp_path / "store", tmp_path / "cache")
    a.ingest_texts([report(0)])
    errors: list[BaseException] = []
    stop = threading.Event()

    def ask_loop() -> None:
        while not stop.is_set():
            try:
                answer = a.ask("新增城镇就业多少万人？")
                assert answer.citations or answer.abstained
            except BaseException as exc:
                errors.append(exc)
                return

    threads = [threading.Thread(target=ask_loop) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        for n in range(1, 6):
            a.ingest_texts([report(n, f"第{n}县")])
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert errors == []
    a.retriever.refresh()
    assert set(a.retriever.documents) == {f"doc{n}" for n in range(6)}


def test_answer_timings_break_retrieval_into_stages(tmp_path):
    a = open_assistant(tmp_path / "store", tmp_path / "cache")
    a.ingest_texts([report(1)])
    timings = a.ask("2023年地区生产总值是多少？").timings
    assert {"embed", "dense", "lexical", "retrieve", "answer", "total"} <= set(timings)
    assert timings["embed"] + timings["dense"] + timings["lexical"] <= timings["retrieve"]


def test_questions_do_not_wait_while_another_thread_rebuilds_the_lexical_state(
    tmp_path, monkeypatch
):
    a = open_assistant(tmp_path / "store", tmp_path / "cache")
    a.ingest_texts([report(1)])
    assert "501亿元" in a.ask("2023年地区生产总值是多少？").text
    # Another process adds a report: this process's next refresh rebuilds its state.
    open_assistant(tmp_path / "store", tmp_path / "cache").ingest_texts([report(2, "另一县")])
    rebuilding, release = threading.Event(), threading.Event()
    real = a.store.documents

    def slow_documents():
        if threading.current_thread().name == "rebuild":
            rebuilding.set()
            assert release.wait(30)
        return real()

    monkeypatch.setattr(a.store, "documents", slow_documents)
    rebuild = threading.Thread(target=a.retriever.refresh, name="rebuild")
    rebuild.start()
    assert rebuilding.wait(10)
    answered: list[str] = []
    asker = threading.Thread(
        target=lambda: answered.append(a.ask("2023年地区生产总值是多少？").text)
    )
    asker.start()
    asker.join(20)
    release.set()
    rebuild.join(20)

    assert answered and "501亿元" in answered[0]  # from the reports before the change
    assert "doc2" in a.retriever.documents  # and the rebuild went on


def test_an_ingest_leaves_the_lexical_index_ready_for_the_next_question(tmp_path):
    a = open_assistant(tmp_path / "store", tmp_path / "cache")
    a.ingest_texts([report(1)])
    rebuilds = a.retriever.rebuilds
    a.ask("2023年地区生产总值是多少？")
    assert a.retriever.rebuilds == rebuilds


def mirrors(a: Assistant) -> list:
    return sorted(a.retriever.cache.root.glob("*.npy"))


def dense_doc_ids(a: Assistant, question: str, k: int = 200) -> set[str]:
    """The reports the retriever's dense search finds (retrieve() fuses it with keywords)."""
    r = a.retriever
    r.refresh()
    state = r._state
    embedded = [h for d, h in state.live.items() if state.docs[d].embedded]
    return {m.doc_id for m in r._dense(state, a.embedder.embed_query(question), k, embedded)}


def test_exact_search_over_the_mirrors_finds_the_units_chromas_query_finds(assistant):
    r = assistant.retriever
    r.refresh()
    # The exact search over the mirrors, which retrieve() uses but does not show.
    state = r._state
    assert state.dense is not None and len(state.dense.uids) == len(state.units)
    hashes = list(state.live.values())
    questions = [
        "2023年内江市地区生产总值是多少？",
        "市中区2024年新增城镇就业目标",
        "乡村振兴有哪些举措？",
        "营商环境",
        "成渝地区双城经济圈建设",
    ]
    for question in questions:
        vector = assistant.embedder.embed_query(question)
        for some in (hashes, hashes[:1]):
            exact = r._dense(state, vector, 20, some)
            chroma = assistant.store.nearest(vector, 20, some)
            # Chroma's HNSW query is approximate: it may miss a unit or order near-ties
            # otherwise, never find a closer one. At every rank the exact search is at least
            # as close, the same units have the same similarity, and nearly all are shared.
            assert len(exact) == len(chroma) == 20, question
            for m, (_, similarity) in zip(exact, chroma, strict=True):
                assert m.similarity >= similarity - 1e-5, question
            found = {m.uid: m.similarity for m in exact}
            shared = [(uid, s) for uid, s in chroma if uid in found]
            assert len(shared) >= 18, question
            for uid, similarity in shared:
                assert found[uid] == pytest.approx(similarity, abs=1e-5)


def test_a_report_that_gets_its_vectors_gets_its_mirror(tmp_path, monkeypatch):
    a = open_assistant(tmp_path / "store", tmp_path / "cache")
    a.ingest_texts([report(1)])
    a.ingest_texts([report(2, "另一县")], embed=False)
    assert len(mirrors(a)) == 1
    assert dense_doc_ids(a, "另一县新增城镇就业") == {"doc1"}  # doc2 waits for its vectors

    a.embed_pending()
    assert len(mirrors(a)) == 2
    assert dense_doc_ids(a, "另一县新增城镇就业") == {"doc1", "doc2"}
    # Another process starts from the mirrors, without reading a vector from the store.
    reads = []
    b = open_assistant(tmp_path / "store", tmp_path / "cache")
    monkeypatch.setattr(b.store, "unit_vectors", lambda uids: reads.append(uids))
    assert dense_doc_ids(b, "另一县新增城镇就业") == {"doc1", "doc2"} and reads == []


def test_a_report_embedded_by_another_process_joins_dense_search(tmp_path):
    a = open_assistant(tmp_path / "store", tmp_path / "cache")
    a.ingest_texts([report(1), report(2, "另一县")], embed=False)
    assert dense_doc_ids(a, "另一县新增城镇就业") == set()
    open_assistant(tmp_path / "store", tmp_path / "cache").embed_pending()
    rebuilds = a.retriever.rebuilds
    assert dense_doc_ids(a, "另一县新增城镇就业") == {"doc1", "doc2"}
    assert a.retriever.rebuilds == rebuilds  # the same generations: snapshots kept


def test_a_deleted_or_replaced_report_leaves_dense_search_with_its_mirror(tmp_path):
    a = open_assistant(tmp_path / "store", tmp_path / "cache")
    a.ingest_texts([report(1), report(2, "另一县")])
    old = mirrors(a)
    assert len(old) == 2
    a.delete("doc2")
    assert dense_doc_ids(a, "另一县新增城镇就业") == {"doc1"}
    assert len(mirrors(a)) == 1

    changed = report(1)
    changed["text"] += "\n全年新建5G基站1200个。"
    a.ingest_texts([changed])
    r = a.retriever
    # The retriever's dense search on its own (retrieve() fuses it with keyword search).
    live_units = set(r._state.units)
    found = r._dense(r._state, a.embedder.embed_query("5G基站"), 50, list(r._state.live.values()))
    assert found and {m.uid for m in found} <= live_units
    assert any("5G基站" in m.text for m in found)
    assert len(mirrors(a)) == 1 and not set(mirrors(a)) & set(old)


def test_bm25_from_term_counts_scores_as_bm25s_does():
    import random

    import bm25s
    import numpy as np

    from assistant.bm25 import BM25, EMPTY, TermCounts

    rng = random.Random(7)
    words = [f"词{i}" for i in range(400)]
    units = [[rng.choice(words[: rng.randint(5, 400)]) for _ in range(rng.randint(0, 30))]
             for _ in range(1500)]  # fmt: skip
    reference = bm25s.BM25()
    reference.index([u or [EMPTY] for u in units], show_progress=False)
    # Assembled from three documents' counts, in order.
    ours = BM25(
        [TermCounts.of(units[:700]), TermCounts.of(units[700:701]), TermCounts.of(units[701:])]
    )
    for _ in range(50):
        query = [rng.choice(words) for _ in range(rng.randint(1, 8))] + ["不在词表中"]
        np.testing.assert_allclose(ours.scores(query), reference.get_scores(query), atol=1e-5)
    assert ours.df(words[0]) == int(sum(words[0] in u for u in units))
    assert ours.df("不在词表中") == 0


def test_term_counts_survive_a_round_trip_and_refuse_damage(tmp_path):
    from assistant.bm25 import TermCounts

    counts = TermCounts.of([["甲", "乙", "甲"], [], ["丙"]])
    counts.save(tmp_path / "c.npz")
    again = TermCounts.load(tmp_path / "c.npz")
    assert again.terms.tolist() == counts.terms.tolist() and again.lengths.tolist() == [3, 1, 1]
    assert again.counts.tolist() == counts.counts.tolist()
    (tmp_path / "bad.npz").write_bytes(b"PK\x03\x04 not a zip")
    with pytest.raises((OSError, ValueError)):
        TermCounts.load(tmp_path / "bad.npz")


def test_a_question_is_not_held_up_by_the_rebuild_another_writer_caused(tmp_path, monkeypatch):
    a = open_assistant(tmp_path / "store", tmp_path / "cache")
    a.ingest_texts([report(1)])
    a.ask("2023年地区生产总值是多少？")
    other = open_assistant(tmp_path / "store", tmp_path / "other-cache")
    other.ingest_texts([report(2, "另一县")])
    # `a` must tokenize the new report (its lexical folder is its own); hold that back.
    release = threading.Event()
    real = lexicon.tokens

    def tokens(text: str) -> list[str]:
        if threading.current_thread().name == "lexical-refresh":
            release.wait(30)
        return real(text)

    monkeypatch.setattr(lexicon, "tokens", tokens)
    monkeypatch.setattr(a.retriever, "cache", None)  # no shared snapshot to load
    answer = a.ask("地区生产总值是多少？")  # returns while the rebuild waits
    # The rebuild runs in its thread meanwhile (no public call tells).
    assert a.retriever._refresher is not None and a.retriever._refresher.is_alive()
    assert "doc2" not in a.retriever.documents and answer.citations
    assert all(c.doc_id == "doc1" for c in answer.citations)
    release.set()
    a.retriever.wait_for_refresh(30)
    assert "doc2" in a.retriever.documents
    assert any(c.doc_id == "doc2" for c in a.ask("另一县新增城镇就业多少万人？").citations)
