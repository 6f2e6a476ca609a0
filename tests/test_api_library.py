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



def test_the_servers_memory_of_answers_is_bounded_by_its_answer_cache(built_db):
    """The GET data route remembers answers by URL; it must not keep answers the bounded cache has let go."""
    import warnings

    from citystat.serve.app import create_app
    from citystat.serve.http_cache import AnswerCache

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    app = create_app(built_db)
    app.state.citystat.cache = AnswerCache(max_entries=3)
    with TestClient(app) as client:
        for year in ("2015", "2016", "2017", "2018", "2019", "2020", "2021"):
            for output in ("json-stat2", "csv"):
                answer = client.get("/api/v2/tables/taipei_free_usage/data",
                                    params={"valueCodes[year]": year, "valueCodes[measure]": "*",
                                            "outputFormat": output})
                assert answer.status_code == 200, answer.text
        again = client.get("/api/v2/tables/taipei_free_usage/data",
                           params={"valueCodes[year]": "2015", "valueCodes[measure]": "*"})
        assert again.status_code == 200 and again.json()["dimension"]["year"]["category"]["index"] == {"2015": 0}
        ctx = app.state.citystat
        assert len(ctx.cache) <= 3 and len(answers_held_by(ctx)) <= 3, len(answers_held_by(ctx))


def answers_held_by(ctx) -> set[int]:
    """The answers the server's shared context keeps alive (its cache, memos), found by walking its containers."""
    from citystat.serve.context import ServeContext
    from citystat.serve.http_cache import Answer, AnswerCache

    found: set[int] = set()
    seen: set[int] = set()
    stack: list[object] = [ctx]
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, Answer):
            found.add(id(item))
        elif isinstance(item, (ServeContext, AnswerCache)):
            stack.extend(vars(item).values())
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple, set, frozenset)):
            stack.extend(item)
    return found
