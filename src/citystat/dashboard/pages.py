"""The dashboard's pages as data: one query function per page, used by the HTML page and its JSON twin alike.

Each function reads the store (through the server's cached ``StoreReader``) and returns a JSON-ready dict
holding everything its page shows, in one language; the templates only lay it out and add fixed words. So
``/tables/x`` and ``/tables/x.json`` cannot disagree (Datasette's habit).

The words come from the machinery the publication uses: key findings and narratives from
``citystat.language``, the data table from ``publish.report.table_view``, notes from ``publish.notes``, the
chart from ``publish.charts.chart_spec``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from citystat.formats import registry
from citystat.language.narrative import key_findings
from citystat.model import LANGUAGES, City, ReleaseInfo, Role, Status, StoredTable, normalise_language
from citystat.publish.charts import chart_spec, periods_covered
from citystat.publish.findings import table_narrative
from citystat.publish.maps import map_specs
from citystat.publish.report import TableView, moment_words, ordered_tables, table_view
from citystat.publish.writers import report_filename
from citystat.query import StoreReader
from citystat.query.reader import TableEntry
from citystat.serve.pxweb import diff_response, diff_url

from .cards import headline, headline_view
from .words import word

API_PREFIX = "/api/v2"
DOWNLOAD_FORMATS = tuple(  # (outputFormat, what a person calls it, file suffix), from the writer registry
    (w.name, w.label, w.suffix) for w in registry.WRITERS.values() if w.name != "html")
DATA_PAGE_ROWS = 100  # rows of a table page's data table; a larger table is paged (?page=N)
CHART_MAX_CELLS = 10_000  # a table with more cells is not drawn on its page (its spec would hold every cell)
CHANGES_PAGE_ROWS = 20  # changes a release form lists at once; more are paged (?changes=N)
SAVED_PERIODS = (2, 5, 10)  # the "latest N periods" a saved selection offers


class PageNotFound(LookupError):
    """No such page: an unknown service code, a page of a data table past its last."""


# -- links ---------------------------------------------------------------------------------------------------


def page_url(path: str, lang: str, *, json: bool = False, **params: Any) -> str:
    """A dashboard link that carries its language (``/tables/x?lang=en``), or the JSON twin's."""
    if json:
        path = "/index.json" if path == "/" else path + ".json"
    query = "&".join(f"{k}={quote(str(v))}" for k, v in [("lang", lang), *params.items()] if v is not None)
    return f"{path}?{query}"


def home_url(lang: str) -> str:
    return page_url("/", lang)


def service_url(code: str, lang: str) -> str:
    return page_url(f"/services/{code}", lang)


def table_url(table_id: str, lang: str, release: int | None = None) -> str:
    return page_url(f"/tables/{table_id}", lang, release=release)


def publication_url(lang: str) -> str:
    return f"/publication/{report_filename(lang, 'html')}"


def _links(path: str, lang: str, **params: Any) -> dict[str, Any]:
    return {
        "self": page_url(path, lang, **params),
        "json": page_url(path, lang, json=True, **params),
        "alternate": {other: page_url(path, other, **params) for other in LANGUAGES},
        "publication": publication_url(lang),
        "api": page_url("/api", lang),
    }


# -- shared pieces ------------------------------------------------------------------------------------------


def latest_tables(reader: StoreReader) -> list[StoredTable]:
    """The latest release of every table, in the publication's order (by service, longest series first)."""
    snapshot = reader.snapshot()
    return ordered_tables([reader.table(table_id) for table_id in snapshot.entries], snapshot.city)


def _data_as_of(tables: Sequence[StoredTable], lang: str, city: City) -> str:
    return moment_words(max(s.release.loaded_at for s in tables), lang, city) if tables else ""


def _service_entry(code: str, lang: str, city: City) -> dict[str, Any]:
    found = city.subject(code)
    return {"code": code, "name": found.name.get(lang), "description": found.description.get(lang),
            "url": service_url(code, lang)}


def _by_service(tables: Sequence[StoredTable]) -> list[tuple[str, list[StoredTable]]]:
    return [(code, list(group)) for code, group in itertools.groupby(tables, key=lambda s: s.meta.subject)]


def _card(code: str, tables: list[StoredTable], context: Sequence[StoredTable], lang: str,
          city: City) -> dict[str, Any]:
    card = _service_entry(code, lang, city)
    head = headline(tables[0], context)
    card["headline"] = headline_view(head, lang) if head is not None else None
    card["tables"] = [{"id": s.meta.id, "title": s.meta.title.get(lang), "url": table_url(s.meta.id, lang)}
                      for s in tables]
    return card


