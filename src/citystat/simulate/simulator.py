"""The calibrated event simulator: writes event streams whose aggregation reproduces the published tables.

Plan first, then generate: the main process turns every yearly target into exact counts per local hour (see
``shapes``), cuts them into month files of at most ``max_rows_per_file`` events, and hands the files to worker
processes, which fill in the columns with vectorised numpy and write Parquet. Every file has its own random
stream, seeded by (seed, stream, year, month, part): the same seed gives the same files, whatever the number of
workers, and a year's events do not depend on which other years are simulated.

Streams whose year-end figures depend on their whole history (the dataset and course ledgers, TaipeiPASS
downloads and cards) are written from the service's start up to the last requested year.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import math
import multiprocessing
import os
import shutil
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from citystat.catalog import bundled_city
from citystat.events.calendar import (
    US_PER_DAY,
    US_PER_HOUR,
    US_PER_SECOND,
    date_to_day,
    fixed_calendar,
    month_days,
)
from citystat.events.schemas import (
    CARD_TYPES,
    DISTRICT_CODES,
    FLEET_MODES,
    ID_COLUMN,
    MANIFEST,
    SERVICE_KINDS,
    STREAMS,
    TIME_COLUMN,
    TRIP_MODES,
    USE_KINDS,
    Stream,
    stream,
)
from citystat.model import Table
from citystat.simulate.calibration import (
    BILL_CATEGORY_ORDER,
    RETIREMENT_RATE,
    Calibration,
    _split,
    calibrate,
    scaled,
)
from citystat.simulate.reference import DISTRICTS, GeneratedHotspots, GeneratedStations, HotspotSource, StationSource
from citystat.simulate.shapes import distribute, profile

# the simulator is calibrated on the bundled catalog, whose city's local time decides days, months and years
CALENDAR = fixed_calendar(bundled_city().time_zone)
FORMAT = "citystat-events/1"
MAX_ROWS_PER_FILE = 8_000_000
ROW_GROUP_ROWS = 1 << 20
STREAM_NUMBER = {s.key: i + 1 for i, s in enumerate(STREAMS)}

# People behind the pseudonyms, at scale 1 (assumed): the population each service draws its users from.
POPULATION = {
    "wifi.sessions": 3_000_000, "citizen_platform.visits": 1_000_000, "open_data.uses": 400_000,
    "cooc_cloud.page_views": 400_000, "pay_taipei.bills": 1_500_000, "shared_transport.trips": 2_000_000,
    "taipeipass.cards": 2_500_000,
}
BILL_MEDIAN = {"parking": 60, "water": 500, "taxes": 5_000, "fees": 800, "fines": 1_200, "other": 1_500}
TRIP_MEDIAN_S = {"bike": 900, "e_scooter": 1_100, "e_car": 5_400}
CARD_WEIGHTS = (12, 5, 8, 20, 2, 9, 10, 2, 3, 2, 4, 5, 4, 3, 1, 1, 5, 4)

Progress = Callable[[int, int], None]  # (events written so far, events in all)


def event_id_base(year: int, month: int, part: int) -> int:
    """Event ids are unique within a stream: yyyymm, part and row, e.g. 202106_003_000001234."""
    return ((year * 100 + month) * 1000 + part) * 1_000_000_000


def pseudonym(index: np.ndarray, key: int) -> np.ndarray:
    """A keyed 63-bit hash (splitmix64) of a person's index: stable within a service, meaningless outside it."""
    z = index.astype(np.uint64) + np.uint64(key)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(1)).astype(np.int64)


def _service_key(seed: int, service: str) -> int:
    digest = hashlib.sha256(f"citystat-pseudonym:{seed}:{service}".encode()).digest()
    return int.from_bytes(digest[:8], "little")


def _people(rng: np.random.Generator, n: int, population: int) -> np.ndarray:
    """Indices of the people behind n events: a few people make many of them."""
    return np.minimum((population * rng.random(n) ** 2.5).astype(np.int64), population - 1)


def _dictionary(indices: np.ndarray, values: Sequence[str]) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(pa.array(indices.astype(np.int8)), pa.array(list(values), pa.string()))


def _pick(rng: np.random.Generator, n: int, weights: Sequence[float] | np.ndarray) -> np.ndarray:
    cdf = np.cumsum(np.asarray(weights, dtype=float))
    return np.minimum(np.searchsorted(cdf, rng.random(n) * cdf[-1], side="right"), len(cdf) - 1)


def _timestamps(rng: np.random.Generator, slot_start: np.ndarray, counts: np.ndarray, width_us: int) -> np.ndarray:
    """Uniform instants within each slot, sorted."""
    ts = np.repeat(slot_start, counts)
    ts += rng.integers(0, width_us, ts.size, dtype=np.int64)
    ts.sort()
    return ts


