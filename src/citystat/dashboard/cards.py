"""A service's card on the home page: its headline figure, that figure's changes and its trend.

Nothing here chooses or words a finding anew: the headline is the first series of the first "latest" finding
(``citystat.language.findings``) of the service's leading table, the changes are that finding's change over
the period before and the "long run" finding's change since the first comparable period, and both are worded
by ``citystat.language.narrative`` exactly as the narratives word them.

The leading table of a service is the first in the publication's order (``ordered_tables``): the one with the
most periods, so that its trend says the most.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from citystat.language.findings import Change, LatestFinding, LongRunFinding, Series, findings
from citystat.language.narrative import change_words, level_words
from citystat.model import ZH, Period, Status, StoredTable


@dataclass(frozen=True)
class Headline:
    stored: StoredTable
    latest: LatestFinding
    series: Series
    previous: Change | None  # the change over the period before (the latest finding's)
    long_run: LongRunFinding | None  # the change since the first comparable period, if told
    long_run_index: int = 0


def _same_series(a: Series, b: Series) -> bool:
    return a.value.code == b.value.code and a.coords == b.coords


def headline(stored: StoredTable, context: Sequence[StoredTable] = ()) -> Headline | None:
    """The table's headline series and its two changes, as the narratives tell them; None if it has no figure."""
    found = findings(stored, context)
    latest = next((f for f in found if isinstance(f, LatestFinding)), None)
    if latest is None:
        return None
    series = latest.items[0]
    for f in found:
        if isinstance(f, LongRunFinding):
            for index, item in enumerate(f.items):
                if _same_series(item, series):
                    return Headline(stored, latest, series, latest.changes[0], f, index)
    return Headline(stored, latest, series, latest.changes[0], None)


def _direction_name(direction: int) -> str:
    return {1: "up", -1: "down"}.get(direction, "same")


def _change_entry(kind: str, change: Change, lang: str, *, end: Period, shown_end: Period) -> dict[str, Any]:
    text = change_words(change, lang)
    if end != shown_end:  # a long run that stops before the latest period says where it stops
        label = end.label(lang, end=change.series.stock)
        text = f"{label}：{text}" if lang == ZH else f"{label[:1].upper()}{label[1:]}: {text}"
    return {
        "kind": kind,
        "text": text,
        "base": change.base.code,
        "end": end.code,
        "direction": _direction_name(change.direction),
        "estimated": change.estimated,
    }


def _number(value: Decimal | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def sparkline_points(series: Series, lang: str) -> list[dict[str, Any]]:
    """Every period of the table for this series: its value (None for a gap), label and status."""
    stored = series.stored
    meta = stored.meta
    points = []
    for period in sorted(meta.periods):
        cell = stored.table.get(meta.key(series.at(period)))
        points.append({
            "period": period.code,
            "label": period.label(lang, end=series.stock),
            "value": _number(cell.value),
            "status": cell.status.value,
            "estimated": cell.status is Status.ESTIMATED and cell.value is not None,
        })
    return points


def headline_view(head: Headline, lang: str) -> dict[str, Any]:
    """What a card shows of a headline, ready for a template or JSON."""
    series, latest = head.series, head.latest
    level = latest.levels[0]
    meta = head.stored.meta
    qualifiers = [v.label.get(lang) for v in series.qualifiers]
    label = (" " if lang != ZH else "").join([*qualifiers, series.value.label.get(lang)])
    cell = head.stored.table.get(meta.key(series.at(latest.period)))
    changes = []
    if head.previous is not None:
        changes.append(_change_entry("previous", head.previous, lang, end=latest.period, shown_end=latest.period))
    if head.long_run is not None:
        change = head.long_run.changes[head.long_run_index]
        if head.previous is None or change.base != head.previous.base:
            changes.append(_change_entry("first", change, lang, end=head.long_run.end, shown_end=latest.period))
    return {
        "table": meta.id,
        "table_title": meta.title.get(lang),
        "measure": series.value.code,
        "cell": series.at(latest.period),  # the coordinates of the figure's cell, variable code -> value code
        "label": label,
        "figure": level_words(level, series.value, lang),
        "value": _number(level.value),
        "unit": series.measure.unit.get(lang),
        "period": latest.period.code,
        "period_label": latest.period.label(lang, end=series.stock),
        "status": cell.status.value,
        "estimated": level.estimated,
        "changes": changes,
        "sparkline": sparkline_points(series, lang),
    }
