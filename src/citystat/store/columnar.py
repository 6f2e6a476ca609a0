"""The columnar load path: a table's cells checked, hashed and stored as DuckDB operations over the whole table.

The cells come from a CSV or Parquet file (long: one column per variable code, then ``value`` and ``status``) or an
Arrow table, and are never Python objects: DuckDB reads them once into a table of incoming cells (a strict read that
keeps only what the load needs; a file it has any doubt about is read again, thoroughly, to name every problem), and
every check is a query over it. The problems are those of the catalog reader and ``citystat.model.checks``, with the
same codes, each naming the table, the cell (``year=2021, measure=total``), what was expected and what was found, and
the row of the file. The content hash (``citystat.store.digest``) is taken from the staged columns' Arrow buffers and
equals ``content_hash`` of the same table read as objects, so both load paths agree on whether a load is a new
release.

Arithmetic is exact: values are scaled to whole numbers (DECIMAL(38, 6) times 10^6, as HUGEINT) and rounded half up
in integers. A table whose numbers are too wide for that (from about 10^26) is checked as objects instead.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from citystat.model import InvalidInput, Problem, Status, TableMeta
from citystat.model.measure import MeasureKind, round_half_up
from citystat.model.period import Period, days_in_service, months_in_service
from citystat.store import digest
from citystat.store.cube import position_joins, sizes, strides
from citystat.store.deltas import STORED_DECIMALS, value_text

STORED_INTEGER_DIGITS = 38 - STORED_DECIMALS
NUMBER = r"^[+-]?(\d+|\d{1,3}(,\d{3})+)(\.\d+)?$"
PLAIN = r"[+-]?\d+(\.\d+)?"  # NUMBER without thousands separators (a quicker match)
INCOMING = "citystat_incoming"
CELLS = "citystat_incoming_cells"
ENUM = "citystat_codes"  # the codes of each variable, as temporary ENUM types citystat_codes0, ...
SOURCE = "citystat_source"
_STATUSES = [s.value for s in Status]
_WITH_VALUE = [s.value for s in Status if s.has_value]


@dataclass(frozen=True)
class Staged:
    """What staging found: whether the cells carry the file's rows, and their content hash when it came free."""

    numbered: bool
    digest: str | None


class TooWide(Exception):
    """The numbers do not fit the exact integer arithmetic of the SQL checks."""


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _describe(meta: TableMeta, alias: str = "") -> str:
    """SQL for the cell as ``describe_key`` writes it: ``year=2021, measure=total``."""
    prefix = f"{alias}." if alias else ""
    parts = [f"{_sql_string(v.code + '=')} || CAST({prefix}_e{i} AS VARCHAR)" for i, v in enumerate(meta.variables)]
    return " || ', ' || ".join(parts)


def _problem(meta: TableMeta, name: str | None, row: Sequence[Any], code: str, message: str) -> Problem:
    """A problem from a row of (cell, file row, expected, found)."""
    cell, file_row, expected, found = row
    return Problem(code, message, table=meta.id, file=name, row=None if file_row is None else int(file_row),
                   cell=cell, expected=expected, found=found)


def stage(con: duckdb.DuckDBPyConnection, meta: TableMeta, source: Path | pa.Table, *, name: str | None,
          numbered: bool = False) -> Staged:
    """Read the source into the incoming cells (one pass: codes to positions, numbers to decimals), checking its
    columns, codes, numbers, statuses, duplicates, completeness and storability (the catalog reader's and the
    store's problems); raises InvalidInput with every problem, before any consistency check.

    A first, strict pass reads the file once into the few columns the load needs, and only counts what is wrong;
    a file it has a doubt about (a problem, or a code or number with spaces around it) is read again by the
    thorough pass, which names every problem. The strict pass numbers the file's rows only where that is free
    (Parquet): True when the incoming cells carry their rows, else call again with ``numbered`` to have them."""
    if isinstance(source, pa.Table):
        con.register(SOURCE, source)
    try:
        relation, header_rows, header = _open(con, meta, source, name)
        cleanup(con, meta)  # cells staged before (their ENUM columns first, then the types)
        for i, variable in enumerate(meta.variables):  # a cell's codes are kept as ENUMs of its variables' codes
            con.execute(f"DROP TYPE IF EXISTS {ENUM}{i}")
            con.execute(f"CREATE TEMP TYPE {ENUM}{i} AS ENUM (SELECT unnest($codes::VARCHAR[]))",
                        {"codes": list(variable.codes)})
            kept = con.execute(f"SELECT enum_range(NULL::{ENUM}{i}) = $codes::VARCHAR[]",
                               {"codes": list(variable.codes)}).fetchall()[0][0]
            if not kept:  # the positions must be the codes' order in the metadata
                raise RuntimeError(f"the codes of {variable.code!r} did not keep their order as an ENUM")
        digest = None if numbered else _stage_strict(con, meta, relation, header)
        if digest is not None:
            return Staged(numbered=relation.startswith("read_parquet("), digest=digest)
        _stage_thorough(con, meta, relation, header_rows, header, name)
        return Staged(numbered=True, digest=None)
    finally:
        if isinstance(source, pa.Table):
            con.unregister(SOURCE)