# -- shared reference data ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _StationArrays:
    ids: np.ndarray
    weights: np.ndarray
    od_cum: np.ndarray  # per origin, cumulative weights in [0, 1] shifted by the origin's position
    od_dest: np.ndarray  # destination id for each entry of od_cum


@dataclass(frozen=True)
class Context:
    """Read-only data every worker needs."""

    seed: int
    scale: Decimal
    hotspot_ids: np.ndarray
    hotspot_district: np.ndarray
    hotspot_weight: np.ndarray
    hotspot_from: np.ndarray  # local day numbers
    hotspot_until: np.ndarray
    stations: dict[str, _StationArrays]
    calibration: Calibration

    def population(self, stream_key: str) -> int:
        return max(1, scaled(POPULATION[stream_key], self.scale))

    def key(self, service: str) -> int:
        return _service_key(self.seed, service)


def _hotspot_arrays(source: HotspotSource) -> dict[str, np.ndarray]:
    hotspots = list(source.hotspots())
    district_index = {d.code: i for i, d in enumerate(DISTRICTS)}
    return {
        "hotspot_ids": np.array([h.id for h in hotspots], dtype=np.int32),
        "hotspot_district": np.array([district_index[h.district] for h in hotspots], dtype=np.int8),
        "hotspot_weight": np.array([h.weight for h in hotspots], dtype=float),
        "hotspot_from": np.array([date_to_day(h.active_from) for h in hotspots], dtype=np.int64),
        "hotspot_until": np.array([date_to_day(h.active_until) if h.active_until else 10**7 for h in hotspots],
                                  dtype=np.int64),
    }


def _station_arrays(source: StationSource) -> dict[str, _StationArrays]:
    out = {}
    stations = list(source.stations())
    for mode in FLEET_MODES:
        mine = [s for s in stations if s.mode == mode]
        if not mine:
            raise ValueError(f"the station source has no stations for {mode}")
        ids = np.array([s.id for s in mine], dtype=np.int32)
        position = {s.id: i for i, s in enumerate(mine)}
        by_origin: dict[int, list[tuple[int, float]]] = {}
        for origin, destination, weight in source.od_weights(mode):
            if origin in position and weight > 0:
                by_origin.setdefault(position[origin], []).append((destination, weight))
        cum, dest = [], []
        for i in range(len(mine)):
            pairs = by_origin.get(i) or [(int(ids[i]), 1.0)]
            w = np.cumsum([p[1] for p in pairs])
            cum.append(i + w / w[-1])
            dest.append(np.array([p[0] for p in pairs], dtype=np.int32))
        out[mode] = _StationArrays(ids, np.array([s.weight for s in mine]), np.concatenate(cum), np.concatenate(dest))
    return out


_CONTEXT: Context | None = None


def _init_worker(context: Context) -> None:
    global _CONTEXT
    _CONTEXT = context


# -- tasks --------------------------------------------------------------------------------------------------


@dataclass
class RateTask:
    """One file of a stream whose events arrive at a rate: counts per local hour slot for each stratum."""

    stream: str
    year: int
    month: int
    part: int
    path: Path
    slot_start: np.ndarray
    counts: dict[str, np.ndarray]
    amounts: dict[str, int] = field(default_factory=dict)
    first_index: int = 0  # events of the stream before this file (downloads: one device each)

    @property
    def events(self) -> int:
        return int(sum(int(c.sum()) for c in self.counts.values()))


@dataclass
class FleetTask:
    year: int
    month: int
    path: Path
    assets: dict[str, int]

    @property
    def events(self) -> int:
        return sum(self.assets.values())


@dataclass
class LedgerTask:
    """A whole stream with state (items created, then retired): generated in one go, written month by month."""

    stream: str
    root: Path
    years: list[int]
    months: list[tuple[int, int]]
    events_planned: int

    @property
    def events(self) -> int:
        return self.events_planned


Task = RateTask | FleetTask | LedgerTask


def _write(path: Path, strm: Stream, columns: dict[str, np.ndarray | pa.Array]) -> int:
    arrays, fields = [], []
    for column in strm.columns:
        data = columns[column.name]
        array = data if isinstance(data, pa.Array) else pa.array(data, type=column.type)
        arrays.append(array)
        fields.append(pa.field(column.name, array.type, nullable=False))
    table = pa.Table.from_arrays(arrays, schema=pa.schema(fields))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    pq.write_table(
        table, tmp, row_group_size=ROW_GROUP_ROWS, compression="zstd",
        use_dictionary=[c.name for c in strm.columns if c.is_category],
        column_encoding={ID_COLUMN: "DELTA_BINARY_PACKED", TIME_COLUMN: "DELTA_BINARY_PACKED"},
        store_schema=False, sorting_columns=[pq.SortingColumn(1)] if strm.columns[1].name == TIME_COLUMN else None,
    )
    os.replace(tmp, path)
    return table.num_rows


