"""Documents as agencies publish them: each reader (text, Big5, Markdown, HTML, DOCX, PDF) gives one block model
with positions, the layout work is done (wrapped lines joined, furniture and contents dropped, tables kept as
cells), bad input is refused with the reason, and numbers that are not statistics are not claims."""

from __future__ import annotations

import io
import json
from pathlib import Path

import docx
import pytest
from pypdf import PdfWriter
from typer.testing import CliRunner

from citystat.claims import Checker
from citystat.claims.document import check_document
from citystat.claims.model import Status
from citystat.cli import app
from citystat.documents import BlockKind, DocumentError, read_document
from citystat.store import Store


def _kinds(document: object) -> list[tuple[str, str]]:
    return [(b.kind.value, b.text) for b in document.blocks]  # type: ignore[attr-defined]


def test_text_joins_wrapped_lines_drops_furniture_and_keeps_table_cells() -> None:
    text = ("臺北市智慧城市統計\n"
            "目次\n重要發現......3\n表 1 使用人次......4\n\n"
            "臺北公眾區免費無線上網 110 年使用人次\n達 13,594.4 萬人次，較上年成長\n11.8%。\n\n"
            "表 1 臺北公眾區免費無線上網使用人次\n單位：人次\n"
            "年別\t全年使用人次\t每月平均使用人次\n"
            "109 年\t121,554,733\t10,129,561\n"
            "110 年\t135,943,532\t11,328,628\n"
            "第 1 頁\n\f臺北市智慧城市統計\n本市 Wi-Fi use rose\nin 2021.\n第 2 頁\n")
    document = read_document(text.encode("utf-8"), "bulletin.txt")
    kinds = _kinds(document)
    assert ("paragraph", "臺北公眾區免費無線上網 110 年使用人次達 13,594.4 萬人次，較上年成長11.8%。") in kinds
    assert ("paragraph", "本市 Wi-Fi use rose in 2021.") in kinds
    assert [k for k, t in kinds if t.startswith("第")] == ["page_number", "page_number"]
    assert [k for k, t in kinds if t == "臺北市智慧城市統計"] == ["header", "header"]
    assert {k for k, t in kinds if "......" in t or t == "目次"} == {"contents"}
    table = document.tables()[0]
    assert table.caption == "表 1 臺北公眾區免費無線上網使用人次 單位：人次"
    assert [c.text for c in table.rows[-1]] == ["110 年", "135,943,532", "11,328,628"]
    assert table.rows[0][0].header


def test_big5_text_is_read() -> None:
    document = read_document("臺北酷課雲 110 年瀏覽人次 4,602.5 萬人次。\n".encode("cp950"), "big5.txt")
    assert document.blocks[0].text == "臺北酷課雲 110 年瀏覽人次 4,602.5 萬人次。"


def test_markdown_headings_lists_and_tables() -> None:
    text = ("# 臺北酷課雲\n\n- 線上課程 17.8 萬門\n\n表 2 課程\n\n"
            "| 年別 | 線上課程數 |\n|---|---|\n| 110 年底 | 178,203 |\n")
    document = read_document(text.encode(), "note.md")
    assert _kinds(document)[:2] == [("heading", "臺北酷課雲"), ("list_item", "線上課程 17.8 萬門")]
    table = document.tables()[0]
    assert table.caption == "表 2 課程" and [c.text for c in table.rows[1]] == ["110 年底", "178,203"]


HTML = """<!doctype html><html><head><meta charset="big5"><title>t</title><script>var x = 2021;</script></head>
<body><nav class="toc"><h2>目次</h2><ol><li>表 1 ... 4</li></ol></nav>
<h1>臺北酷課雲</h1><p>110 年瀏覽人次 4,602.5 萬人次<sup>1</sup>，較上年成長 <b>2.4%</b>。</p>
<table><caption>表 1 臺北酷課雲線上課程數及瀏覽人次<span class="table-subtitle">110 年</span></caption>
<thead><tr><th>項目</th><th>瀏覽人次（人次）</th></tr></thead><tbody><tr><th>110 年</th><td>46,024,612</td></tr>
</tbody></table><p class="note">註：1. 包含直播。</p></body></html>"""


def test_html_blocks_with_element_paths_and_tables() -> None:
    document = read_document(HTML.encode("cp950"), "page.html")
    kinds = _kinds(document)
    assert ("paragraph", "110 年瀏覽人次 4,602.5 萬人次，較上年成長 2.4%。") in kinds  # the note marker is gone
    assert ("contents", "目次") in kinds and not any("2021" in t for _, t in kinds)
    paragraph = next(b for b in document.blocks if b.kind is BlockKind.PARAGRAPH)
    assert paragraph.path.startswith("/html/body/p")
    table = document.tables()[0]
    assert table.caption == "表 1 臺北酷課雲線上課程數及瀏覽人次 110 年"
    assert [c.text for c in table.rows[1]] == ["110 年", "46,024,612"]


