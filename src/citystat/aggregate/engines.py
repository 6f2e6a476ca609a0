"""The engines that run compiled definitions: DuckDB (embedded, the default) and Apache Spark (local or a cluster).

An engine registers event files as a view (with each row's file and row number), registers small tables from
Python, materialises a query, and runs one. Engine errors while reading events become ``InvalidInput`` problems
that name the engine's message (which names the file), never a half-computed table.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pyarrow as pa

from citystat.aggregate.background import in_background
from citystat.aggregate.compiler import DUCKDB, SPARK, Dialect
from citystat.aggregate.sources import EventFile
from citystat.events.schemas import stream
from citystat.model import InvalidInput, Problem


class EngineError(InvalidInput):
    """The engine could not read the events (a damaged file, a type it cannot convert)."""

    def __init__(self, engine: str, message: str):
        super().__init__([Problem("unreadable_events", f"{engine} could not read the events: {message}")])


class Engine(ABC):
    dialect: Dialect

    @property
    def name(self) -> str:
        return self.dialect.name

    @abstractmethod
    def register_stream(self, name: str, stream_key: str, files: Sequence[Path], columns: Sequence[str],
                        base: Path) -> None:
        """A view of the files' columns with _file_key and _row (and _part_year, _part_month if the dialect
        says so)."""

    def stream_sql(self, stream_key: str, files: Sequence[Path], columns: Sequence[str]) -> str | None:
        """The query of ``register_stream``'s view, for a query to read the files without naming a view (None
        where the engine has no such query)."""
        return None

    @abstractmethod
    def register_table(self, name: str, table: pa.Table) -> None: ...

    @abstractmethod
    def materialise(self, name: str, sql: str) -> None:
        """Compute a query now and keep its result as a table."""

    @abstractmethod
    def define_view(self, name: str, sql: str) -> None:
        """Name a query, computed whenever it is used."""

    @abstractmethod
    def query(self, sql: str) -> list[tuple[Any, ...]]: ...

    @abstractmethod
    def fetch_arrow(self, sql: str) -> pa.Table:
        """A query's result as an Arrow table (for results too large to pass as Python rows)."""

    def file_lookup(self, files: Sequence[EventFile]) -> Callable[..., int]:
        """A function from a row's _file_key (and its partition's year and month) to the position of its file."""
        return lambda key, *partition: int(key)

    def close(self) -> None:  # noqa: B027 (an optional hook)
        pass

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class _SharedDatabase:
    """One in-memory DuckDB database for the process, started on first use: each ``DuckDBEngine`` without settings
    of its own is a connection to it (a cursor: its temporary tables, views and registered tables its own, dropped
    when it closes), so an engine starts in microseconds instead of the ~12 ms a new database takes, which a run
    that adds a day's events would pay every time. A database that failed for good is replaced.

    The first start (about 20 ms, most of it DuckDB registering its functions, with the GIL released) runs in a
    thread of its own: an engine asks for its connection when it first uses it, so whatever the run does before
    that (reading its definitions, the catalog) happens while DuckDB starts."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._database: Any = None
        self._starting: Future[Any] | None = None
        self._tmp: tempfile.TemporaryDirectory[str] | None = None

    def connect(self) -> Callable[[], Any]:
        """A connection to the database, to be taken when needed: started now if there is none (a database
        invalidated by a fatal error is replaced); taking it raises what the start raised."""
        import duckdb

        with self._lock:
            if self._database is not None:
                try:
                    connection = self._database.cursor()
                    connection.execute("SELECT 1").fetchall()
                    return lambda: connection
                except duckdb.Error:  # invalidated by a fatal error: start another
                    self._database = None
            if self._starting is None or (self._starting.done() and self._starting.exception() is not None):
                self._tmp = self._tmp or tempfile.TemporaryDirectory(prefix="citystat-duckdb-")
                self._starting = in_background(_new_database, self._tmp.name, name="citystat-duckdb-start")
            starting = self._starting
        return lambda: self._started(starting).cursor()

    def _started(self, starting: Future[Any]) -> Any:
        database = starting.result()
        with self._lock:
            if self._starting is starting:
                self._database, self._starting = database, None
        return database


def _new_database(temp_directory: str, settings: Mapping[str, Any] | None = None) -> Any:
    """An in-memory DuckDB database, its settings given as it starts (no statements to run after)."""
    import duckdb

    return duckdb.connect(":memory:", config={"temp_directory": temp_directory, "preserve_insertion_order": False,
                                               **(settings or {})})


_SHARED = _SharedDatabase()


class DuckDBEngine(Engine):
    """DuckDB in memory; ``threads`` and ``memory_limit`` as DuckDB understands them (an engine given either has a
    database of its own; otherwise it is a connection to the process's shared one, see ``_SharedDatabase``, taken
    when the engine is first used)."""

    dialect = DUCKDB

    def __init__(self, *, threads: int | None = None, memory_limit: str | None = None):
        import duckdb

        self._duckdb = duckdb
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._connection: Any = None
        self._take: Callable[[], Any] | None = None
        if not threads and not memory_limit:
            self._take = _SHARED.connect()
            return
        self._tmp = tempfile.TemporaryDirectory(prefix="citystat-duckdb-")
        settings: dict[str, Any] = {"threads": int(threads)} if threads else {}
        if memory_limit:
            settings["memory_limit"] = memory_limit
        self._connection = _new_database(self._tmp.name, settings)

    @property
    def connection(self) -> Any:
        """The engine's DuckDB connection (waiting, the first time, for the database to have started)."""
        if self._connection is None and self._take is not None:
            self._connection, self._take = self._take(), None
        return self._connection

    def register_stream(self, name: str, stream_key: str, files: Sequence[Path], columns: Sequence[str],
                        base: Path) -> None:
        select = ", ".join(columns)
        if not files:  # an empty stream still has its columns
            strm = stream(stream_key)
            empty = pa.schema([strm.arrow_schema.field(c) for c in columns]).empty_table()
            self.connection.register(f"{name}_empty", empty)
            self.connection.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT {select}, "
                                    f"CAST(NULL AS BIGINT) AS _file_key, CAST(NULL AS BIGINT) AS _row "
                                    f"FROM {name}_empty")
            return
        self.connection.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS {self.stream_sql(stream_key, files, columns)}")

    def stream_sql(self, stream_key: str, files: Sequence[Path], columns: Sequence[str]) -> str:
        listed = ", ".join(_sql_string(str(f)) for f in files)
        return (f"SELECT {', '.join(columns)}, file_index AS _file_key, file_row_number AS _row "
                f"FROM read_parquet([{listed}], hive_partitioning = false, file_row_number = true, "
                "union_by_name = true)")

    def register_table(self, name: str, table: pa.Table) -> None:
        """Name the Arrow table itself, a view of it (no copy: the tables registered are small, a calendar, periods,
        files, and copying one took three statements, about 1.5 ms); dropped as a view, or replaced."""
        self.connection.register(name, table)

    def materialise(self, name: str, sql: str) -> None:
        self.query(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}")

    def define_view(self, name: str, sql: str) -> None:
        self.query(f"CREATE OR REPLACE TEMP VIEW {name} AS {sql}")

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        try:
            return self.connection.execute(sql).fetchall()
        except self._duckdb.Error as exc:
            raise EngineError("DuckDB", str(exc).splitlines()[0]) from exc

    def fetch_arrow(self, sql: str) -> pa.Table:
        try:
            return self.connection.sql(sql).to_arrow_table()
        except self._duckdb.Error as exc:
            raise EngineError("DuckDB", str(exc).splitlines()[0]) from exc

    def close(self) -> None:
        if self._connection is not None:  # an engine never used took no connection
            self._connection.close()
        self._take = None
        if self._tmp is not None:
            self._tmp.cleanup()


