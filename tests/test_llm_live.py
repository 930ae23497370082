"""The LLM answerer against the configured endpoint (OPENAI_API_KEY, OPENAI_BASE_URL,
ASSISTANT_LLM_MODEL). Skipped without a key; run with `pytest -m live`."""

from __future__ import annotations

import os

import pytest

from assistant.answer.llm import LLMResult, answerer_from_settings
from assistant.config import Settings
from assistant.types import PLAN, REVIEW, Hit, Paragraph

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(not os.environ.get("OPENAI_API_KEY"), reason="OPENAI_API_KEY is not set"),
]


def _hit(number: int, sentences: list[str], section: str, period: str, year: int) -> Hit:
    para = Paragraph(
        doc_id="neijiang-2024.txt",
        number=number,
        text="".join(sentences),
        section=(section,),
        sentences=tuple(sentences),
        period=period,
        period_year=year,
    )
    return Hit(paragraph=para, title="2024年内江市政府工作报告", score=1.0, matched=(0,))


HITS = [
    _hit(
        5,
        ["全年实现地区生产总值1800亿元左右、增长7.0%左右。", "实现地方一般公共预算收入85.21亿元。"],
        "一、2023年工作回顾",
        REVIEW,
        2023,
    ),
    _hit(30, ["地区生产总值增长6.5%左右。"], "二、2024年工作安排", PLAN, 2024),
]


@pytest.fixture(scope="module")
def answerer():
    return answerer_from_settings(Settings.from_env())


def test_live_answer_cites_the_paragraph_with_the_figure(answerer):
    result = answerer.answer("2023年内江市地区生产总值是多少？", HITS)
    assert not result.abstained
    assert "1800" in result.text
    assert result.citations and result.citations[0].paragraph == 5
    assert result.verified is True, result.notices


def test_live_answer_abstains_when_the_paragraphs_lack_the_answer(answerer):
    result = answerer.answer("2023年内江市的森林覆盖率是多少？", HITS)
    assert result.abstained and not result.citations


def test_live_stream_ends_with_the_result(answerer):
    items = list(answerer.stream("2024年内江市地区生产总值增长目标是多少？", HITS))
    assert isinstance(items[-1], LLMResult)
    assert "6.5%" in "".join(i for i in items[:-1] if isinstance(i, str))


def test_live_rewrite_makes_a_follow_up_standalone(answerer):
    rewritten = answerer.rewrite(
        "那2024年的目标呢？", [("2023年内江市地区生产总值是多少？", "1800亿元左右。")]
    )
    assert "2024" in rewritten and "地区生产总值" in rewritten
