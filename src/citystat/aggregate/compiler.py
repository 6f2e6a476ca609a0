"""Compiling definitions to SQL for DuckDB and for Spark.

One compiler, two dialects: they differ only in how an instant becomes epoch microseconds, how whole numbers
divide, and how a row names its file. Nothing here is written for a particular table.

Every stream is scanned once. The scan (the *cube*) groups its events by file, local day (UTC microseconds plus the
calendar's offset, divided by a day: exact, since the calendar has a fixed offset) and the columns the definitions
filter or group on; it counts events, sums amounts, and keeps what the quality checks need (per file: events whose
local date lies outside the file's year=/month= partition, events missing a value, and the smallest and largest
``event_id - row number``, which prove ids distinct without hashing a billion of them). Each measure is then a small
query over the valid part of the cube, joined to a calendar table and a table of the requested periods, which both
engines receive from Python, so neither engine's date functions are involved.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pyarrow as pa

from citystat.aggregate.definitions import Aggregate, Definition, Kind
from citystat.events.calendar import US_PER_DAY
from citystat.events.schemas import ID_COLUMN, TIME_COLUMN, stream

CALENDAR = "citystat_calendar"


@dataclass(frozen=True)
class Dialect:
    name: str
    epoch_template: str
    div_template: str
    # whether the raw view has the partition (_part_year, _part_month) on every row; if not, a small table
    # {plan.files} (_file_key, _part_year, _part_month) gives it per file, joined after the scan
    partitions_in_scan: bool
    # the local date of a row as a cheap key to group on ({0}: local epoch microseconds), and how a grouped key
    # becomes the day number ({0}: the key); None: the day number itself is the key (a division per row)
    date_key_template: str | None = None
    day_number_template: str = "{0}"

    def epoch_us(self, expr: str) -> str:
        return self.epoch_template.format(expr)

    def div(self, a: str, b: str | int) -> str:
        return self.div_template.format(a, b)

    def local_day_key(self, ts: str, offset_us: int) -> str:
        """A key per local day, for grouping: computed for every event, so it should be cheap."""
        local = f"{self.epoch_us(ts)} + {offset_us}"
        if self.date_key_template is None:
            return f"CAST({self.div(local, US_PER_DAY)} AS INT)"
        return self.date_key_template.format(local)

    def day_number(self, key: str) -> str:
        """The day number (days since 1970-01-01, local) of a ``local_day_key``."""
        return self.day_number_template.format(key)

    def local_day(self, ts: str, offset_us: int) -> str:
        return self.day_number(self.local_day_key(ts, offset_us))


# Every engine's raw view of a stream has the event columns plus _file_key (the row's file: DuckDB's position of
# the file in the list it was given; Spark's file name, unique within a year=/month= partition) and _row (its row
# number in the file). Spark's view also has the partition of every row (from the path); DuckDB reads faster
# without, and gets the partition of each file from a table instead.
# DuckDB: the local date by a cast of the local instant (the date of a timestamp is taken with a division by a
# constant the compiler turns into a multiplication; ``//`` divides each row with a division instruction), turned
# into a day number only once per group. The same day numbers as ``epoch // day`` for every instant after 1970.
DUCKDB = Dialect("duckdb", "epoch_us({})", "({}) // ({})", partitions_in_scan=False,
                 date_key_template="CAST(make_timestamp({0}) AS DATE)",
                 day_number_template="CAST(({0}) - DATE '1970-01-01' AS INT)")
SPARK = Dialect("spark", "unix_micros({})", "({}) div ({})", partitions_in_scan=True)


def periods_view(frequency: str) -> str:
    return f"citystat_periods_{frequency}"


@dataclass(frozen=True)
class StreamPlan:
    """How one stream is read: the columns, the cube's dimensions and sums, and what its measures need."""

    stream: str
    index: int
    dims: tuple[str, ...]
    sums: tuple[str, ...]
    required: tuple[str, ...]  # columns a usable event must have (dims, sums, distinct-count columns)
    instants: bool  # keep each snapshot's instant (stock at period end)
    history: bool  # read every year up to the period end (net cumulative counts)
    nullable: tuple[str, ...] | None = None  # columns that may hold nulls in the files read (None: any may)
    ids_shown: bool = False  # every file read has ids its pages show consecutive: the scan needs no certificate

    @property
    def raw(self) -> str:
        return f"citystat_raw_{self.index}"

    @property
    def files(self) -> str:
        return f"citystat_files_{self.index}"

    @property
    def cube(self) -> str:
        return f"citystat_cube_{self.index}"

    @property
    def valid(self) -> str:
        return f"citystat_valid_{self.index}"

    @property
    def columns(self) -> list[str]:
        """The event columns to read, in the stream's order."""
        wanted = {ID_COLUMN, TIME_COLUMN, *self.required}
        return [c.name for c in stream(self.stream).columns if c.name in wanted]


