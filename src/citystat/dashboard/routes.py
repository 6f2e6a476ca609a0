"""The dashboard's routes, added to the API's app (``create_app(..., extra_routers=dashboard.routers())``).

Every page answers HTML, or its JSON twin at the same URL with ``.json`` (``/tables/x.json``, ``/index.json``
for the home page) or with ``Accept: application/json``; both come from the same page data, built once per
catalog version and language and kept in the app's answer cache with an ETag (a repeat visit gets 304).

The publication (``/publication/citystat-publication.{lang}.html``) is generated on demand from the same
database the dashboard shows and kept in memory until the catalog changes: it can never be older than the
pages that link to it. The first request in a language waits for it (several seconds).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from functools import cache
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from citystat.catalog import bundled_city
from citystat.model import LANGUAGES, normalise_language
from citystat.publish.assets import SCRIPTS, static_path
from citystat.publish.report import build_publication
from citystat.publish.writers import render_html, report_filename
from citystat.query import StoreReader
from citystat.serve import params
from citystat.serve.context import ServeContext, api_base, context
from citystat.serve.problems import ApiProblem, problem_response
from citystat.serve.routers.savedqueries import save_query, saved_queries
from citystat.serve.schemas import SavedQuery, VariableSelection, VariablesSelection
from citystat.store import TableNotFound

from .pages import (
    PageNotFound,
    api_page,
    home_page,
    latest_tables,
    page_url,
    publication_url,
    service_page,
    table_data_page,
    table_page,
)
from .render import MEDIA_TYPES, TEMPLATES, render_page, static_files, static_version
from .words import word

router = APIRouter(include_in_schema=False)

HTML = "text/html; charset=utf-8"
JSON = "application/json; charset=utf-8"
VARY = {"Vary": "Accept, Accept-Encoding"}
PAGE_MEMO_SIZE = 256

PageBuilder = Callable[[StoreReader, str], dict[str, Any]]


class _PageMemo:
    """Page data by key, so a page and its JSON twin are built once; bounded, thread-safe."""

    def __init__(self) -> None:
        self._items: OrderedDict[Hashable, dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, build: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                return found
        data = build()
        with self._lock:
            self._items[key] = data
            while len(self._items) > PAGE_MEMO_SIZE:
                self._items.popitem(last=False)
        return data


class _DashboardState:
    """What the dashboard keeps per app (per database): page data, and the publications built."""

    def __init__(self) -> None:
        self.pages = _PageMemo()
        self.publications: dict[Hashable, bytes] = {}
        self.publication_lock = threading.Lock()


_state_lock = threading.Lock()


def _state(request: Request) -> _DashboardState:
    state = getattr(request.app.state, "citystat_dashboard", None)
    if state is None:
        with _state_lock:
            state = getattr(request.app.state, "citystat_dashboard", None)
            if state is None:
                state = _DashboardState()
                request.app.state.citystat_dashboard = state
    return state  # type: ignore[no-any-return]


@cache
def _code_version() -> str:
    """A digest of the templates and static files: a changed template must not be answered 304 from an old ETag."""
    digest = hashlib.sha256()
    for path in sorted(TEMPLATES.glob("*.j2")):
        digest.update(path.read_bytes())
    for name in sorted(static_files()):
        digest.update(static_version(name).encode())
    return digest.hexdigest()[:12]


def _dumps(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def _wants_json(request: Request, suffixed: bool) -> bool:
    if suffixed:
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def _split_suffix(name: str) -> tuple[str, bool]:
    return (name[: -len(".json")], True) if name.endswith(".json") else (name, False)


def _error(request: Request, status: int, detail: str, as_json: bool, lang: str = params.DEFAULT_LANGUAGE) -> Response:
    if as_json:
        return problem_response(status, "not-found" if status == 404 else "bad-request", detail,
                                instance=request.url.path)
    page = {
        "page": "error",
        "lang": lang,
        "title": word("not_found" if status == 404 else "bad_request", lang),
        "detail": detail,
        "data_as_of": "",
        "links": {"self": request.url.path, "json": page_url("/", lang, json=True),
                  "alternate": {other: page_url("/", other) for other in LANGUAGES},
                  "publication": publication_url(lang), "api": page_url("/api", lang)},
    }
    snapshot = context(request).reader.current()  # an error page does not wait for the database
    city = snapshot.city if snapshot is not None else bundled_city()
    return Response(render_page(page, city).encode(), status_code=status, media_type=HTML)


async def _page(
    request: Request, name: tuple[Hashable, ...], build: PageBuilder, as_json: bool, *extra: Hashable
) -> Response:
    """A page or its JSON twin, from page data built once per (page, language, catalog version)."""
    ctx: ServeContext = context(request)
    try:
        lang = params.language(request.query_params.get("lang"))
    except ApiProblem as problem:
        return _error(request, 400, problem.detail, as_json)
    snapshot = await ctx.snapshot()
    data_key = ("dashboard", _code_version(), *name, lang, snapshot.version, *extra)
    memo = _state(request).pages

    def built() -> tuple[bytes, str, dict[str, str]]:
        data = memo.get(data_key, lambda: build(ctx.reader, lang))
        if as_json:
            return _dumps(data), JSON, VARY
        return render_page(data, snapshot.city).encode(), HTML, VARY

    try:
        return await ctx.answer(request, (*data_key, "json" if as_json else "html"), built,
                                last_modified=max((e.latest.loaded_at for e in snapshot.entries.values()),
                                                  default=None))
    except TableNotFound as exc:
        return _error(request, 404, str(exc), as_json, lang)
    except PageNotFound as exc:
        return _error(request, 404, str(exc), as_json, lang)
    except ApiProblem as problem:
        return _error(request, problem.status, problem.detail, as_json, lang)


# -- pages ----------------------------------------------------------------------------------------------------


@router.get("/")
async def home(request: Request) -> Response:
    return await _page(request, ("home",), home_page, _wants_json(request, False))


@router.get("/index.json")
@router.get("/.json")
async def home_json(request: Request) -> Response:
    return await _page(request, ("home",), home_page, True)


@router.get("/services/{code}")
async def service(request: Request, code: str) -> Response:
    code, suffixed = _split_suffix(code)
    return await _page(request, ("service", code), lambda reader, lang: service_page(reader, code, lang),
                       _wants_json(request, suffixed))


@router.get("/tables/{table_id}")
async def table(request: Request, table_id: str) -> Response:
    table_id, suffixed = _split_suffix(table_id)
    as_json = _wants_json(request, suffixed)
    try:
        release = params.release(request.query_params.get("release"))
    except ApiProblem as problem:
        return _error(request, 400, problem.detail, as_json)
    page = _page_number(request.query_params.get("page"))
    if page is None:
        return _error(request, 400, "page must be a whole number from 1", as_json)
    changes_page = _page_number(request.query_params.get("changes"))
    if changes_page is None:
        return _error(request, 400, "changes must be a whole number from 1", as_json)
    base = api_base(request)
    saved_id = request.query_params.get("saved") or None
    saved = None
    if saved_id is not None:  # the page after "save this selection": it shows the saved query's addresses
        found = await run_in_threadpool(saved_queries(request).get, saved_id)
        if found is None or found.table_id != table_id:
            return _error(request, 404, "no such saved selection of this table (it may have expired)", as_json)
        saved = {"id": found.id, "api_url": f"{base}/savedqueries/{found.id}",
                 "data_url": f"{base}/savedqueries/{found.id}/data",
                 "link": str(request.url_for("table", table_id=table_id).include_query_params(
                     lang=found.document["language"], saved=found.id))}

    def build(reader: StoreReader, lang: str) -> dict[str, Any]:
        if page == 1:
            built = table_page(reader, table_id, lang, release, api_base=base, changes_page=changes_page)
            return {**built, "saved": saved} if saved else built
        # another page of the data table: page 1's data (chart, narrative) as built once, with this page's rows
        first_key = ("dashboard", _code_version(), "table", table_id, release, None, 1, changes_page, lang,
                     reader.snapshot().version, base)
        first = _state(request).pages.get(
            first_key, lambda: table_page(reader, table_id, lang, release, api_base=base, changes_page=changes_page))
        return table_data_page(reader, first, page)

    return await _page(request, ("table", table_id, release, saved_id, page, changes_page), build, as_json, base)


def _page_number(text: str | None) -> int | None:
    """The data table's page asked for (1 when not given); None when it is not a page number."""
    if text is None or text == "":
        return 1
    if not text.isascii() or not text.isdigit() or len(text) > 9 or int(text) < 1:
        return None
    return int(text)


