"""The section answerer: questions about a report's outline, answered with its headings.

What a section question asks, read from its words:
- the N-th section of a part ("2024年工作安排的第三项重点", "排第二的重点任务", "第三部分");
- the sections under a section ("“…”这一部分从哪四个方面展开？"), or how many there are
  ("年度工作安排一共分几个方面？": the report's own count when it states one, "重点抓好14个方面
  的工作");
- the section that speaks of a topic ("讲改革和科技创新的那一部分标题是什么？");
- the section a quoted passage belongs to ("“…”这一段属于哪个部分？");
- the appendices by their titles ("附件1和附件2分别是什么？").

The part a question points into is found by its period words (回顾, 安排…), its year and the
words it shares with the part headings; "部分" asks for a top-level part unless the question
names the part it is inside. The answer cites the heading paragraph(s) it gives.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from .. import lexicon
from ..cite import citation
from ..question import APPENDIX_ASK, FIGURE, LIST, SECTION, QuestionPlan
from ..types import APPENDIX, PLAN, REVIEW, Citation, Hit, Paragraph
from ..vocab import CN_NUMERALS, CN_SEVERAL, PART_ASK_WORDS, cn_number
from .base import AnswerContext, Extracted, abstention

_NUM = rf"[{CN_NUMERALS}\d]+"
# How many sections a part has (工作安排一共分几个方面, 重点工作共有几项) and which they are
# (这一部分从哪四个方面展开, 对今年政府工作的建议包括哪几个方面): the words before the ask
# name the part.
_PART_WORDS = r"(?:安排|工作|任务|部署|建议|回顾|总结|部分|报告)(?:中|里)?(?:一共|总共|共)?"
SECTION_COUNT_ASK = re.compile(
    _PART_WORDS + r"(?:分为?|分成|包括|包含|涵盖|有)(?:几|多少)个?(?:方面|部分|大项|项|板块)"
)
SECTION_CHILDREN_ASK = re.compile(
    _PART_WORDS
    + rf"(?:从|分为?|分成|包括|包含|涵盖|有)?哪(?:[{CN_SEVERAL}几]|些)个?(?:方面|部分|大项|板块)"
)
_ORDINAL = re.compile(
    rf"第({_NUM})(?:部分|项|个方面|方面|节|大项|条|个)|排(?:在)?第({_NUM})|(最后)"
)
# The section by what it speaks of: "讲改革和科技创新的那一部分", "涵盖物流、消费的那一项".
_CONTENT_ASK = re.compile(
    r"(?:讲|谈|涵盖|覆盖|关于|涉及|围绕|有关|聚焦|部署)(?P<topic>[^，,。？?]{2,40}?)的?"
    r"(?:那|这|哪)一?(?:个)?(?:部分|节|项|个方面|方面|板块)"
)
# The section a passage belongs to: 属于哪个部分, 是…哪一项重点任务下的内容, 出自哪一节.
_WHERE_ASK = re.compile(
    r"(?:属于|出自|在|是)[^，,。？?]{0,16}?哪(?:一|个)(?:个)?(?:部分|节|项|方面|板块)"
)
_QUOTE = re.compile(r"[“\"「『‘]([^”\"」』’]{2,60})[”\"」』’]")
_APPENDIX_NUMBER = re.compile(rf"附(?:件|录|表)?\s*({_NUM})|(?:和|与|、|及)\s*({_NUM})(?=\D|$)")
# A heading's own number: 三、 / （三） / 3.
_MARKER = re.compile(rf"^[（(]?({_NUM})")
# Units a part's sections are counted in, as the question names them.
_UNITS = ("个方面", "个部分", "方面", "部分", "大项", "项", "板块")
# "第三部分包括哪几个方面": the ordinal names the part whose sections are asked.
_PART_ORDINAL = re.compile(rf"第{_NUM}部分")
# Words that name a part without saying which (the part's heading says the rest).
_FRAME_WORDS = frozenset(
    {w for words in PART_ASK_WORDS.values() for w in words}
    | {"工作", "报告", "政府", "年度", "全年", "今年", "去年", "本年", "展开", "分别"}
)
# A heading's marker (三、 / （三） / 3.), left out when a quote is measured against it.
_MARKER_TEXT = re.compile(rf"^(?:[（(]?{_NUM}[）)、.．]?)")
# The report's own count of a part's sections: 重点抓好以下14个方面的工作, 做好八个方面工作.
_STATED_COUNT = re.compile(rf"({_NUM})(?:个|项|大|条)?(?:方面|项|部分|大任务|任务|板块)")
_APPENDIX_COUNT = re.compile(r"(?:几|多少)个?附[件录表]")
# A lead sentence that opens a paragraph as its unnumbered heading: 加快建设美丽中区。
_LEAD_END = "。！；;.!"
_MAX_LEAD_CHARS = 16
_LEAD_PUNCT = re.compile(r"[，,：:、；;（(“\"]")


def _ordinal(question: str) -> int | None:
    """The position a question asks for: 第三项 -> 3, 排第二 -> 2, 最后 -> -1."""
    m = _ORDINAL.search(question)
    if not m:
        return None
    if m.group(3):
        return -1
    return cn_number(m.group(1) or m.group(2))


def _marker(heading: str) -> str:
    m = _MARKER.match(heading)
    return m.group(1) if m else ""


class Outline:
    """The sections of one report: its heading paragraphs (`AnswerContext.outline`), with the
    paragraphs under each read through `paragraph`."""

    def __init__(
        self, doc_id: str, heads: Sequence[Paragraph], paragraph: Callable[[int], Paragraph | None]
    ) -> None:
        self.doc_id = doc_id
        self.heads = [h for h in heads if h.section]
        self._paragraph = paragraph

    @property
    def parts(self) -> list[Paragraph]:
        """The report's top-level parts (appendices left out)."""
        return [h for h in self.heads if len(h.section) == 1 and h.part != APPENDIX]

    @property
    def appendices(self) -> list[Paragraph]:
        return [h for h in self.heads if len(h.section) == 1 and h.part == APPENDIX]

    def children(self, node: Paragraph) -> list[Paragraph]:
        depth = len(node.section)
        return [
            h
            for h in self.heads
            if len(h.section) == depth + 1 and h.section[:depth] == node.section
        ]

    def leads(self, node: Paragraph) -> list[Paragraph]:
        """The unnumbered sections of a section that has no numbered ones: its paragraphs
        that open with a short lead sentence ("着力提升城市品质。大力实施…", or a line of its
        own, "旗帜鲜明讲政治。"), when at least a third of its paragraphs do."""
        if self.children(node):
            return []
        paras = [p for p in self.body(node) if not p.is_heading and p.sentences]
        leads = [p for p in paras if _is_lead(p.sentences[0])]
        return leads if len(leads) >= 2 and 3 * len(leads) >= len(paras) else []

    def level(self, depth: int) -> list[Paragraph]:
        return [h for h in self.heads if len(h.section) == depth and h.part != APPENDIX]

    def node(self, section: tuple[str, ...]) -> Paragraph | None:
        return next((h for h in self.heads if h.section == section), None)

    def body(self, node: Paragraph) -> list[Paragraph]:
        """The paragraphs of a section: its heading and everything under it."""
        out = []
        number = node.number
        while (p := self._paragraph(number)) is not None:
            if p.section[: len(node.section)] != node.section:
                break
            out.append(p)
            number += 1
        return out


