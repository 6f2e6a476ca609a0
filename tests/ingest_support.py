"""Helpers of the ingest tests: the real files (copies in tests/data/realdata), reading them, and the exact
figures of their SOURCE.md tables."""

from __future__ import annotations

import re
from pathlib import Path

from citystat.ingest.reading import Reading
from citystat.ingest.registry import reader_for
from citystat.ingest.source import SourceFile

REALDATA = Path(__file__).parent / "data" / "realdata"
YOUBIKE = REALDATA / "youbike-realtime"
HOTSPOTS = REALDATA / "taipei-free-ap" / "Taipei_Free_AP_總表1141218.csv"
DGBAS = REALDATA / "dgbas-household-equipment" / "A020009010.json"
ZOO = REALDATA / "data-taipei-api" / "zoo-animals_6afa114d_page-00000_2026-06-16.json"
YOUBIKE_PAGE = REALDATA / "data-taipei-api" / "youbike_offset0_limit20_2016-07-04.json"
SNAPSHOTS = {
    "YouBikeTP_v1_2016-09-22.json": 258,
    "YouBikeTP_v1_2022-01-30.json": 399,
    "youbike_immediate_v2_2022-10-20.json": 1208,
    "youbike_immediate_v2_2024-03-27.json": 1379,
    "youbike_immediate_v2_2024-12-07.json": 1503,
}


def read(path: Path, **kw: str) -> Reading:
    source = SourceFile.open(path, **kw)
    reader = reader_for(source)
    assert reader is not None, path
    return reader.read(source)


def markdown_tables(text: str) -> list[tuple[str, list[dict[str, str]]]]:
    """Each markdown table of a document with the nearest heading above it: (heading, rows by column)."""
    tables: list[tuple[str, list[dict[str, str]]]] = []
    heading = ""
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("#"):
            heading = line.lstrip("#").strip()
        if line.startswith("|") and i + 1 < len(lines) and re.match(r"^\|[-| :]+\|$", lines[i + 1]):
            header = [c.strip() for c in line.strip("|").split("|")]
            rows = []
            i += 2
            while i < len(lines) and lines[i].startswith("|"):
                cells = [c.strip().strip("*") for c in lines[i].strip("|").split("|")]
                rows.append(dict(zip(header, cells)))
                i += 1
            tables.append((heading, rows))
            continue
        i += 1
    return tables


def number(text: str) -> int:
    return int(text.replace(",", ""))
