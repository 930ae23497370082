"""Indicator extraction: every figure of a report as a structured record (pure, no I/O).

A figure is a number with a unit (亿元, 万人, %, 个百分点, 个, 公里…) stated as the value of an
indicator: 地区生产总值1800亿元左右, 增长7.0%左右, 新增城镇就业5800人以上, 新增4个省级临床重点专科.
Also 600多万套, 突破万亿元, 八成以上, 842元/月, and a bare 1240万 when it counts people (…人口).
`value_text` is the figure as written, in digits where the text spells it (突破1万亿元, 8成以上).
Numbers that only qualify a name (5亿元以上项目, 2×475兆瓦燃气轮机, 第3位, 2024年, 稳经济“30条”)
are not. A range (6%－6.5%) is one figure: the lower bound, the rest as qualifier.

Rules, per clause of a sentence:

- the indicator name is the text before the figure, trimmed of verbs and adverbs (增长, 达到,
  控制在, 实际…); a figure with no name of its own ("…1800亿元左右、增长7.0%左右") shares the
  subject, and so do names that only say how or when (总量, 年均, 十年增加, 比去年增加); an amount
  that is a change keeps its verb (农村贫困人口减少1240万);
- "A、B、C分别增长x、y、z" (or items and values in parallel) pairs items with values, each item
  completed from the last (城镇、农村常住居民人均可支配收入; a shared suffix such as 增加值;
  "城乡居民…" means urban and rural); one value stated for several rates gives one figure each;
- a count before its noun ("新增4个省级临床重点专科") is named by the noun after it, and by what
  its clause says of it when it opens the clause ("7所高职学校入选…" -> 入选…的高职学校); so is a
  share that opens its clause ("90%的县医院达到…");
- "由A提高到B" gives both values, A of the year before the period; "三次产业比重为a∶b∶c" the
  three sector shares;
- kind: growth (a change in %, 成 or 个百分点 after 增长/下降/提高/上涨…), share (other %), count
  (个, 户, 家…), level (amounts: 亿元, 万人, 公里…, and people counted in 名 or 人次);
- status and year come from the paragraph's period (review: result; plan: target), and cue
  words (力争, 确保, 目标; 预计, 完成了) decide when the paragraph has no period. A review that
  turns to the five years of a plan (这五年, “十四五”时期…) labels its changes 五年累计; targets
  under a 十五五 heading are for 2030, and 到2027年 sets the year of what follows it.
"""

from __future__ import annotations

import copy
import csv
import io
import itertools
import re
from collections.abc import Callable, Iterable

from .types import PLAN, RESULT, REVIEW, SECTION_SEP, TARGET, Indicator, Paragraph, Report

LEVEL, GROWTH, SHARE, COUNT = "level", "growth", "share", "count"
KINDS = (LEVEL, GROWTH, SHARE, COUNT)

# Longest first, so 个百分点 wins over 个 and 平方公里 over 公里.
_COUNT_UNITS = (
    "场次", "人次", "套（间）", "个", "家", "户", "所", "项", "座", "张", "套", "辆", "台",
    "次", "件", "处", "起", "批", "名", "口", "条", "轮",
)  # fmt: skip
_LEVEL_UNITS = (
    "个工作日", "美元", "元", "人", "平方公里", "公里", "千米", "平方米", "立方米", "千伏", "兆瓦时",
    "兆瓦", "千瓦", "吨", "亩", "头", "只", "天", "倍", "斤",
)  # fmt: skip
# Counters of people are amounts of people, like 万人: 58名传承人, 1.2亿人次.
_PEOPLE_UNITS = ("名", "人次")
# A count of people written with 个: 149.5万个婴幼儿.
_PEOPLE_NOUN = re.compile(
    r"^(?:婴幼儿|儿童|学生|老人|老年人|人|群众|居民|职工|农民工|毕业生|游客|患者)"
)
_UNITS = sorted(("个百分点", "%", "％", *_COUNT_UNITS, *_LEVEL_UNITS), key=len, reverse=True)
_PRE_QUALIFIERS = ("超过", "不低于", "不少于", "不超过", "至少", "突破", "超", "约", "近", "逾")
_POST_QUALIFIERS = ("左右", "以上", "以下", "以内", "余", "多")
_PRE = r"(?P<pre>" + "|".join(_PRE_QUALIFIERS) + r")?"
_POST = r"(?P<post>" + "|".join(_POST_QUALIFIERS) + r")?"
_NUM_START = r"(?<![\d.×xX*/±+A-Za-z第])"

