"""The statistical publication, built from the store: what it says, before any HTML or PDF.

``build_publication`` gathers, for one language, everything the templates print: the title page, key
findings, one section per service (in the order of the city's subjects) with each table's
narrative, table, chart, notes and source, the methods appendix (kinds of measure, months in service,
derived values, conventions, symbols) and the data-sources appendix with the release of each table.
Every number in it is read or computed from the tables; the fixed words are in ``words.py``.
"""

from __future__ import annotations

import base64
import itertools
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from citystat.formats.display import format_number, shown_decimals, value_label
from citystat.model import (
    ZH,
    City,
    MeasureKind,
    Period,
    ReleaseInfo,
    Role,
    Status,
    StoredTable,
    Value,
    normalise_language,
    round_half_up,
)
from citystat.model.period import days_in_service, months_in_service
from citystat.publish.charts import chart_spec, periods_covered, render_spec, spec_script_text
from citystat.publish.findings import key_findings, table_narrative
from citystat.publish.maps import map_specs
from citystat.publish.notes import Footnote, cell_label, footnotes, notes_on_cell, notes_on_value
from citystat.publish.words import word

# (table id, chart number, charts in all) -> None; called as each chart is rendered
ChartProgress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Column:
    label: str
    unit: str
    notes: list[int]


@dataclass(frozen=True)
class CellView:
    text: str
    status: str  # the status symbol, '' for observed
    css: str  # observed, estimated, provisional, revised, not-available, nil
    notes: list[int]


@dataclass(frozen=True)
class RowView:
    label: str
    notes: list[int]
    cells: list[CellView]


@dataclass
class MapView:
    """A district map of a table: its spec (drawn live on screen) and its static SVG."""

    spec: dict[str, Any]
    svg: str = ""

    @property
    def alt(self) -> str:
        return str(self.spec["description"])

    @property
    def data_uri(self) -> str:
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg.encode("utf-8")).decode("ascii")

    @property
    def spec_json(self) -> str:
        return spec_script_text(self.spec)


@dataclass
class TableView:
    """One table of the publication with its chart, narrative, notes and source."""

    number: int
    id: str
    title: str
    subtitle: str  # the values every cell shares (one year, one area), and the periods covered
    stub_header: str
    columns: list[Column]
    rows: list[RowView]
    notes: list[Footnote]
    symbols: list[tuple[str, str]]
    sources: list[str]
    release: ReleaseInfo
    narrative: list[str]
    chart_svg: str = ""
    chart_spec: dict[str, Any] = field(default_factory=dict)
    row_count: int = 0  # every row of the table, when ``rows`` holds one page of them
    chart_alt: str = ""
    chart_kind: str = ""
    maps: list[MapView] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return f"table-{self.id}"

    @property
    def figure_anchor(self) -> str:
        return f"figure-{self.id}"

    @property
    def chart_data_uri(self) -> str:
        return "data:image/svg+xml;base64," + base64.b64encode(self.chart_svg.encode("utf-8")).decode("ascii")

    @property
    def chart_spec_json(self) -> str:
        return spec_script_text(self.chart_spec)


@dataclass
class ServiceSection:
    code: str
    number: int
    name: str
    description: str
    tables: list[TableView]

    @property
    def anchor(self) -> str:
        return f"service-{self.code}"


@dataclass(frozen=True)
class KindRow:
    kind: str
    definition: str
    used_for: list[str]


@dataclass(frozen=True)
class ServiceTimeRow:
    table: str
    measure: str
    period: str
    in_service: str  # "5 個月" / "5 months"
    computation: str


@dataclass(frozen=True)
class DerivationRow:
    table: str
    cell: str
    computation: str
    explanation: str


@dataclass(frozen=True)
class SourceRow:
    number: int
    id: str
    title: str
    sources: list[str]
    periods: str
    release: int
    loaded: str
    content_hash: str
    origin: str


