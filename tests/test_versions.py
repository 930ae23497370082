"""One index version per derived artefact (assistant/versions.py): bumping one re-derives that
artefact on an existing store, from what the store holds, and embeds nothing."""

from __future__ import annotations

import dataclasses
import re
import sys
from pathlib import Path

import pytest
from langchain_core.embeddings import Embeddings

from assistant import Assistant, Settings, versions
from assistant.embeddings import CachedEmbeddings

from .fakes import HashEmbeddings

PACKAGE = Path(__file__).resolve().parents[1] / "assistant"
REPORT = "\n".join(
    [
        "测试市人民政府工作报告",
        "一、2024年工作回顾",
        "2024年，全市实现地区生产总值1800亿元，增长6.1%。",
        "规模以上工业增加值增长8.0%。",
        "二、2025年工作安排",
        "2025年地区生产总值增长6%左右。",
    ]
)


class CountingEmbeddings(Embeddings):
    """Counts every call into the model: texts embedded and questions embedded."""

    def __init__(self) -> None:
        self.inner = HashEmbeddings()
        self.dimension = self.inner.dimension
        self.model_name = self.inner.model_name
        self.documents = 0
        self.queries = 0

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.documents += len(texts)
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        self.queries += 1
        return self.inner.embed_query(text)


def bump(monkeypatch: pytest.MonkeyPatch, name: str) -> str:
    """What editing `name` in assistant/versions.py does, in this process: it and every module
    that imported it hold the next version. Returns the new version."""
    old = getattr(versions, name)
    new = f"{old}.next"
    for module in list(sys.modules.values()):
        if getattr(module, "__name__", "").startswith("assistant") and (
            getattr(module, name, None) == old
        ):
            monkeypatch.setattr(module, name, new)
    return new


@pytest.fixture
def store(tmp_path):
    """(settings, embedder, file) of a store holding one report, indexed by the counting
    embedder behind an embedding cache."""
    settings = Settings.from_env(env={}, store_dir=tmp_path / "store", cache_dir=tmp_path / "c")
    counting = CountingEmbeddings()
    embedder = CachedEmbeddings(counting, tmp_path / "c" / "embeddings.sqlite")
    report = tmp_path / "测试市政府工作报告2025.txt"
    report.write_text(REPORT, encoding="utf-8")
    a = Assistant(settings=settings, embedder=embedder)
    assert a.ingest([report]).added == (report.name,)
    a.indicators()  # the table of the report's figures is built
    assert counting.documents > 0
    counting.documents = counting.queries = 0
    return settings, embedder, counting, report


def _document(a: Assistant, doc_id: str):
    return {d.doc_id: d for d in a.documents()}[doc_id]


def test_every_version_is_defined_in_the_versions_module_only():
    defined = re.compile(r"^_?[A-Z][A-Z_]*VERSION\s*(?::[^=]*)?=", re.MULTILINE)
    elsewhere = [
        f"{p.relative_to(PACKAGE)}: {m.group(0)}"
        for p in PACKAGE.rglob("*.py")
        if p.name != "versions.py"
        for m in defined.finditer(p.read_text(encoding="utf-8"))
    ]
    assert not elsewhere
    constants = {n for n in vars(versions) if n.endswith("_VERSION")}
    assert sorted(a.version for a in versions.ARTEFACTS) == sorted(constants)


def test_a_metadata_rule_reaches_a_stored_report_when_its_version_is_bumped(store, monkeypatch):
    from assistant.ingest import report as report_module

    settings, embedder, counting, file = store
    first = Assistant(settings=settings, embedder=embedder)
    old = _document(first, file.name)
    hashes, records = first.store.live_hashes(), first.store.count()
    vectors = first.store.stored_generation(file.name, hashes[file.name]).units
    real = report_module.detect_meta

    def better_rule(*args, **kwargs):
        return dataclasses.replace(real(*args, **kwargs), region="测试市（新规则）")

    monkeypatch.setattr(report_module, "detect_meta", better_rule)
    # A changed rule alone changes nothing stored: the version says which rule derived it.
    assert Assistant(settings=settings, embedder=embedder).rederive_metadata() == []
    assert _document(first, file.name).region == old.region

    new_version = bump(monkeypatch, "DETECTOR_VERSION")
    b = Assistant(settings=settings, embedder=embedder)

    doc = _document(b, file.name)
    assert doc.region == "测试市（新规则）"
    assert b.store.detector_versions() == {file.name: new_version}
    assert doc.content_hash != old.content_hash and b.store.count() == records
    stored = b.store.stored_generation(file.name, doc.content_hash)
    assert [(u.text, list(u.vector)) for u in stored.units] == [
        (u.text, list(u.vector)) for u in vectors
    ]  # the same units with the same vectors
    assert not b.indicator_store.missing(b.store.live_hashes())
    assert counting.documents == 0 and counting.queries == 0
    # Ingesting the unchanged file again finds it current.
    assert b.ingest([file]).skipped == (file.name,)
    assert counting.documents == 0


def test_bumping_the_extractor_version_rebuilds_the_indicator_table_only(store, monkeypatch):
    from assistant.pipeline import tables

    settings, embedder, counting, file = store
    hashes = Assistant(settings=settings, embedder=embedder).store.live_hashes()
    extracted: list[str] = []
    real = tables.extract
    monkeypatch.setattr(
        tables, "extract", lambda *a, **k: extracted.append(k["title"]) or real(*a, **k)
    )

    bump(monkeypatch, "EXTRACTOR_VERSION")
    b = Assistant(settings=settings, embedder=embedder)

    assert b.store.live_hashes() == hashes  # paragraphs and metadata stay as stored
    assert b.indicator_store.missing(hashes) == [file.name]
    figures = b.indicators(name="地区生产总值")
    assert extracted == ["测试市人民政府工作报告"] and figures
    assert not b.indicator_store.missing(hashes)
    b.indicators()
    assert len(extracted) == 1  # built once, then read
    assert counting.documents == 0 and counting.queries == 0


def test_bumping_the_parser_version_reindexes_at_the_next_ingest_from_the_embedding_cache(
    store, monkeypatch
):
    settings, embedder, counting, file = store
    bump(monkeypatch, "PARSER_VERSION")
    b = Assistant(settings=settings, embedder=embedder)
    old_hash = b.store.live_hashes()[file.name]

    assert b.rederive_metadata() == []  # stored paragraphs cannot be parsed again
    result = b.ingest([file])

    assert result.updated == (file.name,)
    assert b.store.live_hashes()[file.name] != old_hash
    assert embedder.hits > 0 and counting.documents == 0  # every text came from the cache


def test_bumping_the_lexical_version_rebuilds_the_snapshots_from_the_store(store, monkeypatch):
    settings, embedder, counting, _ = store
    hashes = Assistant(settings=settings, embedder=embedder).store.live_hashes()
    new_version = bump(monkeypatch, "LEXICAL_VERSION")

    b = Assistant(settings=settings, embedder=embedder)
    answer = b.ask("2024年地区生产总值是多少？")

    assert "1800亿元" in answer.text
    assert list((settings.store_dir / "lexical").glob(f"v{new_version}-*/*.counts.npz"))
    assert b.store.live_hashes() == hashes
    assert counting.documents == 0 and counting.queries == 1  # the question only
