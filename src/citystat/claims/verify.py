"""Verification: each resolved claim against the figure the indicators compute from the store.

A stated number is right when the true figure, rounded as the number is written, gives it: 1,132.9 萬 stands for
anything from 11,328,500 to 11,329,499; 2.6 倍 for 2.55 to 2.649…. A wrong claim is explained where another reading
of the same cells would make it right (the ratio for a growth multiple, the points for a percentage, another base
year, the level at a period end for a flow), and the right figure is written as citystat writes it.

A multiple of ten or more (conventions.BOTH_READINGS_FROM_RATIO) written with fewer decimals than the convention
(514 倍 for 514.6 or 513.6) cannot tell the ratio from the growth multiple: it is ambiguous, with both readings.
"""

from __future__ import annotations

import functools
from decimal import Decimal

from citystat import indicators as ind
from citystat.claims.model import Claim, ClaimKind, Form, Number, Reading, Status, Verdict
from citystat.claims.resolve import Resolution, Target
from citystat.indicators import Indicator
from citystat.indicators.core import number as formula_number
from citystat.language import conventions as conv
from citystat.language import narrative
from citystat.language import numbers as nb
from citystat.language.verdicts import Reason, Word, because
from citystat.model import EN, ZH, MeasureKind, Period, Role, round_half_up
from citystat.model import Status as CellStatus

K = ClaimKind


# -- rounding -------------------------------------------------------------------------------------------------


def tolerance(number: Number) -> Decimal:
    """The unit the number is known to: its written precision, or its trailing zeros too when it says 約 / about."""
    if number.approx and number.precision >= 1:
        return max(number.precision, nb.precision_of(number.value.normalize().quantize(Decimal(1))))
    return number.precision


def rounded(value: Decimal, unit: Decimal) -> Decimal:
    """``value`` rounded half up to a multiple of ``unit`` (0.1, 1, 10,000)."""
    return round_half_up(value / unit, 0) * unit


def fits(value: Decimal, number: Number, stated: Decimal | None = None) -> bool:
    """Whether the true ``value`` is what ``number`` says, at the precision it is written to."""
    stated = number.value if stated is None else stated
    if number.bound == ">":
        return value > stated
    if number.bound == "<":
        return value < stated
    return rounded(value, tolerance(number)) == stated


def written(value: Decimal, number: Number, lang: str) -> str:
    """The true figure written to the claim's precision and in its style: 17.8 萬, 2.6, 11.33 million."""
    unit = tolerance(number)
    value_r = rounded(value, unit)
    if number.form is Form.AMOUNT:
        if lang == ZH:
            return nb.zh_count(value_r, unit)
        return nb.en_count(value_r, unit)
    if number.form is Form.RANK:
        return str(int(value_r))
    decimals = max(0, -unit.normalize().as_tuple().exponent) if unit < 1 else 0  # type: ignore[operator]
    return nb.grouped(value_r, decimals)


# -- words for the right figure ------------------------------------------------------------------------------


def _period(code: str) -> Period:
    return Period.parse(code)


def _stock(target: Target) -> bool:
    measure = target.measure.measure
    return measure is not None and measure.kind is MeasureKind.STOCK


def _when(target: Target, code: str, lang: str) -> str:
    return nb.zh_period(_period(code), end=_stock(target)) if lang == ZH else nb.en_period(_period(code),
                                                                                          end=_stock(target))


def _base_words(target: Target, code: str, lang: str) -> str:
    return nb.zh_period(_period(code), end=_stock(target)) if lang == ZH else nb.en_base(_period(code),
                                                                                        end=_stock(target))


def amount_words(target: Target, value: Decimal, lang: str) -> str:
    """A level as citystat writes it: 17.8 萬門, 81.8%, 第 4 名, 11.33 million person-times."""
    return narrative.amount_words(value, target.measure, lang)


