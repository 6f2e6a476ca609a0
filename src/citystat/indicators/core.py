"""Indicators: a computed number with its inputs, its formula and the status it inherits from them.

An indicator built on an estimate is an estimate; one built on a missing or nil cell has no value.
Values are exact decimals (not rounded): the language package decides how to write them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from enum import StrEnum
from typing import Any

from citystat.model import CellKey, Measure, MeasureKind, Period, Role, Status, StoredTable, TableMeta

Coordinates = Mapping[str, str]


class IndicatorKind(StrEnum):
    LEVEL = "level"  # a cell's value as it is
    DIFFERENCE = "difference"  # a − b, in the measure's unit
    GROWTH_RATE = "growth_rate"  # (a / b − 1) × 100, percent: 成長 N%
    GROWTH_MULTIPLE = "growth_multiple"  # a / b − 1: 成長 / 增加 N 倍
    RATIO = "ratio"  # a / b: 係 / 為 N 倍
    PP_DIFFERENCE = "pp_difference"  # a − b of two percentages: N 個百分點
    SHARE = "share"  # part / total × 100: 占 N%
    RANK = "rank"  # 1 + peers with a higher value: 第 N
    CAGR = "cagr"  # ((a / b) ^ (1 / years) − 1) × 100, percent a year
    FIRST = "first"  # the first period with a value
    LAST = "last"  # the last period with a value
    PEAK = "peak"  # the highest value (the earliest, if tied)
    TROUGH = "trough"  # the lowest value (the earliest, if tied)
    STAYED_ABOVE = "stayed_above"  # the lowest value in a span; holds when it is >= the threshold: 維持在 X 以上
    ROSE_EVERY_PERIOD = "rose_every_period"  # the smallest rise in a span; holds when every period rose: 逐年上升
    FELL_EVERY_PERIOD = "fell_every_period"  # the smallest fall in a span; holds when every period fell: 逐年下降
    LARGEST_RISE = "largest_rise"  # the largest rise between consecutive periods, percent or points: 歷年最大增幅
    LARGEST_FALL = "largest_fall"  # the largest fall between consecutive periods: 歷年最大降幅


@dataclass(frozen=True)
class CellInput:
    """One cell an indicator was computed from: where it is and what it held."""

    table_id: str
    release: int
    coordinates: tuple[tuple[str, str], ...]  # (variable code, value code), in the table's variable order
    value: Decimal | None
    status: Status

    def coordinate(self, variable: str) -> str:
        return dict(self.coordinates)[variable]

    def to_dict(self) -> dict[str, Any]:
        return {
            "table": self.table_id,
            "release": self.release,
            "cell": dict(self.coordinates),
            "value": None if self.value is None else format(self.value, "f"),
            "status": self.status.value,
        }


@dataclass(frozen=True)
class Indicator:
    """A computed figure. ``value`` is exact; ``None`` when an input had no value (see ``status``)."""

    kind: IndicatorKind
    value: Decimal | None
    status: Status
    inputs: tuple[CellInput, ...]
    formula: str
    table_id: str
    release: int
    measure: str  # the code of the metric value the figure is about
    series: tuple[tuple[str, str], ...]  # the coordinates shared by the inputs, the time variable left out
    period: str | None = None  # the period the figure describes (the later one of a comparison)
    base_period: str | None = None  # the period compared with, or the start of a span
    base: tuple[tuple[str, str], ...] = ()  # for a comparison across non-time values: the base's coordinates
    threshold: Decimal | None = None  # stayed_above
    holds: bool | None = None  # stayed_above, rose/fell_every_period
    peers: int | None = None  # rank: how many peers were ranked
    details: tuple[tuple[str, str], ...] = field(default=())  # anything else a reader may want (peer values ...)

    @property
    def has_value(self) -> bool:
        return self.value is not None

    @property
    def estimated(self) -> bool:
        return self.status is Status.ESTIMATED

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind.value,
            "value": None if self.value is None else format(self.value, "f"),
            "status": self.status.value,
            "table": self.table_id,
            "release": self.release,
            "measure": self.measure,
            "series": dict(self.series),
            "period": self.period,
            "base_period": self.base_period,
            "formula": self.formula,
            "inputs": [i.to_dict() for i in self.inputs],
        }
        if self.base:
            out["base"] = dict(self.base)
        if self.threshold is not None:
            out["threshold"] = format(self.threshold, "f")
        if self.holds is not None:
            out["holds"] = self.holds
        if self.peers is not None:
            out["peers"] = self.peers
        if self.details:
            out["details"] = dict(self.details)
        return out


def combined_status(statuses: Iterable[Status]) -> Status:
    """The status a figure inherits: no value if any input has none, else estimated if any input is, and so on."""
    found = set(statuses)
    for status in (Status.NOT_AVAILABLE, Status.NIL, Status.ESTIMATED, Status.PROVISIONAL):
        if status in found:
            return status
    return Status.OBSERVED


def number(value: Decimal | None) -> str:
    """A number in a formula: thousands separators; a computed one cut to 6 decimals."""
    if value is None:
        return "no value"
    if value.adjusted() > 30:
        return format(value, ".6E")
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -6:
        with localcontext() as ctx:
            ctx.prec = 60
            value = value.quantize(Decimal("0.000001")).normalize()
    return format(value, ",f")


# -- reading cells ------------------------------------------------------------------------------------


def resolve(meta: TableMeta, coordinates: Coordinates, base: Coordinates | None = None) -> CellKey:
    """The key of a cell: ``coordinates`` with ``base`` laid over them (``base`` names only what differs)."""
    merged = {**dict(coordinates), **dict(base or {})}
    return meta.key(merged)


def cell_input(stored: StoredTable, key: CellKey) -> CellInput:
    meta = stored.meta
    if key not in stored.table.cells and not all(code in v.codes for v, code in zip(meta.variables, key, strict=False)):
        raise KeyError(f"table {meta.id!r} has no cell {meta.describe_key(key)}")
    cell = stored.table.get(key)
    return CellInput(
        meta.id,
        stored.release.release,
        tuple((v.code, code) for v, code in zip(meta.variables, key, strict=False)),
        cell.value,
        cell.status,
    )


def measure_code(meta: TableMeta, key: CellKey) -> str:
    return key[meta.position(meta.metric.code)]


def series_coordinates(meta: TableMeta, key: CellKey) -> tuple[tuple[str, str], ...]:
    return tuple((v.code, code) for v, code in zip(meta.variables, key, strict=False) if v.role is not Role.TIME)


def period_of(meta: TableMeta, key: CellKey) -> str:
    return key[meta.position(meta.time.code)]


def series_keys(meta: TableMeta, coordinates: Coordinates) -> list[tuple[Period, CellKey]]:
    """Every cell of one series (all variables fixed but time), in time order."""
    time = meta.time
    fixed = {k: v for k, v in dict(coordinates).items() if k != time.code}
    keys = [(Period.parse(code), meta.key({**fixed, time.code: code})) for code in time.codes]
    return sorted(keys, key=lambda item: item[0])


def is_relative(measure: Measure) -> bool:
    """Whether changes of this measure are told relatively (growth, multiples) rather than in points or places."""
    return measure.kind in (
        MeasureKind.FLOW, MeasureKind.STOCK, MeasureKind.MONTHLY_AVERAGE, MeasureKind.DAILY_AVERAGE, MeasureKind.COUNT
    )
