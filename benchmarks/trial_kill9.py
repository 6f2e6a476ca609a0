"""Kill -9 at random moments of a 1 M-cell load, each followed by an integrity check.

    PYTHONPATH=src python benchmarks/trial_kill9.py [--trials 20] [--periods 1000] [--measures 1000] [--seed 16]

A child process builds a changed version of a 1 M-cell table and loads it (Store.load: one transaction);
the parent kills it with SIGKILL at a random moment of the load (from the moment it starts writing to the
load's measured length). After each kill the database is opened again and checked:
- every release holds exactly its cell_count cells, and no cells belong to a release that is not listed;
- release 1 reads back byte-identically (a digest of its cells in the table file format, taken before).
It prints each trial's kill moment, whether the load had committed, and the check's result.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from citystat.catalog.tablefile import write_values
from citystat.model import Cell, Table, meta_from_dict, meta_to_dict
from citystat.store import Store

TABLE = "kill_trial"


def big_table(periods: int, measures: int, variant: int) -> Table:
    from citystat.catalog import bundled_tables

    raw = meta_to_dict(next(t for t in bundled_tables() if t.id == "cooc_cloud").meta)
    raw["id"] = TABLE
    raw["cell_notes"] = []
    raw["variables"][0]["values"] = [{"code": f"{1912 + p // 12:04d}M{p % 12 + 1:02d}"} for p in range(periods)]
    raw["variables"][1]["values"] = [
        {"code": f"m{j}", "label": {"zh-TW": f"m{j}", "en": f"m{j}"}, "unit": {"zh-TW": "件", "en": "items"},
         "decimals": 0, "kind": "stock"} for j in range(measures)]
    meta = meta_from_dict(raw)
    return Table(meta, {key: Cell(Decimal(i + variant)) for i, key in enumerate(meta.cell_keys())})


def child(db: Path, periods: int, measures: int, variant: int) -> None:
    table = big_table(periods, measures, variant)
    print("writing", flush=True)
    with Store(db) as store:
        store.load(table, origin=f"trial:{variant}")
    print("committed", flush=True)


def release_digest(db: Path, release: int) -> str:
    with Store(db, read_only=True) as store:
        return hashlib.sha256(write_values(store.read(TABLE, release).table).encode()).hexdigest()


def integrity(db: Path) -> tuple[bool, str, int]:
    """(consistent, what is wrong, releases)."""
    with Store(db, read_only=True) as store:
        con = store.connection
        listed = dict(con.execute("SELECT release, cell_count FROM releases WHERE table_id = ?", [TABLE]).fetchall())
        stored = dict(con.execute("SELECT release, count(*) FROM cells WHERE table_id = ? GROUP BY release",
                                  [TABLE]).fetchall())
    if listed != stored:
        return False, f"releases {listed} but cells {stored}", len(listed)
    return True, "", len(listed)


def start(db: Path, periods: int, measures: int, variant: int) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, __file__, "--child", str(db), "--periods", str(periods),
                             "--measures", str(measures), "--variant", str(variant)],
                            stdout=subprocess.PIPE, text=True, env={**os.environ})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--periods", type=int, default=1000)
    parser.add_argument("--measures", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--child")
    parser.add_argument("--variant", type=int, default=0)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child), args.periods, args.measures, args.variant)
        return
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "trial.duckdb"
        began = time.perf_counter()
        first = start(db, args.periods, args.measures, 0)
        assert first.stdout is not None
        first.stdout.readline()
        writing = time.perf_counter()
        first.wait()
        load_seconds = time.perf_counter() - writing
        before = release_digest(db, 1)
        print(f"{args.periods * args.measures:,} cells; release 1 loaded in {load_seconds:.1f} s "
              f"(write phase), set up in {time.perf_counter() - began:.1f} s")
        failures = 0
        for trial in range(1, args.trials + 1):
            process = start(db, args.periods, args.measures, trial)
            assert process.stdout is not None
            process.stdout.readline()  # "writing"
            moment = rng.uniform(0, load_seconds * 1.1)
            time.sleep(moment)
            committed = process.poll() is not None
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
            ok, wrong, releases = integrity(db)
            failures += not ok
            print(f"trial {trial:2d}: kill at {moment:5.2f} s, {'after commit' if committed else 'mid-load':12s} "
                  f"releases {releases}, {'consistent' if ok else 'BROKEN: ' + wrong}", flush=True)
        after = release_digest(db, 1)
        print(f"release 1 byte-identical after {args.trials} kills: {before == after}; "
              f"inconsistent states: {failures}")
        if before != after or failures:
            sys.exit(1)


if __name__ == "__main__":
    main()
