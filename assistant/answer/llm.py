"""The LLM answerer: a LangChain chain (answer prompt → chat model → text) over the retrieved
paragraphs. The [n] markers of the reply are mapped back to those paragraphs, and every figure
in the reply is checked against the paragraphs it cites (``markers``).

Any LangChain ``BaseChatModel`` works; ``chat.make_chat_model`` builds the one Settings name.
The answerer never reads the environment.

Streaming protocol: ``LLMAnswerer.stream()`` yields ``str`` chunks of the model's reply as they
arrive, then exactly one ``LLMResult`` as its last item::

    for item in answerer.stream(question, hits):
        if isinstance(item, LLMResult):
            result = item          # final: citations, verification, the canonical text
        else:
            show(item)             # a piece of the raw reply

The chunks are the raw reply; ``LLMResult.text`` is the canonical answer (markers renumbered
to ``citations``, invalid markers removed, or the extractive answer on fallback), so a UI
replaces the streamed text with it at the end.

Failures of the chat model surface as ``LLMError`` with a one-line message that never
contains the API key. Timeouts and retries are the chat model's client's (``chat``): rate
limits, server errors, timeouts and dropped connections are retried there, with back-off
that honours ``Retry-After``; the answerer calls the model once per question.
"""

from __future__ import annotations

import contextvars
import logging
import re
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, TypeVar

from langchain_core.language_models import BaseChatModel
from langchain_core.output_parsers import StrOutputParser

from .. import prompts
from ..cite import citation
from ..config import ON_UNVERIFIED
from ..errors import ConfigError, LLMError, redact
from ..tokens import Budget
from ..types import Citation, Hit
from .chat import classify, client_retries, client_timeout, llm_error, make_chat_model, secrets_of
from .extractive import Extracted
from .markers import ParsedMarkers, parse_markers, quote_sentences, unsupported_figures

if TYPE_CHECKING:
    from ..config import Settings

log = logging.getLogger("assistant")

T = TypeVar("T")
Fallback = Callable[[], Extracted]
BatchItem = tuple[str, Sequence[Hit]] | tuple[str, Sequence[Hit], Fallback | None]

NO_CONTEXT = "报告中未找到：没有检索到与问题相关的段落。"
EMPTY_REPLY = "模型没有给出回答，请重试。"
REWRITE_MAX_CHARS = 200

# make_chat_model and classify are part of this module's surface (the eval judge uses them).
__all__ = [
    "LLMAnswerer",
    "LLMResult",
    "answerer_from_settings",
    "classify",
    "make_chat_model",
]


@dataclass(frozen=True)
class LLMResult:
    """An LLM answer with its citations and the outcome of checking its figures."""

    text: str
    abstained: bool
    citations: tuple[Citation, ...] = ()
    verified: bool | None = None  # None: the text is the extractive fallback, not the LLM's
    notices: tuple[str, ...] = ()
    invalid_markers: tuple[str, ...] = ()  # markers dropped: out of range or malformed
    unsupported: tuple[str, ...] = ()  # figures of the reply not found in a cited paragraph
    fallback: bool = False  # True when `text` is the extractive answer
    raw: str = ""  # the model's reply as received
    prompt_version: str = ""


# -- the answerer -------------------------------------------------------------------------


