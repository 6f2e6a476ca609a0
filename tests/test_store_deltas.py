"""Releases stored as deltas: every release still reads back whole and exactly, as a full copy would have;
what a release changed (`citystat diff`); databases of the full-copy schema are upgraded in place."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from citystat.catalog import bundled_tables
from citystat.model import Cell, InvalidInput, Status, Table, meta_from_dict, meta_to_dict
from citystat.store import Store, content_hash
from citystat.store.diff import Change, diff_releases


def _meta(periods: list[str], measures: int = 4):
    raw = meta_to_dict(next(t for t in bundled_tables() if t.id == "cooc_cloud").meta)
    raw["id"] = "grid"
    raw.pop("cell_notes", None)
    raw["variables"][0]["values"] = [{"code": p} for p in periods]
    raw["variables"][1]["values"] = [
        {"code": f"m{j}", "label": {"zh-TW": f"指標{j}", "en": f"measure {j}"}, "unit": {"zh-TW": "件", "en": "items"},
         "decimals": 2, "kind": "stock"} for j in range(measures)]
    return meta_from_dict(raw)


def _grid(periods: list[str], changes: dict[tuple[str, str], Cell] | None = None) -> Table:
    meta = _meta(periods)
    cells = {key: Cell(Decimal(f"{int(key[0]) * 10 + int(key[1][1:])}.25")) for key in meta.cell_keys()}
    cells.update(changes or {})
    return Table(meta, cells)


def _exact(table: Table) -> dict[tuple[str, ...], tuple[str | None, str]]:
    return {key: (None if cell.value is None else format(cell.value, "f"), cell.status.value)
            for key, cell in table.ordered_cells()}


YEARS = [str(y) for y in range(2001, 2011)]

# each is loaded in turn: a revision, a status, the same number with another precision, periods added and removed,
# a return to the first content, most cells changed at once, and a metadata change alone
VERSIONS = [
    _grid(YEARS),
    _grid(YEARS, {("2005", "m1"): Cell(Decimal("99.25"))}),
    _grid(YEARS, {("2005", "m1"): Cell(Decimal("99.25")), ("2006", "m2"): Cell(Decimal("20062.25"), Status.PROVISIONAL),
                  ("2007", "m0"): Cell(None, Status.NOT_AVAILABLE)}),
    _grid(YEARS, {("2005", "m1"): Cell(Decimal("99.250")), ("2006", "m2"): Cell(Decimal("20062.25"), Status.REVISED),
                  ("2007", "m0"): Cell(None, Status.NOT_AVAILABLE)}),
    _grid([*YEARS, "2011", "2012"], {("2005", "m1"): Cell(Decimal("99.250"))}),
    _grid(YEARS[3:], {("2005", "m1"): Cell(Decimal("99.250"))}),
    _grid(YEARS),
    _grid(YEARS, {(y, f"m{j}"): Cell(Decimal(j)) for y in YEARS[:7] for j in range(4)}),
]


@pytest.fixture(scope="module")
def releases(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("deltas") / "db.duckdb"
    with Store(path) as store:
        for number, table in enumerate(VERSIONS, start=1):
            assert store.load(table).release.release == number
        retitled = meta_to_dict(VERSIONS[-1].meta)
        retitled["aliases"] = ["a grid"]
        assert store.load(Table(meta_from_dict(retitled), VERSIONS[-1].cells)).release.release == len(VERSIONS) + 1
    return path


def test_every_release_reads_back_exactly_as_it_was_loaded(releases: Path) -> None:
    with Store(releases, read_only=True) as store:
        for number, table in enumerate(VERSIONS, start=1):
            stored = store.read("grid", number)
            assert stored.meta == table.meta
            assert _exact(stored.table) == _exact(table), number
            assert content_hash(stored.table) == content_hash(table) == stored.release.content_hash
        assert _exact(store.read("grid").table) == _exact(VERSIONS[-1])


def test_a_release_stores_only_the_cells_it_changed(releases: Path) -> None:
    with Store(releases, read_only=True) as store:
        stored = [store.storage("grid", n) for n in range(1, len(VERSIONS) + 2)]
        with_meta = store.connection.execute(
            "SELECT release FROM releases WHERE CAST(meta AS VARCHAR) <> 'null' ORDER BY release").fetchall()
    assert [r for (r,) in with_meta] == [1, 5, 6, 7, 9]  # the metadata is kept again only when it changed
    assert [(s.base_release, s.stored_cells) for s in stored] == [
        (1, 40),  # the first release, whole
        (1, 1),  # one value revised
        (1, 2),  # a status set on a value, a value made `..`
        (1, 2),  # 99.25 -> 99.250 (its published precision), p -> r
        (1, 8 + 2),  # two periods added (4 measures each), two cells back as they were
        (6, 28),  # three periods removed: its cube does not extend the one before, so stored whole
        (7, 40),  # three periods back, before the first: neither is its cube an extension, so stored whole
        (8, 40),  # 28 of 40 cells changed: more than half, so stored whole
        (8, 0),  # the metadata alone
    ]


def test_the_same_content_again_is_no_release(releases: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.duckdb"
    copy.write_bytes(releases.read_bytes())
    with Store(copy) as store:
        latest = store.release("grid")
        again = store.load(store.read("grid").table)
        assert not again.created and again.release == latest


def test_diff_lists_added_removed_and_revised_cells_in_the_tables_labels(releases: Path) -> None:
    with Store(releases, read_only=True) as store:
        revised = diff_releases(store, "grid", 2, 4)
        grown = diff_releases(store, "grid", 4, 5)
        shrunk = diff_releases(store, "grid", 5, 6)
        backwards = diff_releases(store, "grid", 6, 5)
        nothing = diff_releases(store, "grid", 8, 9)
    assert [(c.change, c.coordinates, c.old_value, c.old_status, c.new_value, c.new_status)
            for c in revised.changes] == [
        (Change.REVISED, ("2005", "m1"), Decimal("99.25"), "", Decimal("99.250"), ""),
        (Change.REVISED, ("2006", "m2"), Decimal("20062.25"), "", Decimal("20062.25"), "r"),
        (Change.REVISED, ("2007", "m0"), Decimal("20070.25"), "", None, ".."),
    ]
    assert {c.change for c in grown.changes} == {Change.ADDED, Change.REVISED}
    assert [c.coordinates for c in grown.changes if c.change is Change.ADDED] == [
        (y, f"m{j}") for y in ("2011", "2012") for j in range(4)]
    removed = [c for c in shrunk.changes if c.change is Change.REMOVED]
    assert [c.coordinates for c in removed][:5] == [("2001", "m0"), ("2001", "m1"), ("2001", "m2"), ("2001", "m3"),
                                                    ("2002", "m0")]
    assert removed[0].old_value == Decimal("20010.25") and removed[0].new_status is None
    assert backwards.count(Change.ADDED) == shrunk.count(Change.REMOVED)
    assert nothing.changes == () and nothing.metadata_changed
    entry = revised.to_dict("en")["changes"][2]
    assert entry == {"change": "revised", "cell": {"year": "2007", "measure": "m0"}, "labels": entry["labels"],
                     "old": {"value": "20070.25", "status": ""}, "new": {"value": None, "status": ".."}}
    assert list(entry["labels"].values()) == ["2007", "measure 0"]
    assert list(revised.to_dict("zh-TW")["changes"][2]["labels"].values()) == ["96 年", "指標0"]


def _citystat(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "citystat.cli", *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "COLUMNS": "200"})


def test_the_diff_command_says_what_the_library_says(releases: Path) -> None:
    done = _citystat("diff", "grid", "2", "4", "--json", "--lang", "en", "--db", str(releases))
    assert done.returncode == 0, done.stderr
    with Store(releases, read_only=True) as store:
        assert json.loads(done.stdout) == diff_releases(store, "grid", 2, 4).to_dict("en")
    shown = _citystat("diff", "grid", "4", "5", "--lang", "zh-TW", "--db", str(releases))
    assert shown.returncode == 0, shown.stderr
    assert "新增 8" in shown.stdout and "指標3" in shown.stdout
    missing = _citystat("diff", "grid", "1", "99", "--db", str(releases))
    assert missing.returncode == 1 and "no release 99" in missing.stderr


_SCHEMA_1 = """
CREATE TABLE citystat_schema (version INTEGER NOT NULL);
INSERT INTO citystat_schema VALUES (1);
CREATE TABLE releases (table_id VARCHAR NOT NULL, release INTEGER NOT NULL, content_hash VARCHAR NOT NULL,
    loaded_at TIMESTAMPTZ NOT NULL, origin VARCHAR NOT NULL, cell_count BIGINT NOT NULL, meta JSON NOT NULL,
    PRIMARY KEY (table_id, release));