_FIGURE = re.compile(
    _PRE + _NUM_START + r"(?P<num>\d+(?:\.\d+)?)(?![\d.])"
    r"(?P<approx0>余|多)?[ \u3000]?(?P<mult>万亿|千亿|亿|万|千)?(?P<approx>余|多)?"
    r"(?P<unit>" + "|".join(re.escape(u) for u in _UNITS) + r")"
    r"(?P<per>/(?:月|年|人|天|日|吨|亩))?" + _POST
)
# A round amount without a digit: 突破万亿元, 保持在千亿元以上.
_ROUND = re.compile(
    _PRE
    + r"(?<![\d.一二三四五六七八九十百千万亿几数两/ ])(?P<mult>万亿|千亿|百亿)(?P<unit>元|美元)"
    + _POST
)
_ROUND_VALUE = {"万亿": (1.0, "万亿"), "千亿": (1000.0, "亿"), "百亿": (100.0, "亿")}
# Tenths: 八成以上, 下降超过五成 (a bare 一成 inside a word, as in 统一成立, is not one).
_TENTHS = re.compile(
    _PRE + r"(?<![\d.一二三四五六七八九十两几数])(?P<num>[一二三四五六七八九]|\d)成" + _POST
)
_CN_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")}
# People counted without a unit: 农村贫困人口减少1240万, 近1400万农业转移人口.
_BARE_PEOPLE = re.compile(
    _PRE + _NUM_START + r"(?P<num>\d+(?:\.\d+)?)(?![\d.])"
    r"(?P<approx0>余|多)?(?P<mult>万|亿)(?P<approx>余|多)?" + _POST
)
_UNIT_NEXT = re.compile(
    r"[\d千百元人户个家项所座张套辆台次件处起批名口条吨亩头只天倍斤公平立兆美%％]"
)
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
_CLAUSE_END = "，,；;：:。！？!?"
_GROWTH_VERBS = re.compile(
    r"(增长|增速|增幅|提高|提升|上升|回升|提速|上涨|涨幅|上调|下调|下降|减少|降低|缩短|压减|压缩|下滑|"
    r"高于|低于)了?$"
)
_DECREASE = re.compile(r"下降|下调|减少|降低|缩短|压减|压缩|下滑|低于")
# Verbs and links trimmed from the end of a name (the figure follows them).
_TRAIL = re.compile(
    r"(?:分别|(?<![年平])均|共|(?<!年)累计|同比|比上年|较上年|全年|预计|达到|达|为|是|至|到|实现|完成|"
    r"(?:增加|提高|提升|上升|扩大|增长|降低|下降|减少|增|降)(?:到|至)|"
    r"增长|增速|增幅|提高|提升|上升|回升|提速|上涨|涨幅|上调|下调|下降|减少|降低|缩短|压减|压缩|稳定在|保持|"
    r"控制在|控制|首次|实际|接连|连年|连续|持续|已|拟按|按|拟安排|安排|去年|今年|约有|共有|已有|从|由|"
    r"跨越|等|各|"
    r"超过|超|突破|不低于|不少于|不超过|至少|高于|低于|约|近|逾|共计|合计|总计|其中|在|了|的)+$"
)
# Openers trimmed from the start of a name.
_LEAD = re.compile(
    r"^(?:[（(][^）)]*[）)]|[—－]+|(?:19|20)\d\d年|预计|全年|今年|去年|其中|累计|力争|确保|努力|争取|推动|实现|"
    r"完成|共|并|和|及|与|、|全[市省区县疆]|年内|当年|分别|努力做到|做到|至少|再|要|将|拟|安排|落实|但|而|提出)+"
)
_COMPARED = re.compile(r"与[^，,；;]{0,12}?相比|同比|比上年|较上年|比去年")
_RESPECTIVE = re.compile(r"分别")
# What surrounds the items of a list in the clause before "分别": 推动…, …建设, …规模化发展.
_ITEM_TRIM = re.compile(
    r"^(?:大力|加快|积极|着力|全力)?(?:推进|推动|实施|支持|培育|发展)|(?:规模化)?(?:建设|发展)$"
)
_CLAUSE_STOP = re.compile(r"[，,；;：:。！？!?、（(\d]")
# "实施河坝街历史文化街区等特色项目": the examples before 等 are not the indicator.
_EXAMPLES = re.compile(r"^.+?[^平高中初同]等(?=[^级次])")
_POINTS_LIST = re.compile(r"、\d+(?:\.\d+)?个百分点")
_SHARED_SUFFIX = re.compile(
    r"(增加值|投资|收入|产值|总额|总量|经费|支出|产量|面积|人数|贷款余额|贷款|余额|用电量|增值税|产业规模)$"
)
# A name that is a whole indicator: it takes nothing from the other items of its list.
_INDICATOR_END = re.compile(r"(?:率|额|值|量|数|资|入|出|积|价|费|金|款|重|比|税|耗)$")
_RATE_END = re.compile(r"(?:率|比重|比例|占比)$")
_PERIOD_SUFFIX = re.compile(r"(?:年均|累计)$")
_NEXT_IN_LIST = re.compile(r"、" + _NUM_START + r"\d")
# Five-year periods: a plan's own (“十五五”时期) and a review's (这五年, 过去一年).
_FIVE_YEAR_PLAN = re.compile(r"“?(十[一二三四五]?|[六七八九])五”?(?:时期|规划|期间|目标|发展|以来)")
_PERIOD_OPENING = re.compile(
    r"(?P<five>五年|“?十[一二三四五]?五”?(?:时期|期间|以来))|(?P<one>一年|去年|(?:19|20)\d\d年是|刚刚过去的)"
)
_CUMULATIVE = re.compile(r"^growth|累计")  # a change over the five years, not a level
_PERIOD_IN = re.compile(r"年均|[一二三四五六七八九十两多几\d]年")
_COMPARISON = re.compile(r"高于|低于|优于|快于|慢于|比")
_BY_YEAR = re.compile(r"(?:到|至)((?:19|20)\d\d)年")
_PLAN_CUES = re.compile(r"力争|确保|目标|预期|计划|争取|努力|要|将")
_RESULT_CUES = re.compile(r"预计|完成了|实现了|取得|累计|同比|去年")
_NOUN_END = re.compile(
    r"[，,；;：:。！？!?、（(\d]|等|和|及|与|分别|实现|全面|全部|完成|达到|建成|开工|入选|第"
)

