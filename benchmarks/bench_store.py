"""How fast the store checks, loads and reads a large table, and how much room its releases take, against plain
pandas + DuckDB in the same run.

    PYTHONPATH=src python benchmarks/bench_store.py [--periods 2000] [--measures 500] [--big 20000000]

citystat's load does more than write rows: it runs the consistency checks, hashes the content to decide
whether it is a new release, and stores the release as a delta. The baseline writes the same cells from a
pandas DataFrame into a DuckDB table (no checks, no hash, no releases), so the ratio shows what that costs.

- the columnar load (``Store.load_columns``) from a CSV file and from a Parquet file, against the baseline;
- the object load (``Store.load`` of a ``Table``), as before;
- ten releases that each revise 1% of the cells: the database file's size against one release's, and every
  release read back and compared with what was loaded;
- ``--big N``: a table of about N cells loaded from Parquet in a child process, whose peak memory (VmHWM) is
  reported.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq

from citystat.catalog import bundled_tables
from citystat.model import Cell, Table, TableMeta, meta_from_dict, meta_to_dict
from citystat.store import Store, deltas


def big_meta(periods: int, measures: int, table_id: str = "bench") -> TableMeta:
    raw = meta_to_dict(next(t for t in bundled_tables() if t.id == "cooc_cloud").meta)
    raw["id"] = table_id
    raw["variables"][0]["values"] = [{"code": f"{1000 + p // 12:04d}M{p % 12 + 1:02d}"} for p in range(periods)]
    raw["variables"][1]["values"] = [
        {"code": f"m{j}", "label": {"zh-TW": f"m{j}", "en": f"m{j}"}, "unit": {"zh-TW": "件", "en": "items"},
         "decimals": 0, "kind": "stock"} for j in range(measures)]
    return meta_from_dict(raw)


def write_values(meta: TableMeta, path: Path, revision: int = 0, every: int = 100) -> None:
    """The cells as DuckDB writes them, no Python per cell: value = ordinal, plus, in revision r, k for every
    cell whose ordinal % ``every`` is k in 1..r: revision r differs from revision r - 1 in 1% of the cells."""
    periods, measures = (list(v.codes) for v in meta.variables)
    con = duckdb.connect()
    fmt = "FORMAT PARQUET" if path.suffix == ".parquet" else "FORMAT CSV, HEADER"
    con.execute(
        f"COPY (SELECT p.code AS year, m.code AS measure, "
        f"CAST(p.i * {len(measures)} + m.i + CASE WHEN (p.i * {len(measures)} + m.i) % {every} "
        f"BETWEEN 1 AND {revision} THEN (p.i * {len(measures)} + m.i) % {every} ELSE 0 END AS VARCHAR) AS value, "
        "'' AS status "
        "FROM (SELECT unnest($p::VARCHAR[]) AS code, generate_subscripts($p::VARCHAR[], 1) AS i) p, "
        "(SELECT unnest($m::VARCHAR[]) AS code, generate_subscripts($m::VARCHAR[], 1) AS i) m "
        f"ORDER BY p.i, m.i) TO '{path}' ({fmt})", {"p": periods, "m": measures})
    con.close()


def timed(work: Callable[[], Any]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def best(repeat: int, work: Callable[[int], Any]) -> float:
    """The quickest of ``repeat`` runs (``work`` gets the run's number): the machine is shared, and the other
    runs' work only ever slows a run down."""
    return min(timed(functools.partial(work, i)) for i in range(repeat))


def size_of(path: Path) -> int:
    with duckdb.connect(str(path)) as con:
        con.execute("CHECKPOINT")
    return path.stat().st_size + sum(p.stat().st_size for p in path.parent.glob(path.name + ".wal"))


CHILD = """
import resource, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[4])
from bench_store import big_meta
from citystat.store import Store, deltas
meta = big_meta(int(sys.argv[2]), int(sys.argv[3]), "big")
started = time.perf_counter()
with Store(Path(sys.argv[1])) as store:
    store.connection.execute(f"SET memory_limit = '{sys.argv[6]}'")
    store.load_columns(meta, Path(sys.argv[5]))
# VmHWM: this process's own peak (ru_maxrss would include the parent's size at the fork)
peak_kb = next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(time.perf_counter() - started, peak_kb, flush=True)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--periods", type=int, default=2000)
    parser.add_argument("--measures", type=int, default=500)
    parser.add_argument("--releases", type=int, default=10)
    parser.add_argument("--big", type=int, default=0, help="cells of the peak-memory run (e.g. 20000000)")
    parser.add_argument("--memory-limit", default="1GB", help="DuckDB's memory limit in the peak-memory run")
    parser.add_argument("--no-objects", action="store_true", help="skip the object load (slow past 1M cells)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the baseline and of each load; the quickest "
                        "counts")
    args = parser.parse_args()
    meta = big_meta(args.periods, args.measures)
    cells = args.periods * args.measures
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        csv_path, parquet_path = root / "values.csv", root / "values.parquet"
        write_values(meta, csv_path)
        write_values(meta, parquet_path)
        frame = pq.read_table(parquet_path).to_pandas()
        frame["value"] = frame["value"].astype("int64")

        def pandas_baseline(run: int) -> None:
            con = duckdb.connect(str(root / f"baseline{run}.duckdb"))
            con.register("frame", frame)
            con.execute("CREATE OR REPLACE TABLE cells AS SELECT * FROM frame")
            con.close()

        # interleaved, so that a busy spell of the machine falls on each of them alike
        runs: dict[str, list[float]] = {"baseline": [], "columnar_csv": [], "columnar_parquet": []}
        for run in range(args.repeat):
            runs["baseline"].append(timed(functools.partial(pandas_baseline, run)))
            with Store(root / f"csv{run}.duckdb") as store:
                runs["columnar_csv"].append(timed(lambda: store.load_columns(meta, csv_path)))
            with Store(root / f"parquet{run}.duckdb") as store:
                runs["columnar_parquet"].append(timed(lambda: store.load_columns(meta, parquet_path)))
        figures.update({key: min(values) for key, values in runs.items()})
        with Store(root / "parquet0.duckdb") as store:
            figures["columnar_again"] = best(args.repeat, lambda _: store.load_columns(meta, parquet_path))
            figures["read"] = timed(lambda: store.read("bench"))
        if not args.no_objects:
            table = Table(meta, {key: Cell(Decimal(i)) for i, key in enumerate(meta.cell_keys())})
            with Store(root / "objects.duckdb") as store:
                figures["objects"] = timed(lambda: store.load(table))
            del table
        # releases that each revise 1% of the cells
        one = size_of(root / "parquet0.duckdb")
        path = root / "releases.duckdb"
        loaded = []
        delta_loads = []
        with Store(path) as store:
            for r in range(args.releases):
                source = root / f"release{r}.parquet"
                write_values(meta, source, revision=r)
                started = time.perf_counter()
                assert store.load_columns(meta, source).created
                if r:
                    delta_loads.append(time.perf_counter() - started)
                loaded.append(source)
        figures["delta_load"] = min(delta_loads) if delta_loads else 0.0
        many = size_of(path)
        with Store(path, read_only=True) as store:
            started = time.perf_counter()
            for number, source in enumerate(loaded, start=1):  # the store's read, short of making objects
                expected = pq.read_table(source)["value"].to_pylist()
                got, statuses = deltas.read_ordered(store.connection, "bench", number)
                assert got == expected and set(statuses) == {""}, f"release {number} does not read back exactly"
            last = [format(c.value, "f") for _, c in store.read("bench").table.ordered_cells()]
            assert last == expected
            figures["read_releases"] = time.perf_counter() - started
        big = None
        if args.big:
            periods = max(1, args.big // args.measures)
            # a table larger than citystat takes by default (citystat.limits): the limits are raised, as a deployment
            # that loads such tables raises them
            os.environ.setdefault("CITYSTAT_LIMIT_YAML_NODES", str(10 * (periods + args.measures) + 30_000))
            os.environ.setdefault("CITYSTAT_LIMIT_TABLE_CELLS", str(periods * args.measures))
            big_parquet = root / "big.parquet"
            write_values(big_meta(periods, args.measures, "big"), big_parquet)
            out = subprocess.run(
                [sys.executable, "-c", CHILD, str(root / "big.duckdb"), str(periods), str(args.measures),
                 str(Path(__file__).parent), str(big_parquet), args.memory_limit], capture_output=True, text=True,
                check=True)
            seconds, rss_kb = out.stdout.split()[-2:]
            big = (periods * args.measures, float(seconds), int(rss_kb) / 1024)
    base = figures["baseline"]
    print(f"table of {cells:,} cells ({args.periods} periods x {args.measures} measures); each time the quickest of "
          f"{args.repeat} runs")
    print(f"  pandas DataFrame -> DuckDB table (baseline): {base:6.2f} s  {cells / base:12,.0f} cells/s")
    for key, label in (("columnar_csv", "citystat load_columns, CSV:             "),
                       ("columnar_parquet", "citystat load_columns, Parquet:         "),
                       ("columnar_again", "  the same again (hash only, no release)"),
                       ("objects", "citystat load of Table objects:         "),
                       ("read", "citystat read of the release:           ")):
        if key in figures:
            t = figures[key]
            print(f"  {label}      {t:6.2f} s  {cells / t:12,.0f} cells/s  ({base / t:.2f}x the baseline's speed)")
    print(f"  {args.releases} releases, each revising 1% of the cells of the one before: {many / 1e6:.1f} MB, one "
          f"release {one / 1e6:.1f} MB: {many / one:.2f}x; every release read back exactly "
          f"({figures['read_releases']:.1f} s)")
    if delta_loads:
        t = figures["delta_load"]
        print(f"  a release that revises 1% (stored as a delta), quickest:   {t:6.2f} s  {cells / t:12,.0f} cells/s  "
              f"({base / t:.2f}x the baseline's speed)")
    if big:
        print(f"  {big[0]:,} cells from Parquet: {big[1]:.1f} s ({big[0] / big[1]:,.0f} cells/s), "
              f"peak memory (VmHWM) {big[2]:,.0f} MB with DuckDB's memory_limit {args.memory_limit}")
    print(json.dumps({k: round(v, 3) for k, v in figures.items()}))


if __name__ == "__main__":
    main()
