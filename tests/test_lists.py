"""List questions get every item of the list they ask for: the enumeration rather than a
sentence that mentions the set, the one of the asked count, and items spread over paragraphs."""

from __future__ import annotations

import pytest

from assistant.answer.lists import asked_count, item_head, ordinal, series_counts, set_noun
from assistant.question import LIST, plan_question

REPORT = """测试市人民政府工作报告
——2025年1月10日在测试市第五届人民代表大会第三次会议上
各位代表：
一、2024年工作回顾
2024年开展的三大专项行动成效明显，全年投入资金12亿元。
城市更新、乡村建设、园区提质扎实推进。
两张清单、营商环境评价等工作持续优化。
我们深入实施区域协作战略。推进港口联动、园区共建、人才互通、数据共享，合作项目达到40个。
一年来，我们重点抓了三个方面工作：
一是全力稳住工业增长。
规模以上工业增加值增长6%。
新增规上企业30家。
技改投资增长12%。
工业用电量增长8%。
二是全力扩大有效投资。
实施重点项目200个。
完成投资500亿元。
三是全力办好民生实事。
十件民生实事全部完成。
二、2025年工作安排
四是全力推进城乡融合。
今后一个时期，政府工作要重点把握好4个方面：
一是聚焦实体经济这一根本。
做强制造业，稳住农业基本盘，服务业提质扩容。
二是锚定科技创新这一引擎。
加大研发投入，培育创新型企业。
三是守住安全发展这一底线。
统筹发展和安全，防范化解各类风险。
四是增进民生福祉这一目的。
办好十件民生实事。
今年要坚定实施“三大工程”，加快推进项目建设、厂房改造和设备更新。
一是坚定实施产业强基工程，新建标准厂房50万平方米。二是坚定实施交通畅联工程，建成快速路10公里。三是坚定实施生态修复工程，治理河道30公里。
附件：名词解释
两张清单：
企业投资项目正面清单、政府服务事项负面清单。
"""


@pytest.fixture
def city(fake_assistant):
    a, _ = fake_assistant
    report = a.ingest_texts([{"id": "city-2025", "text": REPORT}])
    assert not report.failed, report.failed
    return a


def _has_all(text: str, items: tuple[str, ...]) -> None:
    for item in items:
        assert item in text, (item, text)
    assert "…" not in text


def test_the_enumerating_sentence_answers_not_the_one_mentioning_the_set(city):
    ans = city.ask("测试市2024年开展的三大专项行动是哪三个？")
    assert not ans.abstained
    _has_all(ans.text, ("城市更新", "乡村建设", "园区提质"))


def test_items_over_several_paragraphs_are_all_given_and_each_cited(city):
    ans = city.ask("测试市政府工作要重点把握哪4个方面？")
    assert not ans.abstained
    _has_all(ans.text, ("实体经济", "科技创新", "安全发展", "民生福祉"))
    cited = {c.paragraph for c in ans.citations}
    assert len(cited) == 4  # one paragraph per item, the bodies between them left out
    assert all(c.quote.startswith(("一是", "二是", "三是", "四是")) for c in ans.citations)


def test_items_with_long_bodies_stop_where_the_part_of_the_report_ends(city):
    ans = city.ask("测试市2024年重点抓了哪三个方面工作？")
    assert not ans.abstained
    _has_all(ans.text, ("稳住工业增长", "扩大有效投资", "办好民生实事"))
    assert "城乡融合" not in ans.text  # a 四是 of the next part is not a fourth item


def test_a_named_set_is_answered_by_the_items_that_name_it(city):
    ans = city.ask("测试市今年要坚定实施的“三大工程”是什么？")
    assert not ans.abstained
    _has_all(ans.text, ("产业强基工程", "交通畅联工程", "生态修复工程"))


def test_a_set_named_in_one_sentence_and_listed_in_the_next(city):
    ans = city.ask("测试市深入实施区域协作战略有哪些举措？")
    assert not ans.abstained
    _has_all(ans.text, ("港口联动", "园区共建", "人才互通", "数据共享"))


def test_a_glossary_term_is_answered_by_its_explanation(city):
    ans = city.ask("测试市的两张清单分别是什么？")
    assert not ans.abstained
    _has_all(ans.text, ("企业投资项目正面清单", "政府服务事项负面清单"))


def test_which_several_asks_for_items_not_for_a_count():
    plan = plan_question("2015年新设了哪几个自贸试验区？", {})
    assert plan.answer_type == LIST
    assert plan.units == ()


@pytest.mark.parametrize(
    "question",
    ["要重点把握哪5个方面？", "“九个坚持”重大原则是什么？", "三大攻坚战指什么？"],
)
def test_a_set_asked_by_its_count_is_a_list_question(question):
    assert plan_question(question, {}).answer_type == LIST


def test_the_asked_count_and_the_named_set():
    assert asked_count("三大攻坚战是哪三个？") == 3
    assert asked_count("分哪13个领域细化任务？") == 13
    assert asked_count("“九个坚持”是什么？") == 9
    assert asked_count("有哪些开发区？") is None
    assert set_noun("三大攻坚战是哪三个？") == "攻坚"
    assert set_noun("“六稳”是指哪六个稳？") == "稳"
    assert set_noun("要重点把握哪5个方面？") == ""


def test_series_are_counted_with_and_without_a_last_join():
    assert series_counts("打好防范化解重大风险、精准脱贫、污染防治的攻坚战") == {3}
    assert series_counts("推进京津冀协同发展、黄河流域生态保护和高质量发展") == {2, 3}
    assert series_counts("做好“研学游”“水文章”“夜内江”三篇文章") == {3}
    assert series_counts("全年投入资金12亿元") == frozenset()


def test_ordinal_items_and_their_heads():
    assert ordinal("二是锚定科技创新这一引擎。") == ("是", 2)
    assert ordinal("（三）扩大内需") == ("括", 3)
    assert ordinal("第四，深化改革") == ("第", 4)
    assert ordinal("2025年全市经济") is None
    assert (
        item_head("一是坚定实施产业强基工程，新建标准厂房50万平方米。")
        == "一是坚定实施产业强基工程"
    )
