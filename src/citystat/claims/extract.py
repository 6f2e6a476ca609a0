"""Extraction: every numeric claim of a text in Traditional Chinese or English, with the periods it is about.

The parser mirrors the writers of ``citystat.language.numbers``: 1,132.9 萬, 2 萬 1,652, 29 億 7,905 萬, 2.6 倍,
13.0 個百分點, 11.33 million, NT$2.98 billion, 3.6 times, 257%. What a number means comes from the cue words
around it (``lexicon``, taken from the writers' convention templates) and from how it is written: a % after
成長 is a growth rate, a 倍 after 係 B 之 is a ratio, a 倍 after 成長 is a growth multiple.

Extraction needs no database: which table a claim is about is decided later (``resolve``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from citystat.claims import lexicon as lx
from citystat.claims.model import Claim, ClaimKind, Form, Number, Sentence, When
from citystat.language import conventions as conv
from citystat.model import EN, ZH, Frequency, Period
from citystat.model.period import ROC_OFFSET

K = ClaimKind
NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
WAN, YI = conv.WAN, conv.YI  # the writers' own 萬 and 億
SCALES = {"thousand": Decimal(10) ** 3, "million": conv.MILLION, "billion": conv.BILLION}
ROC_MIN_YEAR = 40  # a two- or three-digit year below this is a duration (10 年), not an ROC year

LEVEL_LIKE = frozenset({K.LEVEL, K.SHARE, K.RANK, K.PEERS, K.PEAK, K.STAYED_ABOVE})


def detect_language(text: str) -> str:
    """zh-TW when Chinese characters outnumber a tenth of the letters, else en."""
    cjk = len(re.findall(r"[\u3400-\u9fff]", text))
    latin = len(re.findall(r"[A-Za-z]", text))
    return ZH if cjk and cjk * 10 >= latin else EN


# -- sentences ------------------------------------------------------------------------------------------------

_ZH_SENTENCE_END = re.compile(r"[。！？!?]+|\n+")
_EN_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’)]*\s+(?=[A-Z0-9\"“(#\u3400-\u9fff])|\n+")


def split_sentences(text: str, lang: str) -> list[Sentence]:
    pattern = _ZH_SENTENCE_END if lang == ZH else _EN_SENTENCE_END
    out: list[Sentence] = []
    start = 0
    for match in pattern.finditer(text):
        keeps_mark = lang == ZH and not match.group().startswith("\n")  # 。 ends the sentence it closes
        _add_sentence(out, text, start, match.end() if keeps_mark else match.start())
        start = match.end()
    _add_sentence(out, text, start, len(text))
    return out


def _add_sentence(out: list[Sentence], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        out.append(Sentence(len(out), start, end, text[start:end]))


# -- mentions: periods and numbers -------------------------------------------------------------------------


@dataclass
class PeriodMention:
    when: When
    role: str  # when, from, since, to, base, list
    list_id: int | None = None


@dataclass
class NumberMention:
    start: int
    end: int
    number: Number
    scaled: bool = False  # written with 萬 / 億 / million / billion or a currency
    list_id: int | None = None


_ZH_PERIOD = re.compile(
    r"(?<![\d,.])(?P<y>\d{2,4})\s*年(?P<du>度)?"
    r"(?:\s*(?P<m>\d{1,2})\s*月(?:\s*(?P<d>\d{1,2})\s*日)?)?"
    r"(?:\s*(?:至|到|~|～|－)\s*(?P<m2>\d{1,2})\s*月)?(?P<end>\s*底)?"
)
_ZH_RELATIVE = re.compile(r"(?:最近|近|過去)\s*(?P<n>\d+|[一二兩三四五六七八九十])\s*(?:個)?\s*年")
_ZH_PREVIOUS = re.compile(lx.alternatives(lx.ZH_PREVIOUS))
_ZH_BARE_YEAR = re.compile(r"(?<![\d,.])(?:19|20)\d{2}(?![\d,.%])(?!\s*(?:年|萬|億|倍|個|%))")

_EN_MONTH_NAMES = "|".join(lx.EN_MONTHS)
_EN_PERIOD = re.compile(
    rf"(?P<endof>\b(?:at\s+)?(?:the\s+)?end\s+of\s+(?:the\s+year\s+)?|\bend-)?"
    rf"(?:\b(?P<mon>{_EN_MONTH_NAMES})\s+)?\b(?P<y>(?:19|20)\d{{2}})\b(?![,.]\d)",
    re.IGNORECASE,
)
_EN_RELATIVE = re.compile(r"\b(?:the\s+)?(?:past|last)\s+(?P<n>two|three|four|five|\d+)\s+years\b", re.IGNORECASE)
_EN_PREVIOUS = re.compile(r"\b(?:" + lx.alternatives(lx.EN_PREVIOUS) + r")\b", re.IGNORECASE)

_ZH_NUMBER = re.compile(
    rf"(?<![\d.,])(?P<rank>第\s*)?(?:"
    rf"(?P<yi>{NUM})\s*億(?:\s*(?P<yw>{NUM})\s*萬)?(?:\s*(?P<yr>\d,\d{{3}}|\d{{1,4}})(?![\d.,]|\s*[年月日萬]))?"
    rf"|(?P<wan>{NUM})\s*萬(?:\s*(?P<wr>\d,\d{{3}}|\d{{1,4}})(?![\d.,]|\s*[年月日萬億倍%％]))?"
    rf"|(?P<plain>{NUM}))"
)
_EN_NUMBER = re.compile(
    rf"(?<![\w.,$])(?P<cur>NT\$|US\$|\$)?\s?(?P<num>{NUM})(?P<ord>st|nd|rd|th)?\b"
    rf"(?:\s*(?P<scale>thousand|million|billion)\b)?",
    re.IGNORECASE,
)
_EN_ORDINAL_WORD = re.compile(r"\b(?P<word>" + "|".join(lx.EN_ORDINALS) + r")\b", re.IGNORECASE)


def _roc_year(digits: str) -> int | None:
    year = int(digits)
    if len(digits) == 4:
        return year if 1900 <= year <= 2100 else None
    return year + ROC_OFFSET if year >= ROC_MIN_YEAR else None


def _zh_numeral(text: str) -> int:
    return int(text) if text.isdigit() else lx.ZH_NUMERALS.get(text, 0)


def _month(year: int, month: int) -> Period | None:
    return Period(date(year, month, 1), Frequency.MONTH) if 1 <= month <= 12 else None


def _zh_periods(text: str, offset: int) -> list[When]:
    out: list[When] = []
    for m in _ZH_PERIOD.finditer(text):
        year = _roc_year(m["y"])
        if year is None:
            continue
        period: Period | None = Period.year(year)
        last = None
        if m["m"]:
            period = _month(year, int(m["m"]))
            if m["d"]:
                try:
                    period = Period(date(year, int(m["m"]), int(m["d"])), Frequency.DAY)
                except ValueError:
                    period = None
            if m["m2"]:
                last = _month(year, int(m["m2"]))
        if period is None:
            continue
        out.append(When(m.group().strip(), offset + m.start(), offset + m.end(), period, bool(m["end"]), last))
    for m in _ZH_RELATIVE.finditer(text):
        n = _zh_numeral(m["n"])
        if n:
            out.append(When(m.group(), offset + m.start(), offset + m.end(), relative=n))
    for m in _ZH_PREVIOUS.finditer(text):
        out.append(When(m.group(), offset + m.start(), offset + m.end(), previous=True))
    for m in _ZH_BARE_YEAR.finditer(text):  # WITSA 2021, SCAPA 2021: a year used as a name, not a claim
        out.append(When(m.group(), offset + m.start(), offset + m.end(), Period.year(int(m.group()))))
    return _without_overlaps(out)


def _en_periods(text: str, offset: int) -> list[When]:
    out: list[When] = []
    for m in _EN_PERIOD.finditer(text):
        year = int(m["y"])
        period = Period.year(year)
        if m["mon"]:
            month = next(i for i, name in enumerate(lx.EN_MONTHS, 1) if name.lower() == m["mon"].lower())
            period = Period(date(year, month, 1), Frequency.MONTH)
        out.append(When(m.group().strip(), offset + m.start(), offset + m.end(), period, bool(m["endof"])))
    for m in _EN_RELATIVE.finditer(text):
        word = m["n"].lower()
        n = int(word) if word.isdigit() else lx.EN_NUMBER_WORDS.get(word, 0)
        if n:
            out.append(When(m.group(), offset + m.start(), offset + m.end(), relative=n))
    for m in _EN_PREVIOUS.finditer(text):
        out.append(When(m.group(), offset + m.start(), offset + m.end(), previous=True))
    return _without_overlaps(out)


def _without_overlaps(found: list[When]) -> list[When]:
    found.sort(key=lambda w: (w.start, -(w.end - w.start)))
    out: list[When] = []
    for when in found:
        if out and when.start < out[-1].end:
            continue
        out.append(when)
    return out


def _decimals(text: str) -> int:
    return len(text.split(".", 1)[1]) if "." in text else 0


def _d(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def _unit_of(decimals: int) -> Decimal:
    return Decimal(1).scaleb(-decimals)


def _zh_value(m: re.Match[str]) -> tuple[Decimal, Decimal, bool]:
    """The value, the unit it is known to, and whether 萬 / 億 grouped it."""
    if m["yi"]:
        value = _d(m["yi"]) * YI
        precision = _unit_of(_decimals(m["yi"])) * YI
        if m["yw"]:
            value += _d(m["yw"]) * WAN
            precision = _unit_of(_decimals(m["yw"])) * WAN
        if m["yr"]:
            value += _d(m["yr"])
            precision = Decimal(1)
        return value, precision, True
    if m["wan"]:
        value = _d(m["wan"]) * WAN
        precision = _unit_of(_decimals(m["wan"])) * WAN
        if m["wr"]:
            value += _d(m["wr"])
            precision = Decimal(1)
        return value, precision, True
    return _d(m["plain"]), _unit_of(_decimals(m["plain"])), False


def _glued_to_a_name(text: str, start: int, end: int) -> bool:
    """4U, COVID-19, level-3: a number that is part of a name."""
    before = text[start - 1] if start > 0 else ""
    after = text[end] if end < len(text) else ""
    if before.isascii() and before.isalpha() or after.isascii() and after.isalpha():
        return True
    return before == "-" and start > 1 and text[start - 2].isascii() and text[start - 2].isalpha()


def _compact(text: str) -> str:
    return re.sub(r"\s+", "", text)


_ZH_NUMERAL_RANK = re.compile(r"第\s*(?P<n>[一二兩三四五六七八九十]{1,3})\s*(?:名|位)?")


def _zh_numeral_value(text: str) -> int:
    """一 … 九十九: 十 alone is 10, 十二 is 12, 二十 is 20."""
    if "十" not in text:
        return lx.ZH_NUMERALS.get(text, 0)
    tens, _, ones = text.partition("十")
    return (lx.ZH_NUMERALS.get(tens, 0) if tens else 1) * 10 + (lx.ZH_NUMERALS.get(ones, 0) if ones else 0)


def _zh_numbers(text: str, offset: int, taken: list[tuple[int, int]], units: tuple[str, ...]) -> list[NumberMention]:
    out = []
    for m in _ZH_NUMERAL_RANK.finditer(text):  # a rank written in Chinese numerals (fourth in the world)
        place = _zh_numeral_value(m["n"])
        if place:
            number = Number(m.group().strip(), Decimal(place), Decimal(1), Form.RANK, "名" if m.group().endswith(
                ("名", "位")) else "")
            out.append(NumberMention(offset + m.start(), offset + m.end(), number))
    for m in _ZH_NUMBER.finditer(text):
        start, end = m.start(), m.end()
        if any(s <= offset + start < e or s < offset + end <= e for s, e in taken):
            continue
        core_start = start + (len(m["rank"]) if m["rank"] else 0)
        if _glued_to_a_name(text, core_start, end):
            continue
        value, precision, scaled = _zh_value(m)
        rest = text[end:]
        if m["plain"] and re.match(r"\s*[月日]", rest) and "." not in m["plain"]:
            continue  # 僅含 12 月: a month named without its year
        spaces = len(rest) - len(rest.lstrip(" "))
        follow = rest[spaces:]
        unit = ""
        if m["rank"]:
            form = Form.RANK
            tail = re.match(r"\s*[名位]", rest)
            if tail:
                end += tail.end()
                unit = "名"
            precision = Decimal(1)
        elif follow.startswith(("%", "％")):
            form, unit = Form.PERCENT, "%"
            end += spaces + 1
        elif follow.startswith("倍"):
            form, unit = Form.MULTIPLE, "倍"
            end += spaces + 1
        elif follow.startswith(("個百分點", "百分點")):
            form, unit = Form.POINTS, "個百分點"
            end += spaces + (4 if follow.startswith("個百分點") else 3)
        else:
            form = Form.AMOUNT
            unit = next((u for u in units if follow.startswith(u)), "")
            if unit:
                end += spaces + len(unit)
        number = Number(text[start:end].strip(), value, precision, form, unit)
        out.append(NumberMention(offset + start, offset + end, number, scaled))
    out.sort(key=lambda n: n.start)
    return out


def _en_numbers(text: str, offset: int, taken: list[tuple[int, int]]) -> list[NumberMention]:
    out = []
    for m in _EN_NUMBER.finditer(text):
        start, end = m.start(), m.end()
        if any(s <= offset + start < e or s < offset + end <= e for s, e in taken):
            continue
        num_start = m.start("num")
        if _glued_to_a_name(text, num_start, m.end("num") + (len(m["ord"]) if m["ord"] else 0)):
            continue
        value = _d(m["num"])
        precision = _unit_of(_decimals(m["num"]))
        scaled = bool(m["scale"] or m["cur"])
        if m["scale"]:
            size = SCALES[m["scale"].lower()]
            value *= size
            precision *= size
        rest = text[end:]
        unit = "NT$" if m["cur"] else ""
        if m["ord"]:
            form = Form.RANK
        elif re.match(r"\s*(%|percent\b|per cent\b)", rest):
            tail = re.match(r"\s*(%|percent\b|per cent\b)", rest)
            assert tail is not None
            end += tail.end()
            form, unit = Form.PERCENT, "%"
        elif tail := re.match(r"\s*percentage[\s-]points?\b", rest, re.IGNORECASE):
            end += tail.end()
            form, unit = Form.POINTS, "percentage points"
        elif (tail := re.match(r"-fold\b", rest, re.IGNORECASE)) or (
                (tail := re.match(r"\s*times?\b", rest, re.IGNORECASE))
                and not m["scale"] and _en_multiple_follows(rest[tail.end():], text[:start])):
            end += tail.end()
            form, unit = Form.MULTIPLE, "times"
        else:
            form = Form.AMOUNT
            if not unit:
                unit = _en_unit_words(rest)
            if unit.split()[:1] in (["times"], ["time"]):
                unit = ""  # used 135.94 million times: a count of anything
        out.append(NumberMention(offset + start, offset + end, Number(text[start:end].strip(), value, precision, form,
                                                                      unit), scaled))
    for m in _EN_ORDINAL_WORD.finditer(text):
        start, end = m.start(), m.end()
        if any(s <= offset + start < e for s, e in taken) or not _en_rank_context(text, start, end):
            continue
        value = Decimal(lx.EN_ORDINALS[m["word"].lower()])
        out.append(NumberMention(offset + start, offset + end, Number(m.group(), value, Decimal(1), Form.RANK)))
    out.sort(key=lambda n: n.start)
    return out


_EN_STOPWORDS = {"in", "at", "the", "a", "an", "of", "to", "from", "and", "or", "for", "on", "by", "with", "as",
                 "than", "over", "up", "down", "since", "during", "respectively", "each", "per", "is", "was", "were",
                 "between", "compared", "versus", "vs", "against", "through", "until", "after", "before", "while",
                 "but", "which", "that", "when"}


def _en_unit_words(rest: str) -> str:
    """person-times, page views, shared hours: up to two words after a number that are not small words."""
    words = re.match(r"\s*([A-Za-z][A-Za-z\-]*)(?:\s+([A-Za-z][A-Za-z\-]*))?", rest)
    if not words or words.group(1).lower() in _EN_STOPWORDS:
        return ""
    second = words.group(2)
    if second and second.lower() not in _EN_STOPWORDS:
        return f"{words.group(1)} {second}"
    return words.group(1)


def _en_multiple_follows(after: str, before: str) -> bool:
    """3.6 times the 2018 level, increased 3 times: a multiple; downloaded 500 times in 2021: a count."""
    word = re.match(r"\s*([A-Za-z]+)", after)
    if word and word.group(1).lower() in lx.EN_MULTIPLE_FOLLOWERS:
        return True
    if re.search(r"(?:\(|,|^)\s*$", before) and not word:
        return True
    last = re.search(r"([A-Za-z]+)\s*$", before)
    return bool(last and last.group(1).lower() in {"up", "rose", "increased", "grew", "risen", "grown", "by",
                                                   "about", "around", "nearly", "some", "was", "were", "is", "are"})


def _en_rank_context(text: str, start: int, end: int, strict: bool = True) -> bool:
    before = text[max(0, start - 40):start].lower()
    after = text[end:end + 20].lower()
    if re.search(r"\b(?:" + "|".join(lx.EN_RANK_WORDS) + r")\s+(?:the\s+)?$", before):
        return True
    if re.match(r"\s+(?:of|among|out of|place|in the)\b", after):
        return True
    return not strict and bool(re.search(r"\b(?:no\.|#)\s*$", before))


# -- claim building -----------------------------------------------------------------------------------------


@dataclass
class _Built:
    claims: list[Claim] = field(default_factory=list)
    next_id: int = 0
    next_list: int = 0


def _group_lists(numbers: list[NumberMention], text: str, offset: int, lang: str) -> list[list[NumberMention]]:
    """Numbers joined only by list words (、 及 / , and) form one list: 81.8%、98.7% 及 96.1%."""
    groups: list[list[NumberMention]] = []
    for mention in numbers:
        if groups:
            last = groups[-1][-1]
            between = text[last.end - offset:mention.start - offset]
            if _is_list_joint(between, lang):
                groups[-1].append(mention)
                continue
        groups.append([mention])
    out = []
    for group in groups:
        if lang == EN and len(group) > 1:
            joints = [text[a.end - offset:b.start - offset] for a, b in zip(group, group[1:], strict=False)]
            if not re.search(r"\band\b|\bor\b", joints[-1]):
                out += [[m] for m in group]  # "2,763, 20.9 times": a comma alone does not make a list
                continue
        out.append(_propagate(group))
    return out


def _is_list_joint(between: str, lang: str) -> bool:
    return lx.list_joint(_compact(between).removesuffix("第") if lang == ZH else between, lang)  # 第 1、第 2


def _propagate(group: list[NumberMention]) -> list[NumberMention]:
    """13.0、11.4 及 39.0 個百分點: the unit written after the last item belongs to every item."""
    last = group[-1].number
    if len(group) == 1:
        return group
    for mention in group[:-1]:
        n = mention.number
        if n.form is Form.AMOUNT and (not n.unit or n.unit == last.unit or _en_bare(n.unit)) and not mention.scaled:
            mention.number = Number(n.text, n.value, n.precision, last.form, last.unit, n.bound, n.approx)
        elif n.form is Form.AMOUNT and last.form is Form.AMOUNT and not n.unit:
            mention.number = Number(n.text, n.value, n.precision, n.form, last.unit, n.bound, n.approx)
    return group


def _en_bare(unit: str) -> bool:
    return unit.split()[0].lower() in {"and", "or"} if unit else True


_ZH_TRAILING_ADVERBS = ("分別", "均", "皆", "都", "共", "計", "合計", "總計", "了", "已", "僅", "亦", "也", "仍",
                        *lx.ZH_APPROX, *lx.ZH_MORE_THAN, *lx.ZH_LESS_THAN, "高達", "達", "為")


def _zh_tail(prefix: str) -> tuple[str, set[str]]:
    """The prefix without the adverbs before a number (分別、均、約、逾 …), and which of them were there."""
    p = _compact(prefix)
    found: set[str] = set()
    changed = True
    while changed:
        changed = False
        for adverb in sorted(_ZH_TRAILING_ADVERBS, key=len, reverse=True):
            if p.endswith(adverb) and (adverb != "達" or p[:-1].endswith(tuple(lx.ZH_UP_VERBS | lx.ZH_DOWN_VERBS))):
                found.add(adverb)
                p = p[: -len(adverb)]
                changed = True
    return p, found


_ZH_UP_RE = re.compile(rf"(?:{lx.alternatives(lx.ZH_UP_VERBS)})$")
_ZH_DOWN_RE = re.compile(rf"(?:{lx.alternatives(lx.ZH_DOWN_VERBS)})$")
_ZH_RATE_NOUN_UP = re.compile(r"(?:成長率|增加率|增長率|增幅|成長幅度|年增率)(?:為|達)?$")
_ZH_RATE_NOUN_DOWN = re.compile(r"(?:減少率|減幅|降幅|衰退率)(?:為|達)?$")
_ZH_SHARE_RE = re.compile(rf"(?:{lx.ZH_SHARE_VERB}[^，。；、]{{0,10}}?(?:之|的|為)?|占比(?:為)?|比重(?:為)?)$")
_ZH_REACHED_RE = re.compile(rf"(?:{lx.alternatives(lx.ZH_RATIO_REACHED)})$")


def _zh_kind(prefix: str, suffix: str, number: Number) -> tuple[ClaimKind, int, set[str]]:
    """What a number (or a list) claims, from the words right before it and its form."""
    p, adverbs = _zh_tail(prefix)
    s = _compact(suffix)
    form = number.form
    up = bool(_ZH_UP_RE.search(p)) and not p.endswith(("增至", "增為"))
    down = bool(_ZH_DOWN_RE.search(p))
    if form is Form.RANK:
        return K.RANK, 1, adverbs
    if form is Form.MULTIPLE:
        leads = "|".join(sorted(lx.ZH_RATIO_LEADS))
        links = "|".join(sorted(lx.ZH_RATIO_LINKS))
        if re.search(rf"(?:{leads})[^，。；]{{0,16}}(?:{links})$", p) or re.search(rf"(?:{leads})$", p) or \
                "為" in adverbs and not up:
            return K.RATIO, 1, adverbs
        if _ZH_REACHED_RE.search(p):
            return K.RATIO, 1, adverbs
        if up:
            return K.GROWTH_MULTIPLE, 1, adverbs
        if down:
            return K.GROWTH_MULTIPLE, -1, adverbs
        return K.MULTIPLE, 1, adverbs
    if form is Form.POINTS:
        return K.POINTS, (1 if up else -1 if down else 0), adverbs
    if form is Form.PERCENT:
        if up or _ZH_RATE_NOUN_UP.search(p):
            return K.GROWTH_RATE, 1, adverbs
        if down or _ZH_RATE_NOUN_DOWN.search(p):
            return K.GROWTH_RATE, -1, adverbs
        if _ZH_SHARE_RE.search(p):
            return K.SHARE, 1, adverbs
    if p.endswith(tuple(lx.ZH_STAYED_VERBS)) and s.startswith(lx.ZH_ABOVE):
        return K.STAYED_ABOVE, 1, adverbs
    if form is Form.AMOUNT:
        if up:
            return K.DIFFERENCE, 1, adverbs
        if down:
            return K.DIFFERENCE, -1, adverbs
        if s.startswith(lx.ZH_PEAK_TAIL) and re.search(r"以", p):
            return K.PEAK, 1, adverbs
        if s.startswith("最低") and re.search(r"以", p):
            return K.PEAK, -1, adverbs
    return K.LEVEL, 1, adverbs


_EN_UP_RE = re.compile(rf"\b(?:{lx.alternatives(lx.EN_UP_WORDS)})(?:\s+by)?\s*$", re.IGNORECASE)
_EN_DOWN_RE = re.compile(rf"\b(?:{lx.alternatives(lx.EN_DOWN_WORDS)})(?:\s+by)?\s*$", re.IGNORECASE)


def _en_kind(prefix: str, suffix: str, number: Number, sentence: str) -> tuple[ClaimKind, int, set[str]]:
    p = re.sub(r"\s+", " ", prefix).lower()
    s = re.sub(r"\s+", " ", suffix).lower().lstrip()
    flags: set[str] = set()
    for word in lx.EN_APPROX:
        if re.search(rf"\b{word}\s*$", p):
            flags.add("約")
            p = p[: p.rfind(word)].rstrip() + " "
    if re.search(rf"\b(?:{lx.alternatives(lx.EN_MORE_THAN)})\s*$", p) and not re.search(
            rf"(?:{lx.alternatives(lx.EN_STAYED_WORDS)})\s*$", p):
        flags.add("逾")
    if re.search(rf"\b(?:{lx.alternatives(lx.EN_LESS_THAN)})\s*$", p):
        flags.add("不到")
    up = bool(_EN_UP_RE.search(p)) and not re.search(r"\b(?:made|make|makes|making)\s+up\s*$", p)
    down = bool(_EN_DOWN_RE.search(p))
    form = number.form
    if form is Form.RANK:
        return K.RANK, 1, flags
    if form is Form.MULTIPLE:
        if re.match(r"(?:the\s+(?:\S+\s+)?level|that\s+of|those\s+of|as\s+(?:many|much|high|large|great)\s+as|"
                    r"the\s+(?:number|figure|amount|total|value)|its|their|what)", s):
            return K.RATIO, 1, flags
        if up or re.match(r"(?:higher|more|larger|greater|bigger)\b", s) or re.match(r"increase", s):
            return K.MULTIPLE, 1, flags
        return K.RATIO, 1, flags
    if form is Form.POINTS:
        return K.POINTS, (1 if up else -1 if down else 0), flags
    if form is Form.PERCENT:
        if up or re.match(r"(?:increase|rise|growth|gain|higher|more)\b", s):
            return K.GROWTH_RATE, 1, flags
        if down or re.match(r"(?:decrease|fall|drop|decline|lower|less|fewer)\b", s):
            return K.GROWTH_RATE, -1, flags
    if re.search(rf"(?:{lx.alternatives(lx.EN_STAYED_WORDS)})\s*$", p):
        return K.STAYED_ABOVE, 1, flags
    if form is Form.PERCENT:
        low = sentence.lower()
        if re.search(r"(?:accounted for|account for|accounting for|made up|represented|a share of)\s*(?:\(\s*)?$", p) \
                or (any(c in low for c in lx.EN_SHARE_CUES) and not re.search(r"\brates?\b", p)):
            return K.SHARE, 1, flags
        return K.LEVEL, 1, flags
    if form is Form.AMOUNT:
        if up:  # rose 8,580, rose by 8,580, up 8,580: the rise word is right before the number
            return K.DIFFERENCE, 1, flags
        if down:
            return K.DIFFERENCE, -1, flags
        if re.search(rf"\b{lx.EN_PEAKED}\s*$", p):
            return K.PEAK, 1, flags
        if re.search(r"\b(?:bottomed out at|hit a low of|fell to a low of)\s*$", p):
            return K.PEAK, -1, flags
    return K.LEVEL, 1, flags


def _zh_role(text: str, when: When, offset: int, previous: When | None) -> str:
    s, e = when.start - offset, when.end - offset
    before = _compact(text[max(0, s - 10):s])
    after = _compact(text[e:e + 6])
    if previous is not None and lx.list_joint(text[previous.end - offset:s], ZH):
        return "list"
    if when.relative is not None:
        return "relative"
    if before.endswith(tuple(lx.ZH_BASE_MARKERS)):
        return "base"
    if before.endswith(tuple(lx.ZH_RATIO_LEADS)) and after.startswith(tuple(lx.ZH_RATIO_LINKS)):
        return "base"
    if after.startswith(("相比", "相較", "比較")):
        return "base"
    if when.previous:
        return "base"
    if before.endswith(("由", "從", lx.ZH_SINCE_LEAD)):
        return "since" if after.startswith((lx.ZH_SINCE_TAIL, "以來")) else "from"
    if after.startswith((lx.ZH_SINCE_TAIL, "以來")):
        return "since"
    if before.endswith(("至", "到", "~", "～")):
        return "to"
    if after.startswith(("至", "到", "~", "～")):
        return "from"
    return "when"


def _en_role(text: str, when: When, offset: int, previous: When | None) -> str:
    s, e = when.start - offset, when.end - offset
    before = re.sub(r"\s+", " ", text[max(0, s - 30):s]).lower()
    after = text[e:e + 14].lower()
    if previous is not None and re.fullmatch(r"\s*(?:,|,?\s*and|,?\s*or|to|through|-|–)\s*",
                                             text[previous.end - offset:s]) and \
            not re.fullmatch(r"\s*(?:to|through)\s*", text[previous.end - offset:s]):
        return "list"
    if when.relative is not None:
        return "relative"
    if when.previous:
        return "base"
    if re.search(r"\b(?:the\s+)?level\s+(?:at\s+)?$", before) or re.match(r"\s*levels?\b", after):
        return "base"
    if re.search(r"\btimes\s+(?:that|those|the\s+(?:figure|number|total|value))\s+(?:(?:of|in|at|for)\s+)?"
                 r"(?:the\s+)?$", before):
        return "base"  # 20.9 times that at the end of 2011, 2,682 times that of 2011
    if re.search(r"\b(?:over|than|compared\s+(?:with|to)|vs\.?|versus|against|relative\s+to|on)\s+"
                 r"(?:the\s+)?(?:in\s+)?$", before):
        return "base"
    if re.search(r"\bsince\s+(?:the\s+)?$", before):
        return "since"
    if re.search(r"\b(?:from|between)\s+(?:the\s+)?$", before):
        return "from"
    if re.search(r"\b(?:to|through|until|till)\s+(?:the\s+)?$", before):
        return "to"
    return "when"


@dataclass
class _State:
    current: When | None = None
    current_here: bool = False
    from_p: When | None = None
    span_start: When | None = None
    base_pending: When | None = None
    last_base: When | None = None
    period_list: list[When] = field(default_factory=list)
    attached_to: Claim | None = None  # the claim the last period was read with (150 at the end of 2017)


def extract(text: str, lang: str = "auto", *, units: tuple[str, ...] = ()) -> list[Claim]:
    """Every claim in ``text``. ``units``: the units of the tables in the store, read after a number (人次, 門)."""
    if lang == "auto":
        lang = detect_language(text)
    zh_units = tuple(sorted(set(lx.ZH_UNITS) | {u for u in units if u and not u.isascii()}, key=len, reverse=True))
    built = _Built()
    carried: When | None = None
    for sentence in split_sentences(text, lang):
        carried = _sentence_claims(sentence, lang, zh_units, built, carried)
    return built.claims


def _sentence_claims(sentence: Sentence, lang: str, units: tuple[str, ...], built: _Built,
                     carried: When | None) -> When | None:
    text, offset = sentence.text, sentence.start
    whens = _zh_periods(text, offset) if lang == ZH else _en_periods(text, offset)
    taken = [(w.start, w.end) for w in whens]
    numbers = _zh_numbers(text, offset, taken, units) if lang == ZH else _en_numbers(text, offset, taken)
    groups = _group_lists(numbers, text, offset, lang)
    periods: list[PeriodMention] = []
    previous: When | None = None
    for when in whens:
        role = (_zh_role if lang == ZH else _en_role)(text, when, offset, previous)
        periods.append(PeriodMention(when, role))
        previous = when
    claims: list[Claim] = []
    boundary = offset
    for index, group in enumerate(groups):
        head, tail = group[0], group[-1]
        next_start = groups[index + 1][0].start if index + 1 < len(groups) else sentence.end
        prefix = text[boundary - offset:head.start - offset]
        suffix = text[tail.end - offset:next_start - offset]
        if lang == ZH:
            kind, direction, adverbs = _zh_kind(prefix, suffix, head.number)
        else:
            kind, direction, adverbs = _en_kind(prefix, suffix, head.number, text)
        clause = re.split(r"[，；。,;:：()（）]", text[:head.start - offset])[-1]
        cues = _cues(prefix, suffix, lang) | _clause_cues(clause, lang)
        list_id = None
        if len(group) > 1:
            list_id = built.next_list
            built.next_list += 1
        for item, mention in enumerate(group):
            number = _with_flags(mention.number, adverbs)
            claims.append(Claim(
                built.next_id, kind, mention.start, mention.end, number.text, sentence.index, lang, number,
                direction=direction, item=item, items=len(group), list_id=list_id,
                each=_each(prefix, lang) and len(group) == 1,
                respectively=_respectively(prefix + suffix, lang), cues=cues, window=boundary,
            ))
            built.next_id += 1
        boundary = tail.end
    claims += _word_claims(sentence, lang, built, claims)
    claims.sort(key=lambda c: (c.start, c.id))
    current = _assign_periods(sentence, lang, claims, periods, carried)
    _link_share_order(claims)
    _link_peers(claims, text, offset, lang)
    built.claims += claims
    return current if current is not None and current.period is not None else carried


def _with_flags(number: Number, adverbs: set[str]) -> Number:
    bound = ">" if adverbs & set(lx.ZH_MORE_THAN) else "<" if adverbs & set(lx.ZH_LESS_THAN) else number.bound
    approx = bool(adverbs & set(lx.ZH_APPROX)) or number.approx
    return Number(number.text, number.value, number.precision, number.form, number.unit, bound, approx)


def _each(prefix: str, lang: str) -> bool:
    if lang == ZH:
        _, adverbs = _zh_tail(prefix)
        return bool(adverbs & set(lx.ZH_ALL_WORDS)) or bool(
            re.search(r"(?<!平)[均皆][^，。；]{0,8}$", _compact(prefix)))
    return bool(re.search(rf"\b(?:{lx.alternatives(lx.EN_ALL_WORDS)})\b", prefix.lower()))


def _respectively(text: str, lang: str) -> bool:
    return lx.ZH_RESPECTIVELY in text if lang == ZH else lx.EN_RESPECTIVELY in text.lower()


def _clause_cues(clause: str, lang: str) -> frozenset[str]:
    """Daily YouBike rides fell 2.3% in 2021 to 74,465: the kind of average named anywhere earlier in the clause."""
    words = (("monthly", lx.ZH_MONTHLY_CUES), ("daily", lx.ZH_DAILY_CUES)) if lang == ZH else \
        (("monthly", lx.EN_MONTHLY_CUES), ("daily", lx.EN_DAILY_CUES))
    text = _compact(clause) if lang == ZH else clause.lower()
    return frozenset(name for name, cues in words if any(c in text for c in cues))


def _cues(prefix: str, suffix: str, lang: str) -> frozenset[str]:
    """Words near a number that say what kind of figure it is: a monthly or daily average, a flow, a stock."""
    found = set()
    if lang == ZH:
        p = _compact(prefix)[-12:]
        if any(c in p for c in lx.ZH_MONTHLY_CUES):
            found.add("monthly")
        if any(c in p for c in lx.ZH_DAILY_CUES):
            found.add("daily")
        if "平均" in p:
            found.add("average")
        if any(c in p for c in lx.ZH_FLOW_CUES):
            found.add("flow")
        if any(c in p for c in lx.ZH_STOCK_CUES):
            found.add("stock")
        return frozenset(found)
    p = re.sub(r"\s+", " ", prefix.lower())[-40:]
    s = re.split(r"[,;(]", re.sub(r"\s+", " ", suffix.lower()))[0][:24]
    near = p + " | " + s
    if any(c in near for c in lx.EN_MONTHLY_CUES):
        found.add("monthly")
    if any(c in near for c in lx.EN_DAILY_CUES):
        found.add("daily")
    if any(c in p for c in lx.EN_AVERAGE_CUES):
        found.add("average")
    if any(c in p[-30:] or c in s for c in lx.EN_FLOW_CUES):
        found.add("flow")
    if "cumulative" in p:
        found.add("stock")
    return frozenset(found)


_ZH_TREND = re.compile(r"逐\s*(?P<every>[年月日])\s*(?P<verb>" +
                       lx.alternatives(lx.ZH_RISE_WORDS + lx.ZH_FALL_WORDS) + ")")
_ZH_RECORD = re.compile(r"(?:歷年|歷史|史上)(?P<word>最高|新高|最低|新低)|創(?:歷年)?(?P<new>新高|新低)")
_ZH_LARGEST = re.compile(r"(?:歷年|各期|歷來)最大(?P<word>增幅|降幅|漲幅|跌幅)")
_EN_TREND = re.compile(r"\b(?P<verb>" + lx.alternatives(lx.EN_RISE_EVERY + lx.EN_FALL_EVERY) +
                       r")\s+(?:every|each)\s+(?P<every>year|month|day)\b", re.IGNORECASE)
_EN_RECORD = re.compile(r"\b(?:the\s+)?(?:(?P<word>highest|lowest)\s+on\s+record|(?:a\s+)?record\s+(?P<word2>high|low)|"
                        r"(?:an\s+)?all-time\s+(?P<word3>high|low))\b", re.IGNORECASE)
_EN_LARGEST = re.compile(r"\b(?:the\s+)?(?:largest|biggest)\s+(?:annual\s+|monthly\s+|yearly\s+)?"
                         r"(?P<word>rise|increase|fall|decrease|drop|decline)\b(?:\s+in\s+the\s+series)?",
                         re.IGNORECASE)
_ZH_ORDER = re.compile(rf"(?P<first>{lx.ZH_SHARE_FIRST}|居首|最高|最大)|(?P<second>{lx.ZH_SHARE_SECOND}|居次)")
_EN_ORDER = re.compile(r"(?P<first>\b(?:accounted\s+for\s+|had\s+|took\s+)?the\s+largest\s+share\b)|"
                       rf"(?P<second>\b{lx.EN_SHARE_SECOND}\b)", re.IGNORECASE)


def _word_claims(sentence: Sentence, lang: str, built: _Built, numbers: list[Claim]) -> list[Claim]:
    """Claims without a number of their own: 逐年上升, 為歷年最高, 為歷年最大增幅, 最多 / 次之."""
    text, offset = sentence.text, sentence.start
    out: list[Claim] = []

    def add(kind: ClaimKind, m: re.Match[str], direction: int = 1, number: Number | None = None) -> None:
        out.append(Claim(built.next_id, kind, offset + m.start(), offset + m.end(), m.group(), sentence.index, lang,
                         number, direction=direction, window=_window(numbers, offset + m.start(), sentence)))
        built.next_id += 1

    taken = [(c.start, c.end) for c in numbers]
    if lang == ZH:
        for m in _ZH_TREND.finditer(text):
            rising = m["verb"] in lx.ZH_RISE_WORDS
            add(K.ROSE_EVERY if rising else K.FELL_EVERY, m)
        for m in _ZH_RECORD.finditer(text):
            word = m["word"] or m["new"]
            add(K.RECORD_HIGH if "高" in word else K.RECORD_LOW, m)
        for m in _ZH_LARGEST.finditer(text):
            add(K.LARGEST_RISE if m["word"] in ("增幅", "漲幅") else K.LARGEST_FALL, m)
        for m in _ZH_ORDER.finditer(text):
            share = _share_before(numbers, offset + m.start(), text, offset)
            if share is not None and not any(s <= offset + m.start() < e for s, e in taken):
                rank = 1 if m["first"] else 2
                add(K.RANK, m, number=Number(m.group(), Decimal(rank), Decimal(1), Form.RANK))
                out[-1].link = share.id
    else:
        for m in _EN_TREND.finditer(text):
            rising = m["verb"].lower() in lx.EN_RISE_EVERY
            add(K.ROSE_EVERY if rising else K.FELL_EVERY, m)
        for m in _EN_RECORD.finditer(text):
            word = (m["word"] or m["word2"] or m["word3"]).lower()
            add(K.RECORD_HIGH if word in ("highest", "high") else K.RECORD_LOW, m)
        for m in _EN_LARGEST.finditer(text):
            add(K.LARGEST_RISE if m["word"].lower() in ("rise", "increase") else K.LARGEST_FALL, m)
        for m in _EN_ORDER.finditer(text):
            share = _share_after(numbers, offset + m.end())
            if share is not None:
                rank = 1 if m["first"] else 2
                add(K.RANK, m, number=Number(m.group(), Decimal(rank), Decimal(1), Form.RANK))
                out[-1].link = share.id
    return out


def _window(claims: list[Claim], position: int, sentence: Sentence) -> int:
    ends = [c.end for c in claims if c.end <= position]
    return max(ends) if ends else sentence.start


def _share_before(claims: list[Claim], position: int, text: str, offset: int) -> Claim | None:
    before = [c for c in claims if c.end <= position and c.kind is K.SHARE]
    if not before:
        return None
    share = before[-1]
    return share if len(_compact(text[share.end - offset:position - offset])) <= 1 else None


def _share_after(claims: list[Claim], position: int) -> Claim | None:
    after = [c for c in claims if c.start >= position and c.kind is K.SHARE]
    return after[0] if after else None


def _link_peers(claims: list[Claim], text: str, offset: int, lang: str) -> None:
    """4th of 118, 第 4 名（共 118 個城市）: how many were ranked, read with the rank before it."""
    for rank, other in zip(claims, claims[1:], strict=False):
        if rank.kind is not K.RANK or other.kind is not K.LEVEL or other.number is None:
            continue
        between = text[rank.end - offset:other.start - offset]
        joint = r"\s*(?:of|out\s+of|among)\s*" if lang == EN else r"\s*[（(]?\s*(?:共|全部|計)\s*"
        if re.fullmatch(joint, between, re.IGNORECASE):
            other.kind = K.PEERS
            other.link = rank.id


def _link_share_order(claims: list[Claim]) -> None:
    by_id = {c.id: c for c in claims}
    for claim in claims:
        if claim.link is not None and claim.link in by_id:
            claim.window = by_id[claim.link].window


def _assign_periods(sentence: Sentence, lang: str, claims: list[Claim], periods: list[PeriodMention],
                    carried: When | None) -> When | None:
    """Which period each claim is about, and what a change is measured from, walking the sentence in order."""
    events: list[tuple[int, int, object]] = [(p.when.start, 0, p) for p in periods] + [(c.start, 1, c) for c in claims]
    events.sort(key=lambda e: (e[0], e[1]))
    state = _State(current=carried)
    previous_event: object | None = None
    text, offset = sentence.text, sentence.start
    lists: dict[int, list[Claim]] = {}
    for claim in claims:
        if claim.list_id is not None:
            lists.setdefault(claim.list_id, []).append(claim)
    for _, _, event in events:
        if isinstance(event, PeriodMention):
            _on_period(event, state, previous_event, lang, text, offset, lists)
        else:
            assert isinstance(event, Claim)
            _on_claim(event, state, lang, text, offset)
        previous_event = event
    for claim in claims:  # Taipei ranked 4th of 118 cities in 2021: a period told only at the end
        if claim.period is None and claim.kind not in (K.STAYED_ABOVE, K.ROSE_EVERY, K.FELL_EVERY):
            later = [p.when for p in periods if p.when.start >= claim.end and p.role == "when"]
            if later:
                claim.period = later[0]
    for claim in claims:  # a change with no base of its own: the one before it, else the start of the span
        if claim.kind.is_change and claim.base is None:
            before = [c for c in claims if c.kind.is_change and c.base is not None and c.start < claim.start]
            claim.base = before[-1].base if before else (state.from_p or state.span_start)
        if claim.kind in (K.STAYED_ABOVE, K.ROSE_EVERY, K.FELL_EVERY) and claim.span_start is None:
            claim.span_start = state.span_start
    _pair_period_lists(claims, state)
    return state.current


def _attached(claim: Claim, when: When, text: str, offset: int) -> bool:
    """In English a level's period follows it: 150 at the end of 2017; 77,986 in 2019; 74,000 in 2020 and 2021."""
    between = text[claim.end - offset:when.start - offset].lower()
    if "," in between or ";" in between or "(" in between:
        return False
    return bool(re.fullmatch(r"\s*(?:[a-z\-]+\s+){0,4}?(?:in|at|during|by|as of|for|of)?\s*(?:the\s+)?", between))


