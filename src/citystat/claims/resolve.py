"""Resolution: which table, measure and cells a claim is about.

A sentence names its subject through the vocabulary (titles, aliases, measure nouns, areas, categories). Where it
does not, the subject of the sentence before carries over. Within the tables in view, the measure is chosen by
the nouns nearest the number, the number's unit and the words that say what kind of figure it is (每月平均, a day,
年底, 新增). A claim that no table holds, or that two tables would answer differently with nothing to tell them
apart, is left unresolved: it is reported as unverifiable, never guessed.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from citystat.claims.extract import LEVEL_LIKE, split_sentences
from citystat.claims.model import Claim, ClaimKind, Form, Sentence, When
from citystat.claims.vocabulary import MEASURE, PEERS, TABLE, VALUE, Hit, Vocabulary, fold, hit_lists
from citystat.indicators import valued_periods
from citystat.language import labels as lb
from citystat.language.verdicts import because
from citystat.model import EN, Frequency, MeasureKind, Period, Role, StoredTable, Value, Variable
from citystat.model.period import months_in_service

K = ClaimKind

# how much each piece of evidence counts for a measure
PAIRED = 100  # the i-th noun of a list, for the i-th number of a list
LOCAL = 50  # a noun right before the number (after the previous number)
CURRENT = 45  # for a change or a record: the figure the sentence has just stated
AFTER = 35  # English: for the home computer rate, after the number
ADJACENT = 60  # English: 14,088 U-motor shared e-scooters, the noun right after the number
SENTENCE = 30  # a noun earlier in the sentence
PREVIOUS_LEVEL = 25  # a level: the measure of the level before it in the sentence
CARRIED = 10  # the subject of the sentence before
SUPPORT = 5  # each further piece of evidence for the same measure
UNIT = 20  # the number's unit is the measure's
CUE = 40  # 每月平均 / a day / averaged agrees (or disagrees) with the measure's kind
UNNAMED_AVERAGE = 15  # an average nothing names: a plain level is more likely the total
VALUE_LOCAL = 30  # an area or category named right before the number
VALUE_SENTENCE = 15  # ... or earlier in the sentence
VALUE_LACKED = -30  # an area or category named right before the number that the table does not hold (全國 for a
# table of Taipei's own figures)
NAMED = 30  # the table's title or an alias is in the sentence
NAMED_SHARED = 20  # an alias several tables share (YouBike: its fleet and its daily uses)
MEASURE_NAMED = 10  # only a measure of it is named
CARRIED_TABLE = 15  # the subject of the sentence before
PERIOD_MARGIN = 20  # how much less well named a table may be and still answer for a period the best one lacks


@dataclass
class Target:
    stored: StoredTable
    coords: dict[str, str]  # every non-time variable
    score: int = 0
    evidence: list[str] = field(default_factory=list)
    peer_variable: str | None = None  # a rank among peers: over which variable

    @property
    def table_id(self) -> str:
        return self.stored.meta.id

    @property
    def measure(self) -> Value:
        meta = self.stored.meta
        return meta.metric.value(self.coords[meta.metric.code])

    def key(self) -> tuple[str, tuple[tuple[str, str], ...]]:
        return (self.table_id, tuple(sorted(self.coords.items())))


@dataclass
class Resolution:
    claim: Claim
    target: Target | None = None
    period: str | None = None  # period codes in the target table
    base: str | None = None
    base_coords: dict[str, str] = field(default_factory=dict)  # a gap between two areas or categories
    implied_base: bool = False  # no base written: read as the change from the period before
    start: str | None = None
    end: str | None = None
    reason: str = ""
    alternatives: list[Target] = field(default_factory=list)
    in_view: list[str] = field(default_factory=list)  # the tables considered, when none fits


@dataclass
class _SentenceContext:
    sentence: Sentence
    hits: list[Hit]
    named: list[str]  # tables whose title or alias is in the sentence
    named_alone: list[str]  # ... by a title or alias no other table has (not YouBike, which two tables share)
    strong: list[str]  # tables named in the sentence, or one of their measures
    weak: list[str]  # tables only a short word points to
    valued: list[str]  # tables one of whose areas or categories is named (臺北市, 全國, 停車費)
    measure_lists: list[list[Hit]]
    value_lists: list[list[Hit]]
    current: list[Target] = field(default_factory=list)  # the targets of the last level claim of the sentence
    levels: list[Target] = field(default_factory=list)  # the targets of the level claims of the sentence, in order
    claims: list[Claim] = field(default_factory=list)


class Resolver:
    def __init__(self, tables: Sequence[StoredTable], vocabulary: Vocabulary | None = None):
        self.tables = {t.meta.id: t for t in tables}
        self.vocabulary = vocabulary or Vocabulary(tables)
        self.unit_words_en = {w for t in tables for v in t.meta.metric.values if v.measure is not None
                              for w in _unit_words(lb.en_unit(v))}
        self.units_zh = {lb.zh_unit(v) for t in tables for v in t.meta.metric.values if v.measure is not None}

    def resolve(self, text: str, claims: list[Claim], lang: str) -> list[Resolution]:
        sentences = split_sentences(text, lang)
        by_sentence: dict[int, list[Claim]] = {}
        for claim in claims:
            by_sentence.setdefault(claim.sentence, []).append(claim)
        carried: list[str] = []
        carried_target: Target | None = None
        out: list[Resolution] = []
        next_id = max((c.id for c in claims), default=-1) + 1
        for sentence in sentences:
            hits = self.vocabulary.find(sentence.text, sentence.start)
            strong = _unique(e.table for h in hits for e in h.entries
                             if e.level == TABLE or (e.level == MEASURE and not e.weak))
            weak = _unique(e.table for h in hits for e in h.entries if e.level == MEASURE and e.weak)
            valued = _unique(e.table for h in hits for e in h.entries if e.level == VALUE)
            named = _unique(e.table for h in hits for e in h.entries if e.level == TABLE)
            named_alone = _unique(h.of(TABLE)[0].table for h in hits
                                  if h.of(TABLE) and len({e.table for e in h.of(TABLE)}) == 1)
            context = _SentenceContext(
                sentence, hits, named, named_alone, strong, weak, valued,
                hit_lists(hits, sentence.text, sentence.start, MEASURE, lang),
                hit_lists(hits, sentence.text, sentence.start, VALUE, lang),
            )
            mine, next_id = self._expand_each(by_sentence.get(sentence.index, []), context, lang, next_id)
            context.claims = mine
            resolved_tables: list[str] = []
            done: dict[int, Resolution] = {}
            for claim in sorted(mine, key=lambda c: (c.link is not None, c.start)):
                resolution = self._resolve_claim(claim, context, carried, carried_target, lang, done)
                done[claim.id] = resolution
                out.append(resolution)
                if resolution.target is not None:
                    resolved_tables.append(resolution.target.table_id)
                    if claim.kind in LEVEL_LIKE or not context.current:
                        context.current = [resolution.target, *resolution.alternatives]
                    if claim.kind is K.LEVEL:
                        context.levels.append(resolution.target)
                    carried_target = resolution.target
            if resolved_tables:
                carried = _unique(reversed(resolved_tables))
            elif strong:
                carried = strong
        return out

    # -- each / 均: one figure for every noun of a list -----------------------------------------------------

    def _expand_each(self, claims: list[Claim], context: _SentenceContext, lang: str, next_id: int
                     ) -> tuple[list[Claim], int]:
        out: list[Claim] = []
        for claim in claims:
            nouns = self._noun_list_for(claim, context, lang) if claim.each or (
                lang == EN and claim.items == 1 and claim.kind is K.RANK) else None
            if nouns is None or claim.items != 1:
                out.append(claim)
                continue
            for i, _ in enumerate(nouns):
                copy = dataclasses.replace(claim, id=claim.id if i == 0 else next_id, item=i, items=len(nouns),
                                           list_id=-1 - claim.id)
                if i:
                    next_id += 1
                out.append(copy)
        return out, next_id

    def _noun_list_for(self, claim: Claim, context: _SentenceContext, lang: str) -> list[Hit] | None:
        before = [lst for lst in context.measure_lists if lst[-1].end <= claim.start]
        if before:
            return before[-1]
        if lang == EN:
            nxt = [c.start for c in context.claims if c.start > claim.end]
            limit = min(nxt) if nxt else context.sentence.end
            after = [lst for lst in context.measure_lists if lst[0].start >= claim.end and lst[-1].end <= limit]
            if after:
                return after[0]
        return None

    # -- one claim ----------------------------------------------------------------------------------------

    def _resolve_claim(self, claim: Claim, context: _SentenceContext, carried: list[str],
                       carried_target: Target | None, lang: str, done: dict[int, Resolution]) -> Resolution:
        if claim.link is not None and claim.link in done and done[claim.link].target is not None:
            linked = done[claim.link]
            assert linked.target is not None
            target = dataclasses.replace(linked.target, evidence=[*linked.target.evidence, "the share it follows"])
            target.peer_variable = _share_variable(target)
            return Resolution(claim, target, linked.period, reason="")
        # the tables the sentence names are its subject; only when it names none does the subject carry over
        eligible = _unique([*context.named, *context.strong]) or carried or context.weak
        eligible = _unique([*eligible, *context.valued])  # 臺北市…高於全國 91.31%: the table that has 全國
        bonus: dict[str, tuple[int, str]] = {}
        for table_id in eligible:
            if table_id not in self.tables or table_id in bonus:
                continue
            points, reasons = 0, []
            if table_id in context.named_alone:
                points += NAMED
                reasons.append("named in the sentence")
            elif table_id in context.named:
                points += NAMED_SHARED
                reasons.append("named in the sentence by a name it shares")
            elif table_id in context.strong:
                points += MEASURE_NAMED
                reasons.append("a measure of it is named")
            if table_id in carried:
                points += CARRIED_TABLE
                reasons.append("the subject carried over")
            bonus[table_id] = (points, ", ".join(reasons) or "a word of it is used")
        if not bonus:
            return Resolution(claim, None, reason=because("no_table_named"))
        scored: list[tuple[Target, Resolution]] = []
        for table_id, (points, why) in bonus.items():
            for target in self._candidates(claim, self.tables[table_id], context, carried_target, lang):
                target.score += points
                target.evidence.insert(0, why)
                scored.append((target, self._periods(claim, target, context)))
        if not scored:
            return Resolution(claim, None, in_view=sorted(bonus),
                              reason=because("no_figure_fits", tables=", ".join(sorted(bonus))))
        scored.sort(key=lambda item: -item[0].score)
        top_score = scored[0][0].score
        # a period the best-named table lacks is a number the store does not hold; a table the text names less
        # well is not taken instead, unless it was nearly as well named
        candidates = [c for c in scored if not c[1].reason and c[0].score >= top_score - PERIOD_MARGIN]
        if not candidates:
            return Resolution(claim, None, reason=scored[0][1].reason, alternatives=[scored[0][0]])
        best = candidates[0][0].score
        top = [c for c in candidates if c[0].score == best]
        if len(top) > 1 and not _same_answer(claim, top):
            names = "; ".join(f"{t.table_id} {t.coords}" for t, _ in top)
            return Resolution(claim, None, reason=because("which_figure", figures=names),
                              alternatives=[t for t, _ in top])
        chosen = top[0][1]
        chosen.alternatives = [t for t, _ in top[1:]]  # the same figure in another table
        return chosen

    def _candidates(self, claim: Claim, stored: StoredTable, context: _SentenceContext,
                    carried_target: Target | None, lang: str) -> list[Target]:
        meta = stored.meta
        out = []
        evidence = self._measure_evidence(claim, stored, context, carried_target, lang)
        peer_variable = self._peer_variable(claim, stored, context)
        lacked, implied = self._values_of_other_tables(claim, stored, context, lang)
        for value in meta.metric.values:
            measure = value.measure
            if measure is None or not _kind_allows(claim, value, peer_variable, meta):
                continue
            if not self._unit_allows(claim, value, lang):
                continue
            score, notes = evidence.get(value.code, (0, []))
            notes = list(notes)
            if claim.number is not None and claim.number.unit and claim.number.form is Form.AMOUNT:
                score += UNIT
                notes.append(f"unit {claim.number.unit}")
            score += self._cue_score(claim, value, score, notes)
            notes = [n for n in notes if n != "shared"]
            found = self._coordinates(claim, stored, value, context, lang)
            if found is None:
                continue
            coords, value_points = found
            score += value_points
            if lacked:
                score += VALUE_LACKED
                notes.append(f"names {', '.join(lacked)}, which it does not hold")
            elif implied:  # Taipei's home computer rate: as much the table of Taipei's own figures as the six cities'
                score += VALUE_LOCAL
                notes.append(f"{', '.join(implied)}: the figures it holds")
            target = Target(stored, coords, score, notes, peer_variable if claim.kind is K.RANK and
                            measure.kind is not MeasureKind.RANK else None)
            if claim.kind is K.RANK and measure.kind is not MeasureKind.RANK and target.peer_variable is None:
                continue
            if claim.kind is K.SHARE:
                target.peer_variable = _share_variable(target)
                if target.peer_variable is None and measure.kind is not MeasureKind.SHARE:
                    continue
            out.append(target)
        return out

    def _values_of_other_tables(self, claim: Claim, stored: StoredTable, context: _SentenceContext, lang: str
                                ) -> tuple[list[str], list[str]]:
        """Areas or categories of other tables named right before the number (in English also right after it): those
        the table does not hold, and those it holds without naming them. A table without an area holds its city's own
        figures (臺北市), one without a category the total."""
        table = stored.meta.id
        near = [h for h in context.hits if claim.window <= h.start and h.end <= claim.start]
        if lang == EN:
            near += [h for h in context.hits if h.start >= claim.end and _adjacent(context, claim.end, h.start)]
        lacked, implied = [], []
        for hit in near:
            values = hit.of(VALUE)
            if not values or hit.of(VALUE, table):
                continue
            if any(e.table in self.tables and e.variable and e.code != _implicit(
                    self.tables[e.table].meta.variable(e.variable)) for e in values):
                lacked.append(hit.text)
            else:
                implied.append(hit.text)
        return lacked, implied

    def _measure_evidence(self, claim: Claim, stored: StoredTable, context: _SentenceContext,
                          carried_target: Target | None, lang: str) -> dict[str, tuple[int, list[str]]]:
        table = stored.meta.id
        found: dict[str, list[tuple[int, str, bool]]] = {}

        def give(code: str | None, points: int, why: str, shared: bool = False) -> None:
            if code is None:
                return
            if shared:
                points = min(points, SENTENCE)  # a word several measures share (person-times) says little
            found.setdefault(code, []).append((points, why, shared))

        if claim.items > 1:
            lists = [lst for lst in context.measure_lists if len(lst) == claim.items]
            chosen = [lst for lst in lists if lst[-1].end <= claim.start] or lists
            if chosen:
                hit = (chosen[-1] if chosen[-1][-1].end <= claim.start else chosen[0])[claim.item]
                for entry in hit.of(MEASURE, table):
                    give(entry.code, PAIRED, f"'{hit.text}' (item {claim.item + 1} of a list)")
            elif claim.kind.is_change:  # 繳費張數 1,518 萬張、繳費金額 29 億 7,905 萬元，分別成長 6.4 倍及 17.9 倍
                levels = context.levels[-claim.items:]
                if len(levels) == claim.items and len({t.key() for t in levels}) == claim.items and \
                        levels[claim.item].table_id == table:
                    code = levels[claim.item].coords[stored.meta.metric.code]
                    give(code, PAIRED, f"the level it pairs with (item {claim.item + 1} of a list)")
        before = [h for h in context.hits if h.end <= claim.start and h.of(MEASURE, table)]
        for hit in reversed(before):
            points = LOCAL if hit.start >= claim.window else SENTENCE
            if lang == EN and any(c.id != claim.id and c.end <= hit.start and _adjacent(context, c.end, hit.start)
                                  for c in context.claims):
                points = SENTENCE  # 14,088 U-motor shared e-scooters and 3,670 …: that noun is the 14,088's
            entries = hit.of(MEASURE, table)
            shared = len({e.code for e in entries}) > 1
            for entry in entries:
                give(entry.code, points, f"'{hit.text}'", shared=shared)
            if points == LOCAL and not shared:
                break
        if lang == EN:
            following = [c.start for c in context.claims if c.start >= claim.end and c.id != claim.id]
            limit = min(following) if following else context.sentence.end
            for hit in context.hits:
                if claim.end <= hit.start < limit:
                    entries = hit.of(MEASURE, table)
                    adjacent = _adjacent(context, claim.end, hit.start)
                    for entry in entries:
                        give(entry.code, ADJACENT if adjacent else AFTER, f"'{hit.text}' after it",
                             shared=len({e.code for e in entries}) > 1)
        if claim.kind is K.PEERS:
            for value in stored.meta.metric.values:
                counted = value.measure.ranked_among if value.measure is not None else None
                if counted is not None:  # the table declares which measure counts those ranked
                    label = stored.meta.metric.value(counted).label.get(lang)
                    give(counted, LOCAL, f"'{label}': the count of those ranked")
        for current in context.current:
            if current.table_id != table:
                continue
            code = current.coords[stored.meta.metric.code]
            if claim.kind in LEVEL_LIKE:
                give(code, PREVIOUS_LEVEL, "the figure before it")
            else:
                give(code, CURRENT, "the figure it follows")
        if carried_target is not None and carried_target.table_id == table:
            give(carried_target.coords[stored.meta.metric.code], CARRIED, "the subject of the sentence before")
        evidence: dict[str, tuple[int, list[str]]] = {}
        for code, items in found.items():
            items.sort(key=lambda item: (-item[0], item[2]))
            best = items[0]
            notes = [why for _, why, _ in items]
            if all(shared for _, _, shared in items):
                notes.append("shared")
            evidence[code] = (best[0] + SUPPORT * (len({why for _, why, _ in items}) - 1), notes)
        return evidence

    def _cue_score(self, claim: Claim, value: Value, evidence: int, notes: list[str]) -> int:
        assert value.measure is not None
        kind = value.measure.kind
        cues = claim.cues
        end_of = claim.period is not None and claim.period.end_of
        if end_of and kind is MeasureKind.STOCK:
            notes.append("a stock, read at the period end")
        period_end = (10 if kind is MeasureKind.STOCK else -10) if end_of else 0
        wanted = {"monthly": MeasureKind.MONTHLY_AVERAGE, "daily": MeasureKind.DAILY_AVERAGE}
        named = [wanted[c] for c in ("monthly", "daily") if c in cues]
        if named or "average" in cues:
            if (named and kind in named) or (not named and kind.is_average):
                notes.append("an average, as the words say")
                return CUE + period_end
            return -CUE + period_end
        if claim.kind not in (K.LEVEL, K.PEAK, K.STAYED_ABOVE, K.DIFFERENCE):
            return period_end
        score = period_end
        if kind.is_average and (evidence < SENTENCE or "shared" in notes):
            score -= UNNAMED_AVERAGE
        if "flow" in cues and kind is MeasureKind.STOCK:
            score -= 10
        if "stock" in cues and kind is MeasureKind.FLOW:
            score -= 10
        return score

    def _unit_allows(self, claim: Claim, value: Value, lang: str) -> bool:
        number = claim.number
        if number is None or number.form is not Form.AMOUNT or not number.unit:
            return True
        assert value.measure is not None
        if claim.kind is K.DIFFERENCE and value.measure.kind is MeasureKind.RANK:
            return number.unit in ("名", "位") or number.unit.lower().startswith("place")
        if number.unit == "NT$":
            return lb.en_unit(value).strip() in ("NT$", "TWD", "NTD") or lb.zh_unit(value) == "元"
        if lang == EN or number.unit.isascii():
            if number.unit.lower().startswith("person-time"):  # the usual English of 人次, whatever the catalog says
                return lb.zh_unit(value) == "人次"
            words = _unit_words(number.unit)
            head = _unit_words(number.unit.split()[-1])
            nouns = _unit_words(lb.en_noun(value)) | _unit_words(value.label.en)
            return bool(words & _unit_words(lb.en_unit(value)) or head & nouns)
        unit = lb.zh_unit(value)
        return number.unit == unit  # 250 人 (people) is not a count of 人次 (visits)

    def _peer_variable(self, claim: Claim, stored: StoredTable, context: _SentenceContext) -> str | None:
        meta = stored.meta
        named = [e.variable for h in context.hits if h.start < claim.start or claim.lang == EN
                 for e in h.of(PEERS, meta.id)]
        if named:
            return named[-1]
        with_peers = [v for v in meta.variables if v.role in (Role.GEO, Role.CATEGORY) and len(v.peers) > 1]
        geo = [v for v in with_peers if v.role is Role.GEO]
        chosen = geo or with_peers
        return chosen[0].code if chosen else None

    def _coordinates(self, claim: Claim, stored: StoredTable, value: Value, context: _SentenceContext,
                     lang: str) -> tuple[dict[str, str], int] | None:
        meta = stored.meta
        coords = {meta.metric.code: value.code}
        points = 0
        for variable in meta.variables:
            if variable.role in (Role.TIME, Role.METRIC):
                continue
            found = self._value_for(claim, stored, variable, context, lang)
            if found is None:
                return None
            coords[variable.code], named = found
            points += named
        return coords, points

    def _value_for(self, claim: Claim, stored: StoredTable, variable: Variable, context: _SentenceContext,
                   lang: str) -> tuple[str, int] | None:
        table = stored.meta.id

        def codes(hit: Hit) -> list[str]:
            return [e.code for e in hit.of(VALUE, table) if e.variable == variable.code and e.code]

        if claim.items > 1:
            lists = [lst for lst in context.value_lists if len(lst) == claim.items and codes(lst[0])]
            if lists:
                found = codes(lists[-1][claim.item])
                if found:
                    return found[0], VALUE_LOCAL
        before = [h for h in context.hits if h.end <= claim.start and codes(h)]
        local = [h for h in before if h.start >= claim.window]
        if lang == EN:  # 91.31% nationally: an area or category right after the number
            adjacent = [h for h in context.hits if h.start >= claim.end and codes(h)
                        and _adjacent(context, claim.end, h.start)]
            if adjacent:
                return codes(adjacent[0])[0], VALUE_LOCAL
        if local:
            return codes(local[-1])[0], VALUE_LOCAL
        if lang == EN:
            following = [c.start for c in context.claims if c.start >= claim.end and c.id != claim.id]
            limit = min(following) if following else context.sentence.end
            after = [h for h in context.hits if claim.end <= h.start < limit and codes(h)]
            if after and claim.kind is not K.SHARE:
                return codes(after[0])[0], VALUE_LOCAL
        if before:
            return codes(before[-1])[0], VALUE_SENTENCE
        if claim.kind is K.SHARE:
            return None  # a share of what? the category must be named
        if variable.role is Role.GEO and variable.peers:
            return variable.peers[0].code, 0  # a city's own figures come first
        if variable.aggregate is not None:
            return variable.aggregate.code, 0
        if len(variable.values) == 1:
            return variable.values[0].code, 0
        return None

    # -- periods ------------------------------------------------------------------------------------------

    def _periods(self, claim: Claim, target: Target, context: _SentenceContext) -> Resolution:
        stored = target.stored
        resolution = Resolution(claim, target)
        kind = claim.kind
        measure = target.measure.measure
        assert measure is not None
        valued = valued_periods(stored, target.coords)

        def code(when: When | None, what: str) -> str | None:
            if when is None:
                return None
            found = period_code(when, stored, measure.service_from)
            if found is None:
                resolution.reason = because("no_figure_for", table=stored.meta.id, when=when.text, what=what)
            return found

        if kind in (K.ROSE_EVERY, K.FELL_EVERY, K.STAYED_ABOVE):
            start_when = claim.span_start
            if start_when is not None and start_when.relative is not None:
                n = start_when.relative
                if len(valued) < n:
                    resolution.reason = because("fewer_periods", table=stored.meta.id, n=n)
                    return resolution
                resolution.start, resolution.end = valued[-n].code, valued[-1].code
                return resolution
            resolution.start = code(start_when, "the start of the span") if start_when else None
            resolution.end = code(claim.period, "the end of the span") if claim.period else None
            if resolution.reason:
                return resolution
            if resolution.start is None:
                if kind is K.STAYED_ABOVE and resolution.end is not None:
                    resolution.start = resolution.end
                else:
                    resolution.reason = because("from_when")
                    return resolution
            if resolution.end is None:
                resolution.end = valued[-1].code if valued else None
            return resolution
        if claim.period is None:
            resolution.reason = because("which_period")
            return resolution
        resolution.period = code(claim.period, "the period")
        if resolution.reason:
            return resolution
        if kind.is_change:
            if claim.base is None:
                other = _other_value(claim, target, context)
                if other is not None:  # 臺北市…高於全國…，兩者相差 4.8 個百分點: a gap between two areas
                    resolution.base, resolution.base_coords = resolution.period, other
                    return resolution
                earlier = [p for p in valued if p.code < (resolution.period or "")]
                if not earlier:
                    resolution.reason = because("no_base")
                    return resolution
                resolution.base, resolution.implied_base = earlier[-1].code, True  # 110 年成長 11.8%: on the year
                return resolution
            if claim.base.previous:
                earlier = [p for p in valued if p.code < (resolution.period or "")]
                if not earlier:
                    resolution.reason = because("no_period_before", table=stored.meta.id, when=claim.period.text)
                    return resolution
                resolution.base = earlier[-1].code
            else:
                resolution.base = code(claim.base, "the base of the change")
            if resolution.base == resolution.period and not resolution.reason:
                resolution.reason = because("same_period")
        return resolution


def _other_value(claim: Claim, target: Target, context: _SentenceContext) -> dict[str, str] | None:
    """The other area or category a gap is measured against: the one named in the sentence besides the target's."""
    meta = target.stored.meta
    for variable in meta.variables:
        if variable.role not in (Role.GEO, Role.CATEGORY):
            continue
        mine = target.coords[variable.code]
        named = [e.code for h in context.hits if h.start < claim.start for e in h.of(VALUE, meta.id)
                 if e.variable == variable.code and e.code and e.code != mine]
        if named:
            return {variable.code: named[-1]}
    return None


