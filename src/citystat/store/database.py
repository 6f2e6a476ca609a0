"""The DuckDB statistical database: every load of a table is a release (a vintage).

- Loading content identical to the latest release creates nothing.
- Changed content becomes a new release; earlier releases stay readable.
- A load is one transaction: an error, or the process being killed, leaves the previous state intact.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from citystat import limits as input_limits
from citystat.model import (
    Cell,
    City,
    InvalidInput,
    LoadResult,
    Problem,
    Provenance,
    ProvenanceError,
    ReleaseInfo,
    Status,
    StoredTable,
    Table,
    TableMeta,
    check_table,
    city_from_dict,
    meta_from_dict,
    meta_to_dict,
    provenance_from_dict,
)
from citystat.store import deltas, digest, legacy
from citystat.store.deltas import STORED_DECIMALS

DEFAULT_DB = "citystat.duckdb"
DB_ENV = "CITYSTAT_DB"
SCHEMA_VERSION = 4
BATCH_ROWS = 50_000
STORED_INTEGER_DIGITS = 38 - STORED_DECIMALS

ProgressCallback = Callable[[str, int, int], None]  # (table id, cells written, cells in all)
# Where the tables of a load came from: one provenance for all, one per table id, or words only (a string is
# kept as Provenance.described)
Origin = Provenance | str | Mapping[str, Provenance]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS citystat_schema (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS releases (
    table_id     VARCHAR NOT NULL,
    release      INTEGER NOT NULL,
    content_hash VARCHAR NOT NULL,
    loaded_at    TIMESTAMPTZ NOT NULL,
    origin       VARCHAR NOT NULL,
    cell_count   BIGINT NOT NULL,
    meta         JSON NOT NULL,
    PRIMARY KEY (table_id, release)
);
CREATE TABLE IF NOT EXISTS catalog_city (
    recorded_at TIMESTAMPTZ NOT NULL,
    city        JSON NOT NULL
);
"""

# schema 3: a release's provenance as fields (JSON, Provenance.to_dict()) beside its words in `origin`; releases
# stored before it get the provenance their words give (Provenance.from_words), filled in by _migrate
_SCHEMA_3 = "ALTER TABLE releases ADD COLUMN IF NOT EXISTS provenance JSON"

# schema 2: a release stores the cells it changed (see citystat.store.deltas); schema 1 kept a full copy in `cells`
_RELEASE_STORAGE = """
CREATE TABLE IF NOT EXISTS release_storage (
    table_id     VARCHAR NOT NULL,
    release      INTEGER NOT NULL,
    base_release INTEGER NOT NULL,
    stored_cells BIGINT NOT NULL,
    PRIMARY KEY (table_id, release)
)
"""

# schema 4: a cell row is the cell's position in its release's cube; schemas 2 and 3 kept its codes
# (``coordinates VARCHAR[]``, citystat.store.legacy) and a removed cell as a row of its own
_CELL_CHANGES = """
CREATE TABLE IF NOT EXISTS cell_changes (
    table_id VARCHAR NOT NULL,
    release  INTEGER NOT NULL,
    position BIGINT NOT NULL,
    value    DECIMAL(38, 6),
    decimals TINYINT,
    status   VARCHAR
)
"""

_CELL_SCHEMA = pa.schema(
    [
        ("position", pa.int64()),
        ("value", pa.string()),  # exact decimal text, cast by DuckDB (quicker than arrow's Decimal conversion)
        ("decimals", pa.int8()),
        ("status", pa.string()),
    ]
)


def default_db_path() -> Path:
    return Path(os.environ.get(DB_ENV) or DEFAULT_DB)


class TableNotFound(KeyError):
    def __init__(self, table_id: str, release: int | None = None, known: Sequence[str] = ()):
        self.table_id, self.release = table_id, release
        if release is None:
            message = f"no table {table_id!r} in the database"
            if known:
                message += f" (tables: {', '.join(known)})"
        else:
            message = f"table {table_id!r} has no release {release}"
        super().__init__(message)

    def __str__(self) -> str:
        return str(self.args[0])


_STATUS = {status.value: status for status in Status}


