"""The bundled reports, indexed once at start-up in a background thread."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import AssistantError
from ..types import IngestReport

if TYPE_CHECKING:
    from ..pipeline import Assistant

log = logging.getLogger("assistant.ui")


class StartupIndex:
    """Indexes the bundled reports in a background thread, so the page can show progress."""

    def __init__(self, assistant: Assistant, paths: Sequence[str | Path], on_progress=None):
        self.assistant = assistant
        self.paths = [Path(p) for p in paths]
        self.on_progress = on_progress
        self.done = 0
        self.total = 0
        self.current = ""
        self.report: IngestReport | None = None
        self.error: str = ""
        self._finished = threading.Event()
        self._thread: threading.Thread | None = None
        if not self.paths:
            self._finished.set()

    def start(self) -> StartupIndex:
        if not self.paths:
            # Nothing to index; finish what an earlier run left without vectors.
            self.assistant.embed_in_background()
        elif self._thread is None:
            self._thread = threading.Thread(target=self._run, name="startup-index", daemon=True)
            self._thread.start()
        return self

    def _progress(self, done: int, total: int, doc_id: str) -> None:
        self.done, self.total, self.current = done, total, doc_id
        if self.on_progress is not None:
            self.on_progress(done, total, doc_id)

    def _run(self) -> None:
        try:
            # Answerable by keyword search once indexed; vectors follow in the background
            # (also for reports an earlier run left without them).
            self.report = self.assistant.ingest(self.paths, progress=self._progress, embed=False)
            # Load the tokenizer and the lexical index now, not on the first question.
            self.assistant.warm_up()
            self.assistant.embed_in_background()
        except AssistantError as exc:
            self.error = str(exc)
        except Exception as exc:  # the page must still load; the log has the details
            log.exception("indexing the bundled reports failed")
            self.error = f"{type(exc).__name__}: {exc}"
        finally:
            self._finished.set()

    @property
    def finished(self) -> bool:
        return self._finished.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        if self._thread is None and not self.finished:
            self.start()
        return self._finished.wait(timeout)
