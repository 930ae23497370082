"""The `assistant` command end to end in a temporary store."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

from assistant.cli import main

from .helpers import CITY, DATA, ROOT


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
    assert city[2:8] == ["内江市", "市", "2024", "review 2023", "plan 2024", "-"]

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


def test_batch_reports_each_bad_line_goes_on_and_resume_skips_them(store_copy, tmp_path, capsys):
    questions = tmp_path / "q.jsonl"
    lines = [
        json.dumps({"id": "a", "question": "2023年内江市地区生产总值是多少？"}, ensure_ascii=False),
        '{"id": "broken", "question": "少了引号}',
        '{"id": "lone", "question": "\\ud800地区生产总值"}',  # a lone surrogate
        json.dumps({"id": "q4", "text": "no question"}),
        json.dumps({"id": "b", "question": "市中区2024年新增城镇就业目标？"}, ensure_ascii=False),
    ]
    # Line 6: bytes that are not UTF-8.
    questions.write_bytes("\n".join(lines).encode() + b'\n{"question": "\xff\xfe"}\n')
    out = tmp_path / "answers.jsonl"
    store = ["--store", str(store_copy)]

    assert main(["batch", str(questions), "-o", str(out), *store]) == 0
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["a", "2", "lone", "q4", "b", "6"]
    assert "1800亿元" in rows[0]["text"] and "5800" in rows[4]["text"]
    errors = {r["id"]: (r["line"], r["error"]) for r in rows if "error" in r}
    assert errors == {
        "2": (2, "not JSON (Unterminated string starting at)"),
        "lone": (3, "not valid UTF-8 text"),
        "q4": (4, 'expected an object with a "question"'),
        "6": (6, "not valid UTF-8 text"),
    }
    assert "6 answered (0 already done, 4 with errors)" in capsys.readouterr().err
    before = out.read_bytes()

    assert main(["batch", str(questions), "-o", str(out), *store]) == 0
    assert out.read_bytes() == before  # every line, bad ones included, was done
    assert "0 answered (6 already done, 0 with errors)" in capsys.readouterr().err


def test_batch_output_path_errors_are_one_line(tmp_path, capsys):
    questions = tmp_path / "q.txt"
    questions.write_text("地区生产总值是多少？\n", encoding="utf-8")
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes\nmore notes\n", encoding="utf-8")
    cases = {
        str(tmp_path / "missing" / "out.jsonl"): "no such folder",
        str(tmp_path): "is a folder",
        str(questions): "is the input file",
        str(notes): "line 1 is not an answer record",
    }
    for output, reason in cases.items():
        code = main(["batch", str(questions), "-o", output, "--store", str(tmp_path / "s")])
        err = capsys.readouterr().err
        assert code == 2 and err.count("\n") == 1 and reason in err, (output, err)
    assert notes.read_text(encoding="utf-8") == "my notes\nmore notes\n"
    assert not (tmp_path / "missing").exists()


def test_indicators_name_search_lists_the_exact_name_first_as_the_ui_does(real_store, capsys):
    from assistant import Assistant, Settings

    stored = Assistant(settings=Settings.from_env(store_dir=real_store)).indicators(name="粮食产量")
    assert stored[0].name != "粮食产量", "the store lists the matches by paragraph"
    assert main(["indicators", "--name", "粮食产量", "--store", str(real_store)]) == 0
    names = [line.split("\t")[4] for line in capsys.readouterr().out.splitlines()]
    assert names[0] == "粮食产量"
    assert sorted(names) == sorted(r.name for r in stored)  # the same figures, ranked


def test_readme_lists_every_subcommand():
    from assistant.cli import build_parser, subcommands

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Command line\n", 1)[1].split("\n## ", 1)[0]
    block = section.split("```text\n", 1)[1].split("```", 1)[0]
    listed = re.findall(r"(?:^|\| )assistant ([a-z]+)", block, re.MULTILINE)
    assert sorted(set(listed)) == sorted(subcommands(build_parser()))


def test_app_py_takes_the_serve_commands_options():
    from app import parse_args as app_args
    from assistant.cli import build_parser

    serve = build_parser().parse_args(["serve", "--port", "9000", "--auth", "me:pw", "r.txt"])
    app = app_args(["--port", "9000", "--auth", "me:pw", "r.txt"], env={})
    shared = ("host", "port", "share", "auth", "paths", "store")
    assert {k: getattr(app, k) for k in shared if k != "host"} == {
        k: getattr(serve, k) for k in shared if k != "host"
    }
    assert serve.host is None and app.host == "127.0.0.1"  # serve resolves it when it starts
    assert serve.func.__name__ == "cmd_serve"