def change_words(kind: ClaimKind, target: Target, values: dict[str, Decimal], base: str, lang: str,
                 decimals: int = 1) -> str:
    """A change in the conventional wording of ``conventions``: 較 106 年底成長 513.6 倍, 係 106 年底之 514.6 倍
    （成長 513.6 倍）, 3.6 times the 2018 level (up 257%), 較 90 年增加 13.0 個百分點."""
    base_text = _base_words(target, base, lang)
    if kind in (K.GROWTH_MULTIPLE, K.RATIO, K.MULTIPLE):
        ratio, growth, rate = values["ratio"], values["growth_multiple"], values["growth_rate"]
        if lang == ZH:
            if kind is K.GROWTH_MULTIPLE:
                return conv.wording("growth_multiple", ZH, base=base_text, n=nb.zh_multiple(growth))
            return conv.wording("ratio", ZH, base=base_text, r=nb.zh_multiple(ratio), n=nb.zh_multiple(growth))
        level = nb.en_base_level(_period(base), end=_stock(target))
        name = "ratio" if kind is K.RATIO else "growth_multiple"
        return conv.wording(name, EN, r=nb.multiple_number(ratio), base_level=level, n=nb.en_percent(rate))
    if kind is K.GROWTH_RATE:
        rate = values["growth_rate"]
        direction = nb.direction(rate, conv.PERCENT_DECIMALS)
        name = {1: "growth_rate_up", -1: "growth_rate_down", 0: "unchanged"}[direction]
        n = nb.zh_percent(abs(rate)) if lang == ZH else nb.en_percent(abs(rate))
        return conv.wording(name, lang, base=base_text, n=n)
    if kind is K.POINTS:
        points = values["points"]
        direction = nb.direction(points, decimals)
        name = {1: "points_up", -1: "points_down", 0: "unchanged"}[direction]
        n = nb.zh_points(abs(points), decimals) if lang == ZH else nb.en_points(abs(points), decimals)
        return conv.wording(name, lang, base=base_text, n=n)
    difference = values["difference"]
    direction = nb.direction(difference, 0)
    measure = target.measure.measure
    if measure is not None and measure.kind is MeasureKind.RANK:
        name = {1: "rank_down", -1: "rank_up", 0: "unchanged"}[direction]
        n = nb.grouped(abs(difference)) if lang == ZH else nb.en_places(difference)
        return conv.wording(name, lang, base=base_text, n=n)
    name = {1: "difference_up", -1: "difference_down", 0: "unchanged"}[direction]
    return conv.wording(name, lang, base=base_text, n=amount_words(target, abs(difference), lang))


# -- the checks ----------------------------------------------------------------------------------------------


