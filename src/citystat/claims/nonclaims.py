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
from citystat.language.verdicts import Reason, because

ORDINAL_NOUNS = ("屆", "次會", "次定期", "次臨時", "次大會", "會期", "級", "期", "條", "款", "章", "節", "版", "號",
                 "任", "階段", "梯次", "波", "類", "案", "輪", "屆次", "季", "代", "棟", "層", "組", "區", "屆市", "頁")
REFERENCE_BEFORE = re.compile(r"(?:版次|附表|附圖|表|圖|註|附註|參見|見|如|頁|Release|Table|Tables|Figure|Figures|"
                              r"Fig\.|Chart|Note|Notes|Annex|Appendix|Section|p\.|pp\.|page|pages|No\.|#)\s*$",
                              re.IGNORECASE)
ADDRESS_AFTER = re.compile(r"^\s*(?:號|樓|巷|弄|鄰|里(?!程)|段(?!落)|室(?!內))")
TIME = re.compile(r"\d{1,2}\s*[:：]\s*\d{2}")
PHONE = re.compile(r"(?:\(0\d{1,2}\)|0\d{1,2}-)\s*\d{3,4}[-\s]?\d{3,4}|\b1999\b|\+886[-\s\d]{8,}")
URL = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+\.\w+|\b[\w-]+(?:\.[\w-]+)+/\S*")
EN_ORDINAL_NAME = re.compile(r"\b(?:level|phase|stage|round|session|term|article|no|number|version|tier|grade|"
                             r"alert level|class)\s*$", re.IGNORECASE)
_MONTHS = r"(?:January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|" \
          r"Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\b"
EN_MONTH_AFTER = re.compile(r"^\s*" + _MONTHS)
EN_MONTH_BEFORE = re.compile(_MONTHS + r"\.?\s*$")
NAME_BEFORE = re.compile(r"(?<![A-Za-z])([A-Z][A-Za-z]*|[a-z]+[A-Z][A-Za-z]*)[ \u00a0]?$")  # Route 66, YouBike2.0
NOT_NAMES = {"In", "By", "Since", "From", "About", "Over", "Nearly", "Some", "Almost", "At", "On", "To", "Of", "And",
             "The", "With", "For", "Up", "Down", "Than", "All", "Only", "Just", "Around", "Approximately", "Roughly",
             "Under", "Below", "Above", "Between", "Until", "Through", "After", "Before", "During", "Per",
             "Each", "Every", "Top", "First", "Last", "Total", "Number", "Rank", "Ranked", "Level", "Phase"}
DATE_AFTER = re.compile(r"^\s*(?:月|日|號(?=[^\d]))")
FORMULA_BEFORE = re.compile(r"[÷×=＝/＋+−]\s*[(（]?\s*$|(?:除以|乘以|減去|加上)(?:公布之)?(?:倍數|比值)?\s*$|"
                            r"\b(?:divided|divides|multiplied|multiplies)\s+by\s+(?:the\s+\w+\s+\w+\s+of\s+)?$",
                            re.IGNORECASE)
FORMULA_AFTER = re.compile(r"^(?:[⁰¹²³⁴⁵⁶⁷⁸⁹]|\s*[)）]?\s*[÷×=＝/＋+−])")
EXAMPLE = re.compile(r"寫作|書寫為|例：|例如|舉例|\bis written\b|\bwritten as\b|\bfor example\b|\be\.g\.",
                     re.IGNORECASE)
PLACEHOLDERS = re.compile(r"(?<![A-Za-z])[A-C](?![A-Za-z])\s*(?:[÷×/=為係是之較]|is\b|was\b)\s*[A-C]?(?![A-Za-z])")
PER_THING = re.compile(r"^\s*per\s+(?!day\b|month\b|year\b|cent\b|capita\b)[a-z]+", re.IGNORECASE)
ZH_PER_THING = re.compile(r"每(?!月|日|天|年|人次)[\u3400-\u9fff]{1,4}(?:上限|最多|可容納|約)?\s*$")
DURATION_UNITS = ("個月", "月", "日", "天", "週", "小時", "分鐘", "分", "秒", "歲", "年級", "點")


