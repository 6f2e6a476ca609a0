"""Attacks and careless input, each through `citystat load` and through the admin API of a real server.

Every case must end with a precise message (the problem code or the limit it names), exit 2 or an HTTP 4xx,
nothing loaded, output of at most 100 KB, and the server answering /api/v2/config within 100 ms during the
load and after it. The CLI runs under an address-space cap and a time limit and its peak memory is read
back (VmHWM, which each command reports as it exits); the server runs under an address-space cap (prlimit) that
its load processes inherit.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pytest
import yaml

from citystat.store import Store

from .conftest import REPO, RunningServer

# about a hundred commands under memory caps and real servers under attack: a minute and more, out of the fast lane
pytestmark = pytest.mark.slow

TOKEN = "hostile-input-token"
CLI_ADDRESS_SPACE = 3 << 30  # DuckDB alone reserves ~1 GB of address space; resident memory is checked apart
SERVER_ADDRESS_SPACE = 8 << 30
CLI_SECONDS = 20
PEAK_RSS_MB = 200
OUTPUT_BYTES = 100_000
CONFIG_MS = 100
STALL_MS = 500
REQUEST_BYTES = 100_000_000
RELEASE_CELLS = 2  # the hostile server reads no earlier release of more cells (the limit release_cells)

BASE: dict[str, Any] = {
    "id": "hostile",
    "subject": "taipeipass",
    "title": {"zh-TW": "測試表", "en": "A test table"},
    "sources": [{"name": {"zh-TW": "測試", "en": "Test"}}],
    "variables": [
        {"code": "year", "role": "time", "label": {"zh-TW": "年別", "en": "Year"}, "values": ["2020", "2021"]},
        {"code": "measure", "role": "metric", "label": {"zh-TW": "指標", "en": "Measure"},
         "values": [{"code": "n", "label": {"zh-TW": "數量", "en": "Number"}, "unit": {"zh-TW": "件", "en": "items"},
                     "decimals": 0, "kind": "flow"}]},
    ],
}
VALUES = "year,measure,value,status\n2020,n,1,\n2021,n,2,\n"


def meta(**changes: Any) -> str:
    return yaml.safe_dump({**BASE, **changes}, allow_unicode=True, sort_keys=False)


def with_variable(variable: dict[str, Any]) -> str:
    return meta(variables=[*BASE["variables"], variable])


def billion_laughs() -> str:
    lines = ['l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"l{i}: &l{i} [" + ",".join([f"*l{i - 1}"] * 9) + "]" for i in range(1, 10)]
    return "\n".join(lines) + "\n" + meta().replace("title:", "old_title:", 1) + "title: *l9\n"


def declared_cells() -> str:  # 1.1e9 cells declared in a few KB
    variables = list(BASE["variables"])
    variables += [{"code": f"v{k}", "label": "v", "values": [{"code": f"c{i}", "label": "c"} for i in range(1050)]}
                  for k in range(3)]
    return meta(variables=variables)


@dataclass
class Case:
    name: str
    meta: str | bytes
    values: str | bytes = VALUES
    expect: str = ""  # in the message
    cli: bool = True
    api: bool = True
    slow: bool = False
    api_meta: Any = None  # sent as JSON instead of the YAML text
    api_body: bytes | None = None  # sent as the raw request body


def duplicate_rows(count: int) -> str:
    return "year,measure,value,status\n" + "2020,n,1,\n" * count


def _cases() -> list[Case]:
    wide_header = "year,measure,value,status," + ",".join(f"x{i}" for i in range(50_000)) + "\n"
    return [
        # the cases of the issue
        Case("billion_laughs", billion_laughs(), expect="yaml_nodes"),
        Case("declared_1e9_cells", declared_cells(), expect="table_cells"),
        Case("nested_50000_deep", meta() + "extra: " + "[" * 50_000 + "]" * 50_000 + "\n", expect="yaml_depth"),
        Case("csv_field_200kb", meta(), "year,measure,value,status\n2020,n," + "9" * 200_000 + ",\n",
             expect="field_chars"),
        Case("lone_surrogate_label", meta().replace("en: A test table", 'en: "\\ud800 test"'),
             expect="lone surrogate"),
        Case("duplicate_rows_2_5m", meta(), duplicate_rows(2_500_000), expect="duplicate_cell", slow=True),
        Case("id_dotdot", meta(id="../../leak_probe"), expect="bad_table_id"),
        Case("id_empty", meta(id=""), expect="bad_table_id"),
        Case("id_url_characters", meta(id="a/b?c#d"), expect="bad_table_id"),
        Case("id_newline", meta(id="table\nid"), expect="bad_table_id"),
        Case("id_markup", meta(id="<script>alert(1)</script>"), expect="bad_table_id"),
        Case("fullwidth_digits", meta(), "year,measure,value,status\n2020,n,１２３,\n2021,n,2,\n",
             expect="digits other than ASCII"),
        Case("arabic_indic_digits", meta(), "year,measure,value,status\n2020,n,١٢٣,\n2021,n,2,\n",
             expect="digits other than ASCII"),
        Case("fullwidth_period", with_variable({"code": "x", "label": "x", "values": ["a"]}).replace(
            '- \'2021\'', "- '２０１２'"), expect="'2012'"),
        Case("month_among_years", meta(variables=[{**BASE["variables"][0], "values": ["2020", "2021M06"]},
                                                  BASE["variables"][1]]), expect="mixed_frequencies"),
        Case("duplicate_key_id", meta() + "id: other\n", expect="duplicate_key"),
        Case("recursive_title", meta().replace("title:", "old_title:", 1) + "title: &t [*t]\n",
             expect="yaml_aliases"),
        Case("variable_named_value", with_variable({"code": "value", "label": "v", "values": ["a"]}),
             expect="reserved_code"),
        # our own
        Case("variable_named_status", with_variable({"code": "status", "label": "s", "values": ["a"]}),
             expect="reserved_code"),
        Case("alias_budget", "a: &a x\n" + "".join(f"b{i}: *a\n" for i in range(1001)) + meta(),
             expect="yaml_aliases"),
        Case("nodes_flat_list", meta() + "extra: [" + ",".join(["1"] * 250_000) + "]\n", expect="yaml_nodes"),
        Case("meta_over_1mb", meta() + "# " + "x" * 1_100_000 + "\n", expect="meta_bytes"),
        Case("yaml_int_5000_digits", meta().replace("decimals: 0", "decimals: " + "9" * 5000),
             expect="field_chars"),
        Case("yaml_python_tag", meta() + "x: !!python/object/apply:os.system ['echo hacked']\n",
             expect="bad_yaml"),
        Case("title_as_list", meta(title=["a", "b"]), expect="bad_text"),
        Case("title_nested_mapping", meta(title={"zh-TW": {"a": 1}, "en": "x"}), expect="must be a string"),
        Case("nul_in_title", meta(title={"zh-TW": "a\x00b", "en": "x"}), expect="NUL"),
        Case("code_with_spaces", with_variable({"code": " x ", "label": "x", "values": ["a"]}), expect="bad_code"),
        Case("empty_value_code", with_variable({"code": "x", "label": "x", "values": [""]}), expect="bad_code"),
        Case("csv_nul_byte", meta(), "year,measure,value,status\n2020,n,1\x00,\n", expect="not_a_number"),
        Case("unterminated_quote", meta(), 'year,measure,value,status\n2020,n,"1' + "x" * 150_000 + "\n",
             expect="field_chars"),
        Case("header_50000_columns", meta(), wide_header, expect="more_problems"),
        Case("value_nan", meta(), "year,measure,value,status\n2020,n,NaN,\n2021,n,Infinity,\n",
             expect="not_a_number"),
        Case("value_exponent", meta(), "year,measure,value,status\n2020,n,1e5,\n2021,n,2,\n", expect="not_a_number"),
        Case("value_too_large_to_store", meta(), "year,measure,value,status\n2020,n," + "9" * 60 + ",\n2021,n,2,\n",
             expect="value_not_storable"),
        Case("id_65_characters", meta(id="a" * 65), expect="bad_table_id"),
        Case("mixed_year_and_day", meta(variables=[{**BASE["variables"][0], "values": ["2020", "2021-06-30"]},
                                                   BASE["variables"][1]]), expect="mixed_frequencies"),
        Case("title_5000_characters", meta(title={"zh-TW": "長" * 5000, "en": "x"}), expect="field_chars"),
        Case("rows_of_wrong_length", meta(), "year,measure,value,status\n" + "2020,n\n" * 20_000,
             expect="problems_read"),
        Case("not_utf8_nor_big5", meta(), b"year,measure,value,status\n2020,n,\x80\xff\xfe,\n", expect="bad_encoding",
             api=False),
        Case("json_meta_50000_deep", meta(), cli=False, expect="invalid-request",
             api_body=b'{"meta": ' + b"[" * 50_000 + b"]" * 50_000 + b', "values": ""}'),
        Case("body_not_json", meta(), cli=False, api_body=b"\x00\xff not json", expect="invalid-request"),
        Case("json_meta_with_dict_title", meta(), cli=False,
             api_meta={**BASE, "title": {"zh-TW": {"x": "y"}, "en": "z"}}, expect="must be a string"),
        Case("cell_note_on_unknown_cell", meta(cell_notes=[{"cell": {"year": "1999", "measure": "n"},
                                                            "text": "x"}]), expect="unknown_value"),
    ]


CASES = _cases()


def _params(kind: str) -> list[Any]:
    return [pytest.param(c, id=c.name, marks=[pytest.mark.slow] if c.slow else [])
            for c in CASES if getattr(c, kind)]


# -- the CLI ------------------------------------------------------------------------------------------------


@dataclass
class Finished:
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    peak_mb: float


def _cap(address_space: int) -> Any:
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
    return apply


# The command reports its own peak resident memory (VmHWM) as it exits. wait4's ru_maxrss would not do: a child
# forked from this test process starts with this process's high-water mark, which exec does not reset, so late in
# a long run every child would seem to use what pytest itself holds.
_REPORTS_ITS_PEAK = (
    "import atexit, os\n"
    "def _peak():\n"
    "    with open('/proc/self/status') as status:\n"
    "        kb = next(line.split()[1] for line in status if line.startswith('VmHWM'))\n"
    "    with open(os.environ['CITYSTAT_TEST_PEAK_FILE'], 'w') as out:\n"
    "        out.write(kb)\n"
    "atexit.register(_peak)\n"
    "from citystat.cli import main\n"
    "main()\n"
)


def run_cli(*args: str, timeout: float = CLI_SECONDS) -> Finished:
    peak_file = Path(tempfile.mkstemp(prefix="citystat-peak-")[1])
    environment = {**os.environ, "PYTHONPATH": str(REPO / "src"), "CITYSTAT_TEST_PEAK_FILE": str(peak_file)}
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, "-c", _REPORTS_ITS_PEAK, *args],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environment,
                               preexec_fn=_cap(CLI_ADDRESS_SPACE))
    timer = threading.Timer(timeout, process.kill)
    timer.start()
    out, err = b"", b""
    try:
        out, err = process.stdout.read(), process.stderr.read()  # type: ignore[union-attr]
        status = process.wait()
    finally:
        timer.cancel()
    reported = peak_file.read_text().strip()
    peak_file.unlink(missing_ok=True)
    peak_mb = int(reported) / 1024 if reported else float("inf")  # no report: killed before it could say
    return Finished(status, out.decode(errors="replace"), err.decode(errors="replace"),
                    time.monotonic() - started, peak_mb)


def releases_in(db: Path) -> dict[str, int]:
    with Store(db, read_only=True) as store:
        return {table_id: len(store.releases(table_id)) for table_id in store.table_ids()}


@pytest.fixture(scope="module")
def cli_db(built_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("hostile_cli") / "citystat.duckdb"
    shutil.copy(built_db, db)
    return db


def write_case(case: Case, folder: Path) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    meta_path, values_path = folder / "meta.yaml", folder / "values.csv"
    for path, content in ((meta_path, case.meta), (values_path, case.values)):
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8", "surrogatepass"))
    return meta_path, values_path


@pytest.mark.parametrize("case", _params("cli"))
def test_the_cli_refuses(case: Case, cli_db: Path, tmp_path: Path) -> None:
    before = releases_in(cli_db)
    meta_path, values_path = write_case(case, tmp_path)
    done = run_cli("load", str(values_path), "--meta", str(meta_path), "--db", str(cli_db))
    output = done.stdout + done.stderr
    assert done.returncode == 2, output[-3000:]
    assert case.expect in " ".join(output.split()), output[-3000:]  # rich wraps lines at 80 columns
    assert "Traceback" not in output
    assert len(output.encode()) <= OUTPUT_BYTES
    assert done.peak_mb <= PEAK_RSS_MB, f"peak {done.peak_mb:.0f} MB"
    assert done.seconds <= (10 if case.slow else CLI_SECONDS)
    assert releases_in(cli_db) == before


# -- the admin API ------------------------------------------------------------------------------------------


class ConfigProbe:
    """Asks /config every 20 ms from a thread of its own and keeps the answer times."""

    def __init__(self, api: str):
        self.api = api
        self.seconds: list[float] = []
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with httpx.Client(timeout=5) as client:
            while not self._stop.is_set():
                started = time.perf_counter()
                try:
                    answer = client.get(self.api + "/config")
                    if answer.status_code != 200:
                        self.failures.append(str(answer.status_code))
                except httpx.HTTPError as exc:
                    self.failures.append(repr(exc))
                self.seconds.append(time.perf_counter() - started)
                self._stop.wait(0.02)

    def __enter__(self) -> ConfigProbe:
        self._thread.start()
        while not self.seconds and self._thread.is_alive():  # one answer before the load starts
            time.sleep(0.005)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


@pytest.fixture(scope="module")
def hostile_server(built_db: Path, tmp_path_factory: pytest.TempPathFactory,
                   serve_database: Any) -> Iterator[RunningServer]:
    db = tmp_path_factory.mktemp("hostile_api") / "citystat.duckdb"
    shutil.copy(built_db, db)
    server: RunningServer = serve_database(db, env={"CITYSTAT_ADMIN_TOKEN": TOKEN,
                                                    "CITYSTAT_LIMIT_REQUEST_BYTES": str(REQUEST_BYTES),
                                                    "CITYSTAT_LIMIT_RELEASE_CELLS": str(RELEASE_CELLS)})
    resource.prlimit(server.process.pid, resource.RLIMIT_AS, (SERVER_ADDRESS_SPACE, SERVER_ADDRESS_SPACE))
    yield server


@pytest.fixture(scope="module")
def admin(hostile_server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=hostile_server.api, timeout=60,
                      headers={"Authorization": f"Bearer {TOKEN}"}) as client:
        yield client


def release_counts(admin: httpx.Client) -> dict[str, int]:
    answer = admin.get("/admin/releases")
    assert answer.status_code == 200
    return {t["id"]: len(t["releases"]) for t in answer.json()["tables"]}


_CONFIG_CLIENT = httpx.Client(timeout=5)


def config_ms(api: str) -> float:
    """The quickest of three answers of /config, on a kept connection (one slow answer can be this busy
    machine's scheduler, not the server)."""
    times = []
    for _ in range(3):
        started = time.perf_counter()
        assert _CONFIG_CLIENT.get(api + "/config").status_code == 200
        times.append((time.perf_counter() - started) * 1000)
    return min(times)


def body_of(case: Case) -> bytes:
    if case.api_body is not None:
        return case.api_body
    meta_text = case.meta.decode() if isinstance(case.meta, bytes) else case.meta
    values = case.values.decode() if isinstance(case.values, bytes) else case.values
    return json.dumps({"meta": case.api_meta if case.api_meta is not None else meta_text,
                       "values": values}).encode()


@pytest.mark.parametrize("case", _params("api"))
def test_the_admin_api_refuses(case: Case, admin: httpx.Client, hostile_server: RunningServer) -> None:
    before = release_counts(admin)
    body = body_of(case)  # encoded before the probe starts: the probe times the server, not this process
    config_ms(hostile_server.api)  # warm
    with ConfigProbe(hostile_server.api) as probe:
        started = time.perf_counter()
        answer = admin.post("/admin/tables", content=body, headers={"Content-Type": "application/json"})
        seconds = time.perf_counter() - started
    assert 400 <= answer.status_code < 500, answer.text[:3000]
    assert answer.headers["content-type"] == "application/problem+json"
    assert case.expect in answer.text, answer.text[:3000]
    assert len(answer.content) <= OUTPUT_BYTES
    assert seconds <= 10
    assert not probe.failures
    # readers are never starved: the 90th percentile (nearest rank below: with few samples not the maximum) within
    # 100 ms, none held up (the probe shares 2 busy cores)
    ordered = sorted(probe.seconds)
    assert ordered[int((len(ordered) - 1) * 0.9)] * 1000 <= CONFIG_MS, ordered[-5:]
    assert ordered[-1] * 1000 <= STALL_MS, ordered[-5:]
    assert config_ms(hostile_server.api) <= CONFIG_MS
    assert release_counts(admin) == before


@pytest.mark.slow
def test_a_body_past_the_limit_is_refused_while_it_arrives(admin: httpx.Client) -> None:
    def chunks() -> Iterator[bytes]:
        block = b" " * 1_000_000
        for _ in range(REQUEST_BYTES // len(block) + 2):
            yield block

    answer = admin.post("/admin/tables", content=chunks(), headers={"Content-Type": "application/json"})
    assert answer.status_code == 413
    assert "request_bytes" in answer.json()["detail"]


# -- what is accepted, and how ------------------------------------------------------------------------------


def test_the_base_table_loads_so_each_refusal_is_its_own(tmp_path: Path, built_db: Path) -> None:
    db = tmp_path / "c.duckdb"
    shutil.copy(built_db, db)
    meta_path, values_path = write_case(Case("base", meta()), tmp_path / "files")
    done = run_cli("load", str(values_path), "--meta", str(meta_path), "--db", str(db))
    assert done.returncode == 0, done.stderr


def test_minus_zero_is_stored_and_hashed_as_zero(admin: httpx.Client) -> None:
    plain = admin.post("/admin/tables", json={"meta": meta(id="zero_test"),
                                              "values": "year,measure,value,status\n2020,n,0,\n2021,n,2,\n"})
    assert plain.status_code == 201, plain.text
    signed = admin.post("/admin/tables", json={"meta": meta(id="zero_test"),
                                               "values": "year,measure,value,status\n2020,n,-0,\n2021,n,2,\n"})
    assert signed.status_code == 200, signed.text
    assert signed.json()["created"] is False
    assert signed.json()["contentHash"] == plain.json()["contentHash"]


def test_years_before_1912_are_labelled_gregorian(admin: httpx.Client, hostile_server: RunningServer) -> None:
    years = {**BASE["variables"][0], "values": ["1900", "1911", "1912"]}
    values = "year,measure,value,status\n1900,n,1,\n1911,n,2,\n1912,n,3,\n"
    answer = admin.post("/admin/tables", json={"meta": meta(id="old_years", variables=[years,
                                                                                       BASE["variables"][1]]),
                                               "values": values})
    assert answer.status_code == 201, answer.text
    labels = httpx.get(hostile_server.api + "/tables/old_years/metadata", params={"lang": "zh-TW"}).json()
    year_labels = labels["dimension"]["year"]["category"]["label"]
    assert year_labels["1900"] == "西元 1900 年"
    assert year_labels["1912"] == "1 年"


FORMULAS = ['=HYPERLINK("http://example.invalid/","點")', "=cmd|' /C calc'!A0", "+1+1", "@SUM(A1)", "-2+3"]


def test_formula_payloads_download_as_text(admin: httpx.Client, hostile_server: RunningServer) -> None:
    region = {"code": "region", "label": {"zh-TW": "=1+1", "en": "+1+1"},
              "values": [{"code": f"r{i}", "label": {"zh-TW": text, "en": text}} for i, text in enumerate(FORMULAS)]}
    payload = meta(id="formulas", title={"zh-TW": "=cmd|' /C calc'!A0", "en": "=cmd|' /C calc'!A0"},
                   variables=[BASE["variables"][0], region, BASE["variables"][1]])
    rows = [f"{y},r{i},n,{5 + i}," for y in ("2020", "2021") for i in range(len(FORMULAS))]
    values = "year,region,measure,value,status\n" + "\n".join(rows) + "\n"
    answer = admin.post("/admin/tables", json={"meta": payload, "values": values})
    assert answer.status_code == 201, answer.text
    data = hostile_server.api + "/tables/formulas/data"
    workbook_bytes = httpx.get(data, params={"outputFormat": "xlsx", "outputFormatParams": "IncludeTitle",
                                             "lang": "en"}).content
    sheet = openpyxl.load_workbook(io.BytesIO(workbook_bytes)).active
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = {c.value for c in cells if isinstance(c.value, str)}
    assert "=cmd|' /C calc'!A0" in texts and FORMULAS[0] in texts
    assert any(isinstance(c.value, (int, float)) for c in cells)  # numbers stay numbers
    text = httpx.get(data, params={"outputFormat": "csv", "outputFormatParams": "IncludeTitle", "lang": "en"}).text
    fields = [f for row in csv.reader(io.StringIO(text)) for f in row]
    assert "'=cmd|' /C calc'!A0" in fields
    assert "'" + FORMULAS[0] in fields and "'@SUM(A1)" in fields
    assert not [f for f in fields if f[:1] in ("=", "+", "@")]
    assert "'-2+3" in fields


def test_negative_numbers_and_status_symbols_are_not_neutralised() -> None:
    # no stored measure kind may be negative today, so the rule is checked where it is made
    from citystat.formats.spreadsheet_safety import looks_like_formula, neutralised

    assert [neutralised(t) for t in ("-12.5", "+3", "-", "..", "-1e5")] == ["-12.5", "+3", "-", "..", "-1e5"]
    assert all(looks_like_formula(t) for t in ("=1", "+A1", "-A1", "@x", "\t=1", "\r=1"))


def test_charts_refuse_ids_that_would_leave_out(tmp_path: Path, built_db: Path) -> None:
    out = tmp_path / "a" / "out"
    for bad in ("../../leak_probe", "a/b", ""):
        done = run_cli("charts", bad, "--out", str(out), "--db", str(built_db))
        assert done.returncode == 2, done.stderr
        assert "does not match" in done.stderr
    assert not any(tmp_path.rglob("*leak_probe*"))
    assert not out.exists()


def test_build_leaves_newer_work_alone(tmp_path: Path, built_db: Path) -> None:
    db = tmp_path / "b.duckdb"
    shutil.copy(built_db, db)
    tables = REPO / "src" / "citystat" / "catalog" / "tables"
    values = (tables / "taipeipass.csv").read_text(encoding="utf-8").replace("2869000", "2869001")
    (tmp_path / "taipeipass.csv").write_text(values, encoding="utf-8")
    loaded = run_cli("load", str(tmp_path / "taipeipass.csv"), "--meta", str(tables / "taipeipass.yaml"),
                     "--db", str(db))
    assert loaded.returncode == 0, loaded.stderr
    built = run_cli("build", "--db", str(db))
    assert built.returncode == 0, built.stderr
    assert "left alone: taipeipass" in " ".join(built.stdout.split())
    with Store(db, read_only=True) as store:
        assert store.release("taipeipass").origin == "load:taipeipass.csv"
    forced = run_cli("build", "--force", "--db", str(db))
    assert forced.returncode == 0, forced.stderr
    with Store(db, read_only=True) as store:
        assert store.release("taipeipass").origin == "catalog"


def test_http_hygiene(hostile_server: RunningServer) -> None:
    with httpx.Client(base_url=hostile_server.url, timeout=30) as client:
        page = client.get("/", params={"lang": "en"})
        assert page.headers["x-content-type-options"] == "nosniff"
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
        assert page.headers["x-frame-options"] == "DENY"
        head = client.head("/api/v2/config")
        assert head.status_code == 200 and head.content == b""
        assert client.head("/").status_code == 200
        options = client.options("/api/v2/tables")
        assert options.status_code == 204 and "GET" in options.headers["allow"]
        wrong = client.delete("/api/v2/tables")
        assert wrong.status_code == 405 and "GET" in wrong.headers["allow"]
        assert client.get("/api/v2/tables", params={"lang": ""}).status_code == 400


def test_a_whitespace_admin_token_is_refused_at_start(built_db: Path) -> None:
    environment = {**os.environ, "PYTHONPATH": str(REPO / "src"), "CITYSTAT_ADMIN_TOKEN": "  "}
    done = subprocess.run([sys.executable, "-c", "from citystat.cli import main; main()", "serve", "--db",
                           str(built_db), "--port", "1"], env=environment, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "whitespace" in done.stderr


def big_load_body(periods: int, measures: int) -> bytes:
    years = [f"{1912 + p // 12}M{p % 12 + 1:02d}" for p in range(periods)]
    variables = [{**BASE["variables"][0], "values": years},
                 {**BASE["variables"][1], "values": [{**copy.deepcopy(BASE["variables"][1]["values"][0]),
                                                      "code": f"m{j}"} for j in range(measures)]}]
    rows = "".join(f"{y},m{j},{j}," + "\n" for y in years for j in range(measures))
    return json.dumps({"meta": meta(id="big_load", variables=variables),
                       "values": "year,measure,value,status\n" + rows}).encode()


@pytest.mark.slow
def test_shutdown_during_an_admin_load_is_bounded(built_db: Path, tmp_path: Path, serve_database: Any) -> None:
    db = tmp_path / "shutdown.duckdb"
    shutil.copy(built_db, db)
    server: RunningServer = serve_database(db, env={"CITYSTAT_ADMIN_TOKEN": TOKEN})
    body = big_load_body(1000, 500)  # 500,000 cells: seconds of work in the load's process
    answers: list[Any] = []

    def post() -> None:
        try:
            answers.append(httpx.post(server.api + "/admin/tables", content=body, timeout=60,
                                      headers={"Authorization": f"Bearer {TOKEN}",
                                               "Content-Type": "application/json"}).status_code)
        except httpx.HTTPError as exc:
            answers.append(type(exc).__name__)

    sender = threading.Thread(target=post)
    sender.start()
    time.sleep(1.5)
    started = time.monotonic()
    server.process.terminate()
    server.process.wait(timeout=30)
    stopped = time.monotonic() - started
    sender.join(timeout=30)
    assert stopped <= 15, f"shutdown took {stopped:.1f} s"
    assert answers  # the client was answered or its connection closed: it does not hang
    deadline = time.monotonic() + 5  # the load's process dies with the server's
    while True:
        try:
            loaded = releases_in(db)
            break
        except Exception:  # the file is still locked by a dying process
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    assert "big_load" not in loaded or answers[0] in (200, 201)


def test_an_earlier_release_past_the_cell_limit_is_refused_not_read(admin: httpx.Client,
                                                                     hostile_server: RunningServer) -> None:
    values = "year,measure,value,status\n2020,n,{},\n2021,n,2,\n"
    years = {**BASE["variables"][0], "values": ["2019", "2020", "2021"]}
    table = meta(id="release_limit", variables=[years, BASE["variables"][1]])
    for first in ("1", "5"):
        answer = admin.post("/admin/tables", json={"meta": table,
                                                   "values": values.format(first) + "2019,n,1,\n"})
        assert answer.status_code == 201, answer.text
    data = hostile_server.api + "/tables/release_limit/data"
    assert httpx.get(data).status_code == 200  # the latest release is served in full
    earlier = httpx.get(data, params={"release": "1"})
    assert earlier.status_code == 403
    assert "release_cells" in earlier.json()["detail"]
    assert httpx.get(hostile_server.api + "/tables/release_limit/metadata", params={"release": "1"}).status_code == 200


@pytest.mark.slow
def test_a_load_past_its_memory_cap_is_answered(built_db: Path, tmp_path: Path, serve_database: Any) -> None:
    db = tmp_path / "memory.duckdb"
    shutil.copy(built_db, db)
    server: RunningServer = serve_database(db, env={"CITYSTAT_ADMIN_TOKEN": TOKEN,
                                                    "CITYSTAT_LIMIT_LOAD_MEMORY_BYTES": str(1_300_000_000)})
    with ConfigProbe(server.api) as probe:
        answer = httpx.post(server.api + "/admin/tables", content=big_load_body(1000, 500), timeout=120,
                            headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
    assert answer.status_code == 413, answer.text[:2000]
    assert "load_memory_bytes" in answer.json()["detail"]
    assert not probe.failures
    assert "big_load" not in releases_in(db)
    assert config_ms(server.api) <= CONFIG_MS
