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

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import Enum
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, ClassVar
from zoneinfo import ZoneInfo

import pyarrow as pa
from pydantic import AfterValidator, PlainValidator, TypeAdapter, ValidationInfo

from citystat.catalog.reading import read_yaml_file
from citystat.events.calendar import LocalCalendar
from citystat.events.schemas import Stream, stream
from citystat.model import Frequency, InvalidInput, MeasureKind, Period, Problem, Role, TableMeta
from citystat.model.schema import (
    Code,
    Entries,
    Finding,
    LineOf,
    Schema,
    ServiceFrom,
    TimeZone,
    choice,
    fail,
    kind_of,
    several,
    string,
    validate,
)

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
        return _local_calendar(self.time_zone, tuple(sorted(set(years))))


@functools.lru_cache(maxsize=64)
def _local_calendar(time_zone: str, years: tuple[int, ...]) -> LocalCalendar:
    """The zone's fixed offset over these years, each day checked once per process (zones do not change while it
    runs): a process that aggregates every day does not check the year again each time."""
    from datetime import datetime

    zone = ZoneInfo(time_zone)
    offset = datetime(min(years), 7, 1, 12, tzinfo=zone).utcoffset()
    assert offset is not None
    hours = offset.total_seconds() / 3600
    if hours != int(hours):
        raise ValueError(f"{time_zone}: offsets that are not whole hours are not supported")
    local = LocalCalendar(time_zone, int(hours))
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


def _event_values(raw: Any) -> tuple[str, ...]:
    """Event values: one or a list, each plain (letters, digits, _ . -), as text."""
    items = raw if isinstance(raw, list) else [raw]
    findings = [Finding("bad_value", f"{str(item)[:80]!r} is not a plain value", (i,) if raw is items else (),
                        expected="letters, digits, _ . -", found=kind_of(item))
                for i, item in enumerate(items)
                if isinstance(item, (Mapping, list)) or not _SAFE_VALUE.match(str(item))]
    if findings:
        raise several(findings)
    return tuple(str(item) for item in items)


EventValues = Annotated[tuple[str, ...], PlainValidator(_event_values)]


class CalendarSchema(Schema):
    time_zone: TimeZone | None = None
    period: Annotated[Frequency, choice(Frequency, "bad_calendar", "period",
                                        allowed=(Frequency.YEAR, Frequency.MONTH))] = Frequency.YEAR


class SignSchema(Schema):
    column: Code
    plus: EventValues = ()
    minus: EventValues = ()


class MeasureSchema(Schema):
    """One measure of a definition: computed by an engine from a stream, or derived from a sibling (``of``)."""

    measure: Annotated[Kind, choice(Kind, "bad_measure", "measure")]
    stream: Annotated[str, string("unknown_stream", "a stream")] | None = None
    filter: Annotated[dict[Code, EventValues], Entries] = {}
    column: Code | None = None
    sign: SignSchema | None = None
    of: Code | None = None
    service_from: ServiceFrom | None = None


class GroupSchema(Schema):
    variable: Code
    column: Code
    values: dict[Code, EventValues]
    total: Code | None = None


def _column_findings(strm: Stream, name: str, at: tuple[str | int, ...], *, category: bool = False,
                     integer: bool = False) -> list[Finding]:
    if not strm.has_column(name):
        return [Finding("unknown_column", f"stream {strm.key} has no column {name!r}", at,
                        expected=f"one of {', '.join(c.name for c in strm.columns)}", found=repr(name))]
    col = strm.column(name)
    if category and not col.is_category:
        return [Finding("not_a_category", f"column {name!r} of {strm.key} is not a category column", at,
                        expected="a category column", found=repr(name))]
    if integer and not pa.types.is_integer(col.type):
        return [Finding("not_an_integer", f"column {name!r} of {strm.key} is not a whole-number column", at,
                        expected="a whole-number column", found=repr(name))]
    return []


