"""The list answerer: a question asking for the items of a list (哪些, 哪三个, “五大战略”是哪些)
gets every item of the enumeration that answers it, never cut.

An enumeration is a series in one clause (A、B和C; “A”“B”“C”) or ordinal items (一是…二是…,
第一…第二…, （一）…（二）…) in one paragraph or over consecutive paragraphs, sub-headings
included. The count a question asks (哪三个, 哪5个方面) or names (三大攻坚战, “九个坚持”) picks
the enumeration of that many items, wherever it stands among the retrieved paragraphs and the
paragraphs that follow them; a sentence that only mentions the set (加大对三大攻坚战的支持) does
not answer. Every paragraph an item is quoted from is cited.

Sentences are scored as the extractive answerer scores them; when none is supported well
enough the question is left to it (it abstains with related statements).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ..cite import citation
from ..embeddings import UNCALIBRATED, Calibration
from ..question import LIST, QuestionPlan
from ..types import Citation, Hit, Paragraph
from ..vocab import CN_NUMERALS, CN_SEVERAL, cn_number
from .base import AnswerContext, Extracted
from .extractive import ExtractiveAnswerer, ExtractiveConfig, clause_coverage, period_note

# The count a question asks (哪三个, 哪5个方面) or names (三大攻坚战, “九个坚持”, 十三个领域).
_ASKED_COUNT = re.compile(rf"哪([{CN_SEVERAL}]+|\d+)")
_NAMED_COUNT = re.compile(
    rf"([{CN_SEVERAL}]+|\d+)(?:大|个|项|条|张|种|类|方面|重|篇|件|句|点|位|家|所)"
)
# The set a question names by its count: 三大攻坚战 -> 攻坚战, “五大战略” -> 战略.
_SET_NOUN = re.compile(
    rf"(?:[{CN_SEVERAL}]+|\d+)(?:大|个|项|条|张|种|类|重|篇|件|句)“?([^\W\d]{{2,3}})"
)
# “六稳”, “四新”: a count and the word every item starts with (not “十五五”, a plan's name).
_QUOTED_SET = re.compile(rf"“[{CN_SEVERAL}]([^{CN_NUMERALS}\d”]{{1,2}})”")
# A quoted term the question asks about (“总抓手”), named where the report lists its items.
_QUOTED_TERM = re.compile(rf"“([^{CN_NUMERALS}\d”]{{2,6}})”")
_NOT_NOUNS = ("方面", "什么", "分别", "具体", "是", "哪", "指")
# Where a series is cut into items; the last item may be joined by 和/及.
_SERIES_SEP = re.compile(r"[、]")
_LAST_JOIN = re.compile(r"(?<=[\u4e00-\u9fff])(?:和|及|以及|与)(?=[\u4e00-\u9fff])")
_QUOTED = re.compile(r"“[^”]{1,20}”")
_QUOTED_RUN = re.compile(r"(?:“[^”]{1,20}”[、，,]?){2,}")
_CLAUSE = re.compile(r"(?<=[，,；;：:。！!？?])")
# An ordinal item at the start of a sentence or paragraph, by its style.
_ORDINALS = (
    ("是", re.compile(rf"^\s*([{CN_NUMERALS}]+)是")),
    ("要", re.compile(rf"^\s*([{CN_NUMERALS}]+)要")),
    ("第", re.compile(rf"^\s*第([{CN_NUMERALS}]+)(?:[，,、：:]|是)")),
    ("括", re.compile(rf"^\s*[（(]([{CN_NUMERALS}]+|\d+)[）)]")),
    ("点", re.compile(r"^\s*(\d+)[.．、](?!\d)")),
)
# An item's head ends at its first clause mark.
_HEAD_END = re.compile(r"[，,；;。：:！!]")
# A sentence introducing what follows (…把握好5个方面：, 主要有, 即).
_INTRO = re.compile(r"[：:]$|(?:包括|主要有|分别是|如下|以下几点|即)[。：:]?$")
# A series clause that opens with these names its items for the clause before it.
_NAMING = re.compile(r"^(?:即|包括|也就是|分别是|主要是|主要有)")
_MAX_SCAN = 40  # paragraphs read after a retrieved one for the rest of its items
_MAX_GAP = 8  # paragraphs without an item (an item's body) before a run is taken as ended
_MENTION_CHARS = 40  # a sentence this short may name the set its next sentence lists
_COUNTED_CHARS = 120  # a sentence longer than this gives a counted list as its clause


def asked_count(question: str) -> int | None:
    """How many items the question asks for: 哪三个 -> 3, “九个坚持”是什么 -> 9; None for 哪些."""
    for pattern in (_ASKED_COUNT, _NAMED_COUNT):
        m = pattern.search(question)
        if m:
            n = cn_number(m.group(1))
            if n and n >= 2:
                return n
    return None


def set_noun(question: str) -> str:
    """The head word of the set the question names by its count (三大攻坚战 -> 攻坚, “六稳”
    -> 稳) or by a quoted term (“总抓手”), or ""."""
    quoted = _QUOTED_SET.search(question)
    if quoted:
        return quoted.group(1)
    for m in _SET_NOUN.finditer(question):
        noun = m.group(1)
        if not noun.startswith(_NOT_NOUNS):
            return noun[:2]
    term = _QUOTED_TERM.search(question)
    return term.group(1) if term else ""


def names_set(found: Enumeration, noun: str) -> bool:
    """The enumeration is of the named set: its clause names it after the series (A、B、C的
    攻坚战; 坚持A、坚持B), or most of its items do (一是坚定实施A战略；二是…). A series whose
    first item is the set itself (三张清单、A、B) only mentions it."""
    if not noun:
        return False
    if len(noun) >= 2 and noun in found.tail:
        return True
    items = found.items or tuple(found.text.split("；"))
    return sum(noun in item for item in items) * 2 > len(items)


def series_counts(clause: str) -> frozenset[int]:
    """The item counts a clause's series may have: A、B、C -> {3}; A、B和C -> {2, 3}, counted
    both ways, as 和 joins items or words within one (生态保护和高质量发展)."""
    counts: set[int] = set()
    quoted = _QUOTED_RUN.search(clause)
    if quoted:
        counts.add(len(_QUOTED.findall(quoted.group(0))))
    if "、" in clause:
        pieces = _SERIES_SEP.split(clause)
        n = len(pieces)
        counts.add(n)
        if _LAST_JOIN.search(pieces[-1]):
            counts.add(n + 1)
    return frozenset(c for c in counts if c >= 2)


def ordinal(text: str) -> tuple[str, int] | None:
    """(style, number) of an ordinal item opening `text`: 二是… -> ("是", 2)."""
    for style, pattern in _ORDINALS:
        m = pattern.match(text)
        if m:
            n = cn_number(m.group(1))
            if n:
                return style, n
    return None


def item_head(sentence: str) -> str:
    """An ordinal item's own words: 一是坚定实施扩大内需战略，在… -> 一是坚定实施扩大内需战略."""
    text = sentence.strip()
    m = ordinal(text)
    start = 0
    if m is not None:
        start = len(text) - len(text.lstrip()) + 2
    end = _HEAD_END.search(text, start + 2)
    return text[: end.start()] if end else text.rstrip("。；;")


