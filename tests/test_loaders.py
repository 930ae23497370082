"""Loaders, cleaning and metadata detection, on fixtures built at test time and the real reports."""

from __future__ import annotations

import io

import pytest

from assistant.errors import LoadError, UnsupportedFormatError
from assistant.ingest.clean import clean_text
from assistant.ingest.loaders import (
    load_bytes,
    load_file,
    repair_pdf_lines,
    supported_extensions,
)
from assistant.ingest.meta import detect_meta, level_of

from .helpers import CITY, DISTRICT, encrypted_pdf, pdf_bytes

REVIEW = "一、2023年工作回顾"
PARA = "2023年，全市实现地区生产总值1800亿元左右，增长7.0%左右，经济运行稳中向好。"
# 𠀀 (U+20000) is in GB18030 but not in GBK.
RARE = "全市新建𠀀字号工业园区3个。"


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


# --- plain text ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [("utf-8", "utf-8"), ("gbk", "gb18030"), ("utf-8-sig", "utf-8"), ("utf-16", "utf-16")],
)
def test_txt_is_decoded_whatever_its_encoding(tmp_path, encoding, expected):
    path = tmp_path / "report.txt"
    path.write_bytes(f"各位代表：\n{REVIEW}\n{PARA}\n".encode(encoding))

    src = load_file(path)

    assert _lines(src.text) == ["各位代表：", REVIEW, PARA]
    assert src.format == "txt"
    assert src.encoding == expected
    assert not src.text.startswith("\ufeff")


def test_txt_in_gb18030_keeps_characters_outside_gbk(tmp_path):
    path = tmp_path / "report.txt"
    path.write_bytes(f"{REVIEW}\n{RARE}\n".encode("gb18030"))

    src = load_file(path)

    assert RARE in src.text
    assert src.encoding == "gb18030"


def test_txt_in_another_encoding_is_left_to_charset_detection():
    text = "各位代表，現在我代表市人民政府向大會報告工作。過去一年，全市經濟穩中向好，發展質量持續提升。"

    src = load_bytes(text.encode("big5"), "traditional.txt")

    assert src.text == text
    assert src.encoding == "big5"


def test_txt_crlf_line_endings_become_newlines(tmp_path):
    path = tmp_path / "report.txt"
    path.write_bytes(f"{REVIEW}\r\n{PARA}\r\n".encode())

    assert "\r" not in load_file(path).text


def test_binary_data_named_txt_is_rejected(tmp_path):
    path = tmp_path / "image.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)

    with pytest.raises(LoadError, match="binary"):
        load_file(path)


def test_control_characters_without_nul_are_rejected_as_binary():
    data = bytes(b % 32 for b in range(1, 2000) if b % 32 not in (0, 9, 10, 13))

    with pytest.raises(LoadError, match="binary"):
        load_bytes(data, "x.txt")


@pytest.mark.parametrize("content", [b"", b"  \n\r\n\t "])
def test_empty_file_is_rejected_as_empty(tmp_path, content):
    path = tmp_path / "empty.txt"
    path.write_bytes(content)

    with pytest.raises(LoadError, match="empty") as info:
        load_file(path)
    assert info.value.path == str(path)


def test_file_over_the_size_limit_is_rejected_as_too_large(tmp_path):
    path = tmp_path / "big.txt"
    path.write_bytes(PARA.encode() * 100)

    with pytest.raises(LoadError, match="too large"):
        load_file(path, max_bytes=1000)
    with pytest.raises(LoadError, match="too large"):
        load_bytes(path.read_bytes(), "big.txt", max_bytes=1000)


def test_missing_file_is_a_load_error(tmp_path):
    with pytest.raises(LoadError, match="not found"):
        load_file(tmp_path / "nope.txt")


@pytest.mark.parametrize("name", ["report.doc", "report.xlsx", "report", "scan.png"])
def test_unsupported_extension_names_the_supported_ones(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"whatever")

    with pytest.raises(UnsupportedFormatError) as info:
        load_file(path)
    for ext in supported_extensions():
        assert ext in info.value.reason


def test_extension_match_is_case_insensitive():
    src = load_bytes(PARA.encode(), "REPORT.TXT")

    assert src.text == PARA
    assert src.source == "REPORT.TXT"


# --- Markdown ------------------------------------------------------------------------------

