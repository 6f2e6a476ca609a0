"""PDF, read through pypdfium2 (Apache/BSD): the characters of each page with their boxes, grouped into lines and
cells by their positions, then laid out (``layout``). Text drawn inside a chart (a form XObject smaller than half
the page) is the chart's, superscript digits are note markers; neither is part of the text."""

from __future__ import annotations

import bisect
import ctypes
import statistics

import pypdfium2 as pdfium
import pypdfium2.raw as raw

from citystat.documents.layout import Line, Segment, blocks_from_lines
from citystat.documents.model import Block, BlockKind, Box, Document, DocumentError

Char = tuple[str, Box, float, float]  # the character, its box, its font size, its baseline
BAND = 0.08  # the top and bottom of a page where running headers, footers and page numbers stand


def read_pdf(data: bytes, name: str) -> Document:
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        text = str(exc).lower()
        if "password" in text:
            raise DocumentError(f"{name}: the PDF is encrypted with a password; it has no readable text layer "
                                "without it") from None
        raise DocumentError(f"{name}: is not a readable PDF ({exc})") from None
    try:
        lines: list[Line] = []
        sizes: list[tuple[float, float]] = []
        figure_lines: list[Block] = []
        chars = 0
        for index in range(len(pdf)):
            page = pdf[index]
            width, height = page.get_size()
            sizes.append((width, height))
            page_lines, page_chars, figures = _page_lines(page, index + 1, width, height)
            lines += page_lines
            figure_lines += figures
            chars += page_chars
        if chars == 0:
            raise DocumentError(f"{name}: the PDF has no text layer ({len(pdf)} page(s) of images only); "
                                "run it through OCR first")
        blocks = blocks_from_lines(lines, len(pdf))
        blocks += figure_lines
        blocks.sort(key=lambda b: (b.page or 0, b.box[1] if b.box else 0.0))
        return Document(name, "pdf", blocks, len(pdf), sizes)
    finally:
        pdf.close()


def _figure_boxes(page: pdfium.PdfPage, width: float, height: float) -> list[Box]:
    out = []
    for obj in page.get_objects(max_depth=1):
        if obj.type != raw.FPDF_PAGEOBJ_FORM:
            continue
        left, bottom, right, top = obj.get_bounds()
        if (right - left) * (top - bottom) < width * height * 0.5:
            out.append((left - 0.5, height - top - 0.5, right + 0.5, height - bottom + 0.5))
    return _regions(out)


def _regions(boxes: list[Box], reach: float = 40.0) -> list[Box]:
    """The labels of a chart (drawn as small forms) span the chart: the union of the forms near each other."""
    regions: list[Box] = []
    for box in sorted(boxes, key=lambda b: (b[1], b[0])):
        for i, r in enumerate(regions):
            if box[0] <= r[2] + reach and box[2] >= r[0] - reach and box[1] <= r[3] + reach and box[3] >= r[1] - reach:
                regions[i] = (min(r[0], box[0]), min(r[1], box[1]), max(r[2], box[2]), max(r[3], box[3]))
                break
        else:
            regions.append(box)
    return [r for r in regions if r[2] - r[0] > 60 and r[3] - r[1] > 40] + [
        b for b in boxes if not any(r[2] - r[0] > 60 and r[3] - r[1] > 40 and r[0] <= b[0] and b[2] <= r[2] and
                                    r[1] <= b[1] and b[3] <= r[3] for r in regions)]


def _inside(box: Box, boxes: list[Box]) -> bool:
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return any(b[0] <= cx <= b[2] and b[1] <= cy <= b[3] for b in boxes)


