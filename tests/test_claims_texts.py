"""Texts written for the checker (tests/claims/*.txt), each with its annotation (*.claims.yaml): every planted
error is caught with the right diagnosis, and no correct claim is flagged."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from tools.claims_scoring import align, load, same_text_and_kind

from citystat.catalog import bundled_tables
from citystat.claims import Checker, Status, Verdict
from citystat.model import Cell, Table, meta_from_dict, meta_to_dict, round_half_up
from citystat.store import Store

TEXTS = Path(__file__).parent / "claims"
NAMES = sorted(p.stem for p in TEXTS.glob("*.txt"))
PLANTED = {  # the kinds of error the issue asks to be caught, each at least once
    "wrong_level", "growth_as_ratio", "ratio_as_growth", "percent_for_points", "wrong_base", "stock_as_flow",
    "wrong_share", "wrong_rank",
}
SEVERITY = {Status.WRONG: 3, Status.AMBIGUOUS: 2, Status.UNVERIFIABLE: 1, Status.CORRECT: 0, Status.NOT_A_CLAIM: -1}


@pytest.fixture(scope="module")
def checker(built_db: Path) -> Iterator[Checker]:
    with Store(built_db, read_only=True) as store:
        yield Checker(store.latest())


def _by_claim(verdicts: list[Verdict]) -> dict[tuple[int, int], list[Verdict]]:
    """均居六都第 1 is one claim in the text and three verdicts (one a rate): group them by place."""
    out: dict[tuple[int, int], list[Verdict]] = {}
    for verdict in verdicts:
        out.setdefault(verdict.claim.span, []).append(verdict)
    return out


@pytest.mark.parametrize("name", NAMES)
def test_verdicts_agree_with_the_annotation(checker: Checker, name: str) -> None:
    annotated = load(TEXTS / f"{name}.txt")
    report = checker.check(annotated.text, annotated.lang)
    grouped = _by_claim(report.verdicts)
    claims = [group[0].claim for group in grouped.values()]
    problems = []
    ordered = sorted(claims, key=lambda c: (c.start, c.id))
    for expected, claim in align(ordered, annotated.claims, same_text_and_kind):
        if claim is None:
            problems.append(f"not found: {expected}")
            continue
        verdicts = grouped[claim.span]
        status = max((v.status for v in verdicts), key=lambda s: SEVERITY[s])
        if status.value != expected["verdict"]:
            problems.append(f"{expected['text']!r}: {status.value}, expected {expected['verdict']} — "
                            f"{'; '.join(v.message for v in verdicts)}")
        if "error" in expected and expected["error"] not in {v.diagnosis for v in verdicts}:
            problems.append(f"{expected['text']!r}: diagnosed {[v.diagnosis for v in verdicts]}, "
                            f"expected {expected['error']}")
    assert not problems, "\n".join(problems)
    assert report.ok == all(c["verdict"] != "wrong" for c in annotated.claims)


def test_every_kind_of_planted_error_is_in_the_texts() -> None:
    planted = {c["error"] for name in NAMES for c in load(TEXTS / f"{name}.txt").claims if "error" in c}
    assert planted >= PLANTED


@pytest.mark.parametrize("name", ["report_zh", "report_en"])
def test_a_wrong_claim_gets_the_right_figure_and_wording(checker: Checker, name: str) -> None:
    annotated = load(TEXTS / f"{name}.txt")
    wrong = [v for v in checker.check(annotated.text, annotated.lang).verdicts if v.status is Status.WRONG]
    assert wrong
    for verdict in wrong:
        assert verdict.wording, verdict.message
        assert verdict.cells and verdict.table and verdict.release == 1, verdict.message


def _one(checker: Checker, text: str, lang: str, claim: str) -> Verdict:
    found = [v for v in checker.check(text, lang).verdicts if v.claim.text == claim]
    assert len(found) == 1, [v.claim.text for v in checker.check(text, lang).verdicts]
    return found[0]


COOC_ZH = "臺北酷課雲線上課程數 109 年底為 7 萬 7,184 門，較 106 年底增加 {} 倍。"


def test_the_cooc_cloud_514_claim_is_ambiguous_showing_both_readings(checker: Checker) -> None:
    verdict = _one(checker, COOC_ZH.format("514"), "zh-TW", "514 倍")
    assert verdict.status is Status.AMBIGUOUS
    readings = {r.name: r for r in verdict.readings}
    assert round_half_up(readings["growth_multiple"].value, 1) == Decimal("513.6")  # type: ignore[arg-type]
    assert round_half_up(readings["ratio"].value, 1) == Decimal("514.6")  # type: ignore[arg-type]
    assert "513.6" in verdict.message and "514.6" in verdict.message
    assert verdict.wording == "係 106 年底之 514.6 倍（成長 513.6 倍）"
    assert {c["cell"]["year"] for c in verdict.cells} == {"2017", "2020"}


@pytest.mark.parametrize(("stated", "status", "diagnosis"), [
    ("513.6", Status.CORRECT, None),  # the growth multiple, to the convention's one decimal
    ("514.6", Status.WRONG, "ratio_as_growth"),  # the ratio, worded as growth
    ("500", Status.WRONG, "wrong_change"),
])
def test_the_cooc_cloud_multiple_at_the_conventional_precision(checker: Checker, stated: str, status: Status,
                                                               diagnosis: str | None) -> None:
    verdict = _one(checker, COOC_ZH.format(stated), "zh-TW", f"{stated} 倍")
    assert (verdict.status, verdict.diagnosis) == (status, diagnosis)


def test_the_cooc_cloud_ratio_written_as_a_ratio_is_correct(checker: Checker) -> None:
    text = "臺北酷課雲線上課程數 109 年底為 7 萬 7,184 門，係 106 年底之 514.6 倍。"
    assert _one(checker, text, "zh-TW", "514.6 倍").status is Status.CORRECT


def test_the_cooc_cloud_claim_in_english_is_ambiguous(checker: Checker) -> None:
    text = "CooC-Cloud online courses at the end of 2020 were up 514 times from the end of 2017."
    verdict = _one(checker, text, "en", "514 times")
    assert verdict.status is Status.AMBIGUOUS
    assert "513.6" in verdict.message and "514.6" in verdict.message


@pytest.mark.parametrize(("text", "lang", "claim", "why"), [
    ("111 年臺北公眾區免費無線上網每月平均使用 1,200 萬人次。", "zh-TW", "1,200 萬人次", "no figure for 111 年"),
    ("市民服務大平臺 110 年線上申辦案件 120 萬件。", "zh-TW", "120 萬件", "no figure in the tables"),
    ("每月平均使用 1,132.9 萬人次。", "zh-TW", "1,132.9 萬人次", "which period"),
    ("平均 1,132.9 萬人次。", "zh-TW", "1,132.9 萬人次", "no table"),
    ("In 2021 the city planted 5,000 trees.", "en", "5,000", "no table"),
])
def test_numbers_the_store_does_not_hold_are_unverifiable(checker: Checker, text: str, lang: str, claim: str,
                                                         why: str) -> None:
    verdict = _one(checker, text, lang, claim)
    assert verdict.status is Status.UNVERIFIABLE and why in verdict.message


def test_two_tables_that_would_answer_differently_are_not_guessed_between(checker: Checker) -> None:
    # YouBike is both a fleet (bikes) and a daily use series; a bare growth rate names neither
    verdict = _one(checker, "YouBike 110 年較 109 年成長 10.0%。", "zh-TW", "10.0%")
    assert verdict.status is Status.UNVERIFIABLE and "does not say which figure" in verdict.message


def test_an_implicit_subject_carries_over_from_the_sentence_before(checker: Checker) -> None:
    text = "臺北酷課雲 110 年瀏覽 4,602.5 萬人次。較 109 年成長 1.4 倍。"
    verdict = _one(checker, text, "zh-TW", "1.4 倍")
    assert verdict.status is Status.CORRECT and (verdict.table, verdict.measure) == ("cooc_cloud", "page_views")


@pytest.mark.parametrize("name", ["台北酷課雲", "酷客雲", "臺北酷課雲", "CooC Cloud"])
def test_variant_names_from_the_catalog_aliases(checker: Checker, name: str) -> None:
    verdict = _one(checker, f"{name} 110 年底線上課程 17.8 萬門。", "zh-TW", "17.8 萬門")
    assert (verdict.status, verdict.table) == (Status.CORRECT, "cooc_cloud")


def test_taipei_free_is_the_public_wifi(checker: Checker) -> None:
    for name in ("Taipei Free", "臺北公眾區免費無線上網", "台北公眾區免費無線上網"):
        verdict = _one(checker, f"{name} 110 年每月平均使用 1,132.9 萬人次。", "zh-TW", "1,132.9 萬人次")
        assert (verdict.table, verdict.measure) == ("taipei_free_usage", "monthly_average")


@pytest.mark.parametrize(("text", "lang", "claim", "status", "when"), [
    ("YouBike 公共自行車平均每日使用人次 107 年為 7 萬 1,925 人次，為歷年最大增幅。", "zh-TW", "歷年最大增幅",
     Status.CORRECT, None),
    ("YouBike 公共自行車平均每日使用人次 108 年為 7 萬 7,986 人次，為歷年最大增幅。", "zh-TW", "歷年最大增幅",
     Status.WRONG, "107 年"),
    ("In 2021, daily uses of YouBike public bikes fell to 74,465, the largest annual fall in the series.", "en",
     "the largest annual fall in the series", Status.WRONG, "2015"),
])
def test_the_largest_rise_or_fall_is_the_one_the_narratives_compute(checker: Checker, text: str, lang: str,
                                                                   claim: str, status: Status,
                                                                   when: str | None) -> None:
    verdict = _one(checker, text, lang, claim)
    assert verdict.status is status, verdict.message
    assert verdict.cells and verdict.computed is not None
    if when is not None:
        assert verdict.diagnosis == "not_the_largest" and when in verdict.message


def test_a_rank_that_moved_one_place_is_worded_in_the_singular(tmp_path: Path) -> None:
    imd = next(t for t in bundled_tables() if t.id == "imd_smart_city_index")
    data = meta_to_dict(imd.meta)
    data["variables"][0]["values"] = ["2020", "2021"]
    meta = meta_from_dict(data)
    cells = dict(imd.cells)
    cells[meta.key({"year": "2020", "city": "taipei", "measure": "rank"})] = Cell(Decimal(5))
    with Store(tmp_path / "imd.duckdb") as store:
        store.load(Table(meta, cells))
        checker = Checker(store.latest())
    verdict = _one(checker, "In 2021, Taipei's IMD Smart City Index rank rose by 2 places from 2020.", "en", "2")
    assert verdict.status is Status.WRONG
    assert verdict.wording == "up 1 place from 2020"
    verdict = _one(checker, "臺北市 IMD 智慧城市指數排名 110 年較 109 年上升 2 名。", "zh-TW", "2 名")
    assert (verdict.status, verdict.wording) == (Status.WRONG, "較 109 年上升 1 名")


@pytest.mark.parametrize("text", [
    "U-Parking shared parking spaces fell by 1,279 between the end of 2018 and the end of 2021.",
    "U-Parking shared parking spaces fell by 1,279 compared with the end of 2018, to 3,670 at the end of 2021.",
])
def test_a_word_after_an_english_number_that_is_not_its_unit(checker: Checker, text: str) -> None:
    verdict = _one(checker, text, "en", "1,279")
    assert (verdict.status, verdict.table, verdict.measure) == (Status.CORRECT, "shared_transport_fleet",
                                                                "parking_spaces"), verdict.message


@pytest.mark.parametrize(("text", "claim"), [
    ("CooC-Cloud page views in 2021 were 35.5 times that of 2017.", "35.5 times"),
    ("CooC-Cloud online courses at the end of 2021 were 1,188 times those at the end of 2017.", "1,188 times"),
    ("The amount collected by pay.taipei in 2021 was 18.9 times the figure for 2018.", "18.9 times"),
])
def test_an_english_ratio_to_that_of_a_year(checker: Checker, text: str, claim: str) -> None:
    verdict = _one(checker, text, "en", claim)
    assert verdict.status is Status.CORRECT, verdict.message
    assert verdict.claim.base is not None and not verdict.message.startswith(f"{claim}: no base is written")


def test_a_list_of_changes_pairs_with_the_levels_before_it(checker: Checker) -> None:
    """分別: the i-th change is of the i-th figure stated before it, even where no list of nouns says so."""
    text = "智慧支付平台 110 年繳費張數 1,518 萬張、繳費金額 29 億 7,905 萬元，分別較 107 年成長 {} 倍及 {} 倍。"
    right = checker.check(text.format("6.4", "17.9"), "zh-TW").verdicts
    assert [(v.claim.text, v.status, v.measure) for v in right if v.claim.kind.is_change] == [
        ("6.4 倍", Status.CORRECT, "bills"), ("17.9 倍", Status.CORRECT, "amount")]
    swapped = checker.check(text.format("17.9", "6.4"), "zh-TW").verdicts
    assert [(v.status, v.measure) for v in swapped if v.claim.kind.is_change] == [
        (Status.WRONG, "bills"), (Status.WRONG, "amount")]


def test_an_area_named_before_a_number_is_the_area_it_is_about(checker: Checker) -> None:
    # 連網 names Taipei's own table (an alias), which has no 全國: the national figure is in the municipalities table
    report = checker.check("109 年臺北市連網普及率 96.1%，高於全國 91.31%，兩者相差 4.8 個百分點。", "zh-TW")
    assert [(v.claim.text, v.status) for v in report.verdicts] == [
        ("96.1%", Status.CORRECT), ("91.31%", Status.CORRECT), ("4.8 個百分點", Status.CORRECT)]
    national = report.verdicts[1]
    assert (national.table, national.coordinates["area"]) == ("digital_access_municipalities", "national")


@pytest.mark.parametrize(("text", "claim"), [
    ("The home computer rate in Taipei rose 13.0 percentage points between 2001 and 2020.", "13.0 percentage points"),
    ("Taipei's internet access rate rose 39.0 percentage points from 2001 to 2020.", "39.0 percentage points"),
])
def test_taipei_named_is_also_the_table_of_taipeis_own_figures(checker: Checker, text: str, claim: str) -> None:
    # the six municipalities' table names Taipei but has no 2001; the table of Taipei's own figures has it
    verdict = _one(checker, text, "en", claim)
    assert (verdict.status, verdict.table) == (Status.CORRECT, "digital_access_taipei"), verdict.message


@pytest.mark.parametrize(("text", "claim"), [
    ("TaipeiPASS app downloads rose to 2.87 million at the end of 2021, up from 192,550 a year earlier.", "192,550"),
    ("CooC-Cloud page views rose to 46.02 million in 2021 from 19.29 million the previous year.", "19.29 million"),
])
def test_an_english_level_of_a_year_earlier(checker: Checker, text: str, claim: str) -> None:
    verdict = _one(checker, text, "en", claim)
    assert verdict.status is Status.CORRECT, verdict.message
