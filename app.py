"""Start the web UI over the bundled reports; `--no-ui` answers demo questions on the console.

    python app.py                          http://127.0.0.1:7860
    python app.py --host 0.0.0.0 --port 8080 --auth admin:secret
    python app.py --no-ui                  index the bundled reports, print demo answers

This is `assistant serve data/` (same options, see assistant/cli/serve.py) plus the demo. The
bundled reports in data/ are indexed on the first start (the page shows the progress); later
starts find them unchanged in the store and are ready in seconds.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from assistant import Assistant, AssistantError, Settings
from assistant.cli import print_answer, serve

DATA = Path(__file__).resolve().parent / "data"
DEMO_QUESTIONS = (
    "2023年内江市地区生产总值是多少？",
    "2024年内江市规模以上工业增加值增长目标是多少？",
    "市中区2024年新增城镇就业目标？",
)


def demo(store: str | None = None) -> int:
    """Index the bundled reports (first run only) and answer the demo questions."""
    try:
        a = Assistant(settings=Settings.from_env(store_dir=store))
        report = a.ingest([DATA], progress=serve.progress)
        print(
            f"store {a.settings.store_dir}: added {len(report.added)}, "
            f"unchanged {len(report.skipped)}, failed {len(report.failed)}",
            file=sys.stderr,
        )
        for question in DEMO_QUESTIONS:
            print(f"\n问：{question}")
            print_answer(a.ask(question))
    except AssistantError as exc:
        print(f"app: error: {exc}", file=sys.stderr)
        return 2
    return 0


def parse_args(argv: Sequence[str] | None = None, env=None) -> argparse.Namespace:
    """`assistant serve`'s options (defaults from Settings: ASSISTANT_UI_HOST/PORT/AUTH), plus
    --store and the console demo."""
    parser = argparse.ArgumentParser(
        prog="app.py", description="政府工作报告问答助手: web UI (default) or console demo."
    )
    serve.add_arguments(parser)
    parser.add_argument("--store", metavar="DIR", help="index folder (env ASSISTANT_STORE_DIR)")
    parser.add_argument(
        "--no-ui",
        "--demo",
        dest="no_ui",
        action="store_true",
        help="index the bundled reports and answer demo questions on the console, then exit",
    )
    args = parser.parse_args(argv)
    try:
        return serve.apply_defaults(args, Settings.from_env(env=env))
    except AssistantError as exc:
        parser.error(str(exc))


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.no_ui:
        return demo(args.store)
    try:
        return serve.run(args, bundled=[DATA])
    except AssistantError as exc:
        print(f"app: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
