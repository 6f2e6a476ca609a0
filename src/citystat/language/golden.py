"""Golden files of narratives: one text file per table and language, one sentence a line, for review by diff."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from citystat.language.narrative import Narrative, narrate
from citystat.model import LANGUAGES, StoredTable


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
