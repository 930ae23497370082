"""Report metadata from cleaned text: title, region, administrative level, year, date (pure).

Sources, most trusted first: the report's own title block (title line, dateline, "在XX第N届
人民代表大会" line), the loader's title hint (PDF/HTML/DOCX metadata), the headings
(2023年工作回顾 -> a 2024 report), the file name (neijiang-2024.txt). When the text has no
title, the region comes from how the report names itself: "我代表市人民政府" says it is a
city's report, and the city's name is the place name the text uses most often before 市.
A field nothing supports stays empty.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date as _date
from functools import lru_cache
from pathlib import Path

from ..types import ReportMeta

_HEAD_LINES = 12  # the title block sits in the first lines
_MAX_TITLE_CHARS = 80

_CN_DIGITS = "一二三四五六七八九十"
_TITLE = re.compile(r"工作报告")
_DATE = re.compile(r"((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_YEAR_MONTH = re.compile(r"((?:19|20)\d{2})\s*年\s*\d{1,2}\s*月")
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_FILENAME_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
# A bracketed prefix naming the province, as sites print it: (四川省), 【四川省】.
_PREFIX = re.compile(r"^[(（【\[][^()（）【】\[\]]{2,12}[)）】\]]\s*")
# Trailing brackets holding a date or a year: (2024年1月18日), （2024）.
_DATE_SUFFIX = re.compile(
    r"\s*[(（【\[][^()（）【】\[\]]*(?:19|20)\d{2}[^()（）【】\[\]]*[)）】\]]\s*$"
)
_CONGRESS = re.compile(rf"在([\u4e00-\u9fff]{{2,20}}?)第[{_CN_DIGITS}百零〇\d]+届人民代表大会")
_SELF = re.compile(r"我代表(省|自治区|市|州|盟|区|县|旗)人民政府")
_REVIEW_HEADING = re.compile(r"((?:19|20)\d{2})\s*年[^，。；]{0,6}回顾")
_PLAN_HEADING = re.compile(
    r"((?:19|20)\d{2})\s*年[^，。；]{0,4}"
    r"(?:工作安排|主要目标|主要预期目标|目标任务|主要任务|工作任务|重点工作|总体要求|工作打算)"
)
_HEADING_MARKER = re.compile(rf"^(?:第[{_CN_DIGITS}]+部分|[{_CN_DIGITS}]+[、.．])")

_CJK = r"\u4e00-\u9fff"
# Ordered so that the longer suffix wins (自治区 before 区).
_UNIT_SUFFIXES = ("特别行政区", "自治区", "自治州", "自治县", "自治旗", "地区",
                  "省", "市", "州", "盟", "区", "县", "旗")  # fmt: skip
_MUNICIPALITIES = {"北京市", "天津市", "上海市", "重庆市"}
# Words before 市/区/县 that are not place names: determiners (全市, 本区) and the heads of
# common compounds (城市, 园区, 郊县).
_NOT_NAME_START = tuple("全本我各该此每外省市区县州两三")
_NOT_NAME_END = tuple("城都超上强股楼夜集开门园社辖新景矿片库灾湾郊")
# Characters after 市/区/县 showing it starts a word (市场, 市级, 区域) rather than ending a name.
_WORD_AFTER_UNIT = tuple("场值级委域县区乡镇直属辖政容貌长八九十")
# What may stand before a place name: start, punctuation or a preposition.
_BEFORE_NAME = re.compile(rf"(?:^|[^{_CJK}]|[在对和与及为向从到至是将把让])$")
_MIN_NAME_COUNT = 3
# jieba dictionary tags of words that are not place names (verbs like 推进 in 推进市中区,
# adjectives, adverbs, prepositions, pronouns, numerals, ...).
_NOT_NAME_TAGS = ("v", "a", "d", "p", "c", "r", "u", "m", "q", "f", "t")


def detect_meta(text: str, title_hint: str = "", filename: str = "") -> ReportMeta:
    """Title, region, level, year and date of a report, from its cleaned text."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    head = lines[:_HEAD_LINES]
    title, region = _title_from_head(head)
    if not title and title_hint:
        title, region = _parse_title(_strip_site_suffix(title_hint))
    if not region:
        region = _congress_region(head)

    day = _first_date(head, title_hint)
    year = int(day[:4]) if day else _year(head, title_hint, lines, filename)

    level = level_of(region)
    if not region:
        region, level = _region_from_self_reference(text)
    if region and (not title or not _has_region(title)):
        title = f"{region}人民政府工作报告" + (f"（{year}）" if year else "")
    return ReportMeta(title=title, region=region, level=level, year=year, date=day)


def level_of(region: str) -> str:
    """ "省" | "市" | "区县" for a region name, from its last administrative unit."""
    if not region:
        return ""
    if region.endswith(("省", "自治区")) or region in _MUNICIPALITIES:
        return "省"
    if region.endswith(("区", "县", "旗")):
        return "区县"
    if region.endswith(("市", "州", "盟")):
        # A 市 after a prefecture (内江市隆昌市) is a county-level city.
        for i in range(3, len(region) - 2):
            if region[:i].endswith(("市", "州", "盟")) and region[i:].endswith("市"):
                return "区县"
        return "市"
    return ""


