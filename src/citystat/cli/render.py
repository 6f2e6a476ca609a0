"""A table as a person reads it in the terminal: ROC labels in zh-TW, units, status, notes and source."""

from __future__ import annotations

from rich.console import Group
from rich.markup import escape
from rich.table import Table as RichTable
from rich.text import Text as RichText

from citystat.formats.display import format_cell
from citystat.formats.pivot import LabelMode, note_lines, pivot, source_line, symbols_line, word
from citystat.model import ReleaseInfo, Role, Table, Text

_WORDS = {
    "release": Text("版次", "Release"),
    "loaded": Text("載入時間", "loaded"),
}


def render_table(table: Table, release: ReleaseInfo, lang: str) -> Group:
    """Measures across, every other variable down (the published layout), then the notes, symbols and source."""
    meta = table.meta
    metric = meta.metric
    stub = [v.code for v in meta.variables if v.role is not Role.METRIC]
    laid_out = pivot(table, {}, heading=[metric.code], stub=stub, lang=lang)
    title = escape(f"{meta.title.get(lang)}  [{meta.id}]")
    grid = RichTable(title=title, title_justify="left", show_lines=False)
    grid.add_column(escape(" / ".join(v.label.get(lang) for v in laid_out.stub)), no_wrap=True)
    for value in metric.values:
        assert value.measure is not None
        grid.add_column(escape(f"{value.label.get(lang)}\n({value.measure.unit.get(lang)})"), justify="right")
    for row, cells in zip(laid_out.stub_rows, laid_out.cells, strict=True):
        label = " / ".join(laid_out.value_text(var, val, LabelMode.TEXTS) for var, val in zip(laid_out.stub, row))
        grid.add_row(escape(label), *(format_cell(c.cell, c.measure) for c in cells))

    footer = RichText()
    lines = note_lines(meta, lang)
    if lines:
        footer.append(f"{word('notes', lang)}\n", style="bold")
        footer.append("\n".join(f"{number}. {line}" for number, line in enumerate(lines, 1)) + "\n")
    statuses = laid_out.statuses()
    if statuses:
        footer.append(symbols_line(statuses, lang) + "\n")
    footer.append(source_line(meta, lang) + "\n")
    footer.append(
        f"{_WORDS['release'].get(lang)} {release.release} ({_WORDS['loaded'].get(lang)} "
        f"{release.loaded_at:%Y-%m-%d %H:%M %Z})"
    )
    return Group(grid, footer)
