"""What a release changed: the cells added, removed and revised between two releases of a table."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any

from citystat.model import TableMeta
from citystat.store import deltas
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
    table_id: str
    old: ReleaseInfo
    new: ReleaseInfo
    old_meta: TableMeta
    new_meta: TableMeta
    changes: tuple[CellChange, ...]  # in the order of the new release's cube, removed cells in the old one's

    def count(self, change: Change) -> int:
        return sum(1 for c in self.changes if c.change is change)

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


def diff_releases(store: Store, table_id: str, old: int, new: int) -> ReleaseDiff:
    """The cells that differ between two releases of a table (either may be the earlier one)."""
    old_info, new_info = store.release(table_id, old), store.release(table_id, new)
    old_meta, new_meta = store.meta(table_id, old), store.meta(table_id, new)
    con = store.connection
    rows = deltas.changed_cells(
        con, table_id,
        (old, deltas.storage(con, table_id, old).base_release),
        (new, deltas.storage(con, table_id, new).base_release),
    )
    changes = []
    for coordinates, old_value, old_status, new_value, new_status in rows:
        kind = Change.ADDED if old_status is None else Change.REMOVED if new_status is None else Change.REVISED
        changes.append(CellChange(kind, tuple(coordinates), None if old_value is None else Decimal(old_value),
                                  old_status, None if new_value is None else Decimal(new_value), new_status))
    new_index = {v.code: {c: i for i, c in enumerate(v.codes)} for v in new_meta.variables}
    old_index = {v.code: {c: i for i, c in enumerate(v.codes)} for v in old_meta.variables}

    def order(change: CellChange) -> tuple[int, tuple[int, ...]]:
        for rank, (meta, index) in enumerate(((new_meta, new_index), (old_meta, old_index))):
            if len(change.coordinates) == len(meta.variables) and all(
                    code in index[v.code] for v, code in zip(meta.variables, change.coordinates)):
                return rank, tuple(index[v.code][code] for v, code in zip(meta.variables, change.coordinates))
        return 2, ()

    changes.sort(key=order)
    return ReleaseDiff(table_id, old_info, new_info, old_meta, new_meta, tuple(changes))
