"""A real Spark standalone cluster on 127.0.0.1: a master and two workers started from the pyspark distribution;
`citystat aggregate --engine spark --master spark://127.0.0.1:PORT` gives the same tables as DuckDB."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from citystat.aggregate import DuckDBEngine, aggregate_events
from citystat.aggregate.runner import catalog_metas
from citystat.store import Store

from .conftest import free_port

pytestmark = pytest.mark.slow

TABLES = ["taipei_free_usage", "pay_taipei_by_category"]


def _spark_class() -> Path:
    import pyspark

    return Path(pyspark.__file__).parent / "bin" / "spark-class"


def _wait_for_workers(ui: str, workers: int, process_list: list[subprocess.Popen], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for process in process_list:
            if process.poll() is not None:
                raise RuntimeError(f"a Spark daemon exited: {process.args}")
        try:
            with urllib.request.urlopen(f"{ui}/json/", timeout=2) as answer:
                state = json.load(answer)
            alive = [w for w in state.get("workers", []) if w.get("state") == "ALIVE"]
            if len(alive) >= workers:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError("the Spark workers did not register with the master in time")


@pytest.fixture(scope="module")
def spark_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A standalone master and two workers (one core, 512 MB each), bound to 127.0.0.1; the master's URL."""
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("Spark needs Java 17 (scripts/setup.sh installs it)")
    work = tmp_path_factory.mktemp("spark-cluster")
    env = {**os.environ, "SPARK_LOCAL_IP": "127.0.0.1", "SPARK_LOG_DIR": str(work / "logs"),
           "SPARK_WORKER_DIR": str(work / "work"), "SPARK_NO_DAEMONIZE": "1"}
    port, ui_port = free_port(), free_port()
    master = f"spark://127.0.0.1:{port}"
    daemons = []
    try:
        daemons.append(subprocess.Popen(
            [str(_spark_class()), "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port", str(port),
             "--webui-port", str(ui_port)], env=env, stdout=subprocess.DEVNULL, stderr=(work / "master.log").open("w")))
        for i in range(2):
            daemons.append(subprocess.Popen(
                [str(_spark_class()), "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1", "--cores", "1",
                 "--memory", "512m", "--webui-port", str(free_port()), "--work-dir", str(work / f"worker{i}"), master],
                env=env, stdout=subprocess.DEVNULL, stderr=(work / f"worker{i}.log").open("w")))
        _wait_for_workers(f"http://127.0.0.1:{ui_port}", 2, daemons)
        yield master
    finally:
        for daemon in reversed(daemons):
            daemon.terminate()
        for daemon in daemons:
            try:
                daemon.wait(timeout=20)
            except subprocess.TimeoutExpired:
                daemon.kill()
                daemon.wait()


def test_aggregation_on_a_standalone_cluster_equals_duckdb(spark_cluster: str, simulated_events: Path,
                                                          tmp_path: Path) -> None:
    db = tmp_path / "citystat.duckdb"
    settings = ["spark.driver.host=127.0.0.1", "spark.driver.bindAddress=127.0.0.1", "spark.ui.enabled=false",
                "spark.executor.memory=512m", "spark.cores.max=2", "spark.sql.shuffle.partitions=2"]
    command = [sys.executable, "-m", "citystat.cli", "aggregate", str(simulated_events), "--engine", "spark",
               "--master", spark_cluster, "--years", "2021", "--db", str(db), "--json"]
    for setting in settings:
        command += ["--conf", setting]
    for table in TABLES:
        command += ["--table", table]
    done = subprocess.run(command, capture_output=True, text=True, timeout=400,
                          env={**os.environ, "SPARK_LOCAL_IP": "127.0.0.1"})
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    assert report["engine"] == "spark" and len(report["releases"]) == len(TABLES)
    with DuckDBEngine() as engine:
        expected = aggregate_events(simulated_events, engine=engine, metas=catalog_metas(), years=[2021],
                                    tables=TABLES)
    compared = 0
    with Store(db, read_only=True) as store:
        for table in expected.tables:
            stored = store.read(table.id)
            assert stored.release.origin.startswith("events:spark")
            assert stored.meta == table.meta
            for key, cell in table.ordered_cells():
                assert stored.table.get(key) == cell, (table.id, key)
                compared += 1
    assert compared > 10
