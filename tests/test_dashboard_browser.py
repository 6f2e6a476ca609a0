"""The dashboard in a real browser: Debian's Chromium (never a downloaded one), driven by Playwright, against
`citystat serve` on 127.0.0.1, with no network beyond it. Every test fails on a console error, an uncaught
exception, a failed request, an HTTP error or a request to any other host.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from citystat.catalog import subjects
from citystat.dashboard.words import word
from citystat.formats.display import format_number, shown_decimals
from citystat.model import EN, LANGUAGES, ZH
from citystat.publish.words import word as chart_word
from citystat.store import Store, StoredTable
from tests.conftest import CHROMIUM, RunningServer

playwright_api = pytest.importorskip("playwright.sync_api")

PHONE = {"width": 375, "height": 740}

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")


@pytest.fixture(scope="session")
def tables(built_db: Path) -> dict[str, StoredTable]:
    with Store(built_db, read_only=True) as store:
        return {s.meta.id: s for s in store.latest()}


@dataclass
class Watched:
    """A browser page and everything that went wrong on it."""

    page: Any
    base: str
    problems: list[str] = field(default_factory=list)

    def open(self, path: str) -> None:
        answer = self.page.goto(self.base + path)
        assert answer is not None and answer.ok, path
        self.page.wait_for_load_state("networkidle")


def watch(context: Any, server: RunningServer) -> Watched:
    page = context.new_page()
    watched = Watched(page, server.url)
    own_host = urlparse(server.url).netloc

    def route(request_route: Any) -> None:
        if urlparse(request_route.request.url).netloc != own_host:
            watched.problems.append(f"request to another host: {request_route.request.url}")
            request_route.abort()
        else:
            request_route.continue_()

    page.route("**/*", route)
    page.on("console", lambda m: m.type in ("error", "assert") and watched.problems.append(f"console: {m.text}"))
    page.on("console", lambda m: "citystat" in m.text and watched.problems.append(f"console {m.type}: {m.text}"))
    page.on("pageerror", lambda e: watched.problems.append(f"uncaught: {e}"))
    page.on("requestfailed", lambda r: watched.problems.append(f"failed: {r.url} {r.failure}"))
    page.on("response", lambda r: r.status >= 400 and watched.problems.append(f"HTTP {r.status}: {r.url}"))
    return watched


@pytest.fixture()
def desktop(browser: Any, api_server: RunningServer) -> Iterator[Watched]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    watched = watch(context, api_server)
    yield watched
    context.close()
    assert not watched.problems, watched.problems


@pytest.fixture()
def phone(browser: Any, api_server: RunningServer) -> Iterator[Watched]:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    watched = watch(context, api_server)
    yield watched
    context.close()
    assert not watched.problems, watched.problems


def _services(tables: dict[str, StoredTable]) -> list[Any]:
    present = {s.meta.subject for s in tables.values()}
    return [s for s in subjects() if s.code in present]


# -- the tests --------------------------------------------------------------------------------------------------


def test_the_home_page_shows_every_service(desktop: Watched, tables: dict[str, StoredTable]) -> None:
    page = desktop.page
    desktop.open("/")
    services = _services(tables)
    cards = page.locator("li.card")
    assert cards.count() == len(services)
    for index, service in enumerate(services):
        card = cards.nth(index)
        assert card.get_attribute("data-service") == service.code
        assert card.locator("h3").inner_text().strip() == service.name.get(ZH)
        assert card.locator(".headline-figure").is_visible()
        assert card.locator("svg.sparkline circle").count() >= 1
    assert page.locator(".key-findings li").count() == len(services)
    assert page.locator("html").get_attribute("lang") == ZH
    # the fonts the stylesheet falls back to (when Noto Sans CJK TC is not installed) load in Chromium
    loaded = page.evaluate("""async () => {
        const out = [];
        for (const name of ["NotoSansCJKtc-Regular.subset.woff2", "NotoSansCJKtc-Bold.subset.woff2"]) {
            const face = new FontFace("citystat-" + out.length, `url(/static/fonts/${name})`);
            await face.load();
            document.fonts.add(face);
            out.push([face.status, document.fonts.check(`16px citystat-${out.length}`, "臺北市智慧城市")]);
        }
        return out; }""")
    assert loaded == [["loaded", True], ["loaded", True]]


def test_switching_the_language_changes_the_labels(desktop: Watched, tables: dict[str, StoredTable]) -> None:
    page = desktop.page
    desktop.open("/")
    assert page.locator("#findings-heading").inner_text() == word("key_findings", ZH)
    page.get_by_role("link", name=word("switch_language_label", ZH)).click()
    page.wait_for_url("**/?lang=en")
    assert page.locator("html").get_attribute("lang") == EN
    assert page.locator("#findings-heading").inner_text() == word("key_findings", EN)
    assert page.locator(".site-nav a").first.inner_text() == word("home", EN)
    titles = page.locator("li.card h3").all_inner_texts()
    assert [t.strip() for t in titles] == [s.name.get(EN) for s in _services(tables)]
    periods = page.locator(".headline-period").all_inner_texts()
    assert "2021" in periods and not any("年" in p for p in periods)
    # links carry the language: a card's table opens in English
    page.locator("#service-wifi .card-tables a").first.click()
    page.wait_for_load_state("networkidle")
    assert "lang=en" in page.url and page.locator("h1").inner_text() == tables["taipei_free_usage"].meta.title.en
    page.get_by_role("link", name=word("switch_language_label", EN)).click()
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == tables["taipei_free_usage"].meta.title.zh
    assert page.locator(".data-table tbody th").first.inner_text().strip().startswith("100 年")


def _tooltip(page: Any) -> dict[str, str]:
    tip = page.locator("#vg-tooltip-element")
    tip.wait_for(state="visible")
    rows = tip.locator("tr")
    return {rows.nth(i).locator("td.key").inner_text().strip(): rows.nth(i).locator("td.value").inner_text().strip()
            for i in range(rows.count())}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_table_page_chart_tooltip_gives_the_tables_value(desktop: Watched, tables: dict[str, StoredTable],
                                                           lang: str) -> None:
    page = desktop.page
    desktop.open(f"/services/wifi?lang={lang}")
    page.locator(".table-entry h3 a").first.click()  # open the table from its service
    page.wait_for_selector(".chart-live[data-drawn=true]")
    table = tables["taipei_free_usage"]
    meta = table.meta
    assert page.locator("h1").inner_text() == meta.title.get(lang)
    # the chart's text alternative: Vega labels the drawing with the spec's description, which the caption shows
    assert page.locator(".chart-live").get_attribute("aria-label") == page.locator(".chart-description").inner_text()
    columns = [c.strip().split("\n")[0] for c in page.locator(".data-table thead th").all_inner_texts()[1:]]
    marks = page.locator(".chart-live svg g.mark-rect path")
    assert marks.count() == len(meta.periods) * len(meta.metric.values)
    for index in (0, marks.count() - 1):
        marks.nth(index).hover()
        tip = _tooltip(page)
        period_label, value = tip[chart_word("period", lang)], tip[chart_word("value", lang)]
        assert tip[chart_word("status", lang)] == ("實際值" if lang == ZH else "observed")
        measure = next(v for v in meta.metric.values if v.label.get(lang) == tip[meta.metric.label.get(lang)])
        assert tip[chart_word("unit", lang)] == (measure.measure.unit.get(lang) if measure.measure else "")
        row = page.locator(".data-table tbody tr").filter(has=page.locator("th", has_text=period_label))
        cell = row.locator("td").nth(columns.index(measure.label.get(lang)))
        assert cell.inner_text().strip() == value
        period = next(p for p in meta.periods if p.label(lang) == period_label)
        stored = table.table.get(meta.key({meta.time.code: period.code, meta.metric.code: measure.code}))
        assert stored.value is not None and measure.measure is not None
        assert value == format_number(stored.value, shown_decimals(stored.value, measure.measure))
        page.mouse.move(5, 5)


def test_the_csv_download_is_the_stores_table(desktop: Watched, tables: dict[str, StoredTable]) -> None:
    page = desktop.page
    desktop.open("/tables/shared_transport_fleet?lang=en")
    with page.expect_download() as pending:
        page.get_by_role("link", name=word("download_as", EN, format="CSV")).click()
    download = pending.value
    assert download.suggested_filename == "shared_transport_fleet.csv"
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    table = tables["shared_transport_fleet"]
    meta = table.meta
    header = rows[0]
    assert header[0] == meta.time.label.en
    measures = {v.label.en: v.code for v in meta.metric.values}
    periods = {p.label(EN, end=meta.all_stocks): p.code for p in meta.periods}
    assert sorted(measures) == sorted(header[1:]) and len(rows) - 1 == len(periods)
    for line in rows[1:]:
        for label, text_value in zip(header[1:], line[1:], strict=True):
            cell = table.table.get(meta.key({meta.time.code: periods[line[0]], meta.metric.code: measures[label]}))
            if cell.value is None:
                assert text_value == cell.status.value
            else:
                assert Decimal(text_value) == cell.value


_OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('.table-scroll') || el.closest('svg')) continue;
    const box = el.getBoundingClientRect();
    if (box.width > 0 && (box.right > width + 1 || box.left < -1)) wide.push(el.tagName + '.' + el.className);
  }
  return {scroll: document.documentElement.scrollWidth, width: width, wide: wide.slice(0, 10)};
}"""


