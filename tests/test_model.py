"""The data model: periods and their ROC labels, bilingual text, rounding, metadata round trips, checks."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from citystat.catalog import bundled_tables
from citystat.model import (
    Cell,
    InvalidInput,
    Period,
    Status,
    Table,
    Text,
    check_table,
    meta_from_dict,
    meta_to_dict,
    normalise_language,
    round_half_up,
)
from citystat.model.period import days_in_service, months_in_service

from .small_tables import (
    app_accounts,
    city_ranking,
    household_access,
    online_courses,
    open_data,
    portal_visits,
    wifi_use,
)


@pytest.mark.parametrize(
    ("code", "zh", "zh_end", "en", "en_end"),
    [
        ("2021", "110 年", "110 年底", "2021", "end of 2021"),
        ("2021M06", "110 年 6 月", "110 年 6 月底", "June 2021", "end of June 2021"),
        ("2021-06-30", "110 年 6 月 30 日", "110 年 6 月 30 日", "30 June 2021", "30 June 2021"),
        ("2001", "90 年", "90 年底", "2001", "end of 2001"),
    ],
)
def test_period_labels(code: str, zh: str, zh_end: str, en: str, en_end: str) -> None:
    period = Period.parse(code)
    assert period.code == code
    assert (period.label("zh-TW"), period.label("zh-TW", end=True)) == (zh, zh_end)
    assert (period.label("en"), period.label("en", end=True)) == (en, en_end)


def test_periods_sort_in_time_and_reject_bad_codes() -> None:
    assert sorted(Period.parse(c) for c in ["2021", "2019M12", "2020"]) == [
        Period.parse("2019M12"), Period.parse("2020"), Period.parse("2021")]
    assert Period.parse("2019M12").roc_year == 108
    for bad in ["110", "2021M13", "2021-02-30", "21", "2021Q1"]:
        with pytest.raises(ValueError):
            Period.parse(bad)


def test_months_and_days_in_service() -> None:
    year = Period.parse("2011")
    assert months_in_service(year, Period.parse("2011M08")) == 5
    assert months_in_service(Period.parse("2019"), Period.parse("2019M12")) == 1
    assert months_in_service(Period.parse("2020"), Period.parse("2019M12")) == 12
    assert months_in_service(Period.parse("2018"), Period.parse("2019M12")) == 0
    assert months_in_service(year, None) == 12
    assert days_in_service(Period.parse("2020"), None) == 366
    assert days_in_service(Period.parse("2017"), Period.parse("2017M06")) == 214


def test_rounding_is_half_up_and_exact() -> None:
    assert round_half_up(Decimal("2.675"), 2) == Decimal("2.68")  # a float would give 2.67
    assert round_half_up(Decimal("1500.5"), 0) == 1501
    assert round_half_up(Decimal("2.5"), 0) == 3  # not banker's rounding
    assert round_half_up(Decimal("132.2009"), 0) == 132


def test_bilingual_text() -> None:
    text = Text.of({"zh-TW": "臺北", "en": "Taipei"})
    assert text.get("zh") == "臺北" and text.get("en-GB") == "Taipei"
    assert Text("只有中文", "").get("en") == "只有中文"
    assert normalise_language("ZH-tw") == "zh-TW"
    with pytest.raises(ValueError, match="unknown language"):
        normalise_language("fr")


def test_status_symbols() -> None:
    assert [s.value for s in Status] == ["", "e", "p", "r", "..", "-"]
    assert not Status.NIL.has_value and Status.ESTIMATED.has_value
    with pytest.raises(ValueError):
        Status.parse("*")


@pytest.mark.parametrize("table", bundled_tables(), ids=lambda t: t.id)
def test_metadata_round_trips(table: Table) -> None:  # every table of the catalog: a check of the catalog itself
    assert meta_from_dict(meta_to_dict(table.meta)) == table.meta
    assert check_table(table) == []


def test_a_derived_value_must_match_its_derivation() -> None:
    table = open_data()
    cells = dict(table.cells)
    cells[("2011", "datasets")] = Cell(Decimal("133"), Status.ESTIMATED)
    problems = check_table(Table(table.meta, cells))
    assert [(p.code, p.expected, p.found) for p in problems] == [("derivation_mismatch", "132", "133")]
    assert "2763 / 20.9" in problems[0].message


def test_a_derivation_without_its_input_names_the_input_cell() -> None:
    table = open_data()
    cells = dict(table.cells)
    cells[("2021", "datasets")] = Cell(None, Status.NOT_AVAILABLE)
    problems = check_table(Table(table.meta, cells))
    assert [(p.code, p.cell) for p in problems] == [("derivation_input_missing", "year=2011, measure=datasets")]
    assert "input cell [year=2021, measure=datasets] has no value" in problems[0].message


def test_a_derived_cell_without_a_number_is_not_blamed_on_its_input() -> None:
    table = open_data()
    cells = dict(table.cells)
    cells[("2011", "datasets")] = Cell(None, Status.ESTIMATED)
    assert [p.code for p in check_table(Table(table.meta, cells))] == ["missing_value"]


def test_a_derived_value_must_not_be_called_observed() -> None:
    table = app_accounts()
    cells = dict(table.cells)
    cells[("2020", "downloads")] = Cell(Decimal("192550"), Status.OBSERVED)
    assert [p.code for p in check_table(Table(table.meta, cells))] == ["derived_not_estimated"]


def test_an_average_needs_its_total() -> None:
    table = portal_visits()
    cells = dict(table.cells)
    cells[("2019", "total")] = Cell(None, Status.NOT_AVAILABLE)
    assert [p.code for p in check_table(Table(table.meta, cells))] == ["average_without_total"]


def test_percentages_stay_in_range() -> None:
    table = household_access()
    cells = dict(table.cells)
    cells[("2020", "internet")] = Cell(Decimal("101.0"))
    problems = check_table(Table(table.meta, cells))
    # the 2001 figure is derived from the 2020 one, so it no longer matches either
    assert [(p.code, p.cell, p.found) for p in problems] == [
        ("percentage_out_of_range", "year=2020, measure=internet", "101.0"),
        ("derivation_mismatch", "year=2001, measure=internet", "57.1"),
    ]


def test_a_rank_is_a_whole_number_from_one() -> None:
    table = city_ranking()
    cells = dict(table.cells)
    cells[("2021", "taipei", "rank")] = Cell(Decimal("0"))
    assert [p.code for p in check_table(Table(table.meta, cells))] == ["bad_rank"]


def test_measure_references_are_checked() -> None:
    raw = meta_to_dict(wifi_use().meta)
    raw["variables"][1]["values"][1]["average_of"] = "visits"
    with pytest.raises(InvalidInput, match="refers to measure 'visits'") as caught:
        meta_from_dict(raw)
    assert [p.code for p in caught.value.problems] == ["unknown_measure_reference"]


@pytest.mark.parametrize("decimals", [True, "1", 1.5])
def test_decimals_must_be_a_whole_number(decimals: object) -> None:
    raw = meta_to_dict(wifi_use().meta)
    raw["variables"][1]["values"][1]["decimals"] = decimals
    with pytest.raises(InvalidInput) as caught:
        meta_from_dict(raw)
    assert [p.code for p in caught.value.problems] == ["bad_decimals"]


def test_metadata_is_immutable() -> None:
    meta = online_courses().meta
    with pytest.raises(dataclasses.FrozenInstanceError):
        meta.id = "other"  # type: ignore[misc]


def test_a_rank_declares_the_count_of_those_ranked_and_it_must_be_a_count() -> None:
    def meta(counted_kind: str) -> dict[str, object]:
        return {
            "id": "ranking", "subject": "test", "title": {"zh-TW": "評比", "en": "Ranking"},
            "sources": [{"name": {"zh-TW": "測試", "en": "Test"}}],
            "variables": [
                {"code": "year", "role": "time", "label": {"zh-TW": "年別", "en": "Year"}, "values": ["2021"]},
                {"code": "measure", "role": "metric", "label": {"zh-TW": "指標", "en": "Measure"}, "values": [
                    {"code": "rank", "label": {"zh-TW": "名次", "en": "Place"}, "unit": {"zh-TW": "名", "en": "place"},
                     "decimals": 0, "kind": "rank", "ranked_among": "cities"},
                    {"code": "cities", "label": {"zh-TW": "城市數", "en": "Cities"},
                     "unit": {"zh-TW": "個", "en": "cities"}, "decimals": 0, "kind": counted_kind}]},
            ],
        }

    declared = meta_from_dict(meta("count"))
    assert declared.measures["rank"].ranked_among == "cities"
    assert meta_from_dict(meta_to_dict(declared)) == declared
    with pytest.raises(InvalidInput) as refused:
        meta_from_dict(meta("flow"))
    assert [p.code for p in refused.value.problems] == ["bad_measure_reference"]