def _rng(seed: int, *parts: int) -> np.random.Generator:
    return np.random.default_rng([seed, *parts])


def _run_rate(task: RateTask) -> int:
    ctx = _CONTEXT
    assert ctx is not None
    strm = stream(task.stream)
    rng = _rng(ctx.seed, STREAM_NUMBER[task.stream], task.year, task.month, task.part, 7)
    pieces: list[dict[str, np.ndarray | pa.Array]] = []
    for stratum, counts in task.counts.items():
        n = int(counts.sum())
        if n == 0:
            continue
        ts = _timestamps(rng, task.slot_start, counts, US_PER_HOUR)
        columns = _GENERATORS[task.stream](ctx, rng, task, stratum, ts)
        columns[TIME_COLUMN] = ts
        pieces.append(columns)
    n = task.events
    if len(pieces) > 1:
        ts = np.concatenate([p[TIME_COLUMN] for p in pieces])
        order = np.argsort(ts, kind="stable")
        merged: dict[str, np.ndarray | pa.Array] = {}
        for name in pieces[0]:
            parts = [p[name] for p in pieces]
            if isinstance(parts[0], pa.Array):
                merged[name] = pa.concat_arrays(parts).take(pa.array(order))
            else:
                merged[name] = np.concatenate(parts)[order]
        columns = merged
    elif pieces:
        columns = pieces[0]
    else:
        columns = _empty_columns(strm)
    columns[ID_COLUMN] = event_id_base(task.year, task.month, task.part) + np.arange(n, dtype=np.int64)
    return _write(task.path, strm, columns)


def _empty_columns(strm: Stream) -> dict[str, np.ndarray | pa.Array]:
    return {c.name: pa.array([], type=c.type) for c in strm.columns}


def _month_day_range(year: int, month: int) -> tuple[int, int]:
    first = date_to_day(date(year, month, 1))
    return first, first + month_days(year, month)


def _wifi(ctx: Context, rng: np.random.Generator, task: RateTask, stratum: str, ts: np.ndarray) -> dict:
    n = ts.size
    first, last = _month_day_range(task.year, task.month)
    active = np.flatnonzero((ctx.hotspot_from < last) & (ctx.hotspot_until >= first))
    if active.size == 0:
        active = np.arange(ctx.hotspot_ids.size)
    chosen = active[_pick(rng, n, ctx.hotspot_weight[active])]
    duration = np.clip(rng.lognormal(math.log(1_200), 1.0, n), 10, 6 * 3600).astype(np.int32)
    return {
        "device_id": pseudonym(_people(rng, n, ctx.population(task.stream)), ctx.key("wifi")),
        "hotspot_id": ctx.hotspot_ids[chosen],
        "district": _dictionary(ctx.hotspot_district[chosen], DISTRICT_CODES),
        "duration_s": duration,
    }


def _visits(ctx: Context, rng: np.random.Generator, task: RateTask, stratum: str, ts: np.ndarray) -> dict:
    n = ts.size
    return {
        "visitor_id": pseudonym(_people(rng, n, ctx.population(task.stream)), ctx.key("citizen_platform")),
        "service_kind": _dictionary(_pick(rng, n, (0.5, 0.2, 0.3)), SERVICE_KINDS),
    }


def _catalogue_ids(rng: np.random.Generator, n: int, size: int) -> np.ndarray:
    """Ids 1..size, the older (lower) ones more popular."""
    return (1 + np.minimum((max(size, 1) * rng.random(n) ** 2.0).astype(np.int64), max(size, 1) - 1)).astype(np.int32)


def _uses(ctx: Context, rng: np.random.Generator, task: RateTask, stratum: str, ts: np.ndarray) -> dict:
    n = ts.size
    size = ctx.calibration.full_scale["open_data.datasets"].get(task.year, 1)
    return {
        "dataset_id": _catalogue_ids(rng, n, size),
        "use_kind": _dictionary(_pick(rng, n, (0.55, 0.25, 0.2)), USE_KINDS),
        "client_id": pseudonym(_people(rng, n, ctx.population(task.stream)), ctx.key("open_data")),
    }


