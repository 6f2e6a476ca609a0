"""The table file format: one YAML file of metadata and one CSV file of values per table.

The CSV is in long format: one column per variable code, then ``value`` and ``status``.
An empty ``status`` means observed; ``..`` (not available) and ``-`` (nil) cells have no value.
Every problem is reported with file, row and column; a table with any problem is not returned.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from pathlib import Path

from citystat import limits as input_limits
from citystat.catalog.reading import decode_input, read_yaml
from citystat.encoding import EncodingError, detect_file_encoding
from citystat.limits import Limits
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
_NUMBER = re.compile(r"^[+-]?([0-9]+|[0-9]{1,3}(,[0-9]{3})+)(\.[0-9]+)?$")


def read_meta(path: Path, limits: Limits | None = None) -> TableMeta:
    """Parse a table's YAML metadata (UTF-8 or Big5/CP950)."""
    limits = limits or input_limits.current()
    _check_size(path, limits.meta_bytes, "meta_bytes", limits)
    return parse_meta(path.read_bytes(), name=path.name, limits=limits)


def _check_size(path: Path, most: int, limit: str, limits: Limits) -> None:
    size = path.stat().st_size
    if size > most:
        raise InvalidInput([Problem("limit_exceeded", f"the file has {size:,} bytes; {limits.describe(limit)}",
                                    file=path.name)])


def parse_meta(data: bytes | str, *, name: str, limits: Limits | None = None) -> TableMeta:
    """Table metadata from a YAML text (read by the safe loader, within the limits) against the table file's
    schema; every problem names the file, the line and the field."""
    limits = limits or input_limits.current()
    document = read_yaml(data, name=name, limits=limits)
    return meta_from_dict(document.data, file=name, limits=limits, line=document.line)


def parse_number(text: str) -> Decimal:
    """A plain decimal number in ASCII digits; thousands separators are accepted only in their proper places.

    ``-0`` (and ``-0.0``) is zero: stored, shown and hashed as ``0``.
    """
    if not _NUMBER.match(text):
        others = sorted({ch for ch in text if ch.isdecimal() and not ch.isascii()})
        if others:
            names = ", ".join(f"{ch!r} ({unicodedata.name(ch, 'digit')})" for ch in others[:5])
            raise ValueError(f"{text!r} is not a number: it has digits other than ASCII 0-9: {names}")
        raise ValueError(f"{text!r} is not a number")
    try:
        number = Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a number") from None
    if number.is_zero() and number.is_signed():
        number = number.copy_abs()
    return number


def _lines(text: str) -> Iterator[str]:
    """The text's lines with their endings, one at a time (no copy of the whole text, unlike StringIO)."""
    start, end = 0, len(text)
    while start < end:
        stop = text.find("\n", start)
        if stop < 0:
            yield text[start:]
            return
        yield text[start:stop + 1]
        start = stop + 1


def parse_values(data: bytes | str, meta: TableMeta, *, name: str, limits: Limits | None = None) -> Table:
    """Parse the CSV values of a table described by ``meta``; raises InvalidInput with the problems.

    The file is read row by row; it is read no further once ``problems_read`` problems were found (a file
    of millions of repeated rows is refused in the time of its first rows), and the report shows the first
    ``problems_shown`` in full and counts the rest by kind.
    """
    limits = limits or input_limits.current()
    if len(data) > limits.values_bytes:
        raise InvalidInput([Problem("limit_exceeded", f"the values have {len(data):,} bytes; "
                                    f"{limits.describe('values_bytes')}", table=meta.id, file=name)])
    text = decode_input(data, name=name, table=meta.id)
    del data
    return _parse_lines(_lines(text), meta, name=name, limits=limits)


def read_values(path: Path, meta: TableMeta, limits: Limits | None = None) -> Table:
    """As ``parse_values``, streaming the file: memory grows with the table's cells, not with the file."""
    limits = limits or input_limits.current()
    _check_size(path, limits.values_bytes, "values_bytes", limits)
    try:
        encoding = detect_file_encoding(path)
    except EncodingError as exc:
        raise InvalidInput([Problem("bad_encoding", str(exc), file=path.name, table=meta.id)]) from None
    with path.open(encoding=encoding, newline="") as stream:
        return _parse_lines(stream, meta, name=path.name, limits=limits)


