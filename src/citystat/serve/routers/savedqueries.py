"""Saved queries: POST /savedqueries keeps a selection of a table (with its placement, language and output
format) under an id; /savedqueries/{id} gives it back, /data runs it in any output format, /selection says
which value codes it selects now.

A query reads the latest release of its table unless it names one (``release``), so ``TOP(2)`` on the time
variable stays the latest two periods as releases arrive, while a pinned query never changes. Saving checks
the query against its table first (an unknown table, variable or value, or too many cells, is refused then,
not when someone follows the link), and refuses a document over the size limit or a store that is full.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from citystat.model import TableMeta
from citystat.query import Selection, SelectionError, resolve
from citystat.serve import params
from citystat.serve.context import ServeContext, api_base, context
from citystat.serve.problems import ApiProblem, describe_validation
from citystat.serve.pxweb import (
    dumps,
    saved_query_request,
    saved_query_response,
    saved_selection_response,
)
from citystat.serve.routers.data import _DATA_RESPONSES, _answer
from citystat.serve.schemas import PROBLEM_RESPONSES, SavedQuery, SavedQueryResponse, SelectionResponse
from citystat.store import TableNotFound
from citystat.store.saved_queries import SavedQuery as StoredQuery
from citystat.store.saved_queries import SavedQueryRefused, SavedQueryStore

router = APIRouter(tags=["Saved Queries"])
log = logging.getLogger("citystat.serve")

JSON = "application/json"
_LANG = {"in": "query", "name": "lang", "required": False,
         "schema": {"type": "string", "enum": params.LANGUAGE_CHOICES},
         "description": "zh-TW or en; the saved query's language when left out."}
_OUTPUT_FORMAT = {"in": "query", "name": "outputFormat", "required": False,
                  "schema": {"type": "string", "enum": list(params.DATA_FORMATS)},
                  "description": "The saved query's output format when left out."}
_OUTPUT_FORMAT_PARAMS = {
    "in": "query", "name": "outputFormatParams", "required": False, "style": "form", "explode": False,
    "schema": {"type": "array", "items": {"type": "string", "enum": params.FORMAT_PARAMS}},
}
_REFUSED: dict[int | str, dict[str, Any]] = {
    413: {"description": "The saved query is larger than the limit", "content": {"application/problem+json": {}}},
    403: {"description": "As many saved queries are kept as may be, or the selection has too many cells",
          "content": {"application/problem+json": {}}},
}


def saved_queries(request: Request) -> SavedQueryStore:
    return request.app.state.saved_queries  # type: ignore[no-any-return]


async def _meta(ctx: ServeContext, table_id: str, release: int | None) -> tuple[TableMeta, int]:
    entry = (await ctx.snapshot()).entry(table_id)
    info = entry.release(release)
    if info.release == entry.latest.release:
        return entry.meta, info.release
    return await run_in_threadpool(ctx.reader.meta, table_id, info.release), info.release


async def _read_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it passes ``limit`` bytes (never read whole first)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise ApiProblem(413, "saved-query-too-large", f"the saved query is {int(declared):,} bytes; at most "
                                                       f"{limit:,} are kept")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiProblem(413, "saved-query-too-large", f"the saved query is over {limit:,} bytes, the most "
                                                           "that are kept")
        chunks.append(chunk)
    return b"".join(chunks)


def _document(query: SavedQuery) -> dict[str, Any]:
    """The saved form: canonical language and format, and only what decides the answer."""
    language = params.language(query.language)
    output = params.output_format(query.outputFormat, params.list_param(query.outputFormatParams or ()))
    document: dict[str, Any] = {
        "tableId": query.tableId,
        "language": language,
        "selection": query.selection.model_dump(exclude_none=True),
        "outputFormat": output.name,
        "outputFormatParams": list(query.outputFormatParams or ()),
    }
    if query.release is not None:
        document["release"] = query.release
    return document


async def save_query(ctx: ServeContext, store: SavedQueryStore, query: SavedQuery) -> StoredQuery:
    """Check a query against its table and keep it: what POST /savedqueries and the dashboard's "save this
    selection" both do. Raises ApiProblem (400 when it does not fit its table, 413 or 403 at the limits)."""
    document = _document(query)
    try:  # refused now, not when someone follows the link; the body is what is wrong, so 400
        meta, _ = await _meta(ctx, query.tableId, query.release)
        resolve(meta, saved_query_request(document), max_cells=ctx.settings.max_data_cells)
    except (TableNotFound, SelectionError) as exc:
        raise ApiProblem(400, "invalid-saved-query", f"the saved query does not fit its table: {exc}") from None
    try:
        return await run_in_threadpool(store.save, query.tableId, document)
    except SavedQueryRefused as refused:
        status = 413 if refused.reason == "too-large" else 403
        raise ApiProblem(status, f"saved-query-{refused.reason}", str(refused)) from None
    except sqlite3.Error as exc:  # a read-only folder, a full disk, a file another program locks too long
        raise unavailable(exc) from None