class LLMAnswerer:
    """Answers from retrieved paragraphs with a chat model, citing them as [n]."""

    def __init__(
        self,
        chat_model: BaseChatModel,
        *,
        on_unverified: str = "warn",
        concurrency: int = 4,
        budget: Budget | None = None,
    ) -> None:
        if on_unverified not in ON_UNVERIFIED:
            raise ConfigError(f"on_unverified must be one of {', '.join(ON_UNVERIFIED)}")
        if concurrency < 1:
            raise ConfigError("concurrency must be at least 1")
        self.chat_model = chat_model
        self.model_name = str(
            getattr(chat_model, "model_name", None) or getattr(chat_model, "model", None) or ""
        )
        self.on_unverified = on_unverified
        self.concurrency = concurrency
        # Set on the chat model's client (see `chat.make_chat_model`), read for messages.
        self.timeout = client_timeout(chat_model)
        self.max_retries = client_retries(chat_model)
        self.budget = budget or Budget.for_model(self.model_name)
        self._not_found = prompts.not_found_phrase()
        # The chains: prompt template → chat model → plain text.
        self.answer_chain = (
            prompts.answer_template() | chat_model | StrOutputParser()
        ).with_config(run_name="answer")
        self.rewrite_chain = (
            prompts.rewrite_template() | chat_model | StrOutputParser()
        ).with_config(run_name="rewrite_followup")

    # -- public API -------------------------------------------------------------------------

    def answer(
        self, question: str, hits: Sequence[Hit], fallback: Fallback | None = None
    ) -> LLMResult:
        """Answer `question` from `hits`; `fallback` gives the extractive answer if needed."""
        prompt = prompts.build_answer_prompt(question, hits, self.budget)
        if not prompt.sources:
            return self._no_context(prompt.version)
        reply = self._call(lambda: self.answer_chain.invoke(prompt.variables))
        return self._finish(reply, prompt, fallback)

    def stream(
        self, question: str, hits: Sequence[Hit], fallback: Fallback | None = None
    ) -> Iterator[str | LLMResult]:
        """Yield the reply's text chunks as they arrive, then the final `LLMResult`.

        The client retries a request that fails before the reply starts, as for `answer`;
        once text has been yielded a failure raises `LLMError` (the caller has shown part of
        the reply). The client's timeout bounds each read.
        """
        prompt = prompts.build_answer_prompt(question, hits, self.budget)
        if not prompt.sources:
            yield NO_CONTEXT
            yield self._no_context(prompt.version)
            return
        parts: list[str] = []
        try:
            for chunk in self.answer_chain.stream(prompt.variables):
                if chunk:
                    parts.append(chunk)
                    yield chunk
        except Exception as exc:
            raise self._error(exc) from None
        yield self._finish("".join(parts), prompt, fallback)

    def answer_many(
        self, items: Sequence[BatchItem], *, return_exceptions: bool = False
    ) -> list[LLMResult | LLMError]:
        """Answer (question, hits[, fallback]) items concurrently; results in input order.

        At most `concurrency` calls run at once. An item that fails raises its `LLMError`
        (the first in input order), or, with `return_exceptions=True`, takes its place.
        """
        if not items:
            return []

        def one(item: BatchItem) -> LLMResult | LLMError:
            question, hits = item[0], item[1]
            fallback = item[2] if len(item) > 2 else None
            try:
                return self.answer(question, hits, fallback)
            except LLMError as exc:
                if return_exceptions:
                    return exc
                raise

        workers = min(self.concurrency, len(items))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="llm-batch") as pool:
            futures = [pool.submit(contextvars.copy_context().run, one, it) for it in items]
            try:
                return [f.result() for f in futures]
            except BaseException:
                for f in futures:
                    f.cancel()  # do not start the rest once the batch has failed
                raise

    def rewrite(self, question: str, history: Sequence[Sequence[str]]) -> str:
        """`question` rewritten as a standalone question given (question, answer) turns."""
        if not history:
            return question
        variables = prompts.rewrite_variables(question, history)
        reply = self._call(lambda: self.rewrite_chain.invoke(variables))
        lines = [ln.strip() for ln in reply.strip().splitlines() if ln.strip()]
        if not lines:
            return question
        line = re.sub(r"</?question>|^(?:改写后的)?(?:独立)?问题[:：]\s*", "", lines[0])
        line = line.strip().strip("\"'“”「」")
        if not line or len(line) > REWRITE_MAX_CHARS:
            return question  # empty, or the model answered instead of rewriting
        return line

    # -- internals --------------------------------------------------------------------------

    def _no_context(self, version: str) -> LLMResult:
        return LLMResult(text=NO_CONTEXT, abstained=True, verified=True, prompt_version=version)

    def _finish(
        self, reply: str, prompt: prompts.AnswerPrompt, fallback: Fallback | None
    ) -> LLMResult:
        """Turn the model's reply into citations, then check its figures."""
        sources = prompt.sources
        parsed = parse_markers(reply.strip(), len(sources))
        notices: list[str] = []
        if parsed.invalid:
            notices.append(f"已删除无效的引用编号：{'、'.join(parsed.invalid)}。")
        base = LLMResult(
            text=parsed.text,
            abstained=False,
            invalid_markers=parsed.invalid,
            raw=reply,
            prompt_version=prompt.version,
        )
        if not parsed.text:
            if self.on_unverified == "fallback" and fallback is not None:
                return self._unverified(base, notices, "模型没有给出回答", fallback)
            notices.append("模型没有给出回答。")
            return replace(
                base, text=EMPTY_REPLY, abstained=True, verified=False, notices=tuple(notices)
            )
        if self._abstains(parsed):
            text = re.sub(r"\s*\[\d+\]", "", parsed.text)
            return replace(base, text=text, abstained=True, verified=True, notices=tuple(notices))
        cited = [sources[n - 1].hit for n in parsed.cited]
        citations = tuple(
            citation(
                hit,
                quote_sentences(
                    hit.paragraph.sentences, parsed.claims[n], hit.matched[0] if hit.matched else 0
                ),
            )
            for n, hit in zip(parsed.cited, cited, strict=True)
        )
        claimed = re.sub(r"\[\d+\]", "", parsed.text)  # marker numbers are not figures
        unsupported = tuple(unsupported_figures(claimed, [h.paragraph.text for h in cited]))
        result = replace(base, citations=citations, unsupported=unsupported)
        if not citations:
            return self._unverified(result, notices, "回答没有标注所依据的段落", fallback)
        if unsupported:
            reason = f"回答中的数字未在所引段落中找到：{'、'.join(unsupported)}"
            return self._unverified(result, notices, reason, fallback)
        return replace(result, verified=True, notices=tuple(notices))

    def _abstains(self, parsed: ParsedMarkers) -> bool:
        lead = re.sub(r"^[\W_]+", "", parsed.text)
        return lead.startswith(self._not_found) or (
            self._not_found in parsed.text and not parsed.cited
        )

    def _unverified(
        self, result: LLMResult, notices: list[str], reason: str, fallback: Fallback | None
    ) -> LLMResult:
        if self.on_unverified == "fallback" and fallback is not None:
            extracted = fallback()
            return replace(
                result,
                text=extracted.text,
                abstained=extracted.abstained,
                citations=extracted.citations,
                verified=None,
                fallback=True,
                notices=(*notices, f"{reason}，已改用从原文摘取的回答。"),
            )
        return replace(result, verified=False, notices=(*notices, f"{reason}，请核对原文。"))

    def _call(self, fn: Callable[[], T]) -> T:
        """Call the model (its client times out and retries); failures become `LLMError`."""
        try:
            return fn()
        except LLMError:
            raise
        except Exception as exc:
            raise self._error(exc) from None

    def _redact(self, text: str) -> str:
        return redact(text, secrets_of(self.chat_model))

    def _error(self, exc: BaseException) -> LLMError:
        """A one-line LLMError for a failed call (the key is never part of it)."""
        log.debug("LLM call failed: %s (%s)", type(exc).__name__, classify(exc))
        return llm_error(exc, self.chat_model, self.model_name)


def answerer_from_settings(
    settings: Settings, chat_model: BaseChatModel | None = None, **options: Any
) -> LLMAnswerer:
    """An `LLMAnswerer` over the chat model `settings` name (timeout and retries set on its
    client), with their concurrency and fallback policy."""
    return LLMAnswerer(
        chat_model or make_chat_model(settings),
        on_unverified=settings.on_unverified,
        concurrency=settings.llm_concurrency,
        **options,
    )
