"""PC-Axis (PX) files: the format PxWeb and PX-Win read, with both languages in one file.

Written to the PX file format 2013 (AXIS-VERSION 2013), keywords in its recommended order:

- ``CHARSET="ANSI"`` and ``CODEPAGE="utf-8"``: the text is UTF-8;
- ``LANGUAGE`` is the language asked for, ``LANGUAGES`` lists both; every keyword with text is followed at
  once by its translation, ``KEYWORD[en]``. PX language codes are two letters: ``zh`` stands for zh-TW;
- ``STUB``/``HEADING``, ``VALUES``/``CODES`` per variable, ``TIMEVAL`` (TLIST(A1) or TLIST(M1)) for time;
- the metric variable is the ``CONTVARIABLE``: ``UNITS``, ``STOCKFA``, ``LAST-UPDATED`` and ``PRECISION``
  are given per content (measure);
- table, variable, value and cell notes (``NOTEX``/``NOTE``, ``VALUENOTEX``/``VALUENOTE``,
  ``CELLNOTEX``/``CELLNOTE``; the X forms are notes a reader must be shown), ``SOURCE``;
- ``DATA``: one line per stub combination, ``".."`` for a cell not available, ``"-"`` for nil; estimated,
  provisional and revised values carry their symbol in ``DATANOTECELL``.

PX strings cannot hold a double quote (it becomes ’) and break lines with ``#``.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime

from citystat.formats.display import value_label
from citystat.formats.pivot import table_title
from citystat.model import Frequency, Note, Period, Status, Table, Text, Variable
from citystat.model.text import EN, LANGUAGES, ZH, normalise_language

PX_LANGUAGE = {ZH: "zh", EN: "en"}
AXIS_VERSION = "2013"
TEXT_WIDTH = 200  # characters of one quoted piece; longer texts continue on the next line
STOCKFA = {"Stock": "S", "Flow": "F", "Average": "A"}
TLIST = {Frequency.YEAR: "A1", Frequency.MONTH: "M1"}


def px_string(text: str) -> str:
    """One quoted PX string; long ones split into pieces on several lines (PX joins them back)."""
    text = text.replace('"', "’").replace("\r\n", "#").replace("\n", "#").strip() or "-"
    pieces = []
    while len(text) > TEXT_WIDTH:
        cut = TEXT_WIDTH
        while cut > TEXT_WIDTH // 2 and (text[cut - 1] == " " or text[cut] == " "):
            cut -= 1
        pieces.append(text[:cut])
        text = text[cut:]
    pieces.append(text)
    return "\n".join(f'"{p}"' for p in pieces)


def px_list(items: Sequence[str]) -> str:
    """Quoted strings separated by commas, a new line after every few so no line grows too long."""
    lines: list[str] = []
    line: list[str] = []
    width = 0
    for item in items:
        quoted = px_string(item)
        if line and width + len(quoted) > TEXT_WIDTH:
            lines.append(",".join(line))
            line, width = [], 0
        line.append(quoted)
        width += len(quoted) + 1
    lines.append(",".join(line))
    return ",\n".join(lines)


def _px_time(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y%m%d %H:%M")


class _Writer:
    def __init__(self, languages: Sequence[str]):
        self.languages = list(languages)
        self.lines: list[str] = []

    def plain(self, keyword: str, value: str) -> None:
        self.lines.append(f"{keyword}={value};")

    def translated(
        self, keyword: str, value: Mapping[str, str], sub: Mapping[str, Sequence[str]] | None = None
    ) -> None:
        """The keyword in the main language, then at once in each other language (``KEYWORD[en]``).

        ``value`` and ``sub`` (the subkey: variable and value names) are given per language.
        """
        for i, lang in enumerate(self.languages):
            tag = "" if i == 0 else f"[{PX_LANGUAGE[lang]}]"
            key = f"{keyword}{tag}"
            if sub is not None:
                key += f"({','.join(px_string(s) for s in sub[lang])})"
            self.lines.append(f"{key}={value[lang]};")


def to_px(
    table: Table,
    selection: Mapping[str, Sequence[str]] | None = None,
    *,
    heading: Sequence[str],
    stub: Sequence[str],
    lang: str,
    updated: datetime,
    subject_name: Text | None = None,
) -> str:
    """A PX file of a selection {variable: [codes]} of a table, in ``lang`` and the other language."""
    return "".join(px_chunks(table, selection, heading=heading, stub=stub, lang=lang, updated=updated,
                             subject_name=subject_name))


def px_chunks(
    table: Table,
    selection: Mapping[str, Sequence[str]] | None = None,
    *,
    heading: Sequence[str],
    stub: Sequence[str],
    lang: str,
    updated: datetime,
    subject_name: Text | None = None,
    rows_per_chunk: int = 4096,
) -> Iterator[str]:
    """``to_px``'s text as a stream: the keywords, then the DATA lines a chunk of rows at a time."""
    lang = normalise_language(lang)
    meta = table.meta
    languages = [lang, *(other for other in LANGUAGES if other != lang)]
    chosen = {v.code: list(selection[v.code]) if selection and v.code in selection else list(v.codes)
              for v in meta.variables}
    stub_vars = [meta.variable(c) for c in stub]
    head_vars = [meta.variable(c) for c in heading]
    layout = [*stub_vars, *head_vars]
    positions = {v.code: i for i, v in enumerate(meta.variables)}
    metric = meta.metric
    measures = [metric.value(c) for c in chosen[metric.code]]
    decimals = [v.measure.decimals for v in measures if v.measure is not None]
    show_decimals = min(decimals) if decimals else 0

    def label(var: Variable, code: str, lg: str) -> str:
        return value_label(meta, var, var.value(code), lg)

    def text(words: Text) -> dict[str, str]:
        return {lg: px_string(words.get(lg)) for lg in languages}

    def same(value: str) -> dict[str, str]:
        return {lg: value for lg in languages}

    def names(*variables: Variable) -> dict[str, list[str]]:
        return {lg: [v.label.get(lg) for v in variables] for lg in languages}

    def value_names(var: Variable, code: str) -> dict[str, list[str]]:
        return {lg: [var.label.get(lg), label(var, code, lg)] for lg in languages}

    def content(code: str) -> dict[str, list[str]]:
        return {lg: [label(metric, code, lg)] for lg in languages}

    def cell(key: tuple[str, ...]) -> dict[str, list[str]]:
        return {lg: [label(v, key[positions[v.code]], lg) for v in layout] for lg in languages}

    w = _Writer(languages)
    w.plain("CHARSET", '"ANSI"')
    w.plain("AXIS-VERSION", f'"{AXIS_VERSION}"')
    w.plain("CODEPAGE", '"utf-8"')
    w.plain("LANGUAGE", px_string(PX_LANGUAGE[lang]))
    w.plain("LANGUAGES", px_list([PX_LANGUAGE[lg] for lg in languages]))
    w.plain("CREATION-DATE", px_string(_px_time(updated)))
    w.plain("TABLEID", px_string(meta.id))
    w.plain("DECIMALS", str(max(decimals) if decimals else 0))
    w.plain("SHOWDECIMALS", str(show_decimals))
    w.plain("MATRIX", px_string(meta.id))
    w.plain("AGGREGALLOWED", "NO")
    w.plain("SUBJECT-CODE", px_string(meta.subject))
    w.translated("SUBJECT-AREA", text(subject_name or Text(meta.subject, meta.subject)))
    if meta.description is not None:
        w.translated("DESCRIPTION", text(meta.description))
    w.translated("TITLE", {lg: px_string(table_title(meta, lg, layout)) for lg in languages})
    w.translated("CONTENTS", text(meta.title))
    units = {lg: list(dict.fromkeys(v.measure.unit.get(lg) for v in measures if v.measure is not None))
             for lg in languages}
    w.translated("UNITS", {lg: px_string(", ".join(units[lg]) or "-") for lg in languages})
    for keyword, placed in (("STUB", stub_vars), ("HEADING", head_vars)):
        if placed:
            listed = names(*placed)
            w.translated(keyword, {lg: px_list(listed[lg]) for lg in languages})
    w.translated("CONTVARIABLE", text(metric.label))
    for var in layout:
        w.translated("VALUES", {lg: px_list([label(var, c, lg) for c in chosen[var.code]]) for lg in languages},
                     names(var))
    time = meta.time
    frequencies = {Period.parse(c).frequency for c in chosen[time.code]}
    if len(frequencies) == 1 and (tlist := TLIST.get(frequencies.pop())) is not None:
        w.translated("TIMEVAL", same(f"TLIST({tlist})," + px_list(chosen[time.code])), names(time))
    for var in layout:
        w.translated("CODES", same(px_list(chosen[var.code])), names(var))
    for var in layout:
        total = var.aggregate
        if total is not None and total.code in chosen[var.code]:
            w.translated("ELIMINATION", {lg: px_string(label(var, total.code, lg)) for lg in languages}, names(var))
    for value in measures:
        measure = value.measure
        if measure is None:
            continue
        if measure.decimals != show_decimals:
            w.translated("PRECISION", same(str(measure.decimals)), value_names(metric, value.code))
        w.translated("LAST-UPDATED", same(px_string(_px_time(updated))), content(value.code))
        if measure.kind.measuring_type in STOCKFA:
            w.translated("STOCKFA", same(px_string(STOCKFA[measure.kind.measuring_type])), content(value.code))
        w.translated("UNITS", text(measure.unit), content(value.code))
    w.translated("SOURCE", {lg: px_string("; ".join(s.name.get(lg) for s in meta.sources)) for lg in languages})
    w.plain("OFFICIAL-STATISTICS", "YES")
    _notes(w, "NOTE", meta.notes)
    for var in layout:
        _notes(w, "NOTE", var.notes, names(var))
    for var in layout:
        for value in var.values:
            if value.code in chosen[var.code]:
                _notes(w, "VALUENOTE", value.notes, value_names(var, value.code))
    for cell_note in meta.cell_notes:
        if all(cell_note.key[positions[v.code]] in chosen[v.code] for v in layout):
            _notes(w, "CELLNOTE", (Note(cell_note.text, cell_note.mandatory),), cell(cell_note.key))
    w.plain("DATASYMBOL2", px_string(Status.NOT_AVAILABLE.value))
    w.plain("DATASYMBOLNIL", px_string(Status.NIL.value))
    order = [positions[v.code] for v in layout]
    rows = list(itertools.product(*(chosen[v.code] for v in stub_vars)))
    columns = list(itertools.product(*(chosen[v.code] for v in head_vars)))
    width = len(meta.variables)

    def keys(row: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
        for column in columns:
            key_list = [""] * width
            for slot, code in zip(order, (*row, *column), strict=True):
                key_list[slot] = code
            yield tuple(key_list)

    # The symbols of estimated, provisional and revised values are keywords before DATA: a first pass finds them.
    for row in rows:
        for key in keys(row):
            found = table.get(key)
            if found.value is not None and found.status.value:
                w.translated("DATANOTECELL", same(px_string(found.status.value)), cell(key))
    yield "\n".join([*w.lines, "DATA="]) + "\n"
    chunk: list[str] = []
    last = len(rows) - 1
    for number, row in enumerate(rows):
        fields = []
        for key in keys(row):
            found = table.get(key)
            if found.value is None:
                fields.append(f'"{found.status.value or Status.NOT_AVAILABLE.value}"')
            else:
                fields.append(format(found.value, "f"))
        chunk.append(" ".join(fields) + ";\n" if number == last else " ".join(fields) + " \n")
        if len(chunk) == rows_per_chunk:
            yield "".join(chunk)
            chunk = []
    if chunk:
        yield "".join(chunk)


def _notes(w: _Writer, keyword: str, notes: Sequence[Note], sub: Mapping[str, Sequence[str]] | None = None) -> None:
    """Mandatory notes under KEYWORDX, the others under KEYWORD; several notes join with PX's line break #."""
    for mandatory, name in ((True, f"{keyword}X"), (False, keyword)):
        group = [n for n in notes if n.mandatory is mandatory]
        if group:
            w.translated(name, {lg: px_string("#".join(n.text.get(lg) for n in group)) for lg in w.languages}, sub)

