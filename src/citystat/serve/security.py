"""HTTP hygiene for every route, in one ASGI middleware.

- HTML pages carry ``Content-Security-Policy``, ``X-Frame-Options: DENY`` and ``Referrer-Policy``; every
  answer carries ``X-Content-Type-Options: nosniff``.
- ``HEAD`` works wherever ``GET`` does: it is answered as the GET, with the same headers and no body.
- A 405 names the methods the path allows in ``Allow``; a plain ``OPTIONS`` (not a CORS preflight) on a path
  that exists answers 204 with ``Allow``.
"""

from __future__ import annotations

from typing import Any

from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# The pages load their scripts and styles from the site itself; Vega compiles chart expressions at run time
# ('unsafe-eval'); SVG charts and the publication use inline style attributes.
CSP = ("default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
       "frame-ancestors 'none'; form-action 'self'")
# Swagger UI's page starts itself with an inline script
DOCS_CSP = CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")
DOCS_PREFIX = "/docs"


PROBED = ("GET", "POST", "PUT", "PATCH", "DELETE")


def allowed_methods(app: Any, scope: Scope) -> list[str]:
    """The methods some route of the app accepts on this path (HEAD with every GET, OPTIONS always).

    Asked of the routes themselves (a full match for a method), so included routers count as well.
    """
    routes = getattr(getattr(app, "router", None), "routes", ())
    methods = {method for method in PROBED
               if any(route.matches({**scope, "method": method})[0] is Match.FULL for route in routes)}
    if "GET" in methods:
        methods.add("HEAD")
    if methods:
        methods.add("OPTIONS")
    return sorted(methods)


class SecurityMiddleware:
    def __init__(self, app: ASGIApp, root: Any = None):
        self.app = app
        self.root = root  # the FastAPI app, whose routes say what a path allows

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        if method == "OPTIONS" and b"access-control-request-method" not in headers:
            allow = allowed_methods(self.root, scope)
            if allow:
                await send({"type": "http.response.start", "status": 204,
                            "headers": [(b"allow", ", ".join(allow).encode()),
                                        (b"x-content-type-options", b"nosniff")]})
                await send({"type": "http.response.body", "body": b""})
                return
        head = method == "HEAD"
        if head:
            scope = {**scope, "method": "GET"}
        path = scope.get("path", "")

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                out = list(message.get("headers", []))
                names = {k.lower() for k, _ in out}
                out.append((b"x-content-type-options", b"nosniff"))
                content_type = next((v for k, v in out if k.lower() == b"content-type"), b"")
                if content_type.startswith(b"text/html"):
                    csp = DOCS_CSP if path.startswith(DOCS_PREFIX) else CSP
                    out += [(b"content-security-policy", csp.encode()), (b"x-frame-options", b"DENY"),
                            (b"referrer-policy", b"same-origin")]
                if message["status"] == 405 and b"allow" not in names:
                    allow = allowed_methods(self.root, scope)
                    if allow:
                        out.append((b"allow", ", ".join(allow).encode()))
                message = {**message, "headers": out}
            elif head and message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app(scope, receive, wrapped)
