"""Layout: from lines as a page or a file lays them out, to the blocks a reader sees.

The rules are general, not per document:
- a line that only numbers the page (第 7 頁, - 7 -, Page 7 of 24) is a page number; a line that recurs at the top or
  the bottom of several pages (digits aside) is a running header or footer;
- a contents title (目次, 目錄, Contents) starts the contents, which run to the end of its page, and a line that ends
  in leader dots and a page number is a contents line wherever it stands;
- a run of lines split into two or more cells (wide gaps in a PDF, tabs or runs of spaces in text), numbers among
  them, is a table; the title line just before it (表 1, Table 1, 單位：) is its caption;
- other lines join into paragraphs: a line wrapped mid-sentence continues on the next (Chinese joins without a
  space); a blank line, a wide vertical gap, a larger font, a list marker, or a line ending a sentence short of the
  margin ends the block.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from citystat.documents.model import Block, BlockKind, Box, Cell

PAGE_NUMBER = re.compile(
    r"^(?:第\s*\d{1,4}\s*頁(?:\s*[,，/／]?\s*共\s*\d{1,4}\s*頁)?|[-–—]\s*\d{1,4}\s*[-–—]|\d{1,4}|"
    r"(?:page|p\.)\s*\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?|\d{1,4}\s*/\s*\d{1,4})$", re.IGNORECASE)
CONTENTS_TITLE = re.compile(r"^(?:目\s*次|目\s*錄|table\s+of\s+contents|contents)$", re.IGNORECASE)
LEADER = re.compile(r"(?:\.{4,}|…{2,}|·{4,}|‧{4,}|-{6,})\s*\d{1,4}$")
LIST_MARKER = re.compile(r"^(?:[•●○◆◇■□▪・‧*\-–]\s|[（(]?[一二三四五六七八九十]+[）)、]|\d{1,2}[.、)）]\s?(?=\D)|"
                         r"[（(]\d{1,2}[）)]|[①-⑳])")
FOOTNOTE = re.compile(r"^(?:註|附註|說明|備註|資料來源|來源|note|notes|source|sources)\s*[0-9０-９]*\s*[:：.]",
                      re.IGNORECASE)
CAPTION = re.compile(r"^(?:[表圖]\s*[0-9０-９]+(?:[-–.][0-9]+)?|(?:table|figure|fig\.|chart)\s*\d+)", re.IGNORECASE)
FIGURE_CAPTION = re.compile(r"^(?:圖\s*[0-9０-９]|(?:figure|fig\.|chart)\s*\d)", re.IGNORECASE)
UNITS = re.compile(r"^(?:單位|unit|units)\s*[:：]", re.IGNORECASE)
PERIOD_LINE = re.compile(r"(?:end of\s*)?(?:19|20)\d{2}(?:\s*[–\-~]\s*(?:end of\s*)?(?:19|20)\d{2})?",
                         re.IGNORECASE)
NUMBERS_ONLY = re.compile(r"(?:[\d,.%％\s]|年|底|end of|(?<=\s)[epr](?=\s|$))+", re.IGNORECASE)
STATUS_CELL = re.compile(r"(?:\.\.|…|-|–|—|x|\*)(?:\s+(?:\.\.|…|-|–|—|x|\*))*")
SENTENCE_END = re.compile(r"[。！？!?；;：:]\s*$|[.]\s*$")
NUMERIC_CELL = re.compile(r"^[\s(（]*[-−+]?[\d,]+(?:\.\d+)?\s*(?:%|％|萬|億|[a-z])?[\s)）]*(?:[epr*]|\.\.)?$",
                          re.IGNORECASE)


@dataclass
class Segment:
    text: str
    boxes: list[Box | None] | None = None
    x0: float = 0.0
    x1: float = 0.0


@dataclass
class Line:
    segments: list[Segment]
    page: int | None = None
    number: int = 0  # the line of a text file
    top: float = 0.0
    bottom: float = 0.0
    size: float = 0.0  # font size; 0 when unknown (text)
    blank_before: bool = False
    path: str = ""
    kind: BlockKind | None = None  # set when the line is known to be a heading, list item ... (Markdown)
    band: str = ""  # top / bottom: the line is in the page's margin
    column: int = 0  # on a page set in columns, which one

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.segments)

    @property
    def boxes(self) -> list[Box | None] | None:
        if not any(s.boxes for s in self.segments):
            return None
        out: list[Box | None] = []
        for i, segment in enumerate(self.segments):
            if i:
                out.append(None)
            out += segment.boxes or [None] * len(segment.text)
        return out

    @property
    def x0(self) -> float:
        return self.segments[0].x0 if self.segments else 0.0

    @property
    def x1(self) -> float:
        return self.segments[-1].x1 if self.segments else 0.0


@dataclass
class _Para:
    lines: list[Line] = field(default_factory=list)
    kind: BlockKind = BlockKind.PARAGRAPH


def _is_cjk(ch: str) -> bool:
    return "\u2e80" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" or "\u3000" <= ch <= "\u303f" or \
        "\uff00" <= ch <= "\uffef"


def join_words(left: str, right: str) -> str:
    """Two pieces of one text: Chinese and a word broken at a hyphen join as they are, other words with a space."""
    if not left or not right:
        return left or right
    if _is_cjk(left[-1]) or _is_cjk(right[0]) or left.endswith("-"):
        return left + right
    return left + " " + right


def join_lines(lines: list[Line]) -> tuple[str, list[Box | None] | None]:
    """Lines wrapped mid-sentence, joined: Chinese without a space, other text with one (a hyphen at a line end
    that splits a word is kept, since it cannot be told from a compound's)."""
    text = ""
    boxes: list[Box | None] | None = [] if any(line.boxes for line in lines) else None
    for line in lines:
        piece = line.text.strip()
        piece_boxes = line.boxes
        if piece_boxes is not None:
            lead = len(line.text) - len(line.text.lstrip())
            piece_boxes = piece_boxes[lead:lead + len(piece)]
        if text and piece and not (_is_cjk(text[-1]) or _is_cjk(piece[0])):
            text += " "
            if boxes is not None:
                boxes.append(None)
        text += piece
        if boxes is not None:
            boxes += piece_boxes if piece_boxes is not None else [None] * len(piece)
    return text, boxes


def _furniture(lines: list[Line], pages: int) -> None:
    """Page numbers, running headers and footers, and the contents."""
    if pages > 1:
        seen: Counter[str] = Counter()
        for key in {(line.page, k) for line in lines if line.band for k in _patterns(line)}:
            seen[key[1]] += 1
        repeated = {k for k, n in seen.items() if n >= max(2, pages // 3)}
        for line in lines:
            if line.band and any(k in repeated for k in _patterns(line)):
                line.kind = BlockKind.HEADER
    for line in lines:
        text = line.text.strip()
        spelled = re.match(r"^(?:第\s*\d{1,4}\s*頁|page\s+\d{1,4})", text, re.IGNORECASE)
        if PAGE_NUMBER.match(text) and (line.band or spelled) and not (PERIOD_LINE.fullmatch(text) and not spelled):
            line.kind = BlockKind.PAGE_NUMBER
        elif LEADER.search(text):
            line.kind = BlockKind.CONTENTS
    contents_page: int | None = None
    in_contents = False
    for line in lines:
        text = line.text.strip()
        if CONTENTS_TITLE.match(text):
            in_contents, contents_page = True, line.page
            line.kind = BlockKind.CONTENTS
            continue
        if in_contents:
            if line.size and line.page != contents_page:  # a laid-out page: the contents fill theirs
                in_contents = any(LEADER.search(x.text) for x in lines if x.page == line.page)
            elif not line.size and (line.blank_before or line.page != contents_page) and \
                    not re.search(r"\d+\s*$", text):
                in_contents = False
            if in_contents and line.kind is None:
                line.kind = BlockKind.CONTENTS


def _patterns(line: Line) -> set[str]:
    """A running header is known by its whole text, or by its first cell (the title, beside a chapter's name)."""
    out = {_pattern(line.text)}
    if len(line.segments) > 1:
        out.add("first:" + _pattern(line.segments[0].text))
    return out


def _pattern(text: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", text))


def _cellish(line: Line) -> bool:
    return len(line.segments) >= 2 and line.kind is None


def _numeric(line: Line) -> bool:
    """A row of figures, or of status symbols standing for them (.. not available, - nil)."""
    if any(NUMERIC_CELL.match(s.text) for s in line.segments):
        return True
    rest = [s.text.strip() for s in line.segments[1:]]
    return bool(rest) and all(STATUS_CELL.fullmatch(t) for t in rest)


def _tables(lines: list[Line]) -> list[tuple[int, int]]:
    """Runs of lines split into cells, with numbers in at least two of them: (first, last + 1)."""
    out = []
    i = 0
    while i < len(lines):
        if not _cellish(lines[i]):
            i += 1
            continue
        j = i
        while j < len(lines) and (_cellish(lines[j]) or (lines[j].kind is None and j + 1 < len(lines) and
                                                         _cellish(lines[j + 1]) and j > i and
                                                         not lines[j].blank_before and
                                                         not CAPTION.match(lines[j].text.strip()) and
                                                         not _gap(lines[j - 1], lines[j]) and
                                                         len(lines[j].text) < 30)) and \
                (j == i or lines[j].page == lines[j - 1].page):
            j += 1
        cells = [line for line in lines[i:j] if _cellish(line)]
        if len(cells) >= 2 and sum(1 for line in cells if _numeric(line)) >= 1:
            out.append((i, j))
        i = max(j, i + 1)
    return out


def _table_block(lines: list[Line], caption: list[Line]) -> Block:
    """Rows of cells; header lines (before the first row with numbers) become header cells by column."""
    data = [line for line in lines if _cellish(line)]
    first_numeric = next(i for i, line in enumerate(data) if _numeric(line))
    width = Counter(len(line.segments) for line in data[first_numeric:]).most_common(1)[0][0]
    columns = _columns(data[first_numeric:], width)
    rows: list[list[Cell]] = []
    header_lines = data[:first_numeric]
    if header_lines:
        texts = [""] * width
        for line in header_lines:
            offset = width - len(line.segments) if not columns else 0  # a header without the stub's label
            for index, segment in enumerate(line.segments):
                col = max(0, min(width - 1, _column_of(segment, columns, index + offset)))
                texts[col] = join_words(texts[col], segment.text)
        rows.append([Cell(t, header=True) for t in texts])
    for line in data[first_numeric:]:
        cells = [Cell("") for _ in range(width)]
        for index, segment in enumerate(line.segments):
            col = max(0, min(width - 1, _column_of(segment, columns, index)))
            box = _union(segment.boxes)
            cells[min(col, width - 1)] = Cell(segment.text, header=index == 0 and not NUMERIC_CELL.match(
                segment.text), box=box)
        rows.append(cells)
    caption_text = " ".join(line.text.strip() for line in caption)
    first = lines[0]
    box = None
    boxes = [_union(s.boxes) for line in data for s in line.segments]
    known = [b for b in boxes if b is not None]
    if known:
        box = (min(b[0] for b in known), min(b[1] for b in known), max(b[2] for b in known), max(b[3] for b in known))
    text = "\n".join("\t".join(c.text for c in row) for row in rows)
    return Block(BlockKind.TABLE, text, first.page, box, first.path or f"line {first.number}", None, rows,
                 caption_text)


def _columns(lines: list[Line], width: int) -> list[tuple[float, float]]:
    full = [line for line in lines if len(line.segments) == width]
    if not full or not any(s.boxes for s in full[0].segments):
        return []
    return [(min(line.segments[c].x0 for line in full), max(line.segments[c].x1 for line in full))
            for c in range(width)]


def _column_of(segment: Segment, columns: list[tuple[float, float]], index: int) -> int:
    if not columns or segment.boxes is None:
        return index
    centre = (segment.x0 + segment.x1) / 2
    best = min(range(len(columns)), key=lambda c: 0 if columns[c][0] - 2 <= centre <= columns[c][1] + 2 else
               min(abs(centre - columns[c][0]), abs(centre - columns[c][1])))
    return best


def _union(boxes: list[Box | None] | None) -> Box | None:
    known = [b for b in boxes or [] if b is not None]
    if not known:
        return None
    return (min(b[0] for b in known), min(b[1] for b in known), max(b[2] for b in known), max(b[3] for b in known))


def blocks_from_lines(lines: list[Line], pages: int = 0) -> list[Block]:
    """The blocks of a sequence of lines (of a text file, or of the pages of a PDF in reading order)."""
    _furniture(lines, pages)
    sizes: Counter[float] = Counter()
    for line in lines:
        if line.size and line.kind is None:
            sizes[round(line.size, 1)] += len(line.text)
    body = sizes.most_common(1)[0][0] if sizes else 0.0
    right = _right_margins(lines)
    tables = _tables(lines)
    in_table = {i: (a, b) for a, b in tables for i in range(a, b)}
    out: list[Block] = []
    para: _Para | None = None

    def flush() -> None:
        nonlocal para
        if para is not None and para.lines:
            text, boxes = join_lines(para.lines)
            first = para.lines[0]
            if text.strip():
                box = _union(boxes)
                out.append(Block(para.kind, text, first.page, box, first.path or f"line {first.number}", boxes))
        para = None

    i = 0
    while i < len(lines):
        line = lines[i]
        if i in in_table:
            a, b = in_table[i]
            flush()
            caption = _take_caption(out)
            table = _table_block(lines[a:b], caption)
            if FIGURE_CAPTION.match(table.caption):  # the labels of a chart laid out as text, not a table
                table.kind = BlockKind.FIGURE
            out.append(table)
            i = b
            continue
        text = line.text.strip()
        if not text:
            flush()
            i += 1
            continue
        if line.kind in (BlockKind.HEADER, BlockKind.PAGE_NUMBER, BlockKind.CONTENTS, BlockKind.FIGURE):
            flush()
            out.append(Block(line.kind, text, line.page, _union(line.boxes), line.path or f"line {line.number}",
                             line.boxes))
            i += 1
            continue
        if line.kind is None and NUMBERS_ONLY.fullmatch(text) and \
                re.search(r"\d(?![\d,.]*\s*年)", text) and not CAPTION.match(text) and not PERIOD_LINE.fullmatch(text):
            flush()  # figures without a word: a chart's value labels or a stray table row, not a statement
            out.append(Block(BlockKind.FIGURE, text, line.page, _union(line.boxes), line.path or f"line {line.number}",
                             line.boxes))
            i += 1
            continue
        kind = line.kind or _kind_of(line, body)
        starts_new = para is None or line.blank_before or kind is not BlockKind.PARAGRAPH or \
            para.kind not in (BlockKind.PARAGRAPH, BlockKind.LIST_ITEM, BlockKind.FOOTNOTE) or \
            _gap(para.lines[-1], line) or _ended(para.lines[-1], line, right) or \
            bool(line.size and abs(line.size - para.lines[-1].size) > 0.6)
        if starts_new:
            flush()
            para = _Para([line], kind)
        else:
            assert para is not None
            para.lines.append(line)
        if kind in (BlockKind.HEADING, BlockKind.CAPTION) and line.kind is not None:
            flush()
        i += 1
    flush()
    return out


def _take_caption(out: list[Block]) -> list[Line]:
    """The title and units lines just before a table become its caption (they are taken out of the prose)."""
    taken: list[Block] = []
    while out and len(taken) < 3 and out[-1].kind in (BlockKind.CAPTION, BlockKind.PARAGRAPH, BlockKind.HEADING) \
            and len(out[-1].text) <= 80 and (CAPTION.match(out[-1].text) or UNITS.match(out[-1].text) or
                                             (taken and not SENTENCE_END.search(out[-1].text)) or
                                             re.fullmatch(r"[\d年月底\s–\-~至]+", out[-1].text)):
        taken.insert(0, out.pop())
        if CAPTION.match(taken[0].text):
            break
    if taken and not any(CAPTION.match(b.text) or UNITS.match(b.text) for b in taken):
        out.extend(taken)
        return []
    return [Line([Segment(b.text)], b.page) for b in taken]


def _kind_of(line: Line, body: float) -> BlockKind:
    text = line.text.strip()
    if line.size and body and line.size >= body * 1.25 and len(text) < 80 and not SENTENCE_END.search(text):
        return BlockKind.HEADING
    if CAPTION.match(text) and len(text) < 80:
        return BlockKind.CAPTION
    if UNITS.match(text):
        return BlockKind.CAPTION
    if FOOTNOTE.match(text):
        return BlockKind.FOOTNOTE
    if LIST_MARKER.match(text):
        return BlockKind.LIST_ITEM
    return BlockKind.PARAGRAPH


def _gap(previous: Line, line: Line) -> bool:
    if previous.page != line.page:
        return False
    if not previous.size or not line.size:
        return False
    height = previous.bottom - previous.top
    return line.top - previous.bottom > max(height, previous.size) * 0.9


def _ended(previous: Line, line: Line, right: dict[object, float]) -> bool:
    """A line that stops short of the right margin, where the next line's first word would have fitted, ends its
    paragraph (ragged English lines wrap a long word early; a paragraph's last line leaves room)."""
    text = previous.text.rstrip()
    if not previous.size:  # text: a sentence's end, or a line much shorter than the file's full lines
        if re.match(r"[a-z]", line.text.strip()) and not SENTENCE_END.search(text):
            return False  # a line starting in lower case continues the sentence before
        return bool(re.search(r"[。！？!?.]\s*$", text)) or _width(text) < right.get(None, 0.0) * 0.7
    margin = right.get((previous.page, previous.column), 0.0)
    room = margin - previous.x1
    first = line.segments[0] if line.segments else None
    word = previous.size
    if first is not None and first.boxes:
        text = first.text
        cut = len(text) if not text[:1].isascii() else (text.find(" ") if " " in text else len(text))
        cut = max(1, cut if text[:1].isascii() else 1)
        known = [b for b in first.boxes[:cut] if b is not None]
        if known:
            word = known[-1][2] - known[0][0]
    return room > word + previous.size * 0.6


def _width(text: str) -> int:
    return sum(2 if _is_cjk(ch) else 1 for ch in text)


def _right_margins(lines: list[Line]) -> dict[object, float]:
    out: dict[object, float] = {}
    widths = sorted(_width(line.text.strip()) for line in lines if not line.size and line.text.strip())
    if widths:
        out[None] = float(widths[int(len(widths) * 0.9)])
    for line in lines:
        if line.size and line.kind is None and len(line.segments) == 1:
            out[(line.page, line.column)] = max(out.get((line.page, line.column), 0.0), line.x1)
    return out
