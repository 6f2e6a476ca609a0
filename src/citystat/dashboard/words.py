"""The fixed words of the dashboard, in both languages; everything else a page shows comes from the data.

One place to review a translation. Words the charts and the publication already have (status, unit, period,
notes, source ...) are taken from ``citystat.publish.words`` so that the two never disagree.
"""

from __future__ import annotations

from citystat.model import Text
from citystat.publish.words import WORDS as PUBLICATION_WORDS

WORDS: dict[str, Text] = {
    "site_tagline": Text("citystat 統計資料庫", "citystat statistical database"),
    "skip_to_content": Text("跳至主要內容", "Skip to main content"),
    "main_navigation": Text("主選單", "Main navigation"),
    "home": Text("首頁", "Home"),
    "publication": Text("統計刊物", "Publication"),
    "api": Text("API", "API"),
    "api_title": Text("統計 API（PxWeb API 2.0）", "Statistics API (PxWeb API 2.0)"),
    "api_lead": Text(
        "本站之統計亦以 PxWeb API 2.0 提供，既有之 PxWeb 用戶端（如 pxwebpy、R 之 pxweb 套件）可直接讀取；"
        "格式有 JSON-stat 2.0、CSV、XLSX、PX、json-px 及 Parquet，lang=zh-TW 或 en。",
        "The statistics of this site are also served through the PxWeb API 2.0, which existing PxWeb clients "
        "(pxwebpy, the R pxweb package) read unchanged, as JSON-stat 2.0, CSV, XLSX, PX, json-px or Parquet, "
        "with lang=zh-TW or en."),
    "api_root": Text("API 根網址", "API root"),
    "api_endpoint_config": Text("設定（語言、資料格數上限、格式）", "Configuration (languages, cell limit, formats)"),
    "api_endpoint_tables": Text("統計表清單", "The list of tables"),
    "api_endpoint_openapi": Text("OpenAPI 描述", "OpenAPI description"),
    "api_docs": Text("互動式 API 文件（Swagger UI）", "Interactive API documentation (Swagger UI)"),
    "api_tables": Text("各表之 API 網址", "Each table's API URLs"),
    "api_table_info": Text("表之說明", "Table"),
    "api_table_metadata": Text("詮釋資料", "Metadata"),
    "api_table_data": Text("資料", "Data"),
    "this_page_as_json": Text("本頁資料（JSON）", "This page as JSON"),
    "switch_language": Text("English", "中文"),
    "switch_language_label": Text("Switch to English", "切換至中文"),
    "breadcrumb": Text("頁面位置", "Breadcrumb"),
    "key_findings": PUBLICATION_WORDS["key_findings"],
    "services": Text("各項服務", "Services"),
    "latest": Text("最新數值", "Latest figure"),
    "sparkline_label": Text("{label}，{first}至{last}之走勢", "{label}, {first} to {last}"),
    "sparkline_estimated": Text("；空心點為推估值", "; hollow points are estimates"),
    "sparkline_single": Text("{label}，僅有 {period} 一期資料", "{label}, {period} only"),
    "tables_of_service": Text("統計表", "Tables"),
    "periods": Text("期間", "Periods"),
    "narrative": Text("說明", "What the figures say"),
    "chart": Text("圖", "Chart"),
    "district_map": Text("行政區地圖", "District map"),
    "chart_hint": PUBLICATION_WORDS["interactive_hint"],
    "chart_needs_script": Text("互動圖需要 JavaScript；數值見下方統計表。",
                               "The interactive chart needs JavaScript; the figures are in the table below."),
    "data": Text("統計表", "Data"),
    "chart_omitted": Text("本表共 {cells:,} 格，過多而不繪製圖表；請分頁瀏覽統計表或下載資料。",
                          "This table has {cells:,} cells, too many to draw; page through the data or download it."),
    "data_pages": Text("統計表分頁", "Pages of the data"),
    "rows_shown": Text("第 {first}–{last} 列，共 {rows} 列（第 {page}／{pages} 頁）",
                       "Rows {first}–{last} of {rows} (page {page} of {pages})"),
    "first_page": Text("第一頁", "First page"),
    "previous_page": Text("上一頁", "Previous page"),
    "next_page": Text("下一頁", "Next page"),
    "last_page": Text("最末頁", "Last page"),
    "table_scroll": Text("統計表（可左右捲動）", "Data table (scrolls sideways)"),
    "symbols": PUBLICATION_WORDS["symbols"],
    "notes": PUBLICATION_WORDS["notes_heading"],
    "mandatory": PUBLICATION_WORDS["mandatory"],
    "sources": PUBLICATION_WORDS["sources"],
    "release": PUBLICATION_WORDS["release"],
    "release_in_use": Text("使用之版次", "Release in use"),
    "release_line": Text("第 {release} 版，載入於 {loaded}（{origin}）",
                         "Release {release}, loaded {loaded} ({origin})"),
    "release_notice": Text("您正在檢視第 {release} 版；最新為第 {latest} 版。",
                           "You are looking at release {release}; the latest is release {latest}."),
    "release_back": Text("回到最新版次", "Back to the latest release"),
    "release_choose": Text("檢視其他版次", "View another release"),
    "release_option": Text("第 {release} 版（{loaded}）", "Release {release} ({loaded})"),
    "release_show": Text("檢視", "Show"),
    "content_hash": PUBLICATION_WORDS["content_hash"],
    "downloads": Text("下載資料", "Download the data"),
    "download_as": Text("下載 {format}", "Download {format}"),
    "api_url": Text("相同資料之 API 網址", "The API URL of the same data"),
    "api_url_hint": Text("PxWeb API 2.0；可改用 outputFormat=csv、xlsx 或 px。",
                         "PxWeb API 2.0; outputFormat=csv, xlsx or px give the other formats."),
    "save_heading": Text("儲存此查詢", "Save this selection"),
    "save_lead": Text("儲存後可分享連結，或由程式定期以 API 取得同一查詢之最新資料。",
                      "A saved selection is a link to share, and an API address that scheduled downloads can "
                      "read for the latest data of the same query."),
    "save_periods": Text("期間", "Periods"),
    "save_all_periods": Text("全部期間", "All periods"),
    "save_latest_periods": Text("最近 {n} 期（隨新版次更新）", "The latest {n} (follows new releases)"),
    "save_pin": Text("固定於第 {release} 版", "Pin to release {release}"),
    "save_format": Text("格式", "Format"),
    "save_button": Text("儲存查詢", "Save the selection"),
    "saved_heading": Text("已儲存之查詢", "Saved selection"),
    "saved_link": Text("分享連結", "Link to share"),
    "saved_api": Text("API 網址", "API URL"),
    "saved_data": Text("資料", "Data"),
    "not_found": Text("找不到頁面", "Page not found"),
    "bad_request": Text("無法處理之請求", "Bad request"),
    "error_back": Text("回到首頁", "Back to the home page"),
    "data_as_of": PUBLICATION_WORDS["data_as_of"],
    "footer_source": Text("資料來源：{government}各機關；由 citystat 統計資料庫編製，每一數字均可追溯至其版次。",
                          "Sources: {government} agencies; compiled with the citystat statistical "
                          "database, every figure traceable to its release."),
    "no_figure": Text("尚無數值", "No figure yet"),
    "no_tables": Text("資料庫尚無統計表；請先執行 citystat build。",
                      "The database has no tables yet; run citystat build."),
    "colon": PUBLICATION_WORDS["colon"],
}


def word(key: str, lang: str, **values: object) -> str:
    text = WORDS[key].get(lang)
    return text.format(**values) if values else text
