"""HTML pages, read through lxml: headings, paragraphs, list items, captions and footnotes become blocks with their
element path; a table becomes rows of cells with its caption. Scripts, styles, charts (svg), navigation and the
contents are left out; superscript note markers are dropped from the words they follow."""

from __future__ import annotations

import codecs
import re

import lxml.html
from lxml import etree

from citystat.documents.layout import CAPTION, CONTENTS_TITLE, FOOTNOTE, UNITS
from citystat.documents.model import Block, BlockKind, Cell, Document, DocumentError
from citystat.encoding import UTF8_BOM, EncodingError, decode

SKIP = {"script", "style", "svg", "noscript", "template", "head", "button", "select", "form", "iframe", "object",
        "canvas", "math"}
BLOCKS = {"p", "li", "dd", "dt", "blockquote", "figcaption", "caption", "pre", "address", "summary",
          "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "div", "section", "article", "header", "footer", "main",
          "aside", "ul", "ol", "dl", "figure", "table", "nav", "body", "details", "tbody", "thead", "tr"}
FURNITURE_CLASSES = ("breadcrumb", "menu", "navbar", "sidebar", "cookie", "share", "social", "footer", "site-header")
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.IGNORECASE)


def decode_html(data: bytes, name: str) -> str:
    """The declared charset (BOM, <meta charset>), else UTF-8 or Big5; an unknown declared charset is an error."""
    if data.startswith(UTF8_BOM):
        return data[len(UTF8_BOM):].decode("utf-8", errors="strict")
    declared = _CHARSET.search(data[:4096])
    if declared:
        label = declared.group(1).decode("ascii", "replace")
        try:
            codec = codecs.lookup(label)
        except LookupError:
            raise DocumentError(f"{name}: declares the character encoding '{label}', which is not a known encoding; "
                                "save it as UTF-8") from None
        try:
            return data.decode("cp950" if codec.name in ("big5", "big5hkscs") else codec.name)
        except UnicodeDecodeError as exc:
            raise DocumentError(f"{name}: declares {label} but byte {exc.start} is not {label}") from None
    try:
        return decode(data, name=name).text
    except EncodingError as exc:
        raise DocumentError(f"{exc} (no charset is declared in the page)") from None


def _text(element: etree._Element) -> str:
    parts: list[str] = []

    def walk(el: etree._Element, top: bool) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in SKIP or tag == "sup" and re.fullmatch(r"\s*[\d*†‡a-z,，\s]+\s*", el.text_content() or ""):
            pass  # a note marker (footnote 2) is not part of the figure it follows
        else:
            if not top and tag in ("span", "div", "small") and re.search(r"subtitle|unit|date|period",
                                                                          el.get("class") or ""):
                parts.append(" ")
            if el.text and tag != "br":
                parts.append(el.text)
            if tag == "br":
                parts.append(" ")
            for child in el:
                walk(child, False)
        if not top and el.tail:
            parts.append(el.tail)

    walk(element, True)
    text = "".join(parts)
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r"(?<=[\u3400-\u9fff，。、；：）（]) (?=[\u3400-\u9fff，。、；：（）])", "", text)


def _has_block_child(element: etree._Element) -> bool:
    return any(isinstance(c.tag, str) and c.tag in BLOCKS for c in element.iterdescendants())


def read_html(data: bytes, name: str) -> Document:
    text = decode_html(data, name)
    if not text.strip():
        raise DocumentError(f"{name}: the page is empty")
    root = lxml.html.document_fromstring(text)
    tree = root.getroottree()
    blocks: list[Block] = []
    body = root.find("body")
    _walk(body if body is not None else root, tree, blocks, False)
    return Document(name, "html", blocks)


def _kind(element: etree._Element, text: str, contents: bool) -> BlockKind:
    tag = element.tag
    cls = (element.get("class") or "").lower()
    if contents or "toc" in cls.split() or "contents" in cls.split():
        return BlockKind.CONTENTS
    if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
        return BlockKind.HEADING
    if tag in ("figcaption", "caption") or CAPTION.match(text) or UNITS.match(text):
        return BlockKind.CAPTION
    if "note" in cls or "footnote" in cls or "source" in cls or FOOTNOTE.match(text):
        return BlockKind.FOOTNOTE
    if tag in ("li", "dd", "dt"):
        return BlockKind.LIST_ITEM
    return BlockKind.PARAGRAPH


