"""The words of the publication: each table's narrative and the key findings.

These are the only places the publication asks for words; the words come from citystat.language,
generated from the indicators. Notes copied from metadata are left out of the narrative because the
publication prints every note beside its table.
"""

from __future__ import annotations

from collections.abc import Sequence

from citystat.language.narrative import key_findings as narrative_key_findings
from citystat.language.narrative import narrate
from citystat.model import StoredTable, normalise_language


def table_narrative(stored: StoredTable, lang: str, *, context: Sequence[StoredTable] | None = None) -> list[str]:
    """The findings that describe one table."""
    narrative = narrate(stored, normalise_language(lang), context=list(context) if context is not None else None)
    return [sentence.text for sentence in narrative.sentences if sentence.role == "finding"]


def key_findings(tables: Sequence[StoredTable], lang: str) -> list[str]:
    """The summary at the front of the publication."""
    return [sentence.text for sentence in narrative_key_findings(list(tables), normalise_language(lang))]
