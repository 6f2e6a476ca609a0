"""citystat ingest: the files and feeds a city publishes, read by the registered readers into releases."""

from __future__ import annotations

import json
from collections import Counter
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn
from rich.table import Table as RichTable

from citystat.cli.app import DbOption, LangOption, app, console, db_path, errors, reports_errors
from citystat.ingest.city import feed_city
from citystat.ingest.pager import Pager, PagerError
from citystat.ingest.reading import Reading
from citystat.ingest.registry import readers as registered_readers
from citystat.ingest.run import build_tables, expand, provenance, read_all, rejects_csv
from citystat.model import Role, Table
from citystat.store import Store

PROGRESS_FROM_BYTES = 4_000_000  # show a progress bar when the input is at least this large
SHOWN_REASONS = 10


def _read_with_progress(files: list[Path], encoding: str | None, media_type: str | None) -> list[Reading]:
    total = sum(p.stat().st_size for p in files)
    if total < PROGRESS_FROM_BYTES:
        return read_all(files, encoding=encoding, media_type=media_type)
    with Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(), console=console,
                  transient=True) as progress:
        task = progress.add_task("reading", total=total)

        def advance(name: str, size: int) -> None:
            progress.update(task, description=f"reading {name}", advance=size)

        return read_all(files, encoding=encoding, media_type=media_type, progress=advance)


def _print_reading(reading: Reading) -> None:
    when = f", as of {reading.as_of:%Y-%m-%d %H:%M:%S}" if reading.as_of else ""
    console.print(f"[bold]{escape(reading.file)}[/] ({escape(reading.reader)}, {reading.encoding or '?'}{when})",
                  highlight=False)
    console.print(f"  rows read {reading.rows_read:,}, used {reading.rows_used:,}, rejected {len(reading.rejected):,}",
                  highlight=False)
    reasons = Counter(r.reason for r in reading.rejected)
    for reason, count in reasons.most_common(SHOWN_REASONS):
        console.print(f"    rejected {count:,}: {escape(reason)}", highlight=False)
    if len(reasons) > SHOWN_REASONS:
        console.print(f"    … {len(reasons) - SHOWN_REASONS} more reasons (see --rejects)", highlight=False)
    if reading.bad_cells:
        console.print(f"  bad cells {len(reading.bad_cells):,}", highlight=False)
    for remark in reading.remarks:
        console.print(f"  note: {escape(remark)}", highlight=False)


def _print_latest(table: Table) -> None:
    """The latest period's figures: by geo value down with the measures across (by code), or measures down."""
    meta = table.meta
    latest = meta.time.values[-1]
    coordinates = {meta.time.code: latest.code}
    coordinates.update({v.code: (v.aggregate or v.values[0]).code for v in meta.variables if v.role is Role.CATEGORY})

    def figure(**more: str) -> str:
        cell = table.get(meta.key({**coordinates, **more}))
        return cell.status.value if cell.value is None else f"{cell.value:,}"

    grid = RichTable(title=escape(f"{meta.id}, {latest.label.get('en')}"), title_justify="left")
    metric = meta.metric
    if meta.geo is None:
        for column in ("measure", "", "value"):
            grid.add_column(column, justify="right" if column == "value" else "left")
        for m in metric.values:
            grid.add_row(escape(m.code), escape(m.label.zh), figure(**{metric.code: m.code}))
    else:
        geo = meta.geo
        grid.add_column(escape(geo.code))
        for m in metric.values:
            grid.add_column(escape(m.code), justify="right")
        for row in geo.values:
            grid.add_row(escape(row.label.zh), *(figure(**{geo.code: row.code, metric.code: m.code})
                                                 for m in metric.values))
    console.print(grid)


