"""When events happen: seasonality, weekday/weekend, hour of day, holidays, launches and the 2021 level-3 alert.

A profile turns a year's exact total into exact counts per local day and hour (multinomial draws, so totals are
kept to the event). The shapes are plausible, not measured: replace a profile to recalibrate a service.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

import holidays
import numpy as np

from citystat.events.calendar import year_days
from citystat.simulate.assumptions import assumptions

_ASSUMED = assumptions()


def _episode(name: str) -> tuple[date, date]:
    return _ASSUMED.episodes[name]


ALERT_2021 = _episode("alert_2021")
SCHOOLS_CLOSED_2021 = _episode("schools_closed_2021")
WAVE_2020 = _episode("wave_2020")


@cache
def lunar_new_year(year: int) -> date | None:
    """The first day of the Lunar New Year (the holiday runs from the eve to the fourth day), from the public
    holidays of the country in assumptions.yaml (Taiwan); None where that calendar has none."""
    calendar = holidays.country_holidays(_ASSUMED.holiday_country, years=year, language="en_US")
    days = sorted(day for day, name in calendar.items() if name == "Chinese New Year")
    return days[0] if days else None


_FLAT24 = (1.0,) * 24
# Typical human activity by hour (0-23), weekday and weekend.
_DAYTIME = (0.15, 0.08, 0.05, 0.04, 0.05, 0.12, 0.35, 0.7, 0.95, 1.0, 1.05, 1.1,
            1.15, 1.05, 1.0, 1.0, 1.05, 1.15, 1.2, 1.2, 1.15, 1.0, 0.7, 0.35)
_DAYTIME_WEEKEND = (0.25, 0.15, 0.08, 0.05, 0.05, 0.07, 0.15, 0.3, 0.55, 0.8, 1.0, 1.1,
                    1.15, 1.15, 1.15, 1.15, 1.15, 1.15, 1.2, 1.2, 1.1, 1.0, 0.75, 0.45)
_OFFICE = (0.05, 0.03, 0.02, 0.02, 0.02, 0.05, 0.15, 0.4, 0.9, 1.3, 1.4, 1.3,
           0.9, 1.2, 1.35, 1.3, 1.2, 0.9, 0.6, 0.55, 0.6, 0.55, 0.35, 0.15)
_COMMUTE = (0.12, 0.06, 0.04, 0.03, 0.05, 0.2, 0.7, 1.8, 2.0, 0.9, 0.6, 0.65,
            0.75, 0.65, 0.6, 0.7, 0.95, 1.7, 1.9, 1.2, 0.85, 0.7, 0.45, 0.25)
_LEISURE = (0.2, 0.12, 0.08, 0.05, 0.05, 0.1, 0.2, 0.35, 0.55, 0.8, 1.0, 1.1,
            1.15, 1.2, 1.25, 1.3, 1.35, 1.4, 1.35, 1.2, 1.0, 0.8, 0.55, 0.35)
_SCHOOL = (0.03, 0.02, 0.01, 0.01, 0.01, 0.03, 0.15, 0.6, 1.3, 1.5, 1.5, 1.3,
           0.9, 1.3, 1.5, 1.4, 1.1, 0.8, 0.8, 1.1, 1.3, 1.1, 0.6, 0.2)
_MACHINE = (0.7, 0.65, 0.6, 0.6, 0.65, 0.7, 0.8, 0.95, 1.1, 1.2, 1.25, 1.25,
            1.2, 1.25, 1.25, 1.2, 1.15, 1.1, 1.05, 1.0, 0.95, 0.9, 0.85, 0.75)


@dataclass(frozen=True)
class Profile:
    months: tuple[float, ...] = (1.0,) * 12  # January .. December
    weekdays: tuple[float, ...] = (1.0,) * 7  # Monday .. Sunday
    hours_weekday: tuple[float, ...] = _DAYTIME
    hours_weekend: tuple[float, ...] = _DAYTIME_WEEKEND
    alert: float = 1.0  # factor during the 2021 level-3 alert
    alert_window: tuple[date, date] = ALERT_2021
    wave_2020: float = 1.0
    lunar_new_year: float = 1.0
    launch: str = "ramp"  # "ramp": use grows over the first six months; "spike": a burst of interest, then normal

    def __post_init__(self) -> None:
        assert len(self.months) == 12 and len(self.weekdays) == 7
        assert len(self.hours_weekday) == 24 and len(self.hours_weekend) == 24


PROFILES: dict[str, Profile] = {
    "wifi.sessions": Profile(
        months=(0.93, 0.88, 0.97, 0.98, 1.0, 1.0, 1.05, 1.07, 1.0, 1.03, 1.02, 1.07),
        weekdays=(0.95, 0.95, 0.96, 0.97, 1.02, 1.12, 1.06), alert=0.45, wave_2020=0.85, lunar_new_year=0.8),
    "citizen_platform.visits": Profile(
        weekdays=(1.12, 1.1, 1.08, 1.06, 1.0, 0.55, 0.5), hours_weekday=_OFFICE, alert=0.9, lunar_new_year=0.5),
    "open_data.uses": Profile(
        weekdays=(1.06, 1.06, 1.05, 1.05, 1.02, 0.85, 0.82), hours_weekday=_MACHINE, hours_weekend=_MACHINE,
        alert=1.1, lunar_new_year=0.85),
    "open_data.datasets": Profile(weekdays=(1, 1, 1, 1, 1, 0.05, 0.05), hours_weekday=_OFFICE, hours_weekend=_OFFICE),
    "cooc_cloud.page_views": Profile(
        months=(0.85, 0.6, 1.15, 1.1, 1.15, 1.1, 0.55, 0.6, 1.1, 1.15, 1.15, 1.1),
        weekdays=(1.15, 1.15, 1.12, 1.1, 1.0, 0.6, 0.78), hours_weekday=_SCHOOL, alert=3.0,
        alert_window=SCHOOLS_CLOSED_2021, wave_2020=1.2, lunar_new_year=0.4),
    "cooc_cloud.courses": Profile(
        months=(0.8, 1.2, 1.1, 1.0, 1.0, 0.9, 0.7, 1.3, 1.3, 1.0, 0.9, 0.8),
        weekdays=(1.1, 1.1, 1.1, 1.1, 1.0, 0.3, 0.4), hours_weekday=_OFFICE, alert=2.5,
        alert_window=SCHOOLS_CLOSED_2021),
    "pay_taipei.bills/parking": Profile(weekdays=(1.08, 1.08, 1.07, 1.07, 1.1, 0.85, 0.75), alert=0.6,
                                        wave_2020=0.9, lunar_new_year=0.7),
    "pay_taipei.bills/water": Profile(months=(1.3, 0.7, 1.3, 0.7, 1.3, 0.7, 1.3, 0.7, 1.3, 0.7, 1.3, 0.7),
                                      hours_weekday=_OFFICE),
    "pay_taipei.bills/taxes": Profile(months=(0.3, 0.3, 0.4, 1.2, 3.5, 0.6, 0.4, 0.4, 0.4, 1.2, 2.8, 0.5),
                                      weekdays=(1.1, 1.1, 1.1, 1.1, 1.1, 0.7, 0.7), hours_weekday=_OFFICE),
    "pay_taipei.bills": Profile(weekdays=(1.1, 1.1, 1.1, 1.1, 1.05, 0.75, 0.7), hours_weekday=_OFFICE),
    "shared_transport.trips/bike": Profile(
        months=(0.85, 0.85, 1.0, 1.05, 1.05, 0.95, 0.95, 0.95, 1.05, 1.15, 1.1, 1.0),
        weekdays=(1.05, 1.05, 1.05, 1.05, 1.08, 0.9, 0.82), hours_weekday=_COMMUTE, hours_weekend=_LEISURE,
        alert=0.5, wave_2020=0.85, lunar_new_year=0.6),
    "shared_transport.trips/e_scooter": Profile(
        months=(0.9, 0.85, 1.0, 1.05, 1.05, 1.0, 1.0, 1.0, 1.05, 1.05, 1.0, 0.95),
        weekdays=(1.0, 1.0, 1.0, 1.02, 1.1, 1.0, 0.88), hours_weekday=_COMMUTE, hours_weekend=_LEISURE,
        alert=0.5, wave_2020=0.85, lunar_new_year=0.7),
    "shared_transport.trips/e_car": Profile(
        weekdays=(0.85, 0.85, 0.85, 0.9, 1.1, 1.35, 1.25), hours_weekday=_LEISURE, hours_weekend=_LEISURE,
        alert=0.7, lunar_new_year=1.3),
    "taipeipass.downloads": Profile(hours_weekday=_DAYTIME, alert=2.2, launch="spike"),
    "taipeipass.cards/activation": Profile(alert=2.0, launch="spike"),
    "taipeipass.cards/deactivation": Profile(hours_weekday=_DAYTIME, launch="ramp"),
}


def profile(name: str) -> Profile:
    """The profile of a stream or of a stratum of it (``stream/stratum``), falling back to the stream's."""
    if name in PROFILES:
        return PROFILES[name]
    return PROFILES.get(name.split("/")[0], Profile())


