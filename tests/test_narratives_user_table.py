"""A table a user loads (a new service with a few years of data) gets a sensible narrative with no code change."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from citystat.cli import app

META = """\
id: library_ebooks
subject: library
title: {zh-TW: 臺北市立圖書館電子書借閱, en: Taipei Public Library e-book loans}
sources:
  - name: {zh-TW: 臺北市立圖書館, en: Taipei Public Library}
variables:
  - code: year
    role: time
    label: {zh-TW: 年別, en: Year}
    values: ["2018", "2019", "2020", "2021"]
  - code: measure
    role: metric
    label: {zh-TW: 指標, en: Measure}
    values:
      - code: loans
        label: {zh-TW: 全年借閱次數, en: Loans in the year}
        unit: {zh-TW: 次, en: loans}
        decimals: 0
        kind: flow
      - code: monthly_average
        label: {zh-TW: 每月平均借閱次數, en: Monthly average loans}
        unit: {zh-TW: 次, en: loans}
        decimals: 0
        kind: monthly_average
        average_of: loans
      - code: titles
        label: {zh-TW: 年底電子書種數, en: E-book titles at the end of the year}
        unit: {zh-TW: 種, en: titles}
        decimals: 0
        kind: stock
"""

VALUES = """\
year,measure,value,status
2018,loans,120000,
2018,monthly_average,10000,
2018,titles,8000,
2019,loans,150000,
2019,monthly_average,12500,
2019,titles,9500,
2020,loans,420000,
2020,monthly_average,35000,
2020,titles,12000,
2021,loans,516000,
2021,monthly_average,43000,
2021,titles,11000,
"""


def _narrative(tmp_path: Path, lang: str) -> dict:
    (tmp_path / "library_ebooks.yaml").write_text(META, encoding="utf-8")
    (tmp_path / "library_ebooks.csv").write_text(VALUES, encoding="utf-8")
    db = str(tmp_path / "user.duckdb")
    runner = CliRunner()
    loaded = runner.invoke(app, ["load", str(tmp_path / "library_ebooks.csv"), "--meta",
                                 str(tmp_path / "library_ebooks.yaml"), "--db", db])
    assert loaded.exit_code == 0, loaded.output
    told = runner.invoke(app, ["narrate", "library_ebooks", "--lang", lang, "--json", "--db", db])
    assert told.exit_code == 0, told.output
    (narrative,) = json.loads(told.output)
    return narrative


def test_user_table_zh(tmp_path: Path) -> None:
    narrative = _narrative(tmp_path, "zh-TW")
    texts = [s["text"] for s in narrative["sentences"]]
    assert texts == [
        "110 年借閱 51.6 萬次，每月平均 4.3 萬次，較 109 年成長 22.9%，為歷年最高。",
        "110 年底電子書 1.1 萬種，較 109 年底減少 8.3%。",
        "每月平均借閱次數由 107 年 1 萬次增至 110 年 4.3 萬次，成長 3.3 倍。",
        "每月平均借閱次數自 107 年起逐年上升。",
        "電子書種數由 107 年底 8,000 種增至 110 年底 1.1 萬種，成長 37.5%。",
        "電子書種數以 109 年底 1.2 萬種最高。",
    ]
    rules = [s["rule"] for s in narrative["sentences"]]
    assert rules == ["latest", "latest", "long_run", "trend", "long_run", "peak"]
    growth = narrative["sentences"][2]["indicators"][-1]
    assert growth["kind"] == "growth_multiple" and growth["table"] == "library_ebooks"
    assert growth["inputs"][0]["cell"] == {"year": "2021", "measure": "monthly_average"}


def test_user_table_en(tmp_path: Path) -> None:
    narrative = _narrative(tmp_path, "en")
    texts = [s["text"] for s in narrative["sentences"]]
    assert texts == [
        "In 2021, loans totalled 516,000, a monthly average of 43,000, up 22.9% from 2020 and the highest on record.",
        "At the end of 2021, E-book titles numbered 11,000, down 8.3% from the end of 2020.",
        "Monthly average loans rose from 10,000 in 2018 to 43,000 in 2021, 4.3 times the 2018 level (up 330%).",
        "Monthly average loans have risen every year since 2018.",
        "E-book titles rose from 8,000 at the end of 2018 to 11,000 at the end of 2021, up 37.5%.",
        "E-book titles peaked at 12,000 at the end of 2020.",
    ]
