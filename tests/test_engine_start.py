"""DuckDB engines start in the background and take their connection when first used: engines made before the
database is up share it, keep their temporary objects apart, have their settings, and close whether used or not."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from citystat.aggregate import DuckDBEngine, EngineError

from .conftest import REPO


def test_engines_share_the_database_keep_their_own_objects_and_have_their_settings() -> None:
    with DuckDBEngine() as unused:
        pass  # never used: nothing to close but itself
    assert unused is not None
    with DuckDBEngine() as one, DuckDBEngine() as two:
        one.materialise("citystat_test_own", "SELECT 1 AS x")
        assert one.query("SELECT x FROM citystat_test_own") == [(1,)]
        with pytest.raises(EngineError):
            two.query("SELECT x FROM citystat_test_own")  # a temporary table is its engine's own
        for engine in (one, two):
            settings = dict(engine.query("SELECT name, value FROM duckdb_settings() WHERE name IN "
                                         "('preserve_insertion_order', 'temp_directory')"))
            assert settings["preserve_insertion_order"] == "false"
            assert "citystat-duckdb-" in settings["temp_directory"]
    with DuckDBEngine(threads=1, memory_limit="1GB") as own:  # a database of its own, its settings given
        assert own.query("SELECT current_setting('threads')") == [(1,)]
        assert own.query("SELECT current_setting('preserve_insertion_order')") == [(False,)]


def test_in_a_fresh_process_the_first_engine_waits_for_duckdb_to_start() -> None:
    script = (
        "from citystat.aggregate import DuckDBEngine\n"
        "with DuckDBEngine() as unused:\n"  # the start under way when this one closes
        "    pass\n"
        "with DuckDBEngine() as engine:\n"
        "    print(engine.query('SELECT 42')[0][0])\n"
    )
    environment = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          env=environment, check=True)
    assert done.stdout.split() == ["42"]