def _views(ctx: Context, rng: np.random.Generator, task: RateTask, stratum: str, ts: np.ndarray) -> dict:
    n = ts.size
    size = ctx.calibration.full_scale["cooc_cloud.courses"].get(task.year, 1)
    return {
        "course_id": _catalogue_ids(rng, n, size),
        "viewer_id": pseudonym(_people(rng, n, ctx.population(task.stream)), ctx.key("cooc_cloud")),
    }


def exact_amounts(rng: np.random.Generator, n: int, total: int, median: float, sigma: float = 0.8) -> np.ndarray:
    """n whole amounts, log-normally spread around ``median``, adding up to exactly ``total``."""
    if n == 0:
        if total:
            raise ValueError(f"an amount of {total} cannot be spread over no bills")
        return np.zeros(0, dtype=np.int64)
    base = 1 if total >= n else 0
    spread = total - base * n
    raw = rng.lognormal(math.log(median), sigma, n)
    share = raw / raw.sum() * spread
    amounts = np.floor(share).astype(np.int64)
    left = spread - int(amounts.sum())
    while left != 0:
        step = 1 if left > 0 else -1
        candidates = np.argsort(-(share - amounts) * step, kind="stable")
        if step < 0:
            candidates = candidates[amounts[candidates] > 0]
        take = candidates[: abs(left)]
        amounts[take] += step
        left -= step * take.size
    return amounts + base


def _bills(ctx: Context, rng: np.random.Generator, task: RateTask, stratum: str, ts: np.ndarray) -> dict:
    n = ts.size
    category = BILL_CATEGORY_ORDER.index(stratum)
    return {
        "payer_id": pseudonym(_people(rng, n, ctx.population(task.stream)), ctx.key("pay_taipei")),
        "category": _dictionary(np.full(n, category), BILL_CATEGORY_ORDER),
        "amount": exact_amounts(rng, n, task.amounts.get(stratum, 0), BILL_MEDIAN[stratum]),
    }


def _trips(ctx: Context, rng: np.random.Generator, task: RateTask, stratum: str, ts: np.ndarray) -> dict:
    n = ts.size
    st = ctx.stations[stratum]
    origin_pos = _pick(rng, n, st.weights)
    destination = st.od_dest[np.minimum(np.searchsorted(st.od_cum, origin_pos + rng.random(n), side="right"),
                                        st.od_dest.size - 1)]
    fleet = ctx.calibration.fleet.get(task.year, {}).get(stratum) or 1
    return {
        "mode": _dictionary(np.full(n, TRIP_MODES.index(stratum)), TRIP_MODES),
        "vehicle_id": (1 + rng.integers(0, fleet, n)).astype(np.int32),
        "origin_station": st.ids[origin_pos],
        "destination_station": destination,
        "duration_s": np.clip(rng.lognormal(math.log(TRIP_MEDIAN_S[stratum]), 0.6, n), 60, 86_400).astype(np.int32),
        "rider_id": pseudonym(_people(rng, n, ctx.population(task.stream)), ctx.key("shared_transport")),
    }


def _downloads(ctx: Context, rng: np.random.Generator, task: RateTask, stratum: str, ts: np.ndarray) -> dict:
    n = ts.size
    devices = task.first_index + np.arange(n, dtype=np.int64)
    return {
        "device_id": pseudonym(devices, ctx.key("taipeipass")),
        "platform": _dictionary(_pick(rng, n, (0.45, 0.55)), ("ios", "android")),
    }


_GENERATORS: dict[str, Callable[..., dict]] = {
    "wifi.sessions": _wifi, "citizen_platform.visits": _visits, "open_data.uses": _uses,
    "cooc_cloud.page_views": _views, "pay_taipei.bills": _bills, "shared_transport.trips": _trips,
    "taipeipass.downloads": _downloads,
}


def _run_fleet(task: FleetTask) -> int:
    ctx = _CONTEXT
    assert ctx is not None
    strm = stream("shared_transport.fleet")
    rng = _rng(ctx.seed, STREAM_NUMBER[strm.key], task.year, task.month, 0, 7)
    last_day = date(task.year, task.month, month_days(task.year, task.month))
    instant = CALENDAR.day_start_us(last_day) + US_PER_DAY - US_PER_SECOND  # 23:59:59 local on the last day
    modes, assets, stations = [], [], []
    for mode in FLEET_MODES:
        count = task.assets.get(mode, 0)
        if count:
            st = ctx.stations[mode]
            modes.append(np.full(count, FLEET_MODES.index(mode)))
            assets.append(np.arange(1, count + 1, dtype=np.int32))
            stations.append(st.ids[_pick(rng, count, st.weights)])
    n = task.events
    if n == 0:
        return _write(task.path, strm, _empty_columns(strm))
    columns = {
        ID_COLUMN: event_id_base(task.year, task.month, 0) + np.arange(n, dtype=np.int64),
        TIME_COLUMN: np.full(n, instant, dtype=np.int64),
        "mode": _dictionary(np.concatenate(modes), FLEET_MODES),
        "asset_id": np.concatenate(assets),
        "station_id": np.concatenate(stations),
    }
    return _write(task.path, strm, columns)


