"""Hostile and careless input, measured: `python -m eval.hardening` from the repository root.

- memory: a fresh process serving the bundled reports ingests one generated file and reports
  its peak resident memory above what it used while serving (Linux: VmHWM, reset before the
  ingest). Files: a zip-bomb .docx (2 MB packed, 2 GB unpacked: refused), the heaviest .docx
  the bounds accept (19 MB of XML in one-character formatted runs), a PDF at its content
  bounds, and a web page near every bound that still accepts it.
- latency: while one thread uploads a 2.7 MB one-line .txt (900,000 characters, one full stop)
  through the web UI's upload handler, and its vectors are then computed in the background,
  another asks QA-set questions through its chat handler, one after another; p50/p95/max of
  their latency, and the first answers after the report is embedded.
- batch: `assistant batch` over 100 QA-set questions with 5 malformed lines among them: what
  the output holds.

Prints the figures and writes eval/out/hardening.json. Timings depend on how busy the machine
is: the JSON records the load average before and after.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
import zipfile
from pathlib import Path
from typing import Any

from assistant import Assistant, Settings

from .perf import ROOT, log, machine, qa_questions, rss_mb, summary_ms

DATA = ROOT / "data"
PARTS = ("memory", "latency", "batch")


# -- generated inputs -----------------------------------------------------------------------


def _docx_template() -> tuple[zipfile.ZipFile, bytes, bytes]:
    import docx

    buffer = io.BytesIO()
    docx.Document().save(buffer)
    package = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    head, sep, tail = package.read("word/document.xml").partition(b"<w:body>")
    return package, head + sep, tail


def _write_docx(path: Path, write_body) -> None:
    package, head, tail = _docx_template()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for item in package.infolist():
            if item.filename != "word/document.xml":
                out.writestr(item.filename, package.read(item.filename))
        with out.open("word/document.xml", "w", force_zip64=True) as body:
            body.write(head)
            write_body(body)
            body.write(tail)


def zip_bomb_docx(path: Path, unpacked: int = 2_000_000_000) -> Path:
    """A valid .docx whose document.xml is `unpacked` bytes, mostly blank: about 2 MB packed."""
    chunk = b" " * 16_000_000

    def body(out) -> None:
        for _ in range(unpacked // len(chunk)):
            out.write(chunk)

    _write_docx(path, body)
    return path


def heavy_docx(path: Path, xml_bytes: int = 19_000_000) -> Path:
    """The heaviest .docx the bounds accept: one-character runs, each with its formatting."""
    rng = random.Random(1)
    chars = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]

    def body(out) -> None:
        written = 0
        while written < xml_bytes:
            runs = "".join(
                f'<w:r><w:rPr><w:rFonts w:ascii="F{rng.randrange(99)}" w:eastAsia="宋体"/>'
                f'<w:color w:val="{rng.randrange(16**6):06X}"/>'
                f'<w:sz w:val="{rng.randrange(10, 60)}"/><w:b/><w:i/></w:rPr>'
                f'<w:t xml:space="preserve">{rng.choice(chars)}</w:t></w:r>'
                for _ in range(20)
            )
            paragraph = (
                f'<w:p><w:pPr><w:spacing w:after="{rng.randrange(999)}"/></w:pPr>{runs}</w:p>'
            )
            data = paragraph.encode()
            out.write(data)
            written += len(data)

    _write_docx(path, body)
    return path


def pdf_at_bounds(path: Path, pages: int = 12, per_page: int = 3_990_000) -> Path:
    """A PDF of 48 MB of content in all (the bound is 50 MB): on each page a line of text,
    then as many operators as pypdf parses in one stream (2 million tokens)."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    op = b"q\nQ\n"
    writer = PdfWriter()
    for n in range(pages):
        text = f"BT /F1 12 Tf 50 800 Td (Page {n + 1}: the economy grew 6 percent!) Tj ET\n"
        page = writer.add_blank_page(width=595, height=842)
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})}
        )
        stream = DecodedStreamObject()
        stream.set_data(text.encode() + op * (per_page // len(op)))
        page[NameObject("/Contents")] = writer._add_object(stream.flate_encode())
    with path.open("wb") as out:
        writer.write(out)
    return path


def crowded_html(path: Path, paragraphs: int = 19_500) -> Path:
    """A web page near every bound that still accepts it: 19,500 paragraphs of 45
    characters (under 1 million characters and 20,000 paragraphs), each in its own elements
    (too many for trafilatura's fallback extractors), 4.5 MB."""
    rng = random.Random(3)
    chars = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]
    cells = [
        f'<div class="c{rng.randrange(99)}"><p>{"".join(rng.choices(chars, k=44))}。</p></div>'
        for _ in range(paragraphs)
    ]
    path.write_text(f"<html><body>{''.join(cells)}</body></html>", encoding="utf-8")
    return path


def one_line_report(path: Path, chars: int = 900_000) -> Path:
    """The bundled city report without punctuation or spaces, repeated into one line of
    `chars` characters ending in one full stop (2.6 MB, under every size limit)."""
    text = (DATA / "neijiang-2024.txt").read_text(encoding="utf-8")
    base = "".join(ch for ch in text if unicodedata.category(ch)[0] not in "PZC")
    path.write_text((base * (chars // len(base) + 1))[: chars - 1] + "。", encoding="utf-8")
    return path


# -- memory ---------------------------------------------------------------------------------

CHILD = """
import json, sys, time
from assistant import Assistant, Settings
from eval.perf import rss_mb
store, cache, path = sys.argv[1:4]
a = Assistant(settings=Settings.from_env(env={}, store_dir=store, cache_dir=cache))
a.warm_up()
a.ask("2023年内江市地区生产总值是多少？")
serving = rss_mb()["rss"]
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")  # VmHWM := VmRSS
t0 = time.perf_counter()
report = a.ingest([path])
seconds = time.perf_counter() - t0
print(json.dumps({"serving_mb": serving, "peak_mb": rss_mb()["peak"], "seconds": round(seconds, 1),
                  "added": list(report.added), "failed": [r for _, r in report.failed]}))
"""


MEMORY_FILES = {
    "bomb": ("zip-bomb .docx", zip_bomb_docx, "bomb.docx"),
    "docx": ("heaviest accepted .docx", heavy_docx, "heavy.docx"),
    "pdf": ("PDF at its content bounds", pdf_at_bounds, "bounds.pdf"),
    "html": ("web page near its bounds", crowded_html, "crowded.html"),
}


def measure_memory(
    store: Path, cache: Path, work: Path, which: list[str] | None = None
) -> list[dict[str, Any]]:
    rows = []
    for key in which or list(MEMORY_FILES):
        name, generate, filename = MEMORY_FILES[key]
        log(f"memory: generating the {name}")
        path = generate(work / filename)
        copy = work / f"store-{path.stem}"
        shutil.copytree(store, copy)
        log(f"memory: ingesting {path.name} ({path.stat().st_size / 1e6:.1f} MB)")
        proc = subprocess.run(
            [sys.executable, "-c", CHILD, str(copy), str(cache), str(path)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=3600,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"memory child failed: {proc.stderr.strip()[-800:]}")
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        result.update(
            file=name,
            packed_mb=round(path.stat().st_size / 1e6, 1),
            above_serving_mb=round(result["peak_mb"] - result["serving_mb"], 1),
        )
        rows.append(result)
        path.unlink()
        shutil.rmtree(copy)
    return rows


# -- latency --------------------------------------------------------------------------------


def measure_latency(store: Path, cache: Path, work: Path, after: int = 10) -> dict[str, Any]:
    from assistant.ui import ChatApp

    copy = work / "store-latency"
    shutil.copytree(store, copy)
    a = Assistant(settings=Settings.from_env(env={}, store_dir=copy, cache_dir=cache))
    app = ChatApp(a, notify=lambda level, message: None, uploads_dir=work / "uploads")
    upload = one_line_report(work / "one-line-report.txt")
    questions = qa_questions()

    def ask(question: str) -> float:
        t0 = time.perf_counter()
        *_, (chat, _, _) = list(app.respond(question, [], []))
        assert "qa-error" not in str(chat[-1]["content"]), chat[-1]
        return time.perf_counter() - t0

    for q in questions[:3]:
        ask(q)  # warm
    during: list[float] = []
    result: dict[str, Any] = {}

    def run_upload() -> None:
        t0 = time.perf_counter()
        _, html, *_ = app.upload([str(upload)])
        result["upload_s"] = round(time.perf_counter() - t0, 1)
        result["upload_result"] = html

    log(f"latency: uploading {upload.name} ({upload.stat().st_size / 1e6:.1f} MB) while asking")
    uploader = threading.Thread(target=run_upload)
    t_upload = time.perf_counter()
    uploader.start()
    n = 0
    # The upload indexes the report, then its vectors are computed in the background: ask
    # until both are done.
    while uploader.is_alive() or a.pending():
        during.append(ask(questions[n % len(questions)]))
        n += 1
        if n % 50 == 0:
            log(f"latency: {n} questions so far")
    result["embedded_after_s"] = round(time.perf_counter() - t_upload, 1)
    uploader.join()
    # The first questions after the upload also rebuild the lexical index with its units.
    later = [ask(questions[(n + i) % len(questions)]) for i in range(after)]
    doc = next(d for d in a.documents() if d.doc_id == upload.name)
    units = len(a.store.units([doc.content_hash], doc_id=doc.doc_id))
    return {
        **result,
        "questions_during_upload_ms": summary_ms(during),
        "first_questions_after_ms": summary_ms(later),
        "first_question_after_ms": round(later[0] * 1000, 1),
        "units_of_the_upload": units,
    }


# -- batch ----------------------------------------------------------------------------------


def measure_batch(store: Path, cache: Path, work: Path, n: int = 100) -> dict[str, Any]:
    questions = qa_questions()[:n]
    bad = [
        '{"id": "bad-json", "question": "少了引号}',
        '{"id": "no-question", "text": "x"}',
        '{"id": "lone", "question": "\\ud800地区生产总值"}',
        "[1, 2, 3]",
        '{"id": "empty", "question": "？？"}',
    ]
    lines = [
        json.dumps({"id": f"q{i}", "question": q}, ensure_ascii=False)
        for i, q in enumerate(questions)
    ]
    step = len(lines) // len(bad)
    for k, line in enumerate(bad):
        lines.insert(k * (step + 1) + step // 2, line)
    src = work / "batch.jsonl"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = work / "answers.jsonl"
    copy = work / "store-batch"
    shutil.copytree(store, copy)
    cmd = [sys.executable, "-m", "assistant.cli", "batch", str(src), "-o", str(out)]
    cmd += ["--store", str(copy)]
    # Extractive mode, whatever this shell has configured.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "ASSISTANT_"))}
    env["ASSISTANT_CACHE_DIR"] = str(cache)
    t0 = time.perf_counter()
    first = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env, timeout=3600)
    seconds = time.perf_counter() - t0
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    again = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env, timeout=3600)
    return {
        "input_lines": len(lines),
        "malformed_lines": len(bad),
        "exit_code": first.returncode,
        "seconds": round(seconds, 1),
        "output_records": len(rows),
        "answers": sum(1 for r in rows if "error" not in r),
        "error_records": [{k: r[k] for k in ("id", "line", "error")} for r in rows if "error" in r],
        "summary": first.stderr.strip().splitlines()[-1] if first.stderr.strip() else "",
        "resume_exit_code": again.returncode,
        "resume_summary": again.stderr.strip().splitlines()[-1] if again.stderr.strip() else "",
        "resume_added_lines": len(out.read_text(encoding="utf-8").splitlines()) - len(rows),
    }


# -- main -----------------------------------------------------------------------------------


def _bundled_store(work: Path, cache: Path) -> Path:
    store = work / "store"
    log("indexing data/ into a fresh store")
    report = Assistant(settings=Settings.from_env(env={}, store_dir=store, cache_dir=cache)).ingest(
        [DATA]
    )
    if report.failed:
        raise RuntimeError(f"indexing data/ failed: {report.failed}")
    return store


def render(result: dict[str, Any]) -> str:
    lines = ["memory (peak above the serving process's resident memory):"]
    for row in result.get("memory", []):
        outcome = (
            "indexed" if row["added"] else f"refused: {row['failed'][0] if row['failed'] else '?'}"
        )
        lines.append(
            f"  {row['file']}: {row['packed_mb']} MB file, +{row['above_serving_mb']} MB "
            f"(serving {row['serving_mb']} MB, peak {row['peak_mb']} MB), {row['seconds']} s; {outcome}"
        )
    if "latency" in result:
        lat = result["latency"]
        during = lat["questions_during_upload_ms"]
        lines.append(
            f"latency while uploading the one-line report (indexed in {lat['upload_s']} s, "
            f"embedded after {lat['embedded_after_s']} s, {lat['units_of_the_upload']} units): "
            f"{during.get('n', 0)} questions, "
            f"p50 {during.get('p50')} ms, p95 {during.get('p95')} ms, max {during.get('max')} ms; "
            f"first question after: {lat['first_question_after_ms']} ms"
        )
    if "batch" in result:
        b = result["batch"]
        lines.append(
            f"batch: {b['input_lines']} lines ({b['malformed_lines']} malformed) -> exit "
            f"{b['exit_code']}, {b['output_records']} records ({b['answers']} answers, "
            f"{len(b['error_records'])} errors) in {b['seconds']} s; resume: exit "
            f"{b['resume_exit_code']}, {b['resume_added_lines']} lines added"
        )
        for e in b["error_records"]:
            lines.append(f"  line {e['line']} (id {e['id']}): {e['error']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.hardening", description=__doc__)
    parser.add_argument("--store", type=Path, help="a store of data/ to copy (default: built)")
    parser.add_argument("--cache", type=Path, help="embedding cache (default: a fresh one)")
    parser.add_argument("--only", default=",".join(PARTS), help=f"some of {','.join(PARTS)}")
    parser.add_argument(
        "--files",
        default=",".join(MEMORY_FILES),
        help=f"files for the memory part: some of {','.join(MEMORY_FILES)}",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "eval" / "out" / "hardening.json")
    args = parser.parse_args(argv)
    parts = [p for p in args.only.split(",") if p]
    unknown = set(parts) - set(PARTS)
    if unknown:
        parser.error(f"unknown part(s): {', '.join(sorted(unknown))}")
    result: dict[str, Any] = {"machine_before": machine()}
    with tempfile.TemporaryDirectory(prefix="hardening-") as tmp:
        work = Path(tmp)
        cache = args.cache or work / "cache"
        store = args.store or _bundled_store(work, cache)
        if "memory" in parts:
            result["memory"] = measure_memory(store, cache, work, args.files.split(","))
        if "latency" in parts:
            result["latency"] = measure_latency(store, cache, work)
        if "batch" in parts:
            result["batch"] = measure_batch(store, cache, work)
    result["machine_after"] = machine()
    result["rss_of_this_process_mb"] = rss_mb()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    print(render(result))
    log(f"-> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
