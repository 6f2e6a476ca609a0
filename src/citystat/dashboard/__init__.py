"""The dashboard: the statistics in the browser, bilingual, served by the same app as the PxWeb API.

Pages: ``/`` (key findings and a card per service), ``/services/{code}``, ``/tables/{id}`` (chart, data table,
narrative, notes, source, releases, downloads) and the publication at ``/publication/``. Every page has a JSON
twin at the same URL with ``.json`` (``/index.json`` for the home page) or with ``Accept: application/json``,
built by the same query function (``citystat.dashboard.pages``). The language is ``?lang=zh-TW|en`` in the URL.

Add it to the app: ``create_app(db, extra_routers=citystat.dashboard.routers())``.
"""

from __future__ import annotations

from fastapi import APIRouter

from citystat.dashboard.pages import home_page, service_page, table_page


def routers() -> list[APIRouter]:
    """The dashboard's routers, for ``citystat.serve.app.create_app(..., extra_routers=...)``."""
    from citystat.dashboard.routes import router

    return [router]


__all__ = ["home_page", "routers", "service_page", "table_page"]
