"""Follow-up questions without a language model: "那2024年的目标呢？", "市中区呢？".

A follow-up is elliptical when it has no topic of its own (only a year, a place, a period
word such as 目标/实绩, or none of these) or when it is marked as one (starts with 那/那么/还有,
ends with 呢). It is made standalone from the previous question of the conversation:

* slots only: the previous question with the follow-up's year, place, period and question
  frame put in place of its own ("2023年内江市地区生产总值是多少？" + "那2024年的目标呢？" →
  "2024年内江市地区生产总值的目标是多少？");
* a new topic ("那规上工业增加值呢？"): the follow-up, with the year, place and period it
  leaves out taken from the previous question.

A question with its own topic and no follow-up marker is returned unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .. import lexicon
from ..vocab import LAST_YEAR_WORDS, PERIOD_ASK_WORDS, THIS_YEAR_WORDS, UNIT_CHARS, alternation

_YEAR = re.compile(
    r"(?:19|20)\d{2}(?:\s*年|(?=[的呢？?]|$))|" + alternation((*LAST_YEAR_WORDS, *THIS_YEAR_WORDS))
)
_PERIOD = re.compile(alternation(PERIOD_ASK_WORDS))
# 全市, 全省…, 市本级: the territory a question speaks of, named without the place.
_SCOPE = re.compile(alternation((*(f"全{u}" for u in UNIT_CHARS), "市本级")))
_ADMIN_SUFFIX = tuple(UNIT_CHARS)
_LEAD = re.compile(r"^(?:那么|那|而|还有|另外|再问一下|再问|请问)[，,、\s]*")
_TAIL = re.compile(r"(?:的)?(?:情况)?(?:呢|吗|啊|呀)?[？?。！!\s]*$")
_FRAME = re.compile(
    r"(?:分别)?(?:是多少|为多少|有多少|是什么|有哪些|是哪些|包括哪些|有什么|多少|几个|几|"
    r"怎么样|如何)$"
)
_FILLER = re.compile(r"^[的了是在和与及、，,\s]+|[的了是在和与及、，,\s]+$")


@dataclass(frozen=True)
class _Parts:
    text: str  # the question without its follow-up marker and end punctuation
    year: str
    place: str
    period: str
    frame: str
    topic: str  # what is asked about, without year, place, period and frame
    marked: bool  # starts with 那… or ends with 呢

    @property
    def has_topic(self) -> bool:
        return bool(lexicon.content_terms(self.topic)) if self.topic else False


def _places(text: str) -> list[str]:
    """Place names in `text` (ending in 省/市/区/县…, or scope words such as 全市)."""
    found = [
        p
        for p in lexicon.intent(text).places
        if p.endswith(_ADMIN_SUFFIX) and p not in lexicon.NOT_PLACES and p in text
    ]
    found += [m.group(0) for m in _SCOPE.finditer(text)]
    return sorted(dict.fromkeys(found), key=text.find)


def _parse(question: str) -> _Parts:
    text = question.strip()
    marked = bool(_LEAD.match(text)) or bool(re.search(r"呢[？?。！!\s]*$", text))
    text = _TAIL.sub("", _LEAD.sub("", text))
    frame_match = _FRAME.search(text)
    frame = frame_match.group(0) if frame_match else ""
    body = text[: frame_match.start()] if frame_match else text
    year = _YEAR.search(body)
    places = _places(body)
    period = _PERIOD.search(body)
    topic = body
    for part in [year.group(0) if year else "", *places, *_PERIOD.findall(body)]:
        if part:
            topic = topic.replace(part, " ")
    topic = " ".join(_FILLER.sub("", t) for t in topic.split())
    return _Parts(
        text=text,
        year=year.group(0) if year else "",
        place=places[0] if places else "",
        period=period.group(0) if period else "",
        frame=frame,
        topic=topic.strip(),
        marked=marked,
    )


def _with_slots(prev: _Parts, follow: _Parts) -> str:
    """The previous question with the follow-up's year, place, period and frame."""
    body = prev.text[: len(prev.text) - len(prev.frame)] if prev.frame else prev.text
    if follow.year:
        body = body.replace(prev.year, follow.year, 1) if prev.year else follow.year + body
    if follow.place:
        if prev.place:
            body = body.replace(prev.place, follow.place, 1)
        elif prev.year and body.startswith(follow.year or prev.year):
            lead = follow.year or prev.year
            body = lead + follow.place + body[len(lead) :]
        else:
            body = follow.place + body
    if follow.period:
        body = re.sub(rf"的?(?:{_PERIOD.pattern})", "", body).rstrip("的")
        body += "的" + follow.period
    return body + (follow.frame or prev.frame) + "？"


def _with_topic(prev: _Parts, follow: _Parts) -> str:
    """The follow-up (a new topic) with the year, place and period it leaves out."""
    text = follow.text
    missing = [
        (prev.text.find(slot), slot)
        for slot, own in ((prev.year, follow.year), (prev.place, follow.place))
        if slot and not own
    ]
    if not missing and (follow.period or not prev.period) and (follow.frame or not prev.frame):
        return ""
    text = "".join(slot for _, slot in sorted(missing)) + text
    if prev.period and not follow.period:
        frame = follow.frame
        body = text[: len(text) - len(frame)] if frame else text
        text = body.rstrip("的") + "的" + prev.period + frame
    if not follow.frame:
        text += prev.frame
    return text + "？"


def _rewrite_one(question: str, previous: str) -> str:
    follow = _parse(question)
    if follow.has_topic and not follow.marked:
        return question
    prev = _parse(previous)
    if not prev.has_topic:
        return question
    if follow.has_topic:
        return _with_topic(prev, follow) or question
    if not (follow.year or follow.place or follow.period or follow.frame):
        return question  # "那呢？": nothing to go on
    return _with_slots(prev, follow)


def rewrite_followup(question: str, history: Sequence[Sequence[str]]) -> str:
    """`question` made standalone using the previous questions in `history`.

    `history` holds (question, answer) turns, oldest first; earlier follow-ups in it are
    resolved first, so "市中区呢？" after "那2024年的目标呢？" carries the whole chain.
    """
    previous = ""
    for turn in history:
        past = str(turn[0]).strip() if turn else ""
        if past:
            previous = _rewrite_one(past, previous) if previous else past
    if not previous or not question.strip():
        return question
    return _rewrite_one(question, previous)