# A name that says how or when but not what ("总量突破90万亿元", "五年年均增长5.2%",
# "比去年增加2000亿元"): it takes the subject named before it in the sentence.
_BARE = re.compile(
    r"^(?P<time>[一二三四五六七八九十两]+年|近?\d+年)?"
    r"(?P<rest>(?:年均|累计|总量|总额|总规模|规模|增加|减少|增产|减产|净增|增长|提高|下降)*)$"
)
_PERIOD_TAIL = re.compile(r"(?:[一二三四五六七八九十两]+年|近?\d+年)?(?:累计|年均)+$")
_HEADS_ONLY = re.compile(r"^(?:总量|总额|总规模|规模)$")
_COMPARED_MID = re.compile(r"比去年|比上年|较上年|较去年")
_COMPARED_LEAD = re.compile(r"^(?:比去年|比上年|较上年|较去年|同比)")
# The change itself is the amount: 农村贫困人口减少1240万 is named …减少.
_CHANGE_VERB = re.compile(r"(净?(?:减少|增加)|净增|提高|下降|降低|压减|压缩|节约)$")
# Where a count that opens its clause meets its predicate: 7所高职学校|入选国家“双高计划”.
_PREDICATE = re.compile(
    r"(?<![所存现实正内外])在|新?获评|获得|被|入选|升格|享受|达到|实现|开展|开设|建成|开工|投产|"
    r"投用|落户|参加|纳入|列入|成为|用于|投入"
)
# Between two counts of one list: 、, 和, 及, maybe with examples (和“桦加沙”等15个台风).
_LIST_LINK = re.compile(r"[、和及](?:[^，,；;。、]*等)?")
# 由A提高到B: the start (从2007年的639亿元) and the end (增加到2012年的1923亿元) of a change.
_CHANGE_FROM = re.compile(
    r"(?:从|由)[^\d，,；;。、从由]{0,5}?"
    r"(?:(?P<year>(?:19|20)\d\d)年(?:底|末)?的?|去年(?:底|末)?的?)?$"
)
_CHANGE_TO = re.compile(
    r"(?:提高|增加|上升|提升|下降|降低|减少|增长|扩大|缩小|调整|优化|跃升|攀升|降|升)?"
    r"(?:到|至|为)(?:(?P<year>(?:19|20)\d\d)年(?:底|末)?的?|去年(?:底|末)?的?)?"
)
_SUBJECT_LEAD = re.compile(r"^(?:.*等|全[省市区国县疆]|其中|共有|另有|每年)?$")
_AFTER_VALUE = re.compile(r"安排|的[^，,；;。]{0,6}水平|的幅度")
_RATE_OF = re.compile(
    r"的幅度(?P<verb>压减|削减|降低|减少|压缩|提高|增加|增长)(?P<noun>[^，,；;。、]{2,12})"
)


def _clauses(sentence: str) -> list[tuple[int, int]]:
    """(start, end) of the clauses of a sentence, cut at ，；：。 outside brackets."""
    out, start, depth = [], 0, 0
    for i, ch in enumerate(sentence):
        if ch in "（(“《":
            depth += 1
        elif ch in "）)”》":
            depth = max(depth - 1, 0)
        elif ch in _CLAUSE_END and depth == 0:
            if i > start:
                out.append((start, i))
            start = i + 1
    if start < len(sentence):
        out.append((start, len(sentence)))
    return out


