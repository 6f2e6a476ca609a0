"""SDMX-JSON as the DGBAS national statistics database (nstatdb.dgbas.gov.tw) serves it.

``data.dataSets[0].series`` maps series keys (indexes into the series dimension's values) to
``observations``, which map indexes into the time dimension's values to ``[value]``. Time values carry the
Gregorian year as ``id`` and the ROC label as ``name``. Labels are Chinese only. A series' leading zeros mean
"not surveyed yet" and read as not available.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from citystat.ingest.reading import ProblemList, Reading
from citystat.ingest.registry import register
from citystat.ingest.source import SourceFile
from citystat.model import Period


@dataclass(frozen=True)
class Series:
    key: str  # the series dimension's value id (DGBAS fldid)
    name: str  # Chinese label
    values: dict[str, Decimal | None]  # period code (Gregorian year) -> value; None = not available
    period_labels: dict[str, str]  # period code -> the source's label (ROC year, 65年)


def _dimensions(structure: Any, group: str, source: SourceFile) -> list[dict[str, Any]]:
    try:
        dims = [dict(d) for d in structure["dimensions"][group]]
        if not dims or not all(isinstance(d["values"], list) for d in dims):
            raise TypeError
        return dims
    except (KeyError, IndexError, TypeError, ValueError):
        raise source.fail("bad_structure", f"data.structure.dimensions.{group}[].values is missing",
                          column=f"dimensions.{group}") from None


_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def period_code(time_id: str) -> str | None:
    """citystat's period code of an SDMX TIME_PERIOD: 2017, 2017-06 (2017M06), 2017M06, 2017-06-30."""
    if _MONTH.match(time_id):
        return time_id.replace("-", "M")
    try:
        return Period.parse(time_id).code
    except ValueError:
        return None


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
        series_dims = _dimensions(structure, "series", source)
        [time_dim] = _dimensions(structure, "observation", source)[:1]
        problems = ProblemList(source.name)
        periods: list[tuple[str, str]] = []
        for v in time_dim["values"]:
            code = period_code(str(v.get("id", "")))
            if code is None:
                problems.add("bad_period", f"time value id {v.get('id')!r} is not a year, month or day",
                             column="dimensions.observation")
            periods.append((code or "", str(v.get("name", ""))))
        out: list[Series] = []
        unsurveyed = 0
        for key, body in series_raw.items():
            where = f"series.{key}"
            try:
                indexes = [int(i) for i in str(key).split(":")]
                if len(indexes) != len(series_dims):
                    raise IndexError
                labels = [dim["values"][i] for dim, i in zip(series_dims, indexes)]
                observations = body["observations"]
            except (ValueError, IndexError, KeyError, TypeError):
                problems.add("bad_series", f"series key {key!r} names no value of the series dimensions or has "
                             "no observations", column=where)
                continue
            label = {"id": ".".join(str(x.get("id", i)) for x, i in zip(labels, indexes)),
                     "name": " / ".join(str(x.get("name", x.get("id", i))) for x, i in zip(labels, indexes))}
            values: dict[str, Decimal | None] = {}
            for index, obs in observations.items():
                try:
                    period = periods[int(index)][0]
                    number = obs[0]
                    if number is None:  # SDMX-JSON writes a missing observation as null
                        values[period] = None
                        continue
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
                unsurveyed += 1
            out.append(Series(str(label.get("id", key)), str(label.get("name", key)), ordered, dict(periods)))
        problems.raise_if_any()
        reading = Reading(source.name, self.name, "sdmx_series", out, encoding="utf-8",
                          rows_read=sum(len(s.values) for s in out),
                          info={"name": structure.get("name", ""),
                                "dimension": " / ".join(str(d.get("name", "")) for d in series_dims),
                                "sender": (payload.get("meta") or {}).get("sender", {}).get("name", "")})
        if unsurveyed:
            reading.remarks.append(f"{unsurveyed} leading zeros read as not available (not surveyed yet)")
        return reading
