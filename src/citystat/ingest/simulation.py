"""The real world for the event simulator: rows of hotspots, stations and origin–destination weights in the
shape ``citystat.events.hotspots_from_rows`` / ``stations_from_rows`` take, from what the readers read.

- hotspots: the Taipei Free list (the hotspots in the city), each weight 1, in service from the start;
- bike stations: a YouBike snapshot's stations (a pseudo-district is placed in the district it lies in);
- bike OD weights: the study's weekday trip counts (``sum_of_txn_times``) between stations of the snapshot
  (study ``stop_id`` ``U101001`` is feed ``sno`` ``500101001``); a station's weight is its trips out.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from citystat.ingest.city import feed_city
from citystat.ingest.reading import Reading
from citystat.model import InvalidInput, Problem

BIKE = "bike"
OD_COLUMNS = ("on_stop_id", "off_stop_id", "sum_of_txn_times")


def _district_code(name: str) -> str | None:
    city = feed_city()
    district = city.district(name)
    if district is None:
        return None
    return district.part_of or district.code


def hotspot_rows(reading: Reading) -> list[dict[str, Any]]:
    if reading.kind != "hotspots":
        raise ValueError(f"{reading.file} is not a hotspot list but {reading.kind}")
    rows = []
    for h in reading.records:
        digits = re.sub(r"\D", "", h.id)
        rows.append({"id": int(digits), "district": _district_code(h.district), "weight": 1.0})
    return rows


def station_rows(reading: Reading, od: Sequence[dict[str, Any]] = ()) -> list[dict[str, Any]]:
    """The snapshot's stations as bike stations; with OD rows, each weighted by its trips out (at least 1)."""
    if reading.kind != "youbike_stations":
        raise ValueError(f"{reading.file} holds no YouBike stations but {reading.kind}")
    out_trips: Counter[int] = Counter()
    for row in od:
        out_trips[row["origin"]] += row["weight"]
    return [{"id": int(s.sno), "mode": BIKE, "district": _district_code(s.district), "lat": s.lat, "lon": s.lng,
             "weight": float(out_trips.get(int(s.sno), 0) or 1.0)} for s in reading.records]


def _sno(stop_id: str) -> int | None:
    """``U101001`` -> 500101001 (the study's ids are the 2.0 feed's numbers with ``500`` made ``U``)."""
    return int("500" + stop_id[1:]) if re.fullmatch(r"U\d{6}", stop_id) else None


def od_rows(route_file: Path, stations: Reading) -> tuple[list[dict[str, Any]], int]:
    """(OD rows between the snapshot's stations, trips left out because a station is not in the snapshot)."""
    table = pq.read_table(route_file)
    missing = [c for c in OD_COLUMNS if c not in table.column_names]
    if missing:
        raise InvalidInput([Problem("missing_column", f"column(s) {', '.join(missing)} missing", file=route_file.name,
                                    column=missing[0])])
    known = {int(s.sno) for s in stations.records}
    rows, left_out = [], 0
    columns = table.select(list(OD_COLUMNS)).to_pydict()
    for on, off, trips in zip(columns["on_stop_id"], columns["off_stop_id"], columns["sum_of_txn_times"]):
        origin, destination = _sno(on), _sno(off)
        if origin in known and destination in known:
            rows.append({"mode": BIKE, "origin": origin, "destination": destination, "weight": float(trips)})
        else:
            left_out += int(trips)
    return rows, left_out
