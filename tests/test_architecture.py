"""The computing packages stand apart from storage: narrating or checking a table needs no database."""

from __future__ import annotations

import subprocess
import sys

from .conftest import REPO


def test_computing_packages_import_neither_duckdb_nor_the_store() -> None:
    probe = (
        "import sys\n"
        "import citystat.indicators, citystat.language, citystat.claims, citystat.publish\n"
        "loaded = sorted(m for m in sys.modules if m == 'duckdb' or m.startswith(('duckdb.', 'citystat.store')))\n"
        "print(','.join(loaded))\n"
    )
    env = {"PYTHONPATH": str(REPO / "src"), "PATH": "/usr/bin:/bin"}
    answer = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=True)
    assert answer.stdout.strip() == "", f"storage loaded by a computing package: {answer.stdout.strip()}"


def test_rank_words_live_only_in_the_shared_language_resource() -> None:
    """排名 / 評比 are written once, in the checker's declared messages; claims and language code never guess meaning
    from them."""
    package = REPO / "src" / "citystat"
    holding = sorted(str(path.relative_to(package)) for folder in ("claims", "language")
                     for path in (package / folder).rglob("*.py")
                     if "排名" in path.read_text(encoding="utf-8") or "評比" in path.read_text(encoding="utf-8"))
    assert holding == ["language/verdicts.py"]
