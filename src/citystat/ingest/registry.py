"""The registry of readers: each says with handles() whether it reads a file (by suffix, media type or
first bytes); the first reader that does reads it."""

from __future__ import annotations

from typing import Protocol, TypeVar

from citystat.ingest.reading import Reading
from citystat.ingest.source import SourceFile


class Reader(Protocol):
    name: str  # short, stable: "youbike-v1"
    title: str  # what a person reads in a list of formats
    media_types: tuple[str, ...]
    suffixes: tuple[str, ...]

    def handles(self, source: SourceFile) -> bool: ...

    def read(self, source: SourceFile) -> Reading: ...


_READERS: list[Reader] = []
R = TypeVar("R", bound=type)


def register(cls: R) -> R:
    """Class decorator: add one instance of the reader to the registry (most specific first)."""
    _READERS.append(cls())
    return cls


def readers() -> tuple[Reader, ...]:
    _load_builtin()
    return tuple(_READERS)


def reader_named(name: str) -> Reader:
    for reader in readers():
        if reader.name == name:
            return reader
    raise KeyError(f"no reader {name!r}; readers: {', '.join(r.name for r in readers())}")


def reader_for(source: SourceFile) -> Reader | None:
    return next((r for r in readers() if r.handles(source)), None)


_builtin_loaded = False


def _load_builtin() -> None:
    """Import the built-in readers once; their modules register themselves, most specific first."""
    global _builtin_loaded
    if _builtin_loaded:
        return
    _builtin_loaded = True
    from citystat.ingest import (  # noqa: F401
        data_taipei,
        dgbas,
        taipei_free,
        youbike,
    )
    from citystat.ingest.delimited import DelimitedReader

    register(DelimitedReader)  # the catch-all CSV reader comes last