def test_the_phone_layout_has_no_sideways_scrolling(phone: Watched, tables: dict[str, StoredTable]) -> None:
    page = phone.page
    for path in ("/?lang=en", "/", "/tables/shared_transport_fleet?lang=en", "/services/digital_access"):
        phone.open(path)
        layout = page.evaluate(_OVERFLOW)
        assert layout["scroll"] <= layout["width"] and not layout["wide"], (path, layout)
        assert page.locator(".site-nav .lang-switch").is_visible()
    phone.open("/tables/shared_transport_fleet?lang=en")
    page.wait_for_selector(".chart-live[data-drawn=true]")
    chart = page.locator(".chart-live svg").bounding_box()
    assert chart is not None and chart["x"] >= 0 and chart["x"] + chart["width"] <= PHONE["width"]
    first_row = page.locator(".data-table tbody tr").first
    first_row.scroll_into_view_if_needed()
    assert first_row.locator("th").is_visible()
    phone.open("/")
    cards = page.locator("li.card")
    assert cards.count() == len(_services(tables))
    for index in range(cards.count()):
        box = cards.nth(index).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    figure = cards.first.locator(".headline-figure")
    figure.scroll_into_view_if_needed()
    assert figure.is_visible()


def test_the_keyboard_reaches_the_content_first(desktop: Watched) -> None:
    page = desktop.page
    desktop.open("/tables/pay_taipei?lang=en")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    box = skip.bounding_box()
    assert box is not None and box["y"] >= 0 and skip.is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")  # the next stop is inside the main content: the breadcrumb
    assert page.evaluate("document.activeElement.closest('main') !== null")
    focus = page.evaluate("""() => { const s = getComputedStyle(document.activeElement);
        return [s.backgroundColor, s.boxShadow]; }""")
    assert focus[0] == "rgb(255, 221, 0)" and focus[1] != "none"  # a visible focus indicator
    # the release form and the download links can be reached and used by keyboard
    page.locator("#release-select").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.tagName") == "BUTTON"
    page.keyboard.press("Enter")
    page.wait_for_url("**/tables/pay_taipei?lang=en&release=1")


