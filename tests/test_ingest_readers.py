"""The readers on the real files: every exact figure of each SOURCE.md."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from datetime import date, datetime
from decimal import Decimal

import pytest

from citystat.ingest.registry import reader_for, readers
from citystat.ingest.source import SourceFile
from citystat.ingest.tables import hotspots_table, sdmx_table, youbike_table

from .conftest import shared_path
from .ingest_support import (
    DGBAS,
    HOTSPOTS,
    REALDATA,
    SNAPSHOTS,
    YOUBIKE,
    YOUBIKE_PAGE,
    ZOO,
    markdown_tables,
    number,
    read,
)

SHA256 = {  # from each SOURCE.md
    "youbike-realtime/YouBikeTP_v1_2016-09-22.json": "9e6a2f68710647f3743339c99aebe64e28a8e2d1659c4465e367f9d0c147d517",
    "youbike-realtime/YouBikeTP_v1_2022-01-30.json": "73d497f9a450f32a5d2881c41c6c7df379a388d90640b8b965ffc026965f20d5",
    "youbike-realtime/youbike_immediate_v2_2022-10-20.json":
        "b2baeaf9b1d81a5a3965f519b96ebf6eb26edfa8746350f37c6c9e3e5c9a62e1",
    "youbike-realtime/youbike_immediate_v2_2024-03-27.json":
        "345e9dc41355cd4a16ba21764421a301e45c89c26cc5830f0bafb9573e85abba",
    "youbike-realtime/youbike_immediate_v2_2024-12-07.json":
        "ca1cebe52d2c441ad798f1fef4878a1252faf055223616b293073cd09e7fc89d",
    "taipei-free-ap/Taipei_Free_AP_總表1141218.csv": "c230610998a33309677fa235ec11b05d047bf3c9379dc6a7683ff3645a422c15",
    "data-taipei-api/zoo-animals_6afa114d_page-00000_2026-06-16.json":
        "2b8a6b1d2b11564afc5c9a7397130f1a4f164e2f74bbbf6c599236435ab00fb2",
    "data-taipei-api/youbike_offset0_limit20_2016-07-04.json":
        "a2a9367d2187248e7b9ac87ce27166dc15cc0f14563a208a11763ce886743034",
    "dgbas-household-equipment/A020009010.json": "fb9ebb5f0d827bb89466d20cf0a2986ce7afaf6e50b1367f473881c38aaba51a",
}


@pytest.mark.parametrize("name", sorted(SHA256))
def test_copies_are_the_published_bytes(name: str) -> None:
    assert hashlib.sha256((REALDATA / name).read_bytes()).hexdigest() == SHA256[name]


def test_copies_equal_shared_realdata() -> None:
    shared = shared_path("realdata")
    for name in SHA256:
        assert (shared / name).read_bytes() == (REALDATA / name).read_bytes(), name


@pytest.mark.parametrize(("path", "reader"), [
    (YOUBIKE / "YouBikeTP_v1_2016-09-22.json", "youbike-v1"),
    (YOUBIKE / "YouBikeTP_v1_2022-01-30.json", "youbike-v1"),
    (YOUBIKE / "youbike_immediate_v2_2022-10-20.json", "youbike-v2-old"),
    (YOUBIKE / "youbike_immediate_v2_2024-03-27.json", "youbike-v2-old"),
    (YOUBIKE / "youbike_immediate_v2_2024-12-07.json", "youbike-v2"),
    (HOTSPOTS, "taipei-free"),
    (ZOO, "data-taipei"),
    (YOUBIKE_PAGE, "data-taipei"),
    (DGBAS, "sdmx-json"),
])
def test_the_registry_chooses_by_first_bytes(path, reader) -> None:
    # the name says nothing: the reader is chosen by what the file holds
    source = SourceFile("upload.bin", path.read_bytes())
    chosen = reader_for(source)
    assert chosen is not None and chosen.name == reader


def test_a_plain_csv_falls_to_the_catch_all_reader() -> None:
    assert reader_for(SourceFile("x.csv", "年,值\n2020,1\n".encode("cp950"))).name == "csv"
    assert reader_for(SourceFile("x.bin", b"\x00\x01")) is None
    assert [r.name for r in readers()][-1] == "csv"


def _youbike_figures() -> dict[str, dict[str, dict[str, str]]]:
    text = (shared_path("realdata", "youbike-realtime", "SOURCE.md")).read_text(encoding="utf-8")
    out = {}
    for heading, rows in markdown_tables(text):
        name = heading.split(" ")[0]
        if name in SNAPSHOTS and rows and "sarea" in rows[0]:
            out[name] = {row["sarea"]: row for row in rows}
    assert len(out) == 5
    return out


@pytest.mark.parametrize("name", sorted(SNAPSHOTS))
def test_youbike_station_counts(name: str) -> None:
    reading = read(YOUBIKE / name)
    assert reading.rows_read == reading.rows_used == len(reading.records) == SNAPSHOTS[name]


@pytest.mark.parametrize("name", sorted(SNAPSHOTS))
def test_youbike_figures_by_district(name: str) -> None:
    """Stations, act=1, act=0, docks, rentable bikes, free docks and stale stations, district by district."""
    expected = _youbike_figures()[name]
    stations = read(YOUBIKE / name).records
    found: dict[str, Counter[str]] = {}
    for s in stations:
        for district in (s.district, "total"):
            c = found.setdefault(district, Counter())
            c["stations"] += 1
            c["act=1" if s.active else "act=0"] += 1
            c["docks"] += s.docks
            c["rentable"] += s.rentable
            c["free"] += s.free
            c["stale"] += s.stale
    assert set(found) == set(expected)
    for district, row in expected.items():
        columns = list(row.values())
        assert [found[district][k] for k in ("stations", "act=1", "act=0", "docks", "rentable", "free", "stale")] \
            == [number(v) for v in columns[1:]], (name, district)


def test_youbike_quirks() -> None:
    v1 = read(YOUBIKE / "YouBikeTP_v1_2022-01-30.json")
    assert v1.as_of == datetime(2022, 1, 30, 2, 59, 1)  # the newest mday
    s0009 = next(s for s in v1.records if s.sno == "0009")
    assert s0009.lng == 121.57448  # " 121.57448" in the feed
    v2 = read(YOUBIKE / "youbike_immediate_v2_2024-12-07.json")
    assert v2.as_of == datetime(2024, 12, 7, 19, 45, 52)  # updateTime
    assert sum(s.rentable for s in v2.records if not s.active) == 3
    inactive_2016 = sorted((s.sno, s.name.zh) for s in read(YOUBIKE / "YouBikeTP_v1_2016-09-22.json").records
                           if not s.active)
    assert inactive_2016 == [("0139", "永樂市場"), ("0206", "捷運辛亥站")]


def test_youbike_table_keeps_stale_and_inactive_apart() -> None:
    table = youbike_table([read(YOUBIKE / n) for n in sorted(SNAPSHOTS)])
    assert table.meta.time.codes == ("2016-09-22", "2022-01-30", "2022-10-20", "2024-03-27", "2024-12-07")
    # the city's official order (its statistical yearbook's), as the catalog's city.yaml declares it
    assert table.meta.geo.codes[1:13] == ("songshan", "xinyi", "daan", "zhongshan", "zhongzheng", "datong",
                                          "wanhua", "wenshan", "nangang", "neihu", "shilin", "beitou")
    assert [d.label.zh for d in table.meta.geo.values[1:13]] == [
        "松山區", "信義區", "大安區", "中山區", "中正區", "大同區",
        "萬華區", "文山區", "南港區", "內湖區", "士林區", "北投區"]

    def cell(day: str, district: str, measure: str) -> Decimal | None:
        return table.cell(snapshot=day, district=district, measure=measure).value

    for day, count in zip(table.meta.time.codes, SNAPSHOTS.values()):
        assert cell(day, "taipei", "stations") == count
    # 2016: the two suspended stations are the two stale ones; docks at active stations 11,346 (SOURCE.md)
    assert cell("2016-09-22", "taipei", "stations_in_service") == 256
    assert cell("2016-09-22", "taipei", "docks") == 11346
    assert cell("2016-09-22", "taipei", "rentable_bikes") == 4223
    assert cell("2016-09-22", "datong", "inactive_stations") == 1
    assert cell("2024-12-07", "taipei", "inactive_stations") == 14
    assert cell("2024-12-07", "taipei", "stale_stations") == 79
    assert cell("2022-10-20", "ntu_campus", "stations") == 53  # 臺大專區 52 + 臺大公館校區 1
    assert table.cell(snapshot="2016-09-22", district="ntu_campus", measure="stations").status.value == "-"
    in_service = [s for s in read(YOUBIKE / "youbike_immediate_v2_2024-03-27.json").records
                  if s.active and not s.stale]
    assert cell("2024-03-27", "taipei", "docks") == sum(s.docks for s in in_service)


def _hotspot_figures() -> list[tuple[str, list[dict[str, str]]]]:
    return markdown_tables(shared_path("realdata", "taipei-free-ap", "SOURCE.md").read_text(encoding="utf-8"))


def test_hotspot_counts() -> None:
    reading = read(HOTSPOTS)
    assert reading.rows_read == 3297
    assert reading.rows_used == len(reading.records) == 3285
    assert [(r.reason, r.value) for r in reading.rejected] == [("outside Taipei City (新北市新店區)", "新北市")] * 12
    assert reading.as_of.date() == date(2025, 12, 18)  # ROC 1141218 in the file name
    assert reading.encoding == "utf-8-sig"


def test_hotspots_by_district_and_type() -> None:
    by_district = next(rows for _, rows in _hotspot_figures() if rows and "AREA" in rows[0] and "hotspots" in rows[0])
    by_type = next(rows for _, rows in _hotspot_figures() if rows and "STYPE" in rows[0])
    cross = next(rows for _, rows in _hotspot_figures() if rows and "公車站" in rows[0])
    reading = read(HOTSPOTS)
    table = hotspots_table([reading])
    geo = {v.label.zh: v.code for v in table.meta.geo.values}
    types = {v.label.zh: v.code for v in table.meta.variable("site_type").values}

    def cell(district: str, site_type: str = "all") -> Decimal | None:
        return table.cell(date="2025-12-18", district=district, site_type=site_type, measure="hotspots").value

    [note] = table.meta.time.values[0].notes
    assert "列 3,297 處，計入 3,285 處，未計入：臺北市以外（新北市新店區） 12 處" in note.text.zh
    assert "3,297 hotspots listed, 3,285 counted; not counted: outside Taipei City (新北市新店區) 12" in note.text.en
    for row in by_district:
        if row["county"] == "臺北市":
            assert cell(geo[row["AREA"]]) == number(row["hotspots"]), row["AREA"]
    assert cell("taipei") == 3285
    for row in by_type:
        expected = number(row["hotspots"])
        outside = {"行政機關": 11, "觀光名勝": 1}.get(row["STYPE"], 0)  # the 12 新店區 rows (SOURCE.md cross table)
        assert cell("taipei", types[row["STYPE"]]) == expected - outside, row["STYPE"]
    for row in cross:
        if row["AREA"] in geo:
            for stype, count in row.items():
                if stype in types:
                    assert cell(geo[row["AREA"]], types[stype]) == number(count), (row["AREA"], stype)


def test_big5_copy_gives_the_same_counts(tmp_path) -> None:
    text = HOTSPOTS.read_bytes().decode("utf-8-sig")
    lacking = [ch for ch in text if ch.encode("cp950", errors="replace") == b"?" and ch != "?"]
    assert len(lacking) == 1148  # 1,143 NBSP, 瑠, 厠, é, ā, ī (SOURCE.md)
    assert Counter(lacking)["\u00a0"] == 1143 and {"瑠", "厠", "é", "ā", "ī"} <= set(lacking)
    big5 = tmp_path / HOTSPOTS.name
    big5.write_bytes(text.encode("cp950", errors="replace"))
    reading = read(big5)
    assert reading.reader == "taipei-free" and reading.encoding == "cp950"
    assert (reading.rows_read, reading.rows_used, len(reading.rejected)) == (3297, 3285, 12)
    assert reading.info["replaced_characters"] == 1148
    assert any("1148 characters Big5/CP950 lacks" in r for r in reading.remarks)
    original = hotspots_table([read(HOTSPOTS)])
    copy = hotspots_table([reading])
    assert {k: c.value for k, c in copy.cells.items()} == {k: c.value for k, c in original.cells.items()}


def test_data_taipei_pages() -> None:
    zoo = read(ZOO)
    assert zoo.kind == "records" and zoo.info["count"] == 313 and zoo.rows_read == 313
    assert [r["_id"] for r in zoo.records] == [str(i) for i in range(1, 314)]
    assert len(zoo.bad_cells) == 76 and {c.field for c in zoo.bad_cells} == {"a_update"}
    assert zoo.bad_cells[0].row == 1 and zoo.records[0]["a_update"] is None
    assert zoo.as_of == datetime(2026, 3, 25, 12, 8, 7, 729221)
    assert Counter(r["a_class"] for r in zoo.records)["哺乳綱"] == 99
    page = read(YOUBIKE_PAGE)
    assert page.kind == "youbike_stations" and page.info["count"] == 408 and page.rows_read == 20
    assert any("page 1 of 21" in r for r in page.remarks)
    assert Counter(s.district for s in page.records) == {"信義區": 14, "松山區": 3, "大安區": 2, "中山區": 1}
    assert sum(s.docks for s in page.records) == 1166 and sum(s.rentable for s in page.records) == 70
    assert not any(s.active for s in page.records)


def test_dgbas_series() -> None:
    reading = read(DGBAS)
    assert reading.rows_read == 420 and len(reading.records) == 10
    table = sdmx_table([reading])
    assert table.meta.time.codes[0] == "1976" and table.meta.time.codes[-1] == "2017"
    assert table.cell(year="2017", measure="computer").value == Decimal("68.12")
    assert table.cell(year="2017", measure="mobile_phone").value == Decimal("95.14")
    assert table.cell(year="1983", measure="computer").value == Decimal("1.46")
    assert table.cell(year="1982", measure="computer").status.value == ".."  # 0 = not surveyed yet
    assert table.cell(year="1998", measure="mobile_phone").status.value == ".."
    assert table.cell(year="1999", measure="mobile_phone").value == Decimal("59.96")
    assert table.cell(year="1993", measure="telephone").value == Decimal("96")


def test_the_bundled_national_series_is_the_dgbas_file() -> None:
    """The catalog's digital_access_national holds exactly what the SDMX-JSON reader reads (computer, mobile)."""
    from citystat.catalog import bundled_tables

    bundled = next(t for t in bundled_tables() if t.id == "digital_access_national")
    read_now = sdmx_table([read(DGBAS)], "digital_access_national", series=("computer", "mobile_phone"))
    assert bundled.meta.subject == "digital_access"
    assert {k: (c.value, c.status) for k, c in bundled.cells.items()} == \
        {k: (c.value, c.status) for k, c in read_now.cells.items()}
    assert bundled.cell(year="2017", measure="computer").value == Decimal("68.12")
    assert "DGBAS" in bundled.meta.sources[0].name.en


