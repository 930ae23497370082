"""The question plan: each question is analysed once, and retrieval and every answerer read the
result instead of re-deriving pieces of it.

`plan_question(question, documents)` works out, from the question and the identity of the
indexed reports (region, level, year delivered, the years their review and plan cover):

- places: the places the question names, and the reports of those places (全国/我国/国务院 name
  the national report; 安徽 names 安徽省; 宁夏 names 宁夏回族自治区);
- time: the year asked about and whether a result (实绩) or a target (目标) is wanted, and from
  that which report holds it: a result for year Y is stated in the review of the report
  delivered in Y+1 (or a later one whose review covers Y), a target for Y in the plan of the
  report delivered in Y. A year no report of the place covers is marked `uncovered`;
- what is asked: the topic terms (the indicator or subject, without place, time and question
  words, each with its known synonyms) and the answer type (figure, list, section, date,
  person, age, yes/no, why, fact), and the unit a figure must carry when the question says it;
  whether it asks a level (…是多少) or a change (增长了多少); which topic words a statement must
  name (`weighed_topic`: a compound no report uses is looked for by all its words);
- delivery: whether it asks about the report's own delivery (who delivered it, on which date, at
  which meeting: "2026年安徽省政府工作报告是谁作的？"), which the report's title block answers;
- parts: a question asking two things (two places, or a target and a result) gets one plan per
  part, each routed on its own.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property

from . import lexicon
from .ingest.periods import five_year_plans
from .types import NATIONAL, PLAN, RESULT, REVIEW, TARGET, DocumentInfo
from .vocab import (
    ASK_WORDS,
    ASKED_UNITS,
    AUTONOMOUS_PEOPLES,
    CHANGE_ASK_WORDS,
    CITY_UNITS,
    CN_NUMERALS,
    CN_SEVERAL,
    MULTI_YEAR_WORDS,
    NATIONAL_NAMES,
    NATIONAL_SELF_WORDS,
    PLAN_RESULT_CUES,
    PLAN_TARGET_CUES,
    PROVINCE_UNITS,
    PROVINCES,
    RECENT_PLAN,
    UNIT_CHARS,
    alternation,
)

# Answer types.
FIGURE = "figure"
LIST = "list"
SECTION = "section"
DATE = "date"
PERSON = "person"
AGE = "age"
YESNO = "yesno"
WHY = "why"
FACT = "fact"

# What a question asks about the report's own delivery (`QuestionPlan.delivery`).
DELIVERED_BY = "speaker"
DELIVERED_ON = "date"
DELIVERED_AT = "meeting"

NATIONAL_LEVEL = "国家"
# Words by which a question names the country as a whole (the national report); 全国 below.
_NATIONAL_WORDS = re.compile(
    alternation(n for n in NATIONAL_NAMES if n != NATIONAL)
    + r"|全中国|(?<![\u4e00-\u9fff])中国(?!式|特色)"
)
# 全国 names the country when no other place is named and it is not a modifier (入选全国…,
# 全国示范县, 居全国第1位).
_ALL_COUNTRY = re.compile(r"(?<![居列选获为入占])全国(?![首第前示十百重先文名一领性范])")

# Questions about the appendices (附件1和附件2分别是什么, 有几个附件).
APPENDIX_ASK = re.compile(
    rf"附[件录表][{CN_NUMERALS}\d]*(?:(?:和|与|、|及|以及)附?[件录表]?[{CN_NUMERALS}\d]+)*"
    r"(?:分别|各自?)?的?(?:标题|题目|名称)?(?:是什么|叫什么|是哪)"
    r"|(?:几|哪些|多少)个?附[件录]|附[件录](?:有|包括)(?:哪些|几个|什么)"
)
_SECTION_ASK = re.compile(
    rf"标题|第[{CN_NUMERALS}\d]+(?:部分|项|个方面|方面|节|大项|条)|哪一(?:部分|节|项)|哪个部分|"
    r"最后一(?:个方面|部分|项|节)|(?:部分|方面|节|项)的?主题|(?:部分|方面|一节|重点)(?:讲|是关于|说)"
    rf"|第[{CN_NUMERALS}\d]+个(?=是|的?(?:重点|任务|方面|部分|工作)|[？?]|$)"
    rf"|(?:安排|工作|任务|部署|建议|重点)[^,，。?？]{{0,6}}排在?第[{CN_NUMERALS}\d]+"
    rf"|排在?第[{CN_NUMERALS}\d]+的?(?:重点|任务|工作|方面|项|部分)"
    r"|那一(?:部分|节|项|个方面)[^？?。]{0,6}(?:叫什么|是什么|标题|名称)|" + APPENDIX_ASK.pattern
)
_LIST_ASK = re.compile(
    rf"哪些|哪(?:[{CN_SEVERAL}几]|\d+)|分别是什么|各是什么|包括什么|包含什么|有什么|都有|包括哪|"
    r"几个方面|几大|几项|"
    # a named set asked about: “九个坚持”是什么, 三大攻坚战指什么
    rf"(?:[{CN_SEVERAL}]+|\d+)(?:大|个(?!百分点)|项|条)[^，,。？?]{{0,12}}?(?:是什么|指什么|是指|具体是)"
)
_PERSON_ASK = re.compile(r"谁|叫什么名字|姓名|名字|哪位|何人")
_AGE_ASK = re.compile(r"多大年纪|年龄|岁数|多少岁|几岁|出生|生于|任期|任职多久|任职时间|上任")
_DATE_ASK = re.compile(r"什么时候|何时|哪一天|哪天|几月几日|几号|日期|哪一年召开|哪年召开")
_YESNO_ASK = re.compile(r"是否|有没有|能否|会不会|是不是|吗[？?]?\s*$")
_WHY_ASK = re.compile(r"为什么|为何|原因|怎么回事")
_FIGURE_ASK = re.compile(
    r"多少|(?<!第)几(?![月号类级星届轮批])|多大|比重|占比|增速|增幅|增长率|规模|总额|总量|数量|金额|目标是|达到|百分之"
)
# Whether a target was met, or targets set beside results: followed from plan to review.
_TRACK_ASK = re.compile(
    r"(?:目标|预期)[^？?。，,]{0,8}(?:完成|实现|达到|达成|达标)(?:了|没有|与否|情况)?"
    r"(?:吗|没|否|情况|如何|怎么样|怎样|与否)|"
    r"(?:目标|预期)[^？?。，,]{0,8}(?:是否|有没有|能否)(?:完成|实现|达到|达成)|"
    r"(?:是否|有没有|能否|有无)(?:超额)?(?:完成|实现|达到|达成)[^？?。，,]{0,12}目标|"
    r"(?:完成|实现|达到)(?:了)?[^？?。，,]{0,12}目标(?:了)?(?:吗|没有)|"
    r"目标(?:值)?(?:和|与|及|跟|同|对比|vs)(?:实际|实绩|结果|完成情况|完成值|实际完成)|"
    r"(?:实际|实绩)(?:值)?(?:和|与|及|跟|同|对比)目标|目标与实绩|目标完成情况"
)
# Who delivered the report, when, where: 是谁作的, 由谁代表自治区人民政府作, 作这份报告的市长叫
# 什么名字, 报告人; 哪天作的, 什么时候作的; 在哪次会议上作的. (工作, 合作, 作出, 作为 are other
# words.)
_DELIVER = r"(?:(?<![工合操创协写运著])作|做|宣读|发表|提交)(?![出为用战])"
_DELIVERED_BY = re.compile(
    rf"报告人|谁(?:来|所)?(?:代表[^？?，,。]{{0,12}})?{_DELIVER}(?:了|过)?"
    rf"(?:[^？?，,。]{{0,12}}报告)?(?=[的？?。！!]|$)|"
    rf"{_DELIVER}[^？?，,。]{{0,16}}报告的[^？?，,。]{{0,8}}(?:是谁|叫什么|是哪位|姓名|名字)"
)
_DELIVERED_ON = re.compile(
    rf"(?:哪天|哪一天|什么时候|何时|几月几日|几号|什么日期|哪个日期)[^？?，,。]{{0,4}}{_DELIVER}|"
    r"报告的?日期"
)
_DELIVERED_AT = re.compile(
    r"在(?:哪|什么|第几)[^？?，,。]{0,6}(?:会议|大会|人大|人代会)|"
    rf"(?:哪|什么|第几)[^？?，,。]{{0,4}}(?:会议|大会|人大|人代会)[上中]?{_DELIVER}"
)
_WHAT = re.compile(r"什么|如何|怎样|怎么|有何|何种|哪些方面")
_HOW_MUCH = re.compile(r"多少|(?<!第)几(?![月号类级星届轮批])|百分之")
# A bare 达到 after 要/将/争 is a target; 末是/末达到 a state reached.
_RESULT_CUES = re.compile(
    alternation(PLAN_RESULT_CUES) + r"|(?<![要将争])达到(?!多少)|末(?:是|达到|为)"
)
_TARGET_CUES = re.compile(alternation(PLAN_TARGET_CUES))
_FIVE_YEAR = re.compile(f"{RECENT_PLAN}|五年|{alternation(MULTI_YEAR_WORDS)}")
# "2019年政府工作报告", "2019年的报告": the report named by the year it was delivered.
_REPORT_YEAR = re.compile(r"((?:19|20)\d{2})\s*年(?:的|度)?[\u4e00-\u9fff]{0,10}?(?:政府工作)?报告")
_QUOTED = re.compile(r"“[^”]*”(?:目标|任务)?|\"[^\"]*\"(?:目标|任务)?")
_PLAN_PERIOD = re.compile(RECENT_PLAN)
# A province or prefecture unit (内江市 of 内江市市中区).
_OUTER_UNIT = re.compile(f"[{PROVINCE_UNITS[0]}{''.join(CITY_UNITS)}]")
_REGION_SUFFIX = re.compile(
    f"(?:{alternation(AUTONOMOUS_PEOPLES)})?自治[区州县旗]$|特别行政区$|地区$|[{UNIT_CHARS}]$"
)


@dataclass(frozen=True)
class TopicTerm:
    """A term naming what is asked about, with the report wordings that count as it."""

    term: str
    weight: float
    alternatives: tuple[str, ...]
    parts: tuple[str, ...] = ()  # its words (粮食, 产量 of 粮食产量): all present count as it
    known: bool = True  # some indexed report uses the term (or one of its alternatives)

    def in_text(self, text: str) -> bool:
        if any(a in text for a in self.alternatives):
            return True
        return bool(self.parts) and all(p in text for p in self.parts)


# A level asked (…是多少, 有多少) and the words of a change asked (增长, 下降…).
_LEVEL_ASKED = re.compile(r"(?:是|有|为|达到?|在|共)多少")
_CHANGE_ASKED = re.compile(alternation(CHANGE_ASK_WORDS))


@dataclass(frozen=True)
class QuestionPlan:
    """What a question asks, analysed once (see the module docstring)."""

    question: str
    answer_type: str = FACT
    places: tuple[str, ...] = ()  # as written in the question (全国 for 我国/国务院…)
    national: bool = False
    years: tuple[int, ...] = ()  # years named in the question
    relative: str = ""  # "last" | "this" | ""
    year: int | None = None  # the year asked about, once resolved against the reports
    status: str = ""  # RESULT | TARGET | "" (either)
    period: str = ""  # REVIEW | PLAN | "" (where the answer sits in its report)
    multi_year: bool = False  # asks about a five-year period, an average or a cumulative total
    numeric: bool = False
    units: tuple[str, ...] = ()  # units the figure must carry, when the question names one
    topic: tuple[TopicTerm, ...] = ()
    documents: tuple[str, ...] = ()  # reports the answer may come from (empty: any)
    place_documents: tuple[str, ...] = ()  # the reports of the named places (empty: any)
    uncovered: bool = False  # the named place's reports do not cover the asked year
    unknown_place: str = ""  # a place the question names that no report is about
    parts: tuple[QuestionPlan, ...] = field(default_factory=tuple)
    label: str = ""  # for a part: shown before its answer (a place, 目标/实绩)
    tracks: bool = False  # asks whether a target was met, or for targets beside results
    # Asks who delivered the report, when or where: DELIVERED_BY | DELIVERED_ON | DELIVERED_AT.
    delivery: str = ""

    @property
    def intent(self) -> lexicon.QuestionIntent:
        return lexicon.intent(self.question)

    @cached_property
    def coined_terms(self) -> tuple[TopicTerm, ...]:
        """Compounds no report uses (城镇居民人均可支配收入 where reports have 全体居民…): a
        statement names one only with all its words (see `TopicTerm.in_text`)."""
        return tuple(o for o in self.topic if o.parts and not o.known)

    @cached_property
    def weighed_topic(self) -> tuple[TopicTerm, ...]:
        """The topic terms a statement of the asked subject must name, each counted once.

        A compound some report uses stands for its words (营商环境, not 营商 and 环境 again).
        A compound no report uses (最低工资, 居民消费价格) is a term of art the reports lack or
        word differently: its words stand for it, including those no report uses, so that a
        statement naming only some of them (标准, 居民) does not pass for it. Other words no
        report uses are the user's own wording and are not looked for (empty when all are).
        """
        coined = self.coined_terms
        in_coined = {p for o in coined for p in o.parts}
        whole = [
            t
            for t in self.topic
            if not any(t.term in o.parts and o.known for o in self.topic) and t not in coined
        ]
        return tuple(t for t in whole if t.known or t.term in in_coined)

    def topic_coverage(self, text: str) -> float:
        """Share of the topic's weight that `text` (normalised) names (`weighed_topic`; all
        terms when the question is all in the user's own words)."""
        terms = self.weighed_topic or self.topic
        total = sum(t.weight for t in terms)
        if not total:
            return 0.0
        return sum(t.weight for t in terms if t.in_text(text)) / total

    @cached_property
    def asks_level(self) -> bool:
        """It asks how much something is (…是多少, 有多少), not how much it changed."""
        return bool(_LEVEL_ASKED.search(self.question)) and not _CHANGE_ASKED.search(self.question)

    @cached_property
    def asks_change(self) -> bool:
        """It asks how much something changed (增长了多少, 提高多少), not how much it is."""
        return bool(_CHANGE_ASKED.search(self.question)) and not _LEVEL_ASKED.search(self.question)

    def figure_in(self, text: str) -> bool:
        """A number in an asked unit (any number when the question names none)."""
        if not self.units:
            # A number, not a digit of a name (M2, PM2.5, 5G).
            return bool(re.search(r"(?<![A-Za-z\d.])\d+(?:\.\d+)?(?![A-Za-z])", text))
        return any(
            re.search(rf"\d\s*(?:余|多)?[万亿千百]?(?:余|多)?{re.escape(u)}", text)
            for u in self.units
        )


