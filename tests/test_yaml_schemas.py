"""The YAML files citystat reads (table files, aggregation definitions, the city) against their declared schemas,
through the public loaders: every problem names the file, the line, the field and what was expected and found,
in the project's words, and every problem of a file is reported at once."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from citystat.aggregate import load_definitions
from citystat.catalog import CATALOG_DIR, parse_meta, read_city
from citystat.model import InvalidInput, Problem

from .test_table_files import META

DEFINITION = """\
# a definition with comments, as the bundled ones
table: taipei_free_usage
calendar: {time_zone: Asia/Taipei, period: year}
measures:
  total: {measure: count, stream: wifi.sessions, service_from: 2011M08}
  monthly_average: {measure: average_per_month_in_service, of: total}
"""


def meta_problems(text: str) -> list[Problem]:
    with pytest.raises(InvalidInput) as caught:
        parse_meta(text, name="ebooks.yaml")
    return caught.value.problems


def definition_problems(tmp_path: Path, text: str) -> list[Problem]:
    (tmp_path / "wifi.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        load_definitions(tmp_path)
    return caught.value.problems


def line_of(text: str, fragment: str) -> int:
    """The 1-based line of the only line holding ``fragment``."""
    [line] = [i for i, line in enumerate(text.splitlines(), 1) if fragment in line]
    return line


def no_pydantic_wording(problems: list[Problem]) -> None:
    for p in problems:
        text = str(p)
        assert "Input should" not in text and "pydantic" not in text.lower() and "Field required" not in text, text


def test_a_wrong_type_names_file_line_field_and_expectation() -> None:
    meta = META.replace("decimals: 0\n        kind: flow", "decimals: zero\n        kind: flow")
    [p] = meta_problems(meta)
    assert (p.code, p.file, p.row) == ("bad_decimals", "ebooks.yaml", line_of(meta, "decimals: zero"))
    assert p.message.startswith("variables[2].values[0].decimals: ")
    assert (p.expected, p.found) == ("a whole number", "'zero'")
    no_pydantic_wording([p])


def test_a_missing_field_is_placed_at_the_mapping_that_lacks_it() -> None:
    meta = META.replace("    label: {zh-TW: 分館, en: Branch}\n", "")
    [p] = meta_problems(meta)
    assert (p.code, p.row) == ("missing_field", line_of(meta, "- code: branch"))
    assert p.message == "variables[1]: the field 'label' is required"
    assert (p.expected, p.found) == ("a value for 'label'", "nothing")


def test_an_unknown_field_is_refused_with_the_fields_it_could_be() -> None:
    meta = META.replace("        kind: flow\n", "        kind: flow\n        unti: {zh-TW: 冊, en: books}\n")
    [p] = meta_problems(meta)
    assert (p.code, p.row) == ("unknown_field", line_of(meta, "unti:"))
    assert p.message == "variables[2].values[0].unti: unknown field 'unti'; did you mean 'unit'?"
    assert p.expected is not None and "unit" in p.expected and "service_from" in p.expected
    top = meta_problems(META + "licence: CC-BY\n")
    assert [(q.code, q.message, q.row) for q in top] == [
        ("unknown_field", "licence: unknown field 'licence'", len(META.splitlines()) + 1)]


def test_service_from_is_one_type_in_table_files_and_definitions(tmp_path: Path) -> None:
    meta = META.replace("service_from: 2019M07", "service_from: 2019M13")
    [in_table] = meta_problems(meta)
    [in_definition] = definition_problems(tmp_path, DEFINITION.replace("2011M08", "2011M13"))
    for p, file, line in ((in_table, "ebooks.yaml", line_of(meta, "2019M13")), (in_definition, "wifi.yaml", 5)):
        assert (p.code, p.file, p.row) == ("bad_period", file, line)
        assert "month 13 is not 01-12" in p.message
        assert p.expected == "a period code: 2021, 2021M06 or 2021-06-30"
    assert in_table.message.startswith("variables[2].values[0].service_from: ")
    assert in_definition.message.startswith("measures.total.service_from: ")
    assert (in_table.found, in_definition.found) == ("'2019M13'", "'2011M13'")


def test_several_problems_in_one_table_file_are_reported_together() -> None:
    meta = (META.replace("title: {zh-TW: 臺北市立圖書館電子書借閱, en: Taipei Public Library e-book loans}\n", "")
            .replace("role: geo", "role: place")
            .replace("decimals: 0\n        kind: flow", "decimals: 0.5\n        kind: flow")
            .replace("average_of: loans", "average_of: loans\n        aggregate: \"yes\""))
    problems = meta_problems(meta)
    assert [(p.code, p.row) for p in problems] == [
        ("missing_field", 1),
        ("bad_role", line_of(meta, "role: place")),
        ("bad_decimals", line_of(meta, "decimals: 0.5")),
        ("bad_flag", line_of(meta, "aggregate: \"yes\"")),
    ]
    assert [p.message.partition(":")[0] for p in problems[1:]] == [
        "variables[1].role", "variables[2].values[0].decimals", "variables[2].values[1].aggregate"]
    assert problems[1].found == "'place'" and problems[1].expected == "one of time, geo, metric, category"
    assert all(p.file == "ebooks.yaml" and p.expected and p.found for p in problems)
    no_pydantic_wording(problems)


def test_checks_across_variables_still_run_beside_a_wrong_variable() -> None:
    meta = (META.replace("role: geo", "role: place")
            .replace("average_of: loans", "average_of: lones")
            .replace('values: ["2019", "2020", "2021"]', 'values: ["2019", "2020M01", "2021"]'))
    problems = meta_problems(meta)
    assert sorted(p.code for p in problems) == ["bad_role", "mixed_frequencies", "unknown_measure_reference"]
    reference = next(p for p in problems if p.code == "unknown_measure_reference")
    assert reference.message.startswith("variables[2].values[1].average_of: ")
    assert reference.row == line_of(meta, "average_of: lones")
    assert (reference.expected, reference.found) == ("one of loans, monthly_average", "'lones'")


def test_the_strict_rules_stay() -> None:
    cases = {
        "id: ebook_loans": ("id: Ebook-Loans", "bad_table_id"),
        "  - code: branch": ("  - code: value", "reserved_code"),
        "en: Branch}": ("en: Branch, Main}", "bad_text"),
        '"2020", "2021"]': ('"２０２０", "2021"]', "bad_period"),
    }
    for old, (new, code) in cases.items():
        assert old in META
        problems = meta_problems(META.replace(old, new, 1))
        assert [p.code for p in problems] == [code], (new, [str(p) for p in problems])
        assert problems[0].row == line_of(META, old.strip())
    [repeated] = meta_problems(META + "id: other\n")
    assert repeated.code == "duplicate_key" and repeated.row == len(META.splitlines()) + 1


def test_definition_problems_name_file_line_field_and_expectation(tmp_path: Path) -> None:
    text = (DEFINITION.replace("period: year", "period: week")
            .replace("stream: wifi.sessions,", "stream: wifi.sessions, colum: x,")
            .replace("{measure: average_per_month_in_service, of: total}",
                     "{measure: average_per_month_in_service, of: totals}"))
    problems = definition_problems(tmp_path, text)
    assert [(p.code, p.file, p.row, p.message.partition(":")[0]) for p in problems] == [
        ("bad_calendar", "wifi.yaml", 3, "calendar.period"),
        ("unknown_field", "wifi.yaml", 5, "measures.total.colum"),
    ]
    assert problems[0].expected == "one of year, month" and problems[0].found == "'week'"
    assert "did you mean 'column'?" in problems[1].message
    # once the measures are right, the reference between them is checked, with its line
    problems = definition_problems(tmp_path, text.replace("period: week", "period: year").replace("colum: x,", ""))
    assert [(p.code, p.row, p.message) for p in problems] == [
        ("unknown_measure", 6, "measures.monthly_average.of: no measure 'totals' in this definition")]
    no_pydantic_wording(problems)


def test_a_definition_missing_its_measures_and_with_a_wrong_type(tmp_path: Path) -> None:
    problems = definition_problems(tmp_path, "table: taipei_free_usage\ncalendar: [year]\n")
    assert [(p.code, p.row, p.message, p.expected, p.found) for p in problems] == [
        ("bad_calendar", 2, "calendar: must be a mapping", "a mapping", "a list"),
        ("missing_field", 1, "the field 'measures' is required", "a value for 'measures'", "nothing"),
    ]


def test_definitions_are_read_by_the_safe_loader(tmp_path: Path) -> None:
    [repeated] = definition_problems(tmp_path, DEFINITION + "table: cooc_cloud\n")
    assert (repeated.code, repeated.file, repeated.row) == ("duplicate_key", "wifi.yaml", 7)
    assert "lines 2 and 7" in repeated.message
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"b{i}: &b{i} [" + ", ".join([f"*{'a' if i == 0 else f'b{i - 1}'}"] * 9) + "]\n" for i in range(8))
    [limit] = definition_problems(tmp_path, bomb + DEFINITION)
    assert limit.code == "limit_exceeded" and "yaml_nodes" in limit.message


def test_the_bundled_definitions_and_city_read_cleanly() -> None:
    assert len(load_definitions()) >= 9
    city = read_city(CATALOG_DIR)
    assert city.districts and city.subjects


def test_city_and_subject_problems_each_name_their_own_file(tmp_path: Path) -> None:
    catalog = tmp_path / "catalog"
    catalog.mkdir()
    city = (CATALOG_DIR / "city.yaml").read_text(encoding="utf-8")
    subjects = (CATALOG_DIR / "subjects.yaml").read_text(encoding="utf-8")
    (catalog / "city.yaml").write_text(city.replace("time_zone: Asia/Taipei", "time_zone: Asia/Nowhere")
                                       .replace("postal_code: \"105\"", "postal_code: [105]"), encoding="utf-8")
    (catalog / "subjects.yaml").write_text(subjects.replace("- code: wifi\n  name:", "- code: wifi\n  nmae:", 1),
                                           encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        read_city(catalog)
    found = [(Path(p.file or "").name, p.code, p.row, p.message.partition(":")[0]) for p in caught.value.problems]
    assert found == [
        ("city.yaml", "bad_time_zone", line_of(city, "time_zone:"), "time_zone"),
        ("city.yaml", "bad_code", line_of(city, 'postal_code: "105"'), "districts[0].postal_code"),
        ("subjects.yaml", "missing_field", line_of(subjects, "- code: wifi"), "[1]"),
        ("subjects.yaml", "unknown_field", line_of(subjects, "- code: wifi") + 1, "[1].nmae"),
    ]
    assert caught.value.problems[0].expected == "an IANA time zone such as Europe/Paris"
    no_pydantic_wording(caught.value.problems)


def test_a_catalog_whose_city_file_is_valid_reads_as_before(tmp_path: Path) -> None:
    catalog = tmp_path / "catalog"
    shutil.copytree(CATALOG_DIR, catalog, ignore=shutil.ignore_patterns("tables", "__pycache__", "*.py"))
    assert read_city(catalog) == read_city(CATALOG_DIR)


def test_the_simulators_assumptions_are_checked(tmp_path: Path) -> None:
    from citystat.simulate.assumptions import ASSUMPTIONS_FILE, read_assumptions

    text = ASSUMPTIONS_FILE.read_text(encoding="utf-8")
    assert read_assumptions(ASSUMPTIONS_FILE).pay_taipei.taxes_bills_share == Decimal("0.01")
    broken = (text.replace('retirement_rate: "0.02"', 'retirement_rate: "2"')
              .replace('"2021-07-26"', '"2021-07-32"').replace("holiday_country: TW", "holiday_county: TW"))
    (tmp_path / "assumptions.yaml").write_text(broken, encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        read_assumptions(tmp_path / "assumptions.yaml")
    found = [(p.code, p.row, p.message.partition(":")[0], p.found) for p in caught.value.problems]
    assert found == [
        ("bad_number", line_of(broken, "retirement_rate"), "ledgers.retirement_rate", "2"),
        ("bad_date", line_of(broken, "alert_2021"), "episodes.alert_2021[1]", "'2021-07-32'"),
        ("missing_field", line_of(broken, "pay_taipei:"), "the field 'holiday_country' is required", "nothing"),
        ("unknown_field", line_of(broken, "holiday_county"), "holiday_county", "'holiday_county'"),
    ]


def test_a_mapping_or_list_left_empty_in_yaml_is_empty(tmp_path: Path) -> None:
    text = ("table: taipei_free_usage\ncalendar:\nmeasures:\n"
            "  total: {measure: count, stream: wifi.sessions, filter: }\n"
            "  monthly_average: {measure: average_per_month_in_service, of: total}\n")
    (tmp_path / "wifi.yaml").write_text(text, encoding="utf-8")
    [definition] = load_definitions(tmp_path)
    assert definition.calendar.period.value == "year" and definition.measures[0].aggregate is not None
    assert definition.measures[0].aggregate.filter == ()
    note = META[META.index("notes:\n"):META.index("variables:")]
    meta = parse_meta(META.replace(note, "notes:\naliases:\n"), name="ebooks.yaml")
    assert meta.notes == () and meta.aliases == ()
