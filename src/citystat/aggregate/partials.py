"""Partial results per event file, kept between runs, so that a run reads only the files that are new or changed.

A file's partial result is exactly what a full scan would compute from it: its events grouped by local day and the
dimensions the definitions use (counts, sums, the checks' counts and the id certificate), and, for every distinct
count, the set of distinct values per local day and dimensions (stored as rows, one per value: an exact set,
never a sketch). Summing the grouped rows and taking distinct values over the union of the sets gives the same
numbers as a scan of every file, so the tables computed from partial results equal a full recompute cell for cell.

Events are partitioned by local day when each day's events are a file of their own (``month=6/day-15.parquet``;
any name ending in ``.parquet`` under ``year=/month=``): adding a day adds a file, replacing a damaged day replaces
one, and only that file is read again. A month in one file is recomputed whole when it changes.

A file is known by its path, size, modification time and row count; any change makes its partial result stale.
The partial results of one set of definitions are kept apart from another's (a signature of what the scan keeps),
so running other definitions never mixes them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import duckdb
import pyarrow as pa

from citystat.aggregate.compiler import StreamPlan, distinct_columns, partial_columns
from citystat.aggregate.sources import EventFile

FORMAT = 1
CATALOG = "citystat_partials"


def signature(plan: StreamPlan, offset_us: int, distinct: Sequence[str]) -> str:
    described = {"format": FORMAT, "stream": plan.stream, "dims": plan.dims, "sums": plan.sums,
                 "required": plan.required, "instants": plan.instants, "offset_us": offset_us,
                 "distinct": sorted(distinct)}
    return hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()[:16]


def fingerprint(file: EventFile) -> str:
    stat = file.path.stat()
    return f"{stat.st_size}:{stat.st_mtime_ns}:{file.rows}"


def _path(file: EventFile) -> str:
    return str(file.path.resolve())


class PartialStore:
    """The partial results in a DuckDB file, attached to ``connection`` (the engine that merges them)."""

    def __init__(self, connection: duckdb.DuckDBPyConnection, path: Path):
        self.connection = connection
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        quoted = str(self.path).replace("'", "''")
        connection.execute(f"ATTACH '{quoted}' AS {CATALOG}")
        connection.execute(f"CREATE TABLE IF NOT EXISTS {CATALOG}.partial_files "
                           "(signature VARCHAR NOT NULL, _path VARCHAR NOT NULL, fingerprint VARCHAR NOT NULL)")

    def close(self) -> None:
        self.connection.execute(f"DETACH {CATALOG}")

    def stale(self, sig: str, files: Sequence[EventFile]) -> list[EventFile]:
        """The files whose partial result is missing or older than the file."""
        known = dict(self.connection.execute(
            f"SELECT _path, fingerprint FROM {CATALOG}.partial_files WHERE signature = ?", [sig]).fetchall())
        return [f for f in files if known.get(_path(f)) != fingerprint(f)]

    def _tables(self, sig: str, plan: StreamPlan, distinct: Sequence[str]) -> dict[str, str]:
        names = {"": f"{CATALOG}.cube_{sig}"} | {c: f"{CATALOG}.distinct_{sig}_{c}" for c in distinct}
        return names

    def save(self, sig: str, plan: StreamPlan, distinct: Sequence[str], files: Sequence[EventFile],
             cube: pa.Table, sets: Mapping[str, pa.Table]) -> None:
        """Replace the partial results of ``files`` (rows named by ``_path``), in one transaction."""
        con = self.connection
        paths = pa.table({"_path": [_path(f) for f in files], "fingerprint": [fingerprint(f) for f in files]})
        con.execute("BEGIN TRANSACTION")
        try:
            con.register("citystat_saved_paths", paths)
            for column, table in self._tables(sig, plan, distinct).items():
                incoming = cube if column == "" else sets[column]
                con.register("citystat_incoming_partial", incoming)
                con.execute(f"CREATE TABLE IF NOT EXISTS {table} AS SELECT * FROM citystat_incoming_partial LIMIT 0")
                con.execute(f"DELETE FROM {table} WHERE _path IN (SELECT _path FROM citystat_saved_paths)")
                con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM citystat_incoming_partial")
                con.unregister("citystat_incoming_partial")
            con.execute(f"DELETE FROM {CATALOG}.partial_files WHERE signature = ? "
                        "AND _path IN (SELECT _path FROM citystat_saved_paths)", [sig])
            con.execute(f"INSERT INTO {CATALOG}.partial_files SELECT ?, _path, fingerprint FROM citystat_saved_paths",
                        [sig])
            con.unregister("citystat_saved_paths")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")

    def materialise(self, sig: str, plan: StreamPlan, distinct: Sequence[str], files: Sequence[EventFile],
                    cube: str, sets: Mapping[str, str]) -> None:
        """Temporary tables of the partial results of ``files``, each row with its file's position (_file_key):
        the grouped scan as ``cube`` and each distinct set as ``sets[column]``."""
        con = self.connection
        keys = pa.table({"_path": [_path(f) for f in files], "_file_key": pa.array(range(len(files)), pa.int64())})
        con.register("citystat_file_keys", keys)
        tables = self._tables(sig, plan, distinct)
        try:
            columns = ", ".join(f"c.{c}" for c in partial_columns(plan))
            con.execute(f"CREATE OR REPLACE TEMP TABLE {cube} AS SELECT k._file_key, {columns} "
                        f"FROM {tables['']} c JOIN citystat_file_keys k ON k._path = c._path")
            for column, name in sets.items():
                kept = ", ".join(f"d.{c}" for c in distinct_columns(plan, column))
                con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT k._file_key, d._local_day, {kept} "
                            f"FROM {tables[column]} d JOIN citystat_file_keys k ON k._path = d._path")
        finally:
            con.unregister("citystat_file_keys")


def paths_table(files: Sequence[EventFile], keyed_by_name: bool) -> pa.Table:
    """How an engine's _file_key names a file: its position in the list (DuckDB) or its name within its
    year/month partition (Spark)."""
    if not keyed_by_name:
        return pa.table({"_file_key": pa.array(range(len(files)), pa.int64()),
                         "_part_year": pa.array([f.year for f in files], pa.int32()),
                         "_part_month": pa.array([f.month for f in files], pa.int32()),
                         "_path": [_path(f) for f in files]})
    from urllib.parse import quote

    rows = {(name, f.year, f.month): _path(f) for f in files for name in {f.path.name, quote(f.path.name)}}
    return pa.table({"_file_key": [k[0] for k in rows], "_part_year": pa.array([k[1] for k in rows], pa.int32()),
                     "_part_month": pa.array([k[2] for k in rows], pa.int32()), "_path": list(rows.values())})