def _ledger_timestamps(rng: np.random.Generator, stream_key: str, stratum: str, count: int, year: int,
                       start: date) -> np.ndarray:
    counts = distribute(rng, count, profile(f"{stream_key}/{stratum}"), year, start if start.year == year else None)
    first = CALENDAR.day_start_us(date(year, 1, 1))
    slot_start = first + np.arange(counts.size, dtype=np.int64) * US_PER_HOUR
    return _timestamps(rng, slot_start, counts.reshape(-1), US_PER_HOUR)


def _item_ledger(ctx: Context, task: LedgerTask) -> dict[str, np.ndarray]:
    """Datasets or courses: published/created items, a few retired each year; stocks hit every year end."""
    cal = ctx.calibration
    created, retired = ("published", "retired") if task.stream == "open_data.datasets" else ("created", "retired")
    start = cal.start(task.stream)
    rng = _rng(ctx.seed, STREAM_NUMBER[task.stream], 0, 0, 0, 11)
    times: list[np.ndarray] = []
    items: list[np.ndarray] = []
    kinds: list[np.ndarray] = []
    stock, next_id = 0, 1
    active_ts: list[int] = []
    active_id: list[int] = []
    for year in task.years:
        target = cal.ledgers[task.stream][year]
        retire = scaled(stock * RETIREMENT_RATE, Decimal(1)) if year > start.year else 0
        publish = target - stock + retire
        if publish < 0:
            retire, publish = stock - target, 0
        pub_ts = _ledger_timestamps(rng, task.stream, created, publish, year, start)
        ret_ts = _ledger_timestamps(rng, task.stream, retired, retire, year, start)
        active_ts.extend(int(t) for t in pub_ts)
        active_id.extend(range(next_id, next_id + publish))
        order = np.argsort(np.array(active_ts), kind="stable")
        active_ts = [active_ts[i] for i in order]
        active_id = [active_id[i] for i in order]
        retired_ids = []
        for t in ret_ts:
            available = bisect.bisect_left(active_ts, int(t))  # items published before t (the list is sorted)
            if available == 0:
                raise ValueError(f"{task.stream} {year}: nothing to retire at {t}")
            pick = int(rng.integers(0, available))
            retired_ids.append(active_id.pop(pick))
            active_ts.pop(pick)
        times += [pub_ts, ret_ts]
        items += [np.arange(next_id, next_id + publish, dtype=np.int32), np.array(retired_ids, dtype=np.int32)]
        kinds += [np.zeros(publish, dtype=np.int8), np.ones(retire, dtype=np.int8)]
        next_id += publish
        stock = target
    ts = np.concatenate(times) if times else np.zeros(0, dtype=np.int64)
    order = np.argsort(ts, kind="stable")
    id_column = "dataset_id" if task.stream == "open_data.datasets" else "course_id"
    return {TIME_COLUMN: ts[order], id_column: np.concatenate(items)[order],
            "event_type": np.concatenate(kinds)[order], "_labels": np.array([created, retired])}


