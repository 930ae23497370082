"""Frozen dataclasses shared by every stage: load → structure → store → retrieve → answer."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

SECTION_SEP = " › "

# Period of a paragraph, from the headings above it.
REVIEW = "review"  # review of the past year (e.g. 2023年工作回顾)
PLAN = "plan"  # plan for the report year (e.g. 2024年工作安排)

# Part of a report a paragraph belongs to.
FRONT = "front"  # title block and opening, before the first section
BODY = "body"  # the sections of the report
APPENDIX = "appendix"  # 附件, 名词解释, 注释: after the report, outside its sections

NATIONAL = "全国"  # the region of the national report (国务院政府工作报告)


def year_span(years: tuple[int, ...]) -> str:
    """'2025', '2021—2025', '2018—2020、2022' for a set of years; '' for none."""
    runs: list[list[int]] = []
    for year in sorted(set(years)):
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    return "、".join(str(r[0]) if len(r) == 1 else f"{r[0]}—{r[-1]}" for r in runs)


@dataclass(frozen=True)
class ReportMeta:
    """Report metadata detected from the text (empty when not present)."""

    title: str = ""
    region: str = ""  # e.g. 全国, 四川省, 内江市, 内江市市中区
    level: str = ""  # "国家" | "省" | "市" | "区县" | ""
    year: int | None = None  # year the report was delivered
    date: str = ""  # ISO date of delivery, when the text gives one
    review_years: tuple[int, ...] = ()  # years its review covers, e.g. (2021, …, 2025)
    plan_years: tuple[int, ...] = ()  # years its plan covers, e.g. (2026,) or (2026, …, 2030)
    speaker: str = ""  # who delivered it, as the title block names them (王清宪)
    speaker_role: str = ""  # their office, as written (省人民政府省长, 国务院总理)
    meeting: str = ""  # where it was delivered (安徽省第十四届人民代表大会第四次会议)


@dataclass(frozen=True)
class SourceText:
    """What a loader returns: plain text with paragraphs on separate lines."""

    text: str
    source: str  # path or caller-given name
    format: str  # txt | md | html | pdf | docx | text
    title: str = ""  # title from the file's own metadata, if any
    encoding: str = ""


@dataclass(frozen=True)
class Paragraph:
    """One paragraph (or heading) of a report, numbered from 1 within its document."""

    doc_id: str
    number: int
    text: str
    section: tuple[str, ...] = ()
    sentences: tuple[str, ...] = ()
    period: str = ""  # REVIEW | PLAN | ""
    period_year: int | None = None  # the year of the period when it is one year, else None
    is_heading: bool = False
    # Every year the period covers: (2025,) for a 2025 review, (2021, …, 2025) for a
    # 十四五 review, (2026, …, 2030) for 十五五 goals; () when the paragraph has no period.
    period_years: tuple[int, ...] = ()
    part: str = ""  # FRONT | BODY | APPENDIX ("" when not known, e.g. an old store)

    @property
    def section_path(self) -> str:
        return SECTION_SEP.join(self.section)

    @property
    def period_label(self) -> str:
        """Human label such as '2023年工作回顾', '2024年工作安排' or '2026—2030年工作安排'."""
        if not self.period:
            return ""
        if self.period_year:
            year = f"{self.period_year}年"
        elif self.period_years:
            year = f"{year_span(self.period_years)}年"
        else:
            year = ""
        return f"{year}{'工作回顾' if self.period == REVIEW else '工作安排'}"


@dataclass(frozen=True)
class Report:
    """A parsed report: metadata plus numbered paragraphs."""

    doc_id: str
    meta: ReportMeta
    paragraphs: tuple[Paragraph, ...]
    content_hash: str
    source: str = ""
    title_hint: str = ""  # the title the file's own metadata gave (kept to re-derive meta)
    detector_version: str = ""  # version of the detector that derived meta and structure

    @property
    def title(self) -> str:
        return self.meta.title or self.doc_id


@dataclass(frozen=True)
class DocumentInfo:
    """An indexed document as listed by `Assistant.documents()`."""

    doc_id: str
    title: str
    region: str = ""
    level: str = ""  # "国家" | "省" | "市" | "区县" | ""
    year: int | None = None  # year the report was delivered
    date: str = ""
    source: str = ""
    paragraphs: int = 0
    chars: int = 0
    content_hash: str = ""
    indexed_at: str = ""
    review_years: tuple[int, ...] = ()  # years its review covers
    plan_years: tuple[int, ...] = ()  # years its plan covers
    speaker: str = ""  # who delivered it, when its title block says (王清宪)
    speaker_role: str = ""  # their office, as written (省人民政府省长)
    meeting: str = ""  # where it was delivered (安徽省第十四届人民代表大会第四次会议)
    # False while its vectors are being computed: found by keyword search only till then.
    embedded: bool = True
    units: int = 0  # retrieval units (0 in stores written before they were counted)

    @property
    def delivered_by(self) -> str:
        """Office and name of who delivered it (省人民政府省长 王清宪); "" when it does not say."""
        return " ".join(p for p in (self.speaker_role, self.speaker) if p)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["review_years"] = list(self.review_years)
        d["plan_years"] = list(self.plan_years)
        return d


@dataclass(frozen=True)
class IngestReport:
    """Outcome of an ingest: document ids per outcome, and failures with their reasons."""

    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()
    failed: tuple[tuple[str, str], ...] = ()  # (path, reason)

    @property
    def ok(self) -> bool:
        return not self.failed

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["failed"] = [{"path": p, "reason": r} for p, r in self.failed]
        return d


@dataclass(frozen=True)
class Hit:
    """A retrieved paragraph with its fused score and the sentences that matched."""

    paragraph: Paragraph
    title: str
    score: float
    matched: tuple[int, ...] = ()  # indexes into paragraph.sentences, best first
    dense: float = 0.0  # best cosine similarity of its units to the question
    lexical: float = 0.0  # best BM25 score of its units
    similarities: tuple[float, ...] = ()  # per sentence: cosine similarity to the question


@dataclass(frozen=True)
class Citation:
    """A paragraph an answer relies on, with the sentence(s) that support it."""

    doc_id: str
    title: str
    section: str
    paragraph: int
    text: str
    quote: str
    score: float
    period: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class RetrievedParagraph:
    """A paragraph the retriever ranked for a question (what the answer was chosen from)."""

    doc_id: str
    paragraph: int
    score: float
    text: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Answer:
    """The answer to one question, with its citations."""

    question: str
    text: str
    abstained: bool
    mode: str  # "extractive" | "llm"
    citations: tuple[Citation, ...] = ()
    verified: bool | None = None
    timings: dict[str, float] = field(default_factory=dict)
    rewritten_question: str = ""  # standalone form of a follow-up question
    notices: tuple[str, ...] = ()  # e.g. "question truncated", "unsupported figures: ..."
    retrieved: tuple[RetrievedParagraph, ...] = ()  # ranked candidates, best first
    # When abstained: up to three cited statements close to what was asked (never the answer).
    related: tuple[Citation, ...] = ()
    # Reports searched by keywords only: indexed, their vectors still being computed.
    keyword_only: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["keyword_only"] = list(self.keyword_only)
        d["citations"] = [c.to_dict() for c in self.citations]
        d["related"] = [c.to_dict() for c in self.related]
        d["notices"] = list(self.notices)
        d["retrieved"] = [r.to_dict() for r in self.retrieved]
        return d


# Status of a figure: what the report says happened, or what it aims for.
RESULT = "result"
TARGET = "target"


@dataclass(frozen=True)
class Indicator:
    """One quantitative statement of a report (a figure with its indicator), citing its sentence.

    `value` is the number as written, in `unit` (1800 with unit 亿元), negative for a stated
    decrease (下降30% -> -30); `value_text` is the figure as written with its qualifier.
    """

    doc_id: str
    title: str
    region: str
    paragraph: int
    section: str
    sentence: str  # the verbatim sentence the figure comes from
    span: str  # the verbatim statement within the sentence
    name: str  # indicator, e.g. 地区生产总值
    value: float
    value_text: str  # e.g. 6.0%以上
    unit: str  # e.g. 亿元, %, 万人, 个百分点
    kind: str  # level | growth | share | count
    qualifier: str = ""  # 左右, 以上, 超, 不低于, …
    year: int | None = None
    status: str = ""  # RESULT | TARGET
    period: str = ""  # paragraph period label, e.g. 2024年工作安排

    @property
    def status_label(self) -> str:
        """'2024年目标' or '2023年实绩' (without the year when it is unknown)."""
        year = f"{self.year}年" if self.year else ""
        return f"{year}{'目标' if self.status == TARGET else '实绩'}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# Verdicts of a target followed to its result.
MET = "达到"
NOT_MET = "未达到"
UNDECIDED = "无法判断"


@dataclass(frozen=True)
class TrackSide:
    """One side of a tracked target: the figure a report states, and where it says it."""

    value: float  # as written, in `unit`; negative for a stated decrease (下降3% -> -3)
    value_text: str  # e.g. 5.5%左右
    unit: str
    qualifier: str  # 左右, 以上, 以内, 低于, －6.5% (the upper end of a range)…
    doc_id: str
    title: str
    paragraph: int
    section: str
    sentence: str  # the verbatim sentence
    span: str  # the statement within it, e.g. 国内生产总值增长5.5%左右
    name: str  # the indicator as the report names it
    stated: str = ""  # the figure as a reader says it: 增长5.5%左右, 上涨2%, 1100万人以上

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class TrackRecord:
    """A target of one year followed to the result for that year, by indicator and region.

    The target comes from the plan of the report delivered that year, the result from the
    review of the report delivered the next year; either may be missing (`note` says why),
    and then the verdict is 无法判断.
    """

    region: str
    indicator: str  # the indicator's name in the synonym table (or as the reports name it)
    year: int
    target: TrackSide | None
    result: TrackSide | None
    verdict: str  # 达到 | 未达到 | 无法判断
    reason: str = ""  # how the verdict follows from the values, or why there is none
    note: str = ""  # a missing side: no report of that year, or the report gives no figure

    @property
    def paired(self) -> bool:
        return self.target is not None and self.result is not None

    def to_dict(self) -> dict[str, Any]:
        return {
            "region": self.region,
            "indicator": self.indicator,
            "year": self.year,
            "target": self.target.to_dict() if self.target else None,
            "result": self.result.to_dict() if self.result else None,
            "verdict": self.verdict,
            "reason": self.reason,
            "note": self.note,
        }