def _clean_name(text: str) -> str:
    name = _COMPARED.sub("", text).replace("预计", "").strip(" 、，,")
    for _ in range(3):
        before = name
        name = _LEAD.sub("", name).strip(" 、")
        name = _TRAIL.sub("", name).strip(" 、")
        if name == before:
            break
    name = _EXAMPLES.sub("", name) or name
    if len(name) > 24:
        # A long lead-in ("坚持…，实施…行动，全社会固定资产投资"): keep the part nearest the figure.
        cut = max(
            i
            for c in "，、的"
            if (i := name.rfind(c)) < 0 or c != "、" or not _RATE_END.search(name[:i])
        )
        if 0 <= cut < len(name) - 2:
            name = name[cut + 1 :]
    return name


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
        self.unit = "%" if unit_word == "％" else mult + unit_word
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
        return self.unit_word in _COUNT_UNITS or self.people

    @property
    def percent(self) -> bool:
        return self.unit_word in ("%", "％", "个百分点", "成")


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
        if free(m.start(), m.end()) and (m.group("post") or not after or after in _CLAUSE_END):
            num = m.group("num")
            value = float(num) if num.isdigit() else float(_CN_DIGITS[num])
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
        if lower and f.unit in ("%", "个百分点"):
            f.qualifier = sentence[lower.end("num") : f.end]
            f.value = float(lower.group("num"))
            f.start = f.span_start = lower.start()
            f.value_text = sentence[f.start : f.end]
        out.append(f)
    return out


def _share_subject(sentence: str, f: _Figure) -> tuple[str, int] | None:
    """A share that opens its clause, named by what the clause says of its noun: '每年70%以上的
    财政支出投入民生领域' -> (每年投入民生领域的财政支出比重, end of the statement)."""
    start = max(sentence.rfind(c, 0, f.start) for c in _CLAUSE_END) + 1
    lead = sentence[start : f.start].strip(" 、")
    if not _SUBJECT_LEAD.match(lead):
        return None
    end = next(
        (i for i in range(f.end, len(sentence)) if sentence[i] in _CLAUSE_END), len(sentence)
    )
    noun_start = f.end + sentence.startswith("的", f.end)
    pred = _PREDICATE.search(sentence, noun_start, end)
    if not pred or pred.start() - noun_start < 2:
        return None
    pred_end = sentence.find("、", pred.start(), end)
    pred_end = end if pred_end < 0 else pred_end
    noun = sentence[noun_start : pred.start()]
    return f"{lead}{sentence[pred.start() : pred_end]}的{noun}比重", pred_end


def _modifier(sentence: str, f: _Figure) -> bool:
    """True when the figure only qualifies a following noun (5亿元以上项目, 2×475兆瓦燃气轮机)."""
    after = sentence[f.end : f.end + 1]
    if not after or after in _CLAUSE_END or after in "、）)”》（(等和及":
        return False
    if _AFTER_VALUE.match(sentence, f.end):
        return False  # 赤字率拟按3%安排, 稳定在5%左右的较低水平, 按5%的幅度压减…
    if _CHANGE_FROM.search(sentence, 0, f.start):
        return False  # 从11.37万亿元提高到14.58万亿元
    if f.percent and _share_subject(sentence, f):
        return False  # 90%的县医院达到三级医院服务能力水平
    # 30户以上自然村, 6万立方米短流程…: a threshold or a size within a name.
    return bool(f.post) or not f.counter


def _figures(sentence: str) -> list[_Figure]:
    return [
        f
        for f in _find(sentence)
        if f.name
        or (not _modifier(sentence, f) and not (f.counter and sentence.startswith("方面", f.end)))
    ]


def _count_noun(sentence: str, end: int) -> tuple[str, int]:
    """The noun a count qualifies and the characters it takes: '4个省级临床重点专科、…' ->
    ('省级临床重点专科', 8)."""
    rest = sentence[end:]
    stop = _NOUN_END.search(rest)
    noun = rest[: stop.start()] if stop else rest
    if stop and rest[stop.start()] == "第":
        return "", 0  # 全国86个同类城市第4位: a rank among them, not a count
    used = len(noun)
    noun = noun.strip()
    if len(noun) <= 2 and stop and not _CLAUSE_STOP.match(rest, stop.start()):
        # "…等40余个项目建成投用": a bare 项目 is named by what is done with it.
        clause = re.match(r"[^，,；;：:。！？!?、]*", rest).group(0)
        if len(clause) <= 8:
            noun, used = clause, len(clause)
    return (noun, used) if 2 <= len(noun) <= 20 else ("", 0)


def _subject_counts(sentence: str, start: int, end: int, figs: list[_Figure]) -> None:
    """Name counts that open their clause by what the clause says of them: '7所高职学校入选国家
    “双高计划”' -> 入选国家“双高计划”的高职学校; '5个地级市和5个县级城市新获评…' shares it."""
    chain: list[_Figure] = []
    cursor = start
    for f in figs:
        lead = sentence[cursor : f.start]
        nxt = sentence[f.end : f.end + 1]
        if f.name or not f.counter or not nxt or nxt in _CLAUSE_END or nxt in "、）)”》（(":
            break
        if not chain and not _SUBJECT_LEAD.match(lead.strip(" 、，,")):
            return
        if chain and not re.fullmatch(r"[^，,；;。、和及\d]{1,20}(?:和|及|、)", lead):
            break
        chain.append(f)
        cursor = f.end
    if not chain:
        return
    pred = _PREDICATE.search(sentence, chain[-1].end, end)
    if not pred:
        return
    pred_end = sentence.find("、", pred.start(), end)
    pred_end = end if pred_end < 0 else pred_end
    predicate = sentence[pred.start() : pred_end]
    stops = [g.start for g in chain[1:]] + [pred.start()]
    nouns = [
        re.sub(r"(?:和|及|、)$", "", sentence[f.end : stop])
        for f, stop in zip(chain, stops, strict=True)
    ]
    if not all(1 <= len(n) <= 20 for n in nouns):
        return
    for f, noun in zip(chain, nouns, strict=True):
        f.name = f"{predicate}的{noun}"
        f.count_noun = noun
        f.span_end = pred_end