def region_core(region: str) -> str:
    """安徽省 -> 安徽, 宁夏回族自治区 -> 宁夏, 内江市市中区 -> 市中 (the name without its unit)."""
    core = _REGION_SUFFIX.sub("", region)
    return core if len(core) >= 2 else region


def names_region(place: str, region: str) -> bool:
    """True when a question's place names this region (安徽 → 安徽省, 市中区 → 内江市市中区)."""
    if not place or not region:
        return False
    if place == region or region.endswith(place):
        return True
    core, place_core = region_core(region), region_core(place)
    if len(place_core) < 2:
        return False
    # 宁夏 for 宁夏回族自治区; 内江 for 内江市 (but not 内江 for 内江市市中区: its own name is 市中区)
    return core == place_core or (core.startswith(place_core) and not _has_inner_unit(region))


def _has_inner_unit(region: str) -> bool:
    """内江市市中区: a unit inside another (its core then starts with the outer name)."""
    body = _REGION_SUFFIX.sub("", region)
    return bool(_OUTER_UNIT.search(body[2:]))


def _answer_type(norm: str) -> str:
    if _SECTION_ASK.search(norm):
        return SECTION
    if _AGE_ASK.search(norm):
        return AGE
    if _PERSON_ASK.search(norm) and not re.search(r"哪位[^？?]{0,6}(?:运动员|同志|代表)", norm):
        return PERSON if not _FIGURE_ASK.search(norm) else FIGURE
    if _DATE_ASK.search(norm):
        return DATE
    if _WHY_ASK.search(norm):
        return WHY
    if _LIST_ASK.search(norm):
        return LIST
    if _FIGURE_ASK.search(norm) and not (_WHAT.search(norm) and not _HOW_MUCH.search(norm)):
        return FIGURE  # (比重提出了什么要求 asks for a requirement, not a figure)
    if _YESNO_ASK.search(norm):
        return YESNO
    return FACT


