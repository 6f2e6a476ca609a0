"""Numbers that are not statistics: what a number is when it is not a claim, and why.

Stated rules over the words around a number, the same for every text:
- a reference to a table, figure, note or page (表 1、圖 2, Table 3, 註 2, p. 14), or a list or note marker (1. at the
  start of a line, ①);
- a date or a time of day (上午 9:30, 3 月 5 日, 14:00);
- an ordinal name: a council, session, term, round, alert level, phase, article (第 13 屆第 6 次定期大會, 第三級警戒,
  level 3, Phase 2);
- a phone number, an address (5 樓, 1 號), a URL or e-mail;
- a number whose unit is the unit of no measure in the store (每間教室上限 250 人 is not a count of 人次).
"""

from __future__ import annotations

import re

from citystat.claims.model import Claim, ClaimKind, Form

ORDINAL_NOUNS = ("屆", "次會", "次定期", "次臨時", "次大會", "會期", "級", "期", "條", "款", "章", "節", "版", "號", "任",
                 "階段", "梯次", "波", "類", "案", "輪", "屆次", "季", "代", "棟", "層", "組", "區", "屆市")
REFERENCE_BEFORE = re.compile(r"(?:附表|附圖|表|圖|註|附註|參見|見|如|Table|Tables|Figure|Figures|Fig\.|Chart|Note|"
                              r"Notes|Annex|Appendix|Section|p\.|pp\.|page|pages|No\.|#)\s*$", re.IGNORECASE)
ADDRESS_AFTER = re.compile(r"^\s*(?:號|樓|巷|弄|鄰|里(?!程)|段(?!落)|室(?!內))")
TIME = re.compile(r"\d{1,2}\s*[:：]\s*\d{2}")
PHONE = re.compile(r"(?:\(0\d{1,2}\)|0\d{1,2}-)\s*\d{3,4}[-\s]?\d{3,4}|\b1999\b|\+886[-\s\d]{8,}")
URL = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+\.\w+|\b[\w-]+(?:\.[\w-]+)+/\S*")
EN_ORDINAL_NAME = re.compile(r"\b(?:level|phase|stage|round|session|term|article|no|number|version|tier|grade|"
                             r"alert level|class)\s*$", re.IGNORECASE)
DATE_AFTER = re.compile(r"^\s*(?:月|日|號(?=[^\d]))")
DURATION_UNITS = ("個月", "月", "日", "天", "週", "小時", "分鐘", "分", "秒", "歲", "年級", "點")


def why_not(claim: Claim, text: str, store_units: set[str]) -> str | None:
    """Why this number is not a statistic, or None when it is read as a claim."""
    number = claim.number
    if number is None or claim.kind not in (ClaimKind.LEVEL, ClaimKind.RANK, ClaimKind.DIFFERENCE):
        return None
    start, end = claim.start, claim.end
    before = text[max(0, start - 12):start]
    after = text[end:end + 8]
    line_start = text.rfind("\n", 0, start) + 1
    for pattern, reason in ((URL, "part of a web or e-mail address"), (PHONE, "a phone number"),
                            (TIME, "a time of day")):
        for m in pattern.finditer(text, max(0, start - 40), min(len(text), end + 40)):
            if m.start() <= start < m.end() or m.start() < end <= m.end():
                return reason
    compact_before = re.sub(r"\s+", "", before)
    if REFERENCE_BEFORE.search(before) and number.form in (Form.AMOUNT, Form.RANK) and not number.unit:
        return "a reference to a table, figure, note or page"
    if re.fullmatch(r"\s*[（(]?\s*", text[line_start:start]) and re.match(r"\s*[.、)）]\s*\S", after) and \
            number.value < 100 and "." not in number.text:
        return "a list or note marker"
    if re.search(r"(?:上午|下午|晚上|早上|中午|凌晨)\s*$", before):
        return "a time of day"
    if number.text.startswith("第") or compact_before.endswith("第"):
        rest = re.sub(r"\s+", "", text[end:end + 4])
        if number.unit not in ("名", "位") and rest.startswith(ORDINAL_NOUNS):
            return "an ordinal name (a council, session, level, phase), not a figure"
    if re.match(r"\s*(?:" + "|".join(ORDINAL_NOUNS[:5]) + ")", after):
        return "an ordinal name (a council, session, level, phase), not a figure"
    if claim.lang != "zh-TW" and EN_ORDINAL_NAME.search(before) and number.form is Form.AMOUNT:
        return "an ordinal name (a level, phase, session), not a figure"
    if ADDRESS_AFTER.match(after) and number.form is Form.AMOUNT and not number.unit:
        return "part of an address"
    if number.form is Form.AMOUNT and not number.unit and DATE_AFTER.match(after):
        return "a date"
    if number.form is Form.AMOUNT and number.unit and number.unit in DURATION_UNITS:
        if number.unit not in store_units:
            return f"a duration or time ({number.unit}), which no measure in the store counts"
    if number.form is Form.AMOUNT and number.unit and not number.unit.isascii() and store_units and \
            number.unit not in store_units:
        return f"its unit ({number.unit}) is the unit of no measure in the store"
    return None
