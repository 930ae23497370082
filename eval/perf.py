"""Measuring helpers shared by the benchmark (`eval.bench`) and the scale curve (`eval.scale`)."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from assistant import Answer

ROOT = Path(__file__).resolve().parents[1]


def log(message: str) -> None:
    """Progress on stderr (the figures go to stdout and the JSON file)."""
    print(message, file=sys.stderr, flush=True)


def summary_ms(seconds: Sequence[float]) -> dict[str, float]:
    """p50, p95, mean and max of durations given in seconds, in milliseconds."""
    if not seconds:
        return {"n": 0}
    ms = np.asarray(seconds, dtype=float) * 1000.0
    return {
        "n": int(ms.size),
        "p50": round(float(np.percentile(ms, 50)), 2),
        "p95": round(float(np.percentile(ms, 95)), 2),
        "mean": round(float(ms.mean()), 2),
        "max": round(float(ms.max()), 2),
    }


def timed_asks(ask: Callable[[str], Answer], questions: Iterable[str]) -> dict[str, Any]:
    """Ask each question once; wall-clock latency and the per-stage `Answer.timings`."""
    latencies: list[float] = []
    stages: dict[str, list[float]] = {}
    for q in questions:
        t0 = time.perf_counter()
        answer = ask(q)
        latencies.append(time.perf_counter() - t0)
        for stage, seconds in answer.timings.items():
            stages.setdefault(stage, []).append(seconds)
    return {
        "latency_ms": summary_ms(latencies),
        "stages_ms": {k: summary_ms(v) for k, v in stages.items()},
    }


def rss_mb(pid: int | None = None) -> dict[str, float]:
    """Current (VmRSS) and peak (VmHWM) resident memory of a process, in MB (Linux)."""
    path = Path(f"/proc/{pid or os.getpid()}/status")
    out: dict[str, float] = {}
    try:
        for line in path.read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out["rss" if key == "VmRSS" else "peak"] = round(int(value.split()[0]) / 1024, 1)
    except OSError:
        if pid is None:  # not Linux: at least the peak of this process
            out["peak"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return out


def qa_questions(path: Path | None = None) -> list[str]:
    path = path or ROOT / "eval" / "qa.jsonl"
    with path.open(encoding="utf-8") as f:
        return [json.loads(line)["question"] for line in f if line.strip()]


def first_answer_seconds(store: Path, cache: Path, question: str) -> dict[str, Any]:
    """Seconds from starting a fresh Python process to its first answer on an existing store.

    The child imports the assistant, opens the store and asks one question; it reports when
    its imports finished and when the answer came back.
    """
    code = (
        "import json,sys,time;t0=time.time();"
        "from assistant import Assistant, Settings;t1=time.time();"
        f"a=Assistant(settings=Settings.from_env(env={{}},store_dir={str(store)!r},"
        f"cache_dir={str(cache)!r}));t2=time.time();"
        f"ans=a.ask({question!r});t3=time.time();"
        "print(json.dumps({'t0':t0,'imported':t1,'opened':t2,'answered':t3,"
        "'abstained':ans.abstained}))"
    )
    start = time.time()
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=600
    )
    if proc.returncode != 0:
        raise RuntimeError(f"first-answer child failed: {proc.stderr.strip()[-500:]}")
    marks = json.loads(proc.stdout.strip().splitlines()[-1])
    return {
        "seconds": round(marks["answered"] - start, 2),
        "python_start": round(marks["t0"] - start, 2),
        "imports": round(marks["imported"] - marks["t0"], 2),
        "open_store": round(marks["opened"] - marks["imported"], 2),
        "first_ask": round(marks["answered"] - marks["opened"], 2),
    }


def table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def machine() -> dict[str, Any]:
    """What the figures were measured on, including how busy the machine was."""
    try:
        load = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        load = []
    return {"cpus": os.cpu_count(), "load_avg_1_5_15": load, "python": sys.version.split()[0]}