def _title_from_head(head: list[str]) -> tuple[str, str]:
    for line in head:
        if _TITLE.search(line) and len(line) <= _MAX_TITLE_CHARS:
            return _parse_title(line)
    return "", ""


def _parse_title(line: str) -> tuple[str, str]:
    """(readable title, region) from a title line."""
    line = line.strip()
    # "政府工作报告——2024年1月18日在…会议上": the title is the part before the dash.
    line = re.split(r"\s*(?:——|--|—)\s*", line, maxsplit=1)[0]
    line = _PREFIX.sub("", line)
    line = _DATE_SUFFIX.sub("", line).strip()
    if not line:
        return "", ""
    match = re.match(rf"^(?:(?:19|20)\d{{2}}\s*年度?)?\s*([{_CJK}]*?)(?:人民)?政府工作报告", line)
    region = _valid_region(match.group(1)) if match else ""
    return line, region


def _strip_site_suffix(hint: str) -> str:
    """'2024年内江市政府工作报告_内江市人民政府' -> the part that is the title."""
    parts = [p.strip() for p in re.split(r"\s*(?:_|\||｜| - | – | — )\s*", hint) if p.strip()]
    for part in parts:
        if _TITLE.search(part):
            return part
    return parts[0] if parts else ""


def _valid_region(name: str) -> str:
    name = name.strip()
    if 2 <= len(name) <= 20 and re.fullmatch(rf"[{_CJK}]+", name) and name.endswith(_UNIT_SUFFIXES):
        return name
    return ""


def _has_region(title: str) -> bool:
    return bool(
        re.search(rf"[{_CJK}]{{2,}}?(?:{'|'.join(_UNIT_SUFFIXES)})", title.split("政府")[0])
    )


def _congress_region(head: list[str]) -> str:
    for line in head:
        match = _CONGRESS.search(line)
        if match:
            return _valid_region(match.group(1))
    return ""


def _first_date(head: list[str], title_hint: str) -> str:
    for line in [*head, title_hint]:
        for match in _DATE.finditer(line):
            try:
                return _date(*(int(g) for g in match.groups())).isoformat()
            except ValueError:
                continue
    return ""


def _year(head: list[str], title_hint: str, lines: list[str], filename: str) -> int | None:
    # A dateline with an unknown day (2024年1月X日) still gives the year.
    for line in [*head, title_hint]:
        match = _YEAR_MONTH.search(line)
        if match:
            return int(match.group(1))
    for line in [*head, title_hint]:
        if _TITLE.search(line):
            match = _YEAR.search(line)
            if match:
                return int(match.group(1))
    for line in lines:
        if len(line) > 40 or not _HEADING_MARKER.match(line):
            continue
        match = _REVIEW_HEADING.search(line)
        if match:
            return int(match.group(1)) + 1
        match = _PLAN_HEADING.search(line)
        if match:
            return int(match.group(1))
    match = _FILENAME_YEAR.search(Path(filename).stem) if filename else None
    return int(match.group(1)) if match else None


def _region_from_self_reference(text: str) -> tuple[str, str]:
    """Region named by frequency when the report says 我代表市人民政府 (or 区, 县, 省...)."""
    unit_counts = Counter(m.group(1) for m in _SELF.finditer(text))
    if not unit_counts:
        return "", ""
    unit = unit_counts.most_common(1)[0][0]
    name = _dominant_place_name(text, unit)
    if not name:
        return "", ""
    region = name + unit
    level = {"省": "省", "自治区": "省", "市": "市", "州": "市", "盟": "市"}.get(unit, "区县")
    if region in _MUNICIPALITIES:
        level = "省"
    return region, level


def _dominant_place_name(text: str, unit: str) -> str:
    """The 2-3 character name written before `unit` that the text uses most, if it dominates.

    A candidate must once stand as a name (after punctuation or a preposition, with `unit`
    ending the word) and must not be a common verb or function word in jieba's dictionary;
    it is scored by how often it occurs anywhere: a report names its own place far more
    often than any other. Rare cities that jieba tags as verbs (开封) are missed, not guessed.
    """
    candidates: set[str] = set()
    for match in re.finditer(re.escape(unit), text):
        start, end = match.span()
        if text[end : end + 1].startswith(_WORD_AFTER_UNIT):
            continue
        for size in (2, 3):
            name = text[start - size : start] if start >= size else ""
            if (
                re.fullmatch(rf"[{_CJK}]{{{size}}}", name)
                and not name.startswith(_NOT_NAME_START)
                and not name.endswith(_NOT_NAME_END)
                and _BEFORE_NAME.search(text[max(0, start - size - 1) : start - size])
            ):
                candidates.add(name)
    tags = _dictionary_tags()
    candidates = {n for n in candidates if not tags.get(n, "n").startswith(_NOT_NAME_TAGS)}
    if not candidates:
        return ""
    counts = sorted(((text.count(name), name) for name in candidates), reverse=True)
    best_count, best = counts[0]
    runner_up = counts[1][0] if len(counts) > 1 else 0
    if best_count < _MIN_NAME_COUNT or best_count < 2 * runner_up:
        return ""
    return best


@lru_cache(maxsize=1)
def _dictionary_tags() -> dict[str, str]:
    """Word -> part-of-speech tag from jieba's dictionary (loaded once, about half a second)."""
    import jieba.posseg

    return jieba.posseg.dt.word_tag_tab
