"""The table file's schema: the metadata YAML of a table (or the same mapping as JSON), declared once.

The models below give the shape: fields, their kinds, what is required, no unknown field. Each variable is
then checked as a whole (its time values are periods of one frequency, its metric values are measures whose
references name siblings), and the table across its variables (one time and one metric variable, the cells
its notes name exist, the cells it declares within the limit), and built into ``TableMeta``.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from math import prod
from typing import Annotated, Any, ClassVar

from pydantic import (
    AfterValidator,
    Field,
    PlainValidator,
    TypeAdapter,
    ValidationInfo,
    field_validator,
    model_validator,
)

from citystat.limits import Limits
from citystat.model.identifiers import RESERVED_COLUMNS, table_id_problem
from citystat.model.measure import Measure, MeasureKind
from citystat.model.period import Period
from citystat.model.schema import (
    Code,
    Finding,
    Flag,
    Items,
    Schema,
    ServiceFrom,
    Text_,
    choice,
    fail,
    kind_of,
    number,
    required,
    several,
    string,
    whole_number,
)
from citystat.model.table import CellNote, Derivation, DerivationOp, Note, Role, Source, TableMeta, Value, Variable
from citystat.model.text import Text


def _not_empty(items: tuple[Any, ...]) -> tuple[Any, ...]:
    if not items:
        raise fail("bad_values", "values must be a non-empty list", expected="at least one value", found="none")
    return items


def _plain_note(raw: Any) -> Any:
    """A note is a mapping with ``text`` (and ``mandatory``) or only its text."""
    return raw if isinstance(raw, Mapping) and "text" in raw else {"text": raw}


class NoteSchema(Schema):
    text: Text_
    mandatory: Flag = False

    @model_validator(mode="before")
    @classmethod
    def _plain(cls, raw: Any) -> Any:
        return _plain_note(raw)

    def build(self) -> Note:
        return Note(self.text, self.mandatory)


Notes = Annotated[tuple[NoteSchema, ...], Items]


class SourceSchema(Schema):
    name: Text_
    url: Annotated[str, string("bad_url", "a URL")] | None = None

    @model_validator(mode="before")
    @classmethod
    def _plain(cls, raw: Any) -> Any:
        return raw if isinstance(raw, Mapping) else {"name": raw}


class ValueSchema(Schema):
    """A value of a variable; on the metric variable, a measure (unit, decimals, kind and its references)."""

    code: Code
    label: Text_ | None = None
    notes: Notes = ()
    aggregate: Flag = False
    highlight: Flag = False
    unit: Text_ | None = None
    decimals: Annotated[int, whole_number("bad_decimals", "decimals")] | None = None
    kind: Annotated[MeasureKind, choice(MeasureKind, "bad_measure_kind", "kind")] | None = None
    average_of: Code | None = None
    share_of: Code | None = None
    ranked_among: Code | None = None
    service_from: ServiceFrom | None = None

    @model_validator(mode="before")
    @classmethod
    def _plain(cls, raw: Any) -> Any:
        return raw if isinstance(raw, Mapping) else {"code": raw}


class VariableSchema(Schema):
    codes: ClassVar[Mapping[str, str]] = {"values": "bad_values", "values[]": "bad_values", "notes": "bad_notes"}

    code: Code
    role: Annotated[Role, choice(Role, "bad_role", "role")] = Role.CATEGORY
    label: Text_
    values: Annotated[tuple[ValueSchema, ...], AfterValidator(_not_empty)]
    notes: Notes = ()
    peer_group: Text_ | None = None

    @field_validator("code")
    @classmethod
    def _not_reserved(cls, code: str) -> str:
        if code in RESERVED_COLUMNS:
            raise fail("reserved_code", f"{code!r} is reserved: the table file's "
                       f"{' and '.join(repr(c) for c in RESERVED_COLUMNS)} columns carry that name; "
                       "give the variable another code", expected="a code other than value and status",
                       found=repr(code))
        return code


def _measure(raw: ValueSchema, findings: list[Finding], at: tuple[str | int, ...]) -> Measure | None:
    missing = [name for name in ("unit", "decimals", "kind") if getattr(raw, name) is None]
    for name in missing:
        findings.append(Finding("missing_field", f"the field {name!r} is required", at,
                                expected=f"a value for {name!r} (a metric value is a measure)", found="nothing"))
    if missing:
        return None
    assert raw.unit is not None and raw.kind is not None and raw.decimals is not None
    try:
        return Measure(unit=raw.unit, decimals=raw.decimals, kind=raw.kind, average_of=raw.average_of,
                       share_of=raw.share_of, service_from=raw.service_from, ranked_among=raw.ranked_among)
    except ValueError as exc:
        findings.append(Finding("bad_measure", str(exc), at, expected="a consistent measure",
                                found=f"kind {raw.kind.value}"))
        return None


def _variable(raw: VariableSchema) -> Variable:
    """A variable checked as a whole: its values' periods, measures and references to one another."""
    findings: list[Finding] = []
    values: list[Value] = []
    for i, item in enumerate(raw.values):
        at = ("values", i)
        label = item.label
        if raw.role is Role.TIME:
            try:
                period = Period.parse(item.code)
            except ValueError as exc:
                findings.append(Finding("bad_period", str(exc), (*at, "code"),
                                        expected="a period code: 2021, 2021M06 or 2021-06-30",
                                        found=kind_of(item.code)))
                continue
            label = label or Text(period.label("zh-TW"), period.label("en"))
        elif label is None:
            findings.append(Finding("missing_field", "the field 'label' is required", at,
                                    expected="a value for 'label'", found="nothing"))
            continue
        measure = _measure(item, findings, at) if raw.role is Role.METRIC else None
        if raw.role is Role.METRIC and measure is None:
            continue
        values.append(Value(item.code, label, tuple(n.build() for n in item.notes), measure, item.aggregate,
                            item.highlight))
    if raw.role is Role.TIME and values:
        frequencies = {Period.parse(v.code).frequency.value for v in values}
        if len(frequencies) > 1:
            findings.append(Finding("mixed_frequencies", f"the time values mix {' and '.join(sorted(frequencies))} "
                                    "periods; a table has one frequency", ("values",),
                                    expected="one frequency", found=", ".join(sorted(frequencies))))
    seen: set[str] = set()
    for value in values:
        if value.code in seen:
            findings.append(Finding("duplicate_value", f"the value code {value.code!r} appears twice", ("values",),
                                    expected="each code once", found=repr(value.code)))
        seen.add(value.code)
    if raw.role is Role.METRIC:
        findings += _measure_references(raw, values)
    if findings:
        raise several(findings)
    return Variable(raw.code, raw.label, raw.role, tuple(values), tuple(n.build() for n in raw.notes), raw.peer_group)