def _is_lead(sentence: str) -> bool:
    """A short sentence with no inner punctuation, ending a thought: 加快建设美丽中区。"""
    body = sentence.rstrip(_LEAD_END)
    return body != sentence and 4 <= len(body) <= _MAX_LEAD_CHARS and not _LEAD_PUNCT.search(body)


def _names_parent(question: str) -> bool:
    return any(w in question for words in PART_ASK_WORDS.values() for w in words)


def _part_scores(
    question: str, plan: QuestionPlan, parts: list[Paragraph]
) -> list[tuple[float, Paragraph]]:
    """The top-level parts the question may point into (its period, its year, its words),
    best first; empty when the question names neither a period nor a year."""
    wants = ""
    if any(w in question for w in PART_ASK_WORDS[REVIEW]) or plan.intent.relative == "last":
        wants = REVIEW
    elif any(w in question for w in PART_ASK_WORDS[PLAN]) or plan.intent.period == PLAN:
        wants = PLAN
    years = plan.years
    if not parts or (not wants and not years):
        return []
    grams = {question[i : i + 2] for i in range(len(question) - 1)}

    def score(p: Paragraph) -> float:
        heading = lexicon.normalize(p.section[0])
        s = 2.0 if wants and p.period == wants else 0.0
        if years and str(years[-1]) in heading:
            s += 2.0
        elif years and p.period_year == years[-1]:
            s += 1.0
        heading_grams = {heading[i : i + 2] for i in range(len(heading) - 1)}
        return s + len(grams & heading_grams) / max(len(heading_grams), 1)

    ranked = sorted(((score(p), p) for p in parts), key=lambda e: -e[0])
    return [(s, p) for s, p in ranked if s >= 2.0]


