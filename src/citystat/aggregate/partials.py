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
so running other definitions never mixes them. What checking each good file found (rows, columns that may hold
nulls, the first id of ids its pages show consecutive) is kept too, so a run opens only new or changed files. A
file whose pages showed its ids consecutive has no id certificate in its partial result (nulls): the run takes
the certificate from that first id instead.

The grouped rows of every stream are kept in one table (``cube_rows``), each row with its signature and file: its
columns are the union of every stream's, added as definitions need them (a column of the same name has the same
type in every stream: ``citystat.events.schemas.check_column_types``), a stream's rows leaving the others' columns
null.
One table, not one per signature: saving a day is one insert, and merging every stream's cube one read.

An incremental run's cost is meant not to grow with the events already counted: one query finds the stale files,
the new partial results of every stream are saved in one transaction, and every stream's merged cube is one query
over the stored partial results (small: rows per file, day and dimensions, not per event).
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import os
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from citystat.aggregate import arrow_columns
from citystat.aggregate.compiler import CALENDAR, StreamPlan, distinct_columns, partial_columns
from citystat.aggregate.sources import Checked, EventFile
from citystat.events.schemas import STREAMS
from citystat.model import InvalidInput, Problem

FORMAT = 5  # of the partial results and of the checks a file passed to be kept: a new one reads every file again
CATALOG = "citystat_partials"  # the store's name on the engine: this, then a number of its own
KEYS = "citystat_partial_keys"
WAL_LIMIT = 1 << 20  # bytes of the store's write-ahead log above which it is checkpointed when detached
_ATTACHED = itertools.count()
_DETACHING = threading.Lock()
CUBE_ROWS = "cube_rows"  # the grouped rows of every signature's partial results
_OWN_TABLES = ("partial_contract", "partial_files", "footers", "cube_", "distinct_")  # cube_*: older formats'



def contract_digest() -> str:
    """The contract a store's partial results and accepted files were written under: the format and every
    stream's schema (a column added, removed or retyped in a new citystat makes every file checked again)."""
    described = {"format": FORMAT, "streams": [
        {"key": s.key, "columns": [[c.name, str(c.type)] for c in s.columns]} for s in STREAMS]}
    return hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()[:16]


CONTRACT = contract_digest()


def signature(plan: StreamPlan, offset_us: int, distinct: Sequence[str]) -> str:
    described = {"format": FORMAT, "stream": plan.stream, "dims": plan.dims, "sums": plan.sums,
                 "required": plan.required, "instants": plan.instants, "offset_us": offset_us,
                 "distinct": sorted(distinct)}
    return hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()[:16]


def fingerprint(file: EventFile) -> str:
    if file.size or file.mtime_ns:
        return f"{file.size}:{file.mtime_ns}:{file.rows}"
    stat = file.path.stat()
    return f"{stat.st_size}:{stat.st_mtime_ns}:{file.rows}"


@functools.lru_cache(maxsize=4096)
def _real_dir(directory: str) -> str:
    """``os.path.realpath`` of a directory, from its parent's (resolved once for all its children: one system call
    for a directory that is not a link, instead of one per part of its path)."""
    parent, name = os.path.split(directory)
    if not name or name in (os.curdir, os.pardir) or parent == directory or os.path.islink(directory):
        return os.path.realpath(directory)
    return os.path.join(_real_dir(parent), name)


@functools.lru_cache(maxsize=65536)
def _resolved(path: str) -> str:
    return os.path.join(_real_dir(os.path.dirname(os.path.abspath(path))), os.path.basename(path))


def _path(file: EventFile | Path | str) -> str:
    """A file's path with every link resolved (each directory resolved once, not once per file; looked up by the
    path's text, whose hash Python keeps, not by a Path, whose hash is worked out again)."""
    return _resolved(os.fspath(file.path if isinstance(file, EventFile) else file))


