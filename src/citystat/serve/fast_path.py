"""Repeats of a GET data query, answered before routing from the stored bytes of the cached answer.

The data route (``routers.data``) remembers, per URL and catalog version, the key of the answer it built, and the
answer cache keeps the body (and its gzip-compressed twin) made once. A request for a URL it remembers then needs
nothing of FastAPI: no routing, no parameters, no Request or Response object. This middleware sits inside the
others (CORS, the rate limit and the security headers still apply to it) and sends such an answer with headers
encoded once per answer (``http_cache.raw_response``, the very headers ``respond`` gives). Anything else (a
conditional request, a URL not answered yet, a new catalog, another route) goes on to the app unchanged.
"""

from __future__ import annotations

from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from citystat.serve.http_cache import raw_response, takes_gzip
from citystat.serve.pxweb import API_PREFIX
from citystat.serve.routers.data import data_url_key, remembered_answer

_TABLES = API_PREFIX + "/tables/"
_DATA = "/data"
_CONDITIONAL = (b"if-none-match", b"if-modified-since")


class CachedAnswers:
    def __init__(self, app: ASGIApp, root: Any):
        self.app = app
        self.root = root  # the FastAPI app, whose state holds the serve context

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            path: str = scope["path"]
            if path.startswith(_TABLES) and path.endswith(_DATA):
                table_id = path[len(_TABLES):-len(_DATA)]
                if table_id and "/" not in table_id and await self._answered(table_id, scope, send):
                    return
        await self.app(scope, receive, send)

    async def _answered(self, table_id: str, scope: Scope, send: Send) -> bool:
        host, encodings = None, ""
        for name, value in scope["headers"]:
            if name == b"host":
                host = host if host is not None else value.decode("latin-1")
            elif name == b"accept-encoding":
                encodings = value.decode("latin-1")
            elif name in _CONDITIONAL:
                return False  # 304 or 200: the route decides
        answer = remembered_answer(self.root.state.citystat, data_url_key(table_id, scope, host))
        if answer is None:
            return False
        headers, body = raw_response(answer, answer.gzipped is not None and takes_gzip(encodings))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        return True
