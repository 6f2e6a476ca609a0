"""What every route of the app shares: the store reader, the settings, the answer cache, the admin token."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import datetime

from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from citystat.query import Snapshot, StoreReader
from citystat.serve.admin_loads import LoadRunner
from citystat.serve.http_cache import Answer, AnswerCache, etag_of, not_modified, not_modified_response, respond
from citystat.serve.pxweb import API_PREFIX, ApiSettings

Built = tuple[bytes, str, dict[str, str]]  # body, media type, extra headers
URL_MEMO_SIZE = 4096


@dataclass
class ServeContext:
    reader: StoreReader
    settings: ApiSettings
    admin_token: str | None = None
    cache: AnswerCache = field(default_factory=AnswerCache)
    loads: LoadRunner = field(init=False)
    _by_url: dict[Hashable, Hashable] = field(default_factory=dict)  # URL -> answer key
    _building: dict[Hashable, asyncio.Task[Answer]] = field(default_factory=dict)  # answer key -> its one build

    def __post_init__(self) -> None:
        if self.admin_token is not None and not self.admin_token.strip():
            raise ValueError("the admin token is empty or only whitespace: no request could match it; set "
                             "CITYSTAT_ADMIN_TOKEN to a real secret, or leave it unset to disable administration")
        self.loads = LoadRunner(self.reader.path)

    async def snapshot(self) -> Snapshot:
        """The catalog, read from the database in a worker thread only when the file changed."""
        current = self.reader.current()
        if current is not None:
            return current
        return await run_in_threadpool(self.reader.snapshot)

    def unchanged(
        self, request: Request, key: Hashable, last_modified: datetime | None, immutable: bool = False
    ) -> Response | None:
        """304 when the client already holds the answer for ``key`` (then nothing needs building), else None."""
        etag = etag_of(key)
        if not_modified(request, etag, last_modified):
            return not_modified_response(etag, last_modified, immutable, request)
        return None

    def _keep(self, key: Hashable, built: Built, last_modified: datetime | None, immutable: bool) -> Answer:
        body, media_type, headers = built
        answer = Answer.build(body, media_type, etag_of(key), last_modified, immutable, headers)
        self.cache.put(key, answer)
        return answer

    async def get_answer(
        self,
        key: Hashable,
        build: Callable[[], Built],
        *,
        last_modified: datetime | None = None,
        immutable: bool = False,
    ) -> Answer:
        """The cached answer for ``key``, built in a worker thread if there is none yet: once, however many
        requests ask for it meanwhile (after a new release every client asks again at once; each building the answer
        of its own would multiply the work by the number of connections). The build is not the first asker's: it
        goes on, for the others, if that request is cancelled, and what it raises reaches every asker."""
        cached = self.cache.get(key)
        if cached is not None:
            return cached
        building = self._building.get(key)
        if building is None or building.get_loop() is not asyncio.get_running_loop():  # (a loop of its own: tests)
            async def build_and_keep() -> Answer:
                return self._keep(key, await run_in_threadpool(build), last_modified, immutable)

            building = asyncio.ensure_future(build_and_keep())
            self._building[key] = building
            building.add_done_callback(lambda done: self._built(key, done))
        return await asyncio.shield(building)

    def _built(self, key: Hashable, done: asyncio.Task[Answer]) -> None:
        if self._building.get(key) is done:
            del self._building[key]
        if not done.cancelled():
            done.exception()  # retrieved here too: every asker may have gone

    async def answer(
        self,
        request: Request,
        key: Hashable,
        build: Callable[[], Built],
        *,
        last_modified: datetime | None = None,
        immutable: bool = False,
    ) -> Response:
        """A cached answer for ``key``; 304 when the client already has it (then nothing is built)."""
        unchanged = self.unchanged(request, key, last_modified, immutable)
        if unchanged is not None:
            return unchanged
        return respond(request, await self.get_answer(key, build, last_modified=last_modified, immutable=immutable))

    def answer_sync(
        self,
        request: Request,
        key: Hashable,
        build: Callable[[], Built],
        *,
        last_modified: datetime | None = None,
        immutable: bool = False,
    ) -> Response:
        """As ``answer``, for routes that already run in a worker thread."""
        unchanged = self.unchanged(request, key, last_modified, immutable)
        if unchanged is not None:
            return unchanged
        cached = self.cache.get(key)
        if cached is None:
            cached = self._keep(key, build(), last_modified, immutable)
        return respond(request, cached)

    # The GET data route's shortcut: the same URL, on the same catalog version, gets the same answer,
    # so a repeated query skips parsing and resolving its selection. The memo holds answer keys, not
    # answers: what it finds is what the bounded cache still holds, so it never keeps an answer alive.

    def recall(self, raw: Hashable) -> Answer | None:
        key = self._by_url.get(raw)
        return None if key is None else self.cache.get(key)

    def remember(self, raw: Hashable, key: Hashable) -> None:
        if len(self._by_url) >= URL_MEMO_SIZE:
            self._by_url.clear()
        self._by_url[raw] = key


def context(request: Request) -> ServeContext:
    """The shared context of the app serving this request (also for routers other packages add)."""
    return request.app.state.citystat  # type: ignore[no-any-return]


def api_base(request: Request) -> str:
    """The absolute URL of the API root, for links: ``http://host:port/api/v2``."""
    return str(request.base_url).rstrip("/") + API_PREFIX
