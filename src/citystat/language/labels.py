"""Labels as prose. A column header names its period (年底線上課程數, Online courses at the end of the year);
in a sentence the period label already says when, so the noun drops it (線上課程, online courses).

The word lists are tables, so a table loaded by a user that labels its measures the same way reads as well.
"""

from __future__ import annotations

from citystat.language.numbers import space
from citystat.model import MeasureKind, Text, Value

ZH = "zh-TW"

ZH_PERIOD_PREFIXES = ("全年", "年底", "期底", "期末", "當年", "年度")
ZH_COUNT_SUFFIXES = ("數量", "數")
ZH_PER_PERIOD = ("/日", "／日", "/天", "/月", "／月", "/年", "／年")
ZH_AVERAGE_WORDS = {MeasureKind.MONTHLY_AVERAGE: "每月平均", MeasureKind.DAILY_AVERAGE: "平均每日"}
ZH_RATE_WORD = "比率"  # added to a rate's label that does not already end in 率

EN_PERIOD_SUFFIXES = (
    " in the year", " during the year", " at the end of the year", " at year end", " at year-end",
    " at the end of the period", " in the period",
)
EN_CUMULATIVE = (" (cumulative)", ", cumulative")
EN_AVERAGE_PREFIXES = {
    MeasureKind.MONTHLY_AVERAGE: ("monthly average ", "average monthly ", "average "),
    MeasureKind.DAILY_AVERAGE: ("daily average ", "average daily ", "average "),
}
EN_PER_PERIOD = {
    MeasureKind.MONTHLY_AVERAGE: (" a month", " per month", "/month"),
    MeasureKind.DAILY_AVERAGE: (" a day", " per day", "/day"),
}
EN_AVERAGE_TAIL = {MeasureKind.MONTHLY_AVERAGE: "a month", MeasureKind.DAILY_AVERAGE: "a day"}
EN_ARTICLE_WORDS = {"amount", "number", "share", "value", "total", "rate", "level", "proportion", "sum", "count"}


def _strip_prefixes(text: str, prefixes: tuple[str, ...]) -> str:
    for prefix in prefixes:
        if text.startswith(prefix) and len(text) > len(prefix):
            return text[len(prefix):].strip()
    return text


def _strip_suffixes(text: str, suffixes: tuple[str, ...]) -> str:
    for suffix in suffixes:
        if text.endswith(suffix) and len(text) > len(suffix):
            return text[: -len(suffix)].strip()
    return text


# -- zh-TW ------------------------------------------------------------------------------------------------


def zh_unit(value: Value) -> str:
    """The unit a number is written with: 人次/日 becomes 人次 (平均每日 says the rest)."""
    assert value.measure is not None
    return _strip_suffixes(value.measure.unit.get(ZH), ZH_PER_PERIOD)


def _zh_base(value: Value) -> str:
    return _strip_prefixes(value.label.get(ZH), ZH_PERIOD_PREFIXES)


def zh_average_word(value: Value) -> str:
    """每月平均 / 平均每日, or nothing where the label already says it."""
    assert value.measure is not None
    word = ZH_AVERAGE_WORDS.get(value.measure.kind, "")
    label = value.label.get(ZH)
    if not word or "每月" in label or "每日" in label or "平均" in label:
        return ""
    return word


def zh_number_noun(value: Value) -> str:
    """The words before a number: 每月平均使用 (1,132.9 萬人次), 線上課程 (17.8 萬門), YouBike 公共自行車平均每日."""
    assert value.measure is not None
    noun = _zh_base(value)
    if value.measure.kind.is_percentage:
        return noun if noun.endswith("率") else noun + ZH_RATE_WORD
    if value.measure.kind is MeasureKind.RANK:
        return noun  # the rank noun (第 4 名)
    noun = _strip_suffixes(noun, ZH_COUNT_SUFFIXES)
    unit = zh_unit(value)
    if unit and unit != "%":
        noun = _strip_suffixes(noun, (unit,))
    return space(noun + zh_average_word(value))