def _adjacent(context: _SentenceContext, end: int, start: int) -> bool:
    """Whether only spaces and at most one small word (of, in) lie between a number and a phrase."""
    sentence = context.sentence
    between = sentence.text[end - sentence.start:start - sentence.start]
    return bool(re.fullmatch(r"\s*(?:(?:of|in|for)\s+)?(?:the\s+)?", between, re.IGNORECASE))


def period_code(when: When, stored: StoredTable, service_from: Period | None = None) -> str | None:
    """The code of the table's period a written period names; 100 年 8 月至 12 月 names 2011 when the service ran
    from August 2011, since the year's figure covers exactly those months."""
    period = when.period
    if period is None:
        return None
    codes = set(stored.meta.time.codes)
    if when.last is not None and period.frequency is Frequency.MONTH:
        year = Period.year(period.start.year)
        months = when.last.start.month - period.start.month + 1
        if when.last.start.month == 12 and year.code in codes and months_in_service(year, service_from) == months \
                and (service_from is None or service_from.start == period.start):
            return year.code
        return None
    return period.code if period.code in codes else None


def _kind_allows(claim: Claim, value: Value, peer_variable: str | None, meta: object) -> bool:
    measure = value.measure
    assert measure is not None
    kind = measure.kind
    ck = claim.kind
    percent = claim.number is not None and claim.number.form is Form.PERCENT
    if ck is K.RANK:
        if kind is MeasureKind.RANK:
            return True
        return peer_variable is not None and kind is not MeasureKind.COUNT
    if kind is MeasureKind.RANK:
        return ck is K.DIFFERENCE
    if ck is K.PEERS:
        return kind is MeasureKind.COUNT
    if ck is K.POINTS:
        return kind.is_percentage
    if ck is K.SHARE:
        return kind in (MeasureKind.FLOW, MeasureKind.STOCK, MeasureKind.SHARE)
    if ck in (K.LEVEL, K.PEAK, K.STAYED_ABOVE):
        if percent:
            return kind.is_percentage
        return not kind.is_percentage or (claim.number is not None and claim.number.form is not Form.AMOUNT)
    return True


