"""Acceptance on citystat's own publication: each of the four outputs (zh-TW / en × HTML / PDF), checked as a file,
has no wrong figure and at least 98% of the numbers of its findings, narratives and tables correct; and a PDF made
from the publication with 8 figures changed gets exactly those 8 flagged, each where it stands on its page."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from citystat.catalog import bundled_city
from citystat.claims import Checker
from citystat.claims.document import DocumentReport, check_document, tally
from citystat.claims.model import ClaimKind, Status
from citystat.documents import BlockKind, read_document, read_path
from citystat.model import EN, LANGUAGES, ZH
from citystat.publish.report import build_publication
from citystat.publish.writers import render_html, report_filename, write_report
from citystat.store import Store, StoredTable

pytestmark = pytest.mark.slow

PLANTED = 8


@pytest.fixture(scope="module")
def tables(built_db: Path) -> list[StoredTable]:
    with Store(built_db, read_only=True) as store:
        return store.latest()


@pytest.fixture(scope="module")
def checker(tables: list[StoredTable]) -> Checker:
    return Checker(tables)


@pytest.fixture(scope="module")
def publication(tables: list[StoredTable], tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("publication")
    write_report(tables, out, city=bundled_city(), produced=date(2022, 6, 30))
    return out


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("fmt", ["html", "pdf"])
def test_the_publication_checks_with_no_wrong_figure(publication: Path, checker: Checker, lang: str,
                                                     fmt: str) -> None:
    report = check_document(read_path(publication / report_filename(lang, fmt)), checker)
    wrong = [(p.verdict.claim.text, p.verdict.message) for p in report.placed if p.verdict.status is Status.WRONG]
    wrong += [(c.text, c.message) for t in report.tables for c in t.cells if c.status is Status.WRONG]
    assert not wrong
    figures = tally(report)
    assert figures.numbers > 250 and figures.share_correct >= 0.98, figures
    assert report.summary["tables_matched"] >= 12  # every statistical table is verified as a table
    furniture = {BlockKind.PAGE_NUMBER, BlockKind.CONTENTS, BlockKind.HEADER}
    assert not [p for p in report.placed if p.block.kind in furniture]
    compiled = "111 年 6 月 30 日" if lang == ZH else "30 June 2022"
    assert not [p for p in report.placed if p.verdict.status is not Status.NOT_A_CLAIM and
                compiled.replace(" ", "") in p.block.text.replace(" ", "") and p.verdict.claim.kind is ClaimKind.LEVEL
                and p.verdict.claim.text in ("30", "6", "111")]
    if fmt == "pdf":
        assert {BlockKind.PAGE_NUMBER, BlockKind.CONTENTS} <= {b.kind for b in report.document.blocks}


def _plant(html: str, report: DocumentReport) -> tuple[str, list[tuple[str, str]]]:
    """Change 8 figures of the narratives, each written once in the whole publication, in 8 paragraphs."""
    changed: list[tuple[str, str]] = []
    paragraphs: set[int] = set()
    for placed in report.placed:
        verdict = placed.verdict
        claim = verdict.claim
        if verdict.status is not Status.CORRECT or claim.kind is not ClaimKind.LEVEL or placed.back_matter or \
                placed.block.kind is not BlockKind.PARAGRAPH or id(placed.block) in paragraphs:
            continue
        figure = claim.text
        digits = [m.start() for m in re.finditer(r"\d", figure)]
        if len(digits) < 3 or html.count(figure) != 1:
            continue
        last = digits[-1]
        new = figure[:last] + str((int(figure[last]) + 5) % 10) + figure[last + 1:]
        if new in html:
            continue
        html = html.replace(figure, new)
        changed.append((figure, new))
        paragraphs.add(id(placed.block))
        if len(changed) == PLANTED:
            break
    return html, changed


@pytest.mark.parametrize("lang", [ZH, EN])
def test_a_pdf_with_eight_figures_changed_gets_exactly_those_flagged_where_they_stand(
        tables: list[StoredTable], checker: Checker, tmp_path: Path, lang: str) -> None:
    from weasyprint import HTML

    html = render_html(build_publication(tables, lang, city=bundled_city(), produced=date(2022, 6, 30)), "print")
    original = check_document(read_document(html.encode("utf-8"), "publication.html"), checker)
    planted, changed = _plant(html, original)
    assert len(changed) == PLANTED
    path = tmp_path / "planted.pdf"
    HTML(string=planted, base_url=str(tmp_path)).write_pdf(path)
    report = check_document(read_path(path), checker)
    flagged = [p for p in report.placed if p.verdict.status is Status.WRONG]
    flagged_cells = [c for t in report.tables for c in t.cells if c.status is Status.WRONG]
    assert not flagged_cells
    assert sorted(p.verdict.claim.text.replace(" ", "") for p in flagged) == sorted(
        new.replace(" ", "") for _, new in changed)
    pdf = pdfium.PdfDocument(path)
    try:
        for placed in flagged:
            page = pdf[placed.block.page - 1]
            height = page.get_size()[1]
            textpage = page.get_textpage()
            under = "".join(textpage.get_text_bounded(box[0] - 0.5, height - box[3] - 0.5, box[2] + 0.5,
                                                      height - box[1] + 0.5) for box in placed.boxes)
            assert re.sub(r"\s+", "", under) == placed.verdict.claim.text.replace(" ", "")
    finally:
        pdf.close()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_publication_as_pdftotext_leaves_it_has_no_wrong_figure(publication: Path, checker: Checker,
                                                                     tmp_path: Path, lang: str) -> None:
    """The text poppler's pdftotext -layout makes of the PDF: wrapped lines, tables as runs of spaces, chart labels,
    running headers and page numbers, each page ended by a form feed."""
    import subprocess

    text = tmp_path / "publication.txt"
    subprocess.run(["pdftotext", "-layout", str(publication / report_filename(lang, "pdf")), str(text)], check=True)
    report = check_document(read_path(text), checker)
    assert not [(p.verdict.claim.text, p.verdict.message) for p in report.placed if p.verdict.status is Status.WRONG]
    assert not [c.text for t in report.tables for c in t.cells if c.status is Status.WRONG]
    assert tally(report).share_correct >= 0.98
