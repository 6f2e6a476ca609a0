"""One schema language for the YAML files citystat reads: table files, aggregation definitions, the city.

Each file's shape is declared once, as pydantic models built from the field types below. The types fail with
the project's problem codes and messages; ``validate`` turns pydantic's errors into Problems that name the file,
the line (when the caller knows where each field was), the field as a dotted path
(``variables[1].values[0].decimals``), what was expected and what was found. Pydantic's own wording never
reaches a user. Checks across fields (a reference to a sibling, one frequency per table) raise ``several``
findings at once, each with its own path below the place that raised them.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Annotated, Any, ClassVar, TypeVar, Union
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainValidator, TypeAdapter, ValidationError
from pydantic_core import PydanticCustomError

from citystat.model.period import Period
from citystat.model.problems import InvalidInput, Problem
from citystat.model.text import Text

Loc = tuple[str | int, ...]
LineOf = Callable[[Loc], "int | None"]
T = TypeVar("T")
E = TypeVar("E", bound=Enum)

_ERROR_TYPE = "citystat_findings"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Finding:
    """One problem found while validating, placed relative to the value that raised it."""

    code: str
    message: str
    loc: Loc = ()
    expected: str | None = None
    found: str | None = None


def several(findings: Iterable[Finding]) -> PydanticCustomError:
    """The error a validator raises to report every finding at once (pydantic keeps them in its context)."""
    return PydanticCustomError(_ERROR_TYPE, "citystat findings", {"findings": tuple(findings)})


def fail(code: str, message: str, *, expected: str | None = None, found: str | None = None,
         loc: Loc = ()) -> PydanticCustomError:
    return several([Finding(code, message, loc, expected, found)])


def kind_of(value: Any) -> str:
    """What a value is, as a person reads it: a mapping, a list, 'abc', 12, nothing."""
    if value is None:
        return "nothing"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, bool):
        return "true" if value else "false"
    text = repr(value)
    return text if len(text) <= 80 else text[:80] + "…"


class Schema(BaseModel):
    """A mapping of a YAML file: unknown fields are refused, and the values once read do not change.

    ``codes`` gives the problem code of a field that is not the container it should be: ``"sources"`` when it
    is not a list, ``"sources[]"`` when one of its items is not a mapping.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True, populate_by_name=True)
    codes: ClassVar[Mapping[str, str]] = {}


# -- field types (validators such as whole_number go in Annotated: ``Annotated[int, whole_number(code, what)]``) -----


def required(value: Any) -> None:
    if value is None:
        raise fail("missing_field", "the field is empty", expected="a value", found="nothing")


def _text(value: Any) -> Text:
    required(value)
    try:
        text = Text.of(value)
    except (TypeError, ValueError) as exc:
        raise fail("bad_text", str(exc), expected="a text, or a mapping {zh-TW: ..., en: ...}",
                   found=kind_of(value)) from None
    if isinstance(value, Mapping) and not (text.zh and text.en):
        raise fail("missing_language", "bilingual text needs both 'zh-TW' and 'en'", expected="zh-TW and en",
                   found=", ".join(str(k) for k in value) or "no language")
    return text


def _code(value: Any) -> str:
    """A code: a string (or a whole number, as YAML reads 2021), non-empty, no spaces at its ends."""
    required(value)
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise fail("bad_code", "a code must be a string", expected="a code (text)", found=kind_of(value))
    code = str(value)
    if not code or code != code.strip() or _CONTROL.search(code):
        raise fail("bad_code", "a code is empty, has spaces at its ends or holds control characters",
                   expected="a code without spaces at its ends or control characters", found=kind_of(code))
    return code


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):  # YAML's true/false; a string such as "no" would read as true
        raise fail("bad_flag", "a flag must be true or false", expected="true or false", found=kind_of(value))
    return value


def _period(value: Any) -> Period:
    required(value)
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise fail("bad_period", "a period must be a code", expected="a period code: 2021, 2021M06 or 2021-06-30",
                   found=kind_of(value))
    try:
        return Period.parse(str(value))
    except ValueError as exc:
        raise fail("bad_period", str(exc), expected="a period code: 2021, 2021M06 or 2021-06-30",
                   found=kind_of(str(value))) from None


def _time_zone(value: Any) -> str:
    required(value)
    if isinstance(value, str):
        try:
            ZoneInfo(value)
            return value
        except (ZoneInfoNotFoundError, ValueError):
            pass
    raise fail("bad_time_zone", "not a time zone", expected="an IANA time zone such as Europe/Paris",
               found=kind_of(value))


