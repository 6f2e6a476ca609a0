"""The dashboard in-process: every page against its JSON twin (the HTML parsed, not string-matched), against the
store, in both languages; releases, downloads, errors, caching, the publication, files served from the package,
colour contrast and the font. The browser tests are in test_dashboard_browser.py.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import warnings
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element
from zoneinfo import ZoneInfo

import pytest
import tinyhtml5
from tools.subset_fonts import covered_characters

from citystat.catalog import bundled_tables, subjects
from citystat.dashboard.app import app_from_env, create_site
from citystat.dashboard.render import PACKAGE_STATIC
from citystat.dashboard.routes import router
from citystat.dashboard.words import WORDS
from citystat.formats.display import format_number, shown_decimals
from citystat.model import EN, LANGUAGES, ZH, Cell, Period, Status, Table, meta_from_dict
from citystat.publish.chartplan import plan_chart
from citystat.publish.charts import describe_chart
from citystat.store import Store, StoredTable

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

XHTML = "{http://www.w3.org/1999/xhtml}"
SVG = "{http://www.w3.org/2000/svg}"


# -- helpers ----------------------------------------------------------------------------------------------------


def parse(html: str) -> Element:
    return tinyhtml5.parse(html)


def has_class(element: Element, name: str) -> bool:
    return name in element.get("class", "").split()


def find_all(root: Element, tag: str, class_: str | None = None, ns: str = XHTML) -> list[Element]:
    return [e for e in root.iter(f"{ns}{tag}") if class_ is None or has_class(e, class_)]


def find(root: Element, tag: str, class_: str | None = None, ns: str = XHTML) -> Element:
    found = find_all(root, tag, class_, ns)
    assert found, f"no <{tag} class={class_}>"
    return found[0]


def text_of(element: Element, skip: tuple[str, ...] = ()) -> str:
    """The element's text, leaving out the subtrees of the tags in ``skip`` (e.g. note references)."""
    parts = [element.text or ""]
    for child in element:
        if child.tag.removeprefix(XHTML) not in skip:
            parts.append(text_of(child, skip))
        parts.append(child.tail or "")
    return "".join(parts)


def clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def by_id(root: Element, ident: str) -> Element:
    for element in root.iter():
        if element.get("id") == ident:
            return element
    raise AssertionError(f"no element with id {ident!r}")


# -- fixtures ---------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def site(built_db: Path) -> Iterator[TestClient]:
    with TestClient(create_site(built_db)) as client:
        yield client


@pytest.fixture(scope="module")
def stored(built_db: Path) -> dict[str, StoredTable]:
    with Store(built_db, read_only=True) as store:
        return {s.meta.id: s for s in store.latest()}


def get_page(site: TestClient, path: str, lang: str, **params: Any) -> tuple[Element, dict[str, Any]]:
    """A page's HTML (parsed) and its JSON twin."""
    html = site.get(path, params={"lang": lang, **params})
    assert html.status_code == 200, html.text
    assert html.headers["content-type"].startswith("text/html")
    twin_path = "/index.json" if path == "/" else path + ".json"
    twin = site.get(twin_path, params={"lang": lang, **params})
    assert twin.status_code == 200, twin.text
    assert twin.headers["content-type"].startswith("application/json")
    return parse(html.text), twin.json()


# -- the home page ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
def test_home_page_shows_what_its_twin_holds(site: TestClient, lang: str) -> None:
    root, twin = get_page(site, "/", lang)
    assert root.get("lang") == lang
    findings = [clean(text_of(li)) for li in find(root, "section", "key-findings").iter(f"{XHTML}li")]
    assert findings == twin["key_findings"] and findings
    cards = find_all(root, "li", "card")
    assert [c.get("data-service") for c in cards] == [s["code"] for s in twin["services"]]
    for card, data in zip(cards, twin["services"], strict=True):
        assert clean(text_of(find(card, "h3"))) == data["name"]
        assert clean(text_of(find(card, "p", "card-description"))) == data["description"]
        head = data["headline"]
        assert clean(text_of(find(card, "p", "headline-figure"))) == head["figure"]
        assert clean(text_of(find(card, "span", "headline-period"))) == head["period_label"]
        assert clean(text_of(find(card, "span", "headline-measure"))) == head["label"]
        assert clean(text_of(find(card, "p", "headline-source"))) == head["table_title"]
        shown = [clean(text_of(e)) for e in find_all(card, "span", "change-text")]
        assert shown == [c["text"] for c in head["changes"]]
        circles = find_all(card, "circle", ns=SVG)
        assert len(circles) == sum(p["value"] is not None for p in head["sparkline"])
        hollow = [c for c in circles if has_class(c, "spark-estimated")]
        assert len(hollow) == sum(p["estimated"] for p in head["sparkline"])
        links = [a.get("href") for a in find(card, "p", "card-tables").iter(f"{XHTML}a")]
        assert links == [t["url"] for t in data["tables"]]


