"""A table as a person reads it in the terminal: ROC labels in zh-TW, units, status, notes and source."""

from __future__ import annotations

import itertools

from rich.console import Group
from rich.markup import escape
from rich.table import Table as RichTable
from rich.text import Text as RichText

from citystat.formats.display import format_cell, value_label
from citystat.model import Role, Status, Table, TableMeta, Text
from citystat.store import ReleaseInfo

_WORDS = {
    "notes": Text("附註", "Notes"),
    "source": Text("資料來源", "Source"),
    "release": Text("版次", "Release"),
    "loaded": Text("載入時間", "loaded"),
    "mandatory": Text("（必要說明）", " (must be shown)"),
    "symbols": Text("符號說明", "Symbols"),
}


def _stub_label(meta: TableMeta, lang: str) -> str:
    return " / ".join(v.label.get(lang) for v in meta.variables if v.role is not Role.METRIC)


def render_table(table: Table, release: ReleaseInfo, lang: str) -> Group:
    meta = table.meta
    metric = meta.metric
    stub_vars = [v for v in meta.variables if v.role is not Role.METRIC]
    title = escape(f"{meta.title.get(lang)}  [{meta.id}]")
    grid = RichTable(title=title, title_justify="left", show_lines=False)
    grid.add_column(escape(_stub_label(meta, lang)), no_wrap=True)
    for value in metric.values:
        assert value.measure is not None
        grid.add_column(escape(f"{value.label.get(lang)}\n({value.measure.unit.get(lang)})"), justify="right")
    statuses: set[Status] = set()
    for combo in itertools.product(*(v.values for v in stub_vars)):
        labels = [value_label(meta, var, val, lang) for var, val in zip(stub_vars, combo)]
        row = [escape(" / ".join(labels))]
        chosen = {var.code: val.code for var, val in zip(stub_vars, combo)}
        for value in metric.values:
            assert value.measure is not None
            cell = table.get(meta.key({**chosen, metric.code: value.code}))
            statuses.add(cell.status)
            row.append(format_cell(cell, value.measure))
        grid.add_row(*row)

    lines: list[str] = []
    note_number = itertools.count(1)

    def add(text: Text, where: str = "", mandatory: bool = False) -> None:
        prefix = f"{where}: " if where else ""
        flag = _WORDS["mandatory"].get(lang) if mandatory else ""
        lines.append(f"{next(note_number)}. {prefix}{text.get(lang)}{flag}")

    for note in meta.notes:
        add(note.text, mandatory=note.mandatory)
    for variable in meta.variables:
        for note in variable.notes:
            add(note.text, variable.label.get(lang), note.mandatory)
        for value in variable.values:
            for note in value.notes:
                add(note.text, value_label(meta, variable, value, lang), note.mandatory)
    for cell_note in meta.cell_notes:
        where = ", ".join(
            value_label(meta, var, var.value(code), lang) for var, code in zip(meta.variables, cell_note.key)
        )
        add(cell_note.text, where, cell_note.mandatory)

    footer = RichText()
    if lines:
        footer.append(f"{_WORDS['notes'].get(lang)}\n", style="bold")
        footer.append("\n".join(lines) + "\n")
    shown = [s for s in Status if s in statuses and s is not Status.OBSERVED]
    if shown:
        legend = "; ".join(f"{s.value} = {s.description.get(lang)}" for s in shown)
        footer.append(f"{_WORDS['symbols'].get(lang)}: {legend}\n")
    sources = "; ".join(s.name.get(lang) for s in meta.sources)
    footer.append(f"{_WORDS['source'].get(lang)}: {sources}\n")
    footer.append(
        f"{_WORDS['release'].get(lang)} {release.release} ({_WORDS['loaded'].get(lang)} "
        f"{release.loaded_at:%Y-%m-%d %H:%M %Z})"
    )
    return Group(grid, footer)
