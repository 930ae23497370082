"""The registry of file formats ingest reads: each a `Format` (extensions, a description, the
function that reads its bytes). Ingest (`loaders.load_file`), the web UI's upload form and the
README's table of formats all read it; a new format is one `register_format(...)` call. The
built-in formats are registered by `loaders.py`, which the package imports.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

# A reader turns a file's bytes into (text, title, encoding): the text one paragraph a line,
# the title the file declares ("" for none), the text encoding it decoded ("" for binary
# formats). `source` names the file in the LoadErrors it raises.
Reader = Callable[[bytes, str], tuple[str, str, str]]


@dataclass(frozen=True)
class Format:
    """A file format ingest reads: its extensions, what it is, and the function reading it."""

    name: str  # SourceText.format
    extensions: tuple[str, ...]  # lower case, with the dot
    description: str  # one line, for the README's table of formats
    read: Reader
    label: str = ""  # what the upload form calls it (PDF, Word…); the name when empty
    # A limit tighter than the loaders' `max_bytes`, for a parser that takes many times a
    # file's size in memory.
    max_bytes: int | None = None
    # Text read as it is: a file with surely more than MAX_TEXT_CHARS characters is refused
    # before it is decoded.
    plain_text: bool = False


_FORMATS: dict[str, Format] = {}  # by name, in the order registered
_EXTENSIONS: dict[str, str] = {}  # extension -> format name


def register_format(
    name: str,
    extensions: Iterable[str],
    read: Reader,
    *,
    description: str,
    label: str = "",
    max_bytes: int | None = None,
    plain_text: bool = False,
) -> Format:
    """Make ingest (and the upload form) read files with `extensions` through `read`.

    Registering a name again replaces that format; an extension another format reads is a
    ValueError.
    """
    exts = tuple(
        dict.fromkeys(e.lower() if e.startswith(".") else f".{e.lower()}" for e in extensions)
    )
    if not exts:
        raise ValueError(f"format {name!r} needs at least one extension")
    for ext in exts:
        owner = _EXTENSIONS.get(ext)
        if owner is not None and owner != name:
            raise ValueError(f"{ext} is already read as {owner!r}")
    unregister_format(name)
    fmt = Format(name, exts, description, read, label or name, max_bytes, plain_text)
    _FORMATS[name] = fmt
    _EXTENSIONS.update(dict.fromkeys(exts, name))
    return fmt


def unregister_format(name: str) -> None:
    """Stop reading a format (nothing happens for a name not registered)."""
    fmt = _FORMATS.pop(name, None)
    if fmt is not None:
        for ext in fmt.extensions:
            _EXTENSIONS.pop(ext, None)


def formats() -> tuple[Format, ...]:
    """The registered formats, in the order registered."""
    return tuple(_FORMATS.values())


def supported_extensions() -> tuple[str, ...]:
    """Every extension ingest reads, sorted."""
    return tuple(sorted(_EXTENSIONS))


def format_for(name: str) -> Format | None:
    """The format a file name's extension selects (case-insensitive), or None."""
    fmt = _EXTENSIONS.get(Path(name).suffix.lower())
    return _FORMATS[fmt] if fmt is not None else None