_CONTRAST = """() => {
  function rgb(text) {
    const m = text.match(/[\\d.]+/g).map(Number);
    return {r: m[0], g: m[1], b: m[2], a: m.length > 3 ? m[3] : 1};
  }
  function lum(c) {
    return [c.r, c.g, c.b]
      .map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); })
      .reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
  }
  function background(el) {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.a > 0) return c;
    }
    return {r: 255, g: 255, b: 255, a: 1};
  }
  const failures = []; let checked = 0;
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('svg') || el.closest('.skip-link') || !el.getClientRects().length) continue;
    const own = Array.from(el.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const style = getComputedStyle(el);
    const fg = rgb(style.color), bg = background(el);
    const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
    const ratio = (hi + 0.05) / (lo + 0.05);
    const size = parseFloat(style.fontSize), bold = parseInt(style.fontWeight) >= 700;
    const large = size >= 24 || (bold && size >= 18.66);
    checked++;
    if (ratio < (large ? 3 : 4.5)) {
      failures.push([el.tagName, el.className, ratio.toFixed(2), el.textContent.trim().slice(0, 30)]);
    }
  }
  return {checked, failures};
}"""


@pytest.mark.parametrize("path", ["/", "/tables/cooc_cloud?lang=en", "/services/pay_taipei?lang=en"])
def test_text_contrast_meets_wcag_aa_as_rendered(desktop: Watched, path: str) -> None:
    desktop.open(path)
    result = desktop.page.evaluate(_CONTRAST)
    assert result["checked"] > 30 and not result["failures"], result["failures"]


def test_the_api_docs_render_offline(desktop: Watched) -> None:
    """Swagger UI comes from the package, not a CDN, and renders the API's own OpenAPI document."""
    desktop.open("/docs")
    desktop.page.wait_for_selector(".swagger-ui .opblock-summary-path", timeout=30_000)
    paths = desktop.page.locator(".opblock-summary-path").all_inner_texts()
    assert any(p.startswith("/api/v2/tables/{id}/data") for p in paths), paths
