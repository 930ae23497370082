"""Answers on the bundled reports with the local embedder (the embedded default)."""

from __future__ import annotations

import pytest

from assistant import EmptyQuestionError

CITY = "neijiang-2024.txt"
DISTRICT = "neijiang-shizhong-2024.txt"


def test_gdp_question_answers_with_the_figure_and_its_paragraph(assistant):
    ans = assistant.ask("2023年内江市地区生产总值是多少？")
    assert not ans.abstained and ans.mode == "extractive"
    assert "1800亿元" in ans.text and "7.0%" in ans.text
    top = ans.citations[0]
    assert top.doc_id == CITY
    assert "全年实现地区生产总值1800亿元左右" in top.text
    assert "1800亿元" in top.quote and top.quote in top.text
    assert top.section.startswith("一、2023年工作回顾")
    assert top.paragraph >= 1


def test_target_question_gets_the_report_year_target_not_last_years_result(assistant):
    ans = assistant.ask("2024年内江市规模以上工业增加值增长目标是多少？")
    assert "8.0%" in ans.text
    assert "9.4%" not in ans.text  # the 2023 result of the same indicator
    assert ans.citations[0].section.startswith("二、2024年工作安排")


def test_last_year_wording_selects_the_review_period(assistant):
    ans = assistant.ask("去年规上工业增加值增长了多少？")
    assert "9.4%" in ans.text
    assert "2023" in ans.citations[0].period


def test_district_question_cites_the_district_report(assistant):
    ans = assistant.ask("市中区2024年新增城镇就业目标？")
    assert "5800人" in ans.text
    assert ans.citations[0].doc_id == DISTRICT


def test_abstains_when_no_paragraph_supports_an_answer(assistant):
    for question in ("内江市2024年举办奥运会的场馆有哪些？", "成都市去年的地区生产总值是多少？"):
        ans = assistant.ask(question)
        assert ans.abstained, (question, ans.text)
        assert "未找到" in ans.text and not ans.citations


def test_abstains_for_a_year_the_reports_do_not_cover(assistant):
    assert assistant.ask("2019年内江市地区生产总值是多少？").abstained


def test_page_boilerplate_is_never_retrieved_or_cited(assistant):
    ans = assistant.ask("本文地址和留言评论在哪里？")
    texts = [r.text for r in ans.retrieved] + [c.text for c in ans.citations]
    assert not any("本文地址" in t or "验证码" in t or "导航菜单" in t for t in texts)


def test_filters_restrict_answers_to_the_named_document(assistant):
    ans = assistant.ask("新增城镇就业目标是多少？", documents=[DISTRICT])
    assert ans.retrieved and all(r.doc_id == DISTRICT for r in ans.retrieved)


def test_answer_to_dict_is_json_ready(assistant):
    import json

    d = assistant.ask("2023年内江市地区生产总值是多少？").to_dict()
    assert json.loads(json.dumps(d, ensure_ascii=False))["citations"][0]["doc_id"] == CITY
    assert set(d["timings"]) >= {"retrieve", "answer", "total"}


@pytest.mark.parametrize("question", ["", "   ", "？？？", "\x00\x01"])
def test_empty_questions_are_refused_clearly(assistant, question):
    with pytest.raises(EmptyQuestionError):
        assistant.ask(question)


def test_very_long_question_is_truncated_with_a_notice(assistant):
    ans = assistant.ask("2023年内江市地区生产总值是多少？" + "啊" * 10_000)
    assert any("过长" in n for n in ans.notices)


def test_batch_keeps_the_order_of_the_questions(assistant):
    qs = ["市中区2024年新增城镇就业目标？", "2023年内江市地区生产总值是多少？"]
    answers = assistant.ask_batch(qs)
    assert [a.question for a in answers] == qs
    assert "5800" in answers[0].text and "1800" in answers[1].text


def test_a_new_reports_region_is_honoured_even_if_the_tokenizer_does_not_know_it(
    store_copy, cache_dir
):
    from assistant import Assistant, Settings

    a = Assistant(settings=Settings.from_env(store_dir=store_copy, cache_dir=cache_dir))
    a.ingest_texts(
        [
            {
                "id": "test-city-2025",
                "text": "测试市人民政府工作报告\n一、2024年工作回顾\n全年实现地区生产总值500亿元，增长5.5%。\n"
                "二、2025年工作安排\n地区生产总值增长6%左右。",
            }
        ]
    )
    ans = a.ask("测试市2024年地区生产总值是多少？")
    assert "500亿元" in ans.text
    assert ans.citations[0].doc_id == "test-city-2025"
