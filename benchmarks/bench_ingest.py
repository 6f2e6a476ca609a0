"""Benchmark: ingesting a folder of YouBike snapshots against reading the same files with pandas, same run.

    python benchmarks/bench_ingest.py                 # 100 snapshots of 1,500 stations
    python benchmarks/bench_ingest.py --snapshots 20 --keep /tmp/snapshots

The snapshots are made from the real 2024-12-07 feed (tests/data/realdata), one a day, with the bikes and
free docks redrawn from a seeded generator so that no two files are alike. It times, over the same files:

- pandas:   ``pd.read_json`` of each file and a ``groupby("sarea")`` of docks, bikes and free docks: the least a
            by-district table needs, with none of the checks;
- read:     citystat's readers (registry, JSON, every field checked, stale and inactive marked);
- build:    read + the table (districts in the city's order, in-service figures, notes, the model's checks);
- ingest:   build + storing it as a release in a fresh DuckDB file (what ``citystat ingest`` does).

It checks that citystat's district totals of every snapshot equal pandas' (over the stations in service),
and prints every figure with its ratio to pandas.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd

from citystat.ingest.city import taipei
from citystat.ingest.run import build_tables, expand, read_all
from citystat.store import Store

REAL = Path(__file__).resolve().parents[1] / "tests" / "data" / "realdata" / "youbike-realtime"
TEMPLATE = REAL / "youbike_immediate_v2_2024-12-07.json"
FORMAT = "%Y-%m-%d %H:%M:%S"


def make_snapshots(folder: Path, count: int, seed: int) -> int:
    stations = json.loads(TEMPLATE.read_text(encoding="utf-8"))
    rng = random.Random(seed)
    start = datetime(2024, 12, 7, 19, 45, 52)
    size = 0
    for n in range(count):
        when = start + timedelta(days=n)
        snapshot = []
        for s in stations:
            docks = s["total"]
            bikes = rng.randint(0, docks)
            age = timedelta(seconds=rng.randint(0, 3000)) if rng.random() > 0.05 else timedelta(days=2)
            snapshot.append({**s, "available_rent_bikes": bikes, "available_return_bikes": docks - bikes,
                             "mday": (when - age).strftime(FORMAT), "updateTime": when.strftime(FORMAT),
                             "srcUpdateTime": when.strftime(FORMAT), "infoDate": when.date().isoformat()})
        path = folder / f"youbike_immediate_v2_{when:%Y-%m-%d}.json"
        path.write_text(json.dumps(snapshot, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
        size += path.stat().st_size
    return size


def pandas_baseline(files: list[Path]) -> dict[str, pd.DataFrame]:
    out = {}
    for path in files:
        frame = pd.read_json(path, dtype={"sno": str, "act": str})
        mday = pd.to_datetime(frame["mday"])
        frame = frame[(frame["act"] == "1") & (mday.max() - mday <= pd.Timedelta(hours=1))]
        out[path.name] = frame.groupby("sarea")[["total", "available_rent_bikes", "available_return_bikes"]].sum()
    return out


def timed(func, repeat: int):  # type: ignore[no-untyped-def]
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--snapshots", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=1, help="best of N runs of each")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="make the snapshots in this folder and keep them")
    args = parser.parse_args()

    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        size = make_snapshots(folder, args.snapshots, args.seed)
        files = expand([folder])
        stations = args.snapshots * len(json.loads(TEMPLATE.read_text(encoding="utf-8")))
        print(f"{len(files)} snapshots, {stations:,} stations, {size / 1e6:.1f} MB")

        t_pandas, frames = timed(lambda: pandas_baseline(files), args.repeat)
        t_read, readings = timed(lambda: read_all(files), args.repeat)
        t_build, result = timed(lambda: build_tables(read_all(files)), args.repeat)

        def store_it() -> None:
            db = folder / "bench.duckdb"
            db.unlink(missing_ok=True)
            with Store(db) as store:
                store.load_many(build_tables(read_all(files)).tables, origin="bench")

        t_ingest, _ = timed(store_it, args.repeat)

        table = result.tables[0]
        city = taipei()
        for reading, (name, frame) in zip(sorted(readings, key=lambda r: r.file), sorted(frames.items())):
            assert reading.file == name
            day = reading.as_of.date().isoformat()
            for sarea, row in frame.iterrows():
                district = city.district(str(sarea))
                assert district is not None
                for measure, column in (("docks", "total"), ("rentable_bikes", "available_rent_bikes"),
                                        ("free_docks", "available_return_bikes")):
                    cell = table.cell(snapshot=day, district=district.code, measure=measure).value
                    assert cell == int(row[column]), (name, sarea, measure)
        print("docks, bikes and free docks by district of every snapshot equal pandas'")

        print(f"{'':10}{'seconds':>10}{'stations/s':>14}{'x pandas':>10}")
        for label, seconds in (("pandas", t_pandas), ("read", t_read), ("build", t_build), ("ingest", t_ingest)):
            print(f"{label:10}{seconds:10.3f}{stations / seconds:14,.0f}{seconds / t_pandas:10.2f}")
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
