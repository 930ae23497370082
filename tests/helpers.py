"""Paths, texts and small helpers shared by the test modules (fixtures are in conftest.py,
test doubles in fakes.py), so that no test module imports from another."""

from __future__ import annotations

import io
import socket
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from assistant.store import ChromaStore

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
CITY = DATA / "neijiang-2024.txt"
DISTRICT = DATA / "neijiang-shizhong-2024.txt"

GDP_QUESTION = "2023年内江市地区生产总值是多少？"
# An API key that must never appear in an error, a log or a page.
KEY = "sk-test-SECRET0123456789abcdef"

REPORT_TEXT = """测试市人民政府工作报告

一、2024年工作回顾

2024年，全市经济稳中向好。全年实现地区生产总值321.5亿元、增长6.1%。

二、2025年工作安排

2025年全市新增城镇就业1.2万人以上，城镇调查失业率控制在5.5%以内。
"""


class Notes:
    """Records what the app would show as toasts."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    def __call__(self, level: str, message: str) -> None:
        self.seen.append((level, message))

    @property
    def warnings(self) -> list[str]:
        return [m for level, m in self.seen if level == "warning"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pdf_bytes(pages: list[list[str]], title: str = "") -> bytes:
    """A PDF with the given lines per page, in a CJK font that needs no font file."""
    pytest.importorskip("reportlab")
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    if title:
        pdf.setTitle(title)
    for lines in pages:
        pdf.setFont("STSong-Light", 12)
        y = 800
        for line in lines:
            pdf.drawString(50, y, line)
            y -= 20
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def encrypted_pdf(user_password: str, pages: list[list[str]]) -> bytes:
    """`pdf_bytes(pages)` encrypted with AES-256 (opening it needs `user_password`)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes(pages))))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="AES-256")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def stored_records(store: ChromaStore, doc_id: str, doc_hash: str, embedded: bool = True) -> int:
    """How many records one generation of a report has among the embedded reports (or, with
    `embedded=False`, among those awaiting vectors)."""
    got = store.stored_generation(doc_id, doc_hash, embedded=embedded)
    return bool(got.record) + len(got.paragraphs) + len(got.units)
