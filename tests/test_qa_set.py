"""Pins the shape and the grounding of the hand-written evaluation sets and labelled figures.

Three QA sets: eval/qa.jsonl asks about the bundled reports under data/, eval/qa_corpus.jsonl
about the real reports under eval/corpus/, eval/qa_track.jsonl whether targets were met, over
the national reports under eval/track/. Every answerable question must be backed by
verbatim quotes from its reports, and every must_include string must be recoverable from
those quotes, so that an extractive answer quoting the report can satisfy it. The labelled
figures of the corpus (eval/indicators_gold_corpus.jsonl) give their sentence verbatim.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from .helpers import DATA, ROOT

CORPUS = ROOT / "eval" / "corpus"
QA_PATH = ROOT / "eval" / "qa.jsonl"
CORPUS_QA_PATH = ROOT / "eval" / "qa_corpus.jsonl"
CORPUS_GOLD_PATH = ROOT / "eval" / "indicators_gold_corpus.jsonl"
TRACK_QA_PATH = ROOT / "eval" / "qa_track.jsonl"

CITY = "neijiang-2024.txt"
DISTRICT = "neijiang-shizhong-2024.txt"

KEYS = [
    "id",
    "question",
    "answer",
    "must_include",
    "evidence",
    "source",
    "type",
    "answerable",
]
OPTIONAL_KEYS = ["tags"]  # after the others when present
TAGS = {"two-year", "near-miss", "glossary-confusable"}
TYPES = {
    "numeric",
    "fact",
    "list",
    "temporal",
    "cross_doc",
    "unanswerable",
    "section",
    "paraphrase",
}
MIN_PER_TYPE = {
    "numeric": 30,
    "fact": 15,
    "list": 12,
    "temporal": 15,
    "cross_doc": 8,
    "unanswerable": 30,
    "section": 10,
    "paraphrase": 15,
}
# Lines of the district web page that are site chrome, not report text.
SITE_CHROME_MARKERS = ("导航菜单", "本文仅代表作者观点", "本文地址", "留言与评论", "验证码")
MAX_QUOTE_CHARS = 60
GOLD_KEYS = {"doc_id", "sentence", "span", "name", "value", "unit", "kind", "qualifier", "status",
             "year"}  # fmt: skip


@dataclass(frozen=True)
class QASet:
    """A QA file and the folder its sources name files in."""

    name: str
    path: Path
    reports: Path
    id_pattern: str

    def __str__(self) -> str:
        return self.name


BUNDLED = QASet("bundled", QA_PATH, DATA, r"q\d{3,}")
CORPUS_SET = QASet("corpus", CORPUS_QA_PATH, CORPUS, r"c[np]\d{3,}")
TRACK_SET = QASet("track", TRACK_QA_PATH, ROOT / "eval" / "track", r"tr\d{3,}")
MISSING = f"{CORPUS_QA_PATH.relative_to(ROOT)} does not exist yet (it is being written)"


def normalise(text: str) -> str:
    """NFKC (full-width to half-width) and drop all whitespace."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


@cache
def report_text(folder: Path, name: str) -> str:
    return (folder / name).read_text(encoding="utf-8")


def load_records(path: Path) -> list[dict]:
    if not path.is_file():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


RECORDS = {
    BUNDLED: load_records(QA_PATH),
    CORPUS_SET: load_records(CORPUS_QA_PATH),
    TRACK_SET: load_records(TRACK_QA_PATH),
}


def set_params() -> list:
    """Each QA set; the corpus one skipped while its file does not exist."""
    skip = pytest.mark.skipif(not CORPUS_QA_PATH.is_file(), reason=MISSING)
    return [
        pytest.param(BUNDLED, id="bundled"),
        pytest.param(CORPUS_SET, marks=skip, id="corpus"),
        pytest.param(TRACK_SET, id="track"),
    ]


def record_params(answerable: bool | None = None) -> list:
    """(QA set, record) pairs, by record id; one skipped pair while the corpus file is missing."""
    params = []
    for qa_set, records in RECORDS.items():
        for r in records:
            if answerable is None or r["answerable"] is answerable:
                params.append(pytest.param(qa_set, r, id=f"{qa_set}-{r['id']}"))
    if not CORPUS_QA_PATH.is_file():
        params.append(pytest.param(CORPUS_SET, {}, id="corpus", marks=pytest.mark.skip(MISSING)))
    return params


def alternatives(element: str | list[str]) -> list[str]:
    return element if isinstance(element, list) else [element]


def corpus_records() -> list[dict]:
    if not CORPUS_QA_PATH.is_file():
        pytest.skip(MISSING)
    return RECORDS[CORPUS_SET]


BUNDLED_RECORDS = RECORDS[BUNDLED]
ANSWERABLE = [r for r in BUNDLED_RECORDS if r["answerable"]]
UNANSWERABLE = [r for r in BUNDLED_RECORDS if not r["answerable"]]


# -- both QA sets -----------------------------------------------------------------------------


