"""What the claim checker says about a figure, in both languages, in one place: the reader of a Chinese text gets
Chinese messages, the reader of an English text English ones.

Every message is a named reason declared once in ``REASONS`` with an English and a Chinese template. The checker
builds a ``Reason`` (``because("level_wrong", right=..., when=..., stated=...)``) with the figures written in the
text's own conventions (1,132.9 萬人次 / 11.33 million); its value as a string is the English message, and
``said(lang)`` renders it in a language from its name and fields, never from its English wording. A field may
itself be a reason (a hint, the verdict an appendix or another table sets aside), rendered in the same language,
or a ``Word`` of the checker's vocabulary (highest, rose), declared in ``WORDS``.
"""

from __future__ import annotations

from collections.abc import Mapping
from string import Formatter
from typing import Any

from citystat.language.conventions import space

ZH = "zh-TW"

REASONS: dict[str, tuple[str, str]] = {
    # name: (en, zh-TW)
    # -- how a verdict is told
    "unverifiable": ("{reason}", "無法查核：{reason}"),
    "not_a_claim": ("not a claim: {reason}", "非統計陳述：{reason}"),
    "then": ("{first}; {then}", "{first}；{then}"),  # a verdict and a hint, a figure and what else it could be
    # -- levels
    "level_agrees": ("{stated} agrees with {value} ({when})", "{stated} 與資料庫之{when} {value} 相符"),
    "level_wrong": ("the store gives {right} for {when}, not {stated}", "資料庫之{when}為 {right}，而非 {stated}"),
    "figure_for": ("{stated} is the figure for {what}", "{stated} 為{what}之數值"),
    "stock_change_fits": ("{stated} is the change in the stock over the period, {value}",
                          "{stated} 為期間存量之變動，{value}"),
    "stock_level_as_flow": ("{stated} is the level at the period end ({when}: {level}), a stock, not what was added "
                            "during the period", "{stated} 為期底存量（{when}: {level}），而非期間新增"),
    "stock_not_flow": ("the store gives {level} at {when}, a stock, not a flow",
                       "資料庫之{when}存量為 {level}，非期間流量"),
    "stock_changed_by": ("the change over the period was {added} ({formula})", "期間變動為 {added} ({formula})"),
    "series_peak": ("the {word} value of the series is {right}", "歷年{word}為 {right}"),
    # -- shares and ranks
    "share_agrees": ("{who}: {right} of the total", "{who}占總計 {right}，相符"),
    "share_wrong": ("{who} is {right} of the total, not {stated}", "{who}占總計 {right}，而非 {stated}"),
    "share_of": ("{stated} is the share of {what}", "{stated} 為{what}之占比"),
    "no_total": ("no total to share", "無可計算占比之總計"),
    "rank_agrees": ("{who} ranks {right}", "{who}排名{right}，相符"),
    "rank_wrong": ("{who} ranks {right}, not {stated}", "{who}排名{right}，而非 {stated}"),
    "no_peers": ("no peers to rank among", "無可供排名之比較對象"),
    "peers_unknown": ("the store does not say how many were ranked", "資料庫未載明參與評比者之數目"),
    "peers_agree": ("{value} were ranked", "參與評比者為 {value}，相符"),
    "peers_wrong": ("{value} were ranked, not {stated}", "參與評比者為 {value}，而非 {stated}"),
    # -- changes
    "change_agrees": ("{stated}: {formula}", "{stated} 正確：{formula}"),
    "change_wrong": ("the store gives {right}, not {stated}", "依資料庫應為「{right}」，而非 {stated}"),
    "implied_base_agrees": ("{stated}: no base is written, and it is right as the change from {base}: {formula}",
                            "{stated} 未寫明基期，以較{base}之變動計算相符：{formula}"),
    "implied_base_unclear": ("the text does not say what {stated} is measured from; from {base} it would be {right}",
                             "文中未說明 {stated} 之比較基期；若較{base}，應為 {right}"),
    "points_of_a_count": ("percentage points are differences of percentages; {what} is not a percentage",
                          "百分點為百分比之差，而{what}非百分比"),
    "multiple_too_coarse": ("{stated} cannot tell the two conventions apart at this precision: 成長 {growth} 倍 "
                            "(A ÷ B − 1) or 係…之 {ratio} 倍 (A ÷ B); write both, to one decimal",
                            "{stated} 在此精確度下無法分辨兩種倍數定義：成長 {growth} 倍（A ÷ B − 1）或係…之 {ratio} 倍"
                            "（A ÷ B）；宜兩者並列，寫至小數一位"),
    "multiple_neither": ("{stated} is neither the ratio ({ratio}) nor the growth multiple ({growth})",
                         "{stated} 既非比值（{ratio}），亦非成長倍數（{growth}）"),
    "multiple_unstated": ("'{stated}' does not say which convention it uses: {readings}",
                          "「{stated}」未說明採何種倍數定義：{readings}"),
    "reading": ("{kind} {formula}", "{kind} {formula}"),  # growth multiple A ÷ B − 1 = 513.6
    "reading_fits": ("{kind} {formula} (fits)", "{kind} {formula}（相符）"),
    "ratio_as_growth": ("{stated} is the ratio A ÷ B ({ratio}); the growth is {growth} 倍",
                        "{stated} 係比值 A ÷ B（{ratio}），成長為 {growth} 倍"),
    "growth_as_ratio": ("{stated} is the growth A ÷ B − 1 ({growth}); the ratio is {ratio}",
                        "{stated} 係成長 A ÷ B − 1（{growth}），比值為 {ratio}"),
    "percent_for_points": ("{stated} is the difference in percentage points ({points}), not a percentage change",
                           "{stated} 為百分點差（{points}），非成長率"),
    "ratio_times_100": ("{stated} is the ratio A ÷ B × 100, not the growth", "{stated} 係比值 A ÷ B × 100，而非成長率"),
    "points_for_percent": ("{stated} is the percentage change ({rate}%), not percentage points",
                           "{stated} 為成長率（{rate}%），非百分點"),
    "wrong_direction": ("the figure moved the other way", "數值之實際變動方向相反"),
    "wrong_base": ("{stated} is the change from {other}, not from {base}", "{stated} 為較{other}之變動，而非較{base}"),
    # -- series
    "threshold_holds": ("the lowest value over the span is {lowest}", "期間最低值為 {lowest}，相符"),
    "threshold_broken": ("the series fell to {lowest}, below {stated}", "期間曾降至 {lowest}，低於 {stated}"),
    "one_period_span": ("a span of one period cannot rise or fall", "單一期間無從上升或下降"),
    "every_period": ("it {word} in every period {start}–{end}", "{start}–{end} 各期均{word}"),
    "not_rising_every": ("it did not rise in every period {start}–{end}: {formula}",
                         "{start}–{end} 並非各期均上升：{formula}"),
    "not_falling_every": ("it did not fall in every period {start}–{end}: {formula}",
                          "{start}–{end} 並非各期均下降：{formula}"),
    "record_of": ("the {word} of {n} values is {right}", "{n} 個數值中{word}為 {right}"),
    "record_is": ("the {word} of the series is {right}", "歷年{word}為 {right}"),
    "too_short_for_record": ("the series is too short to hold a record", "數列過短，無從判斷歷年紀錄"),
    "largest_move_agrees": ("the largest {word} between consecutive periods was in {when}", "歷年最大{word}在 {when}"),
    "largest_move_is": ("the largest {word} was in {when}", "歷年最大{word}在 {when}"),
    "no_such_moves": ("the series has no consecutive periods that moved that way", "數列中無相鄰兩期朝此方向變動"),
    # -- what the store cannot settle
    "cannot_check": ("cannot be checked: {why}; {formula}", "{why}；{formula}"),
    "cannot_check_span": ("cannot be checked: {formula}", "期間內缺值：{formula}"),
    "no_number": ("the store has no number for it", "資料庫無此數值"),
    "marked": ("the store marks it '{status}' ({description})", "資料庫標示為「{status}」（{description}）"),
    "not_resolved": ("not resolved to the store", "無法對應至資料庫之數值"),
    "no_table_named": ("no table in the store is named or carried over for this claim",
                       "文中未提及資料庫中之任何統計表"),
    "no_figure_fits": ("no figure in the tables in view fits this claim ({tables})",
                       "文中所指統計表均無相符之數值（{tables}）"),
    "which_figure": ("the text does not say which figure it means: {figures}", "文中未說明所指為何項數值（{figures}）"),
    "which_period": ("the text does not say which period", "文中未說明期間"),
    "no_base": ("the text does not say what the change is measured from", "文中未說明比較基期"),
    "from_when": ("the text does not say from when", "文中未說明起始期間"),
    "no_figure_for": ("{table} has no figure for {when} ({what})", "{table} 無 {when} 之數值"),
    "fewer_periods": ("{table} has fewer than {n} periods", "{table} 之期數少於 {n}"),
    "no_period_before": ("{table} has no period before {when}", "{table} 無 {when} 之前期"),
    "same_period": ("the change compares a period with itself", "所述變動係以同一期間自相比較"),
    "names_other_tables": ("the sentence names {tables}, not {table}, whose figure it was read as (read so: {read})",
                           "句中所指為 {tables}，而非 {table}（若如此解讀：{read}）"),
    "names_other_area": ("the sentence names {area}, which {table} does not hold; the claim may be about it "
                         "(read as {table}: {read})",
                         "句中提及{area}，而 {table} 無此項；所述可能為{area}之數值（若讀作 {table}：{read}）"),
    "in_back_matter": ("in the appendices or methods, where numbers illustrate definitions and derivations; read as a "
                       "finding it would not hold: {read}",
                       "位於附錄或編製說明，數字係說明定義或推算，非統計發現；若視為統計發現則不成立：{read}"),
    "cell_in_back_matter": ("in the appendices or methods; read as a finding it would not hold: {read}",
                            "位於附錄或編製說明；若視為統計發現則不成立：{read}"),
    # -- the cells of a table in a document
    "table_unmatched": ("no table in the store has this caption or these headers",
                        "資料庫中無標題或欄列名稱相符之統計表"),
    "table_ambiguous": ("the caption and headers fit {first} and {second} alike",
                        "標題與欄列名稱同樣符合 {first} 與 {second}"),
    "table_by_column": ("matched column by column", "逐欄對應"),
    "table_matched": ("matched {table} (release {release}); {wrong} of {cells} cells differ",
                      "對應 {table}（第 {release} 版）；{cells} 格中 {wrong} 格不符"),
    "table_matched_by_column": ("matched {tables} column by column; {wrong} of {cells} cells differ",
                                "逐欄對應 {tables}；{cells} 格中 {wrong} 格不符"),
    "table_not_matched": ("unmatched: {why}", "未對應：{why}"),
    "cell_agrees": ("{table} {key} = {value}", "{table} {key} = {value}"),
    "cell_wrong": ("the table says {stated}; the store has {expected} {unit} for {key}",
                   "表中為 {stated}，資料庫 {key} 為 {expected}{unit}"),
    "cell_no_period": ("the row and column labels name no period of the table", "欄列標題未指明表中之期間"),
    "cell_no_measure": ("the labels '{stub}' / '{column}' name no measure of {table}",
                        "標題「{stub}」／「{column}」未指明 {table} 之統計量"),
    "cell_no_variable": ("the labels name no {variable}", "標題未指明{variable}"),
    "cell_no_value": ("{table} has no value for {key}", "{table} 無 {key} 之數值"),
    "quoted_from_note": ("quoted from the note on {where} of {table}: “{note}”", "引自 {table} 之附註：「{note}」"),
    # -- numbers that are no statistics
    "table_reference": ("a reference to a table, figure, note or page", "引用表、圖、註或頁碼"),
    "list_marker": ("a list or note marker", "項目或附註編號"),
    "time_of_day": ("a time of day", "時刻"),
    "date": ("a date", "日期"),
    "phone_number": ("a phone number", "電話號碼"),
    "web_address": ("part of a web or e-mail address", "網址或電子郵件地址之一部分"),
    "street_address": ("part of an address", "地址之一部分"),
    "ordinal_name": ("an ordinal name (a council, session, level, phase), not a figure",
                     "屆次、會次、等級或階段之序數，非統計數字"),
    "ordinal_name_en": ("an ordinal name (a level, phase, session), not a figure",
                        "等級、階段或會次之序數，非統計數字"),
    "bare_year": ("a year written without 年 beside another year", "與另一年並列之年份"),
    "formula_operand": ("an operand of a worked formula", "計算式中之運算元"),
    "example": ("an example of how numbers are written", "數字寫法之示例"),
    "roc_year": ("a year of the ROC calendar", "民國年份"),
    "rounding_rule": ("a rounding rule", "四捨五入規則"),
    "per_item": ("a figure per room, person or item, which no measure counts", "每間、每人或每件之數量，非任何統計量"),
    "identifier": ("an identifier or a code", "識別碼或代碼"),
    "school_year": ("a school year", "學年度"),
    "compound_word": ("part of a compound word (3-step, 5-year)", "複合詞之一部分"),
    "name_part": ("part of a name ({name})", "名稱之一部分（{name}）"),
    "duration": ("a duration or time ({unit}), which no measure in the store counts",
                 "時間長度（{unit}），非任何統計量"),
    "foreign_unit": ("its unit ({unit}) is the unit of no measure in the store", "其單位（{unit}）非任何統計量之單位"),
}

