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
from collections.abc import Callable, Mapping, Sequence
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
    lines, line, width = [], [], 0
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

    def plain(self, keyword: str, value: str, sub: Sequence[str] | None = None) -> None:
        key = keyword if sub is None else f"{keyword}({','.join(px_string(s) for s in sub)})"
        self.lines.append(f"{key}={value};")

    def translated(
        self, keyword: str, value: Callable[[str], str], sub: Callable[[str], Sequence[str]] | None = None
    ) -> None:
        """The keyword in the main language, then at once in each other language (``KEYWORD[en]``)."""
        for i, lang in enumerate(self.languages):
            tag = "" if i == 0 else f"[{PX_LANGUAGE[lang]}]"
            key = f"{keyword}{tag}"
            if sub is not None:
                key += f"({','.join(px_string(s) for s in sub(lang))})"
            self.lines.append(f"{key}={value(lang)};")


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
    lang = normalise_language(lang)
    meta = table.meta
    languages = [lang, *(other for other in LANGUAGES if other != lang)]
    chosen = {v.code: list(selection[v.code]) if selection and v.code in selection else list(v.codes)
              for v in meta.variables}
    stub_vars = [meta.variable(c) for c in stub]
    head_vars = [meta.variable(c) for c in heading]
    layout = [*stub_vars, *head_vars]
    metric = meta.metric
    measures = [metric.value(c) for c in chosen[metric.code]]
    decimals = [v.measure.decimals for v in measures if v.measure is not None]
    show_decimals = min(decimals) if decimals else 0

    def label(var: Variable, code: str, lg: str) -> str:
        return value_label(meta, var, var.value(code), lg)

    def values(var: Variable, lg: str) -> list[str]:
        return [label(var, code, lg) for code in chosen[var.code]]

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
    topic = subject_name or Text(meta.subject, meta.subject)
    w.translated("SUBJECT-AREA", lambda lg: px_string(topic.get(lg)))
    description = meta.description
    if description is not None:
        w.translated("DESCRIPTION", lambda lg: px_string(description.get(lg)))
    w.translated("TITLE", lambda lg: px_string(table_title(meta, lg, layout)))
    w.translated("CONTENTS", lambda lg: px_string(meta.title.get(lg)))

    def common_units(lg: str) -> str:
        units = list(dict.fromkeys(v.measure.unit.get(lg) for v in measures if v.measure is not None))
        return px_string(", ".join(units) or "-")

    w.translated("UNITS", common_units)
    if stub_vars:
        w.translated("STUB", lambda lg: px_list([v.label.get(lg) for v in stub_vars]))
    if head_vars:
        w.translated("HEADING", lambda lg: px_list([v.label.get(lg) for v in head_vars]))
    w.translated("CONTVARIABLE", lambda lg: px_string(metric.label.get(lg)))
    for var in layout:
        w.translated("VALUES", lambda lg, var=var: px_list(values(var, lg)), lambda lg, var=var: [var.label.get(lg)])
    time = meta.time
    frequencies = {Period.parse(c).frequency for c in chosen[time.code]}
    if len(frequencies) == 1 and (tlist := TLIST.get(frequencies.pop())) is not None:
        w.translated("TIMEVAL", lambda lg: f"TLIST({tlist})," + px_list(chosen[time.code]),
                     lambda lg: [time.label.get(lg)])
    for var in layout:
        w.translated("CODES", lambda lg, var=var: px_list(chosen[var.code]), lambda lg, var=var: [var.label.get(lg)])
    for var in layout:
        total = var.aggregate
        if total is not None and total.code in chosen[var.code]:
            w.translated("ELIMINATION", lambda lg, var=var, code=total.code: px_string(label(var, code, lg)),
                         lambda lg, var=var: [var.label.get(lg)])
    for value in measures:
        measure = value.measure
        if measure is None:
            continue

        def content(lg: str, code: str = value.code) -> list[str]:
            return [label(metric, code, lg)]

        if measure.decimals != show_decimals:
            w.translated("PRECISION", lambda lg, d=measure.decimals: str(d),
                         lambda lg, code=value.code: [metric.label.get(lg), label(metric, code, lg)])
        w.translated("LAST-UPDATED", lambda lg: px_string(_px_time(updated)), content)
        if measure.kind.measuring_type in STOCKFA:
            w.translated("STOCKFA", lambda lg, m=measure: px_string(STOCKFA[m.kind.measuring_type]), content)
        w.translated("UNITS", lambda lg, m=measure: px_string(m.unit.get(lg)), content)
    w.translated("SOURCE", lambda lg: px_string("; ".join(s.name.get(lg) for s in meta.sources)))
    w.plain("OFFICIAL-STATISTICS", "YES")
    _notes(w, "NOTE", meta.notes)
    for var in layout:
        _notes(w, "NOTE", var.notes, lambda lg, var=var: [var.label.get(lg)])
    for var in layout:
        for value in var.values:
            if value.code in chosen[var.code]:
                _notes(w, "VALUENOTE", value.notes,
                       lambda lg, var=var, code=value.code: [var.label.get(lg), label(var, code, lg)])
    positions = {v.code: i for i, v in enumerate(meta.variables)}
    for cell_note in meta.cell_notes:
        if all(cell_note.key[positions[v.code]] in chosen[v.code] for v in layout):
            _notes(w, "CELLNOTE", (Note(cell_note.text, cell_note.mandatory),),
                   lambda lg, key=cell_note.key: [label(v, key[positions[v.code]], lg) for v in layout])
    w.plain("DATASYMBOL2", px_string(Status.NOT_AVAILABLE.value))
    w.plain("DATASYMBOLNIL", px_string(Status.NIL.value))
    order = [positions[v.code] for v in layout]
    rows = list(itertools.product(*(chosen[v.code] for v in stub_vars)))
    columns = list(itertools.product(*(chosen[v.code] for v in head_vars)))
    data_lines = []
    for row in rows:
        fields = []
        for column in columns:
            key_list = [""] * len(meta.variables)
            for slot, code in zip(order, (*row, *column), strict=False):
                key_list[slot] = code
            key = tuple(key_list)
            cell = table.get(key)
            if cell.value is None:
                fields.append(f'"{cell.status.value or Status.NOT_AVAILABLE.value}"')
                continue
            fields.append(format(cell.value, "f"))
            if cell.status.value:
                w.translated("DATANOTECELL", lambda lg, s=cell.status.value: px_string(s),
                             lambda lg, key=key: [label(v, key[positions[v.code]], lg) for v in layout])
        data_lines.append(" ".join(fields) + " ")
    lines = [*w.lines, "DATA=", *data_lines]
    lines[-1] = lines[-1].rstrip() + ";"
    return "\n".join(lines) + "\n"


def _notes(
    w: _Writer, keyword: str, notes: Sequence[Note], sub: Callable[[str], Sequence[str]] | None = None
) -> None:
    """Mandatory notes under KEYWORDX, the others under KEYWORD; several notes join with PX's line break #."""
    for mandatory, name in ((True, f"{keyword}X"), (False, keyword)):
        group = [n for n in notes if n.mandatory is mandatory]
        if group:
            w.translated(name, lambda lg, group=group: px_string("#".join(n.text.get(lg) for n in group)), sub)

