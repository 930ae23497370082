"""The names of a sentence's figures (pure): the indicator each figure is the value of, read
from the text before it, from the items of an "A、B分别…" list, from the noun a count qualifies,
or from the subject of the sentence (see the rules in `assistant.indicators`).
"""

from __future__ import annotations

import copy
import itertools
import re

from ..vocab import (
    CLAUSE_END,
    CN_NUMERALS,
    CN_TWO,
    TERRITORY_CHARS,
    clause_spans,
)
from ._figures import _FIGURE, _NUM_START, _Figure, _find

_GROWTH_VERBS = re.compile(
    r"(增长|增速|增幅|提高|提升|上升|回升|提速|上涨|涨幅|上调|下调|下降|减少|降低|缩短|压减|压缩|下滑|"
    r"高于|低于)了?$"
)
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
    rf"完成|共|并|和|及|与|、|全[{TERRITORY_CHARS}]|年内|当年|分别|努力做到|做到|至少|再|要|将|拟|安排|落实|但|"
    r"而|提出)+"
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
_SHARED_SUFFIX = re.compile(
    r"(增加值|投资|收入|产值|总额|总量|经费|支出|产量|面积|人数|贷款余额|贷款|余额|用电量|增值税|产业规模)$"
)
# A name that is a whole indicator: it takes nothing from the other items of its list.
_INDICATOR_END = re.compile(r"(?:率|额|值|量|数|资|入|出|积|价|费|金|款|重|比|税|耗)$")
_RATE_END = re.compile(r"(?:率|比重|比例|占比)$")
_PERIOD_SUFFIX = re.compile(r"(?:年均|累计)$")
_NEXT_IN_LIST = re.compile(r"、" + _NUM_START + r"\d")
_NOUN_END = re.compile(
    r"[，,；;：:。！？!?、（(\d]|等|和|及|与|分别|实现|全面|全部|完成|达到|建成|开工|入选|第"
)

# A name that says how or when but not what ("总量突破90万亿元", "五年年均增长5.2%",
# "比去年增加2000亿元"): it takes the subject named before it in the sentence.
_BARE = re.compile(
    rf"^(?P<time>[{CN_NUMERALS}{CN_TWO}]+年|近?\d+年)?"
    r"(?P<rest>(?:年均|累计|总量|总额|总规模|规模|增加|减少|增产|减产|净增|增长|提高|下降)*)$"
)
_PERIOD_TAIL = re.compile(rf"(?:[{CN_NUMERALS}{CN_TWO}]+年|近?\d+年)?(?:累计|年均)+$")
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
_SUBJECT_LEAD = re.compile(rf"^(?:.*等|全[{TERRITORY_CHARS}国]|其中|共有|另有|每年)?$")
_AFTER_VALUE = re.compile(r"安排|的[^，,；;。]{0,6}水平|的幅度")
_RATE_OF = re.compile(
    r"的幅度(?P<verb>压减|削减|降低|减少|压缩|提高|增加|增长)(?P<noun>[^，,；;。、]{2,12})"
)


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


def _share_subject(sentence: str, f: _Figure) -> tuple[str, int] | None:
    """A share that opens its clause, named by what the clause says of its noun: '每年70%以上的
    财政支出投入民生领域' -> (每年投入民生领域的财政支出比重, end of the statement)."""
    start = max(sentence.rfind(c, 0, f.start) for c in CLAUSE_END) + 1
    lead = sentence[start : f.start].strip(" 、")
    if not _SUBJECT_LEAD.match(lead):
        return None
    end = next((i for i in range(f.end, len(sentence)) if sentence[i] in CLAUSE_END), len(sentence))
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
    if not after or after in CLAUSE_END or after in "、）)”》（(等和及":
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
        clause = re.split(r"[，,；;：:。！？!?、]", rest, maxsplit=1)[0]
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
        if f.name or not f.counter or not nxt or nxt in CLAUSE_END or nxt in "、）)”》（(":
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
    subject = _opening_subject(sentence)
    clause_before = ""
    for start, end in clause_spans(sentence):
        before, clause_before = clause_before, sentence[start:end]
        in_clause = [f for f in figs if start <= f.start < end]
        if not in_clause:
            continue
        done = _respective(sentence, start, end, in_clause, before) or _same_items(
            sentence, start, in_clause, figs
        )
        if not done:
            _subject_counts(sentence, start, end, in_clause)
        previous, subject = _name_clause(sentence, start, in_clause, previous, subject)
    return [part for f in figs if f.name for part in _one_value_each(f)]


def _opening_subject(sentence: str) -> str:
    """What a sentence opens on, before its first figure; "" when that is no name."""
    opening = re.split(r"[，,；;：:。]", sentence)[0]
    subject = _clean_name(opening.split(next(iter(re.findall(r"\d", opening)), "\0"))[0])
    return subject if 2 <= len(subject) <= 12 and re.search(r"\d", opening) else ""


def _same_items(sentence: str, start: int, in_clause: list[_Figure], figs: list[_Figure]) -> bool:
    """Names a clause's list of figures after the items of an earlier list, one for one (True),
    or leaves them (False)."""
    items = [f.item for f in figs if f.item and f.start < start]
    lead_text = sentence[start : in_clause[0].start]
    gaps = [sentence[a.end : b.start] for a, b in itertools.pairwise(in_clause)]
    if not (
        len(items) == len(in_clause) >= 2
        and all(g == "、" for g in gaps)
        and len(_clean_name(lead_text)) <= 6
    ):
        return False
    # "…分别完成投资290亿元、895亿元，超目标任务42个、23个百分点": the same items.
    for f, item in zip(in_clause, items, strict=True):
        f.name = item + _clean_name(lead_text)
        f.verb = lead_text
        f.span_start = start
    return True


def _name_clause(
    sentence: str, start: int, in_clause: list[_Figure], previous: str, subject: str
) -> tuple[str, str]:
    """Names each figure of a clause not named yet from the text since the figure before;
    returns the (previous name, subject) the next clause starts from."""
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
        subject, time_word = _name_from_lead(
            sentence, f, lead, cursor > start, last, previous, subject, time_word
        )
        if f.name.startswith("占") and previous:
            f.name = previous + f.name  # 民生支出…，占一般公共预算支出的66.4%
        if f.name:
            previous = f.name
        # After a count, its noun still leads to what follows: 18个目标镇（街道）改造厨房1.14万户.
        cursor = f.end if f.count_noun else f.span_end
        last = f
    return previous, subject


def _name_from_lead(
    sentence: str,
    f: _Figure,
    lead: str,
    mid_clause: bool,
    last: _Figure | None,
    previous: str,
    subject: str,
    time_word: str,
) -> tuple[str, str]:
    """Names figure `f` from `lead`, the text since the figure before in its clause (`last`;
    `mid_clause`: there was one); returns the (subject, time word) the next figures take."""
    after = sentence[f.end : f.end + 1]
    if f.counter and after and after not in CLAUSE_END and after not in "、）)”》（(":
        # A count before its noun: 新增4个省级临床重点专科, 引进…项目5个 is the other way.
        _name_count(sentence, f, lead, last)
    elif mid_clause and lead.strip() == "、" and last is not None:
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
        name, time_word, names_subject = _lead_name(lead[: since.start()], f, subject, time_word)
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
    return subject, time_word


def _name_count(sentence: str, f: _Figure, lead: str, last: _Figure | None) -> None:
    """Names a count before its noun from that noun and the verb before the count."""
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
