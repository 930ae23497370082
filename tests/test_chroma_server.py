"""Client/server mode: a real `chroma run` on a free loopback port, started by the test."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant import Assistant, Settings, StoreError
from assistant.cli import main as cli_main

from .helpers import DATA, DISTRICT, GDP_QUESTION, free_port, stored_records


def _chroma_executable() -> str | None:
    beside_python = Path(sys.executable).with_name("chroma")
    return str(beside_python) if beside_python.exists() else shutil.which("chroma")


class ChromaServer:
    """`chroma run` in a subprocess, on 127.0.0.1 and a free port."""

    def __init__(self, exe: str, path: Path) -> None:
        self.port = free_port()
        self.log = path.with_suffix(".log")
        self._out = self.log.open("wb")
        self.proc = subprocess.Popen(
            [exe, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(self.port)],
            stdout=self._out,
            stderr=subprocess.STDOUT,
        )
        self._wait_for_heartbeat()

    def _wait_for_heartbeat(self, timeout: float = 60.0) -> None:
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"chroma run exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.url}/api/v2/heartbeat", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError("chroma run did not answer its heartbeat within a minute")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._out.close()


@pytest.fixture
def chroma_server(tmp_path):
    exe = _chroma_executable()
    if exe is None:
        pytest.skip("the `chroma` executable (from the chromadb package) is not installed")
    server = ChromaServer(exe, tmp_path / "chroma-data")
    yield server
    server.stop()


def _server_settings(server: ChromaServer, cache_dir: Path, tmp_path: Path) -> Settings:
    return Settings.from_env(
        env={},
        store_dir=tmp_path / "unused-local-store",
        cache_dir=cache_dir,
        chroma_host="127.0.0.1",
        chroma_port=server.port,
    )


def test_ingest_ask_delete_through_a_chroma_server_then_a_clear_error_when_it_stops(
    chroma_server, cache_dir, tmp_path, assistant
):
    settings = _server_settings(chroma_server, cache_dir, tmp_path)
    a = Assistant(settings=settings, embedder=assistant.embedder)
    assert a.store.location == f"127.0.0.1:{chroma_server.port}"

    report = a.ingest([DATA])
    assert sorted(report.added) == sorted(p.name for p in DATA.iterdir()) and not report.failed
    assert not (tmp_path / "unused-local-store").exists()  # everything went to the server
    ans = a.ask(GDP_QUESTION)
    assert "1800亿元" in ans.text and ans.citations[0].doc_id == "neijiang-2024.txt"
    assert a.ingest([DATA]).skipped  # idempotent on the server too

    # A second client (another process would do the same) sees what the first wrote.
    b = Assistant(settings=settings, embedder=assistant.embedder)
    assert [d.doc_id for d in b.documents()] == [d.doc_id for d in a.documents()]
    # Its indicator table is built from the server's paragraphs, in memory.
    assert {r.doc_id for r in b.indicators()} == {d.doc_id for d in a.documents()}
    assert [r.to_dict() for r in b.indicators()] == [r.to_dict() for r in a.indicators()]
    district_hash = a.store.live_hashes()[DISTRICT.name]
    b.delete(DISTRICT.name)
    assert [d.doc_id for d in a.documents()] == ["neijiang-2024.txt"]
    assert stored_records(a.store, DISTRICT.name, district_hash) == 0
    assert "1800亿元" in a.ask(GDP_QUESTION).text

    chroma_server.stop()
    for action in (
        lambda: a.ask(GDP_QUESTION),
        lambda: a.ingest([DISTRICT]),
        lambda: a.delete("neijiang-2024.txt"),
    ):
        with pytest.raises(StoreError) as info:
            action()
        message = str(info.value)
        assert f"is the Chroma server at 127.0.0.1:{chroma_server.port} running?" in message
        assert "\n" not in message
    with pytest.raises(StoreError, match=r"cannot reach the Chroma server at 127\.0\.0\.1:\d+"):
        Assistant(settings=settings, embedder=assistant.embedder)


def test_cli_uses_the_server_from_the_environment_and_fails_in_one_line_without_it(
    chroma_server, cache_dir, monkeypatch, capsys
):
    monkeypatch.setenv("CHROMA_HOST", "127.0.0.1")
    monkeypatch.setenv("CHROMA_PORT", str(chroma_server.port))
    assert cli_main(["ingest", str(DISTRICT)]) == 0
    assert cli_main(["docs"]) == 0
    assert DISTRICT.name in capsys.readouterr().out

    chroma_server.stop()
    assert cli_main(["docs"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "cannot reach the Chroma server" in err and "chroma run" in err