@dataclass
class Publication:
    lang: str
    title: str
    subtitle: str
    produced: str
    data_as_of: str
    findings: list[str]
    sections: list[ServiceSection]
    kinds: list[KindRow]
    service_time: list[ServiceTimeRow]
    derivations: list[DerivationRow]
    conventions: list[tuple[str, str]]
    symbols: list[tuple[str, str]]
    sources: list[SourceRow]

    @property
    def tables(self) -> list[TableView]:
        return [t for s in self.sections for t in s.tables]

    def word(self, key: str, **values: Any) -> str:
        text = word(key, self.lang)
        return text.format(**values) if values else text


# -- tables ------------------------------------------------------------------------------------------------

_STATUS_CSS = {
    Status.OBSERVED: "observed",
    Status.ESTIMATED: "estimated",
    Status.PROVISIONAL: "provisional",
    Status.REVISED: "revised",
    Status.NOT_AVAILABLE: "not-available",
    Status.NIL: "nil",
}


def _cell_text(value: Decimal | None, status: Status, decimals_of: Any) -> str:
    if value is None:
        return status.value
    return format_number(value, shown_decimals(value, decimals_of))


def table_view(stored: StoredTable, lang: str, number: int, rows_shown: range | None = None) -> TableView:
    """A table laid out for print: one row per combination of the non-metric variables, one column per measure.

    Variables with a single value (one year, one area) move into the subtitle. ``rows_shown`` lays out only
    those rows (a page of a large table); ``row_count`` still counts them all.
    """
    meta = stored.meta
    table = stored.table
    notes = footnotes(meta, lang)
    metric = meta.metric
    stub = [v for v in meta.variables if v.role is not Role.METRIC]
    varying = [v for v in stub if len(v.values) > 1] or stub[:1]
    constant = [v for v in stub if v not in varying]
    fixed = {v.code: v.values[0].code for v in constant}
    subtitle_parts = [value_label(meta, v, v.values[0], lang) for v in constant]
    columns = []
    for value in metric.values:
        assert value.measure is not None
        columns.append(Column(value.label.get(lang), value.measure.unit.get(lang),
                              notes_on_value(notes, metric.code, value.code)))
    statuses: set[Status] = set()
    rows = []
    row_count = math.prod(len(v.values) for v in varying)
    combos: Iterator[tuple[Value, ...]] = itertools.product(*(v.values for v in varying))
    if rows_shown is not None:
        combos = itertools.islice(combos, rows_shown.start, rows_shown.stop)
    for combo in combos:
        label = " / ".join(value_label(meta, var, val, lang) for var, val in zip(varying, combo))
        row_notes = [n for var, val in zip(varying, combo) for n in notes_on_value(notes, var.code, val.code)]
        chosen = {**fixed, **{var.code: val.code for var, val in zip(varying, combo)}}
        cells = []
        for value in metric.values:
            assert value.measure is not None
            key = meta.key({**chosen, metric.code: value.code})
            cell = table.get(key)
            statuses.add(cell.status)
            cells.append(CellView(_cell_text(cell.value, cell.status, value.measure), cell.status.value,
                                  _STATUS_CSS[cell.status], notes_on_cell(notes, key)))
        rows.append(RowView(label, row_notes, cells))
    for variable in constant:
        for n in notes_on_value(notes, variable.code, variable.values[0].code):
            if rows:
                rows[0].notes.append(n)
    symbols = [(s.value, s.description.get(lang)) for s in Status if s in statuses and s is not Status.OBSERVED]
    return TableView(
        number=number,
        id=meta.id,
        title=meta.title.get(lang),
        subtitle=("、" if lang == ZH else ", ").join(subtitle_parts) or periods_covered(meta, lang),
        stub_header=" / ".join(v.label.get(lang) for v in varying),
        columns=columns,
        rows=rows,
        notes=notes,
        symbols=symbols,
        sources=[s.name.get(lang) for s in meta.sources],
        release=stored.release,
        narrative=[],
        row_count=row_count,
    )


