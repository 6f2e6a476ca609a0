"""RFC 7807 problem details: every error the API returns says, as ``application/problem+json``, what was wrong.

The library's own errors map to statuses here, in one place: an unknown table, release, variable, value or
codelist is 404; a malformed request 400; a query over the cell limit 403; a database another process holds
503. Routers raise ApiProblem for the rest.
"""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from citystat.model import InvalidInput
from citystat.query import SelectionError, SelectionErrorKind, StoreUnavailable
from citystat.store import TableNotFound

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_BASE = "urn:citystat:problem:"

_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    409: "Conflict",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}

log = logging.getLogger("citystat.serve")


class ApiProblem(Exception):
    """An error answer: status, a stable problem code (the type URI's last part) and a detail for people."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ):
        self.status = status
        self.code = code
        self.detail = detail
        self.headers = headers or {}
        self.extra = extra
        super().__init__(detail)


def problem_body(status: int, code: str, detail: str, instance: str | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + code,
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    body["instance"] = instance or occurrence()
    body.update(extra)
    return body


def problem_response(
    status: int,
    code: str,
    detail: str,
    *,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    body = json.dumps(problem_body(status, code, detail, instance, **extra), ensure_ascii=False).encode()
    return Response(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def occurrence() -> str:
    """The problem's ``instance``: an absolute URI naming this one occurrence (RFC 7807 and PxAPI-2.yml ask
    for a URI). A fresh ``urn:uuid:`` rather than the request's URL, so that no answer echoes what was asked
    for (a 404 must not reflect a path someone typed or planted in a link)."""
    return f"urn:uuid:{uuid.uuid4()}"


def _instance(request: Request) -> str:
    return occurrence()


def from_exception(exc: Exception, request: Request) -> Response:
    """The problem answer of any error the API can meet."""
    instance = _instance(request)
    if isinstance(exc, ApiProblem):
        return problem_response(exc.status, exc.code, exc.detail, instance=instance, headers=exc.headers, **exc.extra)
    if isinstance(exc, TableNotFound):
        code = "unknown-release" if exc.release is not None else "unknown-table"
        return problem_response(404, code, str(exc), instance=instance)
    if isinstance(exc, SelectionError):
        status, code = {
            SelectionErrorKind.MALFORMED: (400, "malformed-selection"),
            SelectionErrorKind.UNKNOWN: (404, "unknown-selection"),
            SelectionErrorKind.TOO_MANY_CELLS: (403, "too-many-cells"),
        }[exc.kind]
        return problem_response(status, code, exc.message, instance=instance)
    if isinstance(exc, InvalidInput):
        return problem_response(
            400, "invalid-table", str(exc), instance=instance, problems=[p.to_dict() for p in exc.problems]
        )
    if isinstance(exc, StoreUnavailable):
        return problem_response(503, "database-busy", str(exc), instance=instance, headers={"Retry-After": "5"})
    if isinstance(exc, RequestValidationError):
        return problem_response(400, "invalid-request", describe_validation(exc), instance=instance)
    if isinstance(exc, StarletteHTTPException):
        detail = exc.detail if isinstance(exc.detail, str) else json.dumps(exc.detail)
        if exc.status_code == 404 and detail == "Not Found":
            detail = "there is no such resource; the API lives under /api/v2 (see /docs)"
        elif exc.status_code == 405:
            detail = f"{request.method} is not allowed on this resource"
        return problem_response(exc.status_code, "http-error", detail, instance=instance,
                                headers=dict(exc.headers or {}))
    log.exception("unexpected error answering %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(500, "internal-error", f"an unexpected error occurred: {type(exc).__name__}",
                            instance=instance)


def describe_validation(exc: RequestValidationError | ValidationError) -> str:
    parts = []
    for error in exc.errors():
        location = ".".join(str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path"))
        where = (error.get("loc") or ("body",))[0]  # a whole body of the wrong type has an empty location
        parts.append(f"{where} {location or '(whole)'}: {error.get('msg', 'invalid')}")
    return "the request is not valid: " + "; ".join(parts)


def install(app: FastAPI) -> None:
    """Answer every error as problem+json."""
    for kind in (ApiProblem, TableNotFound, SelectionError, InvalidInput, StoreUnavailable, RequestValidationError,
                 StarletteHTTPException, Exception):
        app.add_exception_handler(kind, _handler)


async def _handler(request: Request, exc: Exception) -> Response:
    return from_exception(exc, request)
