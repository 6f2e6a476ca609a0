"""The columnar load at scale: a large generated table with planted errors gets every problem named (table, cell,
expected, found, and the file's row) from CSV and from Parquet; a file in any row order, or with numbers and codes
written loosely, has the object path's content hash; the hash decides the same across a reopened store."""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from citystat.catalog.tablefile import parse_values, read_meta
from citystat.model import InvalidInput, Table, TableMeta
from citystat.store import Store, columnar, content_hash
from citystat.store.digest import table_digest_version_1

from .large_tables import TABLE_ID, write_large_table


def _generated(folder: Path, stations: int, days: int) -> tuple[TableMeta, list[list[str]]]:
    data, meta_path = write_large_table(folder, stations, days)
    with data.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.reader(stream))
    return read_meta(meta_path), rows


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[TableMeta, list[list[str]]]:
    """300 stations x 100 days x 2 measures: 60,000 cells."""
    return _generated(tmp_path_factory.mktemp("large"), 300, 100)


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[TableMeta, list[list[str]]]:
    """40 stations x 40 days x 2 measures: 3,200 cells."""
    return _generated(tmp_path_factory.mktemp("small"), 40, 40)


def _text(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def _write(tmp_path: Path, rows: list[list[str]], form: str) -> Path:
    """The rows as a CSV file, or as a Parquet file of strings (the CSV's rows in the same order)."""
    path = tmp_path / "values.csv"
    path.write_text(_text(rows), encoding="utf-8")
    if form == "parquet":
        read = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(
            column_types={c: pa.string() for c in rows[0]}, strings_can_be_null=False))
        path = tmp_path / "values.parquet"
        pq.write_table(read, path)
    return path


def _row_of(rows: list[list[str]], station: str, day: str, measure: str) -> int:
    """The file's row (1 is the header) of a cell."""
    return next(i for i, r in enumerate(rows, start=1) if r[:3] == [station, day, measure])


def _plant(rows: list[list[str]]) -> dict[str, int]:
    """Errors at cells far apart in the file; the row of each planted cell by its code."""
    planted = {"negative_count": ("S00007", "2024-01-05", "docks", "-3", ""),
               "percentage_out_of_range": ("S00150", "2024-03-01", "occupancy", "100.5", ""),
               "estimate_without_note": ("S00299", "2024-04-09", "docks", "12", "e")}
    where = {}
    for code, (station, day, measure, value, status) in planted.items():
        row = _row_of(rows, station, day, measure)
        rows[row - 1][3:] = [value, status]
        where[code] = row
    return where


@pytest.mark.slow
@pytest.mark.parametrize("form", ["csv", "parquet"])
def test_planted_errors_in_a_large_table_are_each_named_with_cell_expected_found_and_row(
        tmp_path: Path, generated: tuple[TableMeta, list[list[str]]], form: str) -> None:
    meta, clean = generated
    rows = [list(r) for r in clean]
    where = _plant(rows)
    path = _write(tmp_path, rows, form)
    with pytest.raises(InvalidInput) as reader:  # the catalog reader runs the model's checks over objects
        parse_values(_text(rows), meta, name=path.name)
    with Store(tmp_path / "db.duckdb") as store:
        with pytest.raises(InvalidInput) as refused:
            store.load_columns(meta, path)
        assert store.table_ids() == []  # nothing half-loaded
    found = refused.value.problems
    assert [(p.code, p.cell, p.expected, p.found, p.message) for p in found] == \
        [(p.code, p.cell, p.expected, p.found, p.message) for p in reader.value.problems]
    assert sorted(p.code for p in found) == sorted(where)
    header = 1 if form == "csv" else 0  # a Parquet file's rows are its records, counted from 1
    for problem in found:
        assert problem.table == TABLE_ID and problem.file == path.name
        assert problem.cell and problem.expected and problem.found
        assert problem.row == where[problem.code] - 1 + header, problem  # the file's own row


@pytest.mark.slow
@pytest.mark.parametrize("form", ["csv", "parquet"])
def test_a_large_file_in_any_order_loads_with_the_object_paths_hash(
        tmp_path: Path, generated: tuple[TableMeta, list[list[str]]], form: str) -> None:
    meta, clean = generated
    table = parse_values(_text(clean), meta, name="values.csv")
    shuffled = [clean[0], *random.Random(3).sample(clean[1:], len(clean) - 1)]
    with Store(tmp_path / "db.duckdb") as store:
        first = store.load_columns(meta, _write(tmp_path, shuffled, form))
        assert first.created and first.release.content_hash == content_hash(table)
        assert _exact(store.read(TABLE_ID).table) == _exact(table)
        assert not store.load_columns(meta, _write(tmp_path, clean, form)).created  # the cube's order: the same


def _exact(table: Table) -> dict:
    return {key: (None if c.value is None else format(c.value, "f"), c.status.value)
            for key, c in table.ordered_cells()}


LOOSE = {  # a number or code as a person may write it, and what the catalog reader makes of it
    "plus sign": (3, "+17"),
    "leading zeros": (3, "0017"),
    "negative zero": (3, "-0"),
    "negative zero with decimals": (3, "-0.00"),
    "thousands separator": (3, "1,017"),
    "decimal zero": (3, "0.50"),
    "spaces around a number": (3, " 17 "),
    "spaces around a code": (0, " S00001 "),
    "spaces around a status": (4, " p "),
}


