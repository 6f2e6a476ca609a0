"""Benchmark: adding one day of events with partial results, against a full recompute in the same run.

    PYTHONPATH=src python benchmarks/bench_incremental.py --scale 0.05 [--work DIR] [--repeat N] [--day 2021-07-23]

It simulates year 2021 (unless --work holds it), takes each stream's 31 December out of its December file into a
file of its own and sets it aside, builds the partial results of the rest, then puts the day back and times
(then the same for each --day, a day of the year given besides 31 December, e.g. one of about the mean number of
events: 31 December is a heavy day):

- full:        the whole DuckDB aggregation over every file (what a run without --partials does);
- incremental: the same tables from the partial results, reading only the added day's files (each try starts
               from the partial results of the year before the day);
- unchanged:   the same again with nothing new (no event file read): the fixed cost of a run;
- one-shot:    the incremental run again in a process of its own, as `citystat aggregate` runs it once: its first
               engine starts DuckDB, which the runs in this process share (imports are not timed in either);
- DuckDB's start: a bare ``duckdb.connect`` in a fresh process, for scale (the one-shot run starts DuckDB in a
               thread of its own and does what it can meanwhile);

the best of --repeat tries each, and checks that both give the same tables, cell for cell. The target (issue 14):
adding a day takes at most 1/50 of the full recompute's time.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from citystat.aggregate import DuckDBEngine, aggregate_events
from citystat.aggregate.runner import catalog_metas
from citystat.catalog import bundled_tables
from citystat.events.schemas import ID_COLUMN, TIME_COLUMN, stream
from citystat.simulate import simulate
from citystat.simulate.simulator import ROW_GROUP_ROWS

LAST_DAY = date(2021, 12, 31)
METAS = catalog_metas()


def day_start(day: date) -> datetime:
    """The UTC instant at which a day begins in Taipei (UTC+8)."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(hours=8)


def copy_store(source: Path, target: Path) -> None:
    """Copy a partial store with its write-ahead log (a store is its file and, while the log is small, the log)."""
    shutil.copy2(source, target)
    log, target_log = Path(f"{source}.wal"), Path(f"{target}.wal")
    if log.exists():
        shutil.copy2(log, target_log)
    else:
        target_log.unlink(missing_ok=True)


def write_as_simulated(table: pa.Table, path: Path) -> None:
    """Write events with the simulator's own Parquet options (zstd, delta-encoded ids and times, dictionaries for
    categories, 1 Mi-row groups), so a day set apart reads as fast as the files it came from."""
    service, name = (part.split("=", 1)[1] for part in path.parts if part.startswith(("service=", "stream=")))
    strm = stream(f"{service}.{name}")
    pq.write_table(table, path, row_group_size=ROW_GROUP_ROWS, compression="zstd",
                   use_dictionary=[c.name for c in strm.columns if c.is_category],
                   column_encoding={ID_COLUMN: "DELTA_BINARY_PACKED", TIME_COLUMN: "DELTA_BINARY_PACKED"},
                   store_schema=False)


def split_day(root: Path, aside: Path, day: date) -> int:
    """Take a day out of every file of its month into a file of its own (``day-DD-...``), set aside (a file of
    that day left in place by an earlier run is set aside again); the events of the day."""
    events = 0
    start = day_start(day)
    end = start + timedelta(days=1)
    prefix = f"day-{day.day:02d}-"
    for month_file in sorted(root.glob(f"service=*/stream=*/year={day.year}/month={day.month}/*.parquet")):
        if month_file.name.startswith(prefix):
            target = aside / month_file.relative_to(root)
            target.parent.mkdir(parents=True, exist_ok=True)
            events += pq.ParquetFile(month_file).metadata.num_rows
            shutil.move(month_file, target)
            continue
        if month_file.name.startswith("day-"):  # another day, set apart by an earlier run: it stays
            continue
        table = pq.read_table(month_file)
        inside = pc.and_(pc.greater_equal(table["ts"], start), pc.less(table["ts"], end))
        rows = pc.indices_nonzero(inside)
        if not len(rows):
            continue
        first, last = rows[0].as_py(), rows[-1].as_py()
        if last - first + 1 != len(rows):
            raise SystemExit(f"{month_file}: the day's events are not one run of rows")
        # the events before the day stay in the file, those after it go to a file of their own: files in time
        # order keep their ids consecutive, as a directory partitioned by day would
        taken = table.slice(first, last - first + 1)
        write_as_simulated(table.slice(0, first), month_file)
        if last + 1 < table.num_rows:
            after = month_file.with_name(f"{month_file.stem}-after-{day.day:02d}.parquet")
            write_as_simulated(table.slice(last + 1), after)
        target = aside / month_file.relative_to(root).with_name(f"{prefix}{month_file.stem}.parquet")
        target.parent.mkdir(parents=True, exist_ok=True)
        write_as_simulated(taken, target)
        events += taken.num_rows
    return events


ONE_SHOT = """
import sys, time
from pathlib import Path
from citystat.aggregate import DuckDBEngine, aggregate_events
from citystat.aggregate.runner import catalog_metas
metas = catalog_metas()
started = time.perf_counter()
with DuckDBEngine() as engine:
    aggregate_events(Path(sys.argv[1]), engine=engine, metas=metas, years=[2021], partials=Path(sys.argv[2]))
print(time.perf_counter() - started)
"""


DUCKDB_START = """
import time
import duckdb
started = time.perf_counter()
duckdb.connect(":memory:").execute("SELECT 1").fetchall()
print(time.perf_counter() - started)
"""


