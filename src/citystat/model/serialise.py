"""Table metadata to and from plain mappings (the shape of the catalog's YAML files).

Parsing collects every problem with the path where it occurred, rather than stopping at the first.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal, InvalidOperation
from math import prod
from typing import Any

from citystat import limits as input_limits
from citystat.limits import Limits
from citystat.model.identifiers import RESERVED_COLUMNS, table_id_problem
from citystat.model.measure import Measure, MeasureKind
from citystat.model.period import Period
from citystat.model.problems import InvalidInput, Problem
from citystat.model.table import (
    CellNote,
    Derivation,
    DerivationOp,
    Note,
    Role,
    Source,
    TableMeta,
    Value,
    Variable,
)
from citystat.model.text import Text


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


class _Parser:
    def __init__(self, table_id: str | None, file: str | None):
        self.problems: list[Problem] = []
        self.table_id = table_id
        self.file = file

    def problem(self, code: str, path: str, message: str) -> None:
        self.problems.append(
            Problem(code, f"{path}: {message}" if path else message, table=self.table_id, file=self.file)
        )

    def field(self, raw: Mapping[str, Any], name: str, path: str, required: bool = True) -> Any:
        if name in raw and raw[name] is not None:
            return raw[name]
        if required:
            self.problem("missing_field", path, f"the field {name!r} is required")
        return None

    def text(self, raw: Any, path: str) -> Text | None:
        if raw is None:
            return None
        try:
            text = Text.of(raw)
        except (TypeError, ValueError) as exc:
            self.problem("bad_text", path, str(exc))
            return None
        if isinstance(raw, Mapping) and not (text.zh and text.en):
            self.problem("missing_language", path, "bilingual text needs both 'zh-TW' and 'en'")
        return text

    def code(self, raw: Any, path: str) -> str | None:
        """A code: a string (or a number, as YAML reads 2021), non-empty, without spaces at its ends."""
        if raw is None:
            return None
        if isinstance(raw, bool) or not isinstance(raw, (str, int)):
            self.problem("bad_code", path, f"a code must be a string, got {type(raw).__name__}")
            return None
        code = str(raw)
        if not code or code != code.strip() or any(ord(ch) < 32 or ord(ch) == 127 for ch in code):
            self.problem("bad_code", path, f"the code {code[:80]!r} is empty, has spaces at its ends or holds "
                         "control characters")
            return None
        return code

    def items(self, raw: Any, path: str, code: str) -> list[Any]:
        """A list of the metadata; anything else is a problem (a string would be read letter by letter)."""
        if raw is None:
            return []
        if not isinstance(raw, list):
            self.problem(code, path, f"{path.rpartition('.')[2]} must be a list")
            return []
        return raw

    def notes(self, raw: Any, path: str) -> tuple[Note, ...]:
        notes = []
        for i, item in enumerate(self.items(raw, path, "bad_notes")):
            p = f"{path}[{i}]"
            if isinstance(item, Mapping) and "text" in item:
                text = self.text(item["text"], f"{p}.text")
                mandatory = bool(item.get("mandatory", False))
            else:
                text, mandatory = self.text(item, p), False
            if text:
                notes.append(Note(text, mandatory))
        return tuple(notes)

    def measure(self, raw: Mapping[str, Any], path: str) -> Measure | None:
        unit = self.text(self.field(raw, "unit", path), f"{path}.unit")
        decimals = self.field(raw, "decimals", path)
        kind_raw = self.field(raw, "kind", path)
        kind = None
        if kind_raw is not None:
            try:
                kind = MeasureKind(kind_raw)
            except ValueError:
                allowed = ", ".join(k.value for k in MeasureKind)
                self.problem("bad_measure_kind", f"{path}.kind", f"unknown kind {kind_raw!r}; use one of {allowed}")
        service_from = None
        if raw.get("service_from") is not None:
            try:
                service_from = Period.parse(str(raw["service_from"]))
            except ValueError as exc:
                self.problem("bad_period", f"{path}.service_from", str(exc))
        if unit is None or kind is None or decimals is None:
            return None
        if isinstance(decimals, bool) or not isinstance(decimals, int):  # YAML reads yes/true as a bool, an int
            self.problem("bad_decimals", f"{path}.decimals", f"decimals must be a whole number, got {decimals!r}")
            return None
        try:
            return Measure(
                unit=unit,
                decimals=decimals,
                kind=kind,
                average_of=raw.get("average_of"),
                share_of=raw.get("share_of"),
                service_from=service_from,
                ranked_among=raw.get("ranked_among"),
            )
        except ValueError as exc:
            self.problem("bad_measure", path, str(exc))
            return None

    def value(self, raw: Any, path: str, role: Role | None) -> Value | None:
        if not isinstance(raw, Mapping):
            raw = {"code": raw}
        code = self.code(self.field(raw, "code", path), f"{path}.code")
        if code is None:
            return None
        label = None
        if role is Role.TIME:
            try:
                period = Period.parse(code)
                label = Text(period.label("zh-TW"), period.label("en"))
            except ValueError as exc:
                self.problem("bad_period", f"{path}.code", str(exc))
                return None
        if "label" in raw or label is None:
            label = self.text(self.field(raw, "label", path), f"{path}.label")
        measure = self.measure(raw, path) if role is Role.METRIC else None
        if label is None:
            return None
        notes = self.notes(raw.get("notes"), f"{path}.notes")
        flags = {}
        for flag in ("aggregate", "highlight"):
            given = raw.get(flag, False)
            if not isinstance(given, bool):  # YAML's true/false; a string such as "no" would read as true
                self.problem("bad_flag", f"{path}.{flag}", f"{flag} must be true or false, got {given!r}")
            flags[flag] = given is True
        return Value(code, label, notes, measure, flags["aggregate"], flags["highlight"])

    def variable(self, raw: Any, path: str) -> Variable | None:
        if not isinstance(raw, Mapping):
            self.problem("bad_variable", path, "a variable must be a mapping")
            return None
        code = self.code(self.field(raw, "code", path), f"{path}.code")
        if code in RESERVED_COLUMNS:
            self.problem("reserved_code", f"{path}.code", f"{code!r} is reserved: the table file's "
                         f"{' and '.join(repr(c) for c in RESERVED_COLUMNS)} columns carry that name; "
                         "give the variable another code")
            code = None
        label = self.text(self.field(raw, "label", path), f"{path}.label")
        role = None
        role_raw = raw.get("role", "category")
        try:
            role = Role(role_raw)
        except ValueError:
            allowed = ", ".join(r.value for r in Role)
            self.problem("bad_role", f"{path}.role", f"unknown role {role_raw!r}; use one of {allowed}")
        values_raw = self.field(raw, "values", path)
        values: list[Value] = []
        if values_raw is not None:
            if not isinstance(values_raw, list) or not values_raw:
                self.problem("bad_values", f"{path}.values", "values must be a non-empty list")
            else:
                for i, item in enumerate(values_raw):
                    value = self.value(item, f"{path}.values[{i}]", role)
                    if value:
                        values.append(value)
        if role is Role.TIME and values:
            frequencies = {Period.parse(v.code).frequency.value for v in values}
            if len(frequencies) > 1:
                self.problem("mixed_frequencies", f"{path}.values", "the time values mix "
                             f"{' and '.join(sorted(frequencies))} periods; a table has one frequency")
        seen: set[str] = set()
        for value in values:
            if value.code in seen:
                self.problem("duplicate_value", f"{path}.values", f"the value code {value.code!r} appears twice")
            seen.add(value.code)
        if code is None or label is None or role is None:
            return None
        peer_group = self.text(raw.get("peer_group"), f"{path}.peer_group")
        return Variable(
            str(code), label, role, tuple(values), self.notes(raw.get("notes"), f"{path}.notes"), peer_group
        )

    def derivation(self, raw: Any, path: str) -> Derivation | None:
        if not isinstance(raw, Mapping):
            self.problem("bad_derivation", path, "a derivation must be a mapping with from, op and by")
            return None
        source = self.field(raw, "from", path)
        op_raw = self.field(raw, "op", path)
        by = self.field(raw, "by", path)
        if source is None or op_raw is None or by is None:
            return None
        try:
            op = DerivationOp(op_raw)
        except ValueError:
            allowed = ", ".join(o.value for o in DerivationOp)
            self.problem("bad_derivation", f"{path}.op", f"unknown operation {op_raw!r}; use one of {allowed}")
            return None
        try:
            operand = Decimal(str(by))
        except InvalidOperation:
            self.problem("bad_derivation", f"{path}.by", f"{by!r} is not a number")
            return None
        if not isinstance(source, Mapping) or not source:
            self.problem("bad_derivation", f"{path}.from", "from must map variable codes to value codes")
            return None
        return Derivation(tuple((str(k), str(v)) for k, v in source.items()), op, operand)


def meta_from_dict(raw: Any, *, file: str | None = None, limits: Limits | None = None) -> TableMeta:
    """Parse and check table metadata; raises InvalidInput listing every problem.

    The mapping is bounded first (``tree_problems``), then every field is checked: the table id's pattern,
    text fields that are strings, codes, one frequency of time values, the cells declared.
    """
    limits = limits or input_limits.current()
    if not isinstance(raw, Mapping):
        raise InvalidInput([Problem("bad_metadata", "table metadata must be a mapping", file=file)])
    bounded = list(tree_problems(raw, limits, file=file))
    if bounded:
        raise InvalidInput(bounded)
    table_id = raw.get("id")
    id_problem = table_id_problem(table_id) if table_id is not None else None
    parser = _Parser(str(table_id) if table_id is not None and id_problem is None else None, file)
    table_id = parser.field(raw, "id", "")
    if id_problem is not None:
        parser.problem("bad_table_id", "id", id_problem)
    subject = parser.field(raw, "subject", "")
    if subject is not None and not isinstance(subject, str):
        parser.problem("bad_subject", "subject", f"the subject must be a code (a string), got "
                       f"{type(subject).__name__}")
    title = parser.text(parser.field(raw, "title", ""), "title")
    description = parser.text(raw.get("description"), "description")
    sources = []
    for i, s in enumerate(parser.items(parser.field(raw, "sources", ""), "sources", "bad_sources")):
        name = parser.text(s.get("name") if isinstance(s, Mapping) else s, f"sources[{i}].name")
        url = s.get("url") if isinstance(s, Mapping) else None
        if url is not None and not isinstance(url, str):
            parser.problem("bad_url", f"sources[{i}].url", f"a URL must be a string, got {type(url).__name__}")
            url = None
        if name:
            sources.append(Source(name, url))
    variables = []
    variables_raw = parser.items(parser.field(raw, "variables", ""), "variables", "bad_variables")
    for i, item in enumerate(variables_raw):
        variable = parser.variable(item, f"variables[{i}]")
        if variable:
            variables.append(variable)
    declared = prod(len(v.values) for v in variables) if variables else 0
    if declared > limits.table_cells:
        parser.problem("limit_exceeded", "variables", f"the variables declare {declared:,} cells (the product of "
                       f"their values' counts); {limits.describe('table_cells')}")
        raise InvalidInput(parser.problems)
    codes = [v.code for v in variables]
    for code in {c for c in codes if codes.count(c) > 1}:
        parser.problem("duplicate_variable", "variables", f"the variable code {code!r} appears twice")
    for role in (Role.TIME, Role.METRIC):
        count = sum(1 for v in variables if v.role is role)
        if count != 1 and len(variables) == len(variables_raw):
            parser.problem("bad_roles", "variables", f"a table needs exactly one {role.value} variable, found {count}")
    for var in variables:
        for value in var.values:
            if var.role is Role.METRIC and value.measure is not None:
                for ref in (value.measure.average_of, value.measure.share_of, value.measure.ranked_among):
                    if ref is not None and ref not in var.codes:
                        parser.problem(
                            "unknown_measure_reference",
                            f"variables.{var.code}.{value.code}",
                            f"refers to measure {ref!r}, which the table does not have",
                        )
                counted = value.measure.ranked_among
                if counted in var.codes and (var.value(counted).measure is None
                                             or var.value(counted).measure.kind is not MeasureKind.COUNT):  # type: ignore[union-attr]
                    parser.problem("bad_measure_reference", f"variables.{var.code}.{value.code}.ranked_among",
                                   f"ranked_among names {counted!r}, which is not a count measure")
    cell_notes = []
    by_code = {v.code: v for v in variables}
    for i, item in enumerate(parser.items(raw.get("cell_notes"), "cell_notes", "bad_cell_notes")):
        path = f"cell_notes[{i}]"
        if not isinstance(item, Mapping):
            parser.problem("bad_cell_note", path, "a cell note must be a mapping with cell and text")
            continue
        cell = parser.field(item, "cell", path) or {}
        text = parser.text(parser.field(item, "text", path), f"{path}.text")
        key = []
        for var in variables:
            value_code = cell.get(var.code) if isinstance(cell, Mapping) else None
            if value_code is None:
                parser.problem("bad_cell_note", f"{path}.cell", f"no value given for variable {var.code!r}")
            elif str(value_code) not in var.codes:
                parser.problem("unknown_value", f"{path}.cell", f"variable {var.code!r} has no value {value_code!r}")
            key.append(str(value_code))
        derivation = parser.derivation(item["derivation"], f"{path}.derivation") if "derivation" in item else None
        if derivation:
            for var_code, value_code in derivation.source:
                if var_code not in by_code or value_code not in by_code[var_code].codes:
                    parser.problem(
                        "unknown_value", f"{path}.derivation.from", f"no cell has {var_code}={value_code}"
                    )
        if text and len(key) == len(variables):
            cell_notes.append(CellNote(tuple(key), text, bool(item.get("mandatory", False)), derivation))
    notes = parser.notes(raw.get("notes"), "notes")
    aliases = tuple(str(a) for a in parser.items(raw.get("aliases"), "aliases", "bad_aliases"))
    if parser.problems:
        raise InvalidInput(parser.problems)
    assert title is not None
    return TableMeta(
        id=str(table_id),
        subject=str(subject),
        title=title,
        variables=tuple(variables),
        sources=tuple(sources),
        notes=notes,
        description=description,
        aliases=aliases,
        cell_notes=tuple(cell_notes),
        discontinued=bool(raw.get("discontinued", False)),
    )
