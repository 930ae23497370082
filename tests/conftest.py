from __future__ import annotations

import json
import os
import shutil
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from .fakes import HashEmbeddings
from .helpers import DATA, KEY


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory) -> Path:
    """One embedding cache for the whole run, so each text is embedded once."""
    path = tmp_path_factory.mktemp("embedding-cache")
    os.environ["ASSISTANT_CACHE_DIR"] = str(path)
    return path


@pytest.fixture(scope="session")
def real_store(tmp_path_factory, cache_dir) -> Path:
    """A store of the bundled reports, built once with the local embedder."""
    from assistant import Assistant, Settings

    store = tmp_path_factory.mktemp("store")
    a = Assistant(settings=Settings.from_env(store_dir=store, cache_dir=cache_dir))
    report = a.ingest([DATA])
    assert not report.failed, report.failed
    return store


@pytest.fixture(scope="session")
def assistant(real_store, cache_dir):
    from assistant import Assistant, Settings

    return Assistant(settings=Settings.from_env(store_dir=real_store, cache_dir=cache_dir))


@pytest.fixture
def store_copy(real_store, tmp_path) -> Path:
    """A private copy of the bundled-report store that a test may change."""
    dst = tmp_path / "store"
    shutil.copytree(real_store, dst)
    return dst


@pytest.fixture
def fake_assistant(tmp_path):
    """An assistant with a deterministic test embedder and an empty store."""
    from assistant import Assistant, Settings

    emb = HashEmbeddings()
    settings = Settings.from_env(env={}, store_dir=tmp_path / "store", cache_dir=tmp_path / "cache")
    return Assistant(settings=settings, embedder=emb), emb


class Failures(list):
    """What the stub endpoint does with the next requests, in order: an HTTP status to fail
    with, a (status, headers) pair, or a number of seconds to wait before replying.
    `requests` counts the requests it received."""

    requests = 0


@pytest.fixture
def stub_endpoint():
    """A local chat-completions endpoint: replies, streams, or fails with the queued status."""
    failures = Failures()
    reply = "全年实现地区生产总值1800亿元左右、增长7.0%左右[1]。"

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _send(
            self, status: int, body: bytes, content_type: str = "application/json", headers=()
        ):
            self.send_response(status)
            self.send_header("content-type", content_type)
            self.send_header("content-length", str(len(body)))
            for name, value in dict(headers).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):
            request = json.loads(self.rfile.read(int(self.headers["content-length"])))
            failures.requests += 1
            step = failures.pop(0) if failures else None
            if isinstance(step, float):
                time.sleep(step)  # longer than the client waits: it has given up
                return None
            if step is not None:
                status, headers = step if isinstance(step, tuple) else (step, {})
                error = {"message": f"failure {status} for key {KEY}", "code": str(status)}
                return self._send(status, json.dumps({"error": error}).encode(), headers=headers)
            if request.get("stream"):
                events = [
                    {"choices": [{"index": 0, "delta": {"content": reply[i : i + 5]}}]}
                    for i in range(0, len(reply), 5)
                ]
                lines = [f"data: {json.dumps(e, ensure_ascii=False)}\n\n" for e in events]
                body = ("".join(lines) + "data: [DONE]\n\n").encode()
                return self._send(200, body, "text/event-stream")
            message = {"role": "assistant", "content": reply}
            done = {"choices": [{"index": 0, "message": message, "finish_reason": "stop"}]}
            return self._send(200, json.dumps(done, ensure_ascii=False).encode())

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    try:
        yield url, failures
    finally:
        server.shutdown()
        server.server_close()
