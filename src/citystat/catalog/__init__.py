"""The published tables shipped with citystat: one YAML (metadata) and one CSV (values) per table."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

import yaml

from citystat.catalog.tablefile import parse_meta, parse_values, read_table
from citystat.model import Subject, Table, Text

TABLES_DIR = Path(str(resources.files("citystat.catalog") / "tables"))
SUBJECTS_FILE = Path(str(resources.files("citystat.catalog") / "subjects.yaml"))

__all__ = ["TABLES_DIR", "bundled_tables", "read_table", "subjects", "subject", "parse_meta", "parse_values"]


def bundled_tables() -> list[Table]:
    """Every catalog table, read and checked, ordered by subject then id."""
    order = {s.code: i for i, s in enumerate(subjects())}
    tables = [read_table(path.with_suffix(".csv"), path) for path in sorted(TABLES_DIR.glob("*.yaml"))]
    return sorted(tables, key=lambda t: (order.get(t.meta.subject, len(order)), t.id))


@cache
def subjects() -> tuple[Subject, ...]:
    raw = yaml.safe_load(SUBJECTS_FILE.read_text(encoding="utf-8"))
    return tuple(Subject(s["code"], Text.of(s["name"]), Text.of(s["description"])) for s in raw)


def subject(code: str) -> Subject:
    """The subject with this code; an unknown code (a user's own service) gets its code as its name."""
    for s in subjects():
        if s.code == code:
            return s
    return Subject(code, Text(code, code), Text(code, code))
