"""Administration under /api/v2/admin: list releases, load a table file. The only way the API writes.

Every route needs ``Authorization: Bearer <token>`` with the token the server was started with
(CITYSTAT_ADMIN_TOKEN); a request without it, or with another, gets 401. A server started without a token
has administration disabled: its admin routes answer 403. A load goes through Store.load_many, the same
checked, transactional path as ``citystat load``: a table with any problem is not loaded, and the answer
lists the problems (the first ``problems_shown`` in full, the rest counted by kind).

A load runs in a child process (``citystat.serve.admin_loads``) within the time budget ``load_seconds``,
so readers are never starved, and every request is answered: 2xx, 400 with the problems, 413 when the body
or the work it needs is past a limit, 503 while another load holds its turn too long.
"""

from __future__ import annotations

import hmac
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from citystat import limits as input_limits
from citystat.formats.jsonstat import iso_utc
from citystat.limits import Limits
from citystat.model import ReleaseInfo
from citystat.serve.context import ServeContext, context
from citystat.serve.problems import ApiProblem, problem_response
from citystat.serve.pxweb import dumps
from citystat.serve.schemas import (
    PROBLEM_RESPONSES,
    LoadRequest,
    LoadResponse,
    Problem,
    ReleasesResponse,
    TableReleases,
)

bearer = HTTPBearer(auto_error=False, scheme_name="adminToken",
                    description="The token in CITYSTAT_ADMIN_TOKEN when the server started.")

_AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "content": {"application/problem+json": {}},
          "description": "No token, or not the server's token"},
    403: {"model": Problem, "content": {"application/problem+json": {}},
          "description": "Administration is disabled (the server has no CITYSTAT_ADMIN_TOKEN)"},
}


def require_admin(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> ServeContext:
    ctx = context(request)
    if ctx.admin_token is None:
        raise ApiProblem(403, "admin-disabled",
                         "administration is disabled on this server; start it with CITYSTAT_ADMIN_TOKEN set")
    challenge = {"WWW-Authenticate": 'Bearer realm="citystat admin"'}
    if credentials is None:
        raise ApiProblem(401, "unauthorized", "this needs the header 'Authorization: Bearer <admin token>'",
                         headers=challenge)
    if not hmac.compare_digest(credentials.credentials.encode(), ctx.admin_token.encode()):
        raise ApiProblem(401, "unauthorized", "the bearer token is not this server's admin token",
                         headers={**challenge, "WWW-Authenticate": 'Bearer realm="citystat admin", '
                                                                   'error="invalid_token"'})
    return ctx


Admin = Annotated[ServeContext, Depends(require_admin)]
router = APIRouter(prefix="/admin", tags=["Administration"], responses=_AUTH_RESPONSES)


def _release(info: ReleaseInfo) -> dict[str, Any]:
    return {"release": info.release, "contentHash": info.content_hash, "loadedAt": iso_utc(info.loaded_at),
            "origin": info.origin, "cellCount": info.cell_count}


def _no_store(body: bytes, status: int = 200) -> Response:
    return Response(body, status_code=status, media_type="application/json", headers={"Cache-Control": "no-store"})


@router.get(
    "/releases",
    summary="List every release of every table.",
    operation_id="AdminListReleases",
    response_class=Response,
    responses={200: {"model": ReleasesResponse, "description": "Success"}},
)
def list_releases(ctx: Admin) -> Response:
    snapshot = ctx.reader.snapshot()
    tables = [{"id": table_id, "releases": [_release(r) for r in entry.releases]}
              for table_id, entry in sorted(snapshot.entries.items())]
    return _no_store(dumps({"tables": tables}))


@router.get(
    "/tables/{id}/releases",
    summary="List the releases of one table.",
    operation_id="AdminListTableReleases",
    response_class=Response,
    responses={200: {"model": TableReleases, "description": "Success"}, 404: PROBLEM_RESPONSES[404]},
)
def list_table_releases(id: str, ctx: Admin) -> Response:
    entry = ctx.reader.snapshot().entry(id)
    return _no_store(dumps({"id": id, "releases": [_release(r) for r in entry.releases]}))


@router.post(
    "/tables",
    summary="Load a table file (YAML metadata and CSV values) as a new release.",
    description="Checked like 'citystat load': any problem is reported (400, with every problem listed) and "
                "nothing is loaded. Content identical to the latest release creates nothing (200); a change "
                "creates a release (201).",
    operation_id="LoadTable",
    response_class=Response,
    responses={200: {"model": LoadResponse, "description": "Unchanged: the latest release already holds this"},
               201: {"model": LoadResponse, "description": "Loaded as a new release"},
               400: PROBLEM_RESPONSES[400],
               413: {"model": Problem, "content": {"application/problem+json": {}},
                     "description": "The body, or the work it needs, is past a limit (request_bytes, load_seconds, "
                                    "memory); nothing was loaded"},
               503: {"model": Problem, "content": {"application/problem+json": {}},
                     "description": "Another load held its turn too long, or the database is busy; try again"}},
    openapi_extra={"requestBody": {"required": True, "content": {
        "application/json": {"schema": LoadRequest.model_json_schema()}}}},
)
async def load_table(request: Request, ctx: Admin) -> Response:
    # The body is read only after the token was checked, so a caller without one learns nothing but 401.
    limits = input_limits.current()
    body = await _bounded_body(request, limits)
    status, answer = await ctx.loads.run(body, limits)
    del body
    if status in (200, 201):
        await run_in_threadpool(ctx.reader.snapshot)  # the next request sees the new release
        return _no_store(dumps(answer), status)
    code, detail = answer.pop("code"), answer.pop("detail")
    headers = {"Retry-After": "5"} if status == 503 else None
    return problem_response(status, code, detail, instance=request.url.path, headers=headers, **answer)


async def _bounded_body(request: Request, limits: Limits) -> bytes:
    """The request body, refused (413) as soon as it passes the limit request_bytes."""
    most = limits.request_bytes
    too_large = ApiProblem(413, "too-large", f"the request body is larger than allowed; "
                                             f"{limits.describe('request_bytes')}")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > most:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > most:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)
