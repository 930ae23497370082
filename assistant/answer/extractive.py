"""The extractive answerer: picks the sentence(s) of the retrieved paragraphs that answer the
question, trims them to the clauses that matter, and abstains when none is supported well.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .. import lexicon
from ..cite import citation
from ..embeddings import UNCALIBRATED, Calibration
from ..question import AGE, DATE, FIGURE, PERSON, QuestionPlan, region_core
from ..types import NATIONAL, PLAN, REVIEW, Citation, Hit, Paragraph
from ..vocab import (
    CHANGE_WORDS,
    CN_NUMERALS,
    CN_ZEROS,
    MULTI_YEAR_WORDS,
    RECENT_PLAN,
    UNIT_CHARS,
    alternation,
    split_clauses,
    states_change,
)
from .base import AnswerContext, Extracted, abstention

_DIGIT = re.compile(r"\d")
# Where an answer is trimmed: after a comma or a colon, keeping the mark with its clause.
_CLAUSE_SPLIT = re.compile(r"(?<=[，,：:])")
_WANTS_ALL = re.compile(r"哪些|分别|各是|各为|各自|都有|包括|几个方面")
# "工业投资、技改投资、工业用电量分别增长51.1%、36.5%、7.8%": items paired with values.
_RESPECTIVELY = re.compile(
    r"(?P<items>[^，,；;。：:]+?)分别(?P<verb>[^\d，,；;。、]{0,8}?)(?P<values>\d[^，,；;。]*)"
)
# A figure over several years, when the question asks about one year.
_SPAN_FIGURE = re.compile(f"{alternation(MULTI_YEAR_WORDS)}|{RECENT_PLAN}")
# A change (增长6.7%, 下降2%): it does not answer a level asked (QuestionPlan.asks_level).
_CHANGE_FIGURE = re.compile(
    f"(?:{alternation(CHANGE_WORDS)})了?(?:约|近|超过|超|达)?"
    r"\d+(?:\.\d+)?\s*(?:%|个百分点|百分点|‰|倍)?"
)
_BY_YEAR = re.compile(r"(?:到|至|在)((?:19|20)\d{2})年")
_DATE_TEXT = re.compile(
    rf"\d{{1,2}}月\d{{1,2}}日|(?:19|20)\d{{2}}年\d{{1,2}}月|[{CN_NUMERALS}{CN_ZEROS[0]}]+月[{CN_NUMERALS}]+日"
)
_ROLE = re.compile(rf"[{UNIT_CHARS}]长|主席|总理|书记|部长|负责人|主任")
_AGE_TEXT = re.compile(r"\d+岁|出生|生于|年生")
# Answer types whose answer must carry a kind of statement, tried over the best sentences.
_CHECKED = (FIGURE, PERSON, AGE, DATE)


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
    max_list_chars: int = 400  # a list answer is given whole, up to this length
    rank_weight: float = 0.1  # prior for sentences of higher-ranked paragraphs
    numeric_bonus: float = 0.1
    numeric_penalty: float = 0.25
    # A figure answers only when the clause holding it (with the clause before) names at least
    # this share of the question's topic: the asked indicator, not a neighbour's figure (at 0.5,
    # 覆盖率 passed for 森林覆盖率 and 地区生产总值 for 人均地区生产总值).
    figure_topic: float = 0.6
    # …or a sentence close to the question (the embedder's `Calibration.close`) naming this
    # share of it.
    figure_topic_close: float = 0.2
    key_term_bonus: float = 0.1  # a sentence naming the question's rarest known term
    span_penalty: float = 0.15  # a sentence of a several-year period, for a one-year question
    checked_sentences: int = 3  # best sentences tried for a figure, person, date or age
    list_candidates: int = 8  # best sentences searched for the enumeration a list question asks
    related: int = 3  # statements shown beside an abstention
    related_topic: float = 0.3  # topic share a related statement must name


def _coverage(weights: dict[str, float], text: str) -> float:
    """Share of the question's term weight found in `text`."""
    total = sum(weights.values())
    if not total:
        return 0.0
    return sum(w for t, w in weights.items() if t in text) / total