@pytest.mark.parametrize("qa_set", set_params())
def test_every_line_parses_as_a_json_object(qa_set):
    for number, line in enumerate(qa_set.path.read_text(encoding="utf-8").splitlines(), 1):
        assert line.strip(), f"blank line {number}"
        assert isinstance(json.loads(line), dict), f"line {number} is not an object"


@pytest.mark.parametrize("qa_set", set_params())
def test_file_is_utf8_without_ascii_escapes(qa_set):
    raw = qa_set.path.read_text(encoding="utf-8")
    assert "\\u" not in raw, "write with ensure_ascii=False"


@pytest.mark.parametrize(("qa_set", "record"), record_params())
def test_record_has_exact_keys_and_field_types(qa_set, record):
    assert list(record) in (KEYS, KEYS + OPTIONAL_KEYS)
    assert isinstance(record["id"], str)
    assert re.fullmatch(qa_set.id_pattern, record["id"])
    for field in ("question", "answer", "type"):
        assert isinstance(record[field], str)
        assert record[field].strip()
    assert isinstance(record["answerable"], bool)
    assert isinstance(record["evidence"], list)
    assert all(isinstance(e, str) and e for e in record["evidence"])
    assert isinstance(record["source"], list)
    assert record["source"]
    assert all(isinstance(s, str) for s in record["source"])
    assert isinstance(record["must_include"], list)
    for element in record["must_include"]:
        alts = alternatives(element)
        assert alts, "an alternatives list must not be empty"
        assert all(isinstance(a, str) and a.strip() for a in alts)


@pytest.mark.parametrize(("qa_set", "record"), record_params())
def test_tags_are_a_list_of_known_tags(qa_set, record):
    tags = record.get("tags", [])
    assert isinstance(tags, list)
    assert set(tags) <= TAGS, f"unknown tag: choose from {sorted(TAGS)}"
    assert len(set(tags)) == len(tags)


@pytest.mark.parametrize("qa_set", set_params())
def test_ids_are_unique(qa_set):
    counts = Counter(r["id"] for r in RECORDS[qa_set])
    assert [i for i, n in counts.items() if n > 1] == []


def test_no_id_is_in_both_qa_sets():
    assert {r["id"] for r in RECORDS[BUNDLED]} & {r["id"] for r in RECORDS[CORPUS_SET]} == set()


@pytest.mark.parametrize("qa_set", set_params())
def test_questions_are_unique(qa_set):
    counts = Counter(r["question"] for r in RECORDS[qa_set])
    assert [q for q, n in counts.items() if n > 1] == []


@pytest.mark.parametrize(("qa_set", "record"), record_params())
def test_type_is_one_of_the_allowed_types(qa_set, record):
    assert record["type"] in TYPES


@pytest.mark.parametrize(("qa_set", "record"), record_params())
def test_sources_name_report_files_of_its_corpus(qa_set, record):
    for name in record["source"]:
        assert (qa_set.reports / name).is_file(), name


@pytest.mark.parametrize(("qa_set", "record"), record_params(answerable=True))
def test_every_evidence_quote_occurs_verbatim_in_its_source(qa_set, record):
    texts = [report_text(qa_set.reports, name) for name in record["source"]]
    for quote in record["evidence"]:
        assert any(quote in text for text in texts), quote


@pytest.mark.parametrize(("qa_set", "record"), record_params(answerable=True))
def test_every_named_source_is_backed_by_some_evidence(qa_set, record):
    for name in record["source"]:
        text = report_text(qa_set.reports, name)
        assert any(quote in text for quote in record["evidence"]), name


@pytest.mark.parametrize(("qa_set", "record"), record_params(answerable=True))
def test_evidence_quotes_are_short_and_within_one_line(qa_set, record):
    for quote in record["evidence"]:
        assert "\n" not in quote
        assert len(quote) <= MAX_QUOTE_CHARS, quote


@pytest.mark.parametrize(("qa_set", "record"), record_params(answerable=True))
def test_every_must_include_element_is_found_in_the_evidence_after_normalisation(qa_set, record):
    evidence = [normalise(quote) for quote in record["evidence"]]
    for element in record["must_include"]:
        alts = alternatives(element)
        assert any(normalise(a) in quote for a in alts for quote in evidence), element


@pytest.mark.parametrize(("qa_set", "record"), record_params(answerable=True))
def test_gold_answer_contains_its_must_include_elements(qa_set, record):
    answer = normalise(record["answer"])
    for element in record["must_include"]:
        assert any(normalise(a) in answer for a in alternatives(element)), element


@pytest.mark.parametrize(("qa_set", "record"), record_params(answerable=True))
def test_answerable_questions_have_evidence_and_must_include(qa_set, record):
    assert record["type"] != "unanswerable"
    assert record["evidence"]
    assert record["must_include"]


@pytest.mark.parametrize(("qa_set", "record"), record_params(answerable=False))
def test_unanswerable_questions_have_empty_must_include_and_evidence(qa_set, record):
    assert record["type"] == "unanswerable"
    assert record["must_include"] == []
    assert record["evidence"] == []


