"""Throughput and latency of the PxWeb API: a JSON-stat query of a whole table against a trivial endpoint.

    PYTHONPATH=src python benchmarks/bench_api.py [--seconds 4] [--connections 8] [--rounds 2]

It builds a database (the catalog, plus a synthetic table of about 20,000 cells), starts `citystat serve`
on 127.0.0.1 in a process of its own, and drives it with a bounded load generator: keep-alive HTTP/1.1
connections that send requests back to back until the time or the request budget of a measurement is
spent. Each measurement is preceded by a warm-up, and the endpoints alternate in rounds so drift hits them
alike. It prints requests per second and p50/p99 latency of each endpoint, and the ratio of each data
query's throughput to the trivial endpoint's (/api/v2/config) measured in the same run. Only 127.0.0.1
is ever contacted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from citystat.catalog import bundled_tables
from citystat.model import Cell, Table, meta_from_dict
from citystat.store import Store

REPO = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
MAX_REQUESTS = 100_000  # per measurement, whatever the time budget


def synthetic_table(months: int = 168, areas: int = 30) -> Table:
    """A monthly table by area of four stock measures: months × areas × 4 cells."""
    periods = [f"{2010 + m // 12}M{m % 12 + 1:02d}" for m in range(months)]
    raw = {
        "id": "bench_synthetic",
        "subject": "bench",
        "title": {"zh-TW": "效能測試表", "en": "Benchmark table"},
        "sources": [{"name": {"zh-TW": "測試", "en": "benchmark"}}],
        "variables": [
            {"code": "month", "role": "time", "label": {"zh-TW": "月別", "en": "Month"}, "values": periods},
            {"code": "area", "role": "geo", "label": {"zh-TW": "地區", "en": "Area"},
             "values": [{"code": f"a{i:02d}", "label": {"zh-TW": f"地區{i}", "en": f"Area {i}"}}
                        for i in range(areas)]},
            {"code": "measure", "role": "metric", "label": {"zh-TW": "指標", "en": "Measure"},
             "values": [{"code": f"m{j}", "label": {"zh-TW": f"指標{j}", "en": f"Measure {j}"},
                         "unit": {"zh-TW": "件", "en": "items"}, "decimals": 0, "kind": "stock"}
                        for j in range(4)]},
        ],
    }
    meta = meta_from_dict(raw)
    cells = {key: Cell(Decimal(i * 7919 % 100_000 + 1)) for i, key in enumerate(meta.cell_keys())}
    return Table(meta, cells)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def start_server(db: Path, workers: int = 1) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO / "src"), os.environ.get("PYTHONPATH")]))}
    env.pop("CITYSTAT_ADMIN_TOKEN", None)
    env["CITYSTAT_RATE_LIMIT"] = "off"  # it measures the server, not the limit on one client
    process = subprocess.Popen(
        [sys.executable, "-c", "from citystat.cli import main; main()", "serve", "--host", HOST, "--port", str(port),
         "--db", str(db), "--no-access-log", "--workers", str(workers)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/api/v2/config", timeout=2):
                return process, port
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the server did not start")


@dataclass
class Result:
    name: str
    requests: int
    seconds: float
    latencies: list[float]
    body_bytes: int

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000


ACCEPT_ENCODING = "identity"


async def _connection(port: int, path: str, deadline: float, budget: list[int], latencies: list[float],
                      sizes: list[int]) -> None:
    reader, writer = await asyncio.open_connection(HOST, port)
    request = (f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nAccept: */*\r\n"
               f"Accept-Encoding: {ACCEPT_ENCODING}\r\n\r\n").encode()
    try:
        while time.perf_counter() < deadline and budget[0] > 0:
            budget[0] -= 1
            started = time.perf_counter()
            writer.write(request)
            await writer.drain()
            status = await reader.readline()
            length = 0
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            body = await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            if not status.startswith(b"HTTP/1.1 200"):
                raise RuntimeError(f"{path}: {status!r} {body[:200]!r}")
            sizes.append(len(body))
    finally:
        writer.close()


async def _load(port: int, path: str, seconds: float, connections: int) -> tuple[int, float, list[float], int]:
    latencies: list[float] = []
    sizes: list[int] = []
    budget = [MAX_REQUESTS]
    started = time.perf_counter()
    await asyncio.gather(*(_connection(port, path, started + seconds, budget, latencies, sizes)
                           for _ in range(connections)))
    return len(latencies), time.perf_counter() - started, latencies, (sizes[0] if sizes else 0)


def measure(name: str, port: int, path: str, seconds: float, connections: int) -> Result:
    asyncio.run(_load(port, path, min(1.0, seconds / 4), connections))  # warm-up: fills the answer cache
    count, elapsed, latencies, size = asyncio.run(_load(port, path, seconds, connections))
    return Result(name, count, elapsed, latencies, size)


def whole_table_path(table: Table) -> str:
    selection = "&".join(f"valueCodes[{v.code}]=*" for v in table.meta.variables)
    return f"/api/v2/tables/{table.id}/data?lang=en&outputFormat=json-stat2&{selection}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0, help="length of each measurement")
    parser.add_argument("--connections", type=int, default=8, help="concurrent keep-alive connections")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds of every endpoint")
    parser.add_argument("--workers", type=int, default=2, help="also measure the whole-table query with this many "
                        "worker processes against one, publishing a new release (copy, then switch) meanwhile")
    parser.add_argument("--gzip", action="store_true",
                        help="send Accept-Encoding: gzip, as HTTP clients (requests, httpx, browsers) do")
    args = parser.parse_args()
    global ACCEPT_ENCODING
    ACCEPT_ENCODING = "gzip" if args.gzip else "identity"

    catalog = bundled_tables()
    largest = max(catalog, key=lambda t: len(t.cells))
    synthetic = synthetic_table()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.duckdb"
        with Store(db) as store:
            store.load_many([*catalog, synthetic], origin="bench")
        process, port = start_server(db)
        endpoints = {
            "trivial: GET /api/v2/config": "/api/v2/config",
            f"data: {largest.id} ({len(largest.cells)} cells)": whole_table_path(largest),
            f"data: {synthetic.id} ({len(synthetic.cells):,} cells)": whole_table_path(synthetic),
        }
        results: dict[str, list[Result]] = {name: [] for name in endpoints}
        try:
            for _ in range(args.rounds):
                for name, path in endpoints.items():
                    results[name].append(measure(name, port, path, args.seconds, args.connections))
        finally:
            process.terminate()
            process.wait(timeout=10)

    print(f"citystat PxWeb API on {HOST}, one uvicorn worker; {args.connections} keep-alive connections, "
          f"{args.rounds} round(s) of {args.seconds:g} s per endpoint (median round shown); "
          f"Accept-Encoding: {ACCEPT_ENCODING}")
    print(f"{'endpoint':<44} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'body':>10}")
    rates: dict[str, float] = {}
    for name, rounds in results.items():
        best = sorted(rounds, key=lambda r: r.rate)[len(rounds) // 2]
        rates[name] = statistics.median(r.rate for r in rounds)
        print(f"{name:<44} {rates[name]:>9.0f} {best.percentile(50):>8.2f} {best.percentile(99):>8.2f} "
              f"{best.body_bytes:>9,}B")
    trivial = rates[next(iter(endpoints))]
    for name in list(endpoints)[1:]:
        print(f"ratio {name} / trivial: {rates[name] / trivial:.2f} (aim: at least 0.50)")
    if args.workers > 1:
        workers_figures(catalog, synthetic, args)


def publish(db: Path, table: Table, after: float) -> None:
    """A new release, as a node receives it: the file copied beside the served one, loaded, then switched in."""
    import shutil

    time.sleep(after)
    staged = db.with_name(db.name + ".new")
    shutil.copy(db, staged)
    cells = {key: Cell((cell.value or Decimal(0)) + 1, cell.status) for key, cell in table.cells.items()}
    with Store(staged) as store:
        store.load(Table(table.meta, cells), origin="bench:publish")
    os.replace(staged, db)


def workers_figures(catalog: list[Table], synthetic: Table, args: argparse.Namespace) -> None:
    """The whole-table JSON-stat query with one worker and with several, in the same run; during the several-worker
    measurement a new release is published by copy-then-switch, and any answer but 200 stops the benchmark."""
    import threading

    path = whole_table_path(synthetic)
    runs = [(1, False), (args.workers, False), (args.workers, True)]  # (workers, a release published meanwhile)
    rates: dict[tuple[int, bool], list[float]] = {run: [] for run in runs}
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.duckdb"
        with Store(db) as store:
            store.load_many([*catalog, synthetic], origin="bench")
        for _ in range(args.rounds):
            for workers, publishing in runs:
                process, port = start_server(db, workers)
                publisher = None
                if publishing:
                    publisher = threading.Thread(target=publish, args=(db, synthetic, args.seconds / 2))
                    publisher.start()
                try:
                    rates[workers, publishing].append(
                        measure(f"{workers} workers", port, path, args.seconds, args.connections).rate)
                finally:
                    if publisher is not None:
                        publisher.join()
                    process.terminate()
                    process.wait(timeout=20)
    one, many, published = (statistics.median(rates[run]) for run in runs)
    print(f"whole-table JSON-stat ({len(synthetic.cells):,} cells), {os.cpu_count()} cores: 1 worker {one:.0f} req/s, "
          f"{args.workers} workers {many:.0f} req/s ({many / one:.2f}x), {args.workers} workers while a release is "
          f"published (copy, then switch) {published:.0f} req/s ({published / one:.2f}x); every answer was 200")

if __name__ == "__main__":
    main()
