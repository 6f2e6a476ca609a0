"""A selection of a table laid out as a person reads it: stub variables down, heading variables across.

CSV, XLSX and HTML answers are all written from this one layout, so they agree cell for cell.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import overload

from citystat.formats.display import value_label
from citystat.model import Cell, Measure, Note, Status, Table, TableMeta, Value, Variable, normalise_language
from citystat.model.text import ZH, Text


class LabelMode(StrEnum):
    """How values are named: PxWeb's UseCodes, UseTexts, UseCodesAndTexts."""

    CODES = "codes"
    TEXTS = "texts"
    BOTH = "both"


@dataclass(frozen=True)
class PivotCell:
    cell: Cell
    measure: Measure
    key: tuple[str, ...]  # in table variable order


@dataclass(frozen=True)
class Pivot:
    table: Table
    lang: str
    stub: tuple[Variable, ...]
    heading: tuple[Variable, ...]
    stub_rows: tuple[tuple[Value, ...], ...]  # one tuple of stub values per row
    heading_columns: tuple[tuple[Value, ...], ...]  # one tuple of heading values per data column
    cells: Sequence[tuple[PivotCell, ...]]  # [row][column], each row made when it is read (see _Grid)
    labels: dict[tuple[str, str], str] = field(default_factory=dict)  # (variable, value) -> label, precomputed

    @property
    def meta(self) -> TableMeta:
        return self.table.meta

    def value_text(self, variable: Variable, value: Value, mode: LabelMode) -> str:
        label = self.labels.get((variable.code, value.code))
        if label is None:
            label = value_label(self.meta, variable, value, self.lang)
        if mode is LabelMode.CODES:
            return value.code
        if mode is LabelMode.BOTH:
            return f"{value.code} {label}" if label != value.code else value.code
        return label

    def variable_text(self, variable: Variable, mode: LabelMode) -> str:
        if mode is LabelMode.CODES:
            return variable.code
        label = variable.label.get(self.lang)
        return f"{variable.code} {label}" if mode is LabelMode.BOTH else label

    def column_text(self, column: Sequence[Value], mode: LabelMode) -> str:
        return " ".join(self.value_text(var, val, mode) for var, val in zip(self.heading, column, strict=False))

    def title(self) -> str:
        return table_title(self.meta, self.lang, [*self.stub, *self.heading])

    def statuses(self) -> list[Status]:
        used = {c.cell.status for row in self.cells for c in row}
        return [s for s in Status if s in used and s is not Status.OBSERVED]

    def footnotes(self) -> list[str]:
        """Every note, source and symbol a reader of this selection must see, as lines of text."""
        return footnotes(self.meta, self.lang, self.selected_codes(), self.statuses())

    def selected_codes(self) -> dict[str, set[str]]:
        chosen: dict[str, set[str]] = {v.code: set() for v in self.meta.variables}
        for row in self.stub_rows:
            for var, val in zip(self.stub, row, strict=False):
                chosen[var.code].add(val.code)
        for column in self.heading_columns:
            for var, val in zip(self.heading, column, strict=False):
                chosen[var.code].add(val.code)
        return chosen


_WORDS = {
    "by": Text("按", " by "),
    "and": Text("及", " and "),
    "list": Text("、", ", "),
    "notes": Text("附註", "Notes"),
    "source": Text("資料來源", "Source"),
    "symbols": Text("符號說明", "Symbols"),
    "mandatory": Text("（必要說明）", " (must be shown)"),
}


def word(name: str, lang: str) -> str:
    return _WORDS[name].get(lang)


def table_title(meta: TableMeta, lang: str, variables: Sequence[Variable]) -> str:
    """``Taipei Free public Wi-Fi use by year and measure`` / ``臺北公眾區免費無線上網使用人次按年別及指標分``."""
    lang = normalise_language(lang)
    labels = [v.label.get(lang) for v in variables]
    labels = labels if lang == ZH else [label.lower() if label[:1].isupper() and label[1:2].islower() else label
                                       for label in labels]
    if not labels:
        return meta.title.get(lang)
    joined = labels[0] if len(labels) == 1 else (
        word("list", lang).join(labels[:-1]) + word("and", lang) + labels[-1]
    )
    ending = "分" if lang == ZH else ""
    return f"{meta.title.get(lang)}{word('by', lang)}{joined}{ending}"


def _note_lines(notes: Sequence[Note], where: str, lang: str) -> list[str]:
    prefix = f"{where}: " if where else ""
    return [f"{prefix}{n.text.get(lang)}{word('mandatory', lang) if n.mandatory else ''}" for n in notes]


