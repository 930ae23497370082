"""The extractive answerer: picks the sentence(s) of the retrieved paragraphs that answer the
question, trims them to the clauses that matter, and abstains when none is supported well.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .. import lexicon
from ..cite import citation
from ..types import PLAN, REVIEW, Citation, Hit, Paragraph

NOT_FOUND = "报告中未找到与该问题相关的内容。"
_DIGIT = re.compile(r"\d")
_CLAUSE_SPLIT = re.compile(r"(?<=[，,：:])")
_WANTS_ALL = re.compile(r"哪些|分别|各是|各为|各自|都有|包括|几个方面")
# "工业投资、技改投资、工业用电量分别增长51.1%、36.5%、7.8%": items paired with values.
_RESPECTIVELY = re.compile(
    r"(?P<items>[^，,；;。：:]+?)分别(?P<verb>[^\d，,；;。、]{0,8}?)(?P<values>\d[^，,；;。]*)"
)


@dataclass(frozen=True)
class ExtractiveConfig:
    """Scoring weights and the abstention threshold (calibrated on the eval QA set)."""

    # Abstain below either: the sentence score, or the question-term coverage of its best
    # clause (the one holding a figure, for 多少 questions). Calibrated on eval/qa.jsonl to
    # cost at most 3 points of accuracy on answerable questions.
    threshold: float = 0.30
    clause_threshold: float = 0.06
    candidates: int = 5  # paragraphs whose sentences are considered
    max_answer_chars: int = 60
    rank_weight: float = 0.1  # prior for sentences of higher-ranked paragraphs
    # Cosine similarities of e5 sit in a narrow band: centre and scale them before weighing.
    similarity_weight: float = 4.0
    similarity_center: float = 0.87
    numeric_bonus: float = 0.1
    numeric_penalty: float = 0.25


@dataclass(frozen=True)
class Extracted:
    text: str
    abstained: bool
    citations: tuple[Citation, ...]
    score: float


def _coverage(weights: dict[str, float], text: str) -> float:
    """Share of the question's term weight found in `text`."""
    total = sum(weights.values())
    if not total:
        return 0.0
    return sum(w for t, w in weights.items() if t in text) / total


def _constraints_met(intent: lexicon.QuestionIntent, para: Paragraph, context: str) -> bool:
    """Years and places the question names must be borne out by the paragraph."""
    for year in intent.years:
        if para.period_year == year:
            continue
        if f"{year}年" in context or str(year) in context:
            continue
        return False
    for place in intent.places:
        core = place.rstrip("市区县省")
        if place not in context and (len(core) < 2 or core not in context):
            return False
    return True


