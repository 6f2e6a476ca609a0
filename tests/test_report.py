"""The publication: both languages, both formats, built once per session from the catalog database.

The PDF is read back with poppler (pdftotext, pdffonts, pdfinfo); the HTML is parsed, not string-matched;
the interactive charts are checked once in Debian's Chromium with no network.
"""

from __future__ import annotations

import json
import re
import subprocess
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

import pytest
import tinyhtml5
from typer.testing import CliRunner

from citystat.catalog import bundled_city, subjects
from citystat.cli import app
from citystat.formats.display import format_number, shown_decimals
from citystat.model import EN, LANGUAGES, ZH, Cell, Status, Table, meta_from_dict
from citystat.model.period import months_in_service
from citystat.publish.chartplan import plan_chart
from citystat.publish.charts import describe_chart
from citystat.publish.report import build_publication, ordered_tables
from citystat.publish.writers import render_html, report_filename, write_report
from citystat.store import ReleaseInfo, Store, StoredTable

pytestmark = pytest.mark.slow  # renders the publication, PDFs included

XHTML = "{http://www.w3.org/1999/xhtml}"


@pytest.fixture(scope="session")
def tables(built_db: Path) -> list[StoredTable]:
    with Store(built_db, read_only=True) as store:
        return store.latest()


@pytest.fixture(scope="session")
def publication_dir(tables: list[StoredTable], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """All four outputs, written once."""
    out = tmp_path_factory.mktemp("publication")
    written = write_report(tables, out, city=bundled_city(), produced=date(2022, 6, 30))
    assert sorted(p.name for p in written) == sorted(report_filename(lang, fmt) for lang in LANGUAGES
                                                      for fmt in ("html", "pdf"))
    return out


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def squeeze(text: str) -> str:
    """Text without whitespace: pdftotext breaks lines and spaces CJK text its own way."""
    return re.sub(r"\s+", "", text)


def parse(path: Path) -> Element:
    return tinyhtml5.parse(path.read_text(encoding="utf-8"))


def find_all(root: Element, tag: str, **attributes: str) -> list[Element]:
    found = []
    for element in root.iter(f"{XHTML}{tag}"):
        if all((key == "class_" and value in element.get("class", "").split())
               or element.get(key) == value for key, value in attributes.items()):
            found.append(element)
    return found


def text_of(element: Element) -> str:
    return "".join(element.itertext())


# -- PDF -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_pdf_holds_every_table_title_and_its_numbers(publication_dir: Path, tables: list[StoredTable],
                                                         lang: str) -> None:
    text = squeeze(pdf_text(publication_dir / report_filename(lang, "pdf")))
    for stored in tables:
        assert squeeze(stored.meta.title.get(lang)) in text, stored.meta.id
        latest = stored.meta.time.codes[-1]
        for key, cell in stored.table.ordered_cells():
            if key[stored.meta.position(stored.meta.time.code)] == latest and cell.value is not None:
                measure = stored.meta.measure_of(key)
                assert format_number(cell.value, shown_decimals(cell.value, measure)) in text, (stored.meta.id, key)
    for subject in subjects():
        if any(s.meta.subject == subject.code for s in tables):
            assert squeeze(subject.name.get(lang)) in text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_pdf_embeds_noto_sans_cjk(publication_dir: Path, lang: str) -> None:
    fonts = subprocess.run(["pdffonts", str(publication_dir / report_filename(lang, "pdf"))], capture_output=True,
                           text=True, check=True).stdout.splitlines()[2:]
    noto = [line for line in fonts if re.search(r"Noto-?Sans-?CJK-?TC", line)]
    assert noto, fonts
    assert all(line.split()[-5] == "yes" for line in noto), "emb column"
    assert not [line for line in fonts if line.split()[-5] != "yes"], "every font is embedded"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_pdf_has_a_sane_page_count_and_numbered_pages(publication_dir: Path, tables: list[StoredTable],
                                                          lang: str) -> None:
    path = publication_dir / report_filename(lang, "pdf")
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))  # type: ignore[union-attr]
    services = len({s.meta.subject for s in tables})
    # a title page, contents, findings, one or more pages per service, two appendices
    assert services + 5 <= pages <= 3 * len(tables) + 10
    assert re.search(r"^Title:\s+\S", info, re.M)
    last = subprocess.run(["pdftotext", "-f", str(pages), "-l", str(pages), str(path), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert (f"第 {pages} 頁" if lang == ZH else f"Page {pages}") in last
    first = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(path), "-"], capture_output=True, text=True,
                           check=True).stdout
    assert "頁" not in first and "Page" not in first, "the title page has no page number"


