"""The rate limit /config announces: at most ``maxCallsPerTimeWindow`` calls per ``timeWindow`` seconds from
one client address, answered beyond that with 429, ``Retry-After`` and a problem.

Each address has a fixed window that starts at its first call; the window's calls are counted, and a call
past the limit waits for the window's end. The address is the connection's peer (uvicorn's ``--proxy-headers``
decides whether a proxy's X-Forwarded-For counts); no request header is trusted here. Memory is bounded: one
(start, count) pair per address, and at most ``max_clients`` of them, the expired first to go.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from starlette.types import ASGIApp, Receive, Scope, Send

from citystat.serve.problems import problem_response

MAX_CLIENTS = 100_000


class RateLimiter:
    """Counts calls per client address in fixed windows; ``check`` says how long a refused caller waits."""

    def __init__(self, calls: int, seconds: float, *, max_clients: int = MAX_CLIENTS,
                 clock: Callable[[], float] = time.monotonic):
        self.calls = calls
        self.seconds = seconds
        self.max_clients = max_clients
        self.clock = clock
        self._windows: dict[str, tuple[float, int]] = {}
        self._lock = threading.Lock()

    def check(self, client: str) -> float:
        """0 when the call may go ahead (and it is counted); otherwise the seconds until it may."""
        now = self.clock()
        with self._lock:
            start, count = self._windows.get(client, (now, 0))
            if now - start >= self.seconds:
                start, count = now, 0
            if count >= self.calls:
                return start + self.seconds - now
            if client not in self._windows and len(self._windows) >= self.max_clients:
                self._forget(now)
            self._windows[client] = (start, count + 1)
            return 0.0

    def _forget(self, now: float) -> None:
        expired = [c for c, (start, _) in self._windows.items() if now - start >= self.seconds]
        for client in expired:
            del self._windows[client]
        while len(self._windows) >= self.max_clients:  # all live: the oldest entries go
            del self._windows[next(iter(self._windows))]


class RateLimitMiddleware:
    """Applies a RateLimiter to the HTTP requests whose path starts with ``prefix`` (the API, not the pages)."""

    def __init__(self, app: ASGIApp, limiter: RateLimiter, prefix: str = "/api/"):
        self.app = app
        self.limiter = limiter
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        wait = self.limiter.check(client[0] if client else "")
        if wait <= 0:
            await self.app(scope, receive, send)
            return
        retry_after = max(1, math.ceil(wait))
        response = problem_response(
            429, "too-many-requests",
            f"more than {self.limiter.calls} calls in {self.limiter.seconds:g} seconds from one address (see "
            f"maxCallsPerTimeWindow and timeWindow in /config); try again in {retry_after} s",
            headers={"Retry-After": str(retry_after)},
        )
        await response(scope, receive, send)
