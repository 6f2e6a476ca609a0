"""The library under the API, through its public functions: the store reader, search, default selections."""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from citystat.model import Text
from citystat.query import StoreReader, default_selection, search
from citystat.serve.pxweb import metadata_response, tables_response
from citystat.store import Store


def test_the_reader_sees_a_release_another_process_writes(built_db, tmp_path):
    db = tmp_path / "citystat.duckdb"
    shutil.copy(built_db, db)
    reader = StoreReader(db, recheck_seconds=0)
    before = reader.snapshot()
    stored = reader.table("taipei_free_usage")
    changed = dataclasses.replace(stored.meta, title=Text("新標題", "A new title"))
    # The reader holds no connection, so a writer elsewhere can take the file.
    with Store(db) as writer:
        writer.load(dataclasses.replace(stored.table, meta=changed), origin="elsewhere")
    assert reader.current() is None
    after = reader.snapshot()
    assert after.version != before.version
    assert after.entry("taipei_free_usage").latest.release == stored.release.release + 1
    assert reader.meta("taipei_free_usage").title.en == "A new title"
    assert reader.meta("taipei_free_usage", stored.release.release).title == stored.meta.title
    page = tables_response(reader, lang="en", query="new title")
    assert [t["id"] for t in page["tables"]] == ["taipei_free_usage"]
    old = metadata_response(reader, "taipei_free_usage", lang="en", release=stored.release.release)
    assert old["label"] == stored.meta.title.en and old["extension"]["release"] == stored.release.release


def test_search_by_days_since_the_latest_release(built_db):
    reader = StoreReader(built_db)
    snapshot = reader.snapshot()
    loaded = max(entry.latest.loaded_at for entry in snapshot.entries.values())
    assert len(search(snapshot, past_days=3, now=loaded + timedelta(days=2))) == len(snapshot.entries)
    assert search(snapshot, past_days=3, now=loaded + timedelta(days=4)) == []


def test_the_default_selection_keeps_the_latest_periods_that_fit(built_db):
    meta = StoreReader(built_db).meta("taipei_free_usage")
    measures = len(meta.metric.values)
    selection = default_selection(meta, target_cells=2 * measures)
    assert selection.by_variable["year"] == tuple(sorted(meta.time.codes)[-2:])
    assert selection.cell_count == 2 * measures
    assert default_selection(meta).cell_count == len(meta.time.values) * measures


def test_serve_without_a_database_says_what_to_do(tmp_path):
    src = Path(__file__).resolve().parents[1] / "src"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(src), os.environ.get("PYTHONPATH")]))}
    run = subprocess.run([sys.executable, "-c", "from citystat.cli import main; main()", "serve", "--db",
                          str(tmp_path / "missing.duckdb")], capture_output=True, text=True, env=env, timeout=60)
    assert run.returncode == 1
    assert "citystat build" in run.stderr

