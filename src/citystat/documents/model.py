"""The document model: what a published text is made of, in reading order, with where each piece stands.

A document is a list of blocks (heading, paragraph, list item, table, caption, footnote, and the page furniture and
contents that are kept only to say they were left out). A block knows where it is: the page and box of a PDF, the
element path of an HTML page, the paragraph of a DOCX, the line of a text file. PDF blocks also keep a box for
every character of their text, so a span of the text maps back to the page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

Box = tuple[float, float, float, float]  # x0, top, x1, bottom in points from the top left of the page


class BlockKind(StrEnum):
    HEADING = "heading"
    PARAGRAPH = "paragraph"
    LIST_ITEM = "list_item"
    TABLE = "table"
    CAPTION = "caption"  # a figure's caption, a table's title or units line
    FOOTNOTE = "footnote"  # 註：, 說明：, 資料來源：, Note:
    HEADER = "header"  # a running header or footer
    PAGE_NUMBER = "page_number"
    CONTENTS = "contents"
    FIGURE = "figure"  # text drawn inside a chart

    @property
    def read(self) -> bool:
        """Whether its words are read as statements (furniture, contents and chart labels are not)."""
        return self not in (BlockKind.HEADER, BlockKind.PAGE_NUMBER, BlockKind.CONTENTS, BlockKind.FIGURE,
                            BlockKind.TABLE)


@dataclass
class Cell:
    text: str
    header: bool = False
    box: Box | None = None


@dataclass
class Block:
    kind: BlockKind
    text: str
    page: int | None = None  # 1-based
    box: Box | None = None
    path: str = ""  # /html/body/main/p[3], paragraph 12, line 40
    boxes: list[Box | None] | None = None  # one per character of ``text`` (PDF)
    rows: list[list[Cell]] = field(default_factory=list)  # a table's rows, header rows first
    caption: str = ""  # a table's title (and its units line)
    notes: list[str] = field(default_factory=list)  # a table's footnote markers dropped from its cells

    def where(self) -> str:
        if self.page is not None:
            return f"page {self.page}"
        return self.path

    def span_boxes(self, start: int, end: int) -> list[Box]:
        """The boxes of a span of this block's text, one per line it runs over."""
        if not self.boxes:
            return [self.box] if self.box else []
        out: list[Box] = []
        for box in self.boxes[start:end]:
            if box is None:
                continue
            centre = (box[1] + box[3]) / 2
            if out and out[-1][1] - 2 <= centre <= out[-1][3] + 2 and box[0] >= out[-1][0] - 1:
                last = out[-1]
                out[-1] = (min(last[0], box[0]), min(last[1], box[1]), max(last[2], box[2]), max(last[3], box[3]))
            else:
                out.append(box)
        return out


@dataclass
class Document:
    name: str
    format: str  # pdf, html, docx, markdown, text
    blocks: list[Block]
    pages: int = 0
    page_sizes: list[tuple[float, float]] = field(default_factory=list)

    def read_blocks(self) -> list[Block]:
        return [b for b in self.blocks if b.kind.read]

    def tables(self) -> list[Block]:
        return [b for b in self.blocks if b.kind is BlockKind.TABLE]

    def prose(self) -> tuple[str, list[tuple[int, Block]]]:
        """The read blocks as one text, one block per line, with where each block starts in it."""
        parts: list[str] = []
        starts: list[tuple[int, Block]] = []
        position = 0
        for block in self.read_blocks():
            text = block.text.replace("\n", " ")
            starts.append((position, block))
            parts.append(text)
            position += len(text) + 1
        return "\n".join(parts), starts


class DocumentError(ValueError):
    """A document that cannot be read, with why (no text layer, encrypted, not a zip, unknown encoding)."""
