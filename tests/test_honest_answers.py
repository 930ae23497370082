"""Answers over several reports side by side: the right report and year, a figure only for the
asked indicator, 报告中未找到 with related statements otherwise, and lists given whole.

The texts are excerpts of real reports (national 2017 and 2018, a province's 2026 report).
"""

from __future__ import annotations

import io
import json

import pytest

from assistant.answer.extractive import ExtractiveConfig, supports
from assistant.cli import _print_answer as print_answer
from assistant.embeddings import E5_CALIBRATION, UNCALIBRATED
from assistant.question import plan_question

NATIONAL_2017 = """政府工作报告
——2017年3月5日在第十二届全国人民代表大会第五次会议上
国务院总理 李克强
各位代表：
现在，我代表国务院，向大会报告政府工作，请予审议，并请全国政协委员提出意见。
一、2016年工作回顾
过去一年，我国发展面临国内外诸多矛盾叠加、风险隐患交汇的严峻挑战。
经济运行保持在合理区间。国内生产总值达到74.4万亿元，增长6.7%，名列世界前茅。城镇新增就业1314万人。
二、2017年工作总体部署
今年发展的主要预期目标是：国内生产总值增长6.5%左右，在实际工作中争取更好结果；城镇新增就业1100万人以上，城镇登记失业率4.5%以内。
三、2017年重点工作任务
（一）用改革的办法推进结构调整。
（二）深化重要领域和关键环节改革。
（三）进一步释放国内需求潜力。
"""

NATIONAL_2018 = """政府工作报告
——2018年3月5日在第十三届全国人民代表大会第一次会议上
国务院总理 李克强
各位代表：
现在，我代表国务院，向大会报告过去五年政府工作，对今年工作提出建议，请予审议。
一、过去五年工作回顾
过去一年，国内生产总值增长6.9%，居民收入增长7.3%，增速均比上年有所加快。城镇新增就业1351万人，失业率为多年来最低。
二、2018年经济社会发展总体要求和政策取向
今年发展主要预期目标是：国内生产总值增长6.5%左右；居民消费价格涨幅3%左右；城镇新增就业1100万人以上。
要坚决打好防范化解重大风险、精准脱贫、污染防治三大攻坚战。
三、对2018年政府工作的建议
（一）深入推进供给侧结构性改革。
（二）加快建设创新型国家。
"""

PROVINCE_2026 = """2026年安徽省政府工作报告
——2026年2月5日在安徽省第十四届人民代表大会第四次会议上
各位代表：
现在，我代表省人民政府，向大会报告政府工作，请予审议。
一、2025年工作和“十四五”发展回顾
全省地区生产总值5.3万亿元、增长5.5%，城镇、农村常住居民人均可支配收入分别增长4.4%、5.9%。
二、2026年工作安排
今年经济社会发展的主要预期目标是：地区生产总值增长5%左右，城镇新增就业70万人以上。
"""


@pytest.fixture
def reports(fake_assistant):
    a, _ = fake_assistant
    report = a.ingest_texts(
        [
            {"id": "national-2017", "text": NATIONAL_2017},
            {"id": "national-2018", "text": NATIONAL_2018},
            {"id": "anhui-2026", "text": PROVINCE_2026},
        ]
    )
    assert not report.failed, report.failed
    return a


def test_reports_know_their_place_and_year(reports):
    docs = {d.doc_id: d for d in reports.documents()}
    assert (docs["national-2017"].region, docs["national-2017"].level) == ("全国", "国家")
    assert docs["national-2018"].year == 2018
    assert (docs["anhui-2026"].region, docs["anhui-2026"].year) == ("安徽省", 2026)


def test_a_years_result_comes_from_the_next_years_report(reports):
    ans = reports.ask("2017年我国GDP实际增长了多少？")
    assert not ans.abstained and "6.9%" in ans.text
    assert ans.citations[0].doc_id == "national-2018"