WORDS: dict[str, str] = {"highest": "最高", "lowest": "最低", "rise": "增幅", "fall": "降幅", "rose": "上升",
                         "fell": "下降", "ratio": "比值", "growth multiple": "成長倍數"}


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(template) if name}


class Word(str):
    """A word of the checker's own vocabulary (highest, rose), declared in ``WORDS`` with its Chinese."""

    def __new__(cls, en: str) -> Word:
        if en not in WORDS:
            raise KeyError(f"{en!r} is not a declared word of the claim checker")
        return super().__new__(cls, en)

    def said(self, lang: str) -> str:
        return WORDS[str(self)] if lang == ZH else str(self)


class Reason(str):
    """A named reason with its fields; as a string it is the English message."""

    name: str
    fields: Mapping[str, object]

    def __new__(cls, name: str, /, **fields: object) -> Reason:
        if name not in REASONS:
            raise KeyError(f"{name!r} is not a declared reason of the claim checker")
        en, zh = REASONS[name]
        wanted = _fields(en) | _fields(zh)
        if set(fields) != wanted:
            raise TypeError(f"reason {name!r} takes the fields {sorted(wanted)}, not {sorted(fields)}")
        self = super().__new__(cls, en.format(**fields))
        self.name = name
        self.fields = dict(fields)
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self.name, dict(self.fields)))

    def said(self, lang: str) -> str:
        """The message in a language (zh-TW or en); Chinese is spaced where it meets digits."""
        return space(self._zh()) if lang == ZH else str(self)

    def _zh(self) -> str:
        values = {key: value._zh() if isinstance(value, Reason) else value.said(ZH) if isinstance(value, Word)
                  else value for key, value in self.fields.items()}
        return REASONS[self.name][1].format(**values)


def _rebuild(name: str, fields: dict[str, object]) -> Reason:
    return Reason(name, **fields)


def because(name: str, /, **fields: object) -> Reason:
    """The reason ``name`` with its fields: ``because("date")``, ``because("fewer_periods", table=..., n=3)``."""
    return Reason(name, **fields)


def reason(text: object, lang: str) -> str:
    """A message in a language: a ``Reason`` rendered from its name and fields, any other text as it is."""
    return text.said(lang) if isinstance(text, Reason) else str(text)
