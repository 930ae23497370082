from __future__ import annotations

from assistant.ingest.structure import heading_level, parse_report, split_sentences
from assistant.types import PLAN, REVIEW, ReportMeta

from .conftest import CITY


def _city():
    return parse_report(CITY.read_text(encoding="utf-8"), "city", ReportMeta(year=2024))


def _find(report, start: str):
    return next(p for p in report.paragraphs if p.text.startswith(start))


def test_paragraphs_are_numbered_from_one_without_gaps():
    report = _city()
    assert [p.number for p in report.paragraphs] == list(range(1, len(report.paragraphs) + 1))
    assert report.paragraphs[0].text == "各位代表："


def test_heading_levels_cover_chinese_numbering_styles():
    assert heading_level("一、2023年工作回顾") == 1
    assert heading_level("（三）坚持互补互促") == 2
    assert heading_level("(三)坚持互补互促") == 2
    assert heading_level("1. 稳增长") == 3
    assert heading_level("（2）抓项目") == 4
    assert heading_level("2023年，在省委的坚强领导下") == 0


def test_section_path_follows_the_headings_above():
    p = _find(_city(), "工业经济加快发展。")
    assert p.section == ("一、2023年工作回顾", "（一）强化项目引领，产业强市建设稳步推进")
    assert p.section_path == "一、2023年工作回顾 › （一）强化项目引领，产业强市建设稳步推进"
    assert not p.is_heading


def test_a_new_top_level_heading_resets_the_subsections():
    p = _find(_city(), "全市经济社会发展的主要预期目标是")
    assert p.section == ("二、2024年工作安排",)


def test_run_in_heading_becomes_the_section_of_its_own_paragraph():
    p = _find(_city(), "（一）加强政治建设。")
    assert p.section == ("三、努力打造人民满意政府", "（一）加强政治建设")
    assert not p.is_heading


def test_review_and_plan_periods_come_from_the_headings():
    report = _city()
    review = _find(report, "工业经济加快发展。")
    plan = _find(report, "全市经济社会发展的主要预期目标是")
    assert (review.period, review.period_year, review.period_label) == (
        REVIEW,
        2023,
        "2023年工作回顾",
    )
    assert (plan.period, plan.period_year, plan.period_label) == (PLAN, 2024, "2024年工作安排")


def test_section_without_a_year_after_the_plan_is_plan():
    p = _find(_city(), "（二）坚决依法行政。")
    assert p.period == PLAN and p.period_year == 2024


def test_undated_fragment_gets_its_period_from_cue_words():
    text = "三、统筹推进美乡优城\n确保新增城镇就业5800人以上，力争外贸进出口总额19亿元以上。"
    report = parse_report(text, "frag", ReportMeta(year=2024))
    assert report.paragraphs[1].period == PLAN
    assert report.paragraphs[1].period_year == 2024


def test_sentences_split_on_end_marks_but_keep_quotes_whole():
    text = "实施“项目投资提速攻坚年。行动”，投资增长7%；新增企业101户！是否达标？是。"
    assert split_sentences(text) == [
        "实施“项目投资提速攻坚年。行动”，投资增长7%；",
        "新增企业101户！",
        "是否达标？",
        "是。",
    ]


def test_every_paragraph_has_its_sentences_in_order():
    for p in _city().paragraphs:
        assert "".join(p.sentences).replace(" ", "") == p.text.replace(" ", "")


def test_content_hash_changes_with_the_text():
    a = parse_report("一、回顾\n甲。", "d", ReportMeta())
    b = parse_report("一、回顾\n乙。", "d", ReportMeta())
    assert a.content_hash != b.content_hash
