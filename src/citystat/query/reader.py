"""A read-mostly view of a store for servers: cached, thread-safe, and never holding the file open.

How it shares the DuckDB file with writers. DuckDB lets one process write a database file, or any
number of processes read it, but not both at once, and within one process it refuses a read-write
connection while a read-only one to the same file is open. So the reader holds no connection: it opens
a read-only connection only to fill its caches and closes it at once. Releases never change once
written, so a table read for (id, release, content hash) stays valid for good; only the catalog (which
release is the latest) can change, and the reader notices that by the file's size and modification time
(and those of its write-ahead log) before each use. A write from this process (``load``) takes the same
lock as the cache fills, opens the file read-write for the one transaction of ``Store.load``, closes it
and rebuilds the catalog. A write from another process (``citystat build``) works while no read is in
flight; while another process holds the file, the reader keeps serving what it has and says so
(``StoreUnavailable``) only if it has nothing.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from citystat import limits as input_limits
from citystat.catalog import bundled_city
from citystat.model import City, Provenance, Table, TableMeta
from citystat.query.selection import SelectionError, SelectionErrorKind
from citystat.store import LoadResult, ReleaseInfo, Store, StoredTable, TableNotFound
from citystat.store.diff import ReleaseDiff, diff_releases

FileSignature = tuple[tuple[int, int, int], ...]


BYTES_PER_CELL = 330  # a cell read into memory: its key tuple, Cell, Decimal and dict slot (measured, 1 M cells)


def estimated_bytes(stored: StoredTable) -> int:
    """What a table read from the store holds in memory, about."""
    return 4096 + stored.release.cell_count * BYTES_PER_CELL


class StoreUnavailable(RuntimeError):
    """The database file cannot be opened now (another process is writing it, or it is missing)."""


@dataclass(frozen=True)
class TableEntry:
    """A table as the catalog knows it: the metadata of its latest release and every release."""

    meta: TableMeta
    releases: tuple[ReleaseInfo, ...]

    @property
    def latest(self) -> ReleaseInfo:
        return self.releases[-1]

    def release(self, number: int | None = None) -> ReleaseInfo:
        if number is None:
            return self.latest
        for info in self.releases:
            if info.release == number:
                return info
        raise TableNotFound(self.meta.id, number)

    def previous(self, number: int) -> ReleaseInfo | None:
        """The release before release ``number`` (None for the first): what a release is compared with."""
        earlier = [info for info in self.releases if info.release < self.release(number).release]
        return earlier[-1] if earlier else None


@dataclass(frozen=True)
class Snapshot:
    """The catalog at one moment: every table's releases. Immutable; a change makes a new snapshot."""

    entries: dict[str, TableEntry]
    city: City  # whose statistics these are (recorded by the build; the bundled city for older databases)
    signature: FileSignature
    version: str  # a digest of every (table, release, content hash): changes whenever any table does

    def entry(self, table_id: str) -> TableEntry:
        try:
            return self.entries[table_id]
        except KeyError:
            raise TableNotFound(table_id, known=sorted(self.entries)) from None

    def release(self, table_id: str, number: int | None = None) -> ReleaseInfo:
        return self.entry(table_id).release(number)


def _signature(path: Path) -> FileSignature:
    out = []
    for candidate in (path, path.with_name(path.name + ".wal")):
        try:
            stat = os.stat(candidate)
        except FileNotFoundError:
            out.append((-1, -1, -1))
        else:
            out.append((stat.st_mtime_ns, stat.st_size, stat.st_ino))  # the inode: a file switched in its place
    return tuple(out)


DIFF_COUNTS_KEPT = 4_096  # diffs' counts kept by a reader (each a few hundred bytes)