def plan_streams(definitions: Sequence[Definition]) -> dict[str, StreamPlan]:
    acc: dict[str, dict] = {}
    for definition in definitions:
        for _, aggregate in definition.aggregates:
            entry = acc.setdefault(aggregate.stream, {"dims": set(), "sums": set(), "required": set(),
                                                      "instants": False, "history": False})
            entry["dims"] |= {c for c, _ in aggregate.filter}
            if definition.group is not None:
                entry["dims"].add(definition.group.column)
            if aggregate.sign is not None:
                entry["dims"].add(aggregate.sign.column)
            if aggregate.column and aggregate.kind in (Kind.SUM, Kind.STOCK_AT_PERIOD_END):
                entry["sums"].add(aggregate.column)
            entry["required"] |= aggregate.columns | entry["dims"]
            entry["instants"] |= aggregate.kind is Kind.STOCK_AT_PERIOD_END
            entry["history"] |= aggregate.kind is Kind.NET_CUMULATIVE_COUNT
    plans = {}
    for index, key in enumerate(sorted(acc)):
        order = [c.name for c in stream(key).columns]
        e = acc[key]
        plans[key] = StreamPlan(
            key, index, tuple(sorted(e["dims"], key=order.index)), tuple(sorted(e["sums"], key=order.index)),
            tuple(sorted(e["required"], key=order.index)), e["instants"], e["history"],
        )
    return plans


def _complete(plan: StreamPlan, alias: str = "") -> str:
    """Whether an event has every value the definitions need (TRUE when the files' metadata rule out nulls)."""
    prefix = f"{alias}." if alias else ""
    columns = [c for c in (TIME_COLUMN, ID_COLUMN, *plan.required) if plan.nullable is None or c in plan.nullable]
    return " AND ".join(f"{prefix}{c} IS NOT NULL" for c in columns) or "TRUE"


def grouped_sql(plan: StreamPlan, dialect: Dialect, offset_us: int, source: str | None = None) -> str:
    """The scan: events grouped by file, local day and the plan's dimensions, with the checks' counts; of the
    stream's raw view, or of ``source`` (a relation with the same columns)."""
    partitions = ["_part_year", "_part_month"] if dialect.partitions_in_scan else []
    keys = ["_file_key", *partitions, f"{dialect.local_day_key(TIME_COLUMN, offset_us)} AS _local_day"]
    if plan.instants:
        keys.append(f"{dialect.epoch_us(TIME_COLUMN)} AS _instant")
    complete = _complete(plan)
    constants = []  # when the files' metadata rule out nulls every event is complete: not a key to group on
    if complete == "TRUE":
        constants.append("TRUE AS _complete")
    else:
        keys.append(f"({complete}) AS _complete")
    keys += list(plan.dims)
    ids_nullable = plan.nullable is None or ID_COLUMN in plan.nullable
    if plan.ids_shown:  # every file's pages showed its ids consecutive (citystat.aggregate.id_runs)
        certificate = ["CAST(NULL AS BIGINT) AS _id_offset_min", "CAST(NULL AS BIGINT) AS _id_offset_max"]
    else:  # a file whose event_id - row number is one constant c holds the ids c .. c + rows - 1
        certificate = [f"min({ID_COLUMN} - _row) AS _id_offset_min", f"max({ID_COLUMN} - _row) AS _id_offset_max"]
    measures = [
        *constants,
        "count(*) AS _events", f"count({ID_COLUMN}) AS _with_id" if ids_nullable else "count(*) AS _with_id",
        *certificate, *(f"sum({c}) AS _sum_{c}" for c in plan.sums),
    ]
    ordinals = ", ".join(str(i + 1) for i in range(len(keys)))
    grouped = f"SELECT {', '.join(keys + measures)} FROM {source or plan.raw} GROUP BY {ordinals}"
    day = dialect.day_number("_local_day")
    return grouped if day == "_local_day" else f"SELECT * REPLACE ({day} AS _local_day) FROM ({grouped})"


