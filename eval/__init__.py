"""Evaluation of the assistant: `python -m eval` (or `assistant eval`) from the repository root.

The logic lives in `assistant.evaluation`, so that `assistant eval` works wherever the package is
installed; `eval.harness` and `eval.naive` re-export it. `qa.jsonl` is the QA set and
`thresholds.json` the minimums `--gate` holds the default pipeline to.
"""
