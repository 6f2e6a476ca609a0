"""The indicators of official statistics, computed from stored cells.

Cells are named by coordinates ``{variable code: value code}``; a comparison names its base by the
coordinates that differ, e.g. ``growth_multiple(t, {"year": "2021", "measure": "monthly_average"},
base={"year": "2018"})``. Every function returns an :class:`Indicator`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal, localcontext

from citystat.indicators.core import (
    CellInput,
    Coordinates,
    Indicator,
    IndicatorKind,
    cell_input,
    combined_status,
    measure_code,
    number,
    period_of,
    resolve,
    series_coordinates,
    series_keys,
)
from citystat.model import CellKey, Frequency, MeasureKind, Period, Role, Status, StoredTable, TableMeta, Variable

HUNDRED = Decimal(100)
ONE = Decimal(1)


def _label(meta: TableMeta, key: CellKey, other: CellKey | None) -> str:
    """What tells a cell apart from the other cell of a comparison: ``2021`` or ``taipei``."""
    if other is None:
        return period_of(meta, key)
    differing = [code for code, other_code in zip(key, other, strict=False) if code != other_code]
    return ", ".join(differing) or period_of(meta, key)


def _build(
    kind: IndicatorKind,
    stored: StoredTable,
    key: CellKey,
    inputs: Sequence[CellInput],
    value: Decimal | None,
    formula: str,
    *,
    base_key: CellKey | None = None,
    status: Status | None = None,
    **extra: object,
) -> Indicator:
    meta = stored.meta
    if status is None:
        status = combined_status(i.status for i in inputs)
    if value is None and status.has_value:
        status = Status.NOT_AVAILABLE
    base_period = None
    base: tuple[tuple[str, str], ...] = ()
    if base_key is not None:
        base_period = period_of(meta, base_key)
        base = tuple(
            (v.code, b)
            for v, k, b in zip(meta.variables, key, base_key, strict=True)
            if k != b and v.role is not Role.TIME
        )
    return Indicator(
        kind=kind,
        value=value,
        status=status,
        inputs=tuple(inputs),
        formula=formula,
        table_id=meta.id,
        release=stored.release.release,
        measure=measure_code(meta, key),
        series=series_coordinates(meta, key),
        period=period_of(meta, key),
        base_period=base_period,
        base=base,
        **extra,  # type: ignore[arg-type]
    )


def level(stored: StoredTable, coordinates: Coordinates) -> Indicator:
    """A cell's value as published."""
    key = resolve(stored.meta, coordinates)
    cell = cell_input(stored, key)
    formula = f"{number(cell.value)} ({stored.meta.describe_key(key)})"
    return _build(IndicatorKind.LEVEL, stored, key, [cell], cell.value, formula, status=cell.status)


def _pair(
    kind: IndicatorKind,
    stored: StoredTable,
    coordinates: Coordinates,
    base: Coordinates,
    compute: Callable[[Decimal, Decimal], Decimal | None],
    describe: Callable[[str, str], str],
    zero_base_undefined: bool = False,
) -> Indicator:
    meta = stored.meta
    key = resolve(meta, coordinates)
    base_key = resolve(meta, coordinates, base)
    later, earlier = cell_input(stored, key), cell_input(stored, base_key)
    a = f"{number(later.value)} ({_label(meta, key, base_key)})"
    b = f"{number(earlier.value)} ({_label(meta, base_key, key)})"
    value: Decimal | None = None
    status = None
    if later.value is not None and earlier.value is not None:
        if zero_base_undefined and earlier.value == 0:
            formula = f"{describe(a, b)}: undefined, the base is zero"
            status = Status.NOT_AVAILABLE
        else:
            with localcontext() as ctx:
                ctx.prec = 34
                value = compute(later.value, earlier.value)
            formula = f"{describe(a, b)} = {number(value)}"
    else:
        formula = f"{describe(a, b)}: no value, an input has none"
    return _build(kind, stored, key, [later, earlier], value, formula, base_key=base_key, status=status)