class ExtractiveAnswerer:
    """Answers from the retrieved paragraphs without a language model."""

    def __init__(self, config: ExtractiveConfig | None = None) -> None:
        self.config = config or ExtractiveConfig()

    def score_sentences(
        self, question: str, hits: list[Hit], regions: dict[str, str], weights: dict[str, float]
    ):
        """(score, hit index, sentence index) for every candidate sentence, best first.

        `weights` maps the question's content terms to their weight (e.g. IDF over the corpus).
        """
        cfg = self.config
        intent = lexicon.intent(question, tuple(sorted(set(regions.values()) - {""})))
        scored = []
        for rank, hit in enumerate(hits[: cfg.candidates]):
            para = hit.paragraph
            heading_ctx = lexicon.normalize(" ".join(para.section))
            doc_ctx = lexicon.normalize(f"{hit.title} {regions.get(para.doc_id, '')}")
            para_norm = lexicon.normalize(para.text)
            if not _constraints_met(intent, para, f"{para_norm} {heading_ctx} {doc_ctx}"):
                continue
            lead = lexicon.normalize(para.sentences[0]) if para.sentences else ""
            for i, sentence in enumerate(para.sentences):
                s_norm = lexicon.normalize(sentence)
                own = _coverage(weights, s_norm)
                ctx = _coverage(weights, f"{s_norm} {lead} {heading_ctx} {doc_ctx}")
                score = 0.6 * own + 0.2 * ctx
                if hit.similarities:
                    dense = cfg.similarity_weight * (hit.similarities[i] - cfg.similarity_center)
                    score += min(max(dense, -0.2), 0.3)
                score += cfg.rank_weight * (1.0 - rank / max(cfg.candidates, 1))
                if intent.numeric:
                    score += cfg.numeric_bonus if _DIGIT.search(sentence) else -cfg.numeric_penalty
                if not intent.figure_in(s_norm):
                    continue  # asks for 多少亿元 / 多少人 and this sentence has no such figure
                if i in hit.matched[:3]:
                    score += 0.05
                scored.append((score, rank, i))
        scored.sort(key=lambda t: (-t[0], t[1], t[2]))
        return scored

    def answer(
        self, question: str, hits: list[Hit], regions: dict[str, str], weights: dict[str, float]
    ) -> Extracted:
        scored = self.score_sentences(question, hits, regions, weights)
        if not scored or scored[0][0] < self.config.threshold:
            return Extracted(NOT_FOUND, True, (), scored[0][0] if scored else 0.0)
        best, rank, idx = scored[0]
        hit = hits[rank]
        numeric = lexicon.intent(question).numeric
        if _clause_coverage(hit.paragraph.sentences[idx], weights, numeric) < (
            self.config.clause_threshold
        ):
            return Extracted(NOT_FOUND, True, (), best)
        chosen = [idx]
        # A list or a figure often runs on into the next sentence of the same paragraph.
        for score, r, i in scored[1:4]:
            if r == rank and abs(i - idx) == 1 and score >= 0.85 * best:
                chosen.append(i)
        chosen.sort()
        text = "".join(hit.paragraph.sentences[i] for i in chosen)
        wants_all = _WANTS_ALL.search(question)
        text = (not wants_all and _pick_respective(text, weights)) or self._trim(
            text, weights, lexicon.intent(question).numeric
        )
        label = _period_note(hit.paragraph)
        if label:
            text = f"{text}（{label}）"
        return Extracted(text, False, (citation(hit, chosen),), best)

    def _trim(self, text: str, weights: dict[str, float], numeric: bool) -> str:
        """Keep the run of clauses around the one that best matches the question."""
        text = text.strip()
        if len(text) <= self.config.max_answer_chars:
            return text.rstrip("。；;")
        clauses = [c for c in _CLAUSE_SPLIT.split(text) if c]
        scores = []
        for c in clauses:
            score = _coverage(weights, lexicon.normalize(c))
            if numeric and _DIGIT.search(c):
                score += 0.1
            scores.append(score)
        best = max(range(len(clauses)), key=lambda i: scores[i])
        if scores[best] <= 0:
            return text[: self.config.max_answer_chars].rstrip("，,、") + "…"
        first = last = best
        # Grow over neighbours that match nearly as well (a figure's other half, a list).
        while first > 0 and scores[first - 1] >= 0.8 * scores[best]:
            first -= 1
        while last + 1 < len(clauses) and scores[last + 1] >= 0.8 * scores[best]:
            last += 1
        if numeric and not _DIGIT.search("".join(clauses[first : last + 1])):
            last = min(last + 1, len(clauses) - 1)
        out = "".join(clauses[first : last + 1]).strip().rstrip("，,：:。；;")
        if len(out) > self.config.max_answer_chars * 1.5:
            out = out[: self.config.max_answer_chars].rstrip("，,、") + "…"
        return out


def _clause_coverage(sentence: str, weights: dict[str, float], numeric: bool) -> float:
    """Best question-term coverage of one clause (of a clause with a figure, if asked for one)."""
    clauses = [c for c in re.split(r"[，,；;：:]", sentence) if c]
    with_figures = [c for c in clauses if _DIGIT.search(c)]
    pool = with_figures if numeric and with_figures else clauses
    return max((_coverage(weights, lexicon.normalize(c)) for c in pool), default=0.0)


def _pick_respective(text: str, weights: dict[str, float]) -> str:
    """The one item of an "A、B、C分别…x、y、z" list that the question asks about, with its value."""
    for m in _RESPECTIVELY.finditer(text):
        items = [i.strip() for i in m.group("items").split("、")]
        values = [v.strip() for v in m.group("values").split("、")]
        if len(items) < 2 or len(items) != len(values):
            continue
        scores = [_coverage(weights, lexicon.normalize(i)) for i in items]
        best = max(range(len(items)), key=lambda i: scores[i])
        if scores[best] > 0 and scores.count(scores[best]) == 1:
            return f"{items[best]}{m.group('verb')}{values[best]}"
    return ""


