"""Finding and checking event files before any engine reads them.

Only the Parquet footers are read here (schema, row count), so a wrong schema or a file that is not Parquet at
all is reported with its name before a long scan starts. Every problem is collected, so a person can fix them all.
A good file's id column is also looked at page by page (``citystat.aggregate.id_runs``): pages that show the ids
running consecutively prove them distinct without the scan reading them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import pyarrow as pa
import pyarrow.parquet as pq

from citystat.aggregate.id_runs import consecutive_first
from citystat.events.schemas import ID_COLUMN, STREAMS, TIME_COLUMN, Stream
from citystat.model import InvalidInput, Problem

_PARTITION = re.compile(r"^(year|month)=(\d+)$")


class Checked(NamedTuple):
    """What checking a good file found: its rows, the columns that may hold nulls, and the first of its ids when
    its pages show them running consecutively (None when they do not)."""

    rows: int
    nullable: frozenset[str]
    first_id: int | None


# what the check found of a file seen before, looked up by path, size and modification time
KnownFooters = Callable[[str, int, int], Checked | None]


@dataclass(frozen=True)
class EventFile:
    path: Path
    year: int  # the partition's local year and month
    month: int
    rows: int
    nullable: frozenset[str] = frozenset()  # columns that may hold nulls (neither REQUIRED nor shown null-free)
    size: int = 0  # bytes and modification time when it was found: with the rows, how a changed file is told
    mtime_ns: int = 0
    first_id: int | None = None  # the ids are first_id, first_id + 1, ... in file order (shown by its pages)


@dataclass
class StreamFiles:
    stream: Stream
    files: list[EventFile] = field(default_factory=list)

    @property
    def months(self) -> set[tuple[int, int]]:
        """The (year, month) partitions that hold at least one file: the months the stream covers."""
        return {(f.year, f.month) for f in self.files}

    def select(self, years: Iterable[int], *, history: bool) -> list[EventFile]:
        """The files of the requested years, or, with history, of every year up to the last requested."""
        wanted = set(years)
        last = max(wanted)
        return [f for f in self.files if (f.year <= last if history else f.year in wanted)]


@dataclass
class Discovery:
    root: Path
    streams: dict[str, StreamFiles]
    ignored: list[str]  # paths under the events directory that are not event files of a known stream

    def years(self) -> list[int]:
        return sorted({f.year for s in self.streams.values() for f in s.files})


def _type_ok(actual: pa.DataType, expected: pa.DataType) -> bool:
    if pa.types.is_dictionary(actual):
        actual = actual.value_type
    if pa.types.is_string(expected):
        return pa.types.is_string(actual) or pa.types.is_large_string(actual)
    if pa.types.is_timestamp(expected):
        return pa.types.is_timestamp(actual) and actual.unit in ("ms", "us") and actual.tz in ("UTC", "+00:00")
    return actual == expected


def _describe(t: pa.DataType) -> str:
    if pa.types.is_timestamp(t):
        return f"timestamp[{t.unit}" + (f", tz={t.tz}]" if t.tz else "] without a time zone (a local wall-clock time)")
    return str(t)


def _nullable(parquet: pq.ParquetFile) -> frozenset[str]:
    """Columns that may hold nulls: not REQUIRED, and not every row group's statistics count zero nulls."""
    meta = parquet.metadata
    out = set()
    for i in range(meta.num_columns):
        column = meta.schema.column(i)
        if column.max_definition_level == 0:
            continue
        for g in range(meta.num_row_groups):
            stats = meta.row_group(g).column(i).statistics
            if stats is None or not stats.has_null_count or stats.null_count > 0:
                out.add(column.path)
                break
    return frozenset(out)


def check_file(path: Path, strm: Stream) -> tuple[Checked, list[Problem]]:
    """What checking an event file found, and the problems that make it unusable (columns the stream does not
    have are allowed: they are not read)."""
    try:
        parquet = pq.ParquetFile(path)
        schema = parquet.schema_arrow
        rows = parquet.metadata.num_rows
    except Exception as exc:  # pyarrow raises several types for a damaged file
        return Checked(0, frozenset(), None), [Problem("corrupt_parquet", f"not a readable Parquet file ({exc})",
                                                       file=str(path))]
    problems = []
    names = set(schema.names)
    for column in strm.columns:
        if column.name not in names:
            problems.append(Problem("missing_column", f"stream {strm.key} needs the column {column.name!r} "
                                    f"({column.type})", file=str(path), column=column.name))
            continue
        actual = schema.field(column.name).type
        if not _type_ok(actual, column.type):
            hint = " (event times must be UTC instants: Parquet TIMESTAMP with isAdjustedToUTC, ms or us)" \
                if column.name == TIME_COLUMN else ""
            problems.append(Problem("wrong_type", f"column {column.name!r} is {_describe(actual)}, expected "
                                    f"{_describe(column.type)}{hint}", file=str(path), column=column.name))
    if problems:
        return Checked(rows, frozenset(), None), problems
    return Checked(rows, _nullable(parquet), consecutive_first(parquet, path, ID_COLUMN)), []


