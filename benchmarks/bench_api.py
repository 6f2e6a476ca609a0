"""Throughput and latency of the PxWeb API: a JSON-stat query of a whole table against a trivial endpoint.

    PYTHONPATH=src python benchmarks/bench_api.py [--seconds 4] [--connections 8] [--rounds 2]
    PYTHONPATH=src python benchmarks/bench_api.py --workers-only --seconds 8 --connections 128 --rounds 5

It builds a database (the catalog, plus a synthetic table of about 20,000 cells), starts `citystat serve`
on 127.0.0.1 in a process of its own, and drives it with a bounded load generator: keep-alive HTTP/1.1
connections that send requests back to back until the time or the request budget of a measurement is
spent. Each measurement is preceded by a warm-up, and the endpoints alternate in rounds so drift hits them
alike. It prints requests per second and p50/p99 latency of each endpoint, and the ratio of each data
query's throughput to the trivial endpoint's (/api/v2/config) measured in the same run. Only 127.0.0.1
is ever contacted.

With ``--workers N`` (default 2; ``--workers-only`` for just this) it also measures the whole-table query with one
worker process and with N, in the same run, driven by ``wrk -t1`` when it is installed (apt-get install wrk;
else by the Python generator above), and with N while a new release is published (copied, loaded, switched in).
It prints each rate, the ratio, every error (non-2xx answers and socket errors), and the CPU accounting: the
cores the server, wrk and the whole machine (other users included) kept busy, and requests per server CPU second.
"""

from __future__ import annotations

import argparse
import asyncio
import json
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
    parser.add_argument("--workers-only", action="store_true", help="measure only the workers' figures")
    parser.add_argument("--gzip", action="store_true",
                        help="send Accept-Encoding: gzip, as HTTP clients (requests, httpx, browsers) do")
    args = parser.parse_args()
    global ACCEPT_ENCODING
    ACCEPT_ENCODING = "gzip" if args.gzip else "identity"

    catalog = bundled_tables()
    largest = max(catalog, key=lambda t: len(t.cells))
    synthetic = synthetic_table()
    if args.workers_only:
        workers_figures(catalog, synthetic, args)
        return
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
    with Store(staged) as store:
        latest = store.read(table.id).table  # each publication revises the release before it
        cells = {key: Cell((cell.value or Decimal(0)) + 1, cell.status) for key, cell in latest.cells.items()}
        store.load(Table(latest.meta, cells), origin="bench:publish")
    os.replace(staged, db)


def _served_release(port: int, table_id: str) -> int:
    with urllib.request.urlopen(f"http://{HOST}:{port}/api/v2/tables/{table_id}", timeout=30) as answer:
        return int(json.loads(answer.read())["release"])


def _cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time of these processes so far (0 for one that has gone)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def _process_tree(pid: int) -> list[int]:
    """A process and its children (the server's supervisor and its workers)."""
    found = [pid]
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return found