def _unstorable(table: Table) -> Iterator[Problem]:
    """Values the cells table cannot hold exactly: refused, rather than rounded or read back empty."""
    for key, cell in table.ordered_cells():
        value = cell.value
        if value is None:
            continue
        if value.adjusted() >= STORED_INTEGER_DIGITS:
            message = f"the database keeps at most {STORED_INTEGER_DIGITS} digits before the decimal point"
            expected = f"less than 10^{STORED_INTEGER_DIGITS}"
        elif digest.published_decimals(value) > STORED_DECIMALS:  # 1.5000000 too: its decimals could not be read back
            message = f"the database keeps at most {STORED_DECIMALS} decimal places"
            expected = f"at most {STORED_DECIMALS} decimal places"
        else:
            continue
        yield Problem("value_not_storable", message, table=table.id, cell=table.meta.describe_key(key),
                      expected=expected, found=format(value, "f"))


def content_hash(table: Table) -> str:
    """A digest of everything a reader sees: metadata and every cell with its published precision
    (``citystat.store.digest``)."""
    return digest.table_digest(table)


def _same_content(latest: ReleaseInfo | None, found: str, version_1: Callable[[], str]) -> bool:
    """Whether the content hashed ``found`` is that of the latest release (hashed by either version)."""
    if latest is None:
        return False
    if latest.content_hash == found:
        return True
    return digest.is_version_1(latest.content_hash) and latest.content_hash == version_1()