def _page_lines(page: pdfium.PdfPage, number: int, width: float, height: float
                ) -> tuple[list[Line], int, list[Block]]:
    textpage = page.get_textpage()
    try:
        count = textpage.count_chars()
        text = textpage.get_text_range(0, count) if count else ""
        figures = _figure_boxes(page, width, height)
        chars: list[Char] = []
        spaces: list[Box] = []
        figure_chars: list[Char] = []
        ox, oy = ctypes.c_double(), ctypes.c_double()
        for i in range(min(count, len(text))):
            ch = text[i]
            if ch in "\r\n\ufffe":
                continue
            left, bottom, right, top = textpage.get_charbox(i)
            box = (left, height - top, right, height - bottom)
            if ch.isspace():
                spaces.append(box)
                continue
            if raw.FPDFText_IsGenerated(textpage, i):
                continue
            size = raw.FPDFText_GetFontSize(textpage, i)
            raw.FPDFText_GetCharOrigin(textpage, i, ox, oy)
            baseline = height - oy.value
            if figures and _inside(box, figures):
                figure_chars.append((ch, box, size, baseline))
            else:
                chars.append((ch, box, size, baseline))
    finally:
        textpage.close()
    lines = _columns(_lines(chars, number, height, spaces), width)
    figure_blocks = []
    for line in _lines(figure_chars, number, height, []):
        figure_blocks.append(Block(BlockKind.FIGURE, line.text, number, (line.x0, line.top, line.x1, line.bottom)))
    return lines, len(chars) + len(figure_chars), figure_blocks


def _prose(segment: Segment) -> bool:
    text = segment.text
    return len(text) >= 10 and sum(ch.isdigit() for ch in text) < len(text) * 0.3


def _columns(lines: list[Line], width: float) -> list[Line]:
    """A page set in two columns: a gutter near the middle of the page that almost no text crosses, with text on
    both sides of it. The left column is then read before the right one; lines across the gutter (a title) keep
    their place above the columns."""
    body = [line for line in lines if not line.band]
    segments = [s for line in body for s in line.segments]
    if len(body) < 8:
        return lines
    best: tuple[int, float] | None = None
    x = width * 0.35
    while x < width * 0.65:
        crossing = sum(1 for s in segments if s.x0 < x < s.x1)
        if best is None or crossing < best[0]:
            best = (crossing, x)
        x += 2.0
    assert best is not None
    crossing, gutter = best
    left_side = sum(1 for s in segments if s.x1 <= gutter and _prose(s))
    right_side = sum(1 for s in segments if s.x0 >= gutter and _prose(s))
    rows = sum(1 for line in body if len(line.segments) > 2)  # table rows leave gutters too
    if crossing > len(segments) * 0.05 or left_side < len(body) * 0.3 or right_side < len(body) * 0.3 or \
            rows > len(body) * 0.2:
        return lines
    first_split = next((i for i, line in enumerate(lines) if not line.band and all(
        s.x1 <= gutter or s.x0 >= gutter for s in line.segments)), len(lines))
    head = lines[:first_split]
    left: list[Line] = []
    right: list[Line] = []
    tail: list[Line] = []
    for line in lines[first_split:]:
        before = [s for s in line.segments if s.x1 <= gutter]
        after = [s for s in line.segments if s.x0 >= gutter]
        if line.band or len(before) + len(after) != len(line.segments):
            tail.append(line)  # furniture, or a line across the gutter below the columns
            continue
        if before:
            left.append(Line(before, line.page, line.number, line.top, line.bottom, line.size, band=line.band))
        if after:
            right.append(Line(after, line.page, line.number, line.top, line.bottom, line.size, band=line.band,
                              column=1))
    return head + left + right + tail


