"""Shared fixtures: a real DuckDB file built from the bundled catalog, and a real citystat server on it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from citystat.catalog import bundled_city, bundled_tables
from citystat.store import Store

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
# CI has ../shared beside the clone: there a test that needs it fails instead of skipping (.ci/run sets this).
REQUIRE_SHARED = os.environ.get("CITYSTAT_REQUIRE_SHARED") == "1"


def shared_path(*parts: str) -> Path:
    """A file or folder under ../shared (the reference facts, the real data). A test that needs one skips,
    saying which, when it is absent (a clone elsewhere), and fails where CITYSTAT_REQUIRE_SHARED=1 (CI)."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        reason = f"needs {path}, which is absent: ../shared is not beside this clone"
        if REQUIRE_SHARED:
            pytest.fail(reason + " (CITYSTAT_REQUIRE_SHARED=1)")
        pytest.skip(reason)
    return path


# -- the fast lane: `pytest -m "not slow"` leaves out what starts Spark or a browser, simulates events,
#    renders PDFs or fuzzes the API. A module marks itself slow with `pytestmark = pytest.mark.slow`; a test
#    that takes one of these fixtures is slow wherever it lives.

SLOW_FIXTURES = frozenset({"spark", "browser", "simulated_events"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        callspec = getattr(item, "callspec", None)
        on_spark = callspec is not None and any(isinstance(v, str) and v == "spark" for v in callspec.params.values())
        if SLOW_FIXTURES.intersection(getattr(item, "fixturenames", ())) or on_spark:
            item.add_marker(pytest.mark.slow)  # a fixture parametrised over engines starts Spark for "spark"


# -- raw events (issue 7): simulated streams at scale 0.001 and a Spark session, each made once per session --

EVENTS_SCALE = "0.001"
EVENTS_YEARS = tuple(range(2011, 2022))


@pytest.fixture(scope="session")
def simulated_events(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Events for 2011-2021 at scale 0.001, simulated once; tests must not write to the directory."""
    from citystat.simulate import simulate

    out = tmp_path_factory.mktemp("events") / "sf0001"
    simulate(bundled_tables(), out, scale=EVENTS_SCALE, years=EVENTS_YEARS, seed=7, workers=2)
    return out


@pytest.fixture(scope="session")
def spark():
    """One local Spark session for the whole run, bound to 127.0.0.1."""
    import shutil

    if shutil.which("java") is None and not __import__("os").environ.get("JAVA_HOME"):
        pytest.skip("Spark needs Java 17 (scripts/setup.sh installs it)")
    from citystat.aggregate import spark_session

    session = spark_session("local[2]")
    yield session
    session.stop()


@pytest.fixture(scope="session")
def built_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database built once per test session from the catalog; tests must not write to it."""
    path = tmp_path_factory.mktemp("db") / "citystat.duckdb"
    with Store(path) as store:
        store.load_many(bundled_tables(), origin="catalog")
        store.record_city(bundled_city())
    return path


@pytest.fixture()
def store(built_db: Path) -> Store:
    with Store(built_db, read_only=True) as opened:
        yield opened


# -- a real citystat server on 127.0.0.1 (the API tests) ------------------------------------------------


@dataclass
class RunningServer:
    """A `citystat serve` process: ``url`` is its root, ``api`` the PxWeb API root (…/api/v2)."""

    url: str
    process: subprocess.Popen[bytes]
    db: Path

    @property
    def api(self) -> str:
        return self.url + "/api/v2"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(db: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 60) -> RunningServer:
    """Start `citystat serve --db DB` (this checkout's sources) on a free port and wait until it answers."""
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if k != "CITYSTAT_ADMIN_TOKEN"}
    # test servers answer every call: a suite on a quick machine can pass the default 1000 calls per 10 s from one
    # address; the tests of the rate limit (and the conformance run) turn it on themselves
    environment["CITYSTAT_RATE_LIMIT"] = "off"
    environment.update(env or {})
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO / "src"), environment.get("PYTHONPATH")]))
    command = [sys.executable, "-c", "from citystat.cli import main; main()", "serve", "--host", "127.0.0.1",
               "--port", str(port), "--db", str(db), "--no-access-log", *args]
    if "--workers" not in args:  # one process unless the test is about workers: the default is one per core
        command += ["--workers", "1"]
    process = subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    server = RunningServer(f"http://127.0.0.1:{port}", process, db)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"citystat serve exited: {process.stderr.read().decode() if process.stderr else ''}")
        try:
            with urllib.request.urlopen(server.api + "/config", timeout=2) as answer:
                if answer.status == 200:
                    return server
        except OSError:
            time.sleep(0.1)
    server.stop()
    raise RuntimeError("citystat serve did not answer in time")


@pytest.fixture(scope="session")
def api_server(built_db: Path) -> Iterator[RunningServer]:
    """The API over the catalog database, read-only, default limits, administration disabled."""
    server = start_server(built_db)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def serve_database() -> Iterator[Callable[..., RunningServer]]:
    """Start more servers: serve_database(db, *cli_args, env={...}); all are stopped at the end."""
    started: list[RunningServer] = []

    def start(db: Path, *args: str, env: dict[str, str] | None = None) -> RunningServer:
        server = start_server(db, *args, env=env)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-default-apps", "--disable-sync", "--no-default-browser-check"]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium (never a downloaded browser), driven by Playwright; one for the whole session,
    since Playwright's sync API runs one event loop at a time."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()
