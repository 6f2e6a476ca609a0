"""The city the feeds are about: its districts, their areas and the spellings its feeds use, as the catalog's
city.yaml declares them (``citystat.catalog``), never written into code."""

from __future__ import annotations

from citystat.catalog import bundled_city
from citystat.model import City, District

__all__ = ["City", "District", "feed_city"]


def feed_city() -> City:
    """The bundled catalog's city, whose feeds the readers know."""
    return bundled_city()
