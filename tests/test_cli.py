"""The command line, run as a user runs it: a real process over a real database file."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from citystat.query import summarise
from citystat.store import Store


def citystat(*args: str, db: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "citystat.cli", *args]
    if db is not None:
        command += ["--db", str(db)]
    environment = {**os.environ, "COLUMNS": "200", **(env or {})}
    return subprocess.run(command, capture_output=True, text=True, env=environment, timeout=120)


@pytest.fixture(scope="module")
def cli_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "citystat.duckdb"
    done = citystat("build", db=path)
    assert done.returncode == 0, done.stderr
    assert "13 tables, 13 new release(s), 0 unchanged" in done.stdout
    return path


def test_build_again_changes_nothing(cli_db: Path) -> None:
    done = citystat("build", db=cli_db)
    assert "0 new release(s), 13 unchanged" in done.stdout


def test_build_uses_the_environment_variable(tmp_path: Path) -> None:
    done = citystat("build", env={"CITYSTAT_DB": str(tmp_path / "from-env.duckdb")})
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "from-env.duckdb").exists()


def test_show_taipei_free_in_chinese(cli_db: Path) -> None:
    done = citystat("show", "taipei_free_usage", "--lang", "zh-TW", db=cli_db)
    assert done.returncode == 0, done.stderr
    row = next(line for line in done.stdout.splitlines() if "110 年" in line)
    assert "135,943,532" in row and "11,328,628" in row
    assert "100 年資料期間為 8 月至 12 月" in done.stdout
    assert "臺北市政府資訊局" in done.stdout


def test_show_in_english_uses_gregorian_years_and_stock_wording(cli_db: Path) -> None:
    done = citystat("show", "taipeipass", "--lang", "en", db=cli_db)
    assert "end of 2021" in done.stdout and "3,318,000" in done.stdout
    assert "1,915,704 e" in done.stdout
    assert "e = estimated" in done.stdout


def test_show_csv_is_long_format(cli_db: Path) -> None:
    done = citystat("show", "shared_transport_daily_uses", "--format", "csv", db=cli_db)
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert list(rows[0]) == ["year", "measure", "value", "status"]
    assert len(rows) == 8 * 3
    by_key = {(r["year"], r["measure"]): r for r in rows}
    assert by_key[("2021", "e_car_uses")]["value"] == "1039"
    assert by_key[("2019", "e_car_uses")] == {"year": "2019", "measure": "e_car_uses", "value": "", "status": ".."}
    assert by_key[("2014", "e_scooter_uses")]["status"] == "-"


def test_show_jsonstat(cli_db: Path) -> None:
    done = citystat("show", "open_data_platform", "--format", "jsonstat", "--lang", "zh-TW", db=cli_db)
    dataset = json.loads(done.stdout)
    assert dataset["version"] == "2.0" and dataset["class"] == "dataset"
    assert dataset["id"] == ["year", "measure"] and dataset["size"] == [2, 2]
    assert dataset["role"] == {"time": ["year"], "metric": ["measure"]}
    assert dataset["value"] == [132, 274877, 2763, 737220000]
    assert dataset["status"] == {"0": "e", "1": "e"}
    year = dataset["dimension"]["year"]["category"]
    assert year["label"] == {"2011": "100 年", "2021": "110 年"}
    units = dataset["dimension"]["measure"]["category"]["unit"]
    assert units["datasets"]["label"] == "項" and units["datasets"]["decimals"] == 0
    assert dataset["dimension"]["measure"]["extension"]["measuringType"] == {"datasets": "Stock", "uses": "Flow"}
    assert dataset["source"] == "臺北市政府資訊局"
    assert dataset["updated"].endswith("Z")
    assert "推估值" in dataset["extension"]["cellNote"]["0"][0]
    assert dataset["note"]


def test_tables_json_matches_the_library(cli_db: Path) -> None:
    done = citystat("tables", "--json", "--lang", "en", db=cli_db)
    listed = json.loads(done.stdout)
    with Store(cli_db, read_only=True) as store:
        city = store.city()
        assert city is not None  # the build recorded the catalog's city
        expected = [summarise(s.meta, s.release, city).to_dict("en") for s in store.latest()]
    assert listed == expected
    # and the same facts as the library's table list (citystat.query), which the API and dashboard show
    with Store(cli_db, read_only=True) as store:
        summaries = [summarise(store.meta(i), store.release(i), city) for i in store.table_ids()]
    assert [(t["id"], t["title"], t["subject_name"], t["first_period"], t["last_period"], t["release"], t["cells"])
            for t in listed] == [(s.id, s.meta.title.en, s.subject.name.en, s.first_period, s.last_period,
                                  s.release.release, s.release.cell_count) for s in summaries]
    wifi = next(t for t in listed if t["id"] == "taipei_free_usage")
    assert wifi["periods"] == "2011 – 2021" and wifi["subject_name"] == "Taipei Free public Wi-Fi"


def test_tables_in_chinese(cli_db: Path) -> None:
    done = citystat("tables", db=cli_db)
    assert "臺北公眾區免費無線上網使用人次" in done.stdout and "100 年 – 110 年" in done.stdout


@pytest.mark.slow  # several commands in their own processes: over 3 s
def test_earlier_release_via_cli(tmp_path: Path, cli_db: Path) -> None:
    db = tmp_path / "db.duckdb"
    db.write_bytes(cli_db.read_bytes())
    export = citystat("show", "cooc_cloud", "--format", "csv", db=db).stdout
    data = tmp_path / "cooc.csv"
    data.write_text(export.replace("2021,courses,178203,", "2021,courses,178300,r"))
    meta = Path(__file__).parents[1] / "src/citystat/catalog/tables/cooc_cloud.yaml"
    loaded = citystat("load", str(data), "--meta", str(meta), db=db)
    assert loaded.returncode == 0, loaded.stderr
    assert "178,300 r" in citystat("show", "cooc_cloud", "--lang", "en", db=db).stdout
    assert "178,203" in citystat("show", "cooc_cloud", "--lang", "en", "--release", "1", db=db).stdout
    releases = citystat("releases", "cooc_cloud", db=db).stdout
    assert "catalog" in releases and "load:cooc.csv" in releases


@pytest.mark.slow  # several commands in their own processes: over 3 s
def test_labels_with_brackets_are_shown_as_written(tmp_path: Path, cli_db: Path) -> None:
    db = tmp_path / "db.duckdb"
    db.write_bytes(cli_db.read_bytes())
    original = Path(__file__).parents[1] / "src/citystat/catalog/tables/cooc_cloud.yaml"
    text = original.read_text(encoding="utf-8")
    meta = tmp_path / "cooc_cloud.yaml"
    meta.write_text(text.replace("en: Online courses at the end of the year", 'en: "Online courses [all]"')
                    .replace("en: Taipei CooC-Cloud online courses and page views", "en: CooC-Cloud [beta]"),
                    encoding="utf-8")
    data = tmp_path / "cooc[1].csv"
    data.write_text(citystat("show", "cooc_cloud", "--format", "csv", db=db).stdout, encoding="utf-8")
    assert citystat("load", str(data), "--meta", str(meta), db=db).returncode == 0
    assert "Online courses [all]" in citystat("show", "cooc_cloud", "--lang", "en", db=db).stdout
    assert "CooC-Cloud [beta]" in citystat("tables", "--lang", "en", db=db).stdout
    assert "load:cooc[1].csv" in citystat("releases", "cooc_cloud", db=db).stdout


@pytest.mark.slow  # several commands in their own processes: over 3 s
def test_errors_are_messages_not_tracebacks(cli_db: Path, tmp_path: Path) -> None:
    done = citystat("show", "no_such_table", db=cli_db)
    assert done.returncode == 1
    assert "no table 'no_such_table'" in done.stderr and "Traceback" not in done.stderr
    done = citystat("show", "cooc_cloud", "--release", "7", db=cli_db)
    assert done.returncode == 1 and "has no release 7" in done.stderr
    done = citystat("tables", db=tmp_path / "missing.duckdb")
    assert done.returncode == 1 and "citystat build" in done.stderr
    done = citystat("show", "[red]a[/]", db=cli_db)  # the id as typed, not read as markup
    assert done.returncode == 1 and "no table '[red]a[/]'" in done.stderr and "Traceback" not in done.stderr
    done = citystat("tables", "--lang", "fr", db=cli_db)
    assert done.returncode == 2 and "unknown language" in done.stderr


def test_a_database_held_by_another_process_is_a_message(cli_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "db.duckdb"
    db.write_bytes(cli_db.read_bytes())
    hold = "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print('ready', flush=True); sys.stdin.read()"
    holder = subprocess.Popen([sys.executable, "-c", hold, str(db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        done = citystat("tables", db=db)
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "Could not set lock" in done.stderr and db.name in done.stderr
    not_a_database = tmp_path / "notes.txt"
    not_a_database.write_text("hello")
    done = citystat("tables", db=not_a_database)
    assert done.returncode == 1 and "Traceback" not in done.stderr and "not a valid DuckDB database" in done.stderr
