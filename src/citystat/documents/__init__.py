"""Documents as agencies publish them (PDF, HTML, DOCX, Markdown, text), read into one model of blocks with
positions (``model``), with the layout work done once for all (``layout``). Each reader is chosen by ``handles()``:
the file's first bytes, then its suffix."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from citystat.documents.model import Block, BlockKind, Cell, Document, DocumentError

Reader = Callable[[bytes, str], Document]


def handles(data: bytes, name: str) -> str:
    """The format of a document: pdf, docx, html, markdown or text."""
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    suffix = Path(name).suffix.lower()
    if data.startswith(b"%PDF") or suffix == ".pdf":
        return "pdf"
    if data.startswith(b"PK\x03\x04") or suffix in (".docx", ".doc"):
        return "docx"
    if head.startswith((b"<!doctype html", b"<html", b"<?xml")) or suffix in (".html", ".htm", ".xhtml"):
        return "html"
    if suffix in (".md", ".markdown"):
        return "markdown"
    return "text"


def read_document(data: bytes, name: str = "input", format: str | None = None) -> Document:
    """Read a document of any supported format; a DocumentError says precisely why one cannot be read."""
    kind = format or handles(data, name)
    if kind == "pdf":
        if not data.startswith(b"%PDF"):
            raise DocumentError(f"{name}: is named .pdf but is not a PDF (it does not start with %PDF)")
        from citystat.documents.pdf import read_pdf
        return read_pdf(data, name)
    if kind == "docx":
        from citystat.documents.docx import read_docx
        return read_docx(data, name)
    if kind == "html":
        from citystat.documents.html import read_html
        return read_html(data, name)
    if kind == "markdown":
        from citystat.documents.markdown import read_markdown
        return read_markdown(data, name)
    from citystat.documents.text import read_text
    return read_text(data, name)


def read_path(path: Path) -> Document:
    return read_document(path.read_bytes(), path.name)


__all__ = ["Block", "BlockKind", "Cell", "Document", "DocumentError", "handles", "read_document", "read_path"]