def test_sdmx_json_with_two_series_dimensions_and_months(tmp_path) -> None:
    """The reader is SDMX-JSON's, not only DGBAS's dialect: series keys over two dimensions, monthly periods,
    a null observation (not available)."""
    message = {
        "meta": {"id": "x", "sender": {"id": "test"}},
        "data": {
            "dataSets": [{"series": {
                "0:0": {"observations": {"0": [1.5], "1": [2]}},
                "0:1": {"observations": {"0": [None], "1": [3.25]}},
            }}],
            "structure": {"name": "test", "dimensions": {
                "series": [{"id": "area", "name": "地區", "values": [{"id": "TW", "name": "全國"}]},
                           {"id": "item", "name": "項目", "values": [{"id": "A", "name": "甲"},
                                                                     {"id": "B", "name": "乙"}]}],
                "observation": [{"id": "TIME_PERIOD", "values": [{"id": "2024-11"}, {"id": "2024-12"}]}],
            }},
        },
    }
    path = tmp_path / "message.json"
    path.write_text(json.dumps(message, ensure_ascii=False), encoding="utf-8")
    reading = read(path)
    assert reading.reader == "sdmx-json"
    assert [(s.key, s.name) for s in reading.records] == [("TW.A", "全國 / 甲"), ("TW.B", "全國 / 乙")]
    assert reading.records[1].values == {"2024M11": None, "2024M12": Decimal("3.25")}
    table = sdmx_table([reading], "test_table")
    assert table.meta.time.codes == ("2024M11", "2024M12")
    assert table.cell(period="2024M12", measure="TW.B").value == Decimal("3.25")
    assert table.cell(period="2024M11", measure="TW.B").status.value == ".."