def _open(con: duckdb.DuckDBPyConnection, meta: TableMeta, source: Path | pa.Table,
          name: str | None) -> tuple[str, int, list[str]]:
    """The SQL relation of the source, its header rows and its columns (which must be the table's)."""
    if isinstance(source, pa.Table):
        relation, header_rows = SOURCE, 0
    elif Path(source).suffix.lower() == ".parquet":
        relation, header_rows = f"read_parquet({_sql_string(str(source))}, file_row_number = true)", 0
    else:
        relation = (f"read_csv({_sql_string(str(source))}, header = true, all_varchar = true, delim = ',', "
                    "quote = '\"', escape = '\"')")
        header_rows = 1

    def problem(code: str, message: str, row: int | None = None, column: str | None = None) -> Problem:
        return Problem(code, message, table=meta.id, file=name, row=row, column=column)

    try:
        header = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()]
    except duckdb.Error as exc:
        raise InvalidInput([problem("unreadable_file", f"the file cannot be read: {str(exc).splitlines()[0]}")]) \
            from None
    header = [h for h in header if h != "file_row_number"]
    expected = [*(v.code for v in meta.variables), "value", "status"]
    problems = [problem("missing_column", f"the column {c!r} is missing; the header must name {', '.join(expected)}",
                        row=1) for c in expected if c not in header and c != "status"]
    problems += [problem("unknown_column", f"the column {c!r} is not a variable of table {meta.id!r}", row=1,
                         column=c) for c in header if c not in expected]
    if problems:
        raise InvalidInput(problems)
    return relation, header_rows, header


def _positions(meta: TableMeta) -> tuple[str, str, dict[str, Any]]:
    """Joins from the cells ``m`` (codes in ``m._k0``, ...) to their values' positions ``p0.idx``, ..., and the
    ordinal they make."""
    return position_joins(meta, "p", lambda i: f"m._k{i}", join="LEFT JOIN")


def _stage_strict(con: duckdb.DuckDBPyConnection, meta: TableMeta, relation: str, header: list[str]) -> str | None:
    """The incoming cells from one read of a file with nothing to say about it: every code known and exact,
    every number plain and storable, every status known and agreeing with its number, every cell once. Gives the
    content hash, or None (and nothing staged) when anything is in doubt.

    A code's position comes from casting it to an ENUM of the variable's codes, which keeps the file's order: a
    file written in the cube's order is hashed as it lies, and proven complete and free of repeats by its
    ordinals running 0, 1, 2, ... (any other order is sorted first)."""
    cube = _Cube(meta)
    codes = [v.code for v in meta.variables]
    n = len(codes)

    def text(column: str) -> str:
        return f'coalesce(CAST("{column}" AS VARCHAR), \'\')'

    status = text("status") if "status" in header else "''"
    row = "CAST(file_row_number + 1 AS BIGINT)" if relation.startswith("read_parquet(") else "CAST(NULL AS BIGINT)"
    ordinal = " + ".join(f"CAST(enum_code(_e{i}) AS BIGINT) * {cube.strides[i]}" for i in range(n))
    statuses = ", ".join(_sql_string(s) for s in _STATUSES)
    with_value = ", ".join(_sql_string(s) for s in _WITH_VALUE)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {INCOMING} AS "
        f"WITH m AS (SELECT {row} AS _row, {', '.join(f'{text(c)} AS _k{i}' for i, c in enumerate(codes))}, "
        f"{text('value')} AS raw_value, {status} AS status FROM {relation}), "
        "c AS (SELECT *, CASE WHEN contains(raw_value, ',') THEN replace(raw_value, ',', '') ELSE raw_value END "
        "AS clean, "
        "CASE WHEN contains(raw_value, '.') THEN length(raw_value) - strpos(raw_value, '.') ELSE 0 END AS places "
        f"{''.join(f', TRY_CAST(_k{i} AS {ENUM}{i}) AS _e{i}' for i in range(n))} FROM m) "
        f"SELECT _row, {ordinal} AS ordinal, {', '.join(f'_e{i}' for i in range(n))}, "
        f"CASE WHEN places <= {STORED_DECIMALS} THEN TRY_CAST(clean AS DECIMAL(38, {STORED_DECIMALS})) END AS value, "
        "CASE WHEN raw_value <> '' THEN CAST(places AS TINYINT) END AS decimals, status, "
        f"ordinal IS NULL OR status NOT IN ({statuses}) OR (raw_value <> '') <> (status IN ({with_value})) "
        f"OR (raw_value <> '' AND NOT (CASE WHEN contains(raw_value, ',') "
        f"THEN regexp_full_match(raw_value, {_sql_string(NUMBER)}) "
        f"ELSE regexp_full_match(raw_value, {_sql_string(PLAIN)}) END "
        f"AND places <= {STORED_DECIMALS} AND value IS NOT NULL)) AS flawed "
        "FROM c",
    )
    given, flawed = con.execute(f"SELECT count(*), coalesce(bool_or(flawed), false) FROM {INCOMING}").fetchall()[0]
    if flawed or given != cube.total:
        return None
    return _digest(con, meta, sort=False) or _digest(con, meta, sort=True)