def _delivery(norm: str) -> str:
    """What the question asks about the report's own delivery, if it asks about it."""
    if "报告" not in norm:
        return ""
    for asked, pattern in (
        (DELIVERED_BY, _DELIVERED_BY),
        (DELIVERED_ON, _DELIVERED_ON),
        (DELIVERED_AT, _DELIVERED_AT),
    ):
        if pattern.search(norm):
            return asked
    return ""


def asks_tracking(question: str) -> bool:
    """The question asks whether a target was met ("2022年GDP增长目标完成了吗？") or for targets
    beside their results ("历年GDP增长目标和实际")."""
    return bool(_TRACK_ASK.search(lexicon.normalize(question)))


def _status(norm: str) -> str:
    norm = _QUOTED.sub("", norm)  # “三零”目标 names a thing; it does not ask for a target
    target = bool(_TARGET_CUES.search(norm))
    result = bool(_RESULT_CUES.search(norm))
    if target and not result:
        return TARGET
    if result and not target:
        return RESULT
    return ""


def topic_terms(
    question: str,
    places: Sequence[str],
    weights: Mapping[str, float] | None = None,
    unknown: Collection[str] = (),
) -> tuple[TopicTerm, ...]:
    """The question's content terms naming its subject, each with its synonyms."""
    norm = lexicon.normalize(question)
    place_words = {w for p in places for w in (p, region_core(p))}
    out: dict[str, TopicTerm] = {}
    for term in lexicon.tokens(norm):
        if (
            term in ASK_WORDS
            or term in ASKED_UNITS  # the unit of 多少万亩: the figure's, not what is asked about
            or term in lexicon.STOP_WORDS
            or re.fullmatch(r"[\d.]+[年月日%]?|(?:19|20)\d{2}年?", term)
            or _PLAN_PERIOD.search(term)
            or term in ("十四", "四五", "十三", "三五", "十五", "五五", "十二", "二五")
            or any(term in p or p in term for p in place_words if p)
            or len(term) < 2
        ):
            continue
        alternatives = (term, *lexicon.SYNONYMS.get(term, ()))
        weight = (weights or {}).get(term, 1.0)
        alternatives = tuple(dict.fromkeys(alternatives))
        known = not all(a in unknown for a in alternatives)
        out.setdefault(term, TopicTerm(term, weight, alternatives, known=known))
    # A user's wording with a report wording of its own that tokenises apart (经济增长 →
    # 国内生产总值): a term, outweighing its words.
    for key, words in lexicon.SYNONYMS.items():
        if key in norm and key not in out and len(key) >= 2:
            inner = [t.weight for t in out.values() if t.term in key]
            weight = max([(weights or {}).get(key, 1.0), *inner])
            known = not all(a in unknown for a in (key, *words))
            out[key] = TopicTerm(key, weight, (key, *words), known=known)
    # Search-mode tokens give a compound and its words (城镇新增就业: 城镇, 新增, 就业); a
    # text that has the words in another order or apart (城镇新增就业 / 新增城镇就业) names it.
    tilings = {term: _tiling(term, [o for o in out if o != term and o in term]) for term in out}
    in_tiling = {p for parts in tilings.values() for p in parts}
    # A search-mode token straddling two words (增城 of 新增城镇) is not a term of the question.
    return tuple(
        replace(t, parts=tilings[t.term])
        for t in out.values()
        if t.term in in_tiling or not any(t.term in o for o in out if o != t.term)
    )


