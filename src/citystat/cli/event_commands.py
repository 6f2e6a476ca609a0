"""Commands for raw service events: simulate them, aggregate them into official tables, compare with the published.

    citystat simulate --scale 0.001 --years 2011-2021 --out events/ [--seed 0]
    citystat aggregate events/ [--engine duckdb|spark] [--years 2011-2021] [--master spark://host:7077]
    citystat compare [taipei_free_usage ...] [--scale 0.001]
"""

from __future__ import annotations

import contextlib
import json
import re
import sys
from decimal import Decimal, InvalidOperation
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table as RichTable

from citystat.cli.app import DbOption, app, console, db_path, errors, reports_errors

_YEARS = re.compile(r"^\d{4}(-\d{4})?$")


def parse_years(text: str) -> list[int]:
    """``2021``, ``2011-2021`` or a comma-separated list of both."""
    years: set[int] = set()
    for part in text.split(","):
        part = part.strip()
        if not _YEARS.match(part):
            raise typer.BadParameter(f"{part!r} is not a year or a range of years (2021, 2011-2021)")
        first, _, last = part.partition("-")
        lo, hi = int(first), int(last or first)
        if lo > hi:
            raise typer.BadParameter(f"{part!r}: the range runs backwards")
        years.update(range(lo, hi + 1))
    return sorted(years)


