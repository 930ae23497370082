"""What an evaluation prints and writes: the tables, the Markdown report and report.json."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..errors import InputError
from .judge import one_line
from .runner import PipelineRun
from .scoring import HEADLINE
from .suites import SuiteResult

JUDGED = {"judged_accuracy": "judged acc."}  # shown after `accuracy` when a judge ran
INDICATOR_TYPES = ("numeric", "temporal", "cross_doc")  # compared with and without the table


def _fmt(key: str, value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.1f}" if key.endswith("_ms") else f"{value:.3f}"
    return str(value)


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" for _ in header) + "|",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _with_judged(columns: Mapping[str, str], judged: bool) -> dict[str, str]:
    """`columns`, with judged accuracy after accuracy when a judge ran."""
    out: dict[str, str] = {}
    for key, label in columns.items():
        out[key] = label
        if judged and key == "accuracy":
            out.update(JUDGED)
    return out


def headline(runs: Sequence[PipelineRun]) -> dict[str, str]:
    """The headline figures of `runs` and their labels: HEADLINE, plus judged accuracy."""
    return _with_judged(HEADLINE, any(run.judge for run in runs))


def comparison_table(runs: Sequence[PipelineRun]) -> str:
    """The headline figures of each pipeline, one row each (markdown)."""
    columns = headline(runs)
    return _table(
        ["pipeline", *columns.values()],
        ([run.name, *(_fmt(k, run.figures[k]) for k in columns)] for run in runs),
    )


PER_TYPE_COLUMNS = {
    "questions": "n",
    "accuracy": "accuracy",
    "recall@1": "R@1",
    "recall@5": "R@5",
    "mrr": "MRR",
    "citation_precision": "cite P",
    "citation_recall": "cite R",
    "answered_rate": "answered",
    "abstention_recall": "abstain R",
    "latency_p50_ms": "p50 ms",
}


def per_type_table(run: PipelineRun) -> str:
    """Figures per question type (markdown)."""
    columns = _with_judged(PER_TYPE_COLUMNS, run.judge is not None)
    return _table(
        ["type", *columns.values()],
        ([t, *(_fmt(k, f[k]) for k in columns)] for t, f in run.per_type.items()),
    )


TAG_COLUMNS = {
    "questions": "n",
    "accuracy": "accuracy",
    "recall@1": "R@1",
    "recall@5": "R@5",
    "citation_precision": "cite P",
    "answered_rate": "answered",
    "abstention_recall": "abstain R",
}


def tag_table(runs: Sequence[PipelineRun]) -> str:
    """Figures of the tagged questions (two-year, near-miss, …), per tag and pipeline
    (markdown); empty when no question is tagged."""
    rows = []
    by_run = [(run.name, run.per_tag) for run in runs]
    for tag in by_run[0][1] if by_run else ():
        for name, per_tag in by_run:
            rows.append([tag, name, *(_fmt(k, per_tag[tag][k]) for k in TAG_COLUMNS)])
    return _table(["tag", "pipeline", *TAG_COLUMNS.values()], rows) if rows else ""


def indicator_path_table(runs: Sequence[PipelineRun]) -> str:
    """Accuracy by question type with and without the indicator path (same run)."""
    by = {r.name: r.per_type for r in runs}
    if "default" not in by or "no-indicators" not in by:
        return ""
    rows = []
    for t in (*INDICATOR_TYPES, "all"):
        if t == "all":
            w = next(r for r in runs if r.name == "default").figures["accuracy"]
            wo = next(r for r in runs if r.name == "no-indicators").figures["accuracy"]
            n = len(runs[0].results)
        else:
            if t not in by["default"]:
                continue
            w, wo = by["default"][t]["accuracy"], by["no-indicators"][t]["accuracy"]
            n = by["default"][t]["questions"]
        rows.append((t, str(n), _fmt("accuracy", wo), _fmt("accuracy", w)))
    return _table(["type", "n", "without indicators", "with indicators (default)"], rows)


def failures_markdown(run: PipelineRun) -> str:
    """Every failed question: question, answer given, gold answer, top citation, judge verdict."""
    out = []
    for r in run.failures:
        item, answer = r.item, r.answer
        rank = f"evidence at rank {r.rank}" if r.rank else "evidence not retrieved"
        kinds = " · ".join((item.type, *item.tags))
        head = f"**{item.id}** · {kinds} · " + (rank if item.answerable else "unanswerable")
        if r.judge is not None and r.judge.same is not None:
            head += " · **judged correct**" if r.judge.same else " · judged wrong"
        given = "(abstained) " if answer.abstained else ""
        gold = item.answer if item.answerable else "(should abstain)"
        must = " + ".join("|".join(e) for e in item.must_include)
        lines = [
            head,
            f"- question: {item.question}",
            f"- answer given: {given}{one_line(answer.text) or '—'}",
            f"- gold: {gold}" + (f" (must include: {must})" if must else ""),
        ]
        if answer.citations:
            c = answer.citations[0]
            lines.append(f"- top citation: {c.doc_id} ¶{c.paragraph}: “{one_line(c.quote)}”")
        else:
            lines.append("- top citation: —")
        if r.judge is not None:
            if r.judge.same is None:
                lines.append(f"- LLM judge: no verdict, {r.judge.reply}")
            else:
                outcome = "same fact: counted in judged acc." if r.judge.same else "not the same"
                lines.append(f"- LLM judge: “{r.judge.reply}” ({outcome})")
        out.append("\n".join(lines))
    return "\n\n".join(out) if out else "None."


FIGURES_EXPLAINED = (
    "Figures are fractions (latency in ms). Accuracy: answerable questions answered with every "
    "must_include matched, unanswerable ones abstained. R@k/MRR: a top-k retrieved paragraph "
    "contains gold evidence. cite P/R: citation precision and recall. abstain P/R: "
    "abstention precision and recall on unanswerable questions. answered / answerable but "
    "declined / acc. when answered / false abstentions: what abstention costs on answerable "
    "questions."
)


def _judge_markdown(meta: Mapping[str, Any]) -> list[str]:
    judge = meta.get("judge") or {}
    if judge.get("skipped"):
        return [f"{judge['skipped']}.", ""]
    if judge:
        return [
            f"LLM judge ({judge['label']}): judged acc. also counts answered questions that "
            "missed must_include but that the judge found to state the same fact and figures "
            "as the gold answer. All other figures, and the gate, are strict.",
            "",
        ]
    return []


def _gate_markdown(gate: Mapping[str, Any]) -> list[str]:
    status = "passed" if not gate["failures"] else "FAILED"
    section = f", {gate['section']}" if gate.get("section") else ""
    parts = [f"**Gate ({gate['pipeline']} vs `{gate['thresholds']}`{section}): {status}**", ""]
    parts += [f"- {line}" for line in gate["failures"]]
    return parts + ([""] if gate["failures"] else [])


def extraction_markdown(extraction: Mapping[str, Any]) -> str:
    """Precision and recall of indicator extraction on one gold file, with its faults."""
    located = ""
    if extraction.get("by_sentence"):
        located = (
            f" {extraction['by_sentence']} of them are located by their verbatim sentence (the "
            "parsed paragraph that contains it)"
            + (
                f"; {extraction['unlocated']} sentences are in no parsed paragraph and count "
                "as missed."
                if extraction.get("unlocated")
                else "."
            )
        )
    parts = [
        f"Gold `{extraction['gold_file']}`: {extraction['gold']} hand-labelled figures in "
        f"{extraction['paragraphs']} paragraphs of {', '.join(extraction['documents'])}."
        f"{located} Precision = correct records / records extracted from those paragraphs; "
        "recall = gold figures matched / gold figures (same paragraph, value, unit, kind, "
        "result/target, year, and a matching name). Loading, parsing and extracting the corpus "
        f"took {extraction['extract_ms']:.0f} ms.",
        "",
        _table(
            ["figure", "value"],
            [
                ("precision", _fmt("precision", extraction["precision"])),
                ("recall", _fmt("recall", extraction["recall"])),
                ("extracted in labelled paragraphs", str(extraction["extracted"])),
                ("correct", str(extraction["correct"])),
            ],
        ),
        "",
    ]
    for label, key in (("Wrong records", "wrong"), ("Missed figures", "missed")):
        if extraction[key]:
            parts += [f"{label}:", ""]
            parts += [f"- `{json.dumps(x, ensure_ascii=False)}`" for x in extraction[key]]
            parts += [""]
    return "\n".join(parts)


def tracking_markdown(t: Mapping[str, Any]) -> str:
    """Pair precision and recall and verdict accuracy on one gold file, with the faults."""
    parts = [
        f"Gold `{t['gold_file']}`: {t['gold']} hand-labelled target/result pairs, "
        f"{len(t['indicators'])} indicators ({'、'.join(t['indicators'])}), {len(t['years'])} "
        f"years. The labels hold every pair of their indicators in the {t['reports']} reports. "
        "Precision = pairs built for those indicators that match a label (indicator, year, and "
        "each side's report, value and sentence) / pairs built; recall = labels matched / "
        "labels; verdict accuracy over the matched pairs. "
        f"Building all {t['pairs_total']} pairs of the corpus took {t['build_ms']:.0f} ms.",
        "",
        _table(
            ["figure", "value"],
            [
                ("pair precision", _fmt("x", t["pair_precision"])),
                ("pair recall", _fmt("x", t["pair_recall"])),
                ("verdict accuracy", _fmt("x", t["verdict_accuracy"])),
                ("pairs built in scope", str(t["built"])),
                ("matched", str(t["matched"])),
            ],
        ),
        "",
    ]
    for label, key in (
        ("Pairs matching no label", "wrong"),
        ("Labels not matched", "missed"),
        ("Wrong verdicts", "wrong_verdicts"),
    ):
        if t[key]:
            parts += [f"{label}:", ""]
            parts += [f"- `{json.dumps(x, ensure_ascii=False)}`" for x in t[key]]
            parts += [""]
    return "\n".join(parts)


def _suite_markdown(
    runs: Sequence[PipelineRun],
    meta: Mapping[str, Any],
    gate: Mapping[str, Any] | None,
    level: int,
) -> list[str]:
    """The sections of one suite's report, headings from `level` down."""
    h, sub = "#" * level, "#" * (level + 1)
    parts = _gate_markdown(gate) if gate is not None else []
    if len(runs) > 1:
        parts += [f"{h} Comparison", "", comparison_table(runs), ""]
    path_table = indicator_path_table(runs)
    if path_table:
        parts += [f"{h} Indicator path", "", "Accuracy by question type, same run:", ""]
        parts += [path_table, ""]
    tags = tag_table(runs)
    if tags:
        parts += [
            f"{h} Tagged questions",
            "",
            "two-year: questions that need the right one of two years; near-miss: unanswerable "
            "questions close to what the reports give; glossary-confusable: questions whose "
            "answer a report's glossary or notes could be mistaken for.",
            "",
            tags,
            "",
        ]
    extraction = meta.get("indicators")
    if extraction:
        parts += [f"{h} Indicator extraction", "", extraction_markdown(extraction)]
    tracking = meta.get("tracking")
    if tracking:
        parts += [f"{h} Target tracking", "", tracking_markdown(tracking)]
    for run in runs:
        f = run.figures
        parts += [
            f"{h} Pipeline `{run.name}`",
            "",
            f"Indexing {run.index_seconds:.1f} s, asking {run.ask_seconds:.1f} s. "
            f"{f['false_abstentions']} of {f['answerable']} answerable questions abstained "
            f"({f['false_abstentions_evidence_in_top5']} of them with gold evidence in the top 5).",
            "",
        ]
        parts += [f"Note: {n}" for n in run.notes] + ([""] if run.notes else [])
        figures = headline([run])
        parts += [_table(["figure", "value"], ((k, _fmt(k, f[k])) for k in figures)), ""]
        parts += [f"{sub} By question type", "", per_type_table(run), ""]
        failed = f"{len(run.failures)}"
        if run.judge is not None:
            failed += f"; {sum(r.judged_correct for r in run.failures)} judged correct"
        parts += [f"{sub} Failed questions ({failed})", "", failures_markdown(run), ""]
    return parts


