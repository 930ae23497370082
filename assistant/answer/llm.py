"""The LLM answerer: a LangChain chain (answer prompt → chat model → text) over the retrieved
paragraphs. The [n] markers of the reply are mapped back to those paragraphs, and every figure
in the reply is checked against the paragraphs it cites.

Any LangChain ``BaseChatModel`` works; ``make_chat_model`` builds the OpenAI-compatible one
from Settings. The answerer never reads the environment.

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
contains the API key. Rate limits (HTTP 429), server errors (5xx) and timeouts are retried
with exponential backoff; a wrong key, an unknown model or an unreachable endpoint are not.
"""

from __future__ import annotations

import contextvars
import logging
import random
import re
import threading
import time
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

import openai
from langchain_core import exceptions as lc_errors
from langchain_core.language_models import BaseChatModel
from langchain_core.output_parsers import StrOutputParser
from pydantic import SecretStr

from .. import prompts
from ..cite import citation
from ..config import ON_UNVERIFIED
from ..errors import ConfigError, LLMError, redact
from ..tokens import ANSWER_TOKENS, Budget
from ..types import Citation, Hit
from .extractive import Extracted

if TYPE_CHECKING:
    from ..config import Settings

log = logging.getLogger("assistant")

T = TypeVar("T")
Fallback = Callable[[], Extracted]
BatchItem = tuple[str, Sequence[Hit]] | tuple[str, Sequence[Hit], Fallback | None]

NO_CONTEXT = "报告中未找到：没有检索到与问题相关的段落。"
EMPTY_REPLY = "模型没有给出回答，请重试。"
REWRITE_MAX_CHARS = 200


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


# -- figures ------------------------------------------------------------------------------

_UNITS = (
    "万亿元|亿元|万元|元|万亿|亿|个百分点|百分点|%|‰|倍|万人次|人次|万人|人|万户|户|万吨|吨|"
    "平方公里|公里|千米|万平方米|平方米|万亩|亩|家|个|项|座|条|所|张|套|辆|台|床|次|天|万"
)
_FIGURE = re.compile(rf"(?<![\d.])(\d+(?:,\d{{3}})*(?:\.\d+)?)\s*({_UNITS})?")
_DATE_UNIT = re.compile(r"\s*(?:年|月|日|号|季度)")


def _normalize(text: str) -> str:
    """Full-width to half-width (NFKC), so ４．２％ and 4.2% compare equal."""
    return unicodedata.normalize("NFKC", text)


@dataclass(frozen=True)
class Figure:
    """A number with its unit, e.g. 1800亿元 → (1800, "亿元")."""

    value: Decimal
    unit: str
    text: str

    def matches(self, other: Figure) -> bool:
        """Same number, and units equal or one a prefix of the other (1800亿 ~ 1800亿元)."""
        if self.value != other.value:
            return False
        if not self.unit or not other.unit:
            return True
        return self.unit.startswith(other.unit) or other.unit.startswith(self.unit)


def figures(text: str) -> list[Figure]:
    """Numbers in `text` with their units; years, months and days are left out."""
    norm = _normalize(text)
    out = []
    for m in _FIGURE.finditer(norm):
        number, unit = m.group(1), m.group(2) or ""
        if not unit and _DATE_UNIT.match(norm, m.end()):
            continue  # 2023年, 3月, 15日: dates, not figures to verify
        try:
            value = Decimal(number.replace(",", ""))
        except InvalidOperation:
            continue
        unit = "个百分点" if unit == "百分点" else unit
        out.append(Figure(value, unit, m.group(0).strip()))
    return out


def unsupported_figures(text: str, sources: Sequence[str]) -> list[str]:
    """Figures of `text` that none of `sources` contains (each listed once)."""
    known = [f for s in sources for f in figures(s)]
    missing: list[str] = []
    for f in figures(text):
        if not any(f.matches(k) for k in known) and f.text not in missing:
            missing.append(f.text)
    return missing


# -- citation markers ---------------------------------------------------------------------

_BRACKETS = re.compile(r"[\[【［]([^\[\]【】［］\n]{0,24})[\]】］]")
_NUMBER_LIST = re.compile(r"\s*\d+(?:\s*[,，、;；]\s*\d+)*\s*")
_CLAIM_START = re.compile(r"[。！？；!?;\n]")