def _scale(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise typer.BadParameter(f"{text!r} is not a number") from None
    if not 0 < value <= 1:
        raise typer.BadParameter("the scale must be above 0 and at most 1")
    return value


class EngineName(str, Enum):  # noqa: UP042 (Typer choices)
    duckdb = "duckdb"
    spark = "spark"


YearsOption = Annotated[str | None, typer.Option("--years", help="Years, e.g. 2021 or 2011-2021")]


@app.command()
@reports_errors
def simulate(
    out: Annotated[Path, typer.Option("--out", help="Directory to write the event streams into")],
    scale: Annotated[str, typer.Option("--scale", help="Scale factor: 1 reproduces the published figures, "
                                                       "0.001 a thousandth of the events")] = "1",
    years: Annotated[str, typer.Option("--years", help="Years to simulate, e.g. 2021 or 2011-2021")] = "2011-2021",
    seed: Annotated[int, typer.Option("--seed", help="Same seed, same files")] = 0,
    workers: Annotated[int | None, typer.Option("--workers", help="Processes [default: every core]")] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace events already in --out")] = False,
    hotspots: Annotated[Path | None, typer.Option("--hotspots", help="A real public Wi-Fi hotspot list (CSV) to "
                                                  "place Wi-Fi sessions at")] = None,
    stations: Annotated[Path | None, typer.Option("--stations", help="A real YouBike snapshot whose stations "
                                                  "bike trips start and end at")] = None,
    od: Annotated[Path | None, typer.Option("--od", help="Weekday OD trip counts (the study's route Parquet) "
                                            "to draw bike trips from; needs --stations")] = None,
) -> None:
    """Write calibrated event streams (Parquet, by service, year and month) whose aggregation gives the published
    tables: exactly at scale 1, round(figure × scale) below it. The real hotspot list, station snapshot and OD
    weights, where given, take the place of the generated ones."""
    from citystat.catalog import bundled_tables
    from citystat.cli.realworld import real_sources
    from citystat.simulate import simulate as run_simulation

    real_hotspots, real_stations = real_sources(hotspots, stations, od, seed)
    factor = _scale(scale)
    chosen = parse_years(years)
    with Progress(TextColumn("simulating"), BarColumn(), TaskProgressColumn(), MofNCompleteColumn(),
                  TextColumn("events"), TimeElapsedColumn(), console=console, transient=True) as bar:
        task = bar.add_task("events", total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        try:
            result = run_simulation(bundled_tables(), out, scale=factor, years=chosen, seed=seed, workers=workers,
                                    overwrite=overwrite, progress=advance, hotspots=real_hotspots,
                                    stations=real_stations)
        except FileExistsError as exc:
            errors.print(f"[bold red]error:[/] {exc} (use --overwrite)", highlight=False)
            sys.exit(1)
        except ValueError as exc:
            errors.print(f"[bold red]error:[/] {exc}", highlight=False)
            sys.exit(1)
    grid = RichTable(title=f"events in {out}", title_justify="left")
    for column in ("stream", "files", "events"):
        grid.add_column(column, justify="left" if column == "stream" else "right")
    for key, info in result.manifest["streams"].items():
        grid.add_row(key, f"{info['files']:,}", f"{sum(info['events_by_year'].values()):,}")
    console.print(grid)
    bases: dict[str, int] = {}
    for target in result.manifest["targets"]:
        bases[target["basis"]] = bases.get(target["basis"], 0) + 1
    console.print(f"{result.events:,} events in {result.files:,} files, scale {factor}, seed {seed}. Targets: "
                  + ", ".join(f"{n} {basis}" for basis, n in sorted(bases.items()))
                  + " (see _citystat_events.json).")


def _conf(items: list[str] | None) -> dict[str, str]:
    out = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep:
            raise typer.BadParameter(f"{item!r}: give Spark settings as key=value")
        out[key.strip()] = value.strip()
    return out


@app.command()
@reports_errors
def aggregate(
    events_dir: Annotated[Path, typer.Argument(help="Directory of event streams (service=*/stream=*/year=*/month=*)")],
    engine: Annotated[EngineName, typer.Option("--engine", help="duckdb (embedded) or spark")] = EngineName.duckdb,
    years: YearsOption = None,
    master: Annotated[str | None, typer.Option("--master", help="Spark master URL, e.g. spark://host:7077 "
                                                                "[default: local[*]]")] = None,
    conf: Annotated[list[str] | None, typer.Option("--conf", help="Spark setting key=value (repeatable)")] = None,
    table: Annotated[list[str] | None, typer.Option("--table", help="Only this table (repeatable)")] = None,
    threads: Annotated[int | None, typer.Option("--threads", help="DuckDB threads")] = None,
    memory_limit: Annotated[str | None, typer.Option("--memory-limit", help="DuckDB memory limit, e.g. 8GB")] = None,
    partials: Annotated[Path | None, typer.Option(
        "--partials", help="Keep per-file partial results in this DuckDB file and read only new or changed event "
                           "files (incremental)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable report")] = False,
    db: DbOption = None,
) -> None:
    """Compute the official tables from raw events under their definitions and store them as releases of
    <table>__events, with the published tables' metadata."""
    from citystat.aggregate import make_engine
    from citystat.aggregate.provenance import events_provenance
    from citystat.aggregate.runner import aggregate_events, catalog_metas, store_tables

    chosen = parse_years(years) if years else None
    if engine is not EngineName.spark and (master or conf):
        raise typer.BadParameter("--master and --conf are Spark settings; add --engine spark")
    with contextlib.ExitStack() as stack:
        # DuckDB starts in the background (see aggregate.engines) while the manifest and the catalog are read;
        # Spark, a cluster's session, only once they are found good
        early = stack.enter_context(make_engine(engine.value, threads=threads, memory_limit=memory_limit)) \
            if engine is EngineName.duckdb else None
        provenance = events_provenance(events_dir, engine.value)  # a bad manifest is refused before any work
        metas = catalog_metas()
        bar = stack.enter_context(Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                           TimeElapsedColumn(), console=errors if as_json else console,
                                           transient=True))
        task = bar.add_task("starting", total=None)

        def advance(what: str, done: int, total: int) -> None:
            bar.update(task, description=what, completed=done, total=total)

        runner = early or stack.enter_context(make_engine(engine.value, master=master, conf=_conf(conf)))
        result = aggregate_events(events_dir, engine=runner, metas=metas, years=chosen, tables=table,
                                  progress=advance, partials=partials)
    loaded = store_tables(db_path(db), result, provenance)
    report = result.report
    scale = None if provenance.scale is None else format(provenance.scale, "f")
    if as_json:
        payload: dict[str, Any] = report.to_dict()
        payload["releases"] = [{"table": r.release.table_id, "release": r.release.release, "created": r.created,
                                "provenance": r.release.provenance.to_dict()} for r in loaded]
        payload["scale"] = scale
        payload["provenance"] = provenance.to_dict()
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    grid = RichTable(title=f"events read ({report.engine}, {report.seconds:.1f} s)", title_justify="left")
    for column in ("stream", "files", "read", "events", "excluded", "ids"):
        grid.add_column(column, justify="left" if column in ("stream", "ids") else "right")
    for s in report.streams:
        grid.add_row(s.stream, f"{s.files:,}", f"{s.scanned:,}", f"{s.events:,}", f"{s.excluded:,}", s.ids)
    console.print(grid)
    for s in report.streams:
        for path, n in s.misfiled_files[:5]:
            console.print(f"[yellow]excluded[/] {n:,} events of {s.stream} dated outside their partition: {path}",
                          highlight=False)
        for path, n in s.incomplete_files[:5]:
            console.print(f"[yellow]excluded[/] {n:,} events of {s.stream} missing a value: {path}", highlight=False)
    if report.ignored:
        console.print(f"ignored {len(report.ignored)} path(s) that are not event files, e.g. {report.ignored[0]}",
                      highlight=False)
    tables = RichTable(title=f"derived tables in {db_path(db)}", title_justify="left")
    for column in ("table", "release", "change"):
        tables.add_column(column)
    for r in loaded:
        tables.add_row(r.release.table_id, str(r.release.release), "new release" if r.created else "unchanged")
    console.print(tables)
    rate = report.events / report.seconds if report.seconds else 0
    console.print(f"{report.events:,} events, {report.excluded:,} excluded, {rate:,.0f} events/s. "
                  "Compare with the published tables: citystat compare" + (f" --scale {scale}" if scale else ""))


@app.command()
@reports_errors
def compare(
    table_ids: Annotated[list[str] | None, typer.Argument(metavar="[ID]...", help="Published or derived table ids "
                                                          "[default: every derived table]")] = None,
    scale: Annotated[str | None, typer.Option("--scale", help="Scale of the simulated events [default: the "
                                                              "derived release's, else 1]")] = None,
    all_cells: Annotated[bool, typer.Option("--all", help="Show every cell, not only differences")] = False,
    check: Annotated[bool, typer.Option("--check", help="Exit with 1 when a published figure is not reproduced")]
    = False,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output")] = False,
    db: DbOption = None,
) -> None:
    """Compare published tables with the tables computed from events, cell by cell."""
    from citystat.aggregate.compare import NothingToCompare, UnknownScale, compare_in_store
    from citystat.store import Store

    with Store(db_path(db), read_only=True) as store:
        try:
            comparisons = compare_in_store(store, table_ids or (), _scale(scale) if scale else None)
        except (NothingToCompare, UnknownScale) as exc:
            raise typer.BadParameter(str(exc)) from None
    if as_json:
        typer.echo(json.dumps([c.to_dict() for c in comparisons], ensure_ascii=False, indent=2))
    else:
        summary = RichTable(title="published vs computed from events", title_justify="left")
        for column in ("table", "scale", "equal", "differs", "missing", "new", "status", "result"):
            summary.add_column(column, justify="left" if column in ("table", "result") else "right")
        for c in comparisons:
            summary.add_row(c.published_id, str(c.scale), *(str(c.count(o)) for o in
                            ("equal", "differs", "missing", "new", "status")),
                            "[green]reproduced[/]" if c.matches else "[red]differs[/]")
        console.print(summary)
        for c in comparisons:
            shown = c.cells if all_cells else c.differences
            if not shown:
                continue
            grid = RichTable(title=f"{c.published_id} vs {c.derived_id}", title_justify="left")
            for column in ("cell", "published", "expected", "derived", "difference", "outcome"):
                grid.add_column(column, justify="left" if column in ("cell", "outcome") else "right")
            for cell in shown:
                d = cell.to_dict()
                grid.add_row(str(d["cell"]), _shown(d["published"], d["published_status"]),
                             _shown(d["expected"], ""), _shown(d["derived"], d["derived_status"]),
                             str(d["difference"] or ""), cell.outcome)
            console.print(grid)
    if check and not all(c.matches for c in comparisons):
        sys.exit(1)


def _shown(value: object, status: object) -> str:
    if value is None:
        return str(status)
    return f"{value} {status}".strip()
