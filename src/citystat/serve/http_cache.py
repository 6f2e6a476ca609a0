"""HTTP caching: answers kept per release, ETag and Last-Modified, and 304 on revalidation.

An answer is identified by a key that names everything it depends on (the release's content hash, the
language, the resolved selection, the output format ...). Releases never change, so a key's answer never
goes stale: the ETag is a digest of the key, and the server can say "not modified" without building the
answer again. Answers about a named earlier release are immutable and say so in Cache-Control; answers
about the latest release must be revalidated, since a new release may replace it.
"""

from __future__ import annotations

import gzip
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
GZIP_FROM_BYTES = 1024  # smaller answers go as they are
_COMPRESSIBLE = ("application/json", "text/", "application/octet-stream", "application/problem+json")


def etag_of(key: Hashable) -> str:
    return '"' + hashlib.sha256(repr(key).encode()).hexdigest()[:32] + '"'


def http_date(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return format_datetime(moment.astimezone(UTC).replace(microsecond=0), usegmt=True)


def gzip_etag(etag: str) -> str:
    """The ETag of the gzip-encoded representation: a different representation has a different tag."""
    return etag[:-1] + '-gzip"'


@dataclass(frozen=True)
class Answer:
    """A built answer; text answers of some size also keep a gzip-compressed body, made once."""

    body: bytes
    media_type: str
    etag: str
    last_modified: datetime | None = None
    immutable: bool = False
    headers: dict[str, str] = field(default_factory=dict)
    gzipped: bytes | None = None
    # the full responses' headers and bodies, encoded once (raw_response), by whether gzipped
    encoded: dict[bool, tuple[list[tuple[bytes, bytes]], bytes]] = field(default_factory=dict, compare=False,
                                                                         repr=False)

    @classmethod
    def build(
        cls,
        body: bytes,
        media_type: str,
        etag: str,
        last_modified: datetime | None = None,
        immutable: bool = False,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        packed = None
        if len(body) >= GZIP_FROM_BYTES and media_type.startswith(_COMPRESSIBLE):
            packed = gzip.compress(body, compresslevel=6, mtime=0)
            if len(packed) >= len(body):
                packed = None
        return cls(body, media_type, etag, last_modified, immutable, dict(headers or {}), packed)

    def validators(self, etag: str | None = None) -> dict[str, str]:
        headers = {"ETag": etag or self.etag, "Cache-Control": IMMUTABLE if self.immutable else LATEST}
        if self.last_modified is not None:
            headers["Last-Modified"] = http_date(self.last_modified)
        if self.gzipped is not None:
            headers["Vary"] = "Accept-Encoding"
        return headers


def not_modified(request: Request, etag: str, last_modified: datetime | None) -> bool:
    """Whether a GET's If-None-Match (or, without one, If-Modified-Since) says the client has this answer."""
    if request.method not in ("GET", "HEAD"):
        return False
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
        return "*" in tags or etag in tags or gzip_etag(etag) in tags
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


def not_modified_response(
    etag: str, last_modified: datetime | None, immutable: bool = False, request: Request | None = None
) -> Response:
    """304, carrying the tag the client holds (that of the gzip representation if it has that one)."""
    if request is not None and gzip_etag(etag) in request.headers.get("if-none-match", ""):
        etag = gzip_etag(etag)
    headers = Answer(b"", "", etag, last_modified, immutable).validators()
    return Response(status_code=304, headers=headers)


def takes_gzip(accept_encoding: str) -> bool:
    """Whether an Accept-Encoding header's value takes gzip."""
    return "gzip" in accept_encoding and "gzip;q=0" not in accept_encoding.replace(" ", "")


def accepts_gzip(request: Request) -> bool:
    return takes_gzip(request.headers.get("accept-encoding", ""))


def full_response(answer: Answer, gzipped: bool) -> Response:
    """The 200 answer, gzip-encoded or as it is (``gzipped`` only when the answer has a gzipped body)."""
    if gzipped and answer.gzipped is not None:
        headers = {**answer.validators(gzip_etag(answer.etag)), **answer.headers, "Content-Encoding": "gzip"}
        return Response(answer.gzipped, media_type=answer.media_type, headers=headers)
    return Response(answer.body, media_type=answer.media_type, headers={**answer.validators(), **answer.headers})


def raw_response(answer: Answer, gzipped: bool) -> tuple[list[tuple[bytes, bytes]], bytes]:
    """The headers and body of ``full_response``, encoded once per answer and kept with it: what a repeat of a
    cached request is sent (citystat.serve.fast_path) without building a Response again."""
    found = answer.encoded.get(gzipped)
    if found is None:
        response = full_response(answer, gzipped)
        found = answer.encoded[gzipped] = (response.raw_headers, bytes(response.body))
    return found


def respond(request: Request, answer: Answer) -> Response:
    """The answer, gzip-encoded if the client takes it, or 304 if the client already has it."""
    if not_modified(request, answer.etag, answer.last_modified):
        return not_modified_response(answer.etag, answer.last_modified, answer.immutable, request)
    return full_response(answer, accepts_gzip(request))


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
        size = len(answer.body) + len(answer.gzipped or b"")
        if size > self.max_bytes // 4:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= len(old.body) + len(old.gzipped or b"")
            self._items[key] = answer
            self._bytes += size
            while len(self._items) > self.max_entries or self._bytes > self.max_bytes:
                _, dropped = self._items.popitem(last=False)
                self._bytes -= len(dropped.body) + len(dropped.gzipped or b"")

    def __len__(self) -> int:
        return len(self._items)
