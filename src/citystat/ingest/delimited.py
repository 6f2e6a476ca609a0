"""Comma-separated text as agencies export it: UTF-8 (with or without BOM) or Big5/CP950, CRLF or LF.

``rows()`` is shared by the CSV readers; the catch-all reader here takes any CSV no other reader claims.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

from citystat.ingest.reading import Reading
from citystat.ingest.source import SourceFile

REPLACEMENT = "?"  # what encoding to Big5/CP950 with errors="replace" writes for a character it lacks


@dataclass(frozen=True)
class Rows:
    header: list[str]
    rows: list[tuple[int, dict[str, str]]]  # (line in the file, {column: value})
    encoding: str


def rows(source: SourceFile, required: Sequence[str] = ()) -> Rows:
    """Every row as a mapping by column name; a missing required column or a ragged row is an error."""
    text, encoding = source.text()
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise source.fail("empty_file", "the file is empty") from None
    missing = [c for c in required if c not in header]
    if missing:
        unknown = [h for h in header if h not in required]
        raise source.fail(
            "missing_column",
            f"column(s) {', '.join(missing)} missing from the header"
            + (f"; columns not expected: {', '.join(unknown)} (renamed?)" if unknown else ""),
            row=1, column=missing[0],
        )
    out: list[tuple[int, dict[str, str]]] = []
    problems = []
    for values in reader:
        if not values:
            continue
        if len(values) != len(header):
            problems.append(source.problem("ragged_row", f"{len(values)} fields, the header has {len(header)}",
                                           row=reader.line_num))
            continue
        out.append((reader.line_num, dict(zip(header, values))))
    if problems:
        from citystat.model import InvalidInput

        raise InvalidInput(problems[:50])
    return Rows(header, out, encoding)


def replaced_characters(table: Rows) -> list[tuple[int, str, str]]:
    """(line, column, value) of the Big5/CP950 cells holding a '?': where a character Big5 lacks was replaced."""
    if table.encoding != "cp950":
        return []
    return [(line, column, value) for line, row in table.rows for column, value in row.items()
            if REPLACEMENT in value]


class DelimitedReader:
    name = "csv"
    title = "CSV (UTF-8, UTF-8 with BOM or Big5/CP950)"
    media_types = ("text/csv",)
    suffixes = (".csv", ".txt")

    def handles(self, source: SourceFile) -> bool:
        return source.suffix in self.suffixes or (source.media_type or "").startswith("text/csv")

    def read(self, source: SourceFile) -> Reading:
        table = rows(source)
        reading = Reading(source.name, self.name, "rows", [r for _, r in table.rows], encoding=table.encoding,
                          rows_read=len(table.rows), info={"header": table.header})
        replaced = replaced_characters(table)
        if replaced:
            reading.remarks.append(f"{sum(v.count(REPLACEMENT) for _, _, v in replaced)} '?' in {len(replaced)} "
                                   "cells: characters Big5/CP950 lacks, replaced when the file was written")
        return reading
