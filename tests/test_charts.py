"""Charts: chosen from metadata, valid Vega-Lite with data inlined, honest about estimates and gaps.

The specs are built from the catalog database (the built_db fixture) and rendered with vl-convert,
the same renderer the publication uses.
"""

from __future__ import annotations

import itertools
import json
import re
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from altair.utils.schemapi import validate_jsonschema
from altair.vegalite.v6.schema.core import load_schema
from fontTools.ttLib import TTCollection

from citystat.model import EN, LANGUAGES, ZH, MeasureKind, Period, Status, Table, meta_from_dict
from citystat.model.table import Cell
from citystat.publish.chartplan import ChartKind, Mark, plan_chart
from citystat.publish.charts import FONT, chart_spec, describe_chart, render_chart, render_spec
from citystat.store import ReleaseInfo, Store, StoredTable

NOTO_CJK = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")


@pytest.fixture(scope="module")
def tables(built_db: Path) -> dict[str, StoredTable]:
    with Store(built_db, read_only=True) as store:
        return {s.meta.id: s for s in store.latest()}


@pytest.fixture(scope="module")
def specs(tables: dict[str, StoredTable]) -> dict[tuple[str, str], dict[str, Any]]:
    context = list(tables.values())
    return {(table_id, lang): chart_spec(stored, lang, context=context)
            for table_id, stored in tables.items() for lang in LANGUAGES}


def walk(node: Any) -> Iterator[dict[str, Any]]:
    """Every mapping inside a spec."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def units(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The unit views (those with a mark) of a spec."""
    return [node for node in walk(spec) if "mark" in node]


