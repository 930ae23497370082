from __future__ import annotations

from assistant.ingest import periods
from assistant.ingest.structure import (
    MAX_PARAGRAPH_CHARS,
    MAX_SENTENCE_CHARS,
    heading_level,
    parse_report,
    split_sentences,
)
from assistant.types import APPENDIX, BODY, FRONT, PLAN, REVIEW, ReportMeta

from .helpers import CITY


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


def test_a_sentence_without_end_marks_is_cut_at_clause_marks_within_the_bound():
    clause = "全年新增城镇就业1.2万人，"  # 14 characters
    text = clause * 400  # 5,600 characters, no full stop
    pieces = split_sentences(text)
    assert len(pieces) >= 6
    assert all(len(p) <= MAX_SENTENCE_CHARS for p in pieces)
    assert all(p.endswith("，") for p in pieces[:-1])  # cut after a clause, never inside one
    assert "".join(pieces) == text


def test_an_unclosed_quote_does_not_swallow_the_paragraph():
    text = "实施“项目攻坚年行动。" + "投资增长7%。" * 300
    pieces = split_sentences(text)
    assert all(len(p) <= MAX_SENTENCE_CHARS for p in pieces)
    assert "".join(pieces) == text
    # Text with no clause mark at all is cut at the bound.
    assert [len(p) for p in split_sentences("增" * 2500)] == [1000, 1000, 500]


def test_a_line_longer_than_a_paragraph_becomes_paragraphs_cut_between_sentences():
    sentence = "全年新增城镇就业1.2万人，城镇调查失业率5.5%。"  # 26 characters
    text = "一、过去一年工作回顾\n" + sentence * 1000  # one line of 26,000 characters
    report = parse_report(text, "one-line", ReportMeta(year=2024))
    body = [p for p in report.paragraphs if not p.is_heading]
    assert len(body) >= 7
    assert all(len(p.text) <= MAX_PARAGRAPH_CHARS for p in body)
    assert all(p.text.endswith("。") for p in body)
    assert "".join(p.text for p in body) == sentence * 1000
    assert all(p.section == ("一、过去一年工作回顾",) for p in body)


def test_every_paragraph_has_its_sentences_in_order():
    for p in _city().paragraphs:
        assert "".join(p.sentences).replace(" ", "") == p.text.replace(" ", "")


def test_content_hash_changes_with_the_text():
    a = parse_report("一、回顾\n甲。", "d", ReportMeta())
    b = parse_report("一、回顾\n乙。", "d", ReportMeta())
    assert a.content_hash != b.content_hash


# --- outlines of other shapes, from excerpts of real reports ----------------------------

NATIONAL_2019 = """各位代表：
现在，我代表国务院，向大会报告政府工作，请予审议，并请全国政协委员提出意见。
一、2018年工作回顾
过去一年是全面贯彻党的十九大精神开局之年，是本届政府依法履职第一年。
经济运行保持在合理区间。国内生产总值增长6.6%，总量突破90万亿元。
二、2019年经济社会发展总体要求和政策取向
今年发展主要预期目标是：国内生产总值增长6%－6.5%；城镇新增就业1100万人以上。
三、2019年政府工作任务
（一）继续创新和完善宏观调控，确保经济运行在合理区间。积极的财政政策要加力提效。
（二）激发市场主体活力，着力优化营商环境。深化“放管服”改革。
各位代表！让我们更加紧密地团结在以习近平同志为核心的党中央周围，努力完成全年目标任务！"""

PROVINCE_2026 = """2026年安徽省政府工作报告
——2026年2月5日在安徽省第十四届人民代表大会第四次会议上
各位代表：
现在，我代表省人民政府，向大会报告政府工作，请予审议，并请省政协委员提出意见。
一、2025年工作和“十四五”发展回顾
过去一年，是安徽牢记嘱托、感恩奋进、奋力往前赶的重要一年。
一年来，主要做了以下工作。
（一）精准施策稳经济，回升向好态势巩固拓展。全省生产总值增长5.5%左右。
——这五年，综合实力大幅跃升，实现争先进位新跨越。经济总量连跨两个万亿元台阶。
二、“十五五”时期主要目标和重大任务
“十五五”时期是安徽夯实基础、全面发力、创先争优、奋力追赶的关键时期。
（一）坚持科技打头阵，打造具有重要影响力的科技创新策源地实现新突破。到2030年研发投入强度达到3.5%。
三、2026年重点工作
今年经济社会发展主要预期目标是：全省生产总值增长5%以上。
（一）加力扩内需稳增长
实施提振消费专项行动，社会消费品零售总额增长5%左右。
各位代表！让我们奋力谱写中国式现代化安徽篇章！
附件2
名词解释
1.“四上”企业：
现阶段统计工作实践中对达到一定规模、资质或限额的法人单位的一种习惯称谓。
2.“双高计划”：
是“中国特色高水平高职学校和专业建设计划”的简称。"""