MARKDOWN = f"""# 内江市人民政府工作报告

各位代表：

## {REVIEW}

2023年，全市实现地区生产总值**1800亿元**左右，
增长7.0%左右，经济运行稳中向好。

- 新增规上工业企业[100户](https://example.org)。
- 城镇新增就业3.2万人。

| 指标 | 数值 |
| --- | --- |
| 地区生产总值 | 1800亿元 |
"""


def test_markdown_is_stripped_to_one_paragraph_per_line():
    src = load_bytes(MARKDOWN.encode(), "report.md")

    assert _lines(src.text) == [
        "内江市人民政府工作报告",
        "各位代表：",
        REVIEW,
        PARA,
        "新增规上工业企业100户。",
        "城镇新增就业3.2万人。",
        "指标 数值",
        "地区生产总值 1800亿元",
    ]
    assert src.format == "md"


def test_markdown_extension_is_accepted(tmp_path):
    path = tmp_path / "report.markdown"
    path.write_text("# 标题\n\n正文。\n", encoding="utf-8")

    assert _lines(load_file(path).text) == ["标题", "正文。"]


# --- HTML ----------------------------------------------------------------------------------


def _html_page(charset: str) -> str:
    body = "".join(f"<p>{PARA}</p>" for _ in range(3))
    return f"""<!DOCTYPE html>
<html><head><meta charset="{charset}"><title>内江市政府工作报告_内江市人民政府</title></head>
<body>
<div class="nav"><a href="/">首页</a> &gt; <a href="/zw">政务公开</a> &gt; 报告</div>
<ul class="menu"><li><a href="/">网站首页</a></li><li><a href="/news">新闻中心</a></li></ul>
<article>
<h1>内江市人民政府工作报告</h1>
<p>各位代表：</p>
<h2>{REVIEW}</h2>
{body}
<p>{RARE}</p>
</article>
<footer><p>版权所有：内江市人民政府 蜀ICP备12345678号</p><p>网站地图 | 联系我们</p></footer>
</body></html>"""


@pytest.mark.parametrize("charset", ["utf-8", "gb18030"])
def test_html_keeps_the_article_and_drops_nav_and_footer(tmp_path, charset):
    path = tmp_path / "report.html"
    path.write_bytes(_html_page(charset).encode(charset))

    src = load_file(path)
    lines = _lines(src.text)

    assert REVIEW in lines
    assert PARA in lines
    assert RARE in lines
    assert not any("首页" in line or "ICP" in line or "版权" in line for line in lines)
    assert "政府工作报告" in src.title
    assert src.format == "html"


def test_html_declared_gbk_is_decoded_as_gb18030(tmp_path):
    path = tmp_path / "report.htm"
    path.write_bytes(_html_page("gbk").encode("gb18030"))

    src = load_file(path)

    assert RARE in src.text
    assert src.encoding == "gb18030"


def test_html_page_over_its_bound_is_refused_before_parsing():
    page = b"<html><body>" + b"<div><p>\xe6\x96\x87</p></div>" * 260_000 + b"</body></html>"
    with pytest.raises(
        LoadError, match=r"too large \(5\.5 MB; the limit for HTML files is 5\.0 MB\)"
    ):
        load_bytes(page, "huge.html")


def test_html_page_of_thousands_of_elements_skips_the_quadratic_fallback(monkeypatch):
    import trafilatura

    real = trafilatura.extract
    calls: list[bool] = []

    def recording(*args, **kwargs):
        calls.append(kwargs.get("fast", False))
        return real(*args, **kwargs)

    monkeypatch.setattr(trafilatura, "extract", recording)
    crowded = "<html><body>" + "<div><p>文</p></div>" * 12_000 + "</body></html>"
    assert load_bytes(crowded.encode(), "crowded.html").text.count("文") == 12_000
    report = f"<html><body><h1>标题</h1><p>{PARA}</p></body></html>"
    assert PARA in load_bytes(report.encode(), "report.html").text
    assert calls == [True, False]  # an ordinary page still gets every extractor


def test_tiny_html_page_keeps_its_text():
    src = load_bytes(b"<html><body><p>a</p><div>b</div></body></html>", "x.html")

    assert _lines(src.text) == ["a", "b"]


