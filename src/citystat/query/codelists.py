"""Codelists: alternative sets of values a client may apply to a variable, as PxWeb offers them.

citystat derives them from the table itself, so they can never disagree with the data:

- ``vs_<table>.<variable>``: a value set of every value of a classifying variable;
- ``vs_<table>.<variable>.parts``: the values without the total (the peers, e.g. the six municipalities);
- ``agg_<table>.<variable>.total``: an aggregation whose one value, the total, maps to the parts.

The time and metric variables have none.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from citystat.model import Note, Role, TableMeta, Text, Variable


class CodelistType(StrEnum):
    VALUESET = "Valueset"
    AGGREGATION = "Aggregation"


@dataclass(frozen=True)
class CodelistValue:
    code: str
    label: Text
    value_map: tuple[str, ...]
    notes: tuple[Note, ...] = ()


@dataclass(frozen=True)
class Codelist:
    id: str
    label: Text
    type: CodelistType
    table_id: str
    variable: str
    values: tuple[CodelistValue, ...]
    elimination: bool = False
    elimination_value: str | None = None


def _value(variable: Variable, code: str, value_map: tuple[str, ...] | None = None) -> CodelistValue:
    value = variable.value(code)
    return CodelistValue(code, value.label, value_map if value_map is not None else (code,), value.notes)


def codelists_of(meta: TableMeta) -> list[Codelist]:
    """Every codelist of a table, in variable order."""
    out: list[Codelist] = []
    for variable in meta.variables:
        if variable.role in (Role.TIME, Role.METRIC):
            continue
        base = f"{meta.id}.{variable.code}"
        total = variable.aggregate
        out.append(Codelist(
            f"vs_{base}",
            Text(f"{variable.label.zh}（全部）", f"{variable.label.en} (all values)"),
            CodelistType.VALUESET,
            meta.id,
            variable.code,
            tuple(_value(variable, code) for code in variable.codes),
            elimination=total is not None,
            elimination_value=total.code if total is not None else None,
        ))
        parts = tuple(v.code for v in variable.values if not v.is_aggregate)
        if total is None or not parts:
            continue
        out.append(Codelist(
            f"vs_{base}.parts",
            Text(f"{variable.label.zh}（不含{total.label.zh}）", f"{variable.label.en} (without {total.label.en})"),
            CodelistType.VALUESET,
            meta.id,
            variable.code,
            tuple(_value(variable, code) for code in parts),
        ))
        out.append(Codelist(
            f"agg_{base}.total",
            Text(total.label.zh, total.label.en),
            CodelistType.AGGREGATION,
            meta.id,
            variable.code,
            (_value(variable, total.code, parts),),
        ))
    return out


def table_of_codelist(codelist_id: str) -> str | None:
    """The table id a codelist id names (``vs_<table>.<variable>...``), or None if it is not of that form."""
    for prefix in ("vs_", "agg_"):
        if codelist_id.startswith(prefix) and "." in codelist_id:
            return codelist_id[len(prefix):].split(".", 1)[0]
    return None