def _parse(text: str, year: int | None):
    return parse_report(text, "r", ReportMeta(year=year))


def test_national_outline_has_its_tasks_under_the_third_part():
    report = _parse(NATIONAL_2019, 2019)
    tops = [p.section[0] for p in report.paragraphs if p.is_heading and len(p.section) == 1]
    assert tops == [
        "一、2018年工作回顾",
        "二、2019年经济社会发展总体要求和政策取向",
        "三、2019年政府工作任务",
    ]
    task = _find(report, "（二）激发市场主体活力")
    assert task.section == ("三、2019年政府工作任务", "（二）激发市场主体活力，着力优化营商环境")
    assert (task.period, task.period_year, task.period_years) == (PLAN, 2019, (2019,))
    review = _find(report, "经济运行保持在合理区间")
    assert (review.period, review.period_year, review.period_years) == (REVIEW, 2018, (2018,))
    assert _find(report, "今年发展主要预期目标").period_years == (2019,)


def test_provincial_review_of_a_year_and_five_years_dates_each_paragraph():
    report = _parse(PROVINCE_2026, 2026)
    past_year = _find(report, "（一）精准施策稳经济")
    five_years = _find(report, "——这五年")
    assert (past_year.period, past_year.period_year, past_year.period_years) == (
        REVIEW,
        2025,
        (2025,),
    )
    assert five_years.period == REVIEW and five_years.period_year is None
    assert five_years.period_years == (2021, 2022, 2023, 2024, 2025)
    assert five_years.period_label == "2021—2025年工作回顾"


def test_five_year_goals_and_the_years_plan_are_told_apart():
    report = _parse(PROVINCE_2026, 2026)
    goal = _find(report, "（一）坚持科技打头阵")
    this_year = _find(report, "实施提振消费专项行动")
    assert goal.period == PLAN and goal.period_year is None
    assert goal.period_years == (2026, 2027, 2028, 2029, 2030)
    assert (this_year.period, this_year.period_year, this_year.period_years) == (
        PLAN,
        2026,
        (2026,),
    )
    assert this_year.section == ("三、2026年重点工作", "（一）加力扩内需稳增长")


def test_report_meta_carries_the_years_of_its_review_and_plan():
    meta = _parse(PROVINCE_2026, 2026).meta
    assert meta.review_years == (2021, 2022, 2023, 2024, 2025)
    assert meta.plan_years == (2026, 2027, 2028, 2029, 2030)
    national = _parse(NATIONAL_2019, 2019).meta
    assert (national.review_years, national.plan_years) == ((2018,), (2019,))


def test_glossary_is_an_appendix_part_not_a_subsection_of_the_plan():
    report = _parse(PROVINCE_2026, 2026)
    term = _find(report, "1.“四上”企业：")
    definition = _find(report, "现阶段统计工作实践中")
    assert term.section == ("附件2", "1.“四上”企业：")
    assert definition.section == ("附件2", "1.“四上”企业：")
    for p in (term, definition, _find(report, "名词解释")):
        assert p.part == APPENDIX
        assert (p.period, p.period_year, p.period_years) == ("", None, ())
    closing = _find(report, "各位代表！让我们奋力谱写")
    assert closing.part == BODY and closing.section[0] == "三、2026年重点工作"


def test_title_block_and_opening_are_front_matter_without_a_period():
    report = _parse(PROVINCE_2026, 2026)
    for start in ("2026年安徽省政府工作报告", "——2026年2月5日", "各位代表：", "现在，我代表"):
        p = _find(report, start)
        assert p.part == FRONT and p.period == "" and p.section == ()
    assert _find(report, "过去一年，是安徽").part == BODY


def test_numbered_notes_without_a_title_become_a_notes_part():
    text = """三、2026年主要工作
聚力打造美丽中国样板。实施“一降三减”［1］行动。
各位代表，新的蓝图已经绘就！
［1］一降三减：
全年火灾起数总体下降，火灾亡人数、伤人数减少，财产损失减少。
［2］四大主导产业：
旅游业、现代服务业、高新技术产业、热带特色高效农业。"""
    report = _parse(text, 2026)
    note = _find(report, "旅游业、现代服务业")
    assert note.section == ("注释", "［2］四大主导产业：")
    assert note.part == APPENDIX and note.period == ""
    assert _find(report, "［1］一降三减：").is_heading


