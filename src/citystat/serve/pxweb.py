"""The answers of the PxWeb API 2.0, as plain functions of a StoreReader.

The HTTP routers call these, and so can any other page of the same app (the dashboard and its JSON twins):
each returns plain JSON-ready data, or raises the library's errors (TableNotFound, SelectionError,
ApiProblem), which the app turns into problem+json answers.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import Any
from urllib.parse import urlencode

from citystat.formats import registry
from citystat.formats.display import value_label
from citystat.formats.jsonstat import iso_utc, to_jsonstat
from citystat.model import City, ReleaseInfo, StoredTable, Table, TableMeta, Text
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
from citystat.store.diff import Change
from citystat.store.saved_queries import SavedQueryLimits


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
MEDIA_TYPES = {w.name: w.media_type for w in registry.WRITERS.values()}
SUFFIXES = {w.name: w.suffix for w in registry.WRITERS.values()}


RATE_LIMIT_ENV = "CITYSTAT_RATE_LIMIT"  # "CALLS/SECONDS" (e.g. 1000/10), or "off"
SAVED_QUERIES_ENV = "CITYSTAT_SAVED_QUERIES"  # "COUNT,BYTES,DAYS" (e.g. 10000,16384,365)
STREAM_FROM_CELLS_ENV = "CITYSTAT_STREAM_FROM_CELLS"  # data answers of this many cells or more are streamed


@dataclass(frozen=True)
class ApiSettings:
    """What /config announces, and the limits the API keeps."""

    max_data_cells: int = 1_000_000
    # A data answer of this many cells or more is streamed as it is written (not cached, not gzipped).
    stream_from_cells: int = 50_000
    # The rate limit /config announces, kept per client address (citystat.serve.rate_limit) unless turned off.
    max_calls_per_time_window: int = 1_000
    time_window: int = 10
    rate_limit: bool = True
    saved_queries: SavedQueryLimits = SavedQueryLimits()
    license: str = "Open Government Data License, version 1.0 (https://data.gov.tw/license)"

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> ApiSettings:
        """The settings with CITYSTAT_RATE_LIMIT, CITYSTAT_SAVED_QUERIES and CITYSTAT_STREAM_FROM_CELLS applied;
        ValueError says what is wrong."""
        settings = cls()
        rate = environ.get(RATE_LIMIT_ENV, "").strip().lower()
        if rate in ("off", "0", "no", "false"):
            settings = dataclasses.replace(settings, rate_limit=False)
        elif rate:
            calls, _, seconds = rate.partition("/")
            try:
                settings = dataclasses.replace(settings, max_calls_per_time_window=int(calls),
                                               time_window=int(seconds or settings.time_window))
            except ValueError:
                raise ValueError(f"{RATE_LIMIT_ENV}={rate!r}: write CALLS/SECONDS (e.g. 1000/10) or off") from None
            if settings.max_calls_per_time_window < 1 or settings.time_window < 1:
                raise ValueError(f"{RATE_LIMIT_ENV}={rate!r}: calls and seconds must be 1 or more")
        saved = environ.get(SAVED_QUERIES_ENV, "").strip()
        if saved:
            try:
                count, size, days = (int(part) for part in saved.split(","))
            except ValueError:
                raise ValueError(f"{SAVED_QUERIES_ENV}={saved!r}: write COUNT,BYTES,DAYS "
                                 "(e.g. 10000,16384,365)") from None
            settings = dataclasses.replace(settings, saved_queries=SavedQueryLimits(count, size, days))
        stream = environ.get(STREAM_FROM_CELLS_ENV, "").strip()
        if stream:
            if not stream.isdigit() or int(stream) < 1:
                raise ValueError(f"{STREAM_FROM_CELLS_ENV}={stream!r}: write a number of cells, 1 or more")
            settings = dataclasses.replace(settings, stream_from_cells=int(stream))
        return settings


def dumps(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def link(rel: str, href: str, lang: str) -> dict[str, str]:
    return {"rel": rel, "hreflang": lang, "href": href}


def _page_links(page_number: int, pages: int, page_url: Callable[[int], str], lang: str, *,
                ends: bool = True) -> list[dict[str, Any]]:
    """The links of a page block: next and previous where there are such pages, and with ``ends`` the first and
    the last when there is more than one."""
    out = []
    if page_number < pages:
        out.append(link("next", page_url(page_number + 1), lang))
    if page_number > 1:
        out.append(link("previous", page_url(page_number - 1), lang))
    if ends and pages > 1:
        out += [link("first", page_url(1), lang), link("last", page_url(pages), lang)]
    return out


def _url(base: str, path: str, **params: Any) -> str:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return f"{base}{path}" + (f"?{query}" if query else "")


# -- /config -----------------------------------------------------------------------------------------

SOURCE_REFERENCE = Text("資料來源：{government}（citystat 統計資料庫）",
                        "Source: {government} (citystat statistical database)")


def config_response(settings: ApiSettings, city: City) -> dict[str, Any]:
    return {
        "apiVersion": API_VERSION,
        "appVersion": app_version(),
        "languages": [{"id": lang, "label": LANGUAGE_NAMES[lang]} for lang in LANGUAGES],
        "defaultLanguage": DEFAULT_LANGUAGE,
        "maxDataCells": settings.max_data_cells,
        "maxCallsPerTimeWindow": settings.max_calls_per_time_window,
        "timeWindow": settings.time_window,
        "license": settings.license,
        "sourceReferences": [{"language": lang, "text": SOURCE_REFERENCE.get(lang).format(
            government=city.government.get(lang))} for lang in LANGUAGES],
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
            {"id": "rateLimit", "params": [
                {"key": "enforced", "value": "true" if settings.rate_limit else "false"},
                {"key": "per", "value": "client address"},
            ]},
            {"id": "savedQueries", "params": [
                {"key": "maxCount", "value": str(settings.saved_queries.max_count)},
                {"key": "maxBytes", "value": str(settings.saved_queries.max_bytes)},
                {"key": "expiresAfterDays", "value": str(settings.saved_queries.days)},
                {"key": "release", "value": "a saved query with release=N is pinned to it; without, it reads "
                                            "the latest release"},
            ]},
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


def table_entry(
    summary: TableSummary, lang: str, base: str = API_PREFIX, previous: ReleaseInfo | None = None
) -> dict[str, Any]:
    """One table as /tables and /tables/{id} describe it; with a link ``releases`` to its releases and, with
    ``previous`` (the release before the one described), a link ``changes`` to what the release changed against it
    (extensions)."""
    meta = summary.meta
    links = _table_links(meta.id, lang, base)
    links.append(link("releases", _url(base, f"/tables/{meta.id}/releases", lang=lang), lang))
    if previous is not None:
        links.append(link("changes", diff_url(base, meta.id, previous.release, summary.release.release, lang), lang))
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
        "links": links,
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
    snapshot = reader.snapshot()
    found = search(snapshot, query=query, past_days=past_days, include_discontinued=include_discontinued)
    total = len(found)
    pages = max(1, math.ceil(total / page_size))
    # A page past the last is an empty page (the specification documents only 200 for /tables); its
    # "page" block says how many pages there are.
    shown = found[(page_number - 1) * page_size: page_number * page_size]

    def page_url(number: int) -> str:
        return _url(base, "/tables", lang=lang, query=query or None, pastDays=past_days,
                    includeDiscontinued="true" if include_discontinued else None, pageSize=page_size,
                    pageNumber=number)

    page_links = _page_links(page_number, pages, page_url, lang)
    return {
        "language": lang,
        "tables": [table_entry(s, lang, base, snapshot.entry(s.meta.id).previous(s.release.release)) for s in shown],
        "page": {"pageNumber": page_number, "pageSize": page_size, "totalElements": total, "totalPages": pages,
                 "links": page_links},
        "links": [link("self", page_url(page_number), lang)],
    }


def table_response(
    reader: StoreReader, table_id: str, *, lang: str = DEFAULT_LANGUAGE, release: int | None = None,
    base: str = API_PREFIX,
) -> dict[str, Any]:
    """The TableResponse of one table (of its latest release, or of release ``release``)."""
    snapshot = reader.snapshot()
    info = snapshot.release(table_id, release)
    entry = table_entry(summarise(reader.meta(table_id, info.release), info, snapshot.city), lang, base,
                        snapshot.entry(table_id).previous(info.release))
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


def _px_members(meta: TableMeta, lang: str, city: City) -> dict[str, Any]:
    return {"subject-area": city.subject(meta.subject).name.get(lang)}


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
    saved_selection: SelectionRequest | None = None,
) -> dict[str, Any]:
    """The table's metadata as a JSON-stat 2.0 dataset with an empty ``value``.

    ``codelists`` {variable: codelist id} restricts variables to a codelist's values; with
    ``use_default_selection`` the dimensions hold the default selection, with ``saved_selection`` (a saved
    query's, for PxWeb's ``savedQuery=``) what it selects.
    """
    info = reader.release(table_id, release)
    meta = reader.meta(table_id, info.release)
    selection: Selection | None = None
    if saved_selection is not None:
        selection = resolve(meta, saved_selection, max_cells=max_cells)
    elif codelists:
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
        extension={"px": _px_members(meta, lang, reader.snapshot().city),
                   **_release_changes_member(reader, table_id, info.release, lang, base)},
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


# -- what a release changed ---------------------------------------------------------------------------------

DIFF_PAGE_SIZE = 1_000  # changes in one page of a diff, unless pageSize says otherwise
MAX_DIFF_PAGE_SIZE = 10_000


def diff_url(base: str, table_id: str, old: int, new: int, lang: str, **params: Any) -> str:
    return _url(base, f"/tables/{table_id}/releases/{old}/diff/{new}", lang=lang, **params)


def release_changes(reader: StoreReader, table_id: str, release: int, *, lang: str = DEFAULT_LANGUAGE,
                    base: str = API_PREFIX) -> dict[str, Any] | None:
    """What release ``release`` changed against the release before it: how many cells were added, removed and
    revised, whether the metadata changed, and the link to every change; None for a table's first release."""
    previous = reader.snapshot().entry(table_id).previous(release)
    if previous is None:
        return None
    found = reader.diff(table_id, previous.release, release, limit=0)
    return {
        "release": release,
        "previousRelease": previous.release,
        "counts": {change.value: found.count(change) for change in Change},
        "metadataChanged": found.metadata_changed,
        "href": diff_url(base, table_id, previous.release, release, lang),
    }