class Store:
    """A citystat database file. Use as a context manager, or call close()."""

    def __init__(self, path: str | Path | None = None, *, read_only: bool = False):
        self.path = Path(path) if path is not None else default_db_path()
        self.read_only = read_only
        if read_only and not self.path.exists():
            raise FileNotFoundError(f"no database at {self.path}; run 'citystat build' first")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.connection = duckdb.connect(str(self.path), read_only=read_only)
        self._provenance_column = "provenance"  # a schema 2 database, open read-only, has none: "NULL"
        self._legacy_cells = False  # a schema 2 or 3 database, open read-only: cells named by their codes
        try:
            self._migrate() if not read_only else self._check_version()
        except BaseException:
            self.connection.close()  # a refused database is not left open (and locked) by this process
            raise

    def _migrate(self) -> None:
        with self._transaction() as con:
            con.execute(_SCHEMA)
            row = _first(con.execute("SELECT max(version) FROM citystat_schema"))
            version = None if row is None else row[0]
            if version is not None and version > SCHEMA_VERSION:
                raise RuntimeError(f"{self.path} was written by a newer citystat (schema {version})")
            con.execute(_RELEASE_STORAGE)
            if version is None or version < 3:
                con.execute(_SCHEMA_3)
                words = con.execute("SELECT DISTINCT origin FROM releases WHERE provenance IS NULL").fetchall()
                if words:
                    con.executemany("UPDATE releases SET provenance = ? WHERE provenance IS NULL AND origin = ?",
                                    [[json.dumps(Provenance.from_words(w).to_dict()), w] for (w,) in words])
            if version is None:
                con.execute(_CELL_CHANGES)
                con.execute("INSERT INTO citystat_schema VALUES (?)", [SCHEMA_VERSION])
                return
            if version == 1:
                # schema 1 kept every release whole: first the cells of schema 3, each release stored whole, exactly
                # as it was; then upgraded to positions below (a release a delta where it can be)
                con.execute(legacy.CELL_CHANGES)
                con.execute("INSERT INTO cell_changes SELECT table_id, release, coordinates, value, decimals, "
                            "status, false FROM cells")
                con.execute("INSERT INTO release_storage SELECT table_id, release, release, cell_count FROM releases")
                con.execute("DROP TABLE cells")
            if version < 4:
                self._upgrade_to_positions(con)
            if version < SCHEMA_VERSION:
                con.execute("UPDATE citystat_schema SET version = ?", [SCHEMA_VERSION])

    def _upgrade_to_positions(self, con: duckdb.DuckDBPyConnection) -> None:
        """Schema 3 to 4, within the caller's transaction: every release's cells, read by their codes, stored again
        in release order by the writer of positions (a release a delta only where its cube extends the one
        before, ``citystat.store.deltas``)."""
        con.execute("ALTER TABLE cell_changes RENAME TO citystat_cell_changes_3")
        con.execute("ALTER TABLE release_storage RENAME TO citystat_release_storage_3")
        con.execute(_RELEASE_STORAGE)
        con.execute(_CELL_CHANGES)
        stored = con.execute("SELECT r.table_id, r.release, s.base_release FROM releases r "
                             "JOIN citystat_release_storage_3 s USING (table_id, release) "
                             "ORDER BY r.table_id, r.release").fetchall()
        previous: tuple[str, int, TableMeta] | None = None
        for table_id, release, base in stored:
            meta = self._meta_at(table_id, release)
            cells, params = legacy.state_sql(release, base, meta, "c", changes="citystat_cell_changes_3")
            con.execute(f"CREATE OR REPLACE TEMP TABLE citystat_upgrading AS {cells}", {"table": table_id, **params})
            try:
                before = (previous[1], previous[2]) if previous and previous[0] == table_id else None
                deltas.write_release(con, table_id, release, before, "citystat_upgrading", meta)
            finally:
                con.execute("DROP TABLE IF EXISTS citystat_upgrading")
            previous = (table_id, release, meta)
        con.execute("DROP TABLE citystat_cell_changes_3")
        con.execute("DROP TABLE citystat_release_storage_3")

    def _check_version(self) -> None:
        row = _first(self.connection.execute("SELECT max(version) FROM citystat_schema"))
        version = None if row is None else row[0]
        if version is not None and version < 2:
            raise RuntimeError(f"{self.path} was written by an older citystat (schema {version}); open it once for "
                               "writing (e.g. 'citystat build --db PATH') to upgrade it")
        if version == 2:  # readable as it is: its releases' provenance is their words (upgraded when opened to write)
            self._provenance_column = "NULL"
        if version is not None and version < 4:  # readable as it is: cells by their codes (upgraded when written)
            self._legacy_cells = True

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        con = self.connection
        con.execute("BEGIN TRANSACTION")
        try:
            yield con
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")

    # -- writing -------------------------------------------------------------------------------

    def load(self, table: Table, *, origin: Origin = "load", progress: ProgressCallback | None = None) -> LoadResult:
        """Check and store one table as a new release, in one transaction."""
        return self.load_many([table], origin=origin, progress=progress)[0]

    def load_many(
        self, tables: Iterable[Table], *, origin: Origin = "load", progress: ProgressCallback | None = None
    ) -> list[LoadResult]:
        """Check every table first, then store them all in one transaction, or none at all. ``origin`` is where
        they came from: one provenance for all, or one per table id."""
        tables = list(tables)
        if self.read_only:
            raise PermissionError(f"{self.path} is open read-only")
        problems = [p for table in tables for check in (check_table, _unstorable) for p in check(table)]
        ids = [t.id for t in tables]
        problems += [
            Problem("duplicate_table", f"table {i!r} is given twice in one load", table=i)
            for i in sorted({i for i in ids if ids.count(i) > 1})
        ]
        if problems:
            raise InvalidInput(problems)
        provenances = [_provenance_of(origin, table.id) for table in tables]
        results = []
        with self._transaction() as con:
            for table, provenance in zip(tables, provenances, strict=True):
                results.append(self._write(con, table, provenance, progress))
        return results

    def load_columns(
        self, meta: TableMeta, source: str | Path | pa.Table, *, origin: Origin = "load", name: str | None = None
    ) -> LoadResult:
        """Check and store a table whose cells are a CSV or Parquet file (long: a column per variable code, then
        ``value`` and ``status``) or an Arrow table of the same columns, as DuckDB operations over the whole table:
        the cells are never Python objects (``citystat.store.columnar``). The same problems as ``load`` (with the
        file's rows), the same content hash, the same releases."""
        from citystat.store import columnar

        if self.read_only:
            raise PermissionError(f"{self.path} is open read-only")
        provenance = _provenance_of(origin, meta.id)
        con = self.connection
        if name is None and not isinstance(source, pa.Table):
            name = Path(source).name
        cells = source if isinstance(source, pa.Table) else Path(source)
        try:
            staged = columnar.stage(con, meta, cells, name=name)
            try:
                problems = columnar.check(con, meta, name=name)
                if problems and not staged.numbered:  # a refused load names the file's rows: read it again
                    staged = columnar.stage(con, meta, cells, name=name, numbered=True)
                    problems = columnar.check(con, meta, name=name)
                found = "" if problems else staged.digest or columnar.content_hash(con, meta)

                def version_1() -> str:
                    return columnar.content_hash_version_1(con, meta)
            except columnar.TooWide:  # numbers too wide for the checks' exact integer arithmetic: as objects
                if not staged.numbered:
                    columnar.stage(con, meta, cells, name=name, numbered=True)
                table, rows = self._incoming_table(meta)
                problems = [dataclasses.replace(p, file=name, row=rows.get(p.cell or ""))
                            for p in [*check_table(table), *_unstorable(table)]]
                found = content_hash(table)

                def version_1() -> str:
                    return digest.table_digest_version_1(table)
            if problems:
                raise InvalidInput(problems)
            total = 1
            for variable in meta.variables:
                total *= len(variable.codes)
            with self._transaction() as con:
                latest = self._latest(con, meta.id)
                if latest is not None and _same_content(latest, found, version_1):
                    return LoadResult(latest, created=False)
                number = 1 if latest is None else latest.release + 1
                info = ReleaseInfo(meta.id, number, found, datetime.now(UTC), provenance, total)
                previous = self._insert_release(con, info, meta, latest)
                deltas.write_release(con, meta.id, number, previous, columnar.cells(con, meta), meta)
            return LoadResult(info, created=True)
        finally:
            columnar.cleanup(con, meta)

    def _insert_release(self, con: duckdb.DuckDBPyConnection, info: ReleaseInfo, meta: TableMeta,
                        latest: ReleaseInfo | None) -> tuple[int, TableMeta] | None:
        """The release's row; its metadata is JSON null when the same as the release before (a large table's
        metadata can outweigh a release's changed cells). Gives the release before and its metadata, if any."""
        meta_json = json.dumps(meta_to_dict(meta), ensure_ascii=False, sort_keys=True)
        previous = None
        if latest is not None:
            before = self._meta_json(con, latest.table_id, latest.release)
            if before == meta_json:
                meta_json = "null"
                previous = (latest.release, meta)
            else:
                previous = (latest.release, _stored_meta(before))
        provenance_json = json.dumps(info.provenance.to_dict(), ensure_ascii=False, sort_keys=True)
        con.execute(
            "INSERT INTO releases (table_id, release, content_hash, loaded_at, origin, cell_count, meta, provenance) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [info.table_id, info.release, info.content_hash, info.loaded_at, info.origin, info.cell_count, meta_json,
             provenance_json],
        )
        return previous

    @staticmethod
    def _meta_json(con: duckdb.DuckDBPyConnection, table_id: str, release: int) -> str:
        row = _first(con.execute(
            "SELECT CAST(meta AS VARCHAR) FROM releases WHERE table_id = ? AND release <= ? "
            "AND CAST(meta AS VARCHAR) <> 'null' ORDER BY release DESC LIMIT 1", [table_id, release]))
        assert row is not None, f"release {release} of {table_id!r} has no metadata"
        return str(row[0])

    def _incoming_table(self, meta: TableMeta) -> tuple[Table, dict[str, int]]:
        """The incoming cells as a Table, and the file's row of each cell (by its description)."""
        from citystat.store import columnar

        rows = self.connection.execute(
            f"SELECT coordinates, {deltas.value_text()}, status, _row FROM {columnar.cells(self.connection, meta)} "
            "ORDER BY position"
        ).fetchall()
        table = Table(meta, {tuple(c): Cell(None if v is None else Decimal(v), _STATUS[s]) for c, v, s, _ in rows})
        return table, {meta.describe_key(tuple(c)): int(r) for c, _, _, r in rows}

    def _write(
        self, con: duckdb.DuckDBPyConnection, table: Table, provenance: Provenance,
        progress: ProgressCallback | None
    ) -> LoadResult:
        found = content_hash(table)
        latest = self._latest(con, table.id)
        if latest is not None and _same_content(latest, found, lambda: digest.table_digest_version_1(table)):
            return LoadResult(latest, created=False)
        number = 1 if latest is None else latest.release + 1
        total = sum(1 for _ in table.meta.cell_keys())
        info = ReleaseInfo(table.id, number, found, datetime.now(UTC), provenance, total)
        previous = self._insert_release(con, info, table.meta, latest)
        con.execute("CREATE OR REPLACE TEMP TABLE citystat_incoming (position BIGINT, value DECIMAL(38, 6), "
                    "decimals TINYINT, status VARCHAR)")
        try:
            written = 0
            for batch in _cell_batches(table):
                con.register("incoming_cells", batch)
                con.execute("INSERT INTO citystat_incoming SELECT position, CAST(value AS DECIMAL(38, 6)), "
                            "decimals, status FROM incoming_cells")
                con.unregister("incoming_cells")
                written += batch.num_rows
                if progress:
                    progress(table.id, written, total)
            deltas.write_release(con, table.id, number, previous, "citystat_incoming", table.meta)
        finally:
            con.execute("DROP TABLE IF EXISTS citystat_incoming")
        return LoadResult(info, created=True)

    def record_city(self, city: City) -> bool:
        """Record the city whose catalog this database holds (its publication's identity, districts, services);
        False when it is already the one recorded."""
        if self.read_only:
            raise PermissionError(f"{self.path} is open read-only")
        document = json.dumps(city.to_dict(), ensure_ascii=False, sort_keys=True)
        with self._transaction() as con:
            row = _first(con.execute("SELECT city FROM catalog_city ORDER BY recorded_at DESC LIMIT 1"))
            if row is not None and json.loads(row[0]) == json.loads(document):
                return False
            con.execute("INSERT INTO catalog_city VALUES (?, ?)", [datetime.now(UTC), document])
        return True

    # -- reading -------------------------------------------------------------------------------

    def city(self) -> City | None:
        """The city last recorded by a build; None for a database that never had one (then callers use the
        bundled catalog's)."""
        try:
            row = _first(self.connection.execute("SELECT city FROM catalog_city ORDER BY recorded_at DESC LIMIT 1"))
        except duckdb.CatalogException:  # a database from before cities were recorded, opened read-only
            return None
        return None if row is None else city_from_dict(json.loads(row[0]))

    def _release_from_row(self, row: Sequence[Any]) -> ReleaseInfo:
        table_id, release, table_hash, loaded_at, words, cells, stored = row
        if stored is None:  # a schema 2 database read as it is
            provenance = Provenance.from_words(words)
        else:
            try:
                provenance = provenance_from_dict(json.loads(stored))
            except (ValueError, TypeError, ProvenanceError) as exc:
                raise RuntimeError(f"{self.path}: release {release} of {table_id!r} has a damaged provenance: "
                                   f"{exc}") from None
        return ReleaseInfo(table_id, int(release), table_hash, loaded_at, provenance, int(cells))

    @property
    def _release_columns(self) -> str:
        return (f"table_id, release, content_hash, loaded_at, origin, cell_count, "
                f"CAST({self._provenance_column} AS VARCHAR)")

    def _latest(self, con: duckdb.DuckDBPyConnection, table_id: str) -> ReleaseInfo | None:
        row = _first(con.execute(
            f"SELECT {self._release_columns} FROM releases WHERE table_id = ? ORDER BY release DESC LIMIT 1",
            [table_id],
        ))
        return self._release_from_row(row) if row else None

    def table_ids(self) -> list[str]:
        rows = self.connection.execute("SELECT DISTINCT table_id FROM releases ORDER BY table_id").fetchall()
        return [r[0] for r in rows]

    def releases(self, table_id: str) -> list[ReleaseInfo]:
        rows = self.connection.execute(
            f"SELECT {self._release_columns} FROM releases WHERE table_id = ? ORDER BY release", [table_id]
        ).fetchall()
        if not rows:
            raise TableNotFound(table_id, known=self.table_ids())
        return [self._release_from_row(r) for r in rows]

    def release(self, table_id: str, release: int | None = None) -> ReleaseInfo:
        """The given release of a table, or its latest."""
        infos = self.releases(table_id)
        if release is None:
            return infos[-1]
        for info in infos:
            if info.release == release:
                return info
        raise TableNotFound(table_id, release)

    def storage(self, table_id: str, release: int | None = None) -> deltas.Storage:
        """How a release is stored: the release stored whole that it builds on, and the cell rows it added."""
        return deltas.storage(self.connection, table_id, self.release(table_id, release).release)

    @property
    def cells_by_position(self) -> bool:
        """Whether the cell rows are positions (schema 4), not codes (a schema 2 or 3 database open read-only)."""
        return not self._legacy_cells

    def cells_sql(self, table_id: str, release: int, meta: TableMeta | None = None,
                  name: str = "c") -> tuple[str, dict[str, Any]]:
        """SQL for the cells of a release (``position`` in its cube, ``value``, ``decimals``, ``status``; the value
        as stored, ``deltas.value_text`` gives its exact text) and its parameters; ``meta`` is the release's metadata
        (read if not given), ``name`` prefixes any parameter besides ``table``."""
        base = deltas.storage(self.connection, table_id, release).base_release
        if not self._legacy_cells:
            return deltas.state_sql(release, base), {"table": table_id}
        sql, params = legacy.state_sql(release, base, meta or self._meta_at(table_id, release), name)
        return sql, {"table": table_id, **params}

    def meta(self, table_id: str, release: int | None = None) -> TableMeta:
        return self._meta(self.release(table_id, release))

    def _meta(self, info: ReleaseInfo) -> TableMeta:
        return self._meta_at(info.table_id, info.release)

    def _meta_at(self, table_id: str, release: int) -> TableMeta:
        return _stored_meta(self._meta_json(self.connection, table_id, release))

    def read(self, table_id: str, release: int | None = None) -> StoredTable:
        """A table as stored in a release (the latest unless one is named)."""
        info = self.release(table_id, release)
        meta = self._meta(info)
        values, statuses = deltas.read_state(self.connection, *self.cells_sql(table_id, info.release, meta))
        if len(values) != info.cell_count:
            raise RuntimeError(f"{self.path}: release {info.release} of {table_id!r} has {len(values)} cells "
                               f"stored, not {info.cell_count}")
        # cells are stored in the order of the cube, so their coordinates follow from the metadata
        cells = {
            key: Cell(None if value is None else Decimal(value), _STATUS[status])
            for key, value, status in zip(meta.cell_keys(), values, statuses)
        }
        return StoredTable(Table(meta, cells), info)

    def latest(self) -> list[StoredTable]:
        """The latest release of every table."""
        return [self.read(table_id) for table_id in self.table_ids()]


