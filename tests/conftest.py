from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
CITY = DATA / "neijiang-2024.txt"
DISTRICT = DATA / "neijiang-shizhong-2024.txt"


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory) -> Path:
    """One embedding cache for the whole run, so each text is embedded once."""
    path = tmp_path_factory.mktemp("embedding-cache")
    os.environ["ASSISTANT_CACHE_DIR"] = str(path)
    return path


@pytest.fixture(scope="session")
def real_store(tmp_path_factory, cache_dir) -> Path:
    """A store of the bundled reports, built once with the local embedder."""
    from assistant import Assistant, Settings

    store = tmp_path_factory.mktemp("store")
    a = Assistant(settings=Settings.from_env(store_dir=store, cache_dir=cache_dir))
    report = a.ingest([DATA])
    assert not report.failed, report.failed
    return store


@pytest.fixture(scope="session")
def assistant(real_store, cache_dir):
    from assistant import Assistant, Settings

    return Assistant(settings=Settings.from_env(store_dir=real_store, cache_dir=cache_dir))


@pytest.fixture
def store_copy(real_store, tmp_path) -> Path:
    """A private copy of the bundled-report store that a test may change."""
    dst = tmp_path / "store"
    shutil.copytree(real_store, dst)
    return dst


@pytest.fixture
def fake_assistant(tmp_path):
    """An assistant with a deterministic test embedder and an empty store."""
    from assistant import Assistant, Settings

    from .fakes import HashEmbeddings

    emb = HashEmbeddings()
    settings = Settings.from_env(env={}, store_dir=tmp_path / "store", cache_dir=tmp_path / "cache")
    return Assistant(settings=settings, embedder=emb), emb
