"""The city a catalog describes: its name, its publication's identity, its districts and its services.

Everything a publication, a dashboard or an API answer says about *whose* statistics these are comes from
here, so a second city is a second catalog file, not a code change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cached_property
from typing import Any

from citystat.model.problems import InvalidInput, Problem
from citystat.model.subject import Subject
from citystat.model.text import Text


@dataclass(frozen=True)
class GeoPoint:
    """A place in WGS 84 degrees, exact as written."""

    lon: Decimal
    lat: Decimal


@dataclass(frozen=True)
class District:
    code: str
    label: Text
    aliases: tuple[str, ...] = ()  # how the city's own feeds and files spell it (YouBike sareaen, Taipei Free E_AREA)
    area_km2: Decimal | None = None  # land area as the city publishes it
    postal_code: str | None = None
    note: Text | None = None
    part_of: str | None = None  # a place feeds list as a district though it is not one: the district it lies in
    centroid: GeoPoint | None = None  # an approximate centre (where the simulator places what it generates)


@dataclass(frozen=True)
class City:
    code: str
    name: Text  # 臺北市 / Taipei City
    government: Text  # who publishes: 臺北市政府 / Taipei City Government
    publication_title: Text
    publication_subtitle: Text
    time_zone: str  # IANA name: local time decides days, months and years, and dates a publication
    districts: tuple[District, ...]  # in the city's official order
    peer_group: Text | None  # the cities it is ranked among (六都)
    subjects: tuple[Subject, ...]  # the services, in the order a publication presents them
    aliases: tuple[str, ...] = ()  # how feeds spell the city (台北市, Taipei)
    pseudo_districts: tuple[District, ...] = field(default=())  # places feeds list as districts, counted apart

    def district(self, name: str) -> District | None:
        """The district (or pseudo-district) a feed's spelling names; None for a place outside the city."""
        return self._by_alias.get(" ".join(name.split()))

    @cached_property
    def _by_alias(self) -> dict[str, District]:
        index: dict[str, District] = {}
        for district in (*self.districts, *self.pseudo_districts):
            for alias in (*district.aliases, district.label.zh, district.label.en, district.code):
                index[alias] = district
        return index

    def district_codes(self) -> tuple[str, ...]:
        """The districts' codes in the city's official order (pseudo-districts are not districts)."""
        return tuple(d.code for d in self.districts)

    def is_city(self, name: str) -> bool:
        return " ".join(name.split()) in {*self.aliases, self.name.zh, self.name.en}

    def subject(self, code: str) -> Subject:
        """The subject with this code; an unknown code (a user's own service) gets its code as its name."""
        for s in self.subjects:
            if s.code == code:
                return s
        return Subject(code, Text(code, code), Text(code, code))

    def subject_order(self) -> dict[str, int]:
        return {s.code: i for i, s in enumerate(self.subjects)}

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name.to_dict(),
            "government": self.government.to_dict(),
            "publication": {"title": self.publication_title.to_dict(),
                            "subtitle": self.publication_subtitle.to_dict()},
            "time_zone": self.time_zone,
            "aliases": list(self.aliases),
            "districts": [_district_dict(d) for d in self.districts],
            "pseudo_districts": [_district_dict(d) for d in self.pseudo_districts],
            "peer_group": None if self.peer_group is None else self.peer_group.to_dict(),
            "subjects": [{"code": s.code, "name": s.name.to_dict(), "description": s.description.to_dict()}
                         for s in self.subjects],
        }


def _district_dict(d: District) -> dict[str, Any]:
    out: dict[str, Any] = {"code": d.code, "label": d.label.to_dict()}
    if d.aliases:
        out["aliases"] = list(d.aliases)
    if d.area_km2 is not None:
        out["area_km2"] = str(d.area_km2)
    if d.postal_code:
        out["postal_code"] = d.postal_code
    if d.note:
        out["note"] = d.note.to_dict()
    if d.part_of:
        out["part_of"] = d.part_of
    if d.centroid is not None:
        out["centroid"] = {"lon": str(d.centroid.lon), "lat": str(d.centroid.lat)}
    return out


