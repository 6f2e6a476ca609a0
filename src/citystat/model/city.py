"""The city a catalog describes: its name, its publication's identity, its districts and its services.

Everything a publication, a dashboard or an API answer says about *whose* statistics these are comes from
here, so a second city is a second catalog file, not a code change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cached_property
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, PlainValidator, TypeAdapter, model_validator

from citystat.model.schema import (
    Code,
    Finding,
    Items,
    LineOf,
    Schema,
    Text_,
    TimeZone,
    fail,
    kind_of,
    number,
    several,
    string,
    validate,
)
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


def _geo_point(value: Any) -> GeoPoint:
    """lon and lat in WGS 84 degrees, each within its range."""
    if not isinstance(value, Mapping) or set(value) != {"lon", "lat"}:
        raise fail("bad_centroid", "must be a mapping of lon and lat (WGS 84 degrees)",
                   expected="a mapping of lon and lat", found=kind_of(value))
    degrees: dict[str, Decimal] = {}
    for axis, most in (("lon", 180), ("lat", 90)):
        try:
            degrees[axis] = Decimal(str(value[axis]))
        except InvalidOperation:
            degrees[axis] = Decimal("NaN")
        if not degrees[axis].is_finite() or abs(degrees[axis]) > most:
            raise fail("bad_centroid", f"must be degrees from -{most} to {most}",
                       expected=f"degrees from -{most} to {most}", found=kind_of(value[axis]), loc=(axis,))
    return GeoPoint(degrees["lon"], degrees["lat"])


class _DistrictSchema(Schema):
    code: Code
    label: Text_
    aliases: Annotated[tuple[Annotated[str, string("bad_alias", "an alias")], ...], Items] = ()
    area_km2: Annotated[Decimal, number("bad_number", "area_km2")] | None = None
    postal_code: Code | None = None
    note: Text_ | None = None
    part_of: Code | None = None
    centroid: Annotated[GeoPoint, PlainValidator(_geo_point)] | None = None

    def build(self) -> District:
        return District(self.code, self.label, self.aliases, self.area_km2, self.postal_code, self.note, self.part_of,
                        self.centroid)


class _SubjectSchema(Schema):
    code: Code
    name: Text_
    description: Text_ | None = None

    def build(self) -> Subject:
        return Subject(self.code, self.name, self.description or self.name)


class _PublicationSchema(Schema):
    title: Text_
    subtitle: Text_ | None = None


def _unique(items: tuple[Any, ...]) -> tuple[Any, ...]:
    codes = [item.code for item in items]
    repeated = sorted({c for c in codes if codes.count(c) > 1})
    if repeated:
        raise several(Finding("duplicate_code", f"the code {code!r} appears twice", expected="each code once",
                              found=repr(code)) for code in repeated)
    return items


Subjects = Annotated[tuple[_SubjectSchema, ...], Items, AfterValidator(_unique)]


class _CitySchema(Schema):
    """The catalog's city.yaml, with the services of subjects.yaml as ``subjects``."""

    codes: ClassVar[Mapping[str, str]] = {"publication": "invalid_city", "districts": "invalid_city",
                                          "districts[]": "invalid_city", "subjects": "invalid_city"}

    code: Code
    name: Text_
    government: Text_
    publication: _PublicationSchema
    time_zone: TimeZone
    peer_group: Text_ | None = None
    aliases: Annotated[tuple[Annotated[str, string("bad_alias", "an alias")], ...], Items] = ()
    districts: Annotated[tuple[_DistrictSchema, ...], Items] = ()
    pseudo_districts: Annotated[tuple[_DistrictSchema, ...], Items] = ()
    subjects: Subjects

    @model_validator(mode="after")
    def _districts_once(self) -> _CitySchema:
        _unique((*self.districts, *self.pseudo_districts))
        return self


_CITY = TypeAdapter(_CitySchema)
_SUBJECTS = TypeAdapter(Subjects)


def subjects_from_list(raw: Any, *, file: str | None = None, line: LineOf | None = None) -> tuple[Subject, ...]:
    """The services of a catalog (its subjects.yaml), every problem reported at once."""
    return tuple(s.build() for s in validate(_SUBJECTS, Subjects, raw, file=file, line=line,
                                             default_code="invalid_city"))


def city_from_dict(raw: Any, *, file: str | None = None, line: LineOf | None = None) -> City:
    """A city from its catalog file (city.yaml with the subjects merged in), every problem reported at once."""
    city = validate(_CITY, _CitySchema, raw, file=file, line=line, default_code="invalid_city")
    return City(
        code=city.code,
        name=city.name,
        government=city.government,
        publication_title=city.publication.title,
        publication_subtitle=city.publication.subtitle or city.publication.title,
        time_zone=city.time_zone,
        districts=tuple(d.build() for d in city.districts),
        peer_group=city.peer_group,
        subjects=tuple(s.build() for s in city.subjects),
        aliases=city.aliases,
        pseudo_districts=tuple(d.build() for d in city.pseudo_districts),
    )