# -- methods -----------------------------------------------------------------------------------------------

_KIND_DEFINITIONS = {
    MeasureKind.FLOW: ("一段期間內發生之總數，如全年使用人次；不同期間之數值可相加，時間標示為「110 年」。",
                       "A total of what happened during a period, such as use in the year; values of different "
                       "periods add up, and the period reads '2021'."),
    MeasureKind.STOCK: ("期底之存量，如年底課程數或累計下載人次；不同期間之數值不可相加，時間標示為「110 年底」。",
                        "A level at the end of a period, such as courses at the end of the year or cumulative "
                        "downloads; values of different periods do not add up, and the period reads 'end of 2021'."),
    MeasureKind.MONTHLY_AVERAGE: ("期間累計除以當期提供服務之月數，四捨五入至統計量之小數位數。",
                                  "The period's total divided by the months the service ran in that period, rounded "
                                  "half up to the measure's decimals."),
    MeasureKind.DAILY_AVERAGE: ("期間累計除以當期提供服務之日數，四捨五入至統計量之小數位數。",
                                "The period's total divided by the days the service ran in that period, rounded "
                                "half up to the measure's decimals."),
    MeasureKind.RATE: ("占母體（如全體家庭）之百分比。兩比率之差以「百分點」表示。",
                       "A percentage of a population (such as all households). The difference of two rates is "
                       "given in percentage points."),
    MeasureKind.SHARE: ("占同表總計之百分比；各項目占比合計不超過 100%。",
                        "A percentage of the table's total; the shares of the parts add up to at most 100%."),
    MeasureKind.RANK: ("於同儕中之名次，第 1 名為最佳。", "A position among peers; 1 is the best."),
    MeasureKind.COUNT: ("某事物之個數，不屬特定時點或期間累計（如評比城市數）。",
                        "A number of things that is neither a period total nor a level (such as cities ranked)."),
}

_CONVENTIONS = (
    ("A 較 B 成長（增加）N 倍", "N = A ÷ B − 1，四捨五入至小數 1 位；例：A 為 B 之 3 倍時，成長 2 倍。",
     "'A grew N times over B' (成長 N 倍)", "N = A / B − 1, to one decimal: if A is 3 times B, it 'grew 2 times'. "
     "The English text avoids the phrase and writes 'N times the level of B (up X%)'."),
    ("A 係（為）B 之 N 倍", "N = A ÷ B，四捨五入至小數 1 位。",
     "'A is N times B' (係 N 倍)", "N = A / B, to one decimal."),
    ("A 較 B 成長（增加）N%", "N = (A ÷ B − 1) × 100。",
     "'A rose N% on B'", "N = (A / B − 1) × 100."),
    ("增加（減少）N 個百分點", "兩百分比之差，如 75.0% 與 60.5% 相差 14.5 個百分點。",
     "'up (down) N percentage points'", "The difference of two percentages: 75.0% and 60.5% differ by 14.5 points."),
    ("占 N%", "部分占總計之百分比。", "'N% of'", "A part's share of the total, in percent."),
    ("萬、億", "萬 = 10⁴，億 = 10⁸；如 12,345,678 寫作 1,234.6 萬（萬以下取小數 1 位），"
     "2,345,678,900 寫作 23 億 4,568 萬（億以上取整萬）。數值均以基本單位儲存，萬、億僅為寫法。",
     "萬 and 億 (in the Chinese edition)", "萬 = 10,000 and 億 = 100,000,000: 12,345,678 is written 1,234.6 萬 "
     "and 2,345,678,900 is 23 億 4,568 萬. Values are stored in base units; 萬 and 億 are only ways of writing "
     "them. The English edition uses million and billion."),
    ("年別", "民國年 = 西元年 − 1911；「110 年」為 2021 年全年，「110 年底」為 2021 年 12 月 31 日之存量。",
     "Years", "The Chinese edition gives years of the Republic of China (ROC year = Gregorian year − 1911): "
     "110 年 is 2021 and 110 年底 the end of 2021."),
    ("四捨五入", "各數值依統計量之小數位數四捨五入（0.5 進位）。",
     "Rounding", "Values are rounded half up (0.5 goes up) to the measure's decimals."),
)


