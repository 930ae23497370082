"""What an LLM reply cites and claims: its [n] markers mapped back to the numbered paragraphs
of the prompt, the sentences of a paragraph that back each claim, and the figures of the reply
checked against the paragraphs it cites. Pure functions, no model calls.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

# -- figures ------------------------------------------------------------------------------

_UNITS = (
    "万亿元|亿元|万元|元|万亿|亿|个百分点|百分点|%|‰|倍|万人次|人次|万人|人|万户|户|万吨|吨|"
    "平方公里|公里|千米|万平方米|平方米|万亩|亩|家|个|项|座|条|所|张|套|辆|台|床|次|天|万"
)
_FIGURE = re.compile(rf"(?<![\d.])(\d+(?:,\d{{3}})*(?:\.\d+)?)\s*({_UNITS})?")
_DATE_UNIT = re.compile(r"\s*(?:年|月|日|号|季度)")


def _normalize(text: str) -> str:
    """Full-width to half-width (NFKC), so ４．２％ and 4.2% compare equal."""
    return unicodedata.normalize("NFKC", text)


@dataclass(frozen=True)
class Figure:
    """A number with its unit, e.g. 1800亿元 → (1800, "亿元")."""

    value: Decimal
    unit: str
    text: str

    def matches(self, other: Figure) -> bool:
        """Same number, and units equal or one a prefix of the other (1800亿 ~ 1800亿元)."""
        if self.value != other.value:
            return False
        if not self.unit or not other.unit:
            return True
        return self.unit.startswith(other.unit) or other.unit.startswith(self.unit)


def figures(text: str) -> list[Figure]:
    """Numbers in `text` with their units; years, months and days are left out."""
    norm = _normalize(text)
    out = []
    for m in _FIGURE.finditer(norm):
        number, unit = m.group(1), m.group(2) or ""
        if not unit and _DATE_UNIT.match(norm, m.end()):
            continue  # 2023年, 3月, 15日: dates, not figures to verify
        try:
            value = Decimal(number.replace(",", ""))
        except InvalidOperation:
            continue
        unit = "个百分点" if unit == "百分点" else unit
        out.append(Figure(value, unit, m.group(0).strip()))
    return out


def unsupported_figures(text: str, sources: Sequence[str]) -> list[str]:
    """Figures of `text` that none of `sources` contains (each listed once)."""
    known = [f for s in sources for f in figures(s)]
    missing: list[str] = []
    for f in figures(text):
        if not any(f.matches(k) for k in known) and f.text not in missing:
            missing.append(f.text)
    return missing


# -- citation markers ---------------------------------------------------------------------

_BRACKETS = re.compile(r"[\[【［]([^\[\]【】［］\n]{0,24})[\]】］]")
_NUMBER_LIST = re.compile(r"\s*\d+(?:\s*[,，、;；]\s*\d+)*\s*")
_CLAIM_START = re.compile(r"[。！？；!?;\n]")


@dataclass(frozen=True)
class ParsedMarkers:
    """An answer's text with its markers renumbered to the citation order."""

    text: str
    cited: tuple[int, ...]  # context numbers (1-based) in the order first cited
    claims: dict[int, list[str]]  # context number -> the claims citing it
    invalid: tuple[str, ...]


def parse_markers(text: str, count: int) -> ParsedMarkers:
    """Find [n] markers (also [1,2], 【1】), keep those within 1..count, renumber them.

    Bracketed text without a digit is not a marker and stays; a bracket with a digit that
    is not a number list ("[第1段]", "[1-3]") or a number out of range is dropped and listed.
    """
    out: list[str] = []
    cited: list[int] = []
    claims: dict[int, list[str]] = {}
    invalid: list[str] = []
    pos = 0
    claim_from = 0  # where the claim of the next marker starts
    last_claim = ""
    for m in _BRACKETS.finditer(text):
        content = _normalize(m.group(1))
        if not re.search(r"\d", content):
            continue
        before = text[pos : m.start()]
        out.append(before)
        pos = m.end()
        if _NUMBER_LIST.fullmatch(content):
            numbers = [int(n) for n in re.findall(r"\d+", content)]
        else:
            invalid.append(m.group(0))
            numbers = []
        segment = text[claim_from : m.start()]
        boundary = max((b.end() for b in _CLAIM_START.finditer(segment)), default=0)
        claim = segment[boundary:].strip()
        if not claim:
            claim = last_claim  # [1][2]: both markers back the same claim
        last_claim = claim
        claim_from = m.end()
        for n in numbers:
            if not 1 <= n <= count:
                invalid.append(f"[{n}]")
                continue
            if n not in cited:
                cited.append(n)
            claims.setdefault(n, []).append(claim)
            marker = f"[{cited.index(n) + 1}]"
            if not out[-1].endswith(marker):
                out.append(marker)
    out.append(text[pos:])
    clean = re.sub(r"[ \t]+([，。；、！？])", r"\1", "".join(out)).strip()
    return ParsedMarkers(clean, tuple(cited), claims, tuple(dict.fromkeys(invalid)))


def _bigrams(text: str) -> set[str]:
    norm = re.sub(r"\W", "", _normalize(text))
    return {norm[i : i + 2] for i in range(len(norm) - 1)}


def quote_sentences(sentences: Sequence[str], claims: Sequence[str], default: int = 0) -> list[int]:
    """Indexes of the sentences that best support the claims: shared figures, then wording.

    A claim that shares nothing with any sentence quotes sentence `default` (e.g. the one
    retrieval matched best).
    """
    if not sentences:
        return []
    chosen: list[int] = []
    for claim in claims or [""]:
        claim_figures = figures(claim)
        claim_grams = _bigrams(claim)

        def score(i: int, claim_figures=claim_figures, claim_grams=claim_grams) -> float:
            own = figures(sentences[i])
            shared = sum(1 for f in claim_figures if any(f.matches(o) for o in own))
            overlap = len(claim_grams & _bigrams(sentences[i])) / (len(claim_grams) or 1)
            return 2.0 * shared + overlap

        best = max(range(len(sentences)), key=lambda i: (score(i), -i))
        if score(best) == 0 and 0 <= default < len(sentences):
            best = default
        chosen.append(best)
        # A claim whose figures come from several sentences quotes each of them.
        missing = [
            f for f in claim_figures if not any(f.matches(o) for o in figures(sentences[best]))
        ]
        for i, sentence in enumerate(sentences):
            own = figures(sentence)
            if any(f.matches(o) for f in missing for o in own):
                chosen.append(i)
                missing = [f for f in missing if not any(f.matches(o) for o in own)]
    return sorted(set(chosen))
