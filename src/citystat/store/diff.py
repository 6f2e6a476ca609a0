"""What a release changed: the cells added, removed and revised between two releases of a table."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any

from citystat.model import TableMeta
from citystat.store import cube, deltas
from citystat.store.database import ReleaseInfo, Store


class Change(str, Enum):
    ADDED = "added"
    REMOVED = "removed"
    REVISED = "revised"


@dataclass(frozen=True)
class CellChange:
    """One cell that differs; a side without the cell has neither value nor status."""

    change: Change
    coordinates: tuple[str, ...]
    old_value: Decimal | None
    old_status: str | None
    new_value: Decimal | None
    new_status: str | None


@dataclass(frozen=True)
class ReleaseDiff:
    """The changes between two releases, or one page of them: ``counts`` are always over every change."""

    table_id: str
    old: ReleaseInfo
    new: ReleaseInfo
    old_meta: TableMeta
    new_meta: TableMeta
    changes: tuple[CellChange, ...]  # in the order of the new release's cube, removed cells in the old one's
    counts: Mapping[Change, int]
    offset: int = 0  # the place of changes[0] among all the changes

    def count(self, change: Change) -> int:
        return self.counts[change]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def metadata_changed(self) -> bool:
        return self.old_meta != self.new_meta

    def labels(self, cell: CellChange, lang: str) -> dict[str, str]:
        """{variable label: value label} of a cell, from the release that has it (the new one first)."""
        labelled = {}
        for i, code in enumerate(cell.coordinates):
            for meta in (self.new_meta, self.old_meta):
                variable = meta.variables[i] if i < len(meta.variables) else None
                if variable is not None and code in variable.codes:
                    labelled[variable.label.get(lang)] = variable.value(code).label.get(lang)
                    break
            else:
                labelled[self.new_meta.variables[i].label.get(lang) if i < len(self.new_meta.variables)
                         else str(i)] = code
        return labelled

    def to_dict(self, lang: str = "zh-TW") -> dict[str, Any]:
        """What ``citystat diff --json``, the API's diff resource and the dashboard's release form all show."""
        variables = [v.code for v in self.new_meta.variables]

        def number(value: Decimal | None) -> str | None:
            return None if value is None else format(value, "f")

        return {
            "table": self.table_id,
            "old_release": self.old.release,
            "new_release": self.new.release,
            "metadata_changed": self.metadata_changed,
            "counts": {change.value: self.count(change) for change in Change},
            "changes": [
                {
                    "change": c.change.value,
                    "cell": dict(zip(variables, c.coordinates)),
                    "labels": self.labels(c, lang),
                    "old": None if c.old_status is None else {"value": number(c.old_value), "status": c.old_status},
                    "new": None if c.new_status is None else {"value": number(c.new_value), "status": c.new_status},
                }
                for c in self.changes
            ],
        }


def _changed_sql(store: Store, table_id: str, old: tuple[int, TableMeta], new: tuple[int, TableMeta]
                 ) -> tuple[str, dict[str, Any]]:
    """Every cell that differs between two releases (each given as its number and metadata): its position in
    either release's cube (NULL on the side that lacks it), old and new value (exact text) and status."""
    a_base, b_base = (deltas.storage(store.connection, table_id, r).base_release for r in (old[0], new[0]))
    key = "position"  # where one cube extends the other (always so in a chain), a cell has one position in both
    params: dict[str, Any] = {"table": table_id}
    if store.cells_by_position and a_base == b_base:  # one chain: only the cells its rows between them store
        since, until = sorted((old[0], new[0]))
        a_cells = deltas.touched_sql(old[0], a_base, since, until)
        b_cells = deltas.touched_sql(new[0], b_base, since, until)
    else:
        a_cells, a_params = store.cells_sql(table_id, old[0], old[1], "o")
        b_cells, b_params = store.cells_sql(table_id, new[0], new[1], "n")
        params.update(a_params)
        params.update(b_params)
        if not (cube.extends(new[1], old[1]) or cube.extends(old[1], new[1])):
            # cubes apart (codes removed, reordered, added to an inner variable): the cells are matched by codes
            key = "coordinates"
            a_codes, a_names = cube.codes_sql(old[1], "position", "oc")
            b_codes, b_names = cube.codes_sql(new[1], "position", "nc")
            a_cells = f"SELECT *, {a_codes} AS coordinates FROM ({a_cells})"
            b_cells = f"SELECT *, {b_codes} AS coordinates FROM ({b_cells})"
            params.update(a_names)
            params.update(b_names)
    sql = (
        f"SELECT a.position AS old_position, b.position AS new_position, {deltas.value_text('a.')} AS old_value, "
        f"CASE WHEN a.{key} IS NOT NULL THEN a.status END AS old_status, "
        f"{deltas.value_text('b.')} AS new_value, CASE WHEN b.{key} IS NOT NULL THEN b.status END AS new_status "
        f"FROM ({a_cells}) a FULL OUTER JOIN ({b_cells}) b ON a.{key} = b.{key} WHERE {deltas.differs(key)}"
    )
    return sql, params


