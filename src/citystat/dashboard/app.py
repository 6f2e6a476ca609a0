"""The whole site, the dashboard and the API in one app: for ``uvicorn --factory citystat.dashboard.app:app_from_env``.

``citystat serve`` builds the same app; this is the entry point for running it under another ASGI server.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI

from citystat.dashboard import routers
from citystat.serve.app import app_from_env as api_from_env
from citystat.serve.app import create_app


def create_site(db_path: str | Path, **options: Any) -> FastAPI:
    """``create_app`` (the PxWeb API) with the dashboard's pages added; ``options`` go to ``create_app``."""
    return create_app(db_path, extra_routers=[*options.pop("extra_routers", ()), *routers()], **options)


def app_from_env() -> FastAPI:
    """The site over $CITYSTAT_DB, with CITYSTAT_ADMIN_TOKEN and CITYSTAT_MAX_DATA_CELLS from the environment."""
    return api_from_env(extra_routers=routers())
