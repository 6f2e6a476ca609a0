"""Saved queries over HTTP, on a server of its own over a copy of the database.

A saved query is read back in every output format; one that asks for the latest periods follows new
releases while a release-pinned one does not; and the size and count limits refuse a save without the
saved-query file growing.
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from decimal import Decimal
from itertools import product
from pathlib import Path

import duckdb
import httpx
import pandas as pd
import pytest
from pxweb import PxApi

from citystat.catalog import TABLES_DIR
from citystat.catalog.tablefile import read_table
from citystat.formats import registry
from citystat.store import Store
from citystat.store.saved_queries import saved_queries_path

TABLE = "cooc_cloud"
MAX_COUNT = 6  # the tests before the limits' own (the last) save five
MAX_BYTES = 2_000


@pytest.fixture(scope="module")
def server(built_db, tmp_path_factory, serve_database):
    db = tmp_path_factory.mktemp("savedqueries") / "citystat.duckdb"
    shutil.copy(built_db, db)
    return serve_database(db, env={"CITYSTAT_SAVED_QUERIES": f"{MAX_COUNT},{MAX_BYTES},30",
                                   "CITYSTAT_RATE_LIMIT": "off"})


@pytest.fixture(scope="module")
def client(server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.api, timeout=30) as opened:
        yield opened


def save(client: httpx.Client, table_id: str, selection: list[dict], **extra) -> httpx.Response:
    body = {"tableId": table_id, "language": "en", "selection": {"selection": selection}, **extra}
    return client.post("/savedqueries", json=body)


def latest_two() -> list[dict]:
    return [{"variableCode": "year", "valueCodes": ["TOP(2)"]}, {"variableCode": "measure", "valueCodes": ["*"]}]


def years(dataset: dict) -> list[str]:
    index = dataset["dimension"]["year"]["category"]["index"]
    return sorted(index, key=index.get)


def test_a_saved_query_is_read_back_in_every_output_format(server, client, tmp_path):
    created = save(client, "digital_access_municipalities",
                   [{"variableCode": "year", "valueCodes": ["*"]}, {"variableCode": "area", "valueCodes": ["*"]},
                    {"variableCode": "measure", "valueCodes": ["*"]}],
                   outputFormat="csv", outputFormatParams=["UseCodes"])
    assert created.status_code == 201, created.text
    answer = created.json()
    query_id = answer["id"]
    assert created.headers["location"].endswith(f"/savedqueries/{query_id}")
    assert answer["savedQuery"]["tableId"] == "digital_access_municipalities"
    assert answer["savedQuery"]["outputFormat"] == "csv"
    assert client.get(f"/savedqueries/{query_id}").json() == answer

    # its own format unless another is asked for
    own = client.get(f"/savedqueries/{query_id}/data")
    assert own.headers["content-type"].startswith("text/csv")
    assert own.text.splitlines()[0].split(",")[0] == "year"  # UseCodes was saved with it
    with Store(server.db, read_only=True) as store:
        stored = store.read("digital_access_municipalities")
    for name, writer in registry.WRITERS.items():
        got = client.get(f"/savedqueries/{query_id}/data", params={"outputFormat": name})
        assert got.status_code == 200, (name, got.text)
        assert got.headers["content-type"] == writer.media_type, name
        assert got.content, name
    dataset = client.get(f"/savedqueries/{query_id}/data", params={"outputFormat": "json-stat2"}).json()
    for index, key in enumerate(product(*(stored.meta.variable(v).codes for v in dataset["id"]))):
        cell = stored.table.get(stored.meta.key(dict(zip(dataset["id"], key, strict=True))))
        got = dataset["value"][index]
        assert (None if got is None else Decimal(str(got))) == cell.value
    parquet = client.get(f"/savedqueries/{query_id}/data", params={"outputFormat": "parquet"}).content
    frame = pd.read_parquet(io.BytesIO(parquet))
    assert len(frame) == len(list(stored.meta.cell_keys()))
    for row in frame.itertuples(index=False):
        cell = stored.table.get((row.year, row.area, row.measure))
        assert (None if row.value is None else Decimal(row.value)) == cell.value
        assert row.status == cell.status.value
    (tmp_path / "saved.parquet").write_bytes(parquet)
    with duckdb.connect() as connection:
        rows = connection.execute("SELECT year, area, measure, value, status FROM read_parquet(?)",
                                  [str(tmp_path / "saved.parquet")]).fetchall()
    assert len(rows) == len(frame)
    for year, area, measure, value, status in rows:
        cell = stored.table.get((year, area, measure))
        assert (value, status) == (cell.value, cell.status.value)

    # pxwebpy (which has no saved-query call) asked for the codes the saved query selects gets the same values
    selected = client.get(f"/savedqueries/{query_id}/selection").json()["selection"]
    api = PxApi(server.api, language="en")
    rows = api.get_table_data("digital_access_municipalities",
                              value_codes={item["variableCode"]: item["valueCodes"] for item in selected}, show="code")
    assert sorted(float(r["value"]) for r in rows if r["value"] is not None) == sorted(
        float(v) for v in dataset["value"] if v is not None)


def test_latest_periods_follow_new_releases_and_a_pinned_query_stays(server, client, tmp_path):
    latest = save(client, TABLE, latest_two())
    assert latest.status_code == 201, latest.text
    first_release = client.get(f"/tables/{TABLE}").json()["release"]
    pinned = save(client, TABLE, latest_two(), release=first_release)
    assert pinned.status_code == 201 and pinned.json()["id"] != latest.json()["id"]
    latest_url = f"/savedqueries/{latest.json()['id']}"
    pinned_url = f"/savedqueries/{pinned.json()['id']}"
    assert years(client.get(latest_url + "/data").json()) == ["2020", "2021"]
    before_pinned = client.get(pinned_url + "/data").json()
    assert years(before_pinned) == ["2020", "2021"]

    # a new release with 2022 arrives while the server runs
    meta_text = (TABLES_DIR / f"{TABLE}.yaml").read_text(encoding="utf-8")
    meta_text = meta_text.replace("  - code: measure\n", '      - "2022"\n  - code: measure\n', 1)
    values = (TABLES_DIR / f"{TABLE}.csv").read_text(encoding="utf-8")
    values += "2022,courses,200000,\n2022,page_views,50000000,\n"
    (tmp_path / "t.yaml").write_text(meta_text, encoding="utf-8")
    (tmp_path / "t.csv").write_text(values, encoding="utf-8")
    with Store(server.db) as store:
        store.load(read_table(tmp_path / "t.csv", tmp_path / "t.yaml"), origin="test")

    now = client.get(latest_url + "/data").json()
    assert years(now) == ["2021", "2022"]
    assert client.get(latest_url + "/selection").json()["selection"][0] == {"variableCode": "year",
                                                                           "valueCodes": ["2021", "2022"]}
    assert client.get(pinned_url + "/data").json()["value"] == before_pinned["value"]
    assert years(client.get(pinned_url + "/data").json()) == ["2020", "2021"]
    assert client.get(pinned_url + "/selection").json()["selection"][0]["valueCodes"] == ["2020", "2021"]


def test_saves_that_do_not_fit_are_refused_with_a_problem(client):
    unknown = save(client, "no_such_table", latest_two())
    assert unknown.status_code == 400 and "no_such_table" in unknown.json()["detail"]
    wrong_value = save(client, TABLE, [{"variableCode": "year", "valueCodes": ["1850"]},
                                       {"variableCode": "measure", "valueCodes": ["*"]}])
    assert wrong_value.status_code == 400 and "1850" in wrong_value.json()["detail"]
    assert save(client, TABLE, latest_two(), outputFormat="sdmx").status_code == 400
    for body in (b"{nope", b"[null, null]", b"", b'"text"'):
        refused = client.post("/savedqueries", content=body, headers={"content-type": "application/json"})
        assert refused.status_code == 400, (body, refused.text)
    missing = client.get("/savedqueries/doesnotexist")
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"
    assert client.get("/savedqueries/doesnotexist/data").status_code == 404


def test_the_table_page_saves_its_selection_and_shows_the_link_and_api_url(server):
    import tinyhtml5

    with httpx.Client(base_url=server.url, timeout=30) as site:
        page = tinyhtml5.parse(site.get(f"/tables/{TABLE}", params={"lang": "en"}).text)
        ns = {"h": "http://www.w3.org/1999/xhtml"}
        form = page.find(".//h:form[@class='save-form']", ns)
        assert form is not None and form.get("method") == "post"
        fields = {i.get("name"): i.get("value") for i in form.iterfind(".//h:input[@type='hidden']", ns)}
        assert fields["lang"] == "en"
        offered = [i.get("value") for i in form.iterfind(".//h:input[@name='latest']", ns)]
        assert "2" in offered
        formats = [o.get("value") for o in form.iterfind(".//h:select[@name='outputFormat']/h:option", ns)]
        assert {"csv", "parquet", "json-px"} <= set(formats)

        answer = site.post(form.get("action"), data={**fields, "latest": "2", "outputFormat": "csv"},
                           follow_redirects=True)
        assert answer.status_code == 200, answer.text
        shown = tinyhtml5.parse(answer.text)
        api_url = shown.find(".//h:a[@class='saved-api-url']", ns).get("href")
        link = shown.find(".//h:a[@class='saved-link']", ns).get("href")
        saved = httpx.get(api_url, timeout=30).json()
        assert saved["savedQuery"]["tableId"] == TABLE and saved["savedQuery"]["outputFormat"] == "csv"
        assert saved["savedQuery"]["selection"]["selection"][0]["valueCodes"] == ["TOP(2)"]
        assert f"saved={saved['id']}" in link and httpx.get(link, timeout=30).status_code == 200
        twin = site.get(f"/tables/{TABLE}.json", params={"lang": "en", "saved": saved["id"]}).json()
        assert twin["saved"]["api_url"] == api_url
        data = httpx.get(shown.find(".//h:a[@class='saved-data-url']", ns).get("href"), timeout=30)
        assert data.headers["content-type"].startswith("text/csv") and len(data.text.splitlines()) == 3
        assert site.get(f"/tables/{TABLE}", params={"saved": "nothing"}).status_code == 404


def _state(path: Path) -> tuple[int, int]:
    """(bytes of the file and its write-ahead log, number of saved queries). The bytes may shrink between two
    looks (closing the last connection checkpoints the log into the file), so a refusal is checked as "no more
    queries and no more bytes", not as "the same bytes"."""
    import sqlite3

    size = sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())
    with sqlite3.connect(path) as connection:
        (count,) = connection.execute("SELECT count(*) FROM saved_query").fetchone()
    return size, count



