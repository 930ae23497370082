"""Chinese text analysis shared by retrieval and answering: jieba with a dictionary of policy
and statistical terms, stop words, a small thesaurus of what users say for report terms, and
the time and place constraints a question carries.

jieba's dictionary takes about a second to load, so one tokenizer is built per process.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from .types import PLAN, REVIEW

# What users say -> the wording reports use. Applied to questions before matching.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "gdp": ("地区生产总值", "国内生产总值"),
    "经济总量": ("地区生产总值", "国内生产总值"),
    "生产总值": ("地区生产总值", "国内生产总值"),
    "经济增速": ("地区生产总值", "国内生产总值", "增长"),
    "经济增长": ("地区生产总值", "国内生产总值"),
    "财政收入": ("地方一般公共预算收入",),
    "一般预算收入": ("地方一般公共预算收入",),
    "规上工业": ("规模以上工业",),
    "工业增加值": ("规模以上工业增加值",),
    "社零": ("社会消费品零售总额",),
    "消费品零售": ("社会消费品零售总额",),
    "外贸": ("进出口",),
    "出口": ("进出口",),
    "就业": ("城镇新增就业", "新增城镇就业"),
    "高铁": ("铁路", "高速铁路"),
    "技术改造": ("技改",),
    "研发": ("研发投入", "研究与试验发展"),
    "物价": ("居民消费价格",),
    "cpi": ("居民消费价格",),
    "农业": ("第一产业",),
    "第三产业": ("服务业",),
    "服务业": ("第三产业",),
    "失业率": ("城镇调查失业率",),
    "总产量": ("总产",),
    "粮食产量": ("粮食总产",),
    "进出口总值": ("进出口总额", "进出口"),
    "进出口总额": ("进出口总值", "进出口"),
}

STOP_WORDS = frozenset(
    """的 了 是 在 和 与 及 或 等 把 被 对 为 从 到 由 于 以 之 其 这 那 哪 哪些 什么 多少 几 几个
    如何 怎么 怎样 怎么样 是否 有没有 有 没有 吗 呢 吧 啊 请问 请 告诉 我 我们 你 你们 他们 一下 关于
    方面 情况 问题 主要 具体 分别 各 各自 多 大 了解 想 知道 报告 政府 工作 提到 提出 说 讲 里 中
    年 今年 去年 明年 上年 当年 全年 目标 计划 预期 实际 实现 完成 达到 是多少 为多少 有多少 哪个
    哪里 哪项 一项 项 个 次 第 里面 期间 同比 相比 比 较 更 最 多大 怎 么 ？ ? ， , 。 、 ： : ；
    “ ” 《 》 （ ） ( ) ！ ! """.split()
)

_YEAR = re.compile(r"((?:19|20)\d{2})\s*年?")
_PLAN_CUES = re.compile(r"目标|计划|预期|力争|打算|安排|部署|将要|要求|任务")
_REVIEW_CUES = re.compile(r"实际|完成|实现了|实绩|成绩|成效|取得|回顾|过去一年|达到了")
_NUMERIC_CUES = re.compile(r"多少|几|多大|比重|占比|增速|增长|增幅|规模|总额|总量|数量|金额|目标是")
# "多少亿元", "几个", "多少万人": the unit the question wants a figure in.
_ASKED_UNIT = re.compile(
    r"(?:多少|几)(万亿元|亿元|万元|元|万人次|万人|人次|人|万户|户|万吨|吨|公里|千米|万亩|亩|"
    r"平方公里|万平方米|平方米|微克|家|所|个|项(?!目)|座|条|张|套|头|辆|台|床|次|倍|"
    r"万(?:辆|台|套|张|头|只|千瓦|吨|亩|户|个|家|座|条|件|名)|亿(?:千瓦时|千瓦|立方米|吨|人次|斤)|"
    r"千瓦时|千瓦|立方米|斤|只|件|名)"
)
_UNIT_FAMILIES = {
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
_UNITS_ACCEPTED = {
    "万亿元": ("万亿元", "亿元"),
    "亿元": ("亿元", "万亿元"),
    "万元": ("万元", "元", "亿元"),
    "元": ("元", "万元"),
}
_PUNCT_ONLY = re.compile(r"^[\W_]+$", re.UNICODE)
_LATIN = re.compile(r"[A-Za-z]+")


def normalize(text: str) -> str:
    """NFKC (full-width to half-width), lower case, no whitespace."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()