# -- the pages ----------------------------------------------------------------------------------------------


def home_page(reader: StoreReader, lang: str) -> dict[str, Any]:
    """Key findings (the most telling finding of each service) and one card per service."""
    lang = normalise_language(lang)
    tables, city = latest_tables(reader), reader.snapshot().city
    services = _by_service(tables)
    chosen: dict[str, str] = {}
    by_table = {s.meta.id: s.meta.subject for s in tables}
    for sentence in key_findings(tables, lang):
        chosen.setdefault(by_table[sentence.table_id], sentence.text)
    return {
        "page": "home",
        "lang": lang,
        "title": city.publication_title.get(lang),
        "data_as_of": _data_as_of(tables, lang, city),
        "key_findings": [chosen[code] for code, _ in services if code in chosen],
        "services": [_card(code, group, tables, lang, city) for code, group in services],
        "links": _links("/", lang),
    }


def service_page(reader: StoreReader, code: str, lang: str) -> dict[str, Any]:
    """A service: what it is, its card, and each of its tables with its first finding."""
    lang = normalise_language(lang)
    tables = latest_tables(reader)
    group = [s for s in tables if s.meta.subject == code]
    if not group:
        known = [c for c, _ in _by_service(tables)]
        raise PageNotFound(f"no service {code!r}; the services are {', '.join(known)}")
    city = reader.snapshot().city
    card = _card(code, group, tables, lang, city)
    entries = []
    for stored in group:
        meta = stored.meta
        narrative = table_narrative(stored, lang, context=tables)
        entries.append({
            "id": meta.id,
            "title": meta.title.get(lang),
            "description": meta.description.get(lang) if meta.description else "",
            "periods": periods_covered(meta, lang),
            "release": stored.release.release,
            "finding": narrative[0] if narrative else "",
            "url": table_url(meta.id, lang),
        })
    order = [s.code for s in city.subjects]
    return {
        "page": "service",
        "lang": lang,
        "title": card["name"],
        "service": {k: card[k] for k in ("code", "name", "description", "url")},
        "order": order.index(code) + 1 if code in order else None,
        "headline": card["headline"],
        "tables": entries,
        "data_as_of": _data_as_of(tables, lang, city),
        "links": _links(f"/services/{code}", lang),
    }


def api_page(reader: StoreReader, lang: str, *, api_base: str = API_PREFIX) -> dict[str, Any]:
    """How to reach the same statistics through the PxWeb API: its root URLs and each table's."""
    lang = normalise_language(lang)
    tables = latest_tables(reader)
    return {
        "page": "api",
        "lang": lang,
        "title": word("api_title", lang),
        "api_base": api_base,
        "endpoints": [
            {"name": "config", "label": word("api_endpoint_config", lang), "url": f"{api_base}/config"},
            {"name": "tables", "label": word("api_endpoint_tables", lang), "url": f"{api_base}/tables?lang={lang}"},
            {"name": "openapi", "label": word("api_endpoint_openapi", lang), "url": "/openapi.json"},
        ],
        "docs_url": "/docs",
        "tables": [{
            "id": s.meta.id,
            "title": s.meta.title.get(lang),
            "url": table_url(s.meta.id, lang),
            "table": f"{api_base}/tables/{s.meta.id}?lang={lang}",
            "metadata": f"{api_base}/tables/{s.meta.id}/metadata?lang={lang}",
            "data": f"{api_base}/tables/{s.meta.id}/data?{_api_query(s, lang, 'json-stat2', None)}",
        } for s in tables],
        "data_as_of": _data_as_of(tables, lang, reader.snapshot().city),
        "links": _links("/api", lang),
    }


def _api_query(stored: StoredTable, lang: str, output: str, release: int | None) -> str:
    parts = [("lang", lang), ("outputFormat", output)]
    parts += [(f"valueCodes[{v.code}]", "*") for v in stored.meta.variables]
    if release is not None:
        parts.append(("release", str(release)))
    return "&".join(f"{quote(k, safe='[]')}={quote(v, safe='*')}" for k, v in parts)


