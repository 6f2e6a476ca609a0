"""What the checker finds in a text (claims) and what it concludes about each (verdicts)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from citystat.model import Period


class ClaimKind(StrEnum):
    LEVEL = "level"  # 1,132.9 萬人次
    GROWTH_RATE = "growth_rate"  # 成長 11.8%: (A / B − 1) × 100
    GROWTH_MULTIPLE = "growth_multiple"  # 成長 / 增加 N 倍: A / B − 1
    RATIO = "ratio"  # 係 B 之 N 倍, N times the 2018 level: A / B
    MULTIPLE = "multiple"  # "increased 3 times": a multiple whose convention the words do not settle
    POINTS = "points"  # 增加 13.0 個百分點: A − B of two percentages
    DIFFERENCE = "difference"  # 增加 8,580 輛: A − B in the measure's unit
    SHARE = "share"  # 占 93.1%: part / total × 100
    RANK = "rank"  # 第 4 名, 六都第 1, 4th, 最多 (first), 次之 (second)
    PEERS = "peers"  # "of 118": how many were ranked
    STAYED_ABOVE = "stayed_above"  # 維持在 7.4 萬以上
    ROSE_EVERY = "rose_every"  # 逐年上升
    FELL_EVERY = "fell_every"  # 逐年下降
    RECORD_HIGH = "record_high"  # 為歷年最高
    RECORD_LOW = "record_low"  # 為歷年最低
    PEAK = "peak"  # 以 108 年 7 萬 7,986 人次最高
    LARGEST_RISE = "largest_rise"  # 為歷年最大增幅
    LARGEST_FALL = "largest_fall"  # 為歷年最大降幅

    @property
    def is_change(self) -> bool:
        return self in CHANGE_KINDS

    @property
    def numeric(self) -> bool:
        return self not in (ClaimKind.ROSE_EVERY, ClaimKind.FELL_EVERY, ClaimKind.RECORD_HIGH, ClaimKind.RECORD_LOW,
                            ClaimKind.LARGEST_RISE, ClaimKind.LARGEST_FALL)


CHANGE_KINDS = frozenset({ClaimKind.GROWTH_RATE, ClaimKind.GROWTH_MULTIPLE, ClaimKind.RATIO, ClaimKind.MULTIPLE,
                          ClaimKind.POINTS, ClaimKind.DIFFERENCE})


class Form(StrEnum):
    """How a number is written: what follows it decides what it can mean."""

    AMOUNT = "amount"  # 1,132.9 萬人次, 2,763, 11.33 million
    PERCENT = "percent"  # 93.1%
    MULTIPLE = "multiple"  # 2.6 倍, 3.6 times
    POINTS = "points"  # 13.0 個百分點, 13.0 percentage points
    RANK = "rank"  # 第 4 名, fourth


@dataclass(frozen=True)
class Number:
    """A number as written: its value in base units and the unit it is known to (half of which is the tolerance)."""

    text: str
    value: Decimal
    precision: Decimal  # 0.1 for 81.8, 1,000 for 1,132.9 萬, 10,000 for 3.32 million, 1 for 2 萬 1,652
    form: Form
    unit: str = ""  # 人次, %, 倍, person-times
    bound: str = "="  # "=" as stated, ">" more than (逾, more than), "<" less than (不到, less than)
    approx: bool = False  # 約 / about: trailing zeros of a whole number are rounding

    @property
    def decimals(self) -> int:
        exponent = self.precision.normalize().as_tuple().exponent
        return max(0, -exponent) if isinstance(exponent, int) else 0


@dataclass(frozen=True)
class When:
    """A period as written: 110 年, 110 年底, 109 年 9 月, 100 年 8 月至 12 月, 近兩年, 較上年."""

    text: str
    start: int
    end: int
    period: Period | None = None
    end_of: bool = False  # 年底 / at the end of
    last: Period | None = None  # the end of a span written as one expression (100 年 8 月至 12 月)
    relative: int | None = None  # 近兩年: the last n periods of the series
    previous: bool = False  # 較上年: the period before the claim's own

    def describe(self) -> str:
        return self.text


@dataclass
class Claim:
    """One numeric statement (or a statement about a series, such as 逐年上升), where it is in the text and what
    periods it is about. ``start``/``end`` are character offsets into the checked text."""

    id: int
    kind: ClaimKind
    start: int
    end: int
    text: str
    sentence: int
    lang: str
    number: Number | None = None
    direction: int = 1  # +1 a rise (成長, up), −1 a fall (減少, down), 0 unsigned (相差)
    period: When | None = None
    base: When | None = None
    span_start: When | None = None  # the first period of a span (維持在 X 以上, 逐年上升)
    item: int = 0  # position in a list (分別為 81.8%、98.7% 及 96.1%)
    items: int = 1
    list_id: int | None = None
    each: bool = False  # 均居六都第 1: one figure stated for every item of a list of nouns
    respectively: bool = False
    cues: frozenset[str] = frozenset()  # monthly, daily, average, flow, stock
    link: int | None = None  # the claim this one leans on (最多 / 次之 lean on the share before them)
    window: int = 0  # where the words naming this claim's subject may begin

    @property
    def span(self) -> tuple[int, int]:
        return (self.start, self.end)


@dataclass(frozen=True)
class Sentence:
    index: int
    start: int
    end: int
    text: str


class Status(StrEnum):
    CORRECT = "correct"
    WRONG = "wrong"
    AMBIGUOUS = "ambiguous"
    UNVERIFIABLE = "unverifiable"
    NOT_A_CLAIM = "not_a_claim"  # a number that is no statistic: a table reference, a date, an ordinal name


@dataclass(frozen=True)
class Reading:
    """One way to read a claim (a convention, a base year) and what the store says under it."""

    name: str  # growth_multiple, ratio, points, base 108 ...
    value: Decimal | None
    written: str  # the figure as citystat writes it: 成長 513.6 倍
    formula: str
    matches: bool


@dataclass
class Verdict:
    claim: Claim
    status: Status
    message: str  # a citystat.language.verdicts.Reason as a rule: the English message, told in any language
    table: str | None = None
    release: int | None = None
    measure: str | None = None
    coordinates: dict[str, str] = field(default_factory=dict)
    computed: Decimal | None = None  # the exact figure from the store
    expected: str | None = None  # the figure rounded as the claim states it
    wording: str | None = None  # the right wording, in the claim's language
    formula: str = ""
    cells: list[dict[str, Any]] = field(default_factory=list)
    readings: list[Reading] = field(default_factory=list)
    diagnosis: str | None = None  # ratio_as_growth, growth_as_ratio, percent_for_points, wrong_base ...
    estimated: bool = False

    @property
    def in_language(self) -> str:
        """The message in the language of the text the claim is from."""
        return self.said(self.claim.lang)

    def said(self, lang: str) -> str:
        """The message in a language (zh-TW or en), rendered from the reason's name and fields
        (citystat.language.verdicts); a message that is no declared reason is told as it is."""
        from citystat.language.verdicts import because, reason
        if self.status is Status.NOT_A_CLAIM:
            return because("not_a_claim", reason=self.message).said(lang)
        if self.status is Status.UNVERIFIABLE:
            return because("unverifiable", reason=self.message).said(lang)
        return reason(self.message, lang)

    def to_dict(self) -> dict[str, Any]:
        claim = self.claim
        out: dict[str, Any] = {
            "id": claim.id,
            "kind": claim.kind.value,
            "text": claim.text,
            "span": [claim.start, claim.end],
            "sentence": claim.sentence,
            "verdict": self.status.value,
            "message": self.message,
            "said": self.in_language,
            "stated": None,
            "period": _period_dict(claim.period),
            "base_period": _period_dict(claim.base),
            "span_start": _period_dict(claim.span_start),
            "table": self.table,
            "release": self.release,
            "measure": self.measure,
            "coordinates": self.coordinates,
            "computed": None if self.computed is None else format(self.computed, "f"),
            "expected": self.expected,
            "wording": self.wording,
            "formula": self.formula,
            "cells": self.cells,
            "estimated": self.estimated,
            "diagnosis": self.diagnosis,
            "readings": [
                {"name": r.name, "value": None if r.value is None else format(r.value, "f"), "written": r.written,
                 "formula": r.formula, "matches": r.matches}
                for r in self.readings
            ],
        }
        if claim.number is not None:
            n = claim.number
            out["stated"] = {
                "text": n.text, "value": format(n.value, "f"), "precision": format(n.precision, "f"),
                "unit": n.unit, "bound": n.bound, "approx": n.approx,
                "direction": claim.direction,
            }
        return out


def _period_dict(when: When | None) -> dict[str, Any] | None:
    if when is None:
        return None
    out: dict[str, Any] = {"text": when.text, "span": [when.start, when.end]}
    if when.period is not None:
        out["code"] = when.period.code
    if when.last is not None:
        out["last"] = when.last.code
    if when.end_of:
        out["end_of"] = True
    if when.relative is not None:
        out["relative"] = when.relative
    if when.previous:
        out["previous"] = True
    return out
