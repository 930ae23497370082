"""Report identity at ingest: region, level, year, date and title, from excerpts of real reports."""

from __future__ import annotations

from assistant.ingest.clean import clean_text
from assistant.ingest.meta import detect_meta, level_of
from assistant.ingest.structure import parse_report

NATIONAL_TITLED = """政府工作报告
——2023年3月5日在第十四届全国人民代表大会第一次会议上
国务院总理　李克强
各位代表：
本届政府任期即将结束。现在，我代表国务院，向大会报告工作，请予审议，并请全国政协委员提出意见。
一、过去一年和五年工作回顾
2022年是党和国家历史上极为重要的一年。"""

NATIONAL_UNTITLED = """各位代表：
现在，我代表国务院，向大会报告政府工作，请予审议，并请全国政协委员提出意见。
一、2018年工作回顾
过去一年是全面贯彻党的十九大精神开局之年，是本届政府依法履职第一年。
二、2019年经济社会发展总体要求和政策取向
今年发展主要预期目标是：国内生产总值增长6%－6.5%。"""


def test_national_report_is_the_whole_country_at_state_level():
    meta = detect_meta(NATIONAL_TITLED)

    assert (meta.region, meta.level, meta.year, meta.date) == ("全国", "国家", 2023, "2023-03-05")
    assert meta.title == "2023年国务院政府工作报告"


def test_untitled_national_report_gets_region_from_its_opening_and_year_from_headings():
    meta = detect_meta(NATIONAL_UNTITLED)

    assert (meta.region, meta.level, meta.year, meta.date) == ("全国", "国家", 2019, "")
    assert meta.title == "2019年国务院政府工作报告"


def test_national_title_from_the_page_is_kept():
    meta = detect_meta(
        "各位代表：\n现在报告工作。", title_hint="2019年国务院政府工作报告_中国政府网"
    )

    assert (meta.title, meta.region, meta.level, meta.year) == (
        "2019年国务院政府工作报告",
        "全国",
        "国家",
        2019,
    )


def test_national_report_in_traditional_characters_is_recognised():
    text = "各位代表：\n我們第一届全國人民代表大會第一次會議，已經光榮地完成了一件歷史任務。"

    assert detect_meta(text).region == "全国"


def test_chinese_numeral_dateline_gives_the_date():
    text = """2026年甘肃省政府工作报告
——二〇二六年一月二十七日在甘肃省十四届人民代表大会第四次会议上
甘肃省省长 任振鹤
各位代表："""

    meta = detect_meta(text)

    assert (meta.region, meta.level, meta.year, meta.date) == ("甘肃省", "省", 2026, "2026-01-27")
    assert meta.title == "2026年甘肃省政府工作报告"


def test_dateline_broken_over_two_lines_still_names_the_province():
    text = """政府工作报告
——2026年1月26日在广东省第十四届
人民代表大会第五次会议上
广东省省长 孟凡利
各位代表："""

    meta = detect_meta(text)

    assert (meta.region, meta.level, meta.year, meta.date) == ("广东省", "省", 2026, "2026-01-26")
    assert meta.title == "广东省人民政府工作报告（2026）"


def test_report_from_greeting_on_names_its_region_in_the_opening_line():
    text = """各位代表：
现在，我代表海南省人民政府，向大会报告工作，请予审议。
一、2025年和“十四五”时期工作回顾
刚刚过去的2025年，是“十四五”收官之年。"""

    meta = detect_meta(text)

    assert (meta.region, meta.level, meta.year) == ("海南省", "省", 2026)


def test_year_of_an_untitled_report_comes_from_an_unnumbered_five_year_review():
    text = """各位代表：
我代表省人民政府，向大会报告工作。
“十四五”时期工作回顾
“十四五”时期是发展极不寻常、极不平凡的五年。"""

    assert detect_meta(text).year == 2026


def test_year_comes_from_full_width_headings_and_from_the_body():
    assert detect_meta("各位代表：\n一、１９９４年国内工作的回顾\n内容。").year == 1995
    assert detect_meta("各位代表：\n二、2005年工作总体部署\n内容。").year == 2005
    body = "各位代表：\n刚刚过去的1984年，是我国各族人民取得伟大成就的一年。"
    assert detect_meta(body).year == 1985
    term = "各位代表：\n本届政府从1 9 9 3 年3 月就职，到现在已经五年了，任期即将结束。"
    assert detect_meta(term).year == 1998


def test_a_body_sentence_opening_with_a_date_is_not_a_dateline():
    text = "各位代表！\n现在，我代表国务院，向第五届全国人民代表大会作政府工作报告。\n1976年1月，敬爱的周总理不幸逝世。"

    meta = detect_meta(text)

    assert (meta.region, meta.date, meta.year) == ("全国", "", None)
    assert meta.title == "国务院政府工作报告"


def test_a_sentence_naming_the_report_is_not_its_title():
    text = "各位代表：\n我现在根据国务院的决定，向第二届全国人民代表大会第一次会议作政府工作报告。"

    meta = detect_meta(text, filename="report-1959.txt")

    assert (meta.title, meta.region, meta.year) == ("1959年国务院政府工作报告", "全国", 1959)


def test_level_of_the_national_region():
    assert level_of("全国") == "国家"


def test_scraped_page_identity_after_cleaning():
    page = """下载
打印
【字号：
加大
还原
减小
】
2026年安徽省政府工作报告
——2026年2月5日在安徽省第十四届人民代表大会第四次会议上
来源：安徽日报
时间：2026-02-11
省人民政府省长 王清宪
各位代表：
现在，我代表省人民政府，向大会报告政府工作，请予审议，并请省政协委员提出意见。
一、2025年工作和“十四五”发展回顾
过去一年，是安徽牢记嘱托、感恩奋进、奋力往前赶的重要一年。
二、“十五五”时期主要目标和重大任务
“十五五”时期是安徽夯实基础、全面发力的关键时期。
三、2026年重点工作
今年经济社会发展主要预期目标是：全省生产总值增长5%以上。"""
    text = clean_text(page)

    report = parse_report(text, "anhui", detect_meta(text))

    m = report.meta
    assert (m.title, m.region, m.level, m.year, m.date) == (
        "2026年安徽省政府工作报告",
        "安徽省",
        "省",
        2026,
        "2026-02-05",
    )
    assert m.review_years == (2021, 2022, 2023, 2024, 2025)
    assert m.plan_years == (2026, 2027, 2028, 2029, 2030)