def render_markdown(
    runs: Sequence[PipelineRun], meta: Mapping[str, Any], gate: Mapping[str, Any] | None = None
) -> str:
    """The report of one QA set (markdown)."""
    parts = [
        "# Evaluation report",
        "",
        f"QA set `{meta['qa']}` ({meta['questions']} questions) over `{meta['corpus']}`; "
        f"{meta['created']}; {meta['seconds']:.1f} s.",
        "",
        FIGURES_EXPLAINED,
        "",
    ]
    parts += _judge_markdown(meta)
    parts += _suite_markdown(runs, meta, gate, level=2)
    return "\n".join(parts)


def _suite_data(
    runs: Sequence[PipelineRun], meta: Mapping[str, Any], gate: Mapping[str, Any] | None
) -> dict[str, Any]:
    return {
        **meta,
        "comparison": {run.name: {k: run.figures[k] for k in headline(runs)} for run in runs},
        "gate": gate,
        "runs": [run.to_dict() for run in runs],
    }


def _write(out_dir: str | Path, data: Mapping[str, Any], markdown: str) -> tuple[Path, Path]:
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{out}: cannot create the report folder ({exc.strerror})") from None
    json_path, md_path = out / "report.json", out / "report.md"
    json_path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    md_path.write_text(markdown, encoding="utf-8")
    return md_path, json_path