def _tiling(term: str, words: Sequence[str]) -> tuple[str, ...]:
    """The words that cover `term` left to right without overlap (新增, 城镇, 就业), or ()."""
    out, at = [], 0
    while at < len(term):
        word = max((w for w in words if term.startswith(w, at)), key=len, default="")
        if not word:
            return ()
        out.append(word)
        at += len(word)
    return tuple(out)


def names_country(norm: str, places: Sequence[str]) -> bool:
    """The question asks about the country as a whole (我国, 国务院; 全国 with no other place)."""
    others = [p for p in places if p != NATIONAL]
    return bool(_NATIONAL_WORDS.search(norm)) or (not others and bool(_ALL_COUNTRY.search(norm)))


def _documents_of_places(
    norm: str, places: Sequence[str], docs: Mapping[str, DocumentInfo]
) -> tuple[tuple[str, ...], bool, str]:
    """(reports of the named places, national named, a named place no report is about)."""
    national = names_country(norm, places)
    found: list[str] = []
    unknown = province = ""
    if national:
        found += [
            d for d, info in docs.items() if info.level == NATIONAL_LEVEL or info.region == NATIONAL
        ]
    for place in places:
        if place == NATIONAL:
            continue
        matched = [d for d, info in docs.items() if names_region(place, info.region)]
        if matched:
            found += matched
        elif place.endswith(("省", "市", "区", "县")) and not unknown:
            unknown = place
        elif place.startswith(PROVINCES) and not province:
            province = place  # 西藏, 西藏地区: a province named without 省/自治区
    if not unknown and not found:
        unknown = province  # (四川内江: the province of a report's city is no other place)
    return tuple(dict.fromkeys(found)), national, unknown