def _value_findings(strm: Stream, name: str, values: tuple[str, ...], at: tuple[str | int, ...]) -> list[Finding]:
    col = strm.column(name)
    if pa.types.is_integer(col.type):
        bad = [v for v in values if not _WHOLE_NUMBER.match(v)]
        return [Finding("not_an_integer", f"{', '.join(bad)}: {strm.key}.{name} holds whole numbers", at,
                        expected="whole numbers", found=", ".join(bad))] if bad else []
    unknown = [v for v in values if col.categories and v not in col.categories]
    return [Finding("unknown_value", f"{', '.join(unknown)} not among the values of {strm.key}.{name}", at,
                    expected=f"one of {', '.join(col.categories)}", found=", ".join(unknown))] if unknown else []


def _measure(raw: MeasureSchema) -> MeasureSpec:
    """A measure checked against its stream: the columns it reads exist and hold what it needs. Its code is
    the key it has in the definition (set there)."""
    kind: Kind = raw.measure
    aggregate = None
    if kind.is_aggregate or (kind in (Kind.AVERAGE_PER_MONTH, Kind.AVERAGE_PER_DAY) and raw.of is None):
        aggregate = _aggregate(raw, kind)
    elif raw.of is None:
        raise fail("missing_field", f"a {kind.value} needs 'of' (the measure it is computed from)",
                   expected="a value for 'of'", found="nothing")
    return MeasureSpec("", kind, aggregate, raw.of, raw.service_from)


def _aggregate(raw: MeasureSchema, kind: Kind) -> Aggregate:
    if raw.stream is None:
        raise fail("missing_field", "a measure computed from events needs a 'stream'", expected="a value for "
                   "'stream'", found="nothing")
    try:
        strm = stream(raw.stream)
    except KeyError as exc:
        raise fail("unknown_stream", str(exc.args[0]), loc=("stream",), expected="a stream of citystat.events",
                   found=repr(raw.stream)) from None
    findings: list[Finding] = []
    for column, values in raw.filter.items():
        found = _column_findings(strm, column, ("filter", column))
        findings += found or _value_findings(strm, column, values, ("filter", column))
    base_kind = kind if kind.is_aggregate else (Kind.SUM if raw.column else Kind.COUNT)
    if base_kind in (Kind.SUM, Kind.COUNT_DISTINCT) and not raw.column:
        findings.append(Finding("missing_field", f"a {base_kind.value} needs a 'column'", (),
                                expected="a value for 'column'", found="nothing"))
    if raw.column is not None:
        findings += _column_findings(strm, raw.column, ("column",),
                                     integer=base_kind in (Kind.SUM, Kind.STOCK_AT_PERIOD_END))
    sign = None
    if raw.sign is not None:
        if base_kind is not Kind.NET_CUMULATIVE_COUNT:
            findings.append(Finding("bad_field", "only a net_cumulative_count has a sign", ("sign",),
                                    expected="no sign", found=f"a sign on a {base_kind.value}"))
        found = _column_findings(strm, raw.sign.column, ("sign", "column"), category=True)
        findings += found or _value_findings(strm, raw.sign.column, raw.sign.plus + raw.sign.minus, ("sign",))
        sign = Sign(raw.sign.column, raw.sign.plus, raw.sign.minus)
    if findings:
        raise several(findings)
    return Aggregate(strm.key, base_kind, tuple(sorted(raw.filter.items())), raw.column, sign)


class DefinitionSchema(Schema):
    """One definition file (``definitions/*.yaml``)."""

    codes: ClassVar[Mapping[str, str]] = {"measures": "bad_measure", "measures[]": "bad_measure",
                                          "group": "bad_group", "calendar": "bad_calendar"}

    table: Code
    id: Code | None = None
    calendar: Annotated[CalendarSchema, Entries] = CalendarSchema()
    group: GroupSchema | None = None
    measures: dict[Code, Annotated[MeasureSchema, AfterValidator(_measure)]]


def _city_time_zone() -> str:
    """Where a definition names no time zone: the catalog's city's (local time decides days, months, years)."""
    from citystat.catalog import bundled_city

    return bundled_city().time_zone