class _Jieba:
    """Process-wide jieba tokenizer with the policy-term dictionary loaded once."""

    _lock = threading.Lock()
    _tok = None

    @classmethod
    def get(cls):
        if cls._tok is None:
            with cls._lock:
                if cls._tok is None:
                    import logging

                    import jieba
                    import jieba.posseg

                    jieba.setLogLevel(logging.WARNING)
                    tok = jieba.Tokenizer()
                    terms = resources.files("assistant.resources").joinpath("policy_terms.txt")
                    with resources.as_file(terms) as path:
                        tok.load_userdict(str(path))
                    tok.initialize()
                    cls._pos = _pos_tokenizer(tok)
                    cls._tok = tok
        return cls._tok

    @classmethod
    def pos(cls):
        cls.get()
        return cls._pos


# Bump when `tokens()` would give other tokens for the same text (stored tokens depend on it).
TOKENIZER_VERSION = 1


@lru_cache(maxsize=1)
def fingerprint() -> str:
    """A short digest of what decides `tokens()`: version, jieba, dictionary, stop words."""
    import hashlib

    import jieba

    terms = resources.files("assistant.resources").joinpath("policy_terms.txt").read_bytes()
    h = hashlib.sha1(f"{TOKENIZER_VERSION}\n{jieba.__version__}\n".encode())
    h.update(terms)
    h.update(" ".join(sorted(STOP_WORDS)).encode())
    return h.hexdigest()[:12]


def _pos_tokenizer(tok):
    """A POS tokenizer over `tok` that shares the word-tag table `import jieba.posseg` has
    already read, instead of reading jieba's dictionary a second time (about half a second)."""
    import jieba.posseg

    pos = jieba.posseg.POSTokenizer.__new__(jieba.posseg.POSTokenizer)
    pos.tokenizer = tok
    pos.word_tag_tab = dict(jieba.posseg.dt.word_tag_tab)
    pos.makesure_userdict_loaded()  # the tags of the policy terms
    return pos


def warm_up() -> None:
    """Load jieba's dictionary now rather than on the first question."""
    _Jieba.get()


def tokens(text: str) -> list[str]:
    """Search-mode tokens without stop words and punctuation, NFKC-normalised."""
    tok = _Jieba.get()
    out = []
    for t in tok.lcut_for_search(normalize(text)):
        if t in STOP_WORDS or _PUNCT_ONLY.match(t):
            continue
        out.append(t)
    return out


@lru_cache(maxsize=4096)
def expand(text: str) -> str:
    """The question with report wording appended for the user terms it contains."""
    norm = normalize(text)
    extra = [w for key, words in SYNONYMS.items() if key in norm for w in words if w not in norm]
    return norm + (" " + " ".join(extra) if extra else "")


@dataclass(frozen=True)
class QuestionIntent:
    """What a question pins down beyond its words."""

    years: tuple[int, ...] = ()
    relative: str = ""  # "last" (去年/上年) | "this" (今年/本年) | ""
    period: str = ""  # REVIEW | PLAN | "" (from cue words)
    numeric: bool = False
    places: tuple[str, ...] = ()
    units: tuple[str, ...] = ()  # units a figure in the answer may carry, when the question asks

    def figure_in(self, text: str) -> bool:
        """True when `text` holds a number in one of the units the question asks for."""
        if not self.units:
            return True
        return any(
            re.search(rf"\d\s*(?:余|多)?[万亿千百]?{re.escape(u)}", text) for u in self.units
        )

    def wanted(self, report_year: int | None) -> tuple[str, int | None]:
        """(period, year) the question asks about, relative to a report delivered in report_year."""
        year = self.years[0] if self.years else None
        if year is None and report_year:
            if self.relative == "last":
                year = report_year - 1
            elif self.relative == "this" or self.period == PLAN:
                year = report_year
        period = self.period
        if year is not None and report_year:
            period = REVIEW if year < report_year else PLAN
        return period, year


