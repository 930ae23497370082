"""Ingest speed and CLI start-up, idle and beside one CPU-bound process.

    python -m eval.threads [--report FILE] [--chars N] [--repeats 3] [--cli-store DIR]

Each figure is the median of `--repeats` runs, each in a fresh process, with the 1-minute load
average when it started. Ingest runs with a cold embedding cache (a new store and cache each
time), under two OpenMP wait policies: `spin` (libgomp's default, as before) and `passive`
(what the embedder sets now unless OMP_WAIT_POLICY is set). "busy" runs start one
`while True: pass` process first and stop it after. With `--cli-store`, `assistant ask` on that
store is timed as a whole process (wall time). Figures go to stdout and `--out` (JSON).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from .perf import ROOT, log, machine, table

QUESTION = "2023年内江市地区生产总值是多少？"
# libgomp treats an empty OMP_WAIT_POLICY as unset (its default: spin, then sleep); the
# embedder keeps a value that is set, so "" reproduces the behaviour before it chose one.
POLICIES = {"spin": "", "passive": "PASSIVE"}

_INGEST = """
import json, sys, time, tempfile
from pathlib import Path
from assistant import Assistant, Settings
text = Path(sys.argv[1]).read_text(encoding="utf-8")[: int(sys.argv[2])]
work = Path(tempfile.mkdtemp())
a = Assistant(settings=Settings.from_env(env={}, store_dir=work / "store", cache_dir=work / "cache"))
t0 = time.perf_counter()
a.ingest_texts([{"id": "report", "text": text}])
seconds = time.perf_counter() - t0
print(json.dumps({"chars": len(text), "seconds": seconds}))
"""


def _env(policy: str | None = None) -> dict[str, str]:
    """This environment without keys and assistant settings; `policy` sets OpenMP's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "ASSISTANT_"))}
    if policy is not None:
        env["OMP_WAIT_POLICY"] = POLICIES[policy]
    env["PYTHONPATH"] = str(ROOT)
    return env


class _Busy:
    """`n` CPU-bound processes while in the block."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.procs: list[subprocess.Popen] = []

    def __enter__(self) -> _Busy:
        cmd = [sys.executable, "-c", "while True: pass"]
        self.procs = [subprocess.Popen(cmd) for _ in range(self.n)]
        if self.n:
            time.sleep(2.0)  # let the scheduler see it
        return self

    def __exit__(self, *exc: object) -> None:
        for p in self.procs:
            p.kill()
            p.wait()


def _load() -> float:
    return round(os.getloadavg()[0], 2)


def ingest_runs(report: Path, chars: int, policy: str, busy: int, repeats: int) -> dict:
    rates, loads = [], []
    with _Busy(busy):
        for _ in range(repeats):
            loads.append(_load())
            proc = subprocess.run(
                [sys.executable, "-c", _INGEST, str(report), str(chars)],
                capture_output=True,
                text=True,
                env=_env(policy),
                cwd=ROOT,
                timeout=1800,
            )
            if proc.returncode != 0:
                raise RuntimeError(proc.stderr.strip()[-500:])
            run = json.loads(proc.stdout.strip().splitlines()[-1])
            rates.append(run["chars"] / run["seconds"])
    return {
        "policy": policy,
        "busy": busy,
        "chars_per_s": round(statistics.median(rates)),
        "runs": [round(r) for r in rates],
        "load_avg": loads,
    }


def cli_runs(store: Path, busy: int, repeats: int) -> dict:
    seconds, loads = [], []
    with _Busy(busy):
        for _ in range(repeats):
            loads.append(_load())
            t0 = time.perf_counter()
            proc = subprocess.run(
                [sys.executable, "-m", "assistant.cli", "ask", QUESTION, "--store", str(store)],
                capture_output=True,
                text=True,
                env=_env(),
                cwd=ROOT,
                timeout=600,
            )
            seconds.append(time.perf_counter() - t0)
            if proc.returncode != 0:
                raise RuntimeError(proc.stderr.strip()[-500:])
    return {
        "busy": busy,
        "median_s": round(statistics.median(seconds), 2),
        "runs": [round(s, 2) for s in seconds],
        "load_avg": loads,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.threads", description=__doc__)
    parser.add_argument("--report", type=Path, default=ROOT / "eval/corpus/national-2022.txt")
    parser.add_argument("--chars", type=int, default=6000, help="ingest this many characters")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--policies", default="spin,passive")
    parser.add_argument("--busy", default="0,1", help="numbers of busy processes to run beside")
    parser.add_argument("--cli-store", type=Path, help="time `assistant ask` on this store")
    parser.add_argument("--cli-runs", type=int, default=5)
    parser.add_argument("--no-ingest", dest="ingest", action="store_false")
    parser.add_argument("--out", type=Path, default=ROOT / "eval/out/threads.json")
    args = parser.parse_args(argv)
    busy_levels = [int(b) for b in args.busy.split(",")]
    result: dict = {"machine": machine(), "ingest": [], "cli": []}
    if args.ingest:
        for policy in args.policies.split(","):
            for busy in busy_levels:
                log(f"ingest: {policy}, {busy} busy process(es)")
                result["ingest"].append(
                    ingest_runs(args.report, args.chars, policy, busy, args.repeats)
                )
    if args.cli_store:
        for busy in busy_levels:
            log(f"assistant ask: {busy} busy process(es)")
            result["cli"].append(cli_runs(args.cli_store, busy, args.cli_runs))
    if result["ingest"]:
        print(f"Ingest of {args.chars} characters of {args.report.name}, cold embedding cache:\n")
        print(
            table(
                ["OpenMP wait", "busy processes", "chars/s (median)", "runs", "load avg at start"],
                [
                    (r["policy"], r["busy"], r["chars_per_s"], r["runs"], r["load_avg"])
                    for r in result["ingest"]
                ],
            )
        )
    if result["cli"]:
        print(f"\n`assistant ask` as a whole process on {args.cli_store}:\n")
        print(
            table(
                ["busy processes", "wall s (median)", "runs", "load avg at start"],
                [(r["busy"], r["median_s"], r["runs"], r["load_avg"]) for r in result["cli"]],
            )
        )
    print(f"\nmachine: {result['machine']}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
