"""Who delivered a report, on which date and at which meeting: read from its title block at
ingest, answered with the title-block line cited, and declined for a report without one."""

from __future__ import annotations

import pytest

from assistant.ingest.meta import detect_meta
from assistant.question import DELIVERED_AT, DELIVERED_BY, DELIVERED_ON, plan_question

PROVINCE = """2031年青川省政府工作报告
——2031年1月20日在青川省第十五届人民代表大会第三次会议上
青川省人民政府省长 林远舟
各位代表：
现在，我代表省人民政府，向大会报告工作，请予审议。
一、2030年工作回顾
全省地区生产总值增长5.2%。省长热线办结群众诉求12万件。
二、2031年工作安排
地区生产总值增长5%左右。
"""

# The office and the name on lines of their own, as some pages print them.
NATIONAL = """政府工作报告
——2032年3月5日在第十六届全国人民代表大会第二次会议上
国务院总理
周明川
各位代表：
现在，我代表国务院，向大会报告政府工作，请予审议。
一、2031年工作回顾
国内生产总值增长5.1%。
"""

# A dateline broken over two lines; a two-character name padded with a space.
REGION = """政府工作报告
——2031年1月26日在白水自治区第十四届
人民代表大会第五次会议上
自治区主席 石 岩
各位代表：
现在，我代表自治区人民政府，向大会报告工作，请予审议。
一、2030年工作回顾
全区地区生产总值增长5.0%。
"""

# No title block: the report starts at the salutation.
CITY = """各位代表：
我代表市人民政府，向大会报告工作，请予审议。
一、2030年工作回顾
全市地区生产总值增长6.0%。市长信箱办结来信3000件。
二、2031年工作安排
地区生产总值增长6%左右。
"""


def test_speaker_and_meeting_come_from_the_title_block():
    meta = detect_meta(PROVINCE)

    assert (meta.speaker_role, meta.speaker) == ("青川省人民政府省长", "林远舟")
    assert meta.meeting == "青川省第十五届人民代表大会第三次会议"
    assert meta.date == "2031-01-20"


def test_an_office_on_the_line_above_the_name_is_the_speakers():
    meta = detect_meta(NATIONAL)

    assert (meta.speaker_role, meta.speaker) == ("国务院总理", "周明川")
    assert meta.meeting == "第十六届全国人民代表大会第二次会议"


def test_a_dateline_broken_over_two_lines_and_a_padded_name_are_read_whole():
    meta = detect_meta(REGION)

    assert (meta.speaker_role, meta.speaker) == ("自治区主席", "石岩")
    assert meta.meeting == "白水自治区第十四届人民代表大会第五次会议"


def test_a_speaker_sharing_the_dateline_after_a_space_is_read():
    text = (
        "2031年青川省政府工作报告\n"
        "2031年1月20日在青川省第十五届人民代表大会第三次会议上 青川省省长 林远舟\n"
        "各位代表：\n现在报告工作。"
    )
    meta = detect_meta(text)

    assert (meta.speaker_role, meta.speaker) == ("青川省省长", "林远舟")
    assert meta.meeting == "青川省第十五届人民代表大会第三次会议"


def test_a_bare_name_between_the_dateline_and_the_salutation_is_the_speaker():
    text = (
        "政府工作报告\n1958年2月1日在第一届全国人民代表大会第五次会议上\n王明德\n各位代表：\n内容。"
    )

    meta = detect_meta(text)

    assert (meta.speaker_role, meta.speaker) == ("", "王明德")


def test_a_report_without_a_title_block_names_no_speaker_or_meeting():
    meta = detect_meta(CITY)

    assert (meta.speaker, meta.speaker_role, meta.meeting) == ("", "", "")


def test_names_after_the_salutation_or_a_list_of_names_are_not_the_speaker():
    after = "各位代表：\n省长 王五\n一、2030年工作回顾\n内容。"
    listed = "2031年青川省政府工作报告\n省长 王五 李四\n各位代表：\n内容。"

    assert detect_meta(after).speaker == ""
    assert detect_meta(listed).speaker == ""


@pytest.mark.parametrize(
    ("question", "asked"),
    [
        ("2031年青川省政府工作报告是谁作的？", DELIVERED_BY),
        ("青川省政府工作报告由谁代表省人民政府作？", DELIVERED_BY),
        ("作这份政府工作报告的市长叫什么名字？", DELIVERED_BY),
        ("青川省政府工作报告是哪天作的？", DELIVERED_ON),
        ("政府工作报告是什么时候作的？", DELIVERED_ON),
        ("青川省政府工作报告是在哪次会议上作的？", DELIVERED_AT),
        ("石门市市长叫什么名字？", ""),
        ("现任省长是谁？", ""),
        ("报告提到谁作出了重要贡献？", ""),
        ("报告中谁做了什么？", ""),
        ("报告要求贯彻哪次会议精神？", ""),
    ],
)
def test_the_plan_says_when_a_question_asks_about_the_reports_delivery(question, asked):
    assert plan_question(question, {}).delivery == asked


@pytest.fixture
def reports(fake_assistant):
    a, _ = fake_assistant
    report = a.ingest_texts(
        [
            {"id": "province", "text": PROVINCE},
            {"id": "national", "text": NATIONAL},
            {"id": "region", "text": REGION},
            {"id": "city", "text": CITY, "title": "石门市人民政府工作报告（2031）"},
        ]
    )
    assert not report.failed, report.failed
    return a


def test_documents_carry_who_delivered_them_and_where(reports):
    docs = {d.doc_id: d for d in reports.documents()}

    assert docs["province"].delivered_by == "青川省人民政府省长 林远舟"
    assert docs["province"].meeting == "青川省第十五届人民代表大会第三次会议"
    assert docs["national"].to_dict()["speaker"] == "周明川"
    assert (docs["city"].delivered_by, docs["city"].meeting) == ("", "")


def test_the_speaker_is_answered_with_the_title_block_line_cited(reports):
    ans = reports.ask("2031年青川省政府工作报告是谁作的？")

    assert not ans.abstained
    assert "林远舟" in ans.text and "省长" in ans.text
    assert [(c.doc_id, c.text) for c in ans.citations] == [
        ("province", "青川省人民政府省长 林远舟")
    ]


def test_the_premier_is_answered_from_the_national_report(reports):
    ans = reports.ask("2032年政府工作报告由谁作？")

    assert not ans.abstained and "国务院总理周明川" in ans.text
    assert {c.doc_id for c in ans.citations} == {"national"}
    assert "周明川" in "".join(c.text for c in ans.citations)


def test_the_date_is_answered_from_the_dateline(reports):
    ans = reports.ask("青川省政府工作报告是哪天作的？")

    assert not ans.abstained and "2031年1月20日" in ans.text
    assert ans.citations[0].text.startswith("——2031年1月20日在青川省")


def test_a_meeting_on_a_broken_dateline_cites_both_its_lines(reports):
    ans = reports.ask("白水自治区政府工作报告是在哪次会议上作的？")

    assert not ans.abstained
    assert "白水自治区第十四届人民代表大会第五次会议" in ans.text
    assert [c.paragraph for c in ans.citations] == [2, 3]


def test_a_report_without_a_title_block_is_declined(reports):
    for question in (
        "石门市政府工作报告是谁作的？",
        "石门市政府工作报告是哪天作的？",
        "作这份石门市政府工作报告的市长叫什么名字？",
    ):
        ans = reports.ask(question)
        assert ans.abstained, (question, ans.text)
        assert not ans.citations


def test_an_office_holder_the_report_does_not_name_is_declined(reports):
    assert reports.ask("石门市市长叫什么名字？").abstained
