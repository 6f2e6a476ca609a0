"""Golden files of narratives: one text file per table and language, one sentence a line, for review by diff.

A tool for the test suite, not part of citystat. Regenerate after a deliberate change, then review the diff:

    .venv/bin/python -m tools.golden_narratives tests/golden/narratives
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from citystat.catalog import bundled_tables
from citystat.language.narrative import Narrative, narrate
from citystat.model import LANGUAGES, StoredTable
from citystat.store import Store


def golden_text(narrative: Narrative) -> str:
    """The golden form of a narrative: a title line, then each sentence on its own line."""
    lines = [f"# {narrative.table_id}: {narrative.title}", *(s.text for s in narrative.sentences)]
    return "\n".join(lines) + "\n"


def golden_path(directory: Path, lang: str, table_id: str) -> Path:
    return directory / lang / f"{table_id}.txt"


def write_golden(tables: Sequence[StoredTable], directory: Path) -> list[Path]:
    """Write the narrative of every table in both languages under ``directory/<lang>/<table>.txt``, removing
    the files of tables that are gone. Each table is narrated with all the others as context."""
    written = []
    context = list(tables)
    for lang in LANGUAGES:
        folder = directory / lang
        folder.mkdir(parents=True, exist_ok=True)
        wanted = set()
        for stored in tables:
            path = golden_path(directory, lang, stored.meta.id)
            path.write_text(golden_text(narrate(stored, lang, context=context)), encoding="utf-8")
            wanted.add(path.name)
            written.append(path)
        for stale in folder.glob("*.txt"):
            if stale.name not in wanted:
                stale.unlink()
    return written


def regenerate(directory: Path) -> list[Path]:
    """The golden files of the bundled catalog, loaded as the build loads it (releases and all)."""
    with tempfile.TemporaryDirectory() as scratch, Store(Path(scratch) / "golden.duckdb") as store:
        store.load_many(bundled_tables(), origin="catalog")
        return write_golden(store.latest(), directory)


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "tests/golden/narratives")
    print(f"wrote {len(regenerate(target))} golden files under {target}")
