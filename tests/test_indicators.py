"""The indicator table: extraction rules, storage beside the store, the API and the CLI."""

from __future__ import annotations

import csv
import io
import re
import sqlite3

import pytest

from assistant import Assistant, DocumentNotFoundError, InputError
from assistant.cli import main
from assistant.indicator_store import FILENAME
from assistant.indicators import extract, extract_paragraph, to_csv
from assistant.types import PLAN, REVIEW, Paragraph

from .helpers import CITY, DISTRICT


def _figures(text: str, period: str = REVIEW, year: int | None = 2023, report_year=2024):
    para = Paragraph("d", 1, text, ("一、", "（一）"), (text,), period, year)
    return extract_paragraph(para, title="T", region="某市", report_year=report_year)


def _brief(records) -> list[tuple[str, str, str]]:
    return [(r.name, r.value_text, r.kind) for r in records]


def test_level_and_growth_share_their_subject():
    got = _figures(
        "预计全年实现地区生产总值1800亿元左右、增长7.0%左右，高于年初目标任务1个百分点左右。"
    )
    assert _brief(got)[:2] == [
        ("地区生产总值", "1800亿元左右", "level"),
        ("地区生产总值", "7.0%左右", "growth"),
    ]
    assert got[0].value == 1800 and got[0].unit == "亿元" and got[0].qualifier == "左右"
    assert got[1].unit == "%" and got[2].unit == "个百分点" and got[2].kind == "growth"
    assert all(r.status == "result" and r.year == 2023 for r in got)


def test_one_sentence_holds_many_figures_each_with_its_name():
    got = _figures(
        "地区生产总值增长6.0%以上。第一产业增加值增长3.5%，规模以上工业增加值增长8.0%，"
        "社会消费品零售总额增长7.0%。",
        period=PLAN,
        year=2024,
    )
    assert [(n, v) for n, v, _ in _brief(got)] == [
        ("地区生产总值", "6.0%以上"),
        ("第一产业增加值", "3.5%"),
        ("规模以上工业增加值", "8.0%"),
        ("社会消费品零售总额", "7.0%"),
    ]
    assert all(r.status == "target" and r.year == 2024 and r.kind == "growth" for r in got)
    assert got[0].qualifier == "以上"


def test_respective_lists_pair_items_with_values_and_carry_the_shared_suffix():
    got = _figures("第一产业、规模以上工业、服务业增加值分别增长4.2%、9.4%、8.2%。")
    assert [(r.name, r.value) for r in got] == [
        ("第一产业增加值", 4.2),
        ("规模以上工业增加值", 9.4),
        ("服务业增加值", 8.2),
    ]
    both = _figures("城乡居民人均可支配收入分别增长5.5%、7.5%。")
    assert [r.name for r in both] == ["城镇居民人均可支配收入", "农村居民人均可支配收入"]


def test_list_items_share_the_part_they_have_in_common():
    got = _figures(
        "城镇、农村常住居民人均可支配收入分别增长4.4%、5.9%，"
        "先进制造业、高技术制造业增加值占规模以上工业增加值比重分别达56.2%、34.7%。"
    )
    assert [r.name for r in got] == [
        "城镇常住居民人均可支配收入",
        "农村常住居民人均可支配收入",
        "先进制造业增加值占规模以上工业增加值比重",
        "高技术制造业增加值占规模以上工业增加值比重",
    ]
    got = _figures("生猪、家禽年出栏量分别稳定在3900万头、13.5亿只以上。", PLAN, 2026)
    assert [(r.name, r.qualifier) for r in got] == [
        ("生猪年出栏量", "以上"),
        ("家禽年出栏量", "以上"),
    ]
    # Items stating their own figures, values in the next clause; a unit given once for a list.
    got = _figures("全年接待游客3.23亿人次、游客花费3700亿元，分别增长8%、8.4%。")
    assert [(r.name, r.value_text) for r in got][2:] == [("接待游客", "8%"), ("游客花费", "8.4%")]
    got = _figures("水土流失、沙化土地面积分别净减少10.6万、3.3万平方公里。")
    assert [(r.name, r.value, r.unit) for r in got] == [
        ("水土流失面积净减少", 10.6, "万平方公里"),
        ("沙化土地面积净减少", 3.3, "万平方公里"),
    ]


