"""Chinese text analysis shared by retrieval and answering: jieba with a dictionary of policy
and statistical terms, stop words, a small thesaurus of what users say for report terms, and
the time and place constraints a question carries.

jieba's dictionary takes 1-2 seconds to load, so one tokenizer is built per process, and a
process that only asks questions reads a compact copy of it instead (`use_compact_dictionary`).
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import ClassVar

from .types import PLAN, REVIEW
from .versions import COMPACT_DICTIONARY_VERSION as _COMPACT_VERSION
from .versions import TOKENIZER_VERSION
from .vocab import (
    ASKED_RATE_UNITS,
    ASKED_UNITS,
    LAST_YEAR_WORDS,
    MONEY_UNITS_ACCEPTED,
    PROVINCES,
    QUESTION_RESULT_CUES,
    QUESTION_TARGET_CUES,
    RATE_ASK_WORDS,
    THIS_YEAR_WORDS,
    UNIT_CHARS,
    UNIT_FAMILIES,
    alternation,
)

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
_PLAN_CUES = re.compile(alternation(QUESTION_TARGET_CUES))
_REVIEW_CUES = re.compile(alternation(QUESTION_RESULT_CUES))
_LAST_YEAR = re.compile(alternation(LAST_YEAR_WORDS))
_THIS_YEAR = re.compile(alternation(THIS_YEAR_WORDS))
_NUMERIC_CUES = re.compile(r"多少|几|多大|比重|占比|增速|增长|增幅|规模|总额|总量|数量|金额|目标是")
# "多少亿元", "几个", "多少万人": the unit the question wants a figure in (项 but not 项目);
# not 第几次, which asks for an ordinal (第四次), not a count.
_ASKED_UNIT = re.compile(
    "(?<!第)(?:多少|几)(" + alternation(ASKED_UNITS).replace("|项|", "|项(?!目)|") + ")"
)
# A rate asked without a unit (增速是多少, 占比多少, 百分之几, 失业率为多少).
_ASKED_RATE = re.compile(
    f"(?:{alternation(RATE_ASK_WORDS)})[^，,。；;？?]{{0,6}}?(?:多少|几|哪个|谁)"
)
_PUNCT_ONLY = re.compile(r"^[\W_]+$", re.UNICODE)
_LATIN = re.compile(r"[A-Za-z]+")


def normalize(text: str) -> str:
    """NFKC (full-width to half-width), lower case, no whitespace."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()


