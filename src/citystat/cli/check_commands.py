"""citystat check: verify every numeric claim of a statistical text against the database."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from citystat.cli.app import DbOption, app, console, db_path, reports_errors
from citystat.encoding import decode
from citystat.model import normalise_language
from citystat.store import Store

if TYPE_CHECKING:  # the claim checker and the documents are imported by the command that uses them (~0.3 s)
    from citystat.claims.document import DocumentReport
    from citystat.documents import Document

EXIT_WRONG = 1  # a claim is wrong: the text must not be published as it stands


class CheckFormat(StrEnum):
    table = "table"
    json = "json"
    html = "html"
    pdf = "pdf"


def _check_language(value: str) -> str:
    if value == "auto":
        return value
    try:
        return normalise_language(value)
    except ValueError as exc:
        raise typer.BadParameter(f"{exc}, or auto") from None


def _read(source: str) -> tuple[Document, str, bytes]:
    """Any document: PDF, HTML, DOCX, Markdown or text (UTF-8, BOM, Big5), from a file or standard input."""
    from citystat.documents import DocumentError, read_document

    if source == "-":
        data = sys.stdin.buffer.read()
        name = "standard input"
    else:
        path = Path(source)
        if not path.is_file():
            raise typer.BadParameter(f"no such file: {source}", param_hint="FILE")
        data = path.read_bytes()
        name = path.name
    try:
        return read_document(data, name), name, data
    except DocumentError as exc:
        raise typer.BadParameter(str(exc), param_hint="FILE") from None


@app.command("check")
@reports_errors
def check_command(
    source: Annotated[str, typer.Argument(metavar="FILE|-", help="The text to check, or - to read standard input")],
    lang: Annotated[str, typer.Option("--lang", help="auto, zh-TW or en", callback=_check_language)] = "auto",
    output_format: Annotated[CheckFormat, typer.Option(
        "--format", help="table, json, html, or pdf (a PDF's copy with the marks as highlights; needs -o)")
    ] = CheckFormat.table,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to a file instead of the screen")
                      ] = None,
    db: DbOption = None,
) -> None:
    """Verify every numeric claim of a text (zh-TW or en) against the database; exit status 1 if any is wrong."""
    from citystat.claims import Checker
    from citystat.claims.document import check_document
    from citystat.claims.render import as_html, as_json, as_table
    from citystat.claims.render_document import as_annotated_pdf, as_document_html

    document, name, data = _read(source)
    with Store(db_path(db), read_only=True) as store:
        tables = store.latest()
    checker = Checker(tables)
    text = decode(data, name=name).text if document.format == "text" else ""
    if document.format == "text" and "\f" not in text:  # typed text is checked as written, offsets into it
        report = checker.check(text, lang)
        whole: DocumentReport | None = None
    else:
        whole = check_document(document, checker, lang)
        report = whole.report
    if output_format is CheckFormat.json:
        rendered = as_json(report) if whole is None else json.dumps(whole.to_dict(), ensure_ascii=False, indent=2,
                                                                    default=str)
    elif output_format is CheckFormat.html:
        rendered = as_html(report, title=f"citystat check: {name}") if whole is None else \
            as_document_html(whole, title=f"citystat check: {name}")
    elif output_format is CheckFormat.pdf:
        if whole is None or document.format != "pdf" or output is None:
            raise typer.BadParameter("--format pdf marks a PDF document and needs --output FILE.pdf",
                                     param_hint="--format")
        output.write_bytes(as_annotated_pdf(whole, data))
        rendered = None
    else:
        rendered = None
    if rendered is not None:
        if output is not None:
            output.write_text(rendered, encoding="utf-8")
        else:
            typer.echo(rendered)
    elif output_format is not CheckFormat.pdf:
        if output is not None:
            with output.open("w", encoding="utf-8") as handle:
                Console(file=handle, width=160).print(as_table(report, title=name))
        else:
            console.print(as_table(report, title=name))
        if whole is not None:
            for table in whole.tables:
                console.print(f"table {table.block.caption or table.block.where()!r}: {table.summary}")
    if not (report.ok if whole is None else whole.ok):
        raise typer.Exit(EXIT_WRONG)

