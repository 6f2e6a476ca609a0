"""YouBike station feeds, three generations, read into one station record.

- 1.0: ``{"retCode":1,"retVal":{"0001":{...}}}``, every value a string, ``mday`` YYYYMMDDhhmmss;
- 2.0 with the old field names (``tot``, ``sbi``, ``bemp``, ``lat``, ``lng``);
- 2.0 with the new ones (``total``, ``available_rent_bikes``, ``available_return_bikes``, ``latitude``, ...).

The snapshot time is the file's ``updateTime`` (2.0) or its newest ``mday`` (1.0). A station whose ``mday``
is more than an hour older than the newest ``mday`` is stale; ``act`` = 0 is inactive. Both are kept, marked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from citystat.ingest import fields
from citystat.ingest.city import feed_city
from citystat.ingest.reading import ProblemList, Reading, Rejection
from citystat.ingest.registry import register
from citystat.ingest.source import SourceFile
from citystat.model import Text

STALE_AFTER = timedelta(hours=1)
LAT_RANGE = (21.0, 26.5)  # Taiwan, generously
LNG_RANGE = (118.0, 122.5)
V1_TIME = ("%Y%m%d%H%M%S",)
V2_TIME = ("%Y-%m-%d %H:%M:%S",)


@dataclass(frozen=True)
class StationRecord:
    row: int  # the station's position in the file, from 1
    sno: str
    name: Text
    district: str  # ``sarea`` as the feed spells it
    docks: int
    rentable: int
    free: int
    lat: float
    lng: float
    active: bool
    updated: datetime  # ``mday``, local time (Asia/Taipei)
    stale: bool = False


@dataclass(frozen=True)
class FieldNames:
    docks: str
    rentable: str
    free: str
    lat: str
    lng: str
    time_formats: tuple[str, ...]


V1_FIELDS = FieldNames("tot", "sbi", "bemp", "lat", "lng", V1_TIME)
V2_OLD_FIELDS = FieldNames("tot", "sbi", "bemp", "lat", "lng", V2_TIME)
V2_NEW_FIELDS = FieldNames("total", "available_rent_bikes", "available_return_bikes", "latitude", "longitude",
                           V2_TIME)


def station(record: Any, row: int, names: FieldNames, problems: ProblemList) -> StationRecord | None:
    """One station in the common form; None (with the problems recorded) when a field is missing or wrong."""
    if not isinstance(record, Mapping):
        problems.add("not_an_object", f"station {row} is a {type(record).__name__}, not an object", row=row)
        return None
    before = problems.count
    sno = fields.text(record, "sno", row, problems)
    sna = fields.text(record, "sna", row, problems)
    snaen = fields.text(record, "snaen", row, problems) if "snaen" in record else ""
    sarea = fields.text(record, "sarea", row, problems)
    docks = fields.whole(record, names.docks, row, problems)
    rentable = fields.whole(record, names.rentable, row, problems)
    free = fields.whole(record, names.free, row, problems)
    lat = fields.number(record, names.lat, row, problems, *LAT_RANGE)
    lng = fields.number(record, names.lng, row, problems, *LNG_RANGE)
    act = fields.text(record, "act", row, problems)
    mday = fields.timestamp(record, "mday", row, problems, names.time_formats)
    if act is not None and act not in ("0", "1"):
        problems.add("bad_flag", f"act is {act!r}, not '1' (active) or '0' (suspended)", row=row, column="act")
    if problems.count > before:
        return None
    assert sno is not None and sna is not None and sarea is not None and mday is not None
    assert docks is not None and rentable is not None and free is not None and lat is not None and lng is not None
    return StationRecord(row, sno, Text(sna, snaen or sna), sarea, docks, rentable, free, lat, lng, act == "1",
                         mday)


def stations_reading(source: SourceFile, reader: str, records: Sequence[tuple[int, Any]], names: FieldNames,
                     problems: ProblemList, snapshot: datetime | None = None) -> Reading:
    """Normalise the records, reject duplicate station numbers, mark stale stations against the snapshot."""
    stations = [s for row, rec in records if (s := station(rec, row, names, problems)) is not None]
    problems.raise_if_any()
    if not stations:
        raise source.fail("no_records", "the feed lists no station")
    newest = max(s.updated for s in stations)  # staleness is measured against the newest station update
    seen: set[str] = set()
    kept: list[StationRecord] = []
    rejected: list[Rejection] = []
    city = feed_city()
    for s in stations:
        if city.district(s.district) is None:
            rejected.append(Rejection(source.name, s.row, f"not a district of {city.name.en} ({s.district})", s.sno,
                                      "sarea", s.district, f"非{city.name.zh}行政區（{s.district}）"))
            continue
        if s.sno in seen:
            rejected.append(Rejection(source.name, s.row, "duplicate station number", s.sno, "sno", s.sno,
                                      "站號重複"))
            continue
        seen.add(s.sno)
        kept.append(StationRecord(**{**s.__dict__, "stale": newest - s.updated > STALE_AFTER}))
    return Reading(source.name, reader, "youbike_stations", kept, as_of=snapshot or newest, encoding="utf-8",
                   rows_read=len(stations), rejected=rejected)


@register
class YouBikeV1Reader:
    name = "youbike-v1"
    title = "YouBike 1.0 station feed (retCode/retVal)"
    media_types = ("application/json",)
    suffixes = (".json", ".gz")

    def handles(self, source: SourceFile) -> bool:
        return source.head.startswith(b"{") and b'"retCode"' in source.head[:200]

    def read(self, source: SourceFile) -> Reading:
        payload = source.json()
        problems = ProblemList(source.name)
        if not isinstance(payload, dict) or not isinstance(payload.get("retVal"), dict):
            raise source.fail("bad_structure", "a YouBike 1.0 feed is an object whose 'retVal' maps station "
                              "numbers to stations", column="retVal")
        records = list(enumerate(payload["retVal"].values(), 1))
        for row, (key, value) in enumerate(payload["retVal"].items(), 1):
            if isinstance(value, dict) and "sno" in value and str(value["sno"]).strip() != key:
                problems.add("key_mismatch", f"station key {key!r} differs from its sno {value['sno']!r}", row=row,
                             column="sno")
        return stations_reading(source, self.name, records, V1_FIELDS, problems)


class _V2Reader:
    names: FieldNames
    marker: bytes
    name = ""

    def handles(self, source: SourceFile) -> bool:
        head = source.head
        return head.startswith(b"[") and b'"sno"' in head and self.marker in head

    def read(self, source: SourceFile) -> Reading:
        payload = source.json()
        if not isinstance(payload, list):
            raise source.fail("bad_structure", "a YouBike 2.0 feed is a JSON array of stations")
        problems = ProblemList(source.name)
        snapshot = _update_time(source, payload, problems)
        return stations_reading(source, self.name, list(enumerate(payload, 1)), self.names, problems, snapshot)


def _update_time(source: SourceFile, payload: list[Any], problems: ProblemList) -> datetime | None:
    """The file's one ``updateTime``: the snapshot time. Several different ones mean several snapshots."""
    times = {str(r.get("updateTime")) for r in payload if isinstance(r, dict) and r.get("updateTime")}
    if len(times) > 1:
        problems.add("mixed_snapshots", f"the stations carry {len(times)} different updateTime values; a file "
                     "must be one snapshot", column="updateTime")
        return None
    if not times:
        return None
    return fields.timestamp({"updateTime": times.pop()}, "updateTime", 1, problems, V2_TIME)


@register
class YouBikeV2NewReader(_V2Reader):
    name = "youbike-v2"
    title = "YouBike 2.0 station feed (total, available_rent_bikes, ...)"
    media_types = ("application/json",)
    suffixes = (".json",)
    names = V2_NEW_FIELDS
    marker = b'"available_rent_bikes"'


@register
class YouBikeV2OldReader(_V2Reader):
    name = "youbike-v2-old"
    title = "YouBike 2.0 station feed, old field names (tot, sbi, bemp, lat, lng)"
    media_types = ("application/json",)
    suffixes = (".json",)
    names = V2_OLD_FIELDS
    marker = b'"sbi"'