def test_items_and_values_in_parallel_pair_up_and_a_figure_elsewhere_in_the_lead_is_not_a_name():
    got = _figures("改造老旧供热、燃气、排水管网800公里、600公里、300公里。", PLAN, 2026)
    assert [(r.name, r.value) for r in got] == [
        ("改造老旧供热管网", 800),
        ("燃气管网", 600),
        ("排水管网", 300),
    ]
    (rate,) = _figures("新建5个以上紧密型城市医疗集团、区级覆盖率达80%以上。", PLAN, 2026)
    assert rate.name == "区级覆盖率"


def test_one_value_for_several_rates_and_urban_rural_pairs_without_respectively():
    got = _figures(
        "九年义务教育巩固率、高中阶段毛入学率保持在97%以上，基本养老保险和基本医疗保险参保率保持在95%以上。"
    )
    assert [(r.name, r.value) for r in got] == [
        ("九年义务教育巩固率", 97),
        ("高中阶段毛入学率", 97),
        ("基本养老保险参保率", 95),
        ("基本医疗保险参保率", 95),
    ]
    got = _figures("城乡居民人均可支配收入年均增长5.3%、8.1%。")
    assert [r.name for r in got] == ["城镇居民人均可支配收入年均", "农村居民人均可支配收入年均"]


def test_counts_before_their_noun_are_named_by_it_and_modifiers_are_not_figures():
    got = _figures("新增4个省级临床重点专科、8家县域医疗卫生次中心。")
    assert [(r.name, r.value, r.kind) for r in got] == [
        ("新增省级临床重点专科", 4, "count"),
        ("新增县域医疗卫生次中心", 8, "count"),  # the list shares its verb
    ]
    # 5亿元以上 only says which projects count; 2×475兆瓦 is part of a project's name.
    got = _figures("引进5亿元以上项目5个，加快华电白马2×475兆瓦燃气轮机项目建设。", PLAN, 2024)
    assert _brief(got) == [("引进5亿元以上项目", "5个", "count")]
    assert _figures("工程建设项目并联审批率居全省第3位。") == []


def test_counts_that_open_their_clause_are_named_by_what_it_says_of_them():
    got = _figures("7所高职学校入选国家“双高计划”，5个地级市和5个县级城市新获评全国文明城市。")
    assert [r.name for r in got] == [
        "入选国家“双高计划”的高职学校",
        "新获评全国文明城市的地级市",
        "新获评全国文明城市的县级城市",
    ]
    assert got[0].span == "7所高职学校入选国家“双高计划”"
    got = _figures(
        "建成4个国家级、4个自治区级区域医疗中心，成功应对22轮强降水和“桦加沙”等15个台风。"
    )
    assert [r.name for r in got] == [
        "建成国家级区域医疗中心",
        "建成自治区级区域医疗中心",
        "成功应对强降水",
        "成功应对台风",
    ]
    assert _figures("重点抓好以下14个方面的工作。", PLAN, 2024) == []


def test_names_that_say_how_or_when_take_the_subject_of_the_sentence():
    got = _figures(
        "国内生产总值增加到121万亿元，五年年均增长5.2%，十年增加近70万亿元、年均增长6.2%。"
    )
    assert [r.name for r in got] == [
        "国内生产总值",
        "国内生产总值五年年均",
        "国内生产总值十年增加",
        "国内生产总值十年年均",
    ]
    got = _figures("国内生产总值增长6.6%，总量突破90万亿元。粮食产量1.37万亿斤，增产74亿斤。")
    assert [r.name for r in got] == ["国内生产总值", "国内生产总值", "粮食产量", "粮食增产"]
    got = _figures(
        "今年赤字率拟按2.8%安排，比去年预算高0.2个百分点；财政赤字2.76万亿元，比去年增加2000亿元。",
        PLAN,
        2019,
    )
    assert [(r.name, r.value) for r in got] == [
        ("赤字率", 2.8),
        ("赤字率比上年预算高", 0.2),
        ("财政赤字", 2.76),
        ("财政赤字比上年增加", 2000),
    ]


def test_an_amount_that_is_a_change_keeps_its_verb_and_trailing_adverbs_are_dropped():
    got = _figures(
        "农村贫困人口减少1240万，年末城镇调查失业率降到5.5%，财政赤字率控制在2.8%，"
        "全国居民人均可支配收入实际增长6.3%，调查失业率稳定在5%左右的较低水平。"
    )
    assert [(r.name, r.value) for r in got] == [
        ("农村贫困人口减少", 1240),
        ("年末城镇调查失业率", 5.5),
        ("财政赤字率", 2.8),
        ("全国居民人均可支配收入", 6.3),
        ("调查失业率", 5),
    ]
    (cut,) = _figures("中央部门一律按不低于5%的幅度压减一般性支出。", PLAN, 2017)
    assert (cut.name, cut.value, cut.kind, cut.qualifier) == ("一般性支出", -5, "growth", "不低于")


