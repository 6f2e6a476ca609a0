"""Word documents (.docx), read through python-docx: paragraphs by their style (Heading, List, Caption) and tables
as rows of cells, in the order of the body; the position of each is its paragraph or table number."""

from __future__ import annotations

import io
import zipfile

import docx
from docx.table import Table
from docx.text.paragraph import Paragraph

from citystat.documents.layout import CAPTION, FOOTNOTE, LIST_MARKER, UNITS
from citystat.documents.model import Block, BlockKind, Cell, Document, DocumentError


def read_docx(data: bytes, name: str) -> Document:
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise DocumentError(f"{name}: is not a Word document (.docx is a zip archive and this file is not one; "
                            "an old .doc must be saved as .docx)")
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises several kinds for a zip that is not a document
        raise DocumentError(f"{name}: is a zip archive but not a Word document ({exc})") from None
    blocks: list[Block] = []
    paragraphs = tables = 0
    for item in document.iter_inner_content():
        if isinstance(item, Paragraph):
            paragraphs += 1
            text = item.text.strip()
            if not text:
                continue
            blocks.append(Block(_kind(item, text), text, path=f"paragraph {paragraphs}"))
        elif isinstance(item, Table):
            tables += 1
            rows = []
            for r, row in enumerate(item.rows):
                cells, seen = [], set()
                for cell in row.cells:
                    key = id(cell._tc)
                    words = cell.text.strip() if key not in seen else ""
                    seen.add(key)
                    cells.append(Cell(words, header=r == 0))
                rows.append(cells)
            caption = ""
            if blocks and blocks[-1].kind is BlockKind.CAPTION and len(blocks[-1].text) <= 80:
                caption = blocks.pop().text
            elif blocks and blocks[-1].kind is BlockKind.HEADING:
                caption = blocks[-1].text
            blocks.append(Block(BlockKind.TABLE, "\n".join("\t".join(c.text for c in r) for r in rows),
                                path=f"table {tables}", rows=rows, caption=caption))
    return Document(name, "docx", blocks)


def _kind(paragraph: Paragraph, text: str) -> BlockKind:
    style = (paragraph.style.name if paragraph.style is not None else "").lower()
    if style.startswith(("heading", "title", "標題")):
        return BlockKind.HEADING
    if style.startswith(("caption", "標號")) or CAPTION.match(text) or UNITS.match(text):
        return BlockKind.CAPTION
    if FOOTNOTE.match(text):
        return BlockKind.FOOTNOTE
    if "list" in style or LIST_MARKER.match(text):
        return BlockKind.LIST_ITEM
    return BlockKind.PARAGRAPH