def test_a_years_target_comes_from_that_years_report_although_the_next_repeats_it(reports):
    ans = reports.ask("2018年我国GDP增长目标是多少？")
    assert "6.5%" in ans.text and ans.citations[0].doc_id == "national-2018"
    assert "2018年" in ans.text


def test_target_and_result_of_one_year_are_both_given_each_from_its_report(reports):
    ans = reports.ask("2017年我国GDP增长目标是多少，实际完成了多少？")
    assert "6.5%" in ans.text and "6.9%" in ans.text
    assert {c.doc_id for c in ans.citations} == {"national-2017", "national-2018"}


def test_the_country_is_not_answered_from_a_province(reports):
    ans = reports.ask("2025年全国城镇新增就业多少万人？")
    assert ans.abstained


def test_a_province_figure_comes_from_its_report(reports):
    ans = reports.ask("安徽2025年地区生产总值是多少？")
    assert "5.3万亿元" in ans.text and ans.citations[0].doc_id == "anhui-2026"


def test_an_indicator_named_without_the_asked_amount_is_declined_with_what_the_report_says(
    reports,
):
    ans = reports.ask("安徽2025年城镇常住居民人均可支配收入是多少元？")
    assert ans.abstained and ans.text.startswith("报告中未找到")
    assert ans.related and "人均可支配收入" in ans.related[0].quote
    assert "4.4%" not in ans.text
    d = ans.to_dict()
    assert d["related"][0]["doc_id"] == "anhui-2026"


def test_another_citys_figure_is_declined(reports):
    assert reports.ask("合肥市2025年地区生产总值是多少？").abstained


def test_a_year_no_report_covers_is_declined(reports):
    assert reports.ask("2020年我国国内生产总值增长多少？").abstained


def test_a_person_the_reports_do_not_name_for_that_role_is_declined(reports):
    assert reports.ask("安徽省省长叫什么名字？").abstained


def test_a_list_question_gets_every_item_without_an_ellipsis(reports):
    ans = reports.ask("2018年政府工作报告提出的三大攻坚战是哪三个？")
    assert not ans.abstained
    for item in ("防范化解重大风险", "精准脱贫", "污染防治"):
        assert item in ans.text
    assert "…" not in ans.text


def test_a_section_question_on_the_national_outline(reports):
    ans = reports.ask("2018年政府工作报告的第三部分标题是什么？")
    assert "对2018年政府工作的建议" in ans.text
    assert ans.citations[0].doc_id == "national-2018"


def test_the_cli_shows_related_statements_apart_from_the_answer(reports):
    ans = reports.ask("安徽2025年城镇常住居民人均可支配收入是多少元？")
    out = io.StringIO()
    # The CLI's printer on this module's store; `assistant ask` would read the store from the
    # environment.
    print_answer(ans, out)
    text = out.getvalue()
    assert text.startswith("答：报告中未找到")
    assert "相关内容" in text and "人均可支配收入" in text.split("相关内容", 1)[1]
    assert json.loads(json.dumps(ans.to_dict(), ensure_ascii=False))["related"]


def test_a_level_asked_is_not_answered_with_its_growth(reports):
    # The 2018 report gives 2017's GDP growth (6.9%), not its amount.
    ans = reports.ask("2017年我国国内生产总值是多少？")
    assert ans.abstained and "6.9%" not in ans.text


def test_a_rate_asked_is_not_answered_with_a_count(reports):
    # 城镇新增就业1314万人 is a count; its growth rate is not in the report.
    ans = reports.ask("2016年城镇新增就业增速是多少？")
    assert ans.abstained and "1314" not in ans.text


def test_a_rate_asked_is_answered_in_per_cent(reports):
    ans = reports.ask("2017年城镇登记失业率目标是多少？")
    assert not ans.abstained and "4.5%" in ans.text


def test_a_province_named_by_its_short_name_without_a_report_is_declined(reports):
    ans = reports.ask("2025年西藏地区生产总值增长多少？")
    assert ans.abstained and "5.5%" not in ans.text


