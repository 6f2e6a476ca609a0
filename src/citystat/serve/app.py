"""The citystat web app: the PxWeb API 2.0 under /api/v2, administration, and docs at /docs.

``create_app`` builds the app over a database file. Other parts of citystat (the dashboard) add their
pages to the same app, either by passing routers as ``extra_routers`` or by calling
``app.include_router(...)`` on the app it returns; their routes reach the shared store reader, settings
and answer cache through ``citystat.serve.context.context(request)``, and can answer from the same plain
functions the API uses (``citystat.serve.pxweb``), so a page and its JSON twin cannot disagree.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from pathlib import Path

from fastapi import APIRouter, FastAPI
from starlette.middleware.cors import CORSMiddleware

from citystat.query import StoreReader
from citystat.serve import problems
from citystat.serve.context import ServeContext
from citystat.serve.fast_path import CachedAnswers
from citystat.serve.pxweb import API_PREFIX, ApiSettings, app_version
from citystat.serve.rate_limit import RateLimiter, RateLimitMiddleware
from citystat.serve.routers import admin, codelists, config, data, docs, savedqueries, tables
from citystat.serve.security import SecurityMiddleware
from citystat.store import default_db_path
from citystat.store.saved_queries import SavedQueryStore, saved_queries_path

ADMIN_TOKEN_ENV = "CITYSTAT_ADMIN_TOKEN"
MAX_DATA_CELLS_ENV = "CITYSTAT_MAX_DATA_CELLS"

DESCRIPTION = """\
The statistics of the citystat database, served the way statistics clients already read them:
the [PxWeb API 2.0](https://github.com/PxTools/PxApiSpecs) (so pxwebpy, the R pxweb package and PxWeb
itself work unchanged), with JSON-stat 2.0 as the canonical format and CSV, XLSX, PX and HTML besides.

- Languages: `lang=zh-TW` (default; `zh` is accepted) or `lang=en`.
- Selections: `valueCodes[VARIABLE]=` codes or expressions `*`, `20*`, `20?1`, `TOP(n[,offset])`,
  `BOTTOM(n[,offset])`, `FROM(x)`, `TO(x)`, `RANGE(a,b)`; on the time variable `TOP(n)` is the latest n periods.
- Extension: `release=N` reads an earlier release of a table.
- Errors are RFC 7807 `application/problem+json`.
"""


def create_app(
    db_path: str | Path,
    *,
    admin_token: str | None = None,
    max_data_cells: int | None = None,
    settings: ApiSettings | None = None,
    extra_routers: Sequence[APIRouter] = (),
) -> FastAPI:
    """The app over the database at ``db_path``, read-only except for the admin routes.

    ``admin_token`` enables /api/v2/admin (None disables it); ``max_data_cells`` overrides the settings'
    cell limit. Raises FileNotFoundError if there is no database.
    """
    settings = settings or ApiSettings.from_env(os.environ)
    if max_data_cells is not None:
        settings = dataclasses.replace(settings, max_data_cells=max_data_cells)
    reader = StoreReader(db_path)
    app = FastAPI(
        title="citystat statistics API (PxWeb API 2.0)",
        version=app_version(),
        description=DESCRIPTION,
        docs_url=None,  # served by routers.docs, from the package rather than a CDN
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.citystat = ServeContext(reader, settings, admin_token or None)
    app.state.saved_queries = SavedQueryStore(saved_queries_path(db_path), settings.saved_queries)
    # The data routes first: they are the hot path, and routes are matched in order.
    for router in (data.router, config.router, tables.router, codelists.router, savedqueries.router, admin.router):
        app.include_router(router, prefix=API_PREFIX)
    app.include_router(docs.router)
    for router in extra_routers:
        app.include_router(router)
    problems.install(app)
    app.add_middleware(CachedAnswers, root=app)  # the innermost: the ones added after it still apply
    app.add_middleware(SecurityMiddleware, root=app)
    if settings.rate_limit:  # inside CORS, so that a browser can read a 429 and its Retry-After
        app.add_middleware(RateLimitMiddleware, limiter=RateLimiter(settings.max_calls_per_time_window,
                                                                    settings.time_window), prefix=API_PREFIX + "/")
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_methods=["GET"],
        allow_headers=["Accept", "Accept-Language", "If-None-Match", "If-Modified-Since"],
        expose_headers=["ETag", "Last-Modified", "Content-Disposition", "Retry-After"],
        max_age=3600,
    )
    return app


def app_from_env(extra_routers: Sequence[APIRouter] = ()) -> FastAPI:
    """For ``uvicorn --factory citystat.serve.app:app_from_env``: CITYSTAT_DB, CITYSTAT_ADMIN_TOKEN and
    CITYSTAT_MAX_DATA_CELLS from the environment."""
    cells = os.environ.get(MAX_DATA_CELLS_ENV)
    return create_app(default_db_path(), admin_token=os.environ.get(ADMIN_TOKEN_ENV) or None,
                      max_data_cells=int(cells) if cells else None, extra_routers=extra_routers)
