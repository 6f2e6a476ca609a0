"""The columnar load path (`Store.load_columns`): from CSV, Parquet or Arrow, the same problems as the object path
(code, cell, expected, found, message), the same content hash, the same releases, every cell read back exactly."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from citystat.catalog import bundled_tables
from citystat.catalog.tablefile import parse_values, write_values
from citystat.model import Cell, InvalidInput, Status, Table
from citystat.store import Store, content_hash

TABLES = {t.id: t for t in bundled_tables()}


def _exact(table: Table) -> dict:
    return {key: (None if c.value is None else format(c.value, "f"), c.status.value)
            for key, c in table.ordered_cells()}


def _csv(tmp_path: Path, table: Table, name: str = "values.csv") -> Path:
    path = tmp_path / name
    path.write_text(write_values(table), encoding="utf-8")
    return path


@pytest.mark.parametrize("form", ["csv", "parquet", "arrow"])
def test_every_bundled_table_loads_with_the_same_hash_and_reads_back_exactly(tmp_path: Path, form: str) -> None:
    with Store(tmp_path / "db.duckdb") as store:
        for table in TABLES.values():
            source: Path | pa.Table = _csv(tmp_path, table, f"{table.id}.csv")
            if form != "csv":
                read = pacsv.read_csv(source, convert_options=pacsv.ConvertOptions(
                    column_types={c: pa.string() for c in [*table.meta.variables[0].codes, "value", "status"]},
                    strings_can_be_null=False))
                read = read.cast(pa.schema([(n, pa.string()) for n in read.column_names]))
                if form == "parquet":
                    pq.write_table(read, tmp_path / f"{table.id}.parquet")
                    source = tmp_path / f"{table.id}.parquet"
                else:
                    source = read
            result = store.load_columns(table.meta, source)
            assert result.created and result.release.content_hash == content_hash(table), table.id
            assert _exact(store.read(table.id).table) == _exact(table), table.id
            assert not store.load(table).created  # the object path agrees that nothing changed
            assert not store.load_columns(table.meta, source).created


def _with(table: Table, value: str | None, status: Status | None = None, **coordinates: str) -> Table:
    cells = dict(table.cells)
    key = table.meta.key(coordinates)
    cells[key] = Cell(None if value is None else Decimal(value), status if status is not None else cells[key].status)
    return Table(table.meta, cells)


BROKEN = {
    "average": _with(TABLES["taipei_free_usage"], "967555", year="2011", measure="monthly_average"),
    "average without total": _with(TABLES["taipei_free_usage"], None, Status.NOT_AVAILABLE, year="2012",
                                   measure="total"),
    "share": _with(TABLES["pay_taipei_by_category"], "21.0", year="2021", category="parking", measure="bills_share"),
    "share total": _with(TABLES["pay_taipei_by_category"], "99", year="2021", category="all", measure="bills_share"),
    "shares over 100": _with(TABLES["pay_taipei_by_category"], "10.0", year="2021", category="water",
                             measure="bills_share"),
    "negative": _with(TABLES["cooc_cloud"], "-1", year="2021", measure="courses"),
    "rank": _with(TABLES["imd_smart_city_index"], "4.5", year="2021", city="taipei", measure="rank"),
    "percentage": _with(TABLES["digital_access_taipei"], "100.1", year="2020", measure="computer"),
    "derivation": _with(TABLES["digital_access_taipei"], "68.9", year="2001", measure="computer"),
    "derived not estimated": _with(TABLES["digital_access_taipei"], "68.8", Status.OBSERVED, year="2001",
                                   measure="computer"),
    "estimate without note": _with(TABLES["cooc_cloud"], "178203", Status.ESTIMATED, year="2021", measure="courses"),
    "too many decimals": _with(TABLES["cooc_cloud"], "178203.0000001", year="2021", measure="courses"),
    "too wide": _with(TABLES["cooc_cloud"], "1" + "0" * 32, year="2021", measure="courses"),
    # a share of numbers too wide for the SQL checks' integers: checked as objects, with the same problems
    "wide numbers": _with(TABLES["pay_taipei_by_category"], "1" + "0" * 31, year="2021", category="parking",
                          measure="bills"),
}


def _described(problems: list) -> list[tuple]:
    return [(p.code, p.cell, p.expected, p.found, p.message) for p in problems]


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_table_gets_the_problems_of_the_object_path(tmp_path: Path, case: str) -> None:
    table = BROKEN[case]
    path = tmp_path / "values.csv"
    path.write_text(write_values(table), encoding="utf-8")
    with Store(tmp_path / "db.duckdb") as store:
        with pytest.raises(InvalidInput) as objects:
            store.load(table)
        with pytest.raises(InvalidInput) as columns:
            store.load_columns(table.meta, path)
        assert store.table_ids() == []
    assert _described(columns.value.problems) == _described(objects.value.problems)
    found = columns.value.problems
    assert found and all(p.table == table.id and p.file == "values.csv" for p in found)
    assert all(p.row is not None for p in columns.value.problems if p.cell)


def _edited(table: Table, edit) -> bytes:
    rows = list(csv.reader(io.StringIO(write_values(table))))
    edit(rows)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode()


FILE_PROBLEMS = {
    "unknown value": lambda rows: rows[3].__setitem__(0, "1999"),
    "bad status": lambda rows: rows[2].__setitem__(3, "x"),
    "not a number": lambda rows: rows[2].__setitem__(2, "12a"),
    "value with missing status": lambda rows: rows[2].__setitem__(3, ".."),
    "missing value": lambda rows: rows[2].__setitem__(2, ""),
    "duplicate cell": lambda rows: rows.__setitem__(3, list(rows[2])),
    "missing cell": lambda rows: rows.__delitem__(slice(2, 4)),
    "missing column": lambda rows: [row.pop(2) for row in rows],
}


@pytest.mark.parametrize("case", sorted(FILE_PROBLEMS))
def test_a_bad_file_gets_the_problems_of_the_catalog_reader_with_their_rows(tmp_path: Path, case: str) -> None:
    table = TABLES["cooc_cloud"]
    data = _edited(table, FILE_PROBLEMS[case])
    (tmp_path / "values.csv").write_bytes(data)
    with pytest.raises(InvalidInput) as reader:
        parse_values(data, table.meta, name="values.csv")
    with Store(tmp_path / "db.duckdb") as store, pytest.raises(InvalidInput) as columns:
        store.load_columns(table.meta, tmp_path / "values.csv")

    def seen(problems: list) -> list[tuple]:
        return [(p.code, p.row, p.column, p.message) for p in problems]

    assert seen(columns.value.problems) == seen(reader.value.problems)


def test_a_changed_load_is_a_delta_release_and_the_diff_sees_it(tmp_path: Path) -> None:
    table = TABLES["cooc_cloud"]
    revised = _with(table, "178204", year="2021", measure="courses")
    with Store(tmp_path / "db.duckdb") as store:
        store.load_columns(table.meta, _csv(tmp_path, table))
        second = store.load_columns(revised.meta, _csv(tmp_path, revised, "revised.csv"))
        assert second.created and second.release.release == 2
        assert store.storage("cooc_cloud", 2).stored_cells == 1
        assert _exact(store.read("cooc_cloud", 1).table) == _exact(table)
        assert _exact(store.read("cooc_cloud").table) == _exact(revised)


def test_the_load_command_streams_parquet_and_reports_problems_with_their_rows(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    from citystat.catalog import TABLES_DIR

    table = TABLES["cooc_cloud"]
    pq.write_table(pa.table({
        "year": [k[0] for k in table.meta.cell_keys()], "measure": [k[1] for k in table.meta.cell_keys()],
        "value": [None if table.get(k).value is None else format(table.get(k).value, "f")
                  for k in table.meta.cell_keys()],
        "status": [table.get(k).status.value for k in table.meta.cell_keys()]}), tmp_path / "cooc.parquet")
    bad = tmp_path / "bad.csv"
    bad.write_bytes(_edited(_with(table, "-5", year="2021", measure="courses"), lambda rows: None))

    def citystat(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "citystat.cli", *args, "--db", str(tmp_path / "db.duckdb")],
                              capture_output=True, text=True, timeout=120, env={**os.environ, "COLUMNS": "200"})

    meta = str(TABLES_DIR / "cooc_cloud.yaml")
    done = citystat("load", str(tmp_path / "cooc.parquet"), "--meta", meta)
    assert done.returncode == 0, done.stderr
    refused = citystat("load", str(bad), "--meta", meta, "--columnar")
    assert refused.returncode == 2
    assert "bad.csv" in refused.stderr and "negative_count" in refused.stderr and "year=2021" in refused.stderr
    with Store(tmp_path / "db.duckdb", read_only=True) as store:
        assert _exact(store.read("cooc_cloud").table) == _exact(table)