def _on_period(mention: PeriodMention, state: _State, previous_event: object | None, lang: str, text: str,
               offset: int, lists: dict[int, list[Claim]]) -> None:
    when, role = mention.when, mention.role
    previous_claim = previous_event if isinstance(previous_event, Claim) else None
    group = lists.get(previous_claim.list_id, [previous_claim]) if previous_claim is not None and \
        previous_claim.list_id is not None else ([previous_claim] if previous_claim is not None else [])
    owner = state.attached_to
    if _ends_the_span_of(owner, previous_event) and role in ("list", "to"):
        assert owner is not None  # rose 13.0 points from 2001 to 2020 / between 2001 and 2020: the change's period
        for item in lists.get(owner.list_id, [owner]) if owner.list_id is not None else [owner]:
            item.period = when
    if role == "list":
        state.period_list.append(when)
        if owner is not None and owner.kind in (K.STAYED_ABOVE, K.ROSE_EVERY, K.FELL_EVERY):
            owner.period = when  # stayed above 74,000 in 2020 and 2021: the span ends with the last
        elif owner is None or not owner.kind.is_change or owner.period is when:
            state.current = when
        return
    state.period_list = [when]
    state.attached_to = None
    if role == "relative":
        state.span_start = when
        return
    if lang == EN and previous_claim is not None and _attached(previous_claim, when, text, offset) and \
            role in ("when", "from", "since"):
        claim = previous_claim
        state.attached_to = claim
        if claim.kind in (K.STAYED_ABOVE, K.ROSE_EVERY, K.FELL_EVERY):
            if role in ("from", "since"):
                claim.span_start = when
            else:
                claim.span_start, claim.period = when, when
            return
        if claim.kind.is_change and role == "from":
            for item in group:
                item.base = when
            state.last_base = when
            return
        if claim.kind in LEVEL_LIKE and role == "when":
            for item in group:
                item.period = when
            if "from" in claim.cues:
                state.from_p = when
            else:
                state.current, state.current_here = when, True
            return
        state.attached_to = None
    if role == "base":
        if lang == EN and previous_claim is not None and previous_claim.kind.is_change and previous_claim.base is None:
            for item in group:
                item.base = when
            state.last_base = when
        elif lang == EN and when.previous and previous_claim is not None and previous_claim.kind in LEVEL_LIKE and \
                _attached(previous_claim, when, text, offset) and _year_before(state.current) is not None:
            assert state.current is not None  # up from 192,550 a year earlier: the level of the year before
            for item in group:
                item.period = When(when.text, when.start, when.end, _year_before(state.current), state.current.end_of)
        else:
            state.base_pending = when
        return
    if role == "from":
        state.from_p = state.span_start = when
        state.current, state.current_here = when, True
        return
    if role == "since":
        if lang == EN and previous_claim is not None and previous_claim.kind in (K.ROSE_EVERY, K.FELL_EVERY):
            previous_claim.span_start = when
            return
        state.span_start = state.from_p = when
        return
    state.current, state.current_here = when, True  # when, to