def _period_note(para: Paragraph) -> str:
    if para.period == REVIEW and para.period_year:
        return f"{para.period_year}年实绩"
    if para.period == PLAN and para.period_year:
        return f"{para.period_year}年目标任务"
    return ""


_SECTION_ASK = re.compile(
    r"标题|第[一二三四五六七八九十\d]+(?:部分|项|个方面|方面|节|大项|条)|哪一(?:部分|节|项)|哪个部分|"
    r"最后一(?:个方面|部分|项|节)|(?:部分|方面|节|项)的?主题|(?:部分|方面|一节|重点)(?:讲|是关于|说)"
)
_ORDINAL = re.compile(r"第([一二三四五六七八九十\d]+)(?:部分|项|个方面|方面|节|大项|条|个)|(最后)")
_CN_DIGITS = {c: i for i, c in enumerate("一二三四五六七八九十", start=1)}
_PARENT_WORDS = {REVIEW: ("回顾", "成绩", "去年"), PLAN: ("安排", "今年", "部署")}


def _ordinal(question: str) -> int | None:
    m = _ORDINAL.search(question)
    if not m:
        return None
    if m.group(2):
        return -1
    raw = m.group(1)
    if raw.isdigit():
        return int(raw)
    if raw == "十":
        return 10
    if raw.startswith("十"):
        return 10 + _CN_DIGITS[raw[1]]
    return _CN_DIGITS.get(raw[0], 0) * (10 if raw.endswith("十") and len(raw) == 2 else 1) or None


def _marker(heading: str) -> str:
    m = re.match(r"^[（(]?([一二三四五六七八九十\d]+)", heading)
    return m.group(1) if m else ""


def asks_for_section(question: str) -> bool:
    return bool(_SECTION_ASK.search(question))


def _heading_citation(hit_title: str, para: Paragraph, score: float) -> Citation:
    heading = para.section[-1] if para.section else para.text
    idx = next((i for i, s in enumerate(para.sentences) if heading in s), 0)
    return citation(Hit(paragraph=para, title=hit_title, score=score), [idx])


def answer_section(
    question: str, hits: list[Hit], outlines: dict[str, list[Paragraph]], titles: dict[str, str]
) -> Extracted | None:
    """Answer "2024年工作安排的第三项重点是什么？"-style questions from the report outline."""
    if not hits or not asks_for_section(question):
        return None
    doc_id = hits[0].paragraph.doc_id
    outline = outlines.get(doc_id) or []
    intent = lexicon.intent(question)
    tops = [p for p in outline if len(p.section) == 1]
    if any(w in question for w in _PARENT_WORDS[REVIEW]) or intent.relative == "last":
        parent = next((p for p in tops if p.period == REVIEW), None)
    elif any(w in question for w in _PARENT_WORDS[PLAN]) or intent.period == PLAN:
        parent = next((p for p in tops if p.period == PLAN), None)
    elif intent.years:
        parent = next((p for p in tops if p.period_year == intent.years[0]), None)
    else:
        parent = None
    wanted = parent.period if parent is not None else ""
    n = _ordinal(question)
    if n is not None:
        if parent is not None:
            pool = [p for p in outline if len(p.section) == 2 and p.section[0] == parent.section[0]]
        else:
            pool = tops
        # A fragment may start at 三、: the heading's own numeral counts before its position.
        numbered = [p for p in pool if _ordinal(f"第{_marker(p.section[-1])}项") == n]
        if numbered:
            target = numbered[0]
        elif not pool or n > len(pool) or n == 0:
            return None
        else:
            target = pool[n - 1] if n > 0 else pool[-1]
    else:
        # No ordinal: the subsection holding the best-matching paragraph of the right period.
        target = None
        for hit in hits:
            p = hit.paragraph
            if len(p.section) >= 2 and (not wanted or p.period == wanted):
                target = next((o for o in outline if o.section == p.section[:2]), None)
                if target is not None:
                    break
        if target is None:
            return None
    heading = target.section[-1]
    text = f"{heading}（{target.section[0]}）" if len(target.section) > 1 else heading
    return Extracted(
        text, False, (_heading_citation(titles.get(doc_id, doc_id), target, 1.0),), 1.0
    )
