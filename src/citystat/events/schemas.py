"""Event stream schemas: one Parquet schema per stream, stored partitioned by service, stream, year and month.

Layout of an events directory::

    EVENTS_DIR/service=wifi/stream=sessions/year=2021/month=6/part-000.parquet
    EVENTS_DIR/_citystat_events.json        (written by the simulator: seed, scale, calibration; optional)

Every stream has ``event_id`` (an integer unique within the stream) and ``ts``: the instant of the event in UTC
(Parquet TIMESTAMP with isAdjustedToUTC = true, microseconds). The year and month of the partition are the
*local* (Asia/Taipei) year and month of ``ts``; aggregation checks that every event lies in its partition.
People and devices appear only as pseudonyms: 63-bit keyed hashes, different for every service, from which no
identity can be recovered. Category columns are strings (Parquet dictionary-encoded) from a documented set.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from citystat.catalog import bundled_city

TIME_COLUMN = "ts"
ID_COLUMN = "event_id"
TIMESTAMP_TYPE = pa.timestamp("us", tz="UTC")
PART_GLOB = "part-*.parquet"
MANIFEST = "_citystat_events.json"  # written by the simulator beside its streams: seed, scale, calibration


@dataclass(frozen=True)
class Column:
    name: str
    type: pa.DataType
    description: str
    categories: tuple[str, ...] = ()  # the values a category column takes
    pseudonym: bool = False  # a keyed hash standing for a person or device

    @property
    def is_category(self) -> bool:
        return pa.types.is_string(self.type)


def _id() -> Column:
    return Column(ID_COLUMN, pa.int64(), "event id, unique within the stream")


def _ts(what: str) -> Column:
    return Column(TIME_COLUMN, TIMESTAMP_TYPE,
                  f"{what} (UTC instant; the local date in the city's time zone decides the period)")


def _pseudonym(name: str, whom: str) -> Column:
    return Column(name, pa.int64(), f"pseudonymous {whom} (keyed hash, per service)", pseudonym=True)


@dataclass(frozen=True)
class Stream:
    service: str  # the catalog subject code
    name: str
    description: str
    columns: tuple[Column, ...]
    history: bool = False  # year-end figures depend on the whole history (ledgers of items, cumulative counts)
    _by_name: dict[str, Column] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {c.name: c for c in self.columns})

    @property
    def key(self) -> str:
        return f"{self.service}.{self.name}"

    def column(self, name: str) -> Column:
        try:
            return self._by_name[name]
        except KeyError:
            raise KeyError(f"stream {self.key} has no column {name!r} (columns: {', '.join(self._by_name)})") from None

    def has_column(self, name: str) -> bool:
        return name in self._by_name

    @property
    def arrow_schema(self) -> pa.Schema:
        return pa.schema([pa.field(c.name, c.type, nullable=False) for c in self.columns])

    def directory(self, root: Path) -> Path:
        return root / f"service={self.service}" / f"stream={self.name}"

    def partition(self, root: Path, year: int, month: int) -> Path:
        return self.directory(root) / f"year={year}" / f"month={month}"


def _category(name: str, description: str, values: tuple[str, ...]) -> Column:
    return Column(name, pa.string(), f"{description}: {', '.join(values)}", categories=values)


# the districts of the catalog's city, in its official order: city.yaml is the one list of them
DISTRICT_CODES = bundled_city().district_codes()
SERVICE_KINDS = ("case_application", "venue_rental", "counter_appointment")
USE_KINDS = ("view", "download", "api_call")
BILL_CATEGORIES = ("parking", "water", "taxes", "fees", "fines", "other")
TRIP_MODES = ("bike", "e_scooter", "e_car")
FLEET_MODES = ("bike", "e_scooter", "e_car", "parking_space")
CARD_TYPES = (
    "senior", "disability", "child", "student_id", "indigenous", "health", "library", "low_income", "volunteer",
    "caregiver", "parking_permit", "sports_centre", "youth", "new_resident", "foster_family", "veteran",
    "civil_servant", "resident",
)

STREAMS: tuple[Stream, ...] = (
    Stream("wifi", "sessions", "public Wi-Fi sessions, one row per session, at its start", (
        _id(), _ts("session start"), _pseudonym("device_id", "device"),
        Column("hotspot_id", pa.int32(), "hotspot (see the hotspot reference table)"),
        _category("district", "district of the hotspot", DISTRICT_CODES),
        Column("duration_s", pa.int32(), "session length in seconds"),
    )),
    Stream("citizen_platform", "visits", "visits to the citizen service platform", (
        _id(), _ts("visit"), _pseudonym("visitor_id", "visitor"),
        _category("service_kind", "service used", SERVICE_KINDS),
    )),
    Stream("open_data", "datasets", "the dataset ledger of data.taipei: datasets published, later perhaps retired", (
        _id(), _ts("publication or retirement"), Column("dataset_id", pa.int32(), "dataset"),
        _category("event_type", "what happened", ("published", "retired")),
    ), history=True),
    Stream("open_data", "uses", "uses of data.taipei datasets", (
        _id(), _ts("use"), Column("dataset_id", pa.int32(), "dataset used"),
        _category("use_kind", "kind of use", USE_KINDS), _pseudonym("client_id", "client"),
    )),
    Stream("cooc_cloud", "courses", "the course ledger of CooC-Cloud: a course is created, later perhaps retired", (
        _id(), _ts("creation or retirement"), Column("course_id", pa.int32(), "course"),
        _category("event_type", "what happened", ("created", "retired")),
    ), history=True),
    Stream("cooc_cloud", "page_views", "CooC-Cloud page views", (
        _id(), _ts("page view"), Column("course_id", pa.int32(), "course viewed"), _pseudonym("viewer_id", "viewer"),
    )),
    Stream("pay_taipei", "bills", "bills paid through pay.taipei, at the time of payment", (
        _id(), _ts("payment"), _pseudonym("payer_id", "payer"),
        _category("category", "fee category", BILL_CATEGORIES),
        Column("amount", pa.int64(), "amount paid, whole NT$"),
    )),
    Stream("shared_transport", "trips", "shared-vehicle trips (YouBike, U-motor, U-EV), at the start of the trip", (
        _id(), _ts("trip start"), _category("mode", "vehicle kind", TRIP_MODES),
        Column("vehicle_id", pa.int32(), "vehicle"),
        Column("origin_station", pa.int32(), "station or zone where the trip began (station reference table)"),
        Column("destination_station", pa.int32(), "station or zone where the trip ended"),
        Column("duration_s", pa.int32(), "trip length in seconds"), _pseudonym("rider_id", "rider"),
    )),
    Stream("shared_transport", "fleet", "fleet snapshots: one row per vehicle or shared parking space in service", (
        _id(), _ts("snapshot instant"), _category("mode", "asset kind", FLEET_MODES),
        Column("asset_id", pa.int32(), "vehicle or parking space"),
        Column("station_id", pa.int32(), "station, zone or parking site of the asset"),
    )),
    Stream("taipeipass", "downloads", "city app downloads", (
        _id(), _ts("download"), _pseudonym("device_id", "device"),
        _category("platform", "app store", ("ios", "android")),
    ), history=True),
    Stream("taipeipass", "cards", "city app card services: activations and deactivations (cards removed)", (
        _id(), _ts("activation or deactivation"), _pseudonym("user_id", "user"),
        _category("card_type", "card", CARD_TYPES),
        _category("event_type", "what happened", ("activation", "deactivation")),
    ), history=True),
)



def check_column_types(streams: Sequence[Stream]) -> None:
    """A column name has one type in every stream (a rule of the schemas, so that every stream's columns can be
    read side by side and kept in one table): streams whose columns of the same name differ in type are refused."""
    types: dict[str, set[str]] = {}
    for s in streams:
        for c in s.columns:
            types.setdefault(c.name, set()).add(str(c.type))
    clashing = sorted(name for name, kinds in types.items() if len(kinds) > 1)
    if clashing:
        raise TypeError(f"stream columns of the same name with different types: {', '.join(clashing)}")


check_column_types(STREAMS)
_BY_KEY = {s.key: s for s in STREAMS}


def stream(key: str) -> Stream:
    """A stream by its key, ``service.name`` (e.g. ``wifi.sessions``)."""
    try:
        return _BY_KEY[key]
    except KeyError:
        raise KeyError(f"unknown event stream {key!r}; streams: {', '.join(_BY_KEY)}") from None