def test_a_figure_worded_unlike_the_report_passes_when_very_close_in_meaning():
    """The rarest question term (降到; the report says 降至) may be missing from a sentence
    very close to the question in meaning, never from one that is merely near it."""
    q = "2019年增值税改革中，制造业等行业税率从多少降到多少？"
    weights = {"增值税": 5.7, "改革": 2.3, "制造业": 4.0, "行业": 4.0, "税率": 6.3, "降到": 7.5}
    plan = plan_question(q, {}, weights)
    sentence = "深化增值税改革，将制造业等行业现行16%的税率降至13%。"
    cfg, e5 = ExtractiveConfig(), E5_CALIBRATION
    assert supports(plan, sentence, cfg, close=e5.is_close(e5.close + 0.02))
    assert not supports(plan, sentence, cfg, close=e5.is_close(e5.close - 0.05))
    # An embedder nobody calibrated never lets a figure through on similarity alone.
    assert not supports(plan, sentence, cfg, close=UNCALIBRATED.is_close(1.0))


def test_a_figures_clause_is_read_with_the_clause_before_it():
    # The gate that let no such figure through is this coverage.
    from assistant.answer.extractive import clause_coverage

    weights = {"用水": 4.6, "用电": 4.6, "用气": 5.2, "企业": 2.3, "减负": 5.2}
    sentence = "落实用水、用气、用电各项要素保障措施，为企业降低生产成本4500余万元。"
    assert clause_coverage(sentence, weights, numeric=True) > 0.6
    # …but only the clause right before: a figure far from its subject stays apart.
    far = "落实用水、用气、用电各项要素保障措施，加强调度，为企业降低生产成本4500余万元。"
    assert clause_coverage(far, weights, numeric=True) < 0.2


def test_a_figure_of_a_wider_indicator_is_not_the_asked_ones():
    """覆盖率 alone is not 森林覆盖率; 地区生产总值 is not 人均地区生产总值."""
    cfg = ExtractiveConfig()
    forest = plan_question("全市森林覆盖率是多少？", {}, {"森林": 4.2, "覆盖率": 4.6})
    assert not supports(forest, "农村生活垃圾收运处置体系覆盖率达100%。", cfg)
    assert supports(forest, "全市森林覆盖率达43.1%。", cfg)
    per_head = plan_question(
        "2023年人均地区生产总值是多少元？",
        {},
        {"人均": 4.2, "地区": 3.4, "生产": 2.8, "总值": 4.6, "地区生产总值": 4.6},
    )
    assert not supports(per_head, "全年实现地区生产总值1800亿元左右。", cfg)
    assert supports(per_head, "人均地区生产总值达5.6万元。", cfg)


def test_a_term_no_report_uses_is_looked_for_by_its_words():
    """最低工资 is in no report: its words stand for it, so 标准 alone is no answer."""
    cfg = ExtractiveConfig()
    weights = {"现行": 6.8, "最低": 6.8, "工资": 5.2, "最低工资": 6.8, "标准": 3.3}
    plan = plan_question(
        "现行的最低工资标准是多少？", {}, weights, unknown_terms={"现行", "最低", "最低工资"}
    )
    assert [t.term for t in plan.weighed_topic] == ["最低", "工资", "标准"]
    assert not supports(plan, "新建和改造提升高标准农田16.5万亩。", cfg)
    assert supports(plan, "最低工资标准提高到每月2100元。", cfg)


def test_the_asked_unit_is_no_part_of_the_topic():
    cfg = ExtractiveConfig()
    plan = plan_question(
        "2023年粮食播种面积是多少万亩？",
        {},
        {"粮食": 3.9, "播种": 6.8, "面积": 6.8, "粮食播种面积": 6.8, "万亩": 4.4},
        unknown_terms={"播种", "面积", "粮食播种面积"},
    )
    assert "万亩" not in {t.term for t in plan.topic} and plan.units
    assert not supports(plan, "动态摸排整治撂荒地1.35万亩。", cfg)
    assert supports(plan, "粮食播种面积稳定在390万亩。", cfg)