def _complete_items(items: list[str]) -> list[str]:
    """Give the items of a list the part they share with the last one: 城镇、农村常住居民人均可支配
    收入 -> 城镇常住居民人均可支配收入; 先进制造业、高技术制造业增加值占…比重; 生猪、家禽年出栏量."""
    last = items[-1]
    shortest = min(len(i) for i in items[:-1]) if len(items) > 1 else 0
    suffix = _SHARED_SUFFIX.search(last)
    out = []
    for item in items[:-1]:
        if _INDICATOR_END.search(item):
            out.append(item)  # a whole indicator already: 社会消费品零售总额、固定资产投资
            continue
        # The item ends as a word inside the last item does: 规上工业、服务业|增加值 (not as
        # the word the last item starts with: 接待游客、游客花费).
        overlap = next(
            (
                p + k
                for k in range(min(len(item), 4), 0, -1)
                if (p := last.find(item[-k:])) > 0 and 3 <= p + k <= len(last) - 2
            ),
            None,
        )
        if overlap is not None:
            out.append(item + last[overlap:])
        elif shortest == 2 and len(last) >= 4:
            out.append(item + last[shortest:])  # 城镇、农村|常住居民人均可支配收入
        elif suffix and not _SHARED_SUFFIX.search(item):
            out.append(item + suffix.group(1))
        else:
            out.append(item)
    return [*out, last]


def _strip_figures(text: str) -> str:
    """An item without the figures it states: '全年接待游客3.23亿人次' -> '全年接待游客'."""
    text = _FIGURE.sub("", text)
    return re.sub(r"\d+(?:\.\d+)?(?:万|亿)?[余多]?[个户家项所座]", "", text)


def _parallel(sentence: str, start: int, figs: list[_Figure]) -> bool:
    """'A、B、C x、y、z' without 分别: as many items before the figures as figures, all of one unit,
    each figure after the first following a 、."""
    if len(figs) < 2 or len({f.unit for f in figs}) > 1:
        return False
    if any(sentence[a.end : b.start] != "、" for a, b in itertools.pairwise(figs)):
        return False
    lead = sentence[start : figs[0].start]
    return not re.search(r"\d", lead) and len(lead.split("、")) == len(figs)


def _respective(
    sentence: str, start: int, end: int, figs: list[_Figure], previous_clause: str
) -> bool:
    """Name the figures of 'A、B分别增长x、y' in sentence[start:end]; True when it applied."""
    clause = sentence[start:end]
    m = _RESPECTIVE.search(clause)
    if m:
        at, verb_end = start + m.start(), start + m.end()
    elif _parallel(sentence, start, figs):
        at = verb_end = figs[0].start  # 改造老旧供热、燃气、排水管网800公里、600公里、300公里
    else:
        return False
    after = [f for f in figs if f.start >= at]
    before_text = sentence[start:at]
    # "…增加值年均分别增长": 年均 belongs to every item.
    period = re.search(r"(?:年均|累计)$", before_text)
    if period:
        before_text = before_text[: period.start()]
    # Counts inside the items ("25个…项目、371个…项目分别完成投资…") belong to the items.
    items = [i for i in re.split(r"、", before_text) if i.strip()]
    if len(items) < len(after):
        items = [i for i in re.split(r"[、和及]", before_text) if i.strip()] or items
    verb_text = sentence[verb_end : after[0].start] if after else ""
    if len(items) <= 1 and len(after) >= 2:
        # "推进27个省级重点项目、380余个市级重点项目建设，力争分别完成投资260亿元、750亿元":
        # the items are in the clause before.
        earlier = [_ITEM_TRIM.sub("", i) for i in previous_clause.split("、") if i.strip()]
        if len(earlier) == len(after):
            own = _LEAD.sub("", items[0]) if items else ""
            items = earlier
            verb_text = own + verb_text
    if not after or not items:
        return False
    if len(items) == 1 and len(after) == 2 and "城乡" in items[0]:
        base = items[0].split("城乡", 1)
        items = [f"{base[0]}城镇{base[1]}", f"{base[0]}农村{base[1]}"]
    if len(items) != len(after):
        return False
    names = _complete_items([_LEAD.sub("", _strip_figures(i)) or i for i in items])
    if period:
        names = [n + period.group(0) for n in names]
    noun = re.sub(_GROWTH_VERBS.pattern.rstrip("$"), "", verb_text)
    noun = re.sub(r"^(?:完成|实现|达到|达|为)", "", noun).strip()
    change = _CHANGE_VERB.search(verb_text.strip())
    for f, item in zip(after, names, strict=True):
        # 水土流失、沙化土地面积分别净减少…: the change is the amount, and keeps its verb.
        f.name = f.item = (
            _clean_name(item) + change.group(1)
            if change and not f.percent
            else _clean_name(item + noun)
        )
        f.verb = verb_text
        f.span_start = start
    # "分别稳定在3900万头、13.5亿只以上": the list's last qualifier holds for all of it.
    if after[-1].post and all(not f.qualifier for f in after[:-1]):
        for f in after[:-1]:
            f.qualifier = after[-1].post
    return True


