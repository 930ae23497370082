"""The notices an answer carries about its question and the reports it searched."""

from __future__ import annotations

import unicodedata

from ..errors import EmptyQuestionError, InputError
from ..types import DocumentInfo

MAX_QUESTION_CHARS = 500


def _clean_question(question: str) -> tuple[str, list[str]]:
    if not isinstance(question, str):
        raise InputError("the question must be text")
    notices = []
    cleaned = "".join(
        ch for ch in question if unicodedata.category(ch)[0] != "C" or ch in "\n\t"
    ).strip()
    if not cleaned or all(unicodedata.category(ch)[0] in "PZS" for ch in cleaned):
        raise EmptyQuestionError("the question is empty: ask about something in the reports")
    if len(cleaned) > MAX_QUESTION_CHARS:
        cleaned = cleaned[:MAX_QUESTION_CHARS]
        notices.append(f"问题过长，只使用了前{MAX_QUESTION_CHARS}个字符。")
    return cleaned, notices


def _waiting_notice(waiting: list[DocumentInfo], embedding: dict[str, tuple[int, int]]) -> str:
    """Which reports in scope are still waiting for their vectors, and how far this process
    has got with them (`embedding`: doc_id -> texts embedded, texts in all)."""
    progress = [embedding.get(d.doc_id) for d in waiting]
    done = sum(p[0] for p in progress if p)
    total = sum(p[1] for p in progress if p)
    share = f"（已完成{done * 100 // total}%）" if total else ""
    which = f"《{waiting[0].title}》" + (f"等{len(waiting)}份报告" if len(waiting) > 1 else "")
    return f"{which}的语义索引仍在建立{share}，其内容暂时只按关键词检索。"