def _stage_thorough(con: duckdb.DuckDBPyConnection, meta: TableMeta, relation: str, header_rows: int,
                    header: list[str], name: str | None) -> None:
    """The incoming cells, with every problem of the file named (raises InvalidInput)."""
    def problem(code: str, message: str, row: int | None = None, column: str | None = None, **kw: Any) -> Problem:
        return Problem(code, message, table=meta.id, file=name, row=row, column=column, **kw)

    # Parquet numbers its rows as it reads them (in parallel); other sources are numbered in one pass
    row_number = ("file_row_number + 1" if relation.startswith("read_parquet(")
                  else f"row_number() OVER () + {header_rows}")
    codes = [v.code for v in meta.variables]
    problems: list[Problem] = []

    def text(column: str) -> str:
        return f'trim(CAST("{column}" AS VARCHAR))'

    cube = _Cube(meta)
    n = len(codes)
    joins, ordinal, params = _positions(meta)
    status = f"coalesce({text('status')}, '')" if "status" in header else "''"
    keys = ", ".join(f"coalesce({text(c)}, '') AS _k{i}" for i, c in enumerate(codes))
    storable = f"(m.is_number AND m.digits <= {STORED_INTEGER_DIGITS} AND m.places <= {STORED_DECIMALS})"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {INCOMING} AS "
        f"WITH src AS (SELECT CAST({row_number} AS BIGINT) AS _row, {keys}, "
        f"coalesce({text('value')}, '') AS raw_value, {status} AS status FROM {relation}), "
        f"n AS (SELECT *, replace(raw_value, ',', '') AS clean, "
        f"regexp_full_match(raw_value, {_sql_string(NUMBER)}) AS is_number FROM src), "
        "m AS (SELECT *, CASE WHEN contains(clean, '.') THEN length(split_part(clean, '.', 2)) ELSE 0 END "
        "AS places, length(ltrim(split_part(ltrim(clean, '+-'), '.', 1), '0')) AS digits FROM n) "
        f"SELECT m._row, {ordinal} AS ordinal, "
        f"{', '.join(f'TRY_CAST(m._k{i} AS {ENUM}{i}) AS _e{i}' for i in range(n))}, "
        f"{', '.join(f'm._k{i}, p{i}.idx AS _idx{i}' for i in range(n))}, m.raw_value, m.status, m.is_number, "
        f"m.raw_value = '' OR {storable} AS storable, "
        f"CASE WHEN m.raw_value <> '' AND {storable} THEN CAST(m.clean AS DECIMAL(38, 6)) END AS value, "
        f"CASE WHEN m.raw_value <> '' AND {storable} THEN CAST(m.places AS TINYINT) END AS decimals "
        f"FROM m {joins}",
        params,
    )
    unknown = " UNION ALL ".join(f"SELECT _row, {i} AS variable, _k{i} AS found FROM {INCOMING} WHERE _idx{i} IS NULL"
                                 for i in range(n))
    for row, i, found in con.execute(unknown + " ORDER BY _row, variable LIMIT 1000").fetchall():
        variable = meta.variables[i]
        problems.append(problem("unknown_value", f"{found!r} is not a value of variable {variable.code!r} "
                                f"(known: {', '.join(sorted(variable.codes))})", row=row, column=variable.code))
    for row, found in con.execute(f"SELECT _row, status FROM {INCOMING} WHERE NOT list_contains($statuses, status) "
                                  "ORDER BY _row LIMIT 1000", {"statuses": _STATUSES}).fetchall():
        problems.append(problem("bad_status", f"unknown status {found!r}; use one of "
                                f"{', '.join(repr(s) for s in _STATUSES)}", row=row, column="status"))
    for row, raw, state, is_number in con.execute(
            f"SELECT _row, raw_value, status, is_number FROM {INCOMING} WHERE list_contains($statuses, status) AND ("
            "(raw_value <> '' AND NOT is_number) OR (raw_value <> '' AND NOT list_contains($with_value, status)) "
            "OR (raw_value = '' AND list_contains($with_value, status))) ORDER BY _row LIMIT 1000",
            {"statuses": _STATUSES, "with_value": _WITH_VALUE}).fetchall():
        if raw and not is_number:
            hint = "" if state in _WITH_VALUE else f" (status {state!r} cells stay empty)"
            problems.append(problem("not_a_number", f"{raw!r} is not a number{hint}; a cell with no number must be "
                                    "empty and say why in the status column ('..' or '-')", row=row, column="value"))
        elif raw:
            problems.append(problem("value_with_missing_status", f"the cell has the number {raw} but its status "
                                    f"{state!r} says it has none", row=row, column="status"))
        else:
            problems.append(problem("missing_value", "the cell is empty; give a number, or status '..' (not "
                                    "available) or '-' (nil)", row=row, column="value"))
    if problems:
        raise InvalidInput(problems)
    for row, first, cell in con.execute(
            f"WITH repeated AS (SELECT ordinal FROM {INCOMING} GROUP BY ordinal HAVING count(*) > 1) "
            "SELECT _row, first_row, cell FROM (SELECT i._row, min(i._row) OVER (PARTITION BY i.ordinal) "
            f"AS first_row, {_describe(meta, 'i')} AS cell FROM {INCOMING} i "
            "SEMI JOIN repeated r ON r.ordinal = i.ordinal) "
            "WHERE _row > first_row ORDER BY _row LIMIT 1000").fetchall():
        problems.append(problem("duplicate_cell", f"the cell [{cell}] was already given in row {first}", row=row))
    if problems:
        raise InvalidInput(problems)
    total = cube.total
    given = int(con.execute(f"SELECT count(*) FROM {INCOMING}").fetchall()[0][0])
    if given < total:
        missing = _missing(con, meta)
        more = f" and {total - given - len(missing)} more" if total - given > len(missing) else ""
        problems.append(problem("missing_cell", f"{total - given} cell(s) of the table have no row: "
                                f"{'; '.join(missing)}{more}; give every cell, with status '..' or '-' where there "
                                "is no number"))
        raise InvalidInput(problems)
    problems += _unstorable(con, meta, name)
    if problems:
        raise InvalidInput(problems)


