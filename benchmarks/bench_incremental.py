"""Benchmark: adding one day of events with partial results, against a full recompute in the same run.

    PYTHONPATH=src python benchmarks/bench_incremental.py --scale 0.05 [--work DIR] [--repeat N]

It simulates year 2021 (unless --work holds it), takes each stream's 31 December out of its December file into a
file of its own and sets it aside, builds the partial results of the rest, then puts the day back and times:

- full:        the whole DuckDB aggregation over every file (what a run without --partials does);
- incremental: the same tables from the partial results, reading only the added day's files (each try starts
               from the partial results of the year before the day);
- unchanged:   the same again with nothing new (no event file read): the fixed cost of a run;

the best of --repeat tries each, and checks that both give the same tables, cell for cell. The target (issue 14):
adding a day takes at most 1/50 of the full recompute's time.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from datetime import UTC, datetime
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

LAST_DAY = datetime(2021, 12, 30, 16, tzinfo=UTC)  # 31 December 2021, 00:00 in Taipei
METAS = catalog_metas()


def write_as_simulated(table: pa.Table, path: Path) -> None:
    """Write events with the simulator's own Parquet options (zstd, delta-encoded ids and times, dictionaries for
    categories, 1 Mi-row groups), so a day set apart reads as fast as the files it came from."""
    service, name = (part.split("=", 1)[1] for part in path.parts if part.startswith(("service=", "stream=")))
    strm = stream(f"{service}.{name}")
    pq.write_table(table, path, row_group_size=ROW_GROUP_ROWS, compression="zstd",
                   use_dictionary=[c.name for c in strm.columns if c.is_category],
                   column_encoding={ID_COLUMN: "DELTA_BINARY_PACKED", TIME_COLUMN: "DELTA_BINARY_PACKED"},
                   store_schema=False)


def split_last_day(root: Path, aside: Path) -> int:
    """Take 31 December out of every December file into a file of its own, set aside (a day file left in place
    by an earlier run is set aside again); the events of the day."""
    events = 0
    for month_file in sorted(root.glob("service=*/stream=*/year=2021/month=12/*.parquet")):
        if month_file.name.startswith("day-31"):
            target = aside / month_file.relative_to(root)
            target.parent.mkdir(parents=True, exist_ok=True)
            events += pq.ParquetFile(month_file).metadata.num_rows
            shutil.move(month_file, target)
            continue
        table = pq.read_table(month_file)
        late = pc.greater_equal(table["ts"], LAST_DAY)
        day = table.filter(late)
        if not day.num_rows:
            continue
        write_as_simulated(table.filter(pc.invert(late)), month_file)
        target = aside / month_file.relative_to(root).with_name(f"day-31-{month_file.stem}.parquet")
        target.parent.mkdir(parents=True, exist_ok=True)
        write_as_simulated(day, target)
        events += day.num_rows
    return events


def run(root: Path, partials: Path | None):
    started = time.perf_counter()
    with DuckDBEngine() as engine:
        result = aggregate_events(root, engine=engine, metas=METAS, years=[2021], partials=partials)
    return result, time.perf_counter() - started


def cells(result) -> dict:
    return {t.id: {k: (c.value, c.status) for k, c in t.ordered_cells()} for t in result.tables}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default="0.05")
    parser.add_argument("--work", type=Path, help="working directory (kept)")
    parser.add_argument("--repeat", type=int, default=2, help="timed tries of each run; the best counts")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="citystat-incremental-"))
    root, aside, partials = work / "events", work / "aside", work / "partials.duckdb"
    try:
        if not root.exists():
            started = time.perf_counter()
            simulate(bundled_tables(), root, scale=args.scale, years=[2021], seed=0)
            print(f"simulated year 2021 at scale {args.scale} in {time.perf_counter() - started:.1f} s")
        shutil.rmtree(aside, ignore_errors=True)
        partials.unlink(missing_ok=True)
        day_events = split_last_day(root, aside)
        _, build = run(root, partials)
        before = work / "partials-before-the-day.duckdb"
        shutil.copy2(partials, before)
        for day in aside.rglob("*.parquet"):
            shutil.copy2(day, root / day.relative_to(aside))
        full = incremental = unchanged = float("inf")
        for _ in range(args.repeat):
            full_result, seconds = run(root, None)
            full = min(full, seconds)
            shutil.copy2(before, partials)
            incremental_result, seconds = run(root, partials)
            incremental = min(incremental, seconds)
            _, seconds = run(root, partials)
            unchanged = min(unchanged, seconds)
        before.unlink()
        assert cells(incremental_result) == cells(full_result), "incremental differs from the full recompute"
        scanned = sum(s.scanned for s in incremental_result.report.streams)
        files = sum(s.files for s in incremental_result.report.streams)
        events = full_result.report.events
        share = incremental / full
        print(f"year 2021 at scale {args.scale}: {events:,} events in {files} files; the added day: "
              f"{day_events:,} events in {scanned} files; best of {args.repeat}")
        print(f"  partial results of the year before the day (once): {build:6.2f} s")
        print(f"  full recompute (baseline):                          {full:6.2f} s  {events / full:12,.0f} events/s")
        print(f"  incremental, the day added:                         {incremental:6.2f} s  "
              f"({full / incremental:.1f}x quicker, {share:.4f} of the full recompute's time)")
        print(f"  incremental, nothing new:                           {unchanged:6.2f} s")
        print(f"  tables identical cell for cell: {len(full_result.tables)} tables; "
              f"partial results {partials.stat().st_size / 1e6:.1f} MB")
        print(f"  target <= 1/50 of the full recompute: {'met' if share <= 1 / 50 else 'NOT met'}")
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
