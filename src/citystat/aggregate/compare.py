"""Comparing a published table with its event-derived twin, cell by cell.

At a simulation scale below 1 the published figures are first scaled as the simulator scaled them
(``citystat.aggregate.scaling.expected_table``): flows and stocks round_half_up(figure × scale), averages and shares
recomputed from those.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from citystat.aggregate.definitions import derived_table_id, published_table_id
from citystat.aggregate.scaling import expected_table
from citystat.model import Cell, CellKey, ProvenanceKind, ReleaseInfo, Table

if TYPE_CHECKING:
    from citystat.store import Store

EQUAL, DIFFERS, NEW, MISSING, STATUS = "equal", "differs", "new", "missing", "status"
OUTCOMES = (EQUAL, DIFFERS, NEW, MISSING, STATUS)


@dataclass(frozen=True)
class CellComparison:
    key: CellKey
    label: str  # "year=2021, measure=total"
    published: Cell
    expected: Cell  # the published cell at the comparison's scale
    derived: Cell
    outcome: str  # equal | differs | new (only the events give a number) | missing (only the source) | status

    @property
    def difference(self) -> Decimal | None:
        if self.expected.value is None or self.derived.value is None:
            return None
        return self.derived.value - self.expected.value

    def to_dict(self) -> dict[str, object]:
        def number(cell: Cell) -> str | None:
            return None if cell.value is None else format(cell.value, "f")

        return {
            "cell": self.label, "outcome": self.outcome,
            "published": number(self.published), "published_status": self.published.status.value,
            "expected": number(self.expected), "derived": number(self.derived),
            "derived_status": self.derived.status.value,
            "difference": None if self.difference is None else format(self.difference, "f"),
        }


@dataclass(frozen=True)
class TableComparison:
    published_id: str
    derived_id: str
    scale: Decimal
    cells: tuple[CellComparison, ...]
    periods_not_derived: tuple[str, ...]  # published periods the derived table does not cover

    def count(self, outcome: str) -> int:
        return sum(1 for c in self.cells if c.outcome == outcome)

    @property
    def differences(self) -> list[CellComparison]:
        return [c for c in self.cells if c.outcome != EQUAL]

    @property
    def matches(self) -> bool:
        """Every cell with a published figure has the same figure in the derived table."""
        return all(c.outcome in (EQUAL, NEW) for c in self.cells)

    def to_dict(self) -> dict[str, object]:
        return {
            "published": self.published_id, "derived": self.derived_id, "scale": str(self.scale),
            "counts": {o: self.count(o) for o in OUTCOMES}, "matches": self.matches,
            "periods_not_derived": list(self.periods_not_derived),
            "cells": [c.to_dict() for c in self.cells],
        }


def _outcome(expected: Cell, derived: Cell) -> str:
    if expected.value is not None and derived.value is not None:
        return EQUAL if expected.value == derived.value else DIFFERS
    if expected.value is not None:
        return MISSING
    if derived.value is not None:
        return NEW
    return EQUAL if expected.status is derived.status else STATUS


def compare_tables(published: Table, derived: Table, scale: Decimal | int = 1) -> TableComparison:
    """Every cell of the derived table against the published cell with the same coordinates."""
    scale = Decimal(str(scale))
    expected = expected_table(published, scale)
    cells = []
    for key, cell in derived.ordered_cells():
        cells.append(CellComparison(key, derived.meta.describe_key(key), published.get(key), expected.get(key), cell,
                                    _outcome(expected.get(key), cell)))
    derived_periods = set(derived.meta.time.codes)
    missing = tuple(c for c in published.meta.time.codes if c not in derived_periods)
    return TableComparison(published.id, derived.id, scale, tuple(cells), missing)


class NothingToCompare(LookupError):
    """The database holds no table derived from events."""


def compare_in_store(store: Store, table_ids: Sequence[str] = (), scale: Decimal | None = None
                     ) -> list[TableComparison]:
    """Compare published tables with their event-derived twins in a database: the tables named (published or
    derived ids) or every derived table; at ``scale``, or else at the scale the derived release was simulated
    at (1 for real events)."""
    if table_ids:
        derived_ids = [t if published_table_id(t) else derived_table_id(t) for t in table_ids]
    else:
        derived_ids = [t for t in store.table_ids() if published_table_id(t)]
    if not derived_ids:
        raise NothingToCompare("no derived tables in the database; run citystat aggregate first")
    comparisons = []
    for derived_id in derived_ids:
        derived = store.read(derived_id)
        published = store.read(published_table_id(derived_id) or "")
        factor = scale if scale is not None else _simulated_scale(derived.release)
        comparisons.append(compare_tables(published.table, derived.table, factor))
    return comparisons


class UnknownScale(ValueError):
    """A derived release whose provenance has no fields (stored before they existed): its scale is not known."""


def _simulated_scale(release: ReleaseInfo) -> Decimal:
    """The scale the derived release's events were simulated at, from its provenance; 1 for real events."""
    provenance = release.provenance
    if provenance.kind is not ProvenanceKind.EVENTS:
        raise UnknownScale(f"release {release.release} of {release.table_id!r} came from {provenance.describe()!r}, "
                           "with no scale recorded as a field (it was stored before provenance had fields); give "
                           "the scale with --scale")
    return Decimal(1) if provenance.scale is None else provenance.scale
