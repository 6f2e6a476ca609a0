"""The PxWeb API read by real clients nobody here wrote: pxwebpy, jsonstat-validator and pyaxis.

Each runs against `citystat serve` on 127.0.0.1, and every number it reads must equal the store's.
"""

from __future__ import annotations

import logging
import math
from decimal import Decimal

import httpx
import pandas as pd
import pytest
from jsonstat_validator import validate_jsonstat
from pxweb import PxApi
from pyaxis import pyaxis

from citystat.formats.display import value_label
from citystat.model import Status
from citystat.store import Store, StoredTable

logging.getLogger("pyaxis").setLevel(logging.WARNING)


@pytest.fixture(scope="module")
def stored(built_db) -> dict[str, StoredTable]:
    with Store(built_db, read_only=True) as store:
        return {s.table.id: s for s in store.latest()}


def whole_table(stored_table: StoredTable) -> dict[str, str]:
    return {f"valueCodes[{v.code}]": "*" for v in stored_table.meta.variables}


def expected_number(stored_table: StoredTable, key: tuple[str, ...]) -> float | None:
    cell = stored_table.table.get(key)
    return None if cell.value is None else float(cell.value)


# -- pxwebpy -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("language", ["en", "zh-TW"])
def test_pxwebpy_lists_tables_reads_metadata_and_variables(api_server, stored, language):
    api = PxApi(api_server.api, language=language, disable_cache=True)
    assert api.number_of_tables == len(stored)
    listed = api.all_tables()
    assert sorted(t["id"] for t in listed) == sorted(stored)
    for entry in listed:
        meta = stored[entry["id"]].meta
        assert entry["label"] == meta.title.get(language)
        assert entry["variableNames"] == [v.label.get(language) for v in meta.variables]
        metadata = api.get_table_metadata(meta.id)
        assert metadata["label"] == meta.title.get(language)
        assert metadata["value"] == []
        variables = api.get_table_variables(meta.id)
        assert list(variables) == [v.code for v in meta.variables]
        for variable in meta.variables:
            labels = variables[variable.code]["category"]["label"]
            assert list(labels) == list(variable.codes)
            assert list(labels.values()) == [value_label(meta, variable, v, language) for v in variable.values]


def test_pxwebpy_fetches_every_table_into_a_dataframe_equal_to_the_store(api_server, stored):
    api = PxApi(api_server.api, language="en", disable_cache=True)
    for table_id, stored_table in stored.items():
        meta = stored_table.meta
        frame = pd.DataFrame(api.get_table_data_all(table_id, show="code"))
        columns = [v.label.en for v in meta.variables]
        assert list(frame.columns) == [*columns, "value"]
        assert len(frame) == len(stored_table.table.cells)
        for row in frame.to_dict("records"):
            key = tuple(row[c] for c in columns)
            expected = expected_number(stored_table, key)
            got = row["value"]
            if expected is None:
                assert got is None or (isinstance(got, float) and math.isnan(got)), (table_id, key, got)
            else:
                assert got == pytest.approx(expected, abs=0), (table_id, key, got)


def test_pxwebpy_selection_with_expressions_and_labels_in_chinese(api_server, stored):
    api = PxApi(api_server.api, language="zh-TW", disable_cache=True)
    stored_table = stored["taipei_free_usage"]
    meta = stored_table.meta
    rows = api.get_table_data("taipei_free_usage", value_codes={"year": ["TOP(2)"], "measure": ["total"]})
    latest = sorted(meta.time.codes)[-2:]
    year_label, measure_label = meta.time.label.zh, meta.metric.label.zh
    assert [r[year_label] for r in rows] == [value_label(meta, meta.time, meta.time.value(c), "zh-TW") for c in latest]
    assert {r[measure_label] for r in rows} == {meta.metric.value("total").label.zh}
    assert [r["value"] for r in rows] == [expected_number(stored_table, (c, "total")) for c in latest]


# -- jsonstat-validator ------------------------------------------------------------------------------

@pytest.mark.parametrize("language", ["zh-TW", "en"])
def test_jsonstat_validator_accepts_metadata_and_data_of_every_table(api_server, stored, language):
    with httpx.Client(base_url=api_server.api, timeout=30) as client:
        for table_id, stored_table in stored.items():
            metadata = client.get(f"/tables/{table_id}/metadata", params={"lang": language})
            assert metadata.status_code == 200
            assert validate_jsonstat(metadata.json())
            answer = client.get(f"/tables/{table_id}/data", params={"lang": language, **whole_table(stored_table)})
            assert answer.status_code == 200
            dataset = answer.json()
            assert validate_jsonstat(dataset)
            assert len(dataset["value"]) == len(stored_table.table.cells)


# -- pyaxis --------------------------------------------------------------------------------------------

def _codes_by_label(metadata: dict, variable_label: str) -> dict[str, str]:
    return dict(zip(metadata[f"VALUES({variable_label})"], metadata[f"CODES({variable_label})"], strict=True))


@pytest.mark.parametrize("answer_language,read_language", [("zh-TW", "zh"), ("zh-TW", "en"), ("en", "en"),
                                                           ("en", "zh")])
def test_pyaxis_parses_the_px_answer_of_every_table_back_to_the_same_values(
    api_server, stored, answer_language, read_language
):
    for table_id, stored_table in stored.items():
        meta = stored_table.meta
        query = httpx.QueryParams({"lang": answer_language, "outputFormat": "px", **whole_table(stored_table)})
        parsed = pyaxis.parse(f"{api_server.api}/tables/{table_id}/data?{query}", encoding="utf-8",
                              lang=read_language)
        metadata, frame = parsed["METADATA"], parsed["DATA"]
        lang = "zh-TW" if read_language == "zh" else "en"
        labels = [v.label.get(lang) for v in meta.variables]
        assert sorted(frame.columns) == sorted([*labels, "DATA"])
        assert metadata["LANGUAGES"] == (["zh", "en"] if answer_language == "zh-TW" else ["en", "zh"])
        codes = {label: _codes_by_label(metadata, label) for label in labels}
        assert len(frame) == len(stored_table.table.cells)
        seen = set()
        for record in frame.to_dict("records"):
            key = tuple(codes[label][record[label]] for label in labels)
            seen.add(key)
            cell = stored_table.table.get(key)
            got = record["DATA"]
            if cell.status is Status.NOT_AVAILABLE:
                assert isinstance(got, float) and math.isnan(got), (table_id, key, got)
            elif cell.status is Status.NIL:
                assert got == '"-"', (table_id, key, got)
            else:
                assert Decimal(got) == cell.value, (table_id, key, got)
        assert seen == set(stored_table.table.cells)