@dataclass(frozen=True)
class Enumeration:
    """The items of one list, where they are quoted from, and the answer text giving them."""

    counts: frozenset[int]
    text: str
    quotes: tuple[tuple[Paragraph, tuple[int, ...]], ...]
    anchor: tuple[int, int]  # (paragraph number, sentence index) whose score counts
    doc_id: str
    tail: str = ""  # a series: its last item and what follows it in its clause (…的攻坚战)
    items: tuple[str, ...] = ()


def series_in(
    para: Paragraph, i: int, max_chars: int, want: int | None = None, noun: str = ""
) -> Enumeration | None:
    """The series of sentence `i` of `para` (of `want` items when given, and naming `noun`
    when one does; else its longest): the sentence when it is at most `max_chars` long, else
    the clause holding the series."""
    sentence = para.sentences[i]
    clauses = [c for c in _CLAUSE.split(sentence) if c]
    found: list[Enumeration] = []
    for j, clause in enumerate(clauses):
        counts = series_counts(clause)
        if not counts or (want is not None and want not in counts):
            continue
        text = sentence
        if len(sentence) > max_chars:
            named = _NAMING.match(clause) or (j and _INTRO.search(clauses[j - 1]))
            text = "".join(clauses[j - 1 if j and named else j : j + 1])
        items = tuple(_SERIES_SEP.split(_clean(clause)))
        found.append(
            Enumeration(
                counts,
                _clean(text),
                ((para, (i,)),),
                (para.number, i),
                para.doc_id,
                items[-1],
                items,
            )
        )
    if not found:
        return None
    named_ones = [e for e in found if names_set(e, noun)]
    return named_ones[0] if named_ones else max(found, key=lambda e: max(e.counts))