def _parent(
    question: str, plan: QuestionPlan, outline: Outline, *, with_children: bool
) -> Paragraph | None:
    """The part the question points into; when it asks for sections inside the part, the best
    of those that have sections (二、2017年工作总体部署 has none, 三、2017年重点工作任务 has)."""
    ranked = _part_scores(question, plan, outline.parts)
    if not ranked:
        return None
    if with_children:
        best = ranked[0][0]
        for s, p in ranked:
            if s >= best - 1.0 and outline.children(p):
                return p
    return ranked[0][1]


def _heading_citation(title: str, para: Paragraph, score: float = 1.0) -> Citation:
    heading = para.section[-1] if para.section else para.text
    idx = next((i for i, s in enumerate(para.sentences) if heading in s), 0)
    return citation(Hit(paragraph=para, title=title, score=score), [idx])


def _shown(node: Paragraph) -> str:
    """A section as answered: its heading, with the part it sits in."""
    heading = node.section[-1]
    return f"{heading}（{node.section[0]}）" if len(node.section) > 1 else heading


def _one(node: Paragraph, title: str) -> Extracted:
    return Extracted(_shown(node), False, (_heading_citation(title, node),), 1.0)


class SectionAnswerer:
    """Answers questions about a report's outline (see the module docstring)."""

    def answer(self, plan: QuestionPlan, context: AnswerContext) -> Extracted | None:
        if not context.hits or not _asks_outline(plan):
            return None
        doc_id = _document(plan, context)
        outline = Outline(doc_id, context.outline(doc_id), lambda n: context.paragraph(doc_id, n))
        return answer_section(plan, context.hits, outline, context.titles.get(doc_id, doc_id))


def _asks_outline(plan: QuestionPlan) -> bool:
    """A section question, or a list or count question about the sections of a part (which
    it answers only when the question names the part: the list answerer takes the others)."""
    if plan.answer_type == SECTION:
        return True
    norm = lexicon.normalize(plan.question)
    return plan.answer_type in (LIST, FIGURE) and bool(
        SECTION_COUNT_ASK.search(norm) or SECTION_CHILDREN_ASK.search(norm)
    )


def _document(plan: QuestionPlan, context: AnswerContext) -> str:
    """The report asked about: the top-ranked one, or the one holding the quoted passage."""
    first = context.hits[0].paragraph.doc_id
    quotes = _quotes(plan.question)
    if quotes:
        for hit in context.hits:
            if any(q in lexicon.normalize(hit.paragraph.text) for q in quotes):
                return hit.paragraph.doc_id
    return first