def _machine_busy_seconds() -> float:
    """CPU time every process of the machine has used so far, in seconds (all cores together)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle and iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


@dataclass
class WrkRun:
    rate: float
    requests: int
    errors: int  # non-2xx/3xx answers and socket errors together
    seconds: float
    wrk_cpu: float  # the load generator's own CPU seconds
    server_cpu: float  # the server's (supervisor and workers) CPU seconds
    machine_cpu: float  # every process's CPU seconds, this run and the others on the machine


def _wrk(url: str, seconds: float, connections: int, gzip: bool, server_pid: int) -> WrkRun:
    import re
    import resource

    command = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency", url]
    if gzip:
        command[1:1] = ["-H", "Accept-Encoding: gzip"]
    tree = _process_tree(server_pid)
    before = (resource.getrusage(resource.RUSAGE_CHILDREN), _cpu_seconds(tree), _machine_busy_seconds())
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=True)
    elapsed = time.perf_counter() - started
    usage, server_cpu = resource.getrusage(resource.RUSAGE_CHILDREN), _cpu_seconds(tree)
    machine = _machine_busy_seconds()
    out = done.stdout
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors += int(bad.group(1)) if bad else 0
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    wrk_cpu = (usage.ru_utime + usage.ru_stime) - (before[0].ru_utime + before[0].ru_stime)
    return WrkRun(rate, requests, errors, elapsed, wrk_cpu, server_cpu - before[1], machine - before[2])


def workers_figures(catalog: list[Table], synthetic: Table, args: argparse.Namespace) -> None:
    """The whole-table JSON-stat query with one worker and with several, in the same run, driven by wrk (or, without
    it, by the Python load generator); during the third measurement a new release is published by copy-then-switch.
    Prints each figure, the ratios, every error, and where the CPU time went."""
    import shutil
    import threading

    path = whole_table_path(synthetic)
    use_wrk = shutil.which("wrk") is not None
    runs = [(1, False), (args.workers, False), (args.workers, True)]  # (workers, a release published meanwhile)
    results: dict[tuple[int, bool], list[WrkRun]] = {run: [] for run in runs}
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.duckdb"
        with Store(db) as store:
            store.load_many([*catalog, synthetic], origin="bench")
        for _ in range(args.rounds):
            for workers, publishing in runs:
                process, port = start_server(db, workers)
                publisher = None
                try:
                    url = f"http://{HOST}:{port}{path}"
                    for _ in range(2 * workers):  # new connections, spread over the workers: each builds the answer
                        with urllib.request.urlopen(url, timeout=60) as warm:
                            warm.read()
                    if use_wrk:  # and a second of load, as the timed run will be
                        subprocess.run(["wrk", "-t1", f"-c{args.connections}", "-d1s", url], capture_output=True,
                                       check=True, timeout=60)
                    if publishing:
                        before = _served_release(port, synthetic.id)
                        publisher = threading.Thread(target=publish, args=(db, synthetic, args.seconds / 3))
                        publisher.start()
                    if use_wrk:
                        result = _wrk(url, args.seconds, args.connections, args.gzip, process.pid)
                    else:
                        tree = _process_tree(process.pid)
                        cpu, machine = _cpu_seconds(tree), _machine_busy_seconds()
                        measured = measure(f"{workers} workers", port, path, args.seconds, args.connections)
                        result = WrkRun(measured.rate, measured.requests, 0, measured.seconds, float("nan"),
                                        _cpu_seconds(tree) - cpu, _machine_busy_seconds() - machine)
                    if publishing:
                        publisher.join()  # type: ignore[union-attr]
                        publisher = None
                        served = _served_release(port, synthetic.id)
                        if served <= before:
                            raise RuntimeError(f"after the switch the server still serves release {served}")
                    results[workers, publishing].append(result)
                finally:
                    if publisher is not None:
                        publisher.join()
                    process.terminate()
                    process.wait(timeout=30)

    def median(run: tuple[int, bool]) -> WrkRun:
        return sorted(results[run], key=lambda r: r.rate)[len(results[run]) // 2]

    one, many, published = (median(run) for run in runs)
    generator = (f"wrk -t1 -c{args.connections}" if use_wrk else
                 f"the Python load generator ({args.connections} connections; wrk not found)")
    print(f"\nwhole-table JSON-stat ({len(synthetic.cells):,} cells, {'gzip' if args.gzip else 'identity'}), "
          f"{os.cpu_count()} cores, {generator}, {args.seconds:g} s per run, median of {args.rounds} round(s):")
    print(f"{'run':<36} {'req/s':>8} {'errors':>7} {'server CPU':>11} {'wrk CPU':>8} {'machine CPU':>12} "
          f"{'req per server CPU s':>21}")
    for name, run in (("1 worker", one), (f"{args.workers} workers", many),
                      (f"{args.workers} workers, release published", published)):
        per_cpu = run.requests / run.server_cpu if run.server_cpu else float("nan")
        print(f"{name:<36} {run.rate:>8.0f} {run.errors:>7} {run.server_cpu / run.seconds:>10.2f}c "
              f"{run.wrk_cpu / run.seconds:>7.2f}c {run.machine_cpu / run.seconds:>11.2f}c {per_cpu:>21.0f}")
    print(f"ratio {args.workers} workers / 1 worker: {many.rate / one.rate:.2f} (aim: at least 1.60); while a release "
          f"is published: {published.rate / one.rate:.2f}; errors: {one.errors + many.errors + published.errors} "
          f"(c = cores busy on average; machine CPU counts every process, other users' included)")
    if use_wrk and one.requests and many.requests:
        # with the load generator on the same cores, N workers can at best share the cores left by it: with s and w
        # the server's and wrk's CPU per request in the N-worker run, N workers serve at most cores/(s + w)
        # requests a second (each CPU figure as measured: a worker kept less busy spends less per request)
        server, client = many.server_cpu / many.requests, many.wrk_cpu / many.requests
        cores = os.cpu_count() or 1
        bound = min(args.workers * one.rate, cores / (server + client)) / one.rate
        idle = max(0.0, cores - many.machine_cpu / many.seconds)
        print(f"CPU per request with {args.workers} workers: server {server * 1e6:.0f} us (one worker: "
              f"{one.server_cpu / one.requests * 1e6:.0f} us), wrk {client * 1e6:.0f} us; on {cores} cores shared "
              f"with wrk the ratio can reach at most {bound:.2f}; the cores were idle {idle:.2f}c on average")


if __name__ == "__main__":
    main()
