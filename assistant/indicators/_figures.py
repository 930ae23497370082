"""The figures of a sentence (pure): numbers with a unit (1800亿元, 7.0%左右, 4个), round
amounts without a digit (突破万亿元), tenths (八成以上), bare counts of people (减少1240万), the
three sector shares (4.0∶37.7∶58.3), numbers of a list that share the last one's unit, and
ranges joined into one figure (6%－6.5%). Each is a `_Figure`, named later by `_names`.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ..vocab import (
    CLAUSE_END,
    CN_DIGITS,
    CN_MAGNITUDES,
    CN_NUMERALS,
    CN_TWO,
    COUNT_UNITS,
    FIGURE_UNITS,
    MAGNITUDES,
    PERCENT_SIGNS,
    POINTS,
    POST_QUALIFIERS,
    PRE_QUALIFIERS,
    RATE_UNITS,
    alternation,
    cn_number,
)

# A count of people written with 个: 149.5万个婴幼儿.
_PEOPLE_NOUN = re.compile(
    r"^(?:婴幼儿|儿童|学生|老人|老年人|人|群众|居民|职工|农民工|毕业生|游客|患者)"
)
_PRE = r"(?P<pre>" + "|".join(PRE_QUALIFIERS) + r")?"
_POST = r"(?P<post>" + "|".join(POST_QUALIFIERS) + r")?"
_NUM_START = r"(?<![\d.×xX*/±+A-Za-z第])"

_FIGURE = re.compile(
    _PRE + _NUM_START + r"(?P<num>\d+(?:\.\d+)?)(?![\d.])"
    r"(?P<approx0>余|多)?[ \u3000]?(?P<mult>" + "|".join(m for m, _ in MAGNITUDES) + r")?"
    r"(?P<approx>余|多)?(?P<unit>" + alternation(FIGURE_UNITS) + r")"
    r"(?P<per>/(?:月|年|人|天|日|吨|亩))?" + _POST
)
# A round amount without a digit: 突破万亿元, 保持在千亿元以上.
_ROUND = re.compile(
    _PRE
    + rf"(?<![\d.{CN_NUMERALS}{CN_MAGNITUDES}几数{CN_TWO}/ ])(?P<mult>万亿|千亿|百亿)(?P<unit>元|美元)"
    + _POST
)
_ROUND_VALUE = {"万亿": (1.0, "万亿"), "千亿": (1000.0, "亿"), "百亿": (100.0, "亿")}
# Tenths: 八成以上, 下降超过五成 (a bare 一成 inside a word, as in 统一成立, is not one).
_TENTHS = re.compile(
    _PRE + rf"(?<![\d.{CN_NUMERALS}{CN_TWO}几数])(?P<num>[{CN_DIGITS}]|\d)成" + _POST
)
# People counted without a unit: 农村贫困人口减少1240万, 近1400万农业转移人口.
_BARE_PEOPLE = re.compile(
    _PRE + _NUM_START + r"(?P<num>\d+(?:\.\d+)?)(?![\d.])"
    r"(?P<approx0>余|多)?(?P<mult>万|亿)(?P<approx>余|多)?" + _POST
)
# A unit (or a magnitude) right after a bare 万/亿: 1240万元 is not a count of people.
_UNIT_NEXT = re.compile(r"[\d千百" + re.escape("".join({u[0] for u in FIGURE_UNITS})) + "]")
_RATIO = r"\d+(?:\.\d+)?[∶:]\d+(?:\.\d+)?[∶:]\d+(?:\.\d+)?"
_SECTORS = re.compile(
    r"三次产业(?:比重|比例|结构|构成)?(?:由(?P<before>" + _RATIO + r"))?[^，,；;。\d]{0,8}?"
    r"(?:为|到|至)(?P<after>" + _RATIO + r")"
)
# A number of a list whose unit comes with the last one (10.6万、3.8万、3.3万平方公里).
_BARE_ITEM = re.compile(_NUM_START + r"(?P<num>\d+(?:\.\d+)?)(?P<mult>万亿|亿|万)?(?:、|和)$")
# The upper end of a range: 6%－6.5%, 5%—5.5%, 8%至10%.
_RANGE_SEP = r"(?:[－—–~～\-]{1,2}|至|到)"
_LOWER_BOUND = re.compile(r"(?<![\d.])(?P<num>\d+(?:\.\d+)?)[－—–~～\-]{1,2}$")


class _Figure:
    """A figure found in a sentence: where it is, what it says, and (once named) its name."""

    __slots__ = (
        "base", "count_noun", "count_verb", "end", "item", "name", "people", "post", "pre",
        "qualifier", "span_end", "span_start", "start", "unit", "unit_word", "value", "value_text",
        "verb", "year",
    )  # fmt: skip

    def __init__(
        self,
        sentence: str,
        start: int,
        end: int,
        value: float,
        unit_word: str,
        mult: str = "",
        *,
        pre: str = "",
        post: str = "",
        qualifier: str = "",
    ) -> None:
        self.start, self.end = start, end
        self.value = value
        self.value_text = sentence[start:end]
        self.unit_word = unit_word  # 个, %, 元/月 (without 万/亿)
        self.unit = "%" if unit_word in PERCENT_SIGNS else mult + unit_word
        self.pre, self.post = pre, post
        self.qualifier = qualifier or pre or post
        self.people = False  # a bare 1400万 counting people
        self.base = False  # the start of 由A提高到B: a value of the year before the period
        self.year: int | None = None  # a year the sentence gives the figure (从2007年的639亿元)
        self.name = ""
        self.span_start, self.span_end = start, end
        self.verb = ""
        self.count_noun = ""
        self.count_verb = ""
        self.item = ""

    @property
    def counter(self) -> bool:
        """A counter word (个, 家, 名…, or a bare 万 of people) that can stand before its noun."""
        return self.unit_word in COUNT_UNITS or self.people

    @property
    def percent(self) -> bool:
        return self.unit_word in (*RATE_UNITS, "成")


def _from_match(sentence: str, m: re.Match[str], unit: str = "") -> _Figure:
    g = m.groupdict()
    return _Figure(
        sentence,
        m.start(),
        m.end(),
        float(g["num"]),
        unit or g["unit"] + (g["per"] or ""),
        g["mult"] or "",
        pre=g["pre"] or "",
        post=g["post"] or "",
        qualifier=g["pre"] or g["post"] or g["approx0"] or g["approx"] or "",
    )


def _people_context(sentence: str, start: int, end: int) -> bool:
    """'农村贫困人口减少1240万', '近1400万农业转移人口': the bare number counts people."""
    before = re.split(r"[，,；;。、]", sentence[:start])[-1]
    after = re.split(r"[，,；;。、]", sentence[end:])[0]
    return bool(
        re.search(r"人口[^\d]{0,4}$", before)
        or re.match(r"[^\d]{0,8}人口", after)
        or _PEOPLE_NOUN.match(after)
    )


def _find(sentence: str) -> list[_Figure]:
    """Every figure of the sentence, in order, ranges joined (6%－6.5% is one figure)."""
    found = [_from_match(sentence, m) for m in _FIGURE.finditer(sentence)]
    taken = [(f.start, f.end) for f in found]

    def free(a: int, b: int) -> bool:
        return all(b <= s or a >= e for s, e in taken)

    for m in _ROUND.finditer(sentence):
        if free(m.start(), m.end()):
            value, mult = _ROUND_VALUE[m.group("mult")]
            found.append(
                _Figure(sentence, m.start(), m.end(), value, m.group("unit"), mult,
                        pre=m.group("pre") or "", post=m.group("post") or "")
            )  # fmt: skip
            found[-1].value_text = _with_digits(m, f"{value:g}{mult}{m.group('unit')}")
    for m in _TENTHS.finditer(sentence):
        after = sentence[m.end() : m.end() + 1]
        if free(m.start(), m.end()) and (m.group("post") or not after or after in CLAUSE_END):
            num = m.group("num")
            value = float(cn_number(num) or 0)
            found.append(
                _Figure(sentence, m.start(), m.end(), value, "成",
                        pre=m.group("pre") or "", post=m.group("post") or "")
            )  # fmt: skip
            found[-1].value_text = _with_digits(m, f"{value:g}成")
    for m in _BARE_PEOPLE.finditer(sentence):
        if (
            free(m.start(), m.end())
            and not _UNIT_NEXT.match(sentence, m.end())
            and _people_context(sentence, m.start(), m.end())
        ):
            found.append(_from_match(sentence, m, unit="人"))
            found[-1].people = True
    for f in list(found):
        found.extend(_unit_shared(sentence, f, free))
    found.extend(_sectors(sentence, free))
    found.sort(key=lambda f: f.start)
    found = [f for f in found if not _quoted(sentence, f.start)]
    return _join_ranges(sentence, found)


def _sectors(sentence: str, free: Callable[[int, int], bool]) -> list[_Figure]:
    """'三次产业比重为4.0∶37.7∶58.3' (or 由…调整为…): the share of each sector."""
    out: list[_Figure] = []
    for m in _SECTORS.finditer(sentence):
        for group, base in (("before", True), ("after", False)):
            if not m.group(group) or not free(m.start(group), m.end(group)):
                continue
            for i, num in enumerate(re.finditer(r"\d+(?:\.\d+)?", m.group(group))):
                at = m.start(group) + num.start()
                f = _Figure(sentence, at, at + len(num.group(0)), float(num.group(0)), "%")
                f.name = f"第{'一二三'[i]}产业比重"
                f.span_start, f.span_end, f.base = m.start(), m.end(), base
                out.append(f)
    return out


def _with_digits(m: re.Match[str], figure: str) -> str:
    """A spelled-out figure written with digits, as every value_text has: 突破万亿元 -> 突破1万亿元,
    超过五成 -> 超过5成 (the span keeps the words)."""
    return (m.group("pre") or "") + figure + (m.group("post") or "")


def _unit_shared(sentence: str, f: _Figure, free: Callable[[int, int], bool]) -> list[_Figure]:
    """'分别净减少10.6万、3.8万、3.3万平方公里', '高4.2和0.7个百分点': the numbers before the
    last take its unit."""
    out: list[_Figure] = []
    at = f.start
    while not f.pre and (m := _BARE_ITEM.search(sentence[:at])) and free(m.start(), m.end()):
        end = m.end("mult") if m.group("mult") else m.end("num")
        out.append(
            _Figure(
                sentence, m.start(), end, float(m.group("num")), f.unit_word, m.group("mult") or ""
            )
        )
        at = m.start()
    return out


def _quoted(sentence: str, at: int) -> bool:
    """Inside “…” or 《…》: part of a name (稳经济“30条”), not a figure."""
    before = sentence[:at]
    return before.count("“") > before.count("”") or before.count("《") > before.count("》")


def _join_ranges(sentence: str, figs: list[_Figure]) -> list[_Figure]:
    """'6%－6.5%' and '4.5-5%': one figure, the lower bound as value and the rest as qualifier."""
    out: list[_Figure] = []
    for f in figs:
        prev = out[-1] if out else None
        gap = sentence[prev.end : f.start] if prev else ""
        if (
            prev is not None
            and prev.unit == f.unit
            and not prev.post
            and not f.pre
            and re.fullmatch(_RANGE_SEP, gap)
            and (gap not in ("至", "到") or prev.unit == "%")
            and not re.search(r"[从由][^，,；;。]*$", sentence[: prev.start])
        ):
            prev.qualifier = sentence[prev.end : f.end]
            prev.end = prev.span_end = f.end
            prev.value_text = sentence[prev.start : f.end]
            continue
        lower = _LOWER_BOUND.search(sentence, 0, f.start) if not f.pre else None
        if lower and f.unit in ("%", POINTS):
            f.qualifier = sentence[lower.end("num") : f.end]
            f.value = float(lower.group("num"))
            f.start = f.span_start = lower.start()
            f.value_text = sentence[f.start : f.end]
        out.append(f)
    return out
