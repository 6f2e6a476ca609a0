"""Loading a user's own table: encodings, and a precise error for every kind of bad input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from citystat.catalog import read_table
from citystat.model import InvalidInput, Problem, Status
from citystat.store import Store

META = """\
id: ebook_loans
subject: library
title: {zh-TW: 臺北市立圖書館電子書借閱, en: Taipei Public Library e-book loans}
sources:
  - name: {zh-TW: 臺北市立圖書館, en: Taipei Public Library}
notes:
  - text: {zh-TW: 每月平均 = 全年借閱 ÷ 服務月數。, en: Monthly average = loans / months in service.}
variables:
  - code: year
    role: time
    label: {zh-TW: 年別, en: Year}
    values: ["2019", "2020", "2021"]
  - code: branch
    role: geo
    label: {zh-TW: 分館, en: Branch}
    values:
      - {code: 中正區, label: {zh-TW: 中正區, en: Zhongzheng}}
      - {code: 大安區, label: {zh-TW: 大安區, en: Da'an}}
  - code: measure
    role: metric
    label: {zh-TW: 指標, en: Measure}
    values:
      - code: loans
        label: {zh-TW: 全年借閱冊次, en: Loans in the year}
        unit: {zh-TW: 冊次, en: loans}
        decimals: 0
        kind: flow
        service_from: 2019M07
      - code: monthly_average
        label: {zh-TW: 每月平均借閱冊次, en: Monthly average loans}
        unit: {zh-TW: 冊次, en: loans}
        decimals: 0
        kind: monthly_average
        average_of: loans
"""

ROWS = [
    ("2019", "中正區", "loans", "6001", ""),
    ("2019", "中正區", "monthly_average", "1000", ""),  # 6001 / 6 months (July-December) = 1000.17
    ("2019", "大安區", "loans", "", "-"),
    ("2019", "大安區", "monthly_average", "", "-"),
    ("2020", "中正區", "loans", "18,006", ""),
    ("2020", "中正區", "monthly_average", "1501", ""),  # 18006 / 12 = 1500.5, rounded half up
    ("2020", "大安區", "loans", "1200", "p"),
    ("2020", "大安區", "monthly_average", "100", "p"),
    ("2021", "中正區", "loans", "", ".."),
    ("2021", "中正區", "monthly_average", "", ".."),
    ("2021", "大安區", "loans", "2400", ""),
    ("2021", "大安區", "monthly_average", "200", ""),
]
HEADER = "year,branch,measure,value,status"


def _csv(rows: list[tuple[str, ...]] = ROWS, header: str = HEADER) -> str:
    def field(value: str) -> str:
        return f'"{value}"' if "," in value else value

    return header + "\n" + "".join(",".join(field(v) for v in row) + "\n" for row in rows)


def _write(tmp_path: Path, csv_text: str, meta_text: str = META, encoding: str = "utf-8") -> tuple[Path, Path]:
    data, meta = tmp_path / "ebooks.csv", tmp_path / "ebooks.yaml"
    data.write_bytes(csv_text.encode(encoding))
    meta.write_bytes(meta_text.encode(encoding))
    return data, meta


def _problems(tmp_path: Path, csv_text: str, meta_text: str = META) -> list[Problem]:
    data, meta = _write(tmp_path, csv_text, meta_text)
    with pytest.raises(InvalidInput) as caught:
        read_table(data, meta)
    return caught.value.problems


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp950", "big5"])
def test_each_encoding_loads_the_same_table(tmp_path: Path, encoding: str) -> None:
    data, meta = _write(tmp_path, _csv(), encoding=encoding)
    table = read_table(data, meta)
    assert table.cell(year="2020", branch="中正區", measure="loans").value == 18006
    assert table.meta.variable("branch").value("大安區").label.en == "Da'an"
    assert table.cell(year="2021", branch="中正區", measure="loans").status is Status.NOT_AVAILABLE
    assert table.cell(year="2020", branch="大安區", measure="loans").status is Status.PROVISIONAL


@pytest.mark.slow
def test_a_big5_table_loads_through_the_cli(tmp_path: Path) -> None:
    data, meta = _write(tmp_path, _csv(), encoding="big5")
    db = tmp_path / "db.duckdb"
    cli = [sys.executable, "-m", "citystat.cli", "--help"]
    assert subprocess.run(cli, capture_output=True).returncode == 0
    command = [sys.executable, "-m", "citystat.cli", "load", str(data), "--meta", str(meta), "--db", str(db)]
    done = subprocess.run(command, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    with Store(db, read_only=True) as store:
        table = store.read("ebook_loans").table
    assert table.cell(year="2019", branch="中正區", measure="monthly_average").value == 1000
    shown = subprocess.run([sys.executable, "-m", "citystat.cli", "show", "ebook_loans", "--db", str(db),
                            "--format", "csv"], capture_output=True, text=True)
    assert "2020,中正區,loans,18006," in shown.stdout


def _only(problems: list[Problem]) -> Problem:
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


def test_unknown_variable_value(tmp_path: Path) -> None:
    rows = list(ROWS)
    rows[6] = ("2020", "信義區", "loans", "1200", "p")
    p = _only(_problems(tmp_path, _csv(rows)))
    assert (p.code, p.file, p.row, p.column) == ("unknown_value", "ebooks.csv", 8, "branch")
    assert "'信義區' is not a value of variable 'branch'" in p.message


def test_non_numeric_cell_without_status(tmp_path: Path) -> None:
    rows = list(ROWS)
    rows[10] = ("2021", "大安區", "loans", "n/a", "")
    p = _only(_problems(tmp_path, _csv(rows)))
    assert (p.code, p.row, p.column) == ("not_a_number", 12, "value")
    assert "'n/a' is not a number" in p.message


def test_empty_cell_without_status(tmp_path: Path) -> None:
    rows = list(ROWS)
    rows[10] = ("2021", "大安區", "loans", "", "")
    p = _only(_problems(tmp_path, _csv(rows)))
    assert (p.code, p.row, p.column) == ("missing_value", 12, "value")


def test_duplicate_cell(tmp_path: Path) -> None:
    rows = [*ROWS, ROWS[4]]
    p = _only(_problems(tmp_path, _csv(rows)))
    assert (p.code, p.row) == ("duplicate_cell", 14)
    assert "already given in row 6" in p.message


def test_missing_column(tmp_path: Path) -> None:
    rows = [(y, b, v, s) for (y, b, _m, v, s) in ROWS]
    p = _only(_problems(tmp_path, _csv(rows, header="year,branch,value,status")))
    assert (p.code, p.row) == ("missing_column", 1)
    assert "'measure' is missing" in p.message


def test_unknown_column(tmp_path: Path) -> None:
    rows = [(*r, "x") for r in ROWS]
    p = _only(_problems(tmp_path, _csv(rows, header=HEADER + ",remark")))
    assert (p.code, p.column) == ("unknown_column", "remark")


def test_failed_consistency_check_names_table_cell_expected_and_found(tmp_path: Path) -> None:
    rows = list(ROWS)
    rows[5] = ("2020", "中正區", "monthly_average", "1500", "")  # 1500.5 rounds half up to 1501
    p = _only(_problems(tmp_path, _csv(rows)))
    assert (p.code, p.table, p.row) == ("average_mismatch", "ebook_loans", 7)
    assert p.cell == "year=2020, branch=中正區, measure=monthly_average"
    assert (p.expected, p.found) == ("1501", "1500")
    assert "18006 / 12 months in service" in p.message


def test_months_in_service_count_from_the_launch_month(tmp_path: Path) -> None:
    rows = list(ROWS)
    rows[1] = ("2019", "中正區", "monthly_average", "500", "")  # as if divided by 12 rather than 6
    p = _only(_problems(tmp_path, _csv(rows)))
    assert (p.code, p.expected) == ("average_mismatch", "1000")
    assert "6 months in service" in p.message


def test_unknown_status_symbol(tmp_path: Path) -> None:
    rows = list(ROWS)
    rows[0] = ("2019", "中正區", "loans", "6001", "x")
    p = _only(_problems(tmp_path, _csv(rows)))
    assert (p.code, p.row, p.column) == ("bad_status", 2, "status")


def test_number_in_a_cell_marked_as_having_none(tmp_path: Path) -> None:
    rows = list(ROWS)
    rows[2] = ("2019", "大安區", "loans", "0", "-")
    p = _only(_problems(tmp_path, _csv(rows)))
    assert (p.code, p.row) == ("value_with_missing_status", 4)


def test_missing_cell(tmp_path: Path) -> None:
    p = _only(_problems(tmp_path, _csv(ROWS[:-1])))
    assert p.code == "missing_cell"
    assert "year=2021, branch=大安區, measure=monthly_average" in p.message


def test_negative_count(tmp_path: Path) -> None:
    rows = list(ROWS)
    rows[10] = ("2021", "大安區", "loans", "-2400", "")
    rows[11] = ("2021", "大安區", "monthly_average", "-200", "")
    problems = _problems(tmp_path, _csv(rows))
    assert {p.code for p in problems} == {"negative_count"}
    assert {p.row for p in problems} == {12, 13}


def test_bytes_in_no_known_encoding(tmp_path: Path) -> None:
    data, meta = _write(tmp_path, _csv())
    data.write_bytes(data.read_bytes() + b"2021,\xff\xfe,loans,1,\n")
    with pytest.raises(InvalidInput) as caught:
        read_table(data, meta)
    p = _only(caught.value.problems)
    assert p.code == "bad_encoding"
    assert "line 14" in p.message and "not Big5/CP950" in p.message


def test_invalid_yaml(tmp_path: Path) -> None:
    p = _only(_problems(tmp_path, _csv(), META.replace("title: {zh-TW", "title: [zh-TW")))
    assert (p.code, p.file, p.row) == ("bad_yaml", "ebooks.yaml", 3)


def test_incomplete_metadata_lists_every_problem(tmp_path: Path) -> None:
    meta = META.replace("title: {zh-TW: 臺北市立圖書館電子書借閱, en: Taipei Public Library e-book loans}\n", "")
    meta = meta.replace("role: geo", "role: place").replace("kind: flow", "kind: flux")
    problems = _problems(tmp_path, _csv(), meta)
    assert {p.code for p in problems} == {"missing_field", "bad_role", "bad_measure_kind"}
    assert all(p.file == "ebooks.yaml" for p in problems)
    assert any("'title' is required" in p.message for p in problems)
    assert any("variables[1].role" in p.message and "'place'" in p.message for p in problems)


def test_bad_period_code(tmp_path: Path) -> None:
    p = _only(_problems(tmp_path, _csv(), META.replace('"2021"]', '"110"]')))
    assert p.code == "bad_period" and "'110' is not a Gregorian period code" in p.message


def test_estimate_without_a_note(tmp_path: Path) -> None:
    rows = list(ROWS)
    rows[10] = ("2021", "大安區", "loans", "2400", "e")
    p = _only(_problems(tmp_path, _csv(rows)))
    assert (p.code, p.row) == ("estimate_without_note", 12)


def test_shares_must_add_up(tmp_path: Path) -> None:
    meta = """\
id: shares
subject: test
title: {zh-TW: 占比, en: Shares}
sources: [{name: {zh-TW: 測試, en: test}}]
variables:
  - {code: year, role: time, label: {zh-TW: 年, en: Year}, values: ["2021"]}
  - code: kind
    label: {zh-TW: 類別, en: Kind}
    values:
      - {code: all, label: {zh-TW: 總計, en: All}, aggregate: true}
      - {code: a, label: {zh-TW: 甲, en: A}}
      - {code: b, label: {zh-TW: 乙, en: B}}
  - code: measure
    role: metric
    label: {zh-TW: 指標, en: Measure}
    values:
      - {code: n, label: {zh-TW: 件數, en: Count}, unit: {zh-TW: 件, en: items}, decimals: 0, kind: flow}
      - {code: share, label: {zh-TW: 占比, en: Share}, unit: "%", decimals: 1, kind: share, share_of: n}
"""
    rows = [("2021", "all", "n", "10", ""), ("2021", "all", "share", "100", ""),
            ("2021", "a", "n", "7", ""), ("2021", "a", "share", "70.0", ""),
            ("2021", "b", "n", "4", ""), ("2021", "b", "share", "45.0", "")]  # 4 / 10 is 40.0
    problems = _problems(tmp_path, _csv(rows, header="year,kind,measure,value,status"), meta)
    assert {p.code for p in problems} == {"share_mismatch", "shares_over_100"}
    over = next(p for p in problems if p.code == "shares_over_100")
    assert over.found == "115.0"
    mismatch = next(p for p in problems if p.code == "share_mismatch")
    assert (mismatch.cell, mismatch.expected, mismatch.found) == ("year=2021, kind=b, measure=share", "40.0", "45.0")


def test_every_problem_is_listed_at_once(tmp_path: Path) -> None:
    rows = list(ROWS)
    rows[0] = ("2019", "中正區", "loans", "many", "")
    rows[6] = ("2020", "信義區", "loans", "1200", "p")
    rows.append(ROWS[4])
    codes = [p.code for p in _problems(tmp_path, _csv(rows))]
    assert codes == ["not_a_number", "unknown_value", "duplicate_cell"]


def test_nothing_is_loaded_from_a_bad_file(tmp_path: Path) -> None:
    rows = list(ROWS)
    rows[5] = ("2020", "中正區", "monthly_average", "1500", "")
    data, meta = _write(tmp_path, _csv(rows))
    db = tmp_path / "db.duckdb"
    command = [sys.executable, "-m", "citystat.cli", "load", str(data), "--meta", str(meta), "--db", str(db)]
    done = subprocess.run(command, capture_output=True, text=True)
    assert done.returncode == 2
    assert "average_mismatch" in done.stderr and "row 7" in done.stderr and "nothing was loaded" in done.stderr
    with Store(db) as store:
        assert store.table_ids() == []


def test_text_cut_at_a_comma_in_a_yaml_flow_mapping(tmp_path: Path) -> None:
    meta = META.replace("en: Taipei Public Library}", "en: Taipei Public Library, Taipei City}")
    p = _only(_problems(tmp_path, _csv(), meta))
    assert (p.code, p.file) == ("bad_text", "ebooks.yaml")
    assert "sources[0].name" in p.message and "'Taipei City'" in p.message


def test_a_table_note_in_one_language_only(tmp_path: Path) -> None:
    meta = META.replace(", en: Monthly average = loans / months in service.}", "}")
    assert meta != META
    p = _only(_problems(tmp_path, _csv(), meta))
    assert (p.code, p.file) == ("missing_language", "ebooks.yaml")
    assert "notes[0].text" in p.message


def test_a_list_given_as_one_string_is_not_read_letter_by_letter(tmp_path: Path) -> None:
    meta = META.replace("sources:\n  - name: {zh-TW: 臺北市立圖書館, en: Taipei Public Library}\n",
                        "sources: 臺北市立圖書館\naliases: e-books\n")
    assert meta != META
    problems = _problems(tmp_path, _csv(), meta)
    assert [(p.code, p.file) for p in problems] == [("bad_sources", "ebooks.yaml"), ("bad_aliases", "ebooks.yaml")]
    assert "sources must be a list" in problems[0].message and "aliases must be a list" in problems[1].message


def test_flags_are_true_or_false_not_strings(tmp_path: Path) -> None:
    from citystat.model import InvalidInput, meta_from_dict

    raw = {
        "id": "flags", "subject": "test", "title": {"zh-TW": "旗標", "en": "Flags"},
        "sources": [{"name": {"zh-TW": "測試", "en": "Test"}}],
        "variables": [
            {"code": "year", "role": "time", "label": {"zh-TW": "年別", "en": "Year"}, "values": ["2021"]},
            {"code": "area", "role": "geo", "label": {"zh-TW": "地區", "en": "Area"}, "values": [
                {"code": "all", "label": {"zh-TW": "總計", "en": "All"}, "aggregate": "no"},
                {"code": "north", "label": {"zh-TW": "北區", "en": "North"}, "highlight": "yes"}]},
            {"code": "measure", "role": "metric", "label": {"zh-TW": "指標", "en": "Measure"}, "values": [
                {"code": "uses", "label": {"zh-TW": "次數", "en": "Uses"}, "unit": {"zh-TW": "次", "en": "uses"},
                 "decimals": 0, "kind": "flow"}]},
        ],
    }
    with pytest.raises(InvalidInput) as refused:
        meta_from_dict(raw)
    found = [str(p) for p in refused.value.problems]
    assert [p.code for p in refused.value.problems] == ["bad_flag", "bad_flag"]
    assert "variables[1].values[0].aggregate: a flag must be true or false (expected true or false, found 'no')" \
        in found[0]
    assert "variables[1].values[1].highlight: a flag must be true or false (expected true or false, found 'yes')" \
        in found[1]
