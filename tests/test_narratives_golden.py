"""The narratives of the bundled catalog against their reviewed golden files, in both languages.

Regenerate after a deliberate change, then review the diff:
    .venv/bin/python -m tools.golden_narratives tests/golden/narratives
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tools.golden_narratives import golden_path, golden_text, regenerate

from citystat.catalog import bundled_tables
from citystat.language.narrative import narrate
from citystat.model import LANGUAGES
from citystat.store import Store

GOLDEN = Path(__file__).parent / "golden" / "narratives"
TABLE_IDS = sorted(t.id for t in bundled_tables())


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("table_id", TABLE_IDS)
def test_narrative_matches_golden(store: Store, table_id: str, lang: str) -> None:
    tables = store.latest()
    stored = next(t for t in tables if t.meta.id == table_id)
    expected = golden_path(GOLDEN, lang, table_id).read_text(encoding="utf-8")
    assert golden_text(narrate(stored, lang, context=tables)) == expected


def test_no_stale_golden_files() -> None:
    for lang in LANGUAGES:
        assert sorted(p.stem for p in (GOLDEN / lang).glob("*.txt")) == TABLE_IDS


def test_regenerating_writes_the_same_files(tmp_path: Path) -> None:
    regenerate(tmp_path)
    for lang in LANGUAGES:
        for table_id in TABLE_IDS:
            fresh = golden_path(tmp_path, lang, table_id).read_text(encoding="utf-8")
            assert fresh == golden_path(GOLDEN, lang, table_id).read_text(encoding="utf-8")
