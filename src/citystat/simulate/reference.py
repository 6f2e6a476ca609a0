"""Reference tables behind the simulator: the city's districts, Wi-Fi hotspots, and shared-transport stations.

The districts, their order and their centres are the catalog's (city.yaml, through ``citystat.model.City``);
how much activity each draws is an assumption (assumptions.yaml). The real hotspot list (Taipei Free AP list) and
the YouBike station and origin–destination study are not shipped with citystat. The simulator therefore asks for
a ``HotspotSource`` and a ``StationSource``; the generated ones below place plausible hotspots and stations in
the city's real districts. A reader of the real files only has
to produce rows for ``hotspots_from_rows`` / ``stations_from_rows`` (or implement the protocols) and pass them to
``simulate``; nothing else changes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

import numpy as np

from citystat.catalog import bundled_city
from citystat.events.schemas import DISTRICT_CODES, FLEET_MODES
from citystat.model import City, Text
from citystat.simulate.assumptions import ASSUMPTIONS_FILE as ASSUMPTIONS
from citystat.simulate.assumptions import assumptions


@dataclass(frozen=True)
class District:
    code: str
    name: Text
    lat: float  # approximate centre (the catalog's centroid)
    lon: float
    population: int  # the weight of activity in the district: about its residents, thousands (assumptions.yaml)


def districts_of(city: City, weights: Mapping[str, Any]) -> tuple[District, ...]:
    """The city's districts, in its official order, with their centres and the weight of activity in each; a
    district without a centre or a weight, or a weight for no district, is an error naming it."""
    problems = []
    codes = city.district_codes()
    problems += [f"district {c!r} has no weight in {ASSUMPTIONS.name} (district_weights)"
                 for c in codes if c not in weights]
    problems += [f"{ASSUMPTIONS.name}: district_weights names {c!r}, which is not a district of {city.code} "
                 f"(districts: {', '.join(codes)})" for c in weights if c not in codes]
    problems += [f"district {d.code!r} has no centroid in the catalog's city.yaml" for d in city.districts
                 if d.centroid is None]
    if problems:
        raise ValueError("; ".join(problems))
    return tuple(District(d.code, d.label, float(d.centroid.lat), float(d.centroid.lon), int(str(weights[d.code])))
                 for d in city.districts if d.centroid is not None)


DISTRICTS: tuple[District, ...] = districts_of(bundled_city(), assumptions().district_weights)


@dataclass(frozen=True)
class Hotspot:
    id: int
    district: str  # a district code
    weight: float  # relative popularity
    active_from: date
    active_until: date | None = None  # the last day in service; None while still in service


@dataclass(frozen=True)
class Station:
    id: int
    mode: str  # bike, e_scooter, e_car (zones for free-floating vehicles) or parking_space (parking sites)
    district: str
    lat: float
    lon: float
    weight: float  # relative number of trips starting here


class HotspotSource(Protocol):
    def hotspots(self) -> Sequence[Hotspot]: ...


class StationSource(Protocol):
    def stations(self) -> Sequence[Station]: ...

    def od_weights(self, mode: str) -> Sequence[tuple[int, int, float]]:
        """(origin station id, destination station id, relative weight) for trips of a mode."""
        ...


def _check_district(code: str, where: str) -> str:
    if code not in DISTRICT_CODES:
        raise ValueError(f"{where}: unknown district {code!r}; use one of {', '.join(DISTRICT_CODES)}")
    return code


@dataclass(frozen=True)
class TableHotspots:
    """Hotspots from a reference table: rows with id, district, and optional weight, active_from, active_until."""

    rows: tuple[Hotspot, ...]

    def hotspots(self) -> Sequence[Hotspot]:
        return self.rows


def hotspots_from_rows(rows: Iterable[Mapping[str, object]], *, default_from: date = date(2011, 8, 1)) -> TableHotspots:
    """Build a hotspot source from a table's rows (e.g. the real Taipei Free AP list, mapped to these columns)."""
    out = []
    for i, row in enumerate(rows):
        until = row.get("active_until")
        out.append(Hotspot(
            id=int(str(row["id"])),
            district=_check_district(str(row["district"]), f"hotspot row {i + 1}"),
            weight=float(str(row.get("weight") or 1.0)),
            active_from=date.fromisoformat(str(row["active_from"])) if row.get("active_from") else default_from,
            active_until=date.fromisoformat(str(until)) if until else None,
        ))
    if not out:
        raise ValueError("the hotspot table has no rows")
    return TableHotspots(tuple(out))


@dataclass(frozen=True)
class TableStations:
    rows: tuple[Station, ...]
    od: Mapping[str, tuple[tuple[int, int, float], ...]]

    def stations(self) -> Sequence[Station]:
        return self.rows

    def od_weights(self, mode: str) -> Sequence[tuple[int, int, float]]:
        if mode in self.od:
            return self.od[mode]
        return gravity_od([s for s in self.rows if s.mode == mode])