def _review_years(info: DocumentInfo) -> tuple[int, ...]:
    years = tuple(getattr(info, "review_years", ()) or ())
    return years or ((info.year - 1,) if info.year else ())


def _plan_years(info: DocumentInfo) -> tuple[int, ...]:
    years = tuple(getattr(info, "plan_years", ()) or ())
    return years or ((info.year,) if info.year else ())


def route(
    docs: Mapping[str, DocumentInfo],
    candidates: Sequence[str],
    year: int | None,
    status: str,
) -> tuple[tuple[str, ...], str, bool]:
    """(reports holding the asked year's result/target, the status found, uncovered).

    A result for `year` comes from the report whose review covers it, nearest first (the
    report delivered the next year); a target from the report delivered that year, else one
    whose plan covers it. Without a status, both.
    """
    pool = [d for d in candidates if d in docs]
    if year is None or not pool:
        return tuple(pool), status, False

    def reviews(d: str) -> bool:
        return year in _review_years(docs[d])

    def plans(d: str) -> bool:
        return year in _plan_years(docs[d]) or docs[d].year == year

    def nearest(ds: list[str], target_year: int) -> tuple[str, ...]:
        """The reports delivered nearest `target_year` (of every place among `ds`)."""
        if not ds:
            return ()
        gap = min(abs((docs[d].year or 0) - target_year) for d in ds)
        return tuple(d for d in ds if abs((docs[d].year or 0) - target_year) == gap)

    by_review = nearest([d for d in pool if reviews(d)], year + 1)
    by_plan = nearest([d for d in pool if plans(d)], year)
    if status == RESULT:
        return by_review, RESULT, not by_review
    if status == TARGET:
        return by_plan, TARGET, not by_plan
    # Neither asked: the review of the year and the plan for it may both hold the answer; the
    # answer's label says which it is.
    both = tuple(dict.fromkeys(by_review + by_plan))
    if by_review and not by_plan:
        return both, RESULT, False
    if by_plan and not by_review:
        return both, TARGET, False
    return both, "", not both


