"""The dashboard's cost: how long a page takes to build the first time, and how fast it is served after that.

    PYTHONPATH=src python benchmarks/bench_dashboard.py [--seconds 3] [--connections 8] [--rounds 2]

It builds the catalog database, starts `citystat serve` on 127.0.0.1 (the dashboard and the API in one app) and
measures, in the same run:

- cold: the first request of each page (building its data: findings, narratives, the chart spec) against the
  first whole-table data query of the API;
- warm: requests per second and p50/p99 latency of the home page, a table page, its JSON twin and the Vega
  bundle, with the ratio of each to the trivial API endpoint (/api/v2/config).

Only 127.0.0.1 is contacted; the load generator is bench_api's.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import urllib.request
from pathlib import Path

from bench_api import HOST, Result, measure, start_server, whole_table_path  # type: ignore[import-not-found]

from citystat.catalog import bundled_tables
from citystat.store import Store

TABLE = "taipei_free_usage"


def first_request(port: int, path: str) -> float:
    started = time.perf_counter()
    with urllib.request.urlopen(f"http://{HOST}:{port}{path}", timeout=120) as answer:
        answer.read()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="length of each measurement")
    parser.add_argument("--connections", type=int, default=8, help="concurrent keep-alive connections")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds of every endpoint")
    args = parser.parse_args()

    catalog = bundled_tables()
    table = next(t for t in catalog if t.id == TABLE)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.duckdb"
        with Store(db) as store:
            store.load_many(catalog, origin="bench")
        process, port = start_server(db)
        try:
            cold = {
                "API: whole-table data (baseline)": first_request(port, whole_table_path(table)),
                "home page (reads every table)": first_request(port, "/?lang=en"),
                "home page, other language": first_request(port, "/?lang=zh-TW"),
                "table page": first_request(port, f"/tables/{TABLE}?lang=en"),
                "its JSON twin (data already built)": first_request(port, f"/tables/{TABLE}.json?lang=en"),
                "another table page": first_request(port, "/tables/shared_transport_fleet?lang=en"),
                "publication (HTML, one language)": first_request(port, "/publication/citystat-publication.en.html"),
            }
            endpoints = {
                "trivial: GET /api/v2/config": "/api/v2/config",
                "home page": "/?lang=en",
                "table page": f"/tables/{TABLE}?lang=en",
                "table page JSON twin": f"/tables/{TABLE}.json?lang=en",
                "static: vega-bundle.js": "/static/vega-bundle.js",
            }
            results: dict[str, list[Result]] = {name: [] for name in endpoints}
            for _ in range(args.rounds):
                for name, path in endpoints.items():
                    results[name].append(measure(name, port, path, args.seconds, args.connections))
        finally:
            process.terminate()
            process.wait(timeout=10)

    baseline = cold["API: whole-table data (baseline)"]
    print("First request (builds and caches the answer), in the same server:")
    print(f"{'request':<40} {'ms':>9} {'× baseline':>11}")
    for name, seconds in cold.items():
        print(f"{name:<40} {seconds * 1000:>9.1f} {seconds / baseline:>11.1f}")
    print()
    print(f"Warm: one uvicorn worker, {args.connections} keep-alive connections, {args.rounds} round(s) of "
          f"{args.seconds:g} s per endpoint (median round), no gzip")
    print(f"{'endpoint':<32} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'body':>10} {'÷ trivial':>10}")
    rates = {name: statistics.median(r.rate for r in rounds) for name, rounds in results.items()}
    trivial = rates["trivial: GET /api/v2/config"]
    for name, rounds in results.items():
        middle = sorted(rounds, key=lambda r: r.rate)[len(rounds) // 2]
        print(f"{name:<32} {rates[name]:>9.0f} {middle.percentile(50):>8.2f} {middle.percentile(99):>8.2f} "
              f"{middle.body_bytes:>10,} {rates[name] / trivial:>10.2f}")


if __name__ == "__main__":
    main()
