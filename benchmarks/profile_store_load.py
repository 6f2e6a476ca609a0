"""Where the time of a columnar load goes: each phase of ``Store.load_columns`` of a 1,000,000-cell table, from
Parquet and from CSV, in wall and CPU seconds (the quickest of ``--repeat`` runs), beside the pandas -> DuckDB
baseline of ``bench_store.py`` in the same run.

    PYTHONPATH=src python benchmarks/profile_store_load.py [--periods 2000] [--measures 500] [--repeat 3]

The phases are timed by wrapping the functions the load calls (reading and staging, which includes the content
hash when it comes with the read; the consistency checks; a separate content hash, when one is taken; writing the
release); the load's own code is not changed.
"""

from __future__ import annotations

import argparse
import functools
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq

from citystat.store import Store, columnar, deltas

sys.path.insert(0, str(Path(__file__).parent))
from bench_store import big_meta, write_values  # noqa: E402

Timing = tuple[float, float]


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measured(work: Callable[[], Any]) -> Timing:
    wall, used = time.perf_counter(), cpu()
    work()
    return time.perf_counter() - wall, cpu() - used


def wrap(module: Any, name: str, label: str, timings: dict[str, list[Timing]]) -> None:
    """Time every call of ``module.name`` under ``label`` (absent names are skipped)."""
    if not hasattr(module, name):
        return
    original = getattr(module, name)

    @functools.wraps(original)
    def timed(*args: Any, **kwargs: Any) -> Any:
        wall, used = time.perf_counter(), cpu()
        try:
            return original(*args, **kwargs)
        finally:
            timings.setdefault(label, []).append((time.perf_counter() - wall, cpu() - used))

    setattr(module, name, timed)


def quickest(timings: list[Timing]) -> str:
    return f"{min(t[0] for t in timings):6.3f} s wall {min(t[1] for t in timings):6.3f} s CPU"


def pandas_baseline(path: Path, frame: Any) -> None:
    con = duckdb.connect(str(path))
    con.register("frame", frame)
    con.execute("CREATE OR REPLACE TABLE cells AS SELECT * FROM frame")
    con.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--periods", type=int, default=2000)
    parser.add_argument("--measures", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    phases: dict[str, list[Timing]] = {}
    wrap(columnar, "stage", "read and stage (with the hash when free)", phases)
    wrap(columnar, "_digest", "  of which the content hash", phases)
    wrap(columnar, "check", "consistency checks", phases)
    wrap(columnar, "content_hash", "content hash, taken apart", phases)
    wrap(deltas, "write_release", "writing the release", phases)
    meta = big_meta(args.periods, args.measures)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        parquet = root / "values.parquet"
        write_values(meta, parquet)
        frame = pq.read_table(parquet).to_pandas()
        frame["value"] = frame["value"].astype("int64")
        for path in (parquet, root / "values.csv"):
            write_values(meta, path)
            phases.clear()
            baseline, loads = [], []
            for run in range(args.repeat):
                baseline.append(measured(functools.partial(pandas_baseline, root / f"b{path.suffix}{run}.duckdb",
                                                           frame)))
                with Store(root / f"store{path.suffix}{run}.duckdb") as store:
                    loads.append(measured(functools.partial(store.load_columns, meta, path)))
            ratio = min(t[0] for t in baseline) / min(t[0] for t in loads)
            print(f"{args.periods * args.measures:,} cells from {path.suffix[1:]}: baseline {quickest(baseline)}; "
                  f"load_columns {quickest(loads)}: {ratio:.2f}x the baseline's speed")
            for label, timings in phases.items():
                print(f"  {label:42s} {quickest(timings)}")


if __name__ == "__main__":
    main()