def zh_subject(value: Value) -> str:
    """The noun as the subject of a sentence: 每月平均使用人次, 線上課程數, YouBike 公共自行車平均每日人次."""
    assert value.measure is not None
    noun = _zh_base(value)
    if value.measure.kind.is_percentage:
        return zh_number_noun(value)
    average = zh_average_word(value)
    if average:
        return space(noun + average + zh_unit(value))
    return noun


def zh_rate_list_noun(values: list[Value]) -> list[str]:
    """Rates listed together share one 比率: 家用電腦、行動電話及連網 (比率)."""
    return [_zh_base(v) for v in values]


def zh_label(label: Text) -> str:
    return label.get(ZH)


# -- en ---------------------------------------------------------------------------------------------------


def lower_first(text: str) -> str:
    """Online courses → online courses; YouBike, U-EV and IMD keep their capitals."""
    if not text:
        return text
    word = text.split(" ", 1)[0]
    if word[:1].isupper() and word[1:].isalpha() and word[1:].islower():
        return text[0].lower() + text[1:]
    return text


def en_unit(value: Value) -> str:
    """uses a day → uses (averaged … a day says the rest)."""
    assert value.measure is not None
    unit = value.measure.unit.get("en")
    for suffixes in EN_PER_PERIOD.values():
        unit = _strip_suffixes(unit, suffixes)
    return unit


def en_noun(value: Value) -> str:
    """online courses, use, cumulative service activations, the amount collected (an article where one is needed)."""
    assert value.measure is not None
    noun = value.label.get("en").strip()
    noun = _strip_suffixes(noun, EN_PERIOD_SUFFIXES)
    for suffix in EN_CUMULATIVE:
        if noun.endswith(suffix):
            noun = "cumulative " + lower_first(noun[: -len(suffix)].strip())
    noun = lower_first(noun)
    first_word = noun.split(" ", 1)[0].lower()
    if first_word in EN_ARTICLE_WORDS:
        noun = "the " + noun
    return noun


def en_base_noun(value: Value) -> str:
    """An average's noun without its average words: Monthly average use → use."""
    assert value.measure is not None
    noun = en_noun(value)
    lowered = noun.lower()
    for prefix in EN_AVERAGE_PREFIXES.get(value.measure.kind, ()):
        if lowered.startswith(prefix):
            return noun[len(prefix):]
    return noun


def en_rate_noun(value: Value) -> str:
    """home computer (rate): the label as it stands before 'rate'."""
    noun = en_noun(value)
    return noun[4:] if noun.startswith("the ") else noun


def en_unit_needed(noun: str, unit: str) -> bool:
    """Whether a number needs its unit after it: not for 'online courses numbered 178,203 (courses)'."""
    if not unit:
        return False
    words = {w.strip("()").lower() for w in noun.split()}
    unit_words = {w.lower() for w in unit.split()}
    singular = {w[:-1] for w in unit_words if w.endswith("s")}
    return not (unit_words & words or singular & words or {w + "s" for w in unit_words} & words)


def en_plural(noun: str) -> bool:
    """Whether a noun takes a plural verb: visits, online courses, YouBike public bikes (not use, data use)."""
    last = noun.split()[-1].lower() if noun.split() else ""
    return last.endswith("s") and not last.endswith(("ss", "us", "is"))


def en_series_noun(value: Value) -> str:
    """The subject of a sentence about a series over time: an average named after its service alone becomes
    'daily uses of YouBike public bikes', since the bikes do not rise; the uses do."""
    assert value.measure is not None
    noun = en_noun(value)
    kind = value.measure.kind
    unit = en_unit(value)
    if kind.is_average and unit and en_unit_needed(noun, unit) and not any(
        w in noun.lower() for w in ("daily", "monthly", "average")
    ):
        word = "daily" if kind is MeasureKind.DAILY_AVERAGE else "monthly"
        return f"{word} {unit} of {noun}"
    return noun


def capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]