def _year(text: str | None) -> int | None:
    return int(text) if text else None


def _own_part(lead: str) -> str:
    """The lead without a part that holds a figure of its own ('新建5个以上紧密型城市医疗集团、
    区级覆盖率', '用户突破3500万、月访问量'): that part is about something else."""
    if not re.search(r"\d(?![\d.A-Za-z]|年)", lead):
        return lead  # no figure (a year or a grade such as 5A级 is not one)
    part = re.split(r"[、，,]", lead)[-1]
    return part if len(part.strip()) >= 2 else lead


def _lead_name(lead: str, f: _Figure, subject: str, time_word: str) -> tuple[str, str, bool]:
    """The name the text before a figure gives it: (name, time word, names an indicator).

    A bare 总量, 年均, 十年增加 or 比去年增加 takes the sentence's subject; an amount that is a
    change keeps its verb (农村贫困人口减少)."""
    lead = _own_part(lead)
    raw = lead.strip(" 、，,")
    compared = _COMPARED_LEAD.match(raw)
    if compared and subject:
        rest = raw[compared.end() :]
        if not f.percent or re.sub(_GROWTH_VERBS.pattern.rstrip("$"), "", rest):
            return f"{subject}比上年{rest}", time_word, False
    mid = _COMPARED_MID.search(raw)
    if mid and not f.percent and len(raw) - mid.end() <= 4:
        # 支出规模比去年扩大2万亿元: the amount is the change.
        head = _clean_name(raw[: mid.start()])
        if len(head) >= 2:
            return f"{head}比上年{raw[mid.end() :]}", time_word, True
    name = _clean_name(lead)
    change = _CHANGE_VERB.search(raw)
    if change and not f.percent and name and not name.endswith(change.group(1)):
        name += change.group(1)
    bare = _BARE.match(name)
    if bare and name and subject:
        when = bare.group("time") or time_word
        rest = "" if _HEADS_ONLY.match(bare.group("rest")) else bare.group("rest")
        base = re.sub(r"产量$", "", subject) if rest.startswith(("增产", "减产")) else subject
        return base + when + rest, when, False
    return name, time_word, len(name) >= 2