def test_an_appendix_of_this_years_projects_takes_its_period_from_its_own_title():
    text = """三、2026年工作安排
确保地区生产总值增长5%左右。
附件1
2026年省十件民生实事
一、提高低保、特困人员、孤儿基本生活与残疾人两项补贴和重点群体救助保障水平。
农村低保标准占城镇低保标准的最低比例从77%提高到80%以上。"""
    report = _parse(text, 2026)
    item = _find(report, "农村低保标准")
    assert item.section == (
        "附件1",
        "一、提高低保、特困人员、孤儿基本生活与残疾人两项补贴和重点群体救助保障水平",
    )
    assert item.part == APPENDIX and (item.period, item.period_year) == (PLAN, 2026)


def test_unnumbered_part_headings_hold_the_numbered_sections_below_them():
    text = """各位代表：
“十四五”时期发展成就和2025年工作回顾
“十四五”时期内蒙古发展历程极不平凡。经济总量达到2.67万亿元。
刚刚过去的2025年，面对外部环境复杂变化，全区经济稳中有进。
“十五五”时期主要目标和2026年重点工作
“十五五”时期是高质量发展的关键时期。
今年是“十五五”开局之年，经济社会发展主要预期目标是：地区生产总值增长5%左右。
一、把铸牢中华民族共同体意识作为民族地区各项工作的主线
深入开展民族团结进步创建。
四、把坚持党的全面领导贯穿政府工作各方面全过程
坚持和加强党的全面领导。"""
    report = _parse(text, 2026)
    part = "“十五五”时期主要目标和2026年重点工作"
    sub = _find(report, "深入开展民族团结进步创建")
    assert sub.section == (part, "一、把铸牢中华民族共同体意识作为民族地区各项工作的主线")
    assert _find(report, "坚持和加强党的全面领导").section[0] == part
    assert _find(report, "“十四五”时期内蒙古").period_years == (2021, 2022, 2023, 2024, 2025)
    assert _find(report, "刚刚过去的2025年").period_years == (2025,)
    assert _find(report, "“十五五”时期是").period_years == (2026, 2027, 2028, 2029, 2030)
    assert (sub.period, sub.period_year) == (PLAN, 2026)


def test_a_part_naming_five_years_past_and_coming_switches_at_the_plan():
    text = """二、“十四五”时期发展成就和“十五五”时期主要目标任务
“十四五”时期，全市经济总量连续跨越两个万亿元台阶。
“十五五”时期是基本实现社会主义现代化夯实基础、全面发力的关键时期。
三、2026年重点工作
确保增长5%左右。"""
    report = _parse(text, 2026)
    past = _find(report, "“十四五”时期，全市")
    coming = _find(report, "“十五五”时期是")
    assert (past.period, past.period_years) == (REVIEW, (2021, 2022, 2023, 2024, 2025))
    assert (coming.period, coming.period_years) == (PLAN, (2026, 2027, 2028, 2029, 2030))


def test_past_five_years_review_of_a_new_government():
    text = """一、过去一年和五年工作回顾
2022年是党和国家历史上极为重要的一年。
过去五年极不寻常、极不平凡。
（一）创新宏观调控，保持经济运行在合理区间。五年来经济年均增长5.2%。
二、对今年政府工作的建议
今年发展主要预期目标是：国内生产总值增长5%左右。"""
    report = _parse(text, 2023)
    assert _find(report, "2022年是").period_years == (2022,)
    assert _find(report, "（一）创新宏观调控").period_years == tuple(range(2018, 2023))
    plan = _find(report, "今年发展主要预期目标")
    assert (plan.period, plan.period_year) == (PLAN, 2023)
    assert report.meta.review_years == tuple(range(2018, 2023))


def test_chinese_numeral_and_full_width_dates_are_read():
    assert periods.normalize("——二〇二六年一月二十七日在甘肃省") == "——2026年1月27日在甘肃省"
    assert periods.normalize("一、１９９４年国内工作的回顾") == "一、1994年国内工作的回顾"
    assert periods.normalize("本届政府从1 9 9 3 年3 月就职") == "本届政府从1993年3月就职"
    assert periods.normalize("一九五八年度国民经济计划") == "1958年度国民经济计划"


def test_five_year_plans_are_dated_by_their_number():
    assert periods.plan_years(14) == (2021, 2022, 2023, 2024, 2025)
    assert periods.plan_years(15) == (2026, 2027, 2028, 2029, 2030)
    assert periods.plan_years(1) == (1953, 1954, 1955, 1956, 1957)
    assert periods.five_year_plans("一、“九五”时期国民经济和社会发展的回顾") == [
        (1996, 1997, 1998, 1999, 2000)
    ]
    assert periods.five_year_plans("第六个五年计划的基本任务") == [(1981, 1982, 1983, 1984, 1985)]
    assert periods.five_year_plans("二十五年来") == []
    assert periods.spans("全力推动“十五五”开好局、起好步", 2026) == ((2026,),)
