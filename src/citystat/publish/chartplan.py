"""Which chart a table gets, decided from its metadata and the size of its numbers, never per table id.

- Shares of a total (a share measure beside a category or area variable): sorted bars of the shares.
- Peers in one period (areas, categories): grouped bars, the aggregate ("national") as a reference mark.
- Time series: levels (rates, and stocks over three periods or more) as lines, flows and averages as bars.
  Measures share one axis only when they have the same unit and kind and their largest values are
  within a factor of ten; otherwise each gets a panel of its own (a count beside a volume, a fleet of
  vehicles of different kinds).
- One period and nothing to compare: one bar per measure, each on its own scale.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from citystat.model import MeasureKind, Role, Table, Variable

SHARED_AXIS_RATIO = 10  # largest values within this factor may share an axis
LONG_SERIES = 3  # a stock with this many periods or more is drawn as a line


class ChartKind(str, Enum):
    LINES = "lines"  # levels over time on one axis
    BARS = "bars"  # flows over time on one axis
    PANELS = "panels"  # several measures over time, one panel each
    SHARES = "shares"  # shares of a total, sorted
    GROUPED = "grouped"  # peers side by side in one period
    VALUES = "values"  # one period, nothing to compare: a bar per measure

    def describe(self, lang: str) -> str:
        return _KIND_WORDS[self][0 if lang == "zh-TW" else 1]


_KIND_WORDS = {
    ChartKind.LINES: ("折線圖", "Line chart"),
    ChartKind.BARS: ("長條圖", "Bar chart"),
    ChartKind.PANELS: ("分圖並列之圖", "Chart of side-by-side panels"),
    ChartKind.SHARES: ("占比排序長條圖", "Sorted bar chart of shares"),
    ChartKind.GROUPED: ("群組長條圖", "Grouped bar chart"),
    ChartKind.VALUES: ("長條圖", "Bar chart"),
}


class Mark(str, Enum):
    LINE = "line"
    BAR = "bar"
    SHARE = "share"
    GROUP = "group"
    VALUE = "value"


@dataclass(frozen=True)
class Panel:
    measures: tuple[str, ...]  # metric value codes drawn in this panel
    mark: Mark


@dataclass(frozen=True)
class ChartPlan:
    kind: ChartKind
    panels: tuple[Panel, ...]
    peers: tuple[str, ...] = ()  # codes of the variables whose values are compared (areas, categories)
    columns: int = 1  # panels per row


_LEVELS = (MeasureKind.STOCK, MeasureKind.RATE, MeasureKind.SHARE)


def _largest(table: Table, measure: str) -> float:
    position = table.meta.position(table.meta.metric.code)
    values = [abs(float(cell.value)) for key, cell in table.cells.items()
              if key[position] == measure and cell.value is not None]
    return max(values, default=0.0)


def _share_an_axis(table: Table, measures: list[str]) -> bool:
    meta = table.meta
    first = meta.measures[measures[0]]
    for code in measures[1:]:
        other = meta.measures[code]
        if other.unit != first.unit or other.kind is not first.kind:
            return False
    largest = [_largest(table, m) for m in measures]
    positive = [v for v in largest if v > 0]
    return not positive or max(positive) <= SHARED_AXIS_RATIO * min(positive)


def _columns(panel_count: int, periods: int) -> int:
    if panel_count == 1:
        return 1
    if panel_count == 2:
        return 2 if periods <= 6 else 1
    return 2


def _time_mark(table: Table, measures: list[str], periods: int) -> Mark:
    kinds = {table.meta.measures[m].kind for m in measures}
    if all(k in (MeasureKind.RATE, MeasureKind.RANK) for k in kinds):
        return Mark.LINE
    if all(k in _LEVELS for k in kinds) and periods >= LONG_SERIES:
        return Mark.LINE
    return Mark.BAR


def peer_variables(table: Table) -> list[Variable]:
    """The variables other than time and metric that have more than one value: what the chart compares."""
    return [v for v in table.meta.variables if v.role not in (Role.TIME, Role.METRIC) and len(v.values) > 1]


def plan_chart(table: Table) -> ChartPlan:
    meta = table.meta
    measures = list(meta.measures)
    periods = len(meta.time.values)
    peers = peer_variables(table)
    peer_codes = tuple(v.code for v in peers)

    if peers:
        shares = [m for m in measures if meta.measures[m].kind is MeasureKind.SHARE]
        if shares:
            panels = tuple(Panel((m,), Mark.SHARE) for m in shares)
            return ChartPlan(ChartKind.SHARES, panels, peer_codes, columns=min(len(panels), 2))
        if periods == 1:
            if _share_an_axis(table, measures):
                return ChartPlan(ChartKind.GROUPED, (Panel(tuple(measures), Mark.GROUP),), peer_codes)
            panels = tuple(Panel((m,), Mark.GROUP) for m in measures)
            return ChartPlan(ChartKind.GROUPED, panels, peer_codes, columns=_columns(len(panels), 6))
        panels = tuple(Panel((m,), _time_mark(table, [m], periods)) for m in measures)
        kind = ChartKind.PANELS if len(panels) > 1 else (
            ChartKind.LINES if panels[0].mark is Mark.LINE else ChartKind.BARS)
        return ChartPlan(kind, panels, peer_codes, columns=_columns(len(panels), periods))

    if periods == 1:
        panels = tuple(Panel((m,), Mark.VALUE) for m in measures)
        return ChartPlan(ChartKind.VALUES, panels, columns=1)

    if _share_an_axis(table, measures):
        mark = _time_mark(table, measures, periods)
        return ChartPlan(ChartKind.LINES if mark is Mark.LINE else ChartKind.BARS, (Panel(tuple(measures), mark),))
    panels = tuple(Panel((m,), _time_mark(table, [m], periods)) for m in measures)
    return ChartPlan(ChartKind.PANELS, panels, columns=_columns(len(panels), periods))