def _kind_rows(tables: Sequence[StoredTable], lang: str) -> list[KindRow]:
    used: dict[MeasureKind, list[str]] = {}
    for stored in tables:
        for value in stored.meta.metric.values:
            if value.measure is not None:
                used.setdefault(value.measure.kind, []).append(
                    f"{value.label.get(lang)}（{stored.meta.title.get(lang)}）" if lang == ZH
                    else f"{value.label.get(lang)} ({stored.meta.title.get(lang)})")
    rows = []
    for kind in MeasureKind:
        if kind not in used:
            continue
        zh, en = _KIND_DEFINITIONS[kind]
        rows.append(KindRow(kind.description.get(lang), zh if lang == ZH else en, used[kind]))
    return rows


def _service_time_rows(tables: Sequence[StoredTable], lang: str) -> list[ServiceTimeRow]:
    """Every average whose period the service did not run in full: the divisor and the division, from the data."""
    rows = []
    for stored in tables:
        meta, table = stored.meta, stored.table
        metric_pos, time_pos = meta.position(meta.metric.code), meta.position(meta.time.code)
        for key, cell in table.ordered_cells():
            measure = meta.measures[key[metric_pos]]
            if not measure.kind.is_average or measure.average_of is None or cell.value is None:
                continue
            period = Period.parse(key[time_pos])
            service_from = measure.service_from or meta.measures[measure.average_of].service_from
            monthly = measure.kind is MeasureKind.MONTHLY_AVERAGE
            divisor = months_in_service(period, service_from) if monthly else days_in_service(period, service_from)
            whole = period.months() if monthly else period.days()
            if divisor == whole:
                continue
            total_key = key[:metric_pos] + (measure.average_of,) + key[metric_pos + 1:]
            total = table.get(total_key).value
            if total is None:
                continue
            result = round_half_up(total / divisor, measure.decimals)
            unit = ("個月" if monthly else "日") if lang == ZH else ("month" if monthly else "day")
            if lang != ZH and divisor != 1:
                unit += "s"
            rows.append(ServiceTimeRow(
                table=meta.title.get(lang),
                measure=meta.metric.value(key[metric_pos]).label.get(lang),
                period=period.label(lang),
                in_service=f"{divisor} {unit}",
                computation=f"{format_number(total, 0)} ÷ {divisor} = {format_number(result, measure.decimals)}",
            ))
    return rows


def _derivation_rows(tables: Sequence[StoredTable], lang: str) -> list[DerivationRow]:
    rows = []
    for stored in tables:
        meta, table = stored.meta, stored.table
        for note in meta.cell_notes:
            if note.derivation is None:
                continue
            derivation = note.derivation
            source_key = derivation.source_key(meta, note.key)
            source = table.get(source_key).value
            if source is None:
                continue
            measure = meta.measure_of(note.key)
            result = round_half_up(derivation.op.apply(source, derivation.operand), measure.decimals)
            computation = (f"{format_number(source, shown_decimals(source, measure))}"
                           f"（{cell_label(meta, source_key, lang)}）" if lang == ZH else
                           f"{format_number(source, shown_decimals(source, measure))} "
                           f"({cell_label(meta, source_key, lang)})")
            computation += f" {derivation.op.symbol} {derivation.operand} = {format_number(result, measure.decimals)}"
            rows.append(DerivationRow(meta.title.get(lang), cell_label(meta, note.key, lang), computation,
                                      note.text.get(lang)))
    return rows