def _year_before(when: When | None) -> Period | None:
    """The same period a year earlier (a year or a month): what 'a year earlier' names after a level."""
    if when is None or when.period is None or when.period.frequency not in (Frequency.YEAR, Frequency.MONTH):
        return None
    start = when.period.start
    return Period(date(start.year - 1, start.month, 1), when.period.frequency)


def _ends_the_span_of(owner: Claim | None, previous_event: object | None) -> bool:
    """Whether a period ends the span of a change whose base is the period right before it."""
    return owner is not None and owner.kind.is_change and owner.base is not None and \
        isinstance(previous_event, PeriodMention) and owner.base is previous_event.when


def _on_claim(claim: Claim, state: _State, lang: str, text: str, offset: int) -> None:
    prefix = text[claim.window - offset:claim.start - offset]
    if re.search(r"(?:由|從)\s*$", _compact(prefix)[-12:]) or (
            lang == EN and re.search(r"\bfrom\s*$", prefix.lower())):
        claim.cues = claim.cues | {"from"}
    if lang == ZH and claim.kind in LEVEL_LIKE and "from" not in claim.cues and \
            re.search(r"由[^，。；]*$", _compact(prefix)) and state.from_p is not None and \
            state.current is state.from_p:
        claim.cues = claim.cues | {"from"}
    if claim.kind.is_change:
        claim.period = state.current
        if state.base_pending is not None:
            claim.base = state.base_pending
            state.base_pending = None
            state.last_base = claim.base
        return
    if claim.kind in (K.STAYED_ABOVE, K.ROSE_EVERY, K.FELL_EVERY):
        claim.span_start = state.span_start
        after_start = state.span_start is not None and state.current is not None and \
            state.current.start > state.span_start.start  # 自 107 年至 110 年: the span ends where it says
        claim.period = state.current if state.current_here and after_start else None
        if claim.kind is K.STAYED_ABOVE and claim.period is None and state.span_start is not None and \
                state.span_start.relative is None:
            claim.period = state.span_start
        return
    claim.period = state.current


def _pair_period_lists(claims: list[Claim], state: _State) -> None:
    """109 年及 110 年…分別為 A 及 B: a list of numbers read against a list of periods of the same length."""
    lists: dict[int, list[Claim]] = {}
    for claim in claims:
        if claim.list_id is not None and claim.respectively:
            lists.setdefault(claim.list_id, []).append(claim)
    if not lists or len(state.period_list) < 2:
        return
    for items in lists.values():
        if len(items) == len(state.period_list) and all(c.kind in LEVEL_LIKE for c in items):
            for claim, when in zip(items, state.period_list, strict=False):
                claim.period = when
