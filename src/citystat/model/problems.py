"""Problems found in input: each has a code, a place and a message a person understands."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from citystat import limits as _limits


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


MORE_PROBLEMS = "more_problems"
ALWAYS_SHOWN = frozenset({"stopped_reading"})  # says the count is partial: shown whatever the limit


class InvalidInput(Exception):
    """Raised with the problems found, so a person can fix them all at once.

    Its size never grows with the input: the first ``problems_shown`` problems (a limit) are kept in full,
    the rest only counted by kind, in one last problem (code ``more_problems``) that says how many of each.
    ``total`` is the number found, shown or not; ``omitted`` the counts by kind of those not shown.
    """

    def __init__(self, problems: Iterable[Problem], *, shown: int | None = None):
        shown = _limits.current().problems_shown if shown is None else shown
        kept: list[Problem] = []
        omitted: Counter[str] = Counter()
        for problem in problems:
            if len(kept) < shown or problem.code in ALWAYS_SHOWN:
                kept.append(problem)
            else:
                omitted[problem.code] += 1
        self.total = len(kept) + sum(omitted.values())
        self.omitted = dict(omitted)
        if omitted:
            counts = ", ".join(f"{code} {count:,}" for code, count in omitted.most_common())
            kept.append(Problem(MORE_PROBLEMS, f"{sum(omitted.values()):,} more problem(s) not shown ({counts}); "
                                f"{_limits.current().describe('problems_shown')}"))
        self.problems = kept
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{self.total} problem(s) found, nothing was loaded:\n{lines}")
