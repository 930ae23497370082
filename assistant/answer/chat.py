"""The chat model: chosen by name through LangChain's ``init_chat_model``, and its failures
turned into one-line ``LLMError`` messages that never contain the API key.

``ASSISTANT_LLM_MODEL`` is ``[provider:]name``: ``openai:gpt-4o-mini`` or
``anthropic:claude-…`` pick LangChain's integration for that provider (its ``langchain-*``
package must be installed); a name without a provider LangChain knows (``gpt-4o-mini``,
``deepseek-chat``, Ollama's ``qwen2.5:7b``) is a model of the OpenAI-compatible endpoint at
``OPENAI_BASE_URL``.

Retries are the client's: rate limits (HTTP 429), server errors (5xx), timeouts and dropped
connections are retried ``ASSISTANT_LLM_MAX_RETRIES`` times with exponential back-off that
honours ``Retry-After``; a wrong key, an unknown model or a bad request are not.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import openai
from langchain_core import exceptions as lc_errors
from langchain_core.language_models import BaseChatModel
from pydantic import SecretStr

from ..errors import ConfigError, LLMError, redact
from ..tokens import ANSWER_TOKENS

if TYPE_CHECKING:
    from ..config import Settings

DEFAULT_PROVIDER = "openai"
# The kinds of failure the client retries, so a message can say how often it tried.
RETRIED = ("rate_limit", "server", "timeout", "connection")


def _providers() -> Collection[str]:
    """The provider names ``init_chat_model`` accepts as a ``provider:`` prefix."""
    from langchain.chat_models import base

    # LangChain keeps the list in its private registry (renamed once across versions);
    # test_llm pins that "openai:" is recognised and that an Ollama tag is not a provider.
    registry = getattr(base, "_BUILTIN_PROVIDERS", None) or getattr(
        base, "_SUPPORTED_PROVIDERS", None
    )
    return tuple(str(name) for name in registry or ())


def split_model_name(name: str) -> tuple[str, str]:
    """(provider, model) of a ``[provider:]name`` setting; without a known provider, openai."""
    provider, sep, model = name.partition(":")
    if sep and model and provider in _providers():
        return provider, model
    return DEFAULT_PROVIDER, name


def make_chat_model(settings: Settings, *, streaming: bool = False) -> BaseChatModel:
    """The chat model `settings` name, with their key, endpoint, timeout and retries.

    ``.stream()`` streams by default; `streaming=True` makes plain calls stream as well.
    (`streaming` is passed only when True: LangChain reads an explicit ``streaming=False``
    as "never stream".)
    """
    if not settings.openai_api_key:
        raise ConfigError("the LLM mode needs OPENAI_API_KEY")
    from langchain.chat_models import init_chat_model

    provider, model = split_model_name(settings.llm_model)
    options: dict[str, Any] = {
        "api_key": SecretStr(settings.openai_api_key),
        "timeout": settings.llm_timeout,
        "max_retries": settings.llm_max_retries,
        "temperature": 0,
        "max_tokens": ANSWER_TOKENS,
    }
    if settings.openai_base_url:
        options["base_url"] = settings.openai_base_url
    if streaming:
        options["streaming"] = True
    try:
        return init_chat_model(model, model_provider=provider, **options)
    except ImportError as exc:
        detail = redact(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        raise ConfigError(
            f"ASSISTANT_LLM_MODEL={settings.llm_model!r} needs LangChain's {provider} "
            f"integration: {detail}"
        ) from None


def client_retries(chat_model: BaseChatModel) -> int:
    """How often the chat model's client retries a failed request (0 when it does not say)."""
    value = getattr(chat_model, "max_retries", None)
    return value if isinstance(value, int) and value > 0 else 0


def client_timeout(chat_model: BaseChatModel) -> float | None:
    """The chat model's per-request timeout in seconds, when it states one as a number."""
    for name in ("request_timeout", "timeout", "default_request_timeout"):
        value = getattr(chat_model, name, None)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    return None


def secrets_of(chat_model: BaseChatModel) -> list[str]:
    """Secret values held by the chat model (its API key), to keep them out of messages."""
    found = []
    for name in type(chat_model).model_fields:
        value = getattr(chat_model, name, None)
        if isinstance(value, SecretStr) and value.get_secret_value():
            found.append(value.get_secret_value())
    return found


# -- failures -----------------------------------------------------------------------------


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


def llm_error(exc: BaseException, chat_model: BaseChatModel, model_name: str = "") -> LLMError:
    """A one-line LLMError for a failed call of `chat_model` (the key is never part of it)."""
    kind = classify(exc)
    status = _status(exc)
    attempts = client_retries(chat_model) + 1 if kind in RETRIED else 1
    tries = f"after {attempts} attempt{'s' if attempts != 1 else ''}"
    model = repr(model_name) if model_name else "the configured model"
    detail = redact(getattr(exc, "message", None) or str(exc), secrets_of(chat_model))
    timeout = client_timeout(chat_model)
    within = f"within {timeout:g}s" if timeout is not None else "in time"
    messages = {
        "auth": "the LLM endpoint rejected the API key (HTTP 401): check OPENAI_API_KEY",
        "permission": f"the API key may not use {model} (HTTP 403)",
        "not_found": f"model {model} was not found at the LLM endpoint (HTTP 404): "
        "check ASSISTANT_LLM_MODEL and OPENAI_BASE_URL",
        "connection": f"cannot reach {_endpoint(exc)}: check OPENAI_BASE_URL and the network",
        "timeout": f"the LLM did not answer {within} ({tries})",
        "rate_limit": f"the LLM endpoint is rate-limiting requests (HTTP 429); gave up {tries}",
        "server": f"the LLM endpoint failed (HTTP {status or '5xx'}) {tries}",
        "context": "the prompt does not fit the model's context window: lower the context budget",
        "bad_request": f"the LLM endpoint rejected the request (HTTP {status}): {detail}",
        "other": f"the LLM call failed: {type(exc).__name__}: {detail}",
    }
    return LLMError(messages[kind])