def _card_ledger(ctx: Context, task: LedgerTask) -> dict[str, np.ndarray]:
    """TaipeiPASS cards: activations; deactivations remove a card activated earlier (same user, same card)."""
    cal = ctx.calibration
    start = cal.start(task.stream)
    rng = _rng(ctx.seed, STREAM_NUMBER[task.stream], 0, 0, 0, 11)
    population = ctx.population(task.stream)
    act_ts_all: list[np.ndarray] = []
    act_user_all: list[np.ndarray] = []
    act_card_all: list[np.ndarray] = []
    deact: list[tuple[int, int]] = []  # (instant, position of the activation it removes)
    taken: set[int] = set()  # activations already removed
    stock = 0
    for year in task.years:
        target = cal.ledgers[task.stream][year]
        removed = cal.deactivations[year]
        added = target - stock + removed
        if added < 0:
            raise ValueError(f"city app cards {year}: the stock cannot fall by more than its deactivations")
        act_ts = _ledger_timestamps(rng, task.stream, "activation", added, year, start)
        act_ts_all.append(act_ts)
        act_user_all.append(_people(rng, added, population))
        act_card_all.append(_pick(rng, added, CARD_WEIGHTS))
        de_ts = _ledger_timestamps(rng, task.stream, "deactivation", removed, year, start)
        known_ts = np.concatenate(act_ts_all)
        for t in de_ts:
            available = int(np.searchsorted(known_ts, t))
            if available - len(taken) <= 0:
                raise ValueError(f"city app cards {year}: no active card to remove at {t}")
            while True:
                pick = int(rng.integers(0, available))
                if pick not in taken:
                    break
            taken.add(pick)
            deact.append((int(t), pick))
        stock = target
    act_ts = np.concatenate(act_ts_all) if act_ts_all else np.zeros(0, dtype=np.int64)
    users = np.concatenate(act_user_all) if act_user_all else np.zeros(0, dtype=np.int64)
    cards = np.concatenate(act_card_all) if act_card_all else np.zeros(0, dtype=np.int64)
    picks = np.array([p for _, p in deact], dtype=np.int64)
    ts = np.concatenate([act_ts, np.array([t for t, _ in deact], dtype=np.int64)])
    order = np.argsort(ts, kind="stable")
    return {
        TIME_COLUMN: ts[order],
        "user_id": pseudonym(np.concatenate([users, users[picks]]), ctx.key("taipeipass"))[order],
        "card_type": np.concatenate([cards, cards[picks]])[order],
        "event_type": np.concatenate([np.zeros(act_ts.size, dtype=np.int8), np.ones(picks.size, dtype=np.int8)])[order],
    }


def _run_ledger(task: LedgerTask) -> int:
    ctx = _CONTEXT
    assert ctx is not None
    strm = stream(task.stream)
    data = _card_ledger(ctx, task) if task.stream == "taipeipass.cards" else _item_ledger(ctx, task)
    ts = data[TIME_COLUMN]
    local_day = (ts + CALENDAR.offset_us) // US_PER_DAY
    written = 0
    for year, month in task.months:
        first, last = _month_day_range(year, month)
        lo, hi = np.searchsorted(local_day, first), np.searchsorted(local_day, last)
        n = int(hi - lo)
        columns: dict[str, np.ndarray | pa.Array] = {
            ID_COLUMN: event_id_base(year, month, 0) + np.arange(n, dtype=np.int64), TIME_COLUMN: ts[lo:hi],
        }
        if task.stream == "taipeipass.cards":
            columns["user_id"] = data["user_id"][lo:hi]
            columns["card_type"] = _dictionary(data["card_type"][lo:hi], CARD_TYPES)
            columns["event_type"] = _dictionary(data["event_type"][lo:hi], ("activation", "deactivation"))
        else:
            id_column = "dataset_id" if task.stream == "open_data.datasets" else "course_id"
            columns[id_column] = data[id_column][lo:hi]
            columns["event_type"] = _dictionary(data["event_type"][lo:hi], [str(x) for x in data["_labels"]])
        written += _write(strm.partition(task.root, year, month) / "part-000.parquet", strm, columns)
    if written != len(ts):
        raise AssertionError(f"{task.stream}: {len(ts) - written} events fell outside the months written")
    return written


def _run(task: Task) -> int:
    if isinstance(task, RateTask):
        return _run_rate(task)
    if isinstance(task, FleetTask):
        return _run_fleet(task)
    return _run_ledger(task)


# -- planning -----------------------------------------------------------------------------------------------


def _months_from(start: date, year: int) -> list[int]:
    return list(range(start.month if start.year == year else 1, 13)) if start.year <= year else []


def _trend(series: dict[int, int], year: int) -> float:
    nxt, prev, this = series.get(year + 1), series.get(year - 1), series.get(year)
    if not this:
        return 1.0
    ratio = nxt / this if nxt else (this / prev if prev else 1.0)
    return float(min(3.0, max(0.5, ratio)))


