"""Commands that publish: the bilingual publication (HTML, PDF) and a chart per table (SVG, PNG)."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from citystat.catalog import bundled_city
from citystat.cli.app import DbOption, app, console, db_path, errors, reports_errors
from citystat.model import LANGUAGES, City, normalise_language
from citystat.paths import UnsafePath, checked_ids
from citystat.store import Store, StoredTable

DEFAULT_REPORT_DIR = Path("out/publication")
DEFAULT_CHART_DIR = Path("out/charts")


class ReportFormat(str, Enum):
    html = "html"
    pdf = "pdf"


class ChartFormat(str, Enum):
    svg = "svg"
    png = "png"
    pdf = "pdf"


def _languages(values: list[str] | None) -> list[str]:
    try:
        return list(dict.fromkeys(normalise_language(v) for v in values)) if values else list(LANGUAGES)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--lang") from None


LangsOption = Annotated[
    list[str] | None,
    typer.Option("--lang", help="zh-TW or en; repeat for both [default: both]", show_default=False),
]


def _read_tables(db: Path | None, ids: list[str] | None = None) -> list[StoredTable]:
    with Store(db_path(db), read_only=True) as store:
        return [store.read(i) for i in ids] if ids else store.latest()


def _read_city(db: Path | None) -> City:
    """The city the database's catalog describes (the bundled one for a database built before cities were kept)."""
    with Store(db_path(db), read_only=True) as store:
        return store.city() or bundled_city()


@app.command()
@reports_errors
def report(
    lang: LangsOption = None,
    fmt: Annotated[
        list[ReportFormat] | None,
        typer.Option("--format", help="html or pdf; repeat for both [default: both]", show_default=False),
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="Output folder")] = DEFAULT_REPORT_DIR,
    db: DbOption = None,
) -> None:
    """Write the statistical publication: findings, a section per service with tables, charts, notes and
    sources, a methods appendix and the release of each table."""
    from citystat.publish.writers import write_report

    langs = _languages(lang)
    formats = [f.value for f in fmt] if fmt else ["html", "pdf"]
    tables, city = _read_tables(db), _read_city(db)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console,
                  transient=True) as progress:
        task = progress.add_task("charts", total=len(tables) * len(langs))

        def advance(table_id: str, number: int, total: int) -> None:
            progress.update(task, description=f"chart {table_id}", advance=1)

        try:
            written = write_report(tables, out, city=city, langs=langs, formats=formats, progress=advance,
                                   on_written=lambda path: console.print(f"wrote {path}", highlight=False))
        except ValueError as exc:  # nothing to publish: a message, not a traceback
            errors.print(f"[bold red]error:[/] {exc}", highlight=False)
            sys.exit(1)
    console.print(f"{len(written)} file(s) in {out}")


@app.command()
@reports_errors
def charts(
    table_ids: Annotated[list[str] | None, typer.Argument(metavar="[ID]...", help="Tables [default: all]")] = None,
    lang: LangsOption = None,
    fmt: Annotated[
        list[ChartFormat] | None,
        typer.Option("--format", help="svg, png or pdf; repeat for several [default: svg]", show_default=False),
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="Output folder")] = DEFAULT_CHART_DIR,
    scale: Annotated[float, typer.Option("--scale", help="PNG pixels per chart pixel")] = 2.0,
    db: DbOption = None,
) -> None:
    """Write each table's chart as SVG, PNG or PDF, with its Vega-Lite spec (ID.LANG.vl.json) beside it."""
    from citystat.publish.writers import write_charts

    langs = _languages(lang)
    formats = [f.value for f in fmt] if fmt else ["svg"]
    try:
        checked_ids(table_ids or [])
    except UnsafePath as exc:
        errors.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
        sys.exit(2)
    context = _read_tables(db)
    chosen = _read_tables(db, table_ids) if table_ids else context
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console,
                  transient=True) as progress:
        task = progress.add_task("charts", total=len(chosen) * len(langs))

        def advance(table_id: str, language: str) -> None:
            progress.update(task, description=f"chart {table_id} ({language})", advance=1)

        write_charts(chosen, out, context=context, langs=langs, formats=formats, scale=scale, progress=advance)
    console.print(f"{len(chosen) * len(langs)} chart(s) in {out}")
