"""The Chinese vocabulary of government work reports and of the questions asked about them, in
one place (pure, no I/O).

Every stage reads the same words: the parser finds headings by their numerals and periods by
their cue words, the metadata detector finds the place a report speaks for, the indicator
extractor finds units and qualifiers, and the question planner and answerers read the same
words in questions. Each list lives here once; a stage builds its patterns from it, so a word
added here is seen by every stage that reads that kind of word.

Lists that differ on purpose stay apart, side by side, each saying who reads it: the cue words
of a heading are not those of a sentence (a sentence saying 以上 may report a result), and a
question says 实绩 where a report says 完成了.

Sections:

- numerals: the characters of Chinese numerals (regex classes are built from them) and their
  conversion to numbers, with `cn2an` (十四, 二十三, 两千, 一百零五, 二〇二四);
- periods: five-year plan names (十四五), years relative to the report (去年, 今年), and the
  cue words of a review (results) and of a plan (targets);
- places: administrative units (省/自治区/市/州/盟/区/县/旗) and the words for the nation;
- units: the units of figures (%, 个百分点, 亿元, 万吨, 个…), their magnitudes and qualifiers;
- sentences and clauses: the marks that end them and the one way each is split.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from .types import NATIONAL, PLAN, REVIEW


def alternation(words: Iterable[str]) -> str:
    """A regex alternation of `words`, longest first (so 个百分点 wins over 个)."""
    return "|".join(re.escape(w) for w in sorted(dict.fromkeys(words), key=len, reverse=True))


# --- Numerals ---------------------------------------------------------------------------------

CN_DIGITS = "一二三四五六七八九"  # 1–9
CN_ZEROS = "〇○零Ｏ"  # zero, as years write it (二〇二四, 一九五○, 二Ｏ二四)
CN_NUMERALS = CN_DIGITS + "十"  # 一 … 十: outline markers, ordinals, plan names, small counts
CN_TWO = "两"  # 2 before a counter or a magnitude (两项, 两千)
CN_MAGNITUDES = "百千万亿"
# Numerals of a count of several (哪三, 三大, 两项): 一 is left out, as 哪一 and 一个 ask for one.
CN_SEVERAL = CN_TWO + CN_NUMERALS[1:]
# Zero forms cn2an does not read, as the one it does.
_ZERO_FORMS = str.maketrans({"○": "〇", "Ｏ": "〇"})


@lru_cache(maxsize=1)
def _cn2an() -> Any:
    # Imported on first use: cn2an builds its tables at import (about half a second), which a
    # process that never meets a Chinese numeral should not pay.
    import cn2an

    return cn2an


def cn_numeral(n: int) -> str:
    """`n` in Chinese numerals, as a date writes its month and day: 1 -> 一, 10 -> 十, 27 -> 二十七."""
    return str(_cn2an().an2cn(n))


@lru_cache(maxsize=4096)
def cn_number(text: str) -> int | None:
    """The whole number `text` writes, in Chinese numerals or digits: 十四 -> 14, 二十三 -> 23,
    两千 -> 2000, 一百零五 -> 105, 二〇二四 -> 2024 (figure by figure, as years are written),
    1240 -> 1240; None when it is not one (几, 数十, a fraction)."""
    text = text.strip()
    if not text:
        return None
    if text.isascii() and text.isdigit():
        return int(text)
    try:
        value = _cn2an().cn2an(text.translate(_ZERO_FORMS), "normal")
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    return int(value) if float(value).is_integer() else None


def small_number(text: str) -> int | None:
    """一 … 九十九 in the standard form of headings, ordinals and plan names (十四, 二十, 九),
    else None (二三, 十十, and anything with other characters)."""
    if not text or any(c not in CN_NUMERALS for c in text):
        return None
    try:
        value = _cn2an().cn2an(text, "strict")
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    return int(value) if 0 < value < 100 else None


# --- Periods ----------------------------------------------------------------------------------

# The number of a five-year plan: 九 of “九五”, 十四 of “十四五” (the plan name is it + 五).
PLAN_NUMBER = rf"十[{CN_DIGITS}]?|[{CN_DIGITS}]"
# The plans named without context (十一五 … 十九五): a bare 三五 or 九五 is often an ordinary
# word (三五年内, 九五折), so those are read only where a time word follows (ingest.periods).
RECENT_PLAN = rf"十[{CN_DIGITS}]五"

# Years relative to the question's report, as a question says them.
LAST_YEAR_WORDS = ("去年", "上年", "上一年", "过去一年")
THIS_YEAR_WORDS = ("今年", "本年", "明年")

# Figures over several years (a one-year question is not answered by them).
MULTI_YEAR_WORDS = ("年均", "累计", "五年来", "五年间", "十年来")

# Cue words of a report's headings: a part heading reviews (回顾) or plans (安排, 目标, 任务).
HEADING_REVIEW_WORDS = ("回顾", "总结", "成绩", "成就", "过去", "一年来", "五年来")
HEADING_PLAN_WORDS = (
    "安排", "目标", "任务", "打算", "计划", "部署", "重点工作", "展望", "建议", "总体要求",
    "取向", "举措",
)  # fmt: skip
# Plan words that make a heading a plan without a year (二、对今年政府工作的建议), and the ones
# a "2024年…" heading dates the report by (ingest.meta).
PLAN_HEADING_TERMS = (
    "工作安排", "重点工作", "主要任务", "工作任务", "目标任务", "主要目标", "预期目标",
    "主要预期目标", "总体要求", "工作打算", "工作的建议", "政府工作的建议", "政府工作",
    "主要工作", "总体部署", "工作部署",
)  # fmt: skip
# How an unnumbered part heading ends ("“十四五”时期工作回顾", "2026年重点工作").
PART_HEADING_ENDS = (
    "工作回顾", "回顾", "发展成就", "成就", "总结", "主要目标", "目标任务", "主要任务",
    "重点任务", "重大任务", "重点工作", "工作安排", "工作任务", "总体要求", "政策取向",
    "工作建议", "战略举措",
)  # fmt: skip

# Cue words of a report's sentences: a target (力争, 确保…) or a result (预计全年, 完成了…).
# A part's period is voted by counting them over its text (ingest.structure), and a figure's
# status is read from its sentence (indicators) when the paragraph has no period. The part vote
# also counts how plans are worded (以上, 不低于, 全力, 加快…) and how results are (获评, 入选):
# over a whole part those tip the balance, while a single sentence saying 以上 may report a
# result ("增长5%以上") — so the sentence lists are the narrower ones.
SENTENCE_PLAN_CUES = ("力争", "确保", "目标", "预期", "计划", "争取", "努力", "要", "将")
SENTENCE_RESULT_CUES = ("预计", "完成了", "实现了", "取得", "累计", "同比", "去年")
PART_PLAN_CUES = (
    "确保", "力争", "以上", "不低于", "争取", "将", "要", "今年", "预期目标", "全力", "着力",
    "加快",
)  # fmt: skip
PART_RESULT_CUES = (
    "预计", "全年实现", "完成了", "实现了", "取得", "获评", "荣获", "入选", "累计", "同比",
    "去年", "过去一年",
)  # fmt: skip

# Within a review paragraph, the sentences after one opening on the past year (过去一年…)
# report results until one turns to the plan (今年, 要, 力争…; not 努力 or 争取, which a
# review says too: 经过努力) — how target tracking tells a result from a target.
PAST_YEAR_OPENINGS = ("过去一年", "去年", "上年", "刚刚过去的一年", "一年来")
PLAN_TURN_CUES = ("今年", "明年", "要", "将", "力争", "确保", "目标", "预期", "计划", "拟")

# Cue words of a question: it asks for a target (目标) or a result (实绩). lexicon.intent reads
# the core lists; the question plan reads the wider ones, where 拟/预计/争取 ask what is planned
# and 截至/底/末 ask for a state reached, and a bare 达到 after 要/将/争 is a target.
QUESTION_TARGET_CUES = (
    "目标", "计划", "预期", "力争", "打算", "安排", "部署", "将要", "要求", "任务",
)  # fmt: skip
QUESTION_RESULT_CUES = (
    "实际", "完成", "实现了", "实绩", "成绩", "成效", "取得", "回顾", "过去一年", "达到了",
)  # fmt: skip
PLAN_TARGET_CUES = (*QUESTION_TARGET_CUES, "拟", "预计", "今年要", "争取")
PLAN_RESULT_CUES = (
    "实际", "完成了", "实现了", "实绩", "达到了", "增长了", "下降了", "取得", *LAST_YEAR_WORDS,
    "回顾", "实际增长", "成绩", "成效", "截至", "截止", "底",
)  # fmt: skip
# Words of a question that say what is asked, not about what (增长, 目标, 多少, 全省…): left out
# of its topic (question.topic_terms) and of the indicator name a figure is matched by.
ASK_WORDS = frozenset(
    "增长 增速 增幅 增长率 下降 降低 减少 提高 涨幅 比重 占比 比例 目标 实绩 任务 要求 预期 实际 "
    "完成 达到 计划 预计 规模 数量 总量 分别 各是 多少 全市 本级 全区 全省 全国 我国 国务院 中国 "
    "提出 报告 政府 工作 哪些 哪个 哪项 什么 是否 主要 年度 年底 年末 底 末 截至 期间 时期 "
    "一年 今年 去年 上年 明年 当年 全年 名字 谁 政府工作报告 工作报告 政府报告 "
    "人数 总数 数额 多少钱 时期 期间 五年 末 期末 年末 年底 "
    "详细 说明 介绍 讲讲 解释 一下 请问 具体 情况 内容 有关 相关 通过 方面 进行 开展 实施 "
    "最后 最终 到底 究竟 一共 总共 大概 大约 定了 安排".split()
)
# Words by which a question points into the review part or the plan part of a report
# ("去年工作回顾的第二项", "今年重点工作的第三项").
PART_ASK_WORDS = {
    REVIEW: ("回顾", "成绩", "去年", "过去"),
    PLAN: ("安排", "今年", "部署", "重点工作", "主要任务", "工作任务"),
}
# A question's period words as a follow-up or a two-part question names them (目标, 实绩…).
PERIOD_ASK_WORDS = (
    "预期目标", "主要目标", "目标任务", "发展目标", "目标", "计划", "预期", "实际完成情况",
    "完成情况", "实际完成", "实绩", "实际",
)  # fmt: skip


# --- Places -----------------------------------------------------------------------------------

# The units of China's administrative divisions, by level (what a region name ends with).
PROVINCE_UNITS = ("省", "自治区")
CITY_UNITS = ("市", "州", "盟")  # prefecture level (a 市 inside a 市/州/盟 is county level)
COUNTY_UNITS = ("区", "县", "旗")
ADMIN_UNITS = (*PROVINCE_UNITS, *CITY_UNITS, *COUNTY_UNITS)
# The one-character units, as a regex class reads them (全市, 我区, 省长).
UNIT_CHARS = "省市区县州盟旗"
# Every ending of a region name, longer first (自治区 before 区).
PLACE_SUFFIXES = (
    "特别行政区", "自治区", "自治州", "自治县", "自治旗", "地区", "省", "市", "州", "盟", "区",
    "县", "旗",
)  # fmt: skip
# Peoples named in the names of autonomous regions (宁夏回族自治区 -> 宁夏).
AUTONOMOUS_PEOPLES = (
    "回族", "维吾尔", "壮族", "藏族", "蒙古族", "朝鲜族", "土家族", "苗族", "彝族", "哈萨克",
)  # fmt: skip
MUNICIPALITIES = frozenset({"北京市", "天津市", "上海市", "重庆市"})  # province level
# The provincial-level regions by their short names (jieba does not always tag them as places).
PROVINCES = tuple(
    "北京 天津 河北 山西 内蒙古 辽宁 吉林 黑龙江 上海 江苏 浙江 安徽 福建 江西 山东 河南 湖北 "
    "湖南 广东 广西 海南 重庆 四川 贵州 云南 西藏 陕西 甘肃 青海 宁夏 新疆 香港 澳门 台湾".split()
)
# Words by which a question names the national report.
NATIONAL_NAMES = (NATIONAL, "我国", "国务院", "中央政府")
# Words by which a report names its own territory: 全国/我国 in the national report; 全省,
# 我市… in the others (全疆 is how Xinjiang's does).
NATIONAL_SELF_WORDS = (NATIONAL, "我国")
LOCAL_SELF_WORDS = tuple(f"{p}{u}" for p in "全我" for u in UNIT_CHARS)
TERRITORY_CHARS = UNIT_CHARS + "疆"


# --- Units ------------------------------------------------------------------------------------

PERCENT_SIGNS = ("%", "％")
POINTS = "个百分点"
RATE_UNITS = (*PERCENT_SIGNS, POINTS)
# Counters: a number of things (个, 家, 项…), which may stand before the noun they count.
COUNT_UNITS = (
    "场次", "人次", "套（间）", "个", "家", "户", "所", "项", "座", "张", "套", "辆", "台",
    "次", "件", "处", "起", "批", "名", "口", "条", "轮",
)  # fmt: skip
# Measures: an amount (元, 人, 公里, 吨…).
LEVEL_UNITS = (
    "个工作日", "美元", "元", "人", "平方公里", "公里", "千米", "平方米", "立方米", "千伏",
    "兆瓦时", "兆瓦", "千瓦", "吨", "亩", "头", "只", "天", "倍", "斤",
)  # fmt: skip
# Counters of people are amounts of people, like 万人: 58名传承人, 1.2亿人次.
PEOPLE_UNITS = ("名", "人次")
# Every unit of a figure, longest first.
FIGURE_UNITS = tuple(
    sorted(
        dict.fromkeys((POINTS, *PERCENT_SIGNS, *COUNT_UNITS, *LEVEL_UNITS)), key=len, reverse=True
    )
)
# Magnitudes written before a unit (1800亿元), with their values.
MAGNITUDES = (("万亿", 1e12), ("千亿", 1e11), ("亿", 1e8), ("万", 1e4), ("千", 1e3))
# Qualifiers of a figure: before it (超过5%) and after it (5%左右).
PRE_QUALIFIERS = ("超过", "不低于", "不少于", "不超过", "至少", "突破", "超", "约", "近", "逾")
POST_QUALIFIERS = ("左右", "以上", "以下", "以内", "余", "多")
# Qualifiers by the side of the bound they set: a floor (5%以上) or a ceiling (3%以内).
FLOOR_WORDS = ("以上", "不低于", "不少于", "超过", "超", "至少", "突破", "逾", "高于", "多", "余")
CEILING_WORDS = ("以内", "以下", "不超过", "不高于", "低于")

# The units a question asks a figure in (多少亿元, 几个, 多少万辆).
ASKED_UNITS = (
    "万亿元", "亿元", "万元", "元", "万人次", "万人", "人次", "人", "万户", "户", "万吨", "吨",
    "公里", "千米", "万亩", "亩", "平方公里", "万平方米", "平方米", "微克", "家", "所", "个",
    "项", "座", "条", "张", "套", "头", "辆", "台", "床", "次", "倍", "千瓦时", "千瓦", "立方米",
    "斤", "只", "件", "名", "起",
    *(f"万{u}" for u in ("辆", "台", "套", "张", "头", "只", "千瓦", "吨", "亩", "户", "个",
                          "家", "座", "条", "件", "名")),
    *(f"亿{u}" for u in ("千瓦时", "千瓦", "立方米", "吨", "人次", "斤")),
)  # fmt: skip
# Units that answer for each other (a figure asked in 吨 may be stated in 万吨).
# A rate asked without a unit (增速是多少, 占比多少, 百分之几): a figure in per cent or points.
RATE_ASK_WORDS = (
    "百分之",
    "百分比",
    "增速",
    "增幅",
    "涨幅",
    "降幅",
    "增长率",
    "比重",
    "占比",
    "比例",
    "率",
)
ASKED_RATE_UNITS = (*RATE_UNITS, "百分点", "‰")
# Words of a change: a question with none asks a level, and a figure after one is a change.
CHANGE_ASK_WORDS = (
    "增长",
    "增速",
    "增幅",
    "涨幅",
    "降幅",
    "提高",
    "下降",
    "降低",
    "增加",
    "减少",
    "上涨",
    "回落",
    "变化",
    "多了",
    "少了",
)
# A clause stating a change: 增长5.8%, 下降2%, 提高1.1个百分点, 减少10天, 翻一番, 高于目标1个百分点.
_CHANGE_STATED = re.compile(r"[增降减涨升]|提高|扩大|缩小|翻|[高低快慢]于|高出")
CHANGE_WORDS = ("增长", "下降", "增加", "减少", "提高", "降低", "上涨", "回落", "扩大", "缩小")
UNIT_FAMILIES = {
    "元": ("万亿元", "亿元", "万元", "元"),
    "人": ("万人次", "万人", "人次", "人"),
    "户": ("万户", "户"),
    "吨": ("万吨", "吨"),
    "亩": ("万亩", "亩"),
    "公里": ("公里", "千米"),
    "平方米": ("万平方米", "平方米"),
}
# Money asked in one unit is stated in it or the next larger one, never three magnitudes off:
# a total asked in 亿元 is not a per-head figure in 万元, an income asked in 元 not a budget in 亿元.
MONEY_UNITS_ACCEPTED = {
    "万亿元": ("万亿元", "亿元"),
    "亿元": ("亿元", "万亿元"),
    "万元": ("万元", "元", "亿元"),
    "元": ("元", "万元"),
}


# --- The title block ----------------------------------------------------------------------------

# The title block (title, dateline, speaker) ends at the salutation; past this many lines or
# paragraphs a report has none.
SALUTATION = "各位代表"
TITLE_BLOCK_LINES = 30

# --- Sentences and clauses --------------------------------------------------------------------

SENTENCE_END = "。！？；!?;"
CLAUSE_MARKS = "，,；;：:"  # inside a sentence
CLAUSE_END = CLAUSE_MARKS + "。！？!?"  # what ends a clause
# Where a line may end a paragraph when a page breaks it (ingest.clean): a sentence end, a
# colon before a list, or a closing quote.
LINE_END = SENTENCE_END + "：:”』」"
# Where an over-long sentence may be cut: after a clause, a list item or a closing bracket.
CUT_MARKS = "，、：,:）)”"
# Quotes and brackets: text inside them is not split into sentences.
OPENERS = {"“": "”", "‘": "’", "「": "」", "『": "』", "《": "》", "（": "）", "(": ")", '"': '"'}
# The longest sentence in 79 real reports has about 500 characters. Longer "sentences" come
# from text without full stops or from a quote never closed; every later stage (figure
# extraction, highlighting) works sentence by sentence, so they are cut into pieces of at most
# this many characters, at the last mark of CUT_MARKS that fits.
MAX_SENTENCE_CHARS = 1000


def states_change(text: str) -> bool:
    """The text states a change (增长5.8%, 提高1.1个百分点, 高于目标1个百分点), not only a level."""
    return bool(_CHANGE_STATED.search(text))


def split_sentences(text: str) -> list[str]:
    """Split on 。！？； (and ASCII !?;), keeping quoted and bracketed text whole."""
    sentences: list[str] = []
    start = 0
    closers: list[str] = []
    for i, ch in enumerate(text):
        if closers and ch == closers[-1]:
            closers.pop()
            continue
        if ch in OPENERS and not (ch == '"' and closers and closers[-1] == '"'):
            closers.append(OPENERS[ch])
            continue
        if ch in SENTENCE_END and not closers:
            # Keep a closing quote that directly follows the end mark with this sentence.
            sentences.append(text[start : i + 1])
            start = i + 1
    if start < len(text):
        sentences.append(text[start:])
    return [piece for s in sentences for piece in _bounded(s.strip()) if piece]


def _bounded(sentence: str) -> list[str]:
    """A sentence as pieces of at most MAX_SENTENCE_CHARS characters, cut after the last clause
    mark that fits (at the bound when there is none); itself when it fits."""
    pieces = []
    while len(sentence) > MAX_SENTENCE_CHARS:
        window = sentence[:MAX_SENTENCE_CHARS]
        cut = max(window.rfind(mark) for mark in CUT_MARKS) + 1
        cut = cut if cut > MAX_SENTENCE_CHARS // 2 else MAX_SENTENCE_CHARS
        pieces.append(sentence[:cut].strip())
        sentence = sentence[cut:].strip()
    pieces.append(sentence)
    return pieces


_BRACKET_OPEN = "（(“《"
_BRACKET_CLOSE = "）)”》"


def clause_spans(sentence: str, *, brackets: bool = True) -> list[tuple[int, int]]:
    """(start, end) of the non-empty clauses of a sentence, cut at CLAUSE_END (，；：。！？),
    the marks left out. With `brackets`, a mark inside （）“”《》 does not cut: a figure's
    name may hold one (indicators); answerers weighing a clause's words cut everywhere."""
    out, start, depth = [], 0, 0
    for i, ch in enumerate(sentence):
        if brackets and ch in _BRACKET_OPEN:
            depth += 1
        elif brackets and ch in _BRACKET_CLOSE:
            depth = max(depth - 1, 0)
        elif ch in CLAUSE_END and depth == 0:
            if i > start:
                out.append((start, i))
            start = i + 1
    if start < len(sentence):
        out.append((start, len(sentence)))
    return out


def split_clauses(sentence: str, *, brackets: bool = False) -> list[str]:
    """The non-empty clauses of a sentence, without their marks (see `clause_spans`)."""
    return [sentence[a:b] for a, b in clause_spans(sentence, brackets=brackets)]


def first_clause(sentence: str) -> str:
    """The text before the first clause mark ("" when the sentence opens with one)."""
    return re.split(f"[{re.escape(CLAUSE_END)}]", sentence, maxsplit=1)[0]


# --- Outline markers --------------------------------------------------------------------------

# (level, pattern) of the marker a heading line opens with: 一、/第一部分 (1), （一） (2),
# 1. (3), （1） (4).
HEADING_MARKERS: tuple[tuple[int, str], ...] = (
    (1, rf"第[{CN_NUMERALS}百]+部分"),
    (1, rf"[{CN_NUMERALS}]+[、.．]"),
    (2, rf"[（(][{CN_NUMERALS}]+[）)]"),
    (3, r"\d{1,2}[、.．](?!\d)"),
    (4, r"[（(]\d{1,2}[）)]"),
)
# Any of them, at the start of a line.
HEADING_MARKER = "^(?:" + "|".join(p for _, p in HEADING_MARKERS) + ")"
