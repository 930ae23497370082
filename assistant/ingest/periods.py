"""Time expressions of reports (pure): dates and years in any numerals, five-year plans, and
the years a heading or an opening phrase speaks of.

`normalize` rewrites a line for reading times only (the stored text is never changed):
full-width and spaced digits (１９９４年, 1 9 9 8 年), Chinese-numeral years and dates
(二〇二六年一月二十七日, 一九五八年), and the traditional forms of the few characters the
detectors look for (國務院, 人民代表大會).

Five-year plans are named by number (“十四五”, “九五”, 第六个五年计划); the first ran
1953–1957, the second 1958–1962, and from the third (1966) on they follow each other.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from ..vocab import CN_DIGITS, CN_NUMERALS, CN_ZEROS, PLAN_NUMBER, cn_number
from ..vocab import small_number as small_number

# Traditional forms of characters the detectors match (国务院, 人民代表大会, 届, 会议...).
_TRADITIONAL = str.maketrans(
    "國務會屆員議華個劃畫區縣總報時與過來開將", "国务会届员议华个划画区县总报时与过来开将"
)
_SPACED_DIGITS = re.compile(r"(?<![\d ])(\d(?:[ \u3000]\d){3})(?=[ \u3000]*年)")
_SPACE_BEFORE_UNIT = re.compile(r"(?<=\d)[ \t\u3000]+(?=[年月日])")
_CN_YEAR = re.compile(rf"([{CN_ZEROS}{CN_DIGITS}]{{4}})(?=\s*年)")
_CN_MONTH_DAY = re.compile(rf"(?<=\d年)([{CN_NUMERALS}]{{1,3}})月(?:([{CN_NUMERALS}]{{1,3}})日)?")

MIN_YEAR, MAX_YEAR = 1949, 2100
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年")
_YEAR_RANGE = re.compile(
    r"(?<!\d)((?:19|20)\d{2})\s*(?:年)?\s*(?:[-—–~～至到]|—{1,2})\s*((?:19|20)\d{2})\s*年"
)
# “十四五”, 十五五时期, “九五”计划; the lookahead keeps 十五个 and 二十五年 out.
_FIVE_YEAR = re.compile(
    rf"(?<![{CN_NUMERALS}])[“\"「『]?({PLAN_NUMBER})五[”\"」』]?"
    r"(?=[”\"」』]|时期|期间|计划|规划|末|以来|收官|开局|开好局|起步|发展|目标|前|中期|的)"
)
_NTH_PLAN = re.compile(rf"第([{CN_NUMERALS}]+)个五年(?:计划|规划)")
_PAST_FIVE = re.compile(r"过去(?:的)?五年|五年来|这五年|近五年|本届政府")
_NEXT_FIVE = re.compile(r"未来五年|今后五年")
_THIS_YEAR = re.compile(r"今年|本年度|明年一年")
_LAST_YEAR = re.compile(r"去年|过去(?:的)?一年|一年来|这一年|上一年")
# The first year of a five-year plan: “十五五”开好局、开局之年, 起步.
_PLAN_START = re.compile(r"开好局|开局|起好步|起步|第一年|首年")
_CLOSING = ("”", '"', "」", "』")


def normalize(text: str) -> str:
    """`text` with its times in Arabic digits and the traditional characters simplified."""
    text = unicodedata.normalize("NFKC", text).translate(_TRADITIONAL)
    text = _SPACED_DIGITS.sub(lambda m: re.sub(r"\s", "", m.group(1)), text)
    text = _SPACE_BEFORE_UNIT.sub("", text)
    text = _CN_YEAR.sub(_year_digits, text)
    return _CN_MONTH_DAY.sub(_month_day, text)


def _year_digits(match: re.Match[str]) -> str:
    year = cn_number(match.group(1))
    return match.group(0) if year is None else str(year)


def _month_day(match: re.Match[str]) -> str:
    month = small_number(match.group(1))
    day = small_number(match.group(2)) if match.group(2) else None
    if month is None:
        return match.group(0)
    return f"{month}月" + (f"{day}日" if day is not None else "")


def plan_years(number: int) -> tuple[int, ...]:
    """The years of the `number`-th five-year plan."""
    if number < 1:
        return ()
    start = {1: 1953, 2: 1958}.get(number, 1966 + 5 * (number - 3))
    return tuple(range(start, start + 5))


def years(text: str) -> list[int]:
    """The plausible years written in `text` (normalised first), in order."""
    return [int(y) for y in _YEAR.findall(normalize(text)) if MIN_YEAR <= int(y) <= MAX_YEAR]


def five_year_plans(text: str) -> list[tuple[int, ...]]:
    """The years of every five-year plan `text` names, in order."""
    text = normalize(text)
    found: list[tuple[int, int]] = []
    for match in _FIVE_YEAR.finditer(text):
        number = small_number(match.group(1))
        if number:
            found.append((match.start(), number))
    for match in _NTH_PLAN.finditer(text):
        number = small_number(match.group(1))
        if number:
            found.append((match.start(), number))
    return [plan_years(n) for _, n in sorted(found)]


@lru_cache(maxsize=4096)
def spans(text: str, report_year: int | None) -> tuple[tuple[int, ...], ...]:
    """Every span of years `text` speaks of, in order of appearance: explicit years and
    ranges, five-year plans (the first year only when it says 开局), 过去五年 / 今年 / 去年
    relative to `report_year`."""
    text = normalize(text)
    found: list[tuple[int, tuple[int, ...]]] = []
    taken: list[tuple[int, int]] = []
    for match in _YEAR_RANGE.finditer(text):
        a, b = int(match.group(1)), int(match.group(2))
        if MIN_YEAR <= a <= b <= MAX_YEAR and b - a <= 20:
            found.append((match.start(), tuple(range(a, b + 1))))
            taken.append(match.span())
    for match in _YEAR.finditer(text):
        if any(s <= match.start() < e for s, e in taken):
            continue
        year = int(match.group(1))
        if MIN_YEAR <= year <= MAX_YEAR:
            found.append((match.start(), (year,)))
    for match in _FIVE_YEAR.finditer(text):
        number = small_number(match.group(1))
        if not number:
            continue
        span = plan_years(number)
        end = match.end() + (1 if text[match.end() : match.end() + 1] in _CLOSING else 0)
        if _PLAN_START.match(text, end):
            span = span[:1]
        found.append((match.start(), span))
    for match in _NTH_PLAN.finditer(text):
        number = small_number(match.group(1))
        if number:
            found.append((match.start(), plan_years(number)))
    if report_year is not None:
        for match in _PAST_FIVE.finditer(text):
            found.append((match.start(), tuple(range(report_year - 5, report_year))))
        for match in _NEXT_FIVE.finditer(text):
            found.append((match.start(), tuple(range(report_year, report_year + 5))))
        for match in _THIS_YEAR.finditer(text):
            found.append((match.start(), (report_year,)))
        for match in _LAST_YEAR.finditer(text):
            found.append((match.start(), (report_year - 1,)))
    return tuple(span for _, span in sorted(found, key=lambda f: f[0]))