def test_home_page_has_a_card_for_every_service_in_the_store(site: TestClient,
                                                              stored: dict[str, StoredTable]) -> None:
    _, twin = get_page(site, "/", EN)
    in_store = {s.meta.subject for s in stored.values()}
    expected = [s.code for s in subjects() if s.code in in_store]
    assert [s["code"] for s in twin["services"]] == expected
    names = {s.code: s.name.get(EN) for s in subjects()}
    assert [s["name"] for s in twin["services"]] == [names[c] for c in expected]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_headline_figures_are_the_stores_latest_values(site: TestClient, stored: dict[str, StoredTable],
                                                       lang: str) -> None:
    _, twin = get_page(site, "/", lang)
    for service in twin["services"]:
        head = service["headline"]
        table = stored[head["table"]]
        assert table.meta.subject == service["code"]
        cell = table.table.get(table.meta.key(head["cell"]))
        assert cell.value is not None and Decimal(str(head["value"])) == cell.value
        assert head["status"] == cell.status.value
        # the latest period holding a number for this series
        time = table.meta.time.code
        valued = [p for p in sorted(table.meta.periods)
                  if table.table.get(table.meta.key({**head["cell"], time: p.code})).value is not None]
        assert head["period"] == valued[-1].code
        stock = table.meta.measures[head["measure"]].kind.name == "STOCK"
        assert head["period_label"] == valued[-1].label(lang, end=stock)
        assert [p["period"] for p in head["sparkline"]] == [p.code for p in sorted(table.meta.periods)]
        for point in head["sparkline"]:
            point_cell = table.table.get(table.meta.key({**head["cell"], time: point["period"]}))
            assert point["value"] == (None if point_cell.value is None else pytest.approx(float(point_cell.value)))
            assert point["estimated"] == (point_cell.status is Status.ESTIMATED and point_cell.value is not None)


def test_card_changes_are_worded_as_in_the_narratives(site: TestClient) -> None:
    """The Wi-Fi card says what the Wi-Fi narrative says (the golden file), in both languages."""
    golden = Path(__file__).parent / "golden" / "narratives"
    for lang in LANGUAGES:
        _, twin = get_page(site, "/", lang)
        wifi = next(s for s in twin["services"] if s["code"] == "wifi")["headline"]
        narrative = (golden / lang / "taipei_free_usage.txt").read_text(encoding="utf-8")
        assert len(wifi["changes"]) == 2
        for change in wifi["changes"]:
            base = Period.parse(change["base"]).label(lang)
            # the narratives name the base inside the sentence ("由 107 年 ... 增至", "from 2020"), so compare the
            # change without it, on a line that names the same base
            figure = change["text"].replace(f"較 {base}", "").replace(f" from {base}", "").strip()
            assert any(figure in line and base in line for line in narrative.splitlines()), (figure, narrative)
    _, zh = get_page(site, "/", ZH)
    wifi = next(s for s in zh["services"] if s["code"] == "wifi")["headline"]
    assert [c["text"] for c in wifi["changes"]] == ["較 109 年成長 11.8%", "較 107 年成長 2.6 倍"]
    assert wifi["figure"] == "1,132.9 萬人次" and wifi["period_label"] == "110 年"


# -- a table page -------------------------------------------------------------------------------------------------


