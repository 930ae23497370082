"""File loaders: bytes of a report file -> SourceText (one paragraph a line).

The readers of the built-in formats are registered at the end of this module in the registry
of `formats.py`, which ingest, the web UI's upload form and the README's table all read.

Every failure is raised as `LoadError` (or `UnsupportedFormatError`) carrying the path and a
one-line reason; no library exception escapes. Loaders do not remove site chrome: that is
`clean.clean_text`, applied to whatever a loader returns.
"""

from __future__ import annotations

import io
import logging
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import LoadError, UnsupportedFormatError
from ..types import SourceText
from ..vocab import HEADING_MARKER
from .formats import Format, format_for, register_format, supported_extensions

if TYPE_CHECKING:
    from markdown_it.token import Token

log = logging.getLogger("assistant")

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
# The longest work reports run to about 50,000 characters; a file with far more text than this
# is not one report, and embedding it would take hours.
MAX_TEXT_CHARS = 1_000_000
# A .docx is a zip package; its declared sizes are checked before anything is unpacked
# (zipfile never unpacks more than a member declares). A Word report is tens of parts and a
# few MB unpacked (pictures included); python-docx holds every part in memory and parses
# the XML ones, at several times their size.
MAX_DOCX_MEMBERS = 1_000
MAX_DOCX_UNPACKED = 100_000_000
# The XML parts are parsed into trees of about 15 times their size: a 95 MB document.xml of
# one-character runs took 1.4 GB to read, 30 MB of it 450 MB (and 850 MB for the whole
# ingest). A 1-million-character report with formatting on every few characters fits.
MAX_DOCX_XML = 20_000_000
# Unpacked / packed size of one part: XML compresses 5-20 times; a zip bomb 1000 times.
MAX_DOCX_RATIO = 100
_RATIO_CHECKED_FROM = 1_000_000  # tiny parts may compress better without harm
# A web page is parsed twice over (lxml, then trafilatura's copies) at about 65 times its size
# (a 20 MB page took 1.35 GB and three minutes); a report's page is a few hundred KB.
MAX_HTML_BYTES = 5_000_000
MAX_HTML_FULL_ELEMENTS = 5_000
# A PDF's pages are read one by one and their content streams decoded; pypdf keeps what it
# decoded, and parses it in Python: 195 MB of content took 460 MB and 8 minutes. A report
# runs to about a hundred pages of tens to hundreds of KB of content each.
MAX_PDF_PAGES = 2_000
MAX_PDF_PAGE_CONTENT = 5_000_000
MAX_PDF_CONTENT = 50_000_000
# A character takes at most 4 bytes in every encoding we decode.
_MAX_CHAR_BYTES = 4

# A text file with more than this share of control or undecodable characters is binary.
_MAX_BINARY_SHARE = 0.01
_BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
# Declared charsets that are subsets of GB18030 are decoded as GB18030: pages that declare
# gb2312 routinely use characters outside it.
_GB_ALIASES = {"gb2312", "gbk", "gb_2312-80", "x-gbk", "cp936", "euc-cn", "gb18030"}
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