def test_html_falls_back_to_block_text_when_trafilatura_finds_nothing(monkeypatch):
    import trafilatura

    monkeypatch.setattr(trafilatura, "extract", lambda *args, **kwargs: None)
    html = "<html><body><nav>菜单</nav><h1>标题</h1><p>第一段<b>加粗</b>。</p><div>第二段。</div>"
    html += "<script>var x = 1;</script><footer>版权</footer></body></html>"

    src = load_bytes(html.encode(), "x.html")

    assert _lines(src.text) == ["标题", "第一段加粗。", "第二段。"]


# --- DOCX ----------------------------------------------------------------------------------


def test_docx_gives_paragraphs_in_order_then_table_cells_and_title(tmp_path):
    docx = pytest.importorskip("docx")
    document = docx.Document()
    document.core_properties.title = "内江市政府工作报告"
    document.add_heading("内江市人民政府工作报告", level=1)
    document.add_paragraph("各位代表：")
    document.add_paragraph(REVIEW)
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "指标"
    table.cell(0, 1).text = "数值"
    table.cell(1, 0).text = "地区生产总值"
    table.cell(1, 1).text = "1800亿元"
    document.add_paragraph(PARA)
    path = tmp_path / "report.docx"
    document.save(path)

    src = load_file(path)

    assert _lines(src.text) == [
        "内江市人民政府工作报告",
        "各位代表：",
        REVIEW,
        "指标",
        "数值",
        "地区生产总值",
        "1800亿元",
        PARA,
    ]
    assert src.title == "内江市政府工作报告"
    assert src.format == "docx"


def test_damaged_docx_is_a_load_error():
    with pytest.raises(LoadError, match="docx"):
        load_bytes(b"PK\x03\x04 this is not a real package" * 10, "report.docx")
    with pytest.raises(LoadError, match=r"not a \.docx"):
        load_bytes(b"\xd0\xcf\x11\xe0 an old word file" * 10, "report.docx")


def _docx_bytes(text: str = PARA) -> bytes:
    docx = pytest.importorskip("docx")
    document = docx.Document()
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _repack(data: bytes, parts: dict[str, bytes], level: int = 9) -> bytes:
    """The package `data` with `parts` added or replaced."""
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            if item.filename not in parts:
                dst.writestr(item, src.read(item.filename), zipfile.ZIP_DEFLATED)
        for name, body in parts.items():
            dst.writestr(name, body, zipfile.ZIP_DEFLATED, compresslevel=level)
    return out.getvalue()


def _bomb_document(size: int) -> bytes:
    """A document.xml that is mostly blank space between elements: valid, and tiny packed."""
    with zipfile_open(_docx_bytes()) as package:
        xml = package.read("word/document.xml")
    head, sep, tail = xml.partition(b"<w:body>")
    return head + sep + b" " * size + tail


def zipfile_open(data: bytes):
    import zipfile

    return zipfile.ZipFile(io.BytesIO(data))


@pytest.mark.parametrize(
    ("parts", "reason"),
    [
        # 15 MB of XML in 15 KB: a zip bomb, whatever the total.
        (lambda: {"word/document.xml": _bomb_document(15_000_000)}, r"compressed \d+ to 1.*bomb"),
        # Parts in their thousands: no Word document has them.
        (lambda: {f"word/media/p{i}.bin": b"x" for i in range(1_200)}, r"1\d{3} parts"),
    ],
    ids=["ratio", "members"],
)
def test_docx_that_would_unpack_to_too_much_is_refused_before_unpacking(parts, reason):
    data = _repack(_docx_bytes(), parts())
    assert len(data) < 200_000

    with pytest.raises(LoadError, match=reason) as info:
        load_bytes(data, "bomb.docx")
    assert "\n" not in str(info.value)


def test_docx_whose_parts_add_up_to_too_much_is_refused(monkeypatch):
    import os

    from assistant.ingest import loaders

    monkeypatch.setattr(loaders, "MAX_DOCX_UNPACKED", 1_000_000)
    data = _repack(_docx_bytes(), {"word/media/photo.bin": os.urandom(1_500_000)})
    with pytest.raises(LoadError, match=r"unpacks to \d\.\d MB \(the limit is 1\.0 MB\)"):
        load_bytes(data, "big.docx")
    assert "1800亿元" in load_bytes(_docx_bytes(), "small.docx").text

    # XML is parsed into trees many times its size: it has a bound of its own.
    monkeypatch.setattr(loaders, "MAX_DOCX_UNPACKED", 100_000_000)
    monkeypatch.setattr(loaders, "MAX_DOCX_XML", 100_000)
    long_report = _docx_bytes("\n".join([PARA] * 2_000))
    with pytest.raises(LoadError, match=r"its XML unpacks to \d+\.\d MB \(the limit is 0\.1 MB\)"):
        load_bytes(long_report, "long.docx")


