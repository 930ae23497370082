"""How ingest and ask cost grow with the corpus: `python -m eval.scale [--sizes 1,10,50,200]`.

Grows one store with a synthetic corpus (`eval.synth`, from the bundled reports) to each size
in turn; at each size it records the time to ingest the new reports, the warm `ask` latency
over the QA set's questions (re-aimed at places of the corpus), the time from a fresh process
to its first answer, and memory. At the largest size it also profiles the asks and times
building the lexical index from scratch against loading it from the store.

Writes eval/out/scale.json and docs/scale.png. Embedding is the bulk of ingest (about 50
units/s on 2 cores), so 200 reports take tens of minutes; `--sizes 1,10` is a quick check.
A fresh embedding cache is used unless `--cache` names one, so ingest times are real.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from assistant import Assistant, Settings
from assistant.ingest.clean import clean_text
from assistant.ingest.loaders import load_file
from assistant.retrieve import Retriever

from .perf import (
    ROOT,
    first_answer_seconds,
    log,
    machine,
    qa_questions,
    rss_mb,
    table,
    timed_asks,
)
from .synth import SOURCE_PLACES, generate, write_corpus

DEFAULT_SIZES = (1, 10, 50, 200)


def aimed_questions(questions: list[str], regions: list[str], seed: int) -> list[str]:
    """The questions with the bundled reports' places replaced by places of the corpus."""
    rng = random.Random(seed)
    out = []
    for q in questions:
        region = rng.choice(regions)
        for old in SOURCE_PLACES:
            if old in q:
                q = q.replace(old, region)
                break
        out.append(q)
    return out


def lexical_build_seconds(a: Assistant) -> dict[str, float]:
    """Seconds to build the retriever's lexical state: from the store alone (tokenizing every
    unit, as every start did before it was kept on disk) and from what is kept on disk."""
    out = {}
    for name, lexical_dir in (("from_scratch", None), ("from_disk", "default")):
        r = Retriever(a.store, a.embedder, lexical_dir=lexical_dir)
        t0 = time.perf_counter()
        r.refresh()
        out[name] = round(time.perf_counter() - t0, 2)
    return out


def profile_asks(a: Assistant, questions: list[str], top: int = 40) -> str:
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.001)
    profiler.start()
    for q in questions:
        a.ask(q)
    profiler.stop()
    text = profiler.output_text(unicode=True, color=False, show_all=False)
    return "\n".join(line for line in text.splitlines() if line.strip(" │"))[:20000]


