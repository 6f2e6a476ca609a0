"""The limits on input, declared once: every reader, the CLI and the admin API enforce these.

Each limit has a name, which every error that enforces it states, and an environment variable that
overrides it (``CITYSTAT_LIMIT_`` + the name in capitals, e.g. ``CITYSTAT_LIMIT_FIELD_CHARS=20000``).
The defaults admit the bundled catalog and a table of a few million cells, and refuse in a second or two
what a small hostile file could otherwise blow up (a "billion laughs" YAML, a 1e9-cell declaration,
nesting 50,000 deep, millions of identical rows).

A leaf module: it imports nothing of citystat, so every layer may use it.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, fields

ENV_PREFIX = "CITYSTAT_LIMIT_"


@dataclass(frozen=True)
class Limits:
    """Every bound on input and on the work it causes. Names are stable: they appear in errors."""

    meta_bytes: int = 1_000_000  # a table's YAML (or JSON) metadata
    values_bytes: int = 256_000_000  # a table's CSV values
    request_bytes: int = 300_000_000  # an admin API request body (metadata and values together)
    field_chars: int = 4_096  # one CSV field, one text or code in the metadata
    table_cells: int = 2_000_000  # the cells a table's variables declare (the product of their value counts)
    yaml_depth: int = 32  # nesting of mappings and lists in metadata
    yaml_nodes: int = 30_000  # scalars, mappings and lists in metadata, aliases counted as what they expand to
    yaml_aliases: int = 1_000  # uses of anchors (*name) in metadata
    problems_shown: int = 50  # problems reported in full; the rest are counted by kind
    problems_read: int = 1_000  # a file is read no further once this many problems were found
    load_seconds: float = 120.0  # an admin load is abandoned (and nothing loaded) after this long
    load_memory_bytes: int = 8_000_000_000  # address space of an admin load's process (DuckDB reserves ~1 GB)
    cache_bytes: int = 256_000_000  # the server's tables read from the database, estimated in memory
    release_cells: int = 500_000  # the cells of an earlier release (release=N) a server reads into memory

    def describe(self, name: str) -> str:
        """``field_chars = 4096 (CITYSTAT_LIMIT_FIELD_CHARS)``: how errors name a limit."""
        return f"limit {name} = {getattr(self, name)} ({ENV_PREFIX}{name.upper()})"

    def replace(self, **changes: int | float) -> Limits:
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]


def from_env(environ: dict[str, str] | None = None) -> Limits:
    """The defaults, with any ``CITYSTAT_LIMIT_*`` variable applied; a malformed one is an error."""
    environ = dict(os.environ) if environ is None else environ
    changes: dict[str, int | float] = {}
    for spec in fields(Limits):
        raw = environ.get(ENV_PREFIX + spec.name.upper())
        if raw is None or raw.strip() == "":
            continue
        try:
            value: int | float = float(raw) if spec.type in (float, "float") else int(raw.replace("_", ""))
        except ValueError:
            raise ValueError(f"{ENV_PREFIX}{spec.name.upper()}={raw!r} is not a number") from None
        if value <= 0:
            raise ValueError(f"{ENV_PREFIX}{spec.name.upper()}={raw!r} must be positive")
        changes[spec.name] = value
    return Limits(**changes)  # type: ignore[arg-type]


def current() -> Limits:
    """The limits in force now (read from the environment each time: cheap, and tests can change it)."""
    return from_env()


class LimitExceeded(ValueError):
    """Input went past a limit; the message names it and says how to raise it."""

    def __init__(self, limits: Limits, name: str, what: str):
        self.name = name
        super().__init__(f"{what}; {limits.describe(name)}")
