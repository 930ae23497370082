"""Report metadata from cleaned text: title, region, administrative level, year, date, who
delivered it and at which meeting (pure).

Sources, most trusted first: the report's own title block (title line, dateline, "在XX第N届
人民代表大会" line), the loader's title hint (PDF/HTML/DOCX metadata), the opening lines
("现在，我代表XX人民政府" / "我代表国务院"), the headings (2023年工作回顾 -> a 2024 report,
“十四五”时期工作回顾 -> a 2026 report), phrases of the body (刚刚过去的2025年), the file name
(neijiang-2024.txt). Dates and years are read in any numerals (二〇二六年一月二十七日,
１９９５年). The national report (国务院; 全国人民代表大会; 我代表国务院) has the region 全国
and the level 国家. When the text has no title, the region comes from how the report names
itself: "我代表市人民政府" says it is a city's report, and the city's name is the place name
the text uses most often before 市. A field nothing supports stays empty.

Who delivered it and where come from the title block only, before the salutation (各位代表):
the speaker from a line that is an office and a name ("省人民政府省长 王清宪", "国务院总理李克强",
"自治区主席 艾尔肯·吐尼亚孜"; the office may stand on the line above the name), or from a bare
name standing between the dateline and the salutation; the meeting from the dateline
("——2026年2月5日在安徽省第十四届人民代表大会第四次会议上", also when broken over two lines).
A report that starts at 各位代表 has neither.

The years its review and plan cover (`ReportMeta.review_years`, `plan_years`) come from its
structure: `structure.parse_report` fills them in.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date as _date
from pathlib import Path

from ..types import NATIONAL, ReportMeta
from ..vocab import (
    ADMIN_UNITS,
    CITY_UNITS,
    CN_NUMERALS,
    COUNTY_UNITS,
    HEADING_PLAN_WORDS,
    HEADING_REVIEW_WORDS,
    LOCAL_SELF_WORDS,
    MUNICIPALITIES,
    NATIONAL_SELF_WORDS,
    PLACE_SUFFIXES,
    PLAN_HEADING_TERMS,
    PROVINCE_UNITS,
    SALUTATION,
    TITLE_BLOCK_LINES,
    UNIT_CHARS,
    alternation,
)
from . import periods
from .structure import heading_level, is_part_heading

_HEAD_LINES = 12  # the title block sits in the first lines
_MAX_TITLE_CHARS = 60

_TITLE = re.compile(r"工作报告")
_NOT_TITLE = re.compile(r"[。，；！？,;!?]")
_DATE = re.compile(r"((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_YEAR_MONTH = re.compile(r"((?:19|20)\d{2})\s*年\s*\d{1,2}\s*月")
# A dateline: the date follows dashes or stands in brackets (——2024年1月18日,
# (2024年1月18日)), is followed by the place (2024年1月18日在…会议上), or is a short line of
# its own; a body sentence that opens with a date (1976年1月，…) is not one.
_DATELINE_BEFORE = re.compile(r"[—\-－―(（【\[]\s*$")
_DATELINE_AFTER = re.compile(r"^\s*(?:在|[)）】\]]|$)")
_SHORT_DATELINE = 40
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_FILENAME_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
# A bracketed prefix naming the province, as sites print it: (四川省), 【四川省】.
_PREFIX = re.compile(r"^[(（【\[][^()（）【】\[\]]{2,12}[)）】\]]\s*")
# Trailing brackets holding a date or a year: (2024年1月18日), （2024）.
_DATE_SUFFIX = re.compile(
    r"\s*[(（【\[][^()（）【】\[\]]*(?:19|20)\d{2}[^()（）【】\[\]]*[)）】\]]\s*$"
)
_CONGRESS = re.compile(rf"在([\u4e00-\u9fff]{{2,20}}?)第?[{CN_NUMERALS}百零〇\d]+届人民代表大会")
_SELF = re.compile(f"我代表({alternation(ADMIN_UNITS)})人民政府")
_NAMED_SELF = re.compile(r"我代表([\u4e00-\u9fff]{2,15}?)人民政府")
# How the national report names itself: 我代表国务院, 受国务院的委托, 第十四届全国人民代表大会,
# 国务院总理, 中华人民共和国国务院.
_NATIONAL_SELF = re.compile(
    r"代表(?:中华人民共和国)?国务院|受国务院的?委托|根据国务院的决定|国务院总理"
    rf"|第[{CN_NUMERALS}\d]+届全国人民代表大会|全国人民代表大会第[{CN_NUMERALS}\d]+次会议"
    r"|向全国人民代表大会"
)
_NATIONAL_TITLE = re.compile(r"国务院|中华人民共和国")
# Words a report uses for its own territory: 全国/我国 in the national report, 全省/全市… in others.
_NATIONAL_WORDS = re.compile(alternation(NATIONAL_SELF_WORDS))
_LOCAL_WORDS = re.compile(alternation(LOCAL_SELF_WORDS))
_MIN_NATIONAL_WORDS = 20
_REVIEW_HEADING = re.compile(
    rf"((?:19|20)\d{{2}})\s*年[^，。；]{{0,8}}(?:{alternation(HEADING_REVIEW_WORDS)})"
)
_PLAN_HEADING = re.compile(
    rf"((?:19|20)\d{{2}})\s*年[^，。；]{{0,12}}(?:{alternation(PLAN_HEADING_TERMS)})"
)
_FIVE_YEAR_REVIEW = re.compile(alternation(HEADING_REVIEW_WORDS))
_FIVE_YEAR_PLAN = re.compile(alternation(HEADING_PLAN_WORDS))
# Phrases of the body that date the report: 刚刚过去的2025年 (2026), 2024年的主要预期目标
# (2024), 本届政府1998年3月就职…五年 (2003).
_JUST_PAST = re.compile(r"刚刚过去的((?:19|20)\d{2})年")
_TARGET_YEAR = re.compile(
    r"((?:19|20)\d{2})年(?:国民经济和社会发展|经济社会发展|全省|全市|全区|全县)?的?主要预期目标"
)
_OPENING_YEAR = re.compile(r"^(?:——)?((?:19|20)\d{2})年(?=[,，]|是)")
_PART_REVIEW = re.compile(alternation(HEADING_REVIEW_WORDS))
_PART_PLAN = re.compile(rf"(?:今年|\d{{4}}年).*(?:{alternation((*HEADING_PLAN_WORDS, '要求'))})")
_TERM_START = re.compile(r"本届政府(?:从|自)?((?:19|20)\d{2})年\d{1,2}月就职")
_TERM_END = re.compile(r"已经五年|任期即将结束|过去五年")

_CJK = r"\u4e00-\u9fff"
# An office of the head of a government (省长, 市长, 区长, 县长, 州长, 自治区主席, 国务院总理,
# 代市长), after the government's name; then a name of 2–4 characters ("韦 韬": a two-character
# name padded to three) or a transliterated one (艾尔肯·吐尼亚孜). One name: never a list.
_OFFICE = rf"[{_CJK}]{{0,16}}?(?:代理?)?(?:[{UNIT_CHARS}]长|主席|总理)"
_PERSON = rf"[{_CJK}]\s+[{_CJK}]|[{_CJK}]{{2,4}}|[{_CJK}]{{1,6}}(?:[·•・‧][{_CJK}]{{1,8}})+"
_SPEAKER = re.compile(rf"(?:^|\s)({_OFFICE})\s*({_PERSON})$")
_OFFICE_LINE = re.compile(rf"^({_OFFICE})$")
_NAME_LINE = re.compile(rf"^(?:{_PERSON})$")
# The dateline's meeting: 在安徽省第十四届人民代表大会第四次会议上, 在第十二届全国人民代表大会
# 第五次会议上, 在甘肃省十四届人民代表大会第四次会议上.
_NUMBER = rf"[{CN_NUMERALS}百零〇\d]+"
_MEETING = re.compile(
    rf"在((?:[{_CJK}]{{2,20}}?)?第?{_NUMBER}届(?:全国)?人民代表大会(?:常务委员会)?"
    rf"第?{_NUMBER}次(?:全体)?会议)(?:上|$)"
)
_UNIT_SUFFIXES = PLACE_SUFFIXES
_MUNICIPALITIES = MUNICIPALITIES
# Words before 市/区/县 that are not place names: determiners (全市, 本区) and the heads of
# common compounds (城市, 园区, 郊县).
_NOT_NAME_START = tuple("全本我各该此每外两三" + UNIT_CHARS)
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
    plain_head = [periods.normalize(line) for line in head]
    hint = _strip_site_suffix(title_hint) if title_hint else ""
    title, region = _title_from_head(head)
    if not title and hint:
        title, region = _parse_title(hint)
    if not region:
        region = _congress_region(plain_head) or _named_self_region(plain_head)
    if not region and _is_national(title, plain_head):
        region = NATIONAL

    day = _first_date([*plain_head, periods.normalize(title_hint)])
    year = int(day[:4]) if day else _year(plain_head, title_hint, lines, filename)

    level = level_of(region)
    if not region:
        region, level = _region_from_self_reference(text)
    if not region and _speaks_for_the_nation(text):
        region, level = NATIONAL, level_of(NATIONAL)
    if region and (not title or not _names_region(title, region)):
        title = derived_title(region, year)
    role, speaker, meeting = _delivery(lines)
    return ReportMeta(
        title=title,
        region=region,
        level=level,
        year=year,
        date=day,
        speaker=speaker,
        speaker_role=role,
        meeting=meeting,
    )


def _title_block(lines: list[str]) -> list[str]:
    """The lines before the salutation (各位代表), or none when the report has no title block."""
    for i, line in enumerate(lines[:TITLE_BLOCK_LINES]):
        if line.startswith(SALUTATION):
            return lines[:i]
    return []


def _delivery(lines: list[str]) -> tuple[str, str, str]:
    """(speaker's office, speaker's name, meeting) from the title block; "" where it says none."""
    block = _title_block(lines)
    plain = [periods.normalize(line) for line in block]
    meeting, dateline_end = "", -1
    for start in range(len(plain)):
        # A dateline may be broken over two lines (…在广东省第十四届 / 人民代表大会…会议上).
        for end in (start + 1, start + 2):
            match = _MEETING.search("".join(plain[start:end]).split(" ")[0])
            if match and end <= len(plain):
                meeting, dateline_end = match.group(1), end
                break
        if meeting:
            break
    for i, line in enumerate(plain):
        # The speaker may share the dateline, after a space (…会议上 陕西省省长 赵刚).
        tail = line.split("会议上")[-1].strip()
        match = _SPEAKER.search(tail)
        if match and not _NOT_TITLE.search(tail):
            return match.group(1), _name(match.group(2)), meeting
        following = plain[i + 1] if i + 1 < len(plain) else ""
        if _OFFICE_LINE.match(tail) and _NAME_LINE.match(following):
            return tail, _name(following), meeting
    # A bare name between the dateline and the salutation (1957年6月26日在… / 周恩来 / 各位代表：).
    if meeting and dateline_end == len(plain) - 1 and _NAME_LINE.match(plain[-1]):
        return "", _name(plain[-1]), meeting
    return "", "", meeting


def _name(text: str) -> str:
    return re.sub(r"\s+", "", text)


def derived_title(region: str, year: int | None) -> str:
    """The title of a report whose page has none: 2019年国务院政府工作报告 for the national
    report, 内江市人民政府工作报告（2024） for the others."""
    if region == NATIONAL:
        return f"{year}年国务院政府工作报告" if year else "国务院政府工作报告"
    return f"{region}人民政府工作报告" + (f"（{year}）" if year else "")


def level_of(region: str) -> str:
    """ "国家" | "省" | "市" | "区县" for a region name, from its last administrative unit."""
    if not region:
        return ""
    if region == NATIONAL:
        return "国家"
    if region.endswith(PROVINCE_UNITS) or region in _MUNICIPALITIES:
        return "省"
    if region.endswith(COUNTY_UNITS):
        return "区县"
    if region.endswith(CITY_UNITS):
        # A 市 after a prefecture (内江市隆昌市) is a county-level city.
        for i in range(3, len(region) - 2):
            if region[:i].endswith(CITY_UNITS) and region[i:].endswith("市"):
                return "区县"
        return "市"
    return ""


def _title_from_head(head: list[str]) -> tuple[str, str]:
    for line in head:
        candidate = re.split(r"\s*(?:——|--|—)\s*", line, maxsplit=1)[0]
        if (
            _TITLE.search(candidate)
            and len(candidate) <= _MAX_TITLE_CHARS
            and not _NOT_TITLE.search(candidate)
        ):
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
    plain = periods.normalize(line)
    match = re.match(rf"^(?:(?:19|20)\d{{2}}\s*年度?)?\s*([{_CJK}]*?)(?:人民)?政府工作报告", plain)
    region = _valid_region(match.group(1)) if match else ""
    if not region and _NATIONAL_TITLE.search(plain.split("工作报告")[0]):
        region = NATIONAL
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


def _names_region(title: str, region: str) -> bool:
    """Does the title say whose report it is?"""
    before = title.split("政府")[0]
    if region == NATIONAL:
        return bool(_NATIONAL_TITLE.search(before))
    return bool(re.search(rf"[{_CJK}]{{2,}}?(?:{'|'.join(_UNIT_SUFFIXES)})", before))


def _is_national(title: str, head: list[str]) -> bool:
    """The title or the opening lines speak as the national government (国务院)."""
    if title and _NATIONAL_TITLE.search(title.split("工作报告")[0]):
        return True
    return bool(_NATIONAL_SELF.search("".join(head)))


def _speaks_for_the_nation(text: str) -> bool:
    """Untitled text that says 全国/我国 far more often than 全省/全市/我区…"""
    national = len(_NATIONAL_WORDS.findall(text))
    local = len(_LOCAL_WORDS.findall(text))
    return national >= _MIN_NATIONAL_WORDS and national >= 3 * local


def _congress_region(head: list[str]) -> str:
    # Joined: a dateline may be broken over two lines (…在广东省第十四届 / 人民代表大会…).
    match = _CONGRESS.search("".join(head))
    return _valid_region(match.group(1)) if match else ""


def _named_self_region(head: list[str]) -> str:
    """现在，我代表海南省人民政府 -> 海南省."""
    for line in head:
        match = _NAMED_SELF.search(line)
        if match:
            region = _valid_region(match.group(1))
            if region:
                return region
    return ""


def _first_date(lines: list[str]) -> str:
    for line in lines:
        for match in _DATE.finditer(line):
            if not _is_dateline(line, match):
                continue
            try:
                return _date(*(int(g) for g in match.groups())).isoformat()
            except ValueError:
                continue
    return ""


def _is_dateline(line: str, match: re.Match[str]) -> bool:
    before, after = line[: match.start()], line[match.end() :]
    return bool(
        (len(line) <= _SHORT_DATELINE and not _NOT_TITLE.search(line))
        or _DATELINE_BEFORE.search(before)
        or _DATELINE_AFTER.match(after)
        or (
            re.search(r"[(（【\[][^)）】\]]*$", before) and re.match(r"[^(（【\[]*[)）】\]]", after)
        )
    )


def _year(head: list[str], title_hint: str, lines: list[str], filename: str) -> int | None:
    hint = periods.normalize(title_hint)
    # A dateline with an unknown day (2024年1月X日) still gives the year.
    for line in [*head, hint]:
        for dated in _YEAR_MONTH.finditer(line):
            if _is_dateline(line, dated):
                return int(dated.group(1))
    for line in [*head, hint]:
        candidate = re.split(r"\s*(?:——|--|—)\s*", line, maxsplit=1)[0]
        if _TITLE.search(candidate) and not _NOT_TITLE.search(candidate):
            match = _YEAR.search(candidate)
            if match:
                return int(match.group(1))
    year = _year_from_headings(lines) or _year_from_body(lines)
    if year:
        return year
    match = _FILENAME_YEAR.search(Path(filename).stem) if filename else None
    return int(match.group(1)) if match else None


def _year_from_headings(lines: list[str]) -> int | None:
    """A 2023年工作回顾 heading dates the report 2024, a 2024年工作安排 heading 2024,
    “十四五”时期回顾 2026, “十五五”时期主要目标 2026."""
    for line in lines:
        if len(line) > 40 or not (heading_level(line) == 1 or is_part_heading(line)):
            continue
        plain = periods.normalize(line)
        match = _REVIEW_HEADING.search(plain)
        if match:
            return int(match.group(1)) + 1
        match = _PLAN_HEADING.search(plain)
        if match:
            return int(match.group(1))
        plans = periods.five_year_plans(plain)
        if plans and _FIVE_YEAR_REVIEW.search(plain):
            return plans[-1][-1] + 1
        if plans and _FIVE_YEAR_PLAN.search(plain):
            return plans[0][0]
    return None


def _year_from_body(lines: list[str]) -> int | None:
    """The year most phrases of the body date the report to: 刚刚过去的2025年 (2026), a
    review part's paragraph opening "2004年，…" (2005), a plan part's "2006年是…" (2006)."""
    votes: Counter[int] = Counter()
    part = ""
    for line in lines:
        plain = periods.normalize(line)
        if len(line) <= 40 and (heading_level(line) == 1 or is_part_heading(line)):
            part = (
                "review"
                if _PART_REVIEW.search(plain)
                else "plan"
                if _PART_PLAN.search(plain)
                else ""
            )
            continue
        match = _OPENING_YEAR.match(plain)
        if match and part:
            votes[int(match.group(1)) + (1 if part == "review" else 0)] += 1
        for match in _JUST_PAST.finditer(plain):
            votes[int(match.group(1)) + 1] += 1
        for match in _TARGET_YEAR.finditer(plain):
            votes[int(match.group(1))] += 1
        match = _TERM_START.search(plain)
        if match and _TERM_END.search(plain):
            votes[int(match.group(1)) + 5] += 1
    if not votes:
        return None
    return max(votes.items(), key=lambda kv: (kv[1], kv[0]))[0]


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
    return region, level_of(region)


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


def _dictionary_tags() -> dict[str, str]:
    """Word -> part-of-speech tag from jieba's dictionary (loaded once per process)."""
    from .. import lexicon

    return lexicon.word_tags()
