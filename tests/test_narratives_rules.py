"""The narrative rules on data they were not written for: small tables held in memory, changed figures,
monthly periods, tables of any shape; and the command, over a small database file."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from citystat.cli import app
from citystat.language.narrative import key_findings, narrate
from citystat.model import Cell, Status, StoredTable, Table, check_table, meta_from_dict, meta_to_dict, unreleased

from .small_tables import (
    access_by_municipality,
    app_accounts,
    household_access,
    online_courses,
    pay_totals,
    small_database,
    wifi_use,
)


def _small_tables() -> list[StoredTable]:
    """A few tables shaped like the catalog's, held in memory (release 0): no database, no catalog."""
    return [unreleased(t()) for t in (wifi_use, pay_totals, online_courses, household_access,
                                      access_by_municipality, app_accounts)]


def test_changed_figures_change_the_words() -> None:
    cooc = online_courses()
    zh = narrate(unreleased(cooc), "zh-TW").text
    assert "17.8 萬門" in zh and "成長 1.3 倍" in zh  # 178,203 courses: 2.3 times the end of 109
    cells = dict(cooc.cells)
    key = cooc.meta.key({"year": "2021", "measure": "courses"})
    cells[key] = Cell(Decimal(150000))  # 1.94 times the end of 109: below 2, so a percentage, not 倍
    changed = Table(cooc.meta, cells)
    assert check_table(changed) == []
    stored = unreleased(changed)  # narrated in memory: no database needed
    zh = narrate(stored, "zh-TW").text
    en = narrate(stored, "en").text
    assert "110 年底線上課程 15 萬門，較 109 年底成長 94.3%" in zh
    assert "17.8 萬門" not in zh and "成長 1.3 倍" not in zh
    assert "At the end of 2021, online courses numbered 150,000, up 94.3% from the end of 2020" in en


def test_monthly_periods(tmp_path: Path) -> None:
    meta = meta_from_dict({
        "id": "kiosk_sessions", "subject": "kiosks",
        "title": {"zh-TW": "市政資訊站使用次數", "en": "City kiosk sessions"},
        "sources": [{"name": {"zh-TW": "測試", "en": "Test"}}],
        "variables": [
            {"code": "month", "role": "time", "label": {"zh-TW": "月別", "en": "Month"},
             "values": ["2021M01", "2021M02", "2021M03", "2021M04"]},
            {"code": "measure", "role": "metric", "label": {"zh-TW": "指標", "en": "Measure"},
             "values": [{"code": "sessions", "label": {"zh-TW": "使用次數", "en": "Sessions"},
                         "unit": {"zh-TW": "次", "en": "sessions"}, "decimals": 0, "kind": "flow"}]},
        ],
    })
    values = {"2021M01": 1200, "2021M02": 1500, "2021M03": 1800, "2021M04": 2400}
    cells = {meta.key({"month": m, "measure": "sessions"}): Cell(Decimal(v)) for m, v in values.items()}
    stored = unreleased(Table(meta, cells))
    zh = [s.text for s in narrate(stored, "zh-TW").sentences]
    assert zh == [
        "110 年 4 月使用 2,400 次，較 110 年 3 月成長 33.3%。",
        "使用次數由 110 年 1 月 1,200 次增至 110 年 4 月 2,400 次，成長 1.0 倍。",
        "使用次數自 110 年 1 月起逐月上升。",
    ]
    en = [s.text for s in narrate(stored, "en").sentences]
    assert en == [
        "In April 2021, sessions totalled 2,400, up 33.3% from March 2021.",
        "Sessions rose from 1,200 in January 2021 to 2,400 in April 2021, 2.0 times the January 2021 level (up 100%).",
        "Sessions have risen every month since January 2021.",
    ]