_ADMIN_SUFFIXES = ("省", "市", "区", "县", "州", "旗", "盟")


# Words jieba tags as places that are mostly ordinary words in reports (新建 is also a district).
NOT_PLACES = frozenset(
    "地区 城区 市区 社区 园区 景区 片区 山区 街区 城市 超市 上市 都市 本市 区县 市县 县区 县市 新区 "
    "新建 新华 和平 城关 长安 东风 红旗 前进 先锋 胜利 民主 建设 开发 高新 新兴 永定 长寿".split()
)


def _is_place(word: str) -> bool:
    """A region name: ends in an administrative unit, or is one without it (内江 for 内江市).

    jieba tags some ordinary words as places (上市, 海关); requiring a known 'word+市/县/区/省'
    keeps them from becoming constraints the answer must meet.
    """
    if _LATIN.fullmatch(word) or word in NOT_PLACES:
        return False
    if word.endswith(_ADMIN_SUFFIXES) and len(word) >= 3:
        return True
    freq = _Jieba.get().FREQ
    return any(freq.get(word + s, 0) > 0 for s in _ADMIN_SUFFIXES)


@lru_cache(maxsize=4096)
@lru_cache(maxsize=4096)  # asked several times per question by retrieval and answering
def intent(question: str, regions: tuple[str, ...] = ()) -> QuestionIntent:
    """What the question pins down; `regions` are the places of the indexed reports, which
    count as places when named even if jieba does not know them (测试市, 某某县)."""
    norm = normalize(question)
    years = tuple(int(y) for y in _YEAR.findall(norm) if 1949 <= int(y) <= 2100)
    relative = ""
    if re.search(r"去年|上年|上一年|过去一年", norm):
        relative = "last"
    elif re.search(r"今年|本年|明年", norm):
        relative = "this"
    period = ""
    if _PLAN_CUES.search(norm):
        period = PLAN
    elif _REVIEW_CUES.search(norm) or relative == "last":
        period = REVIEW
    places = tuple(
        dict.fromkeys(
            w.word
            for w in _Jieba.pos().lcut(norm)
            if w.flag == "ns" and len(w.word) >= 2 and _is_place(w.word)
        )
    )
    named = tuple(r for r in regions if r and r in norm and not any(r in p for p in places))
    places = tuple(dict.fromkeys(places + named))
    asked = _ASKED_UNIT.search(norm)
    units: tuple[str, ...] = ()
    if asked:
        unit = asked.group(1)
        if unit[0] in "万亿" and unit not in _UNITS_ACCEPTED and len(unit) > 1:
            unit = unit[1:]  # 多少万辆: a figure in 辆, 万辆 or 亿辆 answers
        units = _UNITS_ACCEPTED.get(unit) or next(
            (fam for fam in _UNIT_FAMILIES.values() if unit in fam), (unit,)
        )
    return QuestionIntent(
        units=units,
        years=years,
        relative=relative,
        period=period,
        numeric=bool(_NUMERIC_CUES.search(norm)),
        places=places,
    )


def pos_tags(text: str) -> list:
    """jieba's (word, flag) pairs of `text` (flag "nr" marks a person's name)."""
    return list(_Jieba.pos().lcut(text))


def content_terms(question: str) -> list[str]:
    """Distinct content tokens of a question (synonyms expanded), longest first."""
    seen = dict.fromkeys(t for t in tokens(expand(question)) if not t.isdigit())
    return sorted(seen, key=len, reverse=True)
