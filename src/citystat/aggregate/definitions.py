"""Declarative definitions: how each official table is computed from event streams.

One YAML file per derived table (``definitions/*.yaml``)::

    table: taipei_free_usage                 # the published table it reproduces
    calendar: {time_zone: Asia/Taipei, period: year}
    group:                                   # optional: a category variable of the table
      variable: category                     #   the table's variable
      column: category                       #   the event column
      values: {parking: parking, water: water, taxes: taxes}   # table value code: event value(s)
      total: all                             #   the aggregate value: every event, itemised or not
    measures:                                # one entry per metric value of the table
      total: {measure: count, stream: wifi.sessions, filter: {district: [daan, xinyi]}}
      monthly_average: {measure: average_per_month_in_service, of: total}

Measures an engine computes (whole numbers per period and group): ``count``, ``count_distinct`` (``column``),
``sum`` (``column``), ``stock_at_period_end`` (rows of the period's last snapshot; ``column`` to sum instead),
``net_cumulative_count`` (events up to the period end; ``sign: {column, plus, minus}`` counts ``minus`` values
negatively). Measures derived from those, exactly in decimal: ``average_per_month_in_service`` and
``average_per_day_in_service`` (``of`` a sibling, or with their own ``stream``/``filter``: then of a count), and
``share_of_total`` (``of`` a sibling, divided by the group's total). ``service_from`` (a month, ``2019M01``) says
when a measure's service began: earlier periods are nil (``-``) and averages divide by the months or days from
then; by default it is the catalog measure's.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pyarrow as pa
import yaml

from citystat.events.calendar import LocalCalendar
from citystat.events.schemas import Stream, stream
from citystat.model import Frequency, InvalidInput, MeasureKind, Period, Problem, Role, TableMeta

DEFINITIONS_DIR = Path(str(resources.files("citystat.aggregate") / "definitions"))
DERIVED_SUFFIX = "__events"
_SAFE_VALUE = re.compile(r"^[A-Za-z0-9_.\-]+$")
_WHOLE_NUMBER = re.compile(r"^-?[0-9]+$")


def derived_table_id(table_id: str) -> str:
    """The id of the event-derived twin of a published table: ``taipei_free_usage__events``."""
    return f"{table_id}{DERIVED_SUFFIX}"


def published_table_id(derived_id: str) -> str | None:
    return derived_id[: -len(DERIVED_SUFFIX)] if derived_id.endswith(DERIVED_SUFFIX) else None


class Kind(str, Enum):  # noqa: UP042 (a str enum, as in the model)
    COUNT = "count"
    COUNT_DISTINCT = "count_distinct"
    SUM = "sum"
    STOCK_AT_PERIOD_END = "stock_at_period_end"
    NET_CUMULATIVE_COUNT = "net_cumulative_count"
    AVERAGE_PER_MONTH = "average_per_month_in_service"
    AVERAGE_PER_DAY = "average_per_day_in_service"
    SHARE_OF_TOTAL = "share_of_total"

    @property
    def is_aggregate(self) -> bool:
        """Computed by an engine from events (the others are derived from these)."""
        return self in (Kind.COUNT, Kind.COUNT_DISTINCT, Kind.SUM, Kind.STOCK_AT_PERIOD_END, Kind.NET_CUMULATIVE_COUNT)

    @property
    def is_flow(self) -> bool:
        return self in (Kind.COUNT, Kind.COUNT_DISTINCT, Kind.SUM)


# The catalog measure kinds each definition measure may compute.
_COMPATIBLE = {
    Kind.COUNT: {MeasureKind.FLOW, MeasureKind.COUNT},
    Kind.COUNT_DISTINCT: {MeasureKind.FLOW, MeasureKind.COUNT},
    Kind.SUM: {MeasureKind.FLOW},
    Kind.STOCK_AT_PERIOD_END: {MeasureKind.STOCK},
    Kind.NET_CUMULATIVE_COUNT: {MeasureKind.STOCK},
    Kind.AVERAGE_PER_MONTH: {MeasureKind.MONTHLY_AVERAGE},
    Kind.AVERAGE_PER_DAY: {MeasureKind.DAILY_AVERAGE},
    Kind.SHARE_OF_TOTAL: {MeasureKind.SHARE},
}


@dataclass(frozen=True)
class Sign:
    column: str
    plus: tuple[str, ...]
    minus: tuple[str, ...]


@dataclass(frozen=True)
class Aggregate:
    """What an engine computes: one whole number per period (and group value) from one stream."""

    stream: str
    kind: Kind
    filter: tuple[tuple[str, tuple[str, ...]], ...] = ()
    column: str | None = None
    sign: Sign | None = None

    @property
    def columns(self) -> set[str]:
        """The event columns the aggregate reads, besides the time and the id."""
        cols = {c for c, _ in self.filter}
        if self.column:
            cols.add(self.column)
        if self.sign:
            cols.add(self.sign.column)
        return cols


@dataclass(frozen=True)
class MeasureSpec:
    code: str
    kind: Kind
    aggregate: Aggregate | None  # None for a measure derived from a sibling (``of``)
    of: str | None = None
    service_from: Period | None = None


@dataclass(frozen=True)
class Group:
    variable: str
    column: str
    values: tuple[tuple[str, tuple[str, ...]], ...]  # table value code -> event values
    total: str | None = None


@dataclass(frozen=True)
class Calendar:
    time_zone: str
    period: Frequency

    def local(self, years: Sequence[int]) -> LocalCalendar:
        """The fixed-offset calendar of the time zone over these years (raises for a DST zone)."""
        from datetime import datetime

        zone = ZoneInfo(self.time_zone)
        offset = datetime(min(years), 7, 1, 12, tzinfo=zone).utcoffset()
        assert offset is not None
        hours = offset.total_seconds() / 3600
        if hours != int(hours):
            raise ValueError(f"{self.time_zone}: offsets that are not whole hours are not supported")
        local = LocalCalendar(self.time_zone, int(hours))
        local.check_fixed(list(years))
        return local


@dataclass(frozen=True)
class Definition:
    table: str  # the published table
    id: str  # the derived table
    calendar: Calendar
    measures: tuple[MeasureSpec, ...]
    group: Group | None = None
    file: str = ""

    def measure(self, code: str) -> MeasureSpec:
        for m in self.measures:
            if m.code == code:
                return m
        raise KeyError(f"definition {self.id!r} has no measure {code!r}")

    @property
    def aggregates(self) -> list[tuple[MeasureSpec, Aggregate]]:
        return [(m, m.aggregate) for m in self.measures if m.aggregate is not None]

    @property
    def streams(self) -> set[str]:
        return {a.stream for _, a in self.aggregates}


class _Parser:
    def __init__(self, file: str):
        self.file = file
        self.problems: list[Problem] = []

    def problem(self, code: str, path: str, message: str) -> None:
        self.problems.append(Problem(code, f"{path}: {message}" if path else message, file=self.file))

    def values(self, raw: Any, path: str) -> tuple[str, ...]:
        items = raw if isinstance(raw, list) else [raw]
        out = []
        for item in items:
            text = str(item)
            if not _SAFE_VALUE.match(text):
                self.problem("bad_value", path, f"{text!r} is not a plain value (letters, digits, _ . -)")
            out.append(text)
        return tuple(out)

    def stream(self, key: Any, path: str) -> Stream | None:
        try:
            return stream(str(key))
        except KeyError as exc:
            self.problem("unknown_stream", path, str(exc.args[0]))
            return None

    def check_column(self, strm: Stream, name: str, path: str, *, category: bool = False,
                     integer: bool = False) -> bool:
        if not strm.has_column(name):
            self.problem("unknown_column", path, f"stream {strm.key} has no column {name!r}")
            return False
        col = strm.column(name)
        if category and not col.is_category:
            self.problem("not_a_category", path, f"column {name!r} of {strm.key} is not a category column")
            return False
        if integer and not pa.types.is_integer(col.type):
            self.problem("not_an_integer", path, f"column {name!r} of {strm.key} is not a whole-number column")
            return False
        return True

    def check_values(self, strm: Stream, name: str, values: tuple[str, ...], path: str) -> None:
        col = strm.column(name)
        if pa.types.is_integer(col.type):
            bad = [v for v in values if not _WHOLE_NUMBER.match(v)]
            if bad:
                self.problem("not_an_integer", path, f"{', '.join(bad)}: {strm.key}.{name} holds whole numbers")
            return
        unknown = [v for v in values if col.categories and v not in col.categories]
        if unknown:
            self.problem("unknown_value", path, f"{', '.join(unknown)} not among the values of {strm.key}.{name} "
                         f"({', '.join(col.categories)})")

    def aggregate(self, raw: Mapping[str, Any], kind: Kind, path: str) -> Aggregate | None:
        strm = self.stream(raw.get("stream"), f"{path}.stream") if "stream" in raw else None
        if strm is None:
            if "stream" not in raw:
                self.problem("missing_field", path, "a measure computed from events needs a 'stream'")
            return None
        filters = []
        for column, value in (raw.get("filter") or {}).items():
            values = self.values(value, f"{path}.filter.{column}")
            if self.check_column(strm, str(column), f"{path}.filter"):
                self.check_values(strm, str(column), values, f"{path}.filter.{column}")
            filters.append((str(column), values))
        column = raw.get("column")
        base_kind = kind if kind.is_aggregate else (Kind.SUM if column else Kind.COUNT)
        if base_kind in (Kind.SUM, Kind.COUNT_DISTINCT) and not column:
            self.problem("missing_field", path, f"a {base_kind.value} needs a 'column'")
            return None
        if column is not None:
            self.check_column(strm, str(column), f"{path}.column", integer=base_kind in (Kind.SUM,
                                                                                          Kind.STOCK_AT_PERIOD_END))
        sign = None
        if "sign" in raw:
            if base_kind is not Kind.NET_CUMULATIVE_COUNT:
                self.problem("bad_field", f"{path}.sign", "only a net_cumulative_count has a sign")
            s = raw["sign"] or {}
            sign_column = str(s.get("column"))
            plus, minus = self.values(s.get("plus", []), f"{path}.sign.plus"), self.values(
                s.get("minus", []), f"{path}.sign.minus")
            if self.check_column(strm, sign_column, f"{path}.sign", category=True):
                self.check_values(strm, sign_column, plus + minus, f"{path}.sign")
            sign = Sign(sign_column, plus, minus)
        return Aggregate(strm.key, base_kind, tuple(sorted(filters)), str(column) if column else None, sign)

    def measure(self, code: str, raw: Any, path: str) -> MeasureSpec | None:
        if not isinstance(raw, Mapping):
            self.problem("bad_measure", path, "a measure must be a mapping with 'measure'")
            return None
        try:
            kind = Kind(raw.get("measure"))
        except ValueError:
            allowed = ", ".join(k.value for k in Kind)
            self.problem("bad_measure", f"{path}.measure", f"unknown measure {raw.get('measure')!r}; use {allowed}")
            return None
        service_from = None
        if raw.get("service_from") is not None:
            try:
                service_from = Period.parse(str(raw["service_from"]))
            except ValueError as exc:
                self.problem("bad_period", f"{path}.service_from", str(exc))
        of = raw.get("of")
        aggregate = None
        if kind.is_aggregate or (kind in (Kind.AVERAGE_PER_MONTH, Kind.AVERAGE_PER_DAY) and of is None):
            aggregate = self.aggregate(raw, kind, path)
            if aggregate is None:
                return None
        elif of is None:
            self.problem("missing_field", path, f"a {kind.value} needs 'of' (the measure it is computed from)")
            return None
        return MeasureSpec(code, kind, aggregate, str(of) if of is not None else None, service_from)


def _city_time_zone() -> str:
    """Where a definition names no time zone: the catalog's city's (local time decides days, months, years)."""
    from citystat.catalog import bundled_city

    return bundled_city().time_zone


def parse_definition(raw: Any, *, file: str = "") -> Definition:
    """Parse and check one definition; raises InvalidInput listing every problem."""
    p = _Parser(file)
    if not isinstance(raw, Mapping) or "table" not in raw or "measures" not in raw:
        raise InvalidInput([Problem("bad_definition", "a definition needs 'table' and 'measures'", file=file)])
    table = str(raw["table"])
    cal_raw = raw.get("calendar") or {}
    time_zone = str(cal_raw.get("time_zone") or _city_time_zone())
    try:
        ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        p.problem("bad_calendar", "calendar.time_zone", f"unknown time zone {time_zone!r}")
    try:
        period = Frequency(str(cal_raw.get("period", "year")))
        if period is Frequency.DAY:
            raise ValueError
    except ValueError:
        p.problem("bad_calendar", "calendar.period", "the period must be 'year' or 'month'")
        period = Frequency.YEAR
    measures = []
    for code, item in (raw.get("measures") or {}).items():
        m = p.measure(str(code), item, f"measures.{code}")
        if m:
            measures.append(m)
    codes = {m.code for m in measures}
    by_code = {m.code: m for m in measures}
    for m in measures:
        if m.of is None:
            continue
        base = by_code.get(m.of)
        if m.of not in codes:
            p.problem("unknown_measure", f"measures.{m.code}.of", f"no measure {m.of!r} in this definition")
        elif base is None or base.aggregate is None:
            p.problem("bad_measure", f"measures.{m.code}.of", f"{m.of!r} must be computed from events")
        elif m.kind is not Kind.SHARE_OF_TOTAL and not base.kind.is_flow:
            p.problem("bad_measure", f"measures.{m.code}.of", f"an average is of a flow, not of a {base.kind.value}")
    group = None
    if raw.get("group") is not None:
        g = raw["group"]
        values = tuple((str(code), p.values(v, f"group.values.{code}")) for code, v in (g.get("values") or {}).items())
        group = Group(str(g.get("variable")), str(g.get("column")), values,
                      str(g["total"]) if g.get("total") is not None else None)
        for m in measures:
            if m.aggregate is None:
                continue
            strm = stream(m.aggregate.stream)
            if p.check_column(strm, group.column, f"measures.{m.code}: group.column"):
                p.check_values(strm, group.column, tuple(v for _, vs in values for v in vs), "group.values")
            if m.aggregate.kind is Kind.COUNT_DISTINCT and any(len(vs) > 1 for _, vs in values):
                p.problem("bad_group", "group.values", "a distinct count cannot add up several event values")
    if any(m.kind is Kind.SHARE_OF_TOTAL for m in measures) and (group is None or group.total is None):
        p.problem("bad_group", "measures", "a share of the total needs a group with a 'total'")
    table_id = str(raw.get("id") or derived_table_id(table))
    for name, what in [(table, "table"), (table_id, "id"), *((m.code, f"measures.{m.code}") for m in measures)]:
        if not _SAFE_VALUE.match(name):
            p.problem("bad_name", what, f"{name!r} must be letters, digits, _ . -")
    if p.problems:
        raise InvalidInput(p.problems)
    return Definition(table, table_id, Calendar(time_zone, period),
                      tuple(measures), group, file)


def load_definitions(directory: Path | None = None) -> list[Definition]:
    """Every definition in a directory (the bundled ones by default), checked."""
    directory = directory or DEFINITIONS_DIR
    out, problems = [], []
    for path in sorted(directory.glob("*.yaml")):
        try:
            out.append(parse_definition(yaml.safe_load(path.read_text(encoding="utf-8")), file=path.name))
        except InvalidInput as exc:
            problems += exc.problems
        except yaml.YAMLError as exc:
            problems.append(Problem("bad_yaml", f"not valid YAML: {exc}", file=path.name))
    if problems:
        raise InvalidInput(problems)
    return out


def check_against(definition: Definition, meta: TableMeta) -> list[Problem]:
    """Does the definition compute every cell of the table, each with a measure of the right kind?"""
    problems = []

    def problem(code: str, message: str) -> None:
        problems.append(Problem(code, message, table=meta.id, file=definition.file or None))

    table_measures = meta.measures
    defined = {m.code for m in definition.measures}
    for code in table_measures:
        if code not in defined:
            problem("undefined_measure", f"the table's measure {code!r} has no definition")
    for m in definition.measures:
        if m.code not in table_measures:
            problem("unknown_measure", f"the table has no measure {m.code!r}")
        elif table_measures[m.code].kind not in _COMPATIBLE[m.kind]:
            problem("incompatible_measure", f"{m.code}: a {m.kind.value} cannot compute the table's "
                    f"{table_measures[m.code].kind.value}")
    others = [v for v in meta.variables if v.role not in (Role.TIME, Role.METRIC)]
    if definition.group is None and others:
        problem("missing_group", f"the table's variable {others[0].code!r} needs a 'group'")
    if definition.group is not None:
        g = definition.group
        variable = next((v for v in others if v.code == g.variable), None)
        if variable is None:
            problem("unknown_variable", f"the table has no category variable {g.variable!r}")
        else:
            expected = set(variable.codes) - ({g.total} if g.total else set())
            given = {code for code, _ in g.values}
            if expected != given:
                problem("group_values", f"group values {sorted(given)} must be the table's {sorted(expected)}")
            if g.total and (variable.aggregate is None or variable.aggregate.code != g.total):
                problem("group_total", f"{g.total!r} is not the aggregate value of {g.variable!r}")
    for code in meta.time.codes:
        frequency = Period.parse(code).frequency
        if frequency is not definition.calendar.period:
            problem("calendar_period", f"the table's period {code} is not a {definition.calendar.period.value}")
            break
    return problems
