"""The citystat command line: a thin shell over the library.

Each command module registers its commands on the shared app when imported.
"""

from citystat.cli import database_commands  # noqa: F401  (registers commands)
from citystat.cli import event_commands  # noqa: F401  (registers commands)
from citystat.cli.app import app


def main() -> None:
    app()


__all__ = ["app", "main"]