def test_the_subject_is_the_indicator_not_its_change_or_the_figure_that_only_qualified_it():
    got = _figures(
        "中央对地方转移支付增加约1.5万亿元、规模近9.8万亿元，增长18%。", PLAN, 2022, 2022
    )
    assert [r.name for r in got] == [
        "中央对地方转移支付增加",
        "中央对地方转移支付",
        "中央对地方转移支付",
    ]
    (avg,) = _figures("地区生产总值跨越5000亿元大关，年均增长5.7%。", year=2025, report_year=2026)
    assert (avg.name, avg.value) == ("地区生产总值年均", 5.7)
    got = _figures("支出规模比去年扩大2万亿元以上，全区一产、二产增加值分别增长6%、5.2%。")
    assert [r.name for r in got] == ["支出规模比上年扩大", "一产增加值", "二产增加值"]


def test_decreases_points_and_shares():
    got = _figures("城镇调查失业率下降1.5个百分点，电商应用率达到85%，企业开办时间缩短40%。")
    assert [(r.name, r.value, r.unit, r.kind) for r in got] == [
        ("城镇调查失业率", -1.5, "个百分点", "growth"),
        ("电商应用率", 85.0, "%", "share"),
        ("企业开办时间", -40.0, "%", "growth"),
    ]


def test_number_forms_units_and_ranges():
    got = _figures(
        "棚户区住房改造600多万套，农村贫困人口减少1240万，进出口总额突破万亿元，"
        "粮食产量1.37万亿斤，城市低保标准提高至842元/月，重污染天数下降超过五成。"
    )
    assert [(r.value, r.unit, r.qualifier) for r in got] == [
        (600, "万套", "多"),
        (1240, "万人", ""),
        (1, "万亿元", "突破"),
        (1.37, "万亿斤", ""),
        (842, "元/月", ""),
        (-5, "成", "超过"),
    ]
    assert got[-1].kind == "growth" and got[-1].span == "重污染天数下降超过五成"
    # Every value_text holds digits: the answer quotes it, compares its number.
    assert [r.value_text for r in got][2::3] == ["突破1万亿元", "超过5成"]
    # A range is one figure: the lower bound, the rest in the qualifier.
    (gdp,) = _figures("地区生产总值增长5%—5.5%。", PLAN, 2026)
    assert (gdp.name, gdp.value, gdp.value_text, gdp.qualifier, gdp.kind) == (
        "地区生产总值", 5.0, "5%—5.5%", "—5.5%", "growth"
    )  # fmt: skip
    (low,) = _figures("地区生产总值增长4.5-5%。", PLAN, 2026)
    assert (low.value, low.qualifier) == (4.5, "-5%")


def test_prices_rise_people_are_amounts_and_quoted_numbers_are_names():
    got = _figures("居民消费价格上涨2.1%，出境旅游超过1.2亿人次，新增58名国家级非遗代表性传承人。")
    assert [(r.value, r.kind) for r in got] == [(2.1, "growth"), (1.2, "level"), (58, "level")]
    assert _figures("推出稳经济“30条”。") == []


def test_a_change_from_a_to_b_gives_both_values_each_with_its_year():
    got = _figures("城市低保人均保障标准从796元/月提高至842元/月。", year=2025, report_year=2026)
    assert [(r.name, r.value, r.year) for r in got] == [
        ("城市低保人均保障标准", 796, 2024),
        ("城市低保人均保障标准", 842, 2025),
    ]
    got = _figures("补贴资金从2007年的639亿元增加到2012年的1923亿元。", year=2012, report_year=2013)
    assert [(r.value, r.year) for r in got] == [(639, 2007), (1923, 2012)]
    got = _figures("三次产业结构由8.7∶41.2∶50.1调整为7.4∶39.8∶52.8。", year=2025, report_year=2026)
    assert [(r.name, r.value, r.unit, r.kind, r.year) for r in got] == [
        ("第一产业比重", 8.7, "%", "share", 2024),
        ("第二产业比重", 41.2, "%", "share", 2024),
        ("第三产业比重", 50.1, "%", "share", 2024),
        ("第一产业比重", 7.4, "%", "share", 2025),
        ("第二产业比重", 39.8, "%", "share", 2025),
        ("第三产业比重", 52.8, "%", "share", 2025),
    ]