@pytest.mark.parametrize("case", sorted(LOOSE))
def test_a_loosely_written_cell_reads_and_hashes_as_the_catalog_reader_reads_it(
        tmp_path: Path, small: tuple[TableMeta, list[list[str]]], case: str) -> None:
    meta, clean = small
    rows = [list(r) for r in clean]
    field, text = LOOSE[case]
    row = _row_of(rows, "S00001", "2024-02-01", "docks")
    rows[row - 1][field] = text
    if field == 4:
        rows[row - 1][3] = "17"
    table = parse_values(_text(rows), meta, name="values.csv")
    for form in ("csv", "parquet"):
        with Store(tmp_path / f"{form}.duckdb") as store:
            result = store.load_columns(meta, _write(tmp_path, rows, form))
            assert result.release.content_hash == content_hash(table), form
            assert _exact(store.read(TABLE_ID).table) == _exact(table), form


def test_a_clean_file_is_checked_and_hashed_in_its_single_read(
        tmp_path: Path, small: tuple[TableMeta, list[list[str]]]) -> None:
    meta, clean = small
    table = parse_values(_text(clean), meta, name="values.csv")
    loose = [list(r) for r in clean]
    loose[5][3] = f" {loose[5][3]} "
    with Store(tmp_path / "db.duckdb") as store:
        con = store.connection
        try:
            staged = columnar.stage(con, meta, _write(tmp_path, clean, "parquet"), name="values.parquet")
            assert staged.digest == content_hash(table) and staged.numbered
            staged = columnar.stage(con, meta, _write(tmp_path, clean, "csv"), name="values.csv")
            assert staged.digest == content_hash(table) and not staged.numbered  # rows numbered only when asked
            staged = columnar.stage(con, meta, _write(tmp_path, loose, "csv"), name="values.csv")
            assert staged.digest is None and staged.numbered  # read again, thoroughly
            assert columnar.content_hash(con, meta) == content_hash(parse_values(_text(loose), meta, name="v.csv"))
        finally:
            columnar.cleanup(con, meta)


def test_the_content_hash_decides_the_same_after_the_store_is_reopened(
        tmp_path: Path, small: tuple[TableMeta, list[list[str]]]) -> None:
    meta, clean = small
    table = parse_values(_text(clean), meta, name="values.csv")
    path = tmp_path / "db.duckdb"
    with Store(path) as store:
        first = store.load_columns(meta, _write(tmp_path, clean, "csv"))
    with Store(path) as store:
        assert not store.load_columns(meta, _write(tmp_path, clean, "parquet")).created
        assert not store.load(table).created
        assert store.release(TABLE_ID).content_hash == first.release.content_hash == content_hash(table)
        revised = [list(r) for r in clean]
        revised[_row_of(clean, "S00002", "2024-01-02", "docks") - 1][3:] = ["999", ""]
        second = store.load_columns(meta, _write(tmp_path, revised, "parquet"))
        assert second.created and second.release.release == 2 and store.storage(TABLE_ID, 2).stored_cells == 1
    with Store(path, read_only=True) as store:
        assert store.release(TABLE_ID).content_hash == second.release.content_hash
        assert _exact(store.read(TABLE_ID, 1).table) == _exact(table)


def test_a_release_hashed_by_the_first_version_is_still_recognised(
        tmp_path: Path, small: tuple[TableMeta, list[list[str]]]) -> None:
    """A store written before the version-2 hash holds version-1 hashes: the same content is no new release."""
    meta, clean = small
    table = parse_values(_text(clean), meta, name="values.csv")
    path = tmp_path / "db.duckdb"
    with Store(path) as store:
        store.load_columns(meta, _write(tmp_path, clean, "csv"))
        store.connection.execute("UPDATE releases SET content_hash = ?", [table_digest_version_1(table)])
    with Store(path) as store:
        assert store.release(TABLE_ID).content_hash == table_digest_version_1(table)
        assert not store.load_columns(meta, _write(tmp_path, clean, "parquet")).created
        assert not store.load(table).created
        revised = [list(r) for r in clean]
        revised[_row_of(clean, "S00002", "2024-01-02", "docks") - 1][3:] = ["999", ""]
        second = store.load_columns(meta, _write(tmp_path, revised, "csv"))
        assert second.created and second.release.content_hash == content_hash(
            parse_values(_text(revised), meta, name="values.csv"))
        assert second.release.content_hash.startswith("v2-") and len(second.release.content_hash) == 67
        assert _exact(store.read(TABLE_ID, 1).table) == _exact(table)


@pytest.mark.slow
def test_metadata_over_the_input_bound_is_the_stores_own_and_reads_back(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The node bound guards input: a table loaded with it raised (or made in code) reads back under the default."""
    data, meta_path = write_large_table(tmp_path, 6_000, 1)  # 6,000 labelled stations: over 30,000 values
    monkeypatch.setenv("CITYSTAT_LIMIT_YAML_NODES", "100000")
    meta = read_meta(meta_path)
    with Store(tmp_path / "db.duckdb") as store:
        store.load_columns(meta, data)
    monkeypatch.delenv("CITYSTAT_LIMIT_YAML_NODES")
    with pytest.raises(InvalidInput, match="more than 30,000 values"):
        read_meta(meta_path)
    with Store(tmp_path / "db.duckdb", read_only=True) as store:
        stored = store.read(TABLE_ID)
    assert stored.table.meta == meta and len(stored.table.cells) == 12_000