def records(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The records that stand for table cells (they carry a period code)."""
    return [r for values in spec["datasets"].values() for r in values if "period_code" in r]


def strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from strings(value)


@cache
def vega_lite_schema() -> dict[str, Any]:
    return load_schema()


# -- valid, self-contained specs ------------------------------------------------------------------------------


@pytest.mark.slow
def test_every_spec_is_valid_vega_lite_with_its_data_inlined(specs: dict[tuple[str, str], dict[str, Any]],
                                                             tables: dict[str, StoredTable]) -> None:
    assert len(specs) == len(LANGUAGES) * len(tables) > 0
    for (table_id, lang), spec in specs.items():
        validate_jsonschema(spec, vega_lite_schema())
        named = {node["data"]["name"] for node in walk(spec) if isinstance(node.get("data"), dict)
                 and "name" in node["data"]}
        assert named <= set(spec["datasets"]), (table_id, lang)
        assert not [node for node in walk(spec) if "url" in node], "data must be inlined, never fetched"
        assert spec["usermeta"]["citystat"]["table"] == table_id
        assert spec["usermeta"]["citystat"]["lang"] == lang
        json.dumps(spec)  # JSON-ready, for the dashboard


def test_records_carry_every_cell_with_its_value_period_label_and_status(
    specs: dict[tuple[str, str], dict[str, Any]], tables: dict[str, StoredTable]
) -> None:
    for (table_id, lang), spec in specs.items():
        stored = tables[table_id]
        meta = stored.meta
        plan = plan_chart(stored.table)
        found = {(r["period_code"], r["measure"], r["series"]): r for r in records(spec)}
        plotted = {m for p in plan.panels for m in p.measures}
        peers = [meta.variable(code) for code in plan.peers]
        for key, cell in stored.table.ordered_cells():
            coordinates = dict(zip([v.code for v in meta.variables], key))
            measure_code = coordinates[meta.metric.code]
            peer_values = [v.value(coordinates[v.code]) for v in peers]
            if measure_code not in plotted or (plan.kind is ChartKind.SHARES and any(
                    p.is_aggregate for p in peer_values)):
                continue  # a share chart leaves out the total's 100%
            measure = meta.measures[measure_code]
            measure_label = meta.metric.value(measure_code).label.get(lang)
            series = " / ".join(p.label.get(lang) for p in peer_values) if peers else measure_label
            record = found.get((coordinates[meta.time.code], measure_label, series))
            if record is None and cell.value is None:
                continue  # a line leaves a cell without a number out altogether
            assert record is not None, (table_id, lang, key)
            assert record["value"] == (None if cell.value is None else float(cell.value))
            assert record["status"] == cell.status.description.get(lang)
            assert record["estimated"] == (cell.status is Status.ESTIMATED)
            assert record["unit"] == measure.unit.get(lang)
            for field in ("value_text", "unit", "period", "status"):
                assert record[field]
            period = Period.parse(coordinates[meta.time.code])
            assert record["period"] == period.label(lang, end=measure.kind is MeasureKind.STOCK)


def test_tooltips_give_value_unit_period_and_status(specs: dict[tuple[str, str], dict[str, Any]]) -> None:
    for (table_id, _lang), spec in specs.items():
        tooltips = [u["encoding"]["tooltip"] for u in units(spec) if "tooltip" in u.get("encoding", {})]
        assert tooltips, table_id
        for tooltip in tooltips:
            assert {t["field"] for t in tooltip} >= {"value_text", "unit", "period", "status"}


def test_zh_tw_charts_label_periods_in_roc_years(specs: dict[tuple[str, str], dict[str, Any]],
                                                 tables: dict[str, StoredTable]) -> None:
    for table_id, stored in tables.items():
        text = " ".join(strings(specs[(table_id, ZH)]))
        english = " ".join(strings(specs[(table_id, EN)]))
        for period in stored.meta.periods:
            assert f"{period.roc_year} 年" in text, (table_id, period)
            assert f"'{period.start.year} 年" not in text
            assert str(period.start.year) in english


def test_value_axes_name_their_unit(specs: dict[tuple[str, str], dict[str, Any]],
                                    tables: dict[str, StoredTable]) -> None:
    for (table_id, lang), spec in specs.items():
        meta = tables[table_id].meta
        titles = [u["encoding"][axis]["title"] for u in units(spec) for axis in ("x", "y")
                  if isinstance(u.get("encoding", {}).get(axis), dict) and u["encoding"][axis].get("title")
                  and u["encoding"][axis].get("field") == "y"]
        if plan_chart(tables[table_id].table).kind is ChartKind.VALUES:
            assert not titles  # value cards print each unit beside its number
            card_units = {r["unit"] for r in records(spec)}
            assert card_units == {m.unit.get(lang) for m in meta.measures.values()}
            continue
        assert titles, (table_id, lang)
        for title in titles:
            assert any(m.unit.get(lang).lower() in title.lower() for m in meta.measures.values()), (table_id, title)


def test_the_source_line_is_on_every_chart_and_notes_only_when_standalone(
    specs: dict[tuple[str, str], dict[str, Any]], tables: dict[str, StoredTable]
) -> None:
    for (table_id, lang), spec in specs.items():
        meta = tables[table_id].meta
        footer = [r["text"] for values in spec["datasets"].values() for r in values if set(r) == {"text", "y"}]
        joined = "".join(footer)
        for source in meta.sources:
            assert source.name.get(lang).replace(" ", "") in joined.replace(" ", ""), (table_id, lang)
        for note in meta.notes:
            assert note.text.get(lang)[:12].replace(" ", "") in joined.replace(" ", ""), (table_id, lang)
        assert spec["title"]["text"] == meta.title.get(lang)
    stored = tables["taipei_free_usage"]
    inline = chart_spec(stored, ZH, standalone=False)
    footer = [r["text"] for values in inline["datasets"].values() for r in values if set(r) == {"text", "y"}]
    assert len(footer) == 1 and footer[0].startswith("資料來源")
    assert "title" not in inline


# -- the honest marks: estimates, gaps ----------------------------------------------------------------------------


def test_estimated_cells_are_hollow_dashed_and_in_the_key(specs: dict[tuple[str, str], dict[str, Any]],
                                                          tables: dict[str, StoredTable]) -> None:
    for (table_id, lang), spec in specs.items():
        stored = tables[table_id]
        has_estimates = any(c.status is Status.ESTIMATED for c in stored.table.cells.values())
        key_labels = [r["label"] for values in spec["datasets"].values() for r in values if "swatch" in r]
        estimated_word = "推估值" if lang == ZH else "estimated"
        assert (estimated_word in key_labels) == has_estimates, (table_id, lang)
        if not has_estimates:
            continue
        key_item = next(r for values in spec["datasets"].values() for r in values
                        if r.get("label") == estimated_word)
        assert key_item["fill"] == "white" and key_item["dashed"]
        filled = [u for u in units(spec) if isinstance(u.get("encoding", {}).get("fill"), dict)
                  and "condition" in u["encoding"]["fill"]]
        assert filled
        for unit in filled:
            assert unit["encoding"]["fill"]["condition"] == {"test": "datum.estimated", "value": "white"}


def count_marks(svg: str, role: str) -> int:
    """Items of one kind of mark in a Vega SVG (bars are mark-rect groups, points mark-symbol)."""
    total = 0
    for group in re.finditer(rf'<g class="mark-{role} role-mark[^"]*"[^>]*>(.*?)</g>', svg, re.S):
        total += len(re.findall(r"<path ", group.group(1)))
    return total


def test_nil_and_missing_cells_are_gaps_not_zero_bars(tables: dict[str, StoredTable]) -> None:
    stored = tables["shared_transport_daily_uses"]
    plan = plan_chart(stored.table)
    assert all(p.mark is Mark.BAR for p in plan.panels)
    valued = sum(1 for c in stored.table.cells.values() if c.value is not None)
    missing = [c for c in stored.table.cells.values() if c.value is None]
    assert missing and {c.status for c in missing} == {Status.NIL, Status.NOT_AVAILABLE}
    svg = render_chart(stored, EN, "svg")
    assert isinstance(svg, str)
    assert count_marks(svg, "rect") == valued
    spec = chart_spec(stored, EN)
    symbols = [r["symbol"] for r in records(spec) if r["value"] is None]
    assert sorted(symbols) == sorted(c.status.value for c in missing)


def test_a_line_breaks_where_a_value_is_missing() -> None:
    table = _table(
        {"code": "stock", "label": {"zh-TW": "存量", "en": "Stock"}, "unit": {"zh-TW": "輛", "en": "cars"},
         "decimals": 0, "kind": "stock"},
        years=["2017", "2018", "2019", "2020", "2021"],
        values={"2017": ("10", ""), "2018": ("12", ""), "2019": (None, ".."), "2020": ("15", ""), "2021": ("18", "")},
    )
    spec = chart_spec(table, EN)
    segments = [r for values in spec["datasets"].values() for r in values if "year2" in r]
    assert sorted((s["year"], s["year2"]) for s in segments) == [(2017, 2018), (2020, 2021)]


def test_values_written_on_bars_are_the_tables_own_text() -> None:
    """Unscaled, a bar's label is the number the table prints: no digit the source did not publish (68, not
    68.0), rounded half up as everywhere (2.25 to one decimal is 2.3)."""
    table = _table(
        _measure("score", "flow", "points", decimals=1), years=["2019", "2020", "2021"],
        values={"2019": ("68", ""), "2020": ("70.5", "e"), "2021": ("2.25", "")},
    )
    assert plan_chart(table.table).kind is ChartKind.BARS
    spec = chart_spec(table, EN)
    labels = {r["period_code"]: r["short"] for values in spec["datasets"].values() for r in values
              if r.get("short")}
    texts = {r["period_code"]: r["value_text"] for r in records(spec)}
    assert labels == texts == {"2019": "68", "2020": "70.5", "2021": "2.3"}


def test_the_national_average_is_drawn_beside_taipei_where_both_exist(tables: dict[str, StoredTable]) -> None:
    taipei = tables["digital_access_taipei"]
    municipalities = tables["digital_access_municipalities"]
    alone = chart_spec(taipei, ZH)
    assert not [r for values in alone["datasets"].values() for r in values
                if str(r.get("series", "")).startswith("全國")]
    spec = chart_spec(taipei, ZH, context=list(tables.values()))
    national = {r["series"]: r for values in spec["datasets"].values() for r in values
                if str(r.get("series", "")).startswith("全國")}
    meta = municipalities.meta
    for measure in meta.metric.values:
        cell = municipalities.table.cell(year="2020", area="national", measure=measure.code)
        record = national[f"全國 — {measure.label.get(ZH)}"]
        assert record["y"] == float(cell.value)
        assert record["period"] == "109 年"
    assert any(source.name.get(ZH) in " ".join(strings(spec)) for source in meta.sources
               if source not in taipei.meta.sources)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_estimate_written_as_a_card_carries_its_symbol(lang: str) -> None:
    """A value card's number cannot be hollow, so it says 'e' as the table does, and the key explains the symbol
    rather than hollow marks the chart does not have."""
    table = _table(_measure("rank", "rank", "place"), _measure("cities", "count", "cities"), years=["2021"],
                   cells={("2021", "rank"): "12", ("2021", "cities"): "64"})
    cells = {**table.table.cells, ("2021", "rank"): Cell(Decimal(12), Status.ESTIMATED)}
    spec = chart_spec(StoredTable(Table(table.meta, cells), table.release), lang)
    assert plan_chart(table.table).kind is ChartKind.VALUES
    numbers = {r["measure"]: r["number"] for r in records(spec)}
    assert numbers == {"rank": "12 e", "cities": "64"}
    key = [r["label"] for values in spec["datasets"].values() for r in values if "swatch" in r]
    assert key == ["e 推估值" if lang == ZH else "e estimated"]
    plain = chart_spec(table, lang)
    assert {r["number"] for r in records(plain)} == {"12", "64"}
    assert not [r for values in plain["datasets"].values() for r in values if "swatch" in r]


def test_an_estimated_national_average_is_an_outline_as_estimated_bars_and_points_are() -> None:
    """The reference marks (a tick among grouped bars, a diamond beside a line) follow the same rule as the
    table's own marks: an estimate is hollow with a dashed outline, and the key says so."""
    area = {"code": "area", "role": "geo", "label": {"zh-TW": "地區", "en": "Area"},
            "values": [{"code": "national", "label": {"zh-TW": "全國", "en": "National"}, "aggregate": True},
                       {"code": "a", "label": {"zh-TW": "甲市", "en": "City A"}},
                       {"code": "b", "label": {"zh-TW": "乙市", "en": "City B"}}]}
    rate = _measure("rate", "rate", "%")
    peers = _table(rate, years=["2020", "2021"], category=area,
                   cells={(y, a, "rate"): v for y in ("2020", "2021") for a, v in (("national", "55"), ("a", "60"),
                                                                                   ("b", "50"))})
    cells = dict(peers.table.cells)
    cells[("2021", "national", "rate")] = Cell(Decimal(55), Status.ESTIMATED)
    peers = StoredTable(Table(replace(peers.meta, id="user_peers"), cells), peers.release)
    one_year = StoredTable(Table(replace(peers.meta, variables=(
        replace(peers.meta.time, values=peers.meta.time.values[1:]), *peers.meta.variables[1:])),
        {k: c for k, c in cells.items() if k[0] == "2021"}), peers.release)
    city = _table(rate, years=["2019", "2020", "2021"])
    for spec, mark in ((chart_spec(one_year, EN), "tick"), (chart_spec(city, EN, context=[peers]), "point")):
        references = [u for u in units(spec) if u["mark"]["type"] == mark and "strokeWidth" in u["encoding"]]
        assert len(references) == 1, spec
        encoding = references[0]["encoding"]
        assert encoding["fill"]["condition"] == {"test": "datum.estimated", "value": "white"}
        assert encoding["strokeWidth"]["condition"] == {"test": "datum.estimated", "value": 1.5}
        data = spec["datasets"][references[0]["data"]["name"]]
        assert [(r["period"], r["estimated"]) for r in data] == (
            [("2021", True)] if mark == "tick" else [("2020", False), ("2021", True)])
        key = [r["label"] for values in spec["datasets"].values() for r in values if "swatch" in r]
        assert "estimated" in key, "only the reference is estimated, and the key still explains the outline"
    tick = next(u for u in units(chart_spec(one_year, EN)) if u["mark"]["type"] == "tick")
    assert tick["encoding"]["strokeDash"]["condition"] == {"test": "datum.estimated", "value": [4, 3]}


