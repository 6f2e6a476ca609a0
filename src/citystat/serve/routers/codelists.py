"""GET /codelists/{id}: a codelist (value set or aggregation) of a table's variable."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from citystat.serve import params
from citystat.serve.context import api_base, context
from citystat.serve.pxweb import codelist_response, dumps, find_codelist
from citystat.serve.schemas import PROBLEM_RESPONSES, CodelistResponse

router = APIRouter(tags=["Codelists"])


@router.get(
    "/codelists/{id}",
    summary="Get codelist by {id}.",
    operation_id="GetCodelistById",
    response_class=Response,
    responses={200: {"model": CodelistResponse, "description": "Success"}, **PROBLEM_RESPONSES},
)
def get_codelist(
    request: Request,
    id: str,
    lang: str | None = Query(None, description="zh-TW (default) or en; zh is accepted for zh-TW.",
                             json_schema_extra={"enum": params.LANGUAGE_CHOICES}),
) -> Response:
    ctx = context(request)
    language = params.language(lang)
    base = api_base(request)
    codelist = find_codelist(ctx.reader, id)
    info = ctx.reader.release(codelist.table_id)
    key = ("codelist", id, info.table_id, info.release, info.content_hash, language, base)
    return ctx.answer_sync(
        request, key,
        lambda: (dumps(codelist_response(ctx.reader, id, lang=language, base=base)), "application/json", {}),
        last_modified=info.loaded_at,
    )
