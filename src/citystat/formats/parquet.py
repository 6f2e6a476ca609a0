"""Parquet: a selection as a long table, one row per cell, for pandas, polars, DuckDB and Spark.

Each variable gives two columns, its codes (``year``) and their labels in the answer's language
(``year_label``); then ``value``, exact as a decimal with the largest scale the selection's values have (null
where a cell has no number), and ``status``, the cell's symbol (empty when observed; ``e``, ``p``, ``r``, ``..``,
``-``). The table's id, title, release, language and update time are in the file's key-value metadata. It is
written a row group at a time, so a large selection streams out.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterator
from typing import TYPE_CHECKING

from citystat.formats.display import value_label
from citystat.formats.jsonstat import iso_utc
from citystat.model import Cell

if TYPE_CHECKING:
    from citystat.formats.registry import Rendering

MAX_PRECISION = 38
ROWS_PER_GROUP = 65_536  # a selection up to this many cells is one row group, as pyarrow's write_table made it


class _Counted(io.RawIOBase):
    """A write-only sink that hands on what it was given and counts it: Parquet's offsets need the position."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.position = 0

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        piece = bytes(data)
        self.parts.append(piece)
        self.position += len(piece)
        return len(piece)

    def tell(self) -> int:
        return self.position

    def take(self) -> bytes:
        out = b"".join(self.parts)
        self.parts = []
        return out


def to_parquet(r: Rendering) -> bytes:
    return b"".join(parquet_chunks(r))


def parquet_chunks(r: Rendering, rows_per_group: int = ROWS_PER_GROUP) -> Iterator[bytes]:
    """The file as a stream: one row group of ``rows_per_group`` cells at a time, then the footer.

    A first pass over the cells finds the decimal scale the value column needs (the largest of the selection).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    meta = r.table.meta
    variables = [v for v in meta.variables if v.code in r.selection]
    codes = [v.code for v in variables]
    labels = {(v.code, code): value_label(meta, v, v.value(code), r.lang) for v in variables
              for code in r.selection[v.code]}

    get = r.table.get
    whole_key = len(variables) == len(meta.variables)  # then a combination is the cell's key as it is

    def cells() -> Iterator[tuple[tuple[str, ...], Cell]]:
        for combination in itertools.product(*(r.selection[v.code] for v in variables)):
            yield combination, get(combination if whole_key else meta.key(dict(zip(codes, combination, strict=True))))

    scale = 0
    for _, cell in cells():
        if cell.value is not None:
            exponent = cell.value.as_tuple().exponent
            if isinstance(exponent, int) and -exponent > scale:
                scale = -exponent
    fields = []
    for code in codes:
        fields += [pa.field(code, pa.string()), pa.field(f"{code}_label", pa.string())]
    fields += [pa.field("value", pa.decimal128(MAX_PRECISION, scale)), pa.field("status", pa.string())]
    schema = pa.schema(fields).with_metadata({
        "citystat.table": meta.id,
        "citystat.title": meta.title.get(r.lang),
        "citystat.language": r.lang,
        "citystat.release": "" if r.release is None else str(r.release),
        "citystat.updated": iso_utc(r.updated),
    })
    sink = _Counted()
    writer = pq.ParquetWriter(sink, schema, compression="zstd")

    def group(rows: list[tuple[tuple[str, ...], Cell]]) -> pa.Table:
        arrays = []
        for i, code in enumerate(codes):
            arrays.append(pa.array([combination[i] for combination, _ in rows], pa.string()))
            arrays.append(pa.array([labels[code, combination[i]] for combination, _ in rows], pa.string()))
        arrays.append(pa.array([cell.value for _, cell in rows], pa.decimal128(MAX_PRECISION, scale)))
        arrays.append(pa.array([cell.status.value for _, cell in rows], pa.string()))
        return pa.Table.from_arrays(arrays, schema=schema)

    rows: list[tuple[tuple[str, ...], Cell]] = []
    for item in cells():
        rows.append(item)
        if len(rows) == rows_per_group:
            writer.write_table(group(rows))
            rows = []
            yield sink.take()
    if rows or sink.position == 0:
        writer.write_table(group(rows))
    writer.close()
    yield sink.take()
