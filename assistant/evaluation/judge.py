"""The optional LLM judge (`judge=True`, `assistant eval --judge`).

String matching misses a correct answer worded differently from `must_include` (一千八百亿元
for 1800亿元). The judge asks the chat model (prompt `prompts/judge_v1.yaml`) whether such an
answer states the same fact and figures as the gold answer, for answerable questions that were
answered but failed `must_include`, and for those only. `judged_accuracy` = strict correct or
judged the same, over all questions. It is reported next to the strict figures and never
replaces them: the gate checks strict figures only. Without OPENAI_API_KEY (and no chat model
given) the judge is skipped, never guessed.
"""

from __future__ import annotations

import logging
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from langchain_core.language_models import BaseChatModel

from ..config import Settings
from ..errors import ConfigError
from .runner import PipelineRun, Progress
from .schema import QAItem
from .scoring import Scored, Verdict

log = logging.getLogger("assistant")

JUDGE_SKIPPED = "LLM judge skipped: OPENAI_API_KEY is not set; scoring strictly"
JUDGE_YES = "是"


def needs_judge(result: Scored) -> bool:
    """The judge is asked only about answerable questions answered but failing must_include."""
    return result.item.answerable and not result.answer.abstained and not result.correct


def parse_verdict(reply: str) -> bool:
    """True only when the reply is 是, ignoring width, whitespace, punctuation and markup.

    Anything else (否, an explanation, 是的, an empty reply) counts as not the same fact.
    """
    kept = "".join(
        ch
        for ch in unicodedata.normalize("NFKC", reply)
        if not ch.isspace() and unicodedata.category(ch)[0] not in "PS"
    )
    return kept == JUDGE_YES


def judge_skip_reason(settings: Settings, chat_model: BaseChatModel | None = None) -> str | None:
    """Why the LLM judge cannot run (no key set and no chat model given), or None."""
    return None if chat_model is not None or settings.llm_enabled else JUDGE_SKIPPED


class Judge:
    """Asks a chat model whether an answer states the same fact and figures as the gold answer.

    Transient failures (rate limit, 5xx, timeout) are retried by the chat model's client (see
    `answer.chat`); a call that still fails is recorded as no verdict, which counts as not
    correct.
    """

    def __init__(self, chat_model: BaseChatModel, *, concurrency: int = 4) -> None:
        from langchain_core.output_parsers import StrOutputParser

        from ..prompts import JUDGE, load_prompt

        if concurrency < 1:
            raise ConfigError("judge: concurrency must be >= 1")
        self.chat_model = chat_model
        self.chain = chat_model | StrOutputParser()
        self.concurrency = concurrency
        self.prompt_version = load_prompt(JUDGE).version

    @classmethod
    def from_settings(cls, settings: Settings, chat_model: BaseChatModel | None = None) -> Judge:
        """A judge over `chat_model`, else the chat model `settings` configure (needs a key)."""
        from ..answer.llm import make_chat_model

        return cls(chat_model or make_chat_model(settings), concurrency=settings.llm_concurrency)

    @property
    def label(self) -> str:
        """Model and prompt version, as the report names the judge."""
        model = getattr(self.chat_model, "model_name", None) or type(self.chat_model).__name__
        return f"{model}, {self.prompt_version}"

    def verdict(self, item: QAItem, answer_text: str) -> Verdict:
        """Ask whether `answer_text` states the same fact and figures as `item.answer`."""
        from ..answer.llm import classify
        from ..prompts import render_judge_messages

        messages = render_judge_messages(item.question, item.answer, answer_text)
        try:
            reply = self.chain.invoke(messages)
        except Exception as exc:
            # The kind only: an exception's text may echo request details.
            kind = classify(exc)
            log.warning("LLM judge failed on %s (%s)", item.id, kind)
            return Verdict(None, f"judge call failed ({kind})")
        return Verdict(parse_verdict(reply), one_line(reply))

    def judge_run(self, run: PipelineRun, progress: Progress | None = None) -> PipelineRun:
        """`run` with a verdict on each question that `needs_judge`."""
        results = list(run.results)
        todo = [n for n, r in enumerate(results) if needs_judge(r)]
        if todo:
            with ThreadPoolExecutor(min(self.concurrency, len(todo))) as pool:
                verdicts = pool.map(
                    lambda n: self.verdict(results[n].item, results[n].answer.text), todo
                )
                for done, (n, verdict) in enumerate(zip(todo, verdicts, strict=True), start=1):
                    results[n] = replace(results[n], judge=verdict)
                    if progress is not None:
                        progress(f"{run.name} (judge)", done, len(todo))
        failed = sum(results[n].judge.same is None for n in todo)  # type: ignore[union-attr]
        notes = list(run.notes)
        if failed:
            notes.append(
                f"the LLM judge failed on {failed} of {len(todo)} questions; "
                "they count as not correct in judged accuracy"
            )
        return replace(run, results=results, notes=notes, judge=self.label)


def one_line(text: str, limit: int = 200) -> str:
    """`text` on one line, cut to `limit` characters (a reply or an answer as the report shows it)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