@app.command()
@reports_errors
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (a folder of snapshots is a time series)")],
    as_table: Annotated[str | None, typer.Option("--as", help="Store the result as this table id")] = None,
    rejects: Annotated[Path | None, typer.Option("--rejects", help="Save rejected rows and bad cells to this CSV")]
    = None,
    encoding: Annotated[str | None, typer.Option("--encoding", help="The encoding the sender declared "
                                                 "(utf-8, cp950); default: detect")] = None,
    media_type: Annotated[str | None, typer.Option("--media-type", help="The media type the sender declared")]
    = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Read and report, store nothing")] = False,
    db: DbOption = None,
) -> None:
    """Read published files and feeds (YouBike, Taipei Free, data.taipei, SDMX-JSON, CSV) into releases.

    Prints the rows read, used and rejected with the reasons; a file that cannot be read whole loads nothing."""
    files = expand(paths)
    readings = _read_with_progress(files, encoding, media_type)
    result = build_tables(readings, as_table)
    for reading in readings:
        _print_reading(reading)
    if rejects is not None:
        rejects.write_text(rejects_csv(readings), encoding="utf-8")
        total = sum(len(r.rejected) + len(r.bad_cells) for r in readings)
        console.print(f"{total:,} rejected rows and bad cells written to {escape(str(rejects))}", highlight=False)
    for reading in result.unbuilt:
        console.print(f"{escape(reading.file)}: read, but citystat builds no table from this kind of file "
                      f"({escape(reading.kind)}); nothing stored for it", highlight=False)
    for table in result.tables:
        _print_latest(table)
    if dry_run or not result.tables:
        return
    with Store(db_path(db)) as store:
        loads = store.load_many(result.tables, origin=provenance(files))
    for load in loads:
        info = load.release
        change = "new release" if load.created else "unchanged"
        console.print(f"stored {escape(info.table_id)}: release {info.release}, {info.cell_count:,} cells ({change})",
                      highlight=False)


@app.command("fetch")
def fetch_pages(
    url: Annotated[str, typer.Argument(help="A data.taipei dataset URL (its offset and limit are set per page)")],
    to: Annotated[Path, typer.Option("--to", help="Folder that keeps the pages; a rerun resumes from it")],
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000, help="Records per page")] = 1000,
    attempts: Annotated[int, typer.Option("--attempts", min=1, max=10, help="Tries per page")] = 3,
) -> None:
    """Page through a data.taipei dataset into a folder of pages, resuming after a failure; then ingest it."""
    try:
        report = Pager(url, to, limit=limit, attempts=attempts).run()
    except PagerError as exc:
        errors.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
        errors.print("the pages fetched so far are kept; run the same command again to resume", highlight=False)
        raise typer.Exit(1) from None
    console.print(f"{report.count:,} records in {len(report.pages)} pages under {escape(str(to))} "
                  f"({report.fetched} fetched now, {len(report.pages) - report.fetched} kept from before, "
                  f"{report.retries} retried)", highlight=False)


class MapFormat(str, Enum):
    svg = "svg"
    png = "png"
    pdf = "pdf"
    json = "json"


@app.command("station-map")
@reports_errors
def station_map(
    snapshot: Annotated[Path, typer.Argument(help="One YouBike snapshot (1.0 or 2.0 feed)")],
    out: Annotated[Path, typer.Option("--out", help="File to write (.svg, .png, .pdf, or .json for the spec)")],
    lang: LangOption = "zh-TW",
) -> None:
    """Draw a snapshot's stations as points over the district boundaries (sized by docks)."""
    from citystat.publish.charts import render_spec  # altair: imported by the commands that draw
    from citystat.publish.maps import station_map_spec

    readings = read_all(expand([snapshot]))
    stations = [s for r in readings if r.kind == "youbike_stations" for s in r.records]
    if not stations:
        errors.print(f"[bold red]error:[/] {escape(str(snapshot))} holds no YouBike stations", highlight=False)
        raise typer.Exit(2)
    city = feed_city()
    points = []
    for s in stations:
        district = city.district(s.district)
        points.append({"name": s.name.get(lang), "district": district.label.get(lang) if district else s.district,
                       "lat": s.lat, "lng": s.lng, "docks": s.docks, "rentable": s.rentable,
                       "in_service": s.active and not s.stale})
    when = readings[0].as_of
    title = f"YouBike {len(points):,} {'站' if lang == 'zh-TW' else 'stations'}" + (f", {when:%Y-%m-%d %H:%M}"
                                                                                     if when else "")
    spec = station_map_spec(points, title, lang)
    suffix = out.suffix.lower().lstrip(".")
    fmt = MapFormat(suffix) if suffix in MapFormat.__members__ else MapFormat.svg
    if fmt is MapFormat.json:
        out.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    else:
        drawn = render_spec(spec, fmt.value)
        if isinstance(drawn, str):
            out.write_text(drawn, encoding="utf-8")
        else:
            out.write_bytes(drawn)
    console.print(f"{len(points):,} stations drawn to {escape(str(out))}", highlight=False)


@app.command("readers")
def list_readers() -> None:
    """The formats citystat reads, in the order the registry tries them."""
    grid = RichTable(title_justify="left")
    for column in ("reader", "format", "suffixes", "media types"):
        grid.add_column(column)
    for reader in registered_readers():
        grid.add_row(escape(reader.name), escape(reader.title), " ".join(reader.suffixes),
                     " ".join(reader.media_types))
    console.print(grid)