def cube_from_grouped_sql(plan: StreamPlan, grouped: str, partitions_in_scan: bool) -> str:
    """The cube: the grouped scan with each row's partition and local calendar month."""
    if partitions_in_scan:
        return (f"SELECT g.*, cal._year, cal._month FROM ({grouped}) g "
                f"LEFT JOIN {CALENDAR} cal ON cal._local_day = g._local_day")
    return (f"SELECT g.*, f._part_year, f._part_month, cal._year, cal._month FROM ({grouped}) g "
            f"JOIN {plan.files} f ON f._file_key = g._file_key "
            f"LEFT JOIN {CALENDAR} cal ON cal._local_day = g._local_day")


def cube_sql(plan: StreamPlan, dialect: Dialect, offset_us: int) -> str:
    return cube_from_grouped_sql(plan, grouped_sql(plan, dialect, offset_us), dialect.partitions_in_scan)


def partial_columns(plan: StreamPlan) -> list[str]:
    """The grouped scan's columns kept as a file's partial result (whole numbers as BIGINT on every engine)."""
    return ["_local_day", *(["_instant"] if plan.instants else []), "_complete", *plan.dims, "_events",
            "_with_id", "_id_offset_min", "_id_offset_max", *(f"_sum_{c}" for c in plan.sums)]


def _partial_columns_typed(plan: StreamPlan, alias: str) -> str:
    """The partial result's columns, whole numbers as BIGINT (days as INT) on every engine."""
    typed = {"_local_day": "INT", "_instant": "BIGINT", "_events": "BIGINT", "_with_id": "BIGINT",
             "_id_offset_min": "BIGINT", "_id_offset_max": "BIGINT", **{f"_sum_{c}": "BIGINT" for c in plan.sums}}
    return ", ".join(f"CAST({alias}.{c} AS {typed[c]}) AS {c}" if c in typed else f"{alias}.{c}"
                     for c in partial_columns(plan))


def partial_sql(plan: StreamPlan, dialect: Dialect) -> str:
    """A file's partial result, read from the engine's cube: its file, partition and grouped columns."""
    return f"SELECT c._file_key, c._part_year, c._part_month, {_partial_columns_typed(plan, 'c')} FROM {plan.cube} c"


def partial_scan_sql(plan: StreamPlan, dialect: Dialect, offset_us: int, paths: str | None,
                     source: str | None = None) -> str:
    """The partial results of the files read, straight from the grouped scan (of ``source`` if given), each row
    named by its file's path (``paths``: _file_key, _part_year, _part_month, _path), or with ``paths`` None by its
    file's key (and partition, where the scan has it), to be named after several scans are read together. No
    calendar: a partial result keeps local days."""
    grouped = grouped_sql(plan, dialect, offset_us, source)
    keys = ["_file_key", *(["_part_year", "_part_month"] if dialect.partitions_in_scan else [])]
    if paths is None:
        return f"SELECT {', '.join(f'g.{k}' for k in keys)}, {_partial_columns_typed(plan, 'g')} FROM ({grouped}) g"
    on = " AND ".join(f"k.{k} = g.{k}" for k in keys)
    return (f"SELECT k._path, {_partial_columns_typed(plan, 'g')} "
            f"FROM ({grouped}) g JOIN {paths} k ON {on}")


def distinct_table(plan: StreamPlan, column: str) -> str:
    return f"citystat_distinct_{plan.index}_{column}"


def distinct_partial_sql(plan: StreamPlan, column: str, dialect: Dialect, offset_us: int) -> str:
    """Per file, local day and dimensions, the distinct values of ``column`` among complete events: the exact
    set that distinct counts over any span of days are taken from."""
    part = ["r._part_year", "r._part_month"] if dialect.partitions_in_scan else [
        "f._part_year", "f._part_month"]
    files = "" if dialect.partitions_in_scan else f"JOIN {plan.files} f ON f._file_key = r._file_key"
    kept = [f"r.{c}" for c in distinct_columns(plan, column)]
    return (f"SELECT DISTINCT r._file_key, {', '.join(part)}, "
            f"{dialect.local_day('r.' + TIME_COLUMN, offset_us)} AS _local_day, "
            f"{', '.join(kept)} FROM {plan.raw} r {files} WHERE {_complete(plan, 'r')}")


