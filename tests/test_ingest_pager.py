"""The data.taipei pager against a real HTTP server on 127.0.0.1 that serves the real zoo records page by page
and fails requests on purpose: retried, resumed, every record exactly once."""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from citystat.cli import app
from citystat.ingest.pager import Pager, PagerError, page_url
from citystat.ingest.run import ingest, read_all

from .ingest_support import ZOO

RECORDS = json.loads(ZOO.read_text(encoding="utf-8"))["result"]["results"]


class DataTaipei:
    """What the server serves, and which requests it fails: {offset: failures still to give}."""

    def __init__(self) -> None:
        self.failures: dict[int, int] = {}
        self.requests: Counter[int] = Counter()
        self.count_from: dict[int, int] = {}  # offset -> count announced from that offset on (a changing dataset)


@pytest.fixture
def server() -> Iterator[tuple[str, DataTaipei]]:
    state = DataTaipei()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
            offset, limit = int(query["offset"]), int(query["limit"])
            state.requests[offset] += 1
            if state.failures.get(offset, 0) > 0:
                state.failures[offset] -= 1
                self.send_response(503)
                self.end_headers()
                return
            count = next((c for o, c in sorted(state.count_from.items(), reverse=True) if offset >= o), len(RECORDS))
            body = {"result": {"limit": limit, "offset": offset, "count": count, "sort": "",
                               "results": RECORDS[offset:offset + limit]}}
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}/api/v1/dataset/6afa114d?scope=resourceAquire", state
    finally:
        httpd.shutdown()
        httpd.server_close()


def _ids(folder: Path) -> Counter[str]:
    [reading] = read_all(sorted(folder.glob("page-*.json")))
    return Counter(r["_id"] for r in reading.records)


def test_page_url_sets_offset_and_limit() -> None:
    url = page_url("https://data.taipei/api/v1/dataset/x?scope=resourceAquire&limit=5&offset=9", 40, 20)
    assert url == "https://data.taipei/api/v1/dataset/x?scope=resourceAquire&limit=20&offset=40"


def test_a_failed_request_is_retried(server, tmp_path: Path) -> None:
    url, state = server
    state.failures[100] = 1
    report = Pager(url, tmp_path / "zoo", limit=50, backoff=0.01, timeout=5).run()
    assert (report.count, len(report.pages), report.fetched, report.retries) == (313, 7, 7, 1)
    assert state.requests[100] == 2 and all(state.requests[o] == 1 for o in range(0, 313, 50) if o != 100)
    ids = _ids(tmp_path / "zoo")
    assert ids == Counter(str(i) for i in range(1, 314))  # every record exactly once


def test_a_run_that_fails_resumes_where_it_stopped(server, tmp_path: Path) -> None:
    url, state = server
    state.failures[150] = 3
    folder = tmp_path / "zoo"
    with pytest.raises(PagerError, match="offset=150"):
        Pager(url, folder, limit=50, attempts=2, backoff=0.01, timeout=5).run()
    assert sorted(p.name for p in folder.iterdir()) == ["page-0000000.json", "page-0000050.json",
                                                        "page-0000100.json"]
    report = Pager(url, folder, limit=50, attempts=2, backoff=0.01, timeout=5).run()
    assert (len(report.pages), report.fetched) == (7, 4)
    assert report.retries == 1  # the third failure; the first run had tried twice
    assert [state.requests[o] for o in range(0, 313, 50)] == [1, 1, 1, 4, 1, 1, 1]
    assert _ids(folder) == Counter(str(i) for i in range(1, 314))
    # and the folder ingests as one dataset: count 313 over seven pages
    result = ingest([folder])
    assert result.readings[0].info == {"count": 313, "limit": 50, "offset": 0, "pages": 7}
    assert len(result.readings[0].bad_cells) == 76


def test_a_dataset_that_changes_while_paging_stops_the_pager(server, tmp_path: Path) -> None:
    url, state = server
    state.count_from[200] = 314
    with pytest.raises(PagerError, match="count was 313, the page at offset 200 says 314"):
        Pager(url, tmp_path / "zoo", limit=100, backoff=0.01, timeout=5).run()


def test_pages_missing_from_a_folder_are_an_error(server, tmp_path: Path) -> None:
    url, _ = server
    folder = tmp_path / "zoo"
    Pager(url, folder, limit=100, backoff=0.01, timeout=5).run()
    (folder / "page-0000100.json").unlink()
    runner = CliRunner()
    done = runner.invoke(app, ["ingest", str(folder), "--db", str(tmp_path / "c.duckdb")])
    assert done.exit_code == 2
    assert "[envelope_count] page-0000200.json" in done.stderr
    assert "the page starts at offset 200, but the pages before it end at 100" in " ".join(done.stderr.split())


def test_the_fetch_command(server, tmp_path: Path) -> None:
    url, state = server
    state.failures[0] = 1
    done = CliRunner().invoke(app, ["fetch", url, "--to", str(tmp_path / "zoo"), "--limit", "200"])
    assert done.exit_code == 0, done.stdout + done.stderr
    assert "313 records in 2 pages" in done.stdout and "1 retried" in done.stdout