# -- which chart, from metadata ----------------------------------------------------------------------------------


def _table(*measures: dict[str, Any], years: list[str], values: dict[str, tuple[str | None, str]] | None = None,
           category: dict[str, Any] | None = None, cells: dict[tuple[str, ...], str] | None = None) -> StoredTable:
    """A small table made from metadata, as a user's own table would arrive."""
    variables: list[dict[str, Any]] = [{"code": "year", "role": "time", "label": {"zh-TW": "年別", "en": "Year"},
                                        "values": years}]
    if category:
        variables.append(category)
    variables.append({"code": "measure", "role": "metric", "label": {"zh-TW": "指標", "en": "Measure"},
                      "values": list(measures)})
    meta = meta_from_dict({"id": "user_table", "subject": "user", "title": {"zh-TW": "測試表", "en": "Test table"},
                           "sources": [{"name": {"zh-TW": "測試來源", "en": "Test source"}}], "variables": variables})
    built: dict[tuple[str, ...], Cell] = {}
    for key in (cells or {}):
        built[key] = Cell(Decimal(cells[key]))  # type: ignore[index]
    if values:
        for year, (value, status) in values.items():
            key = (year, measures[0]["code"])
            built[key] = Cell(Decimal(value) if value is not None else None, Status.parse(status))
    if not built:
        for i, key in enumerate(itertools.product(*(v.codes for v in meta.variables))):
            built[key] = Cell(Decimal(10 + i))
    release = ReleaseInfo("user_table", 1, "0" * 64, datetime(2022, 1, 1, tzinfo=UTC), "test", len(built))
    return StoredTable(Table(meta, built), release)