def distinct_columns(plan: StreamPlan, column: str) -> list[str]:
    return [*plan.dims, *([column] if column not in plan.dims else [])]


_file_check_measures = """CAST(sum(c._events) AS BIGINT),
               CAST(sum(CASE WHEN c._complete THEN 0 ELSE c._events END) AS BIGINT),
               CAST(sum(CASE WHEN c._complete AND (c._year IS NULL OR c._year <> c._part_year
                                                   OR c._month <> c._part_month) THEN c._events ELSE 0 END)
                    AS BIGINT),
               CAST(sum(c._with_id) AS BIGINT), min(c._id_offset_min), max(c._id_offset_max)"""


def file_check_sql(plans: Sequence[StreamPlan], merged: str | None = None) -> str:
    """Per stream and file: events, events missing a value, events dated outside the file's partition month,
    and the id certificate (the least and greatest event_id - row number; null when the scan did not compute it);
    one query for every stream. With ``merged`` (a table of every stream's cube, each row with its
    ``_stream_no``), one grouping of that table."""
    if merged is not None:
        return f"""
        SELECT c._stream_no AS stream_no, c._file_key, c._part_year, c._part_month,
               {_file_check_measures}
        FROM {merged} c
        WHERE c._stream_no IN ({', '.join(str(plan.index) for plan in plans)})
        GROUP BY c._stream_no, c._file_key, c._part_year, c._part_month"""
    parts = [f"""
        SELECT {plan.index} AS stream_no, c._file_key, c._part_year, c._part_month,
               {_file_check_measures}
        FROM {plan.cube} c
        GROUP BY c._file_key, c._part_year, c._part_month""" for plan in plans]
    return "\nUNION ALL\n".join(parts)


def valid_sql(plan: StreamPlan, cube: str | None = None) -> str:
    """The cube (the stream's, or the query ``cube``) without excluded events: complete, and dated within their
    file's partition month."""
    source = f"({cube}) c" if cube else plan.cube
    return f"SELECT * FROM {source} WHERE _complete AND _year = _part_year AND _month = _part_month"


def duplicate_count_sql(plan: StreamPlan) -> str:
    return f"SELECT count({ID_COLUMN}), count(DISTINCT {ID_COLUMN}) FROM {plan.raw}"


def duplicate_examples_sql(plan: StreamPlan, limit: int = 5) -> str:
    return (f"SELECT {ID_COLUMN}, count(*) FROM {plan.raw} WHERE {ID_COLUMN} IS NOT NULL GROUP BY {ID_COLUMN} "
            f"HAVING count(*) > 1 ORDER BY {ID_COLUMN} LIMIT {limit}")


def duplicate_files_sql(plan: StreamPlan, dialect: Dialect, ids: Sequence[int]) -> str:
    listed = ", ".join(str(int(i)) for i in ids)
    key = "_file_key, _part_year, _part_month" if dialect.partitions_in_scan else "_file_key"
    return f"SELECT DISTINCT {key} FROM {plan.raw} WHERE {ID_COLUMN} IN ({listed})"


def _literal(stream_key: str, column: str, value: str) -> str:
    col = stream(stream_key).column(column)
    if pa.types.is_integer(col.type):
        return str(int(value))
    return "'" + value.replace("'", "''") + "'"


def _where(aggregate: Aggregate, alias: str) -> str:
    conditions = [
        f"{alias}.{column} IN ({', '.join(_literal(aggregate.stream, column, v) for v in values)})"
        for column, values in aggregate.filter
    ]
    return " AND ".join(conditions) if conditions else "1 = 1"


def _grouping(definition: Definition, alias: str) -> tuple[str, str]:
    """(select list after the period, GROUP BY clause)."""
    group = definition.group
    if group is None:
        return "'' AS group_value, 0 AS is_total", "p.period"
    column = f"{alias}.{group.column}"
    if group.total is None:
        return f"{column} AS group_value, 0 AS is_total", f"p.period, {column}"
    return (f"{column} AS group_value, grouping({column}) AS is_total",
            f"GROUPING SETS ((p.period, {column}), (p.period))")


def snapshot_sql(plan: StreamPlan, periods: str) -> str:
    """The instant of the last snapshot in each period."""
    return (f"SELECT p.period, max(v._instant) AS instant FROM {plan.valid} v "
            f"JOIN {periods} p ON v._local_day BETWEEN p.first_day AND p.last_day GROUP BY p.period")