def _name_figures(sentence: str) -> list[_Figure]:
    figs = _figures(sentence)
    if not figs:
        return []
    previous = ""  # the name of the figure before
    # The last name that names an indicator itself; at first, what a sentence opens on when its
    # first figure only qualifies (地区生产总值跨越5000亿元大关，年均增长5.7%).
    opening = re.split(r"[，,；;：:。]", sentence)[0]
    subject = _clean_name(opening.split(next(iter(re.findall(r"\d", opening)), "\0"))[0])
    subject = subject if 2 <= len(subject) <= 12 and re.search(r"\d", opening) else ""
    clause_before = ""
    for start, end in _clauses(sentence):
        before, clause_before = clause_before, sentence[start:end]
        in_clause = [f for f in figs if start <= f.start < end]
        if not in_clause:
            continue
        done = _respective(sentence, start, end, in_clause, before)
        items = [f.item for f in figs if f.item and f.start < start]
        lead_text = sentence[start : in_clause[0].start]
        gaps = [sentence[a.end : b.start] for a, b in itertools.pairwise(in_clause)]
        if (
            not done
            and len(items) == len(in_clause) >= 2
            and all(g == "、" for g in gaps)
            and len(_clean_name(lead_text)) <= 6
        ):
            # "…分别完成投资290亿元、895亿元，超目标任务42个、23个百分点": the same items.
            for f, item in zip(in_clause, items, strict=True):
                f.name = item + _clean_name(lead_text)
                f.verb = lead_text
                f.span_start = start
            done = True
        if not done:
            _subject_counts(sentence, start, end, in_clause)
        cursor = start
        last: _Figure | None = None
        time_word = ""
        for f in in_clause:
            if f.name:
                previous = f.name
                cursor = max(cursor, f.span_end)
                last = f
                continue
            lead = sentence[cursor : f.start]
            f.verb = lead
            f.span_start = cursor + (len(lead) - len(lead.lstrip("、，, ")))
            after = sentence[f.end : f.end + 1]
            if f.counter and after and after not in _CLAUSE_END and after not in "、）)”》（(":
                # A count before its noun: 新增4个省级临床重点专科, 引进…项目5个 is the other way.
                noun, used = _count_noun(sentence, f.end)
                if (
                    last is not None
                    and last.count_noun
                    and _LIST_LINK.fullmatch(sentence[last.span_end : f.start].strip())
                ):
                    verb = last.count_verb  # 建成4个国家级、4个自治区级区域医疗中心
                    if last.count_noun.endswith("级") and "级" in noun:
                        tail = noun.split("级", 1)[1]
                        last.count_noun += tail
                        last.name += tail
                else:
                    verb = _clean_name(_own_part(lead))
                    # 宛平城等20处重点区域: the examples before 等 are not what is done.
                    verb = verb if len(verb) <= 6 and not lead.endswith("等") else ""
                f.count_noun, f.count_verb = noun, verb
                f.name = f"{verb}{noun}" if noun else ""
                f.span_end = f.end + used
            elif cursor > start and lead.strip() == "、" and last is not None:
                # "…分别增长20%、10%", "超目标任务42个、23个百分点": the list shares its subject.
                f.name, f.verb, f.span_start = last.name, last.verb, last.span_start
                if "城乡" in last.name and not _NEXT_IN_LIST.match(sentence, f.end):
                    # 城乡居民人均可支配收入年均增长5.3%、8.1%: urban, then rural.
                    head, tail = last.name.split("城乡", 1)
                    last.name, f.name = f"{head}城镇{tail}", f"{head}农村{tail}"
            elif f.percent and (share := _share_subject(sentence, f)):
                f.name, f.span_end = share
            elif (
                last is not None
                and last.base
                and last.name
                and (to := _CHANGE_TO.fullmatch(lead.strip(" ，,")))
            ):
                # 地区生产总值从11.37万亿元提高到14.58万亿元: the end value of the same indicator.
                f.name, f.span_start = last.name, last.span_start
                f.year = _year(to.group("year"))
            elif since := _CHANGE_FROM.search(lead):
                # …从11.37万亿元…: the start value, of the year before the period.
                name, time_word, names_subject = _lead_name(
                    lead[: since.start()], f, subject, time_word
                )
                f.name = name if len(name) >= 2 else previous
                if names_subject:
                    subject = name
                f.base, f.year = True, _year(since.group("year"))
            elif rate := _RATE_OF.match(sentence, f.end):
                # 按不低于5%的幅度压减一般性支出
                f.name, f.verb, f.span_end = rate.group("noun"), rate.group("verb"), rate.end()
            else:
                name, time_word, names_subject = _lead_name(lead, f, subject, time_word)
                f.name = name if len(name) >= 2 else previous
                if names_subject:
                    # 中央对地方转移支付增加约1.5万亿元、规模近9.8万亿元; 净增各类经营主体1.9万户、
                    # 总量达22.3万户: the subject is the indicator, not its change or period.
                    core = _COMPARED_MID.split(_PERIOD_TAIL.sub("", name))[0]
                    subject = re.sub(r"^(?:净增|新增)", "", _CHANGE_VERB.sub("", core)) or name
            if f.name.startswith("占") and previous:
                f.name = previous + f.name  # 民生支出…，占一般公共预算支出的66.4%
            if f.name:
                previous = f.name
            # After a count, its noun still leads to what follows: 18个目标镇（街道）改造厨房1.14万户.
            cursor = f.end if f.count_noun else f.span_end
            last = f
    return [part for f in figs if f.name for part in _one_value_each(f)]


def _one_value_each(f: _Figure) -> list[_Figure]:
    """'九年义务教育巩固率、高中阶段毛入学率保持在97%以上', '研发经费投入、高技术制造业增加值年均
    增长10%': one figure for each indicator of the list (a short conjunct joined by 和, as in
    新能源和可再生能源, is part of one name)."""
    if not f.percent:
        return [f]
    period = _PERIOD_SUFFIX.search(f.name)
    name = f.name[: period.start()] if period else f.name
    parts = [p for p in re.split(r"、|(?<=[^、和]{4})和", name) if p]
    if len(parts) < 2:
        return [f]
    whole = all(_INDICATOR_END.search(p) for p in parts)  # not 电子信息、装备制造业增加值
    parts = _complete_items(parts)
    if not (whole or all(_RATE_END.search(p) for p in parts)):
        return [f]
    out = []
    for part in parts:
        g = copy.copy(f)
        g.name = part + (period.group(0) if period else "")
        out.append(g)
    return out


def _status(para: Paragraph, sentence: str, report_year: int | None) -> tuple[str, int | None]:
    # A paragraph on several years (a five-year review) states end-of-period figures: the
    # last year of its period.
    year = para.period_year or (para.period_years[-1] if para.period_years else None)
    if para.period == REVIEW:
        return RESULT, year
    if para.period == PLAN:
        return TARGET, year
    if _PLAN_CUES.search(sentence) and not _RESULT_CUES.search(sentence):
        return TARGET, report_year
    if _RESULT_CUES.search(sentence):
        return RESULT, (report_year - 1) if report_year else None
    return "", None