def test_the_pdf_contents_give_the_page_of_each_table(publication_dir: Path, tables: list[StoredTable]) -> None:
    path = publication_dir / report_filename(ZH, "pdf")
    contents = subprocess.run(["pdftotext", "-layout", "-f", "2", "-l", "2", str(path), "-"], capture_output=True,
                              text=True, check=True).stdout
    for number, stored in enumerate(ordered_tables(tables, bundled_city()), start=1):
        line = next(line for line in contents.splitlines() if re.search(rf"表 {number}\s", line))
        page = int(line.rstrip().split(".")[-1].strip())
        on_page = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(path), "-"],
                                 capture_output=True, text=True, check=True).stdout
        assert squeeze(stored.meta.title.get(ZH)) in squeeze(on_page), (number, page)


# -- HTML ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_html_has_a_section_per_service_and_a_table_and_chart_per_table(
    publication_dir: Path, tables: list[StoredTable], lang: str
) -> None:
    root = parse(publication_dir / report_filename(lang, "html"))
    assert root.get("lang") == lang
    sections = find_all(root, "section", class_="service")
    expected = [s.code for s in subjects() if any(t.meta.subject == s.code for t in tables)]
    assert [s.get("data-subject") for s in sections] == expected
    by_id = {s.meta.id: s for s in tables}
    seen = []
    for section in sections:
        for article in find_all(section, "article", class_="statistical-table"):
            table_id = article.get("data-table")
            stored = by_id[table_id]
            assert stored.meta.subject == section.get("data-subject")
            assert article.get("data-release") == str(stored.release.release)
            data = find_all(article, "table", class_="data")
            assert len(data) == 1
            columns = find_all(data[0], "th", scope="col")[1:]
            assert len(columns) == len(stored.meta.metric.values)
            figure = find_all(article, "figure", class_="chart")
            assert len(figure) == 1
            image = find_all(figure[0], "img", class_="chart-static")[0]
            assert image.get("src", "").startswith("data:image/svg+xml;base64,")
            assert image.get("alt") == describe_chart(stored, lang)
            assert figure[0].get("data-chart") == plan_chart(stored.table).kind.value
            spec = json.loads(text_of(find_all(figure[0], "script", class_="chart-spec")[0]))
            assert spec["usermeta"]["citystat"]["table"] == table_id
            notes = find_all(article, "ol", class_="notes")
            expected_notes = (len(stored.meta.notes) + len(stored.meta.cell_notes)
                              + sum(len(v.notes) + sum(len(x.notes) for x in v.values) for v in stored.meta.variables))
            assert (len(find_all(notes[0], "li")) if notes else 0) == expected_notes
            source = find_all(article, "p", class_="source")[0]
            for name in stored.meta.sources:
                assert name.name.get(lang) in text_of(source)
            assert [p for p in find_all(article, "div", class_="narrative")[0] if text_of(p).strip()]
            seen.append(table_id)
    assert sorted(seen) == sorted(by_id)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_html_loads_no_script_or_resource_from_outside(publication_dir: Path, lang: str) -> None:
    path = publication_dir / report_filename(lang, "html")
    root = parse(path)
    scripts = [s.get("src") for s in find_all(root, "script") if s.get("src")]
    assert scripts, "the interactive charts need the vendored Vega bundle"
    for src in scripts:
        assert not re.match(r"^(https?:)?//", src), src
        assert (publication_dir / src).is_file(), src
    for element in root.iter():
        for attribute in ("src", "href"):
            value = element.get(attribute)
            if value and element.tag != f"{XHTML}a":
                assert not re.match(r"^(https?:)?//", value), (element.tag, value)
    links = {a.get("href") for a in find_all(root, "a") if a.get("href", "").startswith("#")}
    ids = {e.get("id") for e in root.iter() if e.get("id")}
    assert {link[1:] for link in links} <= ids, "every internal link has its target"
    switch = find_all(root, "p", class_="language-switch")[0]
    other = EN if lang == ZH else ZH
    assert find_all(switch, "a")[0].get("href") == report_filename(other, "html")


