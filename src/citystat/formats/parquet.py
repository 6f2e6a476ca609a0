"""Parquet: a selection as a long table, one row per cell, for pandas, polars, DuckDB and Spark.

Each variable gives two columns, its codes (``year``) and their labels in the answer's language
(``year_label``); then ``value``, exact as a decimal with the largest scale the selection's values have (null
where a cell has no number), and ``status``, the cell's symbol (empty when observed; ``e``, ``p``, ``r``, ``..``,
``-``). The table's id, title, release, language and update time are in the file's key-value metadata.
"""

from __future__ import annotations

import io
import itertools
from decimal import Decimal
from typing import TYPE_CHECKING

from citystat.formats.display import value_label
from citystat.formats.jsonstat import iso_utc

if TYPE_CHECKING:
    from citystat.formats.registry import Rendering

MAX_PRECISION = 38


def _scale(values: list[Decimal | None]) -> int:
    exponents = [v.as_tuple().exponent for v in values if v is not None]
    return max([0, *(-e for e in exponents if isinstance(e, int))])


def to_parquet(r: Rendering) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    meta = r.table.meta
    variables = [v for v in meta.variables if v.code in r.selection]
    columns: dict[str, list[str]] = {}
    for variable in variables:
        columns[variable.code] = []
        columns[f"{variable.code}_label"] = []
    labels = {(v.code, code): value_label(meta, v, v.value(code), r.lang) for v in variables
              for code in r.selection[v.code]}
    values: list[Decimal | None] = []
    statuses: list[str] = []
    for combination in itertools.product(*(r.selection[v.code] for v in variables)):
        for variable, code in zip(variables, combination, strict=True):
            columns[variable.code].append(code)
            columns[f"{variable.code}_label"].append(labels[variable.code, code])
        cell = r.table.get(meta.key(dict(zip((v.code for v in variables), combination, strict=True))))
        values.append(cell.value)
        statuses.append(cell.status.value)
    scale = _scale(values)
    arrays = {name: pa.array(items, pa.string()) for name, items in columns.items()}
    arrays["value"] = pa.array(values, pa.decimal128(MAX_PRECISION, scale))
    arrays["status"] = pa.array(statuses, pa.string())
    table = pa.table(arrays).replace_schema_metadata({
        "citystat.table": meta.id,
        "citystat.title": meta.title.get(r.lang),
        "citystat.language": r.lang,
        "citystat.release": "" if r.release is None else str(r.release),
        "citystat.updated": iso_utc(r.updated),
    })
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue()
