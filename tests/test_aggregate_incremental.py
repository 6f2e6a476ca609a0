"""Incremental aggregation: partial results per event file; adding a day, or replacing a damaged one, reads only
that file and gives the same tables as a full recompute, cell for cell (the scan on DuckDB and on Spark)."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from citystat.aggregate import DuckDBEngine, SparkEngine, aggregate_events, load_definitions
from citystat.aggregate.runner import AggregationResult, catalog_metas
from citystat.model import Table

METAS = catalog_metas()
YEARS = [2021]
LAST_DAY = datetime(2021, 12, 30, 16, tzinfo=UTC)  # 31 December 2021, 00:00 in Taipei


@pytest.fixture(scope="module")
def by_day(simulated_events: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    """The simulated events, with each stream's 31 December 2021 taken out of its month's file into a file of its
    own (``day-31.parquet``), kept aside: the day that arrives late."""
    root = tmp_path_factory.mktemp("incremental") / "events"
    shutil.copytree(simulated_events, root)
    aside = root.parent / "aside"
    days = []
    for month_file in sorted(root.glob("service=*/stream=*/year=2021/month=12/*.parquet")):
        events = pq.read_table(month_file)
        late = pc.greater_equal(events["ts"], LAST_DAY)
        pq.write_table(events.filter(pc.invert(late)), month_file)
        day = aside / month_file.relative_to(root).with_name("day-31.parquet")
        day.parent.mkdir(parents=True)
        pq.write_table(events.filter(late), day)
        days.append(day)
    assert len(days) >= 9
    return root, days


def _cells(result: AggregationResult) -> dict[str, dict]:
    def exact(table: Table) -> dict:
        return {key: (cell.value, cell.status) for key, cell in table.ordered_cells()}

    return {t.id: (t.meta, exact(t)) for t in result.tables}


def _full(events: Path) -> AggregationResult:
    with DuckDBEngine() as engine:
        return aggregate_events(events, engine=engine, metas=METAS, years=YEARS)


def _add_days(root: Path, aside: Path, days: list[Path]) -> None:
    for day in days:
        shutil.copy2(day, root / day.relative_to(aside))


def _run(events: Path, partials: Path) -> AggregationResult:
    with DuckDBEngine() as engine:
        return aggregate_events(events, engine=engine, metas=METAS, years=YEARS, partials=partials)


def _scanned(result: AggregationResult) -> dict[str, int]:
    return {s.stream: s.scanned for s in result.report.streams}


def test_adding_or_replacing_a_day_reads_only_that_day_and_equals_a_full_recompute(by_day, tmp_path: Path) -> None:
    source, days = by_day
    events = tmp_path / "events"
    shutil.copytree(source, events)
    partials = tmp_path / "partials.duckdb"

    before = _run(events, partials)
    assert _cells(before) == _cells(_full(events))
    assert all(n > 0 for n in _scanned(before).values())

    _add_days(events, source.parent / "aside", days)  # the late day arrives: only its files are read
    added = _run(events, partials)
    full = _full(events)
    assert _cells(added) == _cells(full)
    assert _cells(added) != _cells(before)  # the day changed the December figures
    assert sorted(n for n in _scanned(added).values() if n) == [1] * len(days)
    assert [s.to_dict() | {"scanned": 0} for s in added.report.streams] == [
        s.to_dict() | {"scanned": 0} for s in full.report.streams]

    # the day is found damaged and delivered again, with fewer events: again only that file is read
    wifi = next(d for d in days if "stream=sessions" in str(d))
    replaced = events / wifi.relative_to(source.parent / "aside")
    table = pq.read_table(replaced)
    pq.write_table(table.slice(0, table.num_rows // 2), replaced)
    again = _run(events, partials)
    assert sum(_scanned(again).values()) == 1
    assert _cells(again) == _cells(_full(events)) != _cells(added)

    # nothing new: nothing read, the same tables
    assert sum(_scanned(_run(events, partials)).values()) == 0


@pytest.mark.parametrize("engine_name", ["duckdb", pytest.param("spark", marks=pytest.mark.slow)])
def test_edge_cases_and_distinct_counts_from_partial_results_equal_a_full_recompute(
        engine_name: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """Distinct counts (exact sets per day), the local calendar, excluded events, stocks and cumulative counts."""
    from .test_aggregate_edges import EDGE_DEFINITIONS, EDGE_METAS, TABLES, build_edge_events, local, write

    root = tmp_path / "events"
    written = build_edge_events(root)
    spark = request.getfixturevalue("spark") if engine_name == "spark" else None
    options = {"metas": {**METAS, **EDGE_METAS}, "years": [2011, 2018, 2019, 2020, 2021],
               "definitions": [*load_definitions(), *EDGE_DEFINITIONS], "tables": TABLES}

    def run(partials: Path | None) -> AggregationResult:
        engine = DuckDBEngine() if engine_name == "duckdb" or partials is None else SparkEngine(spark)
        with engine:
            return aggregate_events(root, engine=engine, partials=partials, **options)

    partials = tmp_path / "partials.duckdb"
    assert _cells(run(partials)) == _cells(run(None))
    # a day arrives with a device seen before and a new one: the year's distinct devices grow by one
    write(root, "wifi.sessions", 2021, 5, [{"ts": local(2021, 5, 3, 9), "device_id": 100},
                                           {"ts": local(2021, 5, 3, 10), "device_id": 300}], name="day-03.parquet")
    added = run(partials)
    assert _cells(added) == _cells(run(None))
    devices = next(t for t in added.tables if t.id == "edge_wifi_devices__events")
    assert devices.cell(year="2021", measure="devices").value == len(written["devices"][2021]) + 1
    assert sum(s.scanned for s in added.report.streams) == 1


def test_the_aggregate_command_keeps_partial_results_and_reads_only_what_changed(by_day, tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from citystat.cli import app

    source, _ = by_day
    db, partials = str(tmp_path / "citystat.duckdb"), str(tmp_path / "partials.duckdb")

    def aggregate() -> dict:
        result = CliRunner().invoke(app, ["aggregate", str(source), "--years", "2021", "--table", "taipei_free_usage",
                                          "--partials", partials, "--db", db, "--json"])
        assert result.exit_code == 0, result.output
        return json.loads(result.output)

    first, second = aggregate(), aggregate()
    assert [s["scanned"] for s in first["streams"]] == [s["files"] for s in first["streams"]] != [0]
    assert [s["scanned"] for s in second["streams"]] == [0]
    assert [r["created"] for r in first["releases"]] == [True] and [r["created"] for r in second["releases"]] == [False]


def test_a_day_delivered_twice_is_still_refused_with_partial_results(tmp_path: Path) -> None:
    """The ids of a new file are proven distinct from every other file's, as in a full run."""
    from citystat.model import InvalidInput

    from .test_aggregate_edges import wifi_year

    wifi_year(tmp_path)
    partials = tmp_path / "partials.duckdb"
    with DuckDBEngine() as engine:
        aggregate_events(tmp_path, engine=engine, metas=METAS, tables=["taipei_free_usage"], partials=partials)
    original = next(tmp_path.glob("service=wifi/stream=sessions/year=2021/month=9/*.parquet"))
    shutil.copy(original, original.with_name("day-again.parquet"))
    with DuckDBEngine() as engine, pytest.raises(InvalidInput) as caught:
        aggregate_events(tmp_path, engine=engine, metas=METAS, tables=["taipei_free_usage"], partials=partials)
    assert caught.value.problems[0].code == "duplicate_event_ids"
    assert "day-again.parquet" in caught.value.problems[0].message


