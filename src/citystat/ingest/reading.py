"""What a reader returns: the records it read, the rows it set aside and why, and what it noticed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from citystat.model import InvalidInput, Problem

EXCEL_OVERFLOW = "########"  # what Excel shows in a column too narrow for its date or number
MAX_PROBLEMS = 50


@dataclass(frozen=True)
class Rejection:
    """A row read correctly but not used in the table, with the reason."""

    file: str
    row: int  # 1-based position of the record in the file (a CSV's header is row 1)
    reason: str
    record_id: str = ""
    field: str = ""
    value: str = ""
    reason_zh: str = ""  # the reason in Chinese, for the notes of a table


@dataclass(frozen=True)
class BadCell:
    """A value that is not one (an Excel ``########``): kept out of the record, and reported."""

    file: str
    row: int
    field: str
    value: str
    reason: str


@dataclass
class Reading:
    """The result of one reader on one file."""

    file: str
    reader: str  # the reader's name
    kind: str  # what the records are: "youbike_stations", "hotspots", "records", "sdmx_series", "rows"
    records: list[Any]
    as_of: datetime | None = None  # the time the data describe (a snapshot's time, a list's publication date)
    encoding: str | None = None
    rows_read: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    bad_cells: list[BadCell] = field(default_factory=list)
    remarks: list[str] = field(default_factory=list)  # things a person should know (page 1 of 21, ...)
    info: dict[str, Any] = field(default_factory=dict)  # reader-specific facts (envelope count, limit, offset)

    @property
    def rows_used(self) -> int:
        return self.rows_read - len(self.rejected)


class ProblemList:
    """Collects the problems of one file, so a person sees them all at once; raises when asked if any."""

    def __init__(self, file: str):
        self.file = file
        self.problems: list[Problem] = []
        self.count = 0

    def add(self, code: str, message: str, *, row: int | None = None, column: str | None = None,
            **kw: str) -> None:
        self.count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(code, message, file=self.file, row=row, column=column, **kw))

    def raise_if_any(self) -> None:
        if self.count:
            problems = list(self.problems)
            if self.count > len(problems):
                problems.append(Problem("more_problems", f"{self.count - len(problems)} more problem(s) not listed",
                                        file=self.file))
            raise InvalidInput(problems)
