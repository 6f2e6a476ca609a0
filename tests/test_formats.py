"""Display formats written from one layout: each shows a number with the decimals its source published."""

from __future__ import annotations

import io
import json
from pathlib import Path

import openpyxl
import pyarrow.parquet as pq
import pytest

from citystat.catalog.tablefile import read_table
from citystat.formats import registry
from citystat.formats.delimited import to_csv
from citystat.formats.display import format_cell
from citystat.formats.jsonstat import to_jsonstat
from citystat.formats.parquet import parquet_chunks
from citystat.formats.pivot import LabelMode, pivot
from citystat.formats.xlsx import to_xlsx
from citystat.model import Table
from citystat.store import Store

from .format_golden import FORMATS, GOLDEN, cases, comparable, golden_name, renderings
from .large_tables import write_large_table


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


# -- streamed answers (issue 14): the same bytes as the writers wrote them whole --------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_bundled_table_streams_the_bytes_the_writer_wrote_whole(fmt: str) -> None:
    checked = 0
    for case, rendering in cases():
        chunks = list(registry.stream(fmt, rendering))
        golden = (GOLDEN / golden_name(case, fmt)).read_bytes()
        assert comparable(fmt, b"".join(chunks)) == comparable(fmt, golden), (case, fmt)
        assert comparable(fmt, registry.write(fmt, rendering)) == comparable(fmt, golden), (case, fmt)
        checked += 1
    assert checked >= 24


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Table:
    data, meta = write_large_table(tmp_path_factory.mktemp("large"), stations=120, days=150)  # 36,000 cells
    return read_table(data, meta)


@pytest.mark.slow  # 36,000 cells in five formats and two layouts: about 5 s
def test_a_generated_table_streams_in_many_chunks_with_the_whole_answers_bytes(generated: Table) -> None:
    assert len(generated.cells) == 36_000
    for layout, rendering in renderings(generated):
        # JSON-stat: the stream against the dataset serialised whole
        dataset = to_jsonstat(generated, lang=rendering.lang, updated=rendering.updated, release=rendering.release,
                              selection=rendering.selection, heading=rendering.heading, stub=rendering.stub)
        chunks = list(registry.stream("json-stat2", rendering))
        assert len(chunks) > 2, layout
        assert b"".join(chunks) == json.dumps(dataset, ensure_ascii=False, separators=(",", ":")).encode()
        assert json.loads(b"".join(chunks))["status"], layout
        # CSV: the stream against to_csv of the whole layout at once
        whole = to_csv(rendering.pivot(), separator=rendering.separator, labels=rendering.labels,
                       include_title=rendering.include_title).encode()
        chunks = list(registry.stream("csv", rendering))
        assert b"".join(chunks) == whole, layout
        for fmt in ("px", "xlsx", "parquet"):
            streamed = b"".join(registry.stream(fmt, rendering))
            assert comparable(fmt, streamed) == comparable(fmt, registry.write(fmt, rendering)), (layout, fmt)


def test_parquet_streams_row_groups_that_read_back_as_one_table(generated: Table, tmp_path: Path) -> None:
    rendering = next(r for _, r in renderings(generated))
    chunks = list(parquet_chunks(rendering, rows_per_group=5_000))
    assert len(chunks) == 8  # 36,000 cells: 7 full row groups and the last with the footer
    path = tmp_path / "streamed.parquet"
    path.write_bytes(b"".join(chunks))
    grouped = pq.ParquetFile(path)
    assert grouped.metadata.num_row_groups == 8
    whole = pq.read_table(io.BytesIO(registry.write("parquet", rendering)))
    assert grouped.read().equals(whole)
    assert grouped.schema_arrow.metadata[b"citystat.table"] == b"generated_station_days"