def difference(stored: StoredTable, coordinates: Coordinates, base: Coordinates) -> Indicator:
    """a − b, in the measure's own unit (增加 8,580 輛)."""
    return _pair(IndicatorKind.DIFFERENCE, stored, coordinates, base, lambda a, b: a - b, lambda a, b: f"{a} − {b}")


def growth_rate(stored: StoredTable, coordinates: Coordinates, base: Coordinates) -> Indicator:
    """(a / b − 1) × 100: 成長 N% / 增加 N%."""
    return _pair(
        IndicatorKind.GROWTH_RATE, stored, coordinates, base,
        lambda a, b: (a / b - ONE) * HUNDRED, lambda a, b: f"({a} ÷ {b} − 1) × 100", zero_base_undefined=True,
    )


def growth_multiple(stored: StoredTable, coordinates: Coordinates, base: Coordinates) -> Indicator:
    """a / b − 1: 成長 N 倍 / 增加 N 倍."""
    return _pair(
        IndicatorKind.GROWTH_MULTIPLE, stored, coordinates, base,
        lambda a, b: a / b - ONE, lambda a, b: f"{a} ÷ {b} − 1", zero_base_undefined=True,
    )


def ratio(stored: StoredTable, coordinates: Coordinates, base: Coordinates) -> Indicator:
    """a / b: 係 (為) B 之 N 倍."""
    return _pair(
        IndicatorKind.RATIO, stored, coordinates, base,
        lambda a, b: a / b, lambda a, b: f"{a} ÷ {b}", zero_base_undefined=True,
    )


def pp_difference(stored: StoredTable, coordinates: Coordinates, base: Coordinates) -> Indicator:
    """a − b of two percentages: N 個百分點. Both cells must be rates or shares."""
    meta = stored.meta
    for key in (resolve(meta, coordinates), resolve(meta, coordinates, base)):
        kind = meta.measure_of(key).kind
        if not kind.is_percentage:
            raise ValueError(f"percentage points need percentages; {meta.describe_key(key)} is a {kind.value}")
    return _pair(
        IndicatorKind.PP_DIFFERENCE, stored, coordinates, base, lambda a, b: a - b, lambda a, b: f"{a} − {b}"
    )


def _years_between(later: Period, earlier: Period) -> Decimal:
    if later.frequency is Frequency.YEAR and earlier.frequency is Frequency.YEAR:
        return Decimal(later.start.year - earlier.start.year)
    if later.frequency is Frequency.MONTH and earlier.frequency is Frequency.MONTH:
        months = (later.start.year - earlier.start.year) * 12 + later.start.month - earlier.start.month
        return Decimal(months) / 12
    return Decimal((later.start - earlier.start).days) / Decimal("365.25")


def cagr(stored: StoredTable, coordinates: Coordinates, base: Coordinates) -> Indicator:
    """Compound annual growth rate, percent a year: ((a / b) ^ (1 / years) − 1) × 100."""
    meta = stored.meta
    key, base_key = resolve(meta, coordinates), resolve(meta, coordinates, base)
    years = _years_between(Period.parse(period_of(meta, key)), Period.parse(period_of(meta, base_key)))

    def compute(a: Decimal, b: Decimal) -> Decimal | None:
        if years <= 0 or a <= 0 or b <= 0:
            return None
        return (((a / b).ln() / years).exp() - ONE) * HUNDRED

    return _pair(
        IndicatorKind.CAGR, stored, coordinates, base, compute,
        lambda a, b: f"(({a} ÷ {b}) ^ (1 / {number(years)}) − 1) × 100", zero_base_undefined=True,
    )


def _peer_variable(meta: TableMeta, over: str | None) -> Variable:
    if over is not None:
        return meta.variable(over)
    candidates = [v for v in meta.variables if v.role in (Role.GEO, Role.CATEGORY) and len(v.peers) > 1]
    geo = [v for v in candidates if v.role is Role.GEO]
    if geo:
        return geo[0]
    if candidates:
        return candidates[0]
    raise ValueError(f"table {meta.id!r} has no geo or category variable with peers to rank among")


