"""JSON-stat 2.0 datasets: citystat's canonical exchange format (https://json-stat.org/full/).

Standard members carry the data, roles, units, decimals, notes and status. What JSON-stat has no
member for (measuring type, cell notes, which notes are mandatory, the release) goes in ``extension``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from itertools import product
from typing import Any

from citystat.formats.display import value_label
from citystat.model import Note, Role, Table, TableMeta, normalise_language

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


def _mandatory(notes: Sequence[Note]) -> list[int]:
    return [i for i, n in enumerate(notes) if n.mandatory]


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
        extension["noteMandatory"] = mandatory
    if variable.role is Role.METRIC:
        category["unit"] = {}
        extension["measuringType"] = {}
        extension["measureKind"] = {}
        for v in values:
            assert v.measure is not None
            category["unit"][v.code] = {"label": v.measure.unit.get(lang), "decimals": v.measure.decimals}
            extension["measuringType"][v.code] = v.measure.kind.measuring_type
            extension["measureKind"][v.code] = v.measure.kind.value
    aggregates = [v.code for v in values if v.is_aggregate]
    if aggregates:
        extension["aggregates"] = aggregates
    dimension: dict[str, Any] = {"label": variable.label.get(lang), "category": category}
    if variable.notes:
        dimension["note"] = _notes(variable.notes, lang)
        extension["noteMandatoryDimension"] = _mandatory(variable.notes)
    if extension:
        dimension["extension"] = extension
    return dimension


def to_jsonstat(
    table: Table,
    *,
    lang: str,
    updated: datetime,
    release: int | None = None,
    selection: Mapping[str, Sequence[str]] | None = None,
    include_values: bool = True,
    extension: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A JSON-stat 2.0 dataset of a table, or of a selection {variable: [value codes]} of it.

    With include_values=False, ``value`` is empty: the metadata answer of PxWeb.
    """
    lang = normalise_language(lang)
    meta = table.meta
    chosen = {v.code: list(selection[v.code]) if selection and v.code in selection else list(v.codes)
              for v in meta.variables}
    ids = [v.code for v in meta.variables]
    roles: dict[str, list[str]] = {}
    for v in meta.variables:
        if v.role is not Role.CATEGORY:
            roles.setdefault(v.role.value, []).append(v.code)

    values: list[int | float | None] = []
    status: dict[str, str] = {}
    cell_notes: dict[str, list[str]] = {}
    if include_values:
        for index, key in enumerate(product(*(chosen[c] for c in ids))):
            cell = table.get(key)
            values.append(json_number(cell.value))
            if cell.status.value:
                status[str(index)] = cell.status.value
            notes = meta.notes_for_cell(key)
            if notes:
                cell_notes[str(index)] = [n.text.get(lang) for n in notes]

    dataset: dict[str, Any] = {
        "version": JSONSTAT_VERSION,
        "class": "dataset",
        "label": meta.title.get(lang),
        "source": "; ".join(s.name.get(lang) for s in meta.sources),
        "updated": iso_utc(updated),
        "id": ids,
        "size": [len(chosen[c]) for c in ids],
        "role": roles,
        "dimension": {c: _dimension(meta, c, lang, chosen[c]) for c in ids},
        "value": values,
    }
    if status:
        dataset["status"] = status
    if meta.notes:
        dataset["note"] = _notes(meta.notes, lang)
    ext: dict[str, Any] = {
        "table": meta.id,
        "subject": meta.subject,
        "language": lang,
    }
    if release is not None:
        ext["release"] = release
    if meta.description:
        ext["description"] = meta.description.get(lang)
    if meta.notes and _mandatory(meta.notes):
        ext["noteMandatory"] = _mandatory(meta.notes)
    if cell_notes:
        ext["cellNote"] = cell_notes
    if extension:
        ext.update(extension)
    dataset["extension"] = ext
    return dataset
