"""The data.taipei API envelope: ``{"result": {"limit", "offset", "count", "sort", "results": [...]}}``.

``count`` is the total over all pages; a page holds at most ``limit`` records from ``offset``. ``_id`` is an
integer (current platform) or a string (2016); ``_importdate`` a PHP DateTime object or absent. Every other
value is a string, and ``########`` (an Excel column too narrow) is a bad cell, not a value. Records that are
YouBike 1.0 stations (the 2016 platform served the feed this way) are read as stations.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from citystat.ingest.reading import EXCEL_OVERFLOW, BadCell, ProblemList, Reading
from citystat.ingest.registry import register
from citystat.ingest.source import SourceFile
from citystat.ingest.youbike import V1_FIELDS, stations_reading
from citystat.model import InvalidInput, Problem

YOUBIKE_KEYS = frozenset({"sno", "sna", "sarea", "tot", "sbi", "bemp", "mday", "act"})
IMPORT_TIME = "%Y-%m-%d %H:%M:%S.%f"


def envelope_number(result: Mapping[str, Any], key: str, source: SourceFile) -> int:
    value = result.get(key)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise source.fail("bad_envelope", f"result.{key} is {value!r}, not a whole number", column=key)
    return value


def page_facts(source: SourceFile, payload: Any) -> tuple[int, int, int, list[Any]]:
    """(offset, limit, count, results) of one page, each checked."""
    result = payload.get("result") if isinstance(payload, dict) else None
    if not isinstance(result, dict):
        raise source.fail("bad_envelope", "a data.taipei answer is an object with a 'result' object",
                          column="result")
    results = result.get("results")
    if not isinstance(results, list):
        raise source.fail("bad_envelope", "result.results is missing or not a list", column="results")
    offset, limit, count = (envelope_number(result, k, source) for k in ("offset", "limit", "count"))
    if len(results) > limit:
        raise source.fail("envelope_count", f"the page holds {len(results)} records, more than its limit {limit}",
                          column="limit")
    expected = max(0, min(limit, count - offset))
    if len(results) != expected:
        raise source.fail(
            "envelope_count",
            f"count says {count} records in all, so the page at offset {offset} with limit {limit} should hold "
            f"{expected}, but it holds {len(results)}",
            column="count", expected=str(expected), found=str(len(results)),
        )
    return offset, limit, count, results


def import_time(value: Any) -> datetime | None:
    if isinstance(value, dict) and isinstance(value.get("date"), str):
        try:
            return datetime.strptime(value["date"], IMPORT_TIME)
        except ValueError:
            return None
    return None


@register
class DataTaipeiReader:
    name = "data-taipei"
    title = "data.taipei API answer (result.limit/offset/count/results)"
    media_types = ("application/json",)
    suffixes = (".json",)

    def handles(self, source: SourceFile) -> bool:
        head = source.head
        return head.startswith(b"{") and b'"result"' in head[:40]

    def read(self, source: SourceFile) -> Reading:
        return read_pages([(source, source.json())])


def read_pages(pages: Sequence[tuple[SourceFile, Any]]) -> Reading:
    """One dataset from its pages: offsets must follow one another, and together hold ``count`` records."""
    facts = sorted(((s, *page_facts(s, p)) for s, p in pages), key=lambda f: f[1])
    counts = {f[3] for f in facts}
    if len(counts) > 1:
        raise InvalidInput([Problem("envelope_count", f"the pages disagree on count: {sorted(counts)}",
                                    file=s.name, column="count") for s, *_ in facts])
    count = counts.pop()
    records: list[tuple[int, Any]] = []
    expected = facts[0][1] if len(facts) == 1 else 0
    for source, offset, _limit, _count, results in facts:
        if offset != expected:
            raise source.fail("envelope_count", f"the page starts at offset {offset}, but the pages before it "
                              f"end at {expected}", column="offset", expected=str(expected), found=str(offset))
        records.extend((offset + i + 1, r) for i, r in enumerate(results))
        expected = offset + len(results)
    first, offset, limit = facts[0][0], facts[0][1], facts[0][2]
    remarks = []
    held = len(records)
    if len(facts) > 1 and held != count:
        raise first.fail("envelope_count", f"count says {count} records, the {len(facts)} pages hold {held}",
                         column="count", expected=str(count), found=str(held))
    if held < count:
        remarks.append(f"page {offset // limit + 1} of {-(-count // limit)}: {held} of {count} records (offsets "
                       f"{offset}–{offset + held - 1}); fetch the others with the pager")
    info = {"count": count, "limit": limit, "offset": offset, "pages": len(facts)}
    sample = [r for _, r in records if isinstance(r, dict)]
    if sample and set(sample[0]) >= YOUBIKE_KEYS:
        reading = stations_reading(first, "data-taipei", records, V1_FIELDS, ProblemList(first.name))
    else:
        reading = _generic(first, records)
    reading.remarks[:0] = remarks
    reading.info.update(info)
    return reading


def _generic(source: SourceFile, records: list[tuple[int, Any]]) -> Reading:
    problems = ProblemList(source.name)
    kept: list[dict[str, Any]] = []
    bad: list[BadCell] = []
    ids: set[str] = set()
    imported: list[datetime] = []
    for row, record in records:
        if not isinstance(record, dict):
            problems.add("not_an_object", f"record {row} is a {type(record).__name__}, not an object", row=row)
            continue
        if "_id" not in record:
            problems.add("missing_field", "field '_id' is missing", row=row, column="_id")
            continue
        rid = str(record["_id"]).strip()
        if rid in ids:
            problems.add("duplicate_id", f"_id {rid} occurs twice", row=row, column="_id")
        ids.add(rid)
        clean: dict[str, Any] = {"_id": rid}
        for key, value in record.items():
            if key == "_id":
                continue
            if key == "_importdate":
                when = import_time(value)
                if when is None:
                    problems.add("bad_time", f"_importdate {value!r} is not a PHP DateTime object", row=row,
                                 column=key)
                else:
                    imported.append(when)
                    clean[key] = when
                continue
            if isinstance(value, str) and value.strip() == EXCEL_OVERFLOW:
                bad.append(BadCell(source.name, row, key, value, "Excel's ######## (a column too narrow), not a "
                                   "value"))
                clean[key] = None
                continue
            clean[key] = value
        kept.append(clean)
    problems.raise_if_any()
    reading = Reading(source.name, "data-taipei", "records", kept, as_of=max(imported) if imported else None,
                      encoding="utf-8", rows_read=len(kept), bad_cells=bad)
    if bad:
        by_field: dict[str, int] = {}
        for cell in bad:
            by_field[cell.field] = by_field.get(cell.field, 0) + 1
        reading.remarks.append("bad cells (Excel ########, kept empty): "
                               + ", ".join(f"{k} {v}" for k, v in sorted(by_field.items())))
    return reading