def test_the_html_tables_mark_estimates_and_missing_cells(publication_dir: Path, tables: list[StoredTable]) -> None:
    root = parse(publication_dir / report_filename(ZH, "html"))
    for stored in tables:
        article = find_all(root, "article", **{"data-table": stored.meta.id})[0]
        cells = find_all(find_all(article, "table", class_="data")[0], "td")
        statuses = [c.status for _, c in stored.table.ordered_cells()]
        assert len(find_all(article, "td", class_="estimated")) == statuses.count(Status.ESTIMATED)
        assert len(find_all(article, "td", class_="nil")) == statuses.count(Status.NIL)
        assert len(find_all(article, "td", class_="not-available")) == statuses.count(Status.NOT_AVAILABLE)
        assert len(cells) == len(statuses)


def test_markup_in_a_users_texts_leaves_the_html_whole() -> None:
    """``<!--<script>`` in a table's texts would make a parser run the chart's spec element past its end tag."""
    hostile = "<!--<script> & </script><img src=x onerror=alert(1)>"
    meta = meta_from_dict({
        "id": "hostile", "subject": "library", "title": {"zh-TW": f"借閱{hostile}", "en": f"Loans {hostile}"},
        "sources": [{"name": {"zh-TW": f"圖書館{hostile}", "en": f"Library {hostile}"}}],
        "variables": [{"code": "year", "role": "time", "label": {"zh-TW": "年別", "en": "Year"},
                       "values": ["2020", "2021"]},
                      {"code": "measure", "role": "metric", "label": {"zh-TW": "指標", "en": "Measure"},
                       "values": [{"code": "n", "label": {"zh-TW": f"冊數{hostile}", "en": f"Books {hostile}"},
                                   "unit": {"zh-TW": "冊", "en": "books"}, "decimals": 0, "kind": "flow"}]}]})
    table = Table(meta, {("2020", "n"): Cell(Decimal(1000)), ("2021", "n"): Cell(Decimal(1200))})
    stored = StoredTable(table, ReleaseInfo("hostile", 1, "0" * 64, datetime(2022, 1, 1, tzinfo=UTC), "test", 2))
    for lang in LANGUAGES:
        publication = build_publication([stored], lang, city=bundled_city(), charts=False, produced=date(2022, 6, 30))
        root = tinyhtml5.parse(render_html(publication, "screen"))
        assert not find_all(root, "img"), "the markup is text, never an element"
        (script,) = find_all(root, "script", class_="chart-spec")
        assert json.loads(text_of(script)) == publication.tables[0].chart_spec
        article = find_all(root, "article", **{"data-table": "hostile"})[0]
        assert hostile in text_of(find_all(article, "p", class_="source")[0])
        assert [s.get("src") for s in find_all(root, "script") if s.get("src")] == [
            "assets/vega-bundle.js", "assets/publication.js"]


# -- what the publication says ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def publications(tables: list[StoredTable]) -> dict[str, Any]:
    return {lang: build_publication(tables, lang, city=bundled_city(), charts=False) for lang in LANGUAGES}


def test_the_methods_appendix_computes_months_in_service_and_derivations(
    publications: dict[str, Any], tables: list[StoredTable]
) -> None:
    publication = publications[ZH]
    expected_service = 0
    for stored in tables:
        meta = stored.meta
        for code, measure in meta.measures.items():
            if measure.kind.value == "monthly_average" and measure.average_of:
                service_from = measure.service_from or meta.measures[measure.average_of].service_from
                for period in meta.periods:
                    if months_in_service(period, service_from) < 12:
                        expected_service += 1
                        row = next(r for r in publication.service_time if r.period == period.label(ZH)
                                   and r.table == meta.title.get(ZH))
                        total = stored.table.cell(**{meta.time.code: period.code, meta.metric.code: measure.average_of})
                        assert row.computation.startswith(format_number(total.value, 0))
                        assert row.in_service == f"{months_in_service(period, service_from)} 個月"
                        _ = code
    assert len(publication.service_time) == expected_service > 0
    derived = [n for s in tables for n in s.meta.cell_notes if n.derivation is not None]
    assert len(publication.derivations) == len(derived) > 0
    for row in publication.derivations:
        result = row.computation.rsplit("= ", 1)[1]
        assert any(result == format_number(c.value, shown_decimals(c.value, s.meta.measure_of(k)))
                   for s in tables for k, c in s.table.ordered_cells() if c.status is Status.ESTIMATED)
    kinds_used = {m.kind for s in tables for m in s.meta.measures.values()}
    assert len(publication.kinds) == len(kinds_used)
    conventions = " ".join(term + meaning for term, meaning in publication.conventions)
    for word in ("成長", "係", "百分點", "萬", "億"):
        assert word in conventions


