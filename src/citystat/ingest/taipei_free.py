"""The Taipei Free public Wi-Fi hotspot list (臺北市公眾區免費無線上網熱點): a CSV with a BOM, CRLF, mixed
column-name styles, the publication date as an ROC date in the file name, and rows outside Taipei City."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from citystat.ingest import fields
from citystat.ingest.city import feed_city
from citystat.ingest.delimited import REPLACEMENT, replaced_characters, rows
from citystat.ingest.reading import ProblemList, Reading, Rejection
from citystat.ingest.registry import register
from citystat.ingest.source import SourceFile
from citystat.model import Text

COLUMNS = ("HOTSPOT_ID", "NAME", "E_NAME", "STYPE", "E_STYPE", "county", "AREA", "E_AREA", "ZipCode",
           "LATITUDE", "LONGITUDE")
_ROC_DATE = re.compile(r"(\d{3})(\d{2})(\d{2})(?!\d)")


@dataclass(frozen=True)
class Hotspot:
    row: int
    id: str
    name: Text
    site_type: Text
    county: str
    district: str  # AREA as written
    lat: float
    lng: float


def roc_date_in_name(name: str) -> date | None:
    """``Taipei_Free_AP_總表1141218.csv`` -> 2025-12-18 (ROC year + 1911)."""
    for match in _ROC_DATE.finditer(name):
        try:
            return date(int(match[1]) + 1911, int(match[2]), int(match[3]))
        except ValueError:
            continue
    return None


@register
class TaipeiFreeReader:
    name = "taipei-free"
    title = "public Wi-Fi hotspot list (CSV with HOTSPOT_ID, AREA, STYPE; UTF-8 or Big5/CP950)"
    media_types = ("text/csv",)
    suffixes = (".csv",)

    def handles(self, source: SourceFile) -> bool:
        return b"HOTSPOT_ID" in source.head[:1000] and b"LATITUDE" in source.head[:1000]

    def read(self, source: SourceFile) -> Reading:
        table = rows(source, COLUMNS)
        problems = ProblemList(source.name)
        published = roc_date_in_name(source.name)
        if published is None:
            problems.add("no_date", "the file name carries no ROC date (YYYMMDD, e.g. 1141218); the list is "
                         "dated by it")
        hotspots: list[Hotspot] = []
        for line, row in table.rows:
            before = problems.count
            values = {c: fields.text(row, c, line, problems) for c in ("HOTSPOT_ID", "NAME", "E_NAME", "STYPE",
                                                                       "E_STYPE", "county", "AREA")}
            lat = fields.number(row, "LATITUDE", line, problems, 21.0, 26.5)
            lng = fields.number(row, "LONGITUDE", line, problems, 118.0, 122.5)
            for column in ("HOTSPOT_ID", "STYPE", "county", "AREA"):
                if values[column] == "":
                    problems.add("empty_value", f"{column} is empty", row=line, column=column)
            if problems.count > before:
                continue
            assert lat is not None and lng is not None
            v = {k: x or "" for k, x in values.items()}
            hotspots.append(Hotspot(line, v["HOTSPOT_ID"], Text(v["NAME"], v["E_NAME"]),
                                    Text(v["STYPE"], v["E_STYPE"]), v["county"], v["AREA"], lat, lng))
        problems.raise_if_any()
        city = feed_city()
        kept: list[Hotspot] = []
        rejected: list[Rejection] = []
        seen: set[str] = set()
        for h in hotspots:
            if not city.is_city(h.county):
                rejected.append(Rejection(source.name, h.row, f"outside {city.name.en} ({h.county}{h.district})",
                                          h.id, "county", h.county, f"{city.name.zh}以外（{h.county}{h.district}）"))
            elif h.id in seen:
                rejected.append(Rejection(source.name, h.row, "duplicate HOTSPOT_ID", h.id, "HOTSPOT_ID", h.id,
                                          "HOTSPOT_ID 重複"))
            elif city.district(h.district) is None:
                rejected.append(Rejection(source.name, h.row, f"unknown district {h.district!r}", h.id, "AREA",
                                          h.district, f"不明行政區 {h.district}"))
            else:
                seen.add(h.id)
                kept.append(h)
        assert published is not None
        reading = Reading(source.name, self.name, "hotspots", kept,
                          as_of=datetime.combine(published, datetime.min.time()), encoding=table.encoding,
                          rows_read=len(hotspots), rejected=rejected)
        replaced = replaced_characters(table)
        if replaced:
            count = sum(v.count(REPLACEMENT) for _, _, v in replaced)
            columns = sorted({c for _, c, _ in replaced})
            reading.remarks.append(f"{count} characters Big5/CP950 lacks were replaced by '?' when this file was "
                                   f"written, in {len(replaced)} cells (columns {', '.join(columns)})")
            reading.info["replaced_characters"] = count
            reading.info["replaced_cells"] = [(line, column) for line, column, _ in replaced]
        return reading