def _measure_references(raw: VariableSchema, values: list[Value]) -> list[Finding]:
    findings = []
    by_code = {v.code: v for v in values}
    declared = {item.code for item in raw.values}
    for i, value in enumerate(raw.values):
        for name in ("average_of", "share_of", "ranked_among"):
            ref = getattr(value, name)
            if ref is not None and ref not in declared:
                findings.append(Finding("unknown_measure_reference",
                                        f"refers to measure {ref!r}, which the table does not have",
                                        ("values", i, name), expected=f"one of {', '.join(sorted(declared))}",
                                        found=repr(ref)))
        counted = by_code.get(value.ranked_among or "")
        if counted is not None and (counted.measure is None or counted.measure.kind is not MeasureKind.COUNT):
            findings.append(Finding("bad_measure_reference",
                                    f"ranked_among names {counted.code!r}, which is not a count measure",
                                    ("values", i, "ranked_among"), expected="a measure of kind count",
                                    found=f"kind {counted.measure.kind.value if counted.measure else 'none'}"))
    return findings


class DerivationSchema(Schema):
    source: dict[Code, Code] = Field(alias="from")
    op: Annotated[DerivationOp, choice(DerivationOp, "bad_derivation", "operation")]
    by: Annotated[Decimal, number("bad_derivation", "by")]


class CellNoteSchema(Schema):
    codes: ClassVar[Mapping[str, str]] = {"cell": "bad_cell_note", "from": "bad_derivation",
                                          "derivation": "bad_derivation"}

    cell: dict[Code, Code]
    text: Text_
    mandatory: Flag = False
    derivation: DerivationSchema | None = None


def _table_id(value: Any) -> str:
    required(value)
    problem = table_id_problem(value)
    if problem is not None:
        raise fail("bad_table_id", problem, expected="^[a-z][a-z0-9_]{0,63}$", found=kind_of(value))
    return str(value)