def test_docx_paragraphs_by_style_and_tables(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_heading("臺北酷課雲", level=1)
    document.add_paragraph("110 年瀏覽人次 4,602.5 萬人次。")
    document.add_paragraph("表 1 臺北酷課雲瀏覽人次")
    grid = document.add_table(rows=2, cols=2)
    for r, row in enumerate((("年別", "瀏覽人次"), ("110 年", "46,024,612"))):
        for c, text in enumerate(row):
            grid.cell(r, c).text = text
    buffer = io.BytesIO()
    document.save(buffer)
    read = read_document(buffer.getvalue(), "note.docx")
    assert _kinds(read)[:2] == [("heading", "臺北酷課雲"), ("paragraph", "110 年瀏覽人次 4,602.5 萬人次。")]
    assert read.blocks[1].path == "paragraph 2"
    table = read.tables()[0]
    assert table.caption == "表 1 臺北酷課雲瀏覽人次" and table.path == "table 1"
    assert [c.text for c in table.rows[1]] == ["110 年", "46,024,612"]


def _pdf(html: str) -> bytes:
    from weasyprint import HTML as Page
    return Page(string=html).write_pdf()  # type: ignore[no-any-return]


@pytest.mark.slow
def test_pdf_lines_join_into_paragraphs_with_boxes_and_tables_keep_their_cells() -> None:
    body = "臺北公眾區免費無線上網 110 年使用人次達 13,594.4 萬人次，較上年成長 11.8%，" * 6
    data = _pdf(f"""<html><head><style>@page {{ size: A4; margin: 2cm;
        @bottom-center {{ content: "第 " counter(page) " 頁"; }} }} body {{ font-family: 'Noto Sans CJK TC'; }}
        td {{ padding: 0 1.5em; }}</style></head><body>
        <h1>臺北公眾區免費無線上網</h1><p>{body}</p>
        <p>表 1 使用人次</p><table><tr><th>年別</th><th>全年使用人次</th></tr>
        <tr><td>109 年</td><td>121,554,733</td></tr><tr><td>110 年</td><td>135,943,532</td></tr></table>
        </body></html>""")
    document = read_document(data, "bulletin.pdf")
    paragraph = next(b for b in document.blocks if b.kind is BlockKind.PARAGRAPH and "13,594.4" in b.text)
    assert paragraph.text.replace(" ", "") == body.replace(" ", "")  # six lines, one paragraph
    assert paragraph.page == 1 and paragraph.boxes and len(paragraph.boxes) == len(paragraph.text)
    start = paragraph.text.index("13,594.4")
    boxes = paragraph.span_boxes(start, start + 8)
    assert len(boxes) == 1 and boxes[0][2] > boxes[0][0]
    assert any(b.kind is BlockKind.PAGE_NUMBER and b.text.replace(" ", "") == "第1頁" for b in document.blocks)
    table = document.tables()[0]
    assert table.caption == "表 1 使用人次"
    assert [c.text for c in table.rows[-1]] == ["110 年", "135,943,532"]


def test_unreadable_documents_are_refused_with_the_reason() -> None:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    blank = io.BytesIO()
    writer.write(blank)
    with pytest.raises(DocumentError, match="no text layer"):
        read_document(blank.getvalue(), "scan.pdf")
    writer.encrypt("secret")
    locked = io.BytesIO()
    writer.write(locked)
    with pytest.raises(DocumentError, match="encrypted"):
        read_document(locked.getvalue(), "locked.pdf")
    with pytest.raises(DocumentError, match="not a Word document"):
        read_document(b"not a zip at all", "report.docx")
    with pytest.raises(DocumentError, match="'x-klingon'.*not a known encoding"):
        read_document(b'<html><head><meta charset="x-klingon"></head><body>hi</body></html>', "page.html")


def _blank_pdf(password: str | None = None) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    if password:
        writer.encrypt(password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize("name, data, why", [
    ("report.docx", b"plain text, not a zip", "zip"),
    ("scan.pdf", None, "no text layer"),
    ("locked.pdf", b"locked", "encrypted"),
    ("page.html", b'<html><head><meta charset="x-klingon"></head><body>1</body></html>', "x-klingon"),
])
def test_the_cli_exits_2_naming_the_file_and_the_reason(built_db: Path, tmp_path: Path, name: str,
                                                          data: bytes | None, why: str) -> None:
    if name.endswith(".pdf"):
        data = _blank_pdf("secret" if data else None)
    path = tmp_path / name
    assert data is not None
    path.write_bytes(data)
    result = CliRunner().invoke(app, ["check", str(path), "--db", str(built_db)])
    assert result.exit_code == 2
    assert name in result.output and why in result.output


@pytest.fixture(scope="module")
def checker(built_db: Path) -> Checker:
    with Store(built_db, read_only=True) as store:
        return Checker(store.latest())


@pytest.mark.parametrize("text, number, why", [
    ("110 年臺北酷課雲瀏覽人次 4,602.5 萬人次（表 1、圖 2）。", "2", "reference"),
    ("臺北酷課雲直播教室於上午 9:30 開放。", "9", "time of day"),
    ("因應疫情警戒第三級，臺北酷課雲 110 年瀏覽人次 4,602.5 萬人次。", "第三", "ordinal"),
    ("資料來源：臺北市議會第 13 屆第 6 次定期大會市政總質詢。", "第 13", "ordinal"),
    ("臺北酷課雲直播教室每間上限 250 人。", "250 人", "per room"),
    ("臺北酷課雲直播教室每間教室上限 250 人。", "250 人", "per room"),
    ("說明：1. 臺北公眾區免費無線上網 110 年使用人次 13,594.4 萬人次。", "1", "marker"),
    ("洽詢電話 (02)2720-8889。", "2720", "phone"),
    ("詳見 https://data.taipei/dataset/123 。", "123", "web"),
    ("臺北市信義區市府路 1 號 5 樓。", "5", "address"),
    ("Data as of 7 December 2026.", "7", "date"),
    ("萬 = 10⁴；如 12,345,678 寫作 1,234.6 萬。", "1,234.6 萬", "example"),
])
def test_numbers_that_are_not_statistics_are_not_claims(checker: Checker, text: str, number: str, why: str) -> None:
    report = checker.check(text)
    verdict = next(v for v in report.verdicts if v.claim.text == number)
    assert verdict.status is Status.NOT_A_CLAIM and why in verdict.message
    assert report.ok


@pytest.mark.parametrize("text", [
    "110 年臺北市政府智慧支付平台繳費張數以停車（場）費占 93.1% 最多。",
    "110 年底 4U 綠能共享交通共享電動汽車 1,450 輛、共享電動機車 1 萬 4,088 輛。",
    "臺北市政府智慧支付平台 110 年繳費金額高於 29 億元。",
])
def test_category_names_noun_lists_and_bounds_read_as_written(checker: Checker, text: str) -> None:
    report = checker.check(text)
    numbers = [v for v in report.verdicts if v.claim.number is not None]
    assert numbers and all(v.status is Status.CORRECT for v in numbers), [(v.claim.text, v.message) for v in numbers]


def test_a_document_table_is_verified_cell_by_cell(checker: Checker) -> None:
    html = HTML.replace("46,024,612", "46,024,621").replace('charset="big5"', 'charset="utf-8"')
    report = check_document(read_document(html.encode(), "page.html"), checker)
    table = report.tables[0]
    assert table.table == "cooc_cloud"
    [cell] = table.cells
    assert cell.status is Status.WRONG and cell.row_label == "110 年" and "46,024,612" in cell.message
    assert not report.ok
    answer = json.loads(json.dumps(report.to_dict(), ensure_ascii=False, default=str))
    assert answer["tables"][0]["differ"][0]["text"] == "46,024,621"
    release = table.release
    assert table.summary == answer["tables"][0]["said"] == f"對應 cooc_cloud（第 {release} 版）；1 格中 1 格不符"


@pytest.mark.slow
def test_the_cli_marks_a_pdf_in_json_html_and_a_highlighted_copy(built_db: Path, tmp_path: Path) -> None:
    path = tmp_path / "bulletin.pdf"
    path.write_bytes(_pdf("""<html><body style="font-family: 'Noto Sans CJK TC'">
        <p>臺北酷課雲 110 年底線上課程 18.7 萬門，較 109 年底成長 1.3 倍（表 1）。</p></body></html>"""))
    result = CliRunner().invoke(app, ["check", str(path), "--db", str(built_db), "--format", "json"])
    assert result.exit_code == 1
    answer = json.loads(result.output)
    wrong = [c for c in answer["claims"] if c["verdict"] == "wrong"]
    assert [c["text"] for c in wrong] == ["18.7 萬門"] and wrong[0]["page"] == 1 and len(wrong[0]["boxes"]) == 1
    assert "17.8 萬門" in wrong[0]["said"] and "資料庫" in wrong[0]["said"]  # in the text's language
    page = tmp_path / "marked.html"
    assert CliRunner().invoke(app, ["check", str(path), "--db", str(built_db), "--format", "html", "-o",
                                    str(page)]).exit_code == 1
    assert '<mark class="wrong"' in page.read_text(encoding="utf-8")
    marked = tmp_path / "marked.pdf"
    assert CliRunner().invoke(app, ["check", str(path), "--db", str(built_db), "--format", "pdf", "-o",
                                    str(marked)]).exit_code == 1
    from pypdf import PdfReader
    notes = [a.get_object() for a in PdfReader(marked).pages[0]["/Annots"]]
    flagged = [n for n in notes if str(n["/Contents"]).startswith("wrong")]
    assert len(flagged) == 1 and flagged[0]["/Subtype"] == "/Highlight"
    x0, y0, x1, y1 = (float(v) for v in flagged[0]["/Rect"])
    box = wrong[0]["boxes"][0]
    assert abs(x0 - box[0]) < 1 and abs(x1 - box[2]) < 1


def test_a_table_of_several_services_is_matched_column_by_column(checker: Checker) -> None:
    text = ("表 1　臺北市智慧服務使用人次\n單位：萬人次\n"
            "年別\t臺北公眾區免費無線上網\t臺北酷課雲瀏覽人次\n"
            "109 年\t12,155.5\t1,929.3\n110 年\t13,594.4\t4,602.5\n")
    report = check_document(read_document(text.encode(), "bulletin.txt"), checker)
    [table] = report.tables
    assert set(table.table.split(", ")) == {"cooc_cloud", "taipei_free_usage"}  # type: ignore[union-attr]
    verdicts = {c.text: c for c in table.cells}
    assert [t for t, c in verdicts.items() if c.status is Status.WRONG] == ["1,929.3"]
    assert verdicts["1,929.3"].expected == "1,928.9萬" and verdicts["1,929.3"].row_label == "109 年"
    assert all(c.status is Status.CORRECT for t, c in verdicts.items() if t != "1,929.3")
    assert table.summary.startswith("逐欄對應 ") and table.summary.endswith("格中 1 格不符")


def test_a_table_no_stored_table_fits_says_so_in_the_documents_language(checker: Checker) -> None:
    for text, said in (("表 1　本市公園面積\n年別\t面積\n110 年\t12.5\n",
                        "未對應：資料庫中無標題或欄列名稱相符之統計表"),
                       ("Table 1 Park area\nYear\tArea\n2021\t12.5\n",
                        "unmatched: no table in the store has this caption or these headers")):
        [table] = check_document(read_document(text.encode(), "bulletin.txt"), checker).tables
        assert table.table is None and table.summary == said


@pytest.mark.parametrize("word, status", [("逾", Status.CORRECT), ("高於", Status.CORRECT), ("超過", Status.CORRECT),
                                          ("不到", Status.WRONG), ("低於", Status.WRONG)])
def test_bounds_read_from_the_shared_qualifiers(checker: Checker, word: str, status: Status) -> None:
    """高於 1,000 萬人次 means what 逾 1,000 萬人次 means (citystat.language.conventions.QUALIFIERS)."""
    text = f"臺北公眾區免費無線上網 110 年每月平均使用人次{word} 1,000 萬人次。"
    [verdict] = checker.check(text).verdicts
    assert verdict.status is status


def test_a_figure_of_another_table_than_the_one_named_is_not_called_wrong(checker: Checker) -> None:
    """臺北酷課雲 is named, 每月平均瀏覽人次 is a measure only the citizen platform has: the claim is CooC-Cloud's page
    views a month (4,602.5 萬 ÷ 12), which no table holds; it is unverifiable, not the platform's figure gone wrong."""
    [verdict] = checker.check("臺北酷課雲 110 年每月平均瀏覽人次 383.5 萬人次。").verdicts
    assert verdict.status is Status.UNVERIFIABLE and "cooc_cloud" in verdict.message


def test_a_web_pages_header_menus_and_footer_are_furniture() -> None:
    page = """<html><head><meta charset="utf-8"></head><body>
        <header role="banner"><ul class="menu"><li>首頁</li><li>2024 年報</li></ul></header>
        <div class="breadcrumb">首頁 > 新聞 > 第 12 則</div>
        <main><h1>臺北酷課雲</h1><p>110 年瀏覽人次 4,602.5 萬人次。</p></main>
        <footer>臺北市信義區市府路 1 號　電話 1999</footer></body></html>"""
    document = read_document(page.encode(), "news.html")
    assert [b.text for b in document.read_blocks()] == ["臺北酷課雲", "110 年瀏覽人次 4,602.5 萬人次。"]
    assert {b.kind for b in document.blocks} - {BlockKind.HEADING, BlockKind.PARAGRAPH} == {BlockKind.HEADER}


def test_every_verdict_on_a_chinese_text_is_told_in_chinese(checker: Checker) -> None:
    import re

    texts = sorted((Path(__file__).parent / "claims").glob("*_zh.txt"))
    said = [v.in_language for p in texts for v in checker.check(p.read_text(encoding="utf-8"), "zh-TW").verdicts]
    assert len(said) > 50
    assert not [m for m in said if re.search(r"\b(?:the|is|not|of|for|from|cannot|store|figure)\b", m)]


@pytest.mark.slow
def test_a_two_column_pdf_is_read_column_by_column() -> None:
    left = "臺北公眾區免費無線上網 110 年使用人次達 13,594.4 萬人次，較上年成長 11.8%，" * 5
    right = "臺北酷課雲 110 年瀏覽人次 4,602.5 萬人次，線上課程 17.8 萬門，" * 5
    data = _pdf(f"""<html><head><style>@page {{ size: A4; margin: 2cm; }}
        body {{ font-family: 'Noto Sans CJK TC'; }} .cols {{ column-count: 2; column-gap: 2cm; }}</style></head>
        <body><h1>智慧服務</h1><div class="cols"><p>{left}</p><p>{right}</p></div></body></html>""")
    texts = [b.text.replace(" ", "") for b in read_document(data, "two.pdf").read_blocks()]
    assert texts == ["智慧服務", left.replace(" ", ""), right.replace(" ", "")]


def test_a_layout_table_of_an_old_site_is_read_as_prose() -> None:
    prose = ("臺北酷課雲 110 年瀏覽人次 4,602.5 萬人次，較上年成長 138.6%，線上課程 17.8 萬門，"
             "為歷年最高，持續推動數位學習。")
    page = f"""<html><head><meta charset="utf-8"></head><body><table><tr><td><table><tr><td>選單</td></tr></table></td>
        <td><p>{prose}</p><table><caption>表 1 瀏覽人次</caption><tr><th>年別</th><th>瀏覽人次</th></tr>
        <tr><td>110 年</td><td>46,024,612</td></tr></table></td></tr></table></body></html>"""
    document = read_document(page.encode(), "old.html")
    assert prose in [b.text for b in document.read_blocks()]
    assert [t.caption for t in document.tables()] == ["表 1 瀏覽人次"]


def test_a_markdown_paragraph_before_a_table_stays_prose() -> None:
    text = "110 年底線上課程 18.7 萬門。\n\n| 年別 | 線上課程數 |\n|---|---|\n| 110 年底 | 178,203 |\n"
    document = read_document(text.encode(), "note.md")
    assert [b.text for b in document.read_blocks()] == ["110 年底線上課程 18.7 萬門。"]
    assert document.tables()[0].caption == ""


def test_what_an_appendix_or_a_table_sets_aside_is_told_in_the_documents_language(checker: Checker) -> None:
    page = """<html><head><meta charset="utf-8"></head><body><h1>臺北酷課雲</h1>
        <p>臺北酷課雲 110 年底線上課程 17.8 萬門。</p><h2>附錄　名詞定義</h2>
        <p>臺北酷課雲 110 年底線上課程 18.7 萬門。</p>
        <table><caption>臺北酷課雲瀏覽人次</caption><tr><th>年別</th><th>瀏覽人次（人次）</th></tr>
        <tr><td>110 年</td><td>46,024,621</td></tr></table></body></html>"""
    report = check_document(read_document(page.encode(), "page.html"), checker)
    [aside] = [p.verdict for p in report.placed if p.back_matter and p.verdict.claim.text == "18.7 萬門"]
    assert aside.status is Status.UNVERIFIABLE and aside.message.startswith("in the appendices or methods")
    # the verdict it sets aside is told in Chinese too, not dropped nor left in English
    assert aside.in_language.startswith("無法查核：位於附錄或編製說明") and "資料庫之 110 年底為 17.8 萬門" in \
        aside.in_language, aside.in_language
    [cell] = report.tables[0].cells  # in the appendix too
    assert cell.status is Status.UNVERIFIABLE and "read as a finding it would not hold: the table says 46,024,621" \
        in cell.message
    assert cell.in_language.startswith("位於附錄或編製說明；若視為統計發現則不成立：表中為 46,024,621，資料庫")
    assert "46,024,612 人次" in cell.in_language and cell.to_dict()["said"] == cell.in_language
