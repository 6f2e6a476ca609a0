"""The words a text uses for the tables in the store, built from their metadata: titles, aliases (including the
variant spellings a catalog declares: 酷課雲 / 酷客雲, Taipei Free / 臺北公眾區免費無線上網), measure labels and the
nouns the narrative writers make of them, and the labels of areas and categories.

Matching folds case, 台 to 臺, full-width to half-width forms, and ignores spaces between Chinese and Latin or
digits, so 台北通 finds 臺北通 and YouBike公共自行車 finds YouBike 公共自行車.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from citystat.claims.lexicon import list_joint
from citystat.language import labels as lb
from citystat.model import EN, ZH, Role, StoredTable, TableMeta, Value

TABLE = "table"  # a title or an alias: names the table
MEASURE = "measure"  # a measure label or noun: names a measure of the table
VALUE = "value"  # an area or a category: names a coordinate
PEERS = "peers"  # a peer group (六都): what a rank is among

_FOLD = str.maketrans({"台": "臺", "（": "(", "）": ")", "％": "%", "，": ",", "：": ":", "；": ";", "－": "-",
                       "　": " "})


def fold(text: str) -> str:
    """Case and variant folding that keeps every character in place (so offsets stay valid)."""
    return text.translate(_FOLD).lower()


def _has_cjk(text: str) -> bool:
    return bool(re.search(r"[\u3400-\u9fff]", text))


@dataclass(frozen=True)
class Entry:
    phrase: str
    table: str
    level: str  # table, measure, value, peers
    variable: str | None = None
    code: str | None = None
    weak: bool = False  # a short or generic word (使用, use): it can confirm a table, never choose one


@dataclass
class Hit:
    start: int
    end: int
    text: str
    entries: list[Entry] = field(default_factory=list)

    def of(self, level: str, table: str | None = None) -> list[Entry]:
        return [e for e in self.entries if e.level == level and (table is None or e.table == table)]

    @property
    def strong(self) -> bool:
        return any(not e.weak for e in self.entries)


def _weak(phrase: str) -> bool:
    if _has_cjk(phrase):
        return len(re.sub(r"\s+", "", phrase)) <= 2
    return len(phrase.split()) == 1 and len(phrase) <= 8


def _measure_phrases(value: Value) -> set[str]:
    assert value.measure is not None
    phrases = {value.label.zh, value.label.en}
    phrases |= {lb.zh_number_noun(value), lb.zh_subject(value), lb.zh_rate_list_noun([value])[0]}
    for noun in (lb.en_noun(value), lb.en_series_noun(value), lb.en_base_noun(value), lb.en_rate_noun(value)):
        phrases.add(noun.removeprefix("the "))
    for phrase in list(phrases):
        if phrase.startswith("累計"):
            phrases.add(phrase.removeprefix("累計"))
        if phrase.lower().startswith("cumulative "):
            phrases.add(phrase[len("cumulative "):])
        if value.measure.kind.is_percentage and _has_cjk(phrase) and not phrase.endswith("率"):
            phrases.add(phrase + lb.ZH_RATE_WORD)
        if value.measure.kind.is_percentage and not _has_cjk(phrase) and not phrase.lower().endswith("rate"):
            phrases.add(phrase + " rate")
    return {p.strip() for p in phrases if p and p.strip()}


def _value_phrases(value: Value) -> set[str]:
    phrases = {value.label.zh, value.label.en}
    zh, en = value.label.zh, value.label.en
    if zh.endswith("市") and len(zh) >= 3:
        phrases.add(zh[:-1])
    if en.endswith(" City"):
        phrases.add(en[: -len(" City")])
    if "(" in en:
        outer = en.split("(", 1)[0].strip()
        inner = en.split("(", 1)[1].rstrip(")").strip()
        phrases |= {outer, inner, inner.split()[0]}  # Taiwan (national average): Taiwan, national average, national
    return {p for p in phrases if p}


def entries_for(meta: TableMeta) -> list[Entry]:
    out = [Entry(p, meta.id, TABLE) for p in dict.fromkeys([meta.title.zh, meta.title.en, *meta.aliases]) if p]
    metric = meta.metric
    for value in metric.values:
        if value.measure is None:
            continue
        for phrase in sorted(_measure_phrases(value)):
            out.append(Entry(phrase, meta.id, MEASURE, metric.code, value.code, _weak(phrase)))
        for label in (value.label.zh, value.label.en):
            brand = label.split()[0] if label.split() else ""
            if len(label.split()) > 1 and re.search(r"[A-Za-z]", brand) and (
                    "-" in brand or any(c.isupper() for c in brand[1:])):
                out.append(Entry(brand, meta.id, MEASURE, metric.code, value.code))  # YouBike, U-EV, U-motor
                rest = label[len(brand):].strip()
                if _has_cjk(rest) and len(rest) >= 4:  # U-EV 共享電動汽車 is also written 共享電動汽車
                    out.append(Entry(rest, meta.id, MEASURE, metric.code, value.code))
        unit = lb.en_unit(value).strip()
        if unit and unit[0].isalpha() and not unit.lower().startswith("percent"):
            out.append(Entry(unit, meta.id, MEASURE, metric.code, value.code, True))  # courses, page views
    for variable in meta.variables:
        if variable.role not in (Role.GEO, Role.CATEGORY):
            continue
        for value in variable.values:
            for phrase in sorted(_value_phrases(value)):
                out.append(Entry(phrase, meta.id, VALUE, variable.code, value.code, _weak(phrase)))
        if variable.peer_group is not None:
            for phrase in dict.fromkeys([variable.peer_group.zh, variable.peer_group.en,
                                          variable.peer_group.en.removeprefix("the ")]):
                out.append(Entry(phrase, meta.id, PEERS, variable.code))
    return out


def _ascii_pattern(phrase: str) -> re.Pattern[str]:
    words = [re.escape(w) for w in re.split(r"[\s\-]+", fold(phrase)) if w]
    body = r"[\s\-]+".join(words)
    return re.compile(rf"(?<![a-z0-9]){body}(?:s|es|ly)?(?![a-z0-9])")


class Vocabulary:
    """Every phrase of every table, and where a text uses them."""

    def __init__(self, tables: Iterable[StoredTable] | Iterable[TableMeta]):
        metas = [t.meta if isinstance(t, StoredTable) else t for t in tables]
        seen: set[tuple[str, str, str, str | None, str | None]] = set()
        self.entries: list[Entry] = []
        for entry in (e for meta in metas for e in entries_for(meta)):
            # spaces do not count in Chinese (squeezed out before matching), but do in Latin script, where each
            # spelling is a pattern of its own (TaipeiPASS, Taipei Pass)
            phrase = fold(entry.phrase)
            identity = (re.sub(r"\s+", "" if _has_cjk(phrase) else " ", phrase), entry.table, entry.level,
                        entry.variable, entry.code)
            if identity not in seen:
                seen.add(identity)
                self.entries.append(entry)
        self._cjk: dict[str, list[Entry]] = {}
        self._ascii: dict[str, tuple[re.Pattern[str], list[Entry]]] = {}
        for entry in self.entries:
            if _has_cjk(entry.phrase):
                key = re.sub(r"\s+", "", fold(entry.phrase))
                self._cjk.setdefault(key, []).append(entry)
            else:
                key = fold(entry.phrase)
                if key not in self._ascii:
                    self._ascii[key] = (_ascii_pattern(entry.phrase), [])
                self._ascii[key][1].append(entry)
        self.units_zh = tuple(sorted({lb.zh_unit(v) for m in metas for v in m.metric.values if v.measure is not None},
                                     key=len, reverse=True))

    def find(self, text: str, offset: int = 0) -> list[Hit]:
        """The phrases in ``text``, longest first where they overlap; offsets are shifted by ``offset``."""
        folded = fold(text)
        found: list[Hit] = []
        passes = [_squeeze(folded, False)]
        if _OPTIONAL.search(folded):  # 停車（場）費 is 停車費: a short bracketed insertion is optional
            passes.append(_squeeze(folded, True))
        for squeezed, positions in passes:
            for key, entries in self._cjk.items():
                start = squeezed.find(key)
                while start >= 0:
                    end = start + len(key)
                    found.append(Hit(offset + positions[start], offset + positions[end - 1] + 1,
                                     text[positions[start]:positions[end - 1] + 1], list(entries)))
                    start = squeezed.find(key, start + 1)
        for pattern, entries in self._ascii.values():
            for m in pattern.finditer(folded):
                found.append(Hit(offset + m.start(), offset + m.end(), text[m.start():m.end()], list(entries)))
        return _longest(found)


_OPTIONAL = re.compile(r"(?<=[\u3400-\u9fff])\([\u3400-\u9fff]{1,3}\)(?=[\u3400-\u9fff])")


def _squeeze(folded: str, without_optional: bool) -> tuple[str, list[int]]:
    """The folded text without spaces (and without short bracketed insertions), with each character's position."""
    dropped: set[int] = set()
    if without_optional:
        for m in _OPTIONAL.finditer(folded):
            dropped.update(range(m.start(), m.end()))
    chars, positions = [], []
    for i, ch in enumerate(folded):
        if not ch.isspace() and i not in dropped:
            chars.append(ch)
            positions.append(i)
    return "".join(chars), positions


