"""Apache Spark (local mode on 127.0.0.1) computes the same tables as DuckDB, cell by cell, with the same checks."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from citystat.aggregate import DuckDBEngine, SparkEngine, aggregate_events
from citystat.aggregate.runner import catalog_metas
from citystat.events import stream
from citystat.model import InvalidInput

pytestmark = pytest.mark.slow  # starts Spark

METAS = catalog_metas()


def test_spark_and_duckdb_give_identical_tables_at_scale(simulated_events: Path, spark) -> None:
    assert spark.conf.get("spark.driver.bindAddress") == "127.0.0.1" and spark.conf.get("spark.driver.host") == \
        "127.0.0.1"
    assert spark.conf.get("spark.ui.enabled") == "false"
    with DuckDBEngine() as engine:
        duckdb = aggregate_events(simulated_events, engine=engine, metas=METAS)
    with SparkEngine(spark) as engine:
        spark_result = aggregate_events(simulated_events, engine=engine, metas=METAS)
    assert [t.id for t in spark_result.tables] == [t.id for t in duckdb.tables]
    cells = 0
    for ours, theirs in zip(duckdb.tables, spark_result.tables, strict=True):
        assert theirs.meta == ours.meta
        for key, cell in ours.ordered_cells():
            assert theirs.get(key) == cell, (ours.id, key, cell, theirs.get(key))
            cells += 1
    assert cells == 122  # every cell of the nine derived tables
    assert [s.to_dict() for s in spark_result.report.streams] == [s.to_dict() for s in duckdb.report.streams]


def test_spark_refuses_duplicate_event_ids_too(tmp_path: Path, spark) -> None:
    strm = stream("wifi.sessions")
    for month in range(1, 13):
        rows = [{"event_id": month * 100 + i, "ts": datetime(2021, month, 2 + i, tzinfo=UTC), "device_id": 1,
                 "hotspot_id": 1, "district": "daan", "duration_s": 60} for i in range(2)]
        path = strm.partition(tmp_path, 2021, month) / "part-000.parquet"
        path.parent.mkdir(parents=True)
        pq.write_table(pa.Table.from_pylist(rows, schema=strm.arrow_schema), path)
    shutil.copy(path, path.with_name("part-001.parquet"))
    with SparkEngine(spark) as engine, pytest.raises(InvalidInput) as caught:
        aggregate_events(tmp_path, engine=engine, metas=METAS, tables=["taipei_free_usage"])
    assert caught.value.problems[0].code == "duplicate_event_ids"
    assert "part-001.parquet" in caught.value.problems[0].message
