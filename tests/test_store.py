"""Release behaviour of the DuckDB store: idempotent reloads, new releases, old releases, atomic loads."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest

from citystat.catalog import bundled_tables
from citystat.model import Cell, InvalidInput, Table
from citystat.store import Store, TableNotFound, content_hash


def _table(table_id: str) -> Table:
    return next(t for t in bundled_tables() if t.id == table_id)


def _with_cell(table: Table, value: str, **coordinates: str) -> Table:
    cells = dict(table.cells)
    key = table.meta.key(coordinates)
    cells[key] = Cell(Decimal(value), cells[key].status)
    return Table(table.meta, cells)


def _snapshot(path: Path) -> list[tuple]:
    with Store(path, read_only=True) as store:
        rows = store.connection.execute(
            "SELECT table_id, release, content_hash, cell_count FROM releases ORDER BY ALL"
        ).fetchall()
        cells = store.connection.execute("SELECT count(*) FROM cell_changes").fetchone()
    return [*rows, cells]


def test_loading_identical_content_again_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "db.duckdb"
    with Store(path) as store:
        first = store.load_many(bundled_tables(), origin="catalog")
        assert all(r.created and r.release.release == 1 for r in first)
    before = _snapshot(path)
    with Store(path) as store:
        again = store.load_many(bundled_tables(), origin="catalog")
    assert not any(r.created for r in again)
    assert [r.release for r in again] == [r.release for r in first]
    assert _snapshot(path) == before


def test_every_table_reads_back_as_it_was_loaded(store: Store) -> None:
    def exact(table: Table) -> dict[tuple[str, ...], tuple[str | None, str]]:
        return {key: (None if cell.value is None else format(cell.value, "f"), cell.status.value)
                for key, cell in table.ordered_cells()}

    for table in bundled_tables():
        stored = store.read(table.id)
        assert stored.meta == table.meta
        assert exact(stored.table) == exact(table), table.id  # 96.20 stays 96.20
        assert content_hash(stored.table) == content_hash(table) == stored.release.content_hash


def test_changed_content_is_a_new_release_and_the_old_one_stays_readable(tmp_path: Path) -> None:
    path = tmp_path / "db.duckdb"
    original = _table("cooc_cloud")
    revised = _with_cell(original, "178204", year="2021", measure="courses")
    with Store(path) as store:
        store.load(original)
        result = store.load(revised)
        assert result.created and result.release.release == 2
        assert store.read("cooc_cloud").table.cell(year="2021", measure="courses").value == 178204
        assert store.read("cooc_cloud", 1).table.cell(year="2021", measure="courses").value == 178203
        assert [r.release for r in store.releases("cooc_cloud")] == [1, 2]
        # going back to the first content is a change relative to the latest, so a third release
        assert store.load(original).release.release == 3
        with pytest.raises(TableNotFound, match="no release 9"):
            store.read("cooc_cloud", 9)
        with pytest.raises(TableNotFound, match="no table 'nope'"):
            store.read("nope")


def test_a_metadata_change_alone_is_a_new_release(tmp_path: Path) -> None:
    table = _table("taipeipass")
    retitled = Table(dataclasses.replace(table.meta, aliases=(*table.meta.aliases, "Taipei Pass app")), table.cells)
    with Store(tmp_path / "db.duckdb") as store:
        store.load(table)
        assert store.load(retitled).release.release == 2
        assert "Taipei Pass app" in store.meta("taipeipass").aliases
        assert "Taipei Pass app" not in store.meta("taipeipass", 1).aliases


def test_a_failed_load_leaves_no_trace(tmp_path: Path) -> None:
    path = tmp_path / "db.duckdb"
    with Store(path) as store:
        store.load(_table("cooc_cloud"))
    before = _snapshot(path)
    good = _with_cell(_table("cooc_cloud"), "1", year="2017", measure="courses")
    bad = _with_cell(_table("taipei_free_usage"), "967555", year="2011", measure="monthly_average")
    with Store(path) as store, pytest.raises(InvalidInput) as caught:
        store.load_many([good, bad])
    assert [p.code for p in caught.value.problems] == ["average_mismatch"]
    assert _snapshot(path) == before


def test_an_error_midway_through_writing_rolls_back(tmp_path: Path) -> None:
    path = tmp_path / "db.duckdb"
    with Store(path) as store:
        store.load(_table("cooc_cloud"))
    before = _snapshot(path)

    def fail_after_first_table(table_id: str, written: int, total: int) -> None:
        if table_id == "taipeipass":
            raise RuntimeError("disk full")

    revised = _with_cell(_table("cooc_cloud"), "151", year="2017", measure="courses")
    with Store(path) as store, pytest.raises(RuntimeError, match="disk full"):
        store.load_many([revised, _table("taipeipass")], progress=fail_after_first_table)
    assert _snapshot(path) == before
    with Store(path) as store:  # the database is usable afterwards
        assert store.load(revised).release.release == 2


@pytest.mark.parametrize("value", ["178203.0000001", "178203.5000000", "1" + "0" * 32])
def test_a_value_the_database_cannot_hold_exactly_is_refused(tmp_path: Path, value: str) -> None:
    table = _with_cell(_table("cooc_cloud"), value, year="2021", measure="courses")
    with Store(tmp_path / "db.duckdb") as store:
        with pytest.raises(InvalidInput) as caught:
            store.load(table)
        assert [(p.code, p.cell, p.found) for p in caught.value.problems] == [
            ("value_not_storable", "year=2021, measure=courses", value)]
        assert store.table_ids() == []


def test_the_widest_values_the_database_holds_read_back_exactly(tmp_path: Path) -> None:
    widest, finest = "9" * 32 + ".999999", "0.500000"
    table = _with_cell(_with_cell(_table("cooc_cloud"), widest, year="2021", measure="courses"),
                       finest, year="2021", measure="page_views")
    with Store(tmp_path / "db.duckdb") as store:
        store.load(table)
        read = store.read("cooc_cloud").table
    assert format(read.cell(year="2021", measure="courses").value, "f") == widest
    assert format(read.cell(year="2021", measure="page_views").value, "f") == finest


@pytest.mark.parametrize("value", ["1E+3", "1.23E+5", "1E-6", "0E-6", "0.50", "7.000000"])
def test_values_written_in_any_form_read_back_with_their_decimals(tmp_path: Path, value: str) -> None:
    with Store(tmp_path / "db.duckdb") as store:
        store.load(_with_cell(_table("cooc_cloud"), value, year="2021", measure="page_views"))
        read = store.read("cooc_cloud").table.cell(year="2021", measure="page_views").value
    assert read is not None and format(read, "f") == format(Decimal(value), "f")


KILLED_LOADER = textwrap.dedent(
    """
    import os, signal, sys
    from decimal import Decimal
    from citystat.model import Cell, Table, meta_from_dict, meta_to_dict
    from citystat.store import Store
    from citystat.catalog import bundled_tables

    # a table big enough to be written in several batches: 200 periods x 600 measures
    base = next(t for t in bundled_tables() if t.id == "cooc_cloud")
    raw = meta_to_dict(base.meta)
    raw["id"] = "big"
    raw["variables"][0]["values"] = [{"code": str(1800 + i)} for i in range(200)]
    raw["variables"][1]["values"] = [
        {"code": f"m{j}", "label": {"zh-TW": f"m{j}", "en": f"m{j}"}, "unit": {"zh-TW": "門", "en": "courses"},
         "decimals": 0, "kind": "stock"} for j in range(600)]
    meta = meta_from_dict(raw)
    table = Table(meta, {key: Cell(Decimal(i)) for i, key in enumerate(meta.cell_keys())})

    def die_midway(table_id, written, total):
        print(f"written {written} of {total}", flush=True)
        if written < total:
            os.kill(os.getpid(), signal.SIGKILL)

    with Store(sys.argv[1]) as store:
        store.load_many([bundled_tables()[2], table], progress=die_midway)
    print("finished", flush=True)
    """
)


def test_a_process_killed_mid_load_leaves_the_previous_state(tmp_path: Path) -> None:
    path = tmp_path / "db.duckdb"
    with Store(path) as store:
        store.load_many(bundled_tables(), origin="catalog")
    before = _snapshot(path)
    script = tmp_path / "loader.py"
    script.write_text(KILLED_LOADER)
    done = subprocess.run([sys.executable, str(script), str(path)], capture_output=True, text=True, timeout=120,
                          env={**os.environ})
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert "written 50000 of 120000" in done.stdout and "finished" not in done.stdout
    assert _snapshot(path) == before
    with Store(path) as store:
        assert "big" not in store.table_ids()
        assert store.load(_table("cooc_cloud")).created is False


def test_a_database_of_a_newer_citystat_is_refused_and_not_left_open(tmp_path: Path) -> None:
    path = tmp_path / "db.duckdb"
    with Store(path) as store:
        store.connection.execute("UPDATE citystat_schema SET version = 99")
    with pytest.raises(RuntimeError, match="newer citystat") as refused:
        Store(path)
    with Store(path, read_only=True) as store:  # DuckDB refuses this while the refused connection is open
        assert store.connection.execute("SELECT version FROM citystat_schema").fetchall() == [(99,)]
    assert refused.value is not None  # the refused Store's frame lived until here


def test_reading_a_missing_database_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="citystat build"):
        Store(tmp_path / "absent.duckdb", read_only=True)


def test_database_path_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CITYSTAT_DB", str(tmp_path / "env.duckdb"))
    with Store() as store:
        assert store.path == tmp_path / "env.duckdb"
    assert (tmp_path / "env.duckdb").exists()
