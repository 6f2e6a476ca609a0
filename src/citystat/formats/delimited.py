"""CSV answers in PxWeb's layout: one column per stub variable, then one per combination of heading values.

Labels and the title that a spreadsheet would run as formulas get a leading apostrophe (see
``spreadsheet_safety``); the numbers are written as they are, negative ones included.
"""

from __future__ import annotations

import csv
import io

from citystat.formats.pivot import LabelMode, Pivot, PivotCell
from citystat.formats.spreadsheet_safety import neutralised

SEPARATORS = {"comma": ",", "tab": "\t", "space": " ", "semicolon": ";"}


def cell_text(cell: PivotCell) -> str:
    """The number as stored (no thousands separators), or the status symbol of a cell without one."""
    if cell.cell.value is None:
        return cell.cell.status.value or ".."
    return format(cell.cell.value, "f")


def to_csv(
    pivot: Pivot,
    *,
    separator: str = ",",
    labels: LabelMode = LabelMode.TEXTS,
    include_title: bool = False,
) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=separator, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    if include_title:
        writer.writerow([neutralised(pivot.title())])
    header = [pivot.variable_text(v, labels) for v in pivot.stub]
    header += [pivot.column_text(column, labels) or pivot.meta.title.get(pivot.lang)
               for column in pivot.heading_columns]
    writer.writerow([neutralised(text) for text in header])
    for row, cells in zip(pivot.stub_rows, pivot.cells, strict=False):
        writer.writerow([*(neutralised(pivot.value_text(var, val, labels))
                           for var, val in zip(pivot.stub, row, strict=False)),
                         *(cell_text(c) for c in cells)])
    return out.getvalue()
