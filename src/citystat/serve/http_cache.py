"""HTTP caching: answers kept per release, ETag and Last-Modified, and 304 on revalidation.

An answer is identified by a key that names everything it depends on (the release's content hash, the
language, the resolved selection, the output format ...). Releases never change, so a key's answer never
goes stale: the ETag is a digest of the key, and the server can say "not modified" without building the
answer again. Answers about a named earlier release are immutable and say so in Cache-Control; answers
about the latest release must be revalidated, since a new release may replace it.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

from starlette.requests import Request
from starlette.responses import Response

LATEST = "public, no-cache"
IMMUTABLE = "public, max-age=31536000, immutable"


def etag_of(key: Hashable) -> str:
    return '"' + hashlib.sha256(repr(key).encode()).hexdigest()[:32] + '"'


def http_date(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return format_datetime(moment.astimezone(UTC).replace(microsecond=0), usegmt=True)


@dataclass(frozen=True)
class Answer:
    body: bytes
    media_type: str
    etag: str
    last_modified: datetime | None = None
    immutable: bool = False
    headers: dict[str, str] = field(default_factory=dict)

    def validators(self) -> dict[str, str]:
        headers = {"ETag": self.etag, "Cache-Control": IMMUTABLE if self.immutable else LATEST}
        if self.last_modified is not None:
            headers["Last-Modified"] = http_date(self.last_modified)
        return headers


def not_modified(request: Request, etag: str, last_modified: datetime | None) -> bool:
    """Whether a GET's If-None-Match (or, without one, If-Modified-Since) says the client has this answer."""
    if request.method not in ("GET", "HEAD"):
        return False
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        tags = [t.strip() for t in if_none_match.split(",")]
        return "*" in tags or etag in tags or f"W/{etag}" in tags
    since = request.headers.get("if-modified-since")
    if since and last_modified is not None:
        try:
            moment = parsedate_to_datetime(since)
        except (TypeError, ValueError, IndexError):
            return False
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        modified = last_modified if last_modified.tzinfo else last_modified.replace(tzinfo=UTC)
        return modified.replace(microsecond=0) <= moment
    return False


def not_modified_response(etag: str, last_modified: datetime | None, immutable: bool = False) -> Response:
    headers = Answer(b"", "", etag, last_modified, immutable).validators()
    return Response(status_code=304, headers=headers)


def respond(request: Request, answer: Answer) -> Response:
    if not_modified(request, answer.etag, answer.last_modified):
        return not_modified_response(answer.etag, answer.last_modified, answer.immutable)
    return Response(answer.body, media_type=answer.media_type, headers={**answer.validators(), **answer.headers})


class AnswerCache:
    """Built answers by key, least recently used first out, bounded in entries and bytes."""

    def __init__(self, max_entries: int = 1024, max_bytes: int = 64 * 1024 * 1024):
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._items: OrderedDict[Hashable, Answer] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> Answer | None:
        with self._lock:
            answer = self._items.get(key)
            if answer is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return answer

    def put(self, key: Hashable, answer: Answer) -> None:
        size = len(answer.body)
        if size > self.max_bytes // 4:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= len(old.body)
            self._items[key] = answer
            self._bytes += size
            while len(self._items) > self.max_entries or self._bytes > self.max_bytes:
                _, dropped = self._items.popitem(last=False)
                self._bytes -= len(dropped.body)

    def __len__(self) -> int:
        return len(self._items)