def plan_question(
    question: str,
    docs: Mapping[str, DocumentInfo],
    weights: Mapping[str, float] | None = None,
    parts: Sequence[tuple[str, str, tuple[str, ...]]] = (),
    unknown_terms: Collection[str] = (),
) -> QuestionPlan:
    """The plan of `question` over the indexed reports `docs`.

    `parts` are the (text, label, documents) of its sub-questions when it asks two things;
    each gets its own plan, sharing the whole question's years and places where it names none.
    """
    regions = tuple(sorted({d.region for d in docs.values() if d.region}))
    intent = lexicon.intent(question, regions)
    norm = lexicon.normalize(question)
    places = tuple(p for p in intent.places if p not in (*NATIONAL_SELF_WORDS, "中国"))
    national_named = names_country(norm, places)
    if national_named:
        places = (NATIONAL, *places)
    place_docs, national, unknown = _documents_of_places(norm, places, docs)
    candidates = list(place_docs) if place_docs else list(docs)
    candidates, place_docs, asked_years = _named_report(
        norm, regions, docs, candidates, place_docs, intent.years
    )
    answer_type = _answer_type(norm)
    status = _asked_status(norm, intent, docs)
    multi_year = bool(_FIVE_YEAR.search(norm))

    if unknown and not place_docs:
        candidates = []  # a place no report is about: no other place's report stands in
    latest = max((docs[d].year or 0 for d in candidates if d in docs), default=0) or None
    year = _asked_year(asked_years, intent.relative, latest)
    documents, status, uncovered = _documents_asked(
        docs,
        candidates,
        place_docs,
        national=national,
        unknown=unknown,
        year=year,
        status=status,
        multi_year=multi_year,
        newest_only=answer_type == FIGURE and year is None and not asked_years,
    )
    if year is None and documents and len(documents) == 1 and not asked_years and not multi_year:
        year = _year_of_report(docs[documents[0]], status)
    period = {RESULT: REVIEW, TARGET: PLAN}.get(status, "")
    plan = QuestionPlan(
        question=question,
        answer_type=answer_type,
        places=places,
        national=national,
        years=asked_years,
        relative=intent.relative,
        year=year,
        status=status,
        period=period,
        multi_year=multi_year,
        numeric=intent.numeric or answer_type == FIGURE,
        # 哪几个 asks which, not how many
        units=() if answer_type == LIST and "多少" not in norm else intent.units,
        topic=topic_terms(question, places, weights, unknown_terms),
        documents=documents,
        place_documents=place_docs,
        uncovered=uncovered,
        unknown_place=unknown,
        tracks=bool(_TRACK_ASK.search(norm)),
        delivery=_delivery(norm),
    )
    if parts:
        plan = replace(plan, parts=_part_plans(plan, parts, docs, weights, unknown_terms))
    return plan