class StoreReader:
    """Cached reads of a citystat database for many threads, and the one write path of a server."""

    def __init__(self, path: str | Path, *, table_cache_size: int = 256, recheck_seconds: float = 0.05,
                 table_cache_bytes: int | None = None):
        self.recheck_seconds = recheck_seconds
        self.path = Path(path)
        if not self.path.exists():
            raise FileNotFoundError(f"no database at {self.path}; run 'citystat build' first")
        self._lock = threading.RLock()
        self._snapshot: Snapshot | None = None
        self._tables: OrderedDict[tuple[str, int, str], StoredTable] = OrderedDict()
        self._table_cache_size = table_cache_size
        self._table_cache_bytes = (input_limits.current().cache_bytes if table_cache_bytes is None
                                   else table_cache_bytes)
        self._cached_bytes = 0
        self._diff_counts: OrderedDict[tuple[str, int, str, int, str], ReleaseDiff] = OrderedDict()
        self._checked_at = -1.0
        self.snapshot()

    # -- reading ------------------------------------------------------------------------------------

    def _open(self) -> Store:
        try:
            return Store(self.path, read_only=True)
        except (duckdb.IOException, FileNotFoundError) as exc:
            raise StoreUnavailable(f"the database {self.path} cannot be read now: {exc}") from exc

    def current(self) -> Snapshot | None:
        """The catalog if the file has not changed since it was read, without touching the database; else None.

        For event loops: when this is None, call ``snapshot()`` in a worker thread. The file is looked at
        at most every ``recheck_seconds``; in between, the catalog last seen is taken as current.
        """
        current = self._snapshot
        if current is None:
            return None
        now = time.monotonic()
        if now - self._checked_at < self.recheck_seconds:
            return current
        if current.signature == _signature(self.path):
            self._checked_at = now
            return current
        return None

    def snapshot(self) -> Snapshot:
        """The current catalog; re-read only when the file changed since the last look."""
        current = self._snapshot
        signature = _signature(self.path)
        if current is not None and current.signature == signature:
            return current
        with self._lock:
            current = self._snapshot
            signature = _signature(self.path)
            if current is not None and current.signature == signature:
                return current
            try:
                fresh = self._read_snapshot(signature)
            except StoreUnavailable:
                if current is not None:
                    return current
                raise
            self._snapshot = fresh
            return fresh

    def _read_snapshot(self, signature: FileSignature) -> Snapshot:
        entries: dict[str, TableEntry] = {}
        with self._open() as store:
            for table_id in store.table_ids():
                releases = tuple(store.releases(table_id))
                entries[table_id] = TableEntry(store.meta(table_id, releases[-1].release), releases)
            city = store.city() or bundled_city()
        digest = hashlib.sha256()
        for table_id, entry in entries.items():
            for info in entry.releases:
                digest.update(f"{table_id}\x1f{info.release}\x1f{info.content_hash}\x1e".encode())
        digest.update(repr(city.to_dict()).encode())
        return Snapshot(entries, city, signature, digest.hexdigest()[:24])

    def release(self, table_id: str, number: int | None = None) -> ReleaseInfo:
        return self.snapshot().release(table_id, number)

    def meta(self, table_id: str, number: int | None = None) -> TableMeta:
        entry = self.snapshot().entry(table_id)
        info = entry.release(number)
        if info.release == entry.latest.release:
            return entry.meta
        key = (table_id, info.release, info.content_hash)
        cached = self._tables.get(key)
        if cached is not None:
            return cached.meta
        with self._lock, self._open() as store:  # the metadata alone: an earlier release's cells stay unread
            return store.meta(table_id, info.release)

    def diff(self, table_id: str, old: int, new: int, *, offset: int = 0, limit: int | None = None) -> ReleaseDiff:
        """What changed from release ``old`` to ``new`` (one page of it with ``limit``), by ``diff_releases``:
        the same answer ``citystat diff`` gives, computed in the database. The counts alone (``limit=0``), which
        every metadata answer gives, are kept for the releases' content (releases never change): a large table's
        diff is counted once, not on every request while the reader's lock is held."""
        entry = self.snapshot().entry(table_id)
        key = (table_id, old, entry.release(old).content_hash, new, entry.release(new).content_hash)  # or TableNotFound
        counts_only = limit == 0 and offset == 0
        with self._lock:
            if counts_only and key in self._diff_counts:
                self._diff_counts.move_to_end(key)
                return self._diff_counts[key]
            with self._open() as store:
                found = diff_releases(store, table_id, old, new, offset=offset, limit=limit)
            if counts_only:
                self._diff_counts[key] = found
                while len(self._diff_counts) > DIFF_COUNTS_KEPT:
                    self._diff_counts.popitem(last=False)
            return found

    def table(self, table_id: str, number: int | None = None) -> StoredTable:
        """A table with its cells, as stored in a release (the latest unless one is named)."""
        info = self.release(table_id, number)
        self._check_release_size(info)
        key = (table_id, info.release, info.content_hash)
        with self._lock:
            cached = self._tables.get(key)
            if cached is not None:
                self._tables.move_to_end(key)
                return cached
            with self._open() as store:
                stored = store.read(table_id, info.release)
            self._keep(key, stored)
            return stored

    def _check_release_size(self, info: ReleaseInfo) -> None:
        """An earlier release bigger than the limit release_cells is refused (403), not read: reading one
        takes several hundred bytes a cell for a moment, and anyone may ask for any release."""
        limits = input_limits.current()
        snapshot = self._snapshot
        entry = snapshot.entries.get(info.table_id) if snapshot is not None else None
        if entry is not None and entry.latest.release != info.release and info.cell_count > limits.release_cells:
            raise SelectionError(SelectionErrorKind.TOO_MANY_CELLS,
                                 f"release {info.release} of {info.table_id!r} has {info.cell_count:,} cells, more "
                                 f"than a server reads for an earlier release; the latest release is served in "
                                 f"full; {limits.describe('release_cells')}")

    def _keep(self, key: tuple[str, int, str], stored: StoredTable) -> None:
        """Cache a table read, within the entry count and the byte budget (limit cache_bytes): earlier
        releases go first, then the least recently used. A table bigger than the budget is not kept."""
        size = estimated_bytes(stored)
        if size > self._table_cache_bytes:
            return
        self._tables[key] = stored
        self._cached_bytes += size
        while len(self._tables) > self._table_cache_size or self._cached_bytes > self._table_cache_bytes:
            victim = self._eviction_candidate()
            self._cached_bytes -= estimated_bytes(self._tables.pop(victim))

    def _eviction_candidate(self) -> tuple[str, int, str]:
        snapshot = self._snapshot
        for key in self._tables:  # least recently used first
            entry = snapshot.entries.get(key[0]) if snapshot is not None else None
            if entry is None or entry.latest.release != key[1]:
                return key
        return next(iter(self._tables))

    # -- writing ------------------------------------------------------------------------------------

    def load(self, tables: Iterable[Table], *, origin: Provenance | str) -> list[LoadResult]:
        """Check and store tables in one transaction (Store.load_many), then show the new catalog."""
        tables = list(tables)
        with self._lock:
            try:
                store = Store(self.path)
            except duckdb.IOException as exc:
                raise StoreUnavailable(f"the database {self.path} cannot be written now: {exc}") from exc
            try:
                results = store.load_many(tables, origin=origin)
            finally:
                store.close()
            self._snapshot = None
        self.snapshot()
        return results
