"""Settings, the embedder choice, and the public surface."""

from __future__ import annotations

from pathlib import Path

import pytest

import assistant
from assistant import ConfigError, Settings
from assistant.embeddings import CachedEmbeddings, LocalE5Embeddings
from assistant.pipeline import build_embedder


def test_settings_come_from_the_environment_with_overrides_winning(tmp_path):
    env = {
        "ASSISTANT_STORE_DIR": str(tmp_path / "s"),
        "OPENAI_API_KEY": "sk-secret",
        "OPENAI_BASE_URL": "http://127.0.0.1:11434/v1",
        "ASSISTANT_LLM_MODEL": "qwen2.5",
        "CHROMA_PORT": "9000",
    }
    s = Settings.from_env(env, llm_model="deepseek-chat")
    assert s.store_dir == tmp_path / "s"
    assert s.llm_model == "deepseek-chat" and s.chroma_port == 9000
    assert s.mode == "llm"
    assert Settings.from_env({}).mode == "extractive"
    assert Settings.from_env({"ASSISTANT_LLM_MAX_RETRIES": "0"}).llm_max_retries == 0


def test_the_api_key_never_shows_in_repr():
    s = Settings.from_env({"OPENAI_API_KEY": "sk-very-secret", "ASSISTANT_UI_AUTH": "a:pw"})
    assert "sk-very-secret" not in repr(s) and "pw" not in repr(s)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ASSISTANT_EMBEDDINGS": "bert"}, "ASSISTANT_EMBEDDINGS"),
        ({"ASSISTANT_EMBEDDINGS": "openai"}, "OPENAI_API_KEY"),
        ({"CHROMA_PORT": "eighty"}, "CHROMA_PORT"),
        ({"ASSISTANT_ON_UNVERIFIED": "ignore"}, "ASSISTANT_ON_UNVERIFIED"),
        ({"ASSISTANT_LLM_MAX_RETRIES": "-1"}, "ASSISTANT_LLM_MAX_RETRIES"),
        ({"ASSISTANT_LLM_MAX_RETRIES": "many"}, "ASSISTANT_LLM_MAX_RETRIES"),
    ],
)
def test_invalid_settings_fail_with_the_variable_named(env, message):
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(env)


def test_local_embedder_is_the_default_and_needs_no_download(tmp_path):
    emb = build_embedder(Settings.from_env({}, cache_dir=tmp_path))
    assert isinstance(emb, CachedEmbeddings) and isinstance(emb.inner, LocalE5Embeddings)
    q = emb.embed_query("地区生产总值")
    d = emb.embed_documents(["全年实现地区生产总值1800亿元左右", "新增城镇就业5800人以上"])
    assert len(q) == emb.dimension == 384
    # e5 query/passage prefixes: the matching passage is the nearer one.
    sims = [sum(a * b for a, b in zip(q, v, strict=True)) for v in d]
    assert sims[0] > sims[1]
    assert (tmp_path / "embeddings.sqlite").exists()


def test_openai_embeddings_take_model_and_base_url_from_settings(tmp_path):
    s = Settings.from_env(
        {
            "ASSISTANT_EMBEDDINGS": "openai",
            "OPENAI_API_KEY": "sk-test",
            "OPENAI_BASE_URL": "http://127.0.0.1:9/v1",
            "ASSISTANT_EMBEDDING_MODEL": "bge-m3",
        },
        cache_dir=tmp_path,
    )
    emb = build_embedder(s)
    assert emb.model_name == "bge-m3"
    assert emb.inner.openai_api_base == "http://127.0.0.1:9/v1"


def test_public_names_are_exported():
    assert set(assistant.__all__) >= {
        "Assistant",
        "Answer",
        "Citation",
        "Settings",
        "AssistantError",
        "IngestReport",
        "TrackRecord",
        "TrackSide",
    }
    for name in assistant.__all__:
        assert hasattr(assistant, name), name
    assert Path(assistant.__file__).parent.name == "assistant"
