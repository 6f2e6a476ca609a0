"""Charts of stored tables as Vega-Lite specs (built with Altair), rendered to SVG or PNG by vl-convert.

``chart_spec`` gives one self-contained spec per table, data inlined, so the same chart renders in the
publication (static SVG), as a file (``citystat charts``) and interactively in the dashboard.

Every chart carries: axis titles with units (large numbers in 萬/億 or million/billion), period labels
from the period model (110 年, 110 年底 in zh-TW), a key that marks estimated values (hollow, dashed
outline), tooltips giving value, unit, period and status, the source line, and the notes as numbered
footnotes. Cells without a number (nil ``-``, not available ``..``) are left out, never drawn as zero;
bar charts print their symbol where the bar would be.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import altair as alt

from citystat.formats.display import format_number, shown_decimals
from citystat.model import (
    ZH,
    CellKey,
    Frequency,
    Measure,
    MeasureKind,
    Period,
    Role,
    Status,
    StoredTable,
    Table,
    TableMeta,
    normalise_language,
)
from citystat.publish.chartplan import ChartKind, ChartPlan, Mark, Panel, peer_variables, plan_chart
from citystat.publish.notes import footnotes
from citystat.publish.textwidth import text_width, wrap
from citystat.publish.words import word

FONT = "Noto Sans CJK TC"
FONT_STACK = f"{FONT}, Noto Sans TC, PingFang TC, Microsoft JhengHei, sans-serif"
FONT_DIRS = ("/usr/share/fonts/opentype/noto", "/usr/share/fonts/truetype/noto", "/usr/share/fonts/opentype")
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#8C6D31", "#7F7F7F")
AGGREGATE_COLOUR = "#222222"
BACKGROUND_PEER_COLOUR = "#8A96A3"  # peers beside a highlighted one (3.0:1 on white, as graphics need)
MUTED = "#555555"
WIDTH = 620  # the whole chart in px: about the text width of an A4 page
AXIS_ALLOWANCE = 78  # px an axis with its labels and title takes beside a panel
PANEL_SPACING = 24
LABEL_SIZE = 11
FOOT_SIZE = 10
FOOT_LINE = 14
KEY_LINE = 20
ESTIMATE_DASH = [4, 3]
SOLID: list[int] = []
# a reference mark (the national average) in its colour, or as an outline where it is an estimate
OUTLINED_IF_ESTIMATED = {
    "fill": alt.condition("datum.estimated", alt.value("white"), alt.value(AGGREGATE_COLOUR)),
    "strokeWidth": alt.condition("datum.estimated", alt.value(1.5), alt.value(0)),
}

ChartFormat = Literal["svg", "png", "pdf"]


# -- numbers and units ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scaling:
    """How a panel's axis writes its numbers: divide by ``divisor`` and name the unit accordingly."""

    divisor: float
    unit: str


def scaling(largest: float, measure: Measure, lang: str) -> Scaling:
    unit = measure.unit.get(lang)
    if measure.kind.is_percentage or measure.kind is MeasureKind.RANK:
        return Scaling(1, unit)
    if lang == ZH:
        if largest >= 1e9:
            return Scaling(1e8, f"億{unit}")
        if largest >= 1e5:
            return Scaling(1e4, f"萬{unit}")
        return Scaling(1, unit)
    for divisor, name in ((1e9, "billion"), (1e6, "million"), (1e5, "thousand")):
        if largest >= divisor:
            if divisor == 1e5:
                divisor = 1e3
            prefixed = unit.startswith(("NT$", "$", "US$"))
            return Scaling(divisor, f"{unit} {name}" if prefixed else f"{name} {unit}")
    return Scaling(1, unit)


def short_number(value: float, scale: Scaling, largest: float) -> str:
    """A value in its axis's unit (萬, million), one decimal unless the numbers are large."""
    decimals = 0 if largest / scale.divisor >= 1000 else 1
    return f"{value / scale.divisor:,.{decimals}f}"


def _axis_title(label: str, unit: str, lang: str) -> str:
    return f"{label}（{unit}）" if lang == ZH else f"{label} ({unit})"


def _shared_unit_title(unit: str, lang: str) -> str:
    return f"{word('unit_prefix', lang)}{unit}" if lang == ZH else unit[:1].upper() + unit[1:]


# -- the data behind a chart ----------------------------------------------------------------------------


@dataclass
class Row:
    """One cell as the chart sees it; becomes one record of the spec's inline data."""

    period_code: str
    period: str
    year: int
    series_code: str
    series: str
    group: str
    measure: str
    value: float | None
    y: float | None
    value_text: str
    unit: str
    status: str
    symbol: str
    estimated: bool
    aggregate: bool = False
    colour: str = ""
    short: str = ""

    def record(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items()}


def _value_text(cell_value: Any, measure: Measure) -> str:
    if cell_value is None:
        return ""
    return format_number(cell_value, shown_decimals(cell_value, measure))


def _period_label(code: str, lang: str, kinds: Iterable[MeasureKind]) -> str:
    kinds = list(kinds)
    end = bool(kinds) and all(k is MeasureKind.STOCK for k in kinds)
    return Period.parse(code).label(lang, end=end)


