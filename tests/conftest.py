"""Shared fixtures: a real DuckDB file built from the bundled catalog."""

from __future__ import annotations

from pathlib import Path

import pytest

from citystat.catalog import bundled_tables
from citystat.store import Store

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


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