def test_a_damaged_day_is_refused_then_replaced_or_withdrawn_and_equals_a_full_recompute(tmp_path: Path) -> None:
    """A day delivered damaged is refused with its name and changes nothing; the day delivered again is read alone;
    a day withdrawn drops out. One DuckDB engine runs every step (it also merges the partial results)."""
    from citystat.model import InvalidInput

    from .test_aggregate_edges import local, wifi_year, write

    root = tmp_path / "events"
    wifi_year(root)
    partials = tmp_path / "partials.duckdb"
    options = {"metas": METAS, "years": YEARS, "tables": ["taipei_free_usage"]}

    def total(result: AggregationResult) -> int:
        return result.tables[0].cell(year="2021", measure="total").value

    with DuckDBEngine() as engine:
        def run() -> AggregationResult:
            result = aggregate_events(root, engine=engine, partials=partials, **options)
            with DuckDBEngine() as fresh:
                assert _cells(result) == _cells(aggregate_events(root, engine=fresh, **options))
            return result

        assert total(run()) == 24
        day = write(root, "wifi.sessions", 2021, 9, [{"ts": local(2021, 9, 20, h)} for h in (8, 9)],
                    name="day-20.parquet")
        assert total(run()) == 26

        day.write_bytes(b"PAR1 damaged in transit")
        with pytest.raises(InvalidInput) as caught:
            aggregate_events(root, engine=engine, partials=partials, **options)
        assert [(p.code, p.file) for p in caught.value.problems] == [("corrupt_parquet", str(day))]
        no_hotspot = pa.schema([f for f in pq.read_schema(next(root.rglob("month=1/*.parquet")))
                                if f.name != "hotspot_id"])
        write(root, "wifi.sessions", 2021, 9, [{"ts": local(2021, 9, 20, 8)}], name="day-20.parquet",
              schema=no_hotspot)
        with pytest.raises(InvalidInput) as caught:
            aggregate_events(root, engine=engine, partials=partials, **options)
        assert [(p.code, p.column) for p in caught.value.problems] == [("missing_column", "hotspot_id")]

        write(root, "wifi.sessions", 2021, 9, [{"ts": local(2021, 9, 20, h)} for h in (8, 9, 10)],
              name="day-20.parquet")
        replaced = run()
        assert total(replaced) == 27 and sum(_scanned(replaced).values()) == 1

        day.unlink()  # the day withdrawn: nothing to read, its partial result no longer counts
        withdrawn = run()
        assert total(withdrawn) == 24 and sum(_scanned(withdrawn).values()) == 0