def _implicit(variable: Variable) -> str | None:
    """The value a table without ``variable`` is about: the city's own area, or the total of the categories."""
    if variable.role is Role.GEO and variable.peers:
        return variable.peers[0].code
    if variable.aggregate is not None:
        return variable.aggregate.code
    return variable.values[0].code if len(variable.values) == 1 else None


def _share_variable(target: Target) -> str | None:
    meta = target.stored.meta
    for variable in meta.variables:
        if variable.role in (Role.GEO, Role.CATEGORY) and variable.aggregate is not None and \
                len(variable.peers) > 1 and target.coords.get(variable.code) != variable.aggregate.code:
            return variable.code
    return None


def _same_answer(claim: Claim, top: list[tuple[Target, Resolution]]) -> bool:
    """Two candidates are as good as one when they hold the same figure (the same 109 rate in two tables)."""
    values = set()
    for target, resolution in top:
        meta = target.stored.meta
        if resolution.period is None:
            return False
        key = meta.key({**target.coords, meta.time.code: resolution.period})
        cell = target.stored.table.get(key).value
        extra: Decimal | None = None
        if resolution.base is not None:
            extra = target.stored.table.get(meta.key({**target.coords, meta.time.code: resolution.base})).value
        values.add((cell, extra, target.measure.measure.kind if target.measure.measure else None))
    return len(values) == 1


def _unit_words(unit: str) -> set[str]:
    words = set()
    for word in fold(unit).replace("/", " ").split():
        word = word.strip("()")
        if not word or word in ("a", "the", "of", "per", "day", "month", "year"):
            continue
        words.add(word)
        words.add(word[:-1] if word.endswith("s") else word + "s")
    return words


def _unique(items: object) -> list[str]:
    out: list[str] = []
    for item in items:  # type: ignore[attr-defined]
        if item not in out:
            out.append(item)
    return out
