"""The extension points: file formats, embedders and answerers are each registered in one
place, and everything that lists them (ingest, the upload form, the README) reads that place."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant import Assistant
from assistant.answer.base import AnswerContext, Extracted
from assistant.answer.delivery import DeliveryAnswerer
from assistant.answer.extractive import ExtractiveAnswerer
from assistant.answer.figures import FigureAnswerer
from assistant.answer.lists import ListAnswerer
from assistant.answer.registry import AnswererEntry, default_answerers
from assistant.answer.sections import SectionAnswerer
from assistant.answer.tracking import TrackAnswerer
from assistant.cite import citation
from assistant.config import EMBEDDING_BACKENDS, Settings
from assistant.embeddings import (
    E5_CALIBRATION,
    UNCALIBRATED,
    CachedEmbeddings,
    Calibration,
    build_embedder,
    calibration_of,
    embedder,
    embedders,
    register_embedder,
    unregister_embedder,
)
from assistant.errors import ConfigError
from assistant.ingest.formats import (
    formats,
    register_format,
    supported_extensions,
    unregister_format,
)
from assistant.ingest.loaders import decode_text
from assistant.question import QuestionPlan, plan_question
from assistant.types import Hit, Paragraph
from assistant.ui import ChatApp, safe_upload_name

from .fakes import HashEmbeddings

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
    """A `### title` section of the README, up to the next heading."""
    text = README.read_text(encoding="utf-8")
    start = text.index(f"\n### {title}\n")
    end = text.find("\n#", start + 1)
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


# -- embedders -------------------------------------------------------------------------------


def test_readme_embedders_table_lists_the_registered_embedders():
    expected = [
        [
            f"`{e.name}`",
            e.description,
            *(str(v) for v in (e.calibration.centre, e.calibration.scale, e.calibration.close)),
        ]
        for e in embedders()
    ]
    table = "\n".join(f"| {' | '.join(row)} |" for row in expected)
    assert _table_rows(_readme_section("Embedders")) == expected, (
        f"README's Embedders table is out of date; its rows should read:\n{table}"
    )


def test_settings_accept_every_registered_embedder_name():
    assert [e.name for e in embedders()] == list(EMBEDDING_BACKENDS)


def test_the_local_embedder_carries_the_e5_calibration(tmp_path):
    built = build_embedder(Settings.from_env({}, cache_dir=tmp_path))
    assert calibration_of(built) == E5_CALIBRATION == embedder("local").calibration


def test_an_embedder_without_a_calibration_gets_the_default():
    assert calibration_of(HashEmbeddings()) == UNCALIBRATED
    assert calibration_of(CachedEmbeddings(HashEmbeddings(), None)) == UNCALIBRATED


def test_an_unknown_embedder_name_is_a_config_error_naming_the_registered_ones():
    with pytest.raises(ConfigError, match="one of local, openai, not 'nope'"):
        embedder("nope")


def _hit(similarity: float) -> Hit:
    para = Paragraph(
        doc_id="r.txt",
        number=3,
        text="2024年全市地区生产总值1800亿元。",
        sentences=("2024年全市地区生产总值1800亿元。",),
        section=("一、2024年工作回顾",),
    )
    return Hit(
        paragraph=para, title="测试市人民政府工作报告", score=1.0, similarities=(similarity,)
    )


def _score(answerer: ExtractiveAnswerer, plan: QuestionPlan, similarity: float) -> float:
    weights = {"地区生产总值": 1.0}
    return answerer.score_sentences(plan, [_hit(similarity)], {}, weights)[0][0]


def test_the_extractive_answerer_weighs_similarity_by_the_embedders_calibration():
    plan = plan_question("2024年地区生产总值是多少？", {})
    plain = ExtractiveAnswerer()
    e5 = ExtractiveAnswerer(calibration=E5_CALIBRATION)

    # Uncalibrated, similarity does not count; e5's similarities are centred at 0.87.
    assert _score(plain, plan, 0.95) == pytest.approx(_score(plain, plan, 0.5))
    assert _score(e5, plan, 0.92) - _score(plain, plan, 0.92) == pytest.approx(4.0 * 0.05)
    assert _score(e5, plan, 0.82) - _score(plain, plan, 0.82) == pytest.approx(-4.0 * 0.05)


def test_a_registered_embedder_brings_its_calibration_to_the_assistant(tmp_path):
    own = Calibration(centre=0.5, scale=2.0, close=0.8)
    entry = register_embedder("hash", lambda settings: HashEmbeddings(), calibration=own)
    try:
        settings = Settings.from_env({}, store_dir=tmp_path / "store", cache_dir=tmp_path)
        wrapped = CachedEmbeddings(entry.build(settings), None, entry.calibration)
        a = Assistant(settings=settings, embedder=wrapped)
        assert a.extractive.calibration == own
        assert [e.name for e in embedders()][-1] == "hash"
    finally:
        unregister_embedder("hash")
    assert "hash" not in [e.name for e in embedders()]


# -- answerers -------------------------------------------------------------------------------


def test_answerers_are_asked_in_the_registry_order():
    kinds = [type(a) for a in default_answerers()]
    assert kinds == [
        DeliveryAnswerer,
        SectionAnswerer,
        TrackAnswerer,
        FigureAnswerer,
        ListAnswerer,
        ExtractiveAnswerer,
    ]
    without = [type(a) for a in default_answerers(indicators=False)]
    assert without == [DeliveryAnswerer, SectionAnswerer, ListAnswerer, ExtractiveAnswerer]


class _MeetingAnswerer:
    """Answers 何时召开 questions with the date of the report's first paragraph."""

    def answer(self, plan: QuestionPlan, context: AnswerContext) -> Extracted | None:
        if "何时召开" not in plan.question or not context.hits:
            return None
        hit = context.hits[0]
        return Extracted("会议日期见报告开头", False, (citation(hit, [0]),), 1.0)


def test_an_answerer_added_to_the_registry_is_asked_by_the_assistant(fake_assistant, monkeypatch):
    from assistant.answer import registry

    a, emb = fake_assistant
    a.ingest_texts(
        [
            {
                "id": "r.txt",
                "text": "测试市人民政府工作报告\n一、2024年工作回顾\n全年实现地区生产总值1800亿元。",
            }
        ]
    )
    entry = AnswererEntry("meeting", lambda options: _MeetingAnswerer())
    monkeypatch.setattr(registry, "ANSWERERS", (entry, *registry.ANSWERERS))

    b = Assistant(settings=a.settings, embedder=emb)

    answer = b.ask("测试市人大会议何时召开？")
    assert answer.text.startswith("会议日期见报告开头") and answer.citations[0].doc_id == "r.txt"
    assert "1800亿元" in b.ask("2024年地区生产总值是多少？").text
