"""Uploaded files: checked (type, size, name) and copied into the upload folder under a safe
name before they are indexed."""

from __future__ import annotations

import os
import re
import shutil
import unicodedata
import uuid
from pathlib import Path, PurePosixPath

from ..ingest.formats import formats, supported_extensions

MAX_UPLOAD_MB = 20
MAX_UPLOAD_BYTES = MAX_UPLOAD_MB * 1024 * 1024


class UploadRejected(Exception):
    """An uploaded file is refused before indexing (type, size, name)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def upload_types() -> tuple[str, ...]:
    """The extensions the upload form accepts: every format ingest reads (the loaders'
    registry, read when asked, so a format registered later is accepted too), sorted."""
    return supported_extensions()


def upload_hint() -> str:
    """The formats as the upload form names them (PDF、Word…) and the size limit."""
    names = "、".join(dict.fromkeys(f.label for f in formats()))
    return f"{names}，单个不超过 {MAX_UPLOAD_MB} MB"


_UNSAFE_NAME_CHARS = re.compile(r"[^\w.\-（）()【】]+")


def safe_upload_name(name: str) -> str:
    """A file name that cannot leave the upload folder; keeps CJK, letters, digits, .-_()."""
    # Normalise first: NFKC turns full-width slashes into real ones.
    name = unicodedata.normalize("NFKC", str(name))
    base = PurePosixPath(name.replace("\\", "/")).name
    stem, dot, ext = base.rpartition(".")
    if not dot:
        stem, ext = base, ""
    ext = f".{ext.lower()}"
    accepted = upload_types()
    if ext not in accepted:
        raise UploadRejected(f"不支持的文件类型（仅支持 {'、'.join(accepted)}）")
    stem = _UNSAFE_NAME_CHARS.sub("_", stem).strip("._ ")[:100] or "upload"
    return stem + ext


def stage_upload(src: str | Path, uploads_dir: Path, max_bytes: int = MAX_UPLOAD_BYTES) -> Path:
    """Copy an uploaded file into `uploads_dir` under a safe name; return the copy."""
    src = Path(src)
    name = safe_upload_name(src.name)
    size = src.stat().st_size
    if size == 0:
        raise UploadRejected("文件为空")
    if size > max_bytes:
        raise UploadRejected(f"文件超过 {max_bytes / (1024 * 1024):g} MB")
    uploads_dir.mkdir(parents=True, exist_ok=True)
    dest = uploads_dir / name
    if dest.resolve().parent != uploads_dir.resolve():
        raise UploadRejected("文件名不合法")
    part = uploads_dir / f".{uuid.uuid4().hex}.part"
    shutil.copyfile(src, part)
    os.replace(part, dest)
    return dest
