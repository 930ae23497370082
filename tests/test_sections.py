"""Section questions answered from a report's outline: the N-th section of a part, the sections
under a section and their number, the section by what it speaks of, the part a passage belongs
to, and the appendices; each answer cites the heading paragraph(s) it gives."""

from __future__ import annotations

import pytest

from assistant.answer.sections import _ordinal

CITY_2026 = """测试市人民政府工作报告
——2026年1月20日在测试市第五届人民代表大会第三次会议上
各位代表：
现在，我代表市人民政府，向大会报告工作，请予审议。
一、2025年工作回顾
过去一年，全市地区生产总值增长6.1%。
（一）产业发展稳中有进。新建5G基站800个，规上工业增加值增长8%。
（二）城乡面貌持续改善。新增城市绿地120公顷。
（三）民生保障更加有力。城镇新增就业2.1万人。
二、2026年工作安排
今年是“十五五”开局之年。重点抓好以下4个方面工作：
（一）做大做强实体经济
推进12个重大工业项目建设，培育专精特新企业30家。
（二）持续扩大有效需求
实施消费提振行动，举办汽车、家电以旧换新活动。
（三）建设宜居宜业城市
新建城市公园5个，完成老旧小区改造40个。
（四）办好民生实事
新增养老床位1000张，新建普惠托育机构10所。
三、加强政府自身建设
（一）坚持依法行政。严格执行重大行政决策程序。
（二）提高行政效能。深化“一网通办”改革。
（三）严守廉洁底线。驰而不息纠治“四风”。
各位代表，让我们团结一心，奋力完成全年目标任务！
附件1
2026年市十件民生实事
一、新增养老床位1000张。
二、新建普惠托育机构10所。
附件2
名词解释
1.专精特新：
指具有专业化、精细化、特色化、新颖化特征的中小企业。
"""


@pytest.fixture
def city(fake_assistant):
    a, _ = fake_assistant
    report = a.ingest_texts([{"id": "city-2026", "text": CITY_2026}])
    assert not report.failed, report.failed
    return a


def test_an_ordinal_reads_any_way_of_writing_a_position():
    assert _ordinal("工作安排里排第二的重点任务是什么") == 2
    assert _ordinal("八个方面中的第八个是什么") == 8
    assert _ordinal("最后一项重点是什么") == -1


def test_the_nth_task_of_the_plan_is_its_nth_sub_heading_not_the_sentence_announcing_them(city):
    ans = city.ask("今年工作安排里排第二的重点任务是什么？")
    assert "持续扩大有效需求" in ans.text and "4个方面" not in ans.text
    assert ans.citations[0].quote.startswith("（二）持续扩大有效需求")


def test_an_ordinal_written_as_the_nth_one_of_n_aspects(city):
    ans = city.ask("2026年重点工作四个方面中的第四个是什么？")
    assert "办好民生实事" in ans.text


def test_the_sections_under_a_quoted_section_are_listed_each_cited(city):
    ans = city.ask("“加强政府自身建设”这一部分从哪几个方面展开？")
    for heading in ("坚持依法行政", "提高行政效能", "严守廉洁底线"):
        assert heading in ans.text
    assert [c.quote[:3] for c in ans.citations] == ["（一）", "（二）", "（三）"]
    assert all(c.section.startswith("三、加强政府自身建设") for c in ans.citations)


def test_the_number_of_plan_sections_is_counted_and_the_reports_own_count_cited(city):
    ans = city.ask("2026年工作安排一共分几个方面？")
    assert "4个方面" in ans.text and "办好民生实事" in ans.text
    assert "4个方面工作" in ans.citations[0].quote


def test_the_sections_of_the_review_are_listed_when_the_question_names_the_review(city):
    ans = city.ask("2025年工作回顾包括哪几个方面？")
    for heading in ("产业发展稳中有进", "城乡面貌持续改善", "民生保障更加有力"):
        assert heading in ans.text


def test_a_list_question_about_a_topic_is_not_answered_with_the_parts_sections(city):
    ans = city.ask("2026年养老工作包括哪些方面？")
    assert "做大做强实体经济" not in ans.text
    ans = city.ask("今年工作安排中有几项民生实事？")
    assert "做大做强实体经济" not in ans.text


