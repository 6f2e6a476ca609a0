"""Identifiers that become parts of URLs, file names and SQL values: one documented pattern each.

A table id is ``^[a-z][a-z0-9_]{0,63}$``: a lower-case ASCII letter, then up to 63 lower-case letters,
digits or underscores. Every bundled table fits it; so does every id a URL path, a file name on any
system and a spreadsheet's sheet name can hold unchanged. It is checked when metadata is read (CLI,
admin API, ingest) and by every command that makes a path from an id.
"""

from __future__ import annotations

import re

TABLE_ID_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"
_TABLE_ID = re.compile(r"[a-z][a-z0-9_]{0,63}", re.ASCII)
RESERVED_COLUMNS = ("value", "status")  # the table file's columns besides the variables


def table_id_problem(table_id: object) -> str | None:
    """Why ``table_id`` is not a table id, or None when it is one."""
    if not isinstance(table_id, str):
        return f"a table id must be text, got {type(table_id).__name__}"
    if _TABLE_ID.fullmatch(table_id):
        return None
    shown = table_id if len(table_id) <= 80 else table_id[:80] + "…"
    return (f"the table id {shown!r} does not match {TABLE_ID_PATTERN} (a lower-case letter, then at most 63 "
            "lower-case letters, digits or '_')")


def is_table_id(table_id: object) -> bool:
    return table_id_problem(table_id) is None


def check_table_id(table_id: object) -> str:
    """The id itself when it is one; ValueError saying why otherwise."""
    problem = table_id_problem(table_id)
    if problem is not None:
        raise ValueError(problem)
    assert isinstance(table_id, str)
    return table_id