def note_lines(meta: TableMeta, lang: str, chosen: Mapping[str, set[str]] | None = None) -> list[str]:
    """The table's notes, then each variable's, value's and cell's, with where each hangs; value and cell
    notes only on the ``chosen`` values {variable: codes} (all values when None)."""

    def selected(variable: Variable, code: str) -> bool:
        return chosen is None or code in chosen.get(variable.code, ())

    lines = _note_lines(meta.notes, "", lang)
    for variable in meta.variables:
        lines += _note_lines(variable.notes, variable.label.get(lang), lang)
        for value in variable.values:
            if selected(variable, value.code):
                lines += _note_lines(value.notes, value_label(meta, variable, value, lang), lang)
    for cell_note in meta.cell_notes:
        if all(selected(var, code) for var, code in zip(meta.variables, cell_note.key, strict=False)):
            where = ", ".join(value_label(meta, var, var.value(code), lang)
                              for var, code in zip(meta.variables, cell_note.key, strict=False))
            lines += _note_lines([Note(cell_note.text, cell_note.mandatory)], where, lang)
    return lines


def symbols_line(statuses: Sequence[Status], lang: str) -> str:
    """``Symbols: e = estimated ...``: what each status symbol used means."""
    return f"{word('symbols', lang)}: " + "; ".join(f"{s.value} = {s.description.get(lang)}" for s in statuses)


def source_line(meta: TableMeta, lang: str) -> str:
    return f"{word('source', lang)}: " + "; ".join(s.name.get(lang) for s in meta.sources)


def footnotes(meta: TableMeta, lang: str, chosen: Mapping[str, set[str]], statuses: Sequence[Status]) -> list[str]:
    out = [f"{word('notes', lang)}: {line}" for line in note_lines(meta, lang, chosen)]
    if statuses:
        out.append(symbols_line(statuses, lang))
    out.append(source_line(meta, lang))
    return out


def pivot(
    table: Table,
    selection: Mapping[str, Sequence[str]],
    *,
    heading: Sequence[str],
    stub: Sequence[str],
    lang: str,
) -> Pivot:
    """Lay out the cells of a selection {variable: [codes]} with ``stub`` down and ``heading`` across."""
    lang = normalise_language(lang)
    meta = table.meta
    stub_vars = tuple(meta.variable(c) for c in stub)
    head_vars = tuple(meta.variable(c) for c in heading)

    def values(var: Variable) -> list[Value]:
        return [var.value(c) for c in selection.get(var.code, var.codes)]

    rows = tuple(itertools.product(*(values(v) for v in stub_vars)))
    columns = tuple(itertools.product(*(values(v) for v in head_vars)))
    position = {v.code: i for i, v in enumerate(meta.variables)}
    order = [position[v.code] for v in (*stub_vars, *head_vars)]
    measures = meta.measures
    grid = _Grid(table, rows, columns, tuple(order), len(meta.variables), measures, position[meta.metric.code])
    labels = {(var.code, value.code): value_label(meta, var, value, lang)
              for var in (*stub_vars, *head_vars) for value in values(var)}
    return Pivot(table, lang, stub_vars, head_vars, rows, columns, grid, labels)


class _Grid(Sequence[tuple[PivotCell, ...]]):
    """The rows of a pivot's cells, each made when it is read: a selection of a million cells is written row
    by row without holding a million PivotCells at once. A slice is a grid of those rows."""

    def __init__(self, table: Table, rows: Sequence[tuple[Value, ...]], columns: Sequence[tuple[Value, ...]],
                 order: tuple[int, ...], width: int, measures: Mapping[str, Measure], metric_at: int):
        self._table, self._rows, self._columns = table, rows, columns
        self._order, self._width, self._measures, self._metric_at = order, width, measures, metric_at

    def __len__(self) -> int:
        return len(self._rows)

    @overload
    def __getitem__(self, index: int) -> tuple[PivotCell, ...]: ...

    @overload
    def __getitem__(self, index: slice) -> _Grid: ...

    def __getitem__(self, index: int | slice) -> tuple[PivotCell, ...] | _Grid:
        if isinstance(index, slice):
            return _Grid(self._table, self._rows[index], self._columns, self._order, self._width, self._measures,
                         self._metric_at)
        return self._row(self._rows[index])

    def __iter__(self) -> Iterator[tuple[PivotCell, ...]]:
        return (self._row(row) for row in self._rows)

    def _row(self, row: tuple[Value, ...]) -> tuple[PivotCell, ...]:
        line = []
        get, measures, metric_at = self._table.get, self._measures, self._metric_at
        for column in self._columns:
            key_list = [""] * self._width
            for slot, value in zip(self._order, (*row, *column), strict=False):
                key_list[slot] = value.code
            key = tuple(key_list)
            line.append(PivotCell(get(key), measures[key[metric_at]], key))
        return tuple(line)