CREATE TABLE cells (table_id VARCHAR NOT NULL, release INTEGER NOT NULL, ordinal BIGINT NOT NULL,
    coordinates VARCHAR[] NOT NULL, value DECIMAL(38, 6), decimals TINYINT, status VARCHAR NOT NULL,
    PRIMARY KEY (table_id, release, ordinal));
"""


def _write_schema_1(path: Path, tables: list[Table]) -> None:
    """A database as citystat wrote it before releases were deltas: every release a full copy of its cells."""
    con = duckdb.connect(str(path))
    con.execute(_SCHEMA_1)
    for number, table in enumerate(tables, start=1):
        con.execute("INSERT INTO releases VALUES (?, ?, ?, now(), 'old', ?, ?)",
                    [table.id, number, content_hash(table), len(table.cells),
                     json.dumps(meta_to_dict(table.meta), ensure_ascii=False, sort_keys=True)])
        for ordinal, (key, cell) in enumerate(table.ordered_cells()):
            value = None if cell.value is None else format(cell.value, "f")
            decimals = None if value is None else (len(value) - value.index(".") - 1 if "." in value else 0)
            con.execute("INSERT INTO cells VALUES (?, ?, ?, ?, ?, ?, ?)",
                        [table.id, number, ordinal, list(key), value, decimals, cell.status.value])
    con.close()


def test_a_database_of_full_copies_is_upgraded_in_place_and_reads_the_same(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    _write_schema_1(path, VERSIONS[:3])
    with pytest.raises(RuntimeError, match="older citystat"):
        Store(path, read_only=True)
    with Store(path) as store:
        for number, table in enumerate(VERSIONS[:3], start=1):
            assert _exact(store.read("grid", number).table) == _exact(table)
        # stored again, in release order, as a release of today would be: the second and third as their changes
        assert [tuple(vars(store.storage("grid", n)).values()) for n in (1, 2, 3)] == [(1, 40), (1, 1), (1, 2)]
        assert not store.load(VERSIONS[2]).created  # the content hash still decides
        assert store.load(VERSIONS[3]).release.release == 4
        assert store.storage("grid", 4).stored_cells == 2
        assert _exact(store.read("grid", 4).table) == _exact(VERSIONS[3])
    with Store(path, read_only=True) as store:
        assert [c.change for c in diff_releases(store, "grid", 1, 4).changes] == [Change.REVISED] * 3


_SCHEMA_3 = """
CREATE TABLE citystat_schema (version INTEGER NOT NULL);
INSERT INTO citystat_schema VALUES (3);
CREATE TABLE releases (table_id VARCHAR NOT NULL, release INTEGER NOT NULL, content_hash VARCHAR NOT NULL,
    loaded_at TIMESTAMPTZ NOT NULL, origin VARCHAR NOT NULL, cell_count BIGINT NOT NULL, meta JSON NOT NULL,
    provenance JSON, PRIMARY KEY (table_id, release));