@dataclass(frozen=True)
class ParsedMarkers:
    """An answer's text with its markers renumbered to the citation order."""

    text: str
    cited: tuple[int, ...]  # context numbers (1-based) in the order first cited
    claims: dict[int, list[str]]  # context number -> the claims citing it
    invalid: tuple[str, ...]


def parse_markers(text: str, count: int) -> ParsedMarkers:
    """Find [n] markers (also [1,2], 【1】), keep those within 1..count, renumber them.

    Bracketed text without a digit is not a marker and stays; a bracket with a digit that
    is not a number list ("[第1段]", "[1-3]") or a number out of range is dropped and listed.
    """
    out: list[str] = []
    cited: list[int] = []
    claims: dict[int, list[str]] = {}
    invalid: list[str] = []
    pos = 0
    claim_from = 0  # where the claim of the next marker starts
    last_claim = ""
    for m in _BRACKETS.finditer(text):
        content = _normalize(m.group(1))
        if not re.search(r"\d", content):
            continue
        before = text[pos : m.start()]
        out.append(before)
        pos = m.end()
        if _NUMBER_LIST.fullmatch(content):
            numbers = [int(n) for n in re.findall(r"\d+", content)]
        else:
            invalid.append(m.group(0))
            numbers = []
        segment = text[claim_from : m.start()]
        boundary = max((b.end() for b in _CLAIM_START.finditer(segment)), default=0)
        claim = segment[boundary:].strip()
        if not claim:
            claim = last_claim  # [1][2]: both markers back the same claim
        last_claim = claim
        claim_from = m.end()
        for n in numbers:
            if not 1 <= n <= count:
                invalid.append(f"[{n}]")
                continue
            if n not in cited:
                cited.append(n)
            claims.setdefault(n, []).append(claim)
            marker = f"[{cited.index(n) + 1}]"
            if not out[-1].endswith(marker):
                out.append(marker)
    out.append(text[pos:])
    clean = re.sub(r"[ \t]+([，。；、！？])", r"\1", "".join(out)).strip()
    return ParsedMarkers(clean, tuple(cited), claims, tuple(dict.fromkeys(invalid)))


def _bigrams(text: str) -> set[str]:
    norm = re.sub(r"\W", "", _normalize(text))
    return {norm[i : i + 2] for i in range(len(norm) - 1)}


def quote_sentences(sentences: Sequence[str], claims: Sequence[str], default: int = 0) -> list[int]:
    """Indexes of the sentences that best support the claims: shared figures, then wording.

    A claim that shares nothing with any sentence quotes sentence `default` (e.g. the one
    retrieval matched best).
    """
    if not sentences:
        return []
    chosen: list[int] = []
    for claim in claims or [""]:
        claim_figures = figures(claim)
        claim_grams = _bigrams(claim)

        def score(i: int, claim_figures=claim_figures, claim_grams=claim_grams) -> float:
            own = figures(sentences[i])
            shared = sum(1 for f in claim_figures if any(f.matches(o) for o in own))
            overlap = len(claim_grams & _bigrams(sentences[i])) / (len(claim_grams) or 1)
            return 2.0 * shared + overlap

        best = max(range(len(sentences)), key=lambda i: (score(i), -i))
        if score(best) == 0 and 0 <= default < len(sentences):
            best = default
        chosen.append(best)
        # A claim whose figures come from several sentences quotes each of them.
        missing = [
            f for f in claim_figures if not any(f.matches(o) for o in figures(sentences[best]))
        ]
        for i, sentence in enumerate(sentences):
            own = figures(sentence)
            if any(f.matches(o) for f in missing for o in own):
                chosen.append(i)
                missing = [f for f in missing if not any(f.matches(o) for o in own)]
    return sorted(set(chosen))


# -- errors and retries -------------------------------------------------------------------

_RETRYABLE = ("rate_limit", "server", "timeout")


def _status(exc: BaseException) -> int | None:
    status = getattr(exc, "status_code", None)
    if status is None:
        status = getattr(getattr(exc, "response", None), "status_code", None)
    return status if isinstance(status, int) else None


