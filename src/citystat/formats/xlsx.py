"""XLSX answers: the PxWeb layout in a worksheet, numbers as numbers with their published decimals.

Every text (title, headers, labels, notes) is a text cell, never a formula, whatever it begins with
(OWASP's CSV-injection guidance); numbers are number cells, negative ones included.

Written in openpyxl's write-only mode, row by row, so a large selection takes time and memory in
proportion to its cells.
"""

from __future__ import annotations

import io
import re
from typing import BinaryIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from citystat.formats.display import shown_decimals
from citystat.formats.pivot import LabelMode, Pivot

_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def _number_format(decimals: int) -> str:
    return "#,##0" if decimals == 0 else "#,##0." + "0" * decimals


def to_xlsx(
    pivot: Pivot, *, labels: LabelMode = LabelMode.TEXTS, include_title: bool = False, sink: BinaryIO | None = None
) -> bytes:
    """The workbook's bytes: optional title row, a header row, one row per stub combination, then notes.

    With a ``sink`` (a file) the workbook is saved there instead, and the bytes returned are empty.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_SHEET_NAME_FORBIDDEN.sub("_", pivot.meta.id)[:31] or "table")
    stub_width = len(pivot.stub)
    header = [pivot.variable_text(v, labels) for v in pivot.stub]
    header += [pivot.column_text(column, labels) or pivot.meta.title.get(pivot.lang)
               for column in pivot.heading_columns]
    for index in range(1, len(header) + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 18
    header_row = 2 if include_title else 1
    sheet.freeze_panes = f"{get_column_letter(stub_width + 1)}{header_row + 1}"

    def styled(value: object, **style: object) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str):
            cell.data_type = "s"  # text stays text: openpyxl would store "=..." as a formula
        for name, setting in style.items():
            setattr(cell, name, setting)
        return cell

    if include_title:
        sheet.append([styled(pivot.title(), font=Font(bold=True, size=12))])
    top = Alignment(wrap_text=True, vertical="top")
    sheet.append([styled(text, font=Font(bold=True), alignment=top) for text in header])
    formats: dict[int, str] = {}
    right = Alignment(horizontal="right")
    for row, cells in zip(pivot.stub_rows, pivot.cells, strict=True):
        line: list[object] = [styled(pivot.value_text(var, val, labels))
                              for var, val in zip(pivot.stub, row, strict=True)]
        for c in cells:
            value = c.cell.value
            if value is None:
                line.append(styled(c.cell.status.value or "..", alignment=right))
                continue
            number: int | float = int(value) if value == value.to_integral_value() else float(value)
            decimals = shown_decimals(value, c.measure)
            if decimals not in formats:
                formats[decimals] = _number_format(decimals)
            line.append(styled(number, number_format=formats[decimals]))
        sheet.append(line)
    sheet.append([])
    for note in pivot.footnotes():
        sheet.append([styled(note)])
    if sink is not None:
        workbook.save(sink)
        return b""
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
