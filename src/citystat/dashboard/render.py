"""Laying out a page's data as HTML (Jinja2 templates), and the files the pages load, served from the package.

Static files are linked with a digest of their content (``/static/dashboard.css?v=1a2b3c4d``), so a browser
may keep them for good and still never uses a stale one.
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from citystat.model import City
from citystat.publish.assets import vega_bundle_path
from citystat.publish.charts import spec_script_text

from .pages import home_url
from .sparkline import sparkline_svg
from .words import word

PACKAGE_STATIC = Path(str(resources.files("citystat.dashboard") / "static"))
TEMPLATES = Path(str(resources.files("citystat.dashboard") / "templates"))
MEDIA_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".woff2": "font/woff2",
               ".svg": "image/svg+xml"}


@cache
def static_files() -> dict[str, Path]:
    """Every file a page may load, by the name it is served under: the package's own and the Vega bundle."""
    files = {str(p.relative_to(PACKAGE_STATIC)): p for p in sorted(PACKAGE_STATIC.rglob("*"))
             if p.is_file() and p.suffix in MEDIA_TYPES}
    files["vega-bundle.js"] = vega_bundle_path()
    return files


@cache
def static_version(name: str) -> str:
    return hashlib.sha256(static_files()[name].read_bytes()).hexdigest()[:12]


def static_url(name: str) -> str:
    return f"/static/{name}?v={static_version(name)}"


def spec_json(spec: dict[str, Any]) -> Markup:
    """A chart spec for a ``<script type="application/json">`` (``publish.charts.spec_script_text``)."""
    return Markup(spec_script_text(spec))


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("citystat.dashboard", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
    )
    env.globals.update(static=static_url, sparkline=sparkline_svg, spec_json=spec_json)
    return env


def sparkline_label(headline: dict[str, Any], lang: str) -> str:
    points = [p for p in headline["sparkline"] if p["value"] is not None]
    if len(points) == 1:
        return word("sparkline_single", lang, label=headline["label"], period=points[0]["label"])
    text = word("sparkline_label", lang, label=headline["label"], first=points[0]["label"], last=points[-1]["label"])
    if any(p["estimated"] for p in points):
        text += word("sparkline_estimated", lang)
    return text


def render_page(page: dict[str, Any], city: City) -> str:
    """The HTML of a page from its data (``pages.*_page``); the template is named by ``page["page"]``; the
    site's title and source line are the city's."""
    lang = page["lang"]
    site = {"title": city.publication_title.get(lang),
            "source": word("footer_source", lang, government=city.government.get(lang))}

    def w(key: str, **values: object) -> str:
        return word(key, lang, **values)

    template = _environment().get_template(f"{page['page']}.html.j2")
    return template.render(page=page, site=site, lang=lang, w=w, home=home_url(lang),
                           spark_label=lambda headline: sparkline_label(headline, lang))