def duckdb_start() -> float:
    """DuckDB's start alone in a fresh process (its import not timed): the part of a one-shot run's cost that no
    change to citystat removes, only hides behind other work."""
    done = subprocess.run([sys.executable, "-c", DUCKDB_START], capture_output=True, text=True, check=True, timeout=60)
    return float(done.stdout.split()[-1])


def run_one_shot(root: Path, partials: Path) -> float:
    """The incremental run as a one-shot ``citystat aggregate`` does it: in a process of its own, whose first engine
    starts DuckDB (the imports and the catalog are not timed, as in the runs in this process)."""
    done = subprocess.run([sys.executable, "-c", ONE_SHOT, str(root), str(partials)], capture_output=True, text=True,
                          check=True, timeout=600)
    return float(done.stdout.split()[-1])


def run(root: Path, partials: Path | None):
    started = time.perf_counter()
    with DuckDBEngine() as engine:
        result = aggregate_events(root, engine=engine, metas=METAS, years=[2021], partials=partials)
    return result, time.perf_counter() - started


def cells(result) -> dict:
    return {t.id: {k: (c.value, c.status) for k, c in t.ordered_cells()} for t in result.tables}


def measure(root: Path, aside: Path, partials: Path, day: date, repeat: int) -> dict:
    """Set the day apart, build the partial results of the rest, put the day back and time the runs."""
    shutil.rmtree(aside, ignore_errors=True)
    partials.unlink(missing_ok=True)
    Path(f"{partials}.wal").unlink(missing_ok=True)
    day_events = split_day(root, aside, day)
    _, build = run(root, partials)
    before = partials.with_name("partials-before-the-day.duckdb")
    copy_store(partials, before)
    for file in aside.rglob("*.parquet"):
        shutil.copy2(file, root / file.relative_to(aside))
    full = incremental = unchanged = one_shot = start = float("inf")
    for _ in range(repeat):
        full_result, seconds = run(root, None)
        full = min(full, seconds)
        copy_store(before, partials)
        incremental_result, seconds = run(root, partials)
        incremental = min(incremental, seconds)
        _, seconds = run(root, partials)  # replays the day's write-ahead log, as the next day's run would
        unchanged = min(unchanged, seconds)
        copy_store(before, partials)
        one_shot = min(one_shot, run_one_shot(root, partials))
        start = min(start, duckdb_start())
    before.unlink()
    Path(f"{before}.wal").unlink(missing_ok=True)
    assert cells(incremental_result) == cells(full_result), f"{day}: incremental differs from the full recompute"
    return {"day": day, "day_events": day_events, "build": build, "full": full, "incremental": incremental,
            "unchanged": unchanged, "one_shot": one_shot, "duckdb_start": start, "full_result": full_result,
            "incremental_result": incremental_result, "store_mb": partials.stat().st_size / 1e6}


def report(scale: str, repeat: int, m: dict, label: str) -> None:
    full_result, incremental_result = m["full_result"], m["incremental_result"]
    scanned = sum(s.scanned for s in incremental_result.report.streams)
    files = sum(s.files for s in incremental_result.report.streams)
    events = full_result.report.events
    full, incremental, share = m["full"], m["incremental"], m["incremental"] / m["full"]
    print(f"year 2021 at scale {scale}: {events:,} events in {files} files; the added day, {m['day']} ({label}): "
          f"{m['day_events']:,} events in {scanned} files; best of {repeat}")
    print(f"  partial results of the year before the day (once): {m['build']:6.2f} s")
    print(f"  full recompute (baseline):                          {full:6.2f} s  {events / full:12,.0f} events/s")
    print(f"  incremental, the day added:                         {incremental:6.3f} s  "
          f"({full / incremental:.1f}x quicker, {share:.4f} of the full recompute's time)")
    print(f"  incremental, nothing new:                           {m['unchanged']:6.3f} s")
    print(f"  incremental, the day added, in a fresh process:     {m['one_shot']:6.3f} s  "
          f"({m['one_shot'] / full:.4f} of the full recompute's time: a one-shot `citystat aggregate`, its DuckDB "
          "started, imports not timed)")
    print(f"  DuckDB's start alone, in a fresh process:           {m['duckdb_start']:6.3f} s  "
          f"({m['duckdb_start'] / full:.4f} of the full recompute's time)")
    print(f"  tables identical cell for cell: {len(full_result.tables)} tables; "
          f"partial results {m['store_mb']:.1f} MB")
    print(f"  target <= 1/50 of the full recompute: {'met' if share <= 1 / 50 else 'NOT met'} in this process, "
          f"{'met' if m['one_shot'] / full <= 1 / 50 else 'NOT met'} in a fresh process")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default="0.05")
    parser.add_argument("--work", type=Path, help="working directory (kept)")
    parser.add_argument("--repeat", type=int, default=2, help="timed tries of each run; the best counts")
    parser.add_argument("--day", type=date.fromisoformat, action="append", default=[],
                        help="another day of 2021 to add, measured after 31 December (e.g. 2021-07-23)")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="citystat-incremental-"))
    root, aside, partials = work / "events", work / "aside", work / "partials.duckdb"
    try:
        if not root.exists():
            started = time.perf_counter()
            simulate(bundled_tables(), root, scale=args.scale, years=[2021], seed=0)
            print(f"simulated year 2021 at scale {args.scale} in {time.perf_counter() - started:.1f} s")
        print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        days = [LAST_DAY, *(d for d in args.day if d != LAST_DAY)]
        for day in days:
            m = measure(root, aside, partials, day, args.repeat)
            report(args.scale, args.repeat, m, "the heavy last day" if day == LAST_DAY else "given with --day")
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