def test_the_section_is_found_by_what_its_text_speaks_of(city):
    ans = city.ask("今年工作安排中，涵盖养老床位和托育机构的那一项叫什么？")
    assert "办好民生实事" in ans.text
    assert ans.citations[0].quote.startswith("（四）办好民生实事")


def test_the_part_a_quoted_passage_belongs_to_is_its_top_level_heading(city):
    ans = city.ask("“新建城市公园5个”这一段属于哪个部分？")
    assert ans.text.startswith("二、2026年工作安排")
    assert ans.citations[0].quote == "二、2026年工作安排"


def test_the_task_a_quoted_passage_belongs_to_is_its_sub_heading(city):
    ans = city.ask("“以旧换新”是今年工作安排中哪一项任务下的内容？")
    assert "持续扩大有效需求" in ans.text


def test_appendices_are_answered_by_their_titles_not_by_plan_sections(city):
    ans = city.ask("附件1和附件2分别是什么？")
    assert "2026年市十件民生实事" in ans.text and "名词解释" in ans.text
    assert [c.quote for c in ans.citations] == ["2026年市十件民生实事", "名词解释"]


def test_the_parts_of_the_report_are_counted_and_listed_without_the_appendices(city):
    ans = city.ask("测试市政府工作报告共分几个部分？")
    assert ans.text.startswith("共3个部分")
    assert "三、加强政府自身建设" in ans.text and "附件" not in ans.text


def test_the_nth_section_of_the_nth_part(city):
    ans = city.ask("测试市政府工作报告第三部分的第二项是什么？")
    assert "提高行政效能" in ans.text


def test_a_section_beyond_the_last_one_is_not_found(city):
    ans = city.ask("2026年工作安排的第六项重点是什么？")
    assert ans.abstained and "（四）" not in ans.text


def test_the_number_of_appendices_is_counted(city):
    ans = city.ask("报告有几个附件？")
    assert ans.text.startswith("共2个附件")


def test_an_appendix_the_report_does_not_have_is_not_found(city):
    ans = city.ask("附件3是什么？")
    assert ans.abstained


# A page that starts in the middle of a report: its parts' sections are unnumbered paragraphs
# that open with a short lead sentence.
DISTRICT_FRAGMENT = """测试区人民政府工作报告（2026年1月15日）
三、统筹城乡发展,不断促进城乡融合
着力提升城市品质。实施城市更新行动,改造老旧小区12个。
持续推进乡村振兴。健全防止返贫监测帮扶机制,新建高标准农田2万亩。
四、深入推进改革创新,不断增强发展动能
持续深化改革攻坚。推进国资国企改革,完成3户企业混改。
持续增强创新能力。新培育高新技术企业15家。
持续优化营商环境。全面推行“一窗综办”。
"""


@pytest.fixture
def district(fake_assistant):
    a, _ = fake_assistant
    report = a.ingest_texts([{"id": "district-2026", "text": DISTRICT_FRAGMENT}])
    assert not report.failed, report.failed
    return a


def test_a_part_numbered_from_three_is_found_by_its_own_numeral(district):
    ans = district.ask("测试区报告第四部分的标题是什么？")
    assert ans.text.startswith("四、深入推进改革创新")


def test_unnumbered_sections_are_the_lead_sentences_of_the_parts_paragraphs(district):
    ans = district.ask("测试区报告第四部分包括哪几个方面？")
    for lead in ("持续深化改革攻坚", "持续增强创新能力", "持续优化营商环境"):
        assert lead in ans.text
    assert [c.quote for c in ans.citations] == [
        "持续深化改革攻坚。",
        "持续增强创新能力。",
        "持续优化营商环境。",
    ]


def test_a_part_of_a_fragment_is_found_by_what_it_speaks_of(district):
    ans = district.ask("测试区报告中讲高新技术企业和营商环境的那一部分标题是什么？")
    assert ans.text.startswith("四、深入推进改革创新")
