"""The words of the publication: each table's narrative and the key findings.

``table_narrative`` and ``key_findings`` are the only places the publication asks for words. They use
``citystat.language.narrative`` (rule-based narratives from the indicators) when that package is
installed, and otherwise fall back to plain statements computed from the table: the latest value of each
series and its change on the previous period with a value. The fallback is deliberately simple and the
same for every table; it is never written for one table.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from decimal import Decimal
from types import ModuleType

from citystat.catalog import subjects
from citystat.formats.display import format_number, shown_decimals
from citystat.model import (
    ZH,
    Cell,
    Measure,
    MeasureKind,
    Period,
    Role,
    Status,
    Value,
    Variable,
    normalise_language,
    round_half_up,
)
from citystat.store import StoredTable

NARRATIVE_MODULE = "citystat.language.narrative"


def _language() -> ModuleType | None:
    try:
        return importlib.import_module(NARRATIVE_MODULE)
    except ModuleNotFoundError as exc:
        if exc.name in ("citystat.language", NARRATIVE_MODULE):
            return None
        raise  # the package is there but something it needs is not: that is an error, not a fallback


def narratives_generated() -> bool:
    """Whether the narratives come from citystat.language (True) or are the simple statements (False)."""
    return _language() is not None


def table_narrative(stored: StoredTable, lang: str, *, context: Sequence[StoredTable] | None = None) -> list[str]:
    """The sentences that describe one table."""
    lang = normalise_language(lang)
    module = _language()
    if module is not None:
        narrative = module.narrate(stored, lang, context=list(context) if context is not None else None)
        return [sentence.text for sentence in narrative.sentences]
    return simple_statements(stored, lang)


def key_findings(tables: Sequence[StoredTable], lang: str) -> list[str]:
    """The summary at the front of the publication."""
    lang = normalise_language(lang)
    module = _language()
    if module is not None:
        return [sentence.text for sentence in module.key_findings(list(tables), lang)]
    return simple_key_findings(tables, lang)


# -- the fallback: plain statements computed from the table ------------------------------------------------


def _number(value: Decimal, measure: Measure) -> str:
    return format_number(value, shown_decimals(value, measure))


def _ordinal(number: str) -> str:
    n = int(number.replace(",", ""))
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{number}{suffix}"


def _with_unit(text: str, measure: Measure, lang: str) -> str:
    unit = measure.unit.get(lang)
    if measure.kind is MeasureKind.RANK:
        return f"第 {text} {unit}" if lang == ZH else _ordinal(text)
    if unit == "%":
        return f"{text}%"
    if lang == ZH:
        return f"{text} {unit}"
    if unit.startswith("NT$"):
        return f"NT${text}"
    return f"{text} {unit}"


def _when(period: Period, measure: Measure, lang: str) -> str:
    label = period.label(lang, end=measure.kind is MeasureKind.STOCK)
    if lang == ZH:
        return label
    return f"at the {label}" if measure.kind is MeasureKind.STOCK else f"in {label}"


def _change(latest: Decimal, earlier: Decimal, measure: Measure, lang: str) -> str:
    difference = latest - earlier
    decimals = measure.decimals
    if measure.kind.is_percentage:
        points = format_number(abs(difference), decimals)
        if lang == ZH:
            return f"{'增加' if difference >= 0 else '減少'} {points} 個百分點"
        return f"{'up' if difference >= 0 else 'down'} {points} percentage points"
    amount = _with_unit(format_number(abs(difference), decimals), measure, lang)
    percent = ""
    if earlier != 0:
        rate = round_half_up((latest / earlier - 1) * 100, 1)
        percent = f"（{rate:+,.1f}%）" if lang == ZH else f" ({rate:+,.1f}%)"
    if lang == ZH:
        return f"{'增加' if difference >= 0 else '減少'} {amount}{percent}"
    return f"{'up' if difference >= 0 else 'down'} {amount}{percent}"


def _series_statement(label: str, cells: list[tuple[Period, Cell]], measure: Measure, lang: str) -> str | None:
    valued = [(p, c) for p, c in cells if c.value is not None]
    if not valued:
        return None
    period, cell = valued[-1]
    assert cell.value is not None
    value = _with_unit(_number(cell.value, measure), measure, lang)
    estimate = cell.status is Status.ESTIMATED
    if lang == ZH:
        space = "" if value.startswith("第") else " "
        sentence = f"{label} {_when(period, measure, lang)}為{space}{value}{'（推估值）' if estimate else ''}"
    else:
        sentence = f"{label}: {value} {_when(period, measure, lang)}{' (estimated)' if estimate else ''}"
    if len(valued) > 1:
        before, earlier = valued[-2]
        assert earlier.value is not None
        change = _change(cell.value, earlier.value, measure, lang)
        base = before.label(lang, end=measure.kind is MeasureKind.STOCK)
        if lang != ZH and measure.kind is MeasureKind.STOCK:
            base = f"the {base}"
        flag = earlier.status is Status.ESTIMATED
        if lang == ZH:
            sentence += f"，較 {base}{change}{'（比較基期為推估值）' if flag else ''}"
        else:
            sentence += f", {change} on {base}{' (against an estimate)' if flag else ''}"
    return sentence + ("。" if lang == ZH else ".")


def simple_statements(stored: StoredTable, lang: str) -> list[str]:
    """One plain sentence per series: the latest value, and its change on the previous period with a value."""
    lang = normalise_language(lang)
    table, meta = stored.table, stored.meta
    metric, time = meta.metric, meta.time
    others = [v for v in meta.variables if v.role not in (Role.TIME, Role.METRIC)]
    compared = [v for v in others if len(v.values) > 1]
    periods = [Period.parse(code) for code in time.codes]
    sentences: list[str] = []

    def key_of(coordinates: dict[str, str]) -> tuple[str, ...]:
        return tuple(coordinates[v.code] for v in meta.variables)

    fixed = {v.code: v.values[0].code for v in others if len(v.values) == 1}
    if compared and len(periods) == 1:
        # peers in one period: list each measure's values across the peers
        period = periods[0]
        for value in metric.values:
            assert value.measure is not None
            measure = value.measure
            parts = []
            for peer_var in compared:
                for peer in peer_var.values:
                    coordinates = {**fixed, time.code: time.codes[0], metric.code: value.code, peer_var.code: peer.code}
                    for other in compared:
                        coordinates.setdefault(other.code, other.values[0].code)
                    cell = table.get(key_of(coordinates))
                    if cell.value is None:
                        missing = cell.status.description.get(lang)
                        parts.append(f"{peer.label.get(lang)}（{missing}）" if lang == ZH
                                     else f"{peer.label.get(lang)} {missing}")
                        continue
                    shown = _number(cell.value, measure)
                    if cell.status is Status.ESTIMATED:
                        shown += " e"
                    parts.append(f"{peer.label.get(lang)} {shown}")
                break  # one compared variable is listed; others stay at their first value
            unit = measure.unit.get(lang)
            when = period.label(lang, end=measure.kind is MeasureKind.STOCK)
            if lang == ZH:
                sentences.append(f"{value.label.get(lang)}（{when}，{unit}）：{'、'.join(parts)}。")
            else:
                sentences.append(f"{value.label.get(lang)}, {when} ({unit}): {', '.join(parts)}.")
        return sentences

    # a series per measure, and per value of the first compared variable (the others stay at their first value)
    peers: list[tuple[Variable, Value] | None] = [None]
    if compared:
        peers = [(compared[0], peer) for peer in compared[0].values]
        fixed.update({other.code: other.values[0].code for other in compared[1:]})
    for value in metric.values:
        assert value.measure is not None
        for peer in peers:
            coordinates_base = {**fixed, metric.code: value.code}
            label = value.label.get(lang)
            if peer is not None:
                peer_var, peer_value = peer
                coordinates_base[peer_var.code] = peer_value.code
                label = f"{peer_value.label.get(lang)}{'' if lang == ZH else ', '}{label}"
            cells = [(p, table.get(key_of({**coordinates_base, time.code: p.code}))) for p in periods]
            sentence = _series_statement(label, cells, value.measure, lang)
            if sentence:
                sentences.append(sentence)
    return sentences


def simple_key_findings(tables: Sequence[StoredTable], lang: str) -> list[str]:
    """The first statement of the first table of each service, in the publication's order of services."""
    order = {s.code: i for i, s in enumerate(subjects())}
    seen: set[str] = set()
    findings = []
    for stored in sorted(tables, key=lambda s: (order.get(s.meta.subject, len(order)), s.meta.id)):
        if stored.meta.subject in seen:
            continue
        statements = simple_statements(stored, lang)
        if statements:
            seen.add(stored.meta.subject)
            findings.append(statements[0])
    return findings