def _quotes(question: str) -> list[str]:
    return [lexicon.normalize(m.group(1)) for m in _QUOTE.finditer(question)]


def answer_section(
    plan: QuestionPlan, hits: list[Hit], outline: Outline, title: str
) -> Extracted | None:
    """The heading(s) the question asks about, from the outline of one report."""
    question = lexicon.normalize(plan.question)
    if APPENDIX_ASK.search(question):
        return _appendices(question, outline, title)
    n = _ordinal(question)
    count = bool(SECTION_COUNT_ASK.search(question))
    listing = count or bool(SECTION_CHILDREN_ASK.search(question))
    named = _named_section(question, outline)
    if named is None and (where := _WHERE_ASK.search(question)) and _quotes(question):
        return _container(question, where.group(0), hits, outline, title)
    content = _CONTENT_ASK.search(question)
    parent = _parent(
        question, plan, outline, with_children=n is not None or listing or bool(content)
    )
    if parent is not None and "部分" in question and not _names_parent(question):
        parent = None  # "2026年报告的第二部分": a top-level part, the year names the report
    if listing:
        if named is None and n is not None and _PART_ORDINAL.search(question):
            named = _nth_node(n, parent, outline)  # "第三部分包括哪几个方面"
            n = None
        node = named or parent
        if node is None and _asks_parts(question) and outline.parts:
            return _sections_of(question, None, outline, title, count=count)  # 报告分为几个部分
        if node is None or (named is None and not _names_part(plan, question, node)):
            return None  # "稳就业工作包括哪些方面" asks about a topic, not about the part
        found = _sections_of(question, node, outline, title, count=count)
        if found is not None and n is not None and (nth := _nth_node(n, node, outline)):
            which = "最后一项" if n == -1 else f"第{n}项"
            return Extracted(
                f"{found.text}。{which}是{_shown(nth)}",
                False,
                (*found.citations, _heading_citation(title, nth)),
                1.0,
            )
        return found
    if n is not None:
        if named is not None:
            parent = named
        ordinals = list(_ORDINAL.finditer(question))
        if len(ordinals) > 1 and _PART_ORDINAL.match(ordinals[0].group(0)):
            # "第二部分的第三项": the third section of the second part.
            parent = _nth_node(n, None, outline)
            inner = _ordinal(question[ordinals[1].start() :])
            if parent is None or inner is None:
                return None
            n = inner
        nth = _nth_node(n, parent, outline)
        if nth is None:
            # The part has fewer sections than asked (第十二项 of ten): not in the report.
            pool = outline.children(parent) if parent is not None else outline.parts
            return abstention() if pool else None
        return _one(nth, title)
    if content:
        return _by_content(
            plan, content.group("topic"), content.group(0), parent, hits, outline, title
        )
    if named is not None:
        return _one(named, title)
    return _by_hits(question, parent, hits, outline, title)


def _asks_parts(question: str) -> bool:
    """The count or list asked is of the report's parts (报告分为几个部分, 包括哪几个部分)."""
    ask = SECTION_COUNT_ASK.search(question) or SECTION_CHILDREN_ASK.search(question)
    return ask is not None and ask.group(0).endswith("部分")


def _names_part(plan: QuestionPlan, question: str, node: Paragraph) -> bool:
    """The question's words around "包括哪几个方面" / "一共分几个方面" name the part `node`
    itself: each of its topic terms there is in the heading or a word that frames any part
    ("今年工作安排中有几项民生实事" asks about 民生实事, not about the part)."""
    ask = SECTION_COUNT_ASK.search(question) or SECTION_CHILDREN_ASK.search(question)
    rest = question[: ask.start()] + "|" + question[ask.end() :] if ask else question
    heading = lexicon.normalize(node.section[-1])
    return all(
        t.in_text(heading) or any(t.term in w for w in _FRAME_WORDS)
        for t in plan.topic
        if t.term in rest and not any(t.term in place for place in plan.places)
    )