def _plan_rate(cal: Calibration, root: Path, stream_key: str, years: list[int], seed: int,
               max_rows: int) -> list[RateTask]:
    strm = stream(stream_key)
    tasks: list[RateTask] = []
    flows = cal.flows[stream_key]
    index = 0
    for year in years:
        rng = _rng(seed, STREAM_NUMBER[stream_key], year, 0, 0, 1)
        by_stratum: dict[str, np.ndarray] = {}
        for stratum, total in flows[year].items():
            start = cal.start(stream_key, stratum)
            if start.year > year:
                if total:
                    raise ValueError(f"{stream_key} {stratum} has {total} events in {year}, before it began")
                continue
            series = {y: f.get(stratum, 0) for y, f in flows.items()}
            prof = profile(f"{stream_key}/{stratum}" if stratum else stream_key)
            by_stratum[stratum] = distribute(rng, total, prof, year, start if start.year == year else None,
                                             _trend(series, year)).reshape(-1)
        year_start = CALENDAR.day_start_us(date(year, 1, 1))
        year_tasks: list[RateTask] = []
        for month in _months_from(cal.start(stream_key), year):
            first_day = (date(year, month, 1) - date(year, 1, 1)).days
            lo, hi = first_day * 24, (first_day + month_days(year, month)) * 24
            slot_start = year_start + np.arange(lo, hi, dtype=np.int64) * US_PER_HOUR
            per_slot = sum((c[lo:hi] for c in by_stratum.values()), np.zeros(hi - lo, dtype=np.int64))
            total = int(per_slot.sum())
            parts = max(1, math.ceil(total / max_rows))
            cum = np.cumsum(per_slot)
            cuts = [0, *(int(np.searchsorted(cum, total * k / parts, side="right")) for k in range(1, parts)), hi - lo]
            for part in range(parts):
                a, b = cuts[part], cuts[part + 1]
                task = RateTask(stream_key, year, month, part,
                                strm.partition(root, year, month) / f"part-{part:03d}.parquet",
                                slot_start[a:b], {s: c[lo:hi][a:b] for s, c in by_stratum.items()},
                                first_index=index)
                index += task.events
                year_tasks.append(task)
        if stream_key == "pay_taipei.bills":
            for category, amount in cal.amounts[year].items():
                weights = {str(i): Decimal(int(t.counts.get(category, np.zeros(1)).sum()))
                           for i, t in enumerate(year_tasks)}
                for i, share in _split(amount, weights).items():
                    year_tasks[int(i)].amounts[category] = share
        tasks += year_tasks
    return tasks


def _plan_fleet(cal: Calibration, root: Path, years: list[int]) -> list[FleetTask]:
    strm = stream("shared_transport.fleet")
    tasks = []
    for year in years:
        if year not in cal.fleet:
            continue
        for month in range(1, 13):
            assets = {}
            for mode, target in cal.fleet[year].items():
                previous = cal.fleet.get(year - 1, {}).get(mode)
                if previous is None:
                    previous = round(target * 0.9) if cal.start("shared_transport.fleet", mode).year < year else \
                        round(target * 0.4)
                assets[mode] = int(round(previous + (target - previous) * month / 12))
            tasks.append(FleetTask(year, month, strm.partition(root, year, month) / "part-000.parquet", assets))
    return tasks


def _plan_ledger(cal: Calibration, root: Path, stream_key: str, last_year: int) -> LedgerTask | None:
    start = cal.start(stream_key)
    years = [y for y in sorted(cal.ledgers[stream_key]) if start.year <= y <= last_year]
    if not years:
        return None
    months = [(y, m) for y in years for m in _months_from(start, y)]
    planned = cal.ledgers[stream_key][years[-1]] + (
        sum(cal.deactivations.get(y, 0) for y in years) * 2 if stream_key == "taipeipass.cards" else 0)
    return LedgerTask(stream_key, root, years, months, planned)


def plan(cal: Calibration, root: Path, years: Sequence[int], seed: int,
         max_rows_per_file: int = MAX_ROWS_PER_FILE) -> list[Task]:
    """Every file to write, with its exact event counts."""
    wanted = sorted(set(years))
    last = max(wanted)
    tasks: list[Task] = []
    for strm in STREAMS:
        key = strm.key
        if key == "shared_transport.fleet":
            tasks += _plan_fleet(cal, root, [y for y in wanted if y in cal.fleet])
        elif key in cal.ledgers:
            ledger = _plan_ledger(cal, root, key, last)
            if ledger:
                tasks.append(ledger)
        else:
            calibrated = sorted(cal.flows[key])
            chosen = [y for y in calibrated if y <= last] if strm.history else [y for y in wanted if y in calibrated]
            tasks += _plan_rate(cal, root, key, chosen, seed, max_rows_per_file)
    return tasks


# -- the simulation -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SimulationResult:
    out: Path
    events: int
    files: int
    manifest: dict


def _prepare(out: Path, overwrite: bool) -> None:
    out.mkdir(parents=True, exist_ok=True)
    ours = [p for p in out.iterdir() if p.name.startswith("service=") or p.name in (MANIFEST, "_reference")]
    if ours and not overwrite:
        raise FileExistsError(f"{out} already holds simulated events; choose another directory or overwrite")
    for path in ours:
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()


