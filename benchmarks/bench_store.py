"""How fast the store checks, loads and reads a large table, against plain pandas + DuckDB in the same run.

    PYTHONPATH=src python benchmarks/bench_store.py [--periods 2000] [--measures 500]

citystat's load does more than write rows: it runs the consistency checks, hashes the content to decide
whether it is a new release, and writes in one transaction. The baseline writes the same cells from a
pandas DataFrame into a DuckDB table (no checks, no hash, no releases), so the ratio shows what that costs.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from citystat.catalog import bundled_tables
from citystat.model import Cell, Table, meta_from_dict, meta_to_dict
from citystat.store import Store


def big_table(periods: int, measures: int) -> Table:
    raw = meta_to_dict(next(t for t in bundled_tables() if t.id == "cooc_cloud").meta)
    raw["id"] = "bench"
    raw["variables"][0]["values"] = [{"code": f"{1900 + p // 12:04d}M{p % 12 + 1:02d}"} for p in range(periods)]
    raw["variables"][1]["values"] = [
        {"code": f"m{j}", "label": {"zh-TW": f"m{j}", "en": f"m{j}"}, "unit": {"zh-TW": "件", "en": "items"},
         "decimals": 0, "kind": "stock"} for j in range(measures)]
    meta = meta_from_dict(raw)
    return Table(meta, {key: Cell(Decimal(i)) for i, key in enumerate(meta.cell_keys())})


def timed(work: Callable[[], Any]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--periods", type=int, default=2000)
    parser.add_argument("--measures", type=int, default=500)
    args = parser.parse_args()
    table = big_table(args.periods, args.measures)
    cells = len(table.cells)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        frame = pd.DataFrame(
            [(*key, int(cell.value or 0), cell.status.value) for key, cell in table.cells.items()],
            columns=["year", "measure", "value", "status"],
        )

        def pandas_baseline() -> None:
            con = duckdb.connect(str(root / "baseline.duckdb"))
            con.register("frame", frame)
            con.execute("CREATE OR REPLACE TABLE cells AS SELECT * FROM frame")
            con.close()

        baseline = timed(pandas_baseline)
        with Store(root / "citystat.duckdb") as store:
            first = timed(lambda: store.load(table))
            again = timed(lambda: store.load(table))  # identical content: checked and hashed, nothing written
            read = timed(lambda: store.read("bench"))
    print(f"table of {cells:,} cells ({args.periods} periods x {args.measures} measures)")
    print(f"  pandas DataFrame -> DuckDB table (baseline): {baseline:6.2f} s  {cells / baseline:12,.0f} cells/s")
    print(f"  citystat load, new release:                  {first:6.2f} s  {cells / first:12,.0f} cells/s  "
          f"({first / baseline:.1f}x the baseline's time)")
    print(f"  citystat load, identical content:            {again:6.2f} s  {cells / again:12,.0f} cells/s")
    print(f"  citystat read of the release:                {read:6.2f} s  {cells / read:12,.0f} cells/s")


if __name__ == "__main__":
    main()
