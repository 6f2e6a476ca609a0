"""What is noteworthy in a table, chosen by rules over its metadata; language-neutral.

The rules (each finding names the one that made it):

- ``latest``: first, the latest level of each series, with the change from the period before it and whether it is
  the highest (or lowest) on record. A flow is told with its average (monthly / daily) and the average carries
  the comparisons, since it is comparable across part years. Rates of one table are listed together.
- ``long_run``: the change from the first comparable period. A period with a note (a series break, the 106
  Wi-Fi consolidation) starts the comparable span afresh after it; when the latest period itself carries a note
  (the 110 COVID level-3 alert), the long-run change is told up to the period before it.
- ``trend``: three or more consecutive periods, each above (below) the one before: 逐年上升 (下降).
- ``largest_rise`` / ``dip``: the largest rise and the largest fall between consecutive periods (at least 10%,
  in a series of five or more values), and the change in every noted period, each with its notes.
- ``peak``: the highest value, when it is not the latest and has not been told.
- ``threshold``: a usage series that fell in the latest period stayed at or above its lower value, rounded down
  to two significant digits, over the last two periods (維持在 7.4 萬以上).
- ``shares``: for a category with a total, the leader and the runner-up of each count, as shares of the total.
- ``rank``: for a geo variable with peers, the focus area's rank among the peers (not the aggregate) and how it
  stands against the aggregate (the national average); also taken from a related table given as context.
- ``note``: the notes of the periods told, and the mandatory notes of the table and of its measures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from citystat import indicators as ind
from citystat.indicators import Indicator
from citystat.language import conventions as conv
from citystat.language.numbers import decimals_of, direction, floor_significant
from citystat.model import Measure, MeasureKind, Period, Role, StoredTable, Text, Value, Variable

USAGE_KINDS = (MeasureKind.FLOW, MeasureKind.MONTHLY_AVERAGE, MeasureKind.DAILY_AVERAGE)
NOTABLE_MOVE = Decimal("0.10")  # largest rise / fall: told only when at least 10%
MIN_PERIODS_FOR_MOVES = 5
MIN_TREND_PERIODS = 3
MIN_RECORD_PERIODS = 3


@dataclass
class Series:
    """One measure over time, with every other variable fixed."""

    stored: StoredTable
    coords: dict[str, str]  # every non-time variable
    value: Value  # the metric value
    qualifiers: tuple[Value, ...]  # values of other variables a reader must be told (臺北市)
    periods: list[Period]  # the periods that hold a number, in time order
    total: Series | None = None  # for an average: the flow it averages, told alongside

    @property
    def measure(self) -> Measure:
        assert self.value.measure is not None
        return self.value.measure

    @property
    def stock(self) -> bool:
        return self.measure.kind is MeasureKind.STOCK

    @property
    def time(self) -> str:
        return self.stored.meta.time.code

    def at(self, period: Period) -> dict[str, str]:
        return {**self.coords, self.time: period.code}

    def number(self, period: Period) -> Decimal | None:
        return self.stored.table.get(self.stored.meta.key(self.at(period))).value

    def level(self, period: Period) -> Indicator:
        return ind.level(self.stored, self.at(period))

    def before(self, period: Period) -> Period | None:
        earlier = [p for p in self.periods if p < period]
        return earlier[-1] if earlier else None


@dataclass
class Change:
    """A comparison of a series between two periods, in the form the conventions give it."""

    series: Series
    period: Period
    base: Period
    form: str  # percent, multiple, ratio, points, places, difference
    direction: int  # +1 up, -1 down, 0 unchanged as written
    main: Indicator  # the figure the zh text writes (growth rate, growth multiple, points ...)
    ratio: Indicator | None = None
    rate: Indicator | None = None
    multiple: Indicator | None = None
    decimals: int = 1

    @property
    def estimated(self) -> bool:
        return self.main.estimated

    @property
    def indicators(self) -> list[Indicator]:
        return [i for i in (self.main, self.ratio, self.rate, self.multiple) if i is not None]


@dataclass
class Finding:
    rule: str
    table_id: str


@dataclass
class LatestFinding(Finding):
    items: list[Series]
    period: Period
    levels: list[Indicator]
    totals: list[Indicator | None]
    changes: list[Change | None]
    records: list[Indicator | None]  # the peak (or trough) indicator when the latest value is the record
    record_high: list[bool]
    context: list[tuple[Series, Indicator]] = field(default_factory=list)  # counts told in passing


@dataclass
class LongRunFinding(Finding):
    items: list[Series]
    base: Period
    end: Period
    base_levels: list[Indicator]
    end_levels: list[Indicator]
    changes: list[Change]


@dataclass
class TrendFinding(Finding):
    series: Series
    start: Period
    end: Period
    indicator: Indicator
    rising: bool


@dataclass
class MoveFinding(Finding):
    """A change between consecutive periods: the largest rise or fall, or the change in a noted period."""

    series: Series
    change: Change
    level: Indicator
    record: Indicator | None  # the largest rise or fall of the series, when this is it

    @property
    def largest(self) -> bool:
        return self.record is not None


@dataclass
class PeakFinding(Finding):
    series: Series
    peak: Indicator
    period: Period


@dataclass
class ThresholdFinding(Finding):
    series: Series
    threshold: Decimal
    start: Period
    end: Period
    indicator: Indicator


@dataclass
class ShareFinding(Finding):
    value: Value  # the measure
    period: Period
    ranked: list[tuple[Value, Indicator]]  # categories and their shares, largest first (leader, runner-up)
    stock: bool


@dataclass
class RankFinding(Finding):
    focus: Value
    variable: Variable
    items: list[Value]  # measures
    period: Period
    ranks: list[Indicator]
    focus_levels: list[Indicator]
    aggregate: Value | None
    aggregate_levels: list[Indicator | None]
    stock: bool


@dataclass
class NoteFinding(Finding):
    text: Text


# -- changes ----------------------------------------------------------------------------------------------


def compare(series: Series, period: Period, base: Period) -> Change | None:
    """The change of a series from ``base`` to ``period``, in its conventional form; None if it has no value."""
    stored, at, base_at = series.stored, series.at(period), {series.time: base.code}
    kind = series.measure.kind
    if kind.is_percentage:
        main = ind.pp_difference(stored, at, base_at)
        if main.value is None:
            return None
        decimals = min(decimals_of(i.value) for i in main.inputs if i.value is not None)
        return Change(series, period, base, "points", direction(main.value, decimals), main, decimals=decimals)
    if kind is MeasureKind.RANK:
        main = ind.difference(stored, at, base_at)
        if main.value is None:
            return None
        return Change(series, period, base, "places", -direction(main.value, 0), main, decimals=0)
    ratio = ind.ratio(stored, at, base_at)
    if ratio.value is None:
        return None
    rate = ind.growth_rate(stored, at, base_at)
    multiple = ind.growth_multiple(stored, at, base_at)
    assert rate.value is not None
    if ratio.value >= conv.BOTH_READINGS_FROM_RATIO:
        return Change(series, period, base, "ratio", 1, ratio, ratio=ratio, rate=rate, multiple=multiple)
    if ratio.value >= conv.MULTIPLE_FROM_RATIO:
        return Change(series, period, base, "multiple", 1, multiple, ratio=ratio, rate=rate, multiple=multiple)
    way = direction(rate.value, conv.PERCENT_DECIMALS)
    return Change(series, period, base, "percent", way, rate, ratio=ratio, rate=rate, multiple=multiple)


# -- choosing the series ----------------------------------------------------------------------------------


def focus_value(variable: Variable) -> Value:
    """The value a geo variable is about: its first peer (a city's own figures come first)."""
    return variable.peers[0] if variable.peers else variable.values[0]


def _choices(variable: Variable) -> list[tuple[Value, bool]]:
    """The values of a non-time, non-metric variable to narrate, and whether the reader must be told which."""
    if len(variable.values) == 1:
        only = variable.values[0]
        return [(only, not only.is_aggregate)]
    if variable.role is Role.GEO and variable.peers:
        return [(focus_value(variable), True)]
    if variable.aggregate is not None:
        return [(variable.aggregate, variable.role is Role.GEO)]
    return [(v, True) for v in variable.values]


def _has_share_total(stored: StoredTable) -> bool:
    return any(
        v.aggregate is not None and len(v.peers) > 1
        for v in stored.meta.variables
        if v.role in (Role.GEO, Role.CATEGORY)
    )


def series_groups(stored: StoredTable) -> list[list[Series]]:
    """The series to narrate, grouped: rates with the same periods together, every other measure alone."""
    meta = stored.meta
    others = [v for v in meta.variables if v.role not in (Role.TIME, Role.METRIC)]
    combos: list[list[tuple[Value, bool]]] = [[]]
    for variable in others:
        combos = [combo + [choice] for combo in combos for choice in _choices(variable)]
    averaged = {
        v.measure.average_of for v in meta.metric.values if v.measure is not None and v.measure.average_of
    }
    skip_shares = _has_share_total(stored)
    groups: list[list[Series]] = []
    for combo in combos:
        coords = {var.code: value.code for var, (value, _) in zip(others, combo, strict=False)}
        qualifiers = tuple(value for value, shown in combo if shown)
        made: dict[str, Series] = {}
        for value in meta.metric.values:
            measure = value.measure
            if measure is None or (measure.share_of and skip_shares):
                continue
            series_coords = {**coords, meta.metric.code: value.code}
            periods = ind.valued_periods(stored, series_coords)
            if periods:
                made[value.code] = Series(stored, series_coords, value, qualifiers, periods)
        for series in made.values():
            average_of = series.measure.average_of
            if average_of and average_of in made:
                series.total = made[average_of]
        rates: list[Series] = []
        for code, series in made.items():
            if code in averaged and any(s.total is series for s in made.values()):
                continue  # told with its average
            if series.measure.kind.is_percentage:
                if rates and rates[0].periods != series.periods:
                    groups.append([series])
                else:
                    rates.append(series)
            else:
                groups.append([series])
        if rates:
            groups.insert(0, rates)
    return groups


# -- the rules --------------------------------------------------------------------------------------------


def _noted_periods(stored: StoredTable) -> dict[str, tuple[Text, ...]]:
    return {v.code: tuple(n.text for n in v.notes) for v in stored.meta.time.values if v.notes}


def _record(series: Series, period: Period) -> tuple[Indicator | None, bool]:
    if len(series.periods) < MIN_RECORD_PERIODS or series.measure.kind is MeasureKind.RANK:
        return None, False
    values = [series.number(p) for p in series.periods]
    latest = series.number(period)
    others = [v for p, v in zip(series.periods, values, strict=False) if p != period and v is not None]
    if latest is None or not others:
        return None, False
    if latest > max(others):
        return ind.peak(series.stored, series.coords), True
    if latest < min(others):
        return ind.trough(series.stored, series.coords), False
    return None, False


def comparable_base(series: Series, end: Period, noted: dict[str, tuple[Text, ...]]) -> Period | None:
    """The first period comparable with ``end``: the first one after the last noted period before ``end``."""
    candidates = [p for p in series.periods if p <= end]
    base = candidates[0] if candidates else None
    for i, period in enumerate(candidates[:-1]):
        if period.code in noted:
            base = candidates[i + 1]
    return base if base is not None and base < end else None


def _latest(group: list[Series], table_id: str) -> LatestFinding:
    period = group[0].periods[-1]
    levels, totals, changes, records, highs = [], [], [], [], []
    for series in group:
        levels.append(series.level(period))
        total = series.total
        totals.append(total.level(period) if total is not None and total.number(period) is not None else None)
        before = series.before(period)
        changes.append(compare(series, period, before) if before is not None else None)
        record, high = _record(series, period) if len(group) == 1 else (None, False)
        records.append(record)
        highs.append(high)
    return LatestFinding("latest", table_id, group, period, levels, totals, changes, records, highs)


def _long_run(group: list[Series], table_id: str, noted: dict[str, tuple[Text, ...]]) -> LongRunFinding | None:
    first = group[0]
    latest = first.periods[-1]
    end = latest
    if latest.code in noted:
        before = first.before(latest)
        if before is None:
            return None
        end = before
    base = comparable_base(first, end, noted)
    if base is None:
        return None
    if end == latest and base == first.before(latest):
        return None  # the latest finding already compares with it
    if any(s.number(base) is None or s.number(end) is None for s in group):
        return None
    changes = [compare(s, end, base) for s in group]
    if any(c is None for c in changes):
        return None
    return LongRunFinding(
        "long_run", table_id, group, base, end, [s.level(base) for s in group], [s.level(end) for s in group],
        [c for c in changes if c is not None],
    )


def _trend(series: Series, table_id: str) -> TrendFinding | None:
    periods = series.periods
    values = [series.number(p) for p in periods]
    end = len(periods) - 1
    if end < 1:
        return None
    rising = values[end] > values[end - 1]  # type: ignore[operator]
    start = end
    while start > 0 and ind.consecutive([periods[start - 1], periods[start]]):
        a, b = values[start - 1], values[start]
        if a is None or b is None or not ((b > a) if rising else (b < a)):
            break
        start -= 1
    if end - start + 1 < MIN_TREND_PERIODS:
        return None
    compute = ind.rose_every_period if rising else ind.fell_every_period
    indicator = compute(series.stored, series.coords, periods[start].code, periods[end].code)
    if not indicator.holds:
        return None
    return TrendFinding("trend", table_id, series, periods[start], periods[end], indicator, rising)


def _moves(series: Series, table_id: str, noted: dict[str, tuple[Text, ...]],
           told: set[str]) -> list[Finding]:
    out: list[Finding] = []
    latest = series.periods[-1]
    chosen: dict[str, tuple[Change, Indicator | None]] = {}
    if len(series.periods) >= MIN_PERIODS_FOR_MOVES:
        for compute in (ind.largest_rise, ind.largest_fall):
            record = compute(series.stored, series.coords)
            # the largest of all; when that is the latest change, the latest finding has told it already
            if record.value is None or record.period == latest.code or abs(record.value) < NOTABLE_MOVE * 100:
                continue
            period, base = Period.parse(record.period), Period.parse(record.base_period)  # type: ignore[arg-type]
            change = compare(series, period, base)
            if change is not None:
                chosen[period.code] = (change, record)
    for before, period in zip(series.periods, series.periods[1:], strict=False):
        noted_move = period.code in noted and period != latest and period.code not in chosen
        if noted_move and period.code not in told and ind.consecutive([before, period]):
            change = compare(series, period, before)
            if change is not None:
                chosen[period.code] = (change, None)
    for code in sorted(chosen):
        change, largest = chosen[code]
        rule = "largest_rise" if largest is not None and change.direction > 0 else \
            "dip" if change.direction < 0 else "move"
        out.append(MoveFinding(rule, table_id, series, change, series.level(change.period), largest))
        told.add(code)
        for text in noted.get(code, ()):
            out.append(NoteFinding("note", table_id, text))
    return out


def _peak(series: Series, table_id: str, told: set[str]) -> PeakFinding | None:
    if len(series.periods) < MIN_RECORD_PERIODS:
        return None
    peak = ind.peak(series.stored, series.coords)
    if peak.period is None or peak.period == series.periods[-1].code or peak.period in told:
        return None
    told.add(peak.period)
    return PeakFinding("peak", table_id, series, peak, Period.parse(peak.period))


def _threshold(series: Series, table_id: str) -> ThresholdFinding | None:
    if series.measure.kind not in USAGE_KINDS or len(series.periods) < MIN_RECORD_PERIODS:
        return None
    latest, before = series.periods[-1], series.periods[-2]
    a, b = series.number(before), series.number(latest)
    if a is None or b is None or not b < a or not ind.consecutive([before, latest]):
        return None
    threshold = floor_significant(min(a, b))
    if threshold <= 0:
        return None
    indicator = ind.stayed_above(series.stored, series.coords, threshold, before.code, latest.code)
    if not indicator.holds:
        return None
    return ThresholdFinding("threshold", table_id, series, threshold, before, latest, indicator)


def _shares(stored: StoredTable) -> list[ShareFinding]:
    meta = stored.meta
    out = []
    time = meta.time.code
    for variable in meta.variables:
        if variable.role not in (Role.GEO, Role.CATEGORY) or variable.aggregate is None or len(variable.peers) < 2:
            continue
        fixed_others = [
            v for v in meta.variables if v.role not in (Role.TIME, Role.METRIC) and v.code != variable.code
        ]
        fixed = {v.code: (v.aggregate or focus_value(v)).code for v in fixed_others}
        for value in meta.metric.values:
            measure = value.measure
            if measure is None or not measure.kind.is_count or measure.kind is MeasureKind.COUNT:
                continue
            coords = {**fixed, variable.code: variable.aggregate.code, meta.metric.code: value.code}
            periods = ind.valued_periods(stored, coords)
            if not periods:
                continue
            period = periods[-1]
            shares = []
            for peer in variable.peers:
                at = {**coords, variable.code: peer.code, time: period.code}
                share = ind.share(stored, at, {variable.code: variable.aggregate.code})
                if share.value is not None:
                    shares.append((peer, share))
            if len(shares) < 2:
                continue
            shares.sort(key=lambda item: item[1].value, reverse=True)  # type: ignore[arg-type, return-value]
            out.append(ShareFinding("shares", meta.id, value, period, shares[:2],
                                    measure.kind is MeasureKind.STOCK))
    return out


def _rank(stored: StoredTable, measures: Sequence[str] | None, table_id: str,
          period: Period | None = None) -> list[RankFinding]:
    """The focus area's rank among peers, for each group of measures (rates listed together)."""
    meta = stored.meta
    geo = meta.geo
    if geo is None or len(geo.peers) < 2:
        return []
    focus = focus_value(geo)
    time = meta.time.code
    when = period or max(meta.periods)
    if when.code not in meta.time.codes:
        return []
    fixed = {
        v.code: (v.aggregate or focus_value(v)).code
        for v in meta.variables if v.role not in (Role.TIME, Role.METRIC, Role.GEO)
    }
    values = [
        v for v in meta.metric.values
        if v.measure is not None and v.measure.kind not in (MeasureKind.RANK, MeasureKind.COUNT)
        and (measures is None or v.code in measures)
    ]
    groups: list[list[Value]] = []
    rates = [v for v in values if v.measure is not None and v.measure.kind.is_percentage]
    if rates:
        groups.append(rates)
    groups += [[v] for v in values if v not in rates]
    out = []
    for group in groups:
        ranks, levels, aggregates, items = [], [], [], []
        for value in group:
            at = {**fixed, geo.code: focus.code, meta.metric.code: value.code, time: when.code}
            rank = ind.rank_among_peers(stored, at, geo.code)
            if rank.value is None:
                continue
            items.append(value)
            ranks.append(rank)
            levels.append(ind.level(stored, at))
            if geo.aggregate is not None:
                level = ind.level(stored, {**at, geo.code: geo.aggregate.code})
                aggregates.append(level if level.value is not None else None)
            else:
                aggregates.append(None)
        if items:
            stock = all(v.measure is not None and v.measure.kind is MeasureKind.STOCK for v in items)
            out.append(RankFinding("rank", table_id, focus, geo, items, when, ranks, levels, geo.aggregate,
                                   aggregates, stock))
    return out


def _context_ranks(stored: StoredTable, context: Sequence[StoredTable]) -> list[RankFinding]:
    """Ranks for a table without areas, from a related table (same subject and measures) that has them."""
    meta = stored.meta
    if meta.geo is not None:
        return []
    codes = {v.code for v in meta.metric.values}
    latest = max(meta.periods)
    for other in context:
        if other.meta.id == meta.id or other.meta.subject != meta.subject or other.meta.geo is None:
            continue
        shared = [v.code for v in other.meta.metric.values if v.code in codes]
        if shared and latest.code in other.meta.time.codes:
            return _rank(other, shared, meta.id, latest)
    return []


def _mandatory_notes(stored: StoredTable, groups: list[list[Series]]) -> list[Text]:
    meta = stored.meta
    texts = [n.text for n in meta.notes if n.mandatory]
    for group in groups:
        for series in group:
            for value in (series.value, *series.qualifiers):
                texts += [n.text for n in value.notes if n.mandatory]
    return texts


def findings(stored: StoredTable, context: Sequence[StoredTable] = ()) -> list[Finding]:
    """Every finding of a table, in the order a narrative tells them."""
    meta = stored.meta
    table_id = meta.id
    noted = _noted_periods(stored)
    groups = series_groups(stored)
    counts = [g for g in groups if len(g) == 1 and g[0].measure.kind is MeasureKind.COUNT]
    groups = [g for g in groups if g not in counts]
    out: list[Finding] = []
    notes_told: set[str] = set()

    def add_notes(period: Period) -> None:
        for text in noted.get(period.code, ()):
            if text.zh not in notes_told:
                notes_told.add(text.zh)
                out.append(NoteFinding("note", table_id, text))

    latests = [_latest(group, table_id) for group in groups]
    if latests:  # counts (cities ranked ...) are told in passing with the first latest level of their period
        first = latests[0]
        first.context = [(s, s.level(s.periods[-1])) for c in counts for s in c if s.periods[-1] == first.period]
    out += latests
    for latest in latests:
        add_notes(latest.period)
    for group, latest in zip(groups, latests, strict=True):
        long_run = _long_run(group, table_id, noted)
        if long_run is not None:
            out.append(long_run)
        if len(group) != 1 or group[0].measure.kind is MeasureKind.RANK:
            continue  # a rank's history is its changes of place, told above
        series = group[0]
        told = {latest.period.code}  # periods whose level has been told
        if long_run is not None:
            told |= {long_run.base.code, long_run.end.code}
        trend = _trend(series, table_id)
        if trend is not None:
            out.append(trend)
        for finding in _moves(series, table_id, noted, told):
            if isinstance(finding, NoteFinding):
                if finding.text.zh in notes_told:
                    continue
                notes_told.add(finding.text.zh)
            out.append(finding)
        peak = _peak(series, table_id, told)
        if peak is not None:
            out.append(peak)
        threshold = _threshold(series, table_id)
        if threshold is not None:
            out.append(threshold)
    if not groups:
        out += [_latest(group, table_id) for group in counts]
    out += _shares(stored)
    out += _rank(stored, None, table_id)
    out += _context_ranks(stored, context)
    for text in _mandatory_notes(stored, groups):
        if text.zh not in notes_told:
            notes_told.add(text.zh)
            out.append(NoteFinding("note", table_id, text))
    return out