def _named_report(
    norm: str,
    regions: Sequence[str],
    docs: Mapping[str, DocumentInfo],
    candidates: list[str],
    place_docs: tuple[str, ...],
    asked_years: tuple[int, ...],
) -> tuple[list[str], tuple[str, ...], tuple[int, ...]]:
    """(candidates, place documents, asked years) narrowed to the report the question names by
    the year it was delivered ("2024年政府工作报告"); that year is then not an asked year."""
    named_report = _REPORT_YEAR.search(norm)
    if named_report:
        report_year = int(named_report.group(1))
        delivered = [d for d in candidates if docs[d].year == report_year]
        if delivered:
            candidates = delivered
            place_docs = tuple(delivered)
            rest = norm[: named_report.start(1)] + norm[named_report.end() :]
            asked_years = lexicon.intent(rest, regions).years
    return candidates, place_docs, asked_years


def _asked_status(
    norm: str, intent: lexicon.QuestionIntent, docs: Mapping[str, DocumentInfo]
) -> str:
    """RESULT or TARGET, whichever the question asks for, or "" when it does not say."""
    status = _status(norm)
    if not status and intent.relative == "last":
        status = RESULT
    elif status == RESULT and intent.relative == "this" and not re.search(r"了|实际|实绩", norm):
        status = TARGET  # 今年…达到多少: what this year is to reach
    plans = five_year_plans(norm)
    if plans and not status and not intent.years:
        # 十四五 asked of reports delivered after it: a result; 十五五 in a 2026 report: a goal.
        end = plans[0][-1]
        newest = max((docs[d].year or 0 for d in docs), default=0)
        status = RESULT if newest and end < newest else TARGET
    return status