def _report(*texts: tuple[str, str, int, tuple[str, ...]]) -> list:
    paras = [
        Paragraph("d", i, text, section, (text,), period, year)
        for i, (text, period, year, section) in enumerate(texts, 1)
    ]
    return extract(paras, report_year=2026)


def test_a_review_of_five_years_labels_its_changes_and_start_values():
    got = _report(
        ("这五年，全省常住人口城镇化率61.61%、提高5.1个百分点。", REVIEW, 2025, ("一、",)),
        ("——地区生产总值从11.37万亿元提高到14.58万亿元，能耗下降8.1%。", REVIEW, 2025, ("一、",)),
        ("过去一年，城镇累计新增就业75.7万人，能耗下降2.1%。", REVIEW, 2025, ("一、",)),
    )
    assert [(r.name, r.value, r.year) for r in got] == [
        ("常住人口城镇化率", 61.61, 2025),
        ("常住人口城镇化率五年累计", 5.1, 2025),
        ("地区生产总值", 11.37, 2020),
        ("地区生产总值", 14.58, 2025),
        ("能耗五年累计", -8.1, 2025),
        ("城镇累计新增就业", 75.7, 2025),
        ("能耗", -2.1, 2025),
    ]


def test_targets_of_a_five_year_plan_or_a_stated_year_carry_that_year():
    got = _report(
        ("地区生产总值年均增长5%左右。", PLAN, 2026, ("二、“十五五”时期主要目标",)),
        ("到2027年，新建充电设施50万个。", PLAN, 2026, ("三、2026年工作",)),
        ("地区生产总值增长5%。", PLAN, 2026, ("三、2026年工作",)),
    )
    assert [(r.name, r.year) for r in got] == [
        ("地区生产总值年均", 2030),
        ("新建充电设施", 2027),
        ("地区生产总值", 2026),
    ]


def test_a_share_that_opens_its_clause_is_named_by_what_is_said_of_its_noun():
    got = _figures("90%的县医院达到三级医院服务能力水平，八成以上财政资金用于民生。")
    assert [(r.name, r.value, r.unit, r.kind) for r in got] == [
        ("达到三级医院服务能力水平的县医院比重", 90, "%", "share"),
        ("用于民生的财政资金比重", 8, "成", "share"),
    ]


def test_status_from_cue_words_when_the_paragraph_has_no_period():
    target = _figures("力争新增城镇就业3.2万人。", period="", year=None)
    assert [(r.status, r.year) for r in target] == [("target", 2024)]
    result = _figures("去年新增城镇就业3万人。", period="", year=None)
    assert [(r.status, r.year) for r in result] == [("result", 2023)]
    assert _figures("新增城镇就业3万人。", period="", year=None) == []


def test_spans_and_sentences_are_verbatim():
    text = "实现旅游收入397亿元、增长9%。"
    for r in _figures(text):
        assert r.sentence == text and r.span in text and r.value_text in r.span


DOC = {
    "id": "demo",
    "title": "示例市人民政府工作报告",
    "text": "一、2023年工作回顾\n全年实现地区生产总值500亿元。\n二、2024年工作安排\n地区生产总值增长6%以上。",
}


def test_ingest_stores_the_figures_and_the_api_filters_them(fake_assistant):
    a, _ = fake_assistant
    a.ingest_texts([DOC])
    got = a.indicators()
    assert [(r.name, r.value_text, r.status, r.year) for r in got] == [
        ("地区生产总值", "500亿元", "result", 2023),
        ("地区生产总值", "6%以上", "target", 2024),
    ]
    assert got[0].title == "示例市人民政府工作报告" and got[0].paragraph == 2
    assert [r.value for r in a.indicators(kind="target")] == [6.0]
    assert [r.value for r in a.indicators(status="result", year=2023)] == [500.0]
    assert [r.value for r in a.indicators(kind="growth")] == [6.0]
    assert a.indicators(year=2022) == [] and len(a.indicators(doc="demo")) == 2
    assert len(a.indicators(name="生产总值")) == 2
    with pytest.raises(InputError, match="unknown kind"):
        a.indicators(kind="targets")
    with pytest.raises(DocumentNotFoundError):
        a.indicators(doc="nope")