def ordinal_run(para: Paragraph, i: int, following: list[Paragraph]) -> Enumeration | None:
    """The ordinal items from sentence `i` of `para` (an item 1) on: numbered 1, 2, 3… in one
    style, in `para`'s sentences and then at the start of the paragraphs `following` it; the
    body of an item between them is skipped; a heading that is not an item, a new list, or a
    long stretch without an item ends the run."""
    first = ordinal(para.sentences[i])
    if first is None or first[1] != 1:
        return None
    style = first[0]
    items: list[str] = []
    quotes: dict[int, tuple[Paragraph, list[int]]] = {}
    expected = 1
    item_section: tuple[str, ...] | None = None  # the section an item heads, if it heads one
    last = para  # the paragraph of the last item

    def take(p: Paragraph, k: int) -> None:
        nonlocal expected, item_section, last
        last = p
        head = item_head(p.sentences[k])
        items.append(head)
        quotes.setdefault(p.number, (p, []))[1].append(k)
        expected += 1
        heads = bool(p.section) and k == 0 and p.section[-1][:4] == p.sentences[0].strip()[:4]
        item_section = p.section if heads else None

    for k in range(i, len(para.sentences)):
        m = ordinal(para.sentences[k])
        if m is not None and m == (style, expected):
            take(para, k)
    gap = 0
    for p in following[:_MAX_SCAN]:
        m = ordinal(p.sentences[0]) if p.sentences else None
        if m is not None and m[0] == style:
            if m[1] != expected:
                break  # another list starts
            take(p, 0)
            gap = 0
            continue
        if item_section is not None and p.section[: len(item_section)] == item_section:
            continue  # the body of the section the last item heads
        if p.is_heading or p.section != last.section:
            break  # a heading that is not one of the items, or another part of the report
        gap += 1
        if gap > _MAX_GAP:
            break
    return _run(items, quotes, para, i)


def _run(
    items: list[str], quotes: dict[int, tuple[Paragraph, list[int]]], para: Paragraph, i: int
) -> Enumeration | None:
    if len(items) < 2:
        return None
    return Enumeration(
        frozenset({len(items)}),
        "；".join(items),
        tuple((p, tuple(ks)) for p, ks in quotes.values()),
        (para.number, i),
        para.doc_id,
        items=tuple(items),
    )


def _clean(text: str) -> str:
    return text.strip().rstrip("。；;，,")


