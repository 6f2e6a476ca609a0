"""Writing the publication: HTML (with the package's own scripts beside it) and PDF (WeasyPrint).

Both come from one Jinja2 template set (templates/publication.html.j2 and its stylesheet); the medium
("screen" or "print") only switches the scripts and the page rules.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import date
from functools import cache
from pathlib import Path
from typing import Literal

import jinja2

from citystat.model import EN, LANGUAGES, ZH, City, StoredTable, normalise_language
from citystat.paths import checked_ids, inside
from citystat.publish.assets import SCRIPTS, copy_scripts
from citystat.publish.charts import chart_spec, render_spec
from citystat.publish.report import ChartProgress, Publication, build_publication
from citystat.publish.words import word

Medium = Literal["screen", "print"]
ReportFormat = Literal["html", "pdf"]
FORMATS: tuple[ReportFormat, ...] = ("html", "pdf")
ASSETS_DIR = "assets"
FILE_STEM = "citystat-publication"


def report_filename(lang: str, fmt: str) -> str:
    """``citystat-publication.zh-TW.html``, ``citystat-publication.en.pdf``."""
    return f"{FILE_STEM}.{normalise_language(lang)}.{fmt}"


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("citystat.publish", "templates"),
        autoescape=lambda name: name is not None and name.endswith(".html.j2"),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def render_html(publication: Publication, medium: Medium = "screen") -> str:
    """The publication as one HTML document; ``print`` is the form WeasyPrint turns into the PDF."""
    env = _environment()
    before, _, after = word("page", publication.lang).partition("{page}")  # around the page counter
    css = env.get_template("publication.css.j2").render(medium=medium, page_label_before=before,
                                                        page_label_after=after)
    other = EN if publication.lang == ZH else ZH
    return env.get_template("publication.html.j2").render(
        pub=publication,
        medium=medium,
        css=css,
        scripts=[f"{ASSETS_DIR}/{name}" for name in SCRIPTS],
        other_href=report_filename(other, "html"),
        other_lang=other,
    )


def write_html(publication: Publication, out_dir: Path) -> Path:
    """Write the HTML publication and copy the scripts it loads into ``out_dir/assets``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    copy_scripts(out_dir / ASSETS_DIR)
    path = out_dir / report_filename(publication.lang, "html")
    path.write_text(render_html(publication, "screen"), encoding="utf-8")
    return path


def write_pdf(publication: Publication, out_dir: Path) -> Path:
    """Write the PDF publication: A4, running headers, page numbers, fonts embedded."""
    from weasyprint import HTML

    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / report_filename(publication.lang, "pdf")
    HTML(string=render_html(publication, "print"), base_url=str(out_dir)).write_pdf(path)
    return path


def write_report(
    tables: Sequence[StoredTable],
    out_dir: Path,
    *,
    city: City,
    langs: Sequence[str] = LANGUAGES,
    formats: Sequence[str] = FORMATS,
    produced: date | None = None,
    progress: ChartProgress | None = None,
    on_written: Callable[[Path], None] | None = None,
) -> list[Path]:
    """Build the publication once per language and write it in each format; returns the files written."""
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ValueError(f"unknown format(s) {', '.join(unknown)}; use html or pdf")
    written = []
    for lang in dict.fromkeys(normalise_language(lang) for lang in langs):
        publication = build_publication(tables, lang, city=city, produced=produced, progress=progress)
        for fmt in dict.fromkeys(formats):
            path = write_html(publication, out_dir) if fmt == "html" else write_pdf(publication, out_dir)
            written.append(path)
            if on_written:
                on_written(path)
    return written


def write_charts(
    chosen: Sequence[StoredTable],
    out_dir: Path,
    *,
    context: Sequence[StoredTable] = (),
    langs: Sequence[str] = LANGUAGES,
    formats: Sequence[str] = ("svg",),
    scale: float = 2.0,
    progress: Callable[[str, str], None] | None = None,
) -> list[Path]:
    """Each table's chart in each language and format, with its Vega-Lite spec (ID.LANG.vl.json) beside it; every
    path is made from a checked id and kept inside ``out_dir``. Returns the files written."""
    checked_ids([stored.meta.id for stored in chosen])
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for stored in chosen:
        for lang in dict.fromkeys(normalise_language(lang) for lang in langs):
            if progress:
                progress(stored.meta.id, lang)
            spec = chart_spec(stored, lang, context=context or chosen)
            stem = f"{stored.meta.id}.{lang}"
            spec_path = inside(out_dir, f"{stem}.vl.json")
            spec_path.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
            written.append(spec_path)
            for chart_format in formats:
                rendered = render_spec(spec, chart_format, scale=scale)  # type: ignore[arg-type]
                path = inside(out_dir, f"{stem}.{chart_format}")
                if isinstance(rendered, str):
                    path.write_text(rendered, encoding="utf-8")
                else:
                    path.write_bytes(rendered)
                written.append(path)
    return written