class TableFileSchema(Schema):
    """The metadata of one table (``tables/*.yaml``)."""

    codes: ClassVar[Mapping[str, str]] = {
        "sources": "bad_sources", "sources[]": "bad_sources", "variables": "bad_variables",
        "variables[]": "bad_variable", "cell_notes": "bad_cell_notes", "cell_notes[]": "bad_cell_note",
        "notes": "bad_notes", "aliases": "bad_aliases",
    }

    id: Annotated[str, PlainValidator(_table_id)]
    subject: Annotated[str, string("bad_subject", "the subject")]
    title: Text_
    description: Text_ | None = None
    sources: Annotated[tuple[SourceSchema, ...], Items]
    variables: Annotated[tuple[Annotated[VariableSchema, AfterValidator(_variable)], ...], Items]
    cell_notes: Annotated[tuple[CellNoteSchema, ...], Items] = ()
    notes: Notes = ()
    aliases: Annotated[tuple[Code, ...], Items] = ()
    discontinued: Flag = False


def _check_table(raw: TableFileSchema, info: ValidationInfo) -> TableMeta:
    """The table across its variables, built once every part is right."""
    context = info.context or {}
    limits: Limits = context["limits"]
    variables: tuple[Variable, ...] = raw.variables  # type: ignore[assignment]  # built by _variable
    declared = prod(len(v.values) for v in variables) if variables else 0
    if declared > limits.table_cells:
        raise fail("limit_exceeded", f"the variables declare {declared:,} cells (the product of their values' "
                   f"counts); {limits.describe('table_cells')}", loc=("variables",),
                   expected=f"at most {limits.table_cells:,} cells", found=f"{declared:,}")
    findings: list[Finding] = []
    codes = [v.code for v in variables]
    for code in sorted({c for c in codes if codes.count(c) > 1}):
        findings.append(Finding("duplicate_variable", f"the variable code {code!r} appears twice", ("variables",),
                                expected="each code once", found=repr(code)))
    if "variables" not in context.get("pruned", ()):
        for role in (Role.TIME, Role.METRIC):
            count = sum(1 for v in variables if v.role is role)
            if count != 1:
                findings.append(Finding("bad_roles", f"a table needs exactly one {role.value} variable, found "
                                        f"{count}", ("variables",), expected=f"one {role.value} variable",
                                        found=str(count)))
    by_code = {v.code: v for v in variables}
    cell_notes = []
    for i, note in enumerate(raw.cell_notes):
        at = ("cell_notes", i)
        key = []
        for var in variables:
            value_code = note.cell.get(var.code)
            if value_code is None:
                findings.append(Finding("bad_cell_note", f"no value given for variable {var.code!r}", (*at, "cell"),
                                        expected=f"a value of {var.code!r}", found="nothing"))
            elif value_code not in var.codes:
                findings.append(Finding("unknown_value", f"variable {var.code!r} has no value {value_code!r}",
                                        (*at, "cell", var.code), expected=f"a value of {var.code!r}",
                                        found=repr(value_code)))
            key.append(str(value_code))
        derivation = None
        if note.derivation is not None:
            source = tuple(note.derivation.source.items())
            for var_code, value_code in source:
                if var_code not in by_code or value_code not in by_code[var_code].codes:
                    findings.append(Finding("unknown_value", f"no cell has {var_code}={value_code}",
                                            (*at, "derivation", "from"), expected="a cell of the table",
                                            found=f"{var_code}={value_code}"))
            derivation = Derivation(source, note.derivation.op, Decimal(note.derivation.by))
        cell_notes.append(CellNote(tuple(key), note.text, note.mandatory, derivation))
    if findings:
        raise several(findings)
    return TableMeta(
        id=str(raw.id),
        subject=raw.subject,
        title=raw.title,
        variables=variables,
        sources=tuple(Source(s.name, s.url) for s in raw.sources),
        notes=tuple(n.build() for n in raw.notes),
        description=raw.description,
        aliases=raw.aliases,
        cell_notes=tuple(cell_notes),
        discontinued=raw.discontinued,
    )


TableFile = Annotated[TableFileSchema, AfterValidator(_check_table)]
TABLE_FILE: TypeAdapter[TableMeta] = TypeAdapter(TableFile)  # type: ignore[arg-type]  # built by _check_table
