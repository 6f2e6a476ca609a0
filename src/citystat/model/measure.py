"""Measures: what a number is (a flow, a stock, an average, a rate, a rank) and how it is written."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum

from citystat.model.period import Period
from citystat.model.text import Text


class MeasureKind(str, Enum):
    FLOW = "flow"  # a total over the period
    STOCK = "stock"  # a level at the period end
    MONTHLY_AVERAGE = "monthly_average"  # a flow divided by the months in service
    DAILY_AVERAGE = "daily_average"  # a flow divided by the days in service
    RATE = "rate"  # a percentage of a population (percent of households)
    SHARE = "share"  # a percentage of a total in the same table
    RANK = "rank"  # a position among peers, 1 = best
    COUNT = "count"  # a number of things at no particular point of the period (cities ranked, people surveyed)

    @property
    def is_average(self) -> bool:
        return self in (MeasureKind.MONTHLY_AVERAGE, MeasureKind.DAILY_AVERAGE)

    @property
    def is_percentage(self) -> bool:
        return self in (MeasureKind.RATE, MeasureKind.SHARE)

    @property
    def is_count(self) -> bool:
        """Counts and amounts cannot be negative."""
        return self in (
            MeasureKind.FLOW,
            MeasureKind.STOCK,
            MeasureKind.MONTHLY_AVERAGE,
            MeasureKind.DAILY_AVERAGE,
            MeasureKind.COUNT,
        )

    @property
    def measuring_type(self) -> str:
        """The PxWeb measuringType of this kind."""
        if self is MeasureKind.FLOW:
            return "Flow"
        if self is MeasureKind.STOCK:
            return "Stock"
        if self.is_average:
            return "Average"
        return "Other"

    @property
    def description(self) -> Text:
        return _DESCRIPTIONS[self]


_DESCRIPTIONS = {
    MeasureKind.FLOW: Text("期間累計（流量）", "total over the period (flow)"),
    MeasureKind.STOCK: Text("期底存量", "level at the end of the period (stock)"),
    MeasureKind.MONTHLY_AVERAGE: Text(
        "每月平均（期間累計除以提供服務月數）", "monthly average (total divided by months in service)"
    ),
    MeasureKind.DAILY_AVERAGE: Text(
        "每日平均（期間累計除以提供服務日數）", "daily average (total divided by days in service)"
    ),
    MeasureKind.RATE: Text("比率（占母體百分比）", "rate (percent of a population)"),
    MeasureKind.SHARE: Text("占總數百分比", "share of a total (percent)"),
    MeasureKind.RANK: Text("排名", "rank among peers"),
    MeasureKind.COUNT: Text("個數", "a count"),
}


@dataclass(frozen=True)
class Measure:
    """The unit, precision and meaning of the numbers under one metric value.

    ``average_of``: for an average, the code of the flow it averages.
    ``share_of``: for a share, the code of the measure whose total it divides.
    ``ranked_among``: for a rank, the code of the count measure that says how many were ranked (4th of 118).
    ``service_from``: the first month (``2011M08``) the service ran or the series covers;
    averages divide by the months or days in service from then.
    """

    unit: Text
    decimals: int
    kind: MeasureKind
    average_of: str | None = None
    share_of: str | None = None
    service_from: Period | None = None
    ranked_among: str | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.decimals <= 6:
            raise ValueError(f"decimals must be 0-6, got {self.decimals}")
        if self.average_of is not None and not self.kind.is_average:
            raise ValueError(f"average_of only applies to averages, not to a {self.kind.value}")
        if self.share_of is not None and self.kind is not MeasureKind.SHARE:
            raise ValueError(f"share_of only applies to shares, not to a {self.kind.value}")
        if self.ranked_among is not None and self.kind is not MeasureKind.RANK:
            raise ValueError(f"ranked_among only applies to ranks, not to a {self.kind.value}")


def round_half_up(value: Decimal, decimals: int) -> Decimal:
    """Round as official statistics do (0.5 goes up), exactly, on decimals rather than floats."""
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