def _missing(con: duckdb.DuckDBPyConnection, meta: TableMeta, limit: int = 10) -> list[str]:
    """The first cells of the cube (in its order) that no row gives."""
    cube = _Cube(meta)
    found = con.execute(
        f"SELECT o FROM range({cube.strides[0] * cube.sizes[0]}) r(o) ANTI JOIN {INCOMING} i ON i.ordinal = r.o "
        f"ORDER BY o LIMIT {limit}"
    ).fetchall()
    return [meta.describe_key(tuple(v.codes[(int(o) // stride) % size] for v, stride, size in
                                    zip(meta.variables, cube.strides, cube.sizes))) for (o,) in found]


def _unstorable(con: duckdb.DuckDBPyConnection, meta: TableMeta, name: str | None) -> list[Problem]:
    """Values the database cannot hold exactly."""
    rows = con.execute(
        f"SELECT _row, {_describe(meta)}, replace(raw_value, ',', '') FROM {INCOMING} WHERE NOT storable "
        "ORDER BY ordinal LIMIT 1000").fetchall()
    problems = []
    for row, cell, raw in rows:
        value = Decimal(raw)
        if value.adjusted() >= STORED_INTEGER_DIGITS:
            message = f"the database keeps at most {STORED_INTEGER_DIGITS} digits before the decimal point"
            expected = f"less than 10^{STORED_INTEGER_DIGITS}"
        else:
            message = f"the database keeps at most {STORED_DECIMALS} decimal places"
            expected = f"at most {STORED_DECIMALS} decimal places"
        problems.append(Problem("value_not_storable", message, table=meta.id, file=name, row=int(row), cell=cell,
                                expected=expected, found=format(value, "f")))
    return problems


# -- the consistency checks of citystat.model.checks, over the incoming cells ------------------------------------

class _Cube:
    """Positions in the cube's order: a cell's ordinal is the sum of its values' positions times their strides."""

    def __init__(self, meta: TableMeta):
        self.meta = meta
        self.sizes = sizes(meta)
        self.strides = strides(meta)
        self.total = self.strides[0] * self.sizes[0] if self.sizes else 1
        self.metric = meta.metric_position
        self.metric_codes = list(meta.metric.codes)

    def index(self, position: int, alias: str = "a") -> str:
        """SQL for the position of a cell's value of the variable at ``position``."""
        return f"(({alias}.ordinal // {self.strides[position]}) % {self.sizes[position]})"

    def measure_is(self, code: str, alias: str = "a") -> str:
        return f"{self.index(self.metric, alias)} = {self.metric_codes.index(code)}"

    def shift_measure(self, source: str, target: str) -> int:
        """What to add to an ordinal to go from a cell of measure ``source`` to the same cell of ``target``."""
        return (self.metric_codes.index(target) - self.metric_codes.index(source)) * self.strides[self.metric]

    def ordinal(self, key: Sequence[str]) -> int:
        return sum(v.codes.index(code) * stride for v, code, stride in zip(self.meta.variables, key, self.strides))


def _text(decimals: int, scaled: int) -> str:
    """A whole number scaled by 10^decimals, written with its decimals (as round_half_up's result is)."""
    return format(Decimal(scaled).scaleb(-decimals), "f")


def _scaled(alias: str) -> str:
    return f"CAST({alias}.value * 1000000 AS HUGEINT)"


def _not_negative(con: duckdb.DuckDBPyConnection, meta: TableMeta, cube: _Cube, name: str | None) -> list[Problem]:
    kinds = meta.measures
    counts = [c for c, m in kinds.items() if m.kind.is_count]
    ranks = [c for c, m in kinds.items() if m.kind is MeasureKind.RANK]
    percentages = [c for c, m in kinds.items() if m.kind.is_percentage]
    metric = cube.index(cube.metric)

    def among(codes: list[str]) -> str:
        """SQL true for the cells of these measures (no test at all when they are every measure)."""
        if not codes:
            return "false"
        if len(codes) == len(cube.metric_codes):
            return "true"
        return f"{metric} IN ({', '.join(str(cube.metric_codes.index(c)) for c in codes)})"

    tests = [f"{among(counts)} AND a.value < 0", f"{among(ranks)} AND (a.value < 1 OR a.value <> floor(a.value))",
             f"{among(percentages)} AND NOT (a.value BETWEEN 0 AND 100)"]
    wanted = " OR ".join(f"({t})" for t, codes in zip(tests, (counts, ranks, percentages)) if codes)
    if not wanted:
        return []
    rows = con.execute(
        f"SELECT {_describe(meta, 'a')}, a._row, {value_text('a.')}, {metric}, {', '.join(tests)} "
        f"FROM {INCOMING} a WHERE a.value IS NOT NULL AND ({wanted}) ORDER BY a.ordinal LIMIT 1000"
    ).fetchall()
    problems = []
    for cell, row, found, index, negative, bad_rank, out_of_range in rows:
        kind = kinds[cube.metric_codes[int(index)]].kind
        if negative:
            problems.append(_problem(meta, name, (cell, row, ">= 0", found), "negative_count",
                                     f"a {kind.value} cannot be negative"))
        if bad_rank:
            problems.append(_problem(meta, name, (cell, row, "1, 2, 3, ...", found), "bad_rank",
                                     "a rank is a whole number from 1"))
        if out_of_range:
            problems.append(_problem(meta, name, (cell, row, "0-100", found), "percentage_out_of_range",
                                     f"a {kind.value} is a percentage between 0 and 100"))
    return problems


def _averages(con: duckdb.DuckDBPyConnection, meta: TableMeta, cube: _Cube, name: str | None) -> list[Problem]:
    time = meta.position(meta.time.code)
    problems = []
    rows_by_ordinal: list[tuple[int, Problem]] = []
    for code, measure in meta.measures.items():
        if not (measure.kind.is_average and measure.average_of is not None):
            continue
        service_from = measure.service_from or meta.measures[measure.average_of].service_from
        monthly = measure.kind is MeasureKind.MONTHLY_AVERAGE
        what = "months" if monthly else "days"
        divisors = [(months_in_service if monthly else days_in_service)(Period.parse(c), service_from)
                    for c in meta.time.codes]
        d = measure.decimals
        rows = con.execute(
            f"WITH divisors AS (SELECT unnest($divisors::BIGINT[]) AS divisor, "
            f"generate_subscripts($divisors::BIGINT[], 1) - 1 AS t), "
            f"joined AS (SELECT a.ordinal, a._row, {_describe(meta, 'a')} AS cell, {value_text('a.')} AS average, "
            f"{value_text('t.')} AS total, a.value IS NULL AS no_average, t.value IS NULL AS no_total, d.divisor, "
            f"{_scaled('a')} AS A, {_scaled('t')} AS T FROM {INCOMING} a "
            f"JOIN {INCOMING} t ON t.ordinal = a.ordinal + {cube.shift_measure(code, measure.average_of)} "
            f"JOIN divisors d ON d.t = {cube.index(time)} WHERE {cube.measure_is(code)}), "
            "judged AS (SELECT *, CASE WHEN NOT no_average AND NOT no_total AND divisor > 0 THEN "
            f"sign(T) * ((2 * abs(T) * {10 ** d} + divisor * 1000000) // (2 * divisor * 1000000)) END AS expected "
            "FROM joined) "
            "SELECT ordinal, cell, _row, average, total, no_average, no_total, divisor, expected FROM judged "
            "WHERE no_average <> no_total OR (NOT no_average AND NOT no_total AND (divisor = 0 OR "
            f"A <> expected * {10 ** (STORED_DECIMALS - d)})) ORDER BY ordinal LIMIT 1000",
            {"divisors": divisors},
        ).fetchall()
        for ordinal, cell, row, average, total, no_average, no_total, divisor, expected in rows:
            if no_average != no_total:
                problem = _problem(meta, name, (cell, row, "both or neither",
                                                f"average {average or 'no value'}, total {total or 'no value'}"),
                                   "average_without_total", f"an average and its total {measure.average_of!r} "
                                   "must both have a value or both have none")
            elif divisor == 0:
                problem = _problem(meta, name, (cell, row, "no value", average), "average_before_service",
                                   f"the period is before the service began ({service_from})")
            else:
                problem = _problem(meta, name, (cell, row, _text(d, int(expected)), average), "average_mismatch",
                                   f"{measure.kind.value} must equal {measure.average_of} {total} / {divisor} "
                                   f"{what} in service, rounded half up")
            rows_by_ordinal.append((int(ordinal), problem))
    problems += [p for _, p in sorted(rows_by_ordinal, key=lambda item: item[0])]
    return problems


def _shares(con: duckdb.DuckDBPyConnection, meta: TableMeta, cube: _Cube, name: str | None) -> list[Problem]:
    category = next((v for v in meta.variables if v.aggregate is not None), None)
    if category is None:
        return []
    assert category.aggregate is not None
    q = meta.position(category.code)
    total = category.codes.index(category.aggregate.code)
    problems = []
    for code, measure in meta.measures.items():
        if measure.kind is not MeasureKind.SHARE:
            continue
        d = measure.decimals
        found: list[tuple[int, Problem]] = []
        for ordinal, cell, row, value in con.execute(
                f"SELECT a.ordinal, {_describe(meta, 'a')}, a._row, {value_text('a.')} FROM {INCOMING} a "
                f"WHERE {cube.measure_is(code)} AND {cube.index(q)} = {total} AND a.value IS NOT NULL "
                "AND a.value <> 100 ORDER BY a.ordinal LIMIT 1000").fetchall():
            found.append((int(ordinal), _problem(meta, name, (cell, row, "100", value), "share_total",
                                                 "the total's share must be 100%")))
        if measure.share_of is not None:
            part_shift = cube.shift_measure(code, measure.share_of)
            for ordinal, cell, row, value, part, whole, expected in con.execute(
                    f"WITH joined AS (SELECT a.ordinal, {_describe(meta, 'a')} AS cell, a._row, "
                    f"{value_text('a.')} AS share, {value_text('p.')} AS part, {value_text('w.')} AS whole, "
                    f"{_scaled('a')} AS S, {_scaled('p')} AS P, {_scaled('w')} AS W FROM {INCOMING} a "
                    f"JOIN {INCOMING} p ON p.ordinal = a.ordinal + {part_shift} "
                    f"JOIN {INCOMING} w ON w.ordinal = a.ordinal + {part_shift} + "
                    f"({total} - {cube.index(q)}) * {cube.strides[q]} "
                    f"WHERE {cube.measure_is(code)} AND {cube.index(q)} <> {total} AND a.value IS NOT NULL "
                    "AND p.value IS NOT NULL AND w.value IS NOT NULL AND w.value <> 0), "
                    "judged AS (SELECT *, sign(P) * sign(W) * ((2 * abs(P) * 100 * "
                    f"{10 ** d} + abs(W)) // (2 * abs(W))) AS expected FROM joined) "
                    "SELECT ordinal, cell, _row, share, part, whole, expected FROM judged "
                    f"WHERE S <> expected * {10 ** (STORED_DECIMALS - d)} ORDER BY ordinal LIMIT 1000").fetchall():
                found.append((int(ordinal), _problem(
                    meta, name, (cell, row, _text(d, int(expected)), value), "share_mismatch",
                    f"share must equal {measure.share_of} {part} / {whole} × 100, rounded half up")))
        problems += [p for _, p in sorted(found, key=lambda item: item[0])]
        slack = Decimal("0.5") * Decimal(1).scaleb(-d)
        for cell, row, cells, added, places in con.execute(
                f"SELECT first({_describe(meta, 'a')} ORDER BY a.ordinal), first(a._row ORDER BY a.ordinal), "
                f"string_agg({_describe(meta, 'a')}, ', ' ORDER BY a.ordinal), sum(a.value)::VARCHAR, "
                f"max(a.decimals) FROM {INCOMING} a "
                f"WHERE {cube.measure_is(code)} AND {cube.index(q)} <> {total} AND a.value IS NOT NULL "
                f"GROUP BY a.ordinal - {cube.index(q)} * {cube.strides[q]} "
                f"HAVING sum(a.value) > 100 + {slack} * count(*) ORDER BY min(a.ordinal) LIMIT 1000").fetchall():
            shown = format(Decimal(added).quantize(Decimal(1).scaleb(-int(places))), "f")
            problems.append(_problem(meta, name, (cell, row, "at most 100", shown), "shares_over_100",
                                     f"the shares of {cells} add up to more than 100%"))
    return problems


def _derivations(con: duckdb.DuckDBPyConnection, meta: TableMeta, cube: _Cube, name: str | None) -> list[Problem]:
    """The cells with a recorded derivation (few: one per cell note) are judged here in Python, as the model's
    check does; estimates without a note are found over the whole table."""
    notes = [n for n in meta.cell_notes if n.derivation is not None]
    wanted = {cube.ordinal(n.key) for n in notes} | {
        cube.ordinal(n.derivation.source_key(meta, n.key)) for n in notes if n.derivation is not None}
    cells = {int(o): (None if v is None else Decimal(v), Status.parse(s), r) for o, v, s, r in con.execute(
        f"SELECT ordinal, {value_text()}, status, _row FROM {INCOMING} WHERE list_contains($wanted, ordinal)",
        {"wanted": sorted(wanted)}).fetchall()}
    problems = []
    for note in notes:
        assert note.derivation is not None
        value, status, row = cells[cube.ordinal(note.key)]
        cell = meta.describe_key(note.key)
        if status is not Status.ESTIMATED:
            problems.append(_problem(meta, name, (cell, row, "e", status.value or "observed"), "derived_not_estimated",
                                     "a derived value must have status 'e'"))
        if value is None:
            continue
        source_key = note.derivation.source_key(meta, note.key)
        source = cells[cube.ordinal(source_key)][0]
        if source is None:
            problems.append(_problem(meta, name, (cell, row, "a number", "no value"), "derivation_input_missing",
                                     f"the derivation's input cell [{meta.describe_key(source_key)}] has no value"))
            continue
        d = note.derivation
        expected = round_half_up(d.op.apply(source, d.operand), meta.measure_of(note.key).decimals)
        if expected != value:
            problems.append(_problem(meta, name, (cell, row, format(expected, "f"), format(value, "f")),
                                     "derivation_mismatch",
                                     f"derived as {format(source, 'f')} {d.op.symbol} {d.operand}, rounded half up"))
    noted = sorted({cube.ordinal(n.key) for n in meta.cell_notes})
    for cell, row in con.execute(
            f"SELECT {_describe(meta)}, _row FROM {INCOMING} WHERE status = 'e' AND NOT list_contains($noted, ordinal) "
            "ORDER BY ordinal LIMIT 1000", {"noted": noted or [-1]}).fetchall():
        problems.append(_problem(meta, name, (cell, row, "a cell note", "none"), "estimate_without_note",
                                 "an estimated value needs a note saying how it was derived"))
    return problems


def check(con: duckdb.DuckDBPyConnection, meta: TableMeta, *, name: str | None = None) -> list[Problem]:
    """The consistency checks over the staged cells (``stage`` first). Raises TooWide when a number is too wide
    for exact integer arithmetic."""
    missing = [Problem("missing_measure", f"metric value {v.code!r} has no unit, decimals and kind", table=meta.id)
               for v in meta.metric.values if v.measure is None]
    if missing:
        return missing
    cube = _Cube(meta)
    try:
        return [*_not_negative(con, meta, cube, name), *_averages(con, meta, cube, name),
                *_shares(con, meta, cube, name), *_derivations(con, meta, cube, name)]
    except duckdb.OutOfRangeException as exc:
        raise TooWide(str(exc)) from exc


def content_hash(con: duckdb.DuckDBPyConnection, meta: TableMeta) -> str:
    """``citystat.store.content_hash`` of the staged cells (``citystat.store.digest``): the columns DuckDB hands
    over as Arrow buffers, in the cube's order, hashed as they are, with no Python object per cell."""
    found = _digest(con, meta, sort=True)
    if found is None:
        raise ValueError("the staged cells are not the table's cells, each once")
    return found


def _digest(con: duckdb.DuckDBPyConnection, meta: TableMeta, *, sort: bool) -> str | None:
    """The content hash of the staged cells, sorted or as they lie; None unless their ordinals are 0, 1, 2, ...
    (then every cell of the cube is there once, in order)."""
    found = digest.Digest(meta)
    reader = con.sql(
        f"SELECT ordinal, coalesce(value, 0)::DECIMAL(38, {STORED_DECIMALS}), coalesce(decimals, -1)::TINYINT, "
        f"status || chr(31) FROM {INCOMING} {'ORDER BY ordinal' if sort else ''}"
    ).to_arrow_reader(1 << 16)
    expected = 0
    for batch in reader:
        ordinals = batch.column(0)
        if ordinals.null_count or not np.array_equal(
                ordinals.to_numpy(), np.arange(expected, expected + len(ordinals), dtype=np.int64)):
            reader.close()
            return None
        expected += len(ordinals)
        found.add_columns(batch.column(1), batch.column(2), batch.column(3))
    return found.hexdigest() if expected == _Cube(meta).total else None


def content_hash_version_1(con: duckdb.DuckDBPyConnection, meta: TableMeta) -> str:
    """The version-1 content hash of the staged cells (a text record per cell), to recognise a release hashed so."""
    found = hashlib.sha256()
    found.update(digest.meta_json(meta).encode())
    codes = ", chr(31), ".join(f"CAST(_e{i} AS VARCHAR)" for i in range(len(meta.variables)))
    reader = con.sql(
        f"SELECT concat(chr(30), chr(31), {codes}, chr(31), coalesce({value_text()}, ''), chr(31), status) "
        f"FROM {INCOMING} ORDER BY ordinal"
    ).to_arrow_reader(1 << 16)
    for batch in reader:
        for chunk in digest.strings(batch.column(0)):
            found.update(chunk)
    return found.hexdigest()


def cells(con: duckdb.DuckDBPyConnection, meta: TableMeta) -> str:
    """A view of the staged cells as the store keeps them: position (in the cube), value, decimals, status (and
    their codes and rows)."""
    coordinates = ", ".join(f"CAST(_e{i} AS VARCHAR)" for i in range(len(meta.variables)))
    con.execute(f"CREATE OR REPLACE TEMP VIEW {CELLS} AS SELECT ordinal AS position, value, decimals, status, "
                f"[{coordinates}] AS coordinates, _row FROM {INCOMING}")
    return CELLS


def cleanup(con: duckdb.DuckDBPyConnection, meta: TableMeta) -> None:
    con.execute(f"DROP VIEW IF EXISTS {CELLS}")
    con.execute(f"DROP TABLE IF EXISTS {INCOMING}")
    for i in range(len(meta.variables)):
        con.execute(f"DROP TYPE IF EXISTS {ENUM}{i}")