RELEASES_PAGE_SIZE = 20  # releases in one page of /tables/{id}/releases (each with its diff's counts)
MAX_RELEASES_PAGE_SIZE = 50


def releases_response(
    reader: StoreReader, table_id: str, *, lang: str = DEFAULT_LANGUAGE, page_number: int = 1,
    page_size: int = RELEASES_PAGE_SIZE, base: str = API_PREFIX,
) -> dict[str, Any]:
    """A table's releases, newest first, one page of them: each with when it was loaded, its content hash and cell
    count, and what it changed against the release before it (``releaseChanges``, as its metadata's extension
    says; null for the first release)."""
    if page_number < 1:
        raise ApiProblem(400, "bad-parameter", f"pageNumber must be 1 or more, not {page_number}")
    if not 1 <= page_size <= MAX_RELEASES_PAGE_SIZE:
        raise ApiProblem(400, "bad-parameter",
                         f"pageSize must be from 1 to {MAX_RELEASES_PAGE_SIZE}, not {page_size}")
    releases = list(reversed(reader.snapshot().entry(table_id).releases))
    pages = max(1, math.ceil(len(releases) / page_size))

    def page_url(number: int) -> str:
        return _url(base, f"/tables/{table_id}/releases", lang=lang, pageSize=page_size, pageNumber=number)

    page_links = _page_links(page_number, pages, page_url, lang, ends=False)
    shown = releases[(page_number - 1) * page_size: page_number * page_size]
    return {
        "id": table_id,
        "language": lang,
        "releases": [{
            "release": info.release,
            "updated": iso_utc(info.loaded_at),
            "contentHash": info.content_hash,
            "cellCount": info.cell_count,
            "releaseChanges": release_changes(reader, table_id, info.release, lang=lang, base=base),
            "links": [link("metadata", _url(base, f"/tables/{table_id}/metadata", lang=lang, release=info.release),
                           lang)],
        } for info in shown],
        "page": {"pageNumber": page_number, "pageSize": page_size, "totalElements": len(releases),
                 "totalPages": pages, "links": page_links},
        "links": [link("self", page_url(page_number), lang)],
    }


