"""Saved queries (PxWeb API 2.0 ``/savedqueries``): small JSON documents kept beside the statistical database.

Where they live, and why: in a SQLite file next to the DuckDB file (``citystat.duckdb`` ->
``citystat.savedqueries.sqlite``), not inside it. The server never holds the DuckDB file open: it reads through
short read-only connections so that ``citystat build`` or ``load`` can write at any time, and DuckDB lets only
one process write a file, excluding every reader while it does. Writing saved queries into that file would
make each POST wait for (or block) a load. SQLite in WAL mode lets one short write run beside any number of
readers and other processes, and its file is one more thing to back up beside the database.

A saved query is public, so it must not become a way to fill the disk: each document has a size limit, the
file a count limit, and every query an expiry. Identical documents share one id (the id is a digest of the
document), so saving the same query again only renews its expiry. A refused save writes nothing.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS saved_query (
    id TEXT PRIMARY KEY,
    table_id TEXT NOT NULL,
    document TEXT NOT NULL,
    created TEXT NOT NULL,
    expires TEXT NOT NULL
)
"""


@dataclass(frozen=True)
class SavedQueryLimits:
    max_count: int = 10_000  # saved queries kept at once
    max_bytes: int = 16_384  # of one document, as canonical JSON in UTF-8
    days: int = 365  # a query expires this long after it was last saved


class SavedQueryRefused(Exception):
    """A save the limits refuse: ``reason`` is ``too-large`` or ``full``."""

    def __init__(self, reason: str, message: str):
        self.reason = reason
        super().__init__(message)


@dataclass(frozen=True)
class SavedQuery:
    id: str
    table_id: str
    document: dict[str, Any]
    created: datetime
    expires: datetime


def saved_queries_path(db_path: str | Path) -> Path:
    """The saved-query file that belongs to a database file."""
    path = Path(db_path)
    return path.with_name(f"{path.stem}.savedqueries.sqlite")


def canonical(document: Mapping[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def query_id(document: Mapping[str, Any]) -> str:
    """16 characters of base32 of the document's SHA-256: the same query always gets the same id."""
    return base64.b32encode(hashlib.sha256(canonical(document)).digest()[:10]).decode().lower()


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


class SavedQueryStore:
    """The saved queries of one database; every call opens and closes its own short connection."""

    def __init__(self, path: str | Path, limits: SavedQueryLimits | None = None):
        self.path = Path(path)
        self.limits = limits or SavedQueryLimits()

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        connection = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute(SCHEMA)
            yield connection
        finally:
            connection.close()

    def save(self, table_id: str, document: Mapping[str, Any], now: datetime | None = None) -> SavedQuery:
        """Keep a query (or renew the same one); SavedQueryRefused when it is too large or the store is full."""
        body = canonical(document)
        if len(body) > self.limits.max_bytes:
            raise SavedQueryRefused("too-large", f"the saved query is {len(body):,} bytes as JSON; at most "
                                                 f"{self.limits.max_bytes:,} are kept")
        now = now or datetime.now(UTC)
        identifier = query_id(document)
        expires = now + timedelta(days=self.limits.days)
        with self._connect() as connection:
            connection.execute("BEGIN IMMEDIATE")
            try:
                connection.execute("DELETE FROM saved_query WHERE expires <= ?", (_iso(now),))
                found = connection.execute("SELECT created FROM saved_query WHERE id = ?", (identifier,)).fetchone()
                if found is not None:
                    created = _parse(found[0])
                    connection.execute("UPDATE saved_query SET expires = ? WHERE id = ?", (_iso(expires), identifier))
                else:
                    (count,) = connection.execute("SELECT count(*) FROM saved_query").fetchone()
                    if count >= self.limits.max_count:
                        raise SavedQueryRefused("full", f"{count:,} saved queries are kept, the most there may be; "
                                                        "try again when some have expired")
                    created = now
                    connection.execute("INSERT INTO saved_query VALUES (?, ?, ?, ?, ?)",
                                       (identifier, table_id, body.decode(), _iso(now), _iso(expires)))
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")
        return SavedQuery(identifier, table_id, json.loads(body), created, expires)

    def get(self, identifier: str, now: datetime | None = None) -> SavedQuery | None:
        """The saved query, or None when there is none (or it expired)."""
        if not self.path.exists():
            return None
        now = now or datetime.now(UTC)
        with self._connect() as connection:
            row = connection.execute(
                "SELECT table_id, document, created, expires FROM saved_query WHERE id = ? AND expires > ?",
                (identifier, _iso(now))).fetchone()
        if row is None:
            return None
        return SavedQuery(identifier, row[0], json.loads(row[1]), _parse(row[2]), _parse(row[3]))

    def count(self) -> int:
        if not self.path.exists():
            return 0
        with self._connect() as connection:
            (count,) = connection.execute("SELECT count(*) FROM saved_query").fetchone()
        return int(count)
