"""The content hash of a table: a digest of everything a reader sees, which decides whether a load is a new release.

Version 2 (written ``v2-`` and 64 hex digits) digests the metadata and, for every cell in the cube's order, three
columns as the store keeps them, so that a load can hash them as DuckDB hands them over (Arrow buffers), with no
text made per cell:

- the value times 10^6 as a signed 128-bit little-endian integer (0 for a cell with no number): the store keeps
  6 decimal places, so this is exact for every value it holds;
- the decimals the value is published with, one signed byte (-1 for a cell with no number);
- the status's UTF-8 text followed by the byte 0x1F.

Version 1 (64 hex digits, no prefix) digested a text record per cell (codes, number as written, status). Releases
hashed so are still recognised: a load whose version-2 hash differs from a version-1 latest release is compared by
its version-1 hash too.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Iterator
from decimal import Decimal

import numpy as np
import pyarrow as pa

from citystat.model import Table, TableMeta, meta_to_dict

PREFIX = "v2-"
SCALE = 6  # the store's decimal places (citystat.store.deltas.STORED_DECIMALS)
_RECORD, _FIELD = "\x1e", "\x1f"


def is_version_1(digest: str) -> bool:
    return not digest.startswith(PREFIX)


def published_decimals(value: Decimal) -> int:
    """The places after the point as published (1.50 has 2), read from str(), which is several times quicker
    than as_tuple() and exact unless it writes an exponent."""
    text = str(value)
    if "E" in text:
        exponent = value.as_tuple().exponent
        return max(0, -exponent) if isinstance(exponent, int) else 0
    point = text.find(".")
    return len(text) - point - 1 if point >= 0 else 0


class Digest:
    """A version-2 content hash fed column by column, a batch of cells at a time (the cube's order)."""

    def __init__(self, meta: TableMeta):
        self.meta = meta_json(meta)
        self.values, self.decimals, self.statuses = hashlib.sha256(), hashlib.sha256(), hashlib.sha256()

    def add_cells(self, values: list[int], decimals: list[int], statuses: list[str]) -> None:
        self.values.update(b"".join(v.to_bytes(16, "little", signed=True) for v in values))
        self.decimals.update(np.asarray(decimals, dtype=np.int8).tobytes())
        self.statuses.update("".join(s + _FIELD for s in statuses).encode())

    def add_columns(self, values: pa.Array, decimals: pa.Array, statuses: pa.Array) -> None:
        """Arrow columns with no nulls: decimal128(38, 6) values, int8 decimals, and statuses each ending 0x1F."""
        if values.null_count or decimals.null_count or statuses.null_count:
            raise ValueError("the columns of a content hash have no nulls")
        if values.type != pa.decimal128(38, SCALE) or decimals.type != pa.int8():
            raise TypeError(f"unexpected column types {values.type}, {decimals.type}")
        self.values.update(_fixed(values, 16))
        self.decimals.update(_fixed(decimals, 1))
        for chunk in strings(statuses):
            self.statuses.update(chunk)

    def hexdigest(self) -> str:
        digest = hashlib.sha256(b"citystat content 2\n")
        digest.update(self.meta.encode())
        for column in (self.values, self.decimals, self.statuses):
            digest.update(column.digest())
        return PREFIX + digest.hexdigest()


def meta_json(meta: TableMeta) -> str:
    return json.dumps(meta_to_dict(meta), sort_keys=True, ensure_ascii=False)


def table_digest(table: Table, batch: int = 65_536) -> str:
    """The version-2 content hash of a table of objects."""
    digest = Digest(table.meta)
    cells = (cell for _, cell in table.ordered_cells())
    while part := list(itertools.islice(cells, batch)):
        digest.add_cells([0 if c.value is None else int(c.value.scaleb(SCALE)) for c in part],
                         [-1 if c.value is None else published_decimals(c.value) for c in part],
                         [c.status.value for c in part])
    return digest.hexdigest()


def table_digest_version_1(table: Table) -> str:
    """The version-1 content hash of a table of objects: a text record per cell."""
    digest = hashlib.sha256()
    digest.update(meta_json(table.meta).encode())
    for key, cell in table.ordered_cells():
        value = "" if cell.value is None else format(cell.value, "f")
        digest.update(_FIELD.join([_RECORD, *key, value, cell.status.value]).encode())
    return digest.hexdigest()


def _fixed(array: pa.Array, width: int) -> memoryview:
    """The data of a fixed-width Arrow array, as its slice lies in the buffer."""
    data = array.buffers()[1]
    assert data is not None
    return memoryview(data)[array.offset * width:(array.offset + len(array)) * width]


def strings(array: pa.Array) -> Iterator[memoryview]:
    """The bytes of every string of an Arrow array, concatenated in order (its data buffer, sliced)."""
    if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
        array = array.cast(pa.large_string())
    if array.null_count:
        raise ValueError("a string is null")
    _, offsets, data = array.buffers()
    assert offsets is not None
    kind = np.int64 if pa.types.is_large_string(array.type) else np.int32
    bounds = np.frombuffer(offsets, dtype=kind, count=len(array) + 1, offset=array.offset * np.dtype(kind).itemsize)
    if data is not None:
        yield memoryview(data)[int(bounds[0]):int(bounds[-1])]
