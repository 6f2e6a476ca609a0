"""Narratives: the findings of a table written in Traditional Chinese or English, every number computed.

The findings are chosen once, without regard to language (``findings``); this module only writes them, so both
languages state the same figures. Each sentence carries the indicators it states, for provenance and for the
claim checker.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from citystat.indicators import Indicator, consecutive
from citystat.language import conventions as conv
from citystat.language import labels as lb
from citystat.language import numbers as nb
from citystat.language.findings import (
    Change,
    Finding,
    LatestFinding,
    LongRunFinding,
    MoveFinding,
    NoteFinding,
    PeakFinding,
    RankFinding,
    Series,
    ShareFinding,
    ThresholdFinding,
    TrendFinding,
    findings,
)
from citystat.model import EN, ZH, Frequency, MeasureKind, Period, StoredTable, Value, normalise_language

FINDING = "finding"
NOTE = "note"


@dataclass(frozen=True)
class Sentence:
    """One sentence and the indicators whose figures it states. ``role`` is ``finding``, or ``note`` for a
    note copied from the table's metadata (its numbers are the source's words, not computed claims)."""

    text: str
    indicators: tuple[Indicator, ...] = ()
    rule: str = ""
    table_id: str = ""
    role: str = FINDING


@dataclass(frozen=True)
class Narrative:
    table_id: str
    lang: str
    title: str
    sentences: list[Sentence] = field(default_factory=list)

    @property
    def text(self) -> str:
        joiner = "" if self.lang == ZH else " "
        return joiner.join(s.text for s in self.sentences)


# -- shared pieces ----------------------------------------------------------------------------------------


def _mark(estimated: bool, lang: str) -> str:
    return conv.ESTIMATED[lang] if estimated else ""


_ZH_EVERY = {Frequency.YEAR: "逐年", Frequency.MONTH: "逐月", Frequency.DAY: "逐日"}
_EN_EVERY = {Frequency.YEAR: "every year", Frequency.MONTH: "every month", Frequency.DAY: "every day"}


def _yearly(period: Period) -> bool:
    return period.frequency is Frequency.YEAR


def _when(period: Period, stock: bool, lang: str) -> str:
    return nb.zh_period(period, end=stock) if lang == ZH else nb.en_when(period, end=stock)


def _amount(indicator: Indicator, value: Value, lang: str, *, noun: str = "", unit: bool = True,
            mark: bool = True) -> str:
    """A level as written: 1,132.9 萬人次 / 11.33 million person-times, with its estimate mark."""
    assert indicator.value is not None
    text = amount_words(indicator.value, value, lang, noun=noun, unit=unit)
    return text + (_mark(indicator.estimated, lang) if mark else "")


def amount_words(number: Decimal, value: Value, lang: str, *, noun: str = "", unit: bool = True) -> str:
    """A figure of a measure as the narratives write it, without an estimate mark: 17.8 萬門, 81.8%, 第 4 名,
    11.33 million person-times. In English the unit is left out where ``noun`` already says it."""
    assert value.measure is not None
    kind = value.measure.kind
    if kind is MeasureKind.RANK:
        n = int(number)
        text = nb.space(f"第{n}{lb.zh_unit(value)}") if lang == ZH else nb.en_ordinal(n)
    elif kind.is_percentage:
        text = nb.zh_amount(number, "%") if lang == ZH else nb.en_amount(number, "%")
    elif lang == ZH:
        text = nb.zh_amount(number, lb.zh_unit(value) if unit else "")
    else:
        en_unit = lb.en_unit(value)
        if en_unit.strip() in nb.MONEY_UNITS:
            text = nb.en_amount(number, en_unit)
        else:
            text = nb.en_amount(number, en_unit if unit and lb.en_unit_needed(noun, en_unit) else "")
    return text


def _en_tail(series: Series, noun: str) -> str:
    """' a day' after a daily average whose noun does not say so already."""
    tail = lb.EN_AVERAGE_TAIL.get(series.measure.kind)
    if not tail or any(w in noun.lower() for w in ("daily", "monthly", "average", " a day", " a month")):
        return ""
    return " " + tail


def _qualifier(series: Series, lang: str) -> str:
    return "".join(v.label.get(lang) for v in series.qualifiers) if lang == ZH else \
        " ".join(v.label.get(lang) for v in series.qualifiers)


def _finish(text: str, lang: str) -> str:
    text = text.strip()
    if lang == ZH:
        text = nb.space(text)
        return text if text.endswith(("。", "！", "？")) else text + "。"
    text = lb.capitalise(text)
    return text if text.endswith((".", "!", "?")) else text + "."


# -- changes ----------------------------------------------------------------------------------------------


def _change_indicators(change: Change, lang: str) -> list[Indicator]:
    if change.form == "percent":
        return [change.rate] if change.rate else []
    if change.form == "multiple":
        if lang == ZH:
            return [change.multiple] if change.multiple else []
        return [i for i in (change.ratio, change.rate) if i is not None]
    if change.form == "ratio":
        if lang == ZH:
            return [i for i in (change.ratio, change.multiple) if i is not None]
        return [change.ratio] if change.ratio else []
    return [change.main]


def _zh_change(change: Change, *, with_base: bool = True, mark: bool = True) -> str:
    stock = change.series.stock
    base = nb.zh_period(change.base, end=stock)
    value = change.main.value
    assert value is not None
    if change.form == "percent":
        name = {1: "growth_rate_up", -1: "growth_rate_down", 0: "unchanged"}[change.direction]
        text = conv.wording(name, ZH, base=base, n=nb.zh_percent(abs(value)))
    elif change.form == "multiple":
        text = conv.wording("growth_multiple", ZH, base=base, n=nb.zh_multiple(value))
    elif change.form == "ratio":
        assert change.multiple is not None and change.multiple.value is not None
        text = conv.wording("ratio", ZH, base=base, r=nb.zh_multiple(value), n=nb.zh_multiple(change.multiple.value))
    elif change.form == "points":
        name = {1: "points_up", -1: "points_down", 0: "unchanged"}[change.direction]
        text = conv.wording(name, ZH, base=base, n=nb.zh_points(abs(value), change.decimals))
    else:  # places
        name = {1: "rank_up", -1: "rank_down", 0: "unchanged"}[change.direction]
        text = conv.wording(name, ZH, base=base, n=nb.grouped(abs(value)))
    lead = nb.space("較" + base)
    if not with_base and text.startswith(lead):
        text = text[len(lead):].lstrip()
    if mark and change.estimated:
        text = text[:-1] + "，推估）" if text.endswith("）") else text + conv.ESTIMATED[ZH]
    return nb.space(text)


def _en_change(change: Change, *, with_base: bool = True, mark: bool = True) -> str:
    stock = change.series.stock
    base = nb.en_base(change.base, end=stock)
    base_level = nb.en_base_level(change.base, end=stock)
    value = change.main.value
    assert value is not None
    if change.form == "percent":
        name = {1: "growth_rate_up", -1: "growth_rate_down", 0: "unchanged"}[change.direction]
        text = conv.wording(name, EN, base=base, n=nb.en_percent(abs(value)))
    elif change.form in ("multiple", "ratio"):
        assert change.ratio is not None and change.ratio.value is not None
        assert change.rate is not None and change.rate.value is not None
        name = "growth_multiple" if change.form == "multiple" else "ratio"
        text = conv.wording(name, EN, r=nb.multiple_number(change.ratio.value), base_level=base_level,
                            n=nb.en_percent(change.rate.value))
    elif change.form == "points":
        name = {1: "points_up", -1: "points_down", 0: "unchanged"}[change.direction]
        text = conv.wording(name, EN, base=base, n=nb.en_points(abs(value), change.decimals))
    else:
        name = {1: "rank_up", -1: "rank_down", 0: "unchanged"}[change.direction]
        text = conv.wording(name, EN, base=base, n=nb.en_places(value))
    suffix = f" from {base}"
    if not with_base and text.endswith(suffix):
        text = text[: -len(suffix)]
    if mark and change.estimated:
        text = text[:-1] + ", estimated)" if text.endswith(")") else text + conv.ESTIMATED[EN]
    return text


def _change(change: Change, lang: str, **kwargs: bool) -> str:
    return _zh_change(change, **kwargs) if lang == ZH else _en_change(change, **kwargs)


def _change_list(changes: list[Change], nouns: list[str], lang: str, *, with_base: bool = True) -> str:
    """Changes of several rates: 較 90 年分別增加 13.0、11.4 及 39.0 個百分點 / up 13.0, 11.4 and 39.0 points."""
    first = changes[0]
    same = all(c.form == first.form and c.direction == first.direction and c.base == first.base
               for c in changes)
    if len(changes) == 1 or not same or first.form not in ("points", "percent") or first.direction == 0:
        parts = [f"{noun}{_change(c, lang, with_base=with_base)}" if lang == ZH else
                 f"{noun} {_change(c, lang, with_base=with_base)}" for noun, c in zip(nouns, changes, strict=False)]
        if len(changes) == 1:
            return _change(first, lang, with_base=with_base)
        return "、".join(parts) if lang == ZH else nb.en_list(parts)
    all_estimated = all(c.estimated for c in changes)
    stock = first.series.stock
    numbers = []
    for c in changes:
        value = abs(c.main.value)  # type: ignore[arg-type]
        if first.form == "points":
            text = nb.grouped(value, c.decimals)
        else:
            text = nb.percent_number(value) + "%" if lang == ZH else nb.en_percent(value)
        if c.estimated and not all_estimated:
            text += conv.ESTIMATED[lang]
        numbers.append(text)
    mark = conv.ESTIMATED[lang] if all_estimated else ""
    if lang == ZH:
        base = nb.zh_period(first.base, end=stock)
        verb = {("points", 1): "增加", ("points", -1): "減少", ("percent", 1): "成長", ("percent", -1): "減少"}[
            (first.form, first.direction)]
        unit = "個百分點" if first.form == "points" else ""
        lead = f"較{base}" if with_base else ""
        return nb.space(f"{lead}分別{verb}{nb.zh_list(numbers)}{unit}{mark}")
    word = "up" if first.direction > 0 else "down"
    unit = " percentage points" if first.form == "points" else ""
    tail = f" from {nb.en_base(first.base, end=stock)}" if with_base else ""
    return f"{word} {nb.en_list(numbers)}{unit}{tail}{mark}"


# -- writers, one per finding ------------------------------------------------------------------------------


def _rate_nouns(values: list[Value], lang: str) -> str:
    """家用電腦、行動電話及連網比率 / the home computer, mobile phone and internet access rates."""
    if lang == ZH:
        bases = lb.zh_rate_list_noun(values)
        suffix = "" if all(b.endswith("率") for b in bases) else lb.ZH_RATE_WORD
        return nb.zh_list(bases) + suffix
    nouns = [lb.en_rate_noun(v) for v in values]
    if all(n.endswith("rate") for n in nouns):
        return "the " + nb.en_list(nouns)
    return "the " + nb.en_list(nouns) + (" rates" if len(nouns) > 1 else " rate")


def _en_percent_of(value: Value) -> str:
    """' of households' for a rate whose unit is 'percent of households'."""
    assert value.measure is not None
    unit = value.measure.unit.get(EN)
    return " " + unit[len("percent "):] if unit.startswith("percent of ") else ""


def _write_latest(f: LatestFinding, lang: str) -> Sentence:
    first = f.items[0]
    stock = first.stock
    when = _when(f.period, stock, lang)
    used: list[Indicator] = []
    if len(f.items) > 1 or first.measure.kind.is_percentage:
        text = _write_rates_latest(f, lang, when, used)
    else:
        text = _write_single_latest(f, lang, when, used)
    if f.context:
        parts = []
        for series, level in f.context:
            used.append(level)
            if lang == ZH:
                parts.append(lb.zh_number_noun(series.value) + _amount(level, series.value, ZH))
            else:
                noun = lb.en_noun(series.value).removeprefix("the ")
                parts.append(f"{noun}: {_amount(level, series.value, EN, noun=noun)}")
        text += f"（{'、'.join(parts)}）" if lang == ZH else f" ({'; '.join(parts)})"
    return Sentence(_finish(text, lang), tuple(used), f.rule, f.table_id)


def _write_single_latest(f: LatestFinding, lang: str, when: str, used: list[Indicator]) -> str:
    series, level, total = f.items[0], f.levels[0], f.totals[0]
    change, record, high = f.changes[0], f.records[0], f.record_high[0]
    kind = series.measure.kind
    qual = _qualifier(series, lang)
    used.append(level)
    if lang == ZH:
        if total is not None and series.total is not None:
            used.append(total)
            text = (f"{when}{qual}{lb.zh_number_noun(series.total.value)}{_amount(total, series.total.value, ZH)}，"
                    f"{lb.ZH_AVERAGE_WORDS.get(kind, '')}{_amount(level, series.value, ZH)}")
        else:
            text = f"{when}{qual}{lb.zh_number_noun(series.value)}{_amount(level, series.value, ZH)}"
        if change is not None:
            used += _change_indicators(change, ZH)
            text += "，" + _zh_change(change)
        if record is not None and _yearly(f.period):
            used.append(record)
            text += "，" + conv.wording("record_high" if high else "record_low", ZH)
        return text
    prefix = f"{qual}'s " if qual else ""
    if total is not None and series.total is not None:
        used.append(total)
        noun = lb.en_noun(series.total.value)
        every = "a daily" if kind is MeasureKind.DAILY_AVERAGE else "a monthly"
        text = (f"{when}, {prefix}{noun} totalled {_amount(total, series.total.value, EN, noun=noun)}, "
                f"{every} average of {_amount(level, series.value, EN, noun=noun, unit=False)}")
    elif kind is MeasureKind.RANK:
        who = qual or "the rank"
        verb = "ranked" if qual else "was"
        text = f"{when}, {who} {verb} {_amount(level, series.value, EN)}"
    else:
        noun = lb.en_noun(series.value)
        if kind.is_average:
            noun = lb.en_base_noun(series.value)
            amount = _amount(level, series.value, EN, noun=noun) + _en_tail(series, noun)
            text = f"{when}, {prefix}{noun} averaged {amount}"
        elif kind is MeasureKind.FLOW:
            text = f"{when}, {prefix}{noun} totalled {_amount(level, series.value, EN, noun=noun)}"
        else:
            money = lb.en_unit(series.value).strip() in nb.MONEY_UNITS
            verb = "stood at" if money else "numbered"
            text = f"{when}, {prefix}{noun} {verb} {_amount(level, series.value, EN, noun=noun)}"
    if change is not None:
        used += _change_indicators(change, EN)
        text += ", " + _en_change(change)
    if record is not None and _yearly(f.period):
        used.append(record)
        word = conv.wording("record_high" if high else "record_low", EN)
        text += f" and {word}" if change is not None else f", {word}"
    return text


def _write_rates_latest(f: LatestFinding, lang: str, when: str, used: list[Indicator]) -> str:
    qual = _qualifier(f.items[0], lang)
    used += f.levels
    amounts = [_amount(level, s.value, lang) for level, s in zip(f.levels, f.items, strict=False)]
    changes = [c for c in f.changes if c is not None]
    nouns_each = [lb.zh_number_noun(s.value) if lang == ZH else lb.en_rate_noun(s.value) for s in f.items]
    many = len(f.items) > 1
    if lang == ZH:
        verb = "分別為" if many else "為"
        text = f"{when}{qual}{_rate_nouns([s.value for s in f.items], ZH)}{verb}{nb.zh_list(amounts)}"
    else:
        prefix = f"{qual}'s " if qual else ""
        nouns = _rate_nouns([s.value for s in f.items], EN)
        if prefix:
            nouns = nouns[4:] if nouns.startswith("the ") else nouns
        verb = "were" if many else "was"
        respectively = " respectively" if many else ""
        text = (f"{when}, {prefix}{nouns} {verb} {nb.en_list(amounts)}{_en_percent_of(f.items[0].value)}"
                f"{respectively}")
    if changes and len(changes) == len(f.items):
        for change in changes:
            used += _change_indicators(change, lang)
        text += ("，" if lang == ZH else ", ") + _change_list(changes, nouns_each, lang)
    return text


def _write_long_run(f: LongRunFinding, lang: str) -> Sentence:
    used: list[Indicator] = []
    first = f.items[0]
    stock = first.stock
    if len(f.items) > 1 or first.measure.kind.is_percentage:
        for change in f.changes:
            used += _change_indicators(change, lang)
        when = _when(f.end, stock, lang)
        qual = _qualifier(first, lang)
        nouns_each = [lb.zh_number_noun(s.value) if lang == ZH else lb.en_rate_noun(s.value) for s in f.items]
        changes = _change_list(f.changes, nouns_each, lang)
        if lang == ZH:
            text = f"{when}{qual}{_rate_nouns([s.value for s in f.items], ZH)}{changes}"
        else:
            prefix = f"{qual}'s " if qual else ""
            verb = "were" if len(f.items) > 1 else "was"
            text = f"{when}, {prefix}{_rate_nouns([s.value for s in f.items], EN)} {verb} {changes}"
        return Sentence(_finish(text, lang), tuple(used), f.rule, f.table_id)
    change = f.changes[0]
    base_level, end_level = f.base_levels[0], f.end_levels[0]
    used += [base_level, end_level, *_change_indicators(change, lang)]
    qual = _qualifier(first, lang)
    if lang == ZH:
        subject = lb.zh_subject(first.value)
        base_when, end_when = nb.zh_period(f.base, end=stock), nb.zh_period(f.end, end=stock)
        rank = first.measure.kind is MeasureKind.RANK
        verb = ("升至" if rank else "增至") if change.direction > 0 else \
            ("降至" if rank else "減至") if change.direction < 0 else "為"
        text = (f"{qual}{subject}由{base_when}{_amount(base_level, first.value, ZH)}{verb}{end_when}"
                f"{_amount(end_level, first.value, ZH)}，{_zh_change(change, with_base=False)}")
    else:
        noun = lb.en_series_noun(first.value)
        subject = f"{qual}'s {noun}" if qual else noun
        tail = _en_tail(first, noun)
        verb = "rose" if change.direction > 0 else "fell" if change.direction < 0 else "was unchanged"
        base_amount = _amount(base_level, first.value, EN, noun=noun) + tail
        end_amount = _amount(end_level, first.value, EN, noun=noun, unit=False)
        text = (f"{subject} {verb} from {base_amount} {nb.en_when(f.base, end=stock)} to {end_amount} "
                f"{nb.en_when(f.end, end=stock)}, {_en_change(change, with_base=False)}")
    return Sentence(_finish(text, lang), tuple(used), f.rule, f.table_id)


def _write_trend(f: TrendFinding, lang: str) -> Sentence:
    series = f.series
    qual = _qualifier(series, lang)
    name = "rose_every_period" if f.rising else "fell_every_period"
    if lang == ZH:
        start = nb.zh_period(f.start, end=series.stock)
        text = f"{qual}{lb.zh_subject(series.value)}{conv.wording(name, ZH, start=start)}"
        text = text.replace("逐年", _ZH_EVERY[f.start.frequency])
    else:
        noun = lb.en_series_noun(series.value)
        subject = f"{qual}'s {noun}" if qual else noun
        text = f"{subject} {conv.wording(name, EN, start=nb.en_base(f.start, end=series.stock))}"
        if lb.en_plural(noun):
            text = text.replace(" has ", " have ", 1)
        text = text.replace("every year", _EN_EVERY[f.start.frequency])
    return Sentence(_finish(text, lang), (f.indicator,), f.rule, f.table_id)


def _write_move(f: MoveFinding, lang: str) -> Sentence:
    series, change = f.series, f.change
    stock = series.stock
    when = _when(change.period, stock, lang)
    qual = _qualifier(series, lang)
    used = [f.level, *_change_indicators(change, lang)]
    if f.record is not None:
        used.append(f.record)
        name = "largest_rise" if change.direction > 0 else "largest_fall"
        if lang == ZH:
            extra = "，" + conv.wording(name, ZH)
            if not _yearly(change.period):
                extra = extra.replace("歷年", "各期")
        else:
            extra = ", " + conv.wording(name, EN)
            if not _yearly(change.period):
                extra = extra.replace("annual ", "")
    else:
        extra = ""
    if lang == ZH:
        text = (f"{when}{qual}{lb.zh_number_noun(series.value)}{_amount(f.level, series.value, ZH)}，"
                f"{_zh_change(change)}{extra}")
    else:
        noun = lb.en_series_noun(series.value)
        subject = f"{qual}'s {noun}" if qual else noun
        verb = "rose to" if change.direction > 0 else "fell to" if change.direction < 0 else "stayed at"
        amount = _amount(f.level, series.value, EN, noun=noun) + _en_tail(series, noun)
        text = f"{when}, {subject} {verb} {amount}, {_en_change(change)}{extra}"
    return Sentence(_finish(text, lang), tuple(used), f.rule, f.table_id)


def _write_peak(f: PeakFinding, lang: str) -> Sentence:
    series = f.series
    qual = _qualifier(series, lang)
    if lang == ZH:
        when = nb.zh_period(f.period, end=series.stock)
        text = f"{qual}{lb.zh_subject(series.value)}" + conv.wording(
            "peak", ZH, when=when, n=_amount(f.peak, series.value, ZH))
    else:
        noun = lb.en_series_noun(series.value)
        subject = f"{qual}'s {noun}" if qual else noun
        amount = _amount(f.peak, series.value, EN, noun=noun) + _en_tail(series, noun)
        text = f"{subject} " + conv.wording("peak", EN, n=amount, when=nb.en_when(f.period, end=series.stock))
    return Sentence(_finish(text, lang), (f.peak,), f.rule, f.table_id)


def _write_threshold(f: ThresholdFinding, lang: str) -> Sentence:
    series = f.series
    qual = _qualifier(series, lang)
    threshold = Indicator(  # the bound as a level, for writing only
        f.indicator.kind, f.threshold, f.indicator.status, (), "", f.table_id, f.indicator.release,
        f.indicator.measure, f.indicator.series,
    )
    if lang == ZH:
        span = nb.zh_span(f.start, f.end, end=series.stock)
        amount = _amount(threshold, series.value, ZH, mark=False)
        text = f"{span}{qual}{lb.zh_subject(series.value)}" + conv.wording("stayed_above", ZH, n=amount)
    else:
        noun = lb.en_series_noun(series.value)
        subject = f"{qual}'s {noun}" if qual else noun
        amount = _amount(threshold, series.value, EN, noun=noun, mark=False) + _en_tail(series, noun)
        if consecutive([f.start, f.end]):
            span = f"in {nb.en_period(f.start)} and {nb.en_period(f.end)}"
        else:
            span = nb.en_span(f.start, f.end, end=series.stock)
        text = f"{subject} " + conv.wording("stayed_above", EN, n=amount) + f" {span}"
    text += _mark(f.indicator.estimated, lang)
    return Sentence(_finish(text, lang), (f.indicator,), f.rule, f.table_id)


def _write_shares(f: ShareFinding, lang: str) -> Sentence:
    (leader, first), (second, other) = f.ranked[0], f.ranked[1]
    when = _when(f.period, f.stock, lang)

    def pct(indicator: Indicator) -> str:
        assert indicator.value is not None
        return nb.zh_percent(indicator.value) + _mark(indicator.estimated, lang)

    if lang == ZH:
        text = (f"{when}{lb.zh_subject(f.value)}"
                f"{conv.wording('share', ZH, leader=leader.label.get(ZH), n=pct(first))}，"
                f"{conv.wording('runner_up', ZH, second=second.label.get(ZH), n=pct(other))}")
    else:
        noun = lb.en_noun(f.value)
        lead = lb.lower_first(leader.label.get(EN))
        runner = lb.lower_first(second.label.get(EN))
        text = (f"{when}, {conv.wording('share', EN, leader=lead)} of {noun} ({pct(first)}), "
                f"{conv.wording('runner_up', EN, second=runner)} ({pct(other)})")
    return Sentence(_finish(text, lang), (first, other), f.rule, f.table_id)


def _peer_words(f: RankFinding, lang: str) -> str:
    group = f.variable.peer_group
    if group is not None:
        return group.get(lang)
    count = f.ranks[0].peers or len(f.variable.peers)
    if lang == ZH:
        return nb.space(f"{count}個{f.variable.label.get(ZH)}")
    return f"{count} {'areas' if f.variable.role.value == 'geo' else 'categories'}"


def _write_rank(f: RankFinding, lang: str) -> Sentence:
    used: list[Indicator] = [*f.ranks, *f.focus_levels]
    ranks = [int(r.value) for r in f.ranks if r.value is not None]
    peers = _peer_words(f, lang)
    focus = f.focus.label.get(lang)
    when = _when(f.period, f.stock, lang)
    many = len(f.items) > 1
    rates = all(v.measure is not None and v.measure.kind.is_percentage for v in f.items)
    aggregate_levels = [a for a in f.aggregate_levels if a is not None]
    if lang == ZH:
        if rates:
            nouns = lb.zh_rate_list_noun(f.items)
            noun = nb.zh_list(nouns) + ("" if all(n.endswith("率") for n in nouns) else lb.ZH_RATE_WORD)
        else:
            noun = lb.zh_subject(f.items[0])
        if len(set(ranks)) == 1:
            rank_text = ("均" if many else "") + conv.wording("rank", ZH, peers=peers, n=str(ranks[0]))
        else:
            rank_text = "分別" + conv.wording("rank", ZH, peers=peers, n="、第".join(map(str, ranks)))
            rank_text = rank_text[: rank_text.rfind("、")] + "及" + rank_text[rank_text.rfind("、") + 1:]
        text = f"{when}{focus}{noun}{rank_text}"
        if f.aggregate is not None and len(aggregate_levels) == len(f.items):
            used += aggregate_levels
            above = [lv.value > ag.value for lv, ag in zip(f.focus_levels, aggregate_levels, strict=False)]  # type: ignore[operator]
            amounts = [_amount(a, v, ZH) for a, v in zip(aggregate_levels, f.items, strict=False)]
            name = f.aggregate.label.get(ZH)
            if all(above) or not any(above):
                word = "高於" if all(above) else "低於"
                text += f"，且{'均' if many else ''}{word}{name}之{nb.zh_list(amounts)}"
            else:
                parts = [f"{n}{'高於' if up else '低於'}{name}之{a}" for n, up, a in
                         zip(lb.zh_rate_list_noun(f.items) if rates else [noun], above, amounts, strict=False)]
                text += "；" + "、".join(parts)
    else:
        noun = _rate_nouns(f.items, EN) if rates else lb.en_noun(f.items[0])
        if len(set(ranks)) == 1:
            rank_text = conv.wording("rank", EN, n=nb.en_ordinal(ranks[0]), peers=peers)
            respectively = ""
        else:
            rank_text = conv.wording("rank", EN, n=nb.en_list([nb.en_ordinal(r) for r in ranks]), peers=peers)
            respectively = " respectively"
        text = f"{when}, {focus} {rank_text} for {noun}{respectively}"
        if f.aggregate is not None and len(aggregate_levels) == len(f.items):
            used += aggregate_levels
            above = [lv.value > ag.value for lv, ag in zip(f.focus_levels, aggregate_levels, strict=False)]  # type: ignore[operator]
            amounts = [_amount(a, v, EN) for a, v in zip(aggregate_levels, f.items, strict=False)]
            name = f.aggregate.label.get(EN)
            figures = "figures" if many else "figure"
            if all(above) or not any(above):
                word = "lower" if all(above) else "higher"
                text += f"; the {figures} for {name} {'were' if many else 'was'} {word}, at {nb.en_list(amounts)}"
            else:
                text += f"; the {figures} for {name} {'were' if many else 'was'} {nb.en_list(amounts)}"
            if many:
                text += " respectively"
    return Sentence(_finish(text, lang), tuple(used), f.rule, f.table_id)


def _write_note(f: NoteFinding, lang: str) -> Sentence:
    return Sentence(_finish(f.text.get(lang), lang) if lang == EN else _zh_note(f.text.get(lang)),
                    (), f.rule, f.table_id, NOTE)


def _zh_note(text: str) -> str:
    text = text.strip()
    return text if text.endswith(("。", "！", "？")) else text + "。"


_WRITERS = {
    LatestFinding: _write_latest,
    LongRunFinding: _write_long_run,
    TrendFinding: _write_trend,
    MoveFinding: _write_move,
    PeakFinding: _write_peak,
    ThresholdFinding: _write_threshold,
    ShareFinding: _write_shares,
    RankFinding: _write_rank,
    NoteFinding: _write_note,
}


def write(finding: Finding, lang: str) -> Sentence:
    """One finding as a sentence in zh-TW or en."""
    return _WRITERS[type(finding)](finding, normalise_language(lang))  # type: ignore[operator]


# -- the public interface -----------------------------------------------------------------------------------


def narrate(stored: StoredTable, lang: str, *, context: list[StoredTable] | None = None) -> Narrative:
    """The findings of one table as a narrative. ``context``: other tables (e.g. the six municipalities)
    from which related findings, such as a rank among peers, may be drawn."""
    lang = normalise_language(lang)
    sentences = [write(f, lang) for f in findings(stored, context or ())]
    return Narrative(stored.meta.id, lang, stored.meta.title.get(lang), sentences)


def change_words(change: Change, lang: str, *, with_base: bool = True) -> str:
    """A change worded as the narratives word it, with its estimate mark: 較 109 年成長 11.8% / up 11.8% from
    2020; without the base: 成長 11.8% / up 11.8%. For pages that show a figure beside its changes."""
    return _change(change, normalise_language(lang), with_base=with_base)


def level_words(level: Indicator, value: Value, lang: str) -> str:
    """A level written as the narratives write it, with its unit and estimate mark: 1,132.9 萬人次,
    11.33 million uses, 81.8%, NT$2.98 billion, 第 4 名 / fourth."""
    return _amount(level, value, normalise_language(lang))


KEY_RULES = ("rank", "shares", "long_run", "latest")


def key_findings(tables: Sequence[StoredTable], lang: str) -> list[Sentence]:
    """A short summary across tables: for each table, its most telling finding (a rank among peers, a leading
    share, the long-run change, else the latest level), prefixed with the table's title."""
    lang = normalise_language(lang)
    out: list[Sentence] = []
    seen: set[str] = set()
    tables = list(tables)
    for stored in tables:
        narrative = narrate(stored, lang, context=tables)
        candidates = [s for s in narrative.sentences if s.role == FINDING]
        for rule in KEY_RULES:
            chosen = next((s for s in candidates if s.rule == rule and s.text not in seen), None)
            if chosen is not None:
                seen.add(chosen.text)
                title = stored.meta.title.get(lang)
                text = f"{title}：{chosen.text}" if lang == ZH else f"{title}: {chosen.text}"
                out.append(Sentence(text, chosen.indicators, chosen.rule, chosen.table_id))
                break
    return out
