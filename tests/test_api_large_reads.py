"""Large reads (issue 14): a selection past the streaming threshold is sent as it is written, with the bytes of
the same answer built whole, through a real `citystat serve` on 127.0.0.1 over a generated table.

The million-cell case is benchmarks/bench_large_reads.py; here 64,000 cells stand for it (past the 50,000 from
which answers are streamed).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from citystat.catalog.tablefile import read_table
from citystat.serve.app import create_app
from citystat.serve.pxweb import ApiSettings
from citystat.store import Store

from .conftest import RunningServer
from .large_tables import TABLE_ID, write_large_table

pytestmark = pytest.mark.slow  # a 64,000-cell table, a server, every format: about 10 s

STATIONS, DAYS = 128, 250  # x 2 measures = 64,000 cells
CELLS = STATIONS * DAYS * 2
EVERY_CELL = {"valueCodes[station]": "*", "valueCodes[day]": "*", "valueCodes[measure]": "*"}
FORMATS = ("json-stat2", "csv", "px", "xlsx", "parquet")


@pytest.fixture(scope="module")
def large_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("large_reads")
    data, meta = write_large_table(folder, STATIONS, DAYS)
    path = folder / "large.duckdb"
    with Store(path) as store:
        store.load(read_table(data, meta), origin="load:generated")
    return path


@pytest.fixture(scope="module")
def server(large_db: Path, serve_database) -> RunningServer:
    return serve_database(large_db, env={"CITYSTAT_RATE_LIMIT": "off"})


@pytest.fixture(scope="module")
def whole(large_db: Path, server: RunningServer) -> Iterator[TestClient]:
    """The same app in-process, building every answer whole (nothing is streamed), at the server's address."""
    settings = ApiSettings(stream_from_cells=10**9, rate_limit=False)
    with TestClient(create_app(large_db, settings=settings), base_url=server.url) as client:
        yield client


def test_config_announces_a_million_cells(server: RunningServer) -> None:
    config = httpx.get(server.api + "/config", timeout=30).json()
    assert config["maxDataCells"] >= 1_000_000
    assert ApiSettings().max_data_cells == config["maxDataCells"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_large_answer_is_streamed_with_the_bytes_of_the_whole_answer(
    fmt: str, server: RunningServer, whole: TestClient
) -> None:
    params = {**EVERY_CELL, "outputFormat": fmt}
    with httpx.Client(timeout=120) as client, client.stream(
        "GET", f"{server.api}/tables/{TABLE_ID}/data", params=params, headers={"Accept-Encoding": "gzip"}
    ) as answer:
        assert answer.status_code == 200, answer.read()[:500]
        assert answer.headers.get("transfer-encoding") == "chunked" and "content-length" not in answer.headers
        assert "content-encoding" not in answer.headers  # streamed answers go as they are written
        pieces = list(answer.iter_raw())
        headers = answer.headers
    streamed = b"".join(pieces)
    built = whole.get(f"/api/v2/tables/{TABLE_ID}/data", params=params, headers={"Accept-Encoding": "identity"})
    assert built.status_code == 200 and "content-length" in built.headers
    assert headers["etag"] == built.headers["etag"]
    assert headers["content-type"] == built.headers["content-type"]
    assert headers.get("content-disposition") == built.headers.get("content-disposition")
    if fmt == "xlsx":  # openpyxl stamps the creation time: the sheets and the rest must be equal
        from .format_golden import comparable
        assert comparable(fmt, streamed) == comparable(fmt, built.content)
    else:
        assert streamed == built.content
    if fmt == "json-stat2":
        assert len(built.json()["value"]) == CELLS
    if fmt == "parquet":
        assert pq.ParquetFile(io.BytesIO(streamed)).metadata.num_rows == CELLS


def test_a_streamed_answer_is_revalidated_without_being_written(server: RunningServer) -> None:
    url = f"{server.api}/tables/{TABLE_ID}/data"
    first = httpx.get(url, params={**EVERY_CELL, "outputFormat": "csv"}, timeout=120)
    assert first.status_code == 200 and first.headers["etag"]
    again = httpx.get(url, params={**EVERY_CELL, "outputFormat": "csv"},
                      headers={"If-None-Match": first.headers["etag"]}, timeout=120)
    assert again.status_code == 304 and again.content == b""


def test_a_small_answer_is_still_built_whole_and_gzipped(server: RunningServer) -> None:
    answer = httpx.get(f"{server.api}/tables/{TABLE_ID}/data",
                       params={"valueCodes[station]": "S00001", "valueCodes[day]": "*", "valueCodes[measure]": "*"},
                       headers={"Accept-Encoding": "gzip"}, timeout=60)
    assert answer.status_code == 200
    assert answer.headers["content-encoding"] == "gzip" and len(answer.json()["value"]) == DAYS * 2


def test_the_streaming_threshold_is_read_from_the_environment() -> None:
    assert ApiSettings.from_env({}).stream_from_cells == ApiSettings().stream_from_cells == 50_000
    assert ApiSettings.from_env({"CITYSTAT_STREAM_FROM_CELLS": "10"}).stream_from_cells == 10
    for bad in ("0", "ten", "-5"):
        with pytest.raises(ValueError, match="CITYSTAT_STREAM_FROM_CELLS"):
            ApiSettings.from_env({"CITYSTAT_STREAM_FROM_CELLS": bad})