def why_not(claim: Claim, text: str, store_units: set[str]) -> Reason | None:
    """Why this number is not a statistic, or None when it is read as a claim."""
    number = claim.number
    if number is None:
        return None
    start, end = claim.start, claim.end
    before = text[max(0, start - 12):start]
    after = text[end:end + 8]
    line_start = text.rfind("\n", 0, start) + 1
    sentence_start = max(line_start, *(text.rfind(mark, 0, start) + 1 for mark in "。；;"))
    sentence = text[sentence_start:start] + text[end:end + 40].split("。")[0]
    if EXAMPLE.search(sentence) or PLACEHOLDERS.search(sentence) or re.search(r"(?:^|[，,；;：:\s])如\s*$", before):
        return because("example")
    if claim.kind not in (ClaimKind.LEVEL, ClaimKind.RANK, ClaimKind.DIFFERENCE):
        return None
    for pattern, reason in ((URL, because("web_address")), (PHONE, because("phone_number")),
                            (TIME, because("time_of_day"))):
        for m in pattern.finditer(text, max(0, start - 40), min(len(text), end + 40)):
            if m.start() <= start < m.end() or m.start() < end <= m.end():
                return reason
    compact_before = re.sub(r"\s+", "", before)
    plain = number.form is Form.AMOUNT and not number.unit and "." not in number.text and "," not in number.text
    if plain and 40 <= number.value <= 200 and (
            re.match(r"\s*(?:、|及|和|與|至|到|-|–|~|～)\s*\d{2,3}\s*年", after) or
            re.search(r"\d{2,3}\s*年\s*(?:、|及|和|與|至|到|-|–|~|～)\s*$", before)):
        return because("bare_year")
    wide_before = text[max(0, start - 40):start]
    if FORMULA_BEFORE.search(wide_before) or FORMULA_AFTER.match(after):
        return because("formula_operand")
    if re.match(r"\s*年", after) and claim.lang != "zh-TW":
        return because("roc_year")
    if re.match(r"\s*進位", after) or re.search(r"小數\s*(?:點後)?\s*(?:第)?\s*$", before):
        return because("rounding_rule")
    if (PER_THING.match(after) or ZH_PER_THING.search(before)) and number.form is Form.AMOUNT:
        return because("per_item")
    if re.fullmatch(r"0\d{5,}|\d{9,}", number.text.replace(" ", "")):
        return because("identifier")
    if REFERENCE_BEFORE.search(before) and number.form in (Form.AMOUNT, Form.RANK) and "." not in number.text:
        return because("table_reference")
    lead = text[line_start:start]
    labelled = re.fullmatch(r"\s*(?:註|附註|說明|備註|note|notes)\s*[:：]?\s*[（(]?\s*", lead, re.IGNORECASE)
    if (re.fullmatch(r"\s*[（(]?\s*", lead) or labelled) and re.match(r"\s*[.、)）]\s*\S", after) and \
            number.value < 100 and "." not in number.text:
        return because("list_marker")
    if re.search(r"(?:上午|下午|晚上|早上|中午|凌晨)\s*$", before):
        return because("time_of_day")
    if number.text.startswith("第") or compact_before.endswith("第"):
        rest = re.sub(r"\s+", "", text[end:end + 4])
        if number.unit not in ("名", "位") and rest.startswith(ORDINAL_NOUNS):
            return because("ordinal_name")
    if re.match(r"\s*(?:" + "|".join(ORDINAL_NOUNS[:5]) + ")", after):
        return because("ordinal_name")
    if claim.lang != "zh-TW" and EN_ORDINAL_NAME.search(before) and number.form is Form.AMOUNT:
        return because("ordinal_name_en")
    if re.match(r"\s*學年", after) and plain:
        return because("school_year")
    if re.match(r"-[A-Za-z]", after):
        return because("compound_word")
    name = NAME_BEFORE.search(text[max(line_start, start - 30):start])
    if name and name.group(1) not in NOT_NAMES and not number.unit.strip() and \
            re.fullmatch(r"\d{1,3}(?:\.0)?", number.text.strip()):
        return because("name_part", name=f"{name.group(1)} {number.text.strip()}")
    if ADDRESS_AFTER.match(after) and number.form is Form.AMOUNT and not number.unit:
        return because("street_address")
    if number.form is Form.AMOUNT and not number.unit and DATE_AFTER.match(after):
        return because("date")
    if number.form is Form.AMOUNT and "." not in number.text and (EN_MONTH_AFTER.match(text[end:end + 12]) or
                                                                  EN_MONTH_BEFORE.search(before)):
        return because("date")
    if number.form is Form.AMOUNT and number.unit and number.unit in DURATION_UNITS and \
            number.unit not in store_units:
        return because("duration", unit=number.unit)
    if number.form is Form.AMOUNT and number.unit and not number.unit.isascii() and store_units and \
            number.unit not in store_units:
        return because("foreign_unit", unit=number.unit)
    return None
