"""The json-px and Parquet answers, from the same writer registry as the others.

Parquet is read back by pandas, DuckDB and polars, and each must give the stored cells exactly: codes,
labels, values and statuses. Every expectation is computed from the store the server reads.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from decimal import Decimal
from itertools import product
from pathlib import Path

import duckdb
import httpx
import pandas as pd
import pytest

from citystat.formats import registry
from citystat.formats.display import value_label
from citystat.model import Role
from citystat.store import Store, StoredTable

# tables with estimates, nil and missing cells among them, and one with three variables
TABLES = ("taipei_free_usage", "digital_access_municipalities", "open_data_platform", "shared_transport_fleet")


@pytest.fixture(scope="module")
def stored(built_db) -> dict[str, StoredTable]:
    with Store(built_db, read_only=True) as store:
        return {s.table.id: s for s in store.latest()}


@pytest.fixture(scope="module")
def client(api_server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=api_server.api, timeout=30) as opened:
        yield opened


def whole(stored_table: StoredTable) -> dict[str, str]:
    return {f"valueCodes[{v.code}]": "*" for v in stored_table.meta.variables}


def expected_rows(stored_table: StoredTable, lang: str) -> list[tuple]:
    """(code, label of each variable..., value, status) of every cell, in the order of the variables."""
    meta = stored_table.meta
    rows = []
    for key in product(*(v.codes for v in meta.variables)):
        cell = stored_table.table.get(key)
        pairs = [(c, value_label(meta, v, v.value(c), lang)) for v, c in zip(meta.variables, key, strict=True)]
        rows.append((*(item for pair in pairs for item in pair), cell.value, cell.status.value))
    return rows


def _columns(stored_table: StoredTable) -> list[str]:
    return [*(name for v in stored_table.meta.variables for name in (v.code, f"{v.code}_label")), "value", "status"]


def _decimal(value) -> Decimal | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    return Decimal(str(value))


def test_the_registry_is_what_config_and_the_api_offer(client):
    assert client.get("/config").json()["dataFormats"] == list(registry.names())
    assert {"json-px", "parquet"} <= set(registry.names())
    for name, writer in registry.WRITERS.items():
        answer = client.get("/tables/taipei_free_usage/data", params={"outputFormat": name})
        assert answer.status_code == 200, (name, answer.text)
        assert answer.headers["content-type"] == writer.media_type, name


@pytest.mark.parametrize("table_id", TABLES)
def test_parquet_equals_the_store_cell_for_cell_in_pandas_duckdb_and_polars(client, stored, table_id, tmp_path):
    stored_table = stored[table_id]
    for lang in ("zh-TW", "en"):
        answer = client.get(f"/tables/{table_id}/data",
                            params={**whole(stored_table), "outputFormat": "parquet", "lang": lang})
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"] == "application/vnd.apache.parquet"
        expected = expected_rows(stored_table, lang)
        columns = _columns(stored_table)
        n = len(stored_table.meta.variables)

        frame = pd.read_parquet(io.BytesIO(answer.content))
        assert list(frame.columns) == columns
        got = [tuple(row[: 2 * n]) + (_decimal(row[2 * n]), row[2 * n + 1])
               for row in frame.itertuples(index=False, name=None)]
        assert got == expected, ("pandas", lang)

        path = Path(tmp_path) / f"{table_id}.{lang}.parquet"
        path.write_bytes(answer.content)
        with duckdb.connect() as connection:
            fetched = connection.execute(f"SELECT * FROM read_parquet('{path}')").fetchall()
        assert [tuple(row[: 2 * n]) + (_decimal(row[2 * n]), row[2 * n + 1]) for row in fetched] == expected, "duckdb"

        polars = pytest.importorskip("polars")
        rows = polars.read_parquet(io.BytesIO(answer.content)).rows()
        assert [tuple(row[: 2 * n]) + (_decimal(row[2 * n]), row[2 * n + 1]) for row in rows] == expected, "polars"


def test_parquet_carries_only_the_selection_and_says_what_it_is(client, stored):
    stored_table = stored["taipei_free_usage"]
    import pyarrow.parquet as pq

    answer = client.get("/tables/taipei_free_usage/data",
                        params={"valueCodes[year]": "TOP(2)", "valueCodes[measure]": "*", "outputFormat": "parquet",
                                "lang": "en"})
    table = pq.read_table(io.BytesIO(answer.content))
    latest = sorted(stored_table.meta.time.codes)[-2:]
    assert sorted(set(table.column("year").to_pylist())) == latest
    assert table.num_rows == 2 * len(stored_table.meta.metric.values)
    metadata = {k.decode(): v.decode() for k, v in (table.schema.metadata or {}).items()}
    assert metadata["citystat.table"] == "taipei_free_usage"
    assert metadata["citystat.language"] == "en"
    assert metadata["citystat.title"] == stored_table.meta.title.en
    assert int(metadata["citystat.release"]) == stored_table.release.release


@pytest.mark.parametrize("table_id", TABLES)
def test_json_px_holds_every_cell_by_its_key(client, stored, table_id):
    stored_table = stored[table_id]
    meta = stored_table.meta
    answer = client.get(f"/tables/{table_id}/data",
                        params={**whole(stored_table), "outputFormat": "json-px", "lang": "en"})
    assert answer.status_code == 200, answer.text
    document = answer.json()
    dimensions = [c for c in document["columns"] if c["type"] in ("d", "t")]
    measures = [c for c in document["columns"] if c["type"] == "c"]
    assert [c["code"] for c in measures] == list(meta.metric.codes)
    assert {c["code"] for c in dimensions} == {v.code for v in meta.variables if v.role is not Role.METRIC}
    assert [c["code"] for c in dimensions if c["type"] == "t"] == [meta.time.code]
    expected_rows = 1
    for v in meta.variables:
        expected_rows *= 1 if v.role is Role.METRIC else len(v.values)
    assert len(document["data"]) == expected_rows
    for row in document["data"]:
        coordinates = dict(zip((c["code"] for c in dimensions), row["key"], strict=True))
        for measure, text, status in zip(measures, row["values"], row["status"], strict=True):
            cell = stored_table.table.get(meta.key({**coordinates, meta.metric.code: measure["code"]}))
            assert status == cell.status.value
            if cell.value is None:
                assert text == (cell.status.value or "..")
            else:
                assert Decimal(text) == cell.value
    assert document["metadata"][0]["infofile"] == table_id
    assert document["metadata"][0]["label"] == meta.title.en


@pytest.mark.slow
def test_citystat_show_writes_the_registrys_formats_as_the_api_does(client, built_db, tmp_path):
    import subprocess
    import sys

    repo = Path(__file__).resolve().parents[1]
    env = {"PYTHONPATH": str(repo / "src"), "PATH": "/usr/bin:/bin"}

    def show(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-c", "from citystat.cli import main; main()", "show", "cooc_cloud",
                               "--db", str(built_db), "--lang", "en", *args],
                              capture_output=True, text=True, env=env, timeout=120)

    out = tmp_path / "cooc.parquet"
    assert show("--output-format", "parquet", "--out", str(out)).returncode == 0
    api = client.get("/tables/cooc_cloud/data", params={"valueCodes[year]": "*", "valueCodes[measure]": "*",
                                                         "outputFormat": "parquet", "lang": "en"})
    pd.testing.assert_frame_equal(pd.read_parquet(out), pd.read_parquet(io.BytesIO(api.content)))
    json_px = show("--output-format", "json-px")
    assert json_px.returncode == 0 and json.loads(json_px.stdout)["data"] == client.get(
        "/tables/cooc_cloud/data", params={"valueCodes[year]": "*", "valueCodes[measure]": "*",
                                           "outputFormat": "json-px", "lang": "en"}).json()["data"]
    refused = show("--output-format", "sdmx")
    assert refused.returncode == 2 and "json-px" in refused.stderr


def test_citystat_writers_lists_the_registry():
    from typer.testing import CliRunner

    from citystat.cli import app

    result = CliRunner().invoke(app, ["writers"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    for writer in registry.WRITERS.values():
        assert any(writer.name in line and writer.media_type in line for line in lines), writer.name
