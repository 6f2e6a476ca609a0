"""From raw service events to official statistics: declarative definitions compiled for DuckDB and Spark."""

from citystat.aggregate.compare import CellComparison, TableComparison, compare_tables
from citystat.aggregate.definitions import (
    DERIVED_SUFFIX,
    Definition,
    Kind,
    check_against,
    derived_table_id,
    load_definitions,
    parse_definition,
    published_table_id,
)
from citystat.aggregate.engines import DuckDBEngine, Engine, EngineError, SparkEngine, make_engine, spark_session
from citystat.aggregate.runner import AggregationReport, AggregationResult, StreamReport, aggregate_events

__all__ = [
    "DERIVED_SUFFIX", "AggregationReport", "AggregationResult", "CellComparison", "Definition", "DuckDBEngine",
    "Engine", "EngineError", "Kind", "SparkEngine", "StreamReport", "TableComparison", "aggregate_events",
    "check_against", "compare_tables", "derived_table_id", "load_definitions", "make_engine", "parse_definition",
    "published_table_id", "spark_session",
]