def _release_entry(info: ReleaseInfo, lang: str, city: City, *, current: bool, latest: bool) -> dict[str, Any]:
    return {
        "number": info.release,
        "loaded": moment_words(info.loaded_at, lang, city),
        "loaded_at": info.loaded_at.isoformat(),
        "origin": info.origin,
        "content_hash": info.content_hash,
        "cells": info.cell_count,
        "current": current,
        "latest": latest,
        "url": table_url(info.table_id, lang, None if latest else info.release),
    }


def _data_pages(table_id: str, lang: str, release: int | None, page: int, rows: int) -> dict[str, Any]:
    """Where this page of the data table is among all: its rows, and the links to the pages around it."""
    pages = max(1, math.ceil(rows / DATA_PAGE_ROWS))
    if page > pages:
        raise PageNotFound(f"table {table_id!r} has {pages} page(s) of data, not {page}")

    def url(number: int) -> str:
        return page_url(f"/tables/{table_id}", lang, release=release, page=None if number == 1 else number)

    first = (page - 1) * DATA_PAGE_ROWS
    return {
        "number": page,
        "pages": pages,
        "size": DATA_PAGE_ROWS,
        "rows": rows,
        "first_row": first + 1 if rows else 0,
        "last_row": min(first + DATA_PAGE_ROWS, rows),
        "first": url(1) if page > 1 else None,
        "previous": url(page - 1) if page > 1 else None,
        "next": url(page + 1) if page < pages else None,
        "last": url(pages) if page < pages else None,
    }


def _rows(view: TableView, lang: str) -> list[dict[str, Any]]:
    statuses = {s.value: s.description.get(lang) for s in Status}
    return [{
        "label": row.label,
        "notes": row.notes,
        "cells": [{"text": c.text, "status": c.status, "status_label": statuses[c.status] if c.status else "",
                   "notes": c.notes} for c in row.cells],
    } for row in view.rows]


def release_changes(
    reader: StoreReader, entry: TableEntry, release: int, lang: str, *, api_base: str = API_PREFIX, page: int = 1
) -> dict[str, Any] | None:
    """What a release changed against the release before it, as the release form shows it: the counts and one page
    of the changes, from the API's diff resource (so ``citystat diff``, the API and the page say the same); None for
    a table's first release."""
    table_id = entry.meta.id
    previous = entry.previous(release)
    if previous is None:
        if page != 1:
            raise PageNotFound(f"release {release} of {table_id!r} is its first: it changed nothing")
        return None
    found = diff_response(reader, table_id, previous.release, release, lang=lang, page_number=page,
                          page_size=CHANGES_PAGE_ROWS, base=api_base)
    pages, total = found["page"]["totalPages"], found["page"]["totalElements"]
    if page > pages:
        raise PageNotFound(f"release {release} of {table_id!r} has {pages} page(s) of changes, not {page}")
    shown_release = None if release == entry.latest.release else release

    def url(number: int) -> str:
        return page_url(f"/tables/{table_id}", lang, release=shown_release,
                        changes=None if number == 1 else number) + "#release-changes"

    first = (page - 1) * CHANGES_PAGE_ROWS
    return {
        "release": release,
        "previous": previous.release,
        "counts": found["counts"],
        "metadata_changed": found["metadata_changed"],
        "changes": found["changes"],
        "page": {"number": page, "pages": pages, "size": CHANGES_PAGE_ROWS, "rows": total,
                 "first_row": first + 1 if total else 0, "last_row": min(first + CHANGES_PAGE_ROWS, total),
                 "previous": url(page - 1) if page > 1 else None, "next": url(page + 1) if page < pages else None},
        "api_url": diff_url(api_base, table_id, previous.release, release, lang),
    }


def table_data_page(reader: StoreReader, first: dict[str, Any], page: int) -> dict[str, Any]:
    """Another page of a table page's data table: ``first`` (the table's page 1) with that page's rows, symbols
    and links; the chart, narrative and notes, which are about the whole table, are page 1's."""
    if page == 1:
        return first
    lang, table_id = first["lang"], first["id"]
    release = first["release"]["number"]
    shown_release = None if first["release"]["latest"] else release
    stored = reader.table(table_id, release)
    start = (page - 1) * DATA_PAGE_ROWS
    view = table_view(stored, lang, 1, range(start, start + DATA_PAGE_ROWS))
    return {
        **first,
        "data": {**first["data"], "rows": _rows(view, lang),
                 "page": _data_pages(table_id, lang, shown_release, page, view.row_count)},
        "symbols": [{"symbol": s, "meaning": m} for s, m in view.symbols],
        "links": _links(f"/tables/{table_id}", lang, release=shown_release, page=page),
    }