def test_figures_follow_their_document_on_change_and_delete(fake_assistant):
    a, _ = fake_assistant
    a.ingest_texts([DOC])
    a.ingest_texts([{**DOC, "text": DOC["text"].replace("500亿元", "520亿元")}])
    assert [r.value_text for r in a.indicators(status="result")] == ["520亿元"]
    with sqlite3.connect(a.settings.store_dir / FILENAME) as db:
        # The replaced generation's rows are gone, not just hidden.
        assert db.execute("SELECT COUNT(DISTINCT doc_hash) FROM indicators").fetchone() == (1,)
    a.delete("demo")
    assert a.indicators() == []
    with sqlite3.connect(a.settings.store_dir / FILENAME) as db:
        assert db.execute("SELECT COUNT(*) FROM indicators").fetchone() == (0,)


def test_rows_of_a_generation_that_never_went_live_are_invisible(fake_assistant):
    a, emb = fake_assistant
    a.ingest_texts([DOC])
    live = a.indicators()
    # A write that died after the figures but before the document record.
    a.indicator_store.write(
        "demo", "dead", [live[0].__class__(**{**live[0].to_dict(), "value": 9})]
    )
    # Read by an assistant opened after the write, whose table is not cached yet.
    assert Assistant(settings=a.settings, embedder=emb).indicators() == live


def test_a_store_indexed_before_the_table_gets_it_built_without_embedding(fake_assistant):
    a, emb = fake_assistant
    a.ingest_texts([DOC])
    before = a.indicators()
    (a.settings.store_dir / FILENAME).unlink()
    from assistant import Assistant

    fresh = Assistant(settings=a.settings, embedder=emb)
    embedded = emb.embedded
    assert fresh.indicators() == before
    assert emb.embedded == embedded
    with sqlite3.connect(a.settings.store_dir / FILENAME) as db:
        assert db.execute("SELECT COUNT(*) FROM indicators").fetchone() == (2,)


def test_csv_has_a_header_and_one_row_per_figure(fake_assistant):
    a, _ = fake_assistant
    a.ingest_texts([DOC])
    rows = list(csv.DictReader(io.StringIO(to_csv(a.indicators()))))
    assert [(r["name"], r["value_text"], r["status"]) for r in rows] == [
        ("地区生产总值", "500亿元", "result"),
        ("地区生产总值", "6%以上", "target"),
    ]


def test_bundled_reports_have_their_headline_figures(assistant):
    city = {(r.name, r.value_text, r.status, r.year) for r in assistant.indicators(doc=CITY.name)}
    assert ("地区生产总值", "1800亿元左右", "result", 2023) in city
    assert ("地区生产总值", "6.0%以上", "target", 2024) in city
    district = assistant.indicators(doc=DISTRICT.name, kind="target")
    assert ("新增城镇就业", "5800人以上") in {(r.name, r.value_text) for r in district}
    assert all(r.region == "内江市市中区" and r.year == 2024 for r in district)


def test_cli_lists_and_exports_figures(store_copy, tmp_path, capsys, cache_dir):
    store = str(store_copy)
    assert main(["indicators", "--store", store, "--doc", DISTRICT.name, "--kind", "target"]) == 0
    out = capsys.readouterr().out
    assert "新增城镇就业" in out and "5800人以上" in out and CITY.name not in out
    target = tmp_path / "figures.csv"
    assert main(["indicators", "--store", store, "--year", "2023", "--csv", str(target)]) == 0
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    assert rows and all(r["year"] == "2023" and r["status"] == "result" for r in rows)
    assert main(["indicators", "--store", store, "--kind", "plans"]) == 2
    assert "unknown kind" in capsys.readouterr().err


# -- answers from the table ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def without_table(real_store, cache_dir):
    from assistant import Assistant, Settings

    settings = Settings.from_env(store_dir=real_store, cache_dir=cache_dir)
    return Assistant(settings=settings, indicators=False)


def test_a_figure_question_is_answered_from_the_record_with_its_sentence_cited(assistant):
    ans = assistant.ask("2024年内江市地区生产总值增长目标是多少？")
    assert ans.text == "地区生产总值增长6.0%以上（2024年目标）"
    (cite,) = ans.citations
    record = next(
        r for r in assistant.indicators(doc=CITY.name, year=2024) if r.value_text == "6.0%以上"
    )
    assert (cite.doc_id, cite.paragraph, cite.quote) == (
        record.doc_id,
        record.paragraph,
        record.sentence,
    )
    assert ans.retrieved[0].paragraph == record.paragraph