def city_from_dict(raw: Any, *, file: str | None = None) -> City:
    """A city from its catalog file (city.yaml with the subjects merged in), every problem reported at once."""
    problems: list[Problem] = []

    def fail(field: str, message: str) -> None:
        problems.append(Problem("invalid_city", message, file=file, column=field))

    if not isinstance(raw, Mapping):
        raise InvalidInput([Problem("invalid_city", "the city file must be a mapping", file=file)])

    def text(field: str, value: Any) -> Text:
        try:
            return Text.of(value)
        except (TypeError, ValueError) as exc:
            fail(field, f"{field}: {exc}")
            return Text(field, field)

    def code(field: str, value: Any) -> str:
        if not isinstance(value, str) or not value:
            fail(field, f"{field} must be a non-empty code")
            return field
        return value

    for required in ("code", "name", "government", "publication", "time_zone", "subjects"):
        if required not in raw:
            fail(required, f"{required} is missing")
    publication = raw.get("publication") or {}
    if not isinstance(publication, Mapping):
        fail("publication", "publication must be a mapping with title and subtitle")
        publication = {}
    def district(field_name: str, d: Any) -> District | None:
        if not isinstance(d, Mapping):
            fail(field_name, f"{field_name} must be a mapping with code and label")
            return None
        area = d.get("area_km2")
        try:
            area_km2 = None if area is None else Decimal(str(area))
        except InvalidOperation:
            fail(f"{field_name}.area_km2", f"{field_name}.area_km2 must be a number, not {area!r}")
            area_km2 = None
        aliases = d.get("aliases") or []
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            fail(f"{field_name}.aliases", f"{field_name}.aliases must be a list of names")
            aliases = []
        return District(code(f"{field_name}.code", d.get("code")), text(f"{field_name}.label", d.get("label")),
                        tuple(aliases), area_km2, None if d.get("postal_code") is None else str(d["postal_code"]),
                        None if d.get("note") is None else text(f"{field_name}.note", d["note"]),
                        None if d.get("part_of") is None else str(d["part_of"]),
                        None if d.get("centroid") is None else point(f"{field_name}.centroid", d["centroid"]))

    def point(field_name: str, raw_point: Any) -> GeoPoint | None:
        if not isinstance(raw_point, Mapping) or set(raw_point) != {"lon", "lat"}:
            fail(field_name, f"{field_name} must be a mapping of lon and lat (WGS 84 degrees)")
            return None
        degrees = {}
        for axis, most in (("lon", 180), ("lat", 90)):
            try:
                value = Decimal(str(raw_point[axis]))
            except InvalidOperation:
                value = Decimal("NaN")
            if not value.is_finite() or abs(value) > most:
                fail(f"{field_name}.{axis}", f"{field_name}.{axis} must be degrees from -{most} to {most}, not "
                                             f"{raw_point[axis]!r}")
                return None
            degrees[axis] = value
        return GeoPoint(degrees["lon"], degrees["lat"])

    districts = [x for i, d in enumerate(raw.get("districts") or []) if (x := district(f"districts[{i}]", d))]
    pseudo = [x for i, d in enumerate(raw.get("pseudo_districts") or [])
              if (x := district(f"pseudo_districts[{i}]", d))]
    subjects = []
    for i, s in enumerate(raw.get("subjects") or []):
        if not isinstance(s, Mapping):
            fail(f"subjects[{i}]", f"subjects[{i}] must be a mapping with code, name and description")
            continue
        subjects.append(Subject(code(f"subjects[{i}].code", s.get("code")), text(f"subjects[{i}].name", s.get("name")),
                                text(f"subjects[{i}].description", s.get("description") or s.get("name"))))
    for what, items in (("districts", [*districts, *pseudo]), ("subjects", subjects)):
        codes = [item.code for item in items]
        for dup in sorted({c for c in codes if codes.count(c) > 1}):
            fail(what, f"{what}: code {dup!r} appears twice")
    time_zone = raw.get("time_zone")
    if time_zone is not None and not isinstance(time_zone, str):
        fail("time_zone", "time_zone must be an IANA name such as Asia/Tokyo")
    city = City(
        code=code("code", raw.get("code", "city")),
        name=text("name", raw.get("name", "?")),
        government=text("government", raw.get("government", "?")),
        publication_title=text("publication.title", publication.get("title", "?")),
        publication_subtitle=text("publication.subtitle", publication.get("subtitle") or publication.get("title", "?")),
        time_zone=str(time_zone or "UTC"),
        districts=tuple(districts),
        peer_group=None if raw.get("peer_group") is None else text("peer_group", raw.get("peer_group")),
        subjects=tuple(subjects),
        aliases=tuple(str(a) for a in raw.get("aliases") or ()),
        pseudo_districts=tuple(pseudo),
    )
    if problems:
        raise InvalidInput(problems)
    return city