@dataclass
class Key:
    """The chart's own legend: series colours, the observed/estimated marks, reference marks, symbols."""

    series: dict[str, tuple[str, str]] = field(default_factory=dict)  # label -> (colour, swatch)
    estimated: str | None = None  # swatch kind when any plotted value is an estimate
    references: dict[str, str] = field(default_factory=dict)  # label -> swatch ("tick" or "diamond")
    symbols: set[str] = field(default_factory=set)


def _nice_step(span: float) -> float:
    raw = span / 5 if span > 0 else 1.0
    magnitude = 10 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 2.5, 5, 10):
        if raw <= multiple * magnitude:
            return multiple * magnitude
    return 10 * magnitude


def line_domain(values: Sequence[float], percentage: bool) -> tuple[float, float]:
    """A value axis for lines: round bounds around the data, from zero when the data come near it."""
    if not values:
        return (0.0, 100.0 if percentage else 1.0)
    low, high = min(values), max(values)
    if high == low:
        high = low + (abs(low) or 1.0)
    step = _nice_step(high - low)
    bottom, top = math.floor(low / step) * step, math.ceil(high / step) * step
    if low >= 0 and (bottom < 0 or low < 0.5 * high or not percentage):
        bottom = 0.0  # counts and amounts start from zero; percentages may zoom in
    if percentage:
        top = min(top, 100.0) if high <= 100 else top
    return (bottom, top)


def place_labels(labels: list[dict[str, Any]], x_field: str, domain: tuple[float, float], height: float,
                 gap: float = 12.0) -> None:
    """Set each label's ``label_y`` so labels on the same side of the same point are at least ``gap`` px apart."""
    bottom, top = domain
    per_px = (top - bottom) / height if height else 1.0
    groups: dict[tuple[Any, str], list[dict[str, Any]]] = {}
    for label in labels:
        groups.setdefault((label[x_field], label["side"]), []).append(label)
    for group in groups.values():
        group.sort(key=lambda label: label["y"])
        placed: list[float] = []
        for label in group:
            px = (label["y"] - bottom) / per_px
            if placed and px - placed[-1] < gap:
                px = placed[-1] + gap
            placed.append(px)
        overflow = placed[-1] - height if placed else 0
        if overflow > 0:  # pushed past the top: shift the stack down
            placed = [p - overflow for p in placed]
        for label, px in zip(group, placed):
            label["label_y"] = bottom + px * per_px


