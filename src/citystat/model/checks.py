"""Consistency checks that every table must pass before it is stored.

Each failure names the table, the cell, the expected value and the value found.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal

from citystat.model.measure import MeasureKind, round_half_up
from citystat.model.period import Period, days_in_service, months_in_service
from citystat.model.problems import Problem
from citystat.model.status import Status
from citystat.model.table import CellKey, Table

Check = Callable[[Table], Iterator[Problem]]


def _fmt(value: Decimal | None) -> str:
    return "no value" if value is None else format(value, "f")


def _problem(table: Table, key: CellKey, code: str, message: str, expected: str, found: str) -> Problem:
    return Problem(
        code,
        message,
        table=table.id,
        cell=table.meta.describe_key(key),
        expected=expected,
        found=found,
    )


def check_value_or_status(table: Table) -> Iterator[Problem]:
    """A cell holds a number, or says with its status why it has none."""
    for key, cell in table.ordered_cells():
        if cell.status.has_value and cell.value is None:
            yield _problem(
                table, key, "missing_value", "the cell has no number and no status saying why",
                "a number or status '..' / '-'", "an empty cell",
            )
        if not cell.status.has_value and cell.value is not None:
            yield _problem(
                table, key, "value_with_missing_status",
                f"the cell has a number but its status {cell.status.value!r} says there is none",
                "no number", _fmt(cell.value),
            )


def check_not_negative(table: Table) -> Iterator[Problem]:
    kinds = {code: measure.kind for code, measure in table.meta.measures.items()}
    position = table.meta.metric_position
    for key, cell in table.ordered_cells():
        if cell.value is None:
            continue
        kind = kinds[key[position]]
        if kind.is_count and cell.value < 0:
            yield _problem(table, key, "negative_count", f"a {kind.value} cannot be negative", ">= 0", _fmt(cell.value))
        if kind is MeasureKind.RANK and (cell.value < 1 or cell.value != cell.value.to_integral_value()):
            yield _problem(table, key, "bad_rank", "a rank is a whole number from 1", "1, 2, 3, ...", _fmt(cell.value))
        if kind.is_percentage and not 0 <= cell.value <= 100:
            yield _problem(
                table, key, "percentage_out_of_range", f"a {kind.value} is a percentage between 0 and 100",
                "0-100", _fmt(cell.value),
            )


def _with_measure(table: Table, key: CellKey, measure_code: str) -> CellKey:
    position = table.meta.metric_position
    return key[:position] + (measure_code,) + key[position + 1 :]


def check_averages(table: Table) -> Iterator[Problem]:
    """average = total / months (or days) in service, rounded half up to the measure's decimals."""
    meta = table.meta
    time_position = meta.position(meta.time.code)
    averages = {code for code, m in meta.measures.items() if m.kind.is_average and m.average_of is not None}
    if not averages:
        return
    for key, cell in table.ordered_cells():
        if key[meta.metric_position] not in averages:
            continue
        measure = meta.measure_of(key)
        assert measure.average_of is not None
        total_cell = table.get(_with_measure(table, key, measure.average_of))
        if cell.value is None or total_cell.value is None:
            if (cell.value is None) != (total_cell.value is None):
                yield _problem(
                    table, key, "average_without_total",
                    f"an average and its total {measure.average_of!r} must both have a value or both have none",
                    "both or neither", f"average {_fmt(cell.value)}, total {_fmt(total_cell.value)}",
                )
            continue
        period = Period.parse(key[time_position])
        service_from = measure.service_from or meta.measures[measure.average_of].service_from
        if measure.kind is MeasureKind.MONTHLY_AVERAGE:
            divisor, what = months_in_service(period, service_from), "months"
        else:
            divisor, what = days_in_service(period, service_from), "days"
        if divisor == 0:
            yield _problem(
                table, key, "average_before_service",
                f"the period is before the service began ({service_from})", "no value", _fmt(cell.value),
            )
            continue
        expected = round_half_up(total_cell.value / divisor, measure.decimals)
        if cell.value != expected:
            yield _problem(
                table, key, "average_mismatch",
                f"{measure.kind.value} must equal {measure.average_of} {_fmt(total_cell.value)} / "
                f"{divisor} {what} in service, rounded half up",
                _fmt(expected), _fmt(cell.value),
            )


