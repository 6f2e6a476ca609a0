"""The calendar of event streams: events are UTC instants; a fixed-offset local calendar decides day, month and year.

Asia/Taipei is UTC+8 with no daylight saving time since 1980, so a local day is a fixed 24-hour window of UTC
and the arithmetic below is exact: local day number = floor((UTC microseconds + offset) / microseconds per day).
"""

from __future__ import annotations

import calendar as _calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

US_PER_SECOND = 1_000_000
US_PER_HOUR = 3_600 * US_PER_SECOND
US_PER_DAY = 24 * US_PER_HOUR
EPOCH = date(1970, 1, 1)


@dataclass(frozen=True)
class LocalCalendar:
    """A named time zone with one fixed UTC offset over the years it is used for."""

    time_zone: str
    utc_offset_hours: int

    @property
    def offset_us(self) -> int:
        return self.utc_offset_hours * US_PER_HOUR

    def check_fixed(self, years: range | tuple[int, ...] | list[int]) -> None:
        """Raise if the zone's offset is not this fixed offset throughout the given years (a DST zone, a change)."""
        zone = ZoneInfo(self.time_zone)
        fixed = timedelta(hours=self.utc_offset_hours)
        one_day = timedelta(days=1)
        for year in years:
            noon = datetime(year, 1, 1, 12, tzinfo=zone)  # stepped a day at a time: local noon of each day
            for _ in range(year_days(year)):  # every day: a change may last only weeks (Ramadan in Morocco)
                offset = noon.utcoffset()
                if offset != fixed:
                    hours = offset.total_seconds() / 3600 if offset is not None else 0
                    raise ValueError(
                        f"{self.time_zone} is UTC{hours:+g} on {noon.date().isoformat()}, not "
                        f"UTC{self.utc_offset_hours:+d}; only fixed-offset calendars are supported"
                    )
                noon += one_day

    def local_day(self, epoch_us: int) -> int:
        """Days since 1970-01-01 of the local date of a UTC instant."""
        return (epoch_us + self.offset_us) // US_PER_DAY

    def local_date(self, instant: datetime) -> date:
        return day_to_date(self.local_day(to_epoch_us(instant)))

    def utc_instant(self, local: datetime) -> datetime:
        """The UTC instant of a naive local wall-clock time."""
        return (local - timedelta(hours=self.utc_offset_hours)).replace(tzinfo=UTC)

    def day_start_us(self, day: date) -> int:
        """The UTC instant (microseconds) at which a local date begins."""
        return date_to_day(day) * US_PER_DAY - self.offset_us


def fixed_calendar(time_zone: str, year: int = 2021) -> LocalCalendar:
    """The calendar of a time zone at its UTC offset of ``year`` (``check_fixed`` tells whether it stays so)."""
    offset = datetime(year, 1, 1, 12, tzinfo=ZoneInfo(time_zone)).utcoffset()
    assert offset is not None
    return LocalCalendar(time_zone, int(offset.total_seconds() // 3600))


def to_epoch_us(instant: datetime) -> int:
    if instant.tzinfo is None:
        raise ValueError("an event time must be a UTC instant, not a naive local time")
    delta = instant.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * US_PER_SECOND + delta.microseconds


def date_to_day(day: date) -> int:
    return (day - EPOCH).days


def day_to_date(number: int) -> date:
    return EPOCH + timedelta(days=int(number))


def month_days(year: int, month: int) -> int:
    return _calendar.monthrange(year, month)[1]


def year_days(year: int) -> int:
    return 366 if _calendar.isleap(year) else 365


def month_index(year: int, month: int) -> int:
    """A running month number, so month ranges are integer ranges."""
    return year * 12 + month - 1


def month_of_index(index: int) -> tuple[int, int]:
    return index // 12, index % 12 + 1
