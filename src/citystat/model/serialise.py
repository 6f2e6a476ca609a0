"""Table metadata to and from plain mappings (the shape of the catalog's YAML files, declared in
``table_schema``).

Parsing collects every problem with the path where it occurred, rather than stopping at the first.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from citystat import limits as input_limits
from citystat.limits import Limits
from citystat.model.identifiers import table_id_problem
from citystat.model.measure import Measure
from citystat.model.problems import InvalidInput, Problem
from citystat.model.schema import LineOf, kind_of, validate
from citystat.model.table import Note, TableMeta
from citystat.model.table_schema import TABLE_FILE, TableFile


def _notes_to_list(notes: tuple[Note, ...]) -> list[dict[str, Any]]:
    return [{"text": n.text.to_dict(), "mandatory": n.mandatory} for n in notes]


def _measure_to_dict(measure: Measure) -> dict[str, Any]:
    out: dict[str, Any] = {
        "unit": measure.unit.to_dict(),
        "decimals": measure.decimals,
        "kind": measure.kind.value,
    }
    if measure.average_of:
        out["average_of"] = measure.average_of
    if measure.share_of:
        out["share_of"] = measure.share_of
    if measure.ranked_among:
        out["ranked_among"] = measure.ranked_among
    if measure.service_from:
        out["service_from"] = measure.service_from.code
    return out


def meta_to_dict(meta: TableMeta) -> dict[str, Any]:
    """A canonical mapping: meta_from_dict(meta_to_dict(m)) == m."""
    variables = []
    for var in meta.variables:
        values = []
        for val in var.values:
            item: dict[str, Any] = {"code": val.code, "label": val.label.to_dict()}
            if val.notes:
                item["notes"] = _notes_to_list(val.notes)
            if val.is_aggregate:
                item["aggregate"] = True
            if val.highlight:
                item["highlight"] = True
            if val.measure:
                item.update(_measure_to_dict(val.measure))
            values.append(item)
        entry: dict[str, Any] = {
            "code": var.code,
            "role": var.role.value,
            "label": var.label.to_dict(),
            "values": values,
        }
        if var.notes:
            entry["notes"] = _notes_to_list(var.notes)
        if var.peer_group:
            entry["peer_group"] = var.peer_group.to_dict()
        variables.append(entry)
    cell_notes = []
    for cn in meta.cell_notes:
        item = {
            "cell": dict(zip((v.code for v in meta.variables), cn.key)),
            "text": cn.text.to_dict(),
            "mandatory": cn.mandatory,
        }
        if cn.derivation:
            item["derivation"] = {
                "from": dict(cn.derivation.source),
                "op": cn.derivation.op.value,
                "by": str(cn.derivation.operand),
            }
        cell_notes.append(item)
    out: dict[str, Any] = {
        "id": meta.id,
        "subject": meta.subject,
        "title": meta.title.to_dict(),
        "sources": [{"name": s.name.to_dict(), **({"url": s.url} if s.url else {})} for s in meta.sources],
        "notes": _notes_to_list(meta.notes),
        "variables": variables,
        "cell_notes": cell_notes,
        "aliases": list(meta.aliases),
        "discontinued": meta.discontinued,
    }
    if meta.description:
        out["description"] = meta.description.to_dict()
    return out


def _string_problem(text: str, limits: Limits) -> str | None:
    if len(text) > limits.field_chars:
        return f"a text of {len(text):,} characters is longer than allowed; {limits.describe('field_chars')}"
    if "\x00" in text:
        return "a text holds the NUL character"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return (f"a text holds {text[exc.start:exc.end]!r} at character {exc.start}, a lone surrogate that no "
                "UTF-8 text can hold")
    return None


def tree_problems(raw: Any, limits: Limits, *, file: str | None = None) -> Iterator[Problem]:
    """Bounds on a mapping before it is read as metadata: nesting depth, node count, every string.

    Walks without recursion, counting a shared object each time it is reached (as an alias expands), and
    stops at the first bound exceeded, so a hostile structure costs no more than the limits allow.
    """
    stack: list[tuple[Any, int, str]] = [(raw, 1, "")]
    nodes = 0
    bad_strings = 0
    while stack:
        item, depth, path = stack.pop()
        nodes += 1
        if nodes > limits.yaml_nodes:
            yield Problem("limit_exceeded", f"the metadata has more than {limits.yaml_nodes:,} values; "
                          f"{limits.describe('yaml_nodes')}", file=file)
            return
        if isinstance(item, str):
            problem = _string_problem(item, limits)
            if problem:
                bad_strings += 1
                yield Problem("bad_text", f"{path or 'metadata'}: {problem}", file=file)
                if bad_strings >= limits.problems_shown:
                    return
            continue
        if isinstance(item, (Mapping, list)):
            if depth > limits.yaml_depth:
                yield Problem("limit_exceeded", f"{path}: the metadata nests deeper than {limits.yaml_depth} levels; "
                              f"{limits.describe('yaml_depth')}", file=file)
                return
            if isinstance(item, Mapping):
                for key, value in item.items():
                    key_path = f"{path}.{key}" if path else str(key)[:80]
                    if isinstance(key, str):
                        stack.append((key, depth + 1, key_path))
                    stack.append((value, depth + 1, key_path))
            else:
                stack.extend((value, depth + 1, f"{path}[{i}]") for i, value in enumerate(item))


def meta_from_dict(raw: Any, *, file: str | None = None, limits: Limits | None = None,
                   line: LineOf | None = None) -> TableMeta:
    """Parse and check table metadata; raises InvalidInput listing every problem.

    The mapping is bounded first (``tree_problems``), then read against the table file's schema
    (``table_schema``): the table id's pattern, text fields that are strings, codes, one frequency of time
    values, the cells declared. ``line`` gives the line of a field in the file, for the problems.
    """
    limits = limits or input_limits.current()
    if not isinstance(raw, Mapping):
        raise InvalidInput([Problem("bad_metadata", "table metadata must be a mapping", file=file,
                                    expected="a mapping", found=kind_of(raw))])
    bounded = list(tree_problems(raw, limits, file=file))
    if bounded:
        raise InvalidInput(bounded)
    table_id = raw.get("id")
    return validate(TABLE_FILE, TableFile, raw, file=file, line=line, context={"limits": limits},
                    table=table_id if isinstance(table_id, str) and table_id_problem(table_id) is None else None,
                    prunable=("variables",))
