"""citystat ingest as a user runs it, on the real files and on corrupted copies of them: exact counts printed,
releases stored with their sources and notes, and nothing loaded when any file cannot be read whole."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from citystat.cli import app
from citystat.model import InvalidInput
from citystat.store import Store

from .ingest_support import DGBAS, HOTSPOTS, SNAPSHOTS, YOUBIKE, YOUBIKE_PAGE, ZOO


@dataclass
class Done:
    returncode: int
    stdout: str
    stderr: str


def citystat(*args: object, db: Path) -> Done:
    """The real command line application, run in this process (a fresh process costs seconds here)."""
    runner = CliRunner()
    result = runner.invoke(app, [*map(str, args), "--db", str(db)], env={"COLUMNS": "200"})
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Done(result.exit_code, result.stdout, result.stderr)


def test_the_installed_command_runs_ingest(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "citystat.cli", "ingest", str(DGBAS), "--db", str(tmp_path / "c.duckdb")]
    done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "COLUMNS": "200"}, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "68.12" in done.stdout and "stored household_equipment_national: release 1" in done.stdout


def tables_in(db: Path) -> list[str]:
    if not db.exists():
        return []
    with Store(db, read_only=True) as store:
        return store.table_ids()


def test_a_folder_of_snapshots_becomes_a_time_series(tmp_path: Path) -> None:
    db = tmp_path / "c.duckdb"
    done = citystat("ingest", YOUBIKE, db=db)
    assert done.returncode == 0, done.stderr
    for name, count in SNAPSHOTS.items():
        assert re.search(rf"{re.escape(name)} .*\n  rows read {count:,}, used {count:,}, rejected 0", done.stdout)
    assert "stored youbike_stations_by_district: release 1, 490 cells (new release)" in done.stdout
    with Store(db, read_only=True) as store:
        stored = store.read("youbike_stations_by_district")
    assert len(stored.meta.time.values) == 5
    assert stored.release.origin.startswith("ingest:YouBikeTP_v1_2016-09-22.json")
    assert stored.meta.sources[0].name.en.startswith("Department of Transportation, Taipei City Government")
    notes = [n.text.en for n in stored.meta.time.values[-1].notes]
    assert "1,503 stations listed, 14 suspended, 79 stale" in notes[0]
    again = citystat("ingest", YOUBIKE, db=db)
    assert "release 1, 490 cells (unchanged)" in again.stdout


@pytest.mark.parametrize(("path", "lines"), [
    (HOTSPOTS, ["rows read 3,297, used 3,285, rejected 12", "rejected 12: outside Taipei City (新北市新店區)",
                "│ 中正區         │      431 │", "│ 臺北市（總計） │    3,285 │"]),
    (DGBAS, ["rows read 420, used 420", "│ computer        │ 家用電腦         │ 68.12 │"]),
    (ZOO, ["rows read 313, used 313, rejected 0", "bad cells 76", "a_update 76"]),
    (YOUBIKE_PAGE, ["rows read 20, used 20", "page 1 of 21: 20 of 408 records"]),
])
def test_ingest_prints_the_counts_of_each_real_file(tmp_path: Path, path: Path, lines: list[str]) -> None:
    done = citystat("ingest", path, "--rejects", tmp_path / "rejects.csv", db=tmp_path / "c.duckdb")
    assert done.returncode == 0, done.stderr
    for line in lines:
        assert line in done.stdout
    rejects = list(csv.DictReader(io.StringIO((tmp_path / "rejects.csv").read_text(encoding="utf-8"))))
    if path == HOTSPOTS:
        assert len(rejects) == 12 and {r["record_id"] for r in rejects} >= {"TPEE000778", "TPEE003600"}
    if path == ZOO:
        assert len(rejects) == 76 and {r["kind"] for r in rejects} == {"bad cell"}


def test_a_big5_copy_of_the_hotspot_list_gives_the_same_counts(tmp_path: Path) -> None:
    copy = _big5_declared_utf8(tmp_path)  # a Big5/CP950 copy (characters Big5 lacks replaced by '?')
    done = citystat("ingest", copy, db=tmp_path / "c.duckdb")
    assert done.returncode == 0, done.stderr
    assert f"{copy.name} (taipei-free, cp950, as of 2025-12-18" in done.stdout
    assert "rows read 3,297, used 3,285, rejected 12" in done.stdout
    assert "1148 characters Big5/CP950 lacks were replaced by '?'" in " ".join(done.stdout.split())
    assert "│ 信義區         │      482 │" in done.stdout


def test_as_names_the_table(tmp_path: Path) -> None:
    db = tmp_path / "c.duckdb"
    done = citystat("ingest", HOTSPOTS, "--as", "wifi_hotspots_2025", db=db)
    assert done.returncode == 0, done.stderr
    assert tables_in(db) == ["wifi_hotspots_2025"]
    two = citystat("ingest", HOTSPOTS, DGBAS, "--as", "both", db=db)
    assert two.returncode == 2 and "--as names one table" in two.stderr


# -- corrupted copies: a precise error each, and nothing loaded -------------------------------------------------

def _truncated(tmp: Path) -> Path:
    path = tmp / "youbike_immediate_v2_2022-10-20.json"
    path.write_bytes((YOUBIKE / path.name).read_bytes()[:300000])
    return path


def _missing_field(tmp: Path) -> Path:
    path = tmp / "YouBikeTP_v1_2016-09-22.json"
    data = json.loads((YOUBIKE / path.name).read_text(encoding="utf-8"))
    del data["retVal"]["0005"]["sbi"]
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def _big5_declared_utf8(tmp: Path) -> Path:
    path = tmp / HOTSPOTS.name
    path.write_bytes(HOTSPOTS.read_bytes().decode("utf-8-sig").encode("cp950", errors="replace"))
    return path


def _renamed_column(tmp: Path) -> Path:
    path = tmp / HOTSPOTS.name
    text = HOTSPOTS.read_bytes().decode("utf-8-sig")
    path.write_bytes(("\ufeff" + text.replace(",AREA,", ",DISTRICT,", 1)).encode("utf-8"))
    return path


def _excel_cells(tmp: Path) -> Path:
    path = tmp / YOUBIKE_PAGE.name
    path.write_text(YOUBIKE_PAGE.read_text(encoding="utf-8").replace('"tot":"48"', '"tot":"########"', 1),
                    encoding="utf-8")
    return path


def _count_disagrees(tmp: Path) -> Path:
    path = tmp / ZOO.name
    path.write_text(ZOO.read_text(encoding="utf-8").replace('"count": 313', '"count": 320', 1), encoding="utf-8")
    return path


CORRUPTIONS = {
    "truncated JSON": (_truncated, (), "bad_json", "Unterminated string starting at: line 9053 column 18 "
                       "(char 281191)"),
    "missing field": (_missing_field, (), "missing_field", "row 5, column 'sbi': field 'sbi' is missing"),
    "Big5 declared as UTF-8": (_big5_declared_utf8, ("--encoding", "utf-8"), "bad_encoding",
                               "row 2: declared utf-8 but byte 192 (line 2, column 23) is not utf-8; the bytes "
                               "read as Big5/CP950"),
    "renamed column": (_renamed_column, (), "missing_column", "column(s) AREA missing from the header; columns not "
                       "expected: SITE_ID"),
    "######## cells": (_excel_cells, (), "excel_overflow", "row 2, column 'tot': '########' is Excel's mark"),
    "count disagrees with the pages": (_count_disagrees, (), "envelope_count", "count says 320 records in all, so "
                                       "the page at offset 0 with limit 1000 should hold 320, but it holds 313"),
}


@pytest.mark.parametrize("corruption", sorted(CORRUPTIONS))
def test_a_corrupted_copy_gives_a_precise_error_and_loads_nothing(tmp_path: Path, corruption: str) -> None:
    make, options, code, message = CORRUPTIONS[corruption]
    bad = make(tmp_path)
    db = tmp_path / "c.duckdb"
    # with a good file beside it: that one is not loaded either
    done = citystat("ingest", DGBAS, bad, *options, db=db)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "nothing was loaded" in done.stderr
    assert f"[{code}] {bad.name}" in done.stderr
    assert message in " ".join(done.stderr.split()), done.stderr
    assert tables_in(db) == []


def test_the_library_raises_the_same_problems(tmp_path: Path) -> None:
    from citystat.ingest.run import ingest

    with pytest.raises(InvalidInput) as caught:
        ingest([_missing_field(tmp_path)])
    [problem] = caught.value.problems
    assert (problem.code, problem.row, problem.column) == ("missing_field", 5, "sbi")


def test_reading_reports_progress_file_by_file(tmp_path: Path) -> None:
    from citystat.ingest.run import expand, read_all

    seen: list[tuple[str, int]] = []
    files = expand([YOUBIKE])
    read_all(files, progress=lambda name, size: seen.append((name, size)))
    assert seen == [(p.name, p.stat().st_size) for p in files]


def test_a_file_too_large_to_hold_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from citystat.ingest import source

    monkeypatch.setattr(source, "MAX_FILE_BYTES", 100_000)
    db = tmp_path / "c.duckdb"
    done = citystat("ingest", YOUBIKE, db=db)
    assert done.returncode == 2
    assert "[file_too_large] youbike_immediate_v2_2022-10-20.json" in done.stderr
    assert tables_in(db) == []


def test_a_csv_with_no_table_is_read_and_reported(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes("年別,件數\n2020,1\n2021,2\n".encode("cp950"))
    done = citystat("ingest", path, db=tmp_path / "c.duckdb")
    assert done.returncode == 0, done.stderr
    assert "export.csv (csv, cp950)" in done.stdout and "rows read 2, used 2, rejected 0" in done.stdout
    assert "citystat builds no table from this kind of file (rows); nothing stored" in done.stdout
    assert tables_in(tmp_path / "c.duckdb") == []


def test_gzipped_and_misnamed_feeds_are_read(tmp_path: Path) -> None:
    import gzip

    from citystat.ingest.run import read_all

    original = (YOUBIKE / "YouBikeTP_v1_2016-09-22.json").read_bytes()
    zipped = tmp_path / "zipped" / "YouBikeTP.gz"
    plain = tmp_path / "plain" / "YouBikeTP.gz"  # the 2016 copy was committed so: plain JSON named .gz
    zipped.parent.mkdir()
    plain.parent.mkdir()
    zipped.write_bytes(gzip.compress(original))
    plain.write_bytes(original)
    for path in (zipped, plain):
        [reading] = read_all([path])
        assert (reading.reader, reading.rows_read) == ("youbike-v1", 258)
    cut = tmp_path / "cut.gz"
    cut.write_bytes(gzip.compress(original)[:5000])
    with pytest.raises(InvalidInput, match="cut short"):
        read_all([cut])


def test_readers_lists_the_registry_in_order() -> None:
    result = CliRunner().invoke(app, ["readers"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    names = [line.split("│")[1].strip() for line in result.stdout.splitlines() if line.startswith("│")]
    assert sorted(names) == ["csv", "data-taipei", "sdmx-json", "taipei-free", "youbike-v1", "youbike-v2",
                             "youbike-v2-old"]
    assert names[-1] == "csv"  # the catch-all is tried last


def test_stations_outside_the_city_are_rejected_not_mixed_in(tmp_path: Path) -> None:
    stations = json.loads((YOUBIKE / "youbike_immediate_v2_2024-12-07.json").read_text(encoding="utf-8"))
    stations[0] = {**stations[0], "sno": "500201001", "sarea": "板橋區", "sareaen": "Banqiao Dist."}
    path = tmp_path / "youbike_immediate_v2_2024-12-07.json"
    path.write_text(json.dumps(stations, ensure_ascii=False), encoding="utf-8")
    db = tmp_path / "c.duckdb"
    done = citystat("ingest", path, "--rejects", tmp_path / "rejects.csv", db=db)
    assert done.returncode == 0, done.stderr
    assert "rows read 1,503, used 1,502, rejected 1" in done.stdout
    assert "rejected 1: not a district of Taipei City (板橋區)" in done.stdout
    with Store(db, read_only=True) as store:
        table = store.read("youbike_stations_by_district").table
    assert table.cell(snapshot="2024-12-07", district="taipei", measure="stations").value == 1502
    assert "500201001" in (tmp_path / "rejects.csv").read_text(encoding="utf-8")