class _Check:
    """One claim against its resolved cells."""

    def __init__(self, resolution: Resolution):
        self.resolution = resolution
        self.claim: Claim = resolution.claim
        target = resolution.target
        assert target is not None
        self.target: Target = target
        self.stored = target.stored
        self.meta = self.stored.meta
        self.time = self.meta.time.code
        self.lang = self.claim.lang

    def at(self, period: str | None, **others: str) -> dict[str, str]:
        return {**self.target.coords, **others, self.time: period or ""}

    def valued(self) -> list[Period]:
        """The periods of the claim's series that hold a number."""
        return ind.valued_periods(self.stored, self.target.coords)

    def verdict(self, status: Status, message: str, indicator: Indicator | None = None, **extra: object) -> Verdict:
        measure = self.target.measure.code
        verdict = Verdict(self.claim, status, message, table=self.meta.id, release=self.stored.release.release,
                          measure=measure, coordinates=dict(self.target.coords))
        if indicator is not None:
            verdict.computed = indicator.value
            verdict.formula = indicator.formula
            verdict.cells = [i.to_dict() for i in indicator.inputs]
            verdict.estimated = indicator.estimated
        for key, value in extra.items():
            setattr(verdict, key, value)
        return verdict

    def no_value(self, indicator: Indicator) -> Verdict:
        status = indicator.status
        why = because("no_number") if status is CellStatus.NOT_AVAILABLE else \
            because("marked", status=status.value, description=status.description.get(self.lang))
        return self.verdict(Status.UNVERIFIABLE, because("cannot_check", why=why, formula=indicator.formula),
                            indicator)

    def stated(self) -> Decimal:
        number = self.claim.number
        assert number is not None
        return number.value * (-1 if self.claim.direction < 0 else 1)

    # -- levels

    def level(self) -> Verdict:
        claim, number = self.claim, self.claim.number
        assert number is not None
        period = self.resolution.period
        indicator = ind.level(self.stored, self.at(period))
        if indicator.value is None:
            return self.no_value(indicator)
        measure = self.target.measure.measure
        assert measure is not None
        if "flow" in claim.cues and measure.kind is MeasureKind.STOCK:
            return self.stock_as_flow(indicator)
        right = amount_words(self.target, indicator.value, self.lang)
        if fits(indicator.value, number):
            return self.verdict(Status.CORRECT, because("level_agrees", stated=number.text,
                                                        value=formula_number(indicator.value),
                                                        when=_when(self.target, period or '', self.lang)),
                                indicator, expected=written(indicator.value, number, self.lang), wording=right)
        diagnosis, hint = self.other_level(number)
        message = _then(because("level_wrong", right=right, when=_when(self.target, period or '', self.lang),
                                stated=number.text), hint)
        return self.verdict(Status.WRONG, message, indicator, expected=written(indicator.value, number, self.lang),
                            wording=right, diagnosis=diagnosis or "wrong_level")

    def other_level(self, number: Number) -> tuple[str | None, Reason | None]:
        """Where else the stated level is found: another period, another measure, another area or category."""
        period = self.resolution.period
        meta = self.meta
        for p in meta.periods:
            if p.code == period:
                continue
            value = self.stored.table.get(meta.key(self.at(p.code))).value
            if value is not None and fits(value, number):
                return "wrong_period", because("figure_for", stated=number.text,
                                               what=_when(self.target, p.code, self.lang))
        for variable in meta.variables:
            if variable.role is Role.TIME:
                continue
            for other in variable.values:
                if other.code == self.target.coords[variable.code]:
                    continue
                coords = {**self.at(period), variable.code: other.code}
                value = self.stored.table.get(meta.key(coords)).value
                if value is not None and fits(value, number):
                    kind = "wrong_measure" if variable.role is Role.METRIC else "wrong_category"
                    return kind, because("figure_for", stated=number.text, what=other.label.get(self.lang))
        return None, None

    def stock_as_flow(self, level: Indicator) -> Verdict:
        """新增 / during: a flow stated for a measure that is a stock. Right only if it is the change in the stock."""
        number = self.claim.number
        assert number is not None and level.value is not None
        period = self.resolution.period or ""
        earlier = [p for p in self.valued() if p.code < period]
        when = _when(self.target, period, self.lang)
        if earlier:
            difference = ind.difference(self.stored, self.at(period), {self.time: earlier[-1].code})
            if difference.value is not None and fits(difference.value, number):
                return self.verdict(Status.CORRECT, because("stock_change_fits", stated=number.text,
                                                            value=formula_number(difference.value)), difference,
                                    expected=written(difference.value, number, self.lang))
        else:
            difference = None
        level_words = amount_words(self.target, level.value, self.lang)
        if fits(level.value, number):
            message = because("stock_level_as_flow", stated=number.text, when=when, level=level_words)
        else:
            message = because("stock_not_flow", level=level_words, when=when)
        wording = level_words
        if difference is not None and difference.value is not None:
            added = amount_words(self.target, difference.value, self.lang)
            message = _then(message, because("stock_changed_by", added=added, formula=difference.formula))
            wording = f"{level_words}; {added}"
        return self.verdict(Status.WRONG, message, level, expected=written(level.value, number, self.lang),
                            wording=wording, diagnosis="stock_as_flow")

    def peak(self) -> Verdict:
        number = self.claim.number
        assert number is not None
        compute = ind.peak if self.claim.direction > 0 else ind.trough
        indicator = compute(self.stored, self.target.coords)
        if indicator.value is None or indicator.period is None:
            return self.no_value(indicator)
        period = self.resolution.period
        word = Word("highest" if self.claim.direction > 0 else "lowest")
        when = _when(self.target, indicator.period, self.lang)
        right = f"{amount_words(self.target, indicator.value, self.lang)} ({when})"
        if indicator.period == period and fits(indicator.value, number):
            return self.verdict(Status.CORRECT, because("series_peak", word=word, right=right), indicator,
                                expected=written(indicator.value, number, self.lang), wording=right)
        return self.verdict(Status.WRONG, because("series_peak", word=word, right=right), indicator,
                            expected=written(indicator.value, number, self.lang), wording=right,
                            diagnosis="wrong_peak")

    def share(self) -> Verdict:
        number = self.claim.number
        assert number is not None
        period = self.resolution.period
        measure = self.target.measure
        assert measure.measure is not None
        variable = self.target.peer_variable
        indicator: Indicator | None = None
        if measure.measure.kind is MeasureKind.SHARE:
            # a published share: computed from the counts it divides where the store has them, else as published
            indicator = ind.level(self.stored, self.at(period))
            if measure.measure.share_of and variable is not None:
                aggregate = self.meta.variable(variable).aggregate
                assert aggregate is not None
                at = self.at(period, **{self.meta.metric.code: measure.measure.share_of})
                computed = ind.share(self.stored, at, {variable: aggregate.code})
                if computed.value is not None:
                    indicator = computed
        elif variable is not None:
            aggregate = self.meta.variable(variable).aggregate
            assert aggregate is not None
            indicator = ind.share(self.stored, self.at(period), {variable: aggregate.code})
            if indicator.value is None:  # the count is not given, but the share may be
                stored_share = next((v for v in self.meta.metric.values if v.measure is not None
                                     and v.measure.share_of == measure.code), None)
                if stored_share is not None:
                    indicator = ind.level(self.stored, self.at(period, **{self.meta.metric.code: stored_share.code}))
        if indicator is None or indicator.value is None:
            return self.no_value(indicator) if indicator else self.verdict(Status.UNVERIFIABLE,
                                                                                       because("no_total"))
        right = nb.zh_percent(indicator.value) if self.lang == ZH else nb.en_percent(indicator.value)
        who = self.who()
        if fits(indicator.value, number):
            return self.verdict(Status.CORRECT, because("share_agrees", who=who, right=right), indicator,
                                expected=written(indicator.value, number, self.lang), wording=right)
        hint = None
        if variable is not None:
            for other in self.meta.variable(variable).peers:
                if other.code == self.target.coords[variable]:
                    continue
                aggregate = self.meta.variable(variable).aggregate
                assert aggregate is not None
                alt = ind.share(self.stored, self.at(period, **{variable: other.code}), {variable: aggregate.code})
                if alt.value is not None and fits(alt.value, number):
                    hint = because("share_of", stated=number.text, what=other.label.get(self.lang))
        message = _then(because("share_wrong", who=who, right=right, stated=number.text), hint)
        return self.verdict(Status.WRONG, message, indicator, expected=written(indicator.value, number, self.lang),
                            wording=right, diagnosis="wrong_share")

    def who(self) -> str:
        measure = self.target.measure
        parts = [] if measure.measure is not None and measure.measure.kind is MeasureKind.RANK else \
            [measure.label.get(self.lang)]
        for variable in self.meta.variables:
            if variable.role in (Role.GEO, Role.CATEGORY) and (len(variable.values) > 1 or not parts):
                parts.append(variable.value(self.target.coords[variable.code]).label.get(self.lang))
        return ", ".join(parts)

    def rank(self) -> Verdict:
        number = self.claim.number
        assert number is not None
        period = self.resolution.period
        measure = self.target.measure.measure
        assert measure is not None
        if measure.kind is MeasureKind.RANK:
            indicator = ind.level(self.stored, self.at(period))
        else:
            variable = self.target.peer_variable
            if variable is None:
                return self.verdict(Status.UNVERIFIABLE, because("no_peers"))
            share_measure = measure
            at = self.at(period)
            if share_measure.kind is MeasureKind.SHARE and share_measure.share_of:
                at = {**at, self.meta.metric.code: share_measure.share_of}
            indicator = ind.rank_among_peers(self.stored, at, variable)
        if indicator.value is None:
            return self.no_value(indicator)
        right = (nb.space(f"第{int(indicator.value)}") if self.lang == ZH else nb.en_ordinal(int(indicator.value)))
        if indicator.peers:
            right += f" ({indicator.peers})" if self.lang == EN else f"（共 {indicator.peers}）"
        if fits(indicator.value, number):
            return self.verdict(Status.CORRECT, because("rank_agrees", who=self.who(), right=right), indicator,
                                expected=str(int(indicator.value)), wording=right)
        return self.verdict(Status.WRONG, because("rank_wrong", who=self.who(), right=right, stated=number.text),
                            indicator, expected=str(int(indicator.value)), wording=right, diagnosis="wrong_rank")

    def peers(self) -> Verdict:
        """4th of 118: the count of those ranked (the measure a rank declares as ``ranked_among``), or the peers a
        rank was among."""
        number = self.claim.number
        assert number is not None
        period = self.resolution.period
        counted = next((self.meta.metric.value(v.measure.ranked_among) for v in self.meta.metric.values
                        if v.measure is not None and v.measure.ranked_among), None)  # declared by the table
        if counted is not None:
            indicator = ind.level(self.stored, self.at(period, **{self.meta.metric.code: counted.code}))
            value = indicator.value
        elif self.target.peer_variable is not None:
            indicator = ind.rank_among_peers(self.stored, self.at(period), self.target.peer_variable)
            value = None if indicator.peers is None else Decimal(indicator.peers)
        else:
            return self.verdict(Status.UNVERIFIABLE, because("peers_unknown"))
        if value is None:
            return self.no_value(indicator)
        if fits(value, number):
            verdict = self.verdict(Status.CORRECT, because("peers_agree", value=formula_number(value)), indicator,
                                   expected=str(int(value)))
        else:
            verdict = self.verdict(Status.WRONG, because("peers_wrong", value=formula_number(value),
                                                         stated=number.text),
                                   indicator, expected=str(int(value)), diagnosis="wrong_peers")
        if counted is not None:
            verdict.measure = counted.code
            verdict.coordinates = {**verdict.coordinates, self.meta.metric.code: counted.code}
        return verdict

    # -- changes

    def values(self, period: str, base: str) -> dict[str, Indicator]:
        at, base_at = self.at(period), {self.time: base, **self.resolution.base_coords}
        out = {
            "ratio": ind.ratio(self.stored, at, base_at),
            "growth_multiple": ind.growth_multiple(self.stored, at, base_at),
            "growth_rate": ind.growth_rate(self.stored, at, base_at),
            "difference": ind.difference(self.stored, at, base_at),
        }
        measure = self.target.measure.measure
        if measure is not None and measure.kind.is_percentage:
            out["points"] = ind.pp_difference(self.stored, at, base_at)
        return out

    def change(self) -> Verdict:
        claim, number = self.claim, self.claim.number
        assert number is not None
        period, base = self.resolution.period or "", self.resolution.base or ""
        computed = self.values(period, base)
        main_name = _MAIN[claim.kind]
        if claim.kind is K.POINTS and "points" not in computed:
            return self.verdict(Status.WRONG, because("points_of_a_count",
                                                      what=self.target.measure.label.get(self.lang)),
                                computed["difference"], diagnosis="points_of_a_count")
        main = computed[main_name]
        if main.value is None:
            return self.no_value(main)
        values = {k: v.value for k, v in computed.items() if v.value is not None}
        stated = self.stated()
        decimals = _points_decimals(computed.get("points"))
        if claim.kind is K.DIFFERENCE and self.target.measure.measure is not None and \
                self.target.measure.measure.kind is MeasureKind.RANK:
            stated = -stated  # 上升 2 名: the rank number fell by 2
        right_words = change_words(claim.kind if claim.kind is not K.MULTIPLE else K.RATIO, self.target, values,
                                   base, self.lang, decimals)
        readings = self.readings(claim.kind, values, base, decimals)
        if claim.kind is K.MULTIPLE:
            return self.unspecified_multiple(values, readings, main)
        if claim.kind is K.POINTS and claim.direction == 0:
            ok = fits(abs(main.value), number)
        else:
            ok = fits(main.value, number, stated)
        if claim.kind in (K.GROWTH_MULTIPLE, K.RATIO) and _ambiguous_multiple(number, values):
            return self.verdict(
                Status.AMBIGUOUS,
                because("multiple_too_coarse", stated=number.text,
                        growth=nb.multiple_number(values["growth_multiple"]),
                        ratio=nb.multiple_number(values["ratio"])),
                main, readings=readings, wording=change_words(K.RATIO, self.target, values, base, self.lang),
                expected=written(main.value, number, self.lang), diagnosis="multiple_convention",
            )
        expected = written(main.value if claim.direction >= 0 or claim.kind is K.DIFFERENCE else -main.value,
                           number, self.lang)
        if claim.kind is K.DIFFERENCE and stated < 0 < main.value or claim.kind is not K.DIFFERENCE and \
                claim.direction < 0:
            expected = written(abs(main.value), number, self.lang)
        if self.resolution.implied_base:
            before = _base_words(self.target, base, self.lang)
            if ok:
                return self.verdict(Status.CORRECT, because("implied_base_agrees", stated=number.text, base=before,
                                                            formula=main.formula),
                                    main, readings=readings, expected=expected, wording=right_words)
            return self.verdict(Status.UNVERIFIABLE, because("implied_base_unclear", stated=number.text, base=before,
                                                             right=right_words),
                                main, readings=readings, wording=right_words)
        if ok:
            return self.verdict(Status.CORRECT, because("change_agrees", stated=number.text, formula=main.formula),
                                main, readings=readings, expected=expected, wording=right_words)
        diagnosis, hint = self.diagnose(values, readings, computed)
        message = _then(because("change_wrong", right=right_words, stated=number.text), hint)
        return self.verdict(Status.WRONG, message, main, readings=readings, expected=expected, wording=right_words,
                            diagnosis=diagnosis or "wrong_change")

    def readings(self, kind: ClaimKind, values: dict[str, Decimal], base: str, decimals: int) -> list[Reading]:
        number = self.claim.number
        assert number is not None
        stated = self.stated()
        out = []
        names = {
            K.GROWTH_MULTIPLE: ("growth_multiple", "ratio"), K.RATIO: ("ratio", "growth_multiple"),
            K.MULTIPLE: ("growth_multiple", "ratio"), K.GROWTH_RATE: ("growth_rate", "points"),
            K.POINTS: ("points", "growth_rate"), K.DIFFERENCE: ("difference",),
        }[kind]
        formulas = {"ratio": "A ÷ B", "growth_multiple": "A ÷ B − 1", "growth_rate": "(A ÷ B − 1) × 100",
                    "points": "A − B (percentages)", "difference": "A − B"}
        for name in names:
            if name not in values:
                continue
            value = values[name]
            reading_kind = {"ratio": K.RATIO, "growth_multiple": K.GROWTH_MULTIPLE, "growth_rate": K.GROWTH_RATE,
                            "points": K.POINTS, "difference": K.DIFFERENCE}[name]
            words = change_words(reading_kind, self.target, values, base, self.lang, decimals)
            if name in ("ratio", "growth_multiple"):
                shown = nb.multiple_number(value)
            elif name == "growth_rate":
                shown = nb.grouped(value, 1)
            else:
                shown = nb.grouped(value, decimals if name == "points" else 0)
            out.append(Reading(name, value, words, f"{formulas[name]} = {shown}",
                               fits(value, number, stated if name != "points" or self.claim.direction else None)))
        return out

    def unspecified_multiple(self, values: dict[str, Decimal], readings: list[Reading], main: Indicator) -> Verdict:
        number = self.claim.number
        assert number is not None
        matching = [r for r in readings if r.matches]
        if not matching:
            return self.verdict(Status.WRONG, because("multiple_neither", stated=number.text,
                                                      ratio=nb.multiple_number(values["ratio"]),
                                                      growth=nb.multiple_number(values["growth_multiple"])),
                                main, readings=readings, diagnosis="wrong_multiple")
        told = [because("reading_fits" if r.matches else "reading", kind=Word(r.name.replace("_", " ")),
                        formula=r.formula) for r in readings]
        names = functools.reduce(lambda first, then: because("then", first=first, then=then), told)
        return self.verdict(Status.AMBIGUOUS, because("multiple_unstated", stated=number.text, readings=names),
                            main, readings=readings,
                            wording=matching[0].written, diagnosis="multiple_convention")

    def diagnose(self, values: dict[str, Decimal], readings: list[Reading], computed: dict[str, Indicator]
                 ) -> tuple[str | None, Reason | None]:
        claim, number = self.claim, self.claim.number
        assert number is not None
        stated = self.stated()
        kind = claim.kind
        if kind is K.GROWTH_MULTIPLE and fits(values["ratio"], number, stated):
            return "ratio_as_growth", because("ratio_as_growth", stated=number.text,
                                              ratio=nb.multiple_number(values["ratio"]),
                                              growth=nb.multiple_number(values["growth_multiple"]))
        if kind is K.RATIO and fits(values["growth_multiple"], number, stated):
            return "growth_as_ratio", because("growth_as_ratio", stated=number.text,
                                              growth=nb.multiple_number(values["growth_multiple"]),
                                              ratio=nb.multiple_number(values["ratio"]))
        if kind is K.GROWTH_RATE and "points" in values and fits(values["points"], number, stated):
            return "percent_for_points", because("percent_for_points", stated=number.text,
                                                 points=nb.grouped(values["points"], 1))
        if kind is K.GROWTH_RATE and fits(values["ratio"] * 100, number, stated):
            return "ratio_as_growth", because("ratio_times_100", stated=number.text)
        if kind is K.POINTS and fits(values["growth_rate"], number, stated):
            return "points_for_percent", because("points_for_percent", stated=number.text,
                                                 rate=nb.grouped(values["growth_rate"], 1))
        if claim.direction and _MAIN[kind] in values and values[_MAIN[kind]] * stated < 0 and \
                fits(abs(values[_MAIN[kind]]), number):
            return "wrong_direction", because("wrong_direction")
        base = self.resolution.base
        period = self.resolution.period or ""
        for other in self.valued():
            if other.code in (base, period) or other.code > period:
                continue
            alt = self.values(period, other.code)
            main = alt.get(_MAIN[kind])
            if main is not None and main.value is not None and fits(main.value, number, stated):
                other_words = _base_words(self.target, other.code, self.lang)
                return "wrong_base", because("wrong_base", stated=number.text, other=other_words,
                                             base=_base_words(self.target, base or "", self.lang))
        return None, None

    # -- series

    def stayed_above(self) -> Verdict:
        number = self.claim.number
        assert number is not None
        start, end = self.resolution.start or "", self.resolution.end or ""
        indicator = ind.stayed_above(self.stored, self.target.coords, number.value, start, end)
        if indicator.value is None:
            return self.no_value(indicator)
        lowest = amount_words(self.target, indicator.value, self.lang)
        if indicator.holds:
            return self.verdict(Status.CORRECT, because("threshold_holds", lowest=lowest), indicator,
                                wording=lowest)
        return self.verdict(Status.WRONG, because("threshold_broken", lowest=lowest, stated=number.text), indicator,
                            wording=lowest, diagnosis="threshold_broken")

    def every_period(self) -> Verdict:
        rising = self.claim.kind is K.ROSE_EVERY
        compute = ind.rose_every_period if rising else ind.fell_every_period
        start, end = self.resolution.start or "", self.resolution.end or ""
        if start == end:
            return self.verdict(Status.UNVERIFIABLE, because("one_period_span"))
        try:
            indicator = compute(self.stored, self.target.coords, start, end)
        except ValueError as exc:
            return self.verdict(Status.UNVERIFIABLE, str(exc))
        if indicator.value is None:
            return self.verdict(Status.UNVERIFIABLE, because("cannot_check_span", formula=indicator.formula), indicator)
        if indicator.holds:
            return self.verdict(Status.CORRECT, because("every_period", word=Word("rose" if rising else "fell"),
                                                        start=start, end=end), indicator)
        return self.verdict(Status.WRONG, because("not_rising_every" if rising else "not_falling_every", start=start,
                                                  end=end, formula=indicator.formula), indicator,
                            diagnosis="not_every_period")

    def record(self) -> Verdict:
        high = self.claim.kind is K.RECORD_HIGH
        indicator = (ind.peak if high else ind.trough)(self.stored, self.target.coords)
        period = self.resolution.period
        valued = self.valued()
        if indicator.value is None or len(valued) < 2:
            return self.verdict(Status.UNVERIFIABLE, because("too_short_for_record"), indicator)
        mine = self.stored.table.get(self.meta.key(self.at(period))).value
        word = Word("highest" if high else "lowest")
        when = _when(self.target, indicator.period or "", self.lang)
        right = f"{amount_words(self.target, indicator.value, self.lang)} ({when})"
        if mine is not None and mine == indicator.value:
            return self.verdict(Status.CORRECT, because("record_of", word=word, n=len(valued), right=right), indicator)
        return self.verdict(Status.WRONG, because("record_is", word=word, right=right), indicator, wording=right,
                            diagnosis="not_a_record")

    def largest(self) -> Verdict:
        """為歷年最大增幅: the same indicator the narratives state (largest_rise / largest_fall)."""
        rising = self.claim.kind is K.LARGEST_RISE
        indicator = (ind.largest_rise if rising else ind.largest_fall)(self.stored, self.target.coords)
        if indicator.value is None or indicator.period is None:
            return self.verdict(Status.UNVERIFIABLE, because("no_such_moves"), indicator)
        word = Word("rise" if rising else "fall")
        when = _when(self.target, indicator.period, self.lang)
        if indicator.period == self.resolution.period:
            return self.verdict(Status.CORRECT, because("largest_move_agrees", word=word, when=when), indicator)
        return self.verdict(Status.WRONG, because("largest_move_is", word=word, when=when), indicator,
                            diagnosis="not_the_largest")


