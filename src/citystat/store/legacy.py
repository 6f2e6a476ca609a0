"""Cells as schema 2 and 3 kept them: each cell row named by its codes (``coordinates VARCHAR[]``), a removal
as a row of its own. Read here only to open such a database read-only, and to upgrade it to positions
(``citystat.store.database``)."""

from __future__ import annotations

from typing import Any

from citystat.model import TableMeta
from citystat.store import cube

CELL_CHANGES = """
CREATE TABLE IF NOT EXISTS cell_changes (
    table_id    VARCHAR NOT NULL,
    release     INTEGER NOT NULL,
    coordinates VARCHAR[] NOT NULL,
    value       DECIMAL(38, 6),
    decimals    TINYINT,
    status      VARCHAR,
    removed     BOOLEAN NOT NULL
)
"""


def state_sql(release: int, base: int, meta: TableMeta, name: str,
              changes: str = "cell_changes") -> tuple[str, dict[str, Any]]:
    """The cells of a release (position in the cube of ``meta``, its metadata; value, decimals, status) for the
    table named by ``$table``, and the parameters it takes besides (the codes, named after ``name``)."""
    if release == base:
        cells = (f"SELECT coordinates, value, decimals, status FROM {changes} "
                 f"WHERE table_id = $table AND release = {int(release)}")
    else:
        cells = (f"SELECT coordinates, value, decimals, status FROM {changes} "
                 f"WHERE table_id = $table AND release BETWEEN {int(base)} AND {int(release)} "
                 "QUALIFY row_number() OVER (PARTITION BY coordinates ORDER BY release DESC) = 1 AND NOT removed")
    joins, position, params = cube.position_joins(meta, name, lambda i: f"s.coordinates[{i + 1}]")
    sql = (f"SELECT CAST({position} AS BIGINT) AS position, s.value, s.decimals, s.status "
           f"FROM ({cells}) s {joins}")
    return sql, params
