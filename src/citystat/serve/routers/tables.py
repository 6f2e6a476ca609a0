"""The tables: the list (search, paging), one table, its metadata (JSON-stat) and its default selection."""

from __future__ import annotations

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from citystat.serve import params
from citystat.serve.context import api_base, context
from citystat.serve.problems import ApiProblem
from citystat.serve.pxweb import (
    DEFAULT_PAGE_SIZE,
    DIFF_PAGE_SIZE,
    MAX_DIFF_PAGE_SIZE,
    MAX_PAGE_SIZE,
    MAX_RELEASES_PAGE_SIZE,
    RELEASES_PAGE_SIZE,
    diff_response,
    dumps,
    metadata_response,
    releases_response,
    saved_query_request,
    selection_response,
    table_response,
    tables_response,
)
from citystat.serve.routers.savedqueries import saved_query_document
from citystat.serve.schemas import PROBLEM_RESPONSES, Dataset, SelectionResponse, TableResponse, TablesResponse

router = APIRouter(tags=["Tables"])

JSON = "application/json"
LANG = Query(None, description="zh-TW (default) or en; zh is accepted for zh-TW.",
             json_schema_extra={"enum": params.LANGUAGE_CHOICES})
RELEASE = Query(None, ge=1, description="Extension: an earlier release of the table (see /config features and "
                                        "/api/v2/admin/releases); the latest when left out.")
CODELIST_PARAMETER = {
    "in": "query",
    "name": "codelist",
    "description": "codelist[VARIABLE]=id applies a codelist to a variable.",
    "required": False,
    "style": "deepObject",
    "explode": True,
    "schema": {"type": "object", "additionalProperties": {"type": "string"}},
}


@router.get(
    "/tables",
    summary="Get all Tables.",
    operation_id="ListAllTables",
    response_class=Response,
    responses={200: {"model": TablesResponse, "description": "Success"}, **PROBLEM_RESPONSES},
)
def list_tables(
    request: Request,
    lang: str | None = LANG,
    query: str | None = Query(None, description="Words every listed table's texts contain, in either language."),
    past_days: int | None = Query(None, alias="pastDays", ge=1,
                                  description="Only tables updated in the last N days."),
    include_discontinued: bool = Query(False, alias="includeDiscontinued"),
    page_number: int = Query(1, alias="pageNumber", ge=1),
    page_size: int = Query(DEFAULT_PAGE_SIZE, alias="pageSize", ge=1, le=MAX_PAGE_SIZE),
) -> Response:
    ctx = context(request)
    language = params.language(lang)
    base = api_base(request)
    snapshot = ctx.reader.snapshot()

    def build() -> tuple[bytes, str, dict[str, str]]:
        answer = tables_response(ctx.reader, lang=language, query=query, past_days=past_days,
                                 include_discontinued=include_discontinued, page_number=page_number,
                                 page_size=page_size, base=base)
        return dumps(answer), JSON, {}

    if past_days is not None:  # the answer depends on today's date: build it fresh
        body, media_type, _ = build()
        return Response(body, media_type=media_type)
    loaded = [entry.latest.loaded_at for entry in snapshot.entries.values()]
    key = ("tables", snapshot.version, language, query, include_discontinued, page_number, page_size, base)
    return ctx.answer_sync(request, key, build, last_modified=max(loaded) if loaded else None)


@router.get(
    "/tables/{id}",
    summary="Get Table by {id}.",
    operation_id="GetTableById",
    response_class=Response,
    responses={200: {"model": TableResponse, "description": "Success"}, **PROBLEM_RESPONSES},
)
def get_table(request: Request, id: str, lang: str | None = LANG, release: int | None = RELEASE) -> Response:
    ctx = context(request)
    language = params.language(lang)
    number = params.release(release)
    base = api_base(request)
    info = ctx.reader.release(id, number)
    key = ("table", id, info.release, info.content_hash, language, base)
    return ctx.answer_sync(
        request, key,
        lambda: (dumps(table_response(ctx.reader, id, lang=language, release=info.release, base=base)), JSON, {}),
        last_modified=info.loaded_at, immutable=number is not None,
    )


@router.get(
    "/tables/{id}/metadata",
    summary="Get metadata about table by {id}.",
    description="All variables and values, and the other metadata needed to fetch data, as a JSON-stat 2.0 "
                "dataset with an empty value.",
    operation_id="GetMetadataById",
    response_class=Response,
    responses={200: {"model": Dataset, "description": "Success"}, **PROBLEM_RESPONSES},
    openapi_extra={"parameters": [CODELIST_PARAMETER]},
)
def get_metadata(
    request: Request,
    id: str,
    lang: str | None = LANG,
    release: int | None = RELEASE,
    default_selection: bool = Query(False, alias="defaultSelection",
                                    description="Give the dimensions as the default selection has them."),
    saved_query: str | None = Query(None, alias="savedQuery",
                                    description="Give the dimensions as this saved query selects them."),
) -> Response:
    ctx = context(request)
    language = params.language(lang)
    number = params.release(release)
    base = api_base(request)
    saved_selection = None
    if saved_query:
        document = saved_query_document(request, saved_query)
        if document["tableId"] != id:
            raise ApiProblem(400, "saved-query-of-another-table",
                             f"saved query {saved_query} selects from table {document['tableId']!r}, not {id!r}")
        saved_selection = saved_query_request(document)
        number = number or document.get("release")
    info = ctx.reader.release(id, number)
    requested = params.selection_from_query(request.query_params.multi_items())
    codelists = {item.variable: item.codelist for item in requested.variables if item.codelist}
    key = ("metadata", id, info.release, info.content_hash, language, tuple(sorted(codelists.items())),
           default_selection, saved_query, ctx.settings.max_data_cells, base)

    def build() -> tuple[bytes, str, dict[str, str]]:
        answer = metadata_response(ctx.reader, id, lang=language, release=info.release, codelists=codelists,
                                   use_default_selection=default_selection,
                                   max_cells=ctx.settings.max_data_cells, base=base, saved_selection=saved_selection)
        return dumps(answer), JSON, {}

    return ctx.answer_sync(request, key, build, last_modified=info.loaded_at, immutable=number is not None)