class _Builder:
    """Builds the spec of one stored table in one language."""

    def __init__(self, stored: StoredTable, lang: str, context: Sequence[StoredTable], standalone: bool):
        self.stored = stored
        self.table: Table = stored.table
        self.meta: TableMeta = stored.meta
        self.lang = normalise_language(lang)
        self.context = [c for c in context if c.meta.id != self.meta.id]
        self.standalone = standalone
        self.plan: ChartPlan = plan_chart(self.table)
        self.key = Key()
        self.colours: dict[str, str] = {}
        self.extra_sources: list[str] = []
        self.datasets: dict[str, list[dict[str, Any]]] = {}
        self.time = self.meta.time
        self.metric = self.meta.metric
        self.peers = [self.meta.variable(c) for c in self.plan.peers]
        self.multi = len(self.plan.panels) > 1  # panels carry the measure as their title

    # -- cells ---------------------------------------------------------------------------------------

    def data(self, values: list[dict[str, Any]]) -> alt.NamedData:
        """Records referenced by name, inlined once under the spec's ``datasets`` (Altair copies inline data
        at every layer and concat, which would make building a chart slow)."""
        name = f"{self.meta.id}_{len(self.datasets)}"
        self.datasets[name] = values
        return alt.NamedData(name=name)

    def colour(self, series_code: str) -> str:
        if series_code not in self.colours:
            self.colours[series_code] = PALETTE[len(self.colours) % len(PALETTE)]
        return self.colours[series_code]

    def _coordinates(self, key: CellKey) -> dict[str, str]:
        return {v.code: c for v, c in zip(self.meta.variables, key)}

    def _peer_label(self, coords: dict[str, str]) -> tuple[str, str, bool]:
        values = [v.value(coords[v.code]) for v in self.peers]
        code = "|".join(v.code for v in values)
        label = " / ".join(v.label.get(self.lang) for v in values)
        return code, label, any(v.is_aggregate for v in values)

    def _peer_colour(self, coords: dict[str, str], series_code: str) -> str:
        """A table that declares a highlighted value (the city among its peers) draws it in the first colour and
        the other peers in one quiet colour; otherwise each series has its own colour."""
        if not any(value.highlight for variable in self.peers for value in variable.values):
            return self.colour(series_code)
        highlighted = any(v.value(coords[v.code]).highlight for v in self.peers)
        return PALETTE[0] if highlighted else BACKGROUND_PEER_COLOUR

    def rows(self, panel: Panel, scale: Scaling, *, periods: Sequence[str] | None = None) -> list[Row]:
        meta, lang = self.meta, self.lang
        kinds = [meta.measures[m].kind for m in panel.measures]
        rows = []
        for key, cell in self.table.ordered_cells():
            coords = self._coordinates(key)
            measure_code = coords[self.metric.code]
            if measure_code not in panel.measures:
                continue
            period_code = coords[self.time.code]
            if periods is not None and period_code not in periods:
                continue
            measure = meta.measures[measure_code]
            measure_label = self.metric.value(measure_code).label.get(lang)
            if self.peers:
                series_code, series, aggregate = self._peer_label(coords)
                colour = AGGREGATE_COLOUR if aggregate else self._peer_colour(coords, series_code)
            else:
                series_code, series, aggregate = measure_code, measure_label, False
                colour = self.colour(series_code)
            value = float(cell.value) if cell.value is not None else None
            rows.append(Row(
                period_code=period_code,
                period=_period_label(period_code, lang, kinds),
                year=Period.parse(period_code).start.year,
                series_code=series_code,
                series=series,
                group=measure_label,
                measure=measure_label,
                value=value,
                y=None if value is None else value / scale.divisor,
                value_text=_value_text(cell.value, measure) or cell.status.value,
                unit=measure.unit.get(lang),
                status=cell.status.description.get(lang),
                symbol=cell.status.value if not cell.status.has_value else "",
                estimated=cell.status is Status.ESTIMATED,
                aggregate=aggregate,
                colour=colour,
            ))
        return rows

    def scale_for(self, panel: Panel) -> Scaling:
        position = self.meta.position(self.metric.code)
        largest = max((abs(float(c.value)) for k, c in self.table.cells.items()
                       if k[position] in panel.measures and c.value is not None), default=0.0)
        return scaling(largest, self.meta.measures[panel.measures[0]], self.lang)

    def value_axis_title(self, panel: Panel, scale: Scaling) -> str:
        if len(panel.measures) == 1 and not self.multi:
            label = self.metric.value(panel.measures[0]).label.get(self.lang)
            return _axis_title(label, scale.unit, self.lang)
        return _shared_unit_title(scale.unit, self.lang)

    def value_scale(self, panel: Panel) -> alt.Scale:
        kinds = {self.meta.measures[m].kind for m in panel.measures}
        if all(k.is_percentage for k in kinds):
            return alt.Scale(domain=[0, 100], zero=True)
        return alt.Scale(zero=True)

    def tooltip(self) -> list[alt.Tooltip]:
        lang = self.lang
        series_title = " / ".join(v.label.get(lang) for v in self.peers) if self.peers else self.metric.label.get(lang)
        return [
            alt.Tooltip("series:N", title=series_title),
            alt.Tooltip("period:N", title=word("period", lang)),
            alt.Tooltip("value_text:N", title=word("value", lang)),
            alt.Tooltip("unit:N", title=word("unit", lang)),
            alt.Tooltip("status:N", title=word("status", lang)),
        ]

    def note_estimates(self, rows: Sequence[Row], swatch: str) -> None:
        if any(r.estimated and r.value is not None for r in rows):
            self.key.estimated = self.key.estimated or swatch
        for r in rows:
            if r.value is None and swatch == "square":
                self.key.symbols.add(r.symbol)

    def add_series(self, rows: Sequence[Row], swatch: str) -> None:
        for r in rows:
            if not r.aggregate:
                self.key.series.setdefault(r.series, (r.colour, swatch))

    # -- the time axis -------------------------------------------------------------------------------

    def time_axis(self, rows: Sequence[Row], width: float, *, quantitative: bool, padding: float = 24) -> alt.X:
        ordered = sorted({(r.period_code, r.period, r.year) for r in rows})
        labels = [label for _, label, _ in ordered]
        widest = max((text_width(label, LABEL_SIZE) for label in labels), default=0)
        room = width / max(len(labels), 1)
        angle = 0 if widest + 4 <= room else (-40 if room * 0.64 >= LABEL_SIZE + 2 else -90)
        title = self.time.label.get(self.lang)
        if quantitative:
            years = [year for _, _, year in ordered]
            expr = " : ".join(f"datum.value == {y} ? '{label}'" for y, label in zip(years, labels)) + " : ''"
            return alt.X(
                "year:Q",
                title=title,
                scale=alt.Scale(domain=[min(years), max(years)], nice=False, zero=False, padding=padding),
                axis=alt.Axis(values=years, labelExpr=expr, labelAngle=angle, grid=False, labelOverlap=False,
                              labelAlign="center" if angle == 0 else "right"),
            )
        return alt.X("period:O", title=title, sort=labels,
                     axis=alt.Axis(labelAngle=angle, labelOverlap=False,
                                   labelAlign="center" if angle == 0 else "right"))

    def _annual(self) -> bool:
        return all(Period.parse(c).frequency is Frequency.YEAR for c in self.time.codes)

    # -- panels --------------------------------------------------------------------------------------

    def panel_size(self, columns: int, horizontal: bool = False) -> tuple[float, float]:
        width = (WIDTH - columns * AXIS_ALLOWANCE - (columns - 1) * PANEL_SPACING) / columns
        height = 250 if columns == 1 and len(self.plan.panels) <= 2 else 170
        return width, height

    def bar_panel(self, panel: Panel, width: float, height: float) -> dict[str, Any]:
        scale = self.scale_for(panel)
        rows = self.rows(panel, scale)
        self.note_estimates(rows, "square")
        if len(panel.measures) > 1:
            self.add_series(rows, "square")
        data = self.data([r.record() for r in rows])
        x = self.time_axis(rows, width, quantitative=False)
        offset = alt.XOffset("series:N", sort=list(dict.fromkeys(r.series for r in rows))) \
            if len(panel.measures) > 1 else alt.Undefined
        y = alt.Y("y:Q", title=self.value_axis_title(panel, scale), scale=self.value_scale(panel),
                  axis=alt.Axis(format=",.6~f", titleFontWeight="normal"))
        bars = alt.Chart(data).mark_bar(strokeWidth=1.5).encode(
            x=x, xOffset=offset, y=y,
            fill=alt.condition("datum.estimated", alt.value("white"), alt.Fill("colour:N", scale=None)),
            stroke=alt.Stroke("colour:N", scale=None),
            strokeDash=alt.condition("datum.estimated", alt.value(ESTIMATE_DASH), alt.value(SOLID)),
            tooltip=self.tooltip(),
        ).transform_filter("datum.value != null")
        symbols = alt.Chart(data).mark_text(dy=-6, fontSize=10, color=MUTED).encode(
            x=x, xOffset=offset, y=alt.datum(0), text="symbol:N", tooltip=self.tooltip(),
        ).transform_filter("datum.value == null")
        layers = [bars, symbols]
        if len(panel.measures) == 1 and len(self.time.codes) <= 5:  # few bars: write the values on them
            largest = max((abs(r.value) for r in rows if r.value is not None), default=0.0)
            for r in rows:
                if r.value is not None:  # unscaled, a bar says what the table says, to the digit published
                    r.short = r.value_text if scale.divisor == 1 else short_number(r.value, scale, largest)
            labelled = self.data([r.record() for r in rows if r.value is not None])
            layers.append(alt.Chart(labelled).mark_text(dy=-7, fontSize=10, color="#222").encode(
                x=x, y=y, text="short:N"))
        return layered(layers, width=width, height=height)

    def line_panel(self, panel: Panel, width: float, height: float) -> dict[str, Any]:
        scale = self.scale_for(panel)
        rows = self.rows(panel, scale)
        self.note_estimates(rows, "line")
        if len(panel.measures) > 1 or self.peers:
            self.add_series(rows, "line")
        quantitative = self._annual()
        x_field = "year" if quantitative else "period"
        order = list(self.time.codes)
        segments = []
        by_series: dict[str, list[Row]] = {}
        for r in rows:
            by_series.setdefault(r.series_code, []).append(r)
        for series_rows in by_series.values():
            series_rows.sort(key=lambda r: order.index(r.period_code))
            for a, b in zip(series_rows, series_rows[1:]):
                if a.value is None or b.value is None:
                    continue  # a nil or missing value leaves a gap
                segments.append({
                    x_field: getattr(a, x_field), f"{x_field}2": getattr(b, x_field), "y": a.y, "y2": b.y,
                    "colour": a.colour, "estimated": a.estimated or b.estimated,
                })
        comparison = self.comparison_rows(panel, scale)
        plotted = [r.y for r in rows if r.y is not None] + [c["y"] for c in comparison]
        kinds = {self.meta.measures[m].kind for m in panel.measures}
        domain = line_domain(plotted, all(k.is_percentage for k in kinds))
        ranks = all(k is MeasureKind.RANK for k in kinds)
        if ranks:  # first place at the top, whole places only
            domain = (1.0, float(max(plotted, default=1.0)) + 1)
        labelled = len(order) <= 3  # few points: their values are written beside them
        x = self.time_axis(rows, width, quantitative=quantitative, padding=48 if labelled else 24)
        y = alt.Y("y:Q", title=self.value_axis_title(panel, scale),
                  scale=alt.Scale(domain=list(domain), zero=False, nice=False, reverse=ranks),
                  axis=alt.Axis(format=",.6~f", titleFontWeight="normal"))
        x2 = alt.X2(f"{x_field}2")
        layers: list[alt.Chart] = []
        if segments:
            layers.append(alt.Chart(self.data(segments)).mark_rule(strokeWidth=2.2).encode(
                x=x, x2=x2, y=y, y2=alt.Y2("y2"),
                stroke=alt.Stroke("colour:N", scale=None),
                strokeDash=alt.condition("datum.estimated", alt.value(ESTIMATE_DASH), alt.value(SOLID)),
            ))
        data = self.data([r.record() for r in rows if r.value is not None])
        layers.append(alt.Chart(data).mark_point(size=60, strokeWidth=2, opacity=1).encode(
            x=x, y=y,
            fill=alt.condition("datum.estimated", alt.value("white"), alt.Fill("colour:N", scale=None)),
            stroke=alt.Stroke("colour:N", scale=None),
            tooltip=self.tooltip(),
        ))
        if comparison:
            if any(c["estimated"] for c in comparison):
                self.key.estimated = self.key.estimated or "line"
            layers.append(alt.Chart(self.data(comparison)).mark_point(
                shape="diamond", size=90, color=AGGREGATE_COLOUR, opacity=1,
            ).encode(x=x, y=y, tooltip=self.tooltip(), **OUTLINED_IF_ESTIMATED))
        if labelled:
            first = order[0]
            labels = [{x_field: getattr(r, x_field), "y": r.y, "text": r.value_text, "colour": r.colour,
                       "side": "left" if r.period_code == first else "right"} for r in rows if r.y is not None]
            labels += [{x_field: c[x_field], "y": c["y"], "text": c["label"], "colour": AGGREGATE_COLOUR,
                        "side": "left"} for c in comparison]
            place_labels(labels, x_field, domain, height)
            sides: tuple[tuple[str, Literal["left", "right"], int], ...] = (("left", "right", -9), ("right", "left", 9))
            for side, align, dx in sides:
                chosen = [label for label in labels if label["side"] == side]
                if chosen:
                    layers.append(alt.Chart(self.data(chosen)).mark_text(
                        align=align, baseline="middle", dx=dx, fontSize=10,
                    ).encode(x=x, y=alt.Y("label_y:Q"), text="text:N", color=alt.Color("colour:N", scale=None)))
        return layered(layers, width=width, height=height)

    def comparison_rows(self, panel: Panel, scale: Scaling) -> list[dict[str, Any]]:
        """The aggregate (e.g. the national average) of a context table with the same measures, where both exist."""
        if self.peers:
            return []
        rows: list[dict[str, Any]] = []
        for other in self.context:
            meta = other.meta
            if meta.subject != self.meta.subject or meta.geo is None or meta.geo.aggregate is None:
                continue
            shared = [m for m in panel.measures
                      if m in meta.measures and meta.measures[m].unit == self.meta.measures[m].unit]
            if not shared:
                continue
            aggregate = meta.geo.aggregate
            label = aggregate.label.get(self.lang)
            for key, cell in other.table.ordered_cells():
                coords = {v.code: c for v, c in zip(meta.variables, key)}
                period_code = coords[meta.time.code]
                measure_code = coords[meta.metric.code]
                if coords[meta.geo.code] != aggregate.code or measure_code not in shared or cell.value is None:
                    continue
                if period_code not in self.time.codes:
                    continue  # a comparison only where both exist
                if any(coords[v.code] != v.values[0].code for v in meta.variables
                       if v.role not in (Role.TIME, Role.METRIC, Role.GEO)):
                    continue
                measure = meta.measures[measure_code]
                rows.append({
                    "year": Period.parse(period_code).start.year,
                    "period": _period_label(period_code, self.lang, [measure.kind]),
                    "series": f"{label} — {meta.metric.value(measure_code).label.get(self.lang)}",
                    "value_text": _value_text(cell.value, measure),
                    "unit": measure.unit.get(self.lang),
                    "status": cell.status.description.get(self.lang),
                    "y": float(cell.value) / scale.divisor,
                    "label": _value_text(cell.value, measure),
                    "estimated": cell.status is Status.ESTIMATED,
                })
                self.key.references.setdefault(label, "diamond")
            for source in meta.sources:
                text = source.name.get(self.lang)
                if source not in self.meta.sources and text not in self.extra_sources:
                    self.extra_sources.append(text)
        return rows

    def share_panel(self, panel: Panel, width: float, height: float) -> dict[str, Any]:
        latest = self.time.codes[-1]
        scale = self.scale_for(panel)
        rows = [r for r in self.rows(panel, scale, periods=[latest]) if not r.aggregate]
        self.note_estimates(rows, "square")
        order = sorted(rows, key=lambda r: (r.value is None, -(r.value or 0)))
        for r in rows:
            r.colour = PALETTE[0]
            r.value_text = r.value_text if r.value is None else f"{r.value_text}%"
        labels = [r.series for r in order]
        data = self.data([r.record() for r in rows])
        label_width = max(text_width(label, LABEL_SIZE) for label in labels) + 10
        plot_width = max(width - label_width + AXIS_ALLOWANCE - 30, 80)
        y = alt.Y("series:N", sort=labels, title=None, axis=alt.Axis(labelLimit=200),
                  scale=alt.Scale(paddingInner=0.3, paddingOuter=0.2))
        measure_label = self.metric.value(panel.measures[0]).label.get(self.lang)
        period = _period_label(latest, self.lang, [self.meta.measures[panel.measures[0]].kind])
        x = alt.X("y:Q", scale=alt.Scale(domain=[0, 100]),
                  title=_axis_title(period if self.multi else f"{period} {measure_label}", scale.unit, self.lang),
                  axis=alt.Axis(format=",.6~f", titleFontWeight="normal"))
        bars = alt.Chart(data).mark_bar(strokeWidth=1.5).encode(
            y=y, x=x,
            fill=alt.condition("datum.estimated", alt.value("white"), alt.Fill("colour:N", scale=None)),
            stroke=alt.Stroke("colour:N", scale=None),
            strokeDash=alt.condition("datum.estimated", alt.value(ESTIMATE_DASH), alt.value(SOLID)),
            tooltip=self.tooltip(),
        ).transform_filter("datum.value != null")
        text = alt.Chart(data).mark_text(align="left", dx=4, fontSize=10).encode(
            y=y, x=alt.X("y:Q"), text="value_text:N",
        ).transform_filter("datum.value != null")
        symbols = alt.Chart(data).mark_text(align="left", dx=4, fontSize=10, color=MUTED).encode(
            y=y, x=alt.datum(0), text="symbol:N", tooltip=self.tooltip(),
        ).transform_filter("datum.value == null")
        return layered([bars, text, symbols], width=plot_width, height=max(26 * len(labels), 60))

    def group_panel(self, panel: Panel, width: float, height: float) -> dict[str, Any]:
        latest = self.time.codes[-1]
        scale = self.scale_for(panel)
        rows = self.rows(panel, scale, periods=[latest])
        self.note_estimates(rows, "square")
        peers = [r for r in rows if not r.aggregate]
        aggregates = [r for r in rows if r.aggregate]
        self.add_series(peers, "square")
        groups = list(dict.fromkeys(r.group for r in rows))
        axis = alt.Axis(labelAngle=0, labelLimit=200) if len(groups) > 1 else alt.Axis(labels=False, ticks=False)
        x = alt.X("group:N", sort=groups, title=None, axis=axis)
        title = self.value_axis_title(panel, scale)
        if len(groups) == 1:
            title = _axis_title(f"{_period_label(latest, self.lang, [])} {panel_label(self, panel)}", scale.unit,
                                self.lang)
        y = alt.Y("y:Q", title=title, scale=self.value_scale(panel),
                  axis=alt.Axis(format=",.6~f", titleFontWeight="normal"))
        offset = alt.XOffset("series:N", sort=list(dict.fromkeys(r.series for r in peers)))
        data = self.data([r.record() for r in peers])
        layers = [
            alt.Chart(data).mark_bar(strokeWidth=1.5).encode(
                x=x, xOffset=offset, y=y,
                fill=alt.condition("datum.estimated", alt.value("white"), alt.Fill("colour:N", scale=None)),
                # a white edge between observed bars keeps peers of one colour apart; an estimate keeps its outline
                stroke=alt.condition("datum.estimated", alt.Stroke("colour:N", scale=None), alt.value("white")),
                strokeDash=alt.condition("datum.estimated", alt.value(ESTIMATE_DASH), alt.value(SOLID)),
                tooltip=self.tooltip(),
            ).transform_filter("datum.value != null"),
            alt.Chart(data).mark_text(dy=-6, fontSize=10, color=MUTED).encode(
                x=x, xOffset=offset, y=alt.datum(0), text="symbol:N",
            ).transform_filter("datum.value == null"),
        ]
        if aggregates:
            self.note_estimates(aggregates, "square")
            agg = self.data([r.record() for r in aggregates if r.value is not None])
            layers.append(alt.Chart(agg).mark_tick(
                thickness=2.5, bandSize=1.0, color=AGGREGATE_COLOUR, stroke=AGGREGATE_COLOUR,
            ).encode(x=x, y=y, tooltip=self.tooltip(), **OUTLINED_IF_ESTIMATED,
                     strokeDash=alt.condition("datum.estimated", alt.value(ESTIMATE_DASH), alt.value(SOLID))))
            for r in aggregates:
                self.key.references.setdefault(r.series, "tick")
        return layered(layers, width=width, height=height)

    def cards_view(self) -> dict[str, Any]:
        """One period and nothing to compare: each measure's value written large, with its label and unit."""
        measures = [m for p in self.plan.panels for m in p.measures]
        rows = []
        for panel in self.plan.panels:
            rows += self.rows(panel, Scaling(1, ""))
        columns = min(len(measures), 4)
        width = WIDTH / columns
        records = []
        for i, r in enumerate(rows):
            number = r.value_text  # the status symbol where there is no number
            if r.value is None:
                self.key.symbols.add(r.symbol)
            elif r.estimated:  # a number written large cannot be hollow: it carries the symbol, as in the table
                number = f"{number} {Status.ESTIMATED.value}"
                self.key.symbols.add(Status.ESTIMATED.value)
            record = r.record()
            record.update(cx=(i % columns) * width + 4, cy=(i // columns) * 96, label=r.measure, number=number)
            records.append(record)
        data = self.data(records)
        px = alt.X("cx:Q", scale=None)
        layers = []
        lines_of_a_card: tuple[tuple[str, int, int, Literal["normal", "bold"], str], ...] = (
            ("label", 0, LABEL_SIZE + 1, "normal", "#222"),
            ("number", 18, 30, "bold", PALETTE[0]),
            ("unit", 58, LABEL_SIZE, "normal", MUTED),
            ("period", 74, LABEL_SIZE, "normal", MUTED),
        )
        for field_name, offset, size, weight, colour in lines_of_a_card:
            layers.append(alt.Chart(data).mark_text(
                align="left", baseline="top", fontSize=size, fontWeight=weight, color=colour,
            ).encode(x=px, y=alt.Y("cy_offset:Q", scale=None), text=f"{field_name}:N", tooltip=self.tooltip(),
                     ).transform_calculate(cy_offset=f"datum.cy + {offset}"))
        lines = (len(rows) + columns - 1) // columns
        return layered(layers, width=WIDTH, height=lines * 96 - 8)

    # -- the whole chart -----------------------------------------------------------------------------

    def panels(self) -> dict[str, Any]:
        plan = self.plan
        width, height = self.panel_size(plan.columns)
        if plan.kind is ChartKind.VALUES:
            return self.cards_view()
        builders = {
            Mark.BAR: self.bar_panel, Mark.LINE: self.line_panel, Mark.SHARE: self.share_panel,
            Mark.GROUP: self.group_panel,
        }
        if plan.kind is ChartKind.GROUPED and len(plan.panels) == 1:
            width = WIDTH - AXIS_ALLOWANCE
        charts = [builders[p.mark](p, width, height) for p in plan.panels]
        if len(charts) == 1:
            return charts[0]
        for chart, p in zip(charts, plan.panels):
            chart["title"] = {"text": panel_label(self, p), "anchor": "start", "fontSize": 12, "fontWeight": "bold",
                              "offset": 6}
        if plan.columns == 1:
            return {"vconcat": charts, "spacing": PANEL_SPACING}
        return {"concat": charts, "columns": plan.columns, "spacing": PANEL_SPACING}

    def key_view(self) -> dict[str, Any] | None:
        lang = self.lang
        items: list[dict[str, Any]] = []
        for label, (colour, swatch) in self.key.series.items():
            items.append({"label": label, "swatch": swatch, "fill": colour, "stroke": colour, "dashed": False})
        if self.key.estimated:
            swatch = self.key.estimated
            items.append({"label": word("observed", lang), "swatch": swatch, "fill": MUTED, "stroke": MUTED,
                          "dashed": False})
            items.append({"label": word("estimated", lang), "swatch": swatch, "fill": "white", "stroke": MUTED,
                          "dashed": True})
        for label, swatch in self.key.references.items():
            items.append({"label": label, "swatch": swatch, "fill": AGGREGATE_COLOUR, "stroke": AGGREGATE_COLOUR,
                          "dashed": False})
        for symbol, key in (("e", "estimated_key"), ("-", "nil_key"), ("..", "not_available_key")):
            if symbol in self.key.symbols:
                items.append({"label": word(key, lang), "swatch": "none", "fill": "", "stroke": "", "dashed": False})
        if not items:
            return None
        x, line = 8.0, 0
        for item in items:
            advance = (18 if item["swatch"] != "none" else 0) + text_width(item["label"], LABEL_SIZE) + 22
            if x > 8 and x + advance > WIDTH:
                x, line = 8.0, line + 1
            item["x"], item["y"] = x, line * KEY_LINE + KEY_LINE / 2
            item["x0"], item["x1"] = x - 8, x + 8
            item["text_x"] = x + (12 if item["swatch"] != "none" else -8)
            x += advance
        data = self.data(items)
        px = alt.X("x:Q", scale=None)
        py = alt.Y("y:Q", scale=None)
        dash = alt.condition("datum.dashed", alt.value(ESTIMATE_DASH), alt.value(SOLID))
        fill = alt.Fill("fill:N", scale=None)
        stroke = alt.Stroke("stroke:N", scale=None)
        layers = [
            alt.Chart(data).mark_point(shape="square", size=110, strokeWidth=1.5, opacity=1).encode(
                x=px, y=py, fill=fill, stroke=stroke, strokeDash=dash).transform_filter("datum.swatch == 'square'"),
            alt.Chart(data).mark_rule(strokeWidth=2.2).encode(
                x=alt.X("x0:Q", scale=None), x2="x1:Q", y=py, stroke=stroke, strokeDash=dash,
            ).transform_filter("datum.swatch == 'line'"),
            alt.Chart(data).mark_point(shape="circle", size=45, strokeWidth=2, opacity=1).encode(
                x=px, y=py, fill=fill, stroke=stroke).transform_filter("datum.swatch == 'line'"),
            alt.Chart(data).mark_rule(strokeWidth=2.5).encode(
                x=alt.X("x0:Q", scale=None), x2="x1:Q", y=py, stroke=stroke,
            ).transform_filter("datum.swatch == 'tick'"),
            alt.Chart(data).mark_point(shape="diamond", size=90, filled=True, opacity=1).encode(
                x=px, y=py, fill=fill, stroke=stroke).transform_filter("datum.swatch == 'diamond'"),
            alt.Chart(data).mark_text(align="left", baseline="middle", fontSize=LABEL_SIZE).encode(
                x=alt.X("text_x:Q", scale=None), y=py, text="label:N"),
        ]
        return layered(layers, width=WIDTH, height=(line + 1) * KEY_LINE)

    def footer_lines(self) -> list[str]:
        lang = self.lang
        sources = word("list_separator", lang).join(
            [s.name.get(lang) for s in self.meta.sources] + self.extra_sources)
        lines = wrap(f"{word('source', lang)}{sources}", WIDTH - 8, FOOT_SIZE)
        if self.standalone:
            notes = footnotes(self.meta, lang)
            if notes:
                lines.append(word("notes", lang).rstrip())
                for note in notes:
                    where = f"{note.where}{word('colon', lang)}" if note.where else ""
                    flag = word("mandatory", lang) if note.mandatory else ""
                    lines += wrap(f"{note.number}. {where}{note.text}{flag}", WIDTH - 8, FOOT_SIZE, indent="    ")
        return lines

    def footer_view(self) -> dict[str, Any]:
        lines = self.footer_lines()
        data = self.data([{"text": text, "y": i * FOOT_LINE} for i, text in enumerate(lines)])
        chart = alt.Chart(data).mark_text(align="left", baseline="top", fontSize=FOOT_SIZE, color="#333").encode(
            x=alt.value(0), y=alt.Y("y:Q", scale=None), text="text:N")
        return layered([chart], width=WIDTH, height=len(lines) * FOOT_LINE)

    def spec(self) -> dict[str, Any]:
        parts = [self.panels()]
        key = self.key_view()
        if key is not None:
            parts.append(key)
        parts.append(self.footer_view())
        lang = self.lang
        spec: dict[str, Any] = {
            "$schema": alt.SCHEMA_URL,
            "description": describe_chart(self.stored, lang, self.plan),
            "background": "white",
            "padding": {"left": 8, "right": 12, "top": 8, "bottom": 8},
            "vconcat": parts,
            "spacing": 12,
            "resolve": {"scale": {"x": "independent", "y": "independent"}},
            "config": {
                "font": FONT_STACK,
                "view": {"stroke": None},
                "axis": {"labelFontSize": LABEL_SIZE, "titleFontSize": LABEL_SIZE, "labelColor": "#222",
                         "titleColor": "#222", "gridColor": "#e4e4e4", "domainColor": "#888", "tickColor": "#888"},
                "concat": {"spacing": PANEL_SPACING},
            },
            "usermeta": {"citystat": {
                "table": self.meta.id, "release": self.stored.release.release, "lang": lang,
                "chart": self.plan.kind.value,
            }},
            "datasets": self.datasets,
        }
        if self.standalone:
            spec["title"] = {"text": self.meta.title.get(lang), "subtitle": [periods_covered(self.meta, lang)],
                             "anchor": "start", "fontSize": 15, "subtitleFontSize": 11, "subtitleColor": MUTED,
                             "offset": 10}
        return spec


def layered(charts: Sequence[alt.Chart], width: float, height: float) -> dict[str, Any]:
    """A layer of Altair charts as a plain spec dict.

    Each layer is built and checked by Altair; the layers and panels are put together as dicts, because
    Altair deep-copies every subchart (with its data) at each layer and concat.
    """
    layers = []
    for chart in charts:
        unit = chart.to_dict(validate=False)
        for top_level in ("$schema", "config", "datasets"):
            unit.pop(top_level, None)
        layers.append(unit)
    return {"layer": layers, "width": round(width, 1), "height": round(height, 1)}


def panel_label(builder: _Builder, panel: Panel) -> str:
    return " / ".join(builder.metric.value(m).label.get(builder.lang) for m in panel.measures)


def periods_covered(meta: TableMeta, lang: str) -> str:
    return meta.periods_covered(lang)


def describe_chart(stored: StoredTable, lang: str, plan: ChartPlan | None = None) -> str:
    """A text alternative for the chart: its kind, title, periods and what is drawn."""
    lang = normalise_language(lang)
    plan = plan or plan_chart(stored.table)
    meta = stored.meta
    drawn = word("enumeration", lang).join(
        meta.metric.value(m).label.get(lang) for p in plan.panels for m in p.measures)
    colon = word("colon", lang)
    if lang == ZH:
        return f"{plan.kind.describe(lang)}{colon}{meta.title.get(lang)}，{periods_covered(meta, lang)}；{drawn}。"
    return f"{plan.kind.describe(lang)}{colon}{meta.title.get(lang)}, {periods_covered(meta, lang)}; {drawn}."


def chart_spec(
    stored: StoredTable,
    lang: str,
    *,
    context: Sequence[StoredTable] | None = None,
    standalone: bool = True,
) -> dict[str, Any]:
    """The Vega-Lite spec (a JSON-ready dict, data inlined) of a table's chart in one language.

    ``context``: other tables; where one of the same subject has an aggregate area (a national
    average) for the same measures and periods, the chart shows it beside the table's own values.
    ``standalone=False`` leaves out the title and the notes, for a page that prints them beside the chart
    (the source line stays).
    """
    return _Builder(stored, lang, list(context or ()), standalone).spec()


_SCRIPT_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


def spec_script_text(spec: dict[str, Any]) -> str:
    """A spec as the text of a ``<script type="application/json">`` element, for a page to draw it.

    The spec holds labels, notes and sources from a table's metadata, which anyone loading a table writes. In
    a script element ``</script>`` would close it, and ``<!--`` followed by ``<script`` would make the parser
    run past its end tag over the rest of the page; with every ``<``, ``>`` and ``&`` written as a JSON escape
    neither can happen, and ``JSON.parse`` gives the same spec.
    """
    return json.dumps(spec, ensure_ascii=False).translate(_SCRIPT_SAFE)


# -- rendering -------------------------------------------------------------------------------------------

_fonts_lock = threading.Lock()
_fonts_registered = False


def register_fonts() -> None:
    """Give vl-convert the Noto CJK fonts (it does not read fontconfig), once per process."""
    global _fonts_registered
    import vl_convert as vlc

    with _fonts_lock:
        if _fonts_registered:
            return
        for directory in FONT_DIRS:
            if Path(directory).is_dir():
                vlc.register_font_directory(directory)
        _fonts_registered = True


def render_spec(spec: dict[str, Any], fmt: ChartFormat = "svg", *, scale: float = 2.0) -> str | bytes:
    """SVG text, or PNG or PDF bytes, of a Vega-Lite spec, rendered without a browser (vl-convert)."""
    import vl_convert as vlc

    register_fonts()
    if fmt == "svg":
        return vlc.vegalite_to_svg(spec)
    if fmt == "png":
        return vlc.vegalite_to_png(spec, scale=scale)
    if fmt == "pdf":
        return vlc.vegalite_to_pdf(spec)
    raise ValueError(f"unknown chart format {fmt!r}; use svg, png or pdf")


def render_chart(
    stored: StoredTable,
    lang: str,
    fmt: ChartFormat = "svg",
    *,
    context: Sequence[StoredTable] | None = None,
    standalone: bool = True,
    scale: float = 2.0,
) -> str | bytes:
    """A table's chart as SVG text, or PNG or PDF bytes."""
    return render_spec(chart_spec(stored, lang, context=context, standalone=standalone), fmt, scale=scale)


__all__ = [
    "ChartFormat", "chart_spec", "describe_chart", "peer_variables", "periods_covered", "register_fonts",
    "render_chart", "render_spec", "scaling", "spec_script_text",
]