@dataclass(frozen=True)
class Batch:
    """New partial results of one stream's stale files: the grouped scan and each distinct set, rows named by
    ``_path``; each an Arrow table or a query on the store's connection (results scanned there). ``signed``: the
    grouped rows are those of several batches, each row with its ``signature`` (one insert saves them all)."""

    sig: str
    plan: StreamPlan
    distinct: tuple[str, ...]
    files: tuple[EventFile, ...]
    cube: pa.Table | str
    sets: Mapping[str, pa.Table | str]
    signed: bool = False


class PartialStore:
    """The partial results in a DuckDB file, attached to ``connection`` (the engine that merges them): a context
    manager that detaches the file and drops what it named on the engine when closed.

    A store is written under one contract (``CONTRACT``: the stream schemas and the format of the checks and partial
    results); opened under another, it is emptied, so every file is checked and read again."""

    def __init__(self, connection: duckdb.DuckDBPyConnection, path: Path, contract: str | None = None):
        self.connection = connection
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._known: dict[tuple[str, str], str] | None = None
        self._columns: dict[str, None] = {}  # of cube_rows, in order
        self._footers: dict[str, tuple[int, int, Checked]] | None = None
        self._owned: list[tuple[str, str]] = []  # (VIEW or TABLE, name) named on the engine, dropped on close
        # a name of its own: engines may share a database (see citystat.aggregate.engines), where names attached
        # are seen by every connection
        self.catalog = f"{CATALOG}_{next(_ATTACHED)}"
        quoted = str(self.path).replace("'", "''")
        try:
            connection.execute(f"ATTACH '{quoted}' AS {self.catalog}")
        except duckdb.Error as exc:
            raise self._refused(str(exc)) from exc
        try:
            self._listed = self._prepare(CONTRACT if contract is None else contract)
        except BaseException as exc:
            connection.execute(f"DETACH {self.catalog}")
            if isinstance(exc, duckdb.Error):
                raise self._refused(str(exc)) from exc
            raise

    def _refused(self, why: str) -> InvalidInput:
        return InvalidInput([Problem("bad_partials", f"{self.path} is not a store of partial results "
                                     f"({why.splitlines()[0]}); give a new file or the one written before",
                                     file=str(self.path))])

    def _prepare(self, contract: str) -> set[str] | None:
        """The store's tables (None: not listed yet) and the columns of ``cube_rows``, the store emptied first
        when written under another contract."""
        con = self.connection
        try:  # written before under this contract (its tables made in one transaction with it): nothing to list
            if con.execute(f"SELECT digest FROM {self.catalog}.partial_contract").fetchall() == [(contract,)]:
                described = con.execute(f"SELECT * FROM {self.catalog}.{CUBE_ROWS} LIMIT 0").description
                self._columns = dict.fromkeys(d[0] for d in described)
                return None
        except duckdb.CatalogException:
            pass  # a new file, an older format, or not a store of partial results: listed and checked below
        columns = con.execute("SELECT table_name, column_name FROM duckdb_columns() WHERE database_name = ? "
                              "ORDER BY table_name, column_index", [self.catalog]).fetchall()
        tables = {name for name, _ in columns}
        self._columns = {column: None for name, column in columns if name == CUBE_ROWS}
        foreign = sorted(t for t in tables if not t.startswith(_OWN_TABLES))
        if foreign:
            raise duckdb.CatalogException(f"it holds other tables: {', '.join(foreign[:5])}")
        stored = con.execute(f"SELECT digest FROM {self.catalog}.partial_contract").fetchall() \
            if "partial_contract" in tables else []
        if stored == [(contract,)] and {"partial_files", "footers", CUBE_ROWS} <= tables:  # nothing to write
            return tables
        con.execute("BEGIN TRANSACTION")
        try:
            if stored != [(contract,)]:
                for name in sorted(tables):
                    con.execute(f"DROP TABLE {self.catalog}.{name}")
                tables, self._columns = set(), {}
                con.execute(f"CREATE TABLE {self.catalog}.partial_contract (digest VARCHAR NOT NULL)")
                con.execute(f"INSERT INTO {self.catalog}.partial_contract VALUES (?)", [contract])
            con.execute(f"CREATE TABLE IF NOT EXISTS {self.catalog}.partial_files "
                        "(signature VARCHAR NOT NULL, _path VARCHAR NOT NULL, fingerprint VARCHAR NOT NULL)")
            con.execute(f"CREATE TABLE IF NOT EXISTS {self.catalog}.footers (_path VARCHAR NOT NULL, size BIGINT, "
                        "mtime_ns BIGINT, num_rows BIGINT, nullable VARCHAR[], first_id BIGINT)")
            if CUBE_ROWS not in tables:
                con.execute(f"CREATE TABLE {self.catalog}.{CUBE_ROWS} (signature VARCHAR NOT NULL, "
                            "_path VARCHAR NOT NULL)")
                self._columns = {"signature": None, "_path": None}
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")
        return tables | {"partial_contract", "partial_files", "footers", CUBE_ROWS}

    @property
    def _tables(self) -> set[str]:
        """The store's tables (listed the first time they are needed: a catalog query costs a few milliseconds in a
        fresh process)."""
        if self._listed is None:
            self._listed = {name for (name,) in self.connection.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = ?", [self.catalog]).fetchall()}
        return self._listed

    def own(self, kind: str, name: str) -> None:
        """Note an object (``VIEW`` or ``TABLE``) named on the engine from the partial results (once made): dropped
        on close."""
        self._owned.append((kind, name))

    def close(self) -> None:
        """Drop what was named on the engine and detach the store (each step tried even when one fails)."""
        con = self.connection
        try:
            for kind, name in reversed(dict.fromkeys(self._owned)):
                con.execute(f"DROP {kind} IF EXISTS {name}")
            self._owned.clear()
            for name in (KEYS, "citystat_saved_files", "citystat_saved_footers", "citystat_saved_gone"):
                con.unregister(name)
        finally:
            self._detach()

    def _detach(self) -> None:
        """Detach without folding the write-ahead log into the file while the log is small (a day's partial results
        stay in the log, replayed in a few milliseconds by the next run's attach); a log over ``WAL_LIMIT`` bytes is
        checkpointed first, so neither the log nor its replay grows without bound."""
        con = self.connection
        wal = Path(f"{self.path}.wal")
        try:
            if wal.is_file() and wal.stat().st_size > WAL_LIMIT:
                con.execute(f"CHECKPOINT {self.catalog}")
        finally:
            with _DETACHING:  # the setting is the whole database's: two stores detached at once must not interleave
                con.execute("PRAGMA disable_checkpoint_on_shutdown")
                try:
                    con.execute(f"DETACH DATABASE IF EXISTS {self.catalog}")
                finally:
                    con.execute("PRAGMA enable_checkpoint_on_shutdown")

    def __enter__(self) -> PartialStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _footer_cache(self) -> dict[str, tuple[int, int, Checked]]:
        if self._footers is None:
            rows = self.connection.execute(
                f"SELECT _path, size, mtime_ns, num_rows, nullable, first_id FROM {self.catalog}.footers").fetchall()
            self._footers = {p: (s, m, Checked(r, frozenset(n or ()), i)) for p, s, m, r, n, i in rows}
        return self._footers

    def footer(self, path: Path | str, size: int, mtime_ns: int) -> Checked | None:
        """What checking a good file found when it was last read, under this contract, if the file has not
        changed since."""
        seen = self._footer_cache().get(_path(path))
        return seen[2] if seen is not None and seen[:2] == (size, mtime_ns) else None

    def _registry(self) -> dict[tuple[str, str], str]:
        """(signature, path) -> fingerprint of every stored partial result, read once."""
        if self._known is None:
            self._known = {(s, p): f for s, p, f in self.connection.execute(
                f"SELECT signature, _path, fingerprint FROM {self.catalog}.partial_files").fetchall()}
        return self._known

    def stale(self, sig: str, files: Sequence[EventFile]) -> list[EventFile]:
        """The files whose partial result is missing or older than the file."""
        known = self._registry()
        return [f for f in files if known.get((sig, _path(f))) != fingerprint(f)]

    def holds(self, sig: str, plan: StreamPlan, distinct: Sequence[str]) -> bool:
        """Whether the store can hold a signature's partial results: ``cube_rows`` has the plan's columns and its
        distinct sets have their tables (a stream never read has none)."""
        return (all(c in self._columns for c in partial_columns(plan))
                and all(self._distinct_name(sig, c) in self._tables for c in distinct))

    @staticmethod
    def _distinct_name(sig: str, column: str) -> str:
        return f"distinct_{sig}_{column}"

    def withdrawn(self, directories: Sequence[Path], present: Sequence[EventFile]) -> list[str]:
        """The stored files under ``directories`` (the streams read) that are no longer among ``present``: gone,
        renamed or withdrawn."""
        prefixes = tuple(os.path.join(_real_dir(str(d)), "") for d in directories)
        here = {_path(f) for f in present}
        stored = {p for _, p in self._registry()} | set(self._footer_cache())
        return sorted(p for p in stored if p.startswith(prefixes) and p not in here)

    def save(self, batches: Sequence[Batch], gone: Sequence[str] = ()) -> None:
        """Replace the partial results of every batch's files (and remember their footers), and delete every row
        of the files ``gone`` and of the older versions of the batches' files, in one transaction."""
        if not batches and not gone:
            return
        con, store = self.connection, self.catalog
        known = self._registry()
        files = [(b.sig, f) for b in batches for f in b.files]
        registry = arrow_columns.table({"signature": ([s for s, _ in files], pa.string()),
                                        "_path": ([_path(f) for _, f in files], pa.string()),
                                        "fingerprint": ([fingerprint(f) for _, f in files], pa.string())})
        checked = list({_path(f): f for _, f in files}.items())  # a file read for several signatures: once
        footers = arrow_columns.table({
            "_path": ([p for p, _ in checked], pa.string()),
            "size": ([f.size for _, f in checked], pa.int64()),
            "mtime_ns": ([f.mtime_ns for _, f in checked], pa.int64()),
            "num_rows": ([f.rows for _, f in checked], pa.int64()),
            "nullable": ([sorted(f.nullable) for _, f in checked], pa.list_(pa.string())),
            "first_id": ([f.first_id for _, f in checked], pa.int64())})
        # a file changed since its rows were stored: its rows of every signature are stale, drop them all
        fresh = dict(zip(registry["_path"].to_pylist(), registry["fingerprint"].to_pylist(), strict=True))
        changed = {p for (_, p), f in known.items() if p in fresh and f != fresh[p]}
        purged = arrow_columns.table({"_path": (sorted(set(gone) | changed), pa.string())})
        registered = ["citystat_saved_files", "citystat_saved_footers", "citystat_saved_gone"]
        older = {b.sig for b in batches if any((b.sig, _path(f)) in known for f in b.files)}  # rows to replace
        created: set[str] = set()
        added: dict[str, None] = {}
        con.execute("BEGIN TRANSACTION")
        try:
            con.register("citystat_saved_files", registry)
            con.register("citystat_saved_footers", footers)
            con.register("citystat_saved_gone", purged)
            cubes = self._cube_sources(batches, registered)
            added = self._add_columns(cubes)  # before any row of the table changes
            if purged.num_rows:
                for name in sorted(t for t in self._tables if t == CUBE_ROWS or t.startswith("distinct_")):
                    con.execute(f"DELETE FROM {store}.{name} WHERE _path IN (SELECT _path FROM citystat_saved_gone)")
                for name in ("partial_files", "footers"):
                    con.execute(f"DELETE FROM {store}.{name} WHERE _path IN (SELECT _path FROM citystat_saved_gone)")
            if older:
                con.execute(f"DELETE FROM {store}.{CUBE_ROWS} c USING citystat_saved_files s "
                            "WHERE c.signature = s.signature AND c._path = s._path")
            if cubes:  # every stream's grouped rows in one insert
                signed = {source: "" if group[0].signed else f"'{group[0].sig}' AS signature, "
                          for source, group in cubes}
                con.execute(f"INSERT INTO {store}.{CUBE_ROWS} BY NAME " + " UNION ALL BY NAME ".join(
                    f"SELECT {signed[source]}* FROM {source}" for source, _ in cubes))
            for i, batch in enumerate(batches):
                for column in batch.distinct:
                    source = self._source(batch.sets[column], f"citystat_incoming_{i}_{column}", registered)
                    name = self._distinct_name(batch.sig, column)
                    table = f"{store}.{name}"
                    if name not in self._tables | created:
                        con.execute(f"CREATE TABLE IF NOT EXISTS {table} AS SELECT * FROM {source} LIMIT 0")
                        created.add(name)
                    elif batch.sig in older:
                        con.execute(f"DELETE FROM {table} WHERE _path IN "
                                    "(SELECT _path FROM citystat_saved_files WHERE signature = ?)", [batch.sig])
                    con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM {source}")
            if any(key in known for key in zip(registry["signature"].to_pylist(), registry["_path"].to_pylist(),
                                                 strict=True)):
                con.execute(f"DELETE FROM {store}.partial_files p USING citystat_saved_files s "
                            "WHERE p.signature = s.signature AND p._path = s._path")
            if any(p in self._footer_cache() for p in fresh):
                con.execute(f"DELETE FROM {store}.footers WHERE _path IN (SELECT _path FROM citystat_saved_footers)")
            con.execute(f"INSERT INTO {store}.partial_files SELECT * FROM citystat_saved_files")
            con.execute(f"INSERT INTO {store}.footers SELECT * FROM citystat_saved_footers")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        finally:
            for name in registered:
                con.unregister(name)
        con.execute("COMMIT")
        if created:  # only once they exist
            self._listed = self._tables | created
        self._columns |= added
        self._known = None
        self._footers = None

    def _source(self, incoming: pa.Table | str, name: str, registered: list[str]) -> str:
        """A batch's rows as a relation on the store's connection: its query, or its Arrow table registered as
        ``name`` (noted in ``registered``, to be unregistered)."""
        if isinstance(incoming, str):
            return f"({incoming})"
        self.connection.register(name, incoming)
        registered.append(name)
        return name

    def _cube_sources(self, batches: Sequence[Batch], registered: list[str]) -> list[tuple[str, list[Batch]]]:
        """The relations of the batches' grouped rows, each with the batches whose rows it holds (several when
        signed, one otherwise)."""
        groups: dict[object, tuple[str, list[Batch]]] = {}
        for i, batch in enumerate(batches):
            key = (id(batch.cube) if not isinstance(batch.cube, str) else batch.cube) if batch.signed else i
            if key not in groups:
                groups[key] = (self._source(batch.cube, f"citystat_incoming_{i}", registered), [])
            groups[key][1].append(batch)
        return list(groups.values())

    def _add_columns(self, cubes: Sequence[tuple[str, Sequence[Batch]]]) -> dict[str, None]:
        """Add to ``cube_rows`` the columns of the batches' grouped rows (``source``) it lacks, typed as the source
        has them; the columns added."""
        added: dict[str, None] = {}
        for source, group in cubes:
            if all(c in self._columns or c in added for batch in group for c in partial_columns(batch.plan)):
                continue
            for column, kind, *_ in self.connection.execute(f"DESCRIBE SELECT * FROM {source}").fetchall():
                if column not in self._columns and column not in added:
                    self.connection.execute(f'ALTER TABLE {self.catalog}.{CUBE_ROWS} ADD COLUMN "{column}" {kind}')
                    added[column] = None
        return added

    def register_keys(self, streams: Sequence[tuple[str, StreamPlan, Sequence[EventFile]]]) -> None:
        """One table naming every file of every stream (signature, plan, files) by its position (_file_key) and
        partition, with its stream's signature and index."""
        rows = [(sig, plan.index, _path(f), key, f.year, f.month)
                for sig, plan, fs in streams for key, f in enumerate(fs)]
        # the Arrow table itself (the merge joins it once; a copy into a table of its own cost more than it saved)
        self.connection.register(KEYS, arrow_columns.table({
            "signature": ([r[0] for r in rows], pa.string()), "stream_no": ([r[1] for r in rows], pa.int32()),
            "_path": ([r[2] for r in rows], pa.string()),
            "_file_key": ([r[3] for r in rows], pa.int64()),
            "_part_year": ([r[4] for r in rows], pa.int32()),
            "_part_month": ([r[5] for r in rows], pa.int32())}))

    def files_sql(self, plan: StreamPlan) -> str:
        """The stream's files (_file_key, _part_year, _part_month), from the keys."""
        return f"SELECT _file_key, _part_year, _part_month FROM {KEYS} WHERE stream_no = {plan.index}"

    def cube_sql(self, sig: str, plan: StreamPlan) -> str:
        """The stream's cube, merged from the stored partial results of its files (see ``register_keys``): the
        same columns as a full scan's cube."""
        return self.stream_cube_sql(f"({self.merged_cubes_sql([(sig, plan)])})", plan)

    def merged_cubes_sql(self, streams: Sequence[tuple[str, StreamPlan]]) -> str:
        """Every stream's cube, merged from the stored partial results of its files, in one query, each row with
        its stream's index: the stored rows of the streams' signatures, joined once to the files' keys (only the
        files read: rows of other years or streams stay out) and the calendar."""
        columns = dict.fromkeys(c for _, plan in streams for c in partial_columns(plan))
        signatures = ", ".join(f"'{sig}'" for sig, _ in streams)
        return (f"SELECT k.stream_no AS _stream_no, {', '.join(f'c.{c}' for c in columns)}, k._file_key, "
                f"k._part_year, k._part_month, cal._year, cal._month FROM {self.catalog}.{CUBE_ROWS} c "
                f"JOIN {KEYS} k ON k.signature = c.signature AND k._path = c._path "
                f"LEFT JOIN {CALENDAR} cal ON cal._local_day = c._local_day WHERE c.signature IN ({signatures})")

    @staticmethod
    def stream_cube_sql(merged: str, plan: StreamPlan) -> str:
        """One stream's cube from ``merged`` (the table of ``merged_cubes_sql``, or that query in parentheses):
        its rows and columns."""
        columns = ", ".join(["_file_key", *partial_columns(plan), "_part_year", "_part_month", "_year", "_month"])
        return f"SELECT {columns} FROM {merged} WHERE _stream_no = {plan.index}"

    def distinct_sql(self, sig: str, plan: StreamPlan, column: str) -> str:
        """The stream's distinct set of ``column`` per file and day, from the stored partial results."""
        kept = ", ".join(f"d.{c}" for c in distinct_columns(plan, column))
        return (f"SELECT k._file_key, d._local_day, {kept} FROM {self.catalog}.{self._distinct_name(sig, column)} d "
                f"JOIN {KEYS} k ON k.stream_no = {plan.index} AND k._path = d._path")


def paths_table(files: Sequence[EventFile], keyed_by_name: bool) -> pa.Table:
    """How an engine's _file_key names a file: its position in the list (DuckDB) or its name within its
    year/month partition (Spark)."""
    if not keyed_by_name:
        return arrow_columns.table({"_file_key": (range(len(files)), pa.int64()),
                                    "_part_year": ([f.year for f in files], pa.int32()),
                                    "_part_month": ([f.month for f in files], pa.int32()),
                                    "_path": ([_path(f) for f in files], pa.string())})
    from urllib.parse import quote

    rows = {(name, f.year, f.month): _path(f) for f in files for name in {f.path.name, quote(f.path.name)}}
    return arrow_columns.table({"_file_key": ([k[0] for k in rows], pa.string()),
                                "_part_year": ([k[1] for k in rows], pa.int32()),
                                "_part_month": ([k[2] for k in rows], pa.int32()),
                                "_path": (list(rows.values()), pa.string())})
