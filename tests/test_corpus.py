"""Ingest on the real reports in eval/corpus: identity, no page chrome, appendices apart."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.ingest.clean import clean_text
from assistant.ingest.loaders import load_file
from assistant.ingest.report import build_report
from assistant.types import APPENDIX, PLAN, REVIEW
from eval.ingest_check import chrome_paragraphs

CORPUS = Path(__file__).resolve().parents[1] / "eval" / "corpus"
EXPECTED = {
    "national-2016.txt": ("全国", "国家", 2016),
    "national-2017.txt": ("全国", "国家", 2017),
    "national-2018.txt": ("全国", "国家", 2018),
    "national-2019.txt": ("全国", "国家", 2019),
    "national-2022.txt": ("全国", "国家", 2022),
    "national-2023.txt": ("全国", "国家", 2023),
    "province-2026-anhui.txt": ("安徽省", "省", 2026),
    "province-2026-guangdong.txt": ("广东省", "省", 2026),
    "province-2026-hainan.txt": ("海南省", "省", 2026),
    "province-2026-ningxia.txt": ("宁夏回族自治区", "省", 2026),
    "province-2026-shaanxi.txt": ("陕西省", "省", 2026),
    "province-2026-xinjiang.txt": ("新疆维吾尔自治区", "省", 2026),
}
# What must never survive as a paragraph, whatever the cleaner's own rules say.
LICENCE = re.compile(r"公有领域|public domain|维基|著作权法|^(?:true|false)$", re.IGNORECASE)
GLOSSARY_ENTRY = re.compile(r"^(?:\d{1,2}[.．、]|[［\[]\d{1,2}[］\]])\s*[^，。]{1,30}[:：]")


def _read(name: str, filename: str | None = None):
    src = load_file(CORPUS / name)
    return build_report(clean_text(src.text), name, filename=filename or name)


def test_every_corpus_report_is_in_the_table():
    assert sorted(p.name for p in CORPUS.glob("*.txt")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_region_level_and_year_of_each_report(name):
    meta = _read(name).meta
    assert (meta.region, meta.level, meta.year) == EXPECTED[name]
    # The file name is the last resort: the text alone says the same.
    hidden = _read(name, filename="report.txt").meta
    assert (hidden.region, hidden.level, hidden.year) == EXPECTED[name]
    year = EXPECTED[name][2]
    assert meta.plan_years[0] == year and meta.review_years[-1] == year - 1
    assert meta.title and "工作报告" in meta.title


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_no_paragraph_is_page_chrome(name):
    paragraphs = list(_read(name).paragraphs)
    assert chrome_paragraphs(paragraphs) == []
    assert not [p.text for p in paragraphs if LICENCE.search(p.text)]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_glossary_entries_are_never_sections_of_the_plan(name):
    report = _read(name)
    for p in report.paragraphs:
        if any(GLOSSARY_ENTRY.match(s) for s in p.section[1:]) and p.section[-1].endswith("："):
            assert p.part == APPENDIX, p.section
            assert p.period == "", p.section


def test_provincial_reports_review_five_years_and_sketch_the_next_five():
    for name in ("province-2026-anhui.txt", "province-2026-guangdong.txt"):
        meta = _read(name).meta
        assert meta.review_years == (2021, 2022, 2023, 2024, 2025)
        assert meta.plan_years == (2026, 2027, 2028, 2029, 2030)


def test_national_report_of_a_new_government_reviews_five_years():
    report = _read("national-2023.txt")
    assert report.meta.review_years == (2018, 2019, 2020, 2021, 2022)
    assert report.meta.plan_years == (2023,)
    tasks = [p for p in report.paragraphs if len(p.section) == 2 and p.period == PLAN]
    assert tasks and all(p.period_year == 2023 for p in tasks)
    assert any(p.period == REVIEW and p.period_year == 2022 for p in report.paragraphs)


def test_appendices_of_the_corpus_are_parts_of_their_own():
    glossary = [p for p in _read("province-2026-hainan.txt").paragraphs if p.part == APPENDIX]
    assert glossary and {p.section[0] for p in glossary} == {"注释"}
    assert all(p.period == "" for p in glossary)
    guangdong = _read("province-2026-guangdong.txt")
    terms = [p for p in guangdong.paragraphs if p.section[:1] == ("附件2",)]
    assert len(terms) > 20 and all(p.period == "" for p in terms)