def unavailable(exc: Exception) -> ApiProblem:
    log.warning("saved queries unavailable: %s", exc)
    return ApiProblem(503, "saved-queries-unavailable", "saved queries cannot be kept or read just now; "
                      "try again later", headers={"Retry-After": "30"})


@router.post(
    "/savedqueries",
    summary="Save a query for later use.",
    operation_id="CreateSaveQuery",
    status_code=201,
    response_class=Response,
    responses={201: {"model": SavedQueryResponse, "description": "Saved; the answer holds its id"},
               **PROBLEM_RESPONSES, **_REFUSED},
    openapi_extra={"requestBody": {"required": True, "content": {
        JSON: {"schema": {"$ref": "#/components/schemas/SavedQuery"}}}}},
)
async def create_saved_query(request: Request) -> Response:
    ctx = context(request)
    store = saved_queries(request)
    raw = await _read_body(request, store.limits.max_bytes)
    try:
        query = SavedQuery.model_validate(json.loads(raw))
    except (ValueError, ValidationError) as exc:
        detail = describe_validation(exc) if isinstance(exc, ValidationError) else f"the body is not JSON: {exc}"
        raise ApiProblem(400, "invalid-saved-query", detail) from None
    saved = await save_query(ctx, store, query)
    base = api_base(request)
    return Response(dumps(saved_query_response(saved.id, saved.document, base)), status_code=201, media_type=JSON,
                    headers={"Location": f"{base}/savedqueries/{saved.id}"})


def saved_query_document(request: Request, query_id: str) -> dict[str, Any]:
    """The document of a saved query (blocking: call it from a worker thread); 404 when there is none."""
    try:
        saved = saved_queries(request).get(query_id)
    except sqlite3.Error as exc:
        raise unavailable(exc) from None
    if saved is None:
        raise ApiProblem(404, "unknown-saved-query", "no such saved query (it may have expired)")
    return saved.document


async def _saved(request: Request, query_id: str) -> dict[str, Any]:
    return await run_in_threadpool(saved_query_document, request, query_id)


@router.get(
    "/savedqueries/{id}",
    summary="Retrieves the content of a saved query.",
    operation_id="GetSaveQuery",
    response_class=Response,
    responses={200: {"model": SavedQueryResponse, "description": "Success"}, **PROBLEM_RESPONSES},
)
async def get_saved_query(request: Request, id: str) -> Response:
    document = await _saved(request, id)
    return Response(dumps(saved_query_response(id, document, api_base(request))), media_type=JSON)


@router.get(
    "/savedqueries/{id}/data",
    summary="Retrieves the data by running the saved query.",
    operation_id="RunSaveQuery",
    response_class=Response,
    responses=_DATA_RESPONSES,
    openapi_extra={"parameters": [_LANG, _OUTPUT_FORMAT, _OUTPUT_FORMAT_PARAMS]},
)
async def run_saved_query(request: Request, id: str) -> Response:
    document = await _saved(request, id)
    query = request.query_params
    lang = params.language(query.get("lang") or document["language"])
    if "outputFormat" in query:
        output = params.output_format(query["outputFormat"],
                                      params.list_param(query.getlist("outputFormatParams")))
    else:
        output = params.output_format(document.get("outputFormat"),
                                      params.list_param(query.getlist("outputFormatParams")
                                                        or document.get("outputFormatParams") or ()))
    return await _answer(request, context(request), document["tableId"], saved_query_request(document), lang=lang,
                         output=output, release=document.get("release"))


@router.get(
    "/savedqueries/{id}/selection",
    summary="Retrieves the selection that the saved query will result in.",
    description="Selection expressions are resolved into the value codes they select now.",
    operation_id="GetSavedQuerySelection",
    response_class=Response,
    responses={200: {"model": SelectionResponse, "description": "Success"}, **PROBLEM_RESPONSES},
    openapi_extra={"parameters": [_LANG]},
)
async def get_saved_selection(request: Request, id: str) -> Response:
    ctx = context(request)
    document = await _saved(request, id)
    lang = params.language(request.query_params.get("lang") or document["language"])
    meta, _ = await _meta(ctx, document["tableId"], document.get("release"))
    selection: Selection = resolve(meta, saved_query_request(document), max_cells=ctx.settings.max_data_cells)
    return Response(dumps(saved_selection_response(id, selection, lang, api_base(request))), media_type=JSON)
