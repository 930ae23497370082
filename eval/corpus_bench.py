"""The benchmark on a corpus of real reports: `python -m eval.bench --corpus DIR`.

Indexes the bundled reports and then the corpus's reports in steps (by default 2, 10, 40 and
all of them, in a fixed shuffled order) into one fresh store with a fresh embedding cache, and
after each step records:

- indexing (answerable by keyword search and the indicator table) and embedding time of the
  step, the ingest's characters per second, beside the embedder's raw characters per second
  measured in the same run on the same kind of text;
- time until a new report (one held back from the corpus, about 25,000 characters) is first
  answerable: indexed and a question about it answered from it;
- warm `ask` latency (p50/p95) over questions of the QA sets;
- process start to answer: `assistant ask` as a whole process (median of 3), and the web
  app's launch to its first chat answer, with the app's peak memory while it serves;
- re-ingest of the unchanged corpus so far.

At the largest size it also measures questions asked through the web UI's chat handler while
the held-back report is embedded in the background (p50/p95).

Prints a table against the targets, writes eval/out/corpus-bench.json and a plot of each figure
against the number of reports (docs/corpus-bench.png). Timings depend on how busy the machine
is: the JSON records the load average at every step.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from assistant import Assistant, Settings
from assistant.embeddings import LocalE5Embeddings
from assistant.ingest.loaders import load_file

from .perf import ROOT, log, machine, qa_questions, rss_mb, summary_ms, table, timed_asks

DEFAULT_SIZES = "2,10,40,all"
NEW_REPORT_CHARS = 25_000

TARGETS = {
    "new_report_answerable_s": 2.0,
    "all_answerable_s": 90.0,
    "all_embedded_s": 16 * 60.0,
    "cli_ask_s": 1.5,
    "ask_p50_ms": 35.0,
    "ask_p95_ms": 90.0,
    "ui_p95_while_embedding_ms": 1000.0,
    "app_first_answer_s": 10.0,
    "serving_peak_rss_mb": 1200.0,
    "reingest_s": 3.0,
}


def _chars(path: Path) -> int:
    return len(load_file(path).text)


def corpus_files(corpus: Path, seed: int) -> list[Path]:
    """The corpus's report files in a fixed shuffled order (national and provincial mixed)."""
    files = sorted(
        p
        for p in corpus.iterdir()
        if p.is_file() and p.suffix in {".txt", ".md", ".html", ".pdf", ".docx"}
    )
    random.Random(seed).shuffle(files)
    return files


def held_back(files: list[Path]) -> Path:
    """The report closest to 25,000 characters: added and removed at every size."""
    return min(files, key=lambda p: abs(_chars(p) - NEW_REPORT_CHARS))


def raw_embedder_chars_per_s(texts: list[str]) -> dict[str, float]:
    """The local embedder alone, without cache, on the given texts."""
    emb = LocalE5Embeddings()
    emb.embed_documents(texts[:8])  # load the model
    t0 = time.perf_counter()
    emb.embed_documents(texts)
    seconds = time.perf_counter() - t0
    chars = sum(len(t) for t in texts)
    return {"chars": chars, "seconds": round(seconds, 2), "chars_per_s": round(chars / seconds)}


def cli_ask_seconds(store: Path, cache: Path, question: str, runs: int = 3) -> dict[str, Any]:
    """Wall time of `assistant ask` as a whole process (extractive mode)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "ASSISTANT_"))}
    env["ASSISTANT_CACHE_DIR"] = str(cache)
    times = []
    failures = []
    for _ in range(runs):
        t0 = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "assistant.cli", "ask", question, "--store", str(store)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=env,
            timeout=600,
        )
        if proc.returncode != 0:
            # Recorded, not fatal: the rest of the run still measures.
            failures.append({"returncode": proc.returncode, "stderr": proc.stderr.strip()[-500:]})
            log(f"[corpus-bench] assistant ask failed: {failures[-1]}")
            continue
        times.append(time.perf_counter() - t0)
    return {
        "median_s": round(statistics.median(times), 2) if times else None,
        "runs_s": [round(t, 2) for t in times],
        "failures": failures,
    }


def new_report_answerable(a: Assistant, path: Path, question: str) -> dict[str, Any]:
    """Index a report not in the store; seconds until a question about it is answered from
    it (its vectors are not computed); then remove it again."""
    t0 = time.perf_counter()
    a.ingest([path], embed=False)
    indexed = time.perf_counter() - t0
    ans = a.ask(question, documents=[path.name])
    answered = time.perf_counter() - t0
    a.delete(path.name)
    return {
        "indexed_s": round(indexed, 2),
        "answerable_s": round(answered, 2),
        "answered_from_it": bool(ans.citations) and ans.citations[0].doc_id == path.name,
    }


def ui_latency_while_embedding(a: Assistant, path: Path, questions: list[str], work: Path) -> dict:
    """Questions through the web UI's chat handler while `path` is embedded in the background."""
    from assistant.ui import ChatApp

    app = ChatApp(a, notify=lambda level, message: None, uploads_dir=work / "uploads")
    a.ingest([path], embed=False)
    thread = a.embed_in_background()
    during = []
    n = 0
    t0 = time.perf_counter()
    while thread is not None and thread.is_alive():
        q = questions[n % len(questions)]
        t1 = time.perf_counter()
        list(app.respond(q, [], []))
        during.append(time.perf_counter() - t1)
        n += 1
    embedded_s = time.perf_counter() - t0
    a.delete(path.name)
    return {"questions_ms": summary_ms(during), "embedded_in_s": round(embedded_s, 1)}


