"""Display formats written from one layout: each shows a number with the decimals its source published."""

from __future__ import annotations

import io

import openpyxl

from citystat.formats.display import format_cell
from citystat.formats.pivot import LabelMode, pivot
from citystat.formats.xlsx import to_xlsx
from citystat.store import Store


def _decimals(text: str) -> int:
    return len(text.partition(".")[2])


def test_xlsx_shows_each_number_with_the_decimals_of_the_other_views(store: Store) -> None:
    table = store.read("digital_access_municipalities").table
    meta = table.meta
    laid_out = pivot(table, {}, heading=[meta.metric.code], stub=["year", "area"], lang="en")
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx(laid_out, labels=LabelMode.CODES))).active
    rows = list(sheet.iter_rows())[1:1 + len(laid_out.cells)]
    shown = {}
    for cells, row in zip(laid_out.cells, rows, strict=True):
        for cell, written in zip(cells, row[len(laid_out.stub):], strict=True):
            assert cell.cell.value is not None
            shown[cell.key] = (_decimals(written.number_format), _decimals(format_cell(cell.cell, cell.measure)))
    assert shown and all(workbook == view for workbook, view in shown.values()), shown
    # Taipei's 81.8 is published to one decimal, the national 65.98 to the measure's two
    assert shown[("2020", "taipei", "computer")] == (1, 1) and shown[("2020", "national", "computer")] == (2, 2)