def check_shares(table: Table) -> Iterator[Problem]:
    """Shares agree with the parts and total they divide, and the parts add up to at most 100%."""
    meta = table.meta
    category = next((v for v in meta.variables if v.aggregate is not None), None)
    for share_code, measure in meta.measures.items():
        if measure.kind is not MeasureKind.SHARE:
            continue
        if category is None:
            continue
        total = category.aggregate
        assert total is not None
        position = meta.position(category.code)
        groups: dict[CellKey, list[tuple[CellKey, Decimal]]] = {}
        for key, cell in table.ordered_cells():
            if key[meta.position(meta.metric.code)] != share_code or cell.value is None:
                continue
            if key[position] == total.code:
                if cell.value != 100:
                    yield _problem(table, key, "share_total", "the total's share must be 100%", "100", _fmt(cell.value))
                continue
            group = key[:position] + key[position + 1 :]
            groups.setdefault(group, []).append((key, cell.value))
            if measure.share_of is None:
                continue
            part = table.get(_with_measure(table, key, measure.share_of)).value
            whole_key = _with_measure(table, key[:position] + (total.code,) + key[position + 1 :], measure.share_of)
            whole = table.get(whole_key).value
            if part is None or whole in (None, 0):
                continue
            assert whole is not None
            expected = round_half_up(part / whole * 100, measure.decimals)
            if expected != cell.value:
                yield _problem(
                    table, key, "share_mismatch",
                    f"share must equal {measure.share_of} {_fmt(part)} / {_fmt(whole)} × 100, rounded half up",
                    _fmt(expected), _fmt(cell.value),
                )
        slack = Decimal("0.5") * Decimal(1).scaleb(-measure.decimals)
        for parts in groups.values():
            added = sum((v for _, v in parts), Decimal(0))
            if added > 100 + slack * len(parts):
                yield _problem(
                    table, parts[0][0], "shares_over_100",
                    f"the shares of {', '.join(meta.describe_key(k) for k, _ in parts)} add up to more than 100%",
                    "at most 100", _fmt(added),
                )


def check_derivations(table: Table) -> Iterator[Problem]:
    """A derived cell equals its recorded derivation and is flagged as an estimate, never as observed."""
    meta = table.meta
    for note in meta.cell_notes:
        if note.derivation is None:
            continue
        cell = table.get(note.key)
        if cell.status is not Status.ESTIMATED:
            yield _problem(table, note.key, "derived_not_estimated", "a derived value must have status 'e'",
                           "e", cell.status.value or "observed")
        if cell.value is None:
            continue  # nothing to compare; check_value_or_status or the status check above says what is wrong
        source_key = note.derivation.source_key(meta, note.key)
        source = table.get(source_key)
        if source.value is None:
            yield _problem(table, note.key, "derivation_input_missing",
                           f"the derivation's input cell [{meta.describe_key(source_key)}] has no value",
                           "a number", "no value")
            continue
        decimals = meta.measure_of(note.key).decimals
        expected = round_half_up(note.derivation.op.apply(source.value, note.derivation.operand), decimals)
        if expected != cell.value:
            d = note.derivation
            yield _problem(
                table, note.key, "derivation_mismatch",
                f"derived as {_fmt(source.value)} {d.op.symbol} {d.operand}, rounded half up",
                _fmt(expected), _fmt(cell.value),
            )
    for key, cell in table.ordered_cells():
        if cell.status is Status.ESTIMATED and not meta.notes_for_cell(key):
            yield _problem(table, key, "estimate_without_note",
                           "an estimated value needs a note saying how it was derived", "a cell note", "none")


def check_roles(table: Table) -> Iterator[Problem]:
    """Every metric value has a measure."""
    for value in table.meta.metric.values:
        if value.measure is None:
            yield Problem("missing_measure", f"metric value {value.code!r} has no unit, decimals and kind",
                          table=table.id)


CHECKS: tuple[Check, ...] = (
    check_roles,
    check_value_or_status,
    check_not_negative,
    check_averages,
    check_shares,
    check_derivations,
)


def check_table(table: Table) -> list[Problem]:
    """Run every consistency check; an empty list means the table may be stored."""
    problems: list[Problem] = []
    for check in CHECKS:
        found = list(check(table))
        problems.extend(found)
        if check is check_roles and found:
            break  # the other checks rely on every metric value having a measure
    return problems
