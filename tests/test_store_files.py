"""The small files beside a local store that let it be read without starting Chroma:
store.json (what the store was built with) and documents.json (the live document records of
one generation), and when each may be trusted."""

from __future__ import annotations

import json
import shutil

import pytest

from assistant import Assistant, Settings
from assistant.errors import NotAStoreError
from assistant.store import ChromaStore

from .fakes import HashEmbeddings

DOC = {
    "id": "demo",
    "title": "示例市人民政府工作报告",
    "text": "一、2023年工作回顾\n全年实现地区生产总值500亿元。\n二、2024年工作安排\n地区生产总值增长6%以上。",
}
OTHER = {**DOC, "id": "other", "text": DOC["text"].replace("500", "321")}


def _open(store, tmp_path, **kw) -> Assistant:
    settings = Settings.from_env(env={}, store_dir=store, cache_dir=tmp_path / "cache")
    return Assistant(settings=settings, embedder=HashEmbeddings(), **kw)


def _store(path, create: bool = False) -> ChromaStore:
    emb = HashEmbeddings()
    return ChromaStore(emb.model_name, emb.dimension, path=path, create=create)


def _snapshot(store) -> dict:
    return json.loads((store / "documents.json").read_text(encoding="utf-8"))


def test_an_indexed_store_is_listed_without_opening_chroma(tmp_path):
    _open(tmp_path / "store", tmp_path).ingest_texts([DOC, OTHER])
    meta = json.loads((tmp_path / "store" / "store.json").read_text(encoding="utf-8"))
    assert meta == {"embedding_model": "hash-test", "dimension": 64, "schema_version": 1}
    s = _store(tmp_path / "store")
    assert [d.doc_id for d in s.documents()] == ["demo", "other"]
    assert set(s.live_hashes()) == {"demo", "other"} and s.detector_versions()
    # Whether Chroma was opened is what this test is about; no public call tells.
    assert not s._opened  # neither the client nor a collection
    assert s.count() > 0 and s._opened  # opened on first use by what needs it


def test_a_documents_snapshot_of_another_generation_is_not_used(tmp_path):
    store = tmp_path / "store"
    _open(store, tmp_path).ingest_texts([DOC])
    snap = _snapshot(store)
    assert snap["generation"] == (store / "generation").read_text(encoding="ascii")
    # A snapshot whose records differ from Chroma's, so the test can tell which was read.
    snap["records"][0]["title"] = "从快照读出的标题"
    (store / "documents.json").write_text(json.dumps(snap), encoding="utf-8")
    assert _store(store).documents()[0].title == "从快照读出的标题"

    (store / "generation").write_text("another-generation", encoding="ascii")
    assert _store(store).documents()[0].title == DOC["title"]


def test_a_writer_deletes_the_snapshot_before_it_changes_anything(tmp_path, monkeypatch):
    store = tmp_path / "store"
    a = _open(store, tmp_path)
    a.ingest_texts([DOC])
    seen = []
    # Looks at the snapshot at each write into Chroma, the store's one write seam.
    real = ChromaStore._upsert

    def upsert(self, *args, **kw):
        seen.append((store / "documents.json").exists())
        return real(self, *args, **kw)

    monkeypatch.setattr(ChromaStore, "_upsert", upsert)
    a.ingest_texts([OTHER])  # the pending write, then the one with vectors
    assert seen and not any(seen)
    # and writes a new one when done
    assert _snapshot(store)["generation"] == (store / "generation").read_text(encoding="ascii")
    assert {m["doc_id"] for m in _snapshot(store)["records"]} == {"demo", "other"}


def test_a_write_that_fails_half_way_leaves_a_snapshot_of_what_chroma_holds(tmp_path, monkeypatch):
    store = tmp_path / "store"
    a = _open(store, tmp_path)
    a.ingest_texts([DOC])

    def fail(self, *args, **kw):
        raise RuntimeError("disk full")

    monkeypatch.setattr(ChromaStore, "_upsert", fail)
    with pytest.raises(Exception, match="disk full"):
        a.ingest_texts([OTHER])
    monkeypatch.undo()
    assert [m["doc_id"] for m in _snapshot(store)["records"]] == ["demo"]
    assert _snapshot(store)["generation"] == (store / "generation").read_text(encoding="ascii")
    assert [d.doc_id for d in _store(store).documents()] == ["demo"]


def test_a_store_written_before_these_files_opens_and_gets_them(tmp_path):
    store = tmp_path / "store"
    _open(store, tmp_path).ingest_texts([DOC])
    (store / "store.json").unlink()
    (store / "documents.json").unlink()

    b = _open(store, tmp_path, create=False)
    assert [d.doc_id for d in b.documents()] == ["demo"]
    assert "500亿元" in b.ask("2023年地区生产总值是多少？").text
    meta = json.loads((store / "store.json").read_text(encoding="utf-8"))
    assert meta == {"embedding_model": "hash-test", "dimension": 64, "schema_version": 1}
    assert [m["doc_id"] for m in _snapshot(store)["records"]] == ["demo"]
    assert not _store(store)._opened and _store(store).documents()


def test_opening_a_folder_without_a_store_read_only_creates_nothing(tmp_path):
    folder = tmp_path / "empty"
    folder.mkdir()
    with pytest.raises(NotAStoreError):
        _store(folder)
    assert list(folder.iterdir()) == []


def test_a_store_copied_whole_is_read_from_its_files(tmp_path):
    _open(tmp_path / "store", tmp_path).ingest_texts([DOC])
    shutil.copytree(tmp_path / "store", tmp_path / "copy")
    s = _store(tmp_path / "copy")
    assert [d.doc_id for d in s.documents()] == ["demo"] and not s._opened  # Chroma not opened