def share(stored: StoredTable, coordinates: Coordinates, total: Coordinates | None = None) -> Indicator:
    """part / total × 100: 占 N%. The total defaults to the aggregate value (總計, all) of the part's variable."""
    meta = stored.meta
    key = resolve(meta, coordinates)
    if total is None:
        total = {}
        for variable, code in zip(meta.variables, key, strict=False):
            aggregate = variable.aggregate
            if variable.role in (Role.GEO, Role.CATEGORY) and aggregate is not None and code != aggregate.code:
                total = {variable.code: aggregate.code}
                break
        if not total:
            raise ValueError(f"{meta.describe_key(key)}: no aggregate value to take a share of; name the total")
    return _pair(
        IndicatorKind.SHARE, stored, coordinates, total,
        lambda a, b: a / b * HUNDRED, lambda a, b: f"{a} ÷ {b} × 100", zero_base_undefined=True,
    )


def rank_among_peers(
    stored: StoredTable, coordinates: Coordinates, over: str | None = None, *, highest_first: bool | None = None
) -> Indicator:
    """1 + the number of peers with a better value (ties share a place): 六都第 1.

    Peers are the values of ``over`` (the geo variable, else a category variable) that are not aggregates,
    so the national average is not a peer. The highest value ranks first, except for a rank measure.
    """
    meta = stored.meta
    key = resolve(meta, coordinates)
    variable = _peer_variable(meta, over)
    position = meta.position(variable.code)
    if highest_first is None:
        highest_first = meta.measure_of(key).kind is not MeasureKind.RANK
    focus = cell_input(stored, key)
    others = []
    for peer in variable.peers:
        peer_key = key[:position] + (peer.code,) + key[position + 1:]
        if peer_key != key:
            others.append(cell_input(stored, peer_key))
    valued = [o for o in others if o.value is not None]
    peers = len(valued) + 1
    inputs = [focus, *valued]
    value = None
    if focus.value is not None:
        mine = focus.value
        theirs = [o.value for o in valued if o.value is not None]
        better = [v for v in theirs if (v > mine if highest_first else v < mine)]
        value = Decimal(1 + len(better))
    order = "highest" if highest_first else "lowest"
    listing = ", ".join(f"{o.coordinate(variable.code)} {number(o.value)}" for o in valued)
    formula = (
        f"1 + peers with a {'higher' if highest_first else 'lower'} value than {number(focus.value)} "
        f"({key[position]}) among {peers} {variable.code} values, {order} first [{listing}]"
    )
    if value is not None:
        formula += f" = {number(value)}"
    status = combined_status(i.status for i in inputs) if focus.value is not None else focus.status
    details = (("over", variable.code), ("order", order))
    return _build(IndicatorKind.RANK, stored, key, inputs, value, formula, status=status, peers=peers,
                  details=details)


def _series_inputs(stored: StoredTable, coordinates: Coordinates) -> list[tuple[Period, CellInput, CellKey]]:
    return [(p, cell_input(stored, k), k) for p, k in series_keys(stored.meta, coordinates)]


def _extreme(kind: IndicatorKind, stored: StoredTable, coordinates: Coordinates) -> Indicator:
    rows = _series_inputs(stored, coordinates)
    valued = [r for r in rows if r[1].value is not None]
    if not valued:
        key = rows[-1][2]
        return _build(kind, stored, key, [], None, "no value: the series has no number", status=Status.NOT_AVAILABLE)
    if kind is IndicatorKind.FIRST:
        chosen, inputs = valued[0], [valued[0][1]]
    elif kind is IndicatorKind.LAST:
        chosen, inputs = valued[-1], [valued[-1][1]]
    else:
        pick = max if kind is IndicatorKind.PEAK else min
        best = pick(r[1].value for r in valued)  # type: ignore[type-var]
        chosen = next(r for r in valued if r[1].value == best)
        inputs = [r[1] for r in valued]
    period, cell, key = chosen
    if kind in (IndicatorKind.FIRST, IndicatorKind.LAST):
        formula = f"{kind.value} period with a value: {period.code} = {number(cell.value)}"
        status = cell.status
    else:
        word = "highest" if kind is IndicatorKind.PEAK else "lowest"
        formula = f"{word} of {len(valued)} values ({valued[0][0].code}–{valued[-1][0].code}): " \
                  f"{number(cell.value)} in {period.code}"
        status = combined_status(i.status for i in inputs)
    return _build(kind, stored, key, inputs, cell.value, formula, status=status)