# --- PDF -----------------------------------------------------------------------------------


def _wrap(text: str, width: int = 20) -> list[str]:
    return [text[i : i + width] for i in range(0, len(text), width)]


def test_pdf_joins_lines_broken_by_layout_across_pages(tmp_path):
    second = "坚持稳中求进工作总基调，完整准确全面贯彻新发展理念，推动经济实现质的有效提升和量的合理增长。"
    pages = [
        [
            "内江市人民政府工作报告",
            "各位代表：",
            REVIEW,
            *_wrap(PARA),
            "（一）强化项目引领",
            "— 1 —",
        ],
        [*_wrap(second), "二、2024年工作安排"],
    ]
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf_bytes(pages, title="内江市政府工作报告"))

    src = load_file(path)

    assert _lines(src.text) == [
        "内江市人民政府工作报告",
        "各位代表：",
        REVIEW,
        PARA,
        "（一）强化项目引领",
        second,
        "二、2024年工作安排",
    ]
    assert src.title == "内江市政府工作报告"
    assert src.format == "pdf"


def test_pdf_ascii_text_is_extracted():
    data = pdf_bytes([["Government Work Report", "The economy grew by 6 percent."]])

    assert _lines(load_bytes(data, "r.pdf").text) == [
        "Government Work Report",
        "The economy grew by 6 percent.",
    ]


def test_pdf_line_repair_does_not_join_headings_or_finished_sentences():
    page = "\n".join([REVIEW, *_wrap(PARA), "（一）坚持稳中求进", *_wrap(PARA)])

    assert repair_pdf_lines([page]) == [REVIEW, PARA, "（一）坚持稳中求进", PARA]


def test_encrypted_pdf_is_rejected_as_encrypted():
    with pytest.raises(LoadError, match="encrypted PDF"):
        load_bytes(encrypted_pdf("secret", [[PARA]]), "locked.pdf")


def test_pdf_encrypted_with_empty_user_password_is_opened():
    assert _lines(load_bytes(encrypted_pdf("", [[PARA]]), "restricted.pdf").text) == [PARA]


