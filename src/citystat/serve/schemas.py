"""The shapes of the PxWeb API 2.0 answers (PxTools/PxApiSpecs, PxAPI-2.yml), for the OpenAPI document.

The routers build answers as plain JSON; these models document them at /docs and let tests check that an
answer has the published shape. Field names follow the specification, camelCase included.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow")


class Link(_Model):
    rel: str
    hreflang: str
    href: str


class Language(_Model):
    id: str
    label: str


class SourceReference(_Model):
    language: str
    text: str


class KeyValuePair(_Model):
    key: str
    value: str


class ApiFeature(_Model):
    id: str
    params: list[KeyValuePair] = []


class ConfigResponse(_Model):
    apiVersion: str
    appVersion: str
    languages: list[Language]
    defaultLanguage: str
    maxDataCells: int = Field(ge=0)
    maxCallsPerTimeWindow: int = Field(ge=1)
    timeWindow: int = Field(ge=1)
    license: str
    sourceReferences: list[SourceReference] = []
    defaultDataFormat: str
    dataFormats: list[str]
    features: list[ApiFeature] = []


class PathElement(_Model):
    id: str
    label: str
    sortCode: str | None = None


class Table(_Model):
    id: str
    label: str | None
    description: str | None = None
    sortCode: str | None = None
    tags: list[str] = []
    updated: str | None
    firstPeriod: str | None
    lastPeriod: str | None
    category: Literal["internal", "public", "private", "section"] = "public"
    variableNames: list[str]
    discontinued: bool | None = None
    source: str | None = None
    subjectCode: str | None = None
    timeUnit: Literal["Annual", "Quarterly", "Monthly", "Weekly", "Other"] | None = None
    paths: list[list[PathElement]] = []
    links: list[Link] | None


class TableResponse(Table):
    language: str


class PageInfo(_Model):
    pageNumber: int = Field(ge=1)
    pageSize: int = Field(ge=1)
    totalElements: int = Field(ge=0)
    totalPages: int = Field(ge=1)
    links: list[Link] = []


class TablesResponse(_Model):
    language: str
    tables: list[Table]
    page: PageInfo
    links: list[Link] = []


class Note(_Model):
    mandatory: bool = False
    text: str


class ValueMap(_Model):
    code: str
    label: str
    valueMap: list[str]
    notes: list[Note] = []


class CodelistResponse(_Model):
    id: str
    label: str
    language: str
    languages: list[str]
    elimination: bool = False
    eliminationValueCode: str | None = None
    type: Literal["Aggregation", "Valueset"]
    values: list[ValueMap]
    links: list[Link]


class VariableSelection(BaseModel):
    variableCode: str = Field(description="The variable code (case-insensitive; 'time' names the time variable).")
    codelist: str | None = Field(None, description="The identifier of a codelist to apply to the variable.")
    valueCodes: list[str] = Field(
        default_factory=list,
        description="Value codes or selection expressions: *, 20*, 20?1, TOP(n[,offset]), BOTTOM(n[,offset]), "
        "FROM(code), TO(code), RANGE(first,last).",
    )


class VariablePlacementType(BaseModel):
    heading: list[str] | None = Field(None, description="Variables placed across (the heading).")
    stub: list[str] | None = Field(None, description="Variables placed down (the stub).")


class VariablesSelection(BaseModel):
    selection: list[VariableSelection] = Field(description="One entry per variable; an empty list selects the "
                                                           "default selection.")
    placement: VariablePlacementType | None = None


class SelectionResponse(_Model):
    selection: list[VariableSelection]
    placement: VariablePlacementType | None = None
    language: str
    links: list[Link]


class SavedQuery(BaseModel):
    id: str | None = Field(None, description="Given by the server; ignored when creating one.")
    selection: VariablesSelection
    language: str = Field(description="zh-TW or en (zh is accepted): the language its data is answered in.")
    tableId: str
    outputFormat: str | None = Field(None, description="The format its data is answered in (json-stat2 when none).")
    outputFormatParams: list[str] | None = None
    release: int | None = Field(None, ge=1, description="Extension: pin the query to this release of the table. "
                                                        "Without it the query reads the latest release, so "
                                                        "TOP(n) on the time variable stays the latest n periods.")


class SavedQueryResponse(_Model):
    language: str
    id: str
    savedQuery: SavedQuery
    links: list[Link]


class Problem(_Model):
    type: str = "about:blank"
    title: str
    status: int = Field(ge=100, lt=600)
    detail: str
    instance: str | None = None


class Dataset(_Model):
    """A JSON-stat 2.0 dataset (https://json-stat.org/full/), with PxWeb's extensions."""

    version: Literal["2.0"]
    class_: Literal["dataset"] = Field(alias="class")
    label: str | None = None
    source: str | None = None
    updated: str | None = None
    note: list[str] | None = None
    role: dict[str, list[str]] | None = None
    id: list[str]
    size: list[int]
    dimension: dict[str, Any]
    extension: dict[str, Any] | None = None
    value: list[float | int | None]
    status: dict[str, str] | None = None


class ReleaseEntry(_Model):
    release: int
    contentHash: str
    loadedAt: str
    origin: str
    cellCount: int


class TableReleases(_Model):
    id: str
    releases: list[ReleaseEntry]


class ReleasesResponse(_Model):
    tables: list[TableReleases]


class LoadRequest(BaseModel):
    meta: str | dict[str, Any] = Field(
        description="The table's metadata: the text of its YAML file, or the same as a JSON object."
    )
    values: str = Field(description="The table's values: the text of its CSV file (long format).")
    origin: str | None = Field(None, description="Where the table came from, recorded with the release.")


class LoadResponse(_Model):
    table: str
    release: int
    created: bool
    contentHash: str
    loadedAt: str
    cellCount: int


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "content": {"application/problem+json": {}}, "description": text}
    for status, text in (
        (400, "Bad request: a malformed parameter or selection"),
        (403, "Forbidden: the selection has more cells than maxDataCells"),
        (404, "Not found: an unknown table, release, variable, value or codelist"),
        (429, "Too many calls from one address (maxCallsPerTimeWindow in timeWindow, see /config); "
              "Retry-After says when to try again"),
    )
}