def _reference_tables(out: Path, hotspots: HotspotSource, stations: StationSource) -> dict[str, int]:
    ref = out / "_reference"
    ref.mkdir(exist_ok=True)
    hs = list(hotspots.hotspots())
    pq.write_table(pa.table({
        "hotspot_id": pa.array([h.id for h in hs], pa.int32()),
        "district": pa.array([h.district for h in hs]),
        "weight": pa.array([h.weight for h in hs]),
        "active_from": pa.array([h.active_from for h in hs]),
        "active_until": pa.array([h.active_until for h in hs], pa.date32()),
    }), ref / "hotspots.parquet", store_schema=False)
    st = list(stations.stations())
    pq.write_table(pa.table({
        "station_id": pa.array([s.id for s in st], pa.int32()), "mode": pa.array([s.mode for s in st]),
        "district": pa.array([s.district for s in st]), "lat": pa.array([s.lat for s in st]),
        "lon": pa.array([s.lon for s in st]), "weight": pa.array([s.weight for s in st]),
    }), ref / "stations.parquet", store_schema=False)
    return {"hotspots": len(hs), "stations": len(st)}


def _execute(tasks: list[Task], context: Context, workers: int) -> Iterator[int]:
    ordered = sorted(tasks, key=lambda t: -t.events)  # big files first keeps the workers busy to the end
    if workers <= 1:
        _init_worker(context)
        for task in ordered:
            yield _run(task)
        return
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_init_worker, initargs=(context,))
    with pool:
        futures = [pool.submit(_run, task) for task in ordered]
        for future in as_completed(futures):
            yield future.result()


def simulate(
    published: Sequence[Table],
    out: Path,
    *,
    scale: Decimal | str | float = 1,
    years: Sequence[int] = tuple(range(2011, 2022)),
    seed: int = 0,
    workers: int | None = None,
    hotspots: HotspotSource | None = None,
    stations: StationSource | None = None,
    max_rows_per_file: int = MAX_ROWS_PER_FILE,
    overwrite: bool = False,
    progress: Progress | None = None,
) -> SimulationResult:
    """Write event streams for ``years`` at ``scale`` whose aggregation gives the published tables."""
    scale = Decimal(str(scale))
    out = Path(out)
    cal = calibrate(published, scale)
    tasks = plan(cal, out, years, seed, max_rows_per_file)
    if not tasks:
        raise ValueError(f"no published figures to simulate for the years {', '.join(map(str, years))}")
    _prepare(out, overwrite)
    hotspots = hotspots or GeneratedHotspots(seed)
    stations = stations or GeneratedStations(seed)
    context = Context(seed=seed, scale=scale, stations=_station_arrays(stations), calibration=cal,
                      **_hotspot_arrays(hotspots))
    total = sum(t.events for t in tasks)
    workers = workers if workers is not None else (os.cpu_count() or 1)
    if progress:
        progress(0, total)
    written = 0
    for events in _execute(tasks, context, workers):
        written += events
        if progress:
            progress(written, total)
    reference = _reference_tables(out, hotspots, stations)
    manifest = _manifest(out, cal, years, seed, reference)
    tmp = out / f".{MANIFEST}.tmp"
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, out / MANIFEST)
    files = sum(len(t.months) if isinstance(t, LedgerTask) else 1 for t in tasks)
    return SimulationResult(out, written, files, manifest)


def _manifest(out: Path, cal: Calibration, years: Sequence[int], seed: int, reference: dict[str, int]) -> dict:
    streams: dict[str, dict] = {}
    for strm in STREAMS:
        files = sorted(strm.directory(out).glob("year=*/month=*/part-*.parquet"))
        if not files:
            continue
        by_year: dict[str, int] = {}
        for f in files:
            year = f.parent.parent.name.split("=")[1]
            by_year[year] = by_year.get(year, 0) + pq.ParquetFile(f).metadata.num_rows
        streams[strm.key] = {
            "service": strm.service, "stream": strm.name, "description": strm.description,
            "history": strm.history, "files": len(files), "events_by_year": by_year,
            "schema": [{"name": c.name, "type": str(c.type), "description": c.description} for c in strm.columns],
        }
    return {
        "format": FORMAT, "seed": seed, "scale": str(cal.scale), "years": sorted(set(years)),
        "time_zone": CALENDAR.time_zone, "streams": streams, "reference": reference,
        "targets": [n.to_dict() for n in cal.notes],
        "starts": {k: v.isoformat() for k, v in sorted(cal.starts.items())},
        "note": "Simulated events calibrated on citystat's catalog tables. Targets with basis 'estimate' rest on "
                "figures the catalog flags as estimates; 'interpolated', 'assumption' and 'remainder' targets are "
                "not published figures.",
    }


__all__ = ["MANIFEST", "Context", "SimulationResult", "event_id_base", "exact_amounts", "plan", "pseudonym", "simulate"]
