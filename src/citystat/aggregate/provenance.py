"""Where tables derived from events come from, as fields: the engine, the events' manifest (the simulation's
scale and seed, the manifest's digest) and the digest of the definitions that computed them."""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from pathlib import Path

from citystat.aggregate.definitions import DEFINITIONS_DIR
from citystat.events.schemas import MANIFEST
from citystat.file_digests import file_digest, files_digest
from citystat.model import InvalidInput, Problem, Provenance


def events_provenance(events_dir: Path, engine: str, *, definitions_dir: Path | None = None) -> Provenance:
    """The provenance of tables aggregated by ``engine`` from ``events_dir`` under the definitions in
    ``definitions_dir`` (the bundled ones by default). Simulated events carry a manifest naming their scale and
    seed; real events have none, and their tables have no scale."""
    manifest = events_dir / MANIFEST
    scale, seed, sources = None, None, []
    if manifest.is_file():
        scale, seed = _scale_and_seed(manifest)
        sources.append(file_digest(manifest))
    definitions = files_digest((definitions_dir or DEFINITIONS_DIR).glob("*.yaml"))
    return Provenance.events(engine, scale=scale, seed=seed, sources=sources, definitions=definitions)


def _scale_and_seed(manifest: Path) -> tuple[Decimal | None, int | None]:
    def bad(field: str, message: str) -> InvalidInput:
        return InvalidInput([Problem("bad_manifest", message, file=manifest.name, column=field)])

    try:
        raw = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise bad("", f"the events' manifest is not readable JSON: {exc}") from None
    if not isinstance(raw, dict):
        raise bad("", "the events' manifest must be a JSON object")
    scale, seed = raw.get("scale"), raw.get("seed")
    try:
        scale_value = None if scale is None else Decimal(str(scale))
    except InvalidOperation:
        raise bad("scale", f"scale must be a number such as 0.001, not {scale!r}") from None
    if scale_value is not None and not (0 < scale_value <= 1):
        raise bad("scale", f"scale must be above 0 and at most 1, not {scale}")
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
        raise bad("seed", f"seed must be a whole number, not {seed!r}")
    return scale_value, seed
