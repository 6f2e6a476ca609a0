"""The statistical table: a cube of cells over ordered variables, as in PxWeb and JSON-stat."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from functools import cached_property

from citystat.model.measure import Measure, MeasureKind
from citystat.model.period import Period
from citystat.model.status import Status
from citystat.model.text import Text

CellKey = tuple[str, ...]


class Role(str, Enum):
    TIME = "time"
    GEO = "geo"
    METRIC = "metric"
    CATEGORY = "category"


@dataclass(frozen=True)
class Note:
    text: Text
    mandatory: bool = False


@dataclass(frozen=True)
class Source:
    name: Text
    url: str | None = None


@dataclass(frozen=True)
class Value:
    """One value of a variable. Values of the metric variable carry a measure."""

    code: str
    label: Text
    notes: tuple[Note, ...] = ()
    measure: Measure | None = None
    is_aggregate: bool = False  # a total or an average over others ("all", "national"): the base of shares, not a peer
    highlight: bool = False  # the value a chart brings forward among its peers (the city among the six)


@dataclass(frozen=True)
class Variable:
    code: str
    label: Text
    role: Role
    values: tuple[Value, ...]
    notes: tuple[Note, ...] = ()
    peer_group: Text | None = None  # what its non-aggregate values are together ("六都"), for ranks among peers

    @property
    def peers(self) -> tuple[Value, ...]:
        """The values that compare with one another: all but aggregates (a total, the national average)."""
        return tuple(v for v in self.values if not v.is_aggregate)

    @property
    def aggregate(self) -> Value | None:
        return next((v for v in self.values if v.is_aggregate), None)

    def value(self, code: str) -> Value:
        for value in self.values:
            if value.code == code:
                return value
        raise KeyError(f"variable {self.code!r} has no value {code!r}")

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(v.code for v in self.values)


class DerivationOp(str, Enum):
    DIVIDE = "divide"
    MULTIPLY = "multiply"
    SUBTRACT = "subtract"
    ADD = "add"

    def apply(self, left: Decimal, right: Decimal) -> Decimal:
        if self is DerivationOp.DIVIDE:
            return left / right
        if self is DerivationOp.MULTIPLY:
            return left * right
        if self is DerivationOp.SUBTRACT:
            return left - right
        return left + right

    @property
    def symbol(self) -> str:
        return {"divide": "/", "multiply": "×", "subtract": "−", "add": "+"}[self.value]


@dataclass(frozen=True)
class Derivation:
    """How an estimated cell was computed from another cell and a published figure.

    ``source`` names the coordinates of the input cell that differ from the derived cell's,
    e.g. ``{"year": "2021"}``; the result is rounded to the measure's decimals.
    """

    source: tuple[tuple[str, str], ...]
    op: DerivationOp
    operand: Decimal

    def source_key(self, meta: TableMeta, derived_key: CellKey) -> CellKey:
        changes = dict(self.source)
        return tuple(changes.get(var.code, code) for var, code in zip(meta.variables, derived_key))


@dataclass(frozen=True)
class CellNote:
    key: CellKey
    text: Text
    mandatory: bool = False
    derivation: Derivation | None = None


@dataclass(frozen=True)
class TableMeta:
    """Everything about a table except its numbers."""

    id: str
    subject: str
    title: Text
    variables: tuple[Variable, ...]
    sources: tuple[Source, ...]
    notes: tuple[Note, ...] = ()
    description: Text | None = None
    aliases: tuple[str, ...] = ()
    cell_notes: tuple[CellNote, ...] = ()
    discontinued: bool = False

    def variable(self, code: str) -> Variable:
        for variable in self.variables:
            if variable.code == code:
                return variable
        raise KeyError(f"table {self.id!r} has no variable {code!r}")

    def _by_role(self, role: Role) -> Variable | None:
        return next((v for v in self.variables if v.role is role), None)

    @cached_property
    def time(self) -> Variable:
        variable = self._by_role(Role.TIME)
        if variable is None:
            raise ValueError(f"table {self.id!r} has no time variable")
        return variable

    @cached_property
    def metric(self) -> Variable:
        variable = self._by_role(Role.METRIC)
        if variable is None:
            raise ValueError(f"table {self.id!r} has no metric variable")
        return variable

    @property
    def geo(self) -> Variable | None:
        return self._by_role(Role.GEO)

    @cached_property
    def measures(self) -> dict[str, Measure]:
        return {v.code: v.measure for v in self.metric.values if v.measure is not None}

    @cached_property
    def _positions(self) -> dict[str, int]:
        return {v.code: i for i, v in enumerate(self.variables)}

    @property
    def periods(self) -> list[Period]:
        return [Period.parse(code) for code in self.time.codes]

    @property
    def all_stocks(self) -> bool:
        """Whether every measure is a stock, so time labels read as period ends (110 年底)."""
        return all(m.kind is MeasureKind.STOCK for m in self.measures.values())

    def periods_covered(self, lang: str) -> str:
        """The first and last period as a reader says them: 100 年 – 110 年, end of 2019 – end of 2021."""
        periods = sorted(self.periods)
        end = self.all_stocks
        first, last = periods[0].label(lang, end=end), periods[-1].label(lang, end=end)
        return first if first == last else f"{first} – {last}"

    def position(self, code: str) -> int:
        try:
            return self._positions[code]
        except KeyError:
            raise KeyError(f"table {self.id!r} has no variable {code!r}") from None

    def key(self, coordinates: Mapping[str, str]) -> CellKey:
        """The cell key for a mapping {variable code: value code}; every variable must be named."""
        missing = [v.code for v in self.variables if v.code not in coordinates]
        if missing:
            raise KeyError(f"table {self.id!r}: no value given for {', '.join(missing)}")
        return tuple(str(coordinates[v.code]) for v in self.variables)

    def describe_key(self, key: CellKey) -> str:
        return ", ".join(f"{v.code}={code}" for v, code in zip(self.variables, key))

    def cell_keys(self) -> Iterator[CellKey]:
        """Every cell of the cube, in the order of the variables (the last varies fastest)."""
        return itertools.product(*(v.codes for v in self.variables))

    @cached_property
    def metric_position(self) -> int:
        return self.position(self.metric.code)

    def measure_of(self, key: CellKey) -> Measure:
        code = key[self.metric_position]
        measure = self.measures.get(code)
        if measure is None:
            raise KeyError(f"table {self.id!r}: metric value {code!r} has no measure")
        return measure

    @cached_property
    def _cell_notes_by_key(self) -> dict[CellKey, tuple[CellNote, ...]]:
        grouped: dict[CellKey, list[CellNote]] = {}
        for note in self.cell_notes:
            grouped.setdefault(note.key, []).append(note)
        return {key: tuple(notes) for key, notes in grouped.items()}

    def notes_for_cell(self, key: CellKey) -> tuple[CellNote, ...]:
        return self._cell_notes_by_key.get(key, ())


@dataclass(frozen=True)
class Cell:
    value: Decimal | None
    status: Status = Status.OBSERVED


MISSING_CELL = Cell(None, Status.NOT_AVAILABLE)


@dataclass(frozen=True)
class Table:
    meta: TableMeta
    cells: Mapping[CellKey, Cell] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.meta.id

    def cell(self, **coordinates: str) -> Cell:
        return self.cells[self.meta.key(coordinates)]

    def get(self, key: CellKey) -> Cell:
        """The cell at ``key``; a cell the table lacks reads as not available."""
        return self.cells.get(key, MISSING_CELL)

    def ordered_cells(self) -> Iterator[tuple[CellKey, Cell]]:
        for key in self.meta.cell_keys():
            yield key, self.get(key)
