"""What the claim checker says about a figure, in both languages, in one place: the reader of a Chinese text gets
Chinese messages, the reader of an English text English ones. Each message is a template with named fields; the
checker fills it with the figures written in the text's own conventions (1,132.9 萬人次 / 11.33 million).
"""

from __future__ import annotations

import re

from citystat.language.conventions import space

MESSAGES: dict[str, tuple[str, str]] = {
    # name: (en, zh-TW)
    "level_agrees": ("{stated} agrees with {value} ({when})", "{stated} 與資料庫之{when} {value} 相符"),
    "level_wrong": ("the store gives {right} for {when}, not {stated}", "資料庫之{when}為 {right}，而非 {stated}"),
    "change_agrees": ("{stated}: {formula}", "{stated} 正確：{formula}"),
    "change_wrong": ("the store gives {right}, not {stated}", "依資料庫應為「{right}」，而非 {stated}"),
    "share_agrees": ("{who}: {right} of the total", "{who}占總計 {right}，相符"),
    "share_wrong": ("{who} is {right} of the total, not {stated}", "{who}占總計 {right}，而非 {stated}"),
    "rank_agrees": ("{who} ranks {right}", "{who}排名{right}，相符"),
    "rank_wrong": ("{who} ranks {right}, not {stated}", "{who}排名{right}，而非 {stated}"),
    "unverifiable": ("{reason}", "無法查核：{reason}"),
    "not_a_claim": ("not a claim: {reason}", "非統計陳述：{reason}"),
}

REASONS: dict[str, str] = {
    # the reasons a number is not a claim or cannot be checked, English as the checker states them, and Chinese
    "a reference to a table, figure, note or page": "引用表、圖、註或頁碼",
    "a list or note marker": "項目或附註編號",
    "a time of day": "時刻",
    "a date": "日期",
    "a phone number": "電話號碼",
    "part of a web or e-mail address": "網址或電子郵件地址之一部分",
    "part of an address": "地址之一部分",
    "an ordinal name (a council, session, level, phase), not a figure": "屆次、會次、等級或階段之序數，非統計數字",
    "an ordinal name (a level, phase, session), not a figure": "等級、階段或會次之序數，非統計數字",
    "a year written without 年 beside another year": "與另一年並列之年份",
    "an operand of a worked formula": "計算式中之運算元",
    "an example of how numbers are written": "數字寫法之示例",
    "a year of the ROC calendar": "民國年份",
    "a rounding rule": "四捨五入規則",
    "a figure per room, person or item, which no measure counts": "每間、每人或每件之數量，非任何統計量",
    "an identifier or a code": "識別碼或代碼",
    "no table in the store is named or carried over for this claim": "文中未提及資料庫中之任何統計表",
    "no figure in the tables in view fits this claim": "文中所指統計表均無相符之數值",
    "the text does not say which period": "文中未說明期間",
    "the text does not say which figure it means": "文中未說明所指為何項數值",
    "the text does not say what the change is measured from": "文中未說明比較基期",
    "the text does not say from when": "文中未說明起始期間",
}


