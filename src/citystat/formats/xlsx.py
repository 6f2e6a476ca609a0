"""XLSX answers: the PxWeb layout in a worksheet, numbers as numbers with their published decimals."""

from __future__ import annotations

import io
import re

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from citystat.formats.pivot import LabelMode, Pivot

_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def _number_format(decimals: int) -> str:
    return "#,##0" if decimals == 0 else "#,##0." + "0" * decimals


def to_xlsx(pivot: Pivot, *, labels: LabelMode = LabelMode.TEXTS, include_title: bool = False) -> bytes:
    """The workbook's bytes: optional title row, a header row, one row per stub combination, then notes."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _SHEET_NAME_FORBIDDEN.sub("_", pivot.meta.id)[:31] or "table"
    bold = Font(bold=True)
    if include_title:
        sheet.append([pivot.title()])
        sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True, size=12)
    header = [pivot.variable_text(v, labels) for v in pivot.stub]
    header += [pivot.column_text(column, labels) or pivot.meta.title.get(pivot.lang)
               for column in pivot.heading_columns]
    sheet.append(header)
    header_row = sheet.max_row
    for column in range(1, len(header) + 1):
        cell = sheet.cell(row=header_row, column=column)
        cell.font = bold
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    stub_width = len(pivot.stub)
    for row, cells in zip(pivot.stub_rows, pivot.cells, strict=False):
        line: list[object] = [pivot.value_text(var, val, labels) for var, val in zip(pivot.stub, row, strict=False)]
        for c in cells:
            if c.cell.value is None:
                line.append(c.cell.status.value or "..")
            elif c.cell.value == c.cell.value.to_integral_value():
                line.append(int(c.cell.value))
            else:
                line.append(float(c.cell.value))
        sheet.append(line)
        excel_row = sheet.max_row
        for offset, c in enumerate(cells):
            target = sheet.cell(row=excel_row, column=stub_width + offset + 1)
            if c.cell.value is None:
                target.alignment = Alignment(horizontal="right")
            else:
                target.number_format = _number_format(c.measure.decimals)
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=stub_width + 1)
    sheet.append([])
    for line in pivot.footnotes():
        sheet.append([line])
    for column, width in zip("ABCDEFGHIJ", [18] * 10, strict=False):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
