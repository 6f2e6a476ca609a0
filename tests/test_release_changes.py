"""What a release changed, said alike by `citystat diff`, the API (the table's metadata, its diff resource, the
table list) and the dashboard's release form (its page, its JSON twin, and in a real Chromium): one library
function (citystat.store.diff.diff_releases) computes it for all of them, a page at a time."""

from __future__ import annotations

import json
import shutil
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from citystat.catalog import bundled_tables
from citystat.dashboard.words import word
from citystat.model import EN, ZH, Cell, Status
from citystat.query.reader import StoreReader
from citystat.store import Store
from citystat.store.diff import Change, diff_releases

from .conftest import CHROMIUM, RunningServer, start_server

TABLE = "digital_access_national"  # 42 years x 2 measures
REVISED = 30  # the first 30 cells with a value revised, and the status of the last one


@pytest.fixture(scope="module")
def revised_db(built_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The catalog with a second release of one table: 30 values revised (+1), one status made provisional."""
    path = tmp_path_factory.mktemp("changes") / "citystat.duckdb"
    shutil.copyfile(built_db, path)
    table = next(t for t in bundled_tables() if t.id == TABLE)
    valued = [key for key in table.meta.cell_keys() if table.cells[key].value is not None]
    cells = dict(table.cells)
    for key in valued[:REVISED]:
        cells[key] = Cell(table.cells[key].value + 1, table.cells[key].status)
    cells[valued[-1]] = Cell(table.cells[valued[-1]].value, Status.PROVISIONAL)
    with Store(path) as store:
        assert store.load(replace(table, cells=cells), origin="test revision").release.release == 2
    return path


@pytest.fixture(scope="module")
def server(revised_db: Path) -> Iterator[RunningServer]:
    running = start_server(revised_db)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def cli(revised_db: Path) -> dict[str, dict[str, Any]]:
    """`citystat diff TABLE 1 2 --json` in each language, run through the command's own entry point."""
    from typer.testing import CliRunner

    from citystat.cli import app

    out = {}
    for lang in (ZH, EN):
        done = CliRunner().invoke(app, ["diff", TABLE, "1", "2", "--json", "--lang", lang, "--db", str(revised_db)])
        assert done.exit_code == 0, done.output
        out[lang] = json.loads(done.stdout)
    return out


def _get(url: str) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(url, timeout=30) as answer:
            return int(answer.status), json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def test_a_page_of_a_diff_is_that_slice_of_the_whole_and_counts_every_change(revised_db: Path) -> None:
    with Store(revised_db, read_only=True) as store:
        whole = diff_releases(store, TABLE, 1, 2)
        pages = [diff_releases(store, TABLE, 1, 2, offset=offset, limit=7) for offset in range(0, 35, 7)]
        counted = diff_releases(store, TABLE, 1, 2, limit=0)
        backwards = diff_releases(store, TABLE, 2, 1, offset=30)
    assert whole.count(Change.REVISED) == REVISED + 1 == whole.total == len(whole.changes)
    assert [c for page in pages for c in page.changes] == list(whole.changes)
    assert all(page.counts == whole.counts for page in [*pages, counted])
    assert counted.changes == () and [len(p.changes) for p in pages] == [7, 7, 7, 7, 3]
    assert backwards.offset == 30 and len(backwards.changes) == 1 and backwards.changes[0].old_status == "p"
    with Store(revised_db, read_only=True) as store, pytest.raises(ValueError, match="offset and limit"):
        diff_releases(store, TABLE, 1, 2, limit=-1)


def test_a_readers_diff_counts_are_counted_once_and_equal_the_stores(revised_db: Path) -> None:
    """Every metadata answer gives a release's counts: a reader counts a pair of releases once (they never change);
    pages of changes are read each time."""
    reader = StoreReader(revised_db)
    counted = reader.diff(TABLE, 1, 2, limit=0)
    with Store(revised_db, read_only=True) as store:
        assert counted == diff_releases(store, TABLE, 1, 2, limit=0)
    assert reader.diff(TABLE, 1, 2, limit=0) is counted
    assert reader.diff(TABLE, 2, 1, limit=0) is not counted
    assert reader.diff(TABLE, 1, 2, limit=5) is not reader.diff(TABLE, 1, 2, limit=5)


def test_the_diff_commands_table_lists_at_most_limit_changes_and_counts_the_rest(revised_db: Path,
                                                                                cli: dict[str, dict[str, Any]]) -> None:
    from typer.testing import CliRunner

    from citystat.cli import app

    done = CliRunner().invoke(app, ["diff", TABLE, "1", "2", "--limit", "5", "--lang", "en", "--db", str(revised_db)],
                              env={"COLUMNS": "200"})
    assert done.exit_code == 0, done.output
    shown = [line for line in done.output.splitlines() if line.startswith("│") and "revised" in line]
    assert len(shown) == 5 and "26 more not listed" in done.output
    first = cli[EN]["changes"][0]
    assert first["old"]["value"] in shown[0] and first["new"]["value"] in shown[0]


def test_the_api_says_what_citystat_diff_says(server: RunningServer, cli: dict[str, dict[str, Any]]) -> None:
    status, metadata = _get(f"{server.api}/tables/{TABLE}/metadata?lang=en")
    assert status == 200
    changes = metadata["extension"]["releaseChanges"]
    assert changes["release"] == 2 and changes["previousRelease"] == 1 and not changes["metadataChanged"]
    assert changes["counts"] == cli[EN]["counts"] == {"added": 0, "removed": 0, "revised": REVISED + 1}
    # the whole diff in one page is the command's answer, with a page block and links
    status, whole = _get(changes["href"] + "&pageSize=100")
    assert status == 200
    assert {k: v for k, v in whole.items() if k not in ("page", "links")} == cli[EN]
    assert whole["page"]["totalElements"] == 31 and whole["page"]["totalPages"] == 1
    # paged: following "next" walks every change, in the command's order, in the language asked for
    url, walked = f"{server.api}/tables/{TABLE}/releases/1/diff/2?lang=zh-TW&pageSize=10", []
    while url:
        status, page = _get(url)
        assert status == 200 and page["counts"] == cli[ZH]["counts"]
        walked += page["changes"]
        url = next((link["href"] for link in page["page"]["links"] if link["rel"] == "next"), None)
    assert walked == cli[ZH]["changes"]
    meta = next(t for t in bundled_tables() if t.id == TABLE).meta
    first = walked[0]
    assert list(first["labels"]) == [v.label.get(ZH) for v in meta.variables]  # in the table's labels
    assert list(first["labels"].values()) == [v.value(c).label.get(ZH) for v, c in zip(meta.variables,
                                                                                       first["cell"].values())]
    # the first release changed nothing against an earlier one; other tables link to nothing
    assert "releaseChanges" not in _get(f"{server.api}/tables/{TABLE}/metadata?release=1")[1]["extension"]
    table = _get(f"{server.api}/tables/{TABLE}?lang=en")[1]
    assert next(link["href"] for link in table["links"] if link["rel"] == "changes").startswith(
        f"{server.api}/tables/{TABLE}/releases/1/diff/2?")
    listed = {t["id"]: t for t in _get(f"{server.api}/tables?pageSize=100")[1]["tables"]}
    assert [t for t, entry in listed.items() if any(link["rel"] == "changes" for link in entry["links"])] == [TABLE]


def test_the_release_list_says_what_each_release_changed(server: RunningServer, cli: dict[str, dict[str, Any]]) -> None:
    status, listed = _get(f"{server.api}/tables/{TABLE}/releases?lang=en")
    assert status == 200
    latest, first = listed["releases"]
    metadata = _get(f"{server.api}/tables/{TABLE}/metadata?lang=en&release=2")[1]
    assert latest["release"] == 2 and latest["releaseChanges"] == metadata["extension"]["releaseChanges"]
    assert latest["releaseChanges"]["counts"] == cli[EN]["counts"]
    assert first["release"] == 1 and first["releaseChanges"] is None and first["cellCount"] == latest["cellCount"]
    paged = _get(f"{server.api}/tables/{TABLE}/releases?lang=en&pageSize=1&pageNumber=2")[1]
    assert paged["releases"] == [first] and paged["page"]["totalPages"] == 2
    assert _get(f"{server.api}/tables/{TABLE}/releases?pageSize=51")[0] == 400


def test_the_diff_resource_refuses_what_it_cannot_answer(server: RunningServer) -> None:
    base = f"{server.api}/tables/{TABLE}/releases"
    assert _get(f"{base}/1/diff/3")[0] == 404
    assert _get(f"{server.api}/tables/no_such_table/releases/1/diff/2")[0] == 404
    assert _get(f"{base}/1/diff/2?pageSize=10001")[0] == 400
    assert _get(f"{base}/1/diff/2?pageNumber=0")[0] == 400
    status, empty = _get(f"{base}/1/diff/2?pageNumber=9")  # past the last page: no changes, the counts still
    assert status == 200 and empty["changes"] == [] and empty["page"]["totalPages"] == 1
    with urllib.request.urlopen(f"{base}/1/diff/2", timeout=30) as answer:
        etag, cache = answer.headers["ETag"], answer.headers["Cache-Control"]
    assert "immutable" in cache
    request = urllib.request.Request(f"{base}/1/diff/2", headers={"If-None-Match": etag})
    with pytest.raises(urllib.error.HTTPError) as unchanged:
        urllib.request.urlopen(request, timeout=30)
    assert unchanged.value.code == 304


def test_the_release_form_and_its_twin_say_what_citystat_diff_says(server: RunningServer,
                                                                    cli: dict[str, dict[str, Any]]) -> None:
    cli = cli[EN]
    status, page = _get(f"{server.url}/tables/{TABLE}.json?lang=en")
    assert status == 200
    shown = page["release_changes"]
    assert (shown["release"], shown["previous"], shown["counts"]) == (2, 1, cli["counts"])
    assert shown["changes"] == cli["changes"][:20] and shown["page"]["pages"] == 2
    second = _get(f"{server.url}/tables/{TABLE}.json?lang=en&changes=2")[1]["release_changes"]
    assert second["changes"] == cli["changes"][20:]
    assert _get(f"{server.url}/tables/{TABLE}.json?lang=en&changes=3")[0] == 404
    assert _get(f"{server.url}/tables/{TABLE}.json?lang=en&release=1")[1]["release_changes"] is None
    with urllib.request.urlopen(f"{server.url}/tables/{TABLE}?lang=zh-TW", timeout=30) as answer:
        html = answer.read().decode()
    assert word("changes_heading", ZH, release=2, previous=1) in html
    assert word("changes_counts", ZH, added=0, removed=0, revised=31) in html


@pytest.mark.slow
@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")
def test_choosing_a_release_in_the_form_shows_what_it_changed(browser: Any, server: RunningServer,
                                                              cli: dict[str, dict[str, Any]]) -> None:
    cli = cli[EN]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    try:
        page = context.new_page()
        page.on("pageerror", lambda e: problems.append(f"uncaught: {e}"))
        page.on("response", lambda r: r.status >= 400 and problems.append(f"HTTP {r.status}: {r.url}"))
        page.goto(f"{server.url}/tables/{TABLE}?lang=en&release=1")
        assert page.locator(".changes-first").inner_text() == word("changes_first", EN, release=1)
        page.locator("#release-select").select_option("2")
        page.locator(".release-form button[type=submit]").click()
        page.wait_for_url("**release=2**")
        counts = page.locator(".changes-counts")
        assert counts.inner_text() == word("changes_counts", EN, added=0, removed=0, revised=31)
        rows = page.locator(".changes-table tbody tr")
        assert rows.count() == 20

        def row_text(change: dict[str, Any]) -> list[str]:
            cell = ", ".join(f"{k}: {v}" for k, v in change["labels"].items())
            return [word("change_" + change["change"], EN), cell,
                    f"{change['old']['value'] or ''} {change['old']['status']}".strip(),
                    f"{change['new']['value'] or ''} {change['new']['status']}".strip()]

        assert [t.strip() for t in rows.nth(0).locator("td, th").all_inner_texts()] == row_text(cli["changes"][0])
        page.locator(".changes-pages a[rel=next]").click()
        page.wait_for_url("**changes=2**")
        rows = page.locator(".changes-table tbody tr")
        assert rows.count() == 11
        assert [t.strip() for t in rows.nth(10).locator("td, th").all_inner_texts()] == row_text(cli["changes"][30])
    finally:
        context.close()
    assert not problems, problems
