"""GET /config: what the API offers (languages, limits, formats, features)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from citystat.serve.context import context
from citystat.serve.pxweb import config_response, dumps
from citystat.serve.schemas import PROBLEM_RESPONSES, ConfigResponse

router = APIRouter(tags=["Configuration"])


@router.get(
    "/config",
    summary="Get API configuration.",
    operation_id="GetApiConfiguration",
    response_class=Response,
    responses={200: {"model": ConfigResponse, "description": "Success"}, 429: PROBLEM_RESPONSES[429]},
)
async def get_config(request: Request) -> Response:
    ctx = context(request)
    city = (await ctx.snapshot()).city
    return await ctx.answer(request, ("config", ctx.settings, city.code),
                            lambda: (dumps(config_response(ctx.settings, city)), "application/json", {}))
