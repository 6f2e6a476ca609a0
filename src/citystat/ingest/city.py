"""The city and its districts, read from metadata (taipei.yaml), never written into code."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache, cached_property
from importlib import resources
from typing import Any

import yaml

from citystat.model import Text

CITY_FILE = "taipei.yaml"


@dataclass(frozen=True)
class District:
    code: str
    name: Text
    aliases: tuple[str, ...]
    zip: str | None = None
    area_km2: Decimal | None = None
    note: Text | None = None
    part_of: str | None = None  # for a pseudo-district: the district it lies in


@dataclass(frozen=True)
class City:
    code: str
    name: Text
    aliases: tuple[str, ...]
    districts: tuple[District, ...]  # the official order
    pseudo_districts: tuple[District, ...]

    def district(self, name: str) -> District | None:
        """The district (or pseudo-district) a feed's spelling names; None for a place outside the city."""
        return self._by_alias.get(" ".join(name.split()))

    @cached_property
    def _by_alias(self) -> dict[str, District]:
        index: dict[str, District] = {}
        for district in (*self.districts, *self.pseudo_districts):
            for alias in (*district.aliases, district.name.zh, district.name.en):
                index[alias] = district
        return index

    def is_city(self, name: str) -> bool:
        return " ".join(name.split()) in self.aliases


def _district(raw: dict[str, Any]) -> District:
    area = raw.get("area_km2")
    return District(
        code=str(raw["code"]),
        name=Text.of(raw["name"]),
        aliases=tuple(str(a) for a in raw.get("aliases", ())),
        zip=str(raw["zip"]) if raw.get("zip") else None,
        area_km2=Decimal(str(area)) if area is not None else None,
        note=Text.of(raw["note"]) if raw.get("note") else None,
        part_of=str(raw["part_of"]) if raw.get("part_of") else None,
    )


@cache
def taipei() -> City:
    raw = yaml.safe_load((resources.files("citystat.ingest") / CITY_FILE).read_text(encoding="utf-8"))
    city = raw["city"]
    return City(
        code=str(city["code"]),
        name=Text.of(city["name"]),
        aliases=tuple(str(a) for a in city.get("aliases", ())),
        districts=tuple(_district(d) for d in raw["districts"]),
        pseudo_districts=tuple(_district(d) for d in raw.get("pseudo_districts", ())),
    )
