"""The standard set of indicators for any table, chosen from its metadata (what ``citystat indicators`` shows)."""

from __future__ import annotations

import itertools

from citystat.indicators import compute
from citystat.indicators.core import Indicator, is_relative
from citystat.model import Period, Role, StoredTable, TableMeta


def series_of(meta: TableMeta) -> list[dict[str, str]]:
    """The coordinates of every series of a table: each combination of its non-time values."""
    others = [v for v in meta.variables if v.role is not Role.TIME]
    return [
        {v.code: value.code for v, value in zip(others, combo, strict=False)}
        for combo in itertools.product(*(v.values for v in others))
    ]


def valued_periods(stored: StoredTable, coordinates: dict[str, str]) -> list[Period]:
    """The periods of a series that hold a number, in time order."""
    meta = stored.meta
    time = meta.time.code
    out = []
    for period in sorted(meta.periods):
        if stored.table.get(meta.key({**coordinates, time: period.code})).value is not None:
            out.append(period)
    return out


def standard_indicators(stored: StoredTable) -> list[Indicator]:
    """For every series: first, last, peak, trough; the last period against the one before and the first;
    CAGR; shares of the aggregate and ranks among peers in the latest period."""
    meta = stored.meta
    time = meta.time.code
    out: list[Indicator] = []
    for coordinates in series_of(meta):
        periods = valued_periods(stored, coordinates)
        if not periods:
            continue
        measure = meta.measures[coordinates[meta.metric.code]]
        out += [f(stored, coordinates) for f in (compute.first, compute.last, compute.peak, compute.trough)]
        latest = {**coordinates, time: periods[-1].code}
        bases = []
        if len(periods) >= 2:
            bases.append(periods[-2])
        if len(periods) >= 3:
            bases.append(periods[0])
        for base in bases:
            base_at = {time: base.code}
            if measure.kind.is_percentage:
                out.append(compute.pp_difference(stored, latest, base_at))
            elif is_relative(measure):
                out += [
                    compute.difference(stored, latest, base_at),
                    compute.growth_rate(stored, latest, base_at),
                    compute.growth_multiple(stored, latest, base_at),
                    compute.ratio(stored, latest, base_at),
                ]
            else:
                out.append(compute.difference(stored, latest, base_at))
        if len(periods) >= 2 and is_relative(measure):
            out.append(compute.cagr(stored, latest, {time: periods[0].code}))
    last_period = max(meta.periods).code
    for variable in meta.variables:
        if variable.role not in (Role.GEO, Role.CATEGORY) or len(variable.peers) < 2:
            continue
        for coordinates in series_of(meta):
            value = variable.value(coordinates[variable.code])
            if value.is_aggregate:
                continue
            at = {**coordinates, time: last_period}
            cell = stored.table.get(meta.key(at))
            if cell.value is None:
                continue
            measure = meta.measures[coordinates[meta.metric.code]]
            if variable.aggregate is not None and measure.kind.is_count:
                out.append(compute.share(stored, at, {variable.code: variable.aggregate.code}))
            out.append(compute.rank_among_peers(stored, at, variable.code))
    return out