def _measure(code: str, kind: str, unit: str = "units", **extra: Any) -> dict[str, Any]:
    return {"code": code, "label": {"zh-TW": code, "en": code}, "unit": {"zh-TW": unit, "en": unit}, "decimals": 0,
            "kind": kind, **extra}


YEARS = ["2017", "2018", "2019", "2020", "2021"]


@pytest.mark.parametrize(
    ("measures", "years", "kind", "marks"),
    [
        ([_measure("rate", "rate", "%")], YEARS, ChartKind.LINES, [Mark.LINE]),
        ([_measure("uses", "flow")], YEARS, ChartKind.BARS, [Mark.BAR]),
        ([_measure("fleet", "stock")], YEARS, ChartKind.LINES, [Mark.LINE]),
        ([_measure("fleet", "stock")], ["2020", "2021"], ChartKind.BARS, [Mark.BAR]),
        ([_measure("courses", "stock", "courses"), _measure("views", "flow", "views")], YEARS, ChartKind.PANELS,
         [Mark.LINE, Mark.BAR]),
        ([_measure("count", "stock", "items"), _measure("volume", "stock", "items")], YEARS, ChartKind.LINES,
         [Mark.LINE]),
        ([_measure("rank", "rank", "place"), _measure("cities", "count", "cities")], ["2021"], ChartKind.VALUES,
         [Mark.VALUE, Mark.VALUE]),
    ],
)
def test_the_chart_follows_the_metadata(measures: list[dict[str, Any]], years: list[str], kind: ChartKind,
                                        marks: list[Mark]) -> None:
    table = _table(*measures, years=years)
    plan = plan_chart(table.table)
    assert plan.kind is kind
    assert [p.mark for p in plan.panels] == marks
    spec = chart_spec(table, ZH)
    validate_jsonschema(spec, vega_lite_schema())


