"""Shared fixtures: a real DuckDB file built from the bundled catalog."""

from __future__ import annotations

from pathlib import Path

import pytest

from citystat.catalog import bundled_tables
from citystat.store import Store

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


# -- raw events (issue 7): simulated streams at scale 0.001 and a Spark session, each made once per session --

EVENTS_SCALE = "0.001"
EVENTS_YEARS = tuple(range(2011, 2022))


@pytest.fixture(scope="session")
def simulated_events(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Events for 2011-2021 at scale 0.001, simulated once; tests must not write to the directory."""
    from citystat.events import simulate

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
    return path


@pytest.fixture()
def store(built_db: Path) -> Store:
    with Store(built_db, read_only=True) as opened:
        yield opened
