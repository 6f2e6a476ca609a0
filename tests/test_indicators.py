"""Indicators over small tables held in memory: values, status propagation and provenance; and the command."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from citystat import indicators as ind
from citystat.cli import app
from citystat.model import Status, StoredTable, Table, round_half_up, unreleased
from citystat.store import Store

from .small_tables import (
    access_by_municipality,
    app_accounts,
    daily_uses,
    household_access,
    online_courses,
    open_data,
    pay_by_category,
    pay_totals,
    small_database,
    small_stored,
    stock,
    wifi_use,
)


def stored(table: Table) -> StoredTable:
    return unreleased(table)


def r1(value: Decimal | None) -> Decimal:
    assert value is not None
    return round_half_up(value, 1)


def test_growth_multiple_ratio_and_rate_follow_the_conventions() -> None:
    wifi = stored(wifi_use())
    at, base = {"year": "2021", "measure": "monthly_average"}, {"year": "2018"}
    multiple = ind.growth_multiple(wifi, at, base)
    ratio = ind.ratio(wifi, at, base)
    rate = ind.growth_rate(wifi, at, base)
    assert abs(multiple.value - (Decimal(11328628) / Decimal(3173399) - 1)) < Decimal("1e-25")  # type: ignore[operator]
    assert r1(multiple.value) == Decimal("2.6")  # 成長 2.6 倍 = ratio − 1
    assert r1(ratio.value) == Decimal("3.6")  # 係 3.6 倍 = ratio
    assert round_half_up(rate.value, 0) == 257  # type: ignore[arg-type]
    assert multiple.kind is ind.IndicatorKind.GROWTH_MULTIPLE and multiple.status is Status.OBSERVED
    assert (multiple.period, multiple.base_period, multiple.measure) == ("2021", "2018", "monthly_average")
    assert "11,328,628 (2021) ÷ 3,173,399 (2018) − 1" in multiple.formula


def test_inputs_name_the_table_release_and_cells() -> None:
    memory = stored(wifi_use())
    wifi = StoredTable(memory.table, replace(memory.release, release=7))  # as if read from a store's seventh release
    indicator = ind.growth_rate(wifi, {"year": "2021", "measure": "total"}, {"year": "2020"})
    later, earlier = indicator.inputs
    assert later.table_id == earlier.table_id == "taipei_free_usage"
    assert later.release == earlier.release == indicator.release == 7
    assert dict(later.coordinates) == {"year": "2021", "measure": "total"}
    assert dict(earlier.coordinates) == {"year": "2020", "measure": "total"}
    assert later.value == wifi.table.cell(year="2021", measure="total").value
    assert earlier.value == Decimal(121554733)
    as_dict = indicator.to_dict()
    assert as_dict["inputs"][0]["cell"] == {"year": "2021", "measure": "total"}
    assert as_dict["formula"] == indicator.formula


def test_an_estimate_makes_the_indicator_an_estimate() -> None:
    access = stored(household_access())
    points = ind.pp_difference(access, {"year": "2020", "measure": "internet"}, {"year": "2001"})
    assert points.value == Decimal("39.0")
    assert points.status is Status.ESTIMATED
    observed = ind.level(access, {"year": "2020", "measure": "internet"})
    assert observed.status is Status.OBSERVED


def test_missing_and_nil_inputs_give_no_value() -> None:
    uses = stored(daily_uses())
    missing = ind.growth_rate(uses, {"year": "2020", "measure": "e_car_uses"}, {"year": "2019"})
    assert missing.value is None and missing.status is Status.NOT_AVAILABLE
    nil = ind.ratio(uses, {"year": "2020", "measure": "e_car_uses"}, {"year": "2018"})
    assert nil.value is None and nil.status is Status.NIL
    categories = stored(pay_by_category())
    share = ind.share(categories, {"year": "2021", "category": "taxes", "measure": "bills"})
    assert share.value is None and share.status is Status.NOT_AVAILABLE


def test_percentage_points_only_of_percentages() -> None:
    wifi = stored(wifi_use())
    with pytest.raises(ValueError, match="percentage points need percentages"):
        ind.pp_difference(wifi, {"year": "2021", "measure": "total"}, {"year": "2020"})
    access = stored(household_access())
    got = [ind.pp_difference(access, {"year": "2020", "measure": m}, {"year": "2001"}).value
           for m in ("computer", "mobile_phone", "internet")]
    assert got == [Decimal("13.0"), Decimal("11.4"), Decimal("39.0")]


def test_shares_of_the_aggregate() -> None:
    categories = stored(pay_by_category())
    shares = {
        (category, measure): r1(ind.share(categories, {"year": "2021", "category": category, "measure": measure}).value)
        for category, measure in [("parking", "bills"), ("water", "bills"), ("taxes", "amount"), ("parking", "amount")]
    }
    assert shares == {
        ("parking", "bills"): Decimal("93.1"), ("water", "bills"): Decimal("4.7"),
        ("taxes", "amount"): Decimal("32.5"), ("parking", "amount"): Decimal("30.0"),
    }
    # the computed shares agree with the published share measures
    for (category, measure), value in shares.items():
        assert categories.table.cell(year="2021", category=category, measure=f"{measure}_share").value == value


def test_rank_among_peers_leaves_the_national_average_out() -> None:
    areas = stored(access_by_municipality())
    for measure in ("computer", "mobile_phone", "internet"):
        rank = ind.rank_among_peers(areas, {"year": "2020", "area": "taipei", "measure": measure})
        assert rank.value == 1 and rank.peers == 6
        assert all(i.coordinate("area") != "national" for i in rank.inputs)
    tainan = ind.rank_among_peers(areas, {"year": "2020", "area": "tainan", "measure": "computer"})
    assert tainan.value == 6  # 58.35, below Kaohsiung's 60.55
    mobile = ind.rank_among_peers(areas, {"year": "2020", "area": "kaohsiung", "measure": "mobile_phone"})
    assert mobile.value == 5  # 96.06: above Tainan only


def test_cagr() -> None:
    wifi = stored(wifi_use())
    cagr = ind.cagr(wifi, {"year": "2021", "measure": "monthly_average"}, {"year": "2018"})
    expected = ((Decimal(11328628) / Decimal(3173399)) ** (Decimal(1) / 3) - 1) * 100
    assert abs(cagr.value - expected) < Decimal("1e-20")  # type: ignore[operator]
    assert round_half_up(cagr.value, 1) == Decimal("52.8")  # type: ignore[arg-type]


def test_first_last_peak_trough() -> None:
    uses = stored(daily_uses())
    bikes = {"measure": "bike_uses"}
    assert (ind.first(uses, bikes).period, ind.first(uses, bikes).value) == ("2014", Decimal(61863))
    assert (ind.last(uses, bikes).period, ind.last(uses, bikes).value) == ("2021", Decimal(74465))
    assert (ind.peak(uses, bikes).period, ind.peak(uses, bikes).value) == ("2019", Decimal(77986))
    assert (ind.trough(uses, bikes).period, ind.trough(uses, bikes).value) == ("2016", Decimal(50359))
    cars = {"measure": "e_car_uses"}
    assert ind.first(uses, cars).period == "2020"  # 2014-2018 nil, 2019 not available


def test_stayed_above() -> None:
    uses = stored(daily_uses())
    bikes = ind.stayed_above(uses, {"measure": "bike_uses"}, 74000, "2020", "2021")
    assert bikes.holds is True and bikes.value == Decimal(74465)
    assert ind.stayed_above(uses, {"measure": "e_scooter_uses"}, 25000, "2020", "2021").holds is True
    assert ind.stayed_above(uses, {"measure": "e_scooter_uses"}, 26000, "2020", "2021").holds is False
    assert ind.stayed_above(uses, {"measure": "e_scooter_uses"}, 25000, "2019", "2021").holds is False
    gap = ind.stayed_above(uses, {"measure": "e_car_uses"}, 500, "2019", "2021")
    assert gap.value is None and gap.holds is None


def test_rose_every_period_needs_consecutive_periods() -> None:
    wifi = stored(wifi_use())
    assert ind.rose_every_period(wifi, {"measure": "monthly_average"}, "2017", "2021").holds is True
    assert ind.rose_every_period(wifi, {"measure": "monthly_average"}, "2016", "2021").holds is False
    pay = stored(pay_totals())  # only 2018 and 2021: "rose every year" cannot be told
    both = ind.rose_every_period(pay, {"measure": "bills"}, "2018", "2021")
    assert both.value is None and both.holds is None and both.status is Status.NOT_AVAILABLE
    assert "not consecutive" in both.formula


def test_standard_indicators_cover_every_series() -> None:
    fleet = small_stored(
        "shared_transport_fleet", ["2018", "2019", "2020", "2021"],
        [stock("bikes"), stock("e_cars"), stock("e_scooters"), stock("parking_spaces")],
        {"bikes": "13072 13072 13072 21652", "e_cars": "- 500 1000 1450", "e_scooters": "- 10337 12956 14088",
         "parking_spaces": "4949 2495 4328 3670"},
    )
    found = ind.standard_indicators(fleet)
    kinds = {(i.measure, i.kind) for i in found}
    for measure in ("bikes", "e_cars", "e_scooters", "parking_spaces"):
        for kind in (ind.IndicatorKind.FIRST, ind.IndicatorKind.LAST, ind.IndicatorKind.PEAK,
                     ind.IndicatorKind.GROWTH_RATE, ind.IndicatorKind.CAGR):
            assert (measure, kind) in kinds
    areas = ind.standard_indicators(stored(access_by_municipality()))
    assert any(i.kind is ind.IndicatorKind.RANK and dict(i.series)["area"] == "taipei" for i in areas)
    assert not any(i.kind is ind.IndicatorKind.RANK and dict(i.series)["area"] == "national" for i in areas)


def test_largest_rise_and_fall_between_consecutive_periods() -> None:
    wifi = stored(wifi_use())
    rise = ind.largest_rise(wifi, {"measure": "monthly_average"})
    assert (rise.period, rise.base_period) == ("2019", "2018")
    assert round_half_up(rise.value, 1) == Decimal("162.5")  # type: ignore[arg-type]
    fall = ind.largest_fall(wifi, {"measure": "monthly_average"})
    assert (fall.period, fall.base_period, round_half_up(fall.value, 1)) == ("2017", "2016", Decimal("-22.7"))  # type: ignore[arg-type]
    courses = ind.largest_fall(stored(online_courses()), {"measure": "courses"})  # courses never fell
    assert courses.value is None and courses.status is Status.NOT_AVAILABLE
    uses = ind.largest_rise(stored(open_data()), {"measure": "uses"})  # 2011 → 2021 is no step
    assert uses.value is None


# -- the command: `citystat indicators` over a real database file holding two small tables ---------------------


@pytest.fixture(scope="module")
def small_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_database(tmp_path_factory.mktemp("indicators") / "small.duckdb", [online_courses(), app_accounts()])


def test_cli_indicators_json_is_the_library_result(small_db: Path) -> None:
    result = CliRunner().invoke(app, ["indicators", "cooc_cloud", "--json", "--db", str(small_db)])
    assert result.exit_code == 0, result.output
    with Store(small_db, read_only=True) as store:
        expected = [i.to_dict() for i in ind.standard_indicators(store.read("cooc_cloud"))]
    assert expected and json.loads(result.output) == expected


def test_cli_indicators_table_and_unknown_table(small_db: Path) -> None:
    runner = CliRunner()
    shown = runner.invoke(app, ["indicators", "taipeipass", "--db", str(small_db)], terminal_width=200)
    assert shown.exit_code == 0, shown.output
    assert "taipeipass (release 1)" in shown.output and "1,402,296" in shown.output  # activations, 2021 − 2020
    missing = runner.invoke(app, ["indicators", "no_such_table", "--db", str(small_db)])
    assert missing.exit_code == 1 and "no table 'no_such_table'" in missing.output
