"""Every writer's answer for every bundled table, in two layouts and both languages: the golden files of
tests/golden/formats/, which the streamed answers must equal byte for byte.

Regenerate (then review the diff): ``PYTHONPATH=src python -m tests.format_golden``. The files were first written
by the writers as they were before answers were streamed, so the streamed writers are held to those bytes.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from citystat.catalog import bundled_city, bundled_tables
from citystat.formats import registry
from citystat.formats.pivot import LabelMode
from citystat.model import Role, Table

GOLDEN = Path(__file__).parent / "golden" / "formats"
UPDATED = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
FORMATS = ("json-stat2", "csv", "px", "xlsx", "parquet")
# openpyxl stamps the workbook's creation time in docProps/core.xml and each zip entry: the rest must be equal.
XLSX_TIMESTAMPED = "docProps/core.xml"


def renderings(table: Table) -> Iterator[tuple[str, registry.Rendering]]:
    """(name, rendering): the published layout in zh-TW, and time across with codes and a title in en."""
    meta = table.meta
    selection = {v.code: list(v.codes) for v in meta.variables}
    city = bundled_city()
    subject = city.subject(meta.subject).name
    published_stub = tuple(v.code for v in meta.variables if v.role is not Role.METRIC)
    yield "published.zh-TW", registry.Rendering(
        table, selection, (meta.metric.code,), published_stub, "zh-TW", UPDATED, 3, subject_name=subject)
    time = meta.time.code
    yield "time-across.en", registry.Rendering(
        table, selection, (time,), tuple(v.code for v in meta.variables if v.code != time), "en", UPDATED, None,
        labels=LabelMode.BOTH, include_title=True, separator=";", subject_name=subject)


def cases() -> Iterator[tuple[str, registry.Rendering]]:
    for table in bundled_tables():
        for layout, rendering in renderings(table):
            yield f"{table.id}.{layout}", rendering


def golden_name(case: str, fmt: str) -> str:
    return f"{case}.{registry.writer(fmt).suffix if fmt != 'json-stat2' else 'jsonstat.json'}"


def comparable(fmt: str, body: bytes) -> dict[str, bytes] | bytes:
    """What must be equal: the bytes, or for XLSX each member of the zip but the creation time's."""
    if fmt != "xlsx":
        return body
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        return {name: archive.read(name) for name in archive.namelist() if name != XLSX_TIMESTAMPED}


def main() -> None:
    GOLDEN.mkdir(parents=True, exist_ok=True)
    for case, rendering in cases():
        for fmt in FORMATS:
            (GOLDEN / golden_name(case, fmt)).write_bytes(registry.write(fmt, rendering))


if __name__ == "__main__":
    main()
