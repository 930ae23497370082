"""The UI package: its public names, and the data files an installed wheel must carry."""

from __future__ import annotations

import fnmatch

import pytest

import assistant.ui
from assistant.ui.server import page_script, stylesheet

from .helpers import ROOT


def test_ui_exports_the_names_the_app_and_tests_import():
    assert sorted(assistant.ui.__all__) == sorted(
        [
            "MAX_UPLOAD_BYTES",
            "ChatApp",
            "StartupIndex",
            "UploadRejected",
            "card_id",
            "highlight",
            "link_markers",
            "render_answer",
            "render_citation",
            "render_documents",
            "render_header",
            "render_indicator_detail",
            "render_track_chart",
            "render_track_detail",
            "render_upload_result",
            "safe_upload_name",
            "serve",
            "stage_upload",
        ]
    )
    assert all(hasattr(assistant.ui, name) for name in assistant.ui.__all__)


def test_stylesheet_and_page_script_are_read_from_the_package():
    css = stylesheet()
    assert ".cite-card" in css and ".doc-table" in css
    assert "a.cite-ref" in page_script()


def test_every_data_file_of_the_package_is_declared_as_package_data():
    tomllib = pytest.importorskip("tomllib")
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["assistant"]
    package = ROOT / "assistant"
    data = [
        p.relative_to(package).as_posix()
        for p in package.rglob("*")
        if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts
    ]
    assert {"ui/style.css", "ui/page.js"} <= set(data)
    missing = [f for f in data if not any(fnmatch.fnmatch(f, pat) for pat in patterns)]
    assert not missing, f"not in [tool.setuptools.package-data]: {missing}"
