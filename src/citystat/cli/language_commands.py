"""Commands that compute indicators and write the narratives of the statistics."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table as RichTable

from citystat.cli.app import DbOption, LangOption, app, console, db_path, reports_errors
from citystat.indicators import Indicator, standard_indicators
from citystat.indicators.core import number
from citystat.language.narrative import Narrative, narrate
from citystat.store import Store


def narrative_dict(narrative: Narrative) -> dict[str, Any]:
    return {
        "table": narrative.table_id,
        "lang": narrative.lang,
        "title": narrative.title,
        "text": narrative.text,
        "sentences": [
            {
                "text": s.text,
                "rule": s.rule,
                "role": s.role,
                "indicators": [i.to_dict() for i in s.indicators],
            }
            for s in narrative.sentences
        ],
    }


@app.command("narrate")
@reports_errors
def narrate_command(
    table_id: Annotated[str | None, typer.Argument(metavar="ID", help="Table id (see 'citystat tables')")] = None,
    all_tables: Annotated[bool, typer.Option("--all", help="Every table in the database")] = False,
    lang: LangOption = "zh-TW",
    as_json: Annotated[bool, typer.Option("--json", help="Sentences with the indicators they state")] = False,
    db: DbOption = None,
) -> None:
    """Write the findings of a table (or --all) from its data, in zh-TW or en."""
    if (table_id is None) == (not all_tables):
        raise typer.BadParameter("name one table ID or give --all")
    with Store(db_path(db), read_only=True) as store:
        tables = store.latest()
        chosen = tables if all_tables else [store.read(table_id)]  # type: ignore[arg-type]
        narratives = [narrate(stored, lang, context=tables) for stored in chosen]
    if as_json:
        typer.echo(json.dumps([narrative_dict(n) for n in narratives], ensure_ascii=False, indent=2))
        return
    for narrative in narratives:
        console.print(f"[bold]{escape(narrative.title)}[/]  [{escape(narrative.table_id)}]", highlight=False)
        for sentence in narrative.sentences:
            style = "dim" if sentence.role == "note" else ""
            console.print(escape(sentence.text), style=style, highlight=False)
        console.print()


def _series_text(indicator: Indicator) -> str:
    return " / ".join(v for _, v in indicator.series)


def _periods_text(indicator: Indicator) -> str:
    if indicator.base_period and indicator.base_period != indicator.period:
        return f"{indicator.period} vs {indicator.base_period}"
    if indicator.base:
        return f"{indicator.period} vs {', '.join(v for _, v in indicator.base)}"
    return indicator.period or ""


@app.command("indicators")
@reports_errors
def indicators_command(
    table_id: Annotated[str, typer.Argument(metavar="ID", help="Table id (see 'citystat tables')")],
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable, with every input cell")] = False,
    release: Annotated[int | None, typer.Option("--release", help="An earlier release [default: latest]")] = None,
    db: DbOption = None,
) -> None:
    """Show the computed indicators of a table with their formulas and the cells they come from."""
    with Store(db_path(db), read_only=True) as store:
        stored = store.read(table_id, release)
    found = standard_indicators(stored)
    if as_json:
        typer.echo(json.dumps([i.to_dict() for i in found], ensure_ascii=False, indent=2))
        return
    grid = RichTable(title=f"{table_id} (release {stored.release.release})", title_justify="left")
    for column in ("indicator", "series", "period", "value", "status", "formula"):
        grid.add_column(column, justify="right" if column == "value" else "left", no_wrap=column == "value",
                        overflow="fold")
    for indicator in found:
        grid.add_row(
            indicator.kind.value, _series_text(indicator), _periods_text(indicator), number(indicator.value),
            indicator.status.value, escape(indicator.formula),
        )
    console.print(grid)