def _release_changes_member(reader: StoreReader, table_id: str, release: int, lang: str,
                            base: str) -> dict[str, Any]:
    changes = release_changes(reader, table_id, release, lang=lang, base=base)
    return {} if changes is None else {"releaseChanges": changes}


def diff_response(
    reader: StoreReader, table_id: str, old: int, new: int, *, lang: str = DEFAULT_LANGUAGE, page_number: int = 1,
    page_size: int = DIFF_PAGE_SIZE, base: str = API_PREFIX,
) -> dict[str, Any]:
    """One page of the cells added, removed and revised from release ``old`` to ``new``: the members of
    ``citystat diff --json`` (its counts are of every change, its ``changes`` this page's), a ``page`` block as
    /tables has, and links."""
    if page_number < 1:
        raise ApiProblem(400, "bad-parameter", f"pageNumber must be 1 or more, not {page_number}")
    if not 1 <= page_size <= MAX_DIFF_PAGE_SIZE:
        raise ApiProblem(400, "bad-parameter", f"pageSize must be from 1 to {MAX_DIFF_PAGE_SIZE}, not {page_size}")
    found = reader.diff(table_id, old, new, offset=(page_number - 1) * page_size, limit=page_size)
    pages = max(1, math.ceil(found.total / page_size))

    def page_url(number: int, language: str = lang) -> str:
        return diff_url(base, table_id, old, new, language, pageSize=page_size, pageNumber=number)

    page_links = _page_links(page_number, pages, page_url, lang)
    return {
        **found.to_dict(lang),
        "page": {"pageNumber": page_number, "pageSize": page_size, "totalElements": found.total,
                 "totalPages": pages, "links": page_links},
        "links": [link("self", page_url(page_number), lang)]
        + [link("alternate", page_url(page_number, other), other) for other in LANGUAGES if other != lang]
        + [link("metadata", _url(base, f"/tables/{table_id}/metadata", lang=lang, release=number), lang)
           for number in (old, new)],
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
    city: City  # whose statistics: the subject's name, the source line

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
        extension={"px": _px_members(meta, lang, data.city)},
    )