def _then(message: Reason, hint: Reason | None) -> Reason:
    """A verdict and what else the stated figure could be, when the store says."""
    return message if hint is None else because("then", first=message, then=hint)


_MAIN = {K.GROWTH_RATE: "growth_rate", K.GROWTH_MULTIPLE: "growth_multiple", K.RATIO: "ratio",
         K.MULTIPLE: "ratio", K.POINTS: "points", K.DIFFERENCE: "difference"}


def _points_decimals(points: Indicator | None) -> int:
    if points is None:
        return 1
    decimals = [nb.decimals_of(i.value) for i in points.inputs if i.value is not None]
    return min(decimals) if decimals else 1


def _ambiguous_multiple(number: Number, values: dict[str, Decimal]) -> bool:
    """514 倍 for a ratio of 514.56: coarser than the convention's one decimal, where the two readings are so close
    that the number could be either (conventions.BOTH_READINGS_FROM_RATIO)."""
    ratio, growth = values["ratio"], values["growth_multiple"]
    if ratio < conv.BOTH_READINGS_FROM_RATIO:
        return False
    conventional = 0 if abs(number.value) >= conv.WHOLE_MULTIPLE_FROM else conv.MULTIPLE_DECIMALS
    if number.decimals >= conventional:
        return False
    half = number.precision / 2
    return min(growth, ratio) - half <= number.value <= max(growth, ratio) + half


def verify(resolution: Resolution) -> Verdict:
    """The verdict on one resolved claim."""
    claim = resolution.claim
    if resolution.target is None:
        return Verdict(claim, Status.UNVERIFIABLE, resolution.reason or because("not_resolved"))
    check = _Check(resolution)
    kind = claim.kind
    if kind is K.LEVEL:
        return check.level()
    if kind is K.PEERS:
        return check.peers()
    if kind is K.PEAK:
        return check.peak()
    if kind is K.SHARE:
        return check.share()
    if kind is K.RANK:
        return check.rank()
    if kind.is_change:
        return check.change()
    if kind is K.STAYED_ABOVE:
        return check.stayed_above()
    if kind in (K.ROSE_EVERY, K.FELL_EVERY):
        return check.every_period()
    if kind in (K.RECORD_HIGH, K.RECORD_LOW):
        return check.record()
    return check.largest()
