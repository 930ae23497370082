"""Main job: index the bundled reports (first run only) and answer a demo question."""

from __future__ import annotations

import sys
from pathlib import Path

from assistant import Assistant, AssistantError
from assistant.cli import _print_answer

DATA = Path(__file__).resolve().parent / "data"
DEMO_QUESTIONS = (
    "2023年内江市地区生产总值是多少？",
    "2024年内江市规模以上工业增加值增长目标是多少？",
    "市中区2024年新增城镇就业目标？",
)


def main() -> int:
    try:
        a = Assistant()
        report = a.ingest([DATA], progress=lambda i, n, d: print(f"[{i}/{n}] {d}", file=sys.stderr))
        print(
            f"store {a.settings.store_dir}: added {len(report.added)}, "
            f"unchanged {len(report.skipped)}, failed {len(report.failed)}",
            file=sys.stderr,
        )
        for question in DEMO_QUESTIONS:
            print(f"\n问：{question}")
            _print_answer(a.ask(question))
    except AssistantError as exc:
        print(f"app: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