def test_key_findings_one_per_table() -> None:
    tables = _small_tables()
    zh = key_findings(tables, "zh-TW")
    assert len({s.table_id for s in zh}) == len(zh) <= len(tables)
    assert any("均居六都第 1" in s.text for s in zh)
    assert any(s.text.startswith("臺北公眾區免費無線上網使用人次：") and "成長 2.6 倍" in s.text for s in zh)
    assert all(s.indicators for s in zh)
    en = key_findings(tables, "en")
    assert any("3.6 times the 2018 level (up 257%)" in s.text for s in en)


def test_english_conventions() -> None:
    tables = _small_tables()
    en = {t.meta.id: narrate(t, "en", context=tables).text for t in tables}
    assert "Monthly average use rose from 3.17 million in 2018 to 11.33 million in 2021, " \
           "3.6 times the 2018 level (up 257%)." in en["taipei_free_usage"]
    assert "NT$2.98 billion" in en["pay_taipei"]
    assert "178,203" in en["cooc_cloud"]
    assert "up 13.0, 11.4 and 39.0 percentage points from 2001 (estimated)" in en["digital_access_taipei"]
    assert "at the end of 2021" in en["taipeipass"].lower()
    for text in en.values():  # multiples are never 'grew N times' or 'increased N-fold', which read two ways
        assert "grew" not in text and "fold" not in text and "times more" not in text


def test_meta_round_trips_peer_group() -> None:
    meta = access_by_municipality().meta
    again = meta_from_dict(meta_to_dict(meta))
    assert again == meta and again.variable("area").peer_group is not None
    assert replace(meta).variable("area").peer_group.get("zh-TW") == "六都"  # type: ignore[union-attr]


def _random_table(rng: random.Random, number: int) -> Table:
    """A table of a shape and kinds chosen at random, with gaps, nil cells and provisional values."""
    kinds = ["flow", "stock", "daily_average", "monthly_average", "rate", "rank", "count"]
    periods = [str(y) for y in range(2015, 2015 + rng.randint(1, 7))]
    if rng.random() < 0.3:
        periods = [f"2021M{m:02d}" for m in range(1, rng.randint(2, 12))]
    measures = [
        {"code": kind, "label": {"zh-TW": f"全年{kind}數", "en": f"{kind.title()} in the year"},
         "unit": {"zh-TW": "%" if kind == "rate" else "件", "en": "percent" if kind == "rate" else "items"},
         "decimals": 1 if kind == "rate" else 0, "kind": kind}
        for kind in rng.sample(kinds, rng.randint(1, 3))
    ]
    variables = [{"code": "t", "role": "time", "label": {"zh-TW": "期", "en": "Period"}, "values": periods}]
    shape = rng.choice(["plain", "geo_total", "geo", "category_total", "category"])
    if shape != "plain":
        values: list[dict] = [{"code": f"v{j}", "label": {"zh-TW": f"區{j}", "en": f"Area {j}"}}
                              for j in range(rng.randint(1, 4))]
        if shape.endswith("total"):
            values.insert(0, {"code": "all", "label": {"zh-TW": "全市", "en": "All"}, "aggregate": True})
        variables.append({"code": "g", "role": shape.split("_")[0], "label": {"zh-TW": "地區", "en": "Area"},
                          "values": values})
    variables.append({"code": "measure", "role": "metric", "label": {"zh-TW": "指標", "en": "Measure"},
                      "values": measures})
    meta = meta_from_dict({"id": f"random_{number}", "subject": "random", "title": {"zh-TW": "隨機", "en": "Random"},
                           "sources": [{"name": {"zh-TW": "測試", "en": "Test"}}], "variables": variables})
    cells = {}
    for key in meta.cell_keys():
        kind = key[-1]
        draw = rng.random()
        if draw < 0.15:
            cells[key] = Cell(None, Status.NIL if draw < 0.1 else Status.NOT_AVAILABLE)
            continue
        if kind == "rate":
            value = Decimal(rng.randint(0, 1000)) / 10
        elif kind == "rank":
            value = Decimal(rng.randint(1, 20))
        else:
            value = Decimal(rng.choice([0, 1, 999, 12345, 99999, 123456, 15180000, rng.randint(0, 10**10)]))
        cells[key] = Cell(value, Status.PROVISIONAL if rng.random() < 0.1 else Status.OBSERVED)
    return Table(meta, cells)


