"""Prompt templates: loaded from ``prompts/*.yaml`` and rendered here, and only here.

Each template file declares its ``version`` and the ``variables`` its system and user
templates use; loading checks that the templates use exactly those. Eval scores depend on
the wording, so a changed prompt is a new file (``answer_v2.yaml``), not an edit.

Report text and conversation history are data, never instructions. Every value put into a
template is escaped so that it cannot forge the ``<doc>``, ``<question>`` or ``<history>``
delimiters (ASCII angle brackets become full-width ＜＞, quotes in attributes ＂), and the
system prompt tells the model that text inside the delimiters is never an instruction.

The templates are edited in the top-level ``prompts/`` folder, where a source checkout or an
editable install (``pip install -e .``) reads them; building the package (``setup.py``)
copies them into ``assistant/resources/prompts/``, where an installed wheel reads them.
"""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from langchain_core.messages import BaseMessage
from langchain_core.prompts import ChatPromptTemplate

from .errors import ConfigError
from .tokens import Budget, Fitted, count_message_tokens, fit_hits
from .types import Hit

SOURCE_PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"


def _prompts_dir() -> Path:
    """The templates shipped in the package, else those of the source tree."""
    packaged = resources.files("assistant.resources").joinpath("prompts")
    if isinstance(packaged, Path) and packaged.is_dir():
        return packaged
    return SOURCE_PROMPTS_DIR


PROMPTS_DIR = _prompts_dir()
ANSWER = "answer_v1"
REWRITE = "rewrite_v1"
JUDGE = "judge_v1"
HISTORY_TURNS = 3  # past turns shown to the rewriter
HISTORY_ANSWER_CHARS = 200  # a past answer is cut to this many characters

_TEXT_ESCAPES = str.maketrans({"<": "＜", ">": "＞"})
_ATTR_ESCAPES = str.maketrans({"<": "＜", ">": "＞", '"': "＂", "\n": " ", "\r": " "})


def escape(text: str) -> str:
    """Text that cannot open or close a delimiter tag."""
    return text.translate(_TEXT_ESCAPES)


def escape_attr(text: str) -> str:
    """A value for a tag attribute: one line, no tag or quote characters."""
    return text.translate(_ATTR_ESCAPES)


@dataclass(frozen=True)
class PromptFile:
    """One loaded template file."""

    name: str
    version: str
    variables: tuple[str, ...]
    system: str
    user: str
    path: Path
    extra: Mapping[str, Any] = field(default_factory=dict)  # paragraph, turn, not_found, ...
    chat: ChatPromptTemplate | None = field(default=None, compare=False, repr=False)

    def part(self, key: str, variables: Mapping[str, str]) -> str:
        """Render a sub-template such as ``paragraph`` or ``turn`` with escaped values."""
        return str(self.extra[key]).format_map(variables)


def _fields(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


def _check(path: Path, what: str, used: set[str], declared: Sequence[str]) -> None:
    if used != set(declared):
        raise ConfigError(
            f"{path.name}: {what} uses {sorted(used)} but declares {sorted(declared)}"
        )


@lru_cache(maxsize=16)
def load_prompt(name: str, directory: str | Path | None = None) -> PromptFile:
    """Load and check ``<directory>/<name>.yaml`` (default: `PROMPTS_DIR`)."""
    folder = Path(directory) if directory is not None else PROMPTS_DIR
    path = folder / f"{name}.yaml"
    if not path.is_file():
        raise ConfigError(
            f"prompt template {path.name} not found in {folder}: an installed package has them "
            "in assistant/resources/prompts/ (reinstall it), a source checkout in prompts/"
        )
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path.name}: cannot read the prompt template: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path.name}: a prompt template must be a YAML mapping")
    missing = [k for k in ("name", "version", "variables", "system", "user") if k not in data]
    if missing:
        raise ConfigError(f"{path.name}: missing {', '.join(missing)}")
    variables = tuple(str(v) for v in data["variables"])
    chat = ChatPromptTemplate.from_messages(
        [("system", str(data["system"])), ("human", str(data["user"]))]
    )
    _check(path, "system + user", set(chat.input_variables), variables)
    extra = {k: v for k, v in data.items() if k not in ("variables", "system", "user")}
    for key in ("paragraph", "turn"):
        if key in extra:
            _check(path, key, _fields(str(extra[key])), extra.get(f"{key}_variables", ()))
    return PromptFile(
        name=str(data["name"]),
        version=str(data["version"]),
        variables=variables,
        system=str(data["system"]),
        user=str(data["user"]),
        path=path,
        extra=extra,
        chat=chat,
    )