def _nth_node(n: int, parent: Paragraph | None, outline: Outline) -> Paragraph | None:
    """The N-th section of the part (or the N-th part of the report)."""
    pool = outline.children(parent) if parent is not None else outline.parts
    # A fragment may start at 三、: the heading's own numeral counts before its position.
    numbered = [p for p in pool if cn_number(_marker(p.section[-1])) == n]
    if numbered:
        return numbered[0]
    if not pool or n > len(pool) or n == 0:
        return None
    return pool[n - 1] if n > 0 else pool[-1]


def _named_section(question: str, outline: Outline) -> Paragraph | None:
    """The section whose heading the question quotes ("“努力打造人民满意政府”这一部分")."""
    for quote in _quotes(question):
        for head in outline.heads:
            heading = lexicon.normalize(head.section[-1])
            if quote in heading and len(quote) * 2 >= len(_MARKER_TEXT.sub("", heading)):
                return head
    return None


def _sections_of(
    question: str, node: Paragraph | None, outline: Outline, title: str, *, count: bool
) -> Extracted | None:
    """The sections under `node` (the report's parts when None), or how many there are (the
    report's own count sentence when it states one)."""
    if node is None:
        subs, name = outline.parts, "报告"
    else:
        subs, name = outline.children(node) or outline.leads(node), node.section[-1]
    if not subs:
        return None
    unit = next((u for u in _UNITS if u in question), "个方面")
    if unit in ("方面", "部分"):
        unit = "个" + unit
    listing = "；".join(s.section[-1] if node is None else _heading_of(s, node) for s in subs)
    cites = tuple(_heading_citation(title, s) for s in subs)
    if count:
        text = f"共{len(subs)}{unit}：{listing}"
        if node is not None:
            stated = _count_sentence(node, subs, outline, title)
            cites = (stated,) if stated is not None else (_heading_citation(title, node),)
        return Extracted(text, False, cites, 1.0)
    return Extracted(f"{name}分为{len(subs)}{unit}：{listing}", False, cites, 1.0)


def _heading_of(sub: Paragraph, parent: Paragraph) -> str:
    """A section's heading; for an unnumbered one, its paragraph's lead sentence."""
    if len(sub.section) > len(parent.section):
        return sub.section[-1]
    return sub.sentences[0].rstrip(_LEAD_END)


def _count_sentence(
    node: Paragraph, subs: list[Paragraph], outline: Outline, title: str
) -> Citation | None:
    """The sentence before the first section that states their number ("重点抓好以下14个方面
    的工作：", "今年要重点做好八个方面工作")."""
    for p in outline.body(node):
        if p.number >= subs[0].number:
            break
        for i, sentence in enumerate(p.sentences):
            if any(cn_number(m.group(1)) == len(subs) for m in _STATED_COUNT.finditer(sentence)):
                return citation(Hit(paragraph=p, title=title, score=1.0), [i])
    return None


def _container(
    question: str, asked: str, hits: list[Hit], outline: Outline, title: str
) -> Extracted | None:
    """The section that holds the quoted passage, at the level asked: 部分 a top-level part
    (unless the question names the part it is inside), 项/节/方面 a section of a part."""
    quotes = _quotes(question)
    holder = _holder(quotes, hits, outline)
    if holder is None:
        return None
    path = holder.section
    if path and any(q in lexicon.normalize(path[-1]) for q in quotes):
        path = path[:-1]  # the quote is in a heading: the section above it
    depth = 1 if "部分" in asked and not _names_parent(question) else min(2, len(path))
    node = outline.node(path[:depth]) if path else None
    return _one(node, title) if node is not None else None


def _holder(quotes: list[str], hits: list[Hit], outline: Outline) -> Paragraph | None:
    """The paragraph of the report that holds the quoted passage: a retrieved one first."""
    retrieved = [h.paragraph for h in hits if h.paragraph.doc_id == outline.doc_id]
    everything = (p for part in outline.parts for p in outline.body(part))
    for p in (*retrieved, *everything):
        if any(q in lexicon.normalize(p.text) for q in quotes):
            return p
    return None


