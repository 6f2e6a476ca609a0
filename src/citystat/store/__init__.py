"""The DuckDB store: releases (vintages), atomic idempotent loads, reads."""

from citystat.store.database import (
    DB_ENV,
    DEFAULT_DB,
    LoadResult,
    ReleaseInfo,
    Store,
    StoredTable,
    TableNotFound,
    content_hash,
    default_db_path,
)

__all__ = [
    "DB_ENV", "DEFAULT_DB", "LoadResult", "ReleaseInfo", "Store", "StoredTable", "TableNotFound",
    "content_hash", "default_db_path",
]
