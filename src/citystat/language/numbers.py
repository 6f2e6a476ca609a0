"""Number and period words in Traditional Chinese (萬, 億, 倍, 百分點, ROC years) and English.

The writers are deterministic and driven by the constants in ``conventions``, so a parser can mirror them.
None writes more precision than the number has: a value the source rounded to 萬 (15,180,000) is written
1,518 萬, never 1,518.0 萬 or 15,180,000 in 萬 form; a figure with two published decimals keeps both.
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

from citystat.language import conventions as c
from citystat.model import Period, round_half_up

ZH = "zh-TW"
EN = "en"

space = c.space  # a half-width space wherever Chinese meets a digit or a Latin letter


# -- precision --------------------------------------------------------------------------------------------


def precision_of(value: Decimal) -> Decimal:
    """The unit a value is known to: 0.1 for 81.8, 0.01 for 96.20, 1 for 178,203, and 10,000 for 15,180,000.

    Trailing zeros of a whole number are taken as rounding: that can only make the text less precise, never more.
    """
    sign, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int):
        raise ValueError(f"{value} is not a finite number")
    if exponent < 0:
        return Decimal(1).scaleb(exponent)
    if not any(digits):
        return Decimal(1)
    zeros = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    return Decimal(1).scaleb(exponent + zeros)


def decimals_of(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def grouped(value: Decimal, decimals: int = 0) -> str:
    """1,132.9: thousands separators, rounded half up to ``decimals``."""
    return f"{round_half_up(value, decimals):,.{decimals}f}"


def direction(change: Decimal, decimals: int) -> int:
    """Which way a change goes as written: 0 when it rounds (half up, like every figure) to nil at ``decimals``
    (與 109 年持平), else +1 or −1."""
    if round_half_up(change, decimals) == 0:
        return 0
    return 1 if change > 0 else -1


def floor_significant(value: Decimal, digits: int = c.THRESHOLD_SIGNIFICANT_DIGITS) -> Decimal:
    """Round down to ``digits`` significant digits (74,465 → 74,000): the safe bound of 維持在 X 以上."""
    if value <= 0:
        return Decimal(0)
    magnitude = value.adjusted() - digits + 1
    step = Decimal(1).scaleb(magnitude)
    floored = (value / step).to_integral_value(rounding=ROUND_FLOOR) * step
    return floored.quantize(Decimal(1)) if magnitude >= 0 else floored


# -- zh-TW ------------------------------------------------------------------------------------------------


def zh_count(value: Decimal, precision: Decimal | None = None) -> str:
    """A count or amount in 萬 / 億 (no unit): 1,132.9 萬, 29 億 7,905 萬, 2 萬 1,652, 1,039, 81.8."""
    if value < 0:
        return "-" + zh_count(-value, precision)
    q = precision_of(value) if precision is None else precision
    if value >= c.YI:
        if q >= c.YI / 100:  # known to 百萬 or coarser: 15.3 億, 1.37 億, not 15 億 3,000 萬
            return space(f"{grouped(value / c.YI, max(0, c.YI.adjusted() - q.adjusted()))}億")
        in_wan = round_half_up(value / c.WAN, 0)
        yi, wan = divmod(in_wan, Decimal(10) ** 4)
        return space(f"{grouped(yi)}億{grouped(wan)}萬") if wan else space(f"{grouped(yi)}億")
    if value >= c.WAN:
        if q >= c.WAN:
            return space(f"{grouped(value / c.WAN, 0)}萬")
        if value >= c.WAN_DECIMAL_FROM or q >= Decimal(1000):
            return space(f"{grouped(value / c.WAN, 1)}萬")
        wan, rest = divmod(round_half_up(value, 0), c.WAN)
        return space(f"{grouped(wan)}萬{grouped(rest)}") if rest else space(f"{grouped(wan)}萬")
    return grouped(value, max(0, -q.adjusted()) if q < 1 else 0)


def zh_amount(value: Decimal, unit: str, precision: Decimal | None = None) -> str:
    """A count with its unit: 1,132.9 萬人次, 2 萬 1,652 輛, 29 億 7,905 萬元, 81.8%."""
    if unit == "%":
        return f"{zh_count(value, precision)}%"
    return space(f"{zh_count(value, precision)}{unit}")


def multiple_number(multiple: Decimal) -> str:
    """2.6, 513.6, 2,682: one decimal below 1,000, whole from 1,000."""
    decimals = 0 if abs(multiple) >= c.WHOLE_MULTIPLE_FROM else c.MULTIPLE_DECIMALS
    return grouped(multiple, decimals)


def zh_multiple(multiple: Decimal) -> str:
    """2.6 倍."""
    return space(f"{multiple_number(multiple)}倍")


def percent_number(value: Decimal, decimals: int = c.PERCENT_DECIMALS) -> str:
    return grouped(value, decimals)


def zh_percent(value: Decimal, decimals: int = c.PERCENT_DECIMALS) -> str:
    """93.1%."""
    return f"{percent_number(value, decimals)}%"


def zh_points(value: Decimal, decimals: int = 1) -> str:
    """39.0 個百分點."""
    return space(f"{grouped(value, decimals)}個百分點")


def zh_period(period: Period, *, end: bool = False) -> str:
    """110 年, 110 年底 (a stock), 108 年 12 月."""
    return period.label(ZH, end=end)


def zh_span(first: Period, last: Period, *, end: bool = False) -> str:
    """109 年至 110 年, 109 年底至 110 年底."""
    return space(f"{zh_period(first, end=end)}至{zh_period(last, end=end)}")


# -- en ---------------------------------------------------------------------------------------------------


def en_count(value: Decimal, precision: Decimal | None = None) -> str:
    """178,203; 11.33 million; 2.98 billion; 81.8."""
    if value < 0:
        return "-" + en_count(-value, precision)
    q = precision_of(value) if precision is None else precision
    for size, word in ((c.BILLION, "billion"), (c.MILLION, "million")):
        if value >= size:
            decimals = max(0, min(c.EN_MILLION_DECIMALS, size.adjusted() - q.adjusted()))
            return f"{grouped(value / size, decimals)} {word}"
    return grouped(value, max(0, -q.adjusted()) if q < 1 else 0)


MONEY_UNITS = {"NT$", "NT$ ", "TWD", "NTD"}


def en_amount(value: Decimal, unit: str, precision: Decimal | None = None) -> str:
    """11.33 million person-times, NT$2.98 billion, 81.8%, 178,203 courses."""
    number = en_count(value, precision)
    if unit == "%" or unit.startswith("percent"):
        return f"{number}%"
    if unit.strip() in MONEY_UNITS:
        return f"NT${number}"
    return f"{number} {unit}".strip()


def en_multiple(multiple: Decimal) -> str:
    """3.6 times."""
    return f"{multiple_number(multiple)} times"


def en_percent(value: Decimal) -> str:
    """73.2%, or 257% from 100% on."""
    decimals = 0 if abs(value) >= c.EN_WHOLE_PERCENT_FROM else c.PERCENT_DECIMALS
    return f"{grouped(value, decimals)}%"


def en_points(value: Decimal, decimals: int = 1) -> str:
    """39.0 percentage points."""
    word = "percentage point" if round_half_up(value, decimals) == 1 else "percentage points"
    return f"{grouped(value, decimals)} {word}"


def en_places(places: Decimal) -> str:
    """1 place, 3 places: how far a rank moved."""
    n = int(abs(places))
    return f"{n} place{'' if n == 1 else 's'}"


_ORDINAL_WORDS = ["", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"]


def en_ordinal(n: int) -> str:
    """first … tenth, then 11th, 22nd, 103rd."""
    if 0 < n < len(_ORDINAL_WORDS):
        return _ORDINAL_WORDS[n]
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def en_period(period: Period, *, end: bool = False) -> str:
    """2021, end of 2021 (a stock), June 2021."""
    return period.label(EN, end=end)


def en_when(period: Period, *, end: bool = False) -> str:
    """in 2021, at the end of 2021."""
    return f"at the {en_period(period, end=True)}" if end else f"in {en_period(period)}"


def en_base(period: Period, *, end: bool = False) -> str:
    """What a change is measured from: 2020, the end of 2020."""
    return f"the {en_period(period, end=True)}" if end else en_period(period)


def en_base_level(period: Period, *, end: bool = False) -> str:
    """What a multiple is of: the 2018 level, the level at the end of 2020."""
    return f"the level at the {en_period(period, end=True)}" if end else f"the {en_period(period)} level"


def en_span(first: Period, last: Period, *, end: bool = False) -> str:
    """from 2020 to 2021; from the end of 2020 to the end of 2021."""
    return f"from {en_base(first, end=end)} to {en_base(last, end=end)}"


def en_list(items: list[str]) -> str:
    """a, b and c."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def zh_list(items: list[str]) -> str:
    """甲、乙及丙."""
    if len(items) <= 1:
        return "".join(items)
    return space("、".join(items[:-1]) + "及" + items[-1])