def _stored_meta(document: str) -> TableMeta:
    """A release's metadata from its JSON. The store's own metadata passed the input limits when it was loaded, or
    was made in code (a table of 2,500 periods and 400 measures, loaded by load_columns): no node count refuses to
    read it back."""
    trusted = input_limits.current().replace(yaml_nodes=sys.maxsize)
    return meta_from_dict(json.loads(document), limits=trusted)


def _provenance_of(origin: Origin, table_id: str) -> Provenance:
    if isinstance(origin, Provenance):
        return origin
    if isinstance(origin, str):
        return Provenance.described(origin)
    try:
        return origin[table_id]
    except KeyError:
        raise ValueError(f"no provenance given for table {table_id!r}") from None


def _first(result: duckdb.DuckDBPyConnection) -> Any:
    """The first row of a result, reading it to the end (DuckDB refuses new work while a result is open)."""
    rows = result.fetchall()
    return rows[0] if rows else None


def _cell_batches(table: Table) -> Iterator[pa.RecordBatch]:
    columns: dict[str, list[Any]] = {name: [] for name in _CELL_SCHEMA.names}
    for position, (_, cell) in enumerate(table.ordered_cells()):
        columns["position"].append(position)
        columns["value"].append(None if cell.value is None else format(cell.value, "f"))
        columns["decimals"].append(None if cell.value is None else digest.published_decimals(cell.value))
        columns["status"].append(cell.status.value)
        if len(columns["status"]) >= BATCH_ROWS:
            yield pa.RecordBatch.from_pydict(columns, schema=_CELL_SCHEMA)
            columns = {name: [] for name in _CELL_SCHEMA.names}
    if columns["status"]:
        yield pa.RecordBatch.from_pydict(columns, schema=_CELL_SCHEMA)