def test_truncated_pdf_is_rejected_with_a_reason():
    data = pdf_bytes([[PARA]])

    with pytest.raises(LoadError, match="truncated or damaged PDF"):
        load_bytes(data[: len(data) // 2], "cut.pdf")


def test_damaged_pdf_body_is_a_load_error_not_a_traceback():
    data = b"%PDF-1.4\n" + b"garbage " * 200 + b"\n%%EOF\n"

    with pytest.raises(LoadError):
        load_bytes(data, "broken.pdf")


def test_pdf_without_text_layer_is_reported_as_scanned():
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)

    with pytest.raises(LoadError, match=r"no text layer \(scanned PDF\?\)"):
        load_bytes(buffer.getvalue(), "scan.pdf")


def test_non_pdf_bytes_named_pdf_are_rejected():
    with pytest.raises(LoadError, match="not a PDF"):
        load_bytes(PARA.encode(), "report.pdf")


def _pdf_with_content(content: bytes, pages: int = 1) -> bytes:
    """A PDF whose pages all draw `content` (Flate-compressed, as PDF writers store it)."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, NameObject

    writer = PdfWriter()
    for _ in range(pages):
        page = writer.add_blank_page(width=595, height=842)
        stream = DecodedStreamObject()
        stream.set_data(content)
        page[NameObject("/Contents")] = writer._add_object(stream.flate_encode())
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_pdf_page_that_unpacks_to_too_much_is_refused_before_its_text_is_read():
    data = _pdf_with_content(b"BT ET " + b" " * 30_000_000)
    assert len(data) < 100_000

    with pytest.raises(LoadError, match=r"page 1 unpacks to 30\.0 MB \(the limit is 5\.0 MB"):
        load_bytes(data, "bomb.pdf")


def test_pdf_with_too_many_pages_or_too_much_content_is_refused(monkeypatch):
    from assistant.ingest import loaders

    data = _pdf_with_content(b"BT ET " + b" " * 600_000, pages=3)
    monkeypatch.setattr(loaders, "MAX_PDF_CONTENT", 1_000_000)
    with pytest.raises(LoadError, match=r"pages unpack to over 1\.0 MB"):
        load_bytes(data, "many.pdf")
    monkeypatch.setattr(loaders, "MAX_PDF_PAGES", 2)
    with pytest.raises(LoadError, match=r"too many pages \(3; the limit is 2\)"):
        load_bytes(data, "many.pdf")


# --- clean_text ----------------------------------------------------------------------------


def test_clean_text_strips_lines_and_drops_empty_ones():
    raw = f"\ufeff\u3000\u3000{REVIEW}\r\n\r\n\xa0 {PARA}\u3000\r\n\n"

    assert clean_text(raw) == f"{REVIEW}\n{PARA}"


def test_district_report_loses_nav_and_footer_but_keeps_title_and_body():
    raw = DISTRICT.read_text(encoding="utf-8")
    lines = clean_text(raw).split("\n")

    assert lines[0] == "(四川省)内江市市中区人民政府工作报告(2024年1月18日)"
    assert lines[1].startswith("全域开展开放合作")
    assert lines[-1].startswith("大力发展文教事业")
    assert "本文地址" not in clean_text(raw)
    assert not any(
        line.startswith(("导航菜单", "本文仅代表", "留言与评论", "验证码")) for line in lines
    )
    raw_lines = [line.strip() for line in raw.splitlines() if line.strip()]
    # Exactly the nav line and the four footer lines go.
    assert lines == raw_lines[1:-4]


def test_city_report_comes_through_unchanged():
    raw = CITY.read_text(encoding="utf-8")
    raw_lines = [line.strip() for line in raw.splitlines() if line.strip()]

    assert clean_text(raw).split("\n") == raw_lines
    assert len(raw_lines) == 76


@pytest.mark.parametrize("path", [DISTRICT, CITY])
def test_clean_text_is_idempotent_on_real_reports(path):
    once = clean_text(path.read_text(encoding="utf-8"))

    assert clean_text(once) == once


WEB_COPY = f"""首页 > 政务公开 > 政府工作报告
当前位置：网站首页 » 报告
2024-01-20 10:30
来源：内江日报  浏览次数：1234
内江市人民政府工作报告
——2024年1月18日在内江市第八届人民代表大会第四次会议上
各位代表：
{PARA}
要加强网络评论引导，未经批准不得转载涉密文件的做法要坚持。
{PARA}
责任编辑：张三
分享到：微信 微博
上一篇：内江市2023年统计公报
下一篇：隆昌市政府工作报告
版权所有 © 内江市人民政府  蜀ICP备12345678号
https://www.neijiang.gov.cn/zwgk/2024/report.html
"""


def test_clean_text_removes_generic_site_chrome_from_head_and_tail():
    lines = clean_text(WEB_COPY).split("\n")

    assert lines == [
        "内江市人民政府工作报告",
        "——2024年1月18日在内江市第八届人民代表大会第四次会议上",
        "各位代表：",
        PARA,
        "要加强网络评论引导，未经批准不得转载涉密文件的做法要坚持。",
        PARA,
    ]


def test_clean_text_never_drops_chrome_words_inside_the_body():
    body = [PARA, "发表评论的平台要加强管理，分享到基层的经验要总结。", "来源：统计局", PARA]

    assert clean_text("\n".join(body)).split("\n") == body


def test_clean_text_is_idempotent_on_a_web_copy():
    once = clean_text(WEB_COPY)

    assert clean_text(once) == once


# Excerpts of real pages: a provincial report as a government site prints it (toolbar,
# byline, photo credit, share bar), and a wiki export (blank lines between paragraphs,
# lines broken at every link, a licence footer).
SCRAPED_PAGE = """当前位置：
首页
>
政务信息
>
要闻
2026年宁夏回族自治区政府工作报告
发表时间：
2026-02-09 09:45:30
来源：
宁夏日报客户端
阅读量：
【字体：
小
中
大
】
政府工作报告
——2026年2月3日在宁夏回族自治区第十三届人民代表大会第四次会议上
自治区人民政府主席 张雨浦
2月3日，宁夏回族自治区第十三届人民代表大会第四次会议在银川开幕。自治区人民政府主席张雨浦作政府工作报告。 宁夏日报记者 王鼎 摄
各位代表：
现在，我代表自治区人民政府，向大会报告工作，请予审议，并请自治区政协委员提出意见。
一、2025年工作总结和“十四五”发展成就
过去一年，全区上下全面贯彻习近平新时代中国特色社会主义思想，经济社会发展取得新成效。
下载
打印
全屏
收藏
【字号：
加大
还原
减小
】
全区地区生产总值增长5.5%左右，一般公共预算收入增长3.1%。
（来源：宁夏日报）
编辑：张三
各位代表！让我们更加紧密地团结在以习近平同志为核心的党中央周围，为建设美丽新宁夏而团结奋斗！
扫一扫在手机打开当前页
【
打印本页
】
【
关闭窗口
】
"""
SCRAPED_BODY = [
    "2026年宁夏回族自治区政府工作报告",  # the page's headline: the report's title
    "政府工作报告",
    "——2026年2月3日在宁夏回族自治区第十三届人民代表大会第四次会议上",
    "自治区人民政府主席 张雨浦",
    "各位代表：",
    "现在，我代表自治区人民政府，向大会报告工作，请予审议，并请自治区政协委员提出意见。",
    "一、2025年工作总结和“十四五”发展成就",
    "过去一年，全区上下全面贯彻习近平新时代中国特色社会主义思想，经济社会发展取得新成效。",
    "全区地区生产总值增长5.5%左右，一般公共预算收入增长3.1%。",
    "各位代表！让我们更加紧密地团结在以习近平同志为核心的党中央周围，为建设美丽新宁夏而团结奋斗！",
]

WIKI_EXPORT = """\u200b


政府工作报
告


——2017年3月5日在第十二届全国人民代表大会第五次会议上


各位代表：


一、2016年工作回顾


过去一年，我国发展面临国内外诸多矛盾叠加的严峻挑战。
党的十八届六中全会
正式明确
习近平
总书记的核心地位。

——经济运行缓中趋稳、稳中向好。国内生产总值达到74.4
\u200b
万亿元，增长6.7%。

——就业增长超出预期。全年城镇新增就业1314万人。


本作品是中华人民共和国的
法律
、
法规
，国家机关的决议、决定、命令和其他具有立法、行政、司法性质的文件，及其官方正式译文。根据《
中华人民共和国著作权法
》第五条第一项，本作品不适用于该法，在
中国大陆
，也可能在其他管辖区，属于
公有领域
。


注：中文维基文库社群认为，中华人民共和国公务演讲，
不总是
具有立法、行政、司法性质的文件。


Public domain
Public domain
false
false
"""


def test_scraped_page_loses_chrome_anywhere_and_keeps_every_report_line():
    assert clean_text(SCRAPED_PAGE).split("\n") == SCRAPED_BODY


def test_font_size_bar_split_over_lines_goes_but_a_data_source_line_stays():
    body = ["一、2025年工作回顾", PARA, "【字号：", "加大", "还原", "减小", "】", PARA]
    lines = clean_text("\n".join(body)).split("\n")
    assert lines == ["一、2025年工作回顾", PARA, PARA]

    kept = [PARA, "来源：统计局", PARA]
    assert clean_text("\n".join(kept)).split("\n") == kept


def test_title_printed_twice_and_repeated_at_the_end_of_the_page_is_kept_once():
    title, dateline = (
        "陕西省2026年政府工作报告",
        "2026年1月27日在陕西省第十四届人民代表大会第四次会议上",
    )
    page = [title, dateline, "首页", ">", "政府工作报告", title, dateline, "时间：", "2026-02-02 09:20",
            "各位代表：", PARA, PARA, title]  # fmt: skip
    assert clean_text("\n".join(page)).split("\n") == [title, dateline, "各位代表：", PARA, PARA]


def test_photo_captions_and_credits_in_the_title_block_go():
    page = [
        "2026年甘肃省政府工作报告",
        "甘肃省省长 任振鹤",
        "任振鹤作政府工作报告。新甘肃·甘肃日报记者 盛学卿",
        "张工作政府工作报告。",
        "各位代表：",
        "现在，我代表省人民政府，向大会作政府工作报告，请予审议，并请省政协委员提出意见。",
        "要依法保障新闻记者的采访权益。",
    ]
    assert clean_text("\n".join(page)).split("\n") == page[:2] + page[4:]


def test_related_reports_list_goes_with_its_label():
    page = [
        PARA,
        "各位代表！让我们团结奋斗！",
        "相关报道：",
        "省政府召开常务会议",
        "全省经济运行情况",
    ]
    assert clean_text("\n".join(page)).split("\n") == page[:2]


def test_wiki_export_joins_lines_broken_at_links_and_drops_the_licence_footer():
    lines = clean_text(WIKI_EXPORT).split("\n")

    assert lines == [
        "政府工作报告",
        "——2017年3月5日在第十二届全国人民代表大会第五次会议上",
        "各位代表：",
        "一、2016年工作回顾",
        "过去一年，我国发展面临国内外诸多矛盾叠加的严峻挑战。党的十八届六中全会正式明确习近平"
        "总书记的核心地位。",
        "——经济运行缓中趋稳、稳中向好。国内生产总值达到74.4万亿元，增长6.7%。",
        "——就业增长超出预期。全年城镇新增就业1314万人。",
    ]


def test_a_one_paragraph_a_line_text_is_never_joined():
    text = "一、2023年工作回顾\n2023年，全市经济\n运行稳中向好\n\n二、2024年工作安排\n确保增长6%。"
    assert clean_text(text).split("\n") == [line for line in text.split("\n") if line]


@pytest.mark.parametrize("text", [SCRAPED_PAGE, WIKI_EXPORT])
def test_cleaning_a_page_twice_changes_nothing(text):
    once = clean_text(text)
    assert clean_text(once) == once


# --- detect_meta ---------------------------------------------------------------------------


def test_meta_of_district_report_comes_from_its_title_line():
    meta = detect_meta(clean_text(DISTRICT.read_text(encoding="utf-8")))

    assert meta.title == "内江市市中区人民政府工作报告"
    assert meta.region == "内江市市中区"
    assert meta.level == "区县"
    assert meta.year == 2024
    assert meta.date == "2024-01-18"


def test_meta_of_city_report_without_title_comes_from_the_text():
    text = clean_text(CITY.read_text(encoding="utf-8"))

    meta = detect_meta(text, filename="neijiang-2024.txt")

    assert meta.region == "内江市"
    assert meta.level == "市"
    assert meta.year == 2024
    assert meta.date == ""
    assert meta.title == "内江市人民政府工作报告（2024）"


def test_meta_year_of_untitled_report_comes_from_its_review_heading():
    assert detect_meta(clean_text(CITY.read_text(encoding="utf-8"))).year == 2024
    assert detect_meta(f"各位代表：\n{REVIEW}\n{PARA}").year == 2024
    assert detect_meta("各位代表：\n二、2025年工作安排\n内容。").year == 2025


def test_meta_from_title_block_with_dateline_and_congress():
    text = "政府工作报告\n——2024年1月18日在内江市第八届人民代表大会第四次会议上\n各位代表："

    meta = detect_meta(text)

    assert (meta.region, meta.level, meta.year, meta.date) == ("内江市", "市", 2024, "2024-01-18")
    assert meta.title == "内江市人民政府工作报告（2024）"


def test_meta_from_title_hint_when_text_has_no_title():
    meta = detect_meta(
        "各位代表：\n现在报告工作。", title_hint="2024年四川省政府工作报告_四川省人民政府"
    )

    assert (meta.title, meta.region, meta.level, meta.year) == (
        "2024年四川省政府工作报告",
        "四川省",
        "省",
        2024,
    )


def test_meta_year_falls_back_to_the_filename():
    assert detect_meta("各位代表：\n现在报告工作。", filename="neijiang-2023.txt").year == 2023


def test_meta_stays_empty_when_nothing_supports_it():
    meta = detect_meta("各位代表：\n现在报告工作。")

    assert (meta.title, meta.region, meta.level, meta.year, meta.date) == ("", "", "", None, "")


@pytest.mark.parametrize(
    ("region", "level"),
    [
        ("四川省", "省"),
        ("广西壮族自治区", "省"),
        ("内江市", "市"),
        ("杭州市", "市"),
        ("凉山彝族自治州", "市"),
        ("内江市市中区", "区县"),
        ("威远县", "区县"),
        ("内江市隆昌市", "区县"),
        ("", ""),
    ],
)
def test_level_follows_the_last_administrative_unit(region, level):
    assert level_of(region) == level