def stations_from_rows(
    rows: Iterable[Mapping[str, object]], od_rows: Iterable[Mapping[str, object]] = ()
) -> TableStations:
    """Stations (id, mode, district, lat, lon, [weight]) and origin–destination weights (mode, origin, destination,
    weight), e.g. from the YouBike study. Modes without OD rows get a gravity model over their stations."""
    stations = []
    for i, row in enumerate(rows):
        mode = str(row["mode"])
        if mode not in FLEET_MODES:
            raise ValueError(f"station row {i + 1}: unknown mode {mode!r}; use one of {', '.join(FLEET_MODES)}")
        district = _check_district(str(row["district"]), f"station row {i + 1}")
        stations.append(Station(int(str(row["id"])), mode, district, float(str(row["lat"])), float(str(row["lon"])),
                                float(str(row.get("weight") or 1.0))))
    od: dict[str, list[tuple[int, int, float]]] = {}
    for row in od_rows:
        od.setdefault(str(row["mode"]), []).append(
            (int(str(row["origin"])), int(str(row["destination"])), float(str(row["weight"])))
        )
    return TableStations(tuple(stations), {m: tuple(v) for m, v in od.items()})


def _district_weights() -> np.ndarray:
    weights = np.array([d.population for d in DISTRICTS], dtype=float)
    return weights / weights.sum()


def _place(rng: np.random.Generator, count: int, spread_km: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Districts (indices) and coordinates scattered around the district centres."""
    districts = rng.choice(len(DISTRICTS), size=count, p=_district_weights())
    lat = np.array([DISTRICTS[i].lat for i in districts]) + rng.normal(0, spread_km / 111, count)
    lon = np.array([DISTRICTS[i].lon for i in districts]) + rng.normal(0, spread_km / 101, count)
    return districts, lat, lon


@dataclass(frozen=True)
class GeneratedHotspots:
    """A plausible Taipei Free hotspot list: hotspots added 2011–2016, consolidated in 2017, a second wave 2019.

    Documented simplification until the real AP list is plugged in: about 4,000 hotspots, weighted by district
    population with a heavy-tailed popularity; some retired in the 2017 consolidation.
    """

    seed: int = 0
    count: int = 4_000

    def hotspots(self) -> Sequence[Hotspot]:
        rng = np.random.default_rng([self.seed, 0x407])
        districts, _, _ = _place(rng, self.count, 1.5)
        weight = rng.pareto(1.5, self.count) + 0.2
        starts = np.where(rng.random(self.count) < 0.4, 0, rng.integers(0, 64, self.count))  # months after 2011-08
        second_wave = rng.random(self.count) < 0.25
        starts = np.where(second_wave, 92 + rng.integers(0, 8, self.count), starts)  # from 2019-04: new hotspots
        retired = (~second_wave) & (rng.random(self.count) < 0.3)
        out = []
        for i in range(self.count):
            y, m = divmod(2011 * 12 + 7 + int(starts[i]), 12)
            until = date(2017, 1 + int(rng.integers(0, 6)), 28) if retired[i] else None
            start = date(y, m + 1, 1)
            if until is not None and until < start:
                until = None
            out.append(Hotspot(i + 1, DISTRICTS[districts[i]].code, float(weight[i]), start, until))
        return out


def gravity_od(
    stations: Sequence[Station], neighbours: int = 40, scale_km: float = 1.5
) -> list[tuple[int, int, float]]:
    """Origin–destination weights of a gravity model: each station's nearest neighbours, weight decaying with
    distance (plus a small return-to-the-same-station share)."""
    if not stations:
        return []
    lat = np.array([s.lat for s in stations])
    lon = np.array([s.lon for s in stations])
    weight = np.array([s.weight for s in stations])
    ids = [s.id for s in stations]
    k = min(neighbours, len(stations))
    cos_lat = math.cos(math.radians(25.05))
    out: list[tuple[int, int, float]] = []
    for i in range(len(stations)):
        d = np.hypot((lat - lat[i]) * 111, (lon - lon[i]) * 111 * cos_lat)
        nearest = np.argsort(d, kind="stable")[:k]
        w = weight[nearest] * np.exp(-d[nearest] / scale_km)
        out.extend((ids[i], ids[j], float(x)) for j, x in zip(nearest, w, strict=True))
    return out


@dataclass(frozen=True)
class GeneratedStations:
    """Plausible stations: YouBike docks, U-motor and U-EV zones, U-Parking sites, weighted by district population.

    Documented simplification until the YouBike study is plugged in: one station table for all years and a
    gravity model for origin–destination weights.
    """

    seed: int = 0
    counts: tuple[tuple[str, int], ...] = (("bike", 1_200), ("e_scooter", 240), ("e_car", 120), ("parking_space", 400))

    def stations(self) -> Sequence[Station]:
        rng = np.random.default_rng([self.seed, 0x57A])
        out: list[Station] = []
        next_id = 1
        for mode, count in self.counts:
            districts, lat, lon = _place(rng, count, 1.2)
            weight = rng.gamma(2.0, 1.0, count)
            for i in range(count):
                out.append(Station(next_id, mode, DISTRICTS[districts[i]].code, float(lat[i]), float(lon[i]),
                                   float(weight[i])))
                next_id += 1
        return out

    def od_weights(self, mode: str) -> Sequence[tuple[int, int, float]]:
        return gravity_od([s for s in self.stations() if s.mode == mode])
