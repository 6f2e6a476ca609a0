"""The whole site, the dashboard and the API in one app: for ``uvicorn --factory citystat.dashboard.app:app_from_env``.

``citystat serve`` builds the same app; this is the entry point for running it under another ASGI server.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from citystat.dashboard import routers
from citystat.serve.app import ADMIN_TOKEN_ENV, MAX_DATA_CELLS_ENV, create_app
from citystat.store import default_db_path


def create_site(db_path: str | Path, **options: Any) -> FastAPI:
    """``create_app`` (the PxWeb API) with the dashboard's pages added; ``options`` go to ``create_app``."""
    return create_app(db_path, extra_routers=[*options.pop("extra_routers", ()), *routers()], **options)


def app_from_env() -> FastAPI:
    """The site over $CITYSTAT_DB, with CITYSTAT_ADMIN_TOKEN and CITYSTAT_MAX_DATA_CELLS from the environment."""
    cells = os.environ.get(MAX_DATA_CELLS_ENV)
    return create_site(default_db_path(), admin_token=os.environ.get(ADMIN_TOKEN_ENV) or None,
                       max_data_cells=int(cells) if cells else None)
