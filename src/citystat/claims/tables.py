"""Tables in documents, verified as tables: matched to a stored table by caption, headers, units and periods, then
checked cell by cell with the row and column labels of each cell. Their numbers are never read as prose.

Matching: the caption naming a table (its title or an alias) counts most; then each header that is one of its
measures, and each row or column label that is one of its periods, areas or categories. A document table that no
stored table fits is reported as unmatched, its cells unverified.

A cell is verified when its labels (row, column, and the caption for what they leave out) settle every coordinate
of the stored table: the period, the measure (or the only one), and each area or category (or the total the table
is about). The number is read at the precision written, scaled by the unit in its header (萬人次, million).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from citystat.claims.extract import _en_periods, _zh_periods
from citystat.claims.model import Status
from citystat.claims.resolve import period_code
from citystat.claims.vocabulary import MEASURE, TABLE, VALUE, Vocabulary, fold
from citystat.documents.model import Block
from citystat.language import labels as lb
from citystat.language.verdicts import because, reason
from citystat.model import ZH, Role, StoredTable

NUMBER = re.compile(r"^[(（]?(?P<sign>[-−])?(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*"
                    r"(?P<scale>萬|億|thousand|million|billion)?[)）]?\s*(?P<status>[epr]|\*)?$", re.IGNORECASE)
SCALES = {"萬": Decimal(10) ** 4, "億": Decimal(10) ** 8, "thousand": Decimal(10) ** 3, "million": Decimal(10) ** 6,
          "billion": Decimal(10) ** 9, "千": Decimal(10) ** 3, "百萬": Decimal(10) ** 6}
UNIT_IN_LABEL = re.compile(r"[（(]([^）)]*)[）)]")
NOT_A_VALUE = {"..", "…", "-", "—", "–", "x", "X", "*", ""}


@dataclass
class CellCheck:
    row: int
    column: int
    text: str
    status: Status
    message: str
    row_label: str = ""
    column_label: str = ""
    coordinates: dict[str, str] = field(default_factory=dict)
    computed: Decimal | None = None
    expected: str | None = None
    lang: str = "en"  # the document's

    @property
    def in_language(self) -> str:
        """The message in the document's language."""
        return reason(self.message, self.lang)

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "text": self.text, "verdict": self.status.value,
                "message": self.message, "said": self.in_language, "row_label": self.row_label,
                "column_label": self.column_label,
                "coordinates": self.coordinates,
                "computed": None if self.computed is None else format(self.computed, "f"), "expected": self.expected}


@dataclass
class TableCheck:
    block: Block
    table: str | None
    release: int | None
    reason: str
    cells: list[CellCheck] = field(default_factory=list)
    back_matter: bool = False  # in the appendices, methods or references
    lang: str = "en"  # the document's

    @property
    def summary(self) -> str:
        """What was matched and how many cells differ, or why nothing was: in the document's language."""
        wrong, cells = self.count(Status.WRONG), len(self.cells)
        if self.table is None:
            said = because("table_not_matched", why=self.reason)
        elif self.release is None:
            said = because("table_matched_by_column", tables=self.table, wrong=wrong, cells=cells)
        else:
            said = because("table_matched", table=self.table, release=self.release, wrong=wrong, cells=cells)
        return reason(said, self.lang)

    def count(self, status: Status) -> int:
        return sum(1 for c in self.cells if c.status is status)

    def to_dict(self) -> dict[str, Any]:
        return {"caption": self.block.caption, "page": self.block.page, "box": self.block.box,
                "path": self.block.path, "back_matter": self.back_matter,
                "matched": self.table, "release": self.release, "reason": self.reason, "said": self.summary,
                "differ": [c.to_dict() for c in self.cells if c.status is Status.WRONG],
                "cells": [c.to_dict() for c in self.cells]}


def _words(text: str) -> str:
    return re.sub(r"\s+", "", fold(UNIT_IN_LABEL.sub("", text)))