def run(corpus: Path, sizes: list[int | None], seed: int, n_questions: int, app: bool) -> dict:
    from .bench import bench_app

    files = corpus_files(corpus, seed)
    new = held_back(files)
    files = [f for f in files if f != new]
    questions = (qa_questions(ROOT / "eval" / "qa_corpus.jsonl") + qa_questions())[:n_questions]
    random.Random(seed).shuffle(questions)
    new_question = f"{load_file(new).text.strip().splitlines()[0][:20]}的主要内容是什么？"
    steps = sorted({len(files) if s is None else min(s, len(files)) for s in sizes})
    result: dict[str, Any] = {
        "corpus": str(corpus),
        "reports_in_corpus": len(files) + 1,
        "held_back": new.name,
        "held_back_chars": _chars(new),
        "questions": len(questions),
        "machine_before": machine(),
        "steps": [],
    }
    with tempfile.TemporaryDirectory(prefix="assistant-corpus-bench-") as tmp:
        work = Path(tmp)
        store, cache = work / "store", work / "cache"
        a = Assistant(settings=Settings.from_env(env={}, store_dir=store, cache_dir=cache))
        sample = [load_file(p).text for p in files[:2]]
        texts = [line for text in sample for line in text.splitlines() if line.strip()][:300]
        log(f"[corpus-bench] raw embedder speed on {len(texts)} paragraphs")
        result["raw_embedder"] = raw_embedder_chars_per_s(texts)
        indexed: list[Path] = []
        index_total = embed_total = 0.0
        done = 0  # corpus reports indexed
        for size in steps:
            batch = files[done:size]
            if not indexed:
                batch = [*sorted((ROOT / "data").glob("*.txt")), *batch]
            done = size
            chars = sum(_chars(p) for p in batch)
            log(
                f"[corpus-bench] {size} corpus reports: indexing {len(batch)} more ({chars:,} chars)"
            )
            row: dict[str, Any] = {"reports": size + 2, "machine": machine()}
            t0 = time.perf_counter()
            report = a.ingest(batch, embed=False)
            index_s = time.perf_counter() - t0
            if report.failed:
                row["failed"] = [list(f) for f in report.failed]
            log(f"[corpus-bench] indexed in {index_s:.1f} s; embedding")
            t0 = time.perf_counter()
            a.embed_pending()
            embed_s = time.perf_counter() - t0
            indexed += batch
            index_total += index_s
            embed_total += embed_s
            row.update(
                chars=chars,
                index_s=round(index_s, 1),
                embed_s=round(embed_s, 1),
                ingest_chars_per_s=round(chars / (index_s + embed_s)),
                all_answerable_s=round(index_total, 1),
                all_embedded_s=round(index_total + embed_total, 1),
            )
            row["new_report"] = new_report_answerable(a, new, new_question)
            a.ask(questions[0])
            row["ask_ms"] = timed_asks(a.ask, questions)["latency_ms"]
            t0 = time.perf_counter()
            a.ingest(indexed)
            row["reingest_s"] = round(time.perf_counter() - t0, 2)
            row["cli_ask"] = cli_ask_seconds(store, cache, questions[1])
            if app:
                row["app"] = bench_app(store, cache, questions[:10])
            result["steps"].append(row)
            log(f"[corpus-bench] {json.dumps(row, ensure_ascii=False)}")
        log("[corpus-bench] UI questions while a report is embedded")
        result["ui_while_embedding"] = ui_latency_while_embedding(a, new, questions, work)
        result["memory_mb"] = rss_mb()
    result["machine_after"] = machine()
    result["targets"] = TARGETS
    return result