def test_a_day_damaged_inside_among_several_streams_is_named_and_nothing_is_kept(tmp_path: Path) -> None:
    """The new files of several streams are read together; when one is damaged inside (its footer intact) the
    error still names that file, no partial result is kept, and the day delivered again equals a full recompute."""
    from citystat.model import InvalidInput

    from .test_aggregate_edges import local, wifi_year, write

    root = tmp_path / "events"
    wifi_year(root)
    for month in range(1, 13):
        write(root, "citizen_platform.visits", 2021, month, [{"ts": local(2021, month, 2, 10)}])
    partials = tmp_path / "partials.duckdb"
    options = {"metas": METAS, "years": YEARS, "tables": ["taipei_free_usage", "citizen_platform_visits"]}

    def run(partials: Path | None) -> AggregationResult:
        with DuckDBEngine() as engine:
            return aggregate_events(root, engine=engine, partials=partials, **options)

    assert _cells(run(partials)) == _cells(run(None))
    day = [write(root, "wifi.sessions", 2021, 10, [{"ts": local(2021, 10, 5, h % 24)} for h in range(5000)],
                 name="day-05.parquet"),
           write(root, "citizen_platform.visits", 2021, 10, [{"ts": local(2021, 10, 5, 9)}], name="day-05.parquet")]
    good = day[0].read_bytes()
    chunk = pq.ParquetFile(day[0]).metadata.row_group(0).column(1)  # the event times
    damaged = bytearray(good)
    start = chunk.data_page_offset + 40
    damaged[start:start + 400] = bytes(b ^ 0x5A for b in damaged[start:start + 400])
    day[0].write_bytes(bytes(damaged))
    with pytest.raises(InvalidInput) as caught:
        run(partials)
    assert [(p.code, p.file) for p in caught.value.problems] == [("unreadable_events", str(day[0]))]

    day[0].write_bytes(good)
    again = run(partials)
    assert _scanned(again) == {"citizen_platform.visits": 1, "wifi.sessions": 1}
    assert _cells(again) == _cells(run(None))
    wifi = next(t for t in again.tables if t.id == "taipei_free_usage__events")
    assert wifi.cell(year="2021", measure="total").value == 24 + 5000


