"""Indicators over any stored table, each with its value, status, inputs (table, release, cells) and formula."""

from citystat.indicators.compute import (
    cagr,
    consecutive,
    difference,
    fell_every_period,
    first,
    growth_multiple,
    growth_rate,
    largest_fall,
    largest_rise,
    last,
    level,
    next_period,
    peak,
    pp_difference,
    rank_among_peers,
    ratio,
    rose_every_period,
    share,
    stayed_above,
    trough,
)
from citystat.indicators.core import CellInput, Coordinates, Indicator, IndicatorKind, combined_status
from citystat.indicators.standard import series_of, standard_indicators, valued_periods

__all__ = [
    "CellInput", "Coordinates", "Indicator", "IndicatorKind", "cagr", "combined_status", "consecutive", "difference",
    "fell_every_period", "first", "growth_multiple", "growth_rate", "largest_fall", "largest_rise", "last", "level",
    "next_period", "peak", "pp_difference", "rank_among_peers", "ratio", "rose_every_period", "series_of", "share",
    "standard_indicators", "stayed_above", "trough", "valued_periods",
]