def _longest(found: list[Hit]) -> list[Hit]:
    """Longest first where phrases overlap, separately for each level: 'open data use' is both the table's alias
    'open data' and the measure's 'data use'."""
    out: list[Hit] = []
    titles: list[Hit] = []
    for level in (TABLE, MEASURE, VALUE, PEERS):
        of_level = [Hit(h.start, h.end, h.text, [e for e in h.entries if e.level == level]) for h in found]
        chosen = _longest_of([h for h in of_level if h.entries])
        if level == TABLE:
            titles = chosen
        else:  # a word inside a title or alias (市民服務大平臺瀏覽人次) names the table, not a measure of another
            chosen = [h for h in chosen if not any(t.start <= h.start and h.end <= t.end and
                                                   t.end - t.start > h.end - h.start for t in titles)]
        out += chosen
    merged: dict[tuple[int, int], Hit] = {}
    for hit in out:
        if (hit.start, hit.end) in merged:
            merged[(hit.start, hit.end)].entries += hit.entries
        else:
            merged[(hit.start, hit.end)] = hit
    return sorted(merged.values(), key=lambda h: h.start)


def _longest_of(found: list[Hit]) -> list[Hit]:
    merged: dict[tuple[int, int], Hit] = {}
    for hit in found:
        key = (hit.start, hit.end)
        if key in merged:
            merged[key].entries += [e for e in hit.entries if e not in merged[key].entries]
        else:
            merged[key] = hit
    chosen: list[Hit] = []
    for hit in sorted(merged.values(), key=lambda h: (-(h.end - h.start), h.start)):
        if all(hit.end <= c.start or hit.start >= c.end for c in chosen):
            chosen.append(hit)
    return sorted(chosen, key=lambda h: h.start)


def hit_lists(hits: Sequence[Hit], text: str, offset: int, level: str, lang: str) -> list[list[Hit]]:
    """Hits of one level joined only by list words: 家用電腦、行動電話及連網 / home computer, mobile phone and internet
    access. Each list has two or more hits."""
    relevant = [h for h in hits if h.of(level)]
    groups: list[list[Hit]] = []
    for hit in relevant:
        if groups:
            last = groups[-1][-1]
            if list_joint(text[last.end - offset:hit.start - offset], lang):
                groups[-1].append(hit)
                continue
        groups.append([hit])
    return [g for g in groups if len(g) > 1]


__all__ = ["EN", "MEASURE", "PEERS", "TABLE", "VALUE", "ZH", "Entry", "Hit", "Vocabulary", "fold", "hit_lists"]