SAVE_FORM_BYTES = 4096


@router.post("/tables/{table_id}/savedqueries")
async def save_selection(request: Request, table_id: str) -> Response:
    """The table page's "save this selection": a plain form (no script needed), kept as a saved query of the
    API, then back to the table page, which shows its link and API URL."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > SAVE_FORM_BYTES:
            return _error(request, 413, "the form is larger than a saved selection can be", False)
    form = {k: v[-1] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
    lang = params.DEFAULT_LANGUAGE
    try:
        lang = params.language(form.get("lang"))
        release = params.release(form.get("release")) if form.get("pin") else None
        latest = int(form["latest"]) if form.get("latest", "").isdigit() and int(form["latest"]) > 0 else None
        meta = (await context(request).snapshot()).entry(table_id).meta
        time_code = meta.time.code
        selection = [VariableSelection(variableCode=v.code, codelist=None,
                                       valueCodes=[f"TOP({latest})" if latest and v.code == time_code else "*"])
                     for v in meta.variables]
        query = SavedQuery(id=None, tableId=table_id, language=lang, selection=VariablesSelection(selection=selection),
                           outputFormat=form.get("outputFormat") or None, release=release)
        saved = await save_query(context(request), saved_queries(request), query)
    except TableNotFound as exc:
        return _error(request, 404, str(exc), False, lang)
    except ApiProblem as problem:
        return _error(request, problem.status, problem.detail, False, lang)
    target = request.url_for("table", table_id=table_id).include_query_params(lang=lang, saved=saved.id)
    if release is not None:
        target = target.include_query_params(release=release)
    return RedirectResponse(str(target), status_code=303)


@router.get("/api")
async def api(request: Request) -> Response:
    return await _api(request, _wants_json(request, False))


@router.get("/api.json")
async def api_json(request: Request) -> Response:
    return await _api(request, True)


async def _api(request: Request, as_json: bool) -> Response:
    base = api_base(request)
    return await _page(request, ("api",), lambda reader, lang: api_page(reader, lang, api_base=base), as_json, base)


# -- the publication ------------------------------------------------------------------------------------------


@router.get("/publication")
@router.get("/publication/")
async def publication_index(request: Request) -> Response:
    try:
        lang = params.language(request.query_params.get("lang"))
    except ApiProblem as problem:
        return _error(request, 400, problem.detail, False)
    return RedirectResponse(publication_url(lang), status_code=307)


@router.get("/publication/assets/{name}")
async def publication_asset(request: Request, name: str) -> Response:
    if name not in SCRIPTS:
        return _error(request, 404, f"the publication has no file assets/{name}", False)
    path = static_path(name)
    return await context(request).answer(
        request, ("publication-asset", name, path.stat().st_size, path.stat().st_mtime_ns),
        lambda: (path.read_bytes(), MEDIA_TYPES[".js"], {}),
    )


def _publication_html(reader: StoreReader, lang: str, key: Hashable, state: _DashboardState) -> bytes:
    done = state.publications
    with state.publication_lock:  # one build at a time: a second request for it waits and takes the first's
        if key not in done:
            while len(done) >= len(LANGUAGES):
                done.pop(next(iter(done)))
            publication = build_publication(latest_tables(reader), lang, city=reader.snapshot().city)
            done[key] = render_html(publication, "screen").encode()
        return done[key]


@router.get("/publication/{name}")
async def publication(request: Request, name: str) -> Response:
    langs = {report_filename(lang, "html"): lang for lang in LANGUAGES}
    if name not in langs:
        return _error(request, 404, f"no publication file {name!r}; there are {', '.join(sorted(langs))}", False)
    lang = normalise_language(langs[name])
    ctx = context(request)
    snapshot = await ctx.snapshot()
    if not snapshot.entries:
        return _error(request, 404, "the database has no tables to publish yet; run 'citystat build'", False, lang)
    key = ("publication", _code_version(), lang, snapshot.version)
    state = _state(request)
    return await ctx.answer(request, key, lambda: (_publication_html(ctx.reader, lang, key, state), HTML, {}))


# -- files ------------------------------------------------------------------------------------------------------


@router.get("/static/{name:path}")
async def static(request: Request, name: str) -> Response:
    files = static_files()
    if name not in files:
        return _error(request, 404, f"no static file {name!r}", False)
    path = files[name]
    version = static_version(name)
    immutable = request.query_params.get("v") == version
    return await context(request).answer(
        request, ("static", name, version, immutable),
        lambda: (path.read_bytes(), MEDIA_TYPES[path.suffix], {}),
        immutable=immutable,
    )