def spark_session(master: str | None = None, conf: Mapping[str, str] | None = None) -> Any:
    """A Spark session for citystat: UTC session time zone, quiet logs; in local mode bound to 127.0.0.1 with
    the UI off and few shuffle partitions. ``conf`` overrides any setting (for a cluster: executor memory, ...)."""
    master = master or "local[*]"
    local = master.startswith("local")
    if local:
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # workers use this interpreter, with its packages
    from pyspark.sql import SparkSession

    settings = {
        "spark.app.name": "citystat-aggregate",
        "spark.sql.session.timeZone": "UTC",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.groupByOrdinal": "true",
    }
    if local:
        settings |= {
            "spark.driver.host": "127.0.0.1",
            "spark.driver.bindAddress": "127.0.0.1",
            "spark.ui.enabled": "false",
            # the engine shuffles only small per-day aggregates: one partition, no adaptive re-planning
            "spark.sql.shuffle.partitions": "1",
            "spark.sql.adaptive.enabled": "false",
            "spark.sql.sources.parallelPartitionDiscovery.threshold": "100000",  # list files without a job
        }
    settings |= dict(conf or {})
    builder = SparkSession.builder.master(master)
    for key, value in settings.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def _spark_type(t: pa.DataType) -> str:
    if pa.types.is_int64(t) or pa.types.is_uint64(t):
        return "BIGINT"
    if pa.types.is_integer(t):
        return "INT"
    if pa.types.is_timestamp(t):
        return "TIMESTAMP"
    if pa.types.is_string(t):
        return "STRING"
    raise TypeError(f"no Spark type for {t}")


