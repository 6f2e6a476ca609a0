"""Every number of the facts file is in the database exactly, with its unit, period and status.

The oracle is the facts file itself: its markdown tables are parsed here and every cell is compared
with the built database, so a change on either side fails a test.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

from citystat.model import Status
from citystat.store import Store

from .conftest import SHARED, shared_path

FACTS = SHARED / "reference" / "taipei-smart-services-facts.md"
ROC_OFFSET = 1911


def _markdown_tables(text: str) -> list[list[list[str]]]:
    """Each markdown table as rows of cells, the header first, the |---| line dropped."""
    tables: list[list[list[str]]] = []
    current: list[list[str]] = []
    for line in text.splitlines():
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if not all(set(c) <= {"-", ":"} and c for c in cells):
                current.append(cells)
        elif current:
            tables.append(current)
            current = []
    if current:
        tables.append(current)
    return tables


@dataclass(frozen=True)
class Expected:
    table: str
    coordinates: dict[str, str]
    value: Decimal | None  # None: the source's '-'
    derived: bool
    source_cell: str


_NUMBER = re.compile(r"^([\d,]+(?:\.\d+)?)%?")


def _parse_cell(text: str) -> tuple[Decimal | None, bool]:
    if text == "-":
        return None, False
    match = _NUMBER.match(text)
    assert match, f"unparsed facts cell {text!r}"
    return Decimal(match[1].replace(",", "")), "derived" in text


def _year(label: str) -> str:
    """'90 (2001)' or '110' (ROC) to a Gregorian year code."""
    if m := re.search(r"\((\d{4})\)", label):
        return m[1]
    return str(int(re.match(r"\d+", label)[0]) + ROC_OFFSET)  # type: ignore[index]


AREAS = {"全國": "national", "新北市": "new_taipei", "桃園市": "taoyuan", "臺中市": "taichung",
         "臺南市": "tainan", "高雄市": "kaohsiung", "臺北市": "taipei"}
CATEGORIES = {"parking": "parking", "water": "water", "taxes": "taxes", "all": "all"}

# For each markdown table of the facts file, in order: how its rows and columns map onto citystat cells.
# Each column maps to (table id, {variable: value}); the row gives the rest of the coordinates.
LAYOUT = [
    ("year", [("digital_access_taipei", {"measure": m}) for m in ("computer", "mobile_phone", "internet")]),
    ("area", [("digital_access_municipalities", {"year": "2020", "measure": m})
              for m in ("computer", "mobile_phone", "internet")]),
    ("year", [("taipei_free_usage", {"measure": "total"}), ("taipei_free_usage", {"measure": "monthly_average"}),
              ("citizen_platform_visits", {"measure": "total"}),
              ("citizen_platform_visits", {"measure": "monthly_average"})]),
    ("year", [("open_data_platform", {"measure": m}) for m in ("datasets", "uses")]),
    ("year", [("cooc_cloud", {"measure": m}) for m in ("courses", "page_views")]),
    ("year", [("pay_taipei", {"measure": m}) for m in ("bills", "amount")]),
    ("category", [("pay_taipei_by_category", {"year": "2021", "measure": m})
                  for m in ("bills", "bills_share", "amount", "amount_share")]),
    ("year", [("shared_transport_fleet", {"measure": m}) for m in ("bikes", "e_cars", "e_scooters", "parking_spaces")]
     + [("shared_transport_daily_uses", {"measure": m}) for m in ("bike_uses", "e_car_uses", "e_scooter_uses")]),
    ("year", [("taipeipass", {"measure": m}) for m in ("activations", "downloads")]),
]

UNITS = {
    ("digital_access_taipei", "computer"): "%",
    ("taipei_free_usage", "total"): "人次",
    ("taipei_free_usage", "monthly_average"): "人次",
    ("citizen_platform_visits", "total"): "人次",
    ("open_data_platform", "datasets"): "項",
    ("open_data_platform", "uses"): "次",
    ("cooc_cloud", "courses"): "門",
    ("cooc_cloud", "page_views"): "人次",
    ("pay_taipei", "bills"): "張",
    ("pay_taipei", "amount"): "元",
    ("pay_taipei_by_category", "bills_share"): "%",
    ("shared_transport_fleet", "bikes"): "輛",
    ("shared_transport_fleet", "parking_spaces"): "席",
    ("taipeipass", "activations"): "件",
    ("taipeipass", "downloads"): "人次",
}


def _expected_cells() -> list[Expected]:
    if not FACTS.exists():  # a clone without ../shared: the tests below skip (or fail in CI) through shared_path
        return []
    tables = _markdown_tables(FACTS.read_text(encoding="utf-8"))
    assert len(tables) == len(LAYOUT), "the facts file's tables changed; update LAYOUT"
    expected = []
    for rows, (row_variable, columns) in zip(tables, LAYOUT):
        header, body = rows[0], rows[1:]
        assert len(header) == len(columns) + 1
        for row in body:
            if row_variable == "year":
                row_coordinates = {"year": _year(row[0])}
            elif row_variable == "area":
                row_coordinates = {"area": next(code for name, code in AREAS.items() if name in row[0])}
            else:
                row_coordinates = {"category": CATEGORIES[row[0].split()[0]]}
            for text, (table_id, fixed) in zip(row[1:], columns):
                value, derived = _parse_cell(text)
                expected.append(Expected(table_id, {**fixed, **row_coordinates}, value, derived, text))
    return expected


EXPECTED = _expected_cells()


def test_the_facts_file_was_read_whole() -> None:
    shared_path("reference", "taipei-smart-services-facts.md")
    # cells per facts table: access 2x3, municipalities 7x3, Wi-Fi/platform 11x4, open data 2x2,
    # CooC 5x2, pay 2x2, pay by category 4x4, 4U 8x7, TaipeiPASS 2x2
    assert len(EXPECTED) == 6 + 21 + 44 + 4 + 10 + 4 + 16 + 56 + 4
    # of which numbers (the rest are the source's '-'): 4U has 18 fleet and 13 daily-use figures
    assert sum(e.value is not None for e in EXPECTED) == 6 + 21 + (22 + 6) + 4 + 10 + 4 + 12 + (18 + 13) + 4


@pytest.mark.parametrize("fact", EXPECTED, ids=lambda e: f"{e.table}[{','.join(e.coordinates.values())}]")
def test_every_figure_is_stored_exactly(store: Store, fact: Expected) -> None:
    table = store.read(fact.table).table
    meta = table.meta
    if fact.value is None:
        # The source's '-': either a period the table does not cover, or a cell without a number.
        year = fact.coordinates.get("year")
        if year is not None and year not in meta.time.codes:
            return
        cell = table.cell(**fact.coordinates)
        assert cell.value is None
        assert cell.status in (Status.NIL, Status.NOT_AVAILABLE)
        return
    cell = table.cell(**fact.coordinates)
    assert cell.value == fact.value, fact.source_cell
    # the same digits as published: 96.20 stays 96.20, 81.8 stays 81.8
    assert format(cell.value, "f") == format(fact.value, "f")
    if fact.derived:
        assert cell.status is Status.ESTIMATED
        key = meta.key(fact.coordinates)
        notes = meta.notes_for_cell(key)
        assert notes and notes[0].derivation is not None, "a derived value records how it was derived"
    else:
        assert cell.status is Status.OBSERVED


@pytest.mark.parametrize(("table_id", "measure", "unit"), [(t, m, u) for (t, m), u in UNITS.items()])
def test_units(store: Store, table_id: str, measure: str, unit: str) -> None:
    assert store.meta(table_id).measures[measure].unit.zh == unit


def test_stocks_flows_and_averages_are_what_the_source_says(store: Store) -> None:
    kinds = {
        ("open_data_platform", "datasets"): "stock",
        ("open_data_platform", "uses"): "flow",
        ("cooc_cloud", "courses"): "stock",
        ("cooc_cloud", "page_views"): "flow",
        ("taipei_free_usage", "monthly_average"): "monthly_average",
        ("shared_transport_daily_uses", "bike_uses"): "daily_average",
        ("taipeipass", "activations"): "stock",
        ("digital_access_taipei", "internet"): "rate",
        ("pay_taipei_by_category", "amount_share"): "share",
        ("imd_smart_city_index", "rank"): "rank",
    }
    for (table_id, measure), kind in kinds.items():
        assert store.meta(table_id).measures[measure].kind.value == kind, (table_id, measure)


def test_ranking_facts(store: Store) -> None:
    text = shared_path("reference", "taipei-smart-services-facts.md").read_text(encoding="utf-8")
    match = re.search(r"IMD Smart City Index (\d{4}).*?(\d+) cities, ([\d,]+) residents.*?Taipei (\d+)th", text, re.S)
    assert match
    year, cities, residents, rank = match.groups()
    table = store.read("imd_smart_city_index").table
    coordinates = {"year": year, "city": "taipei"}
    assert table.cell(**coordinates, measure="rank").value == Decimal(rank)
    assert table.cell(**coordinates, measure="cities_ranked").value == Decimal(cities)
    assert table.cell(**coordinates, measure="residents_surveyed").value == Decimal(residents.replace(",", ""))


def test_periods_read_as_roc_years(store: Store) -> None:
    meta = store.meta("taipei_free_usage")
    labels = [p.label("zh-TW") for p in meta.periods]
    assert labels[0] == "100 年" and labels[-1] == "110 年"
    stocks = store.meta("taipeipass")
    assert [p.label("zh-TW", end=stocks.all_stocks) for p in stocks.periods] == ["109 年底", "110 年底"]


@pytest.mark.parametrize(
    ("table_id", "where", "words"),
    [
        ("taipei_free_usage", ("year", "2011"), ["8 月至 12 月", "August to December"]),
        ("taipei_free_usage", ("year", "2017"), ["整併", "consolidated"]),
        ("citizen_platform_visits", None, ["108 年 12 月", "December 2019"]),
        ("digital_access_taipei", ("measure", "internet"), ["97 年", "2008", "98 年起"]),
        ("cooc_cloud", ("year", "2021"), ["三級警戒", "level-3"]),
        ("pay_taipei", None, ["106 年 6 月", "June 2017"]),
        ("taipeipass", None, ["109 年 9 月", "September 2020"]),
        ("open_data_platform", None, []),
        ("shared_transport_fleet", ("measure", "parking_spaces"), ["8 小時", "240 hours"]),
        ("shared_transport_daily_uses", None, ["no usage statistics for shared parking"]),
    ],
)
def test_notes_are_attached_where_they_belong(store: Store, table_id: str, where: tuple[str, str] | None,
                                              words: list[str]) -> None:
    meta = store.meta(table_id)
    if where is None:
        notes = [n.text for n in meta.notes]
        if meta.description:
            notes.append(meta.description)
    else:
        variable, code = where
        notes = [n.text for n in meta.variable(variable).value(code).notes]
    text = " ".join(f"{t.zh} {t.en}" for t in notes)
    for word in words:
        assert word in text, (table_id, word)
    if table_id == "open_data_platform":
        assert "2011" in meta.description.en if meta.description else False  # launched in 100


def test_bundled_catalog_lives_in_the_package() -> None:
    from citystat.catalog import TABLES_DIR

    assert Path(TABLES_DIR).is_dir()
    assert len(list(Path(TABLES_DIR).glob("*.yaml"))) == len(list(Path(TABLES_DIR).glob("*.csv"))) == 13
