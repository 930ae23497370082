from __future__ import annotations

import re

import pytest

from assistant import vocab
from assistant.answer.lists import asked_count
from assistant.answer.sections import _ordinal
from assistant.indicators import extract_paragraph
from assistant.ingest import periods
from assistant.ingest.loaders import repair_pdf_lines
from assistant.ingest.meta import level_of
from assistant.lexicon import intent
from assistant.question import names_region, region_core
from assistant.types import PLAN, Paragraph


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("十四", 14),
        ("二十三", 23),
        ("十", 10),
        ("两", 2),
        ("两千", 2000),
        ("一百零五", 105),
        ("三十万", 300000),
        ("二〇二四", 2024),
        ("二○二四", 2024),  # the circle some documents write for 〇
        ("一九五八", 1958),
        ("二零零五", 2005),
        ("1240", 1240),
    ],
)
def test_cn_number_reads_chinese_numerals_and_digits(text, value):
    assert vocab.cn_number(text) == value


@pytest.mark.parametrize("text", ["", "几", "数十", "三点五", "十四五", "百"])
def test_cn_number_is_none_for_what_is_not_a_whole_number(text):
    assert vocab.cn_number(text) is None


def test_small_number_reads_only_the_standard_forms_below_a_hundred():
    assert [vocab.small_number(t) for t in ("一", "九", "十", "十四", "二十", "九十九")] == [
        1, 9, 10, 14, 20, 99,
    ]  # fmt: skip
    # 二三 reads as 23 in cn2an's loose mode, but no heading or plan name writes it.
    assert [vocab.small_number(t) for t in ("二三", "十十", "一百", "零", "两", "")] == [None] * 6


def test_years_and_dates_in_chinese_numerals_are_read_as_digits():
    assert periods.normalize("二〇二六年一月二十七日") == "2026年1月27日"
    assert periods.years("一九五八年和二○○五年") == [1958, 2005]
    assert periods.five_year_plans("“十四五”时期和第六个五年计划") == [
        tuple(range(2021, 2026)),
        tuple(range(1981, 1986)),
    ]


def test_a_figure_in_chinese_numerals_gets_its_value():
    para = Paragraph(
        doc_id="d",
        number=1,
        text="重污染天数力争下降超过五成。",
        section=("二、2024年工作安排",),
        sentences=("重污染天数力争下降超过五成。",),
        period=PLAN,
        period_year=2024,
        period_years=(2024,),
    )
    (record,) = extract_paragraph(para)
    assert (record.value, record.unit, record.value_text) == (-5.0, "成", "超过5成")


def test_ordinals_and_counts_of_questions_read_any_chinese_numeral():
    # The number a question asks for is what the test is about; the answer built from it
    # depends on an outline and hits, and no public call returns the number itself.
    assert _ordinal("第二十三项是什么") == 23
    assert _ordinal("第三部分讲了什么") == 3
    assert _ordinal("第12条") == 12
    assert asked_count("有哪两大任务") == 2
    assert asked_count("三个方面是什么") == 3


def test_alternation_puts_longer_words_first_and_drops_repeats():
    assert vocab.alternation(["个", "个百分点", "%", "个"]) == "个百分点|个|%"
    unit = re.compile(vocab.alternation(vocab.FIGURE_UNITS))
    assert unit.match("个百分点").group(0) == "个百分点"
    assert unit.match("平方公里").group(0) == "平方公里"


def test_figure_units_hold_every_counter_measure_and_rate():
    assert set(vocab.FIGURE_UNITS) == {
        *vocab.COUNT_UNITS, *vocab.LEVEL_UNITS, *vocab.RATE_UNITS,
    }  # fmt: skip
    assert dict(vocab.MAGNITUDES)["亿"] == 1e8


def test_a_question_asking_in_a_unit_accepts_its_family():
    assert intent("2023年地区生产总值是多少亿元？").units == ("亿元", "万亿元")
    assert intent("粮食产量是多少万吨？").units == ("万吨", "吨")
    assert intent("新增多少万辆新能源汽车？").units == ("辆",)
    assert intent("有多少个项目？").units == ("个",)
    assert intent("实施了几项目？").units == ()  # 项 of 项目 is not a unit


def test_place_suffixes_put_each_longer_ending_before_the_shorter_it_ends_with():
    suffixes = vocab.PLACE_SUFFIXES
    for i, longer in enumerate(suffixes):
        for shorter in suffixes[i + 1 :]:
            assert not shorter.endswith(longer)
    assert set(vocab.ADMIN_UNITS) <= set(suffixes)
    assert set(vocab.UNIT_CHARS) == {u for u in vocab.ADMIN_UNITS if len(u) == 1}


@pytest.mark.parametrize(
    ("region", "level"),
    [
        ("全国", "国家"),
        ("宁夏回族自治区", "省"),
        ("重庆市", "省"),
        ("内江市", "市"),
        ("锡林郭勒盟", "市"),
        ("内江市隆昌市", "区县"),
        ("内江市市中区", "区县"),
        ("某某旗", "区县"),
    ],
)
def test_level_follows_the_last_administrative_unit(region, level):
    assert level_of(region) == level


def test_region_core_drops_the_unit_and_the_people_of_an_autonomous_region():
    assert region_core("宁夏回族自治区") == "宁夏"
    assert region_core("安徽省") == "安徽"
    assert region_core("阿里地区") == "阿里"
    assert names_region("宁夏", "宁夏回族自治区")
    assert not names_region("内江", "内江市市中区")


def test_words_for_the_nation_and_for_a_reports_own_territory():
    assert vocab.NATIONAL_NAMES[0] == "全国"
    assert "全省" in vocab.LOCAL_SELF_WORDS and "我区" in vocab.LOCAL_SELF_WORDS


def test_sentences_split_at_end_marks_outside_quotes():
    assert vocab.split_sentences("他说：“今年增长5%。明年更好。”全年完成。还有！") == [
        "他说：“今年增长5%。明年更好。”全年完成。",
        "还有！",
    ]


def test_clauses_split_at_clause_marks_and_brackets_hold_theirs():
    sentence = "全年地区生产总值1800亿元左右（含A，B），增长7.0%；"
    assert vocab.split_clauses(sentence) == ["全年地区生产总值1800亿元左右（含A", "B）", "增长7.0%"]
    assert vocab.split_clauses(sentence, brackets=True) == [
        "全年地区生产总值1800亿元左右（含A，B）",
        "增长7.0%",
    ]
    spans = vocab.clause_spans("，，甲，乙。")
    assert [("，，甲，乙。")[a:b] for a, b in spans] == ["甲", "乙"]
    assert vocab.first_clause("2026年是“十五五”开局之年，…") == "2026年是“十五五”开局之年"
    assert vocab.first_clause("，开头") == ""


def test_heading_markers_are_one_pattern_for_cleaning_parsing_and_pdf_repair():
    marker = re.compile(vocab.HEADING_MARKER)
    for line in ("一、总体要求", "第一部分", "（三）加快", "2.推进", "12、完善", "（4）落实"):
        assert marker.match(line), line
    for line in ("1.5万亿元", "二〇二四年", "今年"):
        assert not marker.match(line), line
    # A PDF line opening on a marker starts a paragraph of its own.
    assert repair_pdf_lines(
        ["这是上一段的一整行文字，排满了整个页面的宽度而没有结束", "2.推进改革"]
    ) == [
        "这是上一段的一整行文字，排满了整个页面的宽度而没有结束",
        "2.推进改革",
    ]