def test_measures_far_apart_in_size_get_panels_of_their_own() -> None:
    measures = (_measure("big", "flow"), _measure("small", "flow"))
    cells = {}
    for year in YEARS:
        cells[(year, "big")] = "100000"
        cells[(year, "small")] = "50"
    plan = plan_chart(_table(*measures, years=YEARS, cells=cells).table)
    assert plan.kind is ChartKind.PANELS and len(plan.panels) == 2


def test_shares_and_peers_get_sorted_and_grouped_bars() -> None:
    category = {"code": "kind", "role": "category", "label": {"zh-TW": "類別", "en": "Kind"},
                "values": [{"code": "all", "label": {"zh-TW": "總計", "en": "All"}, "aggregate": True},
                           {"code": "a", "label": {"zh-TW": "甲", "en": "A"}},
                           {"code": "b", "label": {"zh-TW": "乙", "en": "B"}}]}
    flow = _measure("n", "flow")
    share = _measure("n_share", "share", "%", share_of="n")
    cells = {("2021", "all", "n"): "100", ("2021", "a", "n"): "30", ("2021", "b", "n"): "70",
             ("2021", "all", "n_share"): "100", ("2021", "a", "n_share"): "30", ("2021", "b", "n_share"): "70"}
    shares = _table(flow, share, years=["2021"], category=category, cells=cells)
    plan = plan_chart(shares.table)
    assert plan.kind is ChartKind.SHARES and [p.measures for p in plan.panels] == [("n_share",)]
    spec = chart_spec(shares, EN)
    order = next(u["encoding"]["y"]["sort"] for u in units(spec) if u["mark"]["type"] == "bar")
    assert order == ["B", "A"]  # sorted by share, the aggregate left out
    peers = _table(flow, years=["2021"], category=category,
                   cells={k: v for k, v in cells.items() if k[2] == "n"})
    plan = plan_chart(peers.table)
    assert plan.kind is ChartKind.GROUPED
    spec = chart_spec(peers, EN)
    ticks = [u for u in units(spec) if u["mark"]["type"] == "tick"]
    assert ticks, "the aggregate is drawn as a reference mark, not as a peer"


