"""The fixed words of charts and the publication, in both languages.

Everything a reader sees that does not come from a table's metadata is here, so a translation
is one place to review.
"""

from __future__ import annotations

from citystat.model import Text

WORDS: dict[str, Text] = {
    # charts
    "source": Text("資料來源：", "Source: "),
    "notes": Text("附註：", "Notes: "),
    "observed": Text("實際值", "observed"),
    "estimated": Text("推估值", "estimated"),
    "estimated_key": Text("e 推估值", "e estimated"),
    "nil_key": Text("- 無數值或不適用", "- nil or not applicable"),
    "not_available_key": Text(".. 無資料", ".. not available"),
    "unit_prefix": Text("單位：", "Unit: "),
    "value": Text("數值", "Value"),
    "unit": Text("單位", "Unit"),
    "period": Text("期間", "Period"),
    "status": Text("狀態", "Status"),
    "series": Text("項目", "Series"),
    "list_separator": Text("；", "; "),
    "enumeration": Text("、", ", "),
    "colon": Text("：", ": "),
    # publication
    "publisher": Text("citystat 統計資料庫編製", "Compiled with the citystat statistical database"),
    "data_as_of": Text("資料版次截至", "Data as of"),
    "produced": Text("編製日期", "Produced"),
    "contents": Text("目次", "Contents"),
    "key_findings": Text("重要發現", "Key findings"),
    "methods": Text("附錄一　統計方法及編製說明", "Appendix A. Methods and conventions"),
    "data_sources": Text("附錄二　資料來源及版次", "Appendix B. Data sources and releases"),
    "table": Text("表", "Table"),
    "figure": Text("圖", "Figure"),
    "notes_heading": Text("附註", "Notes"),
    "symbols": Text("符號說明", "Symbols"),
    "mandatory": Text("（必要說明）", " (must be shown)"),
    "release": Text("版次", "Release"),
    "content_hash": Text("內容雜湊", "Content hash"),
    "origin": Text("來源", "Origin"),
    "periods": Text("期間", "Periods"),
    "table_id": Text("表號", "Table id"),
    "title": Text("標題", "Title"),
    "sources": Text("資料來源", "Sources"),
    "measure_kinds": Text("統計量之種類", "Kinds of measure"),
    "measure_kinds_intro": Text(
        "每一統計量均標明其性質；同一數值之意義依其性質而定。本刊所用者如下：",
        "Every measure states what kind of number it is; the kinds used in this publication are:",
    ),
    "kind": Text("種類", "Kind"),
    "definition": Text("定義", "Definition"),
    "used_in": Text("使用之統計量", "Used for"),
    "months_in_service": Text("提供服務月數及日數", "Months and days in service"),
    "months_in_service_intro": Text(
        "每月（每日）平均 = 期間累計 ÷ 當期提供服務之月（日）數，四捨五入至統計量之小數位數。"
        "服務未滿整期之期間如下，其餘期間以全期計算：",
        "A monthly (daily) average is the period's total divided by the months (days) the service ran in "
        "that period, rounded half up to the measure's decimals. Periods in which a service ran for less "
        "than the whole period:",
    ),
    "months_in_service_none": Text("各平均數均以全期計算。", "Every average covers whole periods."),
    "derived_values": Text("推估值之計算", "How derived values were computed"),
    "derived_values_intro": Text(
        "來源僅公布比值或增減時，本刊以公布之數值推算，並標示為推估值（e）：",
        "Where the source publishes only a ratio or a change, the value was computed from it and is "
        "flagged as an estimate (e):",
    ),
    "derived_cell": Text("推估之數值", "Derived value"),
    "computation": Text("計算", "Computation"),
    "explanation": Text("說明", "Explanation"),
    "conventions": Text("用語及數字寫法", "Conventions of wording and numbers"),
    "status_symbols": Text("統計符號", "Status symbols"),
    "narratives_generated": Text(
        "本刊文字敘述由統計資料庫之數值依規則產生。",
        "The text of this publication is generated from the numbers in the database by rules.",
    ),
    "language_switch": Text("English version", "中文版"),
    "page": Text("第 {page} 頁", "Page {page}"),
    "no_chart": Text("（無圖）", "(no chart)"),
    "interactive_hint": Text(
        "圖可互動：滑鼠移至圖形可見數值、單位、期間及狀態。",
        "Charts are interactive: hover over a mark to see its value, unit, period and status.",
    ),
}


def word(key: str, lang: str) -> str:
    return WORDS[key].get(lang)
