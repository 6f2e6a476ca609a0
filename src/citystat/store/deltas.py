"""Releases stored as deltas: a release keeps only the cells it added, revised or removed.

A release's cells are its *base* (the last release stored whole) with the changes of every release after it, up
to itself, applied in order; the latest change of a cell decides it, and a removal takes the cell out. A release
is stored whole when that is cheaper to read: when more than half of its cells changed, or when the changes
since its base would outnumber its cells. Reading any release therefore scans at most about twice its cells.

Every operation here is one SQL statement over whole tables (DuckDB), never Python over cells.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb

from citystat.model import TableMeta

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


def state_sql(release: int, base: int) -> str:
    """The cells of a release (coordinates, value, decimals, status), for the table named by ``$table``."""
    if release == base:
        return ("SELECT coordinates, value, decimals, status FROM cell_changes "
                f"WHERE table_id = $table AND release = {int(release)}")
    return (
        "SELECT coordinates, value, decimals, status FROM cell_changes "
        f"WHERE table_id = $table AND release BETWEEN {int(base)} AND {int(release)} "
        "QUALIFY row_number() OVER (PARTITION BY coordinates ORDER BY release DESC) = 1 AND NOT removed"
    )


def storage(con: duckdb.DuckDBPyConnection, table_id: str, release: int) -> Storage:
    row = con.execute(
        "SELECT base_release, stored_cells FROM release_storage WHERE table_id = ? AND release = ?",
        [table_id, release],
    ).fetchall()
    if not row:
        raise RuntimeError(f"release {release} of {table_id!r} has no stored cells")
    return Storage(int(row[0][0]), int(row[0][1]))


DIFFERS = ("a.coordinates IS NULL OR b.coordinates IS NULL OR a.value IS DISTINCT FROM b.value "
            "OR a.decimals IS DISTINCT FROM b.decimals OR a.status IS DISTINCT FROM b.status")


def write_release(
    con: duckdb.DuckDBPyConnection,
    table_id: str,
    release: int,
    previous: int | None,
    incoming: str,
) -> Storage:
    """Store the cells of ``incoming`` (a table or view of coordinates, value, decimals, status) as ``release``.

    ``previous`` is the latest release before it, whose cells the delta is taken against.
    """
    params = {"table": table_id}
    whole = (f"INSERT INTO cell_changes SELECT $table, {int(release)}, coordinates, value, decimals, status, false "
             f"FROM {incoming}")
    total = _count(con, f"SELECT count(*) FROM {incoming}")
    if previous is None:
        con.execute(whole, params)
        return _record(con, table_id, release, Storage(release, total))
    before = storage(con, table_id, previous)
    since_base = _count(
        con, "SELECT count(*) FROM cell_changes WHERE table_id = $table AND release > $base AND release <= $prev",
        {**params, "base": before.base_release, "prev": previous},
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE citystat_delta AS "
        "SELECT coalesce(b.coordinates, a.coordinates) AS coordinates, b.value, b.decimals, b.status, "
        "b.coordinates IS NULL AS removed "
        f"FROM ({state_sql(previous, before.base_release)}) a FULL OUTER JOIN {incoming} b "
        f"ON a.coordinates = b.coordinates WHERE {DIFFERS}",
        params,
    )
    try:
        changed = _count(con, "SELECT count(*) FROM citystat_delta")
        if 2 * changed > total or since_base + changed > total:
            con.execute(whole, params)
            return _record(con, table_id, release, Storage(release, total))
        con.execute(f"INSERT INTO cell_changes SELECT $table, {int(release)}, * FROM citystat_delta", params)
        return _record(con, table_id, release, Storage(before.base_release, changed))
    finally:
        con.execute("DROP TABLE IF EXISTS citystat_delta")


def _record(con: duckdb.DuckDBPyConnection, table_id: str, release: int, stored: Storage) -> Storage:
    con.execute("INSERT INTO release_storage VALUES (?, ?, ?, ?)",
                [table_id, release, stored.base_release, stored.stored_cells])
    return stored


def _count(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any] | None = None) -> int:
    return int(con.execute(sql, params or {}).fetchall()[0][0])


def positions(meta: TableMeta) -> tuple[str, str, dict[str, Any]]:
    """Joins that give every cell its place in the cube of ``meta`` (the order of ``meta.cell_keys()``)."""
    joins, terms, params = [], [], {}
    stride = 1
    for i in reversed(range(len(meta.variables))):
        codes = list(meta.variables[i].codes)
        params[f"codes{i}"] = codes
        joins.append(
            f"JOIN (SELECT unnest($codes{i}::VARCHAR[]) AS code, generate_subscripts($codes{i}::VARCHAR[], 1) - 1 "
            f"AS idx) p{i} ON p{i}.code = s.coordinates[{i + 1}]"
        )
        terms.append(f"p{i}.idx * {stride}")
        stride *= len(codes)
    return " ".join(reversed(joins)), " + ".join(terms) or "0", params


def read_ordered(
    con: duckdb.DuckDBPyConnection, table_id: str, release: int, meta: TableMeta
) -> tuple[list[str | None], list[str]]:
    """The values (exact text) and statuses of a release, in the order of its cube."""
    where = storage(con, table_id, release)
    joins, ordinal, params = positions(meta)
    columns = con.sql(
        f"SELECT {value_text('s.')} AS value, s.status FROM ({state_sql(release, where.base_release)}) s {joins} "
        f"ORDER BY {ordinal}",
        params={"table": table_id, **params},
    ).fetchnumpy()
    return columns["value"].tolist(), columns["status"].tolist()

