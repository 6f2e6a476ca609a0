"""Where a release came from, as fields: what made it (a catalog, a file, an ingest, an aggregation of events),
the engine, the simulation scale and seed, the source files with their digests, the definitions' digest, when
and by which citystat.

A person reads ``describe()``: the same words the store kept as a plain string before provenance had fields
(``catalog``, ``load:t.csv``, ``events:duckdb:scale=0.001``). A program reads the fields, never the words.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any

from citystat import __version__

SOFTWARE = f"citystat {__version__}"
INGEST_NAMES_SHOWN = 5  # source files the words name before "and N more"


class ProvenanceKind(str, Enum):
    CATALOG = "catalog"  # the published tables of a catalog ('citystat build')
    FILE = "file"  # a table file of one's own ('citystat load')
    INGEST = "ingest"  # outside files read by the ingest readers ('citystat ingest')
    EVENTS = "events"  # aggregated from raw events ('citystat aggregate')
    API = "api"  # loaded through the admin API
    DESCRIBED = "described"  # words only: a caller's own description, or a release stored before these fields


@dataclass(frozen=True)
class FileDigest:
    """A file a release was made from: its name (not its path: a path says where it was, not what it was)."""

    name: str
    sha256: str
    size: int | None = None  # bytes

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "sha256": self.sha256}
        if self.size is not None:
            out["bytes"] = self.size
        return out


@dataclass(frozen=True)
class Provenance:
    kind: ProvenanceKind
    created_at: datetime | None = None
    sources: tuple[FileDigest, ...] = ()
    engine: str | None = None  # the aggregation engine: duckdb, spark
    scale: Decimal | None = None  # the simulation's scale factor; None for real events
    seed: int | None = None  # the simulation's seed
    definitions: str | None = None  # sha256 over the aggregation definitions used
    software: str | None = None  # the citystat that made it
    description: str | None = None  # words given instead of fields (API callers, releases from before the fields)

    # -- the makers, one per kind ---------------------------------------------------------------------

    @classmethod
    def catalog(cls, sources: Iterable[FileDigest] = ()) -> Provenance:
        return cls(ProvenanceKind.CATALOG, _now(), tuple(sources), software=SOFTWARE)

    @classmethod
    def file(cls, values: FileDigest, *others: FileDigest) -> Provenance:
        """A table file of one's own: its values first (the words name them), then its metadata."""
        return cls(ProvenanceKind.FILE, _now(), (values, *others), software=SOFTWARE)

    @classmethod
    def ingest(cls, sources: Iterable[FileDigest]) -> Provenance:
        return cls(ProvenanceKind.INGEST, _now(), tuple(sources), software=SOFTWARE)

    @classmethod
    def events(cls, engine: str, *, scale: Decimal | None = None, seed: int | None = None,
               sources: Iterable[FileDigest] = (), definitions: str | None = None) -> Provenance:
        return cls(ProvenanceKind.EVENTS, _now(), tuple(sources), engine, scale, seed, definitions, SOFTWARE)

    @classmethod
    def api(cls, description: str) -> Provenance:
        return cls(ProvenanceKind.API, _now(), software=SOFTWARE, description=description)

    @classmethod
    def described(cls, words: str) -> Provenance:
        """Words only: what a caller gives as a string."""
        return cls(ProvenanceKind.DESCRIBED, description=words)

    @classmethod
    def from_words(cls, words: str) -> Provenance:
        """A release stored before provenance had fields, which kept only its words. The words aggregation wrote
        had one format, ``events:ENGINE`` or ``events:ENGINE:scale=S``: they are read back as those fields (so
        ``compare`` still knows an old release's scale), the words kept as its description; other words stay
        words."""
        kind, _, rest = words.partition(":")
        engine, _, scale = rest.partition(":scale=")
        if kind != ProvenanceKind.EVENTS.value or not engine or ":" in engine:
            return cls.described(words)
        try:
            value = None if not scale else Decimal(scale)
        except InvalidOperation:
            return cls.described(words)
        if value is not None and not (value.is_finite() and value > 0):
            return cls.described(words)
        return cls(ProvenanceKind.EVENTS, engine=engine, scale=value, description=words)

    # -- reading ----------------------------------------------------------------------------------

    def describe(self) -> str:
        """The words a person reads (the dashboard, the publication, 'citystat releases')."""
        if self.description is not None:
            return self.description
        names = [s.name for s in self.sources]
        if self.kind is ProvenanceKind.FILE and names:
            return f"load:{names[0]}"
        if self.kind is ProvenanceKind.INGEST:
            shown = ", ".join(names[:INGEST_NAMES_SHOWN])
            more = len(names) - INGEST_NAMES_SHOWN
            return f"ingest:{shown}" + (f" and {more} more" if more > 0 else "")
        if self.kind is ProvenanceKind.EVENTS:
            return f"events:{self.engine or '?'}" + ("" if self.scale is None else f":scale={format(self.scale, 'f')}")
        return self.kind.value

    @property
    def from_catalog(self) -> bool:
        """Made by building from a catalog. A release stored before provenance had fields has only its words,
        and the words a build wrote were ``catalog``."""
        return self.kind is ProvenanceKind.CATALOG or (
            self.kind is ProvenanceKind.DESCRIBED and self.description == ProvenanceKind.CATALOG.value)

    def to_dict(self) -> dict[str, Any]:
        """The fields, for JSON (the store's column, ``--json`` output); absent fields are left out."""
        out: dict[str, Any] = {"kind": self.kind.value, "description": self.describe()}
        if self.created_at is not None:
            out["created_at"] = self.created_at.astimezone(UTC).isoformat()
        for name in ("engine", "seed", "definitions", "software"):
            if (value := getattr(self, name)) is not None:
                out[name] = value
        if self.scale is not None:
            out["scale"] = format(self.scale, "f")
        if self.sources:
            out["sources"] = [s.to_dict() for s in self.sources]
        return out


