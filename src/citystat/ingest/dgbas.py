"""SDMX-JSON as the DGBAS national statistics database (nstatdb.dgbas.gov.tw) serves it.

``data.dataSets[0].series`` maps series keys (indexes into the series dimension's values) to
``observations``, which map indexes into the time dimension's values to ``[value]``. Time values carry the
Gregorian year as ``id`` and the ROC label as ``name``. Labels are Chinese only. A series' leading zeros mean
"not surveyed yet" and read as not available.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from citystat.ingest.reading import ProblemList, Reading
from citystat.ingest.registry import register
from citystat.ingest.source import SourceFile


@dataclass(frozen=True)
class Series:
    key: str  # the series dimension's value id (DGBAS fldid)
    name: str  # Chinese label
    values: dict[str, Decimal | None]  # period code (Gregorian year) -> value; None = not available
    period_labels: dict[str, str]  # period code -> the source's label (ROC year, 65年)


def _dimension(structure: Any, group: str, source: SourceFile) -> dict[str, Any]:
    try:
        dims = structure["dimensions"][group]
        dim = dims[0]
        if not isinstance(dim["values"], list):
            raise TypeError
        return dict(dim)
    except (KeyError, IndexError, TypeError):
        raise source.fail("bad_structure", f"data.structure.dimensions.{group}[0].values is missing",
                          column=f"dimensions.{group}") from None


@register
class SdmxJsonReader:
    name = "sdmx-json"
    title = "SDMX-JSON data message (DGBAS national statistics database)"
    media_types = ("application/vnd.sdmx.data+json", "application/json")
    suffixes = (".json",)

    def handles(self, source: SourceFile) -> bool:
        head = source.head
        return ("sdmx" in (source.media_type or "")) or (
            head.startswith(b"{") and b'"meta"' in head[:40] and b'"dataSets"' in head)

    def read(self, source: SourceFile) -> Reading:
        payload = source.json()
        try:
            data = payload["data"]
            dataset = data["dataSets"][0]
            structure = data["structure"]
            series_raw = dataset["series"]
        except (KeyError, IndexError, TypeError):
            raise source.fail("bad_structure", "an SDMX-JSON message has data.dataSets[0].series and "
                              "data.structure", column="data") from None
        series_dim = _dimension(structure, "series", source)
        time_dim = _dimension(structure, "observation", source)
        periods = [(str(v.get("id", "")), str(v.get("name", ""))) for v in time_dim["values"]]
        problems = ProblemList(source.name)
        for code, _ in periods:
            if not (code.isdigit() and len(code) == 4):
                problems.add("bad_period", f"time value id {code!r} is not a Gregorian year",
                             column="dimensions.observation")
        out: list[Series] = []
        for key, body in series_raw.items():
            where = f"series.{key}"
            try:
                label = series_dim["values"][int(key)]
                observations = body["observations"]
            except (ValueError, IndexError, KeyError, TypeError):
                problems.add("bad_series", f"series key {key!r} names no value of the series dimension or has no "
                             "observations", column=where)
                continue
            values: dict[str, Decimal | None] = {}
            for index, obs in observations.items():
                try:
                    period = periods[int(index)][0]
                    number = obs[0]
                    if isinstance(number, bool) or not isinstance(number, int | float | str):
                        raise TypeError
                    values[period] = Decimal(str(number))
                except (ValueError, IndexError, KeyError, TypeError, ArithmeticError):
                    problems.add("bad_observation", f"observation {index} ({obs!r}) is not [number] at a known "
                                 "period", column=f"{where}.observations.{index}")
            ordered = dict(sorted(values.items()))
            for period, value in ordered.items():  # leading zeros: not yet surveyed
                if value != 0:
                    break
                ordered[period] = None
            out.append(Series(str(label.get("id", key)), str(label.get("name", key)), ordered, dict(periods)))
        problems.raise_if_any()
        reading = Reading(source.name, self.name, "sdmx_series", out, encoding="utf-8",
                          rows_read=sum(len(s.values) for s in out),
                          info={"name": structure.get("name", ""), "dimension": series_dim.get("name", ""),
                                "sender": (payload.get("meta") or {}).get("sender", {}).get("name", "")})
        unsurveyed = sum(v is None for s in out for v in s.values.values())
        if unsurveyed:
            reading.remarks.append(f"{unsurveyed} leading zeros read as not available (not surveyed yet)")
        return reading
