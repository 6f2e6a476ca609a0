"""Releases stored as deltas: a release keeps only the cells it added or revised.

A cell row is the cell's *position* in the cube of its release (``citystat.store.cube``), its value, decimals and
status. A release's cells are its *base* (the last release stored whole) with the changes of every release after it,
up to itself, applied in order; the latest row of a position decides it. A release may be a delta only on a release
whose cube its own *extends* (the same cells at the same positions, periods appended), so the positions of a chain
are all in its newest release's cube and a release reads back as ``ORDER BY position`` with no join. Any other
release is stored whole, as is one that is cheaper to read so: when more than half of its cells changed, or when the
changes since its base would outnumber its cells. Reading any release therefore scans at most about twice its cells.

Every operation here is one SQL statement over whole tables (DuckDB), never Python over cells.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb

from citystat.model import TableMeta
from citystat.store import cube

STORED_DECIMALS = 6  # the cells keep DECIMAL(38, 6): 6 decimal places and 32 digits before the point

# the value as text with its published decimals: exact, and far quicker than arrow's Decimal objects
VALUE_TEXT = "CASE {p}decimals " + " ".join(
    f"WHEN {d} THEN CAST({{p}}value AS DECIMAL(38, {d}))::VARCHAR" for d in range(STORED_DECIMALS + 1)
) + " END"


def value_text(prefix: str = "") -> str:
    return VALUE_TEXT.replace("{p}", prefix)


@dataclass(frozen=True)
class Storage:
    """Where a release's cells are: its base release and how many cell rows the release itself stored."""

    base_release: int
    stored_cells: int


def state_sql(release: int, base: int, where: str = "") -> str:
    """The cells of a release (position, value, decimals, status), for the table named by ``$table``; with
    ``where``, only the cells at the positions it admits."""
    only = f" AND {where}" if where else ""
    if release == base:
        return ("SELECT position, value, decimals, status FROM cell_changes "
                f"WHERE table_id = $table AND release = {int(release)}{only}")
    return (
        "SELECT position, value, decimals, status FROM cell_changes "
        f"WHERE table_id = $table AND release BETWEEN {int(base)} AND {int(release)}{only} "
        "QUALIFY row_number() OVER (PARTITION BY position ORDER BY release DESC) = 1"
    )


def touched_sql(release: int, base: int, since: int, until: int) -> str:
    """The cells of a release (as ``state_sql``) at only the positions that a row of a release after ``since``, up
    to ``until``, stores. Two releases of one chain (the same base) can differ only there: a diff of two releases
    each revising 1% reads 1% of the cells twice, not all of them."""
    return state_sql(release, base, "position IN (SELECT position FROM cell_changes WHERE table_id = $table "
                                    f"AND release > {int(since)} AND release <= {int(until)})")


def storage(con: duckdb.DuckDBPyConnection, table_id: str, release: int) -> Storage:
    row = con.execute(
        "SELECT base_release, stored_cells FROM release_storage WHERE table_id = ? AND release = ?",
        [table_id, release],
    ).fetchall()
    if not row:
        raise RuntimeError(f"release {release} of {table_id!r} has no stored cells")
    return Storage(int(row[0][0]), int(row[0][1]))


def differs(key: str = "position") -> str:
    """SQL: the cells ``a`` and ``b``, joined on ``key``, differ (one is missing, or value, decimals or status)."""
    return (f"a.{key} IS NULL OR b.{key} IS NULL OR a.value IS DISTINCT FROM b.value "
            "OR a.decimals IS DISTINCT FROM b.decimals OR a.status IS DISTINCT FROM b.status")


def write_release(
    con: duckdb.DuckDBPyConnection,
    table_id: str,
    release: int,
    previous: tuple[int, TableMeta] | None,
    incoming: str,
    meta: TableMeta,
) -> Storage:
    """Store the cells of ``incoming`` (a table or view of position, value, decimals, status: every cell of the
    cube of ``meta`` once) as ``release``.

    ``previous`` is the latest release before it and its metadata: the release is stored as its changes on it when
    its cube extends that release's and that is cheaper to read, else whole.
    """
    params = {"table": table_id}
    whole = (f"INSERT INTO cell_changes SELECT $table, {int(release)}, position, value, decimals, status "
             f"FROM {incoming}")
    total = _count(con, f"SELECT count(*) FROM {incoming}")
    if previous is None or not cube.extends(meta, previous[1]):
        con.execute(whole, params)
        return _record(con, table_id, release, Storage(release, total))
    before = storage(con, table_id, previous[0])
    since_base = _count(
        con, "SELECT count(*) FROM cell_changes WHERE table_id = $table AND release > $base AND release <= $prev",
        {**params, "base": before.base_release, "prev": previous[0]},
    )
    # the previous release's cells are all in this one's cube, at the same positions: none is removed
    con.execute(
        "CREATE OR REPLACE TEMP TABLE citystat_delta AS "
        "SELECT b.position, b.value, b.decimals, b.status "
        f"FROM {incoming} b LEFT JOIN ({state_sql(previous[0], before.base_release)}) a "
        f"ON a.position = b.position WHERE {differs()}",
        params,
    )
    try:
        changed = _count(con, "SELECT count(*) FROM citystat_delta")
        if 2 * changed > total or since_base + changed > total:
            con.execute(whole, params)
            return _record(con, table_id, release, Storage(release, total))
        # in the order of the cube: positions and values then compress as the runs they are (a join's order would
        # scatter them, and a delta took several times the room)
        con.execute(f"INSERT INTO cell_changes SELECT $table, {int(release)}, * FROM citystat_delta ORDER BY position",
                    params)
        return _record(con, table_id, release, Storage(before.base_release, changed))
    finally:
        con.execute("DROP TABLE IF EXISTS citystat_delta")


def _record(con: duckdb.DuckDBPyConnection, table_id: str, release: int, stored: Storage) -> Storage:
    con.execute("INSERT INTO release_storage VALUES (?, ?, ?, ?)",
                [table_id, release, stored.base_release, stored.stored_cells])
    return stored


def _count(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any] | None = None) -> int:
    return int(con.execute(sql, params or {}).fetchall()[0][0])


def read_state(
    con: duckdb.DuckDBPyConnection, cells: str, params: dict[str, Any]
) -> tuple[list[str | None], list[str]]:
    """The values (exact text) and statuses of the cells ``cells`` (SQL of position, value, decimals, status) in
    the order of their positions."""
    columns = con.sql(f"SELECT {value_text('s.')} AS value, s.status FROM ({cells}) s ORDER BY s.position",
                      params=params).fetchnumpy()
    return columns["value"].tolist(), columns["status"].tolist()


def read_ordered(
    con: duckdb.DuckDBPyConnection, table_id: str, release: int
) -> tuple[list[str | None], list[str]]:
    """The values (exact text) and statuses of a release, in the order of its cube."""
    where = storage(con, table_id, release)
    return read_state(con, state_sql(release, where.base_release), {"table": table_id})
