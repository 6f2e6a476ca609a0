"""Reading request parameters the PxWeb way: languages with aliases, releases, lists, selections in a URL."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from citystat.formats import registry
from citystat.formats.pivot import LabelMode
from citystat.model import normalise_language
from citystat.model.text import LANGUAGES, ZH
from citystat.query import SelectionRequest, VariableRequest
from citystat.serve.problems import ApiProblem

DEFAULT_LANGUAGE = ZH
DATA_FORMATS = registry.names()
DEFAULT_DATA_FORMAT = "json-stat2"
_LABEL_PARAMS = {"usecodes": LabelMode.CODES, "usetexts": LabelMode.TEXTS, "usecodesandtexts": LabelMode.BOTH}
_SEPARATOR_PARAMS = {"separatortab": "\t", "separatorspace": " ", "separatorsemicolon": ";"}
_FORMAT_PARAMS = ["UseCodes", "UseTexts", "UseCodesAndTexts", "IncludeTitle", "SeparatorTab", "SeparatorSpace",
                  "SeparatorSemicolon"]
_BRACKETED = re.compile(r"^([A-Za-z]+)\[(.*)\]$", re.DOTALL)
LANGUAGE_CHOICES = ["zh-TW", "zh", "en"]  # documented; other spellings (zh-tw, en-GB ...) are accepted too
FORMAT_PARAMS = _FORMAT_PARAMS
DATA_QUERY_PARAMETERS = {"lang", "outputformat", "outputformatparams", "heading", "stub", "release"}


def language(raw: str | None) -> str:
    """zh-TW or en from what a client sent (zh, zh-tw, en-GB ...); the default when none."""
    if raw is None:
        return DEFAULT_LANGUAGE
    if not raw.strip():  # lang= given empty: a client's mistake, not a request for the default
        raise ApiProblem(400, "unknown-language",
                         f"lang is empty; use one of {', '.join(LANGUAGES)} (zh is accepted for zh-TW), "
                         "or leave it out for the default")
    try:
        return normalise_language(raw)
    except ValueError:
        raise ApiProblem(
            400, "unknown-language",
            f"unknown language {raw!r}; use one of {', '.join(LANGUAGES)} (zh is accepted for zh-TW)",
        ) from None


def release(raw: str | int | None) -> int | None:
    """The release number a client asked for (an extension of PxWeb), or None for the latest."""
    if raw is None or raw == "":
        return None
    try:
        number = int(raw)
    except (TypeError, ValueError):
        raise ApiProblem(400, "bad-release", f"release must be a whole number of 1 or more, not {raw!r}") from None
    if number < 1:
        raise ApiProblem(400, "bad-release", f"release must be a whole number of 1 or more, not {number}")
    return number


def split_list(raw: str) -> list[str]:
    """Split a comma-separated list, keeping commas inside parentheses: ``2019,RANGE(2011,2013)``."""
    items, depth, start = [], 0, 0
    for i, char in enumerate(raw):
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(0, depth - 1)
        elif char == "," and depth == 0:
            items.append(raw[start:i])
            start = i + 1
    items.append(raw[start:])
    return [item.strip() for item in items]


def list_param(values: Iterable[str]) -> list[str]:
    out: list[str] = []
    for value in values:
        out += [item for item in split_list(value) if item]
    return out


@dataclass(frozen=True)
class OutputFormat:
    name: str = DEFAULT_DATA_FORMAT
    labels: LabelMode = LabelMode.TEXTS
    include_title: bool = False
    separator: str = ","

    def key(self) -> tuple[str, str, bool, str]:
        return (self.name, self.labels.value, self.include_title, self.separator)


def output_format(name: str | None, params: Sequence[str] = ()) -> OutputFormat:
    """The output format and its parameters; conflicting or unknown parameters are an error."""
    if name is not None and not name.strip():
        raise ApiProblem(400, "unsupported-output-format",
                         f"outputFormat is empty; leave it out for {DEFAULT_DATA_FORMAT} or use one of "
                         f"{', '.join(DATA_FORMATS)}")
    chosen = (name or DEFAULT_DATA_FORMAT).strip().lower()
    if chosen in ("jsonstat2", "json-stat", "jsonstat"):
        chosen = "json-stat2"
    if chosen not in DATA_FORMATS:
        raise ApiProblem(400, "unsupported-output-format",
                         f"unsupported outputFormat {name!r}; use one of {', '.join(DATA_FORMATS)}")
    labels: list[LabelMode] = []
    separators: list[str] = []
    include_title = False
    for param in params:
        lowered = param.strip().lower()
        if lowered in _LABEL_PARAMS:
            labels.append(_LABEL_PARAMS[lowered])
        elif lowered in _SEPARATOR_PARAMS:
            separators.append(_SEPARATOR_PARAMS[lowered])
        elif lowered == "includetitle":
            include_title = True
        else:
            raise ApiProblem(400, "bad-output-format-param",
                             f"unknown outputFormatParams value {param!r}; use {', '.join(_FORMAT_PARAMS)}")
    if len(set(labels)) > 1:
        raise ApiProblem(400, "bad-output-format-param",
                         "UseCodes, UseTexts and UseCodesAndTexts cannot be combined; choose one")
    if len(set(separators)) > 1:
        raise ApiProblem(400, "bad-output-format-param",
                         "SeparatorTab, SeparatorSpace and SeparatorSemicolon cannot be combined; choose one")
    # As in PxWeb, parameters that do not apply to the chosen format (UseCodes for px) are ignored.
    return OutputFormat(chosen, labels[0] if labels else LabelMode.TEXTS, include_title,
                        separators[0] if separators else ",")


def selection_from_query(items: Iterable[tuple[str, str]]) -> SelectionRequest:
    """A selection from URL parameters: ``valueCodes[VAR]=a,b``, ``codelist[VAR]=id``, ``heading=``, ``stub=``.

    Parameter names are case-insensitive (the specification writes ``valuecodes``, clients ``valueCodes``).
    """
    values: dict[str, list[str]] = {}
    codelists: dict[str, str] = {}
    order: list[str] = []
    heading: list[str] | None = None
    stub: list[str] | None = None
    for name, value in items:
        lowered = name.lower()
        if lowered == "heading":
            heading = (heading or []) + list_param([value])
            continue
        if lowered == "stub":
            stub = (stub or []) + list_param([value])
            continue
        match = _BRACKETED.match(name)
        if match is None:
            continue
        kind, variable = match[1].lower(), match[2].strip()
        if kind not in ("valuecodes", "codelist"):
            raise ApiProblem(400, "unknown-parameter",
                             f"unknown parameter {name!r}; selections are written valueCodes[VARIABLE]=codes "
                             "and codelist[VARIABLE]=id")
        if not variable:
            raise ApiProblem(400, "malformed-selection", f"{name!r} names no variable between the brackets")
        if "[" in variable or "]" in variable:
            raise ApiProblem(400, "malformed-selection", f"{name!r} nests brackets; write {kind}[VARIABLE]=")
        if variable not in order:
            order.append(variable)
        if kind == "valuecodes":
            values.setdefault(variable, []).extend(split_list(value))
        else:
            if variable in codelists and codelists[variable] != value.strip():
                raise ApiProblem(400, "malformed-selection", f"two codelists were given for variable {variable!r}")
            codelists[variable] = value.strip()
    variables = tuple(
        VariableRequest(name, tuple(values.get(name, ())), codelists.get(name) or None) for name in order
    )
    return SelectionRequest(variables, tuple(heading) if heading is not None else None,
                            tuple(stub) if stub is not None else None)
