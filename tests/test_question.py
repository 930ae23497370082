"""The question plan: places, years, result/target and answer type, routed to the reports."""

from __future__ import annotations

import pytest

from assistant.question import (
    AGE,
    DATE,
    FACT,
    FIGURE,
    LIST,
    PERSON,
    SECTION,
    names_region,
    plan_question,
    region_core,
)
from assistant.types import RESULT, TARGET, DocumentInfo


def _doc(doc_id, region, level, year, review=(), plan=()):
    return DocumentInfo(
        doc_id,
        doc_id,
        region=region,
        level=level,
        year=year,
        review_years=tuple(review),
        plan_years=tuple(plan),
    )


DOCS = {
    "n2017": _doc("n2017", "全国", "国家", 2017, [2016], [2017]),
    "n2018": _doc("n2018", "全国", "国家", 2018, [2017, 2013, 2014, 2015, 2016], [2018]),
    "ah2026": _doc("ah2026", "安徽省", "省", 2026, range(2021, 2026), range(2026, 2031)),
    "nx2026": _doc("nx2026", "宁夏回族自治区", "省", 2026, range(2021, 2026), range(2026, 2031)),
    "city": _doc("city", "内江市", "市", 2024, [2023], [2024]),
    "district": _doc("district", "内江市市中区", "区县", 2024, [2023], [2024]),
}


def plan(question, docs=DOCS):
    return plan_question(question, docs)


def test_a_result_comes_from_the_next_years_report_and_a_target_from_that_years():
    result = plan("2017年我国GDP实际增长了多少？")
    assert (result.documents, result.status, result.year) == (("n2018",), RESULT, 2017)
    target = plan("2017年我国GDP增长目标是多少？")
    assert (target.documents, target.status, target.year) == (("n2017",), TARGET, 2017)


def test_a_year_without_result_or_target_words_prefers_the_review_that_covers_it():
    p = plan("2016年全国城镇新增就业多少万人？")
    assert p.documents == ("n2017",) and p.status == RESULT


def test_a_year_no_report_of_the_place_covers_is_uncovered():
    p = plan("2020年我国国内生产总值增长多少？")
    assert p.uncovered and not p.documents


def test_country_words_name_the_national_reports():
    for question in ("国务院2018年的赤字率目标是多少？", "我国2018年赤字率目标？"):
        p = plan(question)
        assert p.national and set(p.place_documents) == {"n2017", "n2018"}
    assert plan("全国2018年城镇新增就业目标是多少？").national


def test_quanguo_as_a_modifier_beside_a_place_does_not_name_the_country():
    p = plan("内江哪个县被评为全国示范县？")
    assert not p.national and p.place_documents == ("city",)


def test_without_a_national_report_a_country_question_is_uncovered():
    local = {d: info for d, info in DOCS.items() if info.level != "国家"}
    assert plan("去年全国城镇新增就业多少万人？", local).uncovered


def test_a_place_without_its_unit_names_its_report():
    assert plan("安徽2025年地区生产总值是多少？").documents == ("ah2026",)
    assert plan("宁夏2025年地区生产总值是多少？").documents == ("nx2026",)
    assert plan("市中区今年新增城镇就业目标是多少？").documents == ("district",)


def test_a_place_no_report_is_about_is_not_answered_from_another_place():
    p = plan("合肥市2025年地区生产总值是多少？")
    assert p.unknown_place == "合肥市" and p.documents == ()


def test_a_report_named_by_its_year_is_that_report_and_last_year_is_relative_to_it():
    p = plan("2018年政府工作报告说去年我国GDP增长多少？")
    assert p.documents == ("n2018",) and p.year == 2017 and p.status == RESULT
    section = plan("2018年政府工作报告的第三部分标题是什么？")
    assert section.documents == ("n2018",) and section.years == ()


def test_five_year_plans_are_the_review_when_over_and_the_plan_when_ahead():
    past = plan("“十四五”时期安徽地区生产总值年均增长多少？")
    ahead = plan("“十五五”时期安徽地区生产总值年均增长目标是多少？")
    assert past.multi_year and past.status == RESULT
    assert ahead.multi_year and ahead.status == TARGET


def test_a_quoted_name_holding_mubiao_does_not_ask_for_a_target():
    assert plan("内江防汛减灾已经连续多少年实现“三零”目标？").status != TARGET


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("2018年政府工作报告第二部分的标题是什么？", SECTION),
        ("三大攻坚战是哪三个？", LIST),
        ("安徽省省长是谁？", PERSON),
        ("省长今年多大年纪？", AGE),
        ("报告是哪一天作的？", DATE),
        ("2017年GDP增长了多少？", FIGURE),
        ("内江今年要办第几届市运会？", FACT),
        ("沱江出境断面水质是几类？", FACT),
    ],
)
def test_answer_type(question, kind):
    assert plan(question).answer_type == kind


def test_topic_leaves_out_place_time_and_question_words_and_knows_synonyms():
    p = plan("2017年我国GDP实际增长了多少？")
    terms = {t.term: t for t in p.topic}
    assert "gdp" in terms and "国内生产总值" in terms["gdp"].alternatives
    assert not {"2017", "我国", "多少", "增长"} & set(terms)


def test_a_compound_term_is_named_by_its_words_in_another_order():
    p = plan("安徽2025年城镇新增就业多少万人？")
    compound = next(t for t in p.topic if t.term == "城镇新增就业")
    assert compound.in_text("新增城镇就业75.7万人")
    assert not compound.in_text("城镇就业形势稳定")
    assert p.topic_coverage("城镇新增就业75.7万人") == 1.0


def test_two_part_questions_are_planned_part_by_part():
    p = plan_question(
        "2017年GDP增长目标是多少，实际完成了多少？",
        DOCS,
        parts=[("2017年GDP增长目标是多少，", "目标", ()), ("实际完成了多少 GDP增长", "实绩", ())],
    )
    assert [part.documents for part in p.parts] == [("n2017",), ("n2018",)]
    assert [part.status for part in p.parts] == [TARGET, RESULT]


def test_region_names():
    assert region_core("宁夏回族自治区") == "宁夏"
    assert region_core("新疆维吾尔自治区") == "新疆"
    assert region_core("安徽省") == "安徽"
    assert names_region("市中区", "内江市市中区")
    assert not names_region("内江", "内江市市中区")
    assert names_region("内江", "内江市")


def test_an_ordinal_asked_is_no_count_and_cases_are_counted_in_qi():
    assert plan("今年要做好的全国文物普查是第几次？").units == ()
    assert plan("今年要开展几次全国文物普查？").units == ("次",)
    assert "起" in plan("去年破了几起重大积案？").units
