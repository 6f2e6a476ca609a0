"""The Typer application and the options every command shares."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import duckdb
import typer
from rich.console import Console
from rich.markup import escape

from citystat.model import InvalidInput, normalise_language
from citystat.paths import UnsafePath
from citystat.store import TableNotFound, default_db_path

app = typer.Typer(
    name="citystat",
    help="Official statistics of a city's digital public services: database, indicators, publication, API.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
errors = Console(stderr=True)

F = TypeVar("F", bound=Callable[..., Any])


def _language(value: str) -> str:
    try:
        return normalise_language(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


DbOption = Annotated[
    Path | None,
    typer.Option("--db", help="Database file [default: $CITYSTAT_DB or ./citystat.duckdb]", show_default=False),
]
LangOption = Annotated[str, typer.Option("--lang", help="zh-TW or en", callback=_language)]


def db_path(db: Path | None) -> Path:
    return db if db is not None else default_db_path()


def reports_errors(func: F) -> F:
    """Turn the library's errors into a clear message and an exit code, without a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except InvalidInput as exc:
            errors.print(f"[bold red]{exc.total:,} problem(s) found; nothing was loaded.[/]")
            for problem in exc.problems:
                errors.print(f"  - {problem}", markup=False, highlight=False)
            sys.exit(2)
        except UnsafePath as exc:
            errors.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
            sys.exit(2)
        # duckdb.IOException: another process holds the database, or the file is not one (DuckDB names the file)
        except (TableNotFound, FileNotFoundError, duckdb.IOException) as exc:
            errors.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]