def _definition(raw: DefinitionSchema, info: ValidationInfo) -> Definition:
    """The definition across its measures: references to siblings, the group against each stream, names."""
    pruned = (info.context or {}).get("pruned", {}).get("measures", set())
    file = (info.context or {}).get("file", "")
    specs: dict[str, MeasureSpec] = raw.measures  # type: ignore[assignment]  # built by _measure
    measures = [replace(m, code=code) for code, m in specs.items()]
    findings: list[Finding] = []
    by_code = {m.code: m for m in measures}
    for m in measures:
        if m.of is None or m.of in pruned:
            continue
        base = by_code.get(m.of)
        at = ("measures", m.code, "of")
        if base is None:
            findings.append(Finding("unknown_measure", f"no measure {m.of!r} in this definition", at,
                                    expected=f"one of {', '.join(by_code)}", found=repr(m.of)))
        elif base.aggregate is None:
            findings.append(Finding("bad_measure", f"{m.of!r} must be computed from events", at,
                                    expected="a measure with a stream", found=f"a {base.kind.value}"))
        elif m.kind is not Kind.SHARE_OF_TOTAL and not base.kind.is_flow:
            findings.append(Finding("bad_measure", f"an average is of a flow, not of a {base.kind.value}", at,
                                    expected="a count, distinct count or sum", found=f"a {base.kind.value}"))
    group = None
    if raw.group is not None:
        g = raw.group
        group = Group(g.variable, g.column, tuple(g.values.items()), g.total)
        event_values = tuple(v for vs in g.values.values() for v in vs)
        for m in measures:
            if m.aggregate is None:
                continue
            strm = stream(m.aggregate.stream)
            found = _column_findings(strm, g.column, ("group", "column"))
            findings += [replace(f, message=f"measure {m.code}: {f.message}") for f in found]
            if not found:
                findings += _value_findings(strm, g.column, event_values, ("group", "values"))
            if m.aggregate.kind is Kind.COUNT_DISTINCT and any(len(vs) > 1 for vs in g.values.values()):
                findings.append(Finding("bad_group", "a distinct count cannot add up several event values",
                                        ("group", "values"), expected="one event value per table value",
                                        found="several"))
    if any(m.kind is Kind.SHARE_OF_TOTAL for m in measures) and (group is None or group.total is None):
        findings.append(Finding("bad_group", "a share of the total needs a group with a 'total'", ("measures",),
                                expected="group.total", found="no total"))
    table_id = raw.id or derived_table_id(raw.table)
    names: list[tuple[str, tuple[str, ...]]] = [(raw.table, ("table",)), (table_id, ("id",))]
    for name, place in names + [(m.code, ("measures", m.code)) for m in measures]:
        if not _SAFE_VALUE.match(name):
            findings.append(Finding("bad_name", f"{name[:80]!r} is not a plain name", place,
                                    expected="letters, digits, _ . -", found=repr(name[:80])))
    if findings:
        raise several(findings)
    calendar = Calendar(raw.calendar.time_zone or _city_time_zone(), raw.calendar.period)
    return Definition(raw.table, table_id, calendar, tuple(measures), group, file)


DEFINITION_FILE: TypeAdapter[Definition] = TypeAdapter(
    Annotated[DefinitionSchema, AfterValidator(_definition)])  # type: ignore[arg-type]  # built by _definition


def parse_definition(raw: Any, *, file: str = "", line: LineOf | None = None) -> Definition:
    """Parse and check one definition; raises InvalidInput listing every problem (file, line, field)."""
    return validate(DEFINITION_FILE, DefinitionSchema, raw, file=file or None, line=line, context={"file": file},
                    prunable=("measures",), default_code="bad_definition")


def load_definitions(directory: Path | None = None) -> list[Definition]:
    """Every definition in a directory (the bundled ones by default), read by the safe YAML loader and checked."""
    directory = directory or DEFINITIONS_DIR
    out, problems = [], []
    for path in sorted(directory.glob("*.yaml")):
        try:
            document = read_yaml_file(path)
            out.append(parse_definition(document.data, file=path.name, line=document.line))
        except InvalidInput as exc:
            problems += exc.problems
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