class TableChecker:
    def __init__(self, tables: list[StoredTable], vocabulary: Vocabulary):
        self.tables = {t.meta.id: t for t in tables}
        self.vocabulary = vocabulary

    def match(self, block: Block) -> tuple[StoredTable | None, str]:
        caption = block.caption
        labels = [c.text for row in block.rows[:3] for c in row if c.header and c.text]
        scores: dict[str, int] = {}
        for hit in self.vocabulary.find(caption):
            for entry in hit.of(TABLE):
                scores[entry.table] = scores.get(entry.table, 0) + 50
        folded_caption = _words(caption)
        for table_id, stored in self.tables.items():
            for title in (stored.meta.title.zh, stored.meta.title.en):
                if title and _words(title) and _words(title) in folded_caption:
                    scores[table_id] = scores.get(table_id, 0) + 100
            for label in labels:
                if self._measure_of(stored, label) is not None:
                    scores[table_id] = scores.get(table_id, 0) + 10
            if table_id in scores:  # periods and units confirm a table named or headed, never choose one alone
                stubs = {row[0].text for row in block.rows if row and row[0].text}
                periods = sum(1 for text in stubs | set(labels) if self._period_of(stored, text, ZH) or
                              self._period_of(stored, text, "en"))
                units = sum(1 for label in labels for unit in UNIT_IN_LABEL.findall(label)
                            if self._measure_by_unit(stored, f"({unit})") is not None)
                scores[table_id] += min(periods, 5) + min(units, 5)
        if not scores:
            return None, because("table_unmatched")
        ranked = sorted(scores.items(), key=lambda kv: -kv[1])
        best, points = ranked[0]
        if points < 20:
            return None, because("table_unmatched")
        if len(ranked) > 1 and ranked[1][1] == points:
            return None, because("table_ambiguous", first=best, second=ranked[1][0])
        return self.tables[best], ""

    def _measure_of(self, stored: StoredTable, label: str) -> str | None:
        words = _words(label)
        if not words:
            return None
        for value in stored.meta.metric.values:
            for name in (value.label.zh, value.label.en):
                if name and _words(name) == words:
                    return value.code
        for hit in self.vocabulary.find(label):
            entries = {e.code for e in hit.of(MEASURE, stored.meta.id) if not e.weak}
            if len(entries) == 1 and len(re.sub(r"\s+", "", hit.text)) >= len(words) * 0.6:
                return entries.pop()
        return None

    def _values_of(self, stored: StoredTable, label: str) -> dict[str, str]:
        out: dict[str, str] = {}
        words = _words(label)
        for variable in stored.meta.variables:
            if variable.role in (Role.TIME, Role.METRIC):
                continue
            for value in variable.values:
                if words and any(_words(n) == words for n in (value.label.zh, value.label.en) if n):
                    out[variable.code] = value.code
        for hit in self.vocabulary.find(label):
            for entry in hit.of(VALUE, stored.meta.id):
                if entry.variable and entry.code and entry.variable not in out:
                    out[entry.variable] = entry.code
        return out

    def _period_of(self, stored: StoredTable, label: str, lang: str) -> str | None:
        found = _zh_periods(label, 0) if lang == ZH else _en_periods(label, 0)
        if not found and lang == ZH:
            found = _en_periods(label, 0)
        for when in found:
            if when.period is None:
                continue
            code = period_code(when, stored)
            if code is not None:
                return code
        return None

    def _is_period_label(self, stored: StoredTable, text: str, lang: str) -> bool:
        """2021 in a cell of its own: a period label (a value card's), not a value."""
        return bool(re.fullmatch(r"(?:19|20)\d{2}", text)) and self._period_of(stored, text, "en") is not None

    def _column_tables(self, labels: list[str]) -> dict[int, StoredTable]:
        """Columns of a table that mixes services (one column per service): each column whose header names one
        stored table (by title, alias or measure) is that table's."""
        out: dict[int, StoredTable] = {}
        for c, label in enumerate(labels):
            hits = self.vocabulary.find(label)
            titled = {e.table for h in hits for e in h.of(TABLE)}
            named = titled or {e.table for h in hits for e in h.of(MEASURE) if not e.weak}
            if len(named) == 1 and (table := named.pop()) in self.tables:
                out[c] = self.tables[table]
        return out

    def check(self, block: Block, lang: str) -> TableCheck:
        stored, why = self.match(block)
        header_rows = [r for r in block.rows if r and all(c.header or not c.text for c in r)]
        body = [r for r in block.rows if r not in header_rows]
        width = max((len(r) for r in block.rows), default=0)
        column_labels = [" ".join(r[c].text for r in header_rows if c < len(r) and r[c].text) for c in range(width)]
        by_column = {} if stored is not None else self._column_tables(column_labels)
        if stored is None and not by_column:
            return TableCheck(block, None, None, why, lang=lang)
        names = sorted({t.meta.id for t in by_column.values()})
        out = TableCheck(block, stored.meta.id if stored else ", ".join(names),
                         stored.release.release if stored else None, "" if stored else because("table_by_column"),
                         lang=lang)
        context: dict[str, tuple[str | None, dict[str, str]]] = {}
        for r, row in enumerate(block.rows):
            if row in header_rows:
                continue
            stub = row[0].text if row else ""
            for c, cell in enumerate(row):
                table = stored or by_column.get(c)
                if table is None:
                    continue
                if table.meta.id not in context:
                    context[table.meta.id] = self._caption_context(table, block, lang)
                caption_period, caption_values = context[table.meta.id]
                stub_column = any(row and not NUMBER.match(row[0].text.strip()) for row in body) or all(
                    row and (not row[0].text.strip() or self._period_of(table, row[0].text, lang)) for row in body)
                text = cell.text.strip()
                if c == 0 and stub_column:
                    continue  # the stub: the row's label
                m = NUMBER.match(text)
                if not m or self._is_period_label(table, text, lang):
                    continue
                column = column_labels[c] if c < len(column_labels) else ""
                out.cells.append(self._cell(table, m, r, c, text, stub, column, caption_period, caption_values,
                                            lang, block.caption))
        return out

    def _caption_context(self, stored: StoredTable, block: Block, lang: str) -> tuple[str | None, dict[str, str]]:
        caption_period = self._period_of(stored, block.caption, lang)
        if caption_period is None:  # a period named once in the table (a value card's 2021) applies to all of it
            named = {self._period_of(stored, c.text, lang) for row in block.rows for c in row
                     if c.text and not NUMBER.match(c.text.strip()) or self._is_period_label(stored, c.text, lang)}
            named.discard(None)
            caption_period = named.pop() if len(named) == 1 else None
        return caption_period, self._values_of(stored, block.caption)

    def _measure_by_unit(self, stored: StoredTable, words: str) -> str | None:
        """The one measure (totals before averages) whose unit the caption or header gives (單位：萬人次, (uses))."""
        units = {re.sub(r"^(?:萬|億|千|百萬|thousands?|millions?|billions?)\s*", "", u.strip(), flags=re.IGNORECASE)
                 for u in re.findall(r"單位\s*[:：]\s*([^\s,，;；)）]+)", words) + UNIT_IN_LABEL.findall(words)}
        units.discard("")
        fits = [v for v in stored.meta.metric.values if v.measure is not None and
                (lb.zh_unit(v) in units or lb.en_unit(v).strip() in units)]
        totals = [v for v in fits if v.measure is not None and not v.measure.kind.is_average]
        chosen = totals if len(totals) == 1 else fits
        return chosen[0].code if len(chosen) == 1 else None

    def _cell(self, stored: StoredTable, m: re.Match[str], r: int, c: int, text: str, stub: str, column: str,
              caption_period: str | None, caption_values: dict[str, str], lang: str, caption: str) -> CellCheck:
        meta = stored.meta
        check = CellCheck(r, c, text, Status.UNVERIFIABLE, "", stub, column, lang=lang)
        period = self._period_of(stored, stub, lang) or self._period_of(stored, column, lang) or caption_period
        measure = self._measure_of(stored, column) or self._measure_of(stored, stub)
        if measure is None and len(meta.metric.values) == 1:
            measure = meta.metric.values[0].code
        if measure is None:
            measure = self._measure_by_unit(stored, f"{caption} {column} {stub}")
        if period is None:
            check.message = because("cell_no_period")
            return check
        if measure is None:
            check.message = because("cell_no_measure", stub=stub, column=column, table=meta.id)
            return check
        coords = {meta.time.code: period, meta.metric.code: measure}
        named = {**caption_values, **self._values_of(stored, column), **self._values_of(stored, stub)}
        for variable in meta.variables:
            if variable.role in (Role.TIME, Role.METRIC):
                continue
            code = named.get(variable.code)
            if code is None:
                if variable.aggregate is not None:
                    code = variable.aggregate.code
                elif len(variable.values) == 1:
                    code = variable.values[0].code
                elif variable.role is Role.GEO and variable.peers:
                    code = variable.peers[0].code
            if code is None:
                check.message = because("cell_no_variable", variable=variable.label.get(lang))
                return check
            coords[variable.code] = code
        check.coordinates = coords
        cell = stored.table.get(meta.key(coords))
        if cell.value is None:
            check.message = because("cell_no_value", table=meta.id, key=meta.describe_key(meta.key(coords)))
            return check
        written = Decimal(m["num"].replace(",", ""))
        decimals = len(m["num"].split(".", 1)[1]) if "." in m["num"] else 0
        scale = Decimal(1)
        unit = " ".join(UNIT_IN_LABEL.findall(column) + UNIT_IN_LABEL.findall(stub) +
                        re.findall(r"單位\s*[:：]\s*(\S+)", caption) + re.findall(r"(?i)units?\s*:\s*(\S+)", caption))
        if m["scale"]:
            scale = SCALES[m["scale"].lower()]
        else:
            for word, size in SCALES.items():
                if word in unit.lower():
                    scale = size
                    break
        if m["sign"]:
            written = -written
        value = written * scale
        precision = Decimal(1).scaleb(-decimals) * scale
        check.computed = cell.value
        measure_value = meta.metric.value(measure)
        expected_decimals = decimals
        shown = (cell.value / scale).quantize(Decimal(1).scaleb(-expected_decimals))
        check.expected = f"{shown:,}"
        if abs(cell.value - value) <= precision / 2:
            check.status = Status.CORRECT
            check.message = because("cell_agrees", table=meta.id, key=meta.describe_key(meta.key(coords)),
                                    value=cell.value)
        else:
            check.status = Status.WRONG
            unit_name = lb.zh_unit(measure_value) if lang == ZH else lb.en_unit(measure_value)
            scale_word = {Decimal(10) ** 4: "萬", Decimal(10) ** 8: "億", Decimal(10) ** 3: " thousand",
                          Decimal(10) ** 6: " million", Decimal(10) ** 9: " billion"}.get(scale, "")
            check.expected = f"{check.expected}{scale_word}"
            check.message = because("cell_wrong", stated=text, expected=check.expected, unit=unit_name,
                                    key=meta.describe_key(meta.key(coords)))
        return check
