"""Markdown (CommonMark with tables), read through markdown-it-py: headings, paragraphs, list items and tables are
its own blocks; the line of each is its position."""

from __future__ import annotations

import re

from markdown_it import MarkdownIt

from citystat.documents.layout import CAPTION, FOOTNOTE, UNITS
from citystat.documents.model import Block, BlockKind, Cell, Document
from citystat.documents.text import decode_text


def _inline(content: str) -> str:
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", content)  # images
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # links keep their words
    text = re.sub(r"\[\^[^\]]*\]", "", text)  # footnote markers
    text = re.sub(r"[*_`]{1,3}", "", text)
    return re.sub(r"\s*\n\s*", lambda m: "", text) if re.search(r"[\u3400-\u9fff]\s*\n", text) else \
        re.sub(r"\s*\n\s*", " ", text)


def read_markdown(data: bytes, name: str) -> Document:
    text = decode_text(data, name)
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    blocks: list[Block] = []
    kind = BlockKind.PARAGRAPH
    rows: list[list[Cell]] = []
    row: list[Cell] = []
    in_table = False
    header = False
    table_line = 0
    for token in tokens:
        line = f"line {token.map[0] + 1}" if token.map else ""
        if token.type == "heading_open":
            kind = BlockKind.HEADING
        elif token.type == "list_item_open":
            kind = BlockKind.LIST_ITEM
        elif token.type in ("heading_close", "list_item_close"):
            kind = BlockKind.PARAGRAPH
        elif token.type == "table_open":
            in_table, rows, table_line = True, [], (token.map[0] + 1 if token.map else 0)
        elif token.type == "thead_open":
            header = True
        elif token.type == "thead_close":
            header = False
        elif token.type == "tr_open":
            row = []
        elif token.type == "tr_close":
            rows.append(row)
        elif token.type == "table_close":
            in_table = False
            caption = ""
            if blocks and blocks[-1].kind is BlockKind.CAPTION:  # 表 1 …, 單位：…: the table's own title
                caption = blocks.pop().text
            elif blocks and blocks[-1].kind is BlockKind.HEADING:  # a heading names it, and stays a heading
                caption = blocks[-1].text
            blocks.append(Block(BlockKind.TABLE, "\n".join("\t".join(c.text for c in r) for r in rows),
                                path=f"line {table_line}", rows=rows, caption=caption))
        elif token.type == "inline":
            content = _inline(token.content)
            if in_table:
                row.append(Cell(content.strip(), header=header))
            elif content.strip():
                block_kind = kind
                if kind is BlockKind.PARAGRAPH:
                    if CAPTION.match(content) or UNITS.match(content):
                        block_kind = BlockKind.CAPTION
                    elif FOOTNOTE.match(content):
                        block_kind = BlockKind.FOOTNOTE
                blocks.append(Block(block_kind, content.strip(), path=line))
    return Document(name, "markdown", blocks)
