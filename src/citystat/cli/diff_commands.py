"""citystat diff: what a release changed, cell by cell, in the table's labels."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table as RichTable

from citystat.cli.app import DbOption, LangOption, app, console, db_path, reports_errors
from citystat.model import Text
from citystat.store import Store
from citystat.store.diff import diff_releases

_WORDS = {
    "change": Text("變動", "change"),
    "cell": Text("儲存格", "cell"),
    "old": Text("原值", "old"),
    "new": Text("新值", "new"),
    "added": Text("新增", "added"),
    "removed": Text("刪除", "removed"),
    "revised": Text("修正", "revised"),
    "metadata": Text("詮釋資料亦有變動", "the metadata changed too"),
    "more": Text("另有 {n} 筆未列出（--limit）", "{n} more not listed (--limit)"),
}


def _shown(side: dict[str, Any] | None) -> str:
    if side is None:
        return ""
    value, status = side["value"], side["status"]
    if value is None:
        return status
    return f"{value} {status}".strip()


@app.command()
@reports_errors
def diff(
    table_id: Annotated[str, typer.Argument(metavar="ID", help="Table id (see 'citystat tables')")],
    old: Annotated[int, typer.Argument(metavar="A", help="The release to compare from")],
    new: Annotated[int, typer.Argument(metavar="B", help="The release to compare to")],
    lang: LangOption = "zh-TW",
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output (every change)")] = False,
    limit: Annotated[int, typer.Option("--limit", min=0, help="Most changes listed in the table")] = 1000,
    db: DbOption = None,
) -> None:
    """List the cells added, removed and revised from release A to release B, with old and new value and status."""
    with Store(db_path(db), read_only=True) as store:
        # the table lists at most --limit changes, so only those are read; --json gives every one
        found = diff_releases(store, table_id, old, new, limit=None if as_json else limit).to_dict(lang)
    if as_json:
        typer.echo(json.dumps(found, ensure_ascii=False, indent=2))
        return
    counts = ", ".join(f"{_WORDS[k].get(lang)} {n:,}" for k, n in found["counts"].items())
    grid = RichTable(title=escape(f"{table_id}: {old} → {new}  ({counts})"), title_justify="left")
    for column in ("change", "cell", "old", "new"):
        grid.add_column(_WORDS[column].get(lang))
    for change in found["changes"]:
        cell = ", ".join(f"{k}: {v}" for k, v in change["labels"].items())
        grid.add_row(_WORDS[change["change"]].get(lang), escape(cell), escape(_shown(change["old"])),
                     escape(_shown(change["new"])))
    console.print(grid)
    left = sum(found["counts"].values()) - len(found["changes"])
    if left > 0:
        console.print(_WORDS["more"].get(lang).format(n=f"{left:,}"), highlight=False)
    if found["metadata_changed"]:
        console.print(_WORDS["metadata"].get(lang), highlight=False)
