"""The formats citystat writes, registered once: name -> media type, file suffix, what people call it, writer.

The API's ``outputFormat``, /config's ``dataFormats``, ``citystat show --format`` and the dashboard's downloads
all list formats from here, so a format added here is offered everywhere at once. A writer takes one
``Rendering`` (a selection of a table, how to lay it out and label it) and returns the file's bytes; ``stream``
gives the same bytes as a stream of chunks, so a large answer is sent as it is written and never held whole
(JSON-stat, CSV and PX a block of cells at a time, Parquet a row group at a time, XLSX through a temporary file).
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from citystat.formats.pivot import LabelMode, Pivot, pivot
from citystat.model import Table
from citystat.model.text import Text


@dataclass(frozen=True)
class Rendering:
    """What a writer needs: the table (one release), the chosen values, their placement and the options."""

    table: Table
    selection: Mapping[str, Sequence[str]]  # variable code -> chosen value codes, in order
    heading: tuple[str, ...]
    stub: tuple[str, ...]
    lang: str
    updated: datetime
    release: int | None = None
    labels: LabelMode = LabelMode.TEXTS
    include_title: bool = False
    separator: str = ","
    subject_name: Text | None = None
    # JSON-stat members the API adds (PxWeb's dimension extensions and extension.px); other writers ignore them.
    jsonstat_extension: Mapping[str, Any] = field(default_factory=dict)
    jsonstat_dimension_extension: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def pivot(self) -> Pivot:
        return pivot(self.table, self.selection, heading=self.heading, stub=self.stub, lang=self.lang)


@dataclass(frozen=True)
class Writer:
    name: str  # PxWeb's outputFormat
    label: str  # what a person calls it
    media_type: str
    suffix: str
    write: Callable[[Rendering], bytes]
    download: bool = True  # answered as an attachment (a file to save) rather than shown inline
    streamed: Callable[[Rendering], Iterator[bytes]] | None = None  # the same bytes in chunks, where written so

    def stream(self, rendering: Rendering) -> Iterator[bytes]:
        """The answer's bytes as a stream of chunks: the writer's own stream, or its bytes in one chunk."""
        if self.streamed is not None:
            return self.streamed(rendering)
        return iter((self.write(rendering),))


def _jsonstat(r: Rendering) -> bytes:
    import json

    from citystat.formats.jsonstat import to_jsonstat

    dataset = to_jsonstat(r.table, lang=r.lang, updated=r.updated, release=r.release, selection=r.selection,
                          heading=r.heading, stub=r.stub, dimension_extension=r.jsonstat_dimension_extension or None,
                          extension=r.jsonstat_extension or None)
    return json.dumps(dataset, ensure_ascii=False, separators=(",", ":")).encode()


def _jsonstat_stream(r: Rendering) -> Iterator[bytes]:
    from citystat.formats.jsonstat import jsonstat_chunks

    return jsonstat_chunks(r.table, lang=r.lang, updated=r.updated, release=r.release, selection=r.selection,
                           heading=r.heading, stub=r.stub,
                           dimension_extension=r.jsonstat_dimension_extension or None,
                           extension=r.jsonstat_extension or None)


ROWS_PER_CHUNK = 4096  # rows of a pivoted answer (CSV) written per chunk


def _csv_stream(r: Rendering) -> Iterator[bytes]:
    """CSV a block of rows at a time: each block is written by to_csv itself, less the header it repeats."""
    from citystat.formats.delimited import to_csv

    laid_out = r.pivot()
    options: dict[str, Any] = {"separator": r.separator, "labels": r.labels, "include_title": r.include_title}
    header = to_csv(dataclasses.replace(laid_out, stub_rows=(), cells=()), **options)
    yield header.encode()
    for start in range(0, len(laid_out.stub_rows), ROWS_PER_CHUNK):
        block = dataclasses.replace(laid_out, stub_rows=laid_out.stub_rows[start:start + ROWS_PER_CHUNK],
                                    cells=laid_out.cells[start:start + ROWS_PER_CHUNK])
        text = to_csv(block, **options)
        assert text.startswith(header)
        yield text[len(header):].encode()


def _px_stream(r: Rendering) -> Iterator[bytes]:
    from citystat.formats.px import px_chunks

    for text in px_chunks(r.table, r.selection, heading=r.heading, stub=r.stub, lang=r.lang, updated=r.updated,
                          subject_name=r.subject_name):
        yield text.encode()


FILE_CHUNK = 1 << 20


def _xlsx_stream(r: Rendering) -> Iterator[bytes]:
    """The workbook saved to a temporary file (openpyxl zips it at the end), then read out a chunk at a time."""
    from citystat.formats.xlsx import to_xlsx

    with tempfile.TemporaryFile() as spool:
        to_xlsx(r.pivot(), labels=r.labels, include_title=r.include_title, sink=spool)
        spool.seek(0)
        while chunk := spool.read(FILE_CHUNK):
            yield chunk


def _parquet_stream(r: Rendering) -> Iterator[bytes]:
    from citystat.formats.parquet import parquet_chunks

    return parquet_chunks(r)


def _csv(r: Rendering) -> bytes:
    from citystat.formats.delimited import to_csv

    return to_csv(r.pivot(), separator=r.separator, labels=r.labels, include_title=r.include_title).encode()


def _xlsx(r: Rendering) -> bytes:
    from citystat.formats.xlsx import to_xlsx

    return to_xlsx(r.pivot(), labels=r.labels, include_title=r.include_title)


def _px(r: Rendering) -> bytes:
    from citystat.formats.px import to_px

    return to_px(r.table, r.selection, heading=r.heading, stub=r.stub, lang=r.lang, updated=r.updated,
                 subject_name=r.subject_name).encode()


def _html(r: Rendering) -> bytes:
    from citystat.formats.htmltable import to_html

    return to_html(r.pivot(), labels=r.labels, include_title=r.include_title).encode()


def _json_px(r: Rendering) -> bytes:
    from citystat.formats.jsonpx import to_json_px

    return to_json_px(r)


def _parquet(r: Rendering) -> bytes:
    from citystat.formats.parquet import to_parquet

    return to_parquet(r)


WRITERS: dict[str, Writer] = {
    w.name: w
    for w in (
        Writer("json-stat2", "JSON-stat 2.0", "application/json; charset=utf-8", "json", _jsonstat, download=False,
               streamed=_jsonstat_stream),
        Writer("csv", "CSV", "text/csv; charset=utf-8", "csv", _csv, download=False, streamed=_csv_stream),
        Writer("xlsx", "XLSX (Excel)", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx",
               _xlsx, streamed=_xlsx_stream),
        Writer("px", "PX (PC-Axis)", "application/octet-stream", "px", _px, streamed=_px_stream),
        Writer("html", "HTML", "text/html; charset=utf-8", "html", _html, download=False),
        Writer("json-px", "JSON-PX (PxWeb 1 JSON)", "application/json; charset=utf-8", "json", _json_px,
               download=False),
        Writer("parquet", "Parquet", "application/vnd.apache.parquet", "parquet", _parquet,
               streamed=_parquet_stream),
    )
}


def names() -> tuple[str, ...]:
    return tuple(WRITERS)


def writer(name: str) -> Writer:
    """The writer of a format; KeyError names the formats there are."""
    try:
        return WRITERS[name]
    except KeyError:
        raise KeyError(f"unknown format {name!r}; use one of {', '.join(WRITERS)}") from None


def write(name: str, rendering: Rendering) -> bytes:
    return writer(name).write(rendering)


def stream(name: str, rendering: Rendering) -> Iterator[bytes]:
    return writer(name).stream(rendering)
