"""`citystat serve --workers 2`: two processes answer, and a new database file switched in atomically (as a node
of several does when a new release is published) is served by every worker, with no failed request meanwhile."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from decimal import Decimal
from pathlib import Path

import pytest

from citystat.catalog import bundled_tables
from citystat.model import Cell, Table
from citystat.serve.workers import run_workers
from citystat.store import DB_ENV, Store

from .conftest import REPO, free_port, start_server

pytestmark = pytest.mark.slow


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return found


def _listening_sockets(port: int) -> int:
    """How many sockets listen on 127.0.0.1:port (the kernel's own table, /proc/net/tcp)."""
    local = f"0100007F:{port:04X}"
    rows = Path("/proc/net/tcp").read_text().splitlines()[1:]
    return sum(1 for row in rows if row.split()[1] == local and row.split()[3] == "0A")  # 0A: LISTEN


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            answer.read()
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return error.code


def test_workers_serve_a_database_switched_in_atomically(built_db: Path, tmp_path: Path) -> None:
    served = tmp_path / "citystat.duckdb"
    shutil.copy(built_db, served)
    # a load of its own: the per-address rate limit (on by default) would answer it 429
    server = start_server(served, "--workers", "2", env={"CITYSTAT_RATE_LIMIT": "off"})
    try:
        assert len(_children(server.process.pid)) >= 2
        # each worker listens itself (SO_REUSEPORT), so the kernel spreads connections over them
        assert _listening_sockets(int(server.url.rsplit(":", 1)[1])) == 2
        first = server.api + "/tables/cooc_cloud/data?lang=en"
        second = server.api + "/tables/cooc_cloud/data?lang=en&release=2"
        assert _status(second) == 404
        failures: list[tuple[str, int]] = []
        stop = threading.Event()

        def keep_reading() -> None:
            while not stop.is_set():
                code = _status(first)
                if code != 200:
                    failures.append((first, code))

        readers = [threading.Thread(target=keep_reading) for _ in range(3)]
        for reader in readers:
            reader.start()
        # publish: copy the served file, load the new release into the copy, then switch it in at once
        staged = tmp_path / "citystat.duckdb.new"
        shutil.copy(served, staged)
        table = next(t for t in bundled_tables() if t.id == "cooc_cloud")
        cells = dict(table.cells)
        key = table.meta.key({"year": "2021", "measure": "courses"})
        cells[key] = Cell(Decimal("178204"), cells[key].status)
        with Store(staged) as store:
            assert store.load(Table(table.meta, cells)).release.release == 2
        time.sleep(0.5)
        os.replace(staged, served)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and _status(second) != 200:
            time.sleep(0.05)
        seen = [_status(second) for _ in range(20)]  # requests spread over both workers: each has switched
        time.sleep(0.3)
        stop.set()
        for reader in readers:
            reader.join()
        assert seen == [200] * 20
        assert failures == []
    finally:
        server.stop()
    assert _children(server.process.pid) == []


def test_workers_that_cannot_listen_stop_the_server_with_an_error(built_db: Path) -> None:
    port = free_port()
    with socket.socket() as taken:  # a listener without SO_REUSEPORT: no worker may join it
        taken.bind(("127.0.0.1", port))
        taken.listen()
        done = subprocess.run(
            [sys.executable, "-c", "from citystat.cli import main; main()", "serve", "--host", "127.0.0.1", "--port",
             str(port), "--db", str(built_db), "--workers", "2", "--no-access-log"],
            capture_output=True, text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(REPO / "src")})
    assert done.returncode == 3
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr


def test_a_worker_that_dies_is_replaced(built_db: Path) -> None:
    server = start_server(built_db, "--workers", "2")
    try:
        port = int(server.url.rsplit(":", 1)[1])
        workers = [pid for pid in _children(server.process.pid) if _listens(pid)]
        assert len(workers) == 2
        os.kill(workers[0], signal.SIGKILL)
        deadline = time.monotonic() + 60
        replaced: list[int] = []
        while time.monotonic() < deadline:
            replaced = [pid for pid in _children(server.process.pid) if _listens(pid)]
            if len(replaced) == 2 and workers[0] not in replaced and _listening_sockets(port) == 2:
                break
            time.sleep(0.2)
        assert len(replaced) == 2 and workers[0] not in replaced and workers[1] in replaced
        assert [_status(server.api + "/config") for _ in range(10)] == [200] * 10
    finally:
        server.stop()


def _listens(pid: int) -> bool:
    """Whether a process holds a listening TCP socket (a worker, not the supervisor's helpers)."""
    inodes = set()
    for row in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = row.split()
        if fields[3] == "0A":
            inodes.add(fields[9])
    try:
        links = [os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")]
    except OSError:
        return False
    return any(link.startswith("socket:[") and link[8:-1] in inodes for link in links)


def test_workers_end_when_their_supervisor_is_killed(built_db: Path) -> None:
    server = start_server(built_db, "--workers", "2")
    workers = [pid for pid in _children(server.process.pid) if _listens(pid)]
    assert len(workers) == 2
    server.process.kill()  # SIGKILL: the supervisor cannot stop them itself
    server.process.wait()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(Path(f"/proc/{pid}").exists() for pid in workers):
        time.sleep(0.2)
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()]


def _serve(db: Path, port: int, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from citystat.cli import main; main()", "serve", "--host", "127.0.0.1", "--port",
         str(port), "--db", str(db), "--workers", "2", "--no-access-log"],
        capture_output=True, text=True, timeout=timeout, env={**os.environ, "PYTHONPATH": str(REPO / "src")})


def test_a_second_server_on_a_port_in_use_is_refused_rather_than_joining_the_first(built_db: Path) -> None:
    server = start_server(built_db, "--workers", "2")  # its workers listen with SO_REUSEPORT
    try:
        port = int(server.url.rsplit(":", 1)[1])
        done = _serve(built_db, port)
        assert done.returncode == 3
        assert f"cannot listen on 127.0.0.1:{port}: the address is in use" in done.stderr
        assert _listening_sockets(port) == 2  # the first server's two workers, and no more
    finally:
        server.stop()


def test_a_database_that_cannot_be_read_is_an_error_before_any_worker_starts(tmp_path: Path) -> None:
    damaged = tmp_path / "damaged.duckdb"
    damaged.write_bytes(b"not a database" * 1000)
    done = _serve(damaged, free_port())
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"the database {damaged} cannot be read now" in done.stderr.replace("\n", "")


def test_workers_that_cannot_stay_up_stop_the_server_instead_of_restarting_for_ever(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    damaged = tmp_path / "damaged.duckdb"  # as if the file were replaced by a broken one after serve checked it
    damaged.write_bytes(b"not a database" * 1000)
    monkeypatch.setenv(DB_ENV, str(damaged))
    started = time.monotonic()
    options = {"app": "citystat.dashboard.app:app_from_env", "factory": True, "host": "127.0.0.1",
               "port": free_port(), "log_level": "critical"}
    assert run_workers(options, 2, shutdown_seconds=1) == 1  # each worker's app fails as it is built
    assert time.monotonic() - started < 60
