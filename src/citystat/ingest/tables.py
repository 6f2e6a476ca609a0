"""Statistical tables built from what the readers read: one builder per kind of record.

Several files of one kind make one table: a folder of YouBike snapshots becomes a time series. Districts are
the city's (taipei.yaml), in its official order, with the city total first.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

import yaml

from citystat.ingest.city import City, District, feed_city
from citystat.ingest.reading import Reading
from citystat.model import (
    Cell,
    CellKey,
    InvalidInput,
    Measure,
    MeasureKind,
    Note,
    Period,
    Problem,
    Role,
    Source,
    Status,
    Table,
    TableMeta,
    Text,
    Value,
    Variable,
    check_table,
)

NIL = Cell(None, Status.NIL)
NOT_AVAILABLE = Cell(None, Status.NOT_AVAILABLE)


def _count(unit: Text) -> Measure:
    return Measure(unit, 0, MeasureKind.STOCK)


def _period_value(period: Period, notes: tuple[Note, ...] = ()) -> Value:
    return Value(period.code, Text(period.label("zh-TW"), period.label("en")), notes)


def _district_values(city: City, pseudo: Sequence[District] = ()) -> tuple[Value, ...]:
    total = Value(city.code, Text(f"{city.name.zh}（總計）", f"{city.name.en} (total)"), is_aggregate=True)
    districts = tuple(Value(d.code, d.label) for d in city.districts)
    extra = tuple(Value(d.code, d.label, (Note(d.note),) if d.note else ()) for d in pseudo)
    return (total, *districts, *extra)


def _district_variable(city: City, pseudo: Sequence[District] = ()) -> Variable:
    return Variable("district", Text("行政區", "District"), Role.GEO, _district_values(city, pseudo),
                    peer_group=Text(f"{city.name.zh}{len(city.districts)}個行政區",
                                    f"the {len(city.districts)} districts of {city.name.en}"))


def _checked(table: Table) -> Table:
    problems = check_table(table)
    if problems:
        raise InvalidInput(problems)
    return table


def _one_per_period(readings: Sequence[Reading], table_id: str) -> dict[Period, Reading]:
    by_period: dict[Period, Reading] = {}
    for reading in readings:
        if reading.as_of is None:
            raise InvalidInput([Problem("no_date", "the file carries no date to place it in time", file=reading.file,
                                        table=table_id)])
        period = Period.parse(reading.as_of.date().isoformat())
        if period in by_period:
            raise InvalidInput([Problem("same_period", f"{by_period[period].file} is of the same day "
                                        f"({period.code}); a table holds one snapshot a day", file=reading.file,
                                        table=table_id)])
        by_period[period] = reading
    return dict(sorted(by_period.items()))


@cache
def _metadata() -> dict[str, Any]:
    raw: dict[str, Any] = yaml.safe_load(
        (resources.files("citystat.ingest") / "tables.yaml").read_text(encoding="utf-8"))
    return raw


def _measures(key: str) -> Variable:
    return Variable("measure", Text("項目", "Measure"), Role.METRIC, tuple(
        Value(m["code"], Text.of(m["label"]), measure=_count(Text.of(m["unit"])))
        for m in _metadata()[key]["measures"]))


def _meta(table_id: str, key: str, variables: tuple[Variable, ...]) -> TableMeta:
    raw = _metadata()[key]
    return TableMeta(
        id=table_id,
        subject=raw["subject"],
        title=Text.of(raw["title"]),
        description=Text.of(raw["description"]),
        variables=variables,
        sources=tuple(Source(Text.of(s["name"]), s.get("url")) for s in raw["sources"]),
        notes=tuple(Note(Text.of(n["text"]), bool(n.get("mandatory"))) for n in raw.get("notes", ())),
        aliases=tuple(raw.get("aliases", ())),
    )


# -- YouBike stations, docks and bikes by district, per snapshot ------------------------------------------------

def youbike_table(readings: Sequence[Reading], table_id: str = "youbike_stations_by_district") -> Table:
    city = feed_city()
    by_period = _one_per_period(readings, table_id)
    problems: list[Problem] = []
    pseudo_seen: dict[str, District] = {}
    for reading in by_period.values():
        for s in reading.records:
            district = city.district(s.district)
            if district is None:
                problems.append(Problem("unknown_district", f"district {s.district!r} is not one of "
                                        f"{city.name.en}'s", file=reading.file, row=s.row, column="sarea",
                                        table=table_id))
            elif district not in city.districts:
                pseudo_seen[district.code] = district
    if problems:
        raise InvalidInput(problems[:50])
    pseudo = [d for d in city.pseudo_districts if d.code in pseudo_seen]
    district_var = _district_variable(city, pseudo)
    time_values = []
    cells: dict[CellKey, Cell] = {}
    for period, reading in by_period.items():
        stations = reading.records
        snapshot = reading.as_of or period.start
        stale = sum(s.stale for s in stations)
        inactive = sum(not s.active for s in stations)
        note = Text(
            f"{reading.file}（{reading.reader}）：資料時間 {snapshot:%Y-%m-%d %H:%M:%S}，列 {len(stations):,} 站，"
            f"其中暫停營運 {inactive} 站、逾時未更新 {stale} 站。",
            f"{reading.file} ({reading.reader}): snapshot {snapshot:%Y-%m-%d %H:%M:%S}, {len(stations):,} stations "
            f"listed, {inactive} suspended, {stale} stale.")
        time_values.append(_period_value(period, (Note(note),)))
        groups: dict[str, list[Any]] = {v.code: [] for v in district_var.values}
        for s in stations:
            district = city.district(s.district)
            assert district is not None
            groups[district.code].append(s)
            groups[city.code].append(s)
        for value in district_var.values:
            group = groups[value.code]
            in_service = [s for s in group if s.active and not s.stale]
            figures = {
                "stations": len(group),
                "inactive_stations": sum(not s.active for s in group),
                "stale_stations": sum(s.stale for s in group),
                "stations_in_service": len(in_service),
                "docks": sum(s.docks for s in in_service),
                "rentable_bikes": sum(s.rentable for s in in_service),
                "free_docks": sum(s.free for s in in_service),
            }
            for code, number in figures.items():
                key = (period.code, value.code, code)
                is_pseudo = value.code not in (city.code, *(d.code for d in city.districts))
                cells[key] = NIL if is_pseudo and not group else Cell(Decimal(number))
    meta = _meta(table_id, "youbike_stations_by_district", (
        Variable("snapshot", Text("資料時間", "Snapshot"), Role.TIME, tuple(time_values)),
        district_var,
        _measures("youbike_stations_by_district"),
    ))
    return _checked(Table(meta, cells))


# -- Taipei Free hotspots by district and site type -------------------------------------------------------------

def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "other"


def hotspots_table(readings: Sequence[Reading], table_id: str = "taipei_free_hotspots_by_district") -> Table:
    city = feed_city()
    by_period = _one_per_period(readings, table_id)
    types: Counter[Text] = Counter()
    for reading in by_period.values():
        types.update(h.site_type for h in reading.records)
    type_codes: dict[Text, str] = {}
    for site_type, _ in types.most_common():
        code = _slug(site_type.en)
        while code in type_codes.values():
            code += "_"
        type_codes[site_type] = code
    type_var = Variable("site_type", Text("場所類型", "Site type"), Role.CATEGORY, (
        Value("all", Text("總計", "All site types"), is_aggregate=True),
        *(Value(code, site_type) for site_type, code in type_codes.items())))
    district_var = _district_variable(city)
    time_values = []
    cells: dict[CellKey, Cell] = {}
    for period, reading in by_period.items():
        outside_en = Counter(r.reason for r in reading.rejected)
        outside_zh = Counter(r.reason_zh or r.reason for r in reading.rejected)
        time_values.append(_period_value(period, (Note(Text(
            f"{reading.file}：列 {reading.rows_read:,} 處，計入 {reading.rows_used:,} 處"
            + (f"，未計入：{'；'.join(f'{k} {v} 處' for k, v in outside_zh.items())}" if outside_zh else "") + "。",
            f"{reading.file}: {reading.rows_read:,} hotspots listed, {reading.rows_used:,} counted"
            + (f"; not counted: {'; '.join(f'{k} {v}' for k, v in outside_en.items())}" if outside_en else "")
            + ".")),)))
        counts: Counter[tuple[str, str]] = Counter()
        for h in reading.records:
            district = city.district(h.district)
            assert district is not None
            site = type_codes[h.site_type]
            for d in (district.code, city.code):
                for t in (site, "all"):
                    counts[(d, t)] += 1
        for dv in district_var.values:
            for tv in type_var.values:
                cells[(period.code, dv.code, tv.code, "hotspots")] = Cell(Decimal(counts[(dv.code, tv.code)]))
    meta = _meta(table_id, "taipei_free_hotspots_by_district", (
        Variable("date", Text("公布日期", "Published"), Role.TIME, tuple(time_values)),
        district_var,
        type_var,
        _measures("taipei_free_hotspots_by_district"),
    ))
    return _checked(Table(meta, cells))


# -- DGBAS household equipment (national) ------------------------------------------------------------------------

@cache
def _dgbas_labels() -> dict[str, Any]:
    raw: dict[str, Any] = yaml.safe_load(
        (resources.files("citystat.ingest") / "dgbas_labels.yaml").read_text(encoding="utf-8"))
    return raw


def sdmx_table(readings: Sequence[Reading], table_id: str = "household_equipment_national",
               series: Sequence[str] | None = None) -> Table:
    """The series of one SDMX-JSON message as a table, years across; ``series`` picks some by code."""
    if len(readings) != 1:
        raise InvalidInput([Problem("one_message", "an SDMX-JSON table is built from one message",
                                    file=", ".join(r.file for r in readings), table=table_id)])
    reading = readings[0]
    labels = _dgbas_labels().get(reading.info.get("name", ""), {})
    known = labels.get("series", {})
    unit = Text.of(labels.get("unit", "%"))
    chosen = []
    for s in reading.records:
        label = known.get(s.name, {})
        code = str(label.get("code", s.key))
        if series is None or code in series:
            chosen.append((code, Text(s.name, str(label.get("en", s.name))), s))
    periods = sorted({p for _, _, s in chosen for p in s.values})
    cells: dict[CellKey, Cell] = {}
    for code, _, s in chosen:
        for period in periods:
            value = s.values.get(period)
            cells[(period, code)] = NOT_AVAILABLE if value is None else Cell(value)
    source = labels.get("source", {})
    name = str(reading.info.get("name") or reading.file)
    meta = TableMeta(
        id=table_id,
        subject="digital_access",
        title=Text.of(labels.get("table", name)),
        variables=(
            Variable(*(("year", Text("年別", "Year")) if all(len(p) == 4 for p in periods)
                       else ("period", Text("期間", "Period"))),
                     Role.TIME, tuple(_period_value(Period.parse(p)) for p in periods)),
            Variable("measure", Text(str(reading.info.get("dimension") or "項目"), "Equipment"), Role.METRIC,
                     tuple(Value(code, label, measure=Measure(unit, 2, MeasureKind.RATE))
                           for code, label, _ in chosen)),
        ),
        sources=(Source(Text.of(source.get("name", str(reading.info.get("sender") or name))), source.get("url")),),
        notes=(Note(Text("數列開始前之 0 表示尚未調查，列為「..」（資料不詳）。",
                         "A series' leading zeros mean not yet surveyed and are shown as .. (not available).")),),
    )
    return _checked(Table(meta, cells))


@dataclass(frozen=True)
class Builder:
    kind: str
    table_id: str
    build: Callable[..., Table]


BUILDERS: tuple[Builder, ...] = (
    Builder("youbike_stations", "youbike_stations_by_district", youbike_table),
    Builder("hotspots", "taipei_free_hotspots_by_district", hotspots_table),
    Builder("sdmx_series", "household_equipment_national", sdmx_table),
)


def builder_for(kind: str) -> Builder | None:
    return next((b for b in BUILDERS if b.kind == kind), None)