def _row_cells(row: Element) -> list[dict[str, str]]:
    cells = []
    for td in row.iter(f"{XHTML}td"):
        values = find_all(td, "span", "value")
        statuses = find_all(td, "abbr", "status")
        status = clean(text_of(statuses[0])) if statuses else ""
        cells.append({"text": clean(text_of(values[0])) if values else status, "status": status})
    return cells


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("table_id", ["taipei_free_usage", "shared_transport_fleet", "digital_access_municipalities"])
def test_table_page_shows_what_its_twin_holds(site: TestClient, stored: dict[str, StoredTable], table_id: str,
                                              lang: str) -> None:
    root, twin = get_page(site, f"/tables/{table_id}", lang)
    assert root.get("lang") == lang
    assert clean(text_of(find(root, "h1"))) == twin["title"]
    narrative = [clean(text_of(li)) for li in find(root, "section", "narrative").iter(f"{XHTML}li")]
    assert narrative == twin["narrative"] and narrative
    # the chart: the spec the page draws is the twin's, with a text alternative
    assert json.loads(by_id(root, "chart-spec").text or "") == twin["chart"]["spec"]
    assert clean(text_of(find(root, "span", "chart-description"))) == twin["chart"]["description"]
    assert twin["chart"]["description"] == describe_chart(stored[table_id], lang)
    assert find(root, "figure", "chart").get("data-chart-kind") == twin["chart"]["kind"] == plan_chart(
        stored[table_id].table).kind.value
    # the data table: headers with scope, rows, cells and their status
    table = find(root, "table", "data-table")
    heads = list(find(table, "thead").iter(f"{XHTML}th"))
    assert all(th.get("scope") == "col" for th in heads)
    assert clean(text_of(heads[0])) == twin["data"]["stub_header"]
    for th, column in zip(heads[1:], twin["data"]["columns"], strict=True):
        assert clean(text_of(find(th, "span", "unit"))) == column["unit"]
        assert clean(text_of(th, skip=("span", "sup"))) == column["label"]
    rows = list(find(table, "tbody").iter(f"{XHTML}tr"))
    assert len(rows) == len(twin["data"]["rows"])
    for tr, row in zip(rows, twin["data"]["rows"], strict=True):
        th = find(tr, "th")
        assert th.get("scope") == "row"
        assert clean(text_of(th, skip=("sup",))) == row["label"]
        assert _row_cells(tr) == [{"text": c["text"], "status": c["status"]} for c in row["cells"]]
    # notes, sources, release, downloads
    notes = [li.get("id") for li in find_all(root, "ol", "notes")[0].iter(f"{XHTML}li")] if twin["notes"] else []
    assert notes == [f"note-{n['number']}" for n in twin["notes"]]
    assert [clean(text_of(li)) for li in find(root, "ul", "sources").iter(f"{XHTML}li")] == twin["sources"]
    options = list(by_id(root, "release-select").iter(f"{XHTML}option"))
    assert [int(o.get("value") or 0) for o in options] == [r["number"] for r in twin["releases"]]
    downloads = [(a.get("data-format"), a.get("href"), a.get("download"))
                 for a in find(root, "ul", "download-links").iter(f"{XHTML}a")]
    assert downloads == [(d["format"], d["url"], d["filename"]) for d in twin["downloads"]]
    assert {d[0] for d in downloads} == {"json-stat2", "csv", "xlsx", "px", "json-px", "parquet"}
    assert clean(text_of(find(find(root, "p", "api-url"), "code"))) == twin["api_url"]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_table_cells_are_the_stores_values_with_period_labels_in_the_language(
    site: TestClient, stored: dict[str, StoredTable], lang: str
) -> None:
    for table_id in ("taipei_free_usage", "shared_transport_fleet", "open_data_platform"):
        table = stored[table_id]
        meta = table.meta
        _, twin = get_page(site, f"/tables/{table_id}", lang)
        periods = sorted(meta.periods)
        labels = [p.label(lang, end=meta.all_stocks) for p in periods]
        assert [r["label"] for r in twin["data"]["rows"]] == labels
        if lang == ZH:
            assert all(label.startswith(str(p.start.year - 1911)) for label, p in zip(labels, periods, strict=True))
        metric = meta.metric
        for row, period in zip(twin["data"]["rows"], periods, strict=True):
            for cell, value in zip(row["cells"], metric.values, strict=True):
                stored_cell = table.table.get(meta.key({meta.time.code: period.code, metric.code: value.code}))
                assert cell["status"] == stored_cell.status.value
                if stored_cell.value is None:
                    assert cell["text"] == stored_cell.status.value
                else:
                    assert value.measure is not None
                    expected = format_number(stored_cell.value, shown_decimals(stored_cell.value, value.measure))
                    assert cell["text"] == expected


def test_the_download_links_and_api_url_give_the_pages_data(site: TestClient, stored: dict[str, StoredTable]) -> None:
    _, twin = get_page(site, "/tables/shared_transport_fleet", EN)
    formats = {d["format"]: d["url"] for d in twin["downloads"]}
    media = {"json-stat2": "application/json", "csv": "text/csv", "px": "application/octet-stream",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             "json-px": "application/json", "parquet": "application/vnd.apache.parquet"}
    for name, url in formats.items():
        answer = site.get(url)
        assert answer.status_code == 200, (name, answer.text[:300])
        assert answer.headers["content-type"].startswith(media[name])
    assert site.get(twin["api_url"]).json() == site.get(formats["json-stat2"]).json()
    table = stored["shared_transport_fleet"]
    meta = table.meta
    rows = list(csv.reader(io.StringIO(site.get(formats["csv"]).text)))
    header, body = rows[0], rows[1:]
    by_label = {v.label.get(EN): v.code for v in meta.metric.values}
    by_period = {p.label(EN, end=meta.all_stocks): p.code for p in meta.periods}
    seen = 0
    for line in body:
        period = by_period[line[0]]
        for label, text in zip(header[1:], line[1:], strict=True):
            cell = table.table.get(meta.key({meta.time.code: period, meta.metric.code: by_label[label]}))
            assert (Decimal(text) if cell.value is not None else text) == (cell.value if cell.value is not None
                                                                          else cell.status.value)
            seen += 1
    assert seen == len(meta.periods) * len(meta.metric.values)