def snapshots_sql(requests: Sequence[tuple[StreamPlan, str]]) -> str:
    """The last snapshot instant of each period, for several (stream, periods view) pairs in one query."""
    return "\nUNION ALL\n".join(
        f"SELECT {plan.index} AS stream_no, '{periods}' AS periods, q.period, q.instant "
        f"FROM ({snapshot_sql(plan, periods)}) q" for plan, periods in requests)


def measures_sql(queries: Sequence[tuple[str, str, str]]) -> str:
    """Several measure queries, each tagged (definition id, measure code), as one query of uniform columns."""
    return "\nUNION ALL\n".join(
        f"SELECT '{definition}' AS definition, '{measure}' AS measure, q.period, q.group_value, "
        f"CAST(q.is_total AS INT) AS is_total, CAST(q.value AS DECIMAL(38, 0)) AS value FROM ({sql}) q"
        for definition, measure, sql in queries)


def aggregate_sql(definition: Definition, aggregate: Aggregate, plan: StreamPlan, dialect: Dialect,
                  offset_us: int, *, from_partials: bool = False) -> str:
    """One measure: rows of (period, group value, is_total, value), whole numbers. ``from_partials``: distinct
    counts from the stored per-file, per-day sets (``distinct_table``) instead of the raw events."""
    periods = periods_view(definition.calendar.period.value)
    kind = aggregate.kind
    if kind is Kind.COUNT_DISTINCT and from_partials and aggregate.column:
        select, group_by = _grouping(definition, "r")
        return f"""
            SELECT p.period, {select}, count(DISTINCT r.{aggregate.column}) AS value
            FROM {distinct_table(plan, aggregate.column)} r JOIN {plan.files} f ON f._file_key = r._file_key
            JOIN {CALENDAR} cal ON cal._local_day = r._local_day
            JOIN {periods} p ON cal._local_day BETWEEN p.first_day AND p.last_day
            WHERE cal._year = f._part_year AND cal._month = f._part_month AND {_where(aggregate, 'r')}
            GROUP BY {group_by}"""
    if kind is Kind.COUNT_DISTINCT:
        select, group_by = _grouping(definition, "r")
        part = "r" if dialect.partitions_in_scan else "f"
        files = "" if dialect.partitions_in_scan else f"JOIN {plan.files} f ON f._file_key = r._file_key"
        return f"""
            SELECT p.period, {select}, count(DISTINCT r.{aggregate.column}) AS value
            FROM {plan.raw} r {files}
            JOIN {CALENDAR} cal ON cal._local_day = {dialect.local_day('r.' + TIME_COLUMN, offset_us)}
            JOIN {periods} p ON cal._local_day BETWEEN p.first_day AND p.last_day
            WHERE {_complete(plan, 'r')} AND cal._year = {part}._part_year AND cal._month = {part}._part_month
              AND {_where(aggregate, 'r')}
            GROUP BY {group_by}"""
    select, group_by = _grouping(definition, "v")
    where = _where(aggregate, "v")
    if kind is Kind.STOCK_AT_PERIOD_END:
        value = f"v._sum_{aggregate.column}" if aggregate.column else "v._events"
        return f"""
            SELECT p.period, {select}, sum({value}) AS value
            FROM ({snapshot_sql(plan, periods)}) p
            JOIN {plan.valid} v ON v._instant = p.instant
            WHERE {where}
            GROUP BY {group_by}"""
    if kind is Kind.NET_CUMULATIVE_COUNT:
        sign = aggregate.sign
        if sign is None:
            value = "v._events"
        else:
            plus = ", ".join(_literal(aggregate.stream, sign.column, v) for v in sign.plus) or "NULL"
            minus = ", ".join(_literal(aggregate.stream, sign.column, v) for v in sign.minus) or "NULL"
            value = (f"CASE WHEN v.{sign.column} IN ({plus}) THEN v._events "
                     f"WHEN v.{sign.column} IN ({minus}) THEN -v._events ELSE 0 END")
        join = "v._local_day <= p.last_day"
    else:
        value = "v._events" if kind is Kind.COUNT else f"v._sum_{aggregate.column}"
        join = "v._local_day BETWEEN p.first_day AND p.last_day"
    return f"""
        SELECT p.period, {select}, sum({value}) AS value
        FROM {plan.valid} v
        JOIN {periods} p ON {join}
        WHERE {where}
        GROUP BY {group_by}"""