def answer_template() -> ChatPromptTemplate:
    """The answer prompt as a LangChain runnable (input: the variables of `AnswerPrompt`)."""
    return load_prompt(ANSWER).chat  # type: ignore[return-value]


def rewrite_template() -> ChatPromptTemplate:
    """The follow-up rewriting prompt as a LangChain runnable."""
    return load_prompt(REWRITE).chat  # type: ignore[return-value]


def not_found_phrase() -> str:
    """What the answer prompt tells the model to say when the reports lack the answer."""
    return str(load_prompt(ANSWER).extra.get("not_found", "报告中未找到"))


# -- answer prompt ------------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerPrompt:
    """A rendered answer prompt and the paragraphs numbered [1]..[n] in it."""

    messages: tuple[BaseMessage, ...]
    variables: dict[str, str]
    sources: tuple[Fitted, ...]  # sources[n - 1] is the paragraph marked [n]
    version: str
    dropped: int = 0  # hits left out to fit the budget


def _paragraph(prompt: PromptFile, number: int, hit: Hit, text: str) -> str:
    para = hit.paragraph
    return prompt.part(
        "paragraph",
        {
            "number": str(number),
            "title": escape_attr(hit.title or para.doc_id),
            "section": escape_attr(para.section_path or "（无）"),
            "period": escape_attr(para.period_label or "未标明"),
            "text": escape(text),
        },
    )


def build_answer_prompt(
    question: str, hits: Sequence[Hit], budget: Budget | None = None
) -> AnswerPrompt:
    """Number the hits that fit the budget as [1]..[n] and render the answer prompt."""
    prompt = load_prompt(ANSWER)
    chat = answer_template()
    budget = budget or Budget()
    safe_question = escape(question)
    fixed = count_message_tokens(chat.format_messages(question=safe_question, context="", count=0))
    fitted = fit_hits(
        hits,
        budget.context_tokens(fixed),
        paragraph_tokens=budget.paragraph_tokens,
        wrap=lambda n, hit, text: _paragraph(prompt, n, hit, text),
    )
    context = "\n".join(_paragraph(prompt, n, f.hit, f.text) for n, f in enumerate(fitted, 1))
    variables = {"question": safe_question, "context": context, "count": str(len(fitted))}
    return AnswerPrompt(
        messages=tuple(chat.format_messages(**variables)),
        variables=variables,
        sources=tuple(fitted),
        version=prompt.version,
        dropped=len(hits) - len(fitted),
    )


def render_answer_messages(
    question: str, hits: Sequence[Hit], budget: Budget | None = None
) -> list[BaseMessage]:
    """The chat messages asking the model to answer `question` from `hits`."""
    return list(build_answer_prompt(question, hits, budget).messages)


# -- follow-up rewriting ------------------------------------------------------------------


def rewrite_variables(question: str, history: Sequence[Sequence[str]]) -> dict[str, str]:
    """Template variables for rewriting `question` given (question, answer) turns."""
    prompt = load_prompt(REWRITE)
    turns = []
    for turn in list(history)[-HISTORY_TURNS:]:
        past_q, past_a = [*turn, "", ""][:2]
        past_a = str(past_a)
        if len(past_a) > HISTORY_ANSWER_CHARS:
            past_a = past_a[:HISTORY_ANSWER_CHARS] + "…"
        turns.append(
            prompt.part("turn", {"question": escape(str(past_q)), "answer": escape(past_a)})
        )
    return {"history": "\n".join(turns), "question": escape(question)}


def render_rewrite_messages(question: str, history: Sequence[Sequence[str]]) -> list[BaseMessage]:
    """The chat messages asking the model to make `question` standalone."""
    return rewrite_template().format_messages(**rewrite_variables(question, history))


# -- eval judge ---------------------------------------------------------------------------


def render_judge_messages(question: str, gold: str, answer: str) -> list[BaseMessage]:
    """The chat messages asking the model whether `answer` states the same fact as `gold`."""
    chat = load_prompt(JUDGE).chat
    return chat.format_messages(  # type: ignore[union-attr]
        question=escape(question), gold=escape(gold), answer=escape(answer)
    )
