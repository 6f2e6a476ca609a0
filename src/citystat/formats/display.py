"""How cells, periods and labels read in a plain table: thousands separators, published precision, ROC years."""

from __future__ import annotations

from decimal import Decimal

from citystat.model import Cell, Measure, MeasureKind, Period, TableMeta, Value, Variable, round_half_up


def shown_decimals(value: Decimal, measure: Measure) -> int:
    """The measure's decimals, or fewer where the source published the value less precisely."""
    exponent = value.as_tuple().exponent
    published = max(0, -exponent) if isinstance(exponent, int) else measure.decimals
    return min(measure.decimals, published)


def format_number(value: Decimal, decimals: int) -> str:
    return f"{round_half_up(value, decimals):,.{decimals}f}"


def format_cell(cell: Cell, measure: Measure) -> str:
    """``4,837,771``, ``68.8 e`` for an estimate, ``..`` or ``-`` when there is no number."""
    if cell.value is None:
        return cell.status.value
    text = format_number(cell.value, shown_decimals(cell.value, measure))
    return f"{text} {cell.status.value}" if cell.status.value else text


def value_label(meta: TableMeta, variable: Variable, value: Value, lang: str) -> str:
    """A value's label in a language; time values read as ROC years in zh-TW (110 年, 110 年底 for stocks)."""
    if variable.code == meta.time.code:
        return Period.parse(value.code).label(lang, end=meta.all_stocks)
    return value.label.get(lang)


def period_label(code: str, lang: str, kind: MeasureKind | None = None) -> str:
    return Period.parse(code).label(lang, end=kind is MeasureKind.STOCK)
