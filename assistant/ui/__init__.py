"""Gradio web UI: a thin layer over the `Assistant` API.

    render.py    HTML of the chat tab: answers, citation cards, document library, header
    figures.py   HTML and rows of the indicator and target/result tabs, their CSV exports
    uploads.py   uploaded files checked and copied under a safe name
    indexing.py  the bundled reports, indexed at start-up in a background thread
    app.py       ChatApp: the event handlers, plain methods that tests call directly
    layout.py    the Gradio page built from those handlers
    server.py    serve(): theme, style.css, page.js, the login check on Gradio's open routes

Everything shown that comes from a document or a user is HTML-escaped before Gradio sees it.
"""

from .app import ChatApp
from .figures import render_indicator_detail, render_track_chart, render_track_detail
from .indexing import StartupIndex
from .render import (
    card_id,
    highlight,
    link_markers,
    render_answer,
    render_citation,
    render_documents,
    render_header,
    render_upload_result,
)
from .server import serve
from .uploads import MAX_UPLOAD_BYTES, UploadRejected, safe_upload_name, stage_upload

__all__ = [
    "MAX_UPLOAD_BYTES",
    "ChatApp",
    "StartupIndex",
    "UploadRejected",
    "card_id",
    "highlight",
    "link_markers",
    "render_answer",
    "render_citation",
    "render_documents",
    "render_header",
    "render_indicator_detail",
    "render_track_chart",
    "render_track_detail",
    "render_upload_result",
    "safe_upload_name",
    "serve",
    "stage_upload",
]
