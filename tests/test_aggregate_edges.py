"""Edge cases of the definitions, on hand-written event files, on both engines; and bad event files.

The events are written here with pyarrow, as any producer would write them; the expected figures are counted
from the rows written, in Python.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from citystat.aggregate import DuckDBEngine, SparkEngine, aggregate_events, parse_definition
from citystat.aggregate.definitions import DEFINITIONS_DIR, Calendar, check_against, load_definitions
from citystat.aggregate.runner import catalog_metas
from citystat.cli import app
from citystat.events import stream
from citystat.file_digests import files_digest
from citystat.model import Cell, FileDigest, Frequency, InvalidInput, ProvenanceKind, Status, meta_from_dict
from citystat.simulate import MANIFEST
from citystat.store import Store

METAS = catalog_metas()
_ids = itertools.count(1)


def local(*parts: int) -> datetime:
    """A Taipei wall-clock time as the UTC instant an event file stores (UTC+8, no daylight saving)."""
    return datetime(*parts, tzinfo=UTC) - timedelta(hours=8)


def write(root: Path, key: str, year: int, month: int, rows: list[dict], name: str = "part-000.parquet",
          schema: pa.Schema | None = None, **options: object) -> Path:
    strm = stream(key)
    schema = schema or strm.arrow_schema
    full = [{"event_id": next(_ids), **{c.name: _default(c.name) for c in strm.columns[2:]}, **row} for row in rows]
    path = strm.partition(root, year, month) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(full, schema=schema), path, **options)
    return path


def _default(column: str) -> object:
    return {"district": "daan", "service_kind": "venue_rental", "card_type": "senior", "platform": "ios",
            "category": "other", "mode": "bike", "event_type": "activation"}.get(column, 1)


def months(root: Path, key: str, first: tuple[int, int], last: tuple[int, int]) -> None:
    """Empty files for every month of a range that has none yet: the stream covers those months, with no events."""
    y, m = first
    while (y, m) <= last:
        if not stream(key).partition(root, y, m).exists():
            write(root, key, y, m, [])
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)


EDGE_METAS = {
    "edge_wifi_devices": meta_from_dict({
        "id": "edge_wifi_devices", "subject": "wifi", "title": {"zh-TW": "裝置數", "en": "Devices"},
        "sources": [{"name": {"zh-TW": "測試", "en": "test"}}],
        "variables": [
            {"code": "year", "role": "time", "label": {"zh-TW": "年", "en": "Year"}, "values": ["2020", "2021"]},
            {"code": "measure", "role": "metric", "label": {"zh-TW": "指標", "en": "Measure"}, "values": [
                {"code": "devices", "label": {"zh-TW": "裝置", "en": "devices"},
                 "unit": {"zh-TW": "台", "en": "devices"}, "decimals": 0, "kind": "flow"}]},
        ],
    }),
    "edge_wifi_monthly": meta_from_dict({
        "id": "edge_wifi_monthly", "subject": "wifi", "title": {"zh-TW": "每月", "en": "Monthly"},
        "sources": [{"name": {"zh-TW": "測試", "en": "test"}}],
        "variables": [
            {"code": "month", "role": "time", "label": {"zh-TW": "月", "en": "Month"},
             "values": ["2020M12", "2021M01", "2021M03", "2021M04"]},
            {"code": "measure", "role": "metric", "label": {"zh-TW": "指標", "en": "Measure"}, "values": [
                {"code": "sessions", "label": {"zh-TW": "次", "en": "sessions"},
                 "unit": {"zh-TW": "次", "en": "sessions"}, "decimals": 0, "kind": "flow"}]},
        ],
    }),
}
EDGE_DEFINITIONS = [
    parse_definition({"table": "edge_wifi_devices", "measures": {
        "devices": {"measure": "count_distinct", "stream": "wifi.sessions", "column": "device_id"}}}),
    parse_definition({"table": "edge_wifi_monthly", "calendar": {"time_zone": "Asia/Taipei", "period": "month"},
                      "measures": {"sessions": {"measure": "count", "stream": "wifi.sessions"}}}),
]


def build_edge_events(root: Path) -> dict[str, object]:
    """Events at the edges of the calendar and of the definitions; returns what was written."""
    wifi = "wifi.sessions"
    # 2011: the service began in August; 12 sessions over its 5 months
    for month, n in zip(range(8, 13), (3, 2, 2, 2, 3), strict=True):
        write(root, wifi, 2011, month, [{"ts": local(2011, month, 10 + i, 12)} for i in range(n)])
    # 2019: no files at all -> not available
    # 2020: 10 sessions, then one at 23:59 local on 31 December (15:59 UTC)
    write(root, wifi, 2020, 5, [{"ts": local(2020, 5, 1 + i, 9), "device_id": 100 + i % 4} for i in range(10)])
    write(root, wifi, 2020, 12, [{"ts": datetime(2020, 12, 31, 15, 59, tzinfo=UTC), "device_id": 100}])
    # 2021: 00:30 local on 1 January (16:30 UTC on 31 December 2020) belongs to 2021
    write(root, wifi, 2021, 1, [{"ts": datetime(2020, 12, 31, 16, 30, tzinfo=UTC), "device_id": 100},
                                {"ts": local(2021, 1, 20, 8), "device_id": 200}])
    # 23:30 local on 31 March is March; 00:10 local on 1 April (16:10 UTC on 31 March) is April; and a session
    # of June 2019 filed under March 2021 is excluded and reported
    write(root, wifi, 2021, 3, [{"ts": local(2021, 3, 31, 23, 30), "device_id": 201},
                                {"ts": local(2019, 6, 1, 10), "device_id": 999}])
    write(root, wifi, 2021, 4, [{"ts": datetime(2021, 3, 31, 16, 10, tzinfo=UTC), "device_id": 201}])
    months(root, wifi, (2020, 1), (2021, 12))
    months(root, wifi, (2011, 8), (2011, 12))

    visits = "citizen_platform.visits"
    write(root, visits, 2019, 12, [{"ts": local(2019, 12, 2 + i, 10)} for i in range(7)])  # live in December 2019
    write(root, visits, 2020, 6, [{"ts": local(2020, 6, 1 + i % 28, 10)} for i in range(30)])  # 30 / 12 = 2.5
    months(root, visits, (2020, 1), (2020, 12))

    fleet = "shared_transport.fleet"
    write(root, fleet, 2020, 11, [{"ts": local(2020, 11, 30, 23, 59, 59), "asset_id": i} for i in range(5)])
    months(root, fleet, (2020, 1), (2020, 12))  # December holds no snapshot -> the year-end stock is unknown
    write(root, fleet, 2021, 6, [{"ts": local(2021, 6, 30, 23, 59, 59), "asset_id": i} for i in range(10)])
    write(root, fleet, 2021, 12, [
        *({"ts": local(2021, 12, 15, 12), "asset_id": i} for i in range(20)),
        *({"ts": local(2021, 12, 15, 12), "asset_id": i, "mode": "e_scooter"} for i in range(3)),
        *({"ts": datetime(2021, 12, 31, 15, 59, 59, tzinfo=UTC), "asset_id": i} for i in range(7)),
        *({"ts": datetime(2021, 12, 31, 15, 59, 59, tzinfo=UTC), "asset_id": i, "mode": "parking_space"}
          for i in range(2)),
    ])
    months(root, fleet, (2021, 1), (2021, 12))

    cards, downloads = "taipeipass.cards", "taipeipass.downloads"
    write(root, cards, 2020, 9, [{"ts": local(2020, 9, 1 + i, 10), "user_id": i} for i in range(5)])
    write(root, cards, 2020, 11, [{"ts": local(2020, 11, 3, 10), "user_id": 0, "event_type": "deactivation"}])
    write(root, cards, 2021, 2, [{"ts": local(2021, 2, 1 + i, 10), "user_id": 10 + i} for i in range(3)])
    write(root, cards, 2021, 8, [{"ts": local(2021, 8, 1 + i, 10), "user_id": i + 1, "event_type": "deactivation"}
                                 for i in range(4)])
    write(root, downloads, 2020, 10, [{"ts": local(2020, 10, 1 + i, 10)} for i in range(6)])
    write(root, downloads, 2021, 3, [{"ts": local(2021, 3, 1 + i, 10)} for i in range(2)])
    months(root, cards, (2020, 9), (2021, 12))
    months(root, downloads, (2020, 9), (2021, 12))

    bills = [("parking", 100)] * 3 + [("water", 50), ("taxes", 1000), ("fines", 10)]
    write(root, "pay_taipei.bills", 2021, 4, [{"ts": local(2021, 4, 1 + i, 10), "category": c, "amount": a}
                                              for i, (c, a) in enumerate(bills)])
    months(root, "pay_taipei.bills", (2021, 1), (2021, 12))

    # 548 bike trips in each of 2020 and 2021: 548 / 366 days = 1.497 rounds to 1 in the leap year, 548 / 365 = 1.501
    # to 2. 2020's include the two sides of the leap day's midnight: 23:30 local on 29 February is February's, 00:10
    # local on 1 March (16:10 UTC on 29 February) is March's.
    trips = "shared_transport.trips"
    starts = [local(2020, 2, 29, 23, 30), datetime(2020, 2, 29, 16, 10, tzinfo=UTC)]
    starts += [local(2020, 1, 1, 8) + timedelta(days=i % 366) for i in range(546)]
    starts += [local(2021, 1, 1, 8) + timedelta(days=i % 365) for i in range(548)]
    by_month: dict[tuple[int, int], list[dict]] = {}
    for ts in starts:
        day = ts + timedelta(hours=8)  # the Taipei date, to file each trip in its partition
        by_month.setdefault((day.year, day.month), []).append({"ts": ts, "mode": "bike"})
    for (year, month), rows in by_month.items():
        write(root, trips, year, month, rows)
    months(root, trips, (2020, 1), (2021, 12))
    return {"devices": {2020: {100, 101, 102, 103}, 2021: {100, 200, 201}}}


TABLES = ["taipei_free_usage", "citizen_platform_visits", "shared_transport_fleet", "taipeipass",
          "pay_taipei_by_category", "shared_transport_daily_uses", "edge_wifi_devices", "edge_wifi_monthly"]


@pytest.fixture(scope="module")
def edge_events(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("edge-events")
    return root, build_edge_events(root)


@pytest.fixture(scope="module", params=["duckdb", "spark"])
def edge(request: pytest.FixtureRequest, edge_events: tuple[Path, dict]) -> Iterator[tuple[dict, object, dict]]:
    root, written = edge_events
    engine = DuckDBEngine() if request.param == "duckdb" else SparkEngine(request.getfixturevalue("spark"))
    with engine:
        result = aggregate_events(root, engine=engine, metas={**METAS, **EDGE_METAS},
                                  years=[2011, 2018, 2019, 2020, 2021],
                                  definitions=[*load_definitions(), *EDGE_DEFINITIONS], tables=TABLES)
    yield {t.id.removesuffix("__events"): t for t in result.tables}, result.report, written


def value(n: int | str) -> Cell:
    return Cell(Decimal(n))


def test_the_local_calendar_decides_the_year_and_the_month(edge) -> None:
    tables, _, _ = edge
    wifi = tables["taipei_free_usage"]
    assert wifi.cell(year="2020", measure="total") == value(11)  # 23:59 local on 31 December 2020
    assert wifi.cell(year="2021", measure="total") == value(4)  # 00:30 local on 1 January 2021, not the 2019 one
    monthly = tables["edge_wifi_monthly"]
    assert [monthly.cell(month=m, measure="sessions") for m in ("2020M12", "2021M01", "2021M03", "2021M04")] == [
        value(1), value(2), value(1), value(1)]


def test_a_service_that_starts_mid_year_averages_over_its_months_in_service(edge) -> None:
    tables, _, _ = edge
    wifi = tables["taipei_free_usage"]
    assert wifi.cell(year="2011", measure="total") == value(12)
    assert wifi.cell(year="2011", measure="monthly_average") == value(2)  # 12 / 5 months (August to December)
    assert wifi.cell(year="2020", measure="monthly_average") == value(1)  # 11 / 12
    platform = tables["citizen_platform_visits"]
    assert platform.cell(year="2019", measure="monthly_average") == value(7)  # December only
    assert platform.cell(year="2020", measure="monthly_average") == value(3)  # 30 / 12 = 2.5, rounded half up


def test_missing_months_and_years_before_the_service_say_why_there_is_no_number(edge) -> None:
    tables, _, _ = edge
    assert tables["taipei_free_usage"].cell(year="2019", measure="total") == Cell(None, Status.NOT_AVAILABLE)
    assert tables["citizen_platform_visits"].cell(year="2021", measure="total") == Cell(None, Status.NOT_AVAILABLE)
    fleet = tables["shared_transport_fleet"]
    assert fleet.cell(year="2018", measure="e_cars") == Cell(None, Status.NIL)  # before the service began
    assert fleet.cell(year="2018", measure="bikes") == Cell(None, Status.NOT_AVAILABLE)


def test_stocks_are_taken_at_the_last_snapshot_of_the_period(edge) -> None:
    fleet = edge[0]["shared_transport_fleet"]
    assert fleet.cell(year="2021", measure="bikes") == value(7)  # 31 December 23:59:59, not 15 December's 20
    assert fleet.cell(year="2021", measure="parking_spaces") == value(2)
    assert fleet.cell(year="2021", measure="e_scooters") == value(0)  # none left in the last snapshot
    assert fleet.cell(year="2020", measure="bikes") == Cell(None, Status.NOT_AVAILABLE)  # last one in November


def test_deactivations_reduce_the_cumulative_taipeipass_count(edge) -> None:
    pass_ = edge[0]["taipeipass"]
    assert pass_.cell(year="2020", measure="activations") == value(4)  # 5 activated, 1 removed
    assert pass_.cell(year="2021", measure="activations") == value(3)  # + 3 activated, 4 removed
    assert pass_.cell(year="2020", measure="downloads") == value(6)
    assert pass_.cell(year="2021", measure="downloads") == value(8)


def test_shares_of_the_total_include_unitemised_categories(edge) -> None:
    table = edge[0]["pay_taipei_by_category"]

    def cell(category: str, measure: str) -> Cell:
        return table.cell(year="2021", category=category, measure=measure)

    assert cell("all", "bills") == value(6) and cell("all", "amount") == value(1360)
    assert cell("parking", "bills_share") == value("50.0")
    assert cell("water", "bills_share") == value("16.7")  # 1 / 6
    assert cell("taxes", "amount_share") == value("73.5")  # 1000 / 1360
    assert cell("all", "amount_share") == value("100.0")


def test_a_daily_average_divides_by_the_days_of_the_year_and_the_leap_day_is_a_day_of_february(edge) -> None:
    tables, report, _ = edge
    daily = tables["shared_transport_daily_uses"]
    assert daily.cell(year="2020", measure="bike_uses") == value(1)  # 548 / 366
    assert daily.cell(year="2021", measure="bike_uses") == value(2)  # 548 / 365
    trips = next(s for s in report.streams if s.stream == "shared_transport.trips")
    assert (trips.events, trips.misfiled, trips.incomplete) == (2 * 548, 0, 0)


def test_distinct_counts(edge) -> None:
    tables, _, written = edge
    devices = tables["edge_wifi_devices"]
    for year in (2020, 2021):
        assert devices.cell(year=str(year), measure="devices") == value(len(written["devices"][year]))


def test_events_outside_their_partition_are_excluded_counted_and_noted(edge) -> None:
    tables, report, _ = edge
    wifi = next(s for s in report.streams if s.stream == "wifi.sessions")
    assert wifi.misfiled == 1 and wifi.incomplete == 0
    assert wifi.misfiled_files[0][0].endswith("year=2021/month=3/part-000.parquet")
    assert any("Excluded: 1 events of wifi.sessions" in n.text.en for n in tables["taipei_free_usage"].meta.notes)


# -- bad event files (DuckDB; the Spark engine shares the checks, see test_aggregate_spark) --------------------


def wifi_year(root: Path, year: int = 2021, per_month: int = 2, **options: object) -> None:
    for month in range(1, 13):
        write(root, "wifi.sessions", year, month, [{"ts": local(year, month, 1 + i, 12)} for i in range(per_month)],
              **options)


def run(root: Path, years: list[int] | None = None, engine=None):
    with engine or DuckDBEngine() as e:
        return aggregate_events(root, engine=e, metas=METAS, years=years or [2021], tables=["taipei_free_usage"])


def test_a_wrong_schema_is_an_error_naming_file_and_column(tmp_path: Path) -> None:
    wifi_year(tmp_path)
    naive = stream("wifi.sessions").arrow_schema.set(1, pa.field("ts", pa.timestamp("us")))
    write(tmp_path, "wifi.sessions", 2021, 5, [{"ts": datetime(2021, 5, 3, 12)}], name="part-001.parquet",
          schema=naive)
    no_hotspot = pa.schema([f for f in stream("wifi.sessions").arrow_schema if f.name != "hotspot_id"])
    write(tmp_path, "wifi.sessions", 2021, 6, [{"ts": local(2021, 6, 3, 12)}], name="part-001.parquet",
          schema=no_hotspot)
    with pytest.raises(InvalidInput) as caught:
        run(tmp_path)
    problems = {(p.code, Path(p.file).parent.name, p.column) for p in caught.value.problems}
    assert problems == {("wrong_type", "month=5", "ts"), ("missing_column", "month=6", "hotspot_id")}
    assert "UTC instants" in str(caught.value)


def test_a_corrupt_parquet_file_is_an_error(tmp_path: Path) -> None:
    wifi_year(tmp_path)
    good = stream("wifi.sessions").partition(tmp_path, 2021, 7) / "part-000.parquet"
    truncated = good.with_name("part-001.parquet")
    truncated.write_bytes(good.read_bytes()[:-100])
    (good.with_name("part-002.parquet")).write_bytes(b"not parquet at all")
    with pytest.raises(InvalidInput) as caught:
        run(tmp_path)
    assert sorted((p.code, Path(p.file).name) for p in caught.value.problems) == [
        ("corrupt_parquet", "part-001.parquet"), ("corrupt_parquet", "part-002.parquet")]


def test_a_file_damaged_inside_is_an_error_naming_it(tmp_path: Path) -> None:
    wifi_year(tmp_path)
    path = write(tmp_path, "wifi.sessions", 2021, 7, [{"ts": local(2021, 7, 1 + i % 28, i % 24)} for i in range(5000)],
                 name="part-001.parquet")
    chunk = pq.ParquetFile(path).metadata.row_group(0).column(1)  # the event times, which every definition reads
    data = bytearray(path.read_bytes())
    start = chunk.data_page_offset + 40
    data[start:start + 400] = bytes(b ^ 0x5A for b in data[start:start + 400])  # the footer stays intact
    path.write_bytes(bytes(data))
    with pytest.raises(InvalidInput) as caught:
        run(tmp_path)
    assert caught.value.problems[0].code == "unreadable_events" and "part-001.parquet" in str(caught.value)


def test_events_outside_the_requested_years_are_excluded_and_reported(tmp_path: Path) -> None:
    wifi_year(tmp_path, 2021)
    wifi_year(tmp_path, 2020, per_month=5)  # another year: not requested, not read
    write(tmp_path, "wifi.sessions", 2021, 5, [{"ts": local(2022, 5, 1, 12)}, {"ts": local(2020, 5, 1, 12)}],
          name="part-001.parquet")
    result = run(tmp_path, years=[2021])
    wifi = result.report.streams[0]
    assert (wifi.files, wifi.events, wifi.misfiled) == (13, 26, 2)
    assert result.tables[0].cell(year="2021", measure="total") == value(24)
    assert any("Excluded: 2 events" in n.text.en for n in result.tables[0].meta.notes)


def test_events_missing_a_value_are_excluded_and_reported(tmp_path: Path) -> None:
    wifi_year(tmp_path)
    nullable = pa.schema([f.with_nullable(True) for f in stream("wifi.sessions").arrow_schema])
    path = write(tmp_path, "wifi.sessions", 2021, 8, [{"ts": None}, {"ts": local(2021, 8, 9, 9)}],
                 name="part-001.parquet", schema=nullable)
    result = run(tmp_path)
    assert result.report.streams[0].incomplete == 1
    assert result.report.streams[0].incomplete_files == [(str(path), 1)]  # the file is named
    assert any("Excluded: 1 events of wifi.sessions missing a value" in n.text.en
               for n in result.tables[0].meta.notes)
    assert result.tables[0].cell(year="2021", measure="total") == value(25)


def test_duplicate_event_ids_are_an_error(tmp_path: Path) -> None:
    wifi_year(tmp_path)
    original = stream("wifi.sessions").partition(tmp_path, 2021, 9) / "part-000.parquet"
    shutil.copy(original, original.with_name("part-000 (copy).parquet"))  # a file delivered twice
    with pytest.raises(InvalidInput) as caught:
        run(tmp_path)
    problem = caught.value.problems[0]
    assert problem.code == "duplicate_event_ids" and "2 events repeat" in problem.message
    assert "part-000 (copy).parquet" in problem.message and "month=9/part-000.parquet" in problem.message


# ids written as the simulator writes them: delta-encoded, so each file's pages show its ids consecutive
DELTA_IDS = {"use_dictionary": False, "column_encoding": {"event_id": "DELTA_BINARY_PACKED"}}


@pytest.mark.parametrize("incremental", [False, True], ids=["full", "incremental"])
@pytest.mark.parametrize("again", ["same bytes", "dictionary-encoded"])
def test_ids_shown_by_their_pages_still_refuse_a_file_delivered_twice(tmp_path: Path, incremental: bool,
                                                                      again: str) -> None:
    """The scan reads no id of files whose pages show their ids consecutive; a month delivered again (as the
    same file, or rewritten with its ids dictionary-encoded, so proven by the scan's certificate) is refused all
    the same, in a full run and in an incremental one whose stored files were proven by their pages."""
    events = tmp_path / "events"
    wifi_year(events, **DELTA_IDS)
    partials = tmp_path / "partials.duckdb" if incremental else None

    def aggregate():
        with DuckDBEngine() as engine:
            return aggregate_events(events, engine=engine, metas=METAS, years=[2021], tables=["taipei_free_usage"],
                                    partials=partials)

    for _ in range(2):  # the second run takes every file's check from the partial store when incremental
        shown = aggregate().report.streams[0]
        assert (shown.ids, shown.ids_from_pages) == ("consecutive", 12)
    original = stream("wifi.sessions").partition(events, 2021, 9) / "part-000.parquet"
    delivered = original.with_name("part-000 (again).parquet")
    if again == "same bytes":
        shutil.copy(original, delivered)
    else:
        pq.write_table(pq.read_table(original), delivered)
    with pytest.raises(InvalidInput) as caught:
        aggregate()
    problem = caught.value.problems[0]
    assert problem.code == "duplicate_event_ids" and "2 events repeat" in problem.message
    assert "part-000 (again).parquet" in problem.message and "month=9/part-000.parquet" in problem.message
    delivered.unlink()
    assert aggregate().tables[0].cell(year="2021", measure="total") == value(24)


def test_a_repeated_id_within_one_file_is_an_error_but_scattered_ids_are_fine(tmp_path: Path) -> None:
    wifi_year(tmp_path)
    write(tmp_path, "wifi.sessions", 2021, 10, [{"ts": local(2021, 10, 9, 9), "event_id": 7_000 + i}
                                                for i in (5, 1, 9)], name="part-001.parquet")
    result = run(tmp_path)
    assert result.report.streams[0].ids == "counted" and result.tables[0].cell(year="2021", measure="total") == \
        value(27)
    write(tmp_path, "wifi.sessions", 2021, 11, [{"ts": local(2021, 11, 9, 9), "event_id": 8_000},
                                                {"ts": local(2021, 11, 9, 10), "event_id": 8_000}],
          name="part-001.parquet")
    with pytest.raises(InvalidInput, match="8000 \\(2 times\\)"):
        run(tmp_path)


# -- definitions ----------------------------------------------------------------------------------------------


def test_definitions_are_checked_against_streams_and_tables() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_definition({"table": "t", "measures": {
            "a": {"measure": "count", "stream": "wifi.nothing"},
            "b": {"measure": "count", "stream": "wifi.sessions", "filter": {"district": "atlantis"}},
            "c": {"measure": "sum", "stream": "wifi.sessions", "column": "district"},
            "d": {"measure": "share_of_total", "of": "b"},
            "e": {"measure": "median"},
        }})
    codes = sorted(p.code for p in caught.value.problems)
    assert codes == ["bad_group", "bad_measure", "not_an_integer", "unknown_stream", "unknown_value"]
    incomplete = parse_definition({"table": "taipei_free_usage", "measures": {
        "total": {"measure": "sum", "stream": "pay_taipei.bills", "column": "amount"}}})
    problems = check_against(incomplete, METAS["taipei_free_usage"])
    assert [p.code for p in problems] == ["undefined_measure"]
    wrong_kind = parse_definition({"table": "cooc_cloud", "measures": {
        "courses": {"measure": "count", "stream": "cooc_cloud.courses"},
        "page_views": {"measure": "count", "stream": "cooc_cloud.page_views"}}})
    assert [p.code for p in check_against(wrong_kind, METAS["cooc_cloud"])] == ["incompatible_measure"]
    with pytest.raises(ValueError, match="fixed-offset"):
        Calendar("Europe/Berlin", Frequency.YEAR).local([2021])


def test_the_offset_must_be_fixed_over_every_year_read_not_only_the_requested_ones(tmp_path: Path) -> None:
    # São Paulo has kept UTC-3 all year since 2019; in 2018 it still had summer time (UTC-2). A cumulative count for
    # 2021 reads the events of 2018 too, so their local days would be wrong by an hour.
    for year in (2018, 2021):
        write(tmp_path, "taipeipass.downloads", year, 6, [{"ts": local(year, 6, 1, 12)}])
    definition = parse_definition({
        "table": "taipeipass", "calendar": {"time_zone": "America/Sao_Paulo", "period": "year"}, "measures": {
            "activations": {"measure": "net_cumulative_count", "stream": "taipeipass.cards",
                            "sign": {"column": "event_type", "plus": "activation", "minus": "deactivation"}},
            "downloads": {"measure": "net_cumulative_count", "stream": "taipeipass.downloads"}}})
    with DuckDBEngine() as engine, pytest.raises(ValueError, match="UTC-2 on 2018-01-01, not UTC-3"):
        aggregate_events(tmp_path, engine=engine, metas=METAS, years=[2021], definitions=[definition])


def test_a_manifest_without_a_scale_gives_events_of_no_scale(tmp_path: Path) -> None:
    events, db = tmp_path / "events", tmp_path / "citystat.duckdb"
    wifi_year(events)
    (events / MANIFEST).write_text('{"format": "citystat-events/1"}', encoding="utf-8")
    result = CliRunner().invoke(app, ["aggregate", str(events), "--table", "taipei_free_usage", "--db", str(db),
                                      "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["scale"] is None
    with Store(db, read_only=True) as store:
        release = store.read("taipei_free_usage__events").release
    assert release.origin == "events:duckdb"
    assert (release.provenance.engine, release.provenance.scale, release.provenance.seed) == ("duckdb", None, None)


def test_an_aggregation_records_engine_scale_seed_and_definitions_as_fields(tmp_path: Path) -> None:
    events, db = tmp_path / "events", tmp_path / "citystat.duckdb"
    wifi_year(events)
    manifest = events / MANIFEST
    manifest.write_text('{"format": "citystat-events/1", "seed": 5, "scale": "0.01"}', encoding="utf-8")
    result = CliRunner().invoke(app, ["aggregate", str(events), "--table", "taipei_free_usage", "--db", str(db),
                                      "--json"])
    assert result.exit_code == 0, result.output
    with Store(db, read_only=True) as store:
        provenance = store.read("taipei_free_usage__events").release.provenance
    assert provenance.kind is ProvenanceKind.EVENTS
    assert (provenance.engine, provenance.scale, provenance.seed) == ("duckdb", Decimal("0.01"), 5)
    assert provenance.sources == (FileDigest(MANIFEST, hashlib.sha256(manifest.read_bytes()).hexdigest(),
                                             manifest.stat().st_size),)
    assert provenance.definitions == files_digest(DEFINITIONS_DIR.glob("*.yaml"))
    assert provenance.describe() == "events:duckdb:scale=0.01"
    payload = json.loads(result.output)
    assert payload["scale"] == "0.01" and payload["provenance"] == provenance.to_dict()
    assert [r["provenance"] for r in payload["releases"]] == [provenance.to_dict()]


def test_a_filter_on_a_whole_number_column_takes_whole_numbers() -> None:
    def definition(values: object) -> dict:
        return {"table": "taipei_free_usage", "measures": {
            "total": {"measure": "count", "stream": "wifi.sessions", "filter": {"hotspot_id": values}}}}

    with pytest.raises(InvalidInput) as caught:  # before, the compiler failed later on int('abc')
        parse_definition(definition([12, "abc"]))
    [problem] = caught.value.problems
    assert problem.code == "not_an_integer" and "abc: wifi.sessions.hotspot_id" in problem.message
    assert parse_definition(definition([12, "-3"])).measures[0].aggregate.filter == (("hotspot_id", ("12", "-3")),)


def test_the_duckdb_scan_dates_each_instant_as_the_calendar_does() -> None:
    """DuckDB groups events by the local date of the local instant (a date cast, not a division per event): the
    same day number as the calendar's, for instants on either side of local midnight, leap days and year ends."""
    from citystat.aggregate.compiler import DUCKDB
    from citystat.events.calendar import LocalCalendar, to_epoch_us

    taipei = LocalCalendar("Asia/Taipei", 8)
    instants = []
    for year in (1970, 1999, 2000, 2011, 2020, 2021, 2024, 2038, 2100):
        for month, day in ((1, 1), (2, 28), (3, 1), (6, 30), (12, 31)):
            midnight = local(year, month, day)
            instants += [midnight + timedelta(microseconds=d) for d in (0, 1, -1, 86_399_999_999)]
    instants = [i for i in instants if i >= local(1970, 1, 1)]
    table = pa.table({"ts": pa.array(instants, pa.timestamp("us", tz="UTC"))})
    with DuckDBEngine() as engine:
        engine.register_table("instants", table)
        days = dict(engine.query(f"SELECT epoch_us(ts), {DUCKDB.local_day('ts', taipei.offset_us)} FROM instants"))
    assert days == {to_epoch_us(i): taipei.local_day(to_epoch_us(i)) for i in instants}
    assert len(set(days.values())) > 40