def table_page(
    reader: StoreReader, table_id: str, lang: str, release: int | None = None, *, api_base: str = API_PREFIX,
    page: int = 1, changes_page: int = 1,
) -> dict[str, Any]:
    """One table: chart, data table, narrative, notes and source, its release and the others, downloads.

    ``release`` views an earlier release (the latest when None); ``api_base`` is the API root links point to;
    ``page`` is the page of the data table shown (DATA_PAGE_ROWS rows each), so a large table's page stays small;
    ``changes_page`` the page of what the release changed (CHANGES_PAGE_ROWS changes each).
    """
    if page != 1:
        first = table_page(reader, table_id, lang, release, api_base=api_base, changes_page=changes_page)
        return table_data_page(reader, first, page)
    lang = normalise_language(lang)
    snapshot = reader.snapshot()
    entry, city = snapshot.entry(table_id), snapshot.city
    info = entry.release(release)
    stored = reader.table(table_id, info.release)
    is_latest = info.release == entry.latest.release
    context = [stored if s.meta.id == table_id else s for s in latest_tables(reader)]
    meta = stored.meta
    view = table_view(stored, lang, 1, range(DATA_PAGE_ROWS))
    shown_release = None if is_latest else info.release
    pages = _data_pages(meta.id, lang, shown_release, 1, view.row_count)
    rows = _rows(view, lang)
    time_variable = meta.time
    charted = len(stored.table.cells) <= CHART_MAX_CELLS
    chart = None
    if charted:
        spec = chart_spec(stored, lang, context=context, standalone=False)  # it names its kind, describes itself
        chart = {"kind": spec["usermeta"]["citystat"]["chart"], "description": spec["description"], "spec": spec}
    return {
        "page": "table",
        "lang": lang,
        "id": meta.id,
        "title": meta.title.get(lang),
        "description": meta.description.get(lang) if meta.description else "",
        "service": _service_entry(meta.subject, lang, city),
        "periods": periods_covered(meta, lang),
        "release": _release_entry(info, lang, city, current=True, latest=is_latest),
        "latest_release": entry.latest.release,
        "releases": [_release_entry(r, lang, city, current=r.release == info.release,
                                    latest=r.release == entry.latest.release) for r in reversed(entry.releases)],
        # what the release in use changed against the one before it (None for the first release)
        "release_changes": release_changes(reader, entry, info.release, lang, api_base=api_base, page=changes_page),
        "narrative": table_narrative(stored, lang, context=context),
        "chart": chart,  # None for a table too large to draw whole: its data table is paged, its data downloaded
        "maps": [{"id": f"map-{m['usermeta']['citystat']['measure']}", "description": m["description"], "spec": m,
                  "measure": meta.metric.value(m["usermeta"]["citystat"]["measure"]).label.get(lang)}
                 for m in (map_specs(stored, lang) if charted else ())],
        "data": {
            "caption": view.title,
            "subtitle": view.subtitle,
            "stub_header": view.stub_header,
            "time_in_stub": any(v.role is Role.TIME and len(v.values) > 1 for v in meta.variables),
            "time_variable": time_variable.label.get(lang),
            "columns": [{"label": c.label, "unit": c.unit, "notes": c.notes} for c in view.columns],
            "rows": rows,
            "page": pages,
        },
        "symbols": [{"symbol": s, "meaning": m} for s, m in view.symbols],
        "notes": [{"number": n.number, "where": n.where, "text": n.text, "mandatory": n.mandatory}
                  for n in view.notes],
        "sources": view.sources,
        "save_periods": list(SAVED_PERIODS),
        "saved": None,  # the saved selection just made, on the page "save this selection" returns to
        "downloads": [
            {"format": output, "label": label, "filename": f"{meta.id}.{suffix}",
             "url": f"{api_base}/tables/{meta.id}/data?{_api_query(stored, lang, output, shown_release)}"}
            for output, label, suffix in DOWNLOAD_FORMATS
        ],
        "api_url": f"{api_base}/tables/{meta.id}/data?{_api_query(stored, lang, 'json-stat2', shown_release)}",
        "data_as_of": moment_words(info.loaded_at, lang, city),
        "links": _links(f"/tables/{meta.id}", lang, release=shown_release),
    }