class _CompactDict:
    """jieba's dictionary read word by word from SQLite, for a process that tokenizes a few
    questions: opening it takes milliseconds where loading jieba's takes 1-2 s.

    One table holds, per word, jieba's frequency (NULL for a word it only tags) and
    part-of-speech tag; `freq()` and `tags()` are the two mappings jieba's `Tokenizer.FREQ`
    and `POSTokenizer.word_tag_tab` need (`in`, `[]`, `get`, and writes, which stay in memory:
    the policy terms are added at every start, as to the full dictionary). Lookups are
    remembered, so a word costs one query per process.
    """

    def __init__(self, path: Path) -> None:
        uri = f"{Path(path).resolve().as_uri()}?mode=ro"
        self._db = sqlite3.connect(uri, uri=True, check_same_thread=False)
        self._lock = threading.Lock()
        self._rows: dict[str, tuple[int | None, str | None] | None] = {}
        row = self._db.execute("SELECT value FROM meta WHERE key = 'total'").fetchone()
        self.total = int(row[0])

    def row(self, word: str) -> tuple[int | None, str | None] | None:
        try:
            return self._rows[word]
        except KeyError:
            pass
        with self._lock:
            found = self._db.execute(
                "SELECT freq, tag FROM words WHERE word = ?", (word,)
            ).fetchone()
        self._rows[word] = found
        return found

    def freq(self) -> _Column:
        return _Column(self, 0)

    def tags(self) -> _Column:
        return _Column(self, 1)

    @staticmethod
    def write(path: Path, freq: dict[str, int], total: int, tags: dict[str, str]) -> None:
        """Write jieba's dictionary (frequencies with their prefixes, total, tags) to `path`,
        atomically (a temporary file renamed)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
        try:
            db = sqlite3.connect(str(tmp))
            try:
                db.execute("PRAGMA journal_mode = OFF")
                db.execute("PRAGMA synchronous = OFF")
                db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
                db.execute(
                    "CREATE TABLE words (word TEXT PRIMARY KEY, freq INTEGER, tag TEXT) "
                    "WITHOUT ROWID"
                )
                db.executemany(
                    "INSERT INTO words VALUES (?, ?, ?)",
                    ((w, freq.get(w), tags.get(w)) for w in freq.keys() | tags.keys()),
                )
                db.execute("INSERT INTO meta VALUES ('total', ?)", (str(total),))
                db.commit()
            finally:
                db.close()
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)


class _Column:
    """One column of a `_CompactDict` as the dict jieba expects; writes stay in memory."""

    _MISSING = object()

    def __init__(self, table: _CompactDict, column: int) -> None:
        self._table = table
        self._column = column
        self._added: dict[str, object] = {}

    def get(self, word: str, default: object = None) -> object:
        value = self._added.get(word, self._MISSING)
        if value is not self._MISSING:
            return value
        row = self._table.row(word)
        value = row[self._column] if row is not None else None
        return default if value is None else value

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and self.get(word, self._MISSING) is not self._MISSING

    def __getitem__(self, word: str) -> object:
        value = self.get(word, self._MISSING)
        if value is self._MISSING:
            raise KeyError(word)
        return value

    def __setitem__(self, word: str, value: object) -> None:
        self._added[word] = value

    def update(self, other: dict[str, object]) -> None:
        self._added.update(other)


@lru_cache(maxsize=1)
def _import_jieba():
    """jieba and jieba.posseg, imported without the two things they do at import that this
    package does not use, which take most of a CLI question's start (measured on the 2-core
    machine): jieba imports `pkg_resources` to find its data files (about 0.25 s; without it
    jieba opens them by path), and `jieba.posseg` reads jieba's 350,000-line dictionary for
    its module-wide tagger (about 0.6 s); that tagger is replaced by one that reads it when
    first used. Both only while the process runs one thread (the CLI's start), since other
    threads could import `pkg_resources` or use jieba's module-wide tokenizer meanwhile."""
    import sys

    if "jieba.posseg" in sys.modules:
        import jieba
        import jieba.posseg

        return jieba
    single = threading.active_count() == 1
    if single and "jieba" not in sys.modules and "pkg_resources" not in sys.modules:
        sys.modules["pkg_resources"] = None  # -> ImportError
        try:
            import jieba
        finally:
            if "pkg_resources" in sys.modules and sys.modules["pkg_resources"] is None:
                del sys.modules["pkg_resources"]
    import jieba

    if not single:
        import jieba.posseg

        return jieba
    empty = resources.files("assistant.resources").joinpath("empty_dictionary.txt")
    saved = jieba.dt.dictionary
    with resources.as_file(empty) as path:
        jieba.dt.dictionary = str(path)
        try:
            import jieba.posseg
        finally:
            jieba.dt.dictionary = saved
    lazy = _LazyPOSTokenizer(jieba.posseg.POSTokenizer, jieba.dt)
    jieba.posseg.dt = lazy
    jieba.posseg.initialize = lambda dictionary=None: lazy.initialize(dictionary)
    return jieba


class _LazyPOSTokenizer:
    """jieba.posseg's module-wide tagger, built (reading jieba's dictionary) when first used."""

    def __init__(self, cls, tokenizer) -> None:
        self._args = (cls, tokenizer)
        self._real = None
        self._lock = threading.Lock()

    def __getattr__(self, name: str):
        if self._real is None:
            with self._lock:
                if self._real is None:
                    cls, tokenizer = self._args
                    self._real = cls(tokenizer)
        return getattr(self._real, name)


class _Jieba:
    """Process-wide jieba tokenizer with the policy-term dictionary loaded once.

    Two forms give the same tokens: the full one (jieba's dictionary in memory, 1-2 s to load)
    for tokenizing reports, and the compact one (the same dictionary read word by word from
    SQLite, see `use_compact_dictionary`) for a process that asks a few questions. The compact
    one is used while the full one is not loaded and the compact file exists; the full one
    writes the compact file when it is missing.
    """

    _lock = threading.Lock()
    _tok = None  # the full tokenizer
    _pos = None
    _tags: ClassVar[dict[str, str]] = {}  # jieba's word tags, without the policy terms'
    _light = None  # (tokenizer, POS tokenizer) over the compact dictionary
    _compact_path: Path | None = None

    @classmethod
    def get(cls):
        tok = cls._tok
        if tok is not None:
            return tok
        light = cls._light or cls._open_light()
        return light[0] if light is not None else cls.full()

    @classmethod
    def pos(cls):
        if cls._tok is not None:
            return cls._pos
        light = cls._light or cls._open_light()
        if light is not None:
            return light[1]
        cls.full()
        return cls._pos

    @classmethod
    def full(cls):
        """The tokenizer with jieba's whole dictionary in memory (loaded on first use)."""
        if cls._tok is None:
            with cls._lock:
                if cls._tok is None:
                    import logging

                    jieba = _import_jieba()
                    jieba.setLogLevel(logging.WARNING)
                    tok = jieba.Tokenizer()
                    tok.initialize()
                    tags = _dictionary_word_tags(jieba, tok)
                    path = cls._compact_path
                    if path is not None and not path.exists():
                        try:
                            _CompactDict.write(path, tok.FREQ, tok.total, tags)
                        except (OSError, sqlite3.Error) as exc:
                            # Only start-up time depends on it: carry on without.
                            logging.getLogger("assistant").warning(
                                "could not write the compact dictionary %s: %s", path, exc
                            )
                    _add_policy_terms(tok)
                    cls._pos = _pos_tokenizer(jieba, tok, dict(tags))
                    cls._tags = tags
                    cls._tok = tok
        return cls._tok

    @classmethod
    def _open_light(cls):
        path = cls._compact_path
        if path is None or not path.is_file():
            return None
        with cls._lock:
            if cls._light is None and cls._tok is None:
                try:
                    cls._light = compact_tokenizers(path)
                except (sqlite3.Error, TypeError, ValueError) as exc:
                    import logging

                    logging.getLogger("assistant").warning(
                        "compact dictionary %s unreadable (%s); loading jieba's", path, exc
                    )
                    return None
            return cls._light


def compact_tokenizers(path: Path):
    """(tokenizer, POS tokenizer) over the compact dictionary at `path`, policy terms added."""
    table = _CompactDict(path)
    jieba = _import_jieba()
    tok = jieba.Tokenizer()
    tok.FREQ = table.freq()
    tok.total = table.total
    tok.initialized = True
    _add_policy_terms(tok)
    return tok, _pos_tokenizer(jieba, tok, table.tags())


def use_compact_dictionary(cache_dir: Path) -> None:
    """Keep (and use) a compact copy of jieba's dictionary under `cache_dir`, so a process
    that only asks questions starts in milliseconds instead of loading the whole dictionary
    (1-2 s). Tokens are the same either way."""
    jieba = _import_jieba()
    name = f"jieba-{jieba.__version__}-dictionary-v{_COMPACT_VERSION}.sqlite"
    _Jieba._compact_path = Path(cache_dir) / name


def _add_policy_terms(tok) -> None:
    terms = resources.files("assistant.resources").joinpath("policy_terms.txt")
    with resources.as_file(terms) as path:
        tok.load_userdict(str(path))


def _dictionary_word_tags(jieba, tok) -> dict[str, str]:
    """jieba's word -> part-of-speech table: jieba.posseg's module-wide tagger's when it has
    read it already, else read from the dictionary file."""
    shared = jieba.posseg.dt
    if isinstance(shared, _LazyPOSTokenizer):
        shared = shared._real
    if shared is not None:
        return dict(shared.word_tag_tab)
    pos = jieba.posseg.POSTokenizer.__new__(jieba.posseg.POSTokenizer)
    pos.load_word_tag(tok.get_dict_file())
    return pos.word_tag_tab


def _pos_tokenizer(jieba, tok, tags):
    """A POS tokenizer over `tok` with the word-tag table `tags` (plus the policy terms')."""
    pos = jieba.posseg.POSTokenizer.__new__(jieba.posseg.POSTokenizer)
    pos.tokenizer = tok
    pos.word_tag_tab = tags
    pos.makesure_userdict_loaded()  # the tags of the policy terms
    return pos


def word_tags() -> dict[str, str]:
    """Word -> part-of-speech tag from jieba's dictionary (without the policy terms)."""
    _Jieba.full()
    return _Jieba._tags


@lru_cache(maxsize=1)
def fingerprint() -> str:
    """A short digest of what decides `tokens()`: version, jieba, dictionary, stop words."""
    import hashlib

    jieba = _import_jieba()
    terms = resources.files("assistant.resources").joinpath("policy_terms.txt").read_bytes()
    h = hashlib.sha1(f"{TOKENIZER_VERSION}\n{jieba.__version__}\n".encode())
    h.update(terms)
    h.update(" ".join(sorted(STOP_WORDS)).encode())
    return h.hexdigest()[:12]


def warm_up() -> None:
    """Load jieba's whole dictionary now (before tokenizing reports, or the first question
    of a long-running process)."""
    _Jieba.full()


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


_ADMIN_SUFFIXES = tuple(UNIT_CHARS)


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
    if _LAST_YEAR.search(norm):
        relative = "last"
    elif _THIS_YEAR.search(norm):
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
    # Provinces by their short names (西藏, 宁夏): jieba does not always tag them as places.
    provinces = tuple(p for p in PROVINCES if p in norm and not any(p in q for q in places + named))
    places = tuple(dict.fromkeys(places + named + provinces))
    asked = _ASKED_UNIT.search(norm)
    units: tuple[str, ...] = ()
    if asked:
        unit = asked.group(1)
        if unit[0] in "万亿" and unit not in MONEY_UNITS_ACCEPTED and len(unit) > 1:
            unit = unit[1:]  # 多少万辆: a figure in 辆, 万辆 or 亿辆 answers
        units = MONEY_UNITS_ACCEPTED.get(unit) or next(
            (fam for fam in UNIT_FAMILIES.values() if unit in fam), (unit,)
        )
    elif _ASKED_RATE.search(norm) and len(re.findall(r"多少|几", norm)) <= 1:
        units = ASKED_RATE_UNITS  # (two figures asked, 赤字是多少、赤字率多少: no one unit)
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
