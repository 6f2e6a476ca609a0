"""Releases (vintages) of a table and a table as read from one release: value types, no storage.

The store makes and reads them; indicators, language, claims and publish take them without knowing where
they came from, so narrating or checking a table held in memory needs no database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from citystat.model.table import Table, TableMeta


@dataclass(frozen=True)
class ReleaseInfo:
    table_id: str
    release: int
    content_hash: str
    loaded_at: datetime
    origin: str
    cell_count: int


@dataclass(frozen=True)
class LoadResult:
    release: ReleaseInfo
    created: bool  # False when the content was identical to the latest release


@dataclass(frozen=True)
class StoredTable:
    table: Table
    release: ReleaseInfo

    @property
    def meta(self) -> TableMeta:
        return self.table.meta


def unreleased(table: Table, *, origin: str = "memory", content_hash: str = "") -> StoredTable:
    """A table held in memory, as release 0: what narratives, indicators and checks take, without a store."""
    info = ReleaseInfo(table.meta.id, 0, content_hash, datetime.now(UTC), origin, len(table.cells))
    return StoredTable(table, info)
