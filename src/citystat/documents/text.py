"""Plain text (UTF-8, UTF-8 with BOM, Big5/CP950), as typed or as pdftotext leaves it: form feeds end pages, tabs or
runs of two or more spaces separate the cells of a table row."""

from __future__ import annotations

import re

from citystat.documents.layout import Line, Segment, blocks_from_lines
from citystat.documents.model import Document, DocumentError
from citystat.encoding import EncodingError, decode

CELL_GAP = re.compile(r"\t+|[ \u3000]{2,}")


def decode_text(data: bytes, name: str) -> str:
    try:
        return decode(data, name=name).text
    except EncodingError as exc:
        raise DocumentError(str(exc)) from None


def lines_of(text: str) -> tuple[list[Line], int]:
    out: list[Line] = []
    pages = text.split("\f")
    number = 0
    for page_no, page in enumerate(pages, start=1):
        raw = page.split("\n")
        blank = True
        content = [i for i, r in enumerate(raw) if r.strip()]
        for i, row in enumerate(raw):
            number += 1
            row = row.rstrip("\r")
            if not row.strip():
                blank = True
                continue
            cells = [c for c in CELL_GAP.split(row.strip()) if c]
            band = ""
            if len(pages) > 1 and content:
                band = "top" if i in content[:2] else "bottom" if i in content[-2:] else ""
            out.append(Line([Segment(c) for c in cells], page_no if len(pages) > 1 else None, number,
                            blank_before=blank, band=band))
            blank = False
    return out, len(pages) if len(pages) > 1 else 0


def read_text(data: bytes, name: str) -> Document:
    text = decode_text(data, name)
    lines, pages = lines_of(text)
    return Document(name, "text", blocks_from_lines(lines, pages), pages)
