"""Number and period words: the forms of Taiwanese official statistics and their English counterparts."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from citystat.language import conventions
from citystat.language import numbers as nb
from citystat.model import Period


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        ("11328628", "人次", "1,132.9 萬人次"),  # one decimal of 萬
        ("3173399", "人次", "317.3 萬人次"),
        ("178203", "門", "17.8 萬門"),
        ("310049", "人次", "31.0 萬人次"),  # the decimal stays, even when it is 0
        ("46024612", "人次", "4,602.5 萬人次"),
        ("2979050000", "元", "29 億 7,905 萬元"),  # 億 with whole 萬
        ("737220000", "次", "7 億 3,722 萬次"),
        ("21652", "輛", "2 萬 1,652 輛"),  # below 10 萬: exact, in 萬 and units
        ("60565", "人次", "6 萬 565 人次"),
        ("1039", "人次", "1,039 人次"),
        ("81.8", "%", "81.8%"),
        ("96.20", "%", "96.20%"),  # a published second decimal is kept
    ],
)
def test_zh_amounts(value: str, unit: str, expected: str) -> None:
    assert nb.zh_amount(D(value), unit) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("15180000", "1,518 萬"),  # the source rounded to 萬: never 1,518.0 萬
        ("710000", "71 萬"),
        ("3318000", "331.8 萬"),  # rounded to 千: one decimal of 萬 is what it has
        ("15000", "1.5 萬"),  # not 1 萬 5,000, which would claim the units
        ("100000000", "1 億"),
        ("1530000000", "15.3 億"),  # known to 千萬: not 15 億 3,000 萬, which would claim the 萬
        ("137000000", "1.37 億"),
        ("2979050000", "29 億 7,905 萬"),  # known to 萬: 億 and whole 萬
    ],
)
def test_zh_never_writes_more_precision_than_the_data_has(value: str, expected: str) -> None:
    assert nb.zh_count(D(value)) == expected


def test_precision_of() -> None:
    assert nb.precision_of(D("81.8")) == D("0.1")
    assert nb.precision_of(D("96.20")) == D("0.01")
    assert nb.precision_of(D("178203")) == 1
    assert nb.precision_of(D("15180000")) == 10_000
    assert nb.precision_of(D("0")) == 1


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        ("11328628", "person-times", "11.33 million person-times"),
        ("2979050000", "NT$", "NT$2.98 billion"),
        ("178203", "", "178,203"),
        ("737220000", "uses", "737.22 million uses"),
        ("11000000", "", "11 million"),  # rounded to a million: no decimals invented
        ("81.8", "percent of households", "81.8%"),
    ],
)
def test_en_amounts(value: str, unit: str, expected: str) -> None:
    assert nb.en_amount(D(value), unit) == expected


def test_multiples_one_decimal_then_whole() -> None:
    assert nb.zh_multiple(D("2.569872")) == "2.6 倍"
    assert nb.zh_multiple(D("513.56")) == "513.6 倍"
    assert nb.zh_multiple(D("514.56")) == "514.6 倍"
    assert nb.zh_multiple(D("2681.999")) == "2,682 倍"
    assert nb.zh_multiple(D("1.0136")) == "1.0 倍"
    assert nb.en_multiple(D("3.5699")) == "3.6 times"


def test_percentages_and_points() -> None:
    assert nb.zh_percent(D("93.149")) == "93.1%"
    assert nb.zh_points(D("39.0")) == "39.0 個百分點"
    assert nb.zh_points(D("13")) == "13.0 個百分點"
    assert nb.en_points(D("39.0")) == "39.0 percentage points"
    assert nb.en_points(D("1.0")) == "1.0 percentage point"
    assert nb.en_percent(D("73.20003")) == "73.2%"
    assert nb.en_percent(D("256.987")) == "257%"  # from 100% on, whole percent


def test_period_words() -> None:
    assert nb.zh_period(Period.parse("2021")) == "110 年"
    assert nb.zh_period(Period.parse("2021"), end=True) == "110 年底"
    assert nb.zh_period(Period.parse("2019M12")) == "108 年 12 月"
    assert nb.zh_span(Period.parse("2020"), Period.parse("2021")) == "109 年至 110 年"
    assert nb.en_period(Period.parse("2021")) == "2021"
    assert nb.en_period(Period.parse("2021"), end=True) == "end of 2021"
    assert nb.en_when(Period.parse("2021"), end=True) == "at the end of 2021"
    assert nb.en_base_level(Period.parse("2018")) == "the 2018 level"


def test_threshold_rounds_down_to_two_significant_digits() -> None:
    assert nb.zh_count(nb.floor_significant(D(74465))) == "7.4 萬"
    assert nb.zh_count(nb.floor_significant(D(25952))) == "2.5 萬"
    assert nb.en_count(nb.floor_significant(D(74465))) == "74,000"
    assert nb.floor_significant(D("0.0456")) == D("0.045")


def test_spacing_between_chinese_and_digits() -> None:
    assert nb.space("較109年成長1.4倍，占93.1%最多") == "較 109 年成長 1.4 倍，占 93.1% 最多"
    assert nb.space("U-EV共享電動汽車（推估）") == "U-EV 共享電動汽車（推估）"
    assert nb.space(nb.space("110 年底 2 萬 1,652 輛")) == "110 年底 2 萬 1,652 輛"


def test_ordinals_and_lists() -> None:
    assert [nb.en_ordinal(n) for n in (1, 4, 11, 12, 22, 103)] == ["first", "fourth", "11th", "12th", "22nd", "103rd"]
    assert nb.zh_list(["81.8%", "98.7%", "96.1%"]) == "81.8%、98.7% 及 96.1%"
    assert nb.en_list(["a", "b", "c"]) == "a, b and c"


def test_conventions_live_in_one_table() -> None:
    growth = conventions.WORDINGS["growth_multiple"]
    ratio = conventions.WORDINGS["ratio"]
    assert growth.meaning == "A / B − 1" and "成長" in growth.zh and "增加" in growth.zh_synonyms[0]
    assert ratio.meaning == "A / B" and ratio.zh.startswith("係")
    assert conventions.wording("points_up", "zh-TW", base="90 年", n="39.0 個百分點") == "較 90 年增加 39.0 個百分點"
    assert conventions.MULTIPLE_FROM_RATIO == 2 and conventions.BOTH_READINGS_FROM_RATIO == 10
