"""Serving the page: theme and stylesheet, and a login check on the routes Gradio leaves open."""

from __future__ import annotations

from importlib import resources
from typing import TYPE_CHECKING, Any

import gradio as gr

from .render import TITLE
from .uploads import MAX_UPLOAD_BYTES

if TYPE_CHECKING:
    from .app import ChatApp

THEME = gr.themes.Default(
    primary_hue="blue",
    neutral_hue="slate",
    radius_size="md",
    # System fonts only: the app must not fetch fonts from the internet.
    font=["PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "system-ui", "sans-serif"],
    font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "monospace"],
)


def stylesheet() -> str:
    """The page's CSS (`style.css`, shipped as package data beside this module)."""
    return _package_file("style.css")


def page_script() -> str:
    """The script run when the page loads (`page.js`): [n] markers scroll within the chat."""
    return _package_file("page.js")


def _package_file(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


# Gradio routes that do not check the login themselves: with a login set, they are refused
# to a client without one (a reset or cancel of someone's event, a stream, a heartbeat).
_UNGUARDED = ("/gradio_api/reset", "/gradio_api/cancel")
_UNGUARDED_UNDER = ("/gradio_api/stream/", "/gradio_api/heartbeat/")


class LoginRequired:
    """ASGI middleware: with a login set, the routes Gradio leaves open (`_UNGUARDED`,
    `_UNGUARDED_UNDER`) answer 401 without the login cookie, as its other routes do."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and _unguarded(scope.get("path", "")):
            gradio_app = scope.get("app")  # the Gradio App (Starlette sets it before middleware)
            if not await _logged_in(gradio_app, scope):
                from starlette.responses import JSONResponse

                response = JSONResponse({"detail": "Not authenticated"}, status_code=401)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _unguarded(path: str) -> bool:
    return path.rstrip("/") in _UNGUARDED or path.startswith(_UNGUARDED_UNDER)


async def _logged_in(gradio_app: Any, scope: dict) -> bool:
    """Gradio's own test (`get_current_user`): no login configured, or a known token."""
    from starlette.requests import Request

    auth = getattr(gradio_app, "auth", None)
    dependency = getattr(gradio_app, "auth_dependency", None)
    if auth is None and dependency is None:
        return True
    request = Request(scope)
    if dependency is not None:
        user = dependency(request)
        if hasattr(user, "__await__"):
            user = await user
        return user is not None
    cookie = getattr(gradio_app, "cookie_id", "")
    token = request.cookies.get(f"access-token-{cookie}") or request.cookies.get(
        f"access-token-unsecure-{cookie}"
    )
    return getattr(gradio_app, "tokens", {}).get(token) is not None


def serve(
    app: ChatApp,
    host: str = "127.0.0.1",
    port: int = 7860,
    share: bool = False,
    auth: tuple[str, str] | None = None,
    block: bool = True,
) -> gr.Blocks:
    """Build and start the UI; with block=False, return once the server is up."""
    from starlette.middleware import Middleware

    demo = app.build()
    demo.launch(
        server_name=host,
        server_port=port,
        share=share,
        auth=auth,
        auth_message=f"{TITLE}：请登录" if auth else None,
        max_file_size=MAX_UPLOAD_BYTES,
        app_kwargs={"middleware": [Middleware(LoginRequired)]},
        prevent_thread_lock=not block,
        theme=THEME,
        css=stylesheet(),
        js=page_script(),
        footer_links=[],
        quiet=not block,
    )
    return demo
