"""The `assistant` command end to end in a temporary store."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from assistant.cli import main

from .conftest import CITY, DATA


def test_ingest_ask_docs_delete_round_trip(store_copy, capsys, cache_dir):
    store = str(store_copy)
    assert main(["ingest", str(DATA), "--store", store]) == 0
    assert "unchanged 2" in capsys.readouterr().out

    assert main(["ask", "2023年内江市地区生产总值是多少？", "--store", store]) == 0
    out = capsys.readouterr().out
    assert "1800亿元" in out and "[1]" in out and "第" in out

    assert main(["ask", "2023年内江市地区生产总值是多少？", "--json", "--store", store]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["citations"][0]["doc_id"] == CITY.name and not d["abstained"]

    assert main(["docs", "--store", store]) == 0
    assert CITY.name in capsys.readouterr().out

    assert main(["delete", CITY.name, "--store", store]) == 0
    assert main(["docs", "--json", "--store", store]) == 0
    out = capsys.readouterr().out
    assert [d["doc_id"] for d in json.loads(out.split("\n", 1)[1])] == [
        "neijiang-shizhong-2024.txt"
    ]


def test_docs_lists_region_level_year_and_the_years_reviewed_and_planned(store_copy, capsys):
    assert main(["docs", "--store", str(store_copy)]) == 0
    lines = capsys.readouterr().out.splitlines()
    city = next(line for line in lines if line.startswith(CITY.name)).split("\t")
    assert city[2:7] == ["内江市", "市", "2024", "review 2023", "plan 2024"]

    assert main(["docs", "--json", "--store", str(store_copy)]) == 0
    docs = {d["doc_id"]: d for d in json.loads(capsys.readouterr().out)}
    city_doc = docs[CITY.name]
    assert (city_doc["region"], city_doc["level"], city_doc["year"]) == ("内江市", "市", 2024)
    assert (city_doc["review_years"], city_doc["plan_years"]) == ([2023], [2024])


def test_user_errors_exit_nonzero_with_one_line_and_no_traceback(tmp_path, cache_dir):
    env = {**os.environ, "ASSISTANT_CACHE_DIR": str(cache_dir)}
    cases = [
        ["delete", "nope.txt", "--store", str(tmp_path / "s")],
        ["ask", "你好", "--store", str(tmp_path / "empty")],
        ["batch", str(tmp_path / "missing.jsonl"), "-o", str(tmp_path / "o.jsonl")],
    ]
    for args in cases:
        proc = subprocess.run(
            [sys.executable, "-m", "assistant.cli", *args], capture_output=True, text=True, env=env
        )
        assert proc.returncode != 0, args
        assert "Traceback" not in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
        assert proc.stderr.startswith("assistant: error:")


def test_batch_writes_jsonl_and_resumes_without_redoing_answers(store_copy, tmp_path, capsys):
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        "\n".join(
            json.dumps({"id": i, "question": q}, ensure_ascii=False)
            for i, q in [
                ("a", "2023年内江市地区生产总值是多少？"),
                ("b", "市中区2024年新增城镇就业目标？"),
                ("c", ""),
            ]
        ),
        encoding="utf-8",
    )
    out = tmp_path / "answers.jsonl"
    # An interrupted earlier run: one answer done, then a half-written line.
    out.write_text('{"id": "a", "text": "earlier"}\n{"id": "b", "te', encoding="utf-8")
    assert main(["batch", str(questions), "-o", str(out), "--store", str(store_copy)]) == 0
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["a", "b", "c"]
    assert rows[0]["text"] == "earlier"  # not redone
    assert "5800" in rows[1]["text"]
    assert "error" in rows[2]  # the empty question is reported, the batch goes on


def test_batch_reads_csv_and_txt(store_copy, tmp_path):
    csv_in = tmp_path / "q.csv"
    csv_in.write_text("id,question\nx,2023年内江市地区生产总值是多少？\n", encoding="utf-8")
    txt_in = tmp_path / "q.txt"
    txt_in.write_text("市中区2024年新增城镇就业目标？\n", encoding="utf-8")
    for src in (csv_in, txt_in):
        out = tmp_path / f"{src.stem}-{src.suffix[1:]}.jsonl"
        assert main(["batch", str(src), "-o", str(out), "--store", str(store_copy)]) == 0
        assert len(out.read_text(encoding="utf-8").splitlines()) == 1