class ListAnswerer:
    """Answers list questions with every item of the enumeration they ask for."""

    def __init__(
        self, config: ExtractiveConfig | None = None, calibration: Calibration = UNCALIBRATED
    ) -> None:
        self.config = config or ExtractiveConfig()
        self.scorer = ExtractiveAnswerer(self.config, calibration)

    def answer(self, plan: QuestionPlan, context: AnswerContext) -> Extracted | None:
        if plan.answer_type != LIST or plan.uncovered or not context.hits:
            return None
        cfg = self.config
        hits, weights = context.hits, context.weights
        scored = self.scorer.score_sentences(plan, hits, context.regions, weights)
        if not scored or scored[0][0] < cfg.threshold:
            return None
        best = scored[0][0]
        want = asked_count(plan.question)
        titles = {h.paragraph.doc_id: h.title for h in hits}
        if want is not None:
            found = self._counted(plan, context, scored, want)
            if found is not None:
                return self._answer(found, titles, best)
        # No count asked, or no enumeration of that count: the best-scored sentence holding
        # an enumeration among the first few, else the best sentence, given whole.
        for score, rank, idx in scored[: cfg.list_candidates]:
            if score < cfg.threshold:
                break
            sentence = hits[rank].paragraph.sentences[idx]
            if clause_coverage(sentence, weights, plan.numeric) < cfg.clause_threshold:
                continue
            found = self._enumeration_at(context, hits[rank].paragraph, idx)
            if found is not None and max(found.counts) >= max(want or 2, 2):
                return self._answer(found, titles, best)
        score, rank, idx = scored[0]
        sentence = hits[rank].paragraph.sentences[idx]
        if clause_coverage(sentence, weights, plan.numeric) < cfg.clause_threshold:
            return None
        return self._answer(self._sentences_from(hits[rank].paragraph, idx), titles, best)

    def _counted(
        self, plan: QuestionPlan, context: AnswerContext, scored: list, want: int
    ) -> Enumeration | None:
        """The enumeration of `want` items anchored at the best-scored sentence, if any."""
        cfg = self.config
        hits = context.hits
        score_of: dict[tuple[str, int, int], float] = {}
        for score, rank, idx in scored:
            p = hits[rank].paragraph
            score_of.setdefault((p.doc_id, p.number, idx), score)
        seen: set[tuple[str, int]] = set()
        noun = set_noun(plan.question)
        options: list[tuple[bool, float, int, Enumeration]] = []
        for rank, hit in enumerate(hits[: cfg.candidates]):
            para = hit.paragraph
            if not any(
                (para.doc_id, para.number, i) in score_of for i in range(len(para.sentences))
            ):
                continue  # the paragraph does not meet the question's years or places
            for p in [para, *self._following(context, para, 1)]:
                if (p.doc_id, p.number) in seen:
                    continue
                seen.add((p.doc_id, p.number))
                for i in range(len(p.sentences)):
                    found = self._enumeration_at(context, p, i, want, noun)
                    if found is None or want not in found.counts:
                        continue
                    anchor = self._anchor_score(found, score_of)
                    if anchor >= cfg.threshold:
                        options.append((names_set(found, noun), anchor, rank, found))
        if not options:
            return None
        options.sort(key=lambda o: (not o[0], -o[1], o[2]))
        return options[0][3]

    def _anchor_score(
        self, found: Enumeration, score_of: dict[tuple[str, int, int], float]
    ) -> float:
        """The score of the enumeration's sentence, or of the sentence before it that
        introduces or names the set (深入实施区域重大战略。推进A、B、C…)."""
        doc, number, i = found.doc_id, found.anchor[0], found.anchor[1]
        own = score_of.get((doc, number, i), 0.0)
        if i > 0:
            before = score_of.get((doc, number, i - 1), 0.0)
        else:
            before = max(
                (s for (d, n, _), s in score_of.items() if d == doc and n == number - 1),
                default=0.0,
            )
        quoted = [
            s for p, ks in found.quotes for k in ks if (s := score_of.get((doc, p.number, k)))
        ]
        return max([own, 0.95 * before, *quoted])

    def _following(self, context: AnswerContext, para: Paragraph, n: int) -> list[Paragraph]:
        out = []
        for k in range(para.number + 1, para.number + 1 + n):
            p = context.paragraph(para.doc_id, k)
            if p is None:
                break
            out.append(p)
        return out

    def _enumeration_at(
        self,
        context: AnswerContext,
        para: Paragraph,
        i: int,
        want: int | None = None,
        noun: str = "",
    ) -> Enumeration | None:
        """The enumeration sentence `i` of `para` holds or opens (of `want` items when given),
        or, when the sentence names or introduces a list (…把握好5个方面：; 深入实施区域重大
        战略。推进A、B、C…), the one right after it."""
        # A counted list is given as its clause when its sentence is long; any other whole.
        limit = _COUNTED_CHARS if want is not None else self.config.max_list_chars
        sentences = para.sentences
        series = series_in(para, i, limit, want, noun)
        if series is not None:
            return series
        if ordinal(sentences[i]) is not None:
            return ordinal_run(para, i, self._following(context, para, _MAX_SCAN))
        intro = bool(_INTRO.search(sentences[i].rstrip()))
        if i + 1 < len(sentences):
            if ordinal(sentences[i + 1]) is not None:
                return ordinal_run(para, i + 1, self._following(context, para, _MAX_SCAN))
            nxt = series_in(para, i + 1, limit, want, noun)
            if nxt is None:
                return None
            if want is not None or intro:
                return nxt
            if len(sentences[i]) <= _MENTION_CHARS and max(nxt.counts) >= 3:
                # A short sentence naming the set, its items in the next one.
                text = _clean(sentences[i]) + "。" + nxt.text
                return replace(
                    nxt, text=text, quotes=((para, (i, i + 1)),), anchor=(para.number, i)
                )
            return None
        after = self._following(context, para, _MAX_SCAN + 1)
        if not after or not after[0].sentences:
            return None
        if ordinal(after[0].sentences[0]) is not None:
            return ordinal_run(after[0], 0, after[1:])
        return series_in(after[0], 0, limit, want, noun) if intro else None

    def _sentences_from(self, para: Paragraph, idx: int) -> Enumeration:
        """Sentence `idx` with the items that follow it when it introduces them."""
        chosen = [idx]
        sentences = para.sentences
        while (
            chosen[-1] + 1 < len(sentences)
            and (
                _INTRO.search(sentences[chosen[-1]].rstrip()) or ordinal(sentences[chosen[-1] + 1])
            )
            and sum(len(sentences[i]) for i in chosen) < self.config.max_list_chars
        ):
            chosen.append(chosen[-1] + 1)
        text = "".join(sentences[i] for i in chosen)
        return Enumeration(
            frozenset(), _clean(text), ((para, tuple(chosen)),), (para.number, idx), para.doc_id
        )

    def _answer(self, found: Enumeration, titles: dict[str, str], score: float) -> Extracted:
        title = titles.get(found.doc_id, found.doc_id)
        cites: list[Citation] = [
            citation(Hit(paragraph=p, title=title, score=score), list(ks)) for p, ks in found.quotes
        ]
        text = found.text
        label = period_note(found.quotes[0][0])
        if label:
            text = f"{text}（{label}）"
        return Extracted(text, False, tuple(cites), score)
