"""Selections of a table: which values of each variable a query asks for, and where each variable goes.

A request names, for some variables, value codes or PxWeb selection expressions:

- ``*`` every value; ``01*``, ``*01``, ``*01*`` codes that start with, end with or contain ``01``;
- ``20?1`` codes matching with ``?`` standing for any one character;
- ``TOP(n)``, ``TOP(n,offset)``: the first n values (on the time variable: the latest n periods);
- ``BOTTOM(n)``, ``BOTTOM(n,offset)``: the last n values (on the time variable: the earliest n periods);
- ``FROM(x)``, ``TO(x)``, ``RANGE(a,b)``: values from x on, up to x, from a to b, in the variable's order.

Resolution turns a request into codes in the variable's own order. Each failure is a SelectionError
whose kind says what was wrong: a malformed request (``malformed``), something the table does not have
(``unknown``), or too many cells (``too_many_cells``); the message names the variable and the expression.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from citystat.model import Period, Role, TableMeta, Variable
from citystat.query.codelists import Codelist, CodelistType, codelists_of

TIME_ALIAS = "time"
DEFAULT_SELECTION_CELLS = 1_000


class SelectionErrorKind(StrEnum):
    MALFORMED = "malformed"  # the request cannot be read: HTTP 400
    UNKNOWN = "unknown"  # it names a variable, value or codelist the table does not have: HTTP 404
    TOO_MANY_CELLS = "too_many_cells"  # it asks for more cells than allowed: HTTP 403


class SelectionError(ValueError):
    def __init__(self, kind: SelectionErrorKind, message: str):
        self.kind = kind
        super().__init__(message)

    @property
    def message(self) -> str:
        return str(self.args[0])


def _malformed(message: str) -> SelectionError:
    return SelectionError(SelectionErrorKind.MALFORMED, message)


def _unknown(message: str) -> SelectionError:
    return SelectionError(SelectionErrorKind.UNKNOWN, message)


@dataclass(frozen=True)
class VariableRequest:
    """What a client asked for one variable: value codes or expressions, and perhaps a codelist."""

    variable: str
    values: tuple[str, ...] = ()
    codelist: str | None = None


@dataclass(frozen=True)
class SelectionRequest:
    """A whole data request before it is checked against a table."""

    variables: tuple[VariableRequest, ...] = ()
    heading: tuple[str, ...] | None = None
    stub: tuple[str, ...] | None = None

    @property
    def is_empty(self) -> bool:
        """No variable named: the default selection applies."""
        return not self.variables


@dataclass(frozen=True)
class Selection:
    """A resolved selection: for every variable of the table, in table order, the chosen codes."""

    table_id: str
    codes: tuple[tuple[str, tuple[str, ...]], ...]
    heading: tuple[str, ...]
    stub: tuple[str, ...]
    codelists: tuple[tuple[str, str], ...] = field(default=())

    @property
    def by_variable(self) -> dict[str, tuple[str, ...]]:
        return dict(self.codes)

    @property
    def order(self) -> tuple[str, ...]:
        """The order of dimensions in the answer: the stub, then the heading."""
        return (*self.stub, *self.heading)

    @property
    def cell_count(self) -> int:
        return math.prod(len(codes) for _, codes in self.codes)

    def describe_size(self) -> str:
        return " × ".join(f"{variable} {len(codes)}" for variable, codes in self.codes)


# -- expressions -----------------------------------------------------------------------------------

_CALL = re.compile(r"^\s*(TOP|BOTTOM|FROM|TO|RANGE)\s*\((.*)\)\s*$", re.IGNORECASE | re.DOTALL)
_CALL_START = re.compile(r"^\s*(TOP|BOTTOM|FROM|TO|RANGE)\s*\(", re.IGNORECASE)
_COUNT = re.compile(r"^\s*(\d+)\s*$")


def _time_ordered(variable: Variable, codes: Sequence[str]) -> list[str]:
    """Time codes in chronological order (they sort as periods), others as they stand."""
    if variable.role is not Role.TIME:
        return list(codes)
    try:
        return sorted(codes, key=Period.parse)
    except ValueError:
        return list(codes)


def _count_and_offset(name: str, arguments: str, variable: Variable, expression: str) -> tuple[int, int]:
    parts = arguments.split(",")
    if len(parts) not in (1, 2):
        raise _malformed(f"variable {variable.code!r}: {expression!r} takes one or two whole numbers: "
                         f"{name}(n) or {name}(n,offset)")
    numbers = []
    for part in parts:
        match = _COUNT.match(part)
        if not match:
            raise _malformed(f"variable {variable.code!r}: {expression!r}: {part.strip()!r} is not a whole number; "
                             f"write {name}(n) or {name}(n,offset)")
        numbers.append(int(match[1]))
    count, offset = numbers[0], numbers[1] if len(numbers) == 2 else 0
    if count < 1:
        raise _malformed(f"variable {variable.code!r}: {expression!r}: the count must be at least 1")
    return count, offset


def _find_code(variable: Variable, candidates: Sequence[str], code: str, expression: str) -> int:
    code = code.strip()
    if not code:
        raise _malformed(f"variable {variable.code!r}: {expression!r} needs a value code inside the parentheses")
    for i, candidate in enumerate(candidates):
        if candidate == code:
            return i
    for i, candidate in enumerate(candidates):
        if candidate.lower() == code.lower():
            return i
    raise _unknown(f"variable {variable.code!r} has no value {code!r} (in {expression!r}); "
                   f"its values are {', '.join(candidates)}")


def _call(variable: Variable, candidates: list[str], name: str, arguments: str, expression: str) -> list[str]:
    name = name.upper()
    is_time = variable.role is Role.TIME
    if name in ("TOP", "BOTTOM"):
        count, offset = _count_and_offset(name, arguments, variable, expression)
        ordered = _time_ordered(variable, candidates)
        # On time, TOP counts back from the latest period; elsewhere it counts from the first value.
        from_end = (name == "TOP") == is_time
        if from_end:
            end = len(ordered) - offset
            return ordered[max(0, end - count):max(0, end)]
        return ordered[offset:offset + count]
    if name in ("FROM", "TO"):
        if "," in arguments:
            raise _malformed(f"variable {variable.code!r}: {expression!r} takes one value code: {name}(code)")
        ordered = _time_ordered(variable, candidates)
        index = _find_code(variable, ordered, arguments, expression)
        return ordered[index:] if name == "FROM" else ordered[:index + 1]
    parts = arguments.split(",")
    if len(parts) != 2:
        raise _malformed(f"variable {variable.code!r}: {expression!r} takes two value codes: RANGE(first,last)")
    ordered = _time_ordered(variable, candidates)
    first = _find_code(variable, ordered, parts[0], expression)
    last = _find_code(variable, ordered, parts[1], expression)
    if first > last:
        first, last = last, first
    return ordered[first:last + 1]


def _pattern(variable: Variable, candidates: list[str], expression: str) -> list[str]:
    stars = expression.count("*")
    if stars > 2 or (stars and expression.strip("*").count("*")):
        raise _malformed(f"variable {variable.code!r}: in {expression!r} a * may stand only at the start or the end "
                         "(*, 01*, *01 or *01*)")
    if stars == 2 and not (expression.startswith("*") and expression.endswith("*")):
        raise _malformed(f"variable {variable.code!r}: {expression!r}: two * must enclose the text (*01*)")
    body = re.escape(expression.strip("*")).replace(r"\?", ".")
    regex = ("" if expression.startswith("*") else "^") + body + ("" if expression.endswith("*") else "$")
    if expression == "*" or (stars and not expression.strip("*")):
        return list(candidates)
    compiled = re.compile(regex, re.IGNORECASE | re.DOTALL)
    return [code for code in candidates if compiled.search(code)]


def expand(variable: Variable, expression: str, candidates: Sequence[str] | None = None) -> list[str]:
    """The codes one value code or expression stands for, among ``candidates`` (default: all values)."""
    pool = list(variable.codes if candidates is None else candidates)
    if not isinstance(expression, str) or not expression.strip():
        raise _malformed(f"variable {variable.code!r}: an empty value code was given")
    if expression in pool:
        return [expression]
    call = _CALL.match(expression)
    if call:
        return _call(variable, pool, call[1], call[2], expression)
    if _CALL_START.match(expression):
        raise _malformed(f"variable {variable.code!r}: {expression!r} is not a complete expression: "
                         "close the parentheses, e.g. TOP(3) or RANGE(2015,2020)")
    if "*" in expression or "?" in expression:
        return _pattern(variable, pool, expression)
    for code in pool:
        if code.lower() == expression.lower():
            return [code]
    if candidates is not None and expression in variable.codes:
        raise _unknown(f"variable {variable.code!r}: the value {expression!r} is not in the chosen codelist")
    raise _unknown(f"variable {variable.code!r} has no value {expression!r}; its values are {', '.join(pool)}")


# -- resolution ------------------------------------------------------------------------------------

def find_variable(meta: TableMeta, code: str) -> Variable:
    """A variable by its code, case-insensitively; ``time`` names the time variable."""
    for variable in meta.variables:
        if variable.code == code:
            return variable
    for variable in meta.variables:
        if variable.code.lower() == code.lower():
            return variable
    if code.lower() == TIME_ALIAS:
        return meta.time
    raise _unknown(f"table {meta.id!r} has no variable {code!r}; its variables are "
                   f"{', '.join(v.code for v in meta.variables)}")


def elimination_value(variable: Variable) -> str | None:
    """The value a query gets when it leaves the variable out: its total, or its only value; None if mandatory."""
    if variable.role in (Role.TIME, Role.METRIC) and len(variable.values) > 1:
        return None
    if variable.aggregate is not None:
        return variable.aggregate.code
    if len(variable.values) == 1:
        return variable.values[0].code
    return None


def default_placement(meta: TableMeta) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(heading, stub): measures across, every other variable down, as the tables are published."""
    return (meta.metric.code,), tuple(v.code for v in meta.variables if v.role is not Role.METRIC)