def test_the_sources_appendix_names_the_release_of_every_table(publications: dict[str, Any],
                                                               tables: list[StoredTable]) -> None:
    for lang in LANGUAGES:
        rows = {row.id: row for row in publications[lang].sources}
        for stored in tables:
            row = rows[stored.meta.id]
            assert row.release == stored.release.release
            assert stored.release.content_hash.startswith(row.content_hash)
            assert row.sources == [s.name.get(lang) for s in stored.meta.sources]


# -- the commands ----------------------------------------------------------------------------------------------


def test_the_report_command_writes_the_publication(built_db: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["report", "--lang", "en", "--format", "html", "--out", str(tmp_path),
                                      "--db", str(built_db)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / report_filename(EN, "html")).is_file()
    assert not (tmp_path / report_filename(ZH, "html")).exists()
    assert (tmp_path / "assets" / "vega-bundle.js").is_file()
    bad = CliRunner().invoke(app, ["report", "--lang", "fr", "--out", str(tmp_path), "--db", str(built_db)])
    assert bad.exit_code != 0
    empty = tmp_path / "empty.duckdb"
    Store(empty).close()
    nothing = CliRunner().invoke(app, ["report", "--format", "html", "--out", str(tmp_path / "none"), "--db",
                                       str(empty)])
    assert nothing.exit_code == 1 and isinstance(nothing.exception, SystemExit), nothing.exception
    assert "no tables to publish" in nothing.output and "Traceback" not in nothing.output


def test_the_charts_command_writes_svg_png_and_the_spec(built_db: Path, tables: list[StoredTable],
                                                        tmp_path: Path) -> None:
    from citystat.publish.charts import chart_spec

    result = CliRunner().invoke(app, ["charts", "cooc_cloud", "--lang", "zh-TW", "--format", "svg", "--format", "png",
                                      "--out", str(tmp_path), "--db", str(built_db)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "cooc_cloud.zh-TW.svg").read_text(encoding="utf-8").startswith("<svg")
    assert (tmp_path / "cooc_cloud.zh-TW.png").read_bytes().startswith(b"\x89PNG")
    written = json.loads((tmp_path / "cooc_cloud.zh-TW.vl.json").read_text(encoding="utf-8"))
    stored = next(s for s in tables if s.meta.id == "cooc_cloud")
    assert written == json.loads(json.dumps(chart_spec(stored, ZH, context=tables)))


# -- the interactive charts in a real browser ------------------------------------------------------------------------


def test_the_html_charts_come_alive_offline_with_tooltips(publication_dir: Path, browser: Any) -> None:
    path = publication_dir / report_filename(ZH, "html")
    problems: list[str] = []
    requests: list[str] = []
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    try:
        page = context.new_page()
        page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("request", lambda r: requests.append(r.url))
        page.goto(path.as_uri())
        page.wait_for_function(
            "document.querySelectorAll('div.chart-live:not([hidden]) svg').length"
            " == document.querySelectorAll('figure.chart').length", timeout=60_000)
        assert page.locator("img.chart-static:visible").count() == 0
        figure = page.locator("#figure-taipei_free_usage")
        figure.scroll_into_view_if_needed()
        figure.locator("div.chart-live svg path[aria-roledescription='bar']").first.hover()
        page.wait_for_selector("#vg-tooltip-element.visible", timeout=10_000)
        tooltip = page.locator("#vg-tooltip-element").inner_text()
    finally:
        context.close()
    assert "100 年" in tooltip and "4,837,771" in tooltip and "人次" in tooltip and "實際值" in tooltip
    assert not problems, problems
    assert all(url.startswith(("file:", "data:")) for url in requests), requests


def test_every_publication_word_is_used_and_bilingual() -> None:
    from citystat.publish.words import WORDS

    src = Path(__file__).resolve().parents[1] / "src" / "citystat"
    users = [p for p in (src / "publish").rglob("*.py") if p.name != "words.py"]
    users += [*(src / "publish" / "templates").glob("*.j2"), src / "dashboard" / "words.py"]
    sources = "".join(p.read_text(encoding="utf-8") for p in users)
    for key, text in WORDS.items():
        assert f"'{key}'" in sources or f'"{key}"' in sources, key
        assert text.zh and text.en and text.zh != text.en, key