def test_saved_queries_expire_and_make_room(tmp_path):
    from datetime import UTC, datetime, timedelta

    from citystat.store.saved_queries import SavedQueryLimits, SavedQueryRefused, SavedQueryStore

    store = SavedQueryStore(tmp_path / "q.sqlite", SavedQueryLimits(max_count=2, max_bytes=500, days=30))
    start = datetime(2026, 1, 1, tzinfo=UTC)
    first = store.save("t", {"n": 1}, now=start)
    assert store.save("t", {"n": 1}, now=start + timedelta(days=10)).id == first.id  # the same query, renewed
    store.save("t", {"n": 2}, now=start)
    with pytest.raises(SavedQueryRefused):
        store.save("t", {"n": 3}, now=start + timedelta(days=1))
    assert store.get(first.id, now=start + timedelta(days=39)) is not None  # renewed on day 10: 30 days from then
    assert store.get(first.id, now=start + timedelta(days=41)) is None
    store.save("t", {"n": 3}, now=start + timedelta(days=41))  # the expired ones went, so there is room
    assert store.count() == 1
    with pytest.raises(SavedQueryRefused, match="500"):
        store.save("t", {"n": "x" * 600}, now=start)


def test_metadata_applies_a_saved_query_as_pxweb_asks_with_saved_query(client):
    created = save(client, "digital_access_municipalities",
                   [{"variableCode": "year", "valueCodes": ["*"]},
                    {"variableCode": "area", "valueCodes": ["taipei", "national"]},
                    {"variableCode": "measure", "valueCodes": ["internet"]}])
    assert created.status_code == 201, created.text
    query_id = created.json()["id"]
    meta = client.get("/tables/digital_access_municipalities/metadata", params={"savedQuery": query_id}).json()
    index = meta["dimension"]["area"]["category"]["index"]
    assert set(index) == {"taipei", "national"}
    assert list(meta["dimension"]["measure"]["category"]["index"]) == ["internet"]
    other = client.get(f"/tables/{TABLE}/metadata", params={"savedQuery": query_id})
    assert other.status_code == 400 and "digital_access_municipalities" in other.json()["detail"]
    assert client.get(f"/tables/{TABLE}/metadata", params={"savedQuery": "nothing"}).status_code == 404


