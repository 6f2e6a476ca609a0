"""From engine results to a statistical table: statuses, exact averages and shares, metadata.

Engines return whole numbers; everything that divides is done here, once, in decimal arithmetic with rounding
half up, so DuckDB and Spark cannot differ by a floating-point last digit.

A cell's status says why it has no number:

- nil (``-``): the period ended before the measure's service began (``service_from``);
- not available (``..``): the events do not cover the period: a month the measure needs has no partition
  (flows need every month of the period in service; net cumulative counts every month from the start of the
  stream to the period end; a stock needs a snapshot in the period's last month), or a share's total is zero.

A month partition that exists but holds no event counts as covered: zero events is a figure.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from citystat.aggregate.definitions import Definition, Kind, MeasureSpec
from citystat.events.calendar import day_to_date, month_index, month_of_index
from citystat.model import Cell, Note, Period, Status, Table, TableMeta, Text, round_half_up
from citystat.model.period import days_in_service, months_in_service

# (period code, group value or None for the total) -> whole number
Values = dict[tuple[str, str | None], int]


@dataclass(frozen=True)
class StreamCoverage:
    months: frozenset[tuple[int, int]]  # partitions present
    first_month: tuple[int, int] | None
    snapshots: Mapping[str, int]  # period code -> local day of its last snapshot (stock streams)


def service_from(spec: MeasureSpec, definition: Definition, meta: TableMeta) -> Period | None:
    """The measure's own, else the catalog measure's (or the one it averages), else the base measure's."""
    if spec.service_from is not None:
        return spec.service_from
    measure = meta.measures.get(spec.code)
    if measure is not None:
        if measure.service_from is not None:
            return measure.service_from
        if measure.average_of and meta.measures.get(measure.average_of) is not None:
            base = meta.measures[measure.average_of].service_from
            if base is not None:
                return base
    if spec.of is not None:
        return service_from(definition.measure(spec.of), definition, meta)
    return None


def _months(first: tuple[int, int], last: tuple[int, int]) -> list[tuple[int, int]]:
    return [month_of_index(i) for i in range(month_index(*first), month_index(*last) + 1)]


def _availability(spec: MeasureSpec, kind: Kind, period: Period, start: Period | None,
                  coverage: StreamCoverage) -> Status | None:
    """NIL or NOT_AVAILABLE when the cell can have no number, None when it can."""
    if start is not None and period.end < start.start:
        return Status.NIL
    end = (period.end.year, period.end.month)
    if kind is Kind.STOCK_AT_PERIOD_END:
        day = coverage.snapshots.get(period.code)
        if end not in coverage.months or day is None:
            return Status.NOT_AVAILABLE
        snapshot = day_to_date(day)
        return None if (snapshot.year, snapshot.month) == end else Status.NOT_AVAILABLE
    if kind is Kind.NET_CUMULATIVE_COUNT:
        first = (start.start.year, start.start.month) if start is not None else coverage.first_month
        if first is None:
            return Status.NOT_AVAILABLE
        needed = _months(first, end)
    else:
        begin = period.start if start is None or start.start <= period.start else start.start
        needed = _months((begin.year, begin.month), end)
    return None if all(m in coverage.months for m in needed) else Status.NOT_AVAILABLE


def _group_value(values: Values, period: str, event_values: tuple[str, ...] | None) -> int:
    if event_values is None:
        return values.get((period, None), 0)
    return sum(values.get((period, v), 0) for v in event_values)


def derived_meta(definition: Definition, meta: TableMeta, periods: Sequence[str], notes: Sequence[Note]) -> TableMeta:
    """The published table's metadata for the event-derived table: its own id and title, the computed periods,
    a note saying how it was computed, and no cell notes (they describe how the source derived its figures)."""
    time = meta.time
    kept = replace(time, values=tuple(v for v in time.values if v.code in set(periods)))
    origin = Note(Text(
        f"本表由原始服務事件依 citystat 統計定義（{definition.file or definition.id}）計算，"
        f"時間依當地時間（{definition.calendar.time_zone}）；公布值見表 {meta.id}，逐格比較請用 citystat compare。",
        f"Computed by citystat from raw service events under the definition {definition.file or definition.id}, "
        f"on local time ({definition.calendar.time_zone}); the published figures are table {meta.id}; compare them "
        "cell by cell with citystat compare.",
    ))
    return replace(
        meta,
        id=definition.id,
        title=Text(f"{meta.title.zh}（由事件資料計算）", f"{meta.title.en} (computed from events)"),
        variables=tuple(kept if v.code == time.code else v for v in meta.variables),
        notes=(origin, *notes, *meta.notes),
        cell_notes=(),
        aliases=(),
    )


def assemble(definition: Definition, meta: TableMeta, periods: Sequence[str], values: Mapping[str, Values],
             coverage: Mapping[str, StreamCoverage], notes: Sequence[Note] = ()) -> Table:
    """The derived table: one cell per period, group value and measure."""
    new_meta = derived_meta(definition, meta, periods, notes)
    group = definition.group
    group_codes: list[tuple[str | None, tuple[str, ...] | None]] = [(None, None)]
    if group is not None:
        group_codes = [(code, events) for code, events in group.values]
        if group.total is not None:
            group_codes.append((group.total, None))
    base: dict[tuple[str, str, str | None], Cell] = {}  # (measure, period, group code) -> cell
    for spec in definition.measures:
        if spec.aggregate is None:
            continue
        start = service_from(spec, definition, meta)
        for period_code in periods:
            period = Period.parse(period_code)
            status = _availability(spec, spec.aggregate.kind, period, start, coverage[spec.aggregate.stream])
            for code, events in group_codes:
                if status is not None:
                    base[spec.code, period_code, code] = Cell(None, status)
                else:
                    number = _group_value(values[spec.code], period_code, events)
                    base[spec.code, period_code, code] = Cell(Decimal(number))
    cells: dict[tuple[str, ...], Cell] = {}
    for combo in itertools.product(*(v.codes for v in new_meta.variables)):
        coords = dict(zip((v.code for v in new_meta.variables), combo, strict=True))
        period_code = coords[new_meta.time.code]
        measure_code = coords[new_meta.metric.code]
        code = coords.get(group.variable) if group is not None else None
        spec = definition.measure(measure_code)
        decimals = new_meta.measures[measure_code].decimals
        cells[combo] = _cell(spec, definition, meta, base, period_code, code, decimals)
    return Table(new_meta, cells)


def _cell(spec: MeasureSpec, definition: Definition, meta: TableMeta, base: Mapping, period_code: str,
          code: str | None, decimals: int) -> Cell:
    if spec.kind.is_aggregate:
        cell: Cell = base[spec.code, period_code, code]
        return Cell(round_half_up(cell.value, decimals), cell.status) if cell.value is not None else cell
    source = spec.code if spec.aggregate is not None else spec.of
    assert source is not None
    total: Cell = base[source, period_code, code]
    if total.value is None:
        return total
    if spec.kind is Kind.SHARE_OF_TOTAL:
        assert definition.group is not None
        whole: Cell = base[source, period_code, definition.group.total]
        if whole.value is None:
            return whole
        if whole.value == 0:
            return Cell(None, Status.NOT_AVAILABLE)
        return Cell(round_half_up(total.value / whole.value * 100, decimals))
    period = Period.parse(period_code)
    start = service_from(spec, definition, meta)
    divisor = months_in_service(period, start) if spec.kind is Kind.AVERAGE_PER_MONTH else days_in_service(period,
                                                                                                          start)
    if divisor == 0:
        return Cell(None, Status.NIL)
    return Cell(round_half_up(total.value / divisor, decimals))