def _asked_year(asked_years: tuple[int, ...], relative: str, latest: int | None) -> int | None:
    """The one year asked about: the year named, or 去年/今年 counted from the newest report."""
    year = asked_years[0] if len(asked_years) == 1 else None
    if year is None and not asked_years and latest:
        if relative == "last":
            year = latest - 1
        elif relative == "this":
            year = latest
    return year


def _documents_asked(
    docs: Mapping[str, DocumentInfo],
    candidates: list[str],
    place_docs: tuple[str, ...],
    *,
    national: bool,
    unknown: str,
    year: int | None,
    status: str,
    multi_year: bool,
    newest_only: bool,
) -> tuple[tuple[str, ...], str, bool]:
    """(documents, status, uncovered): the reports that hold the answer, the status routing
    settled on, and whether no indexed report covers what is asked."""
    documents: tuple[str, ...] = ()
    uncovered = False
    if national and not any(
        docs[d].region == NATIONAL or docs[d].level == NATIONAL_LEVEL for d in place_docs
    ):
        uncovered = True  # 全国/我国 asked, and no national report is indexed
    elif year is not None and not multi_year and not (unknown and not place_docs):
        documents, status, uncovered = route(docs, candidates, year, status)
    elif place_docs:
        documents = place_docs
    if not documents and place_docs and not uncovered:
        documents = _unrouted_documents(docs, place_docs, newest_only)
    return documents, status, uncovered


def _unrouted_documents(
    docs: Mapping[str, DocumentInfo], place_docs: tuple[str, ...], newest_only: bool
) -> tuple[str, ...]:
    """The documents when the year routed to none: the reports of the places asked about; of
    one place's, only the newest when `newest_only` (a figure asked with no year)."""
    if newest_only and len({docs[d].region for d in place_docs}) == 1:
        # A figure of one place with no year: the newest report of that place.
        newest_report = max(place_docs, key=lambda d: docs[d].year or 0)
        return (newest_report,)
    return place_docs


def _year_of_report(info: DocumentInfo, status: str) -> int | None:
    """The year a report holds results for (the year before it was delivered) or targets for
    (the year it was delivered); None when the status is not known."""
    if status == RESULT and info.year:
        return info.year - 1
    if status == TARGET and info.year:
        return info.year
    return None


def _part_plans(
    plan: QuestionPlan,
    parts: Sequence[tuple[str, str, tuple[str, ...]]],
    docs: Mapping[str, DocumentInfo],
    weights: Mapping[str, float] | None,
    unknown_terms: Collection[str],
) -> tuple[QuestionPlan, ...]:
    """The plans of the sub-questions `parts` of the question planned as `plan`."""
    sub = []
    for text, label, part_docs in parts:
        part = plan_question(text, docs, weights, unknown_terms=unknown_terms)
        # A part naming no year or place of its own shares the whole question's.
        if not part.years and plan.years and not part.relative:
            part = plan_question(
                f"{plan.years[0]}年{text}", docs, weights, unknown_terms=unknown_terms
            )
        # A part naming no place is about the whole question's places.
        part_docs = part_docs or plan.place_documents
        if part_docs and not part.place_documents:
            scoped = {d: docs[d] for d in part_docs if d in docs}
            part = plan_question(
                part.question, scoped or docs, weights, unknown_terms=unknown_terms
            )
        sub.append(replace(part, label=label))
    return tuple(sub)


__all__ = [
    "AGE",
    "APPENDIX_ASK",
    "DATE",
    "DELIVERED_AT",
    "DELIVERED_BY",
    "DELIVERED_ON",
    "FACT",
    "FIGURE",
    "LIST",
    "PERSON",
    "SECTION",
    "WHY",
    "YESNO",
    "QuestionPlan",
    "TopicTerm",
    "asks_tracking",
    "names_region",
    "plan_question",
    "region_core",
    "route",
    "topic_terms",
]
