"""The extension points: file formats, embedders and answerers are each registered in one
place, and everything that lists them (ingest, the upload form, the README) reads that place."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.ingest.loaders import (
    decode_text,
    formats,
    register_format,
    supported_extensions,
    unregister_format,
)
from assistant.ui import ChatApp, safe_upload_name

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"

RST_REPORT = """测试县人民政府工作报告
======================

一、2024年工作回顾
------------------

2024年，全县实现地区生产总值88.8亿元，增长5.2%。

二、2025年工作安排
------------------

2025年全县新增城镇就业3000人以上。
"""


def _readme_section(title: str) -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end >= 0 else len(text)]


def _table_rows(section: str) -> list[list[str]]:
    """The body rows of the first Markdown table in `section`, cells stripped."""
    lines = [line for line in section.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines[2:]]


# -- file formats ----------------------------------------------------------------------------


def _read_rst(data: bytes, source: str) -> tuple[str, str, str]:
    """A toy reStructuredText reader: section underlines dropped, the first title kept."""
    text, encoding = decode_text(data, source)
    lines = [line for line in text.splitlines() if not re.fullmatch(r"\s*[=\-~^]{3,}\s*", line)]
    title = next((line.strip() for line in lines if line.strip()), "")
    return "\n".join(lines), title, encoding


@pytest.fixture
def rst_format() -> Iterator[None]:
    register_format("rst", [".rst"], _read_rst, description="reStructuredText", label="reST")
    yield
    unregister_format("rst")


def test_readme_formats_table_lists_the_registered_formats():
    expected = [
        [", ".join(f"`{e}`" for e in f.extensions), f.label, f.description] for f in formats()
    ]
    table = "\n".join(f"| {' | '.join(row)} |" for row in expected)
    assert _table_rows(_readme_section("File formats")) == expected, (
        f"README's File formats table is out of date; its rows should read:\n{table}"
    )


def test_markdown_with_either_extension_is_read_by_ingest_and_the_upload_form():
    assert {".md", ".markdown"} <= set(supported_extensions())
    assert safe_upload_name("报告.MARKDOWN") == "报告.markdown"


def test_a_registered_format_is_ingested_and_accepted_by_the_upload_form(
    fake_assistant, rst_format, tmp_path
):
    a, _ = fake_assistant
    report = tmp_path / "测试县政府工作报告2025.rst"
    report.write_text(RST_REPORT, encoding="utf-8")

    result = a.ingest([report])

    assert result.added == (report.name,) and not result.failed
    doc = {d.doc_id: d for d in a.documents()}[report.name]
    assert doc.title == "测试县人民政府工作报告"
    assert "88.8亿元" in a.ask("2024年全县地区生产总值是多少？").text

    app = ChatApp(a)
    config = app.build().get_config_file()
    button = next(c for c in config["components"] if c["props"].get("elem_id") == "upload")
    assert ".rst" in button["props"]["file_types"]
    hint = next(c for c in config["components"] if "upload-hint" in str(c["props"].get("value")))
    assert "reST" in hint["props"]["value"]
    other = tmp_path / "upload" / "测试县政府工作报告2024.rst"
    other.parent.mkdir()
    other.write_text(RST_REPORT.replace("2025年全县", "2025年全县工业"), encoding="utf-8")
    _, shown, *_ = app.upload([str(other)])
    assert f"已添加：{other.name}" in shown


def test_a_format_unregistered_is_refused_by_ingest_and_the_upload_form(fake_assistant, tmp_path):
    a, _ = fake_assistant
    register_format("rst", [".rst"], _read_rst, description="reStructuredText")
    unregister_format("rst")
    report = tmp_path / "报告.rst"
    report.write_text(RST_REPORT, encoding="utf-8")

    result = a.ingest([report])

    assert not result.added and "unsupported format '.rst'" in result.failed[0][1]
    assert ".rst" not in supported_extensions()


def test_an_extension_another_format_reads_cannot_be_registered_again():
    with pytest.raises(ValueError, match=r"\.md is already read as 'md'"):
        register_format("notes", [".md"], _read_rst, description="Notes")
    assert [f.name for f in formats() if ".md" in f.extensions] == ["md"]