def _no_growth(now: tuple[int, int], before: tuple[int, int]) -> bool:
    return now[1] == before[1] and now[0] <= before[0]


def test_the_size_and_count_limits_refuse_without_the_store_growing(server, client):
    path = saved_queries_path(server.db)
    # one over the size limit: refused before anything is written
    huge = [{"variableCode": "year", "valueCodes": ["*"] + ["RANGE(2017,2021)"] * 200},
            {"variableCode": "measure", "valueCodes": ["*"]}]
    before = _state(path)
    too_large = save(client, TABLE, huge)
    assert too_large.status_code == 413, too_large.text
    assert "2,000" in too_large.json()["detail"]
    assert _no_growth(_state(path), before)

    # fill the store to its count, then one more is refused and nothing changes
    probe = [{"variableCode": "year", "valueCodes": ["TOP(3)"]}, {"variableCode": "measure", "valueCodes": ["*"]}]
    assert save(client, TABLE, probe).status_code == 201
    made = 0
    for offset in range(MAX_COUNT + 2):
        answer = save(client, TABLE, [{"variableCode": "year", "valueCodes": [f"TOP(1,{offset})"]},
                                      {"variableCode": "measure", "valueCodes": ["*"]}])
        if answer.status_code == 201:
            made += 1
            continue
        assert answer.status_code == 403 and answer.json()["type"].endswith("saved-query-full"), answer.text
        break
    else:
        pytest.fail("the count limit never refused a save")
    full = _state(path)
    assert full[1] == MAX_COUNT
    refused = save(client, TABLE, [{"variableCode": "year", "valueCodes": ["TOP(1,4)"]},
                                   {"variableCode": "measure", "valueCodes": ["courses"]}])
    assert refused.status_code == 403
    assert _no_growth(_state(path), full)
    # saving a query that is already kept is no new query, so it is still answered
    assert save(client, TABLE, probe).status_code == 201
    assert _state(path)[1] == MAX_COUNT
