"""Every narrative citystat writes checks correct: each table in both languages, and the key findings.

The check must not be vacuous: every sentence that states a computed figure has claims found in it, and each
change, share, rank, threshold or trend the writer stated is a figure the checker computed from the same cells.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from citystat.catalog import bundled_tables
from citystat.claims import Checker, Report, Status
from citystat.indicators import IndicatorKind
from citystat.language.narrative import FINDING, Narrative, Sentence, key_findings, narrate
from citystat.model import LANGUAGES
from citystat.store import Store, StoredTable

TABLE_IDS = sorted(t.id for t in bundled_tables())
WRITTEN_KINDS = {
    IndicatorKind.GROWTH_RATE, IndicatorKind.GROWTH_MULTIPLE, IndicatorKind.RATIO, IndicatorKind.PP_DIFFERENCE,
    IndicatorKind.SHARE, IndicatorKind.RANK, IndicatorKind.STAYED_ABOVE, IndicatorKind.ROSE_EVERY_PERIOD,
    IndicatorKind.FELL_EVERY_PERIOD, IndicatorKind.PEAK, IndicatorKind.TROUGH, IndicatorKind.LARGEST_RISE,
    IndicatorKind.LARGEST_FALL,
}


@pytest.fixture(scope="module")
def tables(built_db: Path) -> Iterator[list[StoredTable]]:
    with Store(built_db, read_only=True) as store:
        yield store.latest()


@pytest.fixture(scope="module")
def checker(tables: list[StoredTable]) -> Checker:
    return Checker(tables)


def _document(narrative: Narrative) -> str:
    """A narrative as published: its title as a heading, then its text."""
    return f"{narrative.title}\n{narrative.text}"


def _not_correct(report: Report) -> list[str]:
    return [f"{v.status.value}: {v.claim.text!r} ({v.claim.kind.value}) — {v.message}"
            for v in report.verdicts if v.status is not Status.CORRECT]


def _in_sentence(report: Report, text: str, sentence: Sentence) -> list:
    start = text.find(sentence.text)
    assert start >= 0
    end = start + len(sentence.text)
    return [v for v in report.verdicts if start <= v.claim.start and v.claim.end <= end]


def _assert_states_what_the_writer_computed(report: Report, text: str, sentences: list[Sentence]) -> None:
    for sentence in sentences:
        if sentence.role != FINDING or not sentence.indicators:
            continue
        verdicts = _in_sentence(report, text, sentence)
        assert verdicts, f"no claim found in {sentence.text!r}"
        computed = {v.computed for v in verdicts}
        for indicator in sentence.indicators:
            if indicator.kind in WRITTEN_KINDS:
                assert indicator.value in computed, (
                    f"{indicator.kind.value} {indicator.value} of {sentence.text!r} was not checked: "
                    f"{sorted(map(str, computed - {None}))}")


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("table_id", TABLE_IDS)
def test_every_claim_of_a_generated_narrative_is_correct(checker: Checker, tables: list[StoredTable],
                                                         table_id: str, lang: str) -> None:
    stored = next(t for t in tables if t.meta.id == table_id)
    narrative = narrate(stored, lang, context=tables)
    text = _document(narrative)
    report = checker.check(text, lang)
    assert report.verdicts, f"no claims found in the {table_id} narrative"
    assert not _not_correct(report), "\n".join(_not_correct(report))
    _assert_states_what_the_writer_computed(report, text, narrative.sentences)
    for verdict in report.verdicts:  # every verdict cites its cells (or the note it quotes) and its formula
        assert verdict.table is not None and verdict.formula
        assert verdict.cells or verdict.formula == "the table's note"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_key_findings_check_correct(checker: Checker, tables: list[StoredTable], lang: str) -> None:
    sentences = key_findings(tables, lang)
    text = "\n".join(s.text for s in sentences)
    report = checker.check(text, lang)
    assert len(report.verdicts) >= len(sentences)
    assert not _not_correct(report), "\n".join(_not_correct(report))
    _assert_states_what_the_writer_computed(report, text, sentences)


def test_language_is_detected(checker: Checker, tables: list[StoredTable]) -> None:
    stored = next(t for t in tables if t.meta.id == "cooc_cloud")
    for lang in LANGUAGES:
        assert checker.check(_document(narrate(stored, lang, context=tables))).lang == lang
