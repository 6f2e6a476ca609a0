"""Benchmark: events per second of citystat's aggregation against baselines measured in the same run.

    python benchmarks/bench_aggregate.py --scale 0.1 --years 2021
    python benchmarks/bench_aggregate.py --scale 1 --years 2021 --work /tmp/sf1 --pandas-events 60000000

It simulates the events (unless --work already holds them at that scale and seed), then times, over the same
files the aggregation reads:

- bare:     a bare DuckDB ``SELECT local_day, count(*) ... GROUP BY local_day`` per stream, reading every event's
            time (the least any calendar statistic must do): the scan-speed limit, the target's baseline;
- bare_date_cast: the same with the local day as a date cast of the local instant, as citystat's scan groups it
            (no division per event): shown for context;
- citystat: the whole DuckDB aggregation (file checks, exclusions, id proof, every definition, exact finishing);
- pandas:   the same aggregation written by hand in pandas, file by file (on a subset of the files when
            --pandas-events is smaller than the total; its rate is then measured on that subset);
- spark:    the whole aggregation on Spark in local mode (session start reported apart).

It checks that the derived tables equal the published ones at that scale (exactly the published figures at
scale 1), prints every figure and ratio, and removes the events unless --keep (or --work was given).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd

from citystat.aggregate import DuckDBEngine, SparkEngine, aggregate_events, compare_tables, spark_session
from citystat.aggregate.compiler import plan_streams
from citystat.aggregate.definitions import load_definitions
from citystat.aggregate.runner import catalog_metas
from citystat.aggregate.sources import discover
from citystat.catalog import bundled_tables
from citystat.simulate import MANIFEST, simulate

OFFSET_US = 8 * 3600 * 1_000_000
DAY_US = 86_400 * 1_000_000


def files_read(root: Path, years: list[int]) -> dict[str, list]:
    """The files the aggregation reads, by stream (every year up to the last for history streams)."""
    plans = plan_streams(load_definitions())
    found = discover(root, plans)
    return {k: found.streams[k].select(years, history=p.history) for k, p in plans.items() if k in found.streams}


LOCAL_DAY = f"(epoch_us(ts) + {OFFSET_US}) // {DAY_US}"  # the bare scan's local day: a division per event
# the local date as citystat's DuckDB scan groups it (a date cast of the local instant): shown for context
LOCAL_DATE = f"CAST(make_timestamp(epoch_us(ts) + {OFFSET_US}) AS DATE)"


def bare_scan(selected: dict[str, list], threads: int | None, day: str = LOCAL_DAY) -> tuple[int, float]:
    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {threads}")
    events, started = 0, time.perf_counter()
    for files in selected.values():
        listed = ", ".join(f"'{f.path}'" for f in files)
        rows = con.execute(f"SELECT {day} AS local_day, count(*) "
                           f"FROM read_parquet([{listed}]) GROUP BY local_day").fetchall()
        events += sum(r[1] for r in rows)
    return events, time.perf_counter() - started


def metadata_count(selected: dict[str, list]) -> tuple[int, float]:
    """count(*) by partition answered from the Parquet footers alone: not a scan, shown for context."""
    con = duckdb.connect()
    events, started = 0, time.perf_counter()
    for files in selected.values():
        listed = ", ".join(f"'{f.path}'" for f in files)
        rows = con.execute(f"SELECT year, month, count(*) FROM read_parquet([{listed}], hive_partitioning = true) "
                           "GROUP BY ALL").fetchall()
        events += sum(r[2] for r in rows)
    return events, time.perf_counter() - started


def citystat_duckdb(root: Path, years: list[int], threads: int | None):
    with DuckDBEngine(threads=threads) as engine:
        started = time.perf_counter()
        result = aggregate_events(root, engine=engine, metas=catalog_metas(), years=years)
        return result, time.perf_counter() - started


# -- the same aggregation, written by hand in pandas ----------------------------------------------------------

SIGNS: dict[str, tuple[str, str, str] | None] = {
    "open_data.datasets": ("event_type", "published", "retired"),
    "cooc_cloud.courses": ("event_type", "created", "retired"),
    "taipeipass.cards": ("event_type", "activation", "deactivation"),
    "taipeipass.downloads": None,
}
GROUPS = {"pay_taipei.bills": "category", "shared_transport.trips": "mode", "shared_transport.fleet": "mode"}


def pandas_file(key: str, f) -> dict:
    """One file: counts (and sums) by local year and group, net signs, snapshots; misfiled and duplicate checks."""
    columns = ["event_id", "ts"] + ([GROUPS[key]] if key in GROUPS else []) + (["amount"] if key ==
                                                                                 "pay_taipei.bills" else [])
    signs = SIGNS.get(key)
    if signs:
        columns.append(signs[0])
    df = pd.read_parquet(f.path, columns=columns)
    local = df["ts"].dt.tz_convert("Asia/Taipei")
    inside = (local.dt.year == f.year) & (local.dt.month == f.month)
    if not df["event_id"].is_unique:
        raise ValueError(f"duplicate event ids in {f.path}")
    df = df[inside]
    local = local[inside]
    out: dict = {"events": len(inside), "misfiled": int((~inside).sum()), "ids": (df["event_id"].min(),
                                                                                   df["event_id"].max())}
    df = df.assign(year=local.dt.year)
    if key == "shared_transport.fleet":
        out["snapshots"] = df.groupby(["ts", "mode"]).size()
    elif key in SIGNS:
        if signs:
            column, plus, minus = signs
            sign = df[column].map({plus: 1, minus: -1}).fillna(0)
        else:
            sign = pd.Series(1, index=df.index)
        out["net"] = sign.groupby(df["year"]).sum()
    elif key in GROUPS:
        grouped = df.groupby(["year", GROUPS[key]])
        out["counts"] = grouped.size()
        if key == "pay_taipei.bills":
            out["sums"] = grouped["amount"].sum()
    else:
        out["counts"] = df.groupby("year").size()
    return out


def pandas_aggregate(selected: dict[str, list], budget: int | None) -> tuple[dict, int, float]:
    """The base figures of every table, by hand: counts, sums, year-end snapshots, net cumulative counts."""
    chosen = {k: list(v) for k, v in selected.items()}
    total = sum(f.rows for fs in chosen.values() for f in fs)
    if budget and total > budget:  # the same share of every stream's files, biggest streams thinned first
        share = budget / total
        chosen = {k: fs[: max(1, round(len(fs) * share))] for k, fs in chosen.items()}
    events, started = 0, time.perf_counter()
    figures: dict = {}
    for key, files in chosen.items():
        parts = [pandas_file(key, f) for f in files]
        events += sum(p["events"] for p in parts)
        ranges = sorted(p["ids"] for p in parts if p["events"])
        if any(b[0] <= a[1] for a, b in zip(ranges, ranges[1:], strict=False)):
            raise ValueError(f"{key}: files share event ids")
        if key == "shared_transport.fleet":
            snaps = pd.concat([p["snapshots"] for p in parts]).groupby(level=[0, 1]).sum()
            frame = snaps.reset_index()
            frame["year"] = frame["ts"].dt.tz_convert("Asia/Taipei").dt.year
            last = frame[frame["ts"] == frame.groupby("year")["ts"].transform("max")]
            figures[key] = last.groupby(["year", "mode"])[0].sum().to_dict()
        elif key in SIGNS:
            figures[key] = pd.concat([p["net"] for p in parts]).groupby(level=0).sum().sort_index().cumsum().to_dict()
        else:
            figures[key] = pd.concat([p["counts"] for p in parts]).groupby(level=list(
                range(parts[0]["counts"].index.nlevels))).sum().to_dict()
            if key == "pay_taipei.bills":
                figures[key + ":amount"] = pd.concat([p["sums"] for p in parts]).groupby(level=[0, 1]).sum().to_dict()
        figures[key + ":misfiled"] = sum(p["misfiled"] for p in parts)
    return figures, events, time.perf_counter() - started


def check_pandas(figures: dict, tables: dict, year: int) -> list[str]:
    """The pandas figures against the derived tables (only meaningful when pandas read every file)."""
    y = str(year)
    checks = {
        "wifi total": (figures["wifi.sessions"].get(year), tables["taipei_free_usage"].cell(year=y, measure="total")),
        "open data uses": (figures["open_data.uses"].get(year), tables["open_data_platform"].cell(year=y,
                                                                                                measure="uses")),
        "bills": (sum(v for (yy, _), v in figures["pay_taipei.bills"].items() if yy == year),
                  tables["pay_taipei"].cell(year=y, measure="bills")),
        "TaipeiPASS activations": (figures["taipeipass.cards"].get(year), tables["taipeipass"].cell(
            year=y, measure="activations")),
        "bikes at the year end": (figures["shared_transport.fleet"].get((year, "bike")), tables[
            "shared_transport_fleet"].cell(year=y, measure="bikes")),
    }
    return [f"{name}: pandas {a} vs citystat {b.value}" for name, (a, b) in checks.items() if a != b.value]


def reproduction(result, scale: Decimal) -> tuple[int, int]:
    published = {t.id: t for t in bundled_tables()}
    equal = differing = 0
    for table in result.tables:
        comparison = compare_tables(published[table.id.removesuffix("__events")], table, scale)
        equal += comparison.count("equal")
        differing += comparison.count("differs") + comparison.count("missing")
    return equal, differing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default="0.1")
    parser.add_argument("--years", default="2021", help="e.g. 2021 or 2020-2021")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--work", type=Path, help="events directory (kept); simulated there unless present")
    parser.add_argument("--keep", action="store_true", help="keep the simulated events")
    parser.add_argument("--workers", type=int, default=None, help="simulation processes")
    parser.add_argument("--threads", type=int, default=None, help="DuckDB threads (both DuckDB runs)")
    parser.add_argument("--repeat", type=int, default=2, help="timed runs of bare and citystat; the best counts")
    parser.add_argument("--pandas-events", type=int, default=60_000_000, help="events pandas reads at most")
    parser.add_argument("--no-spark", action="store_true")
    parser.add_argument("--json", type=Path, help="write the figures here too")
    args = parser.parse_args()

    first, _, last = args.years.partition("-")
    years = list(range(int(first), int(last or first) + 1))
    scale = Decimal(args.scale)
    root = args.work or Path(tempfile.mkdtemp(prefix=f"citystat-bench-{args.scale}-"))
    figures: dict = {"scale": str(scale), "years": years, "cpus": os.cpu_count()}
    manifest = root / MANIFEST
    reuse = manifest.is_file() and json.loads(manifest.read_text())["scale"] == str(scale) and \
        json.loads(manifest.read_text())["seed"] == args.seed and json.loads(manifest.read_text())["years"] == years
    try:
        if not reuse:
            print(f"simulating scale {scale}, years {years} into {root} ...", flush=True)
            started = time.perf_counter()
            sim = simulate(bundled_tables(), root, scale=scale, years=years, seed=args.seed, workers=args.workers,
                           overwrite=True)
            seconds = time.perf_counter() - started
            size = sum(p.stat().st_size for p in root.rglob("*.parquet"))
            figures["simulate"] = {"events": sim.events, "files": sim.files, "seconds": seconds, "bytes": size}
            print(f"simulated {sim.events:,} events in {sim.files:,} files, {size / 1e9:.2f} GB, "
                  f"{seconds:.1f} s = {sim.events / seconds:,.0f} events/s", flush=True)
        selected = files_read(root, years)
        n_files = sum(len(v) for v in selected.values())
        print(f"the aggregation reads {sum(f.rows for v in selected.values() for f in v):,} events in {n_files} "
              "files", flush=True)

        bare_scan(selected, args.threads)  # warm the page cache for everybody
        bare_best = city_best = dated_best = float("inf")
        result = None
        for _ in range(args.repeat):
            bare_events, seconds = bare_scan(selected, args.threads)
            bare_best = min(bare_best, seconds)
            _, seconds = bare_scan(selected, args.threads, LOCAL_DATE)
            dated_best = min(dated_best, seconds)
            result, seconds = citystat_duckdb(root, years, args.threads)
            city_best = min(city_best, seconds)
        assert result is not None
        events = result.report.events
        assert events == bare_events, (events, bare_events)
        meta_events, meta_seconds = metadata_count(selected)
        equal, differing = reproduction(result, scale)
        figures["bare"] = {"events": bare_events, "seconds": bare_best}
        figures["bare_date_cast"] = {"events": bare_events, "seconds": dated_best}
        figures["metadata_count"] = {"events": meta_events, "seconds": meta_seconds}
        figures["citystat_duckdb"] = {"events": events, "seconds": city_best, "excluded": result.report.excluded}
        figures["reproduction"] = {"cells_equal": equal, "cells_differing": differing}
        print(f"bare DuckDB scan: {bare_best:.2f} s; citystat DuckDB: {city_best:.2f} s; published cells "
              f"reproduced: {equal}, differing: {differing}", flush=True)

        pd_figures, pd_events, pd_seconds = pandas_aggregate(selected, args.pandas_events)
        figures["pandas"] = {"events": pd_events, "seconds": pd_seconds, "subset": pd_events < events}
        if pd_events == events:
            tables = {t.id.removesuffix("__events"): t for t in result.tables}
            mismatches = check_pandas(pd_figures, tables, years[-1])
            figures["pandas"]["mismatches"] = mismatches
            print("pandas figures " + ("agree with citystat" if not mismatches else f"DIFFER: {mismatches}"))
        print(f"pandas: {pd_events:,} events in {pd_seconds:.1f} s", flush=True)

        if not args.no_spark:
            started = time.perf_counter()
            session = spark_session("local[*]")
            figures["spark_start_seconds"] = time.perf_counter() - started
            with SparkEngine(session) as engine:
                started = time.perf_counter()
                spark_result = aggregate_events(root, engine=engine, metas=catalog_metas(), years=years)
                seconds = time.perf_counter() - started
            same = all(a.cells == b.cells for a, b in zip(result.tables, spark_result.tables, strict=True))
            figures["spark"] = {"events": spark_result.report.events, "seconds": seconds, "identical": same}
            session.stop()
            print(f"spark local: {seconds:.1f} s (start {figures['spark_start_seconds']:.1f} s), tables identical "
                  f"to DuckDB: {same}", flush=True)
    finally:
        if not args.work and not args.keep:
            shutil.rmtree(root, ignore_errors=True)

    rate = {k: v["events"] / v["seconds"] for k, v in figures.items()
            if isinstance(v, dict) and "seconds" in v and v["seconds"]}
    print()
    print(f"scale {scale}, years {years}, {os.cpu_count()} CPUs")
    print(f"{'run':<22}{'events':>16}{'seconds':>11}{'events/s':>16}{'citystat ×':>12}")
    for key in ("simulate", "metadata_count", "bare", "bare_date_cast", "citystat_duckdb", "pandas", "spark"):
        if key in figures:
            v = figures[key]
            ratio = rate["citystat_duckdb"] / rate[key]
            print(f"{key:<22}{v['events']:>16,}{v['seconds']:>11.2f}{rate[key]:>16,.0f}{ratio:>12.2f}")
    figures["ratios"] = {
        "citystat_vs_pandas": rate["citystat_duckdb"] / rate["pandas"],
        "citystat_vs_bare": rate["citystat_duckdb"] / rate["bare"],
        **({"citystat_vs_spark": rate["citystat_duckdb"] / rate["spark"]} if "spark" in rate else {}),
    }
    r = figures["ratios"]
    print(f"citystat / pandas = {r['citystat_vs_pandas']:.1f}× (target ≥ 20×: "
          f"{'met' if r['citystat_vs_pandas'] >= 20 else 'NOT met'})")
    print(f"citystat / bare scan = {r['citystat_vs_bare']:.2f} (target ≥ 0.8, issue 14: "
          f"{'met' if r['citystat_vs_bare'] >= 0.8 else 'NOT met'})")
    print(f"citystat / bare scan with the local date as a date cast (as citystat groups it; context, not the "
          f"target) = {rate['citystat_duckdb'] / rate['bare_date_cast']:.2f}")
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, default=str))
    sys.exit(0 if figures["reproduction"]["cells_differing"] == 0 else 1)


if __name__ == "__main__":
    main()