def test_accept_json_gives_the_twin(site: TestClient) -> None:
    for path, twin in (("/", "/index.json"), ("/services/wifi", "/services/wifi.json"),
                       ("/tables/taipeipass", "/tables/taipeipass.json")):
        negotiated = site.get(path, params={"lang": "en"}, headers={"Accept": "application/json"})
        assert negotiated.headers["content-type"].startswith("application/json")
        assert "Accept" in negotiated.headers["vary"]
        assert negotiated.json() == site.get(twin, params={"lang": "en"}).json()
    assert site.get("/.json", params={"lang": "en"}).json() == site.get("/index.json", params={"lang": "en"}).json()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_service_page_groups_its_tables(site: TestClient, stored: dict[str, StoredTable], lang: str) -> None:
    root, twin = get_page(site, "/services/shared_transport", lang)
    expected = {s.meta.id for s in stored.values() if s.meta.subject == "shared_transport"}
    entries = find_all(root, "li", "table-entry")
    assert {e.get("data-table") for e in entries} == expected == {t["id"] for t in twin["tables"]}
    for entry, data in zip(entries, twin["tables"], strict=True):
        assert clean(text_of(find(entry, "h3"))) == data["title"] == stored[data["id"]].meta.title.get(lang)
        assert clean(text_of(find(entry, "p", "table-finding"))) == data["finding"]
        assert find(find(entry, "h3"), "a").get("href") == data["url"]
    assert clean(text_of(find(root, "p", "headline-figure"))) == twin["headline"]["figure"]


def test_labels_and_links_follow_the_language(site: TestClient) -> None:
    pages = {lang: get_page(site, "/tables/cooc_cloud", lang) for lang in LANGUAGES}
    nav = {lang: [clean(text_of(a)) for a in find(root, "nav", "site-nav").iter(f"{XHTML}a")]
           for lang, (root, _) in pages.items()}
    assert nav[ZH] != nav[EN] and nav[ZH][0] == "首頁" and nav[EN][0] == "Home"
    for lang, (root, twin) in pages.items():
        other = EN if lang == ZH else ZH
        switch = find(root, "a", "lang-switch")
        assert switch.get("hreflang") == other and switch.get("href") == twin["links"]["alternate"][other]
        assert f"lang={other}" in (switch.get("href") or "")
        hrefs = [a.get("href") or "" for a in root.iter(f"{XHTML}a") if not has_class(a, "lang-switch")]
        internal = [h for h in hrefs if h.startswith("/") and not h.startswith(("/docs", "/publication/"))]
        assert internal and all(f"lang={lang}" in h for h in internal), internal
    headings = {lang: [clean(text_of(h)) for h in root.iter(f"{XHTML}h2")] for lang, (root, _) in pages.items()}
    assert len(headings[ZH]) == len(headings[EN]) and not set(headings[ZH]) & set(headings[EN])
    assert pages[ZH][1]["data"]["rows"][0]["label"] == "106 年"  # a table of a stock and a flow: plain years
    assert pages[EN][1]["data"]["rows"][0]["label"] == "2017"
    fleet = get_page(site, "/tables/shared_transport_fleet", ZH)[1]  # stocks only: the end of each year
    assert fleet["data"]["rows"][0]["label"] == "103 年底"
    assert pages[ZH][1]["data"]["columns"][0]["unit"] == "門"
    assert pages[EN][1]["data"]["columns"][0]["unit"] == "courses"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_api_page_gives_each_tables_api_urls(site: TestClient, stored: dict[str, StoredTable], lang: str) -> None:
    root, twin = get_page(site, "/api", lang)
    entries = find_all(root, "li", "table-entry")
    assert [e.get("data-table") for e in entries] == [t["id"] for t in twin["tables"]]
    assert {t["id"] for t in twin["tables"]} == set(stored)
    for entry, table in zip(entries, twin["tables"], strict=True):
        shown = [clean(text_of(code)) for code in entry.iter(f"{XHTML}code")]
        assert shown == [table["table"], table["metadata"], table["data"]]
    data = site.get(twin["tables"][0]["data"]).json()
    assert data["class"] == "dataset" and data["extension"]["px"]
    for endpoint in twin["endpoints"]:
        assert site.get(endpoint["url"]).status_code == 200, endpoint


# -- releases -------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def two_releases(built_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the catalog database where the fleet table has a second release: 2021 bikes revised."""
    path = tmp_path_factory.mktemp("releases") / "citystat.duckdb"
    shutil.copyfile(built_db, path)
    table = next(t for t in bundled_tables() if t.id == "shared_transport_fleet")
    key = table.meta.key({"year": "2021", "measure": "bikes"})
    cells = dict(table.cells)
    cells[key] = Cell(Decimal(21700), Status.REVISED)
    with Store(path) as store:
        result = store.load(replace(table, cells=cells), origin="test revision")
    assert result.created and result.release.release == 2
    return path


