"""Large reads: a 1,000,000-cell answer of the API, streamed, against DuckDB's own COPY ... TO of the same cells.

    PYTHONPATH=src python benchmarks/bench_large_reads.py [--stations 1000] [--days 500]

It writes a generated table of stations x days x 2 measures (1,000 x 500 x 2 = 1,000,000 cells, see
tests/large_tables.py), loads it into a fresh DuckDB file with `citystat load`'s library call, and measures in the
same run:

- the baseline: DuckDB's `COPY (SELECT station, day, measure, value, status FROM <the release's cells> ORDER BY
  position) TO` a file as JSON (newline-delimited), CSV and Parquet (zstd), from the store's own tables;
- the API: a real `citystat serve` on 127.0.0.1 answering every cell (valueCodes[*]=*) as JSON-stat 2.0, CSV and
  Parquet: time to the first byte of the body and total time, over HTTP, with the answer's size. The first
  request also reads the table from the database into the server (the cold figure); each format is then asked
  once more and timed warm. The server is one process (`--workers 1`, so its memory is all in one place) whose
  table cache is raised past the table's size (CITYSTAT_LIMIT_CACHE_BYTES): with the default budget a
  million-cell table is read again for every request, and each answer costs about the cold figure. The same
  again on a second server that builds every answer whole before sending it (CITYSTAT_STREAM_FROM_CELLS past
  the table's size): what streaming changes. Each server's peak resident memory (VmHWM) is read at the end.

It prints the figures and the ratios of the API's times to DuckDB's COPY of the same format. Only 127.0.0.1 is
contacted; the server is stopped at the end.
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the generator the tests use

from tests.large_tables import TABLE_ID, write_large_table  # noqa: E402

from citystat.catalog.tablefile import read_table  # noqa: E402
from citystat.store import Store, cube, deltas  # noqa: E402

HOST = "127.0.0.1"
FORMATS = (("json-stat2", "json"), ("csv", "csv"), ("parquet", "parquet"))  # (API outputFormat, DuckDB FORMAT)
READ_CHUNK = 1 << 16
# The server keeps the table it read (the default budget, 256 MB, is below a million cells' estimate, and then every
# request reads the table from the database again: that is the cold figure).
TABLE_CACHE_BYTES = 4_000_000_000


@dataclass
class Timed:
    first_byte: float
    total: float
    size: int
    status: int


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def start_server(db: Path, extra_env: dict[str, str]) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    env = {**os.environ, **extra_env, "CITYSTAT_RATE_LIMIT": "off",
           "CITYSTAT_LIMIT_CACHE_BYTES": str(TABLE_CACHE_BYTES),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO / "src"), os.environ.get("PYTHONPATH")]))}
    env.pop("CITYSTAT_ADMIN_TOKEN", None)
    process = subprocess.Popen([sys.executable, "-c", "from citystat.cli import main; main()", "serve", "--host",
                                HOST, "--port", str(port), "--db", str(db), "--no-access-log", "--workers", "1"],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/api/v2/config", timeout=2) as answer:
                if answer.status == 200:
                    return process, port
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("citystat serve did not answer in 60 s")


def peak_memory_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def fetch(port: int, path: str) -> Timed:
    """GET over a fresh connection: time to the first byte of the body, and to the last."""
    connection = http.client.HTTPConnection(HOST, port, timeout=600)
    start = time.perf_counter()
    connection.request("GET", path, headers={"Accept-Encoding": "identity"})
    response = connection.getresponse()
    first = response.read(1)
    first_byte = time.perf_counter() - start
    size = len(first)
    while chunk := response.read(READ_CHUNK):
        size += len(chunk)
    total = time.perf_counter() - start
    connection.close()
    return Timed(first_byte, total, size, response.status)


def duckdb_copy(db: Path, fmt: str, out: Path) -> tuple[float, int]:
    """DuckDB's own COPY of the same cells, in the answer's order: (seconds, bytes written).

    The cells are the release as the store reads it (its base with its changes, ``Store.cells_sql``), ordered by
    their position in the cube (stations, days, then measures), each position's codes from the release's metadata.
    """
    with Store(db, read_only=True) as store:
        meta = store.meta(TABLE_ID)
        cells, params = store.cells_sql(TABLE_ID, store.release(TABLE_ID).release, meta)
        codes, names = cube.codes_sql(meta, "position", "k")
        options = {"json": "FORMAT JSON", "csv": "FORMAT CSV, HEADER", "parquet": "FORMAT PARQUET, COMPRESSION ZSTD"}
        start = time.perf_counter()
        store.connection.execute(
            f"COPY (SELECT coordinates[1] AS station, coordinates[2] AS day, coordinates[3] AS measure, value, status "
            f"FROM (SELECT {codes} AS coordinates, {deltas.value_text()} AS value, status, position FROM ({cells})) "
            f"ORDER BY position) TO '{out}' ({options[fmt]})", {**params, **names})
        return time.perf_counter() - start, out.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stations", type=int, default=1000)
    parser.add_argument("--days", type=int, default=500)
    args = parser.parse_args()
    cells = args.stations * args.days * 2
    with tempfile.TemporaryDirectory(prefix="bench_large_reads") as scratch:
        folder = Path(scratch)
        start = time.perf_counter()
        data, meta = write_large_table(folder, args.stations, args.days)
        table = read_table(data, meta)
        db = folder / "large.duckdb"
        with Store(db) as store:
            store.load(table, origin="load:bench")
        del table
        print(f"table: {cells:,} cells ({args.stations} stations x {args.days} days x 2 measures), generated, "
              f"read and loaded in {time.perf_counter() - start:.1f} s")

        baseline: dict[str, tuple[float, int]] = {}
        for _, duck_format in FORMATS:
            baseline[duck_format] = duckdb_copy(db, duck_format, folder / f"copy.{duck_format}")

        query = urllib.parse.urlencode({"valueCodes[station]": "*", "valueCodes[day]": "*",
                                        "valueCodes[measure]": "*", "lang": "en"})
        path = f"/api/v2/tables/{TABLE_ID}/data?{query}"
        runs = {mode: serve_and_read(db, path, env) for mode, env in (
            ("streamed", {}), ("whole", {"CITYSTAT_STREAM_FROM_CELLS": str(10 * cells)}))}
    for mode, (cold, _, peak) in runs.items():
        print(f"{mode:>8} server: cold JSON-stat (reads the table first) first byte {cold.first_byte:.2f} s, "
              f"total {cold.total:.2f} s; peak memory of the server {peak:,.0f} MB")
    print()
    print(f"{'format':<11}{'MB':>6}{'streamed: first byte':>22}{'total':>8}{'whole: first byte':>19}{'total':>8}"
          f"{'DuckDB COPY':>13}{'MB':>7}{'streamed first byte/COPY':>26}{'total/COPY':>12}")
    for api_format, duck_format in FORMATS:
        streamed, whole = runs["streamed"][1][api_format], runs["whole"][1][api_format]
        copy_seconds, copy_size = baseline[duck_format]
        print(f"{api_format:<11}{streamed.size / 1e6:>6.1f}{streamed.first_byte:>21.3f}s{streamed.total:>7.2f}s"
              f"{whole.first_byte:>18.3f}s{whole.total:>7.2f}s{copy_seconds:>12.2f}s{copy_size / 1e6:>7.1f}"
              f"{streamed.first_byte / copy_seconds:>25.2f}x{streamed.total / copy_seconds:>11.2f}x")


def serve_and_read(db: Path, path: str, env: dict[str, str]) -> tuple[Timed, dict[str, Timed], float]:
    """A server's cold first answer (in Chinese), each format's answer once warm (in English, so never from the
    whole server's answer cache), and the server's peak memory (MB)."""
    process, port = start_server(db, env)
    try:
        cold = fetch(port, path.replace("lang=en", "lang=zh-TW") + "&outputFormat=json-stat2")  # not the warm one
        assert cold.status == 200, cold
        warm = {}
        for api_format, _ in FORMATS:
            warm[api_format] = fetch(port, path + f"&outputFormat={api_format}")
            assert warm[api_format].status == 200, (api_format, warm[api_format])
        return cold, warm, peak_memory_mb(process.pid)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


if __name__ == "__main__":
    main()
