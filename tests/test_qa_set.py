"""Pins the shape and the grounding of the hand-written evaluation set eval/qa.jsonl.

Every answerable question must be backed by verbatim quotes from the reports under data/,
and every must_include string must be recoverable from those quotes, so that an extractive
answer quoting the report can satisfy it.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
QA_PATH = ROOT / "eval" / "qa.jsonl"

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


def normalise(text: str) -> str:
    """NFKC (full-width to half-width) and drop all whitespace."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


@cache
def report_text(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def load_records() -> list[dict]:
    lines = QA_PATH.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


RECORDS = load_records()
ANSWERABLE = [r for r in RECORDS if r["answerable"]]
UNANSWERABLE = [r for r in RECORDS if not r["answerable"]]


def record_id(record: dict) -> str:
    return record["id"]


def alternatives(element: str | list[str]) -> list[str]:
    return element if isinstance(element, list) else [element]


def test_every_line_parses_as_a_json_object():
    for number, line in enumerate(QA_PATH.read_text(encoding="utf-8").splitlines(), 1):
        assert line.strip(), f"blank line {number}"
        assert isinstance(json.loads(line), dict), f"line {number} is not an object"


def test_file_is_utf8_without_ascii_escapes():
    raw = QA_PATH.read_text(encoding="utf-8")
    assert "\\u" not in raw, "write with ensure_ascii=False"


@pytest.mark.parametrize("record", RECORDS, ids=record_id)
def test_record_has_exact_keys_and_field_types(record):
    assert list(record) == KEYS
    assert isinstance(record["id"], str)
    assert re.fullmatch(r"q\d{3,}", record["id"])
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


def test_ids_are_unique():
    counts = Counter(r["id"] for r in RECORDS)
    assert [i for i, n in counts.items() if n > 1] == []


def test_questions_are_unique():
    counts = Counter(r["question"] for r in RECORDS)
    assert [q for q, n in counts.items() if n > 1] == []


@pytest.mark.parametrize("record", RECORDS, ids=record_id)
def test_type_is_one_of_the_allowed_types(record):
    assert record["type"] in TYPES


def test_set_has_at_least_150_questions_and_25_unanswerable():
    assert len(RECORDS) >= 150
    assert len(UNANSWERABLE) >= 25


@pytest.mark.parametrize(("qa_type", "minimum"), sorted(MIN_PER_TYPE.items()))
def test_each_type_meets_its_minimum_count(qa_type, minimum):
    assert sum(r["type"] == qa_type for r in RECORDS) >= minimum


@pytest.mark.parametrize("record", RECORDS, ids=record_id)
def test_sources_name_report_files_under_data(record):
    for name in record["source"]:
        assert (DATA / name).is_file(), name


@pytest.mark.parametrize("record", ANSWERABLE, ids=record_id)
def test_every_evidence_quote_occurs_verbatim_in_its_source(record):
    texts = [report_text(name) for name in record["source"]]
    for quote in record["evidence"]:
        assert any(quote in text for text in texts), quote


@pytest.mark.parametrize("record", ANSWERABLE, ids=record_id)
def test_every_named_source_is_backed_by_some_evidence(record):
    for name in record["source"]:
        text = report_text(name)
        assert any(quote in text for quote in record["evidence"]), name


@pytest.mark.parametrize("record", ANSWERABLE, ids=record_id)
def test_evidence_quotes_are_short_and_within_one_line(record):
    for quote in record["evidence"]:
        assert "\n" not in quote
        assert len(quote) <= MAX_QUOTE_CHARS, quote


@pytest.mark.parametrize("record", ANSWERABLE, ids=record_id)
def test_evidence_never_comes_from_district_site_chrome(record):
    chrome = [
        line
        for line in report_text(DISTRICT).splitlines()
        if any(marker in line for marker in SITE_CHROME_MARKERS)
    ]
    for quote in record["evidence"]:
        assert not any(quote in line for line in chrome), quote


@pytest.mark.parametrize("record", ANSWERABLE, ids=record_id)
def test_every_must_include_element_is_found_in_the_evidence_after_normalisation(record):
    evidence = [normalise(quote) for quote in record["evidence"]]
    for element in record["must_include"]:
        alts = alternatives(element)
        assert any(normalise(a) in quote for a in alts for quote in evidence), element


@pytest.mark.parametrize("record", ANSWERABLE, ids=record_id)
def test_gold_answer_contains_its_must_include_elements(record):
    answer = normalise(record["answer"])
    for element in record["must_include"]:
        assert any(normalise(a) in answer for a in alternatives(element)), element


@pytest.mark.parametrize("record", ANSWERABLE, ids=record_id)
def test_answerable_questions_have_evidence_and_must_include(record):
    assert record["type"] != "unanswerable"
    assert record["evidence"]
    assert record["must_include"]


@pytest.mark.parametrize("record", UNANSWERABLE, ids=record_id)
def test_unanswerable_questions_have_empty_must_include_and_evidence(record):
    assert record["type"] == "unanswerable"
    assert record["must_include"] == []
    assert record["evidence"] == []


def test_unanswerable_type_and_answerable_flag_agree():
    for record in RECORDS:
        assert (record["type"] == "unanswerable") == (not record["answerable"]), record["id"]


def test_both_reports_are_used_as_sources():
    used = Counter(name for r in ANSWERABLE for name in r["source"])
    assert used[CITY] > 0
    assert used[DISTRICT] > 0


def test_cross_doc_questions_include_some_that_use_both_reports():
    both = [r for r in RECORDS if r["type"] == "cross_doc" and {CITY, DISTRICT} <= set(r["source"])]
    assert len(both) >= 5


def test_must_have_questions_are_present_with_their_figures():
    by_question = {r["question"]: r for r in RECORDS}
    gdp = by_question["2023年内江市地区生产总值是多少？"]
    assert "1800亿元" in gdp["must_include"]
    industry = by_question["2024年内江市规模以上工业增加值增长目标是多少？"]
    flat = [a for element in industry["must_include"] for a in alternatives(element)]
    assert "8.0%" in flat
