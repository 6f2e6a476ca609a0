"""The data.taipei pager: fetch a dataset page by page (``offset``/``limit``), keep each page as a file, and
resume after a failure from the pages already kept, so every record is fetched and kept exactly once.

A page is written to ``page-<offset>.json`` only once it is whole and consistent (a temporary file renamed),
so an interrupted run leaves no half page. The kept pages are read back with the data.taipei reader, which
checks that their offsets follow one another and that together they hold ``count`` records.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from citystat.ingest.data_taipei import page_facts
from citystat.ingest.source import SourceFile
from citystat.model import InvalidInput

PAGE_NAME = "page-{offset:07d}.json"
Fetch = Callable[[str, float], bytes]


class PagerError(RuntimeError):
    """A page could not be fetched after its retries; the pages kept so far stay, and a rerun resumes."""


def page_url(url: str, offset: int, limit: int) -> str:
    """The dataset URL with its ``offset`` and ``limit`` set (other parameters, such as scope, kept)."""
    parts = urllib.parse.urlsplit(url)
    query = [(k, v) for k, v in urllib.parse.parse_qsl(parts.query) if k not in ("offset", "limit")]
    query += [("limit", str(limit)), ("offset", str(offset))]
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


def http_get(url: str, timeout: float) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout) as answer:  # noqa: S310 (the caller names the server)
        data: bytes = answer.read()
        return data


@dataclass
class PagerReport:
    pages: list[Path]
    fetched: int  # pages fetched in this run (the others were kept from an earlier one)
    retries: int  # failed requests that were tried again
    count: int


@dataclass
class Pager:
    url: str
    folder: Path
    limit: int = 1000
    attempts: int = 3  # tries per page
    backoff: float = 0.5  # seconds before the first retry, doubled each time
    timeout: float = 30.0
    fetch: Fetch = http_get
    max_pages: int = 10_000
    retries: int = 0  # failed requests tried again, in the latest run

    def _kept(self, offset: int) -> Path:
        return self.folder / PAGE_NAME.format(offset=offset)

    def _page(self, offset: int) -> tuple[bytes, Any, int]:
        """The bytes, payload and count of the page at ``offset``, tried ``attempts`` times."""
        url = page_url(self.url, offset, self.limit)
        last: Exception | None = None
        for attempt in range(self.attempts):
            if attempt:
                time.sleep(self.backoff * 2 ** (attempt - 1))
            try:
                data = self.fetch(url, self.timeout)
                source = SourceFile(PAGE_NAME.format(offset=offset), data)
                payload = source.json()
                got_offset, _limit, count, _results = page_facts(source, payload)
                if got_offset != offset:
                    raise source.fail("envelope_count", f"asked for offset {offset}, the answer is at {got_offset}")
                return data, payload, count
            except (urllib.error.URLError, TimeoutError, ConnectionError, InvalidInput) as exc:
                last = exc
                self.retries += 1
        self.retries -= 1  # the last failure was not retried
        raise PagerError(f"{url}: no whole page after {self.attempts} tries: {last}") from last

    def run(self) -> PagerReport:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.retries = 0
        fetched = 0
        offset, count = 0, None
        pages: list[Path] = []
        while count is None or offset < count:
            if len(pages) >= self.max_pages:
                raise PagerError(f"more than {self.max_pages} pages; raise max_pages if the dataset is that large")
            kept = self._kept(offset)
            if kept.exists():
                source = SourceFile.open(kept)
                _o, _l, page_count, results = page_facts(source, source.json())
            else:
                data, payload, page_count = self._page(offset)
                results = payload["result"]["results"]
                temporary = kept.with_suffix(".part")
                temporary.write_bytes(data)
                temporary.replace(kept)
                fetched += 1
            if count is not None and page_count != count:
                raise PagerError(f"the dataset changed while paging: count was {count}, the page at offset "
                                 f"{offset} says {page_count}; remove {self.folder} and start again")
            count = page_count
            pages.append(kept)
            if not results:
                break
            offset += len(results)
        return PagerReport(pages, fetched, self.retries, count or 0)