def render(result: dict) -> str:
    steps = result["steps"]
    last = steps[-1]

    def met(value: Any, key: str) -> str:
        return "–" if value is None else ("yes" if value <= TARGETS[key] else "**no**")

    header = ["measure", *(f"{s['reports']} reports" for s in steps), "target", "met"]
    app = [s.get("app", {}) for s in steps]
    ui = result["ui_while_embedding"]["questions_ms"]
    rows = [
        ("index (keyword search + table) of the step, s", [s["index_s"] for s in steps], "", None),
        ("embed the step, s", [s["embed_s"] for s in steps], "", None),
        ("ingest characters/s", [s["ingest_chars_per_s"] for s in steps],
         f"raw embedder: {result['raw_embedder']['chars_per_s']}", None),
        ("new 25,000-char report answerable, s",
         [s["new_report"]["answerable_s"] for s in steps], "new_report_answerable_s",
         last["new_report"]["answerable_s"]),
        ("all so far answerable (indexed), s", [s["all_answerable_s"] for s in steps],
         "all_answerable_s", last["all_answerable_s"]),
        ("all so far embedded, cold, s", [s["all_embedded_s"] for s in steps],
         "all_embedded_s", last["all_embedded_s"]),
        ("`assistant ask` whole process, s", [s["cli_ask"]["median_s"] for s in steps],
         "cli_ask_s", last["cli_ask"]["median_s"]),
        ("warm ask p50, ms", [s["ask_ms"]["p50"] for s in steps], "ask_p50_ms",
         last["ask_ms"]["p50"]),
        ("warm ask p95, ms", [s["ask_ms"]["p95"] for s in steps], "ask_p95_ms",
         last["ask_ms"]["p95"]),
        ("app launch → first answer, s", [x.get("first_answer_s") for x in app],
         "app_first_answer_s", app[-1].get("first_answer_s")),
        ("peak RSS serving (app), MB", [x.get("memory_mb", {}).get("peak") for x in app],
         "serving_peak_rss_mb", app[-1].get("memory_mb", {}).get("peak")),
        ("re-ingest unchanged, s", [s["reingest_s"] for s in steps], "reingest_s",
         last["reingest_s"]),
    ]  # fmt: skip
    body = []
    for name, values, key, final in rows:
        target = f"≤ {TARGETS[key]:g}" if key in TARGETS else key
        body.append(
            [name, *("–" if v is None else v for v in values), target,
             met(final, key) if key in TARGETS else ""]
        )  # fmt: skip
    body.append(
        [f"UI question while a report is embedded, p50 / p95 ms ({ui.get('n', 0)} asked)",
         *([""] * (len(steps) - 1)), f"{ui.get('p50')} / {ui.get('p95')}",
         f"p95 ≤ {TARGETS['ui_p95_while_embedding_ms']:g}",
         met(ui.get("p95"), "ui_p95_while_embedding_ms")]
    )  # fmt: skip
    return (
        table(header, body)
        + f"\n\nheld back: {result['held_back']} ({result['held_back_chars']:,} chars); "
        f"machine before/after: {result['machine_before']} / {result['machine_after']}"
    )


def plot(result: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps = result["steps"]
    x = [s["reports"] for s in steps]
    panels = [
        ("warm ask, ms", {"p50": [s["ask_ms"]["p50"] for s in steps],
                          "p95": [s["ask_ms"]["p95"] for s in steps]}),
        ("process start → answer, s", {
            "assistant ask": [s["cli_ask"]["median_s"] for s in steps],
            "app": [s.get("app", {}).get("first_answer_s") for s in steps]}),
        ("new report answerable, s", {"index + first answer":
                                      [s["new_report"]["answerable_s"] for s in steps]}),
        ("cumulative, s", {"answerable (indexed)": [s["all_answerable_s"] for s in steps],
                           "embedded": [s["all_embedded_s"] for s in steps]}),
        ("peak RSS serving, MB", {"app": [s.get("app", {}).get("memory_mb", {}).get("peak")
                                          for s in steps]}),
        ("re-ingest unchanged, s", {"": [s["reingest_s"] for s in steps]}),
    ]  # fmt: skip
    fig, axes = plt.subplots(2, 3, figsize=(13, 7))
    for ax, (title, series) in zip(axes.flat, panels, strict=True):
        for label, ys in series.items():
            pts = [(a, b) for a, b in zip(x, ys, strict=True) if b is not None]
            if pts:
                ax.plot(*zip(*pts, strict=True), marker="o", label=label or None)
        ax.set_title(title)
        ax.set_xlabel("reports in the store")
        ax.grid(alpha=0.3)
        if any(series):
            ax.legend(fontsize=8)
    fig.suptitle("Real reports (eval.bench --corpus): 2-core machine")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m eval.bench --corpus DIR", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--sizes", default=DEFAULT_SIZES, help="corpus reports at each step")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--questions", type=int, default=100, help="warm questions per step")
    parser.add_argument("--no-app", dest="app", action="store_false")
    parser.add_argument("--out", type=Path, default=ROOT / "eval" / "out" / "corpus-bench.json")
    parser.add_argument("--plot", type=Path, default=ROOT / "docs" / "corpus-bench.png")
    args = parser.parse_args(argv)
    sizes = [None if s == "all" else int(s) for s in args.sizes.split(",") if s]
    result = run(args.corpus, sizes, args.seed, args.questions, args.app)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    plot(result, args.plot)
    print(render(result))
    print(f"\nwrote {args.out} and {args.plot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