def resolve_placement(
    meta: TableMeta, heading: Sequence[str] | None, stub: Sequence[str] | None
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(heading, stub) from what a client asked.

    Variables a client does not place go to the side it left open, or to the stub when it named both.
    """
    if not heading and not stub:
        return default_placement(meta)
    placed: list[str] = []

    def codes(names: Sequence[str] | None, where: str) -> list[str]:
        out = []
        for name in names or ():
            if not isinstance(name, str) or not name.strip():
                raise _malformed(f"{where}: an empty variable code was given")
            code = find_variable(meta, name.strip()).code
            if code in placed:
                raise _malformed(f"the variable {code!r} is placed twice (heading and stub must not overlap)")
            placed.append(code)
            out.append(code)
        return out

    head = codes(heading, "heading")
    side = codes(stub, "stub")
    rest = [v.code for v in meta.variables if v.code not in placed]
    if not side:
        side = rest
    elif not head:
        head = rest
    else:
        side += rest
    return tuple(head), tuple(side)


def _codelist(meta: TableMeta, variable: Variable, codelist_id: str) -> Codelist:
    known = [c for c in codelists_of(meta) if c.variable == variable.code]
    for codelist in known:
        if codelist.id == codelist_id or codelist.id.lower() == codelist_id.lower():
            return codelist
    listed = ", ".join(c.id for c in known) or "none"
    raise _unknown(f"variable {variable.code!r} of table {meta.id!r} has no codelist {codelist_id!r}; "
                   f"its codelists: {listed}")


def resolve(
    meta: TableMeta,
    request: SelectionRequest,
    *,
    max_cells: int | None = None,
) -> Selection:
    """Check a request against a table and expand its expressions; raises SelectionError."""
    heading, stub = resolve_placement(meta, request.heading, request.stub)
    if request.is_empty:
        return default_selection(meta, heading=heading, stub=stub, max_cells=max_cells)
    chosen: dict[str, list[str]] = {}
    codelists: dict[str, str] = {}
    for item in request.variables:
        if not isinstance(item.variable, str) or not item.variable.strip():
            raise _malformed("a selection names no variable code")
        variable = find_variable(meta, item.variable.strip())
        if variable.code in chosen:
            raise _malformed(f"the variable {variable.code!r} is selected twice")
        candidates: list[str] | None = None
        if item.codelist:
            codelist = _codelist(meta, variable, item.codelist)
            codelists[variable.code] = codelist.id
            candidates = [v.code for v in codelist.values]
        if not item.values:
            if candidates is None:
                raise _malformed(f"variable {variable.code!r}: no value codes were given; name codes or use *")
            picked = list(candidates)
        else:
            seen: set[str] = set()
            for expression in item.values:
                for code in expand(variable, expression, candidates):
                    seen.add(code)
            picked = [c for c in variable.codes if c in seen]
        if not picked:
            shown = ", ".join(repr(e) for e in item.values)
            raise _unknown(f"variable {variable.code!r}: no value matches {shown}; "
                           f"its values are {', '.join(candidates or variable.codes)}")
        chosen[variable.code] = picked
    for variable in meta.variables:
        if variable.code not in chosen:
            value = elimination_value(variable)
            if value is None:
                raise _malformed(f"the selection must name values of variable {variable.code!r} "
                                 f"({variable.label.en}); it cannot be left out")
            chosen[variable.code] = [value]
    selection = Selection(
        meta.id,
        tuple((v.code, tuple(chosen[v.code])) for v in meta.variables),
        heading,
        stub,
        tuple(sorted(codelists.items())),
    )
    check_size(selection, max_cells)
    return selection


def check_size(selection: Selection, max_cells: int | None) -> None:
    if max_cells is not None and selection.cell_count > max_cells:
        raise SelectionError(
            SelectionErrorKind.TOO_MANY_CELLS,
            f"the selection has {selection.cell_count:,} cells ({selection.describe_size()}), more than the "
            f"limit of {max_cells:,} cells a query may fetch; select fewer values or split the query",
        )


def default_selection(
    meta: TableMeta,
    *,
    heading: Sequence[str] | None = None,
    stub: Sequence[str] | None = None,
    max_cells: int | None = None,
    target_cells: int = DEFAULT_SELECTION_CELLS,
) -> Selection:
    """What a query that names no variable gets: every value, and the latest periods that fit the target size.

    A variable whose values alone exceed the target falls back to its total (or only value) if it has one.
    """
    if heading is None or stub is None:
        heading, stub = default_placement(meta)
    limit = min(target_cells, max_cells) if max_cells else target_cells
    chosen: dict[str, list[str]] = {v.code: list(v.codes) for v in meta.variables}
    time = meta.time
    others = [v for v in meta.variables if v.code != time.code]
    for variable in sorted(others, key=lambda v: -len(v.values)):
        rest = math.prod(len(chosen[v.code]) for v in others)
        if rest <= limit:
            break
        fallback = elimination_value(variable)
        if fallback is not None:
            chosen[variable.code] = [fallback]
    rest = math.prod(len(chosen[v.code]) for v in others)
    periods = max(1, limit // max(rest, 1))
    chosen[time.code] = _time_ordered(time, time.codes)[-periods:]
    chosen[time.code] = [c for c in time.codes if c in set(chosen[time.code])]
    selection = Selection(
        meta.id, tuple((v.code, tuple(chosen[v.code])) for v in meta.variables), tuple(heading), tuple(stub)
    )
    check_size(selection, max_cells)
    return selection


def request_from_mapping(
    value_codes: Mapping[str, Sequence[str]],
    codelists: Mapping[str, str] | None = None,
    *,
    heading: Sequence[str] | None = None,
    stub: Sequence[str] | None = None,
) -> SelectionRequest:
    """A request from {variable: [codes or expressions]} and {variable: codelist id}, as GET parameters give them."""
    codelists = dict(codelists or {})
    names = list(value_codes) + [name for name in codelists if name not in value_codes]
    return SelectionRequest(
        tuple(VariableRequest(name, tuple(value_codes.get(name, ())), codelists.get(name)) for name in names),
        tuple(heading) if heading is not None else None,
        tuple(stub) if stub is not None else None,
    )


__all__ = [
    "Codelist", "CodelistType", "DEFAULT_SELECTION_CELLS", "Selection", "SelectionError", "SelectionErrorKind",
    "SelectionRequest", "VariableRequest", "check_size", "default_placement", "default_selection",
    "elimination_value", "expand", "find_variable", "request_from_mapping", "resolve", "resolve_placement",
]
