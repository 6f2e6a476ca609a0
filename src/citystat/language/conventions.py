"""The conventions of Taiwanese official statistical writing and their English counterparts, in one place.

The narrative writers take every wording from here, and a claim checker can read the same tables to parse
the text back. Each template is filled with ``str.format`` and then spaced by ``numbers.space`` (a half-width
space wherever Chinese meets a digit or a Latin letter: ``較 109 年成長 1.4 倍``).

Meanings (A is the later or the compared figure, B the base):

- ``成長 N 倍`` / ``增加 N 倍``: N = A / B − 1 (a growth multiple). The writers use 成長; 增加 means the same.
- ``係 B 之 N 倍`` / ``為 B 的 N 倍``: N = A / B (a ratio).
- ``成長 N%`` / ``增加 N%``: N = (A / B − 1) × 100; ``減少 N%``: N = (1 − A / B) × 100.
- ``增加 N 個百分點``: N = A − B, two percentages.
- ``占 N%``: N = part / total × 100.
- ``維持在 X 以上``: every value of the span is at least X.
- ``逐年上升``: every period of the span is above the one before; the periods must be consecutive.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

# -- spacing --------------------------------------------------------------------------------------------

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff"
_ASCII_END = r"A-Za-z0-9%$)\]"
_ASCII_START = r"A-Za-z0-9$(\[+\-"
_CJK_THEN_ASCII = re.compile(rf"([{_CJK}])([{_ASCII_START}])")
_ASCII_THEN_CJK = re.compile(rf"([{_ASCII_END}])([{_CJK}])")


def space(text: str) -> str:
    """Put a half-width space wherever a Chinese character meets a digit or a Latin letter (較 109 年成長 1.4 倍);
    none next to full-width punctuation (73.2%（推估）)."""
    text = _CJK_THEN_ASCII.sub(r"\1 \2", text)
    return _ASCII_THEN_CJK.sub(r"\1 \2", text)


# -- which form a change takes, by the ratio A / B ------------------------------------------------------

MULTIPLE_FROM_RATIO = Decimal(2)
"""From a ratio of 2 on, a rise is written as a multiple (成長 1.3 倍); below, as a percentage (成長 73.2%)."""

BOTH_READINGS_FROM_RATIO = Decimal(10)
"""From a ratio of 10 on, the ratio and the growth multiple differ by under a tenth and readers confuse them
(the CooC-Cloud "增加 514 倍"), so both are written: 係 B 之 514.6 倍（成長 513.6 倍）."""

# -- how many decimals ----------------------------------------------------------------------------------

MULTIPLE_DECIMALS = 1  # 2.6 倍, 513.6 倍
WHOLE_MULTIPLE_FROM = Decimal(1000)  # 2,682 倍: a four-digit multiple has no meaningful decimal
PERCENT_DECIMALS = 1  # 成長 73.2%, 占 93.1%
EN_WHOLE_PERCENT_FROM = Decimal(100)  # (up 257%)
THRESHOLD_SIGNIFICANT_DIGITS = 2  # 維持在 7.4 萬以上: the lowest value, rounded down to two significant digits

# -- grouping large numbers -----------------------------------------------------------------------------

WAN = Decimal(10) ** 4  # 萬
YI = Decimal(10) ** 8  # 億
WAN_DECIMAL_FROM = Decimal(10) ** 5
"""From 10 萬 on, counts are written in 萬 with one decimal (17.8 萬門, 1,132.9 萬人次); from 1 萬 to 10 萬
exactly, in 萬 and units (2 萬 1,652 輛); from 1 億 on, in 億 and whole 萬 (29 億 7,905 萬元)."""
MILLION = Decimal(10) ** 6
BILLION = Decimal(10) ** 9
EN_MILLION_DECIMALS = 2  # 11.33 million, NT$2.98 billion

ESTIMATED = {"zh-TW": "（推估）", "en": " (estimated)"}


@dataclass(frozen=True)
class Wording:
    """One convention: what it means and how each language writes it."""

    name: str
    meaning: str
    zh: str
    en: str
    zh_synonyms: tuple[str, ...] = ()


WORDINGS: dict[str, Wording] = {
    w.name: w
    for w in (
        Wording("growth_rate_up", "(A / B − 1) × 100", "較{base}成長{n}", "up {n} from {base}", ("較{base}增加{n}",)),
        Wording("growth_rate_down", "(1 − A / B) × 100", "較{base}減少{n}", "down {n} from {base}"),
        Wording("unchanged", "A = B at the precision written", "與{base}持平", "unchanged from {base}"),
        Wording("growth_multiple", "A / B − 1", "較{base}成長{n}", "{r} times {base_level} (up {n})",
                ("較{base}增加{n}",)),
        Wording("ratio", "A / B", "係{base}之{r}（成長{n}）", "{r} times {base_level}",
                ("為{base}的{r}", "係{base}之{r}")),
        Wording("points_up", "A − B, percentages", "較{base}增加{n}", "up {n} from {base}"),
        Wording("points_down", "B − A, percentages", "較{base}減少{n}", "down {n} from {base}"),
        Wording("difference_up", "A − B", "較{base}增加{n}", "up {n} from {base}"),
        Wording("difference_down", "B − A", "較{base}減少{n}", "down {n} from {base}"),
        Wording("rank_up", "rank B − rank A, places", "較{base}上升{n}名", "up {n} from {base}"),
        Wording("rank_down", "rank A − rank B, places", "較{base}下降{n}名", "down {n} from {base}"),
        Wording("share", "part / total × 100", "以{leader}占{n}最多", "{leader} accounted for the largest share"),
        Wording("runner_up", "part / total × 100, second largest", "{second}占{n}次之", "followed by {second}"),
        Wording("rank", "1 + peers with a better value", "居{peers}第{n}", "ranked {n} of {peers}"),
        Wording("stayed_above", "min over the span >= X", "均維持在{n}以上", "stayed above {n}"),
        Wording("rose_every_period", "every period above the one before", "自{start}起逐年上升",
                "has risen every year since {start}"),
        Wording("fell_every_period", "every period below the one before", "自{start}起逐年下降",
                "has fallen every year since {start}"),
        Wording("record_high", "the latest value is the highest of the series", "為歷年最高", "the highest on record"),
        Wording("record_low", "the latest value is the lowest of the series", "為歷年最低", "the lowest on record"),
        Wording("peak", "the highest value of the series", "以{when}{n}最高", "peaked at {n} {when}"),
        Wording("largest_rise", "the largest rise between consecutive periods", "為歷年最大增幅",
                "the largest annual rise in the series"),
        Wording("largest_fall", "the largest fall between consecutive periods", "為歷年最大降幅",
                "the largest annual fall in the series"),
    )
}


@dataclass(frozen=True)
class Qualifier:
    """A word that qualifies a figure rather than states it: how the written figure relates to the true one."""

    name: str
    meaning: str
    zh: tuple[str, ...]
    en: tuple[str, ...]


QUALIFIERS: dict[str, Qualifier] = {
    q.name: q
    for q in (
        Qualifier("more_than", "the true figure is above the one written (逾 1,000 萬 = more than 10 million)",
                  ("逾", "超過", "超越", "高於", "多於"), ("more than", "over", "above", "in excess of", "upwards of")),
        Qualifier("less_than", "the true figure is below the one written", ("不到", "未滿", "未達", "少於", "低於"),
                  ("less than", "under", "below", "fewer than")),
        Qualifier("about", "the figure written is rounded: its trailing zeros are not precision",
                  ("約", "大約", "近"), ("about", "around", "approximately", "roughly", "some", "nearly", "almost")),
    )
}


def wording(name: str, lang: str, **fields: str) -> str:
    """A convention's template in a language (zh-TW or en), filled in (and spaced, in zh-TW)."""
    entry = WORDINGS[name]
    if lang == "zh-TW":
        return space(entry.zh.format(**fields))
    return entry.en.format(**fields)