def test_a_table_page_shows_its_release_and_earlier_ones(two_releases: Path) -> None:
    with TestClient(create_site(two_releases)) as client:
        root, latest = get_page(client, "/tables/shared_transport_fleet", EN)
        assert latest["release"]["number"] == 2 and latest["release"]["latest"]
        local = datetime.fromisoformat(latest["release"]["loaded_at"]).astimezone(ZoneInfo("Asia/Taipei"))
        assert latest["release"]["loaded"] == f"{local.day} {local:%B} {local.year} {local:%H:%M}"  # Taipei time
        assert latest["release"]["loaded"] in clean(text_of(find(root, "p", "release-line")))
        zh_release = get_page(client, "/tables/shared_transport_fleet", ZH)[1]["release"]
        assert zh_release["loaded"] == f"{local.year - 1911} 年 {local.month} 月 {local.day} 日 {local:%H:%M}"
        assert [r["number"] for r in latest["releases"]] == [2, 1]
        assert not find_all(root, "p", "notice")
        last_row = latest["data"]["rows"][-1]["cells"][0]
        assert last_row == {"text": "21,700", "status": "r", "status_label": "revised", "notes": []}
        older_url = next(r["url"] for r in latest["releases"] if r["number"] == 1)
        assert "release=1" in older_url
        old_root, old = get_page(client, "/tables/shared_transport_fleet", EN, release="1")
        assert old["release"]["number"] == 1 and not old["release"]["latest"]
        assert old["data"]["rows"][-1]["cells"][0]["text"] == "21,652"
        assert "release 1" in clean(text_of(find(old_root, "p", "notice")))
        assert old["chart"]["spec"]["usermeta"]["citystat"]["release"] == 1
        assert all("release=1" in d["url"] for d in old["downloads"])
        csv_text = client.get(next(d["url"] for d in old["downloads"] if d["format"] == "csv")).text
        assert csv_text.splitlines()[-1].startswith("end of 2021,21652,")
        assert client.get("/tables/shared_transport_fleet", params={"release": 9}).status_code == 404


def test_a_users_own_monthly_table_gets_a_card_and_a_page(built_db: Path, tmp_path: Path) -> None:
    """A service the catalog does not know, by month, with a gap and an estimate: ROC months in Chinese."""
    months = [f"2021M{m:02d}" for m in range(1, 13)]
    measure = {"code": "loans", "label": {"zh-TW": "借閱冊數", "en": "Loans"}, "unit": {"zh-TW": "冊", "en": "books"},
               "decimals": 0, "kind": "flow"}
    meta = meta_from_dict({
        "id": "library_loans", "subject": "library", "title": {"zh-TW": "圖書館借閱冊數", "en": "Library loans"},
        "sources": [{"name": {"zh-TW": "臺北市立圖書館", "en": "Taipei Public Library"}}],
        "variables": [{"code": "month", "role": "time", "label": {"zh-TW": "月別", "en": "Month"}, "values": months},
                      {"code": "measure", "role": "metric", "label": {"zh-TW": "指標", "en": "Measure"},
                       "values": [measure]}],
        "cell_notes": [{"cell": {"month": "2021M05", "measure": "loans"},
                        "text": {"zh-TW": "依前後月份推估。", "en": "Estimated from the months around it."}}]})
    cells = {(month, "loans"): Cell(Decimal(1000 + 50 * i)) for i, month in enumerate(months)}
    cells[("2021M03", "loans")] = Cell(None, Status.NOT_AVAILABLE)
    cells[("2021M05", "loans")] = Cell(Decimal(1200), Status.ESTIMATED)
    path = tmp_path / "citystat.duckdb"
    shutil.copyfile(built_db, path)
    with Store(path) as store:
        store.load(Table(meta, cells), origin="user")
    with TestClient(create_site(path)) as client:
        root, home = get_page(client, "/", ZH)
        card = next(s for s in home["services"] if s["code"] == "library")
        assert card["name"] == "library" and card["headline"]["period_label"] == "110 年 12 月"
        assert card["headline"]["figure"] == "1,550 冊"
        points = card["headline"]["sparkline"]
        assert [p["value"] for p in points][2] is None and [p["estimated"] for p in points].count(True) == 1
        library = next(c for c in find_all(root, "li", "card") if c.get("data-service") == "library")
        assert len(find_all(library, "polyline", ns=SVG)) == 2  # the gap splits the line
        page_root, page = get_page(client, "/tables/library_loans", EN)
        assert page["data"]["rows"][0]["label"] == "January 2021"
        assert page["data"]["rows"][2]["cells"][0] == {"text": "..", "status": "..", "status_label": "not available",
                                                       "notes": []}
        assert client.get("/services/library", params={"lang": "en"}).status_code == 200


HOSTILE = "<!--<script> & </script><img src=x onerror=alert(1)>"


