"""Problems found in input: each has a code, a place and a message a person understands."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Problem:
    code: str  # a stable identifier, e.g. "unknown_value", "monthly_average_mismatch"
    message: str
    table: str | None = None
    file: str | None = None
    row: int | None = None  # 1-based line in the file, the header being line 1
    column: str | None = None
    cell: str | None = None  # "year=2021, measure=total"
    expected: str | None = None
    found: str | None = None

    def where(self) -> str:
        parts = []
        if self.file:
            parts.append(self.file)
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column!r}")
        if self.table and not self.file:
            parts.append(f"table {self.table}")
        if self.cell:
            parts.append(f"cell [{self.cell}]")
        return ", ".join(parts)

    def __str__(self) -> str:
        text = f"{self.where()}: {self.message}" if self.where() else self.message
        if self.expected is not None or self.found is not None:
            text += f" (expected {self.expected}, found {self.found})"
        return f"[{self.code}] {text}"

    def to_dict(self) -> dict[str, object]:
        return {k: v for k, v in asdict(self).items() if v is not None}


class InvalidInput(Exception):
    """Raised with every problem found, so a person can fix them all at once."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} problem(s) found, nothing was loaded:\n{lines}")
