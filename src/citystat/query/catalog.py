"""The list of tables: summaries, search, and the facts a table list shows (periods covered, time unit)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from citystat.formats.jsonstat import iso_utc
from citystat.model import City, Frequency, Period, ReleaseInfo, Role, Subject, TableMeta
from citystat.query.reader import Snapshot, TableEntry

TIME_UNITS = {Frequency.YEAR: "Annual", Frequency.MONTH: "Monthly", Frequency.DAY: "Other"}


@dataclass(frozen=True)
class TableSummary:
    meta: TableMeta
    release: ReleaseInfo
    subject: Subject
    first_period: str
    last_period: str
    time_unit: str  # PxWeb's TimeUnit: Annual, Quarterly, Monthly, Weekly or Other

    @property
    def id(self) -> str:
        return self.meta.id

    def to_dict(self, lang: str) -> dict[str, Any]:
        """What a table list shows of a table (``citystat tables --json``)."""
        return {
            "id": self.meta.id,
            "title": self.meta.title.get(lang),
            "subject": self.meta.subject,
            "subject_name": self.subject.name.get(lang),
            "first_period": self.first_period,
            "last_period": self.last_period,
            "periods": self.meta.periods_covered(lang),
            "release": self.release.release,
            "updated": iso_utc(self.release.loaded_at),
            "cells": self.release.cell_count,
        }


def summarise(meta: TableMeta, release: ReleaseInfo, city: City) -> TableSummary:
    periods = sorted(Period.parse(code) for code in meta.time.codes)
    frequencies = {p.frequency for p in periods}
    unit = TIME_UNITS[frequencies.pop()] if len(frequencies) == 1 else "Other"
    return TableSummary(meta, release, city.subject(meta.subject), periods[0].code, periods[-1].code, unit)


def _order(entries: Sequence[TableEntry], city: City) -> list[TableEntry]:
    rank = city.subject_order()
    return sorted(entries, key=lambda e: (rank.get(e.meta.subject, len(rank)), e.meta.id))


def _haystack(entry: TableEntry, city: City) -> str:
    meta = entry.meta
    topic = city.subject(meta.subject)
    parts = [meta.id, meta.subject, meta.title.zh, meta.title.en, topic.name.zh, topic.name.en, *meta.aliases]
    if meta.description:
        parts += [meta.description.zh, meta.description.en]
    for variable in meta.variables:
        parts += [variable.code, variable.label.zh, variable.label.en]
        if variable.role is not Role.TIME:
            parts += [text for value in variable.values for text in (value.code, value.label.zh, value.label.en)]
    return "\n".join(parts).casefold()


def search(
    snapshot: Snapshot,
    *,
    query: str | None = None,
    past_days: int | None = None,
    include_discontinued: bool = False,
    now: datetime | None = None,
) -> list[TableSummary]:
    """Tables whose texts contain every word of ``query`` (either language, any case), updated within
    ``past_days`` days, discontinued ones only if asked; ordered by subject, then id."""
    words = [w.casefold() for w in (query or "").split()]
    since = None
    if past_days is not None:
        moment = now or datetime.now(UTC)
        if past_days < (moment - datetime.min.replace(tzinfo=UTC)).days:  # more days than the calendar has: all
            since = moment - timedelta(days=past_days)
    found = []
    for entry in _order(list(snapshot.entries.values()), snapshot.city):
        if entry.meta.discontinued and not include_discontinued:
            continue
        if since is not None and entry.latest.loaded_at < since:
            continue
        if words:
            haystack = _haystack(entry, snapshot.city)
            if not all(word in haystack for word in words):
                continue
        found.append(summarise(entry.meta, entry.latest, snapshot.city))
    return found