def _now() -> datetime:
    return datetime.now(UTC)


class ProvenanceError(ValueError):
    """A stored provenance that is not one: names the field and what is wrong."""


def provenance_from_dict(raw: Any) -> Provenance:
    """A provenance from its ``to_dict()``. The words are kept as the description only where the fields do not
    make them (a caller's own words), so ``describe()`` reads back the same."""
    if not isinstance(raw, Mapping):
        raise ProvenanceError(f"provenance must be a JSON object, not {type(raw).__name__}")
    try:
        kind = ProvenanceKind(raw.get("kind"))
    except ValueError:
        raise ProvenanceError(f"provenance.kind: unknown kind {raw.get('kind')!r} (known: "
                              f"{', '.join(k.value for k in ProvenanceKind)})") from None
    sources = []
    for i, s in enumerate(raw.get("sources") or ()):
        if not isinstance(s, Mapping) or not isinstance(s.get("name"), str) or not isinstance(s.get("sha256"), str):
            raise ProvenanceError(f"provenance.sources[{i}] must have a name and a sha256")
        size = s.get("bytes")
        sources.append(FileDigest(s["name"], s["sha256"], None if size is None else int(size)))
    scale = raw.get("scale")
    try:
        scale_value = None if scale is None else Decimal(str(scale))
    except InvalidOperation:
        raise ProvenanceError(f"provenance.scale: not a number: {scale!r}") from None
    created = raw.get("created_at")
    try:
        created_at = None if created is None else datetime.fromisoformat(str(created))
    except ValueError:
        raise ProvenanceError(f"provenance.created_at: not an ISO 8601 time: {created!r}") from None
    fields = Provenance(
        kind, created_at, tuple(sources),
        engine=_optional_str(raw, "engine"), scale=scale_value,
        seed=None if raw.get("seed") is None else int(raw["seed"]),
        definitions=_optional_str(raw, "definitions"), software=_optional_str(raw, "software"),
    )
    words = raw.get("description")
    if isinstance(words, str) and words != fields.describe():
        return replace(fields, description=words)
    return fields


def _optional_str(raw: Mapping[str, Any], name: str) -> str | None:
    value = raw.get(name)
    return None if value is None else str(value)

