"""LLM mode through the Assistant, with a scripted chat model on the real bundled-report store."""

from __future__ import annotations

import pytest

from assistant import Assistant, LLMError, Settings

from .fakes import ScriptedChatModel

Q = "2023年内江市地区生产总值是多少？"


def _assistant(store, cache_dir, model, **settings):
    s = Settings.from_env({}, store_dir=store, cache_dir=cache_dir, **settings)
    return Assistant(settings=s, chat_model=model)


def _gdp_marker(messages) -> str:
    """The [n] of the context paragraph that holds the 2023 GDP figure."""
    prompt = messages[-1].content
    for n in range(1, 20):
        start = prompt.find(f'<doc id="{n}"')
        if (
            start >= 0
            and "地区生产总值1800亿元左右" in prompt[start : prompt.find("</doc>", start)]
        ):
            return f"[{n}]"
    raise AssertionError("the GDP paragraph was not in the context")


def test_llm_answer_cites_real_paragraphs_and_is_verified(store_copy, cache_dir):
    model = ScriptedChatModel(
        replies=[lambda m: f"2023年内江市地区生产总值1800亿元左右，增长7.0%左右{_gdp_marker(m)}。"]
    )
    a = _assistant(store_copy, cache_dir, model)
    assert a.mode == "llm"
    ans = a.ask(Q)
    assert ans.mode == "llm" and ans.verified is True and not ans.abstained
    assert "1800亿元" in ans.text
    assert "全年实现地区生产总值1800亿元左右" in ans.citations[0].text
    assert "timings" in ans.to_dict() and ans.timings["llm"] >= 0


def test_invented_figure_is_flagged_and_fallback_gives_the_extractive_answer(store_copy, cache_dir):
    reply = lambda m: f"2023年内江市地区生产总值2000亿元{_gdp_marker(m)}。"  # noqa: E731
    warn = _assistant(store_copy, cache_dir, ScriptedChatModel(replies=[reply]))
    ans = warn.ask(Q)
    assert ans.verified is False and any("2000" in n for n in ans.notices)

    fallback = _assistant(
        store_copy, cache_dir, ScriptedChatModel(replies=[reply]), on_unverified="fallback"
    )
    ans = fallback.ask(Q)
    assert ans.mode == "extractive" and "1800亿元" in ans.text


def test_stream_yields_text_then_the_answer(store_copy, cache_dir):
    model = ScriptedChatModel(
        replies=[lambda m: f"地区生产总值1800亿元左右{_gdp_marker(m)}。"], chunk_size=2
    )
    items = list(_assistant(store_copy, cache_dir, model).stream(Q))
    chunks, final = items[:-1], items[-1]
    assert len(chunks) > 1 and all(isinstance(c, str) for c in chunks)
    assert final.mode == "llm" and final.citations


def test_follow_up_is_rewritten_by_the_llm_before_retrieval(store_copy, cache_dir):
    model = ScriptedChatModel(
        replies=[
            "2024年内江市地区生产总值增长目标是多少？",
            "报告中未找到。",
        ]
    )
    ans = _assistant(store_copy, cache_dir, model).ask(
        "那2024年的目标呢？", history=[(Q, "1800亿元左右")]
    )
    assert ans.rewritten_question == "2024年内江市地区生产总值增长目标是多少？"
    assert ans.abstained


def test_follow_up_in_extractive_mode_carries_over_the_subject(assistant):
    ans = assistant.ask("那2024年的目标呢？", history=[(Q, "1800亿元左右")])
    assert "地区生产总值" in ans.rewritten_question and "2024" in ans.rewritten_question
    assert "6.0%" in ans.text


def test_batch_in_llm_mode_keeps_order(store_copy, cache_dir):
    model = ScriptedChatModel(default="报告中未找到。")
    qs = ["问题甲：内江市粮食产量？", "问题乙：市中区就业目标？", "问题丙：外贸？"]
    answers = _assistant(store_copy, cache_dir, model, llm_concurrency=3).ask_batch(qs)
    assert [a.question for a in answers] == qs


def test_a_bad_key_is_a_one_line_error_without_the_key(store_copy, cache_dir):
    import httpx
    import openai

    request = httpx.Request("POST", "http://127.0.0.1:9/v1/chat/completions")
    error = openai.AuthenticationError(
        "Incorrect API key provided: sk-live-123",
        response=httpx.Response(401, request=request),
        body=None,
    )
    a = _assistant(store_copy, cache_dir, ScriptedChatModel(replies=[error]))
    with pytest.raises(LLMError) as info:
        a.ask(Q)
    assert "sk-live-123" not in str(info.value) and "\n" not in str(info.value)