def _constraints_met(plan: QuestionPlan, para: Paragraph, context: str) -> bool:
    """Years and places the question names must be borne out by the paragraph."""
    for year in plan.years:
        if para.period_year == year or year in para.period_years:
            continue
        if f"{year}年" in context or str(year) in context:
            continue
        return False
    for place in plan.places:
        if place == NATIONAL:
            continue  # the national report rarely names itself; routing chose it
        core = region_core(place)
        if place not in context and (len(core) < 2 or core not in context):
            return False
    return True


def supports(plan: QuestionPlan, sentence: str, cfg: ExtractiveConfig, close: bool = False) -> bool:
    """Whether `sentence` holds the kind of statement the question asks for (see _CHECKED).

    `close`: the sentence is very close in meaning to the question (by the embedder's
    calibration); see `accepted_figure`.
    """
    norm = lexicon.normalize(sentence)
    if plan.answer_type == FIGURE:
        return accepted_figure(plan, norm, cfg, close) is not None
    if plan.answer_type == PERSON:
        # A person's name, beside the asked role (省长, 负责人…) when the question names one.
        role = _ROLE.search(plan.question)
        if role and role.group(0) not in norm:
            return False
        return any(w.flag == "nr" and len(w.word) >= 2 for w in lexicon.pos_tags(sentence))
    if plan.answer_type == AGE:
        return bool(_AGE_TEXT.search(norm))
    if plan.answer_type == DATE:
        return bool(_DATE_TEXT.search(norm))
    return True


def accepted_figure(
    plan: QuestionPlan, norm: str, cfg: ExtractiveConfig, close: bool = False
) -> str | None:
    """The clause of a (normalised) sentence whose figure answers a figure question, or None:
    one naming the asked indicator, or in a sentence very close in meaning (`close`), one naming
    part of it. A question all in words no report uses (…多少头猪养成上市) cannot be matched by
    its words: there a very close sentence's figure in the asked unit answers."""
    clause = figure_clause(plan, norm, cfg.figure_topic)
    if clause is not None or not close:
        return clause
    if not plan.weighed_topic and not plan.units:
        return None  # neither words nor a unit to check the figure by
    least = cfg.figure_topic_close if plan.weighed_topic else 0.0
    return figure_clause(plan, norm, least, key_term=False)


def figure_clause(
    plan: QuestionPlan, norm: str, min_topic: float, key_term: bool = True
) -> str | None:
    """The clause of a (normalised) sentence stating a figure of the asked indicator, or None.

    The clause must hold a number in the asked unit, and it or the clause before it must name
    `min_topic` of the question's topic; a figure over several years (年均, 累计, 十四五) does
    not answer a one-year question, nor a goal for another year (到2030年) this year's.
    """
    if plan.unknown_place and region_core(plan.unknown_place) not in norm:
        return None  # a place no report is about: only a sentence naming it speaks of it
    clauses = split_clauses(norm)
    for i, clause in enumerate(clauses):
        # How much it is is not answered by how much it grew (增长6.7%, 下降2%), nor the reverse.
        if not plan.figure_in(_CHANGE_FIGURE.sub("", clause) if plan.asks_level else clause):
            continue
        if plan.asks_change and not states_change(clause):
            continue
        window = "".join(clauses[max(0, i - 1) : i + 1])
        if plan.topic and (
            plan.topic_coverage(window) < min_topic or (key_term and not _key_term_in(plan, window))
        ):
            continue  # the figure of another indicator, or of a narrower or wider one
        if key_term and not all(c.in_text(window) for c in plan.coined_terms):
            continue  # 全体居民人均可支配收入 is not 城镇居民人均可支配收入
        if not plan.multi_year and _SPAN_FIGURE.search(window):
            continue
        by = _BY_YEAR.search(window)
        if by and plan.year is not None and int(by.group(1)) != plan.year:
            continue
        return clause
    return None