def test_a_district_no_report_is_about_is_declined(reports):
    ans = reports.ask("东城区2025年地区生产总值是多少？")
    assert ans.abstained and "5.3万亿元" not in ans.text


def test_a_users_wording_with_a_report_wording_is_one_term():
    """经济增长 tokenises as 经济 + 增长 but means 国内生产总值: one term with that wording."""
    plan = plan_question("2018年中国经济增长了多少？", {}, {"经济": 2.2})
    term = next(t for t in plan.topic if t.term == "经济增长")
    assert "国内生产总值" in term.alternatives and "经济" not in {t.term for t in plan.topic}
    assert supports(plan, "国内生产总值增长6.6%，总量突破90万亿元。", ExtractiveConfig())


def test_the_answer_states_the_figure_the_gate_accepted():
    # Internal on purpose: which neighbouring sentences join an answer depends on scores that a
    # small text cannot pin down; this is the step that keeps the accepted figure in the text.
    from assistant.answer.extractive import ExtractiveAnswerer

    weights = {"服务业": 4.0, "贡献率": 5.0}
    plan = plan_question("2018年服务业贡献率是多少？", {}, weights)
    sentence = "服务业对经济增长贡献率接近60%，高技术产业增速明显快于一般工业，农业再获丰收。"
    neighbour = "农业再获丰收。单位国内生产总值能耗下降3.1%"
    kept = ExtractiveAnswerer()._with_figure(plan, neighbour, sentence, False, weights)
    assert "60%" in kept and "3.1%" not in kept
    stated = "服务业对经济增长贡献率接近60%"
    assert ExtractiveAnswerer()._with_figure(plan, stated, sentence, False, weights) == stated


def test_a_question_all_in_the_users_words_takes_a_very_close_figure_in_its_unit():
    cfg = ExtractiveConfig()
    pigs = plan_question(
        "去年一共有多少头猪养成上市？",
        {},
        {"头猪": 6.8, "养成": 6.8, "上市": 6.8},
        unknown_terms={"头猪", "养成", "上市"},
    )
    assert pigs.weighed_topic == () and pigs.units
    assert supports(pigs, "出栏生猪265万头。", cfg, close=True)
    assert not supports(pigs, "出栏生猪265万头。", cfg, close=False)
    # Neither words nor a unit to check a figure by: not even a very close sentence answers.
    words = plan_question("全文有多少字？", {}, {"全文": 6.8}, unknown_terms={"全文"})
    sentence = "——2026年2月3日在第十三届人民代表大会第四次会议上"
    assert not supports(words, sentence, cfg, close=True)


def test_a_compound_no_report_uses_is_named_only_by_all_its_words():
    cfg = ExtractiveConfig()
    weights = {"城镇": 3.5, "居民": 3.0, "人均": 4.2, "可支配": 5.0, "收入": 3.5}
    plan = plan_question(
        "2025年城镇居民人均可支配收入是多少元？",
        {},
        {**weights, "城镇居民人均可支配收入": 7.8},
        unknown_terms={"城镇居民人均可支配收入"},
    )
    assert [t.term for t in plan.coined_terms] == ["城镇居民人均可支配收入"]
    assert not supports(plan, "全体居民人均可支配收入达39545元、增长5%。", cfg)
    assert supports(plan, "城镇居民人均可支配收入达52000元。", cfg)


def test_a_change_asked_is_not_answered_with_a_level():
    cfg = ExtractiveConfig()
    weights = {"农村": 3.2, "劳动力": 5.6, "转移": 3.9, "就业": 3.2}
    plan = plan_question("2025年农村劳动力转移就业增长了多少？", {}, weights)
    assert plan.asks_change and not plan.asks_level
    assert not supports(plan, "农村劳动力转移就业1697.7万人。", cfg)
    assert supports(plan, "农村劳动力转移就业增长3.5%。", cfg)
    above = plan_question("去年经济增速比年初目标高出多少？", {}, {"经济": 2.2, "目标": 2.0})
    assert supports(above, "全年地区生产总值增长7.0%左右，高于年初目标1个百分点左右。", cfg)