def hostile_table() -> Table:
    """A table whose user-written texts hold markup: ``<!--<script>`` makes an HTML parser run a script element
    past its end tag unless the text inside it is escaped."""
    measure = {"code": "loans", "label": {"zh-TW": f"借閱{HOSTILE}", "en": f"Loans {HOSTILE}"},
               "unit": {"zh-TW": "冊", "en": "books"}, "decimals": 0, "kind": "flow"}
    meta = meta_from_dict({
        "id": "hostile_loans", "subject": "library",
        "title": {"zh-TW": f"借閱冊數{HOSTILE}", "en": f"Loans {HOSTILE}"},
        "sources": [{"name": {"zh-TW": f"圖書館{HOSTILE}", "en": f"Library {HOSTILE}"}}],
        "variables": [{"code": "year", "role": "time", "label": {"zh-TW": "年別", "en": "Year"},
                       "values": ["2020", "2021"]},
                      {"code": "measure", "role": "metric", "label": {"zh-TW": "指標", "en": "Measure"},
                       "values": [measure]}]})
    return Table(meta, {("2020", "loans"): Cell(Decimal(1000)), ("2021", "loans"): Cell(Decimal(1200))})


@pytest.mark.parametrize("lang", LANGUAGES)
def test_markup_in_a_users_texts_is_shown_as_text_and_leaves_the_page_whole(tmp_path: Path, lang: str) -> None:
    path = tmp_path / "citystat.duckdb"
    with Store(path) as store:
        store.load(hostile_table(), origin="user")
    with TestClient(create_site(path)) as client:
        root, twin = get_page(client, "/tables/hostile_loans", lang)
    assert HOSTILE in twin["title"] and clean(text_of(find(root, "h1"))) == clean(twin["title"])
    assert not find_all(root, "img"), "the markup is text, never an element"
    script = by_id(root, "chart-spec")
    assert not list(script), "the chart spec is one text node"
    assert json.loads(script.text or "") == twin["chart"]["spec"]
    # what comes after the chart is still the page's, not swallowed into the script element
    table = find(root, "table", "data-table")
    assert HOSTILE in clean(text_of(find(table, "caption")))
    assert [clean(text_of(li)) for li in find(root, "ul", "sources").iter(f"{XHTML}li")] == twin["sources"]
    assert [e.get("src", "").split("?")[0] for e in root.iter(f"{XHTML}script") if e.get("src")] == [
        "/static/vega-bundle.js", "/static/dashboard.js"]


# -- errors, caching, files ------------------------------------------------------------------------------------------


