"""JSON-stat 2.0 datasets: citystat's canonical exchange format (https://json-stat.org/full/).

Standard members carry the data, roles, units, decimals, notes and status. What JSON-stat has no
member for (measuring type, cell notes, which notes are mandatory, the release) goes in ``extension``,
in the shapes PxWeb API 2.0 uses (``noteMandatory`` {index: true}, ``categoryNoteMandatory``,
``measuringType``, ``extension.px`` with heading and stub).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from itertools import product
from typing import Any

from citystat.formats.display import value_label
from citystat.model import Note, Role, Status, Table, TableMeta, normalise_language

JSONSTAT_VERSION = "2.0"


def json_number(value: Decimal | None) -> int | float | None:
    """A JSON number for a decimal: whole numbers stay integers; others take the shortest float form."""
    if value is None:
        return None
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def iso_utc(moment: datetime) -> str:
    """``2021-12-31T16:00:00Z``: JSON-stat's and PxWeb's form of a moment."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _notes(notes: Sequence[Note], lang: str) -> list[str]:
    return [n.text.get(lang) for n in notes]


def _mandatory(notes: Sequence[Note]) -> dict[str, bool]:
    """PxWeb's noteMandatory: {index of the note: true} for every note a reader must be shown."""
    return {str(i): True for i, n in enumerate(notes) if n.mandatory}


def _dimension(meta: TableMeta, code: str, lang: str, selection: Sequence[str]) -> dict[str, Any]:
    variable = meta.variable(code)
    values = [variable.value(c) for c in selection]
    category: dict[str, Any] = {
        "index": {v.code: i for i, v in enumerate(values)},
        "label": {v.code: value_label(meta, variable, v, lang) for v in values},
    }
    notes = {v.code: _notes(v.notes, lang) for v in values if v.notes}
    if notes:
        category["note"] = notes
    extension: dict[str, Any] = {}
    mandatory = {v.code: _mandatory(v.notes) for v in values if _mandatory(v.notes)}
    if mandatory:
        extension["categoryNoteMandatory"] = mandatory
    if variable.role is Role.METRIC:
        category["unit"] = {}
        extension["measuringType"] = {}
        extension["measureKind"] = {}
        for v in values:
            assert v.measure is not None
            unit = v.measure.unit.get(lang)
            category["unit"][v.code] = {"label": unit, "base": unit, "decimals": v.measure.decimals}
            extension["measuringType"][v.code] = v.measure.kind.measuring_type
            extension["measureKind"][v.code] = v.measure.kind.value
    aggregates = [v.code for v in values if v.is_aggregate]
    if aggregates:
        extension["aggregates"] = aggregates
    dimension: dict[str, Any] = {"label": variable.label.get(lang), "category": category}
    if variable.notes:
        dimension["note"] = _notes(variable.notes, lang)
        if _mandatory(variable.notes):
            extension["noteMandatory"] = _mandatory(variable.notes)
    if extension:
        dimension["extension"] = extension
    return dimension


def placement(
    meta: TableMeta, heading: Sequence[str] | None = None, stub: Sequence[str] | None = None
) -> tuple[list[str], list[str]]:
    """(heading, stub) as given, or the published layout: measures across, every other variable down."""
    if heading is None and stub is None:
        return [meta.metric.code], [v.code for v in meta.variables if v.role is not Role.METRIC]
    head = list(heading or ())
    side = list(stub or ())
    side += [v.code for v in meta.variables if v.code not in head and v.code not in side]
    return head, side


def px_extension(meta: TableMeta, lang: str, heading: Sequence[str], stub: Sequence[str]) -> dict[str, Any]:
    """The ``extension.px`` member of PxWeb: PX keywords of the table (contents, matrix, heading, stub ...)."""
    decimals = [m.decimals for m in meta.measures.values()]
    out: dict[str, Any] = {
        "tableid": meta.id,
        "decimals": max(decimals) if decimals else 0,
        "official-statistics": True,
        "aggregallowed": False,
        "language": lang,
        "contents": meta.title.get(lang),
        "descriptiondefault": False,
        "matrix": meta.id,
        "subject-code": meta.subject,
        "heading": list(heading),
        "stub": list(stub),
    }
    if meta.description:
        out["description"] = meta.description.get(lang)
    return out


def status_legend(symbols: Sequence[str], lang: str) -> dict[str, str]:
    """What each status symbol used means, in a language."""
    return {s.value: s.description.get(lang) for s in Status if s.value and s.value in symbols}