def classify(exc: BaseException) -> str:
    """auth | permission | not_found | rate_limit | server | timeout | connection | context |
    bad_request | other."""
    if isinstance(exc, lc_errors.ContextOverflowError):
        return "context"
    if isinstance(exc, (TimeoutError, openai.APITimeoutError, lc_errors.ModelTimeoutError)):
        return "timeout"
    if isinstance(exc, (openai.APIConnectionError, lc_errors.ModelConnectionError)):
        return "connection"
    status = _status(exc)
    if isinstance(exc, lc_errors.ModelAuthenticationError) or status == 401:
        return "auth"
    if isinstance(exc, lc_errors.ModelPermissionDeniedError) or status == 403:
        return "permission"
    if isinstance(exc, lc_errors.ModelNotFoundError) or status == 404:
        return "not_found"
    if isinstance(exc, lc_errors.ModelRateLimitError) or status == 429:
        return "rate_limit"
    if isinstance(exc, lc_errors.ModelAPIError) or (status is not None and status >= 500):
        return "server"
    if status in (400, 413, 422) or isinstance(exc, lc_errors.ModelInvalidRequestError):
        return "bad_request"
    return "other"


def _endpoint(exc: BaseException) -> str:
    """scheme://host[:port] of the failed request (never its path, query or credentials)."""
    try:
        url = urlsplit(str(exc.request.url))  # type: ignore[attr-defined]
    except Exception:
        return "the LLM endpoint"
    if not url.hostname:
        return "the LLM endpoint"
    port = f":{url.port}" if url.port else ""
    return f"the LLM endpoint {url.scheme}://{url.hostname}{port}"


def _retry_after(exc: BaseException) -> float | None:
    headers = getattr(getattr(exc, "response", None), "headers", None)
    try:
        value = float(headers.get("retry-after")) if headers is not None else None
    except (TypeError, ValueError):
        return None
    return value if value is not None and 0 <= value <= 60 else None


def _with_deadline(fn: Callable[[], T], timeout: float) -> T:
    """Run `fn` in a helper thread and give up after `timeout` seconds.

    A call that overruns is abandoned, not killed (Python cannot kill a thread); the chat
    model's own client timeout (``make_chat_model`` sets it) ends it soon after.
    """
    box: dict[str, Any] = {}
    done = threading.Event()
    context = contextvars.copy_context()  # LangChain callbacks and tracing follow the call

    def run() -> None:
        try:
            box["value"] = context.run(fn)
        except BaseException as exc:
            box["error"] = exc
        finally:
            done.set()

    threading.Thread(target=run, name="llm-call", daemon=True).start()
    if not done.wait(timeout):
        raise TimeoutError(f"no answer within {timeout:g}s")
    if "error" in box:
        raise box["error"]
    return box["value"]


# -- the answerer -------------------------------------------------------------------------


