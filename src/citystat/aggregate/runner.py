"""Running the definitions over an events directory, and storing the results as releases.

This is the thin layer that meets the catalog (the published tables' metadata) and the store. The quality rules:

- a file that is not Parquet, a wrong schema, a file outside ``year=/month=`` partitions: an error naming every
  file and column at fault, before anything is computed;
- events dated (in local time) outside their file's partition month, so also events outside the requested years,
  and events missing a value the definitions need: excluded, counted per file and reported, and noted on every
  table that uses the stream;
- duplicate event ids: an error listing examples and the files they are in. Ids are proven distinct cheaply when
  each file's ids run consecutively and the files' ranges do not overlap (as the simulator writes them): shown by
  the file's delta-encoded pages (``citystat.aggregate.id_runs``, no id read by the scan), or else by the scan's
  certificate (event_id - row number is one constant per file); otherwise they are counted exactly.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from citystat.aggregate import arrow_columns
from citystat.aggregate.background import settled
from citystat.aggregate.compiler import (
    CALENDAR,
    StreamPlan,
    aggregate_sql,
    cube_sql,
    distinct_columns,
    distinct_partial_sql,
    distinct_table,
    duplicate_count_sql,
    duplicate_examples_sql,
    duplicate_files_sql,
    file_check_sql,
    measures_sql,
    partial_columns,
    partial_scan_sql,
    partial_sql,
    periods_view,
    plan_streams,
    snapshots_sql,
    valid_sql,
)
from citystat.aggregate.definitions import DEFINITIONS_DIR, Definition, Kind, check_against, load_definitions
from citystat.aggregate.engines import DuckDBEngine, Engine, EngineError
from citystat.aggregate.finish import StreamCoverage, Values, assemble
from citystat.aggregate.partials import Batch, PartialStore, paths_table, signature
from citystat.aggregate.sources import Discovery, EventFile, Listing, discover, list_files
from citystat.events.calendar import US_PER_DAY, date_to_day, month_days
from citystat.events.schemas import stream as plan_stream
from citystat.model import Frequency, InvalidInput, Note, Period, Problem, Provenance, Table, TableMeta, Text

Progress = Callable[[str, int, int], None]  # (what is being done, steps done, steps in all)


@dataclass
class StreamReport:
    stream: str
    files: int = 0
    events: int = 0  # events read
    misfiled: int = 0  # excluded: dated outside their file's partition month
    incomplete: int = 0  # excluded: missing a value the definitions need
    ids: str = ""  # how the event ids were shown to be distinct: "consecutive" or "counted"
    ids_from_pages: int = 0  # files whose pages showed their ids consecutive (ids the scan did not read)
    scanned: int = 0  # files the engine read: all of them, or with partial results the new and changed ones
    misfiled_files: list[tuple[str, int]] = field(default_factory=list)
    incomplete_files: list[tuple[str, int]] = field(default_factory=list)

    @property
    def excluded(self) -> int:
        return self.misfiled + self.incomplete

    def to_dict(self) -> dict[str, object]:
        return {
            "stream": self.stream, "files": self.files, "events": self.events, "misfiled": self.misfiled,
            "incomplete": self.incomplete, "ids": self.ids,
            "ids_from_pages": self.ids_from_pages, "scanned": self.scanned,
            "misfiled_files": [{"file": f, "events": n} for f, n in self.misfiled_files],
            "incomplete_files": [{"file": f, "events": n} for f, n in self.incomplete_files],
        }


@dataclass
class AggregationReport:
    engine: str
    events_dir: str
    years: list[int]
    streams: list[StreamReport] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # definitions with no requested period
    ignored: list[str] = field(default_factory=list)  # paths that are not event files of a known stream
    seconds: float = 0.0

    @property
    def events(self) -> int:
        return sum(s.events for s in self.streams)

    @property
    def excluded(self) -> int:
        return sum(s.excluded for s in self.streams)

    def to_dict(self) -> dict[str, object]:
        return {
            "engine": self.engine, "events_dir": self.events_dir, "years": self.years, "events": self.events,
            "excluded": self.excluded, "seconds": round(self.seconds, 3), "tables": self.tables,
            "skipped": self.skipped, "ignored": self.ignored, "streams": [s.to_dict() for s in self.streams],
        }


@dataclass
class AggregationResult:
    tables: list[Table]
    report: AggregationReport


def bundled_definitions() -> list[Definition]:
    """The bundled definitions, parsed again only when one of their files changed: a process that aggregates
    again and again (each day's events) reads the YAML once."""
    files = tuple((p.name, st.st_size, st.st_mtime_ns) for p in sorted(DEFINITIONS_DIR.glob("*.yaml"))
                  for st in [p.stat()])
    return list(_parsed_definitions(files))


@functools.lru_cache(maxsize=4)
def _parsed_definitions(files: tuple[tuple[str, int, int], ...]) -> tuple[Definition, ...]:
    return tuple(load_definitions())  # frozen dataclasses: safe to share


def select_definitions(definitions: Sequence[Definition], wanted: Sequence[str] | None) -> list[Definition]:
    if not wanted:
        return list(definitions)
    known = {d.table: d for d in definitions} | {d.id: d for d in definitions}
    unknown = [w for w in wanted if w not in known]
    if unknown:
        raise InvalidInput([Problem("unknown_table", f"no definition for table {w!r} (defined: "
                                    f"{', '.join(sorted(d.table for d in definitions))})") for w in unknown])
    return list(dict.fromkeys(known[w] for w in wanted))


def _calendar_table(files: Sequence[EventFile], periods: Sequence[Period]) -> pa.Table:
    months = {(f.year, f.month) for f in files} | {(p.start.year, p.start.month) for p in periods} | {
        (p.end.year, p.end.month) for p in periods}
    return _calendar_of(min(months), max(months))


@functools.lru_cache(maxsize=16)
def _calendar_of(first_month: tuple[int, int], last_month: tuple[int, int]) -> pa.Table:
    """Every day from the first month's first to the last month's last, with its local year and month (made once
    per span in a process: an Arrow table is immutable)."""
    first = date_to_day(date(*first_month, 1))
    last_year, last_month_no = last_month
    last = date_to_day(date(last_year, last_month_no, month_days(last_year, last_month_no)))
    days = np.arange(first, last + 1, dtype=np.int32)
    months = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int32)  # months since January 1970
    return arrow_columns.table({"_local_day": (days, pa.int32()), "_year": (months // 12 + 1970, pa.int32()),
                                "_month": (months % 12 + 1, pa.int32())})


def _default_years(discovery: Discovery, plans: Mapping[str, StreamPlan]) -> list[int]:
    """The years with events in a stream of flows; history streams (ledgers, cumulative counts) reach back further
    than the years they serve, so they decide only when there is nothing else."""
    flows = {f.year for key, plan in plans.items() if not plan.history and key in discovery.streams
             for f in discovery.streams[key].files}
    return sorted(flows) or discovery.years()


def _periods(years: Sequence[int], frequency: Frequency) -> list[Period]:
    if frequency is Frequency.YEAR:
        return [Period.year(y) for y in years]
    return [Period.parse(f"{y}M{m:02d}") for y in years for m in range(1, 13)]


def _periods_table(periods: Sequence[Period]) -> pa.Table:
    return arrow_columns.table({
        "period": ([p.code for p in periods], pa.string()),
        "first_day": ([date_to_day(p.start) for p in periods], pa.int32()),
        "last_day": ([date_to_day(p.end) for p in periods], pa.int32()),
    })


def _check_ids(engine: Engine, plan: StreamPlan, files: Sequence[EventFile], stats: Sequence[tuple],
               report: StreamReport, register_raw: Callable[[], None] | None = None) -> None:
    """Prove the event ids distinct from each file's first id (its pages showed them consecutive) or the cube's
    certificate, or count them; duplicates are an error."""
    # a file whose event_id - row number is one constant c holds the ids c .. c + rows - 1, each once
    offsets = [(s[1], s[4], *((files[s[0]].first_id,) * 2 if files[s[0]].first_id is not None else s[5:7]))
               for s in stats if s[1]]
    report.ids_from_pages = sum(1 for f in files if f.rows and f.first_id is not None)
    consecutive = all(with_id == events and low is not None and low == high for events, with_id, low, high in offsets)
    ranges = sorted((low, low + with_id - 1) for _, with_id, low, _ in offsets) if consecutive else []
    disjoint = all(b[0] > a[1] for a, b in zip(ranges, ranges[1:], strict=False))
    if consecutive and disjoint:
        report.ids = "consecutive"
        return
    report.ids = "counted"
    if register_raw is not None:  # with partial results the raw events are named only when they must be counted
        register_raw()
    ids, distinct = engine.query(duplicate_count_sql(plan))[0]
    if ids == distinct:
        return
    examples = engine.query(duplicate_examples_sql(plan))
    lookup = engine.file_lookup(files)
    found = engine.query(duplicate_files_sql(plan, engine.dialect, [e[0] for e in examples]))
    involved = sorted(str(files[lookup(*k)].path) for k in found)
    shown = ", ".join(f"{e[0]} ({e[1]} times)" for e in examples)
    raise InvalidInput([Problem(
        "duplicate_event_ids",
        f"stream {plan.stream}: {ids - distinct} events repeat an event id of another event (e.g. {shown}); "
        f"files holding them: {'; '.join(involved)}. Remove the repeated events (a file delivered twice?) and "
        "run again; nothing was computed.",
        file=involved[0] if involved else None,
    )])


def _ids_shown(files: Sequence[EventFile]) -> bool:
    """Whether every file with rows has ids its pages show consecutive (so a scan of them needs no certificate)."""
    return all(f.first_id is not None for f in files if f.rows)


def _file_checks(engine: Engine, plans: Mapping[str, StreamPlan], selected: Mapping[str, list[EventFile]],
                 reports: Mapping[str, StreamReport],
                 raw_views: Mapping[str, Callable[[], None]] | None = None, merged: str | None = None) -> None:
    rows = engine.query(file_check_sql(list(plans.values()), merged)) if plans else []
    by_stream: dict[int, list[tuple]] = {}
    for row in rows:
        by_stream.setdefault(int(row[0]), []).append(row[1:])
    for key, plan in plans.items():
        files, report = selected[key], reports[key]
        lookup = engine.file_lookup(files)
        stats = [(lookup(*r[0:3]), *r[3:]) for r in by_stream.get(plan.index, [])]
        report.files = len(files)
        for s in sorted(stats):
            path = str(files[s[0]].path)
            report.events += int(s[1])
            if s[2]:
                report.incomplete += int(s[2])
                report.incomplete_files.append((path, int(s[2])))
            if s[3]:
                report.misfiled += int(s[3])
                report.misfiled_files.append((path, int(s[3])))
        expected_rows = sum(f.rows for f in files)
        if report.events != expected_rows:
            raise InvalidInput([Problem("unreadable_events", f"stream {key}: the engine read {report.events} "
                                        f"events but the files' footers count {expected_rows}")])
        _check_ids(engine, plan, files, stats, report, (raw_views or {}).get(key))


def _damaged_files(key: str, files: Sequence[EventFile], columns: Sequence[str], error: EngineError) -> InvalidInput:
    """The engine failed on a stream: name the files whose columns cannot be read (the footer was fine)."""
    damaged = []
    for f in files:
        try:
            pq.read_table(f.path, columns=list(columns))
        except Exception as exc:  # pyarrow raises several types for a damaged page
            damaged.append(Problem("unreadable_events", f"stream {key}: the file is damaged ({exc})", file=str(f.path)))
    return InvalidInput(damaged) if damaged else error


def _exclusion_notes(definition: Definition, reports: Mapping[str, StreamReport]) -> list[Note]:
    notes = []
    for key in sorted(definition.streams):
        r = reports[key]
        if r.misfiled:
            zone = definition.calendar.time_zone
            notes.append(Note(Text(f"排除事件：{key} 有 {r.misfiled:,} 筆事件之當地日期（{zone}）"
                                   "不在其檔案所屬年月分區內。",
                                   f"Excluded: {r.misfiled:,} events of {key} whose local date ({zone}) lies outside "
                                   "their file's year/month partition.")))
        if r.incomplete:
            notes.append(Note(Text(f"排除事件：{key} 有 {r.incomplete:,} 筆事件缺少必要欄位值。",
                                   f"Excluded: {r.incomplete:,} events of {key} missing a value the definition "
                                   "needs.")))
    return notes


def aggregate_events(
    events_dir: Path,
    *,
    engine: Engine,
    metas: Mapping[str, TableMeta],
    years: Sequence[int] | None = None,
    definitions: Sequence[Definition] | None = None,
    tables: Sequence[str] | None = None,
    progress: Progress | None = None,
    partials: Path | None = None,
) -> AggregationResult:
    """Compute the derived tables of ``definitions`` (the bundled ones by default) from the events under
    ``events_dir``, for ``years`` (by default every year with events in a stream of flows).

    With ``partials`` (a DuckDB file, created if absent), ``engine`` reads only the event files that are new or
    changed since the last run, keeps their partial results there, and the tables are computed from the partial
    results of every file (see ``citystat.aggregate.partials``): the same tables as a full recompute."""
    if partials is None:
        return _aggregate(events_dir, engine, None, metas, years, definitions, tables, progress)
    # the partial results are small: the driver merges them in DuckDB (the scanning engine's own when it is DuckDB)
    merge = engine if isinstance(engine, DuckDBEngine) else DuckDBEngine()
    # done while DuckDB starts (in a thread of its own, see engines): the definitions read, the event files listed
    # (in this thread: a second thread of Python would hold the GIL when DuckDB's calls return)
    definitions = bundled_definitions() if definitions is None else definitions
    listing = settled(list_files, Path(events_dir), plan_streams(select_definitions(definitions, tables)))
    try:
        with PartialStore(merge.connection, partials) as store:  # detached, and its objects dropped, however it ends
            return _aggregate(events_dir, merge, (engine, store), metas, years, definitions, tables, progress,
                              listing)
    finally:
        if merge is not engine:
            merge.close()


def _aggregate(
    events_dir: Path,
    engine: Engine,
    incremental: tuple[Engine, PartialStore] | None,
    metas: Mapping[str, TableMeta],
    years: Sequence[int] | None,
    definitions: Sequence[Definition] | None,
    tables: Sequence[str] | None,
    progress: Progress | None,
    listing: Future[Listing] | None = None,
) -> AggregationResult:
    """``engine`` computes the tables; with ``incremental`` (the scanning engine and the partial results), it
    computes them from the partial results, which the scanning engine brings up to date first. ``listing``: the
    event files of the definitions' streams, listed before (or why they could not be)."""
    started = time.perf_counter()
    chosen = select_definitions(definitions if definitions is not None else bundled_definitions(), tables)
    problems = []
    for definition in chosen:
        if definition.table not in metas:
            problems.append(Problem("unknown_table", f"definition {definition.file}: no published table "
                                    f"{definition.table!r} to take the metadata from"))
        else:
            problems += check_against(definition, metas[definition.table])
    if problems:
        raise InvalidInput(problems)
    plans = plan_streams(chosen)
    discovery: Discovery = discover(Path(events_dir), plans, footers=incremental[1].footer if incremental else None,
                                    listing=listing.result() if listing is not None else None)
    years = sorted(set(years)) if years else _default_years(discovery, plans)
    if not years:
        raise InvalidInput([Problem("no_events", f"no event files under {events_dir}")])
    zones = {d.calendar.time_zone for d in chosen}
    if len(zones) > 1:
        raise InvalidInput([Problem("mixed_calendars", f"definitions use several time zones: {', '.join(zones)}")])
    report = AggregationReport((incremental[0] if incremental else engine).name, str(events_dir), list(years),
                               ignored=discovery.ignored)

    steps = len(plans) + 3
    done = 0

    def step(what: str) -> None:
        nonlocal done
        if progress:
            progress(what, done, steps)
        done += 1

    selected = {key: discovery.streams[key].select(years, history=p.history) if key in discovery.streams else []
                for key, p in plans.items()}
    # a fixed offset over every year read: history streams reach back before the requested years
    local = chosen[0].calendar.local(sorted(set(years) | {f.year for fs in selected.values() for f in fs}))
    frequencies = sorted({d.calendar.period for d in chosen}, key=lambda f: f.value)
    all_periods = [p for f in frequencies for p in _periods(years, f)]
    calendar = _calendar_table([f for fs in selected.values() for f in fs], all_periods)
    for user in {id(e): e for e in [engine, *([incremental[0]] if incremental else [])]}.values():
        user.register_table(CALENDAR, calendar)
    for frequency in frequencies:
        engine.register_table(periods_view(frequency.value), _periods_table(_periods(years, frequency)))
    distinct = {key: sorted({a.column for d in chosen for _, a in d.aggregates
                             if a.stream == key and a.kind is Kind.COUNT_DISTINCT and a.column}) for key in plans}

    plans = {key: replace(p, nullable=tuple(sorted({c for f in selected[key] for c in f.nullable})),
                          ids_shown=_ids_shown(selected[key])) for key, p in plans.items()}
    stream_reports = {key: StreamReport(key, scanned=len(selected[key])) for key in plans}
    raw_views: dict[str, Callable[[], None]] = {}
    sigs = {key: signature(plan, local.offset_us, distinct[key]) for key, plan in plans.items()} if incremental else {}
    together = False  # every stream's merged cube in one table (incremental runs)
    valid: list[str] = []  # then each stream's valid rows, a common table expression of the queries that read them
    if incremental is not None:  # bring the partial results up to date: scan the stale files, save in one go
        scanner, store = incremental
        scans = []
        for key, plan in plans.items():
            step(f"scanning {key}")
            stale = store.stale(sigs[key], selected[key])
            stream_reports[key].scanned = len(stale)
            if stale or not store.holds(sigs[key], plan, distinct[key]):  # a stream without files: its empty tables
                scans.append(_Scan(sigs[key], replace(plan, ids_shown=_ids_shown(stale)), key, tuple(stale),
                                   tuple(distinct[key]), plan_stream(key).directory(discovery.root)))
        gone = store.withdrawn([plan_stream(key).directory(discovery.root) for key in plans],
                               [f for key in plans if key in discovery.streams for f in discovery.streams[key].files])
        store.save(_scan_partials(scanner, scans, local.offset_us, store.own if scanner is engine else None,
                                  in_place=scanner is engine), gone)
        store.register_keys([(sigs[key], plan, selected[key]) for key, plan in plans.items()])
        # every stream's merged cube in one query (small; read by every measure), each stream's a view of it
        together = len(plans) > 1  # one column of each name (citystat.events.schemas.check_column_types)
        if together:
            engine.materialise(MERGED_CUBES, store.merged_cubes_sql([(sigs[k], p) for k, p in plans.items()]))
            store.own("TABLE", MERGED_CUBES)
    for key, plan in plans.items():
        strm = plan_stream(key)
        files = selected[key]
        register_raw = functools.partial(engine.register_stream, plan.raw, key, [f.path for f in files], plan.columns,
                                         strm.directory(discovery.root))
        if incremental is not None:  # the tables from the partial results, merged in the driver's DuckDB
            store = incremental[1]
            raw_views[key] = register_raw  # read only if the ids must be counted
            if together:  # the valid part of each stream's cube: named in the queries that read it, no view
                valid.append(f"{plan.valid} AS ({valid_sql(plan, store.stream_cube_sql(MERGED_CUBES, plan))})")
            else:
                engine.materialise(plan.cube, store.cube_sql(sigs[key], plan))
                store.own("TABLE", plan.cube)
            if distinct[key]:  # the distinct sets name their files
                engine.define_view(plan.files, store.files_sql(plan))
                store.own("VIEW", plan.files)
            for column in distinct[key]:
                engine.materialise(distinct_table(plan, column), store.distinct_sql(sigs[key], plan, column))
                store.own("TABLE", distinct_table(plan, column))
            if not together:
                engine.define_view(plan.valid, valid_sql(plan))
                store.own("VIEW", plan.valid)
            continue
        step(f"scanning {key}")
        register_raw()
        if not engine.dialect.partitions_in_scan:
            engine.register_table(plan.files, paths_table(files, keyed_by_name=False))
        try:
            engine.materialise(plan.cube, cube_sql(plan, engine.dialect, local.offset_us))
        except EngineError as exc:
            raise _damaged_files(key, files, plan.columns, exc) from exc
        engine.define_view(plan.valid, valid_sql(plan))
    step("checking the events")
    _file_checks(engine, plans, selected, stream_reports, raw_views,
                 MERGED_CUBES if together else None)
    report.streams = [stream_reports[k] for k in sorted(stream_reports)]

    prelude = f"WITH {', '.join(valid)} " if valid else ""
    requests = [(plan, periods_view(f.value)) for plan in plans.values() if plan.instants for f in frequencies]
    snapshots: dict[str, dict[str, int]] = {}
    if requests:
        by_index = {plan.index: key for key, plan in plans.items()}
        for stream_no, _, period, instant in engine.query(prelude + snapshots_sql(requests)):
            if instant is not None:
                day = (int(instant) + local.offset_us) // US_PER_DAY
                snapshots.setdefault(by_index[int(stream_no)], {})[str(period)] = day
    coverage = {}
    for key in plans:
        months = discovery.streams[key].months if key in discovery.streams else set()
        coverage[key] = StreamCoverage(frozenset(months), min(months) if months else None, snapshots.get(key, {}))

    step("computing the tables")
    wanted_periods = {}
    queries = []
    for definition in chosen:
        meta = metas[definition.table]
        periods = [c for c in meta.time.codes if Period.parse(c).start.year in set(years)]
        if not periods:
            report.skipped.append(definition.id)
            continue
        wanted_periods[definition.id] = periods
        for spec, aggregate in definition.aggregates:
            queries.append((definition.id, spec.code, aggregate_sql(definition, aggregate, plans[aggregate.stream],
                                                                    engine.dialect, local.offset_us,
                                                                    from_partials=incremental is not None)))
    results: dict[tuple[str, str], Values] = {(d, m): {} for d, m, _ in queries}
    for definition_id, measure, period, group, is_total, value in (engine.query(prelude + measures_sql(queries))
                                                                   if queries else []):
        if value is None:
            continue
        group_key = None if is_total or group is None or group == "" else str(group)
        results[str(definition_id), str(measure)][str(period), group_key] = int(value)
    derived: list[Table] = []
    for definition in chosen:
        if definition.id not in wanted_periods:
            continue
        values = {spec.code: results[definition.id, spec.code] for spec, _ in definition.aggregates}
        notes = _exclusion_notes(definition, stream_reports)
        derived.append(assemble(definition, metas[definition.table], wanted_periods[definition.id], values,
                                coverage, notes))
        report.tables.append(definition.id)
    step("done")
    report.seconds = time.perf_counter() - started
    return AggregationResult(derived, report)


MERGED_CUBES = "citystat_merged_cubes"
SCAN_PATHS = "citystat_scan_paths"
SCAN_RESULT = "citystat_scanned"  # partial results scanned on the store's own connection, before they are saved
SCAN_INDEX = 1000  # the scan of stale files names its views apart from the merge's (they may share an engine)


@dataclass(frozen=True)
class _Scan:
    """One stream's stale files, to be scanned into partial results."""

    sig: str
    plan: StreamPlan
    key: str
    files: tuple[EventFile, ...]
    distinct: tuple[str, ...]
    base: Path


def _scan_partials(scanner: Engine, scans: Sequence[_Scan], offset_us: int,
                   made: Callable[[str, str], None] | None = None, *, in_place: bool = False) -> list[Batch]:
    """Scan each stream's stale files on the scanning engine: their partial results, to be saved. On DuckDB the
    streams without distinct counts are read in one query, side by side, and streams whose scans differ only in
    their files in one read (a day's files are small: a query or a read each would spend more on starting than on
    reading). ``made`` is told each (kind, name) made on the engine. ``in_place``: the scanner is the store's own
    connection, so the partial results stay in temporary tables there (named by the batches) instead of
    travelling through Arrow and back."""
    if not scans:
        return []
    together = [i for i, scan in enumerate(scans) if not scan.distinct]
    if scanner.dialect.partitions_in_scan or len(together) < 2:
        together = []
    reads = _shared_reads(scanner, [(i, scans[i]) for i in together], offset_us)
    read_of: dict[int, tuple[int, int]] = {}  # scan -> (its read, its first file's place among the read's files)
    for number, members in enumerate(reads):
        first = 0
        for i in members:
            read_of[i] = (number, first)
            first += len(scans[i].files)
    tables = []
    for i, scan in enumerate(scans):
        table = paths_table(scan.files, scanner.dialect.partitions_in_scan)
        read, first = read_of.get(i, (-1, 0))
        tables.append(table.append_column("_scan_no", arrow_columns.column([i] * table.num_rows, pa.int32()))
                      .append_column("signature", arrow_columns.column([scan.sig] * table.num_rows, pa.string()))
                      .append_column("_read_no", arrow_columns.column([read] * table.num_rows, pa.int32()))
                      .append_column("_read_key", arrow_columns.column(range(first, first + table.num_rows),
                                                                       pa.int64())))
    scanner.register_table(SCAN_PATHS, pa.concat_tables(tables))  # the files of every scan, in one table
    made = made or (lambda kind, name: None)
    made("VIEW", SCAN_PATHS)
    prepared = [(scan, _prepare_scan(scanner, scan, i, offset_us, made)) for i, scan in enumerate(scans)]

    def kept(name: str, sql: str) -> pa.Table | str:
        """A scan's result: in a temporary table on the store's connection (its query), or as Arrow."""
        if not in_place:
            return scanner.fetch_arrow(sql)
        scanner.materialise(name, sql)
        made("TABLE", name)
        return f"SELECT * FROM {name}"

    cubes: dict[int, pa.Table | str] = {}
    if reads:  # side by side, then named by their paths in one join (a join per scan costs about a millisecond each)
        parts = " UNION ALL BY NAME ".join(
            f"SELECT {number} AS _read_no, * FROM ({_read_sql(scanner, [scans[i] for i in members], offset_us)})"
            for number, members in enumerate(reads))
        union = (f"SELECT k._path, k.signature, u.* EXCLUDE (_file_key, _read_no) FROM ({parts}) u "
                 f"JOIN {SCAN_PATHS} k ON k._read_no = u._read_no AND k._read_key = u._file_key")
        try:
            combined = kept(SCAN_RESULT, union)
        except EngineError:
            pass  # read them one by one below: the failing stream names its damaged files
        else:  # every row with its signature: saved in one go
            cubes.update((i, combined) for i in together)
    batches = []
    for i, (scan, sql) in enumerate(prepared):
        try:
            cube = cubes[i] if i in cubes else kept(f"{SCAN_RESULT}_{i}", sql)
            sets = {column: kept(f"{SCAN_RESULT}_{i}_{column}", _distinct_scan_sql(scanner, scan, column, offset_us))
                    for column in scan.distinct}
        except EngineError as exc:
            raise _damaged_files(scan.key, scan.files, scan.plan.columns, exc) from exc
        batches.append(Batch(scan.sig, scan.plan, scan.distinct, scan.files, cube, sets, signed=i in cubes))
    return batches


def _scan_names(scanner: Engine, scan: _Scan) -> tuple[StreamPlan, str, str]:
    """The scan's own plan (its views named apart), its table of paths, and how a row joins it."""
    plan = replace(scan.plan, index=scan.plan.index + SCAN_INDEX)
    # the files by key, partition and path: the scan's own table of files too (DuckDB), joined after the scan
    paths = plan.files if not scanner.dialect.partitions_in_scan else f"citystat_paths_{plan.index}"
    join = (f"JOIN {paths} k ON k._file_key = c._file_key AND k._part_year = c._part_year "
            "AND k._part_month = c._part_month")
    return plan, paths, join


def _prepare_scan(scanner: Engine, scan: _Scan, number: int, offset_us: int,
                  made: Callable[[str, str], None]) -> str:
    """Name the stale files on the scanning engine (the scan's files: its rows of the table of paths); the query
    of their grouped partial result."""
    plan, paths, join = _scan_names(scanner, scan)
    chosen = f"SELECT _file_key, _part_year, _part_month, _path FROM {SCAN_PATHS} WHERE _scan_no = {number}"
    inline = scanner.stream_sql(scan.key, [f.path for f in scan.files], plan.columns) if scan.files else None
    if inline is not None and not scan.distinct:  # one query, no views to name and drop
        return partial_scan_sql(plan, scanner.dialect, offset_us, f"({chosen})", f"({inline})")
    scanner.register_stream(plan.raw, scan.key, [f.path for f in scan.files], plan.columns, scan.base)
    made("VIEW", plan.raw)
    scanner.define_view(paths, chosen)
    made("VIEW", paths)
    if not scan.distinct:
        return partial_scan_sql(plan, scanner.dialect, offset_us, paths)
    try:  # the distinct sets are read from the raw events again: keep the cube
        scanner.materialise(plan.cube, cube_sql(plan, scanner.dialect, offset_us))
    except EngineError as exc:
        raise _damaged_files(scan.key, scan.files, scan.plan.columns, exc) from exc
    made("TABLE", plan.cube)
    columns = ", ".join(f"c.{c}" for c in partial_columns(plan))
    return f"SELECT k._path, {columns} FROM ({partial_sql(plan, scanner.dialect)}) c {join}"


def _shared_reads(scanner: Engine, scans: Sequence[tuple[int, _Scan]], offset_us: int) -> list[list[int]]:
    """The scans (numbered) grouped into reads: scans whose partial results are the same query but for the files
    read (the same columns, dimensions, sums and checks) are one read of all their files; a scan without files
    is a read of its own."""
    reads: dict[object, list[int]] = {}
    for number, scan in scans:
        plan = _scan_names(scanner, scan)[0]
        shape = (tuple(plan.columns), partial_scan_sql(plan, scanner.dialect, offset_us, None, "(?)"))
        reads.setdefault(shape if scan.files else number, []).append(number)
    return list(reads.values())


def _read_sql(scanner: Engine, scans: Sequence[_Scan], offset_us: int) -> str:
    """The partial results of one read (scans of one shape, see ``_shared_reads``), each row with its file's place
    among the read's files in place of its path (an engine with ``stream_sql``; a scan without files reads its
    raw view, named by ``_prepare_scan``)."""
    plan = _scan_names(scanner, scans[0])[0]
    files = [f.path for scan in scans for f in scan.files]
    source = f"({scanner.stream_sql(scans[0].key, files, plan.columns)})" if files else plan.raw
    return partial_scan_sql(plan, scanner.dialect, offset_us, None, source)


def _distinct_scan_sql(scanner: Engine, scan: _Scan, column: str, offset_us: int) -> str:
    plan, _, join = _scan_names(scanner, scan)
    kept = ", ".join(f"c.{c}" for c in distinct_columns(plan, column))
    return (f"SELECT k._path, c._local_day, {kept} "
            f"FROM ({distinct_partial_sql(plan, column, scanner.dialect, offset_us)}) c {join}")


def catalog_metas() -> dict[str, TableMeta]:
    from citystat.catalog import bundled_tables

    return {t.id: t.meta for t in bundled_tables()}


def store_tables(db: Path, result: AggregationResult, provenance: Provenance) -> list:
    """Load the derived tables into the store as releases, with their provenance (``events_provenance``: the
    engine, and for simulated events their scale and seed, as fields): checked first, all in one transaction."""
    from citystat.store import Store

    with Store(db) as store:
        return store.load_many(result.tables, origin=provenance)