def test_answers_say_result_or_target_and_the_year(assistant):
    ans = assistant.ask("内江去年旅游收入是多少？")
    assert "397亿元" in ans.text and "（2023年实绩）" in ans.text
    ans = assistant.ask("市中区今年新增城镇就业目标是多少？")
    assert ans.text == "新增城镇就业5800人以上（2024年目标）"
    assert ans.citations[0].doc_id == DISTRICT.name


def test_comparisons_give_both_figures_side_by_side_with_a_citation_each(assistant):
    ans = assistant.ask("市中区今年新增城镇就业目标和全市去年城镇新增就业实绩分别是多少？")
    assert "5800人以上（2024年目标）" in ans.text and "4.55万人（2023年实绩）" in ans.text
    assert [c.doc_id for c in ans.citations] == [DISTRICT.name, CITY.name]


def test_the_table_answers_what_sentence_ranking_missed(assistant, without_table):
    # Two figures of one sentence, and a figure whose topic is set earlier in its sentence.
    question = "内江中心城区去年改造了多少个老旧小区？"
    assert "206个" in assistant.ask(question).text
    assert "206个" not in without_table.ask(question).text
    question = "今年改造老旧小区和燃气管网，市中区的目标数量各是多少？"
    assert {"49个", "30公里"} <= set(re.findall(r"\d+(?:个|公里)", assistant.ask(question).text))
    # Sentence ranking alone gives at most one of the two.
    alone = set(re.findall(r"\d+(?:个|公里)", without_table.ask(question).text))
    assert not {"49个", "30公里"} <= alone


def test_one_named_indicator_gets_its_figure_alone_and_a_group_gets_each(assistant):
    # Other figures of the same sentence that share words with it (…增加值) are not the answer.
    ans = assistant.ask("2024年内江市规模以上工业增加值增长目标是多少？")
    assert ans.text == "规模以上工业增加值增长8.0%（2024年目标）"
    ans = assistant.ask("2023年第一产业、规模以上工业、服务业增加值分别增长多少？")
    assert all(f in ans.text for f in ("4.2%", "9.4%", "8.2%"))
    ans = assistant.ask("2023年内江市城乡居民人均可支配收入分别增长多少？")
    assert "5.5%" in ans.text and "7.5%" in ans.text


def test_a_figure_the_question_states_is_not_its_answer(assistant):
    ans = assistant.ask("去年18个川渝合作共建重大项目完成了多少投资？")
    assert "128.32亿元" in ans.text


def test_questions_without_a_matching_record_take_the_normal_path(assistant, without_table):
    for question in ("内江市今年要打造什么品牌？", "2023年内江市城市大脑整合了哪些数据？"):
        assert assistant.ask(question).text == without_table.ask(question).text


def test_gold_figures_are_verbatim_and_cover_both_reports():
    import json
    from pathlib import Path

    gold_path = Path(__file__).resolve().parents[1] / "eval" / "indicators_gold.jsonl"
    gold = [json.loads(line) for line in gold_path.read_text(encoding="utf-8").splitlines()]
    texts = {p.name: p.read_text(encoding="utf-8") for p in (CITY, DISTRICT)}
    assert len(gold) >= 60
    assert {g["doc_id"] for g in gold} == set(texts)
    for g in gold:
        assert g["sentence"] in texts[g["doc_id"]], g
        assert g["span"] in g["sentence"], g
        assert g["kind"] in ("level", "growth", "share", "count")
        assert g["status"] in ("result", "target") and isinstance(g["year"], int)


def test_extraction_scoring_counts_each_gold_figure_once():
    from assistant.evaluation.extraction import score_extraction

    gold = [
        dict(doc_id="d", paragraph=1, name="地区生产总值", value=6.0, unit="%", kind="growth",
             status="target", year=2024),
    ]  # fmt: skip
    good = {**gold[0], "value_text": "6.0%"}
    wrong_year = {**good, "year": 2023}
    elsewhere = {**good, "paragraph": 2}
    got = score_extraction([good, good, wrong_year, elsewhere], gold)
    assert (got["extracted"], got["correct"], got["precision"], got["recall"]) == (
        3,
        1,
        0.3333,
        1.0,
    )
