"""The citystat command line: a thin shell over the library.

Each command module registers its commands on the shared app when imported.
"""

from citystat.cli import (  # noqa: F401  (each module registers its commands)
    check_commands,
    database_commands,
    diff_commands,
    event_commands,
    ingest_commands,
    language_commands,
    publish_commands,
    serve_commands,
)
from citystat.cli.app import app


def main() -> None:
    app()


__all__ = ["app", "main"]