def _empty_is_none(value: Any) -> Any:
    return () if value is None else value


Text_ = Annotated[Text, PlainValidator(_text)]
"""Bilingual text: a string, or a mapping {zh-TW: ..., en: ...} with both languages."""
Code = Annotated[str, PlainValidator(_code)]
Flag = Annotated[bool, PlainValidator(_flag)]
ServiceFrom = Annotated[Period, PlainValidator(_period)]
"""When a service began (a month, ``2019M01``): a table's measure and a definition's measure both declare it."""
TimeZone = Annotated[str, PlainValidator(_time_zone)]
"""An IANA time zone (local time decides days, months and years)."""
Items = BeforeValidator(_empty_is_none)
"""A list that may be left empty in YAML (``notes:``) and is then no items."""
Entries = BeforeValidator(lambda value: {} if value is None else value)
"""A mapping that may be left empty in YAML (``filter:``) and is then no entries."""


def whole_number(code: str, what: str) -> PlainValidator:
    """A whole number (YAML's true is a bool and 1.5 a float: neither is one)."""
    def check(value: Any) -> int:
        required(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise fail(code, f"{what} must be a whole number", expected="a whole number", found=kind_of(value))
        return value
    return PlainValidator(check)


def number(code: str, what: str) -> PlainValidator:
    """An exact decimal number, written as a number or as text."""
    def check(value: Any) -> Decimal:
        required(value)
        try:
            if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
                raise InvalidOperation
            result = Decimal(str(value))
            if not result.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            raise fail(code, f"{what} must be a number", expected="a number", found=kind_of(value)) from None
        return result
    return PlainValidator(check)


def string(code: str, what: str) -> PlainValidator:
    """A plain string (a URL, a subject's code, a time zone)."""
    def check(value: Any) -> str:
        required(value)
        if not isinstance(value, str):
            raise fail(code, f"{what} must be a string", expected="text", found=kind_of(value))
        return value
    return PlainValidator(check)


def choice(enum: type[E], code: str, what: str, *, allowed: Sequence[E] | None = None) -> PlainValidator:
    """One of an enumeration's values, by its value."""
    members = tuple(allowed or enum)
    listed = ", ".join(str(m.value) for m in members)

    def check(value: Any) -> E:
        required(value)
        for member in members:
            if member.value == value or member is value:
                return member
        raise fail(code, f"unknown {what} {kind_of(value)}", expected=f"one of {listed}", found=kind_of(value))
    return PlainValidator(check)


# -- validation and the translation of its errors ---------------------------------------------------------------


def dotted(loc: Loc) -> str:
    """``('variables', 1, 'values', 0, 'code')`` as ``variables[1].values[0].code``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _unwrap(annotation: Any) -> Any:
    while True:
        origin = typing.get_origin(annotation)
        if origin is Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            others = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = others[0] if len(others) == 1 else Any
        else:
            return annotation


def _walk(root: Any, loc: Loc) -> tuple[Any, type[Schema] | None, str, bool]:
    """Follow ``loc`` below ``root``: the type reached, the schema holding the last field passed, that field's
    name, and whether ``loc`` goes on past the field into one of its items."""
    current, holder, field_name, in_item = _unwrap(root), None, "", False
    for part in loc:
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = next((f for name, f in current.model_fields.items() if (f.alias or name) == part), None)
            if field is None:
                return None, holder, field_name, in_item
            holder = current if issubclass(current, Schema) else None
            field_name, in_item = str(part), False
            current = _unwrap(field.annotation)
            continue
        args, origin = typing.get_args(current), typing.get_origin(current)
        if origin in (list, tuple, set, frozenset, Sequence) and args:
            current = _unwrap(args[0])
        elif origin in (dict, Mapping) and len(args) == 2:
            current = _unwrap(args[1])
        else:
            return None, holder, field_name, in_item
        in_item = True
    return current, holder, field_name, in_item


def _field_names(model: Any) -> list[str]:
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        return []
    return [f.alias or name for name, f in model.model_fields.items()]


def _finding(error: Mapping[str, Any], root: Any, default: str) -> Finding:
    """Pydantic's error in the project's words."""
    loc: Loc = tuple(error["loc"])
    kind = error["type"]
    if kind == "missing":
        field = str(loc[-1])
        return Finding("missing_field", f"the field {field!r} is required", loc[:-1], expected=f"a value for {field!r}",
                       found="nothing")
    if kind == "extra_forbidden":
        field = str(loc[-1])
        known = _field_names(_walk(root, loc[:-1])[0])
        close = difflib.get_close_matches(field, known, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return Finding("unknown_field", f"unknown field {field[:80]!r}{hint}", loc,
                       expected=f"one of {', '.join(known)}" if known else "no such field", found=kind_of(field))
    _, holder, name, in_item = _walk(root, loc)
    codes: Mapping[str, str] = holder.codes if holder is not None else {}
    found = kind_of(error.get("input"))
    if kind in ("list_type", "tuple_type", "set_type", "iterable_type"):
        return Finding(codes.get(name, default), f"{name} must be a list", loc, expected="a list", found=found)
    if kind in ("model_type", "dict_type", "model_attributes_type", "mapping_type"):
        code = codes.get(f"{name}[]" if in_item else name, default)
        return Finding(code, "must be a mapping", loc, expected="a mapping", found=found)
    if kind == "too_short":
        return Finding(codes.get(name, default), f"{name} must not be empty", loc, expected="at least one item",
                       found="none")
    return Finding(codes.get(name, default), "a value of the wrong kind", loc, expected="another kind of value",
                   found=found)


def findings_of(exc: ValidationError, root: Any, default: str = "bad_metadata") -> list[Finding]:
    """Every finding of a validation, with its path from the file's top."""
    out: list[Finding] = []
    for error in exc.errors(include_url=False):
        loc: Loc = tuple(error["loc"])
        if error["type"] == _ERROR_TYPE:
            out += [Finding(f.code, f.message, loc + f.loc, f.expected, f.found)
                    for f in error["ctx"]["findings"]]
        else:
            out.append(_finding(error, root, default))
    return out


def problem_of(finding: Finding, *, file: str | None, table: str | None = None,
               line: LineOf | None = None) -> Problem:
    path = dotted(finding.loc)
    return Problem(finding.code, f"{path}: {finding.message}" if path else finding.message, table=table, file=file,
                   row=line(finding.loc) if line is not None else None, expected=finding.expected,
                   found=finding.found)


def validate(adapter: TypeAdapter[T], root: Any, raw: Any, *, file: str | None, table: str | None = None,
             line: LineOf | None = None, context: Mapping[str, Any] | None = None,
             prunable: Sequence[str] = (), default_code: str = "bad_metadata") -> T:
    """The validated value; InvalidInput listing every problem otherwise.

    When items of the ``prunable`` collections (top-level lists or mappings) are wrong, or top-level fields
    unknown, the file is validated again without them, so the checks across items (which run once every item
    is right) still report on the others; ``context["pruned"]`` then maps each collection that lost items to
    their positions or keys.
    ``default_code`` is the problem code of a wrong kind of value whose field declares none.
    """
    try:
        return adapter.validate_python(raw, context={**(context or {}), "pruned": {}})
    except ValidationError as exc:
        findings = findings_of(exc, root, default_code)
    wrong: dict[str, set[str | int]] = {}
    unknown: set[str | int] = set()
    for f in findings:
        if len(f.loc) >= 2 and f.loc[0] in prunable:
            wrong.setdefault(str(f.loc[0]), set()).add(f.loc[1])
        elif len(f.loc) == 1 and f.code == "unknown_field":
            unknown.add(f.loc[0])
    prunes = all((len(f.loc) >= 2 and f.loc[0] in wrong) or f.loc[0] in unknown for f in findings if f.loc)
    if (wrong or unknown) and isinstance(raw, Mapping) and prunes and all(f.loc for f in findings):
        pruned: dict[str, Any] = {k: v for k, v in raw.items() if k not in unknown}
        for field, items in wrong.items():
            value = raw.get(field)
            if isinstance(value, list):
                pruned[field] = [item for i, item in enumerate(value) if i not in items]
            elif isinstance(value, Mapping):
                pruned[field] = {k: v for k, v in value.items() if k not in items and str(k) not in items}
        try:
            adapter.validate_python(pruned, context={**(context or {}), "pruned": wrong})
        except ValidationError as again:
            findings += [f for f in findings_of(again, root, default_code) if f not in findings]
    raise InvalidInput([problem_of(f, file=file, table=table, line=line) for f in findings])