def load_file(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> SourceText:
    """Read a report file; the extension picks the format."""
    p = Path(path)
    source = str(path)
    fmt = _format_of(p.name, source)
    try:
        size = p.stat().st_size
        if p.is_dir():
            raise LoadError(source, "is a directory")
        if size > max_bytes:
            raise LoadError(source, _too_large(size, max_bytes))
        data = p.read_bytes()
    except FileNotFoundError:
        raise LoadError(source, "file not found") from None
    except PermissionError:
        raise LoadError(source, "permission denied") from None
    except OSError as exc:
        raise LoadError(source, f"cannot read file: {exc.strerror or exc}") from None
    return _load(data, source, fmt, max_bytes)


def load_bytes(data: bytes, name: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> SourceText:
    """Read a report given as bytes (an upload, say); `name`'s extension picks the format."""
    fmt = _format_of(name, name)
    return _load(data, name, fmt, max_bytes)


def _format_of(name: str, source: str) -> Format:
    fmt = format_for(name)
    if fmt is None:
        ext = Path(name).suffix.lower()
        supported = ", ".join(supported_extensions())
        shown = f"'{ext}'" if ext else "(no extension)"
        raise UnsupportedFormatError(source, f"unsupported format {shown}; supported: {supported}")
    return fmt


def _too_large(size: int, limit: int) -> str:
    return f"too large ({size / 1e6:.1f} MB; the limit is {limit / 1e6:.1f} MB)"


def _too_much_text(chars: int, at_least: bool = False) -> str:
    amount = f"{'over ' if at_least else ''}{chars / 1e6:.1f} million characters"
    return f"too much text for one report ({amount}; the limit is {MAX_TEXT_CHARS / 1e6:g} million)"


def _load(data: bytes, source: str, fmt: Format, max_bytes: int) -> SourceText:
    if len(data) > max_bytes:
        raise LoadError(source, _too_large(len(data), max_bytes))
    if not data.strip():
        raise LoadError(source, "empty")
    if fmt.max_bytes is not None and len(data) > fmt.max_bytes:
        limit = f"the limit for {fmt.label} files is {fmt.max_bytes / 1e6:.1f} MB"
        raise LoadError(source, f"too large ({len(data) / 1e6:.1f} MB; {limit})")
    if fmt.plain_text and len(data) > MAX_TEXT_CHARS * _MAX_CHAR_BYTES:
        # Certainly too much text: say so without decoding it all.
        raise LoadError(source, _too_much_text(len(data) // _MAX_CHAR_BYTES, at_least=True))
    try:
        text, title, encoding = fmt.read(data, source)
    except LoadError:
        raise
    except Exception as exc:  # a library's parse error: report it as a reason, not a traceback
        log.debug("loading %s failed", source, exc_info=True)
        raise LoadError(source, f"cannot read {fmt.name} file: {_describe(exc)}") from exc
    text = "\n".join(line.rstrip() for line in text.splitlines())
    if not text.strip():
        raise LoadError(source, "empty (no text)")
    if len(text) > MAX_TEXT_CHARS:
        raise LoadError(source, _too_much_text(len(text)))
    return SourceText(text=text, source=source, format=fmt.name, title=title, encoding=encoding)


def _describe(exc: Exception) -> str:
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


# --- plain text and Markdown ----------------------------------------------------------------


def decode_text(data: bytes, source: str = "<bytes>") -> tuple[str, str]:
    """Decode text bytes: BOM, then strict UTF-8, then GB18030, then charset-normalizer.

    Returns (text, encoding); raises LoadError for binary data.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return _check_textual(data.decode(encoding), source), encoding.removesuffix("-sig")
            except UnicodeDecodeError:
                raise LoadError(source, f"invalid {encoding} text despite its BOM") from None
    if b"\x00" in data:
        raise LoadError(source, "binary data, not text (contains NUL bytes)")
    for encoding in ("utf-8", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        # GB18030 decodes most double-byte text (Big5, Shift-JIS) without error, mapping
        # what it does not know into the private use area: that means it was the wrong guess.
        if encoding == "gb18030" and _private_use_share(text) > _MAX_BINARY_SHARE:
            continue
        return _check_textual(text, source), encoding
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise LoadError(source, "binary data or unknown text encoding")
    return _check_textual(str(best), source), best.encoding


def _private_use_share(text: str) -> float:
    return sum(1 for ch in text if unicodedata.category(ch) == "Co") / max(1, len(text))


def _check_textual(text: str, source: str) -> str:
    if text:
        bad = sum(
            1
            for ch in text
            if ch == "\ufffd" or (unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\f\v")
        )
        if bad / len(text) > _MAX_BINARY_SHARE:
            raise LoadError(source, "binary data, not text (control characters)")
    return text.removeprefix("\ufeff")


def _read_txt(data: bytes, source: str) -> tuple[str, str, str]:
    text, encoding = decode_text(data, source)
    return text, "", encoding


def _read_md(data: bytes, source: str) -> tuple[str, str, str]:
    text, encoding = decode_text(data, source)
    lines = markdown_to_lines(text)
    return "\n".join(lines), "", encoding


def markdown_to_lines(text: str) -> list[str]:
    """Plain text of Markdown: one heading, paragraph, list item or table row a line."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    lines: list[str] = []
    row: list[str] | None = None
    for token in md.parse(text):
        if token.type == "inline":
            rendered = _render_inline(token.children or [])
            if row is not None:
                row.append(" ".join(rendered.split()))
            else:
                lines.extend(rendered.split("\n"))
        elif token.type == "tr_open":
            row = []
        elif token.type == "tr_close" and row is not None:
            lines.append(" ".join(cell for cell in row if cell))
            row = None
        elif token.type in ("fence", "code_block"):
            lines.extend(token.content.split("\n"))
        elif token.type == "html_block":
            lines.extend(_html_block_text(token.content))
    return [line.strip() for line in lines if line.strip()]


def _render_inline(children: Iterable[Token]) -> str:
    out: list[str] = []
    for child in children:
        if child.type in ("text", "code_inline"):
            out.append(child.content)
        elif child.type == "image":
            out.append(_render_inline(child.children or []))
        elif child.type == "softbreak":
            out.append("\x00")
        elif child.type == "hardbreak":
            out.append("\n")
    # A soft break joins Chinese lines directly but keeps a space between Latin words.
    joined = "".join(out)
    return re.sub(r"(?<=[A-Za-z0-9,.;:!?])\x00(?=[A-Za-z0-9])", " ", joined).replace("\x00", "")


def _html_block_text(html: str) -> list[str]:
    import lxml.html

    try:
        root = lxml.html.fromstring(html)
    except Exception:  # not even tag soup: treat as no text
        return []
    return _block_lines(root)


# --- HTML -------------------------------------------------------------------------------------


def _read_html(data: bytes, source: str) -> tuple[str, str, str]:
    html, encoding = _decode_html(data, source)
    html = _XML_DECLARATION.sub("", html, count=1)
    import trafilatura

    text = trafilatura.extract(
        html,
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_links=False,
        deduplicate=False,
        # trafilatura's fallback extractors (justext) take time in the square of the number
        # of elements: 10,000 took 35 s, 40,000 over 6 minutes. A report's page has a few
        # hundred; a page with thousands gets the main extractor only (linear).
        fast=html.count("<") > MAX_HTML_FULL_ELEMENTS,
    )
    if not text or not text.strip():
        text = "\n".join(_fallback_html_lines(html))
    return text, _html_title(html), encoding


def _decode_html(data: bytes, source: str) -> tuple[str, str]:
    if not data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        match = _META_CHARSET.search(data[:8192])
        if match:
            declared = match.group(1).decode("ascii", "replace").lower()
            encoding = "gb18030" if declared in _GB_ALIASES else declared
            try:
                return _check_textual(data.decode(encoding), source), encoding
            except (LookupError, UnicodeDecodeError):
                log.debug("%s: declared charset %s does not fit; detecting", source, declared)
    return decode_text(data, source)


def _html_title(html: str) -> str:
    import trafilatura

    meta = trafilatura.extract_metadata(html)
    title = (meta.title if meta else "") or ""
    if not title:
        import lxml.html

        found = lxml.html.fromstring(html).findtext(".//title")
        title = found or ""
    return " ".join(title.split())


_BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "fieldset",
    "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
    "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table", "tbody", "td", "th",
    "thead", "tr", "ul", "title", "body",
}  # fmt: skip
_SKIP_TAGS = {"script", "style", "noscript", "template", "nav", "header", "footer", "aside"}


def _fallback_html_lines(html: str) -> list[str]:
    import lxml.html

    root = lxml.html.fromstring(html)
    body = root.find(".//body")
    return _block_lines(body if body is not None else root)


def _block_lines(root: object) -> list[str]:
    """Text of an lxml tree with a line break around every block element."""
    parts: list[str] = []

    def walk(el: object) -> None:
        tag = getattr(el, "tag", None)
        if not isinstance(tag, str) or tag.lower() in _SKIP_TAGS:
            parts.append(getattr(el, "tail", None) or "")
            return
        block = tag.lower() in _BLOCK_TAGS
        if block:
            parts.append("\n")
        parts.append(getattr(el, "text", None) or "")
        for child in el:  # type: ignore[attr-defined]
            walk(child)
        if block:
            parts.append("\n")
        parts.append(getattr(el, "tail", None) or "")

    walk(root)
    text = "".join(parts)
    return [" ".join(line.split()) for line in text.split("\n") if line.strip()]


# --- PDF --------------------------------------------------------------------------------------

_FINAL_PUNCT = tuple("。！？；：”!?")
_HEADING = re.compile(HEADING_MARKER)
_PAGE_NUMBER = re.compile(r"^[-—–－\s]*(?:第\s*)?\d{1,4}(?:\s*页)?(?:\s*/\s*\d{1,4})?[-—–－\s]*$")


def _read_pdf(data: bytes, source: str) -> tuple[str, str, str]:
    import pypdf
    from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError

    if b"%PDF-" not in data[:1024]:
        raise LoadError(source, "not a PDF file (no %PDF header)")
    if b"%%EOF" not in data[-2048:]:
        raise LoadError(source, "truncated or damaged PDF (no end-of-file marker)")
    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")
            except DependencyError:
                raise LoadError(source, "encrypted PDF (AES support is not installed)") from None
            if not opened:
                raise LoadError(source, "encrypted PDF (needs a password)")
        pages = _pdf_pages(reader, source)
        title = _pdf_title(reader)
    except FileNotDecryptedError:
        raise LoadError(source, "encrypted PDF (needs a password)") from None
    except PdfReadError as exc:
        raise LoadError(source, f"damaged PDF: {_describe(exc)}") from exc
    if not pages:
        raise LoadError(source, "empty (PDF has no pages)")
    if not any(page.strip() for page in pages):
        raise LoadError(source, "no text layer (scanned PDF?)")
    return "\n".join(repair_pdf_lines(pages)), title, ""


def _pdf_pages(reader: object, source: str) -> list[str]:
    """The text of every page, refusing a PDF whose pages or content would not fit the
    bounds (checked page by page, before a page's text is extracted)."""
    count = len(reader.pages)  # type: ignore[attr-defined]
    if count > MAX_PDF_PAGES:
        raise LoadError(source, f"too many pages ({count}; the limit is {MAX_PDF_PAGES})")
    pages: list[str] = []
    content = chars = 0
    for number, page in enumerate(reader.pages, start=1):  # type: ignore[attr-defined]
        stream = page.get_contents()
        size = len(stream.get_data()) if stream is not None else 0
        content += size
        if size > MAX_PDF_PAGE_CONTENT:
            raise LoadError(
                source,
                f"page {number} unpacks to {_mb(size)} (the limit is "
                f"{_mb(MAX_PDF_PAGE_CONTENT)} a page)",
            )
        if content > MAX_PDF_CONTENT:
            raise LoadError(
                source,
                f"pages unpack to over {_mb(MAX_PDF_CONTENT)} (the limit); not read further",
            )
        text = page.extract_text() or ""
        chars += len(text)
        if chars > MAX_TEXT_CHARS:
            raise LoadError(source, _too_much_text(chars, at_least=True))
        pages.append(text)
    return pages


def _pdf_title(reader: object) -> str:
    meta = getattr(reader, "metadata", None)
    title = str(getattr(meta, "title", "") or "").strip() if meta else ""
    title = re.sub(r"^Microsoft Word\s*-\s*", "", title)
    title = re.sub(r"\.(?:docx?|wps|pdf)$", "", title, flags=re.IGNORECASE).strip()
    return "" if title.lower() in {"untitled", "无标题", "anonymous"} else title


def repair_pdf_lines(pages: list[str]) -> list[str]:
    """Join lines the page layout broke mid-paragraph; one paragraph or heading a line.

    A line runs on into the next unless it ends with sentence-final punctuation, the next
    line starts a heading (一、 / （一） / 1.), or the line is short for the page (the last
    line of a paragraph, a title). A heading runs on only when it fills its line and the
    next line is a short remainder (a heading wrapped in two).
    """
    lines: list[str] = []
    for page in pages:
        page_lines = [" ".join(line.split()) for line in page.splitlines()]
        page_lines = [line for line in page_lines if line]
        # Page numbers sit on the first or last line of a page.
        while page_lines and _PAGE_NUMBER.match(page_lines[-1]):
            page_lines.pop()
        while page_lines and _PAGE_NUMBER.match(page_lines[0]):
            page_lines.pop(0)
        lines.extend(page_lines)
    if not lines:
        return []
    full = _full_width(lines)
    out: list[str] = [lines[0]]
    for line in lines[1:]:
        prev = out[-1]
        if _runs_on(prev, line, full):
            sep = (
                " " if re.search(r"[A-Za-z0-9,]$", prev) and re.match(r"[A-Za-z0-9]", line) else ""
            )
            out[-1] = prev + sep + line
        else:
            out.append(line)
    return out


def _width(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)


def _full_width(lines: list[str]) -> int:
    """The display width of a full line of body text (80th percentile of line widths)."""
    widths = sorted(_width(line) for line in lines)
    return widths[min(len(widths) - 1, int(len(widths) * 0.8))]


def _runs_on(prev: str, line: str, full: int) -> bool:
    if prev.endswith(_FINAL_PUNCT) or _HEADING.match(line):
        return False
    prev_width = _width(prev)
    if _HEADING.match(prev):
        return prev_width >= 0.9 * full and _width(line) < 0.7 * full
    return prev_width >= 0.85 * full


# --- DOCX -------------------------------------------------------------------------------------


def _read_docx(data: bytes, source: str) -> tuple[str, str, str]:
    import zipfile

    import docx
    from docx.table import Table

    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise LoadError(source, "not a .docx file (not a zip package; an old .doc?)")
    _check_package(data, source)
    document = docx.Document(io.BytesIO(data))
    lines: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            lines.extend(_table_lines(block))
        else:
            lines.append(block.text)
    title = (document.core_properties.title or "").strip()
    return "\n".join(lines), title, ""


def _check_package(data: bytes, source: str) -> None:
    """Refuse a zip package that would unpack to too much (a zip bomb), from its directory."""
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as package:
        members = package.infolist()
    if len(members) > MAX_DOCX_MEMBERS:
        raise LoadError(
            source,
            f"refused: {len(members)} parts in the package (the limit is {MAX_DOCX_MEMBERS})",
        )
    unpacked = sum(m.file_size for m in members)
    if unpacked > MAX_DOCX_UNPACKED:
        raise LoadError(
            source,
            f"refused: unpacks to {_mb(unpacked)} (the limit is {_mb(MAX_DOCX_UNPACKED)}); "
            "a zip bomb?",
        )
    xml = sum(m.file_size for m in members if m.filename.endswith((".xml", ".rels")))
    if xml > MAX_DOCX_XML:
        raise LoadError(
            source,
            f"refused: its XML unpacks to {_mb(xml)} (the limit is {_mb(MAX_DOCX_XML)})",
        )
    for m in members:
        if m.file_size > _RATIO_CHECKED_FROM and m.file_size > MAX_DOCX_RATIO * max(
            1, m.compress_size
        ):
            ratio = m.file_size / max(1, m.compress_size)
            raise LoadError(
                source,
                f"refused: part {m.filename!r} is compressed {ratio:.0f} to 1 "
                f"(the limit is {MAX_DOCX_RATIO}); a zip bomb?",
            )


def _mb(size: int) -> str:
    return f"{size / 1e9:.1f} GB" if size >= 1e9 else f"{size / 1e6:.1f} MB"


def _table_lines(table: object) -> list[str]:
    """Each distinct cell's paragraphs as lines, row by row (merged cells once)."""
    from docx.table import Table

    lines: list[str] = []
    # Keyed by id but holding the element: lxml proxies that die can hand their id on.
    seen: dict[int, object] = {}
    for row in table.rows:  # type: ignore[attr-defined]
        for cell in row.cells:
            if id(cell._tc) in seen:
                continue
            seen[id(cell._tc)] = cell._tc
            for block in cell.iter_inner_content():
                if isinstance(block, Table):
                    lines.extend(_table_lines(block))
                else:
                    lines.append(block.text)
    return lines


# Registered in the order the upload form names them.
register_format(
    "pdf",
    [".pdf"],
    _read_pdf,
    description="PDF with a text layer (a scanned PDF is refused); lines rejoined into paragraphs",
    label="PDF",
)
register_format(
    "docx",
    [".docx"],
    _read_docx,
    description="Word document, tables included (not the older .doc)",
    label="Word",
)
register_format(
    "txt",
    [".txt"],
    _read_txt,
    description="Plain text, one paragraph a line (UTF-8, GBK/GB18030 or detected)",
    label="TXT",
    plain_text=True,
)
register_format(
    "md",
    [".md", ".markdown"],
    _read_md,
    description="Markdown (CommonMark with tables), read as plain text",
    label="Markdown",
    plain_text=True,
)
register_format(
    "html",
    [".html", ".htm"],
    _read_html,
    description="Web page: the main text, without the site's navigation and footers",
    label="HTML",
    max_bytes=MAX_HTML_BYTES,
)
