"""What a command-line question loads: no module it does not use, and jieba's compact
dictionary instead of the whole one, with the same tokens."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from assistant import lexicon

from .helpers import CITY, DISTRICT, ROOT

QUESTION = "2023年内江市地区生产总值是多少？"

# Run `assistant ask` in a fresh interpreter and report what it imported and which form of
# jieba's dictionary it used.
_PROBE = """
import json, sys
from assistant.cli import main
code = main(sys.argv[1:])
from assistant import lexicon
# Which dictionary was loaded is what the test is about; no public call tells.
print(json.dumps({
    "code": code,
    "modules": sorted(sys.modules),
    "full_dictionary": lexicon._Jieba._tok is not None,
    "compact_dictionary": lexicon._Jieba._light is not None,
}))
"""


def _ask(store, cache, *extra: str, key: str = "") -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "ASSISTANT_"))}
    env.update(ASSISTANT_CACHE_DIR=str(cache), PYTHONPATH=str(ROOT))
    if key:
        env["OPENAI_API_KEY"] = key
        env["OPENAI_BASE_URL"] = "http://127.0.0.1:9"  # never reached: nothing is asked
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, *extra, "--store", str(store)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    *output, probe = proc.stdout.strip().splitlines()
    return {**json.loads(probe), "output": "\n".join(output)}


def _top(modules: list[str]) -> set[str]:
    return {m.split(".")[0] for m in modules}


def test_cli_ask_imports_neither_gradio_nor_langchain_nor_openai(store_copy, tmp_path):
    run = _ask(store_copy, tmp_path / "cache", "ask", QUESTION)
    assert run["code"] == 0
    loaded = _top(run["modules"])
    for unused in ("gradio", "langchain_core", "langchain_openai", "langsmith", "openai"):
        assert unused not in loaded, f"assistant ask imported {unused}"
    assert "matplotlib" not in loaded
    assert "assistant.ui" not in run["modules"]


def test_cli_ask_on_a_current_store_answers_without_starting_chroma(store_copy, tmp_path):
    cache = tmp_path / "cache"
    for args in (("ask", QUESTION), ("docs",), ("ask", QUESTION, "--json")):
        run = _ask(store_copy, cache, *args)
        assert run["code"] == 0
        assert "chromadb" not in _top(run["modules"]), args
    answer = json.loads(run["output"])
    assert "1800亿元" in answer["text"] and answer["citations"]


def test_cli_ask_on_a_store_changed_behind_its_files_reads_chroma(store_copy, tmp_path):
    (store_copy / "generation").write_text("changed-elsewhere", encoding="ascii")
    run = _ask(store_copy, tmp_path / "cache", "ask", QUESTION)
    assert run["code"] == 0 and "chromadb" in _top(run["modules"])


def test_cli_docs_imports_no_tokenizer_and_no_model(store_copy, tmp_path):
    run = _ask(store_copy, tmp_path / "cache", "docs")
    assert run["code"] == 0
    assert not {"gradio", "langchain_core", "openai"} & _top(run["modules"])
    assert not run["full_dictionary"]


def test_second_cli_ask_reads_the_compact_dictionary_not_the_whole_one(store_copy, tmp_path):
    cache = tmp_path / "cache"
    first = _ask(store_copy, cache, "ask", QUESTION)
    assert first["full_dictionary"]  # nothing compact yet: loaded whole, and written
    assert list(cache.glob("jieba-*-dictionary-*.sqlite"))
    second = _ask(store_copy, cache, "ask", QUESTION, "--json")
    assert second["compact_dictionary"] and not second["full_dictionary"]


def test_llm_mode_still_loads_the_llm_chain(store_copy, tmp_path):
    run = _ask(store_copy, tmp_path / "cache", "docs", key="sk-test-not-used")
    # `docs` builds the Assistant, which builds the LLM answerer when a key is set.
    assert "langchain_core" in _top(run["modules"])


def test_compact_dictionary_gives_the_same_tokens_and_tags_as_jiebas(tmp_path):
    import jieba

    # The two dictionary forms side by side; the public tokenizer loads only one of them.
    full, full_pos = lexicon._Jieba.full(), lexicon._Jieba.pos()
    # jieba's own dictionary, as written when it is missing; the policy terms are added to
    # both forms when they are opened.
    base = jieba.Tokenizer()
    base.initialize()
    path = tmp_path / "dictionary.sqlite"
    lexicon._CompactDict.write(path, base.FREQ, base.total, lexicon.word_tags())
    tok, pos = lexicon.compact_tokenizers(path)
    text = CITY.read_text(encoding="utf-8") + DISTRICT.read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.strip()][:400]
    assert len(lines) > 80
    for line in [*lines, QUESTION, "GDP增长多少？", "内江市市中区2024年新增城镇就业目标"]:
        norm = lexicon.normalize(line)
        assert tok.lcut_for_search(norm) == full.lcut_for_search(norm), line
        assert [(w.word, w.flag) for w in pos.lcut(norm)] == [
            (w.word, w.flag) for w in full_pos.lcut(norm)
        ], line
