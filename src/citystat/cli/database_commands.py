"""Commands that build, load and read the statistical database."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table as RichTable

from citystat.catalog import CATALOG_DIR, bundled_city, catalog_releases, read_city, read_table, subject
from citystat.catalog.tablefile import read_meta, write_values
from citystat.cli.app import DbOption, LangOption, app, console, db_path, reports_errors
from citystat.cli.render import render_table
from citystat.file_digests import file_digest
from citystat.formats import registry
from citystat.formats.jsonstat import iso_utc, placement, to_jsonstat
from citystat.model import Provenance
from citystat.query.catalog import summarise
from citystat.store import LoadResult, ReleaseInfo, Store


class ShowFormat(str, Enum):
    table = "table"
    csv = "csv"
    jsonstat = "jsonstat"


def _print_results(results: list[LoadResult]) -> None:
    grid = RichTable(title="citystat database", title_justify="left")
    for column in ("table", "release", "cells", "change"):
        grid.add_column(column, justify="right" if column in ("release", "cells") else "left")
    for result in results:
        info = result.release
        grid.add_row(escape(info.table_id), str(info.release), f"{info.cell_count:,}", "new release" if result.created
                     else "unchanged")
    console.print(grid)


def _left_alone(store: Store, table_ids: list[str]) -> dict[str, ReleaseInfo]:
    """The tables whose latest release did not come from the catalog: newer work that build must keep."""
    known = set(store.table_ids())
    latest = {table_id: store.release(table_id) for table_id in table_ids if table_id in known}
    return {table_id: info for table_id, info in latest.items() if not info.provenance.from_catalog}


@app.command()
@reports_errors
def build(
    db: DbOption = None,
    catalog: Annotated[Path | None, typer.Option(
        "--catalog", help="A catalog folder (city.yaml, subjects.yaml, tables/) [default: the bundled one]",
        metavar="DIR")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace tables whose latest release came from "
                                                         "elsewhere ('citystat load', the admin API)")] = False,
) -> None:
    """Create or update the database from a catalog (the bundled one unless --catalog names another); each changed
    table becomes a release, and the catalog's city (publication title, districts, services) is recorded.

    A table whose latest release came from elsewhere (your own 'citystat load', the admin API) is left
    alone, and named: build never supersedes newer work unless told to with --force.
    """
    path = db_path(db)
    folder = catalog or CATALOG_DIR
    city, releases = read_city(folder), catalog_releases(folder)
    tables = [table for table, _ in releases]
    provenance = {table.id: where for table, where in releases}
    with Store(path) as store:
        kept = {} if force else _left_alone(store, [t.id for t in tables])
        tables = [t for t in tables if t.id not in kept]
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console,
                      transient=True) as progress:
            task = progress.add_task("loading cells", total=sum(len(t.cells) for t in tables))
            done_before: dict[str, int] = {}

            def advance(table_id: str, written: int, total: int) -> None:
                progress.update(task, description=f"loading {table_id}",
                                advance=written - done_before.get(table_id, 0))
                done_before[table_id] = written

            results = store.load_many(tables, origin=provenance, progress=advance)
            store.record_city(city)
    created = sum(r.created for r in results)
    _print_results(results)
    console.print(f"{path}: {len(results)} tables, {created} new release(s), {len(results) - created} unchanged.")
    for table_id, info in sorted(kept.items()):
        console.print(f"left alone: {escape(table_id)} (its latest release {info.release} came from "
                      f"{escape(info.origin)}, {iso_utc(info.loaded_at)}, not from the catalog)", highlight=False)
    if kept:
        console.print(f"{len(kept)} table(s) left alone; 'citystat build --force' replaces them with the bundled "
                      "tables.", highlight=False)


@app.command()
@reports_errors
def load(
    data: Annotated[Path, typer.Argument(help="Values in the catalog's CSV format (UTF-8 or Big5/CP950), or the "
                                              "same columns in Parquet")],
    meta: Annotated[Path, typer.Option("--meta", help="The table's metadata in the catalog's YAML format")],
    columnar: Annotated[bool, typer.Option(
        "--columnar", help="Stream the values through DuckDB without holding them as Python objects (UTF-8 CSV; "
                           "always for Parquet): for tables of millions of cells")] = False,
    db: DbOption = None,
) -> None:
    """Check and load a table of your own; any problem is reported and nothing is loaded."""
    if columnar or data.suffix.lower() == ".parquet":
        if not data.is_file():
            raise FileNotFoundError(f"no file at {data}")
        with Store(db_path(db)) as store:
            result = store.load_columns(read_meta(meta), data, origin=_file_provenance(data, meta))
        _print_results([result])
        return
    table = read_table(data, meta)
    with Store(db_path(db)) as store:
        result = store.load(table, origin=_file_provenance(data, meta))
    _print_results([result])


def _file_provenance(data: Path, meta: Path) -> Provenance:
    return Provenance.file(file_digest(data), file_digest(meta))


@app.command()
@reports_errors
def tables(
    lang: LangOption = "zh-TW",
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output")] = False,
    db: DbOption = None,
) -> None:
    """List the tables: id, title, subject, the periods covered and the latest release."""
    with Store(db_path(db), read_only=True) as store:  # metadata and releases only: no table's cells are read
        releases = [store.release(table_id) for table_id in store.table_ids()]
        city = store.city() or bundled_city()
        summaries = [summarise(store.meta(r.table_id, r.release), r, city).to_dict(lang) for r in releases]
    if as_json:
        console.print_json(json.dumps(summaries, ensure_ascii=False))
        return
    grid = RichTable(title_justify="left")
    for column in ("id", "title", "subject", "periods", "release"):
        grid.add_column(column)
    for s in summaries:
        grid.add_row(*(escape(s[key]) for key in ("id", "title", "subject_name", "periods")), str(s["release"]))
    console.print(grid)


@app.command()
@reports_errors
def show(
    table_id: Annotated[str, typer.Argument(metavar="ID", help="Table id (see 'citystat tables')")],
    lang: LangOption = "zh-TW",
    release: Annotated[int | None, typer.Option("--release", help="An earlier release [default: latest]")] = None,
    output: Annotated[ShowFormat, typer.Option("--format", help="table, csv (long) or jsonstat")] = ShowFormat.table,
    output_format: Annotated[str | None, typer.Option(
        "--output-format", help=f"Write it as the API does, in one of {', '.join(registry.names())}")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="File to write --output-format to [default: stdout]")]
    = None,
    db: DbOption = None,
) -> None:
    """Show a table: readable, as long CSV, or as a JSON-stat 2.0 dataset; or write it in any format the API
    offers (--output-format, the writer registry's)."""
    if output_format is not None and output_format not in registry.WRITERS:
        raise typer.BadParameter(f"unknown format {output_format!r}; use one of {', '.join(registry.names())}",
                                 param_hint="--output-format")
    with Store(db_path(db), read_only=True) as store:
        stored = store.read(table_id, release)
    if output_format is not None:
        meta = stored.meta
        heading, stub = placement(meta)
        body = registry.write(output_format, registry.Rendering(
            stored.table, {v.code: list(v.codes) for v in meta.variables}, tuple(heading), tuple(stub), lang,
            stored.release.loaded_at, stored.release.release, subject_name=subject(meta.subject).name))
        if out is not None:
            out.write_bytes(body)
        elif output_format in ("xlsx", "parquet"):
            raise typer.BadParameter(f"{output_format} is binary; name a file with --out", param_hint="--out")
        else:
            typer.echo(body.decode(), nl=False)
        return
    if output is ShowFormat.csv:
        typer.echo(write_values(stored.table), nl=False)
    elif output is ShowFormat.jsonstat:
        dataset = to_jsonstat(stored.table, lang=lang, updated=stored.release.loaded_at,
                              release=stored.release.release)
        typer.echo(json.dumps(dataset, ensure_ascii=False, indent=2))
    else:
        console.print(render_table(stored.table, stored.release, lang))


@app.command("writers")
def list_writers() -> None:
    """The formats citystat writes (the API's outputFormat, show --output-format, the dashboard's downloads)."""
    grid = RichTable(title_justify="left")
    for column in ("format", "name", "media type", "suffix"):
        grid.add_column(column)
    for writer in registry.WRITERS.values():
        grid.add_row(escape(writer.name), escape(writer.label), escape(writer.media_type), writer.suffix)
    console.print(grid)


@app.command()
@reports_errors
def releases(
    table_id: Annotated[str, typer.Argument(metavar="ID")],
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable, with each release's provenance as "
                                                         "fields")] = False,
    db: DbOption = None,
) -> None:
    """List the releases (vintages) of a table, and where each came from."""
    with Store(db_path(db), read_only=True) as store:
        infos = store.releases(table_id)
    if as_json:
        typer.echo(json.dumps([info.to_dict() for info in infos], ensure_ascii=False, indent=2))
        return
    grid = RichTable(title=escape(table_id), title_justify="left")
    for column in ("release", "loaded", "origin", "cells", "content"):
        grid.add_column(column)
    for info in infos:
        grid.add_row(str(info.release), iso_utc(info.loaded_at), escape(info.origin), f"{info.cell_count:,}",
                     info.content_hash[:12])
    console.print(grid)
