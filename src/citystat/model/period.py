"""Periods: Gregorian, sortable codes with labels in ROC (民國) or Gregorian form.

Codes: ``2021`` (a year), ``2021M06`` (a month), ``2021-06-30`` (a day).
ROC year = Gregorian year - 1911.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import Enum

from citystat.model.text import ZH, normalise_language

ROC_OFFSET = 1911

ROC_FIRST_YEAR = 1912  # years before it have no ROC (民國) number: they are labelled in Gregorian, 西元

# ASCII digits only: \d would take full-width ２０１２ and Arabic-Indic digits as another "2012"
_YEAR = re.compile(r"^([0-9]{4})$")
_MONTH = re.compile(r"^([0-9]{4})M([0-9]{2})$")
_DAY = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$")

_EN_MONTHS = [calendar.month_name[m] for m in range(13)]


class Frequency(str, Enum):
    YEAR = "year"
    MONTH = "month"
    DAY = "day"


@dataclass(frozen=True, order=True)
class Period:
    """A calendar period. Ordering follows time."""

    start: date
    frequency: Frequency

    @classmethod
    def parse(cls, code: str) -> Period:
        code = str(code).strip()
        if m := _YEAR.match(code):
            return cls(date(int(m[1]), 1, 1), Frequency.YEAR)
        if m := _MONTH.match(code):
            month = int(m[2])
            if not 1 <= month <= 12:
                raise ValueError(f"period {code!r}: month {month} is not 01-12")
            return cls(date(int(m[1]), month, 1), Frequency.MONTH)
        if m := _DAY.match(code):
            try:
                return cls(date(int(m[1]), int(m[2]), int(m[3])), Frequency.DAY)
            except ValueError as exc:
                raise ValueError(f"period {code!r}: {exc}") from None
        hint = ""
        if any(ch.isdecimal() and not ch.isascii() for ch in code):
            ascii_form = "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in code)
            hint = f" (it has digits other than ASCII 0-9: write {ascii_form!r})"
        raise ValueError(
            f"period {code!r} is not a Gregorian period code: use 2021, 2021M06 or 2021-06-30{hint}"
        )

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(date(year, 1, 1), Frequency.YEAR)

    @property
    def code(self) -> str:
        if self.frequency is Frequency.YEAR:
            return f"{self.start.year:04d}"
        if self.frequency is Frequency.MONTH:
            return f"{self.start.year:04d}M{self.start.month:02d}"
        return self.start.isoformat()

    @property
    def roc_year(self) -> int:
        return self.start.year - ROC_OFFSET

    @property
    def end(self) -> date:
        """The last day of the period."""
        y, m = self.start.year, self.start.month
        if self.frequency is Frequency.YEAR:
            return date(y, 12, 31)
        if self.frequency is Frequency.MONTH:
            return date(y, m, calendar.monthrange(y, m)[1])
        return self.start

    def months(self) -> int:
        """Calendar months the period spans (a day counts as one)."""
        return 12 if self.frequency is Frequency.YEAR else 1

    def days(self) -> int:
        return (self.end - self.start).days + 1

    def label(self, lang: str, *, end: bool = False) -> str:
        """The label a reader sees: ``110 年`` / ``2021``; with end=True (stocks) ``110 年底`` / ``end of 2021``."""
        lang = normalise_language(lang)
        y, m, d = self.start.year, self.start.month, self.start.day
        if lang == ZH and y < ROC_FIRST_YEAR:  # before the ROC calendar: a Gregorian year, said to be one
            if self.frequency is Frequency.YEAR:
                return f"西元 {y} 年底" if end else f"西元 {y} 年"
            if self.frequency is Frequency.MONTH:
                return f"西元 {y} 年 {m} 月底" if end else f"西元 {y} 年 {m} 月"
            return f"西元 {y} 年 {m} 月 {d} 日"
        if lang == ZH:
            roc = self.roc_year
            if self.frequency is Frequency.YEAR:
                return f"{roc} 年底" if end else f"{roc} 年"
            if self.frequency is Frequency.MONTH:
                return f"{roc} 年 {m} 月底" if end else f"{roc} 年 {m} 月"
            return f"{roc} 年 {m} 月 {d} 日"
        if self.frequency is Frequency.YEAR:
            return f"end of {y}" if end else f"{y}"
        if self.frequency is Frequency.MONTH:
            return f"end of {_EN_MONTHS[m]} {y}" if end else f"{_EN_MONTHS[m]} {y}"
        return f"{d} {_EN_MONTHS[m]} {y}"

    def __str__(self) -> str:
        return self.code


def months_in_service(period: Period, service_from: Period | None) -> int:
    """Months of ``period`` on or after the month ``service_from`` (the first month a service ran)."""
    if service_from is None or service_from.start <= period.start:
        return period.months()
    if service_from.start > period.end:
        return 0
    return (period.end.year - service_from.start.year) * 12 + period.end.month - service_from.start.month + 1


def days_in_service(period: Period, service_from: Period | None) -> int:
    if service_from is None or service_from.start <= period.start:
        return period.days()
    if service_from.start > period.end:
        return 0
    return (period.end - service_from.start).days + 1
