"""The event streams and the calibrated simulator: schemas, calendar, determinism, realism, reference tables."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from citystat.catalog import bundled_tables
from citystat.cli import app
from citystat.events import STREAMS, fixed_calendar, stream
from citystat.events.calendar import LocalCalendar
from citystat.model import round_half_up
from citystat.simulate import MANIFEST, hotspots_from_rows, simulate, stations_from_rows
from citystat.simulate.simulator import exact_amounts

PUBLISHED = {t.id: t for t in bundled_tables()}
OFFSET = pa.scalar(8 * 3600 * 1_000_000, pa.int64())


def _files(root: Path, key: str) -> list[Path]:
    return sorted(stream(key).directory(root).glob("year=*/month=*/*.parquet"))


def _read(root: Path, key: str, columns: list[str] | None = None) -> pa.Table:
    tables = [pq.read_table(f, columns=columns) for f in _files(root, key)]
    return pa.concat_tables(tables)


def _local_dates(ts: pa.ChunkedArray) -> np.ndarray:
    """Taipei local dates of UTC instants, computed here independently of the library."""
    micros = pc.cast(ts, pa.int64()).to_numpy()
    return (micros + 8 * 3600 * 1_000_000).astype("datetime64[us]").astype("datetime64[D]")


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.slow  # simulates three times
def test_same_seed_same_bytes_whatever_the_workers_and_another_seed_differs(tmp_path: Path) -> None:
    kwargs = {"scale": "0.0005", "years": [2020, 2021]}
    simulate(bundled_tables(), tmp_path / "a", seed=11, workers=1, **kwargs)
    simulate(bundled_tables(), tmp_path / "b", seed=11, workers=2, **kwargs)
    simulate(bundled_tables(), tmp_path / "c", seed=12, workers=2, **kwargs)
    simulate(bundled_tables(), tmp_path / "d", seed=11, workers=2, scale="0.0005", years=[2021])
    a, b, c, d = (_tree(tmp_path / name) for name in "abcd")
    assert len(a) > 100
    assert a == b
    assert a.keys() == c.keys() and a != c
    # a year's events do not depend on which other years are simulated (only the manifest lists the years)
    del d[MANIFEST]
    assert not any("stream=sessions/year=2020" in path for path in d) and len(d) > 50
    assert {path: a.get(path) for path in d} == d


def test_every_file_has_its_stream_schema_and_lies_in_its_local_month(simulated_events: Path) -> None:
    for strm in STREAMS:
        files = _files(simulated_events, strm.key)
        assert files, strm.key
        for path in files:
            schema = pq.read_schema(path)
            assert schema.names == [c.name for c in strm.columns], path
            assert schema.field("ts").type == pa.timestamp("us", tz="UTC"), path
            for column in strm.columns:
                actual = schema.field(column.name).type
                assert actual == column.type, (path, column.name, actual)
            year = int(path.parent.parent.name.removeprefix("year="))
            month = int(path.parent.name.removeprefix("month="))
            days = _local_dates(pq.read_table(path, columns=["ts"])["ts"])
            if len(days):
                months = days.astype("datetime64[M]")
                assert (months == np.datetime64(f"{year:04d}-{month:02d}")).all(), path


def test_category_columns_hold_only_their_documented_values(simulated_events: Path) -> None:
    for strm in STREAMS:
        for column in strm.columns:
            if column.categories:
                seen = set(_read(simulated_events, strm.key, [column.name])[column.name].unique().to_pylist())
                assert seen <= set(column.categories), (strm.key, column.name, seen - set(column.categories))


def test_no_event_before_a_service_was_launched(simulated_events: Path) -> None:
    launches = {
        "wifi.sessions": date(2011, 8, 1),
        "citizen_platform.visits": date(2019, 12, 1),
        "pay_taipei.bills": date(2017, 6, 1),
        "taipeipass.downloads": date(2020, 9, 1),
        "taipeipass.cards": date(2020, 9, 1),
    }
    for key, launch in launches.items():
        first = _local_dates(_read(simulated_events, key, ["ts"])["ts"]).min()
        assert first >= np.datetime64(launch), key
        assert first < np.datetime64(launch + timedelta(days=7)), key  # and the service starts right away
    fleet = _read(simulated_events, "shared_transport.fleet", ["ts", "mode"])
    years = _local_dates(fleet["ts"]).astype("datetime64[Y]").astype(int) + 1970
    modes = np.array(fleet["mode"].to_pylist())
    # nil in the catalog ('-': the service did not exist) means no events at all
    assert years[modes == "e_car"].min() == 2019
    assert years[modes == "e_scooter"].min() == 2019
    assert years[modes == "parking_space"].min() == 2018


def test_flows_per_local_year_are_the_scaled_published_figures(simulated_events: Path) -> None:
    scale = Decimal("0.001")
    wifi = _local_dates(_read(simulated_events, "wifi.sessions", ["ts"])["ts"])
    counts = dict(zip(*np.unique(wifi.astype("datetime64[Y]").astype(int) + 1970, return_counts=True), strict=True))
    table = PUBLISHED["taipei_free_usage"]
    for year in range(2011, 2022):
        published = table.cell(year=str(year), measure="total").value
        assert counts[year] == int(round_half_up(published * scale, 0))


def test_the_2021_alert_weekdays_and_rush_hours_shape_the_streams(simulated_events: Path) -> None:
    wifi = _local_dates(_read(simulated_events, "wifi.sessions", ["ts"])["ts"])
    in_2021 = wifi[(wifi >= np.datetime64("2021-01-01")) & (wifi <= np.datetime64("2021-12-31"))]
    alert = (in_2021 >= np.datetime64("2021-05-15")) & (in_2021 <= np.datetime64("2021-07-26"))
    alert_days = (date(2021, 7, 26) - date(2021, 5, 15)).days + 1
    assert alert.sum() / alert_days < 0.7 * (~alert).sum() / (365 - alert_days)

    views = _local_dates(_read(simulated_events, "cooc_cloud.page_views", ["ts"])["ts"])
    june = ((views >= np.datetime64("2021-06-01")) & (views < np.datetime64("2021-07-01"))).sum()
    june_before = ((views >= np.datetime64("2020-06-01")) & (views < np.datetime64("2020-07-01"))).sum()
    assert june > 3 * june_before  # schools stopped in-person classes: views rose

    trips = _read(simulated_events, "shared_transport.trips", ["ts", "mode"])
    micros = pc.cast(trips["ts"], pa.int64()).to_numpy() + 8 * 3600 * 1_000_000
    local = micros.astype("datetime64[us]")
    hours = (local.astype("datetime64[h]") - local.astype("datetime64[D]")).astype(int)
    weekday = ((local.astype("datetime64[D]").astype(int) + 3) % 7) < 5  # 1970-01-01 was a Thursday
    bikes = np.array(trips["mode"].to_pylist()) == "bike"
    rush = np.isin(hours, [7, 8, 17, 18]) & weekday & bikes
    midday = np.isin(hours, [10, 11, 13, 14]) & weekday & bikes
    assert rush.sum() > 2 * midday.sum()

    visits = _local_dates(_read(simulated_events, "citizen_platform.visits", ["ts"])["ts"])
    is_weekday = ((visits.astype(int) + 3) % 7) < 5
    assert is_weekday.sum() / 5 > 1.5 * (~is_weekday).sum() / 2


def test_people_appear_only_as_pseudonyms(simulated_events: Path) -> None:
    for strm in STREAMS:
        for column in strm.columns:
            if column.pseudonym:
                values = _read(simulated_events, strm.key, [column.name])[column.name].to_numpy()
                assert values.min() >= 0
                assert np.median(values) > 2**50, (strm.key, column.name)  # hashes, not small running numbers
    wifi = set(_read(simulated_events, "wifi.sessions", ["device_id"])["device_id"].to_pylist())
    riders = set(_read(simulated_events, "shared_transport.trips", ["rider_id"])["rider_id"].to_pylist())
    assert not wifi & riders  # keyed per service: one person's pseudonyms cannot be linked across services


def test_deactivations_remove_cards_activated_earlier(simulated_events: Path) -> None:
    cards = _read(simulated_events, "taipeipass.cards").to_pylist()
    activated: dict[tuple[int, str], datetime] = {}
    removed = 0
    for row in sorted(cards, key=lambda r: r["ts"]):
        key = (row["user_id"], row["card_type"])
        if row["event_type"] == "activation":
            activated.setdefault(key, row["ts"])
        else:
            assert key in activated and activated[key] <= row["ts"]
            removed += 1
    assert removed > 0


def test_manifest_says_what_each_target_rests_on(simulated_events: Path) -> None:
    manifest = json.loads((simulated_events / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["scale"] == "0.001" and manifest["seed"] == 7
    targets = {t["target"]: t for t in manifest["targets"]}
    assert targets["pay_taipei.bills 2018: bills"]["basis"] == "estimate"
    assert targets["pay_taipei.bills 2018: bills"]["value"] == 2051  # round(2,051,351 × 0.001)
    assert targets["open_data.uses 2015: events"]["basis"] == "interpolated"
    assert targets["pay_taipei.bills 2021: bills [taxes]"]["basis"] == "assumption"
    assert targets["wifi.sessions 2021: events"]["basis"] == "published"
    events = sum(sum(s["events_by_year"].values()) for s in manifest["streams"].values())
    assert events == sum(pq.ParquetFile(f).metadata.num_rows for s in STREAMS for f in _files(simulated_events, s.key))


def test_real_reference_tables_plug_in(tmp_path: Path) -> None:
    hotspots = hotspots_from_rows([
        {"id": 501, "district": "daan", "weight": 3},
        {"id": 502, "district": "beitou", "weight": 1},
        {"id": 503, "district": "xinyi", "weight": 1, "active_from": "2021-07-01"},
    ])
    rows, od = [], []
    for mode, base in (("bike", 100), ("e_scooter", 200), ("e_car", 300), ("parking_space", 400)):
        for i in range(3):
            rows.append({"id": base + i, "mode": mode, "district": "zhongshan", "lat": 25.06 + i / 100,
                         "lon": 121.53, "weight": i + 1})
    od += [{"mode": "bike", "origin": 100 + o, "destination": 100 + (o + 1) % 3, "weight": 1} for o in range(3)]
    stations = stations_from_rows(rows, od)
    simulate(bundled_tables(), tmp_path, scale="0.0002", years=[2021], seed=5, workers=1, hotspots=hotspots,
             stations=stations)
    wifi = _read(tmp_path, "wifi.sessions", ["ts", "hotspot_id", "district"])
    pairs = set(zip(wifi["hotspot_id"].to_pylist(), wifi["district"].to_pylist(), strict=True))
    assert pairs <= {(501, "daan"), (502, "beitou"), (503, "xinyi")} and len(pairs) == 3
    early = _local_dates(wifi["ts"]) < np.datetime64("2021-07-01")
    assert 503 not in set(np.array(wifi["hotspot_id"].to_pylist())[early])
    trips = _read(tmp_path, "shared_transport.trips", ["mode", "origin_station", "destination_station"])
    for mode, origin, destination in zip(*(trips[c].to_pylist() for c in trips.column_names), strict=True):
        base = {"bike": 100, "e_scooter": 200, "e_car": 300}[mode]
        assert base <= origin < base + 3 and base <= destination < base + 3
        if mode == "bike":
            assert destination == 100 + (origin - 100 + 1) % 3  # only the study's origin-destination pairs


def test_amounts_add_up_exactly() -> None:
    rng = np.random.default_rng(3)
    amounts = exact_amounts(rng, 1_000, 894_470, 60)
    assert amounts.sum() == 894_470 and amounts.min() >= 1
    assert exact_amounts(rng, 3, 2, 60).sum() == 2


def test_a_daylight_saving_zone_is_refused() -> None:
    LocalCalendar("Asia/Taipei", 8).check_fixed(range(2011, 2022))
    with pytest.raises(ValueError, match="fixed-offset"):
        LocalCalendar("Europe/Berlin", 1).check_fixed([2021])
    # a change that lasts only weeks: Morocco left UTC+1 for Ramadan, 11 April to 16 May 2021
    with pytest.raises(ValueError, match="UTC\\+0 on 2021-04-11"):
        LocalCalendar("Africa/Casablanca", 1).check_fixed([2021])
    taipei = fixed_calendar("Asia/Taipei")
    assert taipei.utc_offset_hours == 8
    assert taipei.local_date(datetime.fromisoformat("2020-12-31T15:59:00+00:00")) == date(2020, 12, 31)
    assert taipei.local_date(datetime.fromisoformat("2020-12-31T16:00:00+00:00")) == date(2021, 1, 1)


def test_simulate_command(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "events"
    args = ["simulate", "--scale", "0.0002", "--years", "2021", "--out", str(out), "--seed", "3", "--workers", "1"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "events in" in result.output and (out / MANIFEST).is_file()
    assert runner.invoke(app, args).exit_code == 1  # the directory already holds events
    again = runner.invoke(app, [*args, "--overwrite"])
    assert again.exit_code == 0, again.output
    bad = runner.invoke(app, ["simulate", "--scale", "2", "--out", str(tmp_path / "x")])
    assert bad.exit_code != 0
