"""Administration and the cell limit, on a server of its own over a copy of the database.

Loading goes through the same checked, transactional path as `citystat load`, while the server keeps
answering queries from its read-only side; earlier releases stay readable with release=N.
"""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Iterator
from decimal import Decimal

import httpx
import pandas as pd
import pytest
import yaml
from pxweb import PxApi

from citystat.catalog import TABLES_DIR
from citystat.store import Store

TOKEN = "test-admin-token"
LIMIT = 20
TABLE = "shared_transport_fleet"


@pytest.fixture(scope="module")
def admin_server(built_db, tmp_path_factory, serve_database):
    db = tmp_path_factory.mktemp("admin") / "citystat.duckdb"
    shutil.copy(built_db, db)
    return serve_database(db, "--max-data-cells", str(LIMIT), env={"CITYSTAT_ADMIN_TOKEN": TOKEN})


@pytest.fixture(scope="module")
def admin(admin_server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=admin_server.api, timeout=30,
                      headers={"Authorization": f"Bearer {TOKEN}"}) as client:
        yield client


def table_file(table_id: str) -> tuple[str, str]:
    return ((TABLES_DIR / f"{table_id}.yaml").read_text(encoding="utf-8"),
            (TABLES_DIR / f"{table_id}.csv").read_text(encoding="utf-8"))


def changed_values(values: str, year: str, measure: str, delta: int) -> tuple[str, Decimal]:
    rows = list(csv.DictReader(io.StringIO(values)))
    for row in rows:
        if row["year"] == year and row["measure"] == measure:
            row["value"] = str(Decimal(row["value"]) + delta)
            new = Decimal(row["value"])
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue(), new


def value_of(client: httpx.Client, year: str, measure: str, **params: str) -> float:
    answer = client.get(f"/tables/{TABLE}/data", params={"valueCodes[year]": year, "valueCodes[measure]": measure,
                                                          **params})
    assert answer.status_code == 200, answer.text
    return answer.json()["value"][0]


def test_admin_needs_the_token(admin_server, api_server):
    with httpx.Client(base_url=admin_server.api, timeout=30) as anonymous:
        for method, path in (("GET", "/admin/releases"), ("GET", f"/admin/tables/{TABLE}/releases"),
                             ("POST", "/admin/tables")):
            answer = anonymous.request(method, path, json={"meta": "x", "values": "y"})
            assert answer.status_code == 401, answer.text
            assert answer.headers["content-type"] == "application/problem+json"
            assert answer.headers["www-authenticate"].startswith("Bearer")
            wrong = anonymous.request(method, path, json={}, headers={"Authorization": "Bearer not-the-token"})
            assert wrong.status_code == 401
    disabled = httpx.get(api_server.api + "/admin/releases", headers={"Authorization": f"Bearer {TOKEN}"})
    assert disabled.status_code == 403
    assert "CITYSTAT_ADMIN_TOKEN" in disabled.json()["detail"]


def test_loading_a_table_file_makes_a_release_and_earlier_ones_stay_readable(admin, admin_server):
    before = admin.get(f"/admin/tables/{TABLE}/releases").json()["releases"]
    old = value_of(admin, "2021", "bikes")
    old_etag = admin.get(f"/tables/{TABLE}/data", params={"valueCodes[year]": "2021",
                                                           "valueCodes[measure]": "bikes"}).headers["etag"]
    meta, values = table_file(TABLE)
    new_values, new = changed_values(values, "2021", "bikes", 7)
    loaded = admin.post("/admin/tables", json={"meta": meta, "values": new_values, "origin": "test"})
    assert loaded.status_code == 201, loaded.text
    release = loaded.json()["release"]
    assert release == before[-1]["release"] + 1 and loaded.json()["created"] is True
    assert value_of(admin, "2021", "bikes") == float(new)
    assert value_of(admin, "2021", "bikes", release=str(before[-1]["release"])) == old
    newer = admin.get(f"/tables/{TABLE}/data", params={"valueCodes[year]": "2021", "valueCodes[measure]": "bikes"})
    assert newer.headers["etag"] != old_etag
    assert admin.get(f"/tables/{TABLE}").json()["release"] == release
    listed = admin.get("/admin/releases").json()
    assert [r["release"] for t in listed["tables"] if t["id"] == TABLE for r in t["releases"]] == [
        *(r["release"] for r in before), release]
    again = admin.post("/admin/tables", json={"meta": meta, "values": new_values})
    assert again.status_code == 200 and again.json()["created"] is False
    with Store(admin_server.db, read_only=True) as store:  # the file itself holds the release
        assert store.read(TABLE).table.cell(year="2021", measure="bikes").value == new


def test_a_table_file_with_problems_is_refused_whole(admin):
    before = admin.get(f"/admin/tables/{TABLE}/releases").json()["releases"]
    meta, values = table_file(TABLE)
    broken = values.replace("2021,bikes,", "2021,bikes,-", 1)
    answer = admin.post("/admin/tables", json={"meta": meta, "values": broken})
    assert answer.status_code == 400
    problem = answer.json()
    assert problem["problems"] and all("message" in p for p in problem["problems"])
    assert "nothing was loaded" in problem["detail"]
    not_yaml = admin.post("/admin/tables", json={"meta": "id: [unclosed", "values": values})
    assert not_yaml.status_code == 400
    assert admin.get(f"/admin/tables/{TABLE}/releases").json()["releases"] == before


def test_a_discontinued_table_is_listed_only_when_asked(admin):
    meta, values = table_file("cooc_cloud")
    raw = yaml.safe_load(meta)
    raw["id"] = "cooc_cloud_old"
    raw["discontinued"] = True
    answer = admin.post("/admin/tables", json={"meta": raw, "values": values})
    assert answer.status_code == 201, answer.text
    default = [t["id"] for t in admin.get("/tables", params={"pageSize": 100}).json()["tables"]]
    included = admin.get("/tables", params={"pageSize": 100, "includeDiscontinued": "true"}).json()["tables"]
    assert "cooc_cloud_old" not in default
    assert "cooc_cloud_old" in [t["id"] for t in included]
    assert next(t for t in included if t["id"] == "cooc_cloud_old")["discontinued"] is True


def test_the_cell_limit(admin, admin_server):
    assert admin.get("/config").json()["maxDataCells"] == LIMIT
    whole = {"valueCodes[year]": "*", "valueCodes[measure]": "*"}
    answer = admin.get(f"/tables/{TABLE}/data", params=whole)
    assert answer.status_code == 403
    assert answer.headers["content-type"] == "application/problem+json"
    with Store(admin_server.db, read_only=True) as store:
        cells = len(store.read(TABLE).table.cells)
    assert f"{cells:,} cells" in answer.json()["detail"] and f"{LIMIT:,}" in answer.json()["detail"]
    posted = admin.post(f"/tables/{TABLE}/data", json={"selection": [
        {"variableCode": "year", "valueCodes": ["*"]}, {"variableCode": "measure", "valueCodes": ["*"]}]})
    assert posted.status_code == 403
    assert admin.get(f"/tables/{TABLE}/data", params={"valueCodes[year]": "TOP(5)",
                                                       "valueCodes[measure]": "*"}).status_code == 200
    # pxwebpy reads maxDataCells from /config and splits its query: it still gets every cell.
    frame = pd.DataFrame(PxApi(admin_server.api, language="en", disable_cache=True)
                         .get_table_data_all(TABLE, show="code"))
    assert len(frame) == cells