WORDS = {"highest": "最高", "lowest": "最低", "rise": "增幅", "fall": "降幅", "rose": "上升", "fell": "下降"}
PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^(\S+) has no figure for (.+?) \((.+)\)$"), "{0} 無 {1} 之數值"),
    (re.compile(r"^(\S+) has fewer than (\d+) periods$"), "{0} 之期數少於 {1}"),
    (re.compile(r"^(\S+) has no period before (.+)$"), "{0} 無 {1} 之前期"),
    (re.compile(r"^the sentence names (.+?), which (\S+) does not hold"),
     "句中提及{0}，而 {1} 無此項；所述可能為{0}之數值"),
    (re.compile(r"^the sentence names (.+?), not (\S+), whose figure"), "句中所指為 {0}，而非 {1}"),
    (re.compile(r"^in the appendices or methods"), "位於附錄或編製說明，數字係說明定義或推算，非統計發現"),
    (re.compile(r"^its unit \((.+?)\) is the unit of no measure"), "其單位（{0}）非任何統計量之單位"),
    (re.compile(r"^a duration or time \((.+?)\)"), "時間長度（{0}），非任何統計量"),
    (re.compile(r"^part of a name \((.+?)\)"), "名稱之一部分（{0}）"),
    (re.compile(r"^part of a compound word"), "複合詞之一部分"),
    (re.compile(r"^a school year"), "學年度"),
    (re.compile(r"^quoted from the note on (.+?) of (\S+)"), "引自 {1} 之附註"),
    (re.compile(r"^(.+?) is the figure for (.+)$"), "{0} 為{1}之數值"),
    (re.compile(r"^(.+?) is the share of (.+)$"), "{0} 為{1}之占比"),
    (re.compile(r"^(.+?) is the ratio A ÷ B \((.+?)\); the growth is (.+)$"), "{0} 係比值 A ÷ B（{1}），成長為 {2}"),
    (re.compile(r"^(.+?) is the growth A ÷ B − 1 \((.+?)\); the ratio is (.+)$"),
     "{0} 係成長 A ÷ B − 1（{1}），比值為 {2}"),
    (re.compile(r"^(.+?) is the difference in percentage points \((.+?)\), not a percentage change$"),
     "{0} 為百分點差（{1}），非成長率"),
    (re.compile(r"^(.+?) is the percentage change \((.+?)\), not percentage points$"), "{0} 為成長率（{1}），非百分點"),
    (re.compile(r"^(.+?) is the change from (.+?), not from (.+)$"), "{0} 為較{1}之變動，而非較{2}"),
    (re.compile(r"^(.+?) is neither the ratio \((.+?)\) nor the growth multiple \((.+?)\)$"),
     "{0} 既非比值（{1}），亦非成長倍數（{2}）"),
    (re.compile(r"^'(.+?)' does not say which convention it uses: (.+)$"), "「{0}」未說明採何種倍數定義：{1}"),
    (re.compile(r"^(.+?) is the ratio A ÷ B × 100, not the growth$"), "{0} 係比值 A ÷ B × 100，而非成長率"),
    (re.compile(r"^the highest of (\d+) values is (.+)$"), "{0} 個數值中最高為 {1}"),
    (re.compile(r"^the lowest of (\d+) values is (.+)$"), "{0} 個數值中最低為 {1}"),
    (re.compile(r"^the (highest|lowest) (?:value )?of the series is (.+)$"), "歷年{0}為 {1}"),
    (re.compile(r"^the largest (rise|fall) between consecutive periods was in (.+)$"), "歷年最大{0}在 {1}"),
    (re.compile(r"^the largest (rise|fall) was in (.+)$"), "歷年最大{0}在 {1}"),
    (re.compile(r"^(.+?): no base is written, and it is right as the change from (.+?): (.+)$"),
     "{0} 未寫明基期，以較{1}之變動計算相符：{2}"),
    (re.compile(r"^the text does not say what (.+?) is measured from; from (.+?) it would be (.+)$"),
     "文中未說明 {0} 之比較基期；若較{1}，應為 {2}"),
    (re.compile(r"^the lowest value over the span is (.+)$"), "期間最低值為 {0}，相符"),
    (re.compile(r"^the series fell to (.+?), below (.+)$"), "期間曾降至 {0}，低於 {1}"),
    (re.compile(r"^it (rose|fell) in every period (.+)$"), "{1} 各期均{0}"),
    (re.compile(r"^(.+?) is the level at the period end \((.+?)\), a stock, not what was added during the period(.*)$"),
     "{0} 為期底存量（{1}），而非期間新增{2}"),
    (re.compile(r"^the store gives (.+?) at (.+?), a stock, not a flow(.*)$"), "資料庫之{1}存量為 {0}，非期間流量{2}"),
    (re.compile(r"^(.+?) is the change in the stock over the period, (.+)$"), "{0} 為期間存量之變動，{1}"),
    (re.compile(r"^(.+?) were ranked, not (.+)$"), "參與評比者為 {0}，而非 {1}"),
    (re.compile(r"^(.+?) were ranked$"), "參與評比者為 {0}，相符"),
    (re.compile(r"^(.+?) cannot tell the two conventions apart at this precision: (.+)$"),
     "{0} 在此精確度下無法分辨兩種倍數定義：{1}"),
]


def say(name: str, lang: str, **fields: object) -> str:
    """A message in a language (zh-TW or en), filled in; Chinese is spaced where it meets digits."""
    en, zh = MESSAGES[name]
    if lang == "zh-TW":
        return space(zh.format(**{k: reason(v, lang) if k == "reason" else v for k, v in fields.items()}))
    return en.format(**fields)


def reason(text: object, lang: str) -> str:
    """A reason in the text's language: the known ones by their English wording (the start of it), others as
    they are."""
    words = str(text)
    if lang != "zh-TW":
        return words
    for en, zh in REASONS.items():
        if words.startswith(en):
            rest = words[len(en):].strip(" :;")
            return f"{zh}（{rest}）" if rest else zh
    for pattern, template in PATTERNS:
        m = pattern.match(words)
        if m:
            groups = [WORDS.get(g, g) for g in m.groups()]
            return space(template.format(*groups).replace("; the change over the period was", "；期間變動為"))
    return words