def diff_releases(
    store: Store, table_id: str, old: int, new: int, *, offset: int = 0, limit: int | None = None
) -> ReleaseDiff:
    """The cells that differ between two releases of a table (either may be the earlier one).

    ``offset`` and ``limit`` give one page of the changes (in the new release's cube order, then the removed
    cells in the old one's); the counts are of all of them. Both are SQL over the stored cells, so a page of a
    diff of millions of cells holds only its own changes in memory.
    """
    if offset < 0 or (limit is not None and limit < 0):
        raise ValueError(f"offset and limit must be 0 or more, not {offset} and {limit}")
    old_info, new_info = store.release(table_id, old), store.release(table_id, new)
    old_meta, new_meta = store.meta(table_id, old), store.meta(table_id, new)
    con = store.connection
    changed, params = _changed_sql(store, table_id, (old, old_meta), (new, new_meta))
    params["table"] = table_id
    added, removed, revised = con.execute(
        "SELECT count(*) FILTER (WHERE old_status IS NULL), count(*) FILTER (WHERE new_status IS NULL), "
        f"count(*) FILTER (WHERE old_status IS NOT NULL AND new_status IS NOT NULL) FROM ({changed})",
        params,
    ).fetchall()[0]
    counts = {Change.ADDED: int(added), Change.REMOVED: int(removed), Change.REVISED: int(revised)}
    changes: list[CellChange] = []
    if limit != 0 and offset < sum(counts.values()):
        # a cell of the new release is in its cube's order; a removed one (only in the old) in the old one's, after
        new_codes, new_names = cube.codes_sql(new_meta, "c.new_position", "nk")
        old_codes, old_names = cube.codes_sql(old_meta, "c.old_position", "ok")
        rows = con.execute(
            f"SELECT CASE WHEN c.new_position IS NOT NULL THEN {new_codes} ELSE {old_codes} END, "
            "c.old_value, c.old_status, c.new_value, c.new_status "
            f"FROM (SELECT * FROM ({changed}) ORDER BY new_position IS NULL, coalesce(new_position, old_position) "
            f"LIMIT {'ALL' if limit is None else int(limit)} OFFSET {int(offset)}) c "
            "ORDER BY c.new_position IS NULL, coalesce(c.new_position, c.old_position)",
            {**params, **new_names, **old_names},
        ).fetchall()
        for coordinates, old_value, old_status, new_value, new_status in rows:
            kind = Change.ADDED if old_status is None else Change.REMOVED if new_status is None else Change.REVISED
            changes.append(CellChange(kind, tuple(coordinates), None if old_value is None else Decimal(old_value),
                                      old_status, None if new_value is None else Decimal(new_value), new_status))
    return ReleaseDiff(table_id, old_info, new_info, old_meta, new_meta, tuple(changes), counts, offset)