def test_the_uvicorn_factory_serves_the_site_from_the_environment(built_db: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CITYSTAT_DB", str(built_db))
    monkeypatch.setenv("CITYSTAT_MAX_DATA_CELLS", "7")
    monkeypatch.setenv("CITYSTAT_ADMIN_TOKEN", "factory-token")
    with TestClient(app_from_env()) as client:
        assert client.get("/", params={"lang": "en"}).status_code == 200
        assert client.get("/api/v2/config").json()["maxDataCells"] == 7
        admin = client.get("/api/v2/admin/releases", headers={"Authorization": "Bearer factory-token"})
        assert admin.status_code == 200 and admin.json()["tables"]


def test_unknown_pages_and_bad_parameters(site: TestClient) -> None:
    missing = site.get("/tables/no_such_table", params={"lang": "en"})
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("text/html")
    assert clean(text_of(find(parse(missing.text), "h1"))) == "Page not found"
    problem = site.get("/tables/no_such_table.json")
    assert problem.status_code == 404 and problem.headers["content-type"] == "application/problem+json"
    assert site.get("/services/nothing").status_code == 404
    assert site.get("/", params={"lang": "fr"}).status_code == 400
    assert site.get("/tables/taipeipass", params={"release": "x"}).status_code == 400
    assert site.get("/static/../pyproject.toml").status_code == 404
    assert site.get("/publication/anything.html").status_code == 404


def test_pages_revalidate_with_etags(site: TestClient) -> None:
    first = site.get("/tables/pay_taipei", params={"lang": "en"})
    again = site.get("/tables/pay_taipei", params={"lang": "en"}, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    twin = site.get("/tables/pay_taipei.json", params={"lang": "en"})
    assert twin.headers["etag"] != first.headers["etag"]


def test_everything_a_page_loads_is_served_from_the_package(site: TestClient) -> None:
    for path in ("/", "/tables/taipei_free_usage"):
        root = parse(site.get(path).text)
        loaded = [e.get("src") for e in root.iter(f"{XHTML}script") if e.get("src")]
        loaded += [e.get("href") for e in root.iter(f"{XHTML}link") if e.get("rel") in ("stylesheet", "icon")]
        assert loaded
        for url in loaded:
            assert url and url.startswith("/static/"), url
            answer = site.get(url)
            assert answer.status_code == 200 and "immutable" in answer.headers["cache-control"], url
    css = site.get("/static/dashboard.css").text
    assert not re.search(r"https?://|@import", css)
    for font in re.findall(r'url\("([^"]+)"\)', css):
        answer = site.get("/static/" + font)
        assert answer.status_code == 200 and answer.headers["content-type"] == "font/woff2"
    assert "vegaEmbed" in site.get("/static/vega-bundle.js").text


def test_the_publication_is_served_from_the_same_database(tmp_path: Path) -> None:
    """Generated on demand (a small database keeps this quick), in both languages, with its scripts."""
    path = tmp_path / "small.duckdb"
    with Store(path) as store:
        store.load_many([t for t in bundled_tables() if t.id in ("taipeipass", "imd_smart_city_index")],
                        origin="catalog")
    with TestClient(create_site(path)) as client:
        home = parse(client.get("/", params={"lang": "en"}).text)
        link = next(a.get("href") for a in find(home, "nav", "site-nav").iter(f"{XHTML}a")
                    if clean(text_of(a)) == "Publication")
        assert link == "/publication/citystat-publication.en.html"
        redirect = client.get("/publication/", params={"lang": "en"}, follow_redirects=False)
        assert redirect.status_code == 307 and redirect.headers["location"] == link
        page = client.get(link)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        root = parse(page.text)
        assert "TaipeiPASS service activations and app downloads" in clean(text_of(root))
        for script in (e.get("src") for e in root.iter(f"{XHTML}script") if e.get("src")):
            assert client.get("/publication/" + (script or "")).status_code == 200, script
        switch = next(a.get("href") for a in root.iter(f"{XHTML}a") if a.get("hreflang") == ZH)
        assert client.get("/publication/" + (switch or "")).status_code == 200


# -- colour contrast and the font ----------------------------------------------------------------------------------


def _luminance(colour: str) -> float:
    colour = colour.lstrip("#")
    if len(colour) == 3:
        colour = "".join(c * 2 for c in colour)
    channels = [int(colour[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_helper_matches_known_ratios() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


def test_css_colour_pairs_meet_wcag_aa() -> None:
    """Each rule's text colour against its own background, or against the page and card backgrounds it sits on
    when it sets none; graphics (borders of controls, sparklines, focus rings) need 3:1."""
    css = re.sub(r"/\*.*?\*/", "", (PACKAGE_STATIC / "dashboard.css").read_text(encoding="utf-8"), flags=re.S)
    variables = dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{3,6})\s*;", css))

    def resolve(value: str) -> str | None:
        value = value.strip()
        found = re.fullmatch(r"var\(--([\w-]+)\)", value)
        if found:
            return variables[found[1]]
        return value if re.fullmatch(r"#[0-9a-fA-F]{3,6}", value) else None

    light = [variables["paper"], variables["page"]]
    checked = 0
    for selector, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        declarations = dict((k.strip(), v.strip()) for k, v in re.findall(r"([\w-]+)\s*:\s*([^;]+)", body))
        colour = resolve(declarations.get("color", ""))
        background = resolve(declarations.get("background", declarations.get("background-color", "")))
        if colour is not None:
            backgrounds = [background] if background else light
            for back in backgrounds:
                assert contrast(colour, back) >= 4.5, (selector.strip(), colour, back)
                checked += 1
        for prop in ("stroke", "fill"):
            graphic = resolve(declarations.get(prop, ""))
            if graphic is not None and graphic != variables["paper"]:
                assert contrast(graphic, variables["paper"]) >= 3, (selector.strip(), prop, graphic)
                checked += 1
    assert contrast(variables["focus"], variables["brand"]) >= 3 and contrast(variables["focus-ink"],
                                                                              variables["focus"]) >= 4.5
    assert contrast(variables["rule"], variables["paper"]) >= 3  # borders of controls and notices
    assert checked > 40


@pytest.fixture(scope="module")
def every_page(site: TestClient, stored: dict[str, StoredTable]) -> list[str]:
    """The HTML of every page of the catalog database, in both languages."""
    paths = ["/"] + [f"/services/{code}" for code in sorted({s.meta.subject for s in stored.values()})]
    paths += [f"/tables/{table_id}" for table_id in stored] + ["/api"]
    return [site.get(path, params={"lang": lang}).text for path in paths for lang in LANGUAGES]


def test_the_shipped_font_has_every_character_the_catalog_pages_show(every_page: list[str]) -> None:
    covered = covered_characters()
    assert covered == covered_characters("NotoSansCJKtc-Bold.subset.woff2")
    shown = {c for html in every_page for c in html if not c.isspace()}
    missing = sorted(shown - covered)
    assert not missing, f"regenerate the font subsets (python -m tools.subset_fonts): {''.join(missing)}"
    assert Period.parse("2021").label(ZH)[0] in covered


def test_pages_link_only_to_pages_that_exist(site: TestClient, every_page: list[str]) -> None:
    targets = set()
    for html in every_page:
        for a in parse(html).iter(f"{XHTML}a"):
            href = a.get("href") or ""
            if href.startswith("/") and not href.startswith(("/publication/", "/api/")):
                targets.add(href)
    assert len(targets) > 30
    for href in sorted(targets):
        assert site.get(href).status_code == 200, href


# -- the docs and the words -----------------------------------------------------------------------------------------


def test_the_readme_documents_every_page() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    documented = {re.sub(r"\{[^}]+\}", "{}", path) for path in re.findall(r"`(/[^`\s]*)`", readme)}
    internal = ("/static/", "/publication/assets/", "/.json", "/publication/{}", "/publication")
    pages = {re.sub(r"\{[^}]+\}", "{}", route.path) for route in router.routes  # type: ignore[attr-defined]
             if not route.path.startswith(internal) or route.path == "/publication/"}  # type: ignore[attr-defined]
    assert pages and pages <= documented, pages - documented
    assert "python -m tools.subset_fonts" in readme and "dashboard-home-zh-TW.png" in readme


def test_every_dashboard_word_is_used_and_bilingual() -> None:
    package = Path(__file__).resolve().parents[1] / "src" / "citystat" / "dashboard"
    sources = "".join(p.read_text(encoding="utf-8") for p in [*package.glob("templates/*.j2"), *package.glob("*.py")]
                      if p.name != "words.py")
    for key, text in WORDS.items():
        assert f"'{key}'" in sources or f'"{key}"' in sources, key
        assert text.zh and text.en and (text.zh != text.en or key == "api"), key


# -- a large table's page (issue 14): the data table is paged, the page stays small ------------------------------


@pytest.fixture(scope="module")
def large_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, StoredTable]]:
    from citystat.catalog.tablefile import read_table

    from .large_tables import write_large_table

    folder = tmp_path_factory.mktemp("large_page")
    data, meta = write_large_table(folder, stations=60, days=199)  # 11,940 rows of 2 measures
    path = folder / "citystat.duckdb"
    with Store(path) as store:
        store.load(read_table(data, meta), origin="generated")
        stored = store.read("generated_station_days")
    with TestClient(create_site(path)) as client:
        yield client, stored


def _pager(root: Element) -> dict[str, str]:
    navs = find_all(root, "nav", "data-pager")
    return {a.get("rel") or "": a.get("href") or "" for a in navs[0].iter(f"{XHTML}a")} if navs else {}


@pytest.mark.slow
def test_a_large_tables_page_shows_one_page_of_rows_with_links_to_the_others(
    large_site: tuple[TestClient, StoredTable],
) -> None:
    from citystat.dashboard.pages import DATA_PAGE_ROWS
    from citystat.publish.report import table_view

    site, stored = large_site
    whole = table_view(stored, EN, 1)  # every row, laid out at once
    assert len(whole.rows) == 11_940
    html = site.get("/tables/generated_station_days", params={"lang": EN})
    assert len(html.content) < 400_000  # no chart of 23,880 cells, 100 rows
    root, twin = get_page(site, "/tables/generated_station_days", EN)
    pager = twin["data"]["page"]
    assert pager == {"number": 1, "pages": 120, "size": DATA_PAGE_ROWS, "rows": 11_940, "first_row": 1,
                     "last_row": 100, "first": None, "previous": None,
                     "next": "/tables/generated_station_days?lang=en&page=2",
                     "last": "/tables/generated_station_days?lang=en&page=120"}
    assert _pager(root) == {"next": pager["next"], "last": pager["last"]}
    assert twin["chart"] is None and find_all(root, "p", "chart-omitted")
    seen = 1
    for href, first in ((pager["next"], 100), (pager["last"], 11_900)):
        page_root = parse(site.get(href).text)
        page_twin = site.get(href.replace("?", ".json?")).json()
        rows = list(find(find(page_root, "table", "data-table"), "tbody").iter(f"{XHTML}tr"))
        expected = whole.rows[first:first + DATA_PAGE_ROWS]
        assert [clean(text_of(find(tr, "th"), skip=("sup",))) for tr in rows] == [r.label for r in expected]
        assert [r["label"] for r in page_twin["data"]["rows"]] == [r.label for r in expected]
        assert [[c["text"] for c in r["cells"]] for r in page_twin["data"]["rows"]] == [
            [c.text for c in r.cells] for r in expected]
        assert [_row_cells(tr) for tr in rows] == [[{"text": c.text, "status": c.status} for c in r.cells]
                                                   for r in expected]
        links = _pager(page_root)
        assert links["prev"] == page_twin["data"]["page"]["previous"] and "first" in links
        assert page_twin["links"]["self"] == href and page_twin["narrative"] == twin["narrative"]
        seen += 1
    assert len(expected) == 40 and "next" not in links  # the last page: 11,940 - 119 x 100 rows
    assert seen == 3
    assert site.get("/tables/generated_station_days", params={"page": "121"}).status_code == 404
    for bad in ("0", "x", "-1", "1.5"):
        assert site.get("/tables/generated_station_days.json", params={"page": bad}).status_code == 400


def test_a_small_tables_page_has_no_pager(site: TestClient) -> None:
    root, twin = get_page(site, "/tables/digital_access_national", EN)
    assert twin["data"]["page"]["pages"] == 1 and len(twin["data"]["rows"]) == twin["data"]["page"]["rows"] == 42
    assert not find_all(root, "nav", "data-pager") and twin["chart"] is not None