def _parse_lines(lines: Iterable[str], meta: TableMeta, *, name: str, limits: Limits) -> Table:

    def problem(code: str, message: str, row: int | None = None, column: str | None = None, **kw: str) -> Problem:
        return Problem(code, message, table=meta.id, file=name, row=row, column=column, **kw)

    reader = csv.reader(lines)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise InvalidInput([problem("empty_file", "the file is empty; it needs a header row")]) from None
    except csv.Error as exc:
        raise InvalidInput([_csv_problem(exc, 1, limits, problem)]) from None
    too_long = [h for h in header if len(h) > limits.field_chars]
    if too_long:
        raise InvalidInput([problem("limit_exceeded", f"a header field has {len(too_long[0]):,} characters; "
                                    f"{limits.describe('field_chars')}", row=1)])
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
    counts = Counter(header)
    problems += [problem("duplicate_column", f"the column {c!r} appears twice", row=1, column=c)
                 for c, n in counts.items() if n > 1]
    if problems:
        raise InvalidInput(problems)
    index = {c: header.index(c) for c in header}
    allowed = {v.code: set(v.codes) for v in meta.variables}
    declared = 1
    for variable in meta.variables:
        declared *= len(variable.values)

    cells: dict[CellKey, Cell] = {}
    first_row: dict[CellKey, int] = {}
    row_number = 1
    rows = iter(reader)
    while True:
        if len(problems) >= limits.problems_read:
            problems.append(problem("stopped_reading", f"the file was read no further than row {row_number} after "
                                    f"{len(problems):,} problems; {limits.describe('problems_read')}",
                                    row=row_number))
            break
        try:
            row = next(rows)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(_csv_problem(exc, reader.line_num, limits, problem))
            break
        row_number = reader.line_num
        if not any(field.strip() for field in row):
            continue
        if len(row) != len(header):
            problems.append(problem("bad_row_length", f"the row has {len(row)} fields, the header {len(header)}",
                                    row=row_number))
            continue
        longest = max(row, key=len)
        if len(longest) > limits.field_chars:
            problems.append(problem("limit_exceeded", f"a field has {len(longest):,} characters; "
                                    f"{limits.describe('field_chars')}", row=row_number))
            continue
        fields = {c: row[i].strip() for c, i in index.items()}
        key_ok = True
        for code in variable_codes:
            if fields[code] not in allowed[code]:
                key_ok = False
                known = ", ".join(sorted(allowed[code])[:20])
                more = ", …" if len(allowed[code]) > 20 else ""
                problems.append(problem("unknown_value", f"{fields[code][:200]!r} is not a value of variable "
                                        f"{code!r} (known: {known}{more})", row=row_number, column=code))
        try:
            status = Status.parse(fields.get(STATUS_COLUMN, ""))
        except ValueError as exc:
            problems.append(problem("bad_status", str(exc)[:500], row=row_number, column=STATUS_COLUMN))
            continue
        raw_value = fields[VALUE_COLUMN]
        value: Decimal | None = None
        if raw_value:
            try:
                value = parse_number(raw_value)
            except ValueError as exc:
                hint = "" if status.has_value else f" (status {status.value!r} cells stay empty)"
                problems.append(problem("not_a_number", f"{str(exc)[:300]}{hint}; a cell with no number "
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
    if len(cells) > declared:  # cannot happen: every key is a declared one
        raise AssertionError("more cells than declared")
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


def _csv_problem(exc: csv.Error, row: int, limits: Limits, problem: Callable[..., Problem]) -> Problem:
    if "field larger than field limit" in str(exc):
        return problem("limit_exceeded", f"a field is longer than {csv.field_size_limit():,} characters; "
                       f"{limits.describe('field_chars')}", row=row)
    return problem("bad_csv", f"not valid CSV: {str(exc)[:300]}", row=row)


def read_table(csv_path: Path, meta_path: Path, limits: Limits | None = None) -> Table:
    """Read and check a table from its CSV values and YAML metadata."""
    limits = limits or input_limits.current()
    meta = read_meta(meta_path, limits)
    return read_values(csv_path, meta, limits)


def write_values(table: Table) -> str:
    """The CSV text of a table's values, in the table file format."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*(v.code for v in table.meta.variables), VALUE_COLUMN, STATUS_COLUMN])
    for key, cell in table.ordered_cells():
        writer.writerow([*key, "" if cell.value is None else format(cell.value, "f"), cell.status.value])
    return out.getvalue()