def moment_words(moment: datetime, lang: str, city: City) -> str:
    """A moment in the city's time: 114 年 11 月 26 日 16:46 / 26 November 2025 16:46 (naive moments are UTC)."""
    zone = ZoneInfo(city.time_zone)
    local = moment.astimezone(zone) if moment.tzinfo else moment.replace(tzinfo=UTC).astimezone(zone)
    return _date(local.date(), lang) + f" {local:%H:%M}"


def _date(day: date, lang: str) -> str:
    if lang == ZH:
        return f"{day.year - 1911} 年 {day.month} 月 {day.day} 日"
    return f"{day.day} {day:%B} {day.year}"


# -- the whole publication -----------------------------------------------------------------------------------


def ordered_tables(tables: Sequence[StoredTable], city: City) -> list[StoredTable]:
    """Tables in the publication's order: by service (the city's order, unknown services last); within a
    service, series over more periods before cross-sections, then by id."""
    order = city.subject_order()
    return sorted(tables, key=lambda s: (order.get(s.meta.subject, len(order)), -len(s.meta.time.values), s.meta.id))


def build_publication(
    tables: Sequence[StoredTable],
    lang: str,
    *,
    city: City,
    produced: date | None = None,
    charts: bool = True,
    progress: ChartProgress | None = None,
) -> Publication:
    """Everything the publication in one language says, with each chart rendered as SVG.

    ``charts=False`` leaves the charts out (their spec is still built): for tests of the text alone.
    """
    lang = normalise_language(lang)
    tables = ordered_tables(tables, city)
    if not tables:
        raise ValueError("the database has no tables to publish; run 'citystat build' first")
    sections: list[ServiceSection] = []
    number = 0
    for code, group in itertools.groupby(tables, key=lambda s: s.meta.subject):
        subject = city.subject(code)
        section = ServiceSection(code, len(sections) + 1, subject.name.get(lang), subject.description.get(lang), [])
        for stored in group:
            number += 1
            view = table_view(stored, lang, number)
            view.narrative = table_narrative(stored, lang, context=tables)
            view.chart_spec = chart_spec(stored, lang, context=tables, standalone=False)
            view.chart_alt = view.chart_spec["description"]  # the spec says what it draws: no second plan
            view.chart_kind = view.chart_spec["usermeta"]["citystat"]["chart"]
            if charts:
                if progress:
                    progress(stored.meta.id, number, len(tables))
                svg = render_spec(view.chart_spec, "svg")
                assert isinstance(svg, str)
                view.chart_svg = svg
            view.maps = [MapView(spec) for spec in map_specs(stored, lang)]
            for district_map in view.maps if charts else ():
                drawn = render_spec(district_map.spec, "svg")
                assert isinstance(drawn, str)
                district_map.svg = drawn
            section.tables.append(view)
        sections.append(section)

    latest = max(s.release.loaded_at for s in tables)
    statuses = list(Status)
    source_rows = [
        SourceRow(view.number, view.id, view.title, view.sources, periods_covered(stored.meta, lang),
                  stored.release.release, moment_words(stored.release.loaded_at, lang, city),
                  stored.release.content_hash[:12], stored.release.origin)
        for view, stored in zip([t for s in sections for t in s.tables], tables)
    ]
    return Publication(
        lang=lang,
        title=city.publication_title.get(lang),
        subtitle=city.publication_subtitle.get(lang),
        produced=_date(produced or datetime.now(ZoneInfo(city.time_zone)).date(), lang),
        data_as_of=moment_words(latest, lang, city),
        findings=key_findings(tables, lang),
        sections=sections,
        kinds=_kind_rows(tables, lang),
        service_time=_service_time_rows(tables, lang),
        derivations=_derivation_rows(tables, lang),
        conventions=[(zh_term, zh_text) if lang == ZH else (en_term, en_text)
                     for zh_term, zh_text, en_term, en_text in _CONVENTIONS],
        symbols=[(s.value or ("（空白）" if lang == ZH else "(blank)"), s.description.get(lang)) for s in statuses],
        sources=source_rows,
    )
