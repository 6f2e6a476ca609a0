"""The claim checker: read a text, find every numeric claim, resolve it to the store and verify it."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from citystat.claims.extract import detect_language, extract, split_sentences
from citystat.claims.model import Claim, Sentence, Status, Verdict
from citystat.claims.nonclaims import why_not
from citystat.claims.resolve import Resolver
from citystat.claims.verify import verify
from citystat.claims.vocabulary import TABLE, VALUE, Vocabulary, fold
from citystat.language.verdicts import because
from citystat.model import Role, StoredTable, Text, normalise_language


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
        self.by_id = {t.meta.id: t for t in self.tables}
        self.units = set(self.vocabulary.units_zh) | set(self.resolver.units_zh)

    def extract(self, text: str, lang: str = "auto") -> list[Claim]:
        lang = self.language(text, lang)
        return extract(text, lang, units=self.vocabulary.units_zh)

    def language(self, text: str, lang: str) -> str:
        return detect_language(text) if lang == "auto" else normalise_language(lang)

    def check(self, text: str, lang: str = "auto") -> Report:
        lang = self.language(text, lang)
        claims = extract(text, lang, units=self.vocabulary.units_zh)
        verdicts = []
        kept = []
        for claim in claims:
            why = why_not(claim, text, self.units)
            if why is None:
                kept.append(claim)
            else:
                verdict = Verdict(claim, Status.NOT_A_CLAIM, why)
                verdicts.append(self._from_a_note(verdict, text) or verdict)
        resolutions = self.resolver.resolve(text, kept, lang)
        sentences = split_sentences(text, lang)
        for resolution in resolutions:
            verdict = verify(resolution)
            if verdict.status is Status.UNVERIFIABLE and resolution.target is None:
                verdict = self._from_a_note(verdict, text) or verdict
            if verdict.status is Status.WRONG:
                verdict = self._another_area(verdict, sentences) or self._another_table(verdict, sentences) or verdict
            verdicts.append(verdict)
        verdicts.sort(key=lambda v: (v.claim.start, v.claim.id))
        return Report(text, lang, verdicts, sentences)

    def _another_table(self, verdict: Verdict, sentences: list[Sentence]) -> Verdict | None:
        """A claim is wrong only when its table is settled: a sentence that names tables by title or alias, none of
        them the one the figure was read from, may mean a figure of its own (臺北酷課雲…每月平均瀏覽人次: CooC-Cloud's
        page views a month, not the citizen platform's monthly average)."""
        sentence = next((s for s in sentences if s.index == verdict.claim.sentence), None)
        if sentence is None or verdict.table is None:
            return None
        hits = self.vocabulary.find(sentence.text, sentence.start)
        # words that also name the figure's own table (家用電腦: a measure of it, an alias of another) name it
        own = [h for h in hits if any(x.table == verdict.table for x in h.entries)]
        named = {e.table for h in hits if not any(o.start <= h.start and h.end <= o.end for o in own)
                 for e in h.of(TABLE)}
        if not named or any(h.of(TABLE, verdict.table) for h in hits):
            return None
        return dataclasses.replace(verdict, status=Status.UNVERIFIABLE, message=because(
            "names_other_tables", tables=", ".join(sorted(named)), table=verdict.table, read=verdict.message))

    def _another_area(self, verdict: Verdict, sentences: list[Sentence]) -> Verdict | None:
        """A claim is wrong only when its area is settled: a sentence naming an area the table does not hold (台中市
        for a table of Taipei's own figures) may be about that area, so the claim is unverifiable."""
        if verdict.table is None or verdict.table not in self.by_id:
            return None
        sentence = next((s for s in sentences if s.index == verdict.claim.sentence), None)
        if sentence is None:
            return None
        meta = self.by_id[verdict.table].meta
        held = {(v.code, value.code) for v in meta.variables if v.role is Role.GEO for value in v.values}
        own = {v.peers[0].code for v in meta.variables if v.role is Role.GEO and v.peers}
        for hit in self.vocabulary.find(sentence.text, sentence.start):
            for entry in hit.of(VALUE):
                stored = self.by_id.get(entry.table)
                if stored is None or entry.variable is None or entry.code is None:
                    continue
                variable = stored.meta.variable(entry.variable)
                if variable.role is not Role.GEO or (variable.peers and entry.code == variable.peers[0].code):
                    continue  # the city's own area is what a table without areas is about
                if any(code == entry.code for _, code in held) or entry.code in own:
                    break
                return dataclasses.replace(verdict, status=Status.UNVERIFIABLE, message=because(
                    "names_other_area", area=hit.text, table=meta.id, read=verdict.message))
        return None

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
                    return Verdict(claim, Status.CORRECT, because("quoted_from_note", where=where,
                                                                  table=stored.meta.id, note=note.get(claim.lang)),
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
