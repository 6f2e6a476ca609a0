"""Releases (vintages) of a table and a table as read from one release: value types, no storage.

The store makes and reads them; indicators, language, claims and publish take them without knowing where
they came from, so narrating or checking a table held in memory needs no database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from citystat.model.provenance import Provenance
from citystat.model.table import Table, TableMeta


@dataclass(frozen=True)
class ReleaseInfo:
    table_id: str
    release: int
    content_hash: str
    loaded_at: datetime
    provenance: Provenance  # a string given here is taken as words only (Provenance.described)
    cell_count: int

    def __post_init__(self) -> None:
        if isinstance(self.provenance, str):
            object.__setattr__(self, "provenance", Provenance.described(self.provenance))

    @property
    def origin(self) -> str:
        """Where the release came from, in words (what the dashboard, the publication and the API show)."""
        return self.provenance.describe()

    def to_dict(self) -> dict[str, Any]:
        return {
            "table": self.table_id, "release": self.release, "content_hash": self.content_hash,
            "loaded_at": self.loaded_at.astimezone(UTC).isoformat(), "cells": self.cell_count,
            "origin": self.origin, "provenance": self.provenance.to_dict(),
        }


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


def unreleased(table: Table, *, origin: Provenance | str = "memory", content_hash: str = "") -> StoredTable:
    """A table held in memory, as release 0: what narratives, indicators and checks take, without a store."""
    provenance = Provenance.described(origin) if isinstance(origin, str) else origin
    info = ReleaseInfo(table.meta.id, 0, content_hash, datetime.now(UTC), provenance, len(table.cells))
    return StoredTable(table, info)
