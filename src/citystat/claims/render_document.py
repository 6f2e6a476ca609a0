"""A checked document as a reader acts on it: the document itself in HTML (its headings, paragraphs and tables as
tables) with every number marked — green correct, red wrong with the right wording, amber ambiguous, grey
unverifiable or not a claim — each mark with a tooltip of its cells and formula; and, for a PDF, a copy of the PDF
with the same marks as highlight annotations on its pages."""

from __future__ import annotations

import html
import io
from collections import defaultdict

from citystat.claims.document import DocumentReport, Placed
from citystat.claims.model import Status
from citystat.claims.render import _CSS, SEVERITY, _plain, _tip
from citystat.claims.tables import CellCheck, TableCheck
from citystat.documents.model import Block, BlockKind, Box

COLOURS = {Status.CORRECT: "8fd694", Status.WRONG: "e53935", Status.AMBIGUOUS: "f5b400",
           Status.UNVERIFIABLE: "9e9e9e", Status.NOT_A_CLAIM: "cfcfcf"}
_EXTRA_CSS = """
mark.not_a_claim { background: #f4f4f4; border-color: #cfcfcf; }
table.doc { border-collapse: collapse; margin: 1rem 0; font-size: .9rem; }
table.doc td, table.doc th { border: 1px solid #ccc; padding: .15rem .5rem; text-align: right; }
table.doc th { background: #f6f6f6; text-align: left; }
table.doc caption { text-align: left; font-weight: bold; padding: .3rem 0; }
.matched { font-size: .8rem; color: #555; }
.where { color: #999; font-size: .7rem; margin-left: .5rem; }
"""
TAGS = {BlockKind.HEADING: "h2", BlockKind.PARAGRAPH: "p", BlockKind.LIST_ITEM: "li", BlockKind.CAPTION: "p",
        BlockKind.FOOTNOTE: "p"}


def _marked(block: Block, placed: list[Placed]) -> str:
    text = block.text
    out, position = [], 0
    for item in sorted(placed, key=lambda p: (p.start, -p.end)):
        if item.start < position:
            continue
        verdict = item.verdict
        out.append(html.escape(text[position:item.start]))
        out.append(f'<mark class="{verdict.status.value}" tabindex="0" data-claim="{verdict.claim.id}" '
                   f'title="{html.escape(_plain(verdict), quote=True)}">{html.escape(text[item.start:item.end])}'
                   f'<span class="tip">{_tip(verdict)}</span></mark>')
        position = item.end
    out.append(html.escape(text[position:]))
    return "".join(out)


def _cell_mark(cell: CellCheck, table: TableCheck) -> str:
    tip = (f"<b>{cell.status.value}</b> · {html.escape(table.table or '')}<br>{html.escape(cell.in_language)}"
           f"<br>{html.escape(cell.row_label)} × {html.escape(cell.column_label)}")
    if cell.coordinates:
        tip += "<br><code>" + html.escape(", ".join(f"{k}={v}" for k, v in cell.coordinates.items())) + "</code>"
    return (f'<mark class="{cell.status.value}" tabindex="0" title="{html.escape(cell.in_language, quote=True)}">'
            f'{html.escape(cell.text)}<span class="tip">{tip}</span></mark>')


def _table(check: TableCheck) -> str:
    cells = {(c.row, c.column): c for c in check.cells}
    rows = []
    for r, row in enumerate(check.block.rows):
        tds = []
        for c, cell in enumerate(row):
            tag = "th" if cell.header else "td"
            found = cells.get((r, c))
            inner = _cell_mark(found, check) if found else html.escape(cell.text)
            tds.append(f"<{tag}>{inner}</{tag}>")
        rows.append("<tr>" + "".join(tds) + "</tr>")
    matched = check.summary
    return (f'<table class="doc"><caption>{html.escape(check.block.caption)}'
            f'<span class="matched"> — {html.escape(matched)}</span></caption>{"".join(rows)}</table>')


def as_document_html(report: DocumentReport, *, title: str) -> str:
    by_block: dict[int, list[Placed]] = defaultdict(list)
    for item in report.placed:
        by_block[id(item.block)].append(item)
    tables = {id(t.block): t for t in report.tables}
    body = []
    for block in report.document.blocks:
        if block.kind is BlockKind.TABLE and id(block) in tables:
            body.append(_table(tables[id(block)]))
        elif block.kind.read:
            tag = TAGS.get(block.kind, "p")
            where = f'<span class="where">{html.escape(block.where())}</span>'
            body.append(f"<{tag}>{_marked(block, by_block.get(id(block), []))}{where}</{tag}>")
    summary = report.summary
    counts = "".join(f'<span class="{s.value}">{summary[s.value]} {s.value}</span>' for s in Status)
    left_out = ", ".join(f"{n} {kind}" for kind, n in report.left_out().items())
    lang = "zh-Hant-TW" if report.report.lang == "zh-TW" else "en"
    return (f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{html.escape(title)}</title>'
            f"<style>{_CSS}{_EXTRA_CSS}</style></head><body><h1>{html.escape(title)}</h1>"
            f'<p class="summary">{counts}</p><p class="matched">left out: {html.escape(left_out or "nothing")}</p>'
            f'<div class="text">{"".join(body)}</div></body></html>\n')


def _quad(box: Box, height: float) -> tuple[list[float], tuple[float, float, float, float]]:
    x0, top, x1, bottom = box
    y0, y1 = height - bottom, height - top
    return [x0, y1, x1, y1, x0, y0, x1, y0], (x0, y0, x1, y1)


def as_annotated_pdf(report: DocumentReport, data: bytes) -> bytes:
    """A copy of the PDF with each number highlighted in its verdict's colour and the message as its note."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.annotations import Highlight
    from pypdf.generic import ArrayObject, FloatObject, NameObject, TextStringObject

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    marks: list[tuple[int, list[Box], Status, str]] = []
    for item in report.placed:
        if item.block.page is not None and item.verdict.status is not Status.NOT_A_CLAIM:
            marks.append((item.block.page, item.boxes, item.verdict.status, item.verdict.in_language))
    for table in report.tables:
        for cell in table.cells:
            box = table.block.rows[cell.row][cell.column].box if cell.row < len(table.block.rows) else None
            if box is not None and table.block.page is not None:
                marks.append((table.block.page, [box], cell.status, cell.in_language))
    for page, boxes, status, message in sorted(marks, key=lambda m: SEVERITY[m[2]]):
        if not boxes:
            continue
        height = float(writer.pages[page - 1].mediabox.height)
        quads: list[float] = []
        rect = [float("inf"), float("inf"), 0.0, 0.0]
        for box in boxes:
            points, (x0, y0, x1, y1) = _quad(box, height)
            quads += points
            rect = [min(rect[0], x0), min(rect[1], y0), max(rect[2], x1), max(rect[3], y1)]
        annotation = Highlight(rect=(rect[0], rect[1], rect[2], rect[3]),
                               quad_points=ArrayObject(FloatObject(q) for q in quads),
                               highlight_color=COLOURS[status])
        annotation[NameObject("/Contents")] = TextStringObject(f"{status.value}: {message}")
        annotation[NameObject("/T")] = TextStringObject("citystat check")
        writer.add_annotation(page - 1, annotation)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