def _window(days: list[date], window: tuple[date, date]) -> np.ndarray:
    return np.array([window[0] <= d <= window[1] for d in days])


def day_weights(prof: Profile, year: int, start: date | None = None, trend: float = 1.0) -> np.ndarray:
    """Relative weights of the days of a year (zero before ``start``); ``trend``: growth over the year."""
    first = date(year, 1, 1)
    days = [first + timedelta(days=i) for i in range(year_days(year))]
    w = np.array([prof.months[d.month - 1] * prof.weekdays[d.weekday()] for d in days])
    position = (np.arange(len(days)) + 0.5) / len(days)
    w *= float(trend) ** (position - 0.5)
    w = np.where(_window(days, prof.alert_window), w * prof.alert, w)
    w = np.where(_window(days, WAVE_2020), w * prof.wave_2020, w)
    lny = lunar_new_year(year)
    if lny is not None:
        w = np.where(_window(days, (lny - timedelta(days=1), lny + timedelta(days=4))), w * prof.lunar_new_year, w)
    if start is not None:
        since = np.array([(d - start).days for d in days])
        if prof.launch == "spike":
            ramp = 1.0 + 2.0 * np.exp(-np.maximum(since, 0) / 20.0)
        else:
            ramp = np.minimum(1.0, 0.35 + 0.65 * np.maximum(since, 0) / 180.0)
        w = np.where(since < 0, 0.0, w * ramp)
    return w


def hour_weights(prof: Profile, weekend: bool) -> np.ndarray:
    w = np.array(prof.hours_weekend if weekend else prof.hours_weekday, dtype=float)
    return w / w.sum()


def distribute(rng: np.random.Generator, total: int, prof: Profile, year: int, start: date | None = None,
               trend: float = 1.0) -> np.ndarray:
    """Exactly ``total`` events spread over the local days and hours of a year: an int64 array (days, 24)."""
    days = year_days(year)
    counts = np.zeros((days, 24), dtype=np.int64)
    if total <= 0:
        return counts
    w = day_weights(prof, year, start, trend)
    if w.sum() <= 0:
        raise ValueError(f"no day of {year} is in service (service starts {start}); cannot place {total} events")
    per_day = rng.multinomial(total, w / w.sum())
    weekend = np.array([(date(year, 1, 1) + timedelta(days=i)).weekday() >= 5 for i in range(days)])
    for is_weekend in (False, True):
        rows = np.flatnonzero(weekend == is_weekend)
        if rows.size:
            counts[rows] = rng.multinomial(per_day[rows], hour_weights(prof, is_weekend))
    return counts
