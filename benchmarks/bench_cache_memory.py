"""Server memory while clients read old releases of a 1 M-cell table: the byte-bounded cache against none.

    PYTHONPATH=src python benchmarks/bench_cache_memory.py [--periods 1000] [--measures 1000] [--releases 10]
        [--requests 100] [--cap-mb 1024] [--cache-mb 350] [--release-cells 500000]

With --measures 300 --cache-mb 250 --release-cells 1000000 every release is read, and the run shows the
cache's byte bound at work (10 releases of 300,000 cells, about 100 MB each in memory).

It builds a database holding one table of periods x measures cells in releases+1 releases (release 1 by
Store.load; the others copied by SQL with changed values, which is quicker and reads the same), starts
`citystat serve` under a data-segment cap (RLIMIT_DATA, --cap-mb) and sends ``requests`` data queries for
the old releases (``release=N``, no token needed), 10 selections per release. It samples the server's
resident memory (VmRSS, VmHWM) and counts failed answers, twice in the same run:

- bounded: the table cache bounded at --cache-mb (CITYSTAT_LIMIT_CACHE_BYTES), earlier releases first out,
  and earlier releases of more than 500,000 cells refused with 403 (CITYSTAT_LIMIT_RELEASE_CELLS);
- baseline: as before: the cache bounded only by entry count (a budget of 100 GB), every release read.

Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import os
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pyarrow as pa

from citystat.model import meta_from_dict, meta_to_dict
from citystat.store import Store

TABLE = "memory_bench"


def build(db: Path, periods: int, measures: int, releases: int) -> None:
    from citystat.catalog import bundled_tables

    raw = meta_to_dict(next(t for t in bundled_tables() if t.id == "cooc_cloud").meta)
    raw["id"], raw["cell_notes"] = TABLE, []
    raw["variables"][0]["values"] = [{"code": f"{1912 + p // 12:04d}M{p % 12 + 1:02d}"} for p in range(periods)]
    raw["variables"][1]["values"] = [
        {"code": f"m{j}", "label": {"zh-TW": f"m{j}", "en": f"m{j}"}, "unit": {"zh-TW": "件", "en": "items"},
         "decimals": 0, "kind": "stock"} for j in range(measures)]
    meta = meta_from_dict(raw)
    keys = list(meta.cell_keys())
    codes = {v.code: [key[i] for key in keys] for i, v in enumerate(meta.variables)}
    with Store(db) as store:
        for number in range(1, releases + 2):  # each release revises every cell, so each is stored whole
            cells = pa.table({**codes, "value": [str(i + number) for i in range(len(keys))],
                              "status": [""] * len(keys)})
            store.load_columns(meta, cells, origin="bench")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def rss_mb(pid: int) -> tuple[float, float]:
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def serve(db: Path, cap_mb: int, cache_bytes: int, release_cells: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    cap = cap_mb << 20

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_DATA, (cap, cap))

    env = {**os.environ, "CITYSTAT_LIMIT_CACHE_BYTES": str(cache_bytes),
           "CITYSTAT_LIMIT_RELEASE_CELLS": str(release_cells)}
    process = subprocess.Popen([sys.executable, "-c", "from citystat.cli import main; main()", "serve", "--db",
                                str(db), "--port", str(port), "--no-access-log", "--workers", "1"],
                               env=env, preexec_fn=limit, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    api = f"http://127.0.0.1:{port}/api/v2"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(api + "/config", timeout=2).read()
            return process, api
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("the server did not start")


def run(db: Path, args: argparse.Namespace, cache_bytes: int, release_cells: int, label: str) -> None:
    process, api = serve(db, args.cap_mb, cache_bytes, release_cells)
    samples: list[float] = []
    done = threading.Event()

    def sample() -> None:
        while not done.is_set() and process.poll() is None:
            try:
                samples.append(rss_mb(process.pid)[0])
            except (FileNotFoundError, ProcessLookupError, KeyError):
                return
            done.wait(0.1)

    sampler = threading.Thread(target=sample)
    sampler.start()
    failed = refused = 0
    errors: dict[str, int] = {}
    started = time.perf_counter()
    sent = 0
    baseline = rss_mb(process.pid)[0]
    try:
        for number in range(1, args.releases + 1):
            for selection in range(args.requests // args.releases):
                sent += 1
                url = (f"{api}/tables/{TABLE}/data?release={number}&valueCodes[measure]=m{selection}"
                       f"&valueCodes[year]=*&outputFormat=json-stat2")
                try:
                    urllib.request.urlopen(url, timeout=120).read()
                except urllib.error.HTTPError as exc:
                    if exc.code == 403:  # refused by the cell limit: an answer, cheaply
                        refused += 1
                        continue
                    failed += 1
                    errors[f"HTTP {exc.code}: {exc.read()[:150]!r}"] = errors.get(f"HTTP {exc.code}", 0) + 1
                except OSError as exc:
                    failed += 1
                    errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
                if process.poll() is not None:
                    failed += args.requests - sent
                    raise StopIteration
    except StopIteration:
        pass
    seconds = time.perf_counter() - started
    alive = process.poll() is None
    hwm = rss_mb(process.pid)[1] if alive else float("nan")
    done.set()
    sampler.join()
    process.kill()
    process.wait()
    print(f"{label:9s} cache {cache_bytes / 2**20:9,.0f} MB  start {baseline:6.0f} MB  peak RSS "
          f"{max(samples, default=float('nan')):6.0f} MB (VmHWM {hwm:6.0f})  end "
          f"{samples[-1] if samples else float('nan'):6.0f} MB  refused (403) {refused:3d}  "
          f"failed {failed:3d}/{args.requests}  "
          f"{'alive' if alive else 'DIED'}  {seconds:5.1f} s", flush=True)
    for error, count in errors.items():
        print(f"    {count:3d} x {error}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--periods", type=int, default=1000)
    parser.add_argument("--measures", type=int, default=1000)
    parser.add_argument("--releases", type=int, default=10)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--cap-mb", type=int, default=1024)
    parser.add_argument("--cache-mb", type=int, default=350)
    parser.add_argument("--release-cells", type=int, default=500_000,
                        help="the bounded run's limit release_cells (raise it to read every release)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "memory.duckdb"
        began = time.perf_counter()
        build(db, args.periods, args.measures, args.releases)
        print(f"{args.periods * args.measures:,} cells x {args.releases + 1} releases built in "
              f"{time.perf_counter() - began:.1f} s; server capped at {args.cap_mb} MB (RLIMIT_DATA); "
              f"{args.requests} requests for releases 1-{args.releases}")
        run(db, args, args.cache_mb << 20, args.release_cells, "bounded")
        run(db, args, 100 << 30, 100_000_000, "baseline")


if __name__ == "__main__":
    main()