def to_jsonstat(
    table: Table,
    *,
    lang: str,
    updated: datetime,
    release: int | None = None,
    selection: Mapping[str, Sequence[str]] | None = None,
    include_values: bool = True,
    extension: Mapping[str, Any] | None = None,
    heading: Sequence[str] | None = None,
    stub: Sequence[str] | None = None,
    dimension_extension: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """A JSON-stat 2.0 dataset of a table, or of a selection {variable: [value codes]} of it.

    With include_values=False, ``value`` is empty: the metadata answer of PxWeb. With ``heading`` or
    ``stub`` (PxWeb's placement) the dimensions are ordered stub first, then heading; otherwise they keep
    the table's order. ``dimension_extension`` adds members to a dimension's ``extension`` (elimination,
    codelists); ``extension`` adds members to the dataset's (a ``px`` mapping is merged into ``extension.px``).
    """
    parts = _Parts(table, lang, updated, release, selection, extension, heading, stub, dimension_extension)
    values = list(parts.values()) if include_values else []
    return {**parts.head(), "value": values, **parts.tail()}


def jsonstat_chunks(
    table: Table,
    *,
    lang: str,
    updated: datetime,
    release: int | None = None,
    selection: Mapping[str, Sequence[str]] | None = None,
    extension: Mapping[str, Any] | None = None,
    heading: Sequence[str] | None = None,
    stub: Sequence[str] | None = None,
    dimension_extension: Mapping[str, Mapping[str, Any]] | None = None,
    cells_per_chunk: int = 65_536,
) -> Iterator[bytes]:
    """The compact JSON text of ``to_jsonstat``'s dataset, byte for byte, as a stream of UTF-8 chunks.

    The dimensions go first, then the values a chunk at a time; status, cell notes and the extension, which
    depend on every cell, close the document.
    """
    parts = _Parts(table, lang, updated, release, selection, extension, heading, stub, dimension_extension)
    yield ("{" + _members(parts.head()) + ',"value":[').encode()
    chunk: list[int | float | None] = []
    first = True
    for value in parts.values():
        chunk.append(value)
        if len(chunk) == cells_per_chunk:
            yield (("" if first else ",") + _dumps(chunk)[1:-1]).encode()
            chunk, first = [], False
    if chunk:
        yield (("" if first else ",") + _dumps(chunk)[1:-1]).encode()
    yield ("]," + _members(parts.tail()) + "}").encode()


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _members(members: Mapping[str, Any]) -> str:
    """The members of a JSON object without its braces, as json.dumps writes them."""
    return ",".join(_dumps(name) + ":" + _dumps(member) for name, member in members.items())


class _Parts:
    """A dataset in the order it is written: the members before ``value``, the values, the members after."""

    def __init__(
        self,
        table: Table,
        lang: str,
        updated: datetime,
        release: int | None,
        selection: Mapping[str, Sequence[str]] | None,
        extension: Mapping[str, Any] | None,
        heading: Sequence[str] | None,
        stub: Sequence[str] | None,
        dimension_extension: Mapping[str, Mapping[str, Any]] | None,
    ):
        self.table = table
        self.lang = lang = normalise_language(lang)
        self.meta = meta = table.meta
        self.updated, self.release, self.extension = updated, release, extension
        self.dimension_extension = dimension_extension
        self.chosen = {v.code: list(selection[v.code]) if selection and v.code in selection else list(v.codes)
                       for v in meta.variables}
        self.head_codes, self.side_codes = placement(meta, heading, stub)
        self.ids = [v.code for v in meta.variables] if heading is None and stub is None else [
            *self.side_codes, *self.head_codes]
        self.status: dict[str, str] = {}
        self.cell_notes: dict[str, list[str]] = {}

    def head(self) -> dict[str, Any]:
        meta, lang, chosen, ids = self.meta, self.lang, self.chosen, self.ids
        roles: dict[str, list[str]] = {}
        for v in meta.variables:
            if v.role is not Role.CATEGORY:
                roles.setdefault(v.role.value, []).append(v.code)
        dimensions = {c: _dimension(meta, c, lang, chosen[c]) for c in ids}
        for code, members in (self.dimension_extension or {}).items():
            if code in dimensions and members:
                dimensions[code].setdefault("extension", {}).update(members)
        return {
            "version": JSONSTAT_VERSION,
            "class": "dataset",
            "label": meta.title.get(lang),
            "source": "; ".join(s.name.get(lang) for s in meta.sources),
            "updated": iso_utc(self.updated),
            "id": ids,
            "size": [len(chosen[c]) for c in ids],
            "role": roles,
            "dimension": dimensions,
        }

    def values(self) -> Iterator[int | float | None]:
        """Every value in the dataset's order; the statuses and cell notes met are kept for ``tail``."""
        meta, ids, status, cell_notes = self.meta, self.ids, self.status, self.cell_notes
        positions = [ids.index(v.code) for v in meta.variables]
        in_table_order = positions == list(range(len(positions)))
        notes_by_key: dict[tuple[str, ...], list[str]] = {}
        for note in meta.cell_notes:
            notes_by_key.setdefault(note.key, []).append(note.text.get(self.lang))
        cells = self.table.cells
        not_available = Status.NOT_AVAILABLE.value
        for index, combo in enumerate(product(*(self.chosen[c] for c in ids))):
            key = combo if in_table_order else tuple(combo[p] for p in positions)
            cell = cells.get(key)
            if cell is None:
                status[str(index)] = not_available
                yield None
                continue
            if cell.status.value:
                status[str(index)] = cell.status.value
            if key in notes_by_key:
                cell_notes[str(index)] = notes_by_key[key]
            yield json_number(cell.value)

    def tail(self) -> dict[str, Any]:
        meta, lang, status, cell_notes = self.meta, self.lang, self.status, self.cell_notes
        members: dict[str, Any] = {}
        if status:
            members["status"] = status
        if meta.notes:
            members["note"] = _notes(meta.notes, lang)
        ext: dict[str, Any] = {
            "table": meta.id,
            "subject": meta.subject,
            "language": lang,
        }
        if self.release is not None:
            ext["release"] = self.release
        if meta.description:
            ext["description"] = meta.description.get(lang)
        if meta.notes and _mandatory(meta.notes):
            ext["noteMandatory"] = _mandatory(meta.notes)
        if cell_notes:
            ext["cellNote"] = cell_notes
        if status:
            ext["statusLabel"] = status_legend(sorted(set(status.values())), lang)
        ext["discontinued"] = meta.discontinued
        ext["px"] = px_extension(meta, lang, self.head_codes, self.side_codes)
        for name, member in (self.extension or {}).items():
            if name == "px" and isinstance(member, Mapping):
                ext["px"].update(member)
            else:
                ext[name] = member
        members["extension"] = ext
        return members
