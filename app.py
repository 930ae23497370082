"""Start the web UI over the bundled reports; `--no-ui` answers demo questions on the console.

    python app.py                          http://127.0.0.1:7860
    python app.py --host 0.0.0.0 --port 8080 --auth admin:secret
    python app.py --no-ui                  index the bundled reports, print demo answers

The bundled reports in data/ are indexed on the first start (the page shows the progress);
later starts find them unchanged in the store and are ready in seconds.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from assistant import Assistant, AssistantError, Settings
from assistant.cli import _print_answer

DATA = Path(__file__).resolve().parent / "data"
DEMO_QUESTIONS = (
    "2023年内江市地区生产总值是多少？",
    "2024年内江市规模以上工业增加值增长目标是多少？",
    "市中区2024年新增城镇就业目标？",
)


def _progress(done: int, total: int, doc_id: str) -> None:
    print(f"[{done}/{total}] {doc_id}", file=sys.stderr)


def demo(store: str | None = None) -> int:
    """Index the bundled reports (first run only) and answer the demo questions."""
    try:
        a = Assistant(settings=Settings.from_env(store_dir=store))
        report = a.ingest([DATA], progress=_progress)
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


def _auth(value: str) -> tuple[str, str]:
    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        raise argparse.ArgumentTypeError("expected USER:PASSWORD")
    return user, password


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {value!r}") from None
    if not 0 < port < 65536:
        raise argparse.ArgumentTypeError(f"not a port number: {value!r}")
    return port


def parse_args(argv: Sequence[str] | None = None, env=None) -> argparse.Namespace:
    # Defaults come from Settings (ASSISTANT_UI_HOST/PORT/AUTH); flags override them.
    settings = Settings.from_env(env=env)
    parser = argparse.ArgumentParser(
        prog="app.py", description="政府工作报告问答助手: web UI (default) or console demo."
    )
    parser.add_argument(
        "--host",
        default=settings.ui_host,
        help="address to bind (env ASSISTANT_UI_HOST; default 127.0.0.1)",
    )
    parser.add_argument(
        "--port",
        type=_port,
        default=str(settings.ui_port),
        help="port to bind (env ASSISTANT_UI_PORT; default 7860)",
    )
    parser.add_argument("--share", action="store_true", help="also open a public gradio.live link")
    parser.add_argument(
        "--auth",
        type=_auth,
        default=settings.ui_auth or None,
        metavar="USER:PASSWORD",
        help="require this login (env ASSISTANT_UI_AUTH; default: no login)",
    )
    parser.add_argument("--store", metavar="DIR", help="index folder (env ASSISTANT_STORE_DIR)")
    parser.add_argument(
        "--no-ui",
        "--demo",
        dest="no_ui",
        action="store_true",
        help="index the bundled reports and answer demo questions on the console, then exit",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.no_ui:
        return demo(args.store)
    from assistant.ui import ChatApp, serve

    try:
        assistant = Assistant(settings=Settings.from_env(store_dir=args.store))
    except AssistantError as exc:
        print(f"app: error: {exc}", file=sys.stderr)
        return 2
    app = ChatApp(assistant, bundled=[DATA], on_index_progress=_progress)
    app.startup.start()
    serve(app, host=args.host, port=args.port, share=args.share, auth=args.auth)
    return 0


if __name__ == "__main__":
    sys.exit(main())
