"""Every claim of the facts file, reproduced by the zh-TW narratives: number and convention alike.

Each test finds the exact phrase in the narrative and checks that the sentence states an indicator computed
from the store that gives that number, so a change to the data, the rounding or the wording fails it.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from citystat.indicators import Indicator, IndicatorKind
from citystat.language.narrative import Narrative, Sentence, narrate
from citystat.model import Status, round_half_up
from citystat.store import Store

K = IndicatorKind


@pytest.fixture(scope="module")
def zh(built_db: Path) -> Iterator[dict[str, Narrative]]:
    with Store(built_db, read_only=True) as store:
        tables = store.latest()
        yield {t.meta.id: narrate(t, "zh-TW", context=tables) for t in tables}


def sentence_with(narrative: Narrative, phrase: str) -> Sentence:
    found = [s for s in narrative.sentences if phrase in s.text]
    assert found, f"{phrase!r} not in the {narrative.table_id} narrative:\n" + "\n".join(
        s.text for s in narrative.sentences)
    return found[0]


def stated(sentence: Sentence, kind: IndicatorKind, measure: str, period: str, base_period: str | None = None,
           decimals: int = 1) -> Decimal:
    """The rounded value of the indicator of this kind the sentence states."""
    matches = [
        i for i in sentence.indicators
        if i.kind is kind and i.measure == measure and i.period == period
        and (base_period is None or i.base_period == base_period)
    ]
    assert len(matches) == 1, f"{kind} {measure} {period} vs {base_period}: {[i.kind for i in sentence.indicators]}"
    indicator: Indicator = matches[0]
    assert indicator.value is not None
    return round_half_up(indicator.value, decimals)


def test_taipei_free_monthly_average_grew_2_6_times_since_107(zh: dict[str, Narrative]) -> None:
    s = sentence_with(zh["taipei_free_usage"],
                      "每月平均使用人次由 107 年 317.3 萬人次增至 110 年 1,132.9 萬人次，成長 2.6 倍")
    assert stated(s, K.GROWTH_MULTIPLE, "monthly_average", "2021", "2018") == Decimal("2.6")
    assert stated(s, K.LEVEL, "monthly_average", "2018", decimals=0) == 3173399
    assert stated(s, K.LEVEL, "monthly_average", "2021", decimals=0) == 11328628


def test_platform_31_0_wan_a_month_and_4_1_times_over_108(zh: dict[str, Narrative]) -> None:
    latest = sentence_with(zh["citizen_platform_visits"], "每月平均 31.0 萬人次")
    assert stated(latest, K.LEVEL, "monthly_average", "2021", decimals=0) == 310049
    s = sentence_with(zh["citizen_platform_visits"], "由 108 年 6 萬 565 人次增至 110 年 31.0 萬人次，成長 4.1 倍")
    assert stated(s, K.GROWTH_MULTIPLE, "monthly_average", "2021", "2019") == Decimal("4.1")


def test_open_data_ratios_20_9_and_2682(zh: dict[str, Narrative]) -> None:
    n = zh["open_data_platform"]
    datasets = sentence_with(n, "110 年底資料集 2,763 項，係 100 年底之 20.9 倍")
    assert stated(datasets, K.RATIO, "datasets", "2021", "2011") == Decimal("20.9")
    uses = sentence_with(n, "110 年資料使用 7 億 3,722 萬次，係 100 年之 2,682 倍")
    assert stated(uses, K.RATIO, "uses", "2021", "2011", decimals=0) == 2682
    assert "推估" in datasets.text and "推估" in uses.text  # the 100 values are derived


def test_cooc_cloud_courses_17_8_wan_grew_1_3_times(zh: dict[str, Narrative]) -> None:
    s = sentence_with(zh["cooc_cloud"], "110 年底線上課程 17.8 萬門，較 109 年底成長 1.3 倍")
    assert stated(s, K.GROWTH_MULTIPLE, "courses", "2021", "2020") == Decimal("1.3")


def test_cooc_cloud_views_4602_5_wan_grew_1_4_times(zh: dict[str, Narrative]) -> None:
    s = sentence_with(zh["cooc_cloud"], "110 年瀏覽 4,602.5 萬人次，較 109 年成長 1.4 倍")
    assert stated(s, K.GROWTH_MULTIPLE, "page_views", "2021", "2020") == Decimal("1.4")
    # the level-3 alert note follows the sentence about 110
    texts = [x.text for x in zh["cooc_cloud"].sentences]
    assert any("三級警戒" in t for t in texts[texts.index(s.text):])


def test_cooc_cloud_courses_109_over_106_is_513_6_growth_and_514_6_ratio(zh: dict[str, Narrative]) -> None:
    n = zh["cooc_cloud"]
    s = sentence_with(n, "線上課程數由 106 年底 150 門增至 109 年底 7 萬 7,184 門，"
                         "係 106 年底之 514.6 倍（成長 513.6 倍）")
    assert stated(s, K.RATIO, "courses", "2020", "2017") == Decimal("514.6")
    assert stated(s, K.GROWTH_MULTIPLE, "courses", "2020", "2017") == Decimal("513.6")
    assert "514 倍" not in n.text and "增加 514" not in n.text


def test_pay_taipei_grew_6_4_and_17_9_times(zh: dict[str, Narrative]) -> None:
    n = zh["pay_taipei"]
    bills = sentence_with(n, "110 年繳費 1,518 萬張，較 107 年成長 6.4 倍（推估）")
    assert stated(bills, K.GROWTH_MULTIPLE, "bills", "2021", "2018") == Decimal("6.4")
    amount = sentence_with(n, "110 年繳費金額 29 億 7,905 萬元，係 107 年之 18.9 倍（成長 17.9 倍，推估）")
    assert stated(amount, K.GROWTH_MULTIPLE, "amount", "2021", "2018") == Decimal("17.9")


def test_pay_taipei_rising_every_year_is_not_asserted(zh: dict[str, Narrative]) -> None:
    # the source says both rose every year, but the store holds only 107 and 110: nothing can show it
    for table in ("pay_taipei", "pay_taipei_by_category"):
        assert "逐年" not in zh[table].text


def test_pay_taipei_shares_and_leaders(zh: dict[str, Narrative]) -> None:
    n = zh["pay_taipei_by_category"]
    bills = sentence_with(n, "110 年繳費張數以停車費占 93.1% 最多，自來水費占 4.7% 次之")
    assert [round_half_up(i.value, 1) for i in bills.indicators] == [Decimal("93.1"), Decimal("4.7")]  # type: ignore[arg-type]
    assert [dict(i.series)["category"] for i in bills.indicators] == ["parking", "water"]
    amount = sentence_with(n, "110 年繳費金額以稅費占 32.5% 最多，停車費占 30.0% 次之")
    assert [round_half_up(i.value, 1) for i in amount.indicators] == [Decimal("32.5"), Decimal("30.0")]  # type: ignore[arg-type]
    assert all(i.kind is K.SHARE for i in bills.indicators + amount.indicators)


def test_digital_access_percentage_points_over_90(zh: dict[str, Narrative]) -> None:
    s = sentence_with(zh["digital_access_taipei"], "較 90 年分別增加 13.0、11.4 及 39.0 個百分點（推估）")
    assert [stated(s, K.PP_DIFFERENCE, m, "2020", "2001") for m in ("computer", "mobile_phone", "internet")] == [
        Decimal("13.0"), Decimal("11.4"), Decimal("39.0")]
    assert "109 年家用電腦、行動電話及連網比率分別為 81.8%、98.7% 及 96.1%" in s.text


@pytest.mark.parametrize("table", ["digital_access_taipei", "digital_access_municipalities"])
def test_digital_access_first_of_the_six_and_above_the_national_average(zh: dict[str, Narrative],
                                                                       table: str) -> None:
    s = sentence_with(zh[table], "109 年臺北市家用電腦、行動電話及連網比率均居六都第 1，"
                                 "且均高於全國之 65.98%、96.20% 及 91.31%")
    ranks = [i for i in s.indicators if i.kind is K.RANK]
    assert [(i.measure, i.value, i.peers) for i in ranks] == [
        ("computer", 1, 6), ("mobile_phone", 1, 6), ("internet", 1, 6)]
    assert all(i.table_id == "digital_access_municipalities" for i in ranks)  # drawn from the related table


def test_daily_uses_stayed_above_7_4_and_2_5_wan_in_109_110(zh: dict[str, Narrative]) -> None:
    n = zh["shared_transport_daily_uses"]
    bikes = sentence_with(n, "109 年至 110 年 YouBike 公共自行車平均每日人次均維持在 7.4 萬人次以上")
    scooters = sentence_with(n, "109 年至 110 年 U-motor 共享電動機車平均每日人次均維持在 2.5 萬人次以上")
    for s, measure, threshold in ((bikes, "bike_uses", 74000), (scooters, "e_scooter_uses", 25000)):
        (indicator,) = s.indicators
        assert indicator.kind is K.STAYED_ABOVE and indicator.measure == measure and indicator.holds
        assert indicator.threshold == threshold and (indicator.base_period, indicator.period) == ("2020", "2021")


def test_e_car_uses_1_0_times_more_than_109(zh: dict[str, Narrative]) -> None:
    s = sentence_with(zh["shared_transport_daily_uses"],
                      "110 年 U-EV 共享電動汽車平均每日 1,039 人次，較 109 年成長 1.0 倍")
    assert stated(s, K.GROWTH_MULTIPLE, "e_car_uses", "2021", "2020") == Decimal("1.0")


def test_taipeipass_activations_73_2_percent_and_downloads_13_9_times(zh: dict[str, Narrative]) -> None:
    n = zh["taipeipass"]
    activations = sentence_with(n, "110 年底累計服務啟用 331.8 萬件，較 109 年底成長 73.2%（推估）")
    assert stated(activations, K.GROWTH_RATE, "activations", "2021", "2020") == Decimal("73.2")
    downloads = sentence_with(n, "110 年底累計下載 286.9 萬人次，係 109 年底之 14.9 倍（成長 13.9 倍，推估）")
    assert stated(downloads, K.GROWTH_MULTIPLE, "downloads", "2021", "2020") == Decimal("13.9")


def test_imd_rank(zh: dict[str, Narrative]) -> None:
    s = sentence_with(zh["imd_smart_city_index"], "110 年臺北市排名第 4 名")
    assert stated(s, K.LEVEL, "rank", "2021", decimals=0) == 4


def test_wifi_dip_of_106_comes_with_its_note(zh: dict[str, Narrative]) -> None:
    texts = [s.text for s in zh["taipei_free_usage"].sentences]
    dip = next(t for t in texts if t.startswith("106 年每月平均使用 253.9 萬人次，較 105 年減少 22.7%"))
    assert texts[texts.index(dip) + 1] == "106 年進行熱點整併及優化，使用人次因而減少。"


def test_every_estimate_is_marked_and_only_estimates(zh: dict[str, Narrative], built_db: Path) -> None:
    with Store(built_db, read_only=True) as store:
        tables = store.latest()
        en = {t.meta.id: narrate(t, "en", context=tables) for t in tables}
    for narratives, word in ((zh, "推估"), (en, "estimated")):
        for narrative in narratives.values():
            for s in narrative.sentences:
                if s.role != "finding":
                    continue
                estimated = any(i.status is Status.ESTIMATED for i in s.indicators)
                assert (word in s.text) == estimated, s.text


def test_every_indicator_stated_comes_from_the_store(zh: dict[str, Narrative], built_db: Path) -> None:
    with Store(built_db, read_only=True) as store:
        for narrative in zh.values():
            for s in narrative.sentences:
                assert s.role == "note" or s.indicators, s.text
                for indicator in s.indicators:
                    stored = store.read(indicator.table_id)
                    assert indicator.release == stored.release.release
                    for cell in indicator.inputs:
                        key = stored.meta.key(dict(cell.coordinates))
                        assert stored.table.get(key).value == cell.value


def test_largest_annual_rise_is_computed_over_every_step(zh: dict[str, Narrative]) -> None:
    s = sentence_with(zh["taipei_free_usage"], "108 年每月平均使用 832.9 萬人次，較 107 年成長 1.6 倍，為歷年最大增幅")
    assert stated(s, K.LARGEST_RISE, "monthly_average", "2019", "2018") == Decimal("162.5")