def _key_term_in(plan: QuestionPlan, text: str, coined: bool = True) -> bool:
    """The rarest weighed topic term (the one that tells this indicator from its neighbours:
    城镇 in 城镇居民人均可支配收入) is named in `text` (see `QuestionPlan.weighed_topic`).

    `coined`: the words of a compound no report uses count (a figure must name them); without,
    only words some report uses do (what a sentence can be preferred for)."""
    terms = [t for t in plan.weighed_topic if coined or t.known]
    if not terms:
        return True
    top = max(t.weight for t in terms)
    return any(t.in_text(text) for t in terms if t.weight >= top - 1e-9)  # ties: any of them


class ExtractiveAnswerer:
    """Answers from the retrieved paragraphs without a language model.

    `calibration` is how to read the similarities of the embedder that retrieved the hits
    (`embeddings.calibration_of`); by default similarity is not weighed.
    """

    def __init__(
        self, config: ExtractiveConfig | None = None, calibration: Calibration = UNCALIBRATED
    ) -> None:
        self.config = config or ExtractiveConfig()
        self.calibration = calibration

    def score_sentences(
        self,
        plan: QuestionPlan,
        hits: list[Hit],
        regions: dict[str, str],
        weights: dict[str, float],
    ):
        """(score, hit index, sentence index) for every candidate sentence, best first.

        `weights` maps the question's content terms to their weight (e.g. IDF over the corpus).
        """
        cfg = self.config
        scored = []
        for rank, hit in enumerate(hits[: cfg.candidates]):
            para = hit.paragraph
            heading_ctx = lexicon.normalize(" ".join(para.section))
            doc_ctx = lexicon.normalize(f"{hit.title} {regions.get(para.doc_id, '')}")
            para_norm = lexicon.normalize(para.text)
            if not _constraints_met(plan, para, f"{para_norm} {heading_ctx} {doc_ctx}"):
                continue
            if plan.answer_type == FIGURE and plan.period and para.period not in ("", plan.period):
                continue  # a result asked: never the plan's target, and the reverse
            span = para.period_years
            if plan.answer_type == FIGURE and plan.year and span and plan.year not in span:
                continue  # the paragraph speaks of other years
            # One year asked of a paragraph on several (a five-year review): only a sentence
            # that names the year speaks of it.
            year_named = (
                f"{plan.year}年"
                if plan.answer_type == FIGURE
                and plan.year
                and len(span) > 1
                and plan.year != span[-1]  # 2025 of a review ending with it is its end state
                and not plan.multi_year
                else ""
            )
            # One year asked: a paragraph on five years (十四五 review) only if nothing closer.
            span_penalty = (
                cfg.span_penalty if span and len(span) > 1 and not plan.multi_year else 0.0
            )
            lead = lexicon.normalize(para.sentences[0]) if para.sentences else ""
            for i, sentence in enumerate(para.sentences):
                s_norm = lexicon.normalize(sentence)
                if year_named and year_named not in s_norm:
                    continue
                own = _coverage(weights, s_norm)
                ctx = _coverage(weights, f"{s_norm} {lead} {heading_ctx} {doc_ctx}")
                score = 0.6 * own + 0.2 * ctx
                if hit.similarities:
                    cal = self.calibration
                    dense = cal.scale * (hit.similarities[i] - cal.centre)
                    score += min(max(dense, -0.2), 0.3)
                score += cfg.rank_weight * (1.0 - rank / max(cfg.candidates, 1)) - span_penalty
                if plan.numeric:
                    score += cfg.numeric_bonus if _DIGIT.search(sentence) else -cfg.numeric_penalty
                if plan.units and not plan.figure_in(s_norm):
                    continue  # asks for 多少亿元 / 多少人 and this sentence has no such figure
                if i in hit.matched[:3]:
                    score += 0.05
                if plan.topic and _key_term_in(plan, s_norm, coined=False):
                    score += cfg.key_term_bonus  # names what sets the topic apart
                scored.append((score, rank, i))
        scored.sort(key=lambda t: (-t[0], t[1], t[2]))
        return scored

    def answer(self, plan: QuestionPlan, context: AnswerContext) -> Extracted:
        """The best-supported sentence, trimmed to what answers; else an abstention."""
        cfg = self.config
        hits, weights = context.hits, context.weights
        if plan.uncovered:
            return abstention(0.0, self.related(plan, hits))
        scored = self.score_sentences(plan, hits, context.regions, weights)
        best_score = scored[0][0] if scored else 0.0
        tries = cfg.checked_sentences if plan.answer_type in _CHECKED else 1
        chosen_at = None
        for score, rank, idx in scored[:tries]:
            if score < cfg.threshold:
                break
            sentence = hits[rank].paragraph.sentences[idx]
            if clause_coverage(sentence, weights, plan.numeric) < cfg.clause_threshold:
                continue
            hit = hits[rank]
            similarity = hit.similarities[idx] if idx < len(hit.similarities) else 0.0
            close = self.calibration.is_close(similarity)
            if supports(plan, sentence, cfg, close):
                chosen_at = (score, rank, idx, close)
                break
        if chosen_at is None:
            return abstention(best_score, self.related(plan, hits))
        best, rank, idx, close = chosen_at
        hit = hits[rank]
        chosen = [idx]
        # A list or a figure often runs on into the next sentence of the same paragraph.
        for score, r, i in scored[1:4]:
            if r == rank and abs(i - idx) == 1 and score >= 0.85 * best:
                chosen.append(i)
        chosen.sort()
        sentences = hit.paragraph.sentences
        text = "".join(sentences[i] for i in chosen)
        wants_all = _WANTS_ALL.search(plan.question)
        text = (not wants_all and _pick_respective(text, weights)) or self._trim(
            text, weights, plan.numeric
        )
        if plan.answer_type == FIGURE:
            kept = self._with_figure(plan, text, sentences[idx], close, weights)
            if kept != text:
                text, chosen = kept, [idx]
        label = period_note(hit.paragraph)
        if label:
            text = f"{text}（{label}）"
        return Extracted(text, False, (citation(hit, chosen),), best)

    def _with_figure(
        self, plan: QuestionPlan, text: str, sentence: str, close: bool, weights: dict[str, float]
    ) -> str:
        """`text` when it states the figure the gate accepted in `sentence`; else that sentence
        trimmed, or the figure's clause alone: never a neighbour's figure in its place."""
        cfg = self.config
        norm = lexicon.normalize(sentence)
        figure = accepted_figure(plan, norm, cfg, close)
        if not figure or figure in lexicon.normalize(text):
            return text
        trimmed = self._trim(sentence, weights, plan.numeric)
        if figure in lexicon.normalize(trimmed):
            return trimmed
        return next((c for c in split_clauses(sentence) if lexicon.normalize(c) == figure), trimmed)

    def related(self, plan: QuestionPlan, hits: list[Hit]) -> tuple[Citation, ...]:
        """Up to `related` statements of the retrieved paragraphs that name the asked topic."""
        cfg = self.config
        if not plan.topic:
            return ()
        allowed = set(plan.place_documents)
        out = []
        for hit in hits:
            para = hit.paragraph
            if allowed and para.doc_id not in allowed:
                continue
            best = max(
                (
                    (plan.topic_coverage(lexicon.normalize(s)), i)
                    for i, s in enumerate(para.sentences)
                    # never the answer: a statement the answer gate takes is not "related"
                    if plan.answer_type not in _CHECKED or not supports(plan, s, cfg)
                ),
                default=(0.0, -1),
            )
            if best[0] >= cfg.related_topic:
                out.append(citation(hit, [best[1]]))
            if len(out) >= cfg.related:
                break
        return tuple(out)

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


def clause_coverage(sentence: str, weights: dict[str, float], numeric: bool) -> float:
    """Best question-term coverage of one clause; when a figure is asked, of a clause with a
    figure read with the clause before it (落实用水、用气、用电各项要素保障措施，为企业降低生产
    成本4500余万元: the figure's subject is named before its comma), as `figure_clause` reads it."""
    clauses = split_clauses(sentence)
    with_figures = [
        clauses[i - 1] + c if i else c for i, c in enumerate(clauses) if _DIGIT.search(c)
    ]
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


def period_note(para: Paragraph) -> str:
    if para.period == REVIEW and para.period_year:
        return f"{para.period_year}年实绩"
    if para.period == PLAN and para.period_year:
        return f"{para.period_year}年目标任务"
    return ""