def _walk(element: etree._Element, tree: etree._ElementTree, blocks: list[Block], contents: bool) -> None:
    for child in element:
        if not isinstance(child.tag, str) or child.tag in SKIP:
            continue
        tag = child.tag
        cls = (child.get("class") or "").lower().split()
        site_level = element.tag == "body" or element.getparent() is not None and element.getparent().tag == "body"
        if site_level and tag in ("footer", "aside") or \
                child.get("role") in ("contentinfo", "banner", "search") or \
                any(word in " ".join(cls) for word in FURNITURE_CLASSES):
            words = _text(child)
            if words:  # the site's header, footer, menus and breadcrumbs: furniture, kept only to be counted
                blocks.append(Block(BlockKind.HEADER, words, path=tree.getpath(child)))
            continue
        is_contents = contents or tag == "nav" or "toc" in cls or "contents" in cls
        if tag == "table":
            if _layout_table(child):  # a table that lays out a page (old sites): its cells are read as blocks
                for cell in _own_cells(child):
                    _walk_cell(cell, tree, blocks, is_contents)
                continue
            blocks.append(_table(child, tree, blocks, is_contents))
            continue
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6") and CONTENTS_TITLE.match(_text(child)):
            is_contents = True
        if _has_block_child(child) and tag not in ("p", "h1", "h2", "h3", "h4", "h5", "h6", "caption",
                                                   "figcaption"):
            own = (child.text or "").strip()
            if own:
                blocks.append(Block(_kind(child, own, is_contents), re.sub(r"\s+", " ", own),
                                    path=tree.getpath(child)))
            _walk(child, tree, blocks, is_contents)
            continue
        words = _text(child)
        if words:
            blocks.append(Block(_kind(child, words, is_contents), words, path=tree.getpath(child)))


def _own_cells(table: etree._Element) -> list[etree._Element]:
    return [c for c in table.iter("td", "th") if next(a for a in c.iterancestors("table")) is table]


def _layout_table(element: etree._Element) -> bool:
    """A table used for layout: it holds another table, a cell of running prose, or no number at all."""
    if any(t is not element for t in element.iter("table")):
        return True
    texts = [_text(cell) for cell in _own_cells(element)]
    return any(len(t) > 80 for t in texts) or not any(re.search(r"\d", t) for t in texts)


def _walk_cell(cell: etree._Element, tree: etree._ElementTree, blocks: list[Block], contents: bool) -> None:
    if _has_block_child(cell):
        own = (cell.text or "").strip()
        if own:
            blocks.append(Block(_kind(cell, own, contents), re.sub(r"\s+", " ", own), path=tree.getpath(cell)))
        _walk(cell, tree, blocks, contents)
    else:
        words = _text(cell)
        if words:
            blocks.append(Block(_kind(cell, words, contents), words, path=tree.getpath(cell)))


def _table(element: etree._Element, tree: etree._ElementTree, blocks: list[Block], contents: bool) -> Block:
    rows: list[list[Cell]] = []
    for tr in element.iter("tr"):
        cells = []
        in_head = any(a.tag == "thead" for a in tr.iterancestors())
        for cell in tr:
            if not isinstance(cell.tag, str) or cell.tag not in ("td", "th"):
                continue
            span = int(cell.get("colspan") or 1) if (cell.get("colspan") or "1").isdigit() else 1
            words = _text(cell)
            for k in range(span):
                cells.append(Cell(words if k == 0 else "", header=cell.tag == "th" or in_head))
        if cells:
            rows.append(cells)
    caption_el = element.find("caption")
    caption = _text(caption_el) if caption_el is not None else ""
    if not caption and blocks and blocks[-1].kind in (BlockKind.CAPTION, BlockKind.HEADING) and \
            len(blocks[-1].text) <= 80:
        caption = blocks[-1].text
    text = "\n".join("\t".join(c.text for c in row) for row in rows)
    kind = BlockKind.CONTENTS if contents else BlockKind.TABLE
    return Block(kind, text, path=tree.getpath(element), rows=rows, caption=caption)