def first(stored: StoredTable, coordinates: Coordinates) -> Indicator:
    """The first period of a series that has a value (time in ``coordinates`` is ignored)."""
    return _extreme(IndicatorKind.FIRST, stored, coordinates)


def last(stored: StoredTable, coordinates: Coordinates) -> Indicator:
    """The last period of a series that has a value."""
    return _extreme(IndicatorKind.LAST, stored, coordinates)


def peak(stored: StoredTable, coordinates: Coordinates) -> Indicator:
    """The highest value of a series and its period (the earliest, if tied)."""
    return _extreme(IndicatorKind.PEAK, stored, coordinates)


def trough(stored: StoredTable, coordinates: Coordinates) -> Indicator:
    """The lowest value of a series and its period (the earliest, if tied)."""
    return _extreme(IndicatorKind.TROUGH, stored, coordinates)


def next_period(period: Period) -> Period:
    start = period.start
    if period.frequency is Frequency.YEAR:
        return Period(date(start.year + 1, 1, 1), Frequency.YEAR)
    if period.frequency is Frequency.MONTH:
        year, month = divmod(start.year * 12 + start.month, 12)
        return Period(date(year, month + 1, 1), Frequency.MONTH)
    return Period.parse(date.fromordinal(start.toordinal() + 1).isoformat())


def consecutive(periods: Sequence[Period]) -> bool:
    """Whether the periods follow one another with none left out (2019, 2020, 2021; not 2018, 2021)."""
    return all(next_period(a) == b for a, b in zip(periods, periods[1:], strict=False))


def _span(
    stored: StoredTable, coordinates: Coordinates, start: str, end: str
) -> tuple[list[tuple[Period, CellInput, CellKey]], CellKey, CellKey]:
    first_p, last_p = Period.parse(start), Period.parse(end)
    if last_p < first_p:
        raise ValueError(f"the span {start}–{end} ends before it starts")
    rows = [r for r in _series_inputs(stored, coordinates) if first_p <= r[0] <= last_p]
    if not rows:
        raise ValueError(f"table {stored.meta.id!r} has no period between {start} and {end}")
    return rows, rows[-1][2], rows[0][2]


def stayed_above(
    stored: StoredTable, coordinates: Coordinates, threshold: Decimal | int | str, start: str, end: str
) -> Indicator:
    """維持在 X 以上: the lowest value in the span [start, end]; it holds when that is at least ``threshold``."""
    threshold = Decimal(str(threshold))
    rows, key, start_key = _span(stored, coordinates, start, end)
    inputs = [r[1] for r in rows]
    missing = [r[0].code for r in rows if r[1].value is None]
    span = f"{rows[0][0].code}–{rows[-1][0].code}"
    if missing:
        formula = f"min over {span}: no value for {', '.join(missing)}"
        return _build(IndicatorKind.STAYED_ABOVE, stored, key, inputs, None, formula, base_key=start_key,
                      threshold=threshold)
    lowest = min(r[1].value for r in rows if r[1].value is not None)
    holds = lowest >= threshold
    values = ", ".join(number(r[1].value) for r in rows)
    formula = f"min({values}) over {span} = {number(lowest)} {'>=' if holds else '<'} {number(threshold)}"
    return _build(IndicatorKind.STAYED_ABOVE, stored, key, inputs, lowest, formula, base_key=start_key,
                  threshold=threshold, holds=holds)