def test_tables_of_any_shape_get_a_narrative(tmp_path: Path) -> None:
    rng = random.Random(20211231)
    narrated = 0
    for number in range(80):
        table = _random_table(rng, number)
        if check_table(table):
            continue  # e.g. an average that does not match its total: the store would refuse it
        stored = unreleased(table)
        for lang in ("zh-TW", "en"):
            narrative = narrate(stored, lang)
            for sentence in narrative.sentences:
                assert sentence.text.strip() and sentence.rule
                assert sentence.role == "note" or sentence.indicators
                estimated = any(i.estimated for i in sentence.indicators)
                word = "推估" if lang == "zh-TW" else "estimated"
                assert (word in sentence.text) == estimated, sentence.text
        narrated += 1
    assert narrated > 40


def _two_years(tmp_path: Path, kind: str, unit: str, decimals: int, values: tuple[str, str]) -> list[str]:
    meta = meta_from_dict({
        "id": "two_years", "subject": "test", "title": {"zh-TW": "測試", "en": "Test"},
        "sources": [{"name": {"zh-TW": "測試", "en": "Test"}}],
        "variables": [
            {"code": "year", "role": "time", "label": {"zh-TW": "年別", "en": "Year"}, "values": ["2020", "2021"]},
            {"code": "measure", "role": "metric", "label": {"zh-TW": "指標", "en": "Measure"},
             "values": [{"code": "m", "label": {"zh-TW": "全年使用次數", "en": "Uses in the year"},
                         "unit": {"zh-TW": unit, "en": "uses" if unit == "次" else "percent"},
                         "decimals": decimals, "kind": kind}]},
        ],
    })
    cells = {meta.key({"year": y, "measure": "m"}): Cell(Decimal(v)) for y, v in zip(("2020", "2021"), values)}
    stored = unreleased(Table(meta, cells))
    return [narrate(stored, lang).sentences[0].text for lang in ("zh-TW", "en")]


def test_a_change_that_rounds_half_up_is_not_unchanged(tmp_path: Path) -> None:
    # 2,001 / 2,000 − 1 = 0.05% exactly: written 0.1% (half up, as every figure is), so not 持平
    zh, en = _two_years(tmp_path, "flow", "次", 0, ("2000", "2001"))
    assert zh == "110 年使用 2,001 次，較 109 年成長 0.1%。"
    assert en == "In 2021, uses totalled 2,001, up 0.1% from 2020."
    zh, en = _two_years(tmp_path, "rate", "%", 2, ("81.8", "81.85"))  # points to the fewer decimals: 0.05 → 0.1
    assert zh == "110 年使用次數比率為 81.85%，較 109 年增加 0.1 個百分點。"
    assert en.endswith("up 0.1 percentage points from 2020.")


# -- the command: `citystat narrate` over a real database file holding the small tables ------------------------


@pytest.fixture(scope="module")
def small_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_database(tmp_path_factory.mktemp("narrate") / "small.duckdb", [t.table for t in _small_tables()])


def test_cli_narrate_one_and_all(small_db: Path) -> None:
    runner = CliRunner()
    one = runner.invoke(app, ["narrate", "taipeipass", "--lang", "zh-TW", "--db", str(small_db)])
    assert one.exit_code == 0, one.output
    assert "331.8 萬件" in one.output
    every = runner.invoke(app, ["narrate", "--all", "--lang", "en", "--json", "--db", str(small_db)])
    assert every.exit_code == 0, every.output
    narratives = json.loads(every.output)
    assert {n["table"] for n in narratives} == {t.meta.id for t in _small_tables()}
    assert all(n["lang"] == "en" and n["sentences"] for n in narratives)
    neither = runner.invoke(app, ["narrate", "--db", str(small_db)])
    assert neither.exit_code != 0
    assert "name one table ID or give --all" in neither.output
