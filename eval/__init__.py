"""Evaluation of the assistant: `python -m eval` (or `assistant eval`) from the repository root.

The logic lives in `assistant.evaluation`, so that `assistant eval` works wherever the package is
installed; `eval.harness` and `eval.naive` re-export it. Two suites: `qa.jsonl` asks about the
bundled reports under data/, `qa_corpus.jsonl` about the real reports under `corpus/`;
`thresholds.json` holds the minimums `--gate` holds the default pipeline to, per suite.
"""