def plot(rows: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    sizes = [r["reports"] for r in rows]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    left.plot(sizes, [r["ingest_total_s"] for r in rows], "o-", label="total ingest time")
    left.set_xlabel("reports in the store")
    left.set_ylabel("seconds")
    left.set_title("Ingest (cumulative)")
    ax2 = left.twinx()
    ax2.plot(sizes, [r["ingest_units_per_s"] for r in rows], "s--", color="tab:green")
    ax2.set_ylabel("texts embedded per second (this step)", color="tab:green")
    left.grid(alpha=0.3)
    right.plot(sizes, [r["ask"]["latency_ms"]["p50"] for r in rows], "o-", label="p50")
    right.plot(sizes, [r["ask"]["latency_ms"]["p95"] for r in rows], "o-", label="p95")
    for stage, label in (("embed", "embed question p50"), ("dense", "dense search p50"),
                         ("lexical", "BM25 p50")):  # fmt: skip
        values = [r["ask"]["stages_ms"].get(stage, {}).get("p50") for r in rows]
        if all(v is not None for v in values):
            right.plot(sizes, values, ".--", label=label, alpha=0.8)
    base = rows[0]["ask"]["latency_ms"]["p50"]
    right.plot(
        sizes, [base * s / sizes[0] for s in sizes], ":", color="grey", label="linear from p50 at 1"
    )
    right.set_xscale("log")
    right.set_yscale("log")
    right.set_xticks(sizes, [str(s) for s in sizes])
    right.yaxis.set_major_formatter(matplotlib.ticker.ScalarFormatter())
    right.set_xlabel("reports in the store")
    right.set_ylabel("ms")
    right.set_title("Warm ask latency (extractive)")
    right.legend(fontsize=8)
    right.grid(alpha=0.3, which="both")
    fig.suptitle("Scale curve on a synthetic corpus (2-core machine, shared: timings are noisy)")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def run(
    sizes: list[int],
    seed: int,
    n_questions: int,
    work: Path,
    cache: Path | None,
    profile: bool,
) -> dict[str, Any]:
    sources = [clean_text(load_file(p).text) for p in sorted((ROOT / "data").glob("*.txt"))]
    corpus, store = work / "corpus", work / "store"
    cache = cache or work / "cache"
    a = Assistant(settings=Settings.from_env(env={}, store_dir=store, cache_dir=cache))
    base_questions = qa_questions()
    rows: list[dict[str, Any]] = []
    done, total_ingest = 0, 0.0
    for size in sizes:
        reports = generate(sources, size - done, seed=seed, start=done)
        paths = write_corpus(reports, corpus)
        misses = a.embedder.misses if hasattr(a.embedder, "misses") else 0
        units_before = a.store.count()
        log(f"[scale] ingesting reports {done + 1}-{size} ...")
        t0 = time.perf_counter()
        report = a.ingest(paths)
        step = time.perf_counter() - t0
        total_ingest += step
        if report.failed:
            raise RuntimeError(f"ingest failed: {report.failed[:3]}")
        embedded = (a.embedder.misses if hasattr(a.embedder, "misses") else 0) - misses
        records = a.store.count()
        done = size
        t0 = time.perf_counter()
        a.warm_up()
        refresh = time.perf_counter() - t0
        regions = sorted({d.region for d in a.documents() if d.region})
        questions = aimed_questions(base_questions, regions, seed)[:n_questions]
        for q in questions[:10]:
            a.ask(q)
        log(f"[scale] {size} reports: asking {len(questions)} questions ...")
        asks = timed_asks(a.ask, questions)
        row = {
            "reports": size,
            "records": records,
            "units_added": records - units_before,
            "texts_embedded": embedded,
            "ingest_step_s": round(step, 2),
            "ingest_total_s": round(total_ingest, 2),
            "ingest_units_per_s": round(embedded / step, 1) if step else None,
            "lexical_refresh_after_ingest_s": round(refresh, 2),
            "ask": asks,
            "first_answer": first_answer_seconds(store, cache, questions[0]),
            "memory_mb": rss_mb(),
        }
        rows.append(row)
        lat = asks["latency_ms"]
        log(
            f"[scale] {size} reports: ingest {step:.1f} s, ask p50 {lat['p50']} ms, "
            f"p95 {lat['p95']} ms, first answer {row['first_answer']['seconds']} s"
        )
    result: dict[str, Any] = {
        "machine": machine(),
        "seed": seed,
        "sizes": sizes,
        "rows": rows,
        "lexical_build_at_largest_s": lexical_build_seconds(a),
    }
    if profile:
        log("[scale] profiling asks at the largest size ...")
        regions = sorted({d.region for d in a.documents() if d.region})
        result["profile_at_largest"] = profile_asks(
            a, aimed_questions(base_questions, regions, seed + 1)[:n_questions]
        )
    first, last = rows[0], rows[-1]
    growth = last["ask"]["latency_ms"]["p50"] / max(first["ask"]["latency_ms"]["p50"], 1e-9)
    result["ask_p50_growth"] = {
        "corpus_factor": last["reports"] / first["reports"],
        "latency_factor": round(growth, 2),
    }
    return result


def render(result: dict[str, Any]) -> str:
    rows = [
        (
            r["reports"],
            r["records"],
            r["texts_embedded"],
            r["ingest_step_s"],
            r["ingest_total_s"],
            r["ingest_units_per_s"],
            r["ask"]["latency_ms"]["p50"],
            r["ask"]["latency_ms"]["p95"],
            r["ask"]["stages_ms"].get("embed", {}).get("p50", "–"),
            r["ask"]["stages_ms"].get("dense", {}).get("p50", "–"),
            r["ask"]["stages_ms"].get("lexical", {}).get("p50", "–"),
            r["ask"]["stages_ms"].get("answer", {}).get("p50", "–"),
            r["first_answer"]["seconds"],
            r["memory_mb"].get("peak", "–"),
        )
        for r in result["rows"]
    ]
    header = (
        "reports", "records", "embedded", "ingest step s", "ingest total s", "units/s",
        "ask p50 ms", "ask p95 ms", "embed p50", "dense p50", "bm25 p50", "answer p50",
        "start→answer s", "peak RSS MB",
    )  # fmt: skip
    g = result["ask_p50_growth"]
    lex = result["lexical_build_at_largest_s"]
    return (
        table(header, rows)
        + f"\n\nask p50 grew {g['latency_factor']}x while the corpus grew {g['corpus_factor']:.0f}x"
        + f"\nlexical index at the largest size: {lex['from_scratch']} s from scratch, "
        + f"{lex['from_disk']} s from disk\nmachine: {result['machine']}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m eval.scale", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--questions", type=int, default=200, help="questions asked per size")
    parser.add_argument("--work", type=Path, help="keep corpus and store here (default: temp)")
    parser.add_argument("--cache", type=Path, help="embedding cache to reuse (default: fresh)")
    parser.add_argument("--out", type=Path, default=ROOT / "eval" / "out" / "scale.json")
    parser.add_argument("--plot", type=Path, default=ROOT / "docs" / "scale.png")
    parser.add_argument("--no-profile", dest="profile", action="store_false")
    args = parser.parse_args(argv)
    try:
        sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    except ValueError:
        parser.error(f"--sizes must be numbers separated by commas, not {args.sizes!r}")
    if not sizes or sizes[0] < 1:
        parser.error("--sizes needs at least one size of 1 or more")
    with tempfile.TemporaryDirectory(prefix="assistant-scale-", ignore_cleanup_errors=True) as tmp:
        work = args.work or Path(tmp)
        result = run(sizes, args.seed, args.questions, work, args.cache, args.profile)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    plot(result["rows"], args.plot)
    print(render(result))
    print(f"\nwrote {args.out} and {args.plot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