CREATE TABLE catalog_city (recorded_at TIMESTAMPTZ NOT NULL, city JSON NOT NULL);
CREATE TABLE release_storage (table_id VARCHAR NOT NULL, release INTEGER NOT NULL, base_release INTEGER NOT NULL,
    stored_cells BIGINT NOT NULL, PRIMARY KEY (table_id, release));
CREATE TABLE cell_changes (table_id VARCHAR NOT NULL, release INTEGER NOT NULL, coordinates VARCHAR[] NOT NULL,
    value DECIMAL(38, 6), decimals TINYINT, status VARCHAR, removed BOOLEAN NOT NULL);
"""


def _write_schema_3(path: Path, tables: list[Table], whole: set[int]) -> None:
    """A database as citystat wrote it before cells were positions: a cell row names the cell by its codes, a
    removed cell is a row of its own, and a delta may span cubes of any shape (releases in ``whole`` are bases)."""
    con = duckdb.connect(str(path))
    con.execute(_SCHEMA_3)
    state: dict[tuple[str, ...], tuple[str | None, str]] = {}
    base = 0
    for number, table in enumerate(tables, start=1):
        con.execute("INSERT INTO releases VALUES (?, ?, ?, now(), 'old', ?, ?, ?)",
                    [table.id, number, content_hash(table), len(table.cells),
                     json.dumps(meta_to_dict(table.meta), ensure_ascii=False, sort_keys=True),
                     json.dumps({"kind": "described", "words": "old"})])
        cells = _exact(table)
        if number == 1 or number in whole:
            base, rows = number, [(key, value, status, False) for key, (value, status) in cells.items()]
        else:
            rows = [(key, value, status, False) for key, (value, status) in cells.items() if state.get(key) != (
                value, status)] + [(key, None, None, True) for key in state if key not in cells]
        for key, value, status, removed in rows:
            decimals = None if value is None else (len(value) - value.index(".") - 1 if "." in value else 0)
            con.execute("INSERT INTO cell_changes VALUES (?, ?, ?, ?, ?, ?, ?)",
                        [table.id, number, list(key), value, decimals, status, removed])
        con.execute("INSERT INTO release_storage VALUES (?, ?, ?, ?)", [table.id, number, base, len(rows)])
        state = cells
    con.close()


# the same cube, a cube extended by periods (either way), cubes apart (periods removed, put back before the first)
PAIRS = [(1, 2), (2, 4), (4, 5), (5, 4), (5, 6), (6, 5), (6, 7), (7, 6), (3, 6), (7, 8), (8, 1)]


def _diffs(store: Store) -> dict[tuple[int, ...], dict]:
    return {(a, b): diff_releases(store, "grid", a, b).to_dict("en") for a, b in PAIRS} | {
        (a, b, 2, 3): diff_releases(store, "grid", a, b, offset=2, limit=3).to_dict("en") for a, b in PAIRS}


def test_a_database_of_codes_reads_as_it_is_and_is_upgraded_to_positions_exactly(tmp_path: Path) -> None:
    path = tmp_path / "schema3.duckdb"
    # releases 1 and 6 whole; the others deltas as schema 3 stored them, across periods added and removed
    _write_schema_3(path, VERSIONS, whole={6})
    with Store(path, read_only=True) as store:  # read as it is, by the cells' codes
        before = _diffs(store)
        for number, table in enumerate(VERSIONS, start=1):
            stored = store.read("grid", number)
            assert _exact(stored.table) == _exact(table), number
            assert content_hash(stored.table) == stored.release.content_hash == content_hash(table)
    assert before[(2, 4)]["counts"] == {"added": 0, "removed": 0, "revised": 3}
    assert before[(5, 6)]["counts"] == {"added": 0, "removed": 5 * 4, "revised": 0}  # 2001-2003, 2011-2012 gone
    with Store(path) as store:  # upgraded, in one transaction
        version = store.connection.execute("SELECT version FROM citystat_schema").fetchall()
        columns = [r[0] for r in store.connection.execute("DESCRIBE cell_changes").fetchall()]
        for number, table in enumerate(VERSIONS, start=1):
            stored = store.read("grid", number)
            assert _exact(stored.table) == _exact(table), number
            assert content_hash(stored.table) == stored.release.content_hash == content_hash(table)
        assert _diffs(store) == before
        # stored again by today's rule: a delta only on a release whose cube its own extends
        assert [store.storage("grid", n).base_release for n in range(1, len(VERSIONS) + 1)] == [1, 1, 1, 1, 1, 6, 7, 8]
        assert not store.load(VERSIONS[-1]).created
        assert store.load(VERSIONS[-2]).release.release == len(VERSIONS) + 1
    assert version == [(4,)] and "position" in columns and "coordinates" not in columns
    with Store(path, read_only=True) as store:
        assert _exact(store.read("grid").table) == _exact(VERSIONS[-2])
        assert _diffs(store) == before


def test_an_upgrade_that_fails_leaves_the_database_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "schema3.duckdb"
    _write_schema_3(path, VERSIONS[:4], whole=set())
    con = duckdb.connect(str(path))
    con.execute("UPDATE releases SET meta = '{\"id\": \"grid\"}' WHERE release = 3")  # metadata no reader takes
    con.close()
    with pytest.raises(InvalidInput, match="'variables' is required"):
        Store(path)
    with Store(path, read_only=True) as store:  # still schema 3, every cell row as it was
        assert store.connection.execute("SELECT version FROM citystat_schema").fetchall() == [(3,)]
        assert "coordinates" in [r[0] for r in store.connection.execute("DESCRIBE cell_changes").fetchall()]
        assert _exact(store.read("grid", 2).table) == _exact(VERSIONS[1])
        assert store.connection.execute("SELECT count(*) FROM cell_changes").fetchall() == [(40 + 1 + 2 + 2,)]