def _every_period(kind: IndicatorKind, stored: StoredTable, coordinates: Coordinates, start: str,
                  end: str) -> Indicator:
    rows, key, start_key = _span(stored, coordinates, start, end)
    inputs = [r[1] for r in rows]
    periods = [r[0] for r in rows]
    span = f"{periods[0].code}–{periods[-1].code}"
    rising = kind is IndicatorKind.ROSE_EVERY_PERIOD
    if len(rows) < 2:
        raise ValueError(f"a span of one period ({span}) cannot rise or fall")
    if not consecutive(periods):
        codes = ", ".join(p.code for p in periods)
        formula = f"the periods {codes} are not consecutive: whether it moved every period cannot be told"
        return _build(kind, stored, key, inputs, None, formula, base_key=start_key, status=Status.NOT_AVAILABLE)
    if any(i.value is None for i in inputs):
        formula = f"{span}: a period has no value"
        return _build(kind, stored, key, inputs, None, formula, base_key=start_key)
    steps = [b.value - a.value for a, b in zip(inputs, inputs[1:], strict=False)]  # type: ignore[operator]
    value = min(steps) if rising else max(steps)
    holds = value > 0 if rising else value < 0
    changes = ", ".join(number(s) for s in steps)
    word = "smallest rise" if rising else "smallest fall"
    formula = f"period-on-period changes {span}: {changes}; {word} = {number(value)}"
    return _build(kind, stored, key, inputs, value, formula, base_key=start_key, holds=holds)


def rose_every_period(stored: StoredTable, coordinates: Coordinates, start: str, end: str) -> Indicator:
    """逐年上升: holds when every period of [start, end] is above the one before; the periods must be consecutive."""
    return _every_period(IndicatorKind.ROSE_EVERY_PERIOD, stored, coordinates, start, end)


def fell_every_period(stored: StoredTable, coordinates: Coordinates, start: str, end: str) -> Indicator:
    """逐年下降: holds when every period of [start, end] is below the one before."""
    return _every_period(IndicatorKind.FELL_EVERY_PERIOD, stored, coordinates, start, end)


def _largest_change(kind: IndicatorKind, stored: StoredTable, coordinates: Coordinates) -> Indicator:
    meta = stored.meta
    points = meta.measures[dict(coordinates)[meta.metric.code]].kind.is_percentage
    rows = [r for r in _series_inputs(stored, coordinates) if r[1].value is not None]
    steps = []
    for (p, a, base_key), (q, b, key) in zip(rows, rows[1:], strict=False):
        if next_period(p) != q or a.value is None or b.value is None or (not points and a.value == 0):
            continue
        with localcontext() as ctx:
            ctx.prec = 34
            change = b.value - a.value if points else (b.value / a.value - ONE) * HUNDRED
        steps.append((change, q, key, base_key))
    rising = kind is IndicatorKind.LARGEST_RISE
    word = "rise" if rising else "fall"
    wanted = [step for step in steps if (step[0] > 0 if rising else step[0] < 0)]
    inputs = [r[1] for r in rows]
    if not wanted:
        last_key = series_keys(meta, coordinates)[-1][1]
        formula = f"no {word} between consecutive periods"
        return _build(kind, stored, last_key, inputs, None, formula, status=Status.NOT_AVAILABLE)
    change, period, key, base_key = (max if rising else min)(wanted, key=lambda step: step[0])
    unit = "points" if points else "%"
    listing = ", ".join(f"{step[1].code} {number(step[0].quantize(Decimal('0.1')))}" for step in steps)
    formula = f"largest {word} between consecutive periods ({unit}: {listing}) = {number(change)} in {period.code}"
    return _build(kind, stored, key, inputs, change, formula, base_key=base_key)


def largest_rise(stored: StoredTable, coordinates: Coordinates) -> Indicator:
    """歷年最大增幅: the largest rise between consecutive periods (percent, or points for percentages)."""
    return _largest_change(IndicatorKind.LARGEST_RISE, stored, coordinates)


def largest_fall(stored: StoredTable, coordinates: Coordinates) -> Indicator:
    """歷年最大降幅: the largest fall between consecutive periods (percent, or points for percentages)."""
    return _largest_change(IndicatorKind.LARGEST_FALL, stored, coordinates)
