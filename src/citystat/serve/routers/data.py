"""GET and POST /tables/{id}/data: the cells of a selection, in any format of the writer registry.

The GET route is the API's hot path. It reads its parameters straight from the query string, resolves the
selection against the cached catalog, and answers from the per-release answer cache (or with 304) without
touching the database or leaving the event loop; only a new answer is built in a worker thread. A large
selection (``stream_from_cells`` or more) is streamed as the writer writes it, chunk by chunk, with the same
validators (ETag, Last-Modified) but neither cached nor gzipped, so no answer is ever held whole in memory.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response, StreamingResponse
from starlette.types import Scope

from citystat.query import SelectionRequest, VariableRequest, resolve
from citystat.serve import params
from citystat.serve.context import ServeContext, api_base, context
from citystat.serve.http_cache import Answer, etag_of, respond
from citystat.serve.pxweb import MEDIA_TYPES, DataSelection, render_data, stream_data
from citystat.serve.schemas import PROBLEM_RESPONSES, VariablesSelection

router = APIRouter(tags=["Tables"])

_DATA_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The data, in the output format asked for (JSON-stat 2.0 unless outputFormat says otherwise)",
        "content": {
            **{media.split(";")[0]: {"schema": {"type": "string"}} for media in MEDIA_TYPES.values()},
            "application/json": {"schema": {"anyOf": [
                {"$ref": "#/components/schemas/Dataset"},
                {"type": "object", "required": ["columns", "data", "metadata"],
                 "description": "json-px: PxWeb's JSON table (outputFormat=json-px)"},
            ]}},
        },
    },
    **PROBLEM_RESPONSES,
}
_LANG = {"in": "query", "name": "lang", "required": False,
         "schema": {"type": "string", "enum": params.LANGUAGE_CHOICES},
         "description": "zh-TW (default) or en; zh is accepted for zh-TW."}
_RELEASE = {"in": "query", "name": "release", "required": False, "schema": {"type": "integer", "minimum": 1},
            "description": "Extension: an earlier release of the table; the latest when left out."}
_OUTPUT_FORMAT = {"in": "query", "name": "outputFormat", "required": False,
                  "schema": {"type": "string", "enum": list(params.DATA_FORMATS)}}
_OUTPUT_FORMAT_PARAMS = {
    "in": "query", "name": "outputFormatParams", "required": False, "style": "form", "explode": False,
    "schema": {"type": "array", "items": {"type": "string", "enum": params.FORMAT_PARAMS}},
}
_GET_PARAMETERS = [
    _LANG,
    {"in": "query", "name": "valuecodes", "required": False, "style": "deepObject", "explode": True,
     "description": "valueCodes[VARIABLE]=a,b: value codes or expressions (*, 20*, 20?1, TOP(n[,offset]), "
                    "BOTTOM(n[,offset]), FROM(code), TO(code), RANGE(first,last)). The name is case-insensitive.",
     "schema": {"type": "object", "additionalProperties": {"type": "string"}}},
    {"in": "query", "name": "codelist", "required": False, "style": "deepObject", "explode": True,
     "description": "codelist[VARIABLE]=id applies a codelist to a variable.",
     "schema": {"type": "object", "additionalProperties": {"type": "string"}}},
    _OUTPUT_FORMAT,
    _OUTPUT_FORMAT_PARAMS,
    {"in": "query", "name": "heading", "required": False, "style": "form", "explode": False,
     "description": "Variables placed across, comma-separated.",
     "schema": {"type": "array", "items": {"type": "string"}}},
    {"in": "query", "name": "stub", "required": False, "style": "form", "explode": False,
     "description": "Variables placed down, comma-separated.",
     "schema": {"type": "array", "items": {"type": "string"}}},
    _RELEASE,
]


def data_url_key(table_id: str, scope: Scope, host: str | None) -> tuple[object, ...]:
    """What a GET data answer depends on besides the catalog: the table, the query string, and the base of links."""
    return table_id, scope["query_string"], scope.get("scheme"), host, scope.get("root_path")


def remembered_answer(ctx: ServeContext, url_key: tuple[object, ...]) -> Answer | None:
    """The cached answer to this URL on the current catalog, if one was built and is still held."""
    current = ctx.reader.current()
    return None if current is None else ctx.recall((*url_key, current.version))


async def _answer(
    request: Request,
    ctx: ServeContext,
    table_id: str,
    selection_request: SelectionRequest,
    *,
    lang: str,
    output: params.OutputFormat,
    release: int | None,
    url_key: tuple[object, ...] | None = None,
) -> Response:
    snapshot = await ctx.snapshot()
    entry = snapshot.entry(table_id)
    info = entry.release(release)
    if info.release == entry.latest.release:
        meta = entry.meta
    else:
        meta = await run_in_threadpool(ctx.reader.meta, table_id, info.release)
    selection = resolve(meta, selection_request, max_cells=ctx.settings.max_data_cells)
    base = api_base(request)
    key = ("data", table_id, info.release, info.content_hash, lang, output.key(), selection, base)
    immutable = release is not None
    unchanged = ctx.unchanged(request, key, info.loaded_at, immutable)
    if unchanged is not None:
        return unchanged

    def selected() -> DataSelection:
        return DataSelection(ctx.reader.table(table_id, info.release), selection, ctx.reader.snapshot().city)

    if selection.cell_count >= ctx.settings.stream_from_cells:
        chunks, media_type, headers = stream_data(await run_in_threadpool(selected), output, lang=lang, base=base)
        validators = Answer(b"", media_type, etag_of(key), info.loaded_at, immutable).validators()
        return StreamingResponse(chunks, media_type=media_type, headers={**validators, **headers})

    def build() -> tuple[bytes, str, dict[str, str]]:
        return render_data(selected(), output, lang=lang, base=base)

    answer = await ctx.get_answer(key, build, last_modified=info.loaded_at, immutable=immutable)
    if url_key is not None:
        ctx.remember((*url_key, snapshot.version), key)
    return respond(request, answer)


@router.get(
    "/tables/{id}/data",
    summary="Get data for table by {id}.",
    description="The data of a selection. Without any valueCodes the default selection applies "
                "(see /tables/{id}/defaultselection).",
    operation_id="GetTableData",
    response_class=Response,
    responses=_DATA_RESPONSES,
    openapi_extra={"parameters": _GET_PARAMETERS},
)
async def get_data(request: Request, id: str) -> Response:
    ctx = context(request)
    url_key = data_url_key(id, request.scope, request.headers.get("host"))
    remembered = remembered_answer(ctx, url_key)
    if remembered is not None:
        return respond(request, remembered)
    items = request.query_params.multi_items()
    named: dict[str, list[str]] = {}
    for name, value in items:
        lowered = name.lower()
        if lowered in params.DATA_QUERY_PARAMETERS:
            named.setdefault(lowered, []).append(value)
    lang = params.language(named["lang"][-1] if "lang" in named else None)
    output = params.output_format(named["outputformat"][-1] if "outputformat" in named else None,
                                  params.list_param(named.get("outputformatparams", ())))
    release = params.release(named["release"][-1] if "release" in named else None)
    selection_request = params.selection_from_query(items)
    return await _answer(request, ctx, id, selection_request, lang=lang, output=output, release=release,
                         url_key=url_key)


@router.post(
    "/tables/{id}/data",
    summary="Get data for table by {id}, with the selection in the body.",
    operation_id="GetTableDataByPost",
    response_class=Response,
    responses=_DATA_RESPONSES,
)
async def post_data(
    request: Request,
    id: str,
    body: Annotated[VariablesSelection | None,
                    Body(description="The selection; none means the default selection.")] = None,
    lang: Annotated[str | None, Query(description="zh-TW (default) or en; zh is accepted for zh-TW.",
                                      json_schema_extra={"enum": params.LANGUAGE_CHOICES})] = None,
    output_format: Annotated[str | None, Query(alias="outputFormat",
                                               json_schema_extra={"enum": list(params.DATA_FORMATS)})] = None,
    output_format_params: Annotated[list[str] | None, Query(
        alias="outputFormatParams", json_schema_extra={"items": {"type": "string", "enum": params.FORMAT_PARAMS}}
    )] = None,
    release: Annotated[int | None, Query(ge=1, description="Extension: an earlier release of the table.")] = None,
) -> Response:
    ctx = context(request)
    language = params.language(lang)
    output = params.output_format(output_format, params.list_param(output_format_params or ()))
    number = params.release(release)
    selection_request = SelectionRequest()
    if body is not None:
        placement = body.placement
        selection_request = SelectionRequest(
            tuple(VariableRequest(item.variableCode, tuple(item.valueCodes), item.codelist or None)
                  for item in body.selection),
            tuple(placement.heading) if placement and placement.heading is not None else None,
            tuple(placement.stub) if placement and placement.stub is not None else None,
        )
    return await _answer(request, ctx, id, selection_request, lang=language, output=output, release=number)