def _by_content(
    plan: QuestionPlan,
    topic: str,
    asked: str,
    parent: Paragraph | None,
    hits: list[Hit],
    outline: Outline,
    title: str,
) -> Extracted | None:
    """The section whose heading and text name most of what the question says it speaks of."""
    if parent is not None and outline.children(parent):
        pool = outline.children(parent)
    elif "部分" in asked or not outline.level(2):
        pool = outline.parts
    else:
        pool = outline.level(2)
    topic_norm = lexicon.normalize(topic)
    terms = [t for t in plan.topic if t.term in topic_norm] or list(plan.topic)
    if not pool or not terms:
        return None
    ranks = {(h.paragraph.doc_id, h.paragraph.number): r for r, h in enumerate(hits)}

    def score(node: Paragraph) -> tuple[float, float]:
        body = outline.body(node)
        heading = lexicon.normalize(node.section[-1])
        text = lexicon.normalize("".join(p.text for p in body))
        s = 0.0
        for t in terms:
            if t.in_text(heading):
                s += t.weight * 1.5
            elif t.in_text(text):
                s += t.weight
        best_rank = min((ranks.get((p.doc_id, p.number), len(hits)) for p in body), default=0)
        return s, -best_rank

    best = max(pool, key=score)
    if score(best)[0] <= 0:
        return None
    return _one(best, title)


def _by_hits(
    question: str, parent: Paragraph | None, hits: list[Hit], outline: Outline, title: str
) -> Extracted | None:
    """Neither ordinal nor topic: the section holding the best-matching paragraph of the part
    asked (a top-level part when 部分 asks for one, or the report has no deeper sections)."""
    depth = 1 if (parent is None and "部分" in question) or not outline.level(2) else 2
    for hit in hits:
        p = hit.paragraph
        if p.doc_id != outline.doc_id or len(p.section) < depth:
            continue
        if parent is not None and p.section[0] != parent.section[0]:
            continue
        node = outline.node(p.section[:depth])
        if node is not None and node.part != APPENDIX:
            return _one(node, title)
    return None


def _appendices(question: str, outline: Outline, title: str) -> Extracted | None:
    """The appendices the question names (附件1, 附件2; all when it names none), each by its
    title: the line under 附件1 that names it, else its heading. An appendix the report does
    not have is not found (a glossary titled 注释 is not 附件1)."""
    found = outline.appendices
    numbers = sorted(
        k
        for m in _APPENDIX_NUMBER.finditer(question)
        if (k := cn_number(m.group(1) or m.group(2) or "")) is not None
    )
    if numbers:
        attached = [a for a in found if a.section[0].startswith("附")]
        found = [a for a in attached if cn_number(_appendix_number(a.section[0])) in numbers]
        if not found:  # appendices headed 附件 without a number: the N-th of them
            plain = [a for a in attached if not _appendix_number(a.section[0])]
            found = [plain[k - 1] for k in numbers if 0 < k <= len(plain)]
    if not found:
        return abstention() if outline.parts else None
    parts, cites = [], []
    for a in found:
        body = outline.body(a)
        titled = next((p for p in body[1:3] if p.is_heading and len(p.section) == 1), None)
        name = a.section[0]
        if titled is not None:
            parts.append(f"{name}：{titled.text}")
            cites.append(_heading_citation(title, titled))
        else:
            parts.append(name)
            cites.append(_heading_citation(title, a))
    text = "；".join(parts)
    if _APPENDIX_COUNT.search(question):
        text = f"共{len(found)}个附件：{text}"
    return Extracted(text, False, tuple(cites), 1.0)


def _appendix_number(heading: str) -> str:
    m = re.search(_NUM, heading)
    return m.group(0) if m else ""
