"""The simulator's real world from real files: the readers read them, the simulator's table sources take them."""

from __future__ import annotations

from pathlib import Path

from citystat.ingest.reading import Reading
from citystat.ingest.run import expand, read_all
from citystat.ingest.simulation import BIKE, hotspot_rows, od_rows, station_rows
from citystat.model import InvalidInput, Problem
from citystat.simulate.reference import (
    GeneratedStations,
    HotspotSource,
    StationSource,
    hotspots_from_rows,
    stations_from_rows,
)


def _one(path: Path, kind: str) -> Reading:
    readings = read_all(expand([path]))
    if len(readings) != 1 or readings[0].kind != kind:
        raise InvalidInput([Problem("wrong_kind", f"expected one file of {kind}, found "
                                    f"{', '.join(r.kind for r in readings) or 'nothing'}", file=path.name)])
    return readings[0]


def real_sources(hotspots: Path | None, stations: Path | None, od: Path | None,
                 seed: int = 0) -> tuple[HotspotSource | None, StationSource | None]:
    """Sources for ``simulate``: None where no file is given (the generated world is used there). Real bike
    stations replace the generated bike stations only; the other modes stay generated."""
    if od is not None and stations is None:
        raise InvalidInput([Problem("needs_stations", "--od needs --stations: OD weights join stations",
                                    file=od.name)])
    hotspot_source = hotspots_from_rows(hotspot_rows(_one(hotspots, "hotspots"))) if hotspots else None
    station_source = None
    if stations is not None:
        snapshot = _one(stations, "youbike_stations")
        pairs = od_rows(od, snapshot)[0] if od is not None else []
        generated = [{"id": s.id, "mode": s.mode, "district": s.district, "lat": s.lat, "lon": s.lon,
                      "weight": s.weight} for s in GeneratedStations(seed).stations() if s.mode != BIKE]
        station_source = stations_from_rows([*station_rows(snapshot, pairs), *generated], pairs)
    return hotspot_source, station_source