def test_the_catalog_gets_the_charts_its_metadata_calls_for(tables: dict[str, StoredTable]) -> None:
    kinds = {table_id: plan_chart(stored.table) for table_id, stored in tables.items()}
    assert kinds["digital_access_taipei"].kind is ChartKind.LINES
    assert kinds["digital_access_municipalities"].kind is ChartKind.GROUPED
    assert kinds["pay_taipei_by_category"].kind is ChartKind.SHARES
    for count_beside_volume in ("open_data_platform", "cooc_cloud", "taipeipass", "pay_taipei"):
        assert kinds[count_beside_volume].kind is ChartKind.PANELS
        assert len(kinds[count_beside_volume].panels) == 2
    assert [p.mark for p in kinds["shared_transport_fleet"].panels] == [Mark.LINE] * 4
    assert [p.mark for p in kinds["taipei_free_usage"].panels] == [Mark.BAR] * 2
    assert describe_chart(tables["digital_access_taipei"], ZH).startswith("折線圖")


# -- rendering -------------------------------------------------------------------------------------------------------


def test_charts_render_to_svg_png_and_pdf_with_noto_sans_cjk(tables: dict[str, StoredTable], tmp_path: Path) -> None:
    stored = tables["cooc_cloud"]
    svg = render_chart(stored, ZH, "svg")
    assert isinstance(svg, str) and svg.startswith("<svg") and FONT in svg
    png = render_chart(stored, ZH, "png", scale=1)
    assert isinstance(png, bytes) and png.startswith(b"\x89PNG")
    pdf = render_spec(chart_spec(stored, ZH), "pdf")
    assert isinstance(pdf, bytes)
    (tmp_path / "chart.pdf").write_bytes(pdf)
    fonts = subprocess.run(["pdffonts", str(tmp_path / "chart.pdf")], capture_output=True, text=True, check=True)
    embedded = [line for line in fonts.stdout.splitlines() if "NotoSansCJK" in line.replace("-", "")]
    assert embedded and all(" yes " in line for line in embedded)


def test_every_character_of_every_chart_is_in_the_noto_cjk_font(specs: dict[tuple[str, str], dict[str, Any]]) -> None:
    """No tofu: a character the font lacks would be drawn as an empty box."""
    collection = TTCollection(str(NOTO_CJK))
    font = next(f for f in collection.fonts if "TC" in f["name"].getDebugName(1))
    covered = set(font.getBestCmap())
    for (table_id, lang), spec in specs.items():
        shown = "".join(strings({k: v for k, v in spec.items() if k not in ("$schema", "config", "usermeta")}))
        lacking = {ch for ch in shown if ord(ch) not in covered and not ch.isspace()}
        assert not lacking, (table_id, lang, lacking)


def test_a_monthly_series_of_a_users_own_table_gets_a_chart_with_roc_months() -> None:
    months = [f"2021M{m:02d}" for m in range(1, 13)]
    table = _table(_measure("uses", "flow", "人次"), _measure("users", "stock", "人"), years=months)
    spec = chart_spec(table, ZH)
    validate_jsonschema(spec, vega_lite_schema())
    shown = " ".join(strings(spec))
    assert "110 年 1 月" in shown and "110 年 12 月底" in shown  # flows by month, stocks at the month's end
    svg = render_spec(spec, "svg")
    assert isinstance(svg, str) and count_marks(svg, "rect") == 12



def test_a_highlighted_value_stands_out_among_its_peers() -> None:
    from citystat.model import Table, meta_from_dict, meta_to_dict, unreleased
    from citystat.publish.charts import AGGREGATE_COLOUR, BACKGROUND_PEER_COLOUR, PALETTE

    from .small_tables import access_by_municipality

    plain = access_by_municipality()
    raw = meta_to_dict(plain.meta)
    area = next(v for v in raw["variables"] if v["code"] == "area")
    next(v for v in area["values"] if v["code"] == "taipei")["highlight"] = True
    highlighted = Table(meta_from_dict(raw), plain.cells)

    def colours(table: Table) -> dict[str, set[str]]:
        spec = chart_spec(unreleased(table), "en")
        found: dict[str, set[str]] = {}
        for records in spec["datasets"].values():
            for record in records:
                if "series_code" in record:
                    found.setdefault(record["series_code"], set()).add(record["colour"])
        return found

    before, after = colours(plain), colours(highlighted)
    assert len({c for code, cs in before.items() if code != "national" for c in cs}) == 6  # each its own colour
    assert after["taipei"] == {PALETTE[0]} and after["national"] == {AGGREGATE_COLOUR}
    assert {c for code, cs in after.items() if code not in ("taipei", "national") for c in cs} == {
        BACKGROUND_PEER_COLOUR}
