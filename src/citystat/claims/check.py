"""The claim checker: read a text, find every numeric claim, resolve it to the store and verify it."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from citystat.claims.extract import detect_language, extract, split_sentences
from citystat.claims.model import Claim, Sentence, Status, Verdict
from citystat.claims.resolve import Resolver
from citystat.claims.verify import verify
from citystat.claims.vocabulary import Vocabulary, fold
from citystat.model import StoredTable, Text, normalise_language


@dataclass
class Report:
    text: str
    lang: str
    verdicts: list[Verdict] = field(default_factory=list)
    sentences: list[Sentence] = field(default_factory=list)

    def count(self, status: Status) -> int:
        return sum(1 for v in self.verdicts if v.status is status)

    @property
    def ok(self) -> bool:
        """No claim is wrong (the exit code of ``citystat check``)."""
        return self.count(Status.WRONG) == 0

    @property
    def summary(self) -> dict[str, int]:
        return {s.value: self.count(s) for s in Status} | {"claims": len(self.verdicts)}

    def to_dict(self) -> dict[str, object]:
        return {"lang": self.lang, "summary": self.summary, "claims": [v.to_dict() for v in self.verdicts]}


class Checker:
    """A checker over a set of stored tables (the latest releases, as a rule); reusable across texts."""

    def __init__(self, tables: Sequence[StoredTable]):
        self.tables = list(tables)
        self.vocabulary = Vocabulary(self.tables)
        self.resolver = Resolver(self.tables, self.vocabulary)
        self.notes = list(_notes(self.tables))

    def extract(self, text: str, lang: str = "auto") -> list[Claim]:
        lang = self.language(text, lang)
        return extract(text, lang, units=self.vocabulary.units_zh)

    def language(self, text: str, lang: str) -> str:
        return detect_language(text) if lang == "auto" else normalise_language(lang)

    def check(self, text: str, lang: str = "auto") -> Report:
        lang = self.language(text, lang)
        claims = extract(text, lang, units=self.vocabulary.units_zh)
        resolutions = self.resolver.resolve(text, claims, lang)
        verdicts = []
        for resolution in resolutions:
            verdict = verify(resolution)
            if verdict.status is Status.UNVERIFIABLE and resolution.target is None:
                verdict = self._from_a_note(verdict, text) or verdict
            verdicts.append(verdict)
        verdicts.sort(key=lambda v: (v.claim.start, v.claim.id))
        return Report(text, lang, verdicts, split_sentences(text, lang))

    def _from_a_note(self, verdict: Verdict, text: str) -> Verdict | None:
        """A number quoted from a note of a table (以平均每日共享 8 小時計算) is the source's own word."""
        claim = verdict.claim
        if claim.number is None:
            return None
        context = _squeeze(text[max(0, claim.start - 8):claim.end])
        if len(context) < len(_squeeze(claim.text)) + 2:
            return None
        for stored, where, note in self.notes:
            for lang_text in (note.zh, note.en):
                if context in _squeeze(lang_text):
                    return Verdict(claim, Status.CORRECT, f"quoted from the note on {where} of {stored.meta.id}: "
                                                          f"“{note.get(claim.lang)}”",
                                   table=stored.meta.id, release=stored.release.release, formula="the table's note",
                                   diagnosis=None)
        return None


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", fold(text))


def _notes(tables: Sequence[StoredTable]) -> Iterator[tuple[StoredTable, str, Text]]:
    for stored in tables:
        meta = stored.meta
        for note in meta.notes:
            yield stored, "the table", note.text
        for variable in meta.variables:
            for note in variable.notes:
                yield stored, variable.code, note.text
            for value in variable.values:
                for note in value.notes:
                    yield stored, f"{variable.code}={value.code}", note.text
        for cell_note in meta.cell_notes:
            yield stored, meta.describe_key(cell_note.key), cell_note.text


def check_text(text: str, tables: Sequence[StoredTable], lang: str = "auto") -> Report:
    """Check every numeric claim of ``text`` (zh-TW, en or auto) against ``tables``."""
    return Checker(tables).check(text, lang)