def _rendering(data: DataSelection, output: OutputFormat, lang: str, base: str) -> registry.Rendering:
    table = data.stored.table
    selection = data.selection
    return registry.Rendering(
        table, selection.by_variable, tuple(selection.heading), tuple(selection.stub), lang,
        data.release.loaded_at, data.release.release, labels=output.labels, include_title=output.include_title,
        separator=output.separator, subject_name=data.city.subject(table.meta.subject).name,
        jsonstat_extension={"px": _px_members(table.meta, lang, data.city)},
        jsonstat_dimension_extension=dimension_extensions(table.meta, lang, base),
    )


def _data_headers(writer: registry.Writer, table_id: str) -> dict[str, str]:
    disposition = "attachment" if writer.download else "inline"
    return {} if writer.name in ("json-stat2", "html") else {
        "Content-Disposition": f'{disposition}; filename="{table_id}.{writer.suffix}"'}


def render_data(
    data: DataSelection, output: OutputFormat, *, lang: str = DEFAULT_LANGUAGE, base: str = API_PREFIX
) -> tuple[bytes, str, dict[str, str]]:
    """(body, media type, extra headers) of a data answer in an output format (any of the writer registry's)."""
    writer = registry.writer(output.name)
    body = writer.write(_rendering(data, output, lang, base))
    return body, writer.media_type, _data_headers(writer, data.stored.table.id)


def stream_data(
    data: DataSelection, output: OutputFormat, *, lang: str = DEFAULT_LANGUAGE, base: str = API_PREFIX
) -> tuple[Iterator[bytes], str, dict[str, str]]:
    """As ``render_data``, with the body as a stream of chunks: the same bytes, never held whole."""
    writer = registry.writer(output.name)
    chunks = writer.stream(_rendering(data, output, lang, base))
    return chunks, writer.media_type, _data_headers(writer, data.stored.table.id)


# -- saved queries -----------------------------------------------------------------------------------------

def saved_query_request(document: Mapping[str, Any]) -> SelectionRequest:
    """The selection a saved query's document holds, as the data route reads it."""
    selection = document.get("selection") or {}
    placement = selection.get("placement") or {}
    heading, stub = placement.get("heading"), placement.get("stub")
    return SelectionRequest(
        tuple(VariableRequest(item["variableCode"], tuple(item.get("valueCodes") or ()), item.get("codelist") or None)
              for item in selection.get("selection") or ()),
        tuple(heading) if heading is not None else None,
        tuple(stub) if stub is not None else None,
    )


def saved_query_links(query_id: str, lang: str, base: str = API_PREFIX) -> list[dict[str, str]]:
    return [link("self", f"{base}/savedqueries/{query_id}", lang),
            link("data", _url(base, f"/savedqueries/{query_id}/data", lang=lang), lang),
            link("selection", _url(base, f"/savedqueries/{query_id}/selection", lang=lang), lang)]


def saved_query_response(query_id: str, document: Mapping[str, Any], base: str = API_PREFIX) -> dict[str, Any]:
    """The SavedQueryResponse: the query as it was saved, with its id and links."""
    lang = document["language"]
    return {"language": lang, "id": query_id, "savedQuery": {**document, "id": query_id},
            "links": saved_query_links(query_id, lang, base)}


def saved_selection_response(
    query_id: str, selection: Selection, lang: str, base: str = API_PREFIX
) -> dict[str, Any]:
    """The SelectionResponse of a saved query: its expressions resolved to the value codes they give now."""
    return {
        "selection": [{"variableCode": var, "valueCodes": list(codes)} for var, codes in selection.codes],
        "placement": {"heading": list(selection.heading), "stub": list(selection.stub)},
        "language": lang,
        "links": [link("self", _url(base, f"/savedqueries/{query_id}/selection", lang=lang), lang),
                  link("data", _url(base, f"/savedqueries/{query_id}/data", lang=lang), lang)],
    }