class LLMAnswerer:
    """Answers from retrieved paragraphs with a chat model, citing them as [n]."""

    def __init__(
        self,
        chat_model: BaseChatModel,
        *,
        on_unverified: str = "warn",
        concurrency: int = 4,
        timeout: float = 60.0,
        max_retries: int = 3,
        backoff: float = 1.0,
        max_backoff: float = 30.0,
        budget: Budget | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if on_unverified not in ON_UNVERIFIED:
            raise ConfigError(f"on_unverified must be one of {', '.join(ON_UNVERIFIED)}")
        if concurrency < 1:
            raise ConfigError("concurrency must be at least 1")
        if timeout <= 0:
            raise ConfigError("timeout must be positive")
        if max_retries < 0 or backoff < 0:
            raise ConfigError("max_retries and backoff must not be negative")
        self.chat_model = chat_model
        self.model_name = str(
            getattr(chat_model, "model_name", None) or getattr(chat_model, "model", None) or ""
        )
        self.on_unverified = on_unverified
        self.concurrency = concurrency
        self.timeout = float(timeout)
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.budget = budget or Budget.for_model(self.model_name)
        self._sleep = sleep
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

        A failure before the first chunk is retried like `answer`; once text has been
        yielded a failure raises `LLMError` (the caller has shown part of the reply).
        The wall-clock deadline of `answer` does not apply between chunks: the chat model's
        client timeout (set by `make_chat_model`) bounds each read instead.
        """
        prompt = prompts.build_answer_prompt(question, hits, self.budget)
        if not prompt.sources:
            yield NO_CONTEXT
            yield self._no_context(prompt.version)
            return
        parts: list[str] = []
        attempt = 0
        while True:
            try:
                for chunk in self.answer_chain.stream(prompt.variables):
                    if chunk:
                        parts.append(chunk)
                        yield chunk
                break
            except Exception as exc:
                if parts or not self._should_retry(exc, attempt):
                    raise self._error(exc, attempt + 1) from None
                self._wait(exc, attempt)
                attempt += 1
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
            fallback = item[2] if len(item) > 2 else None  # type: ignore[misc]
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

    def _should_retry(self, exc: BaseException, attempt: int) -> bool:
        return classify(exc) in _RETRYABLE and attempt < self.max_retries

    def _wait(self, exc: BaseException, attempt: int) -> None:
        delay = min(self.max_backoff, self.backoff * 2**attempt)
        delay += random.uniform(0, delay / 4)  # spread the retries of concurrent calls
        delay = max(delay, _retry_after(exc) or 0.0)
        log.info("LLM call failed (%s); retry %d in %.1fs", classify(exc), attempt + 1, delay)
        self._sleep(delay)

    def _call(self, fn: Callable[[], T]) -> T:
        """Call the model with the timeout, retrying rate limits, 5xx and timeouts."""
        attempt = 0
        while True:
            try:
                return _with_deadline(fn, self.timeout)
            except LLMError:
                raise
            except Exception as exc:
                if not self._should_retry(exc, attempt):
                    raise self._error(exc, attempt + 1) from None
                self._wait(exc, attempt)
                attempt += 1

    def _secrets(self) -> list[str]:
        """Secret values held by the chat model (its API key), to keep them out of messages."""
        found = []
        for name in type(self.chat_model).model_fields:
            value = getattr(self.chat_model, name, None)
            if isinstance(value, SecretStr) and value.get_secret_value():
                found.append(value.get_secret_value())
        return found

    def _redact(self, text: str) -> str:
        return redact(text, self._secrets())

    def _error(self, exc: BaseException, attempts: int) -> LLMError:
        """A one-line LLMError for a failed call (the key is never part of it)."""
        kind = classify(exc)
        status = _status(exc)
        tries = f"after {attempts} attempt{'s' if attempts != 1 else ''}"
        model = repr(self.model_name) if self.model_name else "the configured model"
        detail = self._redact(getattr(exc, "message", None) or str(exc))
        messages = {
            "auth": "the LLM endpoint rejected the API key (HTTP 401): check OPENAI_API_KEY",
            "permission": f"the API key may not use {model} (HTTP 403)",
            "not_found": f"model {model} was not found at the LLM endpoint (HTTP 404): "
            "check ASSISTANT_LLM_MODEL and OPENAI_BASE_URL",
            "connection": f"cannot reach {_endpoint(exc)}: check OPENAI_BASE_URL and the network",
            "timeout": f"the LLM did not answer within {self.timeout:g}s ({tries})",
            "rate_limit": f"the LLM endpoint is rate-limiting requests (HTTP 429); gave up {tries}",
            "server": f"the LLM endpoint failed (HTTP {status or '5xx'}) {tries}",
            "context": "the prompt does not fit the model's context window: "
            "lower the context budget",
            "bad_request": f"the LLM endpoint rejected the request (HTTP {status}): {detail}",
            "other": f"the LLM call failed: {type(exc).__name__}: {detail}",
        }
        log.debug("LLM call failed: %s", type(exc).__name__)
        return LLMError(messages[kind])


def make_chat_model(settings: Settings, *, streaming: bool = False) -> BaseChatModel:
    """The OpenAI-compatible chat model configured by `settings`.

    Retries are ours (``LLMAnswerer``), so the client's own are off. ``.stream()`` streams
    by default; `streaming=True` makes plain calls stream as well. (`streaming` is passed
    only when True: LangChain reads an explicit ``streaming=False`` as "never stream".)
    """
    if not settings.openai_api_key:
        raise ConfigError("the LLM mode needs OPENAI_API_KEY")
    from langchain_openai import ChatOpenAI

    options: dict[str, Any] = {"streaming": True} if streaming else {}
    return ChatOpenAI(
        model=settings.llm_model,
        api_key=SecretStr(settings.openai_api_key),
        base_url=settings.openai_base_url or None,
        timeout=settings.llm_timeout,
        max_retries=0,
        temperature=0,
        max_tokens=ANSWER_TOKENS,
        **options,
    )


def answerer_from_settings(
    settings: Settings, chat_model: BaseChatModel | None = None, **options: Any
) -> LLMAnswerer:
    """An `LLMAnswerer` with the concurrency, timeout and fallback policy of `settings`."""
    return LLMAnswerer(
        chat_model or make_chat_model(settings),
        on_unverified=settings.on_unverified,
        concurrency=settings.llm_concurrency,
        timeout=settings.llm_timeout,
        **options,
    )
