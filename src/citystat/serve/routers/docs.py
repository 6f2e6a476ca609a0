"""The interactive API documentation at /docs, with Swagger UI served from the installed package.

FastAPI's default page loads Swagger UI from a CDN; citystat serves the files of the swagger-ui-py
distribution instead, so the docs work with no internet, like the dashboard.
"""

from __future__ import annotations

from pathlib import Path

import swagger_ui
from fastapi import APIRouter, HTTPException
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse

DOCS_PATH = "/docs"
ASSETS = Path(swagger_ui.__file__).parent / "static"
SERVED = ("swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png")

router = APIRouter(include_in_schema=False)


@router.get(DOCS_PATH, response_class=HTMLResponse)
def docs() -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="citystat API — Swagger UI",
        swagger_js_url=f"{DOCS_PATH}/assets/swagger-ui-bundle.js",
        swagger_css_url=f"{DOCS_PATH}/assets/swagger-ui.css",
        swagger_favicon_url=f"{DOCS_PATH}/assets/favicon-32x32.png",
    )


@router.get(DOCS_PATH + "/assets/{name}")
def asset(name: str) -> FileResponse:
    if name not in SERVED:
        raise HTTPException(404, f"no documentation asset {name!r}")
    return FileResponse(ASSETS / name, headers={"Cache-Control": "public, max-age=86400"})