def _lines(chars: list[Char], number: int, height: float, spaces: list[Box]) -> list[Line]:
    visible = _without_markers([c for c in chars if not c[0].isspace()])
    if not visible:
        return []
    rows: list[list[Char]] = []
    # rows by baseline: every character of a line sits on it, whatever its height
    for ch in sorted(visible, key=lambda c: (c[3], c[1][0])):
        if rows and abs(rows[-1][0][3] - ch[3]) <= max(1.0, min(ch[2], rows[-1][0][2]) * 0.3):
            rows[-1].append(ch)
        else:
            rows.append([ch])
    page_size = statistics.median(c[2] for c in visible)
    out = []
    for row in rows:
        row.sort(key=lambda c: c[1][0])
        size = statistics.median(c[2] for c in row)
        if size < page_size * 0.85 and all(c[0].isalnum() for c in row) and len(row) <= 3 * max(
                1, sum(1 for a, b in zip(row, row[1:], strict=False) if b[1][0] - a[1][2] > size) + 1):
            continue  # a row of raised note markers (68.8 e³ 87.3 e⁴), set apart by their own baseline
        base = max(c[1][3] for c in row if c[2] >= size * 0.9) if any(c[2] >= size * 0.9 for c in row) else 0
        kept = [c for c in row if not (c[2] < size * 0.8 and c[1][3] < base - (c[1][3] - c[1][1]) * 0.3
                                       and c[0].isalnum())]  # a raised note marker
        if not kept:
            continue
        top = min(c[1][1] for c in kept)
        bottom = max(c[1][3] for c in kept)
        gaps = sorted(x for x in ((b[0] + b[2]) / 2 for b in spaces if top <= (b[1] + b[3]) / 2 <= bottom))
        segments: list[Segment] = []
        current: list[Char] = [kept[0]]
        for prev, ch in zip(kept, kept[1:], strict=False):
            gap = ch[1][0] - prev[1][2]
            if gap > max(size, 4.0) * 0.9:
                segments.append(_segment(current, size, gaps))
                current = []
            current.append(ch)
        segments.append(_segment(current, size, gaps))
        band = "top" if bottom < height * BAND else "bottom" if top > height * (1 - BAND) else ""
        out.append(Line(segments, number, 0, top, bottom, size, band=band))
    out.sort(key=lambda line: (line.bottom, line.x0))
    return out


def _without_markers(chars: list[Char]) -> list[Char]:
    """Raised small digits or letters right after a larger character are note markers (連網², 68.8 e³)."""
    if not chars:
        return chars
    body = statistics.median(c[2] for c in chars)
    by_right: dict[int, list[Char]] = {}
    for c in chars:
        by_right.setdefault(int(c[1][2]), []).append(c)
    out = []
    for ch in chars:
        if ch[2] < body * 0.85 and ch[0].isalnum():
            near = [o for x in range(int(ch[1][0]) - 7, int(ch[1][0]) + 2) for o in by_right.get(x, ())]
            raised = any(o[2] >= ch[2] * 1.1 and -1.0 <= ch[1][0] - o[1][2] <= 6.0 and
                         ch[3] < o[3] - o[2] * 0.2 and o[1][1] - 2 <= ch[1][1]
                         for o in near if o is not ch)
            if raised:
                continue
        out.append(ch)
    return out


def _segment(chars: list[Char], size: float, spaces: list[float]) -> Segment:
    """The characters of a cell, with a space where the PDF has one (or a word gap between Latin letters)."""
    text = ""
    boxes: list[Box | None] = []
    for i, (ch, box, _, _) in enumerate(chars):
        if i:
            gap = box[0] - chars[i - 1][1][2]
            left, right = chars[i - 1][1][2] - 0.5, box[0] + 0.5
            k = bisect.bisect_left(spaces, left)
            spaced = k < len(spaces) and spaces[k] <= right
            if spaced or (gap > size * 0.3 and not _cjk(ch) and not _cjk(chars[i - 1][0])):
                text += " "
                boxes.append(None)
        text += ch
        boxes.append(box)
    return Segment(text, boxes, chars[0][1][0], chars[-1][1][2])


def _cjk(ch: str) -> bool:
    return "\u2e80" <= ch <= "\u9fff" or "\u3000" <= ch <= "\u303f" or "\uff00" <= ch <= "\uffef"
