"""A table's notes as numbered footnotes, and where each one is referenced from.

The same numbering serves the table (superscripts on the headers, row labels and cells the notes
hang on) and the chart footer, so the table and its figure can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

from citystat.formats.display import period_label, value_label
from citystat.model import ZH, CellKey, Role, TableMeta


@dataclass(frozen=True)
class Footnote:
    number: int
    text: str
    where: str  # what the note hangs on: '' for the whole table, else a variable, value or cell label
    mandatory: bool
    variable: str | None = None  # the variable code, for notes on a variable or one of its values
    value: str | None = None  # the value code, for notes on a value
    key: CellKey | None = None  # the cell, for cell notes

    @property
    def on_table(self) -> bool:
        return self.variable is None and self.key is None


def footnotes(meta: TableMeta, lang: str) -> list[Footnote]:
    """Every note of a table in reading order: the table's, each variable's, each value's, each cell's."""
    found: list[Footnote] = []

    def add(text: str, where: str, mandatory: bool, **anchor: object) -> None:
        found.append(Footnote(len(found) + 1, text, where, mandatory, **anchor))  # type: ignore[arg-type]

    for note in meta.notes:
        add(note.text.get(lang), "", note.mandatory)
    for variable in meta.variables:
        for note in variable.notes:
            add(note.text.get(lang), variable.label.get(lang), note.mandatory, variable=variable.code)
        for value in variable.values:
            for note in value.notes:
                add(note.text.get(lang), value_label(meta, variable, value, lang), note.mandatory,
                    variable=variable.code, value=value.code)
    for cell_note in meta.cell_notes:
        add(cell_note.text.get(lang), cell_label(meta, cell_note.key, lang), cell_note.mandatory, key=cell_note.key)
    return found


def cell_label(meta: TableMeta, key: CellKey, lang: str) -> str:
    """``110 年底、年底線上課程數`` / ``end of 2021, Online courses``: the period reads as its measure's kind."""
    kind = meta.measure_of(key).kind
    parts = []
    for variable, code in zip(meta.variables, key):
        if variable.role is Role.TIME:
            parts.append(period_label(code, lang, kind))
        else:
            parts.append(value_label(meta, variable, variable.value(code), lang))
    if lang == ZH:
        return "、".join(parts)
    label = ", ".join(parts)
    return label[:1].upper() + label[1:]  # "End of 2021, ..." begins a footnote


def notes_on_value(notes: list[Footnote], variable: str, value: str) -> list[int]:
    return [n.number for n in notes if n.variable == variable and n.value == value]


def notes_on_cell(notes: list[Footnote], key: CellKey) -> list[int]:
    return [n.number for n in notes if n.key == key]
