"""The published figures at the scale of a simulation: what aggregating events simulated at scale SF must give.

Flows and stocks are round_half_up(figure × SF); averages are recomputed from their scaled totals and shares from
their scaled parts, so a comparison of derived and published tables (``compare``) needs nothing of the simulator.
"""

from __future__ import annotations

from decimal import Decimal

from citystat.model import Cell, MeasureKind, Period, Status, Table, round_half_up
from citystat.model.period import days_in_service as _days
from citystat.model.period import months_in_service as _months


def scaled(value: Decimal | int, scale: Decimal) -> int:
    """round_half_up(value × scale) as a whole number."""
    return int(round_half_up(Decimal(value) * scale, 0))



def expected_table(published: Table, scale: Decimal) -> Table:
    """The table an aggregation of events simulated at ``scale`` should give: flows and stocks round_half_up(
    value × scale), averages recomputed from their scaled totals, shares from their scaled parts; cells without a
    number keep their status. At scale 1 it is the published table."""
    meta = published.meta
    if scale == 1:
        return published
    time_pos, metric_pos = meta.position(meta.time.code), meta.position(meta.metric.code)
    cells: dict[tuple[str, ...], Cell] = {}

    def with_measure(key: tuple[str, ...], code: str) -> tuple[str, ...]:
        return key[:metric_pos] + (code,) + key[metric_pos + 1:]

    for key, cell in published.ordered_cells():
        measure = meta.measure_of(key)
        if cell.value is None or measure.kind in (MeasureKind.RATE, MeasureKind.RANK, MeasureKind.COUNT):
            cells[key] = cell
            continue
        period = Period.parse(key[time_pos])
        if measure.kind in (MeasureKind.FLOW, MeasureKind.STOCK):
            cells[key] = Cell(Decimal(scaled(cell.value, scale)), cell.status)
        elif measure.kind.is_average:
            start = measure.service_from or (meta.measures[measure.average_of].service_from
                                             if measure.average_of else None)
            monthly = measure.kind is MeasureKind.MONTHLY_AVERAGE
            divisor = _months(period, start) if monthly else _days(period, start)
            if measure.average_of:
                total_cell = published.get(with_measure(key, measure.average_of))
                total = Decimal(scaled(total_cell.value, scale)) if total_cell.value is not None else None
            else:
                total = Decimal(scaled(cell.value * divisor, scale))
            value = None if total is None else round_half_up(total / divisor, measure.decimals)
            cells[key] = Cell(value, cell.status if value is not None else Status.NOT_AVAILABLE)
        else:  # a share: recomputed below from the scaled parts
            cells[key] = cell
    for key, cell in list(cells.items()):
        measure = meta.measure_of(key)
        if measure.kind is not MeasureKind.SHARE or cell.value is None or measure.share_of is None:
            continue
        category = next(v for v in meta.variables if v.aggregate is not None)
        pos = meta.position(category.code)
        assert category.aggregate is not None
        part = cells[with_measure(key, measure.share_of)].value
        whole = cells[with_measure(key[:pos] + (category.aggregate.code,) + key[pos + 1:], measure.share_of)].value
        if part is None or not whole:
            continue
        cells[key] = Cell(round_half_up(part / whole * 100, measure.decimals), cell.status)
    return Table(meta, cells)