def write_report(
    runs: Sequence[PipelineRun],
    out_dir: str | Path,
    meta: Mapping[str, Any],
    gate: Mapping[str, Any] | None = None,
) -> tuple[Path, Path]:
    """Write report.json and report.md of one QA set into `out_dir`; returns their paths."""
    return _write(out_dir, _suite_data(runs, meta, gate), render_markdown(runs, meta, gate))


def suite_summary(result: SuiteResult) -> str:
    """What `assistant eval` prints of a suite: headline figures per pipeline, figures per
    question type of the gated (else first) pipeline, the indicator-path and tagged-question
    tables, and the extraction precision and recall."""
    runs = result.runs
    main = next((r for r in runs if r.name == "default"), runs[0])
    parts = [comparison_table(runs), "", f"By question type ({main.name}):", per_type_table(main)]
    path_table = indicator_path_table(runs)
    if path_table:
        parts += ["", "Indicator path, accuracy by question type:", path_table]
    tags = tag_table(runs)
    if tags:
        parts += ["", "Tagged questions:", tags]
    x = result.indicators
    if x:
        parts += [
            "",
            f"Indicator extraction on {x['gold']} labelled figures ({Path(x['gold_file']).name}): "
            f"precision {_fmt('precision', x['precision'])}, "
            f"recall {_fmt('recall', x['recall'])}",
        ]
    t = result.tracking
    if t:
        parts += [
            "",
            f"Target tracking on {t['gold']} labelled pairs ({Path(t['gold_file']).name}): "
            f"pair precision {_fmt('x', t['pair_precision'])}, "
            f"recall {_fmt('x', t['pair_recall'])}, "
            f"verdict accuracy {_fmt('x', t['verdict_accuracy'])}; "
            f"{t['pairs_total']} pairs built in {t['build_ms']:.0f} ms",
        ]
    return "\n".join(parts)


