"""The PxWeb API over HTTP: selections, languages, output formats, errors, caching and CORS.

Every expectation is computed from the store the server reads, never typed in.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from decimal import Decimal
from html.parser import HTMLParser
from itertools import product

import httpx
import openpyxl
import pytest

from citystat.formats.display import value_label
from citystat.model import MeasureKind, Status
from citystat.store import Store, StoredTable


@pytest.fixture(scope="module")
def stored(built_db) -> dict[str, StoredTable]:
    with Store(built_db, read_only=True) as store:
        return {s.table.id: s for s in store.latest()}


@pytest.fixture(scope="module")
def client(api_server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=api_server.api, timeout=30) as opened:
        yield opened


def codes(dataset: dict, variable: str) -> list[str]:
    index = dataset["dimension"][variable]["category"]["index"]
    return sorted(index, key=index.get)


def check_values(dataset: dict, stored_table: StoredTable) -> None:
    """Every value and status of a JSON-stat answer equals the stored cell at its coordinates."""
    meta = stored_table.meta
    ids = dataset["id"]
    combos = list(product(*(codes(dataset, v) for v in ids)))
    assert len(combos) == len(dataset["value"])
    for index, combo in enumerate(combos):
        coordinates = dict(zip(ids, combo, strict=True))
        cell = stored_table.table.get(meta.key(coordinates))
        got = dataset["value"][index]
        assert (None if got is None else Decimal(str(got))) == cell.value, coordinates
        assert dataset.get("status", {}).get(str(index), "") == cell.status.value, coordinates


def data(client: httpx.Client, table_id: str, **params: str) -> httpx.Response:
    return client.get(f"/tables/{table_id}/data", params=params)


# -- selection expressions -----------------------------------------------------------------------------

def test_every_selection_expression_on_the_time_variable(client, stored):
    stored_table = stored["taipei_free_usage"]
    years = sorted(stored_table.meta.time.codes)
    cases = {
        "*": years,
        "201?": [y for y in years if re.fullmatch(r"201.", y)],
        "20?1": [y for y in years if re.fullmatch(r"20.1", y)],
        "201*": [y for y in years if y.startswith("201")],
        "*1": [y for y in years if y.endswith("1")],
        "*01*": [y for y in years if "01" in y],
        "TOP(3)": years[-3:],
        "top(3)": years[-3:],
        "TOP(3,1)": years[-4:-1],
        "BOTTOM(2)": years[:2],
        "BOTTOM(2,1)": years[1:3],
        f"FROM({years[-4]})": years[-4:],
        f"TO({years[2]})": years[:3],
        f"RANGE({years[5]},{years[2]})": years[2:6],
        f"{years[0]},TOP(1)": [years[0], years[-1]],
    }
    for expression, expected in cases.items():
        answer = data(client, "taipei_free_usage", **{"valueCodes[year]": expression, "valueCodes[measure]": "*"})
        assert answer.status_code == 200, (expression, answer.text)
        dataset = answer.json()
        assert codes(dataset, "year") == expected, expression
        check_values(dataset, stored_table)


def test_top_and_bottom_count_from_the_first_value_on_other_variables(client, stored):
    stored_table = stored["digital_access_municipalities"]
    areas = list(stored_table.meta.variable("area").codes)
    for expression, expected in {"TOP(2)": areas[:2], "TOP(2,1)": areas[1:3], "BOTTOM(2)": areas[-2:],
                                 "BOTTOM(1,1)": areas[-2:-1], f"FROM({areas[4]})": areas[4:],
                                 f"RANGE({areas[1]},{areas[3]})": areas[1:4]}.items():
        answer = data(client, "digital_access_municipalities",
                      **{"valueCodes[year]": "*", "valueCodes[area]": expression, "valueCodes[measure]": "*"})
        assert answer.status_code == 200, answer.text
        assert codes(answer.json(), "area") == expected, expression
        check_values(answer.json(), stored_table)


def test_a_variable_left_out_gets_its_total_and_post_answers_as_get_does(client, stored):
    stored_table = stored["digital_access_municipalities"]
    total = stored_table.meta.variable("area").aggregate
    got = data(client, "digital_access_municipalities", **{"valueCodes[year]": "*", "valueCodes[measure]": "*"})
    assert codes(got.json(), "area") == [total.code]
    posted = client.post("/tables/digital_access_municipalities/data", json={"selection": [
        {"variableCode": "year", "valueCodes": ["*"]}, {"variableCode": "measure", "valueCodes": ["*"]}]})
    assert posted.status_code == 200
    assert posted.json() == got.json()


def test_the_default_selection_is_what_data_answers_without_a_selection(client, stored):
    for table_id, stored_table in stored.items():
        default = client.get(f"/tables/{table_id}/defaultselection", params={"lang": "en"}).json()
        assert [s["variableCode"] for s in default["selection"]] == [v.code for v in stored_table.meta.variables]
        answer = data(client, table_id, lang="en").json()
        for item in default["selection"]:
            assert codes(answer, item["variableCode"]) == item["valueCodes"]
        assert answer["extension"]["px"]["heading"] == default["placement"]["heading"]
        check_values(answer, stored_table)


def test_heading_and_stub_place_the_variables(client, stored):
    stored_table = stored["shared_transport_fleet"]
    answer = data(client, "shared_transport_fleet", heading="year", stub="measure",
                  **{"valueCodes[year]": "*", "valueCodes[measure]": "*"}).json()
    assert answer["id"] == ["measure", "year"]
    assert answer["extension"]["px"]["heading"] == ["year"]
    assert answer["extension"]["px"]["stub"] == ["measure"]
    check_values(answer, stored_table)
    posted = client.post("/tables/shared_transport_fleet/data", json={
        "selection": [{"variableCode": "year", "valueCodes": ["*"]}, {"variableCode": "measure", "valueCodes": ["*"]}],
        "placement": {"heading": ["year"], "stub": ["measure"]}})
    assert posted.json() == answer


def test_codelists_are_listed_served_and_applied(client, stored):
    meta = stored["digital_access_municipalities"].meta
    area = meta.variable("area")
    metadata = client.get("/tables/digital_access_municipalities/metadata", params={"lang": "en"}).json()
    listed = {c["id"]: c for c in metadata["dimension"]["area"]["extension"]["codelists"]}
    parts_id = f"vs_{meta.id}.area.parts"
    total_id = f"agg_{meta.id}.area.total"
    assert {parts_id, total_id} <= set(listed)
    parts = [v.code for v in area.values if not v.is_aggregate]
    codelist = client.get(f"/codelists/{parts_id}", params={"lang": "en"}).json()
    assert [v["code"] for v in codelist["values"]] == parts
    assert codelist["type"] == "Valueset" and codelist["language"] == "en"
    aggregation = client.get(f"/codelists/{total_id}").json()
    assert aggregation["type"] == "Aggregation"
    assert aggregation["values"][0]["code"] == area.aggregate.code
    assert aggregation["values"][0]["valueMap"] == parts
    answer = data(client, meta.id, **{"valueCodes[year]": "*", "codelist[area]": parts_id, "valueCodes[area]": "*",
                                      "valueCodes[measure]": "*"})
    assert codes(answer.json(), "area") == parts
    applied = client.get(f"/tables/{meta.id}/metadata", params={"codelist[area]": parts_id}).json()
    assert codes(applied, "area") == parts


# -- languages -------------------------------------------------------------------------------------------

def test_both_languages_and_the_zh_alias(client, stored):
    meta = stored["taipei_free_usage"].meta
    params = {"valueCodes[year]": "TOP(2)", "valueCodes[measure]": "*"}
    english = data(client, meta.id, lang="en", **params).json()
    chinese = data(client, meta.id, lang="zh-TW", **params).json()
    assert english["label"] == meta.title.en and chinese["label"] == meta.title.zh
    assert english["note"] == [n.text.en for n in meta.notes]
    assert chinese["note"] == [n.text.zh for n in meta.notes]
    for dataset, lang in ((english, "en"), (chinese, "zh-TW")):
        for variable in meta.variables:
            labels = dataset["dimension"][variable.code]["category"]["label"]
            assert labels == {c: value_label(meta, variable, variable.value(c), lang) for c in labels}
        units = dataset["dimension"]["measure"]["category"]["unit"]
        assert {c: u["label"] for c, u in units.items()} == {
            c: meta.measures[c].unit.get(lang) for c in units}
    assert data(client, meta.id, lang="zh", **params).content == data(client, meta.id, **params).content
    assert data(client, meta.id, **params).json() == chinese
    table = client.get(f"/tables/{meta.id}", params={"lang": "en"}).json()
    assert table["label"] == meta.title.en and table["language"] == "en"


# -- JSON-stat content -------------------------------------------------------------------------------------

def test_jsonstat_answers_carry_roles_units_measuring_types_notes_status_and_px(client, stored):
    for table_id, stored_table in stored.items():
        meta = stored_table.meta
        dataset = data(client, table_id, lang="en",
                       **{f"valueCodes[{v.code}]": "*" for v in meta.variables}).json()
        assert dataset["role"]["time"] == [meta.time.code]
        assert dataset["role"]["metric"] == [meta.metric.code]
        if meta.geo is not None:
            assert dataset["role"]["geo"] == [meta.geo.code]
        metric = dataset["dimension"][meta.metric.code]
        for code, measure in meta.measures.items():
            assert metric["category"]["unit"][code]["decimals"] == measure.decimals
            assert metric["extension"]["measuringType"][code] == measure.kind.measuring_type
        assert dataset["source"] == "; ".join(s.name.en for s in meta.sources)
        assert dataset["updated"].endswith("Z")
        px = dataset["extension"]["px"]
        assert set(px["heading"]) | set(px["stub"]) == {v.code for v in meta.variables}
        assert px["tableid"] == table_id
        for variable in meta.variables:
            noted = {v.code: [n.text.en for n in v.notes] for v in variable.values if v.notes}
            assert dataset["dimension"][variable.code]["category"].get("note", {}) == noted
        cell_notes = dataset["extension"].get("cellNote", {})
        combos = list(product(*(codes(dataset, v) for v in dataset["id"])))
        expected_notes = {}
        for index, combo in enumerate(combos):
            key = meta.key(dict(zip(dataset["id"], combo, strict=True)))
            texts = [n.text.en for n in meta.notes_for_cell(key)]
            if texts:
                expected_notes[str(index)] = texts
        assert cell_notes == expected_notes
        check_values(dataset, stored_table)
    kinds = {m.kind for s in stored.values() for m in s.meta.measures.values()}
    assert {MeasureKind.FLOW, MeasureKind.STOCK} <= kinds  # the catalog exercises Flow, Stock and Average


# -- output formats ------------------------------------------------------------------------------------

def _whole(meta) -> dict[str, str]:
    return {f"valueCodes[{v.code}]": "*" for v in meta.variables}


def test_csv_with_texts_codes_title_and_separators(client, stored):
    stored_table = stored["shared_transport_daily_uses"]
    meta = stored_table.meta
    plain = data(client, meta.id, lang="en", outputFormat="csv", **_whole(meta))
    assert plain.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(plain.text)))
    measures = list(meta.metric.codes)
    assert rows[0] == [meta.time.label.en, *(meta.metric.value(c).label.en for c in measures)]
    coded = data(client, meta.id, outputFormat="csv", outputFormatParams="UseCodes,IncludeTitle,SeparatorSemicolon",
                 **_whole(meta)).text
    lines = list(csv.reader(io.StringIO(coded), delimiter=";"))
    assert meta.title.zh in lines[0][0]
    assert lines[1] == [meta.time.code, *measures]
    for line in lines[2:]:
        for code, text in zip(measures, line[1:], strict=True):
            cell = stored_table.table.get((line[0], code))
            assert text == (format(cell.value, "f") if cell.value is not None else cell.status.value)
    both = data(client, meta.id, lang="en", outputFormat="csv", outputFormatParams="UseCodesAndTexts",
                **_whole(meta)).text
    first = next(csv.reader(io.StringIO(both)))
    assert first[1] == f"{measures[0]} {meta.metric.value(measures[0]).label.en}"
    tabbed = data(client, meta.id, outputFormat="csv", outputFormatParams="SeparatorTab", **_whole(meta)).text
    assert "\t" in tabbed.splitlines()[0]


def test_xlsx_holds_the_numbers(client, stored):
    stored_table = stored["digital_access_municipalities"]
    meta = stored_table.meta
    answer = data(client, meta.id, lang="en", outputFormat="xlsx", outputFormatParams="UseCodes", **_whole(meta))
    assert answer.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(answer.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    assert header[:2] == ("year", "area")
    measures = header[2:]
    checked = 0
    for row in rows[1:]:
        if row[1] not in meta.variable("area").codes:
            continue
        for code, value in zip(measures, row[2:], strict=True):
            cell = stored_table.table.get((row[0], row[1], code))
            assert Decimal(str(value)) == cell.value
            checked += 1
    assert checked == len(stored_table.table.cells)


class _Cells(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.cells: dict[str, str] = {}
        self.caption = ""
        self._key: str | None = None
        self._in_caption = False

    def handle_starttag(self, tag, attrs):
        if tag == "td":
            self._key = dict(attrs).get("data-key")
            self.cells[self._key] = ""
        self._in_caption = tag == "caption"

    def handle_endtag(self, tag):
        self._key = None
        self._in_caption = False

    def handle_data(self, text):
        if self._key is not None:
            self.cells[self._key] += text
        if self._in_caption:
            self.caption += text


def test_html_is_a_page_with_every_cell(client, stored):
    stored_table = stored["shared_transport_daily_uses"]
    meta = stored_table.meta
    answer = data(client, meta.id, lang="en", outputFormat="html", outputFormatParams="IncludeTitle",
                  **_whole(meta))
    assert answer.headers["content-type"].startswith("text/html")
    parser = _Cells()
    parser.feed(answer.text)
    assert meta.title.en in parser.caption
    assert len(parser.cells) == len(stored_table.table.cells)
    for key, cell in stored_table.table.cells.items():
        text = parser.cells[",".join(key)]
        if cell.value is None:
            assert text == cell.status.value
        else:
            assert Decimal(text.split()[0].replace(",", "")) == cell.value


def test_px_answer_is_a_bilingual_pc_axis_file(client, stored):
    stored_table = stored["shared_transport_daily_uses"]
    meta = stored_table.meta
    answer = data(client, meta.id, lang="en", outputFormat="px", **_whole(meta))
    assert answer.status_code == 200
    text = answer.content.decode("utf-8")
    assert text.startswith('CHARSET="ANSI";')
    for keyword in ('CODEPAGE="utf-8";', 'LANGUAGE="en";', 'LANGUAGES="en","zh";', "STUB=", "STUB[zh]=",
                    "HEADING=", "CONTVARIABLE=", "TIMEVAL(", "TLIST(A1)", "SOURCE=", "SOURCE[zh]=",
                    "DATASYMBOLNIL=", "\nDATA=\n"):
        assert keyword in text, keyword
    for code in meta.metric.codes:
        label = meta.metric.value(code).label
        assert f'UNITS("{label.en}")="{meta.measures[code].unit.en}";' in text
        assert f'UNITS[zh]("{label.zh}")="{meta.measures[code].unit.zh}";' in text
    for note in meta.notes:
        assert note.text.en in text and note.text.zh in text
    data_part = text.split("\nDATA=\n", 1)[1]
    symbols = {cell.status for cell in stored_table.table.cells.values()}
    assert ('".."' in data_part) == (Status.NOT_AVAILABLE in symbols)
    assert ('"-"' in data_part) == (Status.NIL in symbols)
    assert data_part.rstrip().endswith(";")


def test_output_formats_of_an_unknown_kind_are_refused(client):
    answer = data(client, "taipei_free_usage", outputFormat="sdmx")
    assert answer.status_code == 400
    assert "sdmx" in answer.json()["detail"]
    both = data(client, "taipei_free_usage", outputFormat="csv", outputFormatParams="UseCodes,UseTexts")
    assert both.status_code == 400
    assert "cannot be combined" in both.json()["detail"]
    empty = data(client, "taipei_free_usage", outputFormat="")
    assert empty.status_code == 400 and "empty" in empty.json()["detail"]


# -- the table list ------------------------------------------------------------------------------------

def test_tables_search_filters_and_pages(client, stored):
    everything = client.get("/tables", params={"pageSize": 100}).json()
    assert everything["page"]["totalElements"] == len(stored)
    assert everything["language"] == "zh-TW"
    wifi = client.get("/tables", params={"query": "Wi-Fi", "lang": "en"}).json()
    expected = sorted(t for t, s in stored.items()
                      if any("wi-fi" in text.lower() for text in (s.meta.title.en, *s.meta.aliases)))
    assert sorted(t["id"] for t in wifi["tables"]) == expected and expected
    chinese = client.get("/tables", params={"query": "免費無線上網"}).json()
    assert "taipei_free_usage" in [t["id"] for t in chinese["tables"]]
    assert client.get("/tables", params={"pastDays": 1}).json()["page"]["totalElements"] == len(stored)
    assert client.get("/tables", params={"pastDays": 10**9}).json()["page"]["totalElements"] == len(stored)
    with_discontinued = client.get("/tables", params={"includeDiscontinued": "true"}).json()
    assert with_discontinued["page"]["totalElements"] == len(stored)
    page_size = 5
    first = client.get("/tables", params={"pageSize": page_size, "lang": "en"}).json()
    pages = -(-len(stored) // page_size)
    assert first["page"] | {"links": None} == {"pageNumber": 1, "pageSize": page_size,
                                               "totalElements": len(stored), "totalPages": pages, "links": None}
    rels = {link["rel"]: link["href"] for link in first["page"]["links"]}
    assert {"next", "last"} <= set(rels)
    last = httpx.get(rels["last"]).json()
    assert last["page"]["pageNumber"] == pages
    seen = [t["id"] for n in range(1, pages + 1)
            for t in client.get("/tables", params={"pageSize": page_size, "pageNumber": n}).json()["tables"]]
    assert sorted(seen) == sorted(stored)
    beyond = client.get("/tables", params={"pageSize": page_size, "pageNumber": pages + 1})
    assert beyond.status_code == 200 and beyond.json()["tables"] == []
    assert beyond.json()["page"]["totalPages"] == pages


def test_one_table_describes_itself(client, stored):
    stored_table = stored["shared_transport_fleet"]
    meta = stored_table.meta
    table = client.get(f"/tables/{meta.id}", params={"lang": "en"}).json()
    years = sorted(meta.time.codes)
    assert (table["id"], table["label"], table["firstPeriod"], table["lastPeriod"], table["timeUnit"]) == (
        meta.id, meta.title.en, years[0], years[-1], "Annual")
    assert table["variableNames"] == [v.label.en for v in meta.variables]
    assert table["subjectCode"] == meta.subject
    assert table["paths"][0][0]["id"] == meta.subject
    assert table["source"] == "; ".join(s.name.en for s in meta.sources)
    assert {link["rel"] for link in table["links"]} >= {"self", "alternate", "metadata", "data"}


# -- errors --------------------------------------------------------------------------------------------

def _problem(answer: httpx.Response, status: int, *words: str) -> dict:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["status"] == status and problem["title"] and problem["type"]
    for word in words:
        assert word in problem["detail"], (word, problem["detail"])
    return problem


def test_each_error_is_a_problem_that_says_what_was_wrong(client):
    table = "taipei_free_usage"
    _problem(client.get("/tables/no_such_table"), 404, "no_such_table")
    _problem(data(client, "no_such_table"), 404, "no_such_table")
    _problem(data(client, table, **{"valueCodes[year]": "1850", "valueCodes[measure]": "*"}), 404, "1850", "year")
    _problem(data(client, table, **{"valueCodes[yr]": "*", "valueCodes[measure]": "*"}), 404, "yr")
    _problem(data(client, table, **{"valueCodes[year]": "FROM(1850)", "valueCodes[measure]": "*"}), 404, "1850")
    _problem(client.get(f"/tables/{table}", params={"release": 99}), 404, "release 99")
    _problem(client.get("/codelists/vs_nothing.here"), 404, "vs_nothing.here")
    _problem(data(client, table, **{"valueCodes[year]": "TOP(0)", "valueCodes[measure]": "*"}), 400, "TOP(0)")
    _problem(data(client, table, **{"valueCodes[year]": "TOP(", "valueCodes[measure]": "*"}), 400, "TOP(")
    _problem(data(client, table, **{"valueCodes[year]": "RANGE(2011)", "valueCodes[measure]": "*"}), 400, "RANGE")
    _problem(data(client, table, **{"valueCodes[year]": "2*1", "valueCodes[measure]": "*"}), 400, "2*1")
    _problem(data(client, table, **{"valueCodes[year]": "*"}), 400, "measure")
    _problem(data(client, table, lang="fr"), 400, "fr")
    _problem(data(client, table, heading="year", stub="year"), 400, "year")
    _problem(client.get(f"/tables/{table}/metadata", params={"codelist[][year]": ""}), 400, "nests brackets")
    _problem(client.post(f"/tables/{table}/data", content=b"{not json", headers={"content-type": "application/json"}),
             400)
    not_found = _problem(client.get("/nothing/here/<script>"), 404, "/api/v2")
    assert "nothing" not in not_found["detail"] + not_found["instance"]  # a 404 echoes nothing it was asked
    assert not_found["instance"].startswith("urn:uuid:")


# -- caching and CORS -------------------------------------------------------------------------------------

def test_etag_and_last_modified_revalidate_to_304(client):
    params = {"valueCodes[year]": "TOP(2)", "valueCodes[measure]": "*"}
    for path, query in (("/tables/taipei_free_usage/data", params), ("/tables/taipei_free_usage/metadata", {}),
                        ("/tables", {}), ("/tables/taipei_free_usage", {}), ("/config", {})):
        first = client.get(path, params=query)
        etag = first.headers["etag"]
        assert first.status_code == 200 and etag.startswith('"')
        again = client.get(path, params=query, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.content == b""
        assert again.headers["etag"] == etag
        if "last-modified" in first.headers:
            since = client.get(path, params=query, headers={"If-Modified-Since": first.headers["last-modified"]})
            assert since.status_code == 304
    other = data(client, "taipei_free_usage", **{"valueCodes[year]": "TOP(3)", "valueCodes[measure]": "*"})
    assert other.headers["etag"] != data(client, "taipei_free_usage", **params).headers["etag"]
    stale = client.get("/tables/taipei_free_usage/data", params=params, headers={"If-None-Match": '"other"'})
    assert stale.status_code == 200


def test_large_answers_are_gzipped_for_clients_that_take_it(api_server, stored):
    meta = stored["shared_transport_fleet"].meta
    url = f"{api_server.api}/tables/{meta.id}/data"
    plain = httpx.get(url, params=_whole(meta), headers={"Accept-Encoding": "identity"})
    packed = httpx.get(url, params=_whole(meta), headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in plain.headers
    assert packed.headers["content-encoding"] == "gzip" and "Accept-Encoding" in packed.headers["vary"]
    assert packed.json() == plain.json()
    assert packed.headers["etag"] != plain.headers["etag"]
    again = httpx.get(url, params=_whole(meta), headers={"Accept-Encoding": "gzip",
                                                         "If-None-Match": packed.headers["etag"]})
    assert again.status_code == 304 and again.headers["etag"] == packed.headers["etag"]


def test_a_repeated_query_gets_the_first_answers_bytes_and_headers(api_server, stored):
    """A repeat of a data query is answered from the cached answer before routing (citystat.serve.fast_path): the
    same status, headers and body as the answer the route built, gzipped or not, with CORS, the security headers
    and HEAD as for any answer, and revalidation still to 304."""
    meta = stored["digital_access_national"].meta
    url = f"{api_server.api}/tables/{meta.id}/data"
    query = {**_whole(meta), "lang": "en", "stub": "year"}  # a URL no other test asks for: built here first
    varying = ("date", "content-length")
    with httpx.Client() as fresh:
        for encoding in ("identity", "gzip"):
            headers = {"Accept-Encoding": encoding, "Origin": "https://example.org"}
            first, again = (fresh.get(url, params=query, headers=headers) for _ in range(2))
            assert first.status_code == again.status_code == 200
            assert first.content == again.content and first.headers["etag"] == again.headers["etag"]
            assert ({k: v for k, v in first.headers.items() if k not in varying}
                    == {k: v for k, v in again.headers.items() if k not in varying})
            assert again.headers["access-control-allow-origin"] == "*"
            assert again.headers["x-content-type-options"] == "nosniff"
            head = fresh.head(url, params=query, headers=headers)
            assert head.status_code == 200 and head.content == b"" and head.headers["etag"] == first.headers["etag"]
            unchanged = fresh.get(url, params=query, headers={**headers, "If-None-Match": first.headers["etag"]})
            assert unchanged.status_code == 304
        assert first.headers["content-encoding"] == "gzip"


def test_cors_allows_get(client):
    answer = client.get("/tables", headers={"Origin": "https://example.org"})
    assert answer.headers["access-control-allow-origin"] == "*"
    preflight = client.options("/tables/taipei_free_usage/data", headers={
        "Origin": "https://example.org", "Access-Control-Request-Method": "GET"})
    assert preflight.status_code == 200
    assert "GET" in preflight.headers["access-control-allow-methods"]


def test_docs_and_openapi(api_server):
    docs = httpx.get(api_server.url + "/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    loaded = re.findall(r'(?:src|href)="([^"]+)"', docs.text)  # Swagger UI comes from the package, not a CDN
    assert len(loaded) >= 3 and all(url.startswith("/docs/assets/") for url in loaded), loaded
    assert all(httpx.get(api_server.url + url).status_code == 200 for url in loaded)
    assert httpx.get(api_server.url + "/docs/assets/oauth2-redirect.html").status_code == 404  # only what it uses
    spec = httpx.get(api_server.url + "/openapi.json").json()
    for path in ("/api/v2/config", "/api/v2/tables", "/api/v2/tables/{id}", "/api/v2/tables/{id}/metadata",
                 "/api/v2/tables/{id}/defaultselection", "/api/v2/tables/{id}/data", "/api/v2/codelists/{id}"):
        assert path in spec["paths"], path
    assert set(spec["paths"]["/api/v2/tables/{id}/data"]) == {"get", "post"}


def test_config_announces_languages_limits_formats_and_the_release_extension(client):
    config = client.get("/config").json()
    assert config["apiVersion"] == "2.0"
    assert [lang["id"] for lang in config["languages"]] == ["zh-TW", "en"]
    assert config["defaultLanguage"] == "zh-TW"
    assert config["maxDataCells"] >= 1
    assert config["dataFormats"] == ["json-stat2", "csv", "xlsx", "px", "html", "json-px", "parquet"]
    assert config["license"] and config["sourceReferences"]
    assert "release" in {feature["id"] for feature in config["features"]}

