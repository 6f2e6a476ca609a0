"""The answers of the PxWeb API 2.0, as plain functions of a StoreReader.

The HTTP routers call these, and so can any other page of the same app (the dashboard and its JSON twins):
each returns plain JSON-ready data, or raises the library's errors (TableNotFound, SelectionError,
ApiProblem), which the app turns into problem+json answers.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import Any
from urllib.parse import urlencode

from citystat.catalog import subject
from citystat.formats.delimited import to_csv
from citystat.formats.display import value_label
from citystat.formats.htmltable import to_html
from citystat.formats.jsonstat import iso_utc, to_jsonstat
from citystat.formats.pivot import pivot
from citystat.formats.px import to_px
from citystat.formats.xlsx import to_xlsx
from citystat.model import ReleaseInfo, StoredTable, Table, TableMeta
from citystat.model.text import EN, LANGUAGES, ZH
from citystat.query import (
    Codelist,
    Selection,
    SelectionRequest,
    StoreReader,
    TableSummary,
    codelists_of,
    default_selection,
    elimination_value,
    resolve,
    search,
    summarise,
    table_of_codelist,
)
from citystat.query.selection import VariableRequest, find_variable
from citystat.serve.params import DATA_FORMATS, DEFAULT_DATA_FORMAT, DEFAULT_LANGUAGE, OutputFormat
from citystat.serve.problems import ApiProblem


def app_version() -> str:
    try:
        return version("citystat")
    except PackageNotFoundError:
        return "0.0.0"


API_PREFIX = "/api/v2"
API_VERSION = "2.0"
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 10_000
LANGUAGE_NAMES = {ZH: "中文（臺灣）", EN: "English"}
MEDIA_TYPES = {
    "json-stat2": "application/json; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "px": "application/octet-stream",
}
SUFFIXES = {"json-stat2": "json", "csv": "csv", "html": "html", "xlsx": "xlsx", "px": "px"}


@dataclass(frozen=True)
class ApiSettings:
    """What /config announces, and the limits the API keeps."""

    max_data_cells: int = 100_000
    # Advisory: citystat does not throttle; clients such as pxwebpy pace themselves by these two.
    max_calls_per_time_window: int = 1_000
    time_window: int = 10
    license: str = "Open Government Data License, version 1.0 (https://data.gov.tw/license)"
    source_references: tuple[tuple[str, str], ...] = (
        (ZH, "資料來源：臺北市政府（citystat 統計資料庫）"),
        (EN, "Source: Taipei City Government (citystat statistical database)"),
    )


def dumps(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def link(rel: str, href: str, lang: str) -> dict[str, str]:
    return {"rel": rel, "hreflang": lang, "href": href}


def _url(base: str, path: str, **params: Any) -> str:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return f"{base}{path}" + (f"?{query}" if query else "")


# -- /config -----------------------------------------------------------------------------------------

def config_response(settings: ApiSettings) -> dict[str, Any]:
    return {
        "apiVersion": API_VERSION,
        "appVersion": app_version(),
        "languages": [{"id": lang, "label": LANGUAGE_NAMES[lang]} for lang in LANGUAGES],
        "defaultLanguage": DEFAULT_LANGUAGE,
        "maxDataCells": settings.max_data_cells,
        "maxCallsPerTimeWindow": settings.max_calls_per_time_window,
        "timeWindow": settings.time_window,
        "license": settings.license,
        "sourceReferences": [{"language": lang, "text": text} for lang, text in settings.source_references],
        "defaultDataFormat": DEFAULT_DATA_FORMAT,
        "dataFormats": list(DATA_FORMATS),
        "features": [
            {"id": "release", "params": [
                {"key": "parameter", "value": "release"},
                {"key": "description", "value": "release=N on /tables/{id}, /metadata and /data reads release N "
                                                "of a table instead of the latest (see /api/v2/admin/releases)"},
            ]},
            {"id": "CORS", "params": [{"key": "enabled", "value": "true"}, {"key": "methods", "value": "GET"}]},
            {"id": "languageAliases", "params": [{"key": "zh", "value": "zh-TW"}]},
        ],
    }


# -- /tables -----------------------------------------------------------------------------------------

def _table_links(table_id: str, lang: str, base: str) -> list[dict[str, str]]:
    links = [link("self", _url(base, f"/tables/{table_id}", lang=lang), lang)]
    links += [link("alternate", _url(base, f"/tables/{table_id}", lang=other), other)
              for other in LANGUAGES if other != lang]
    links.append(link("metadata", _url(base, f"/tables/{table_id}/metadata", lang=lang), lang))
    links.append(link("data", _url(base, f"/tables/{table_id}/data", lang=lang, outputFormat=DEFAULT_DATA_FORMAT),
                      lang))
    return links


def table_entry(summary: TableSummary, lang: str, base: str = API_PREFIX) -> dict[str, Any]:
    """One table as /tables and /tables/{id} describe it."""
    meta = summary.meta
    return {
        "type": "Table",
        "id": meta.id,
        "label": meta.title.get(lang),
        "description": meta.description.get(lang) if meta.description else "",
        "sortCode": meta.id,
        "tags": list(meta.aliases),
        "updated": iso_utc(summary.release.loaded_at),
        "firstPeriod": summary.first_period,
        "lastPeriod": summary.last_period,
        "category": "public",
        "variableNames": [v.label.get(lang) for v in meta.variables],
        "discontinued": meta.discontinued,
        "source": "; ".join(s.name.get(lang) for s in meta.sources),
        "subjectCode": meta.subject,
        "timeUnit": summary.time_unit,
        "paths": [[{"id": summary.subject.code, "label": summary.subject.name.get(lang)}]],
        "links": _table_links(meta.id, lang, base),
        "release": summary.release.release,
    }


def tables_response(
    reader: StoreReader,
    *,
    lang: str = DEFAULT_LANGUAGE,
    query: str | None = None,
    past_days: int | None = None,
    include_discontinued: bool = False,
    page_number: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
    base: str = API_PREFIX,
) -> dict[str, Any]:
    """The TablesResponse: the tables that match, one page of them, and links to the other pages."""
    if past_days is not None and past_days < 1:
        raise ApiProblem(400, "bad-parameter", f"pastDays must be a whole number of 1 or more, not {past_days}")
    if page_number < 1:
        raise ApiProblem(400, "bad-parameter", f"pageNumber must be 1 or more, not {page_number}")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ApiProblem(400, "bad-parameter", f"pageSize must be from 1 to {MAX_PAGE_SIZE}, not {page_size}")
    found = search(reader.snapshot(), query=query, past_days=past_days, include_discontinued=include_discontinued)
    total = len(found)
    pages = max(1, math.ceil(total / page_size))
    if page_number > pages:
        raise ApiProblem(404, "unknown-page", f"page {page_number} does not exist: {total} table(s) make "
                                              f"{pages} page(s) of {page_size}")
    shown = found[(page_number - 1) * page_size: page_number * page_size]

    def page_url(number: int) -> str:
        return _url(base, "/tables", lang=lang, query=query or None, pastDays=past_days,
                    includeDiscontinued="true" if include_discontinued else None, pageSize=page_size,
                    pageNumber=number)

    page_links = []
    if page_number < pages:
        page_links.append(link("next", page_url(page_number + 1), lang))
    if page_number > 1:
        page_links.append(link("previous", page_url(page_number - 1), lang))
    if pages > 1:
        page_links += [link("first", page_url(1), lang), link("last", page_url(pages), lang)]
    return {
        "language": lang,
        "tables": [table_entry(s, lang, base) for s in shown],
        "page": {"pageNumber": page_number, "pageSize": page_size, "totalElements": total, "totalPages": pages,
                 "links": page_links},
        "links": [link("self", page_url(page_number), lang)],
    }


def table_response(
    reader: StoreReader, table_id: str, *, lang: str = DEFAULT_LANGUAGE, release: int | None = None,
    base: str = API_PREFIX,
) -> dict[str, Any]:
    """The TableResponse of one table (of its latest release, or of release ``release``)."""
    info = reader.release(table_id, release)
    entry = table_entry(summarise(reader.meta(table_id, info.release), info, reader.snapshot().city), lang, base)
    entry["language"] = lang
    entry["links"].append(link("defaultselection", _url(base, f"/tables/{table_id}/defaultselection", lang=lang),
                               lang))
    return entry


# -- metadata ------------------------------------------------------------------------------------------

def _codelist_info(codelist: Codelist, lang: str, base: str) -> dict[str, Any]:
    return {
        "id": codelist.id,
        "label": codelist.label.get(lang),
        "type": codelist.type.value,
        "links": [link("metadata", _url(base, f"/codelists/{codelist.id}", lang=lang), lang)],
    }


def dimension_extensions(meta: TableMeta, lang: str, base: str = API_PREFIX) -> dict[str, dict[str, Any]]:
    """PxWeb's members of each dimension's extension: elimination, its value, and the codelists."""
    lists = codelists_of(meta)
    out: dict[str, dict[str, Any]] = {}
    for variable in meta.variables:
        members: dict[str, Any] = {}
        value = elimination_value(variable)
        members["elimination"] = value is not None
        if value is not None:
            members["eliminationValueCode"] = value
        members["codelists"] = [_codelist_info(c, lang, base) for c in lists if c.variable == variable.code]
        out[variable.code] = members
    return out


def _px_members(meta: TableMeta, lang: str) -> dict[str, Any]:
    return {"subject-area": subject(meta.subject).name.get(lang)}


def metadata_response(
    reader: StoreReader,
    table_id: str,
    *,
    lang: str = DEFAULT_LANGUAGE,
    release: int | None = None,
    codelists: Mapping[str, str] | None = None,
    use_default_selection: bool = False,
    max_cells: int | None = None,
    base: str = API_PREFIX,
) -> dict[str, Any]:
    """The table's metadata as a JSON-stat 2.0 dataset with an empty ``value``.

    ``codelists`` {variable: codelist id} restricts variables to a codelist's values; with
    ``use_default_selection`` the dimensions hold the default selection.
    """
    info = reader.release(table_id, release)
    meta = reader.meta(table_id, info.release)
    selection: Selection | None = None
    if codelists:
        named = {find_variable(meta, variable).code for variable in codelists}
        requests = [VariableRequest(variable, ("*",), codelist) for variable, codelist in codelists.items()]
        requests += [VariableRequest(v.code, ("*",)) for v in meta.variables if v.code not in named]
        selection = resolve(meta, SelectionRequest(tuple(requests)))
    elif use_default_selection:
        selection = default_selection(meta, max_cells=max_cells)
    heading, stub = (selection.heading, selection.stub) if selection else (None, None)
    dataset = to_jsonstat(
        Table(meta, {}),
        lang=lang,
        updated=info.loaded_at,
        release=info.release,
        selection=selection.by_variable if selection else None,
        include_values=False,
        heading=heading,
        stub=stub,
        dimension_extension=dimension_extensions(meta, lang, base),
        extension={"px": _px_members(meta, lang)},
    )
    return dataset


def selection_response(
    reader: StoreReader, table_id: str, *, lang: str = DEFAULT_LANGUAGE, max_cells: int | None = None,
    base: str = API_PREFIX,
) -> dict[str, Any]:
    """The SelectionResponse of the default selection: what /data answers when asked for nothing."""
    meta = reader.meta(table_id)
    selection = default_selection(meta, max_cells=max_cells)
    return {
        "selection": [{"variableCode": var, "valueCodes": list(codes)} for var, codes in selection.codes],
        "placement": {"heading": list(selection.heading), "stub": list(selection.stub)},
        "language": lang,
        "links": [link("self", _url(base, f"/tables/{table_id}/defaultselection", lang=lang), lang),
                  link("data", _url(base, f"/tables/{table_id}/data", lang=lang), lang)],
    }


# -- codelists ---------------------------------------------------------------------------------------

def find_codelist(reader: StoreReader, codelist_id: str) -> Codelist:
    snapshot = reader.snapshot()
    table_id = table_of_codelist(codelist_id)
    candidates = [snapshot.entries[table_id]] if table_id in snapshot.entries else []
    for entry in candidates:
        for codelist in codelists_of(entry.meta):
            if codelist.id == codelist_id:
                return codelist
    raise ApiProblem(404, "unknown-codelist",
                     f"no codelist {codelist_id!r}; a table's codelists are listed in its metadata, under "
                     "dimension.VARIABLE.extension.codelists")


def codelist_response(
    reader: StoreReader, codelist_id: str, *, lang: str = DEFAULT_LANGUAGE, base: str = API_PREFIX
) -> dict[str, Any]:
    codelist = find_codelist(reader, codelist_id)
    meta = reader.meta(codelist.table_id)
    variable = meta.variable(codelist.variable)
    values = []
    for value in codelist.values:
        label = value_label(meta, variable, variable.value(value.code), lang)
        item: dict[str, Any] = {"code": value.code, "label": label, "valueMap": list(value.value_map)}
        if value.notes:
            item["notes"] = [{"mandatory": n.mandatory, "text": n.text.get(lang)} for n in value.notes]
        values.append(item)
    out: dict[str, Any] = {
        "id": codelist.id,
        "label": codelist.label.get(lang),
        "language": lang,
        "languages": list(LANGUAGES),
        "elimination": codelist.elimination,
        "type": codelist.type.value,
        "values": values,
        "links": [link("self", _url(base, f"/codelists/{codelist.id}", lang=lang), lang)]
        + [link("alternate", _url(base, f"/codelists/{codelist.id}", lang=other), other)
           for other in LANGUAGES if other != lang],
    }
    if codelist.elimination_value:
        out["eliminationValueCode"] = codelist.elimination_value
    return out


# -- data --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DataSelection:
    """The cells a data query chose: the stored table (of one release) and the resolved selection."""

    stored: StoredTable
    selection: Selection

    @property
    def release(self) -> ReleaseInfo:
        return self.stored.release


def data_dataset(data: DataSelection, *, lang: str = DEFAULT_LANGUAGE, base: str = API_PREFIX) -> dict[str, Any]:
    """The data answer as a JSON-stat 2.0 dataset."""
    meta = data.stored.meta
    return to_jsonstat(
        data.stored.table,
        lang=lang,
        updated=data.release.loaded_at,
        release=data.release.release,
        selection=data.selection.by_variable,
        heading=data.selection.heading,
        stub=data.selection.stub,
        dimension_extension=dimension_extensions(meta, lang, base),
        extension={"px": _px_members(meta, lang)},
    )


def render_data(
    data: DataSelection, output: OutputFormat, *, lang: str = DEFAULT_LANGUAGE, base: str = API_PREFIX
) -> tuple[bytes, str, dict[str, str]]:
    """(body, media type, extra headers) of a data answer in an output format."""
    table = data.stored.table
    selection = data.selection
    filename = f"{table.id}.{SUFFIXES[output.name]}"
    if output.name == "json-stat2":
        return dumps(data_dataset(data, lang=lang, base=base)), MEDIA_TYPES[output.name], {}
    if output.name == "px":
        text = to_px(table, selection.by_variable, heading=selection.heading, stub=selection.stub, lang=lang,
                     updated=data.release.loaded_at, subject_name=subject(table.meta.subject).name)
        return text.encode(), MEDIA_TYPES["px"], {"Content-Disposition": f'attachment; filename="{filename}"'}
    laid_out = pivot(table, selection.by_variable, heading=selection.heading, stub=selection.stub, lang=lang)
    if output.name == "csv":
        text = to_csv(laid_out, separator=output.separator, labels=output.labels, include_title=output.include_title)
        return text.encode(), MEDIA_TYPES["csv"], {"Content-Disposition": f'inline; filename="{filename}"'}
    if output.name == "xlsx":
        body = to_xlsx(laid_out, labels=output.labels, include_title=output.include_title)
        return body, MEDIA_TYPES["xlsx"], {"Content-Disposition": f'attachment; filename="{filename}"'}
    text = to_html(laid_out, labels=output.labels, include_title=output.include_title)
    return text.encode(), MEDIA_TYPES["html"], {}