def test_streams_without_any_file_give_the_same_tables_as_a_full_recompute(tmp_path: Path) -> None:
    """Every bundled definition over events of one stream only: the others have no file, so no partial result,
    yet their tables (not available) are those of a full recompute, on the first run and the next."""
    from .test_aggregate_edges import wifi_year

    wifi_year(tmp_path / "events")
    full = _full(tmp_path / "events")
    assert len(full.tables) > 1
    for _ in range(2):
        again = _run(tmp_path / "events", tmp_path / "partials.duckdb")
        assert _cells(again) == _cells(full)
    assert sum(_scanned(again).values()) == 0


def _stored_rows(partials: Path) -> dict[str, list[str]]:
    """Every row's file in every table of the partial-results store (read after the run, the file detached)."""
    import duckdb

    with duckdb.connect(str(partials), read_only=True) as con:
        names = [n for (n,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
        return {n: sorted(p for (p,) in con.execute(f"SELECT _path FROM {n}").fetchall())
                for n in names if n != "partial_contract"}


def test_a_withdrawn_or_replaced_day_leaves_no_row_in_the_partial_results(tmp_path: Path) -> None:
    """The rows of a file withdrawn, and of a file's older version, are deleted, not only left out of the merge:
    the store does not grow with files that are gone."""
    from .test_aggregate_edges import local, wifi_year, write

    root = tmp_path / "events"
    wifi_year(root)
    partials = tmp_path / "partials.duckdb"
    options = {"metas": METAS, "years": YEARS, "tables": ["taipei_free_usage"]}

    def run() -> AggregationResult:
        with DuckDBEngine() as engine:
            result = aggregate_events(root, engine=engine, partials=partials, **options)
            assert _cells(result) == _cells(aggregate_events(root, engine=engine, **options))
        return result

    run()
    day = write(root, "wifi.sessions", 2021, 9, [{"ts": local(2021, 9, 20, h)} for h in (8, 9)], name="day-20.parquet")
    run()
    first = _stored_rows(partials)
    mine = {name: rows.count(str(day.resolve())) for name, rows in first.items()}
    assert all(mine.values()) and mine["partial_files"] == mine["footers"] == 1

    write(root, "wifi.sessions", 2021, 9, [{"ts": local(2021, 9, 20, h)} for h in (8, 9, 10, 11)],
          name="day-20.parquet")  # delivered again: its older rows replaced, not added to
    run()
    replaced = _stored_rows(partials)
    assert {n: r.count(str(day.resolve())) for n, r in replaced.items()} == mine
    assert {n: len(r) for n, r in replaced.items()} == {n: len(r) for n, r in first.items()}

    day.unlink()  # withdrawn: no row of it is left in any table
    withdrawn = run()
    assert withdrawn.tables[0].cell(year="2021", measure="total").value == 24
    after = _stored_rows(partials)
    assert all(str(day.resolve()) not in rows for rows in after.values())
    assert sorted(after["partial_files"]) == sorted(str(p.resolve()) for p in root.rglob("*.parquet"))
    assert {n: len(r) for n, r in after.items()} == {n: len(r) - mine[n] for n, r in first.items()}


def test_a_store_written_under_another_contract_is_checked_and_read_again(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Files accepted by an older citystat (other stream schemas or checks) are not trusted: their footers are
    checked again and every file is read again."""
    import os

    from citystat.aggregate import partials as partial_results
    from citystat.model import InvalidInput

    from .test_aggregate_edges import wifi_year

    root = tmp_path / "events"
    wifi_year(root)
    partials = tmp_path / "partials.duckdb"
    options = {"metas": METAS, "years": YEARS, "tables": ["taipei_free_usage"]}
    files = sorted(root.rglob("*.parquet"))

    def run() -> AggregationResult:
        with DuckDBEngine() as engine:
            return aggregate_events(root, engine=engine, partials=partials, **options)

    monkeypatch.setattr(partial_results, "CONTRACT", "written-by-an-older-citystat")
    assert sum(_scanned(run()).values()) == len(files)
    assert sum(_scanned(run()).values()) == 0  # the same contract: trusted
    monkeypatch.undo()
    assert partial_results.contract_digest() == partial_results.CONTRACT

    # a file now broken with its size and modification time kept: a trusted footer would hide it, a check finds it
    good, stat = files[3].read_bytes(), files[3].stat()
    files[3].write_bytes(b"X" * len(good))
    os.utime(files[3], ns=(stat.st_atime_ns, stat.st_mtime_ns))
    with pytest.raises(InvalidInput) as caught:
        run()
    assert [(p.code, p.file) for p in caught.value.problems] == [("corrupt_parquet", str(files[3]))]

    files[3].write_bytes(good)
    os.utime(files[3], ns=(stat.st_atime_ns, stat.st_mtime_ns))
    again = run()
    assert sum(_scanned(again).values()) == len(files)
    assert _cells(again) == _cells(_full_tables(root, options))
    assert sum(_scanned(run()).values()) == 0


def _full_tables(root: Path, options: dict) -> AggregationResult:
    with DuckDBEngine() as engine:
        return aggregate_events(root, engine=engine, **options)


def test_an_engine_is_left_clean_by_a_failed_run_and_serves_the_next(tmp_path: Path) -> None:
    """A run that fails (a file that is no store of partial results, a damaged day) detaches the store and drops
    what it named on the caller's engine, so the next run on that engine works; so does a good run."""
    import duckdb

    from citystat.aggregate.partials import CATALOG, KEYS
    from citystat.aggregate.runner import MERGED_CUBES
    from citystat.model import InvalidInput

    from .test_aggregate_edges import local, wifi_year, write

    root = tmp_path / "events"
    wifi_year(root)
    options = {"metas": METAS, "years": YEARS, "tables": ["taipei_free_usage"]}
    foreign = tmp_path / "citystat.duckdb"  # a statistics database given by mistake: refused, left as it was
    with duckdb.connect(str(foreign)) as con:
        con.execute("CREATE TABLE releases (id INTEGER)")
    partials = tmp_path / "partials.duckdb"

    def leftovers(engine: DuckDBEngine) -> list[str]:
        con = engine.connection
        attached = [n for (n,) in con.execute("SELECT database_name FROM duckdb_databases()").fetchall()
                    if n.startswith(CATALOG)]
        views = [n for n, sql in con.execute("SELECT view_name, sql FROM duckdb_views() WHERE temporary").fetchall()
                 if n.startswith(("citystat_saved", "citystat_incoming", KEYS)) or CATALOG in (sql or "")]
        tables = [n for (n,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall()
                  if n == MERGED_CUBES or n.endswith("_cube")]
        return attached + views + tables

    with DuckDBEngine() as engine:
        with pytest.raises(InvalidInput) as caught:
            aggregate_events(root, engine=engine, partials=foreign, **options)
        assert [(p.code, p.file) for p in caught.value.problems] == [("bad_partials", str(foreign))]
        assert leftovers(engine) == []
        with duckdb.connect(str(foreign), read_only=True) as con:
            assert con.execute("SELECT table_name FROM duckdb_tables()").fetchall() == [("releases",)]

        good = aggregate_events(root, engine=engine, partials=partials, **options)
        assert leftovers(engine) == []
        day = write(root, "wifi.sessions", 2021, 10, [{"ts": local(2021, 10, 5, h % 24)} for h in range(5000)],
                    name="day-05.parquet")
        damaged = bytearray(day.read_bytes())  # damaged inside, its footer intact: the scan fails, in the store
        start = pq.ParquetFile(day).metadata.row_group(0).column(1).data_page_offset + 40
        damaged[start:start + 400] = bytes(b ^ 0x5A for b in damaged[start:start + 400])
        day.write_bytes(bytes(damaged))
        with pytest.raises(InvalidInput) as caught:
            aggregate_events(root, engine=engine, partials=partials, **options)
        assert [(p.code, p.file) for p in caught.value.problems] == [("unreadable_events", str(day))]
        assert leftovers(engine) == []
        day.unlink()
        again = aggregate_events(root, engine=engine, partials=partials, **options)
        assert leftovers(engine) == []
    assert _cells(again) == _cells(good) == _cells(_full_tables(root, options))


def test_a_small_day_stays_in_the_stores_log_and_a_large_log_is_folded_into_the_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A run does not checkpoint a store whose write-ahead log is small (the next run replays it, with the same
    tables); a log over the limit is folded into the file when the store is detached."""
    from citystat.aggregate import partials as partial_store

    from .test_aggregate_edges import wifi_year

    events = tmp_path / "events"
    wifi_year(events)
    partials, log = tmp_path / "partials.duckdb", tmp_path / "partials.duckdb.wal"
    options = {"metas": METAS, "tables": ["taipei_free_usage"]}
    with DuckDBEngine() as engine:
        first = aggregate_events(events, engine=engine, partials=partials, **options)
    assert 0 < log.stat().st_size <= partial_store.WAL_LIMIT
    with DuckDBEngine() as engine:  # the log replayed by the next run: the same tables, nothing read
        again = aggregate_events(events, engine=engine, partials=partials, **options)
    assert _cells(again) == _cells(first) and sum(_scanned(again).values()) == 0
    monkeypatch.setattr(partial_store, "WAL_LIMIT", 0)
    with DuckDBEngine() as engine:
        folded = aggregate_events(events, engine=engine, partials=partials, **options)
    assert not log.exists() or log.stat().st_size == 0
    assert _cells(folded) == _cells(first)
    with DuckDBEngine() as engine:
        assert _cells(aggregate_events(events, engine=engine, **options)) == _cells(first)


def test_engines_open_at_once_keep_their_own_tables_and_partial_stores(tmp_path: Path) -> None:
    """Engines share the process's DuckDB database but not their tables; a run with partial results while another
    engine holds a store open keeps to its own store, and gives the full recompute's tables."""
    from citystat.aggregate.engines import EngineError
    from citystat.aggregate.partials import PartialStore

    from .test_aggregate_edges import wifi_year

    events = tmp_path / "events"
    wifi_year(events)
    options = {"metas": METAS, "tables": ["taipei_free_usage"]}
    with DuckDBEngine() as one:
        one.register_table("citystat_probe", pa.table({"x": [1]}))
        assert one.query("SELECT x FROM citystat_probe") == [(1,)]
        with DuckDBEngine() as two, pytest.raises(EngineError):
            two.query("SELECT x FROM citystat_probe")
        with PartialStore(one.connection, tmp_path / "held.duckdb"), DuckDBEngine() as two:
            first = aggregate_events(events, engine=two, partials=tmp_path / "partials.duckdb", **options)
            again = aggregate_events(events, engine=two, partials=tmp_path / "partials.duckdb", **options)
        assert sum(_scanned(again).values()) == 0
    with DuckDBEngine() as later, pytest.raises(EngineError):  # a closed engine's tables are gone with it
        later.query("SELECT x FROM citystat_probe")
    with DuckDBEngine(threads=1) as own:  # settings of its own: a database of its own
        full = aggregate_events(events, engine=own, **options)
    assert _cells(first) == _cells(again) == _cells(full)


def test_adding_a_day_in_a_fresh_process_does_not_import_pandas(by_day, tmp_path: Path) -> None:
    """A one-shot run (a daily `citystat aggregate --partials`) starts cold: pyarrow imports pandas (about 0.2 s,
    more than the rest of the run) at the first array built from Python values, so the run builds its tables
    without them (citystat.aggregate.arrow_columns)."""
    import subprocess
    import sys

    root, days = by_day
    events = tmp_path / "events"
    shutil.copytree(root, events)
    partials = tmp_path / "partials.duckdb"
    _run(events, partials)
    _add_days(events, root.parent / "aside", days)
    child = ("import sys\nfrom pathlib import Path\nfrom citystat.aggregate import DuckDBEngine, aggregate_events\n"
             "from citystat.aggregate.runner import catalog_metas\n"
             "with DuckDBEngine() as engine:\n"
             "    result = aggregate_events(Path(sys.argv[1]), engine=engine, metas=catalog_metas(), years=[2021], "
             "partials=Path(sys.argv[2]))\n"
             "print(sum(s.scanned for s in result.report.streams), 'pandas' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", child, str(events), str(partials)], capture_output=True, text=True,
                          check=True, timeout=300)
    scanned, pandas_imported = done.stdout.split()[-2:]
    assert int(scanned) == len(days)
    assert pandas_imported == "False"


def test_stream_columns_of_one_name_must_share_a_type_for_the_one_table_of_grouped_rows() -> None:
    """Every stream's grouped rows are kept in one table, a column of each name once: the bundled streams keep the
    rule, and a stream whose column clashes in type with another's is refused by name."""
    from citystat.events.schemas import STREAMS, Column, Stream, check_column_types

    check_column_types(STREAMS)  # the bundled streams: no clash
    mode = next(c for s in STREAMS for c in s.columns if c.name == "mode")
    clashing = Stream("elsewhere", "rides", "a stream of another city", (Column("mode", pa.int32(), "a code"),))
    assert mode.type != clashing.columns[0].type
    with pytest.raises(TypeError, match=r"different types: mode$"):
        check_column_types([*STREAMS, clashing])


def test_definitions_of_other_dimensions_share_one_store_and_each_equals_a_full_recompute(tmp_path: Path) -> None:
    """The bundled definitions, then a definition that filters on another column (a new, whole-number column of
    the one table of grouped rows, under a signature of its own), then the bundled ones again, on one store: every
    run equals its full recompute, and going back reads nothing again."""
    import duckdb

    from citystat.aggregate.definitions import parse_definition

    from .test_aggregate_edges import build_edge_events

    root = tmp_path / "events"
    build_edge_events(root)
    partials = tmp_path / "partials.duckdb"
    bundled = {"metas": METAS, "years": [2021]}
    by_hotspot = {**bundled, "tables": ["taipei_free_usage"], "definitions": [parse_definition({
        "table": "taipei_free_usage", "measures": {
            "total": {"measure": "count", "stream": "wifi.sessions", "filter": {"hotspot_id": [1, 2]}},
            "monthly_average": {"measure": "average_per_month_in_service", "of": "total"}}})]}

    def run(options: dict) -> AggregationResult:
        with DuckDBEngine() as engine:
            return aggregate_events(root, engine=engine, partials=partials, **options)

    def columns() -> dict[str, str]:
        with duckdb.connect(str(partials), read_only=True) as con:
            return dict(con.execute("SELECT column_name, data_type FROM duckdb_columns() "
                                    "WHERE table_name = 'cube_rows'").fetchall())

    first = run(bundled)
    assert _cells(first) == _cells(_full_tables(root, bundled))
    assert "hotspot_id" not in columns()
    filtered = run(by_hotspot)
    assert _cells(filtered) == _cells(_full_tables(root, by_hotspot))
    assert filtered.tables[0].cell(year="2021", measure="total").value > 0
    assert columns()["hotspot_id"] == "INTEGER"
    again = run(bundled)
    assert _cells(again) == _cells(first)
    assert sum(_scanned(again).values()) == 0