@pytest.mark.parametrize("qa_set", set_params())
def test_unanswerable_type_and_answerable_flag_agree(qa_set):
    for record in RECORDS[qa_set]:
        assert (record["type"] == "unanswerable") == (not record["answerable"]), record["id"]


@pytest.mark.parametrize(("qa_set", "record"), record_params(answerable=True))
def test_near_miss_questions_are_unanswerable(qa_set, record):
    assert "near-miss" not in record.get("tags", [])


# -- the bundled QA set -----------------------------------------------------------------------


def test_set_has_at_least_150_questions_and_25_unanswerable():
    assert len(BUNDLED_RECORDS) >= 150
    assert len(UNANSWERABLE) >= 25


@pytest.mark.parametrize(("qa_type", "minimum"), sorted(MIN_PER_TYPE.items()))
def test_each_type_meets_its_minimum_count(qa_type, minimum):
    assert sum(r["type"] == qa_type for r in BUNDLED_RECORDS) >= minimum


@pytest.mark.parametrize("record", ANSWERABLE, ids=lambda r: r["id"])
def test_evidence_never_comes_from_district_site_chrome(record):
    chrome = [
        line
        for line in report_text(DATA, DISTRICT).splitlines()
        if any(marker in line for marker in SITE_CHROME_MARKERS)
    ]
    for quote in record["evidence"]:
        assert not any(quote in line for line in chrome), quote


def test_both_reports_are_used_as_sources():
    used = Counter(name for r in ANSWERABLE for name in r["source"])
    assert used[CITY] > 0
    assert used[DISTRICT] > 0


def test_cross_doc_questions_include_some_that_use_both_reports():
    both = [
        r
        for r in BUNDLED_RECORDS
        if r["type"] == "cross_doc" and {CITY, DISTRICT} <= set(r["source"])
    ]
    assert len(both) >= 5


def test_must_have_questions_are_present_with_their_figures():
    by_question = {r["question"]: r for r in BUNDLED_RECORDS}
    gdp = by_question["2023年内江市地区生产总值是多少？"]
    assert "1800亿元" in gdp["must_include"]
    industry = by_question["2024年内江市规模以上工业增加值增长目标是多少？"]
    flat = [a for element in industry["must_include"] for a in alternatives(element)]
    assert "8.0%" in flat


# -- the corpus QA set (issue 12's minimums) --------------------------------------------------


def test_corpus_set_has_at_least_250_questions_a_fifth_of_them_unanswerable():
    records = corpus_records()
    assert len(records) >= 250
    assert sum(not r["answerable"] for r in records) >= 0.2 * len(records)


def test_corpus_set_has_every_type_and_at_least_20_section_questions():
    types = Counter(r["type"] for r in corpus_records())
    assert set(types) == TYPES
    assert types["section"] >= 20


def test_corpus_set_has_at_least_30_questions_that_need_the_right_one_of_two_years():
    assert sum("two-year" in r.get("tags", []) for r in corpus_records()) >= 30


def test_corpus_set_sources_cover_4_national_and_5_provincial_reports():
    used = {name for r in corpus_records() if r["answerable"] for name in r["source"]}
    assert len({n for n in used if n.startswith("national-")}) >= 4
    assert len({n for n in used if n.startswith("province-")}) >= 5


# -- labelled figures of the corpus -----------------------------------------------------------


@cache
def corpus_gold() -> list[dict]:
    lines = CORPUS_GOLD_PATH.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.fixture
def gold() -> list[dict]:
    if not CORPUS_GOLD_PATH.is_file():
        pytest.skip(f"{CORPUS_GOLD_PATH.relative_to(ROOT)} does not exist yet (being labelled)")
    return corpus_gold()


def test_corpus_gold_figures_give_their_sentence_verbatim_in_their_report(gold):
    for g in gold:
        assert set(g) >= GOLD_KEYS, g
        assert (CORPUS / g["doc_id"]).is_file(), g["doc_id"]
        assert g["sentence"] in report_text(CORPUS, g["doc_id"]), g
        assert g["span"] in g["sentence"], g
        assert g["kind"] in ("level", "growth", "share", "count"), g
        assert g["status"] in ("result", "target") and isinstance(g["year"], int), g
        assert isinstance(g["value"], (int, float)) and not isinstance(g["value"], bool), g


def test_corpus_gold_has_at_least_150_figures_from_6_reports(gold):
    assert len(gold) >= 150
    assert len({g["doc_id"] for g in gold}) >= 6


# -- the tracking QA set ----------------------------------------------------------------------


def test_track_set_asks_at_least_30_questions_on_whether_targets_were_met():
    from assistant.question import asks_tracking

    records = RECORDS[TRACK_SET]
    assert len(records) >= 30
    assert all(asks_tracking(r["question"]) for r in records)
    assert all(len(r["source"]) >= 2 for r in records)  # a target's report and the next one