def _plan_end(section: tuple[str, ...]) -> int | None:
    """The last year of a five-year plan a section is about: “十五五”时期主要目标 -> 2030."""
    for title in reversed(section):
        m = _FIVE_YEAR_PLAN.search(title)
        if m:
            number = m.group(1)
            n = (
                10 + _CN_DIGITS.get(number[1:], 0)
                if number.startswith("十")
                else _CN_DIGITS[number]
            )
            return 1955 + 5 * n if n >= 6 else None
    return None


def _five_years(para: Paragraph) -> bool | None:
    """True when a review paragraph opens on the five years (这五年, 过去五年, “十四五”时期…),
    False when on the one year (过去一年, 一年来, 2025年是…); None when it says neither."""
    opening = "".join(para.sentences[:2]) or para.text[:120]
    last = None
    for m in _PERIOD_OPENING.finditer(opening):
        last = m
    return None if last is None else bool(last.group("five"))


def _kind(f: _Figure, sentence: str) -> str:
    if f.unit_word in ("%", "％", "个百分点", "成"):
        growth = f.unit_word == "个百分点" or _GROWTH_VERBS.search(f.verb.strip())
        return GROWTH if growth else SHARE
    if f.unit_word in _PEOPLE_UNITS or f.unit_word == "人":
        return LEVEL
    if f.unit_word == "个" and _PEOPLE_NOUN.match(f.count_noun or sentence[f.end :]):
        return LEVEL
    return COUNT if f.counter else LEVEL


def extract_paragraph(
    para: Paragraph,
    *,
    title: str = "",
    region: str = "",
    report_year: int | None = None,
    five_years: bool | None = None,
) -> list[Indicator]:
    """Every figure of one paragraph, in order (headings have none).

    `five_years`: whether a review paragraph is about the five years of a plan rather than the
    last year (`extract` follows it from paragraph to paragraph); None reads it from the
    paragraph's own opening."""
    if para.is_heading:
        return []
    if five_years is None:
        five_years = bool(_five_years(para))
    five_years = five_years and para.period == REVIEW
    plan_end = _plan_end(para.section) if para.period == PLAN else None
    out = []
    for sentence in para.sentences:
        status, year = _status(para, sentence, report_year)
        if not status:
            continue  # neither a result nor a target: not a figure we can label
        for f in _name_figures(sentence):
            unit, kind = f.unit, _kind(f, sentence)
            if unit == "个" and _POINTS_LIST.match(sentence, f.end):
                unit, kind = "个百分点", GROWTH  # 超目标任务42个、23个百分点
            value = f.value
            if kind == GROWTH and _DECREASE.search(f.verb):
                value = -value
            name, f_status, f_year = f.name, status, year
            if status == TARGET:
                by = _BY_YEAR.findall(sentence, 0, f.start)
                f_year = int(by[-1]) if by else plan_end or year
            if f.year:
                f_year = f.year
            elif f.base and year:
                # The start of 由A提高到B: the year before the period (or before the plan).
                f_status = RESULT
                if status == TARGET:
                    f_year = (report_year or year) - 1  # where the plan starts from
                else:
                    f_year = year - (5 if five_years else 1)
            if (
                five_years
                and _CUMULATIVE.search(f"{kind} {f.verb}")
                and not _PERIOD_IN.search(name)
                and not _COMPARISON.search(f.verb)
            ):
                name = name.replace("累计", "") + "五年累计"  # 城镇累计新增就业 over the five years
            out.append(
                Indicator(
                    doc_id=para.doc_id,
                    title=title or para.doc_id,
                    region=region,
                    paragraph=para.number,
                    section=SECTION_SEP.join(para.section),
                    sentence=sentence,
                    span=sentence[f.span_start : f.span_end].strip("、，, "),
                    name=name,
                    value=value,
                    value_text=f.value_text,
                    unit=unit,
                    kind=kind,
                    qualifier=f.qualifier,
                    year=f_year,
                    status=f_status,
                    period=para.period_label,
                )
            )
    return out


def extract(
    paragraphs: Iterable[Paragraph],
    *,
    title: str = "",
    region: str = "",
    report_year: int | None = None,
) -> list[Indicator]:
    """Every figure of the given paragraphs of one report."""
    out: list[Indicator] = []
    five_years = False  # the review is about the five years of a plan, until it turns to one
    for p in sorted(paragraphs, key=lambda p: p.number):
        if p.period != REVIEW:
            five_years = False
        elif not p.is_heading:
            opens = _five_years(p)
            five_years = five_years if opens is None else opens
        out.extend(
            extract_paragraph(
                p, title=title, region=region, report_year=report_year, five_years=five_years
            )
        )
    return out


def extract_report(report: Report) -> list[Indicator]:
    """Every figure of a parsed report."""
    return extract(
        report.paragraphs,
        title=report.title,
        region=report.meta.region,
        report_year=report.meta.year,
    )


CSV_FIELDS = tuple(Indicator.__dataclass_fields__)


def to_csv(records: Iterable[Indicator]) -> str:
    """The records as CSV text (a header row, then one row per figure, in field order)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for r in records:
        row = r.to_dict()
        row["year"] = row["year"] or ""
        writer.writerow(row)
    return buf.getvalue()