def _files_under(directory: Path) -> list[tuple[str, os.stat_result]]:
    """Every file under ``directory`` (not following links to directories), in path order (directory by
    directory), each with its status: one system call per entry, paths kept as strings."""
    found = []
    pending = [os.fspath(directory)]
    while pending:
        with os.scandir(pending.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    pending.append(entry.path)
                elif not entry.is_dir():
                    found.append((entry.path, entry.stat()))
    return sorted(found, key=lambda item: item[0].split(os.sep))


@dataclass(frozen=True)
class Listing:
    """The files of some streams under an events directory, before any is opened: each candidate event file (its
    stream, path as text, partition and status) or the problem of a file misplaced, in path order; the paths that
    are not event files of a known stream; and the directories of the streams listed."""

    root: Path
    streams: list[Stream]
    entries: list[tuple[Stream, str, int, int, os.stat_result] | Problem]
    ignored: list[str]


def list_files(root: Path, streams: Iterable[str] | None = None) -> Listing:
    """List the event files of ``streams`` (every stream by default) under ``root``
    (``service=*/stream=*/year=*/month=*/*.parquet``) without opening one: directories and their entries' status
    only (an incremental run lists them while DuckDB starts)."""
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"no events directory at {root}")
    wanted = set(streams) if streams is not None else {s.key for s in STREAMS}
    known = {(s.service, s.name): s for s in STREAMS}
    listed: list[Stream] = []
    entries: list[tuple[Stream, str, int, int, os.stat_result] | Problem] = []
    ignored: list[str] = []
    for service_dir in sorted(root.iterdir()):
        if service_dir.name.startswith(("_", ".")):
            continue
        if not (service_dir.is_dir() and service_dir.name.startswith("service=")):
            ignored.append(str(service_dir.relative_to(root)))
            continue
        for stream_dir in sorted(service_dir.iterdir()):
            name = stream_dir.name.removeprefix("stream=")
            strm = known.get((service_dir.name.removeprefix("service="), name))
            if strm is None or not stream_dir.is_dir() or not stream_dir.name.startswith("stream="):
                ignored.append(str(stream_dir.relative_to(root)))
                continue
            if strm.key not in wanted:
                continue
            listed.append(strm)
            prefix = len(os.fspath(stream_dir)) + 1
            for name, stat in _files_under(stream_dir):
                parts = name[prefix:].split(os.sep)
                if parts[-1].startswith(("_", ".")) or not parts[-1].endswith(".parquet"):
                    ignored.append(name[len(os.fspath(root)) + 1:])
                    continue
                year_part, month_part = (parts[0], parts[1]) if len(parts) == 3 else ("", "")
                if not (year_part.startswith("year=") and month_part.startswith("month=")) or not all(
                        _PARTITION.match(p) for p in (year_part, month_part)):
                    entries.append(Problem("bad_partition", "an event file must lie in year=YYYY/month=M under its "
                                           "stream", file=str(Path(name))))
                    continue
                year, month = int(year_part[5:]), int(month_part[6:])
                if not 1 <= month <= 12:
                    entries.append(Problem("bad_partition", f"month={month} is not a month", file=str(Path(name))))
                    continue
                entries.append((strm, name, year, month, stat))
    return Listing(root, listed, entries, ignored)


def discover(root: Path, streams: Iterable[str] | None = None, footers: KnownFooters | None = None,
             listing: Listing | None = None) -> Discovery:
    """The event files under ``root`` (``service=*/stream=*/year=*/month=*/*.parquet``), footers checked.

    ``footers`` answers for files whose footer was read and found good before (same path, size and modification
    time), so an incremental run opens only new or changed files. ``listing``: the files under ``root`` listed
    before (``list_files``), or they are listed now."""
    listing = listing if listing is not None else list_files(root, streams)
    found = {strm.key: StreamFiles(strm) for strm in listing.streams}
    problems: list[Problem] = []
    for entry in listing.entries:
        if isinstance(entry, Problem):
            problems.append(entry)
            continue
        strm, name, year, month, stat = entry
        path = Path(name)
        seen = footers(name, stat.st_size, stat.st_mtime_ns) if footers is not None else None
        if seen is None:
            seen, file_problems = check_file(path, strm)
            if file_problems:
                problems += file_problems
                continue
        found[strm.key].files.append(EventFile(path, year, month, seen.rows, seen.nullable, stat.st_size,
                                               stat.st_mtime_ns, seen.first_id))
    if problems:
        raise InvalidInput(problems)
    return Discovery(listing.root, found, listing.ignored)