def render_suites_markdown(
    suites: Sequence[SuiteResult],
    meta: Mapping[str, Any],
    gate: Mapping[str, Any] | None = None,
) -> str:
    """The report of several suites (markdown): each suite's sections under its own heading."""
    listed = "; ".join(
        f"`{s.name}`: `{s.meta['qa']}` ({s.meta['questions']} questions) over `{s.meta['corpus']}`"
        for s in suites
    )
    parts = [
        "# Evaluation report",
        "",
        f"Suites {listed}; {meta['created']}; {meta['seconds']:.1f} s. Each suite indexes its "
        "own corpus and is gated on its own minimums.",
        "",
        FIGURES_EXPLAINED,
        "",
    ]
    parts += [f"Note: {n}" for n in meta.get("notes", [])] + ([""] if meta.get("notes") else [])
    parts += _judge_markdown(meta)
    if gate is not None:
        status = "passed" if not gate["failures"] else "FAILED"
        parts += [f"**Gate: {status}**", ""]
        parts += [f"- {line}" for line in gate["failures"]]
        parts += [""] if gate["failures"] else []
    for s in suites:
        parts += [f"## Suite `{s.name}`", ""]
        parts += _suite_markdown(s.runs, s.meta, s.gate, level=3)
    return "\n".join(parts)


def write_suites_report(
    suites: Sequence[SuiteResult],
    out_dir: str | Path,
    meta: Mapping[str, Any],
    gate: Mapping[str, Any] | None = None,
) -> tuple[Path, Path]:
    """Write report.json and report.md of several suites into `out_dir`; returns their paths.

    report.json keeps the keys of a one-suite report for the first suite (qa, corpus,
    questions, indicators, comparison, runs) and holds every suite under `suites`.
    """
    data = {s.name: _suite_data(s.runs, s.meta, s.gate) for s in suites}
    first = data[suites[0].name]
    out = {**first, **meta, "gate": gate, "suites": data}
    return _write(out_dir, out, render_suites_markdown(suites, meta, gate))
