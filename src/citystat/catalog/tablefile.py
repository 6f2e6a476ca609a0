"""The table file format: one YAML file of metadata and one CSV file of values per table.

The CSV is in long format: one column per variable code, then ``value`` and ``status``.
An empty ``status`` means observed; ``..`` (not available) and ``-`` (nil) cells have no value.
Every problem is reported with file, row and column; a table with any problem is not returned.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from citystat.encoding import EncodingError, decode
from citystat.model import (
    Cell,
    CellKey,
    InvalidInput,
    Problem,
    Status,
    Table,
    TableMeta,
    check_table,
    meta_from_dict,
)

VALUE_COLUMN = "value"
STATUS_COLUMN = "status"
_NUMBER = re.compile(r"^[+-]?(\d+|\d{1,3}(,\d{3})+)(\.\d+)?$")


def read_meta(path: Path) -> TableMeta:
    """Parse a table's YAML metadata (UTF-8 or Big5/CP950)."""
    return parse_meta(path.read_bytes(), name=path.name)


def parse_meta(data: bytes, *, name: str) -> TableMeta:
    try:
        text = decode(data, name=name).text
    except EncodingError as exc:
        raise InvalidInput([Problem("bad_encoding", str(exc), file=name)]) from None
    try:
        raw: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        row = mark.line + 1 if mark is not None else None
        raise InvalidInput([Problem("bad_yaml", f"not valid YAML: {exc}", file=name, row=row)]) from None
    return meta_from_dict(raw, file=name)


def parse_number(text: str) -> Decimal:
    """A plain decimal number; thousands separators are accepted only in their proper places."""
    if not _NUMBER.match(text):
        raise ValueError(f"{text!r} is not a number")
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a number") from None


def parse_values(data: bytes, meta: TableMeta, *, name: str) -> Table:
    """Parse the CSV values of a table described by ``meta``; raises InvalidInput with every problem."""
    try:
        text = decode(data, name=name).text
    except EncodingError as exc:
        raise InvalidInput([Problem("bad_encoding", str(exc), file=name, table=meta.id)]) from None

    def problem(code: str, message: str, row: int | None = None, column: str | None = None, **kw: str) -> Problem:
        return Problem(code, message, table=meta.id, file=name, row=row, column=column, **kw)

    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise InvalidInput([problem("empty_file", "the file is empty; it needs a header row")]) from None
    variable_codes = [v.code for v in meta.variables]
    expected = [*variable_codes, VALUE_COLUMN, STATUS_COLUMN]
    problems = [
        problem("missing_column", f"the column {c!r} is missing; the header must name {', '.join(expected)}", row=1)
        for c in expected
        if c not in header and c != STATUS_COLUMN
    ]
    problems += [
        problem("unknown_column", f"the column {c!r} is not a variable of table {meta.id!r}", row=1, column=c)
        for c in header
        if c not in expected
    ]
    duplicated = {c for c in header if header.count(c) > 1}
    problems += [problem("duplicate_column", f"the column {c!r} appears twice", row=1, column=c) for c in duplicated]
    if problems:
        raise InvalidInput(problems)
    index = {c: header.index(c) for c in header}
    allowed = {v.code: set(v.codes) for v in meta.variables}

    cells: dict[CellKey, Cell] = {}
    first_row: dict[CellKey, int] = {}
    for row_number, row in enumerate(reader, start=2):
        if not any(field.strip() for field in row):
            continue
        if len(row) != len(header):
            problems.append(problem("bad_row_length", f"the row has {len(row)} fields, the header {len(header)}",
                                    row=row_number))
            continue
        fields = {c: row[i].strip() for c, i in index.items()}
        key_ok = True
        for code in variable_codes:
            if fields[code] not in allowed[code]:
                key_ok = False
                known = ", ".join(sorted(allowed[code]))
                problems.append(problem("unknown_value", f"{fields[code]!r} is not a value of variable {code!r} "
                                        f"(known: {known})", row=row_number, column=code))
        try:
            status = Status.parse(fields.get(STATUS_COLUMN, ""))
        except ValueError as exc:
            problems.append(problem("bad_status", str(exc), row=row_number, column=STATUS_COLUMN))
            continue
        raw_value = fields[VALUE_COLUMN]
        value: Decimal | None = None
        if raw_value:
            try:
                value = parse_number(raw_value)
            except ValueError:
                hint = "" if status.has_value else f" (status {status.value!r} cells stay empty)"
                problems.append(problem("not_a_number", f"{raw_value!r} is not a number{hint}; a cell with no number "
                                        "must be empty and say why in the status column ('..' or '-')",
                                        row=row_number, column=VALUE_COLUMN))
                continue
            if not status.has_value:
                problems.append(problem("value_with_missing_status", f"the cell has the number {raw_value} but its "
                                        f"status {status.value!r} says it has none", row=row_number,
                                        column=STATUS_COLUMN))
                continue
        elif status.has_value:
            problems.append(problem("missing_value", "the cell is empty; give a number, or status '..' (not "
                                    "available) or '-' (nil)", row=row_number, column=VALUE_COLUMN))
            continue
        if not key_ok:
            continue
        key = tuple(fields[code] for code in variable_codes)
        if key in cells:
            problems.append(problem("duplicate_cell", f"the cell [{meta.describe_key(key)}] was already given in "
                                    f"row {first_row[key]}", row=row_number))
            continue
        cells[key] = Cell(value, status)
        first_row[key] = row_number
    if problems:
        raise InvalidInput(problems)
    missing = [k for k in meta.cell_keys() if k not in cells]
    if missing:
        shown = "; ".join(meta.describe_key(k) for k in missing[:10])
        more = f" and {len(missing) - 10} more" if len(missing) > 10 else ""
        raise InvalidInput([problem("missing_cell", f"{len(missing)} cell(s) of the table have no row: {shown}{more}; "
                                    "give every cell, with status '..' or '-' where there is no number")])
    table = Table(meta, cells)
    row_of_cell = {meta.describe_key(key): row for key, row in first_row.items()}
    problems = [replace(p, file=name, row=row_of_cell.get(p.cell or "")) for p in check_table(table)]
    if problems:
        raise InvalidInput(problems)
    return table


def read_table(csv_path: Path, meta_path: Path) -> Table:
    """Read and check a table from its CSV values and YAML metadata."""
    meta = read_meta(meta_path)
    return parse_values(csv_path.read_bytes(), meta, name=csv_path.name)


def write_values(table: Table) -> str:
    """The CSV text of a table's values, in the table file format."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*(v.code for v in table.meta.variables), VALUE_COLUMN, STATUS_COLUMN])
    for key, cell in table.ordered_cells():
        writer.writerow([*key, "" if cell.value is None else format(cell.value, "f"), cell.status.value])
    return out.getvalue()