class SparkEngine(Engine):
    """Spark SQL over temporary views. Give a session (tests share one) or a master URL to start one."""

    dialect = SPARK

    def __init__(self, session: Any = None, *, master: str | None = None, conf: Mapping[str, str] | None = None):
        self._own = session is None
        self.session = session if session is not None else spark_session(master, conf)
        self._views: list[str] = []
        self._cached: list[str] = []

    def register_stream(self, name: str, stream_key: str, files: Sequence[Path], columns: Sequence[str],
                        base: Path) -> None:
        from pyspark.sql import functions as F

        strm = stream(stream_key)
        ddl = ", ".join(f"{c} {_spark_type(strm.column(c).type)}" for c in columns)
        if not files:
            frame = self.session.createDataFrame([], ddl).select(
                *columns, F.lit(None).cast("string").alias("_file_key"), F.lit(None).cast("bigint").alias("_row"),
                F.lit(None).cast("int").alias("_part_year"), F.lit(None).cast("int").alias("_part_month"))
        else:
            reader = self.session.read.option("basePath", f"file://{base.resolve()}").schema(ddl)
            frame = reader.parquet(*[f"file://{f.resolve()}" for f in files]).select(
                *columns, F.col("_metadata.file_name").alias("_file_key"), F.col("_metadata.row_index").alias("_row"),
                F.col("year").cast("int").alias("_part_year"), F.col("month").cast("int").alias("_part_month"))
        frame.createOrReplaceTempView(name)
        self._views.append(name)

    def register_table(self, name: str, table: pa.Table) -> None:
        ddl = ", ".join(f"{f.name} {_spark_type(f.type)}" for f in table.schema)
        rows = [tuple(r.values()) for r in table.to_pylist()]
        self.session.createDataFrame(rows, ddl).createOrReplaceTempView(name)
        self._views.append(name)

    def materialise(self, name: str, sql: str) -> None:
        self._drop(name)
        self._guard(lambda: self.session.sql(f"CACHE TABLE {name} AS {sql}"))
        self._cached.append(name)

    def _drop(self, name: str) -> None:
        self.session.sql(f"UNCACHE TABLE IF EXISTS {name}")
        self.session.catalog.dropTempView(name)

    def define_view(self, name: str, sql: str) -> None:
        self._guard(lambda: self.session.sql(sql).createOrReplaceTempView(name))
        self._views.append(name)

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        return self._guard(lambda: [tuple(row) for row in self.session.sql(sql).collect()])

    def fetch_arrow(self, sql: str) -> pa.Table:
        return self._guard(lambda: self.session.sql(sql).toArrow())  # type: ignore[no-any-return]

    def _guard(self, action: Any) -> Any:
        from py4j.protocol import Py4JJavaError
        from pyspark.errors import PySparkException

        try:
            return action()
        except (PySparkException, Py4JJavaError) as exc:
            raise EngineError("Spark", str(exc).strip().splitlines()[0]) from exc

    def file_lookup(self, files: Sequence[EventFile]) -> Callable[..., int]:
        position = {(f.year, f.month, f.path.name): i for i, f in enumerate(files)}

        def lookup(key: Any, year: Any, month: Any) -> int:
            name = str(key)
            found = position.get((int(year), int(month), name))
            return found if found is not None else position[int(year), int(month), unquote(name)]

        return lookup

    def close(self) -> None:
        for name in [*self._cached, *self._views]:
            self._drop(name)
        if self._own:
            self.session.stop()


def make_engine(name: str, *, master: str | None = None, threads: int | None = None,
                memory_limit: str | None = None, conf: Mapping[str, str] | None = None) -> Engine:
    if name == "duckdb":
        return DuckDBEngine(threads=threads, memory_limit=memory_limit)
    if name == "spark":
        return SparkEngine(master=master, conf=conf)
    raise ValueError(f"unknown engine {name!r}; use duckdb or spark")
