"""`assistant serve`: the web UI over the store. `app.py` is this command with the bundled
reports and a console demo added, so the UI's options are defined here only.

Address, port and login default to Settings (ASSISTANT_UI_HOST, ASSISTANT_UI_PORT,
ASSISTANT_UI_AUTH); flags override them.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from ..config import Settings
from ..errors import ConfigError


def parse_auth(value: str) -> tuple[str, str]:
    """USER:PASSWORD as a (user, password) pair; the password may contain colons."""
    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        raise argparse.ArgumentTypeError("expected USER:PASSWORD")
    return user, password


def parse_port(value: str) -> int:
    """A TCP port number, 1–65535."""
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {value!r}") from None
    if not 0 < port < 65536:
        raise argparse.ArgumentTypeError(f"not a port number: {value!r}")
    return port


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The UI's options: reports to index at start, address, port, public link, login."""
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="reports or folders to index at start (in the background; the page shows the "
        "progress; unchanged reports are skipped)",
    )
    parser.add_argument("--host", help="address to bind (env ASSISTANT_UI_HOST; default 127.0.0.1)")
    parser.add_argument(
        "--port", type=parse_port, help="port to bind (env ASSISTANT_UI_PORT; default 7860)"
    )
    parser.add_argument("--share", action="store_true", help="also open a public gradio.live link")
    parser.add_argument(
        "--auth",
        type=parse_auth,
        metavar="USER:PASSWORD",
        help="require this login (env ASSISTANT_UI_AUTH; default: no login)",
    )


def apply_defaults(args: argparse.Namespace, settings: Settings) -> argparse.Namespace:
    """`args` with the options not given on the command line taken from `settings`."""
    if args.host is None:
        args.host = settings.ui_host
    if args.port is None:
        args.port = settings.ui_port
    if args.auth is None and settings.ui_auth:
        try:
            args.auth = parse_auth(settings.ui_auth)
        except argparse.ArgumentTypeError as exc:
            raise ConfigError(f"ASSISTANT_UI_AUTH: {exc}") from None
    return args


def progress(done: int, total: int, doc_id: str) -> None:
    """Indexing progress of the start-up reports, a line each on stderr."""
    print(f"[{done}/{total}] {doc_id}", file=sys.stderr)


def run(args: argparse.Namespace, bundled: Sequence[Path] = ()) -> int:
    """Serve the UI until interrupted; `bundled` and the PATH arguments are indexed at start."""
    from ..pipeline import Assistant
    from ..ui import ChatApp, serve

    settings = Settings.from_env(store_dir=args.store)
    apply_defaults(args, settings)
    assistant = Assistant(settings=settings)
    reports = [*bundled, *(Path(p) for p in getattr(args, "paths", None) or ())]
    app = ChatApp(assistant, bundled=reports, on_index_progress=progress)
    app.startup.start()
    serve(app, host=args.host, port=args.port, share=args.share, auth=args.auth)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    return run(args)
