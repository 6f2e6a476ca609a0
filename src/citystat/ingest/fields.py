"""Reading one field of a record: strings with stray spaces, numbers as text or JSON, Excel's ``########``.
Each helper records a problem naming the row and field, and returns None, so every problem is reported."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from citystat.ingest.reading import EXCEL_OVERFLOW, ProblemList

_MISSING = object()


def raw(record: Mapping[str, Any], name: str, row: int, problems: ProblemList) -> Any:
    value = record.get(name, _MISSING)
    if value is _MISSING:
        problems.add("missing_field", f"field {name!r} is missing", row=row, column=name)
        return None
    if isinstance(value, str) and value.strip() == EXCEL_OVERFLOW:
        problems.add("excel_overflow", f"{EXCEL_OVERFLOW!r} is Excel's mark of a column too narrow for its "
                     "value, not a value", row=row, column=name)
        return None
    return value


def text(record: Mapping[str, Any], name: str, row: int, problems: ProblemList) -> str | None:
    value = raw(record, name, row, problems)
    if value is None:
        return None
    return " ".join(str(value).split())


def whole(record: Mapping[str, Any], name: str, row: int, problems: ProblemList) -> int | None:
    """A count that is not negative: a JSON integer or its text (spaces around it allowed)."""
    value = raw(record, name, row, problems)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        problems.add("not_a_count", f"{value!r} is not a whole number", row=row, column=name)
        return None
    if isinstance(value, str):
        stripped = value.strip()
        if not stripped.isdigit():
            problems.add("not_a_count", f"{value!r} is not a whole number", row=row, column=name)
            return None
        value = int(stripped)
    if value < 0:
        problems.add("negative_count", f"{value} is negative", row=row, column=name)
        return None
    return value


def number(record: Mapping[str, Any], name: str, row: int, problems: ProblemList,
           low: float, high: float) -> float | None:
    """A coordinate or other decimal within [low, high]: a JSON number or its text, spaces stripped."""
    value = raw(record, name, row, problems)
    if value is None:
        return None
    try:
        if isinstance(value, bool):
            raise ValueError
        result = float(value.strip()) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        problems.add("not_a_number", f"{value!r} is not a number", row=row, column=name)
        return None
    if not low <= result <= high:
        problems.add("out_of_range", f"{result} is outside {low}–{high}", row=row, column=name)
        return None
    return result


def timestamp(record: Mapping[str, Any], name: str, row: int, problems: ProblemList,
              formats: tuple[str, ...]) -> datetime | None:
    value = text(record, name, row, problems)
    if value is None:
        return None
    for fmt in formats:
        try:
            return _parse_time(value, fmt)
        except ValueError:
            continue
    problems.add("bad_time", f"{value!r} is not a time ({' or '.join(formats)})", row=row, column=name)
    return None


def _parse_time(value: str, fmt: str) -> datetime:
    """strptime, with quick paths for the two forms feeds use (a snapshot has a time on every station)."""
    if fmt == "%Y%m%d%H%M%S" and len(value) == 14 and value.isdigit():
        return datetime(int(value[:4]), int(value[4:6]), int(value[6:8]), int(value[8:10]), int(value[10:12]),
                        int(value[12:]))
    if fmt == "%Y-%m-%d %H:%M:%S" and len(value) == 19 and value[10] == " " and value[4] == value[7] == "-":
        return datetime.fromisoformat(value)
    return datetime.strptime(value, fmt)
