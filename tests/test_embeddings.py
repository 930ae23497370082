"""The local embedder: inputs cut to the model's length, questions before ingest batches."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from assistant.embeddings import MAX_TOKENS, LocalE5Embeddings, batches

from .fakes import SlowEngine
from .helpers import CITY, ROOT


def test_a_question_waits_for_at_most_one_small_batch_of_an_ingest():
    engine = SlowEngine(seconds_per_text=0.02)
    emb = LocalE5Embeddings(model=engine, query_threads=1)
    texts = [f"第{i}条：全市实现地区生产总值。" for i in range(120)]
    ingest = threading.Thread(target=emb.embed_documents, args=(texts,))
    ingest.start()
    assert engine.busy.wait(10)
    emb.embed_query("地区生产总值是多少？")
    ingest.join(30)

    first_query = engine.calls.index(("query", 1))
    embedded_before = sum(n for kind, n in engine.calls[:first_query])
    assert embedded_before <= 8, engine.calls
    assert sum(n for kind, n in engine.calls if kind == "passage") == len(texts)


def test_batches_hold_few_texts_and_few_characters():
    texts = ["甲" * 100] * 10 + ["乙" * 900, "丙"]
    runs = list(batches(texts))
    assert [len(r) for r in runs] == [6, 4, 1, 1]
    assert [t for r in runs for t in r] == texts


@pytest.mark.slow
def test_a_text_longer_than_the_model_input_is_cut_to_it_not_embedded_in_windows():
    emb = LocalE5Embeddings()
    text = "".join(CITY.read_text(encoding="utf-8").split())[:3000]
    # The model's own token count; the embedder exposes only fit(), the call under test.
    assert emb._model.token_count(text) > 2 * MAX_TOKENS

    fitted = emb.fit(text)
    assert emb._model.token_count(fitted) <= MAX_TOKENS
    assert text.startswith(fitted) and len(fitted) > 300
    [whole] = emb.embed_documents([text])
    assert np.allclose(whole, emb.embed_documents([fitted])[0], atol=1e-6)
    assert emb.fit("短句。") == "短句。"


def _wait_policy_after_loading_the_model(env_value: str | None) -> str:
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    if env_value is not None:
        env["OMP_WAIT_POLICY"] = env_value
    env["PYTHONPATH"] = str(ROOT)
    code = (
        "import os; from assistant.embeddings import LocalE5Embeddings; "
        "LocalE5Embeddings().embed_query('测试'); print(os.environ.get('OMP_WAIT_POLICY'))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def test_openmp_threads_sleep_while_waiting_unless_the_user_chose_a_policy():
    assert _wait_policy_after_loading_the_model(None) == "PASSIVE"
    assert _wait_policy_after_loading_the_model("ACTIVE") == "ACTIVE"