@router.get(
    "/tables/{id}/defaultselection",
    summary="Get the default selection for table by {id}.",
    description="What /tables/{id}/data answers when the request selects nothing.",
    operation_id="GetDefaultSelection",
    response_class=Response,
    responses={200: {"model": SelectionResponse, "description": "Success"}, **PROBLEM_RESPONSES},
)
def get_default_selection(request: Request, id: str, lang: str | None = LANG) -> Response:
    ctx = context(request)
    language = params.language(lang)
    base = api_base(request)
    info = ctx.reader.release(id)
    key = ("defaultselection", id, info.release, info.content_hash, language, ctx.settings.max_data_cells, base)

    def build() -> tuple[bytes, str, dict[str, str]]:
        answer = selection_response(ctx.reader, id, lang=language, max_cells=ctx.settings.max_data_cells, base=base)
        return dumps(answer), JSON, {}

    return ctx.answer_sync(request, key, build, last_modified=info.loaded_at)


@router.get(
    "/tables/{id}/releases/{old}/diff/{new}",
    summary="What changed in table {id} from release {old} to release {new} (extension).",
    description="The cells added, removed and revised, each with its codes, its labels and its old and new value "
                "and status, in the order of the newer cube; the counts are of every change, the changes one page "
                "of them. The same answer as `citystat diff ID OLD NEW --json`. A table's metadata links here "
                "(extension.releaseChanges), as do /tables and /tables/{id} (the link `changes`).",
    operation_id="GetReleaseDiff",
    response_class=Response,
    responses={200: {"description": "Success", "content": {JSON: {"schema": {"type": "object"}}}},
               **PROBLEM_RESPONSES},
)
def get_release_diff(
    request: Request,
    id: str,
    old: int = Path(ge=1, description="The release compared from"),
    new: int = Path(ge=1, description="The release compared to"),
    lang: str | None = LANG,
    page_number: int = Query(1, alias="pageNumber", ge=1),
    page_size: int = Query(DIFF_PAGE_SIZE, alias="pageSize", ge=1, le=MAX_DIFF_PAGE_SIZE),
) -> Response:
    ctx = context(request)
    language = params.language(lang)
    base = api_base(request)
    snapshot = ctx.reader.snapshot()
    before, after = snapshot.release(id, old), snapshot.release(id, new)
    key = ("diff", id, before.release, before.content_hash, after.release, after.content_hash, language,
           page_number, page_size, base)

    def build() -> tuple[bytes, str, dict[str, str]]:
        answer = diff_response(ctx.reader, id, before.release, after.release, lang=language,
                               page_number=page_number, page_size=page_size, base=base)
        return dumps(answer), JSON, {}

    # both releases are named and never change, so neither does the answer
    return ctx.answer_sync(request, key, build, last_modified=max(before.loaded_at, after.loaded_at), immutable=True)


@router.get(
    "/tables/{id}/releases",
    summary="The releases of table {id}, newest first, each with what it changed (extension).",
    description="Each release's number, load time, content hash and cell count, and what it changed against the "
                "release before it: the counts of cells added, removed and revised and the link to every change "
                "(as the metadata's extension.releaseChanges of that release has them; null for the first).",
    operation_id="ListTableReleases",
    response_class=Response,
    responses={200: {"description": "Success", "content": {JSON: {"schema": {"type": "object"}}}},
               **PROBLEM_RESPONSES},
)
def list_table_releases(
    request: Request,
    id: str,
    lang: str | None = LANG,
    page_number: int = Query(1, alias="pageNumber", ge=1),
    page_size: int = Query(RELEASES_PAGE_SIZE, alias="pageSize", ge=1, le=MAX_RELEASES_PAGE_SIZE),
) -> Response:
    ctx = context(request)
    language = params.language(lang)
    base = api_base(request)
    entry = ctx.reader.snapshot().entry(id)
    key = ("releases", id, tuple((r.release, r.content_hash) for r in entry.releases), language, page_number,
           page_size, base)

    def build() -> tuple[bytes, str, dict[str, str]]:
        answer = releases_response(ctx.reader, id, lang=language, page_number=page_number, page_size=page_size,
                                   base=base)
        return dumps(answer), JSON, {}

    return ctx.answer_sync(request, key, build, last_modified=entry.latest.loaded_at)
