"""Small Arrow tables built from Python values without ``pa.array``.

``pa.array`` of a list (or of a numpy array) asks whether the value is a pandas object, and the first such question
imports pandas: about 0.2 s, most of the cost of a cold incremental run that adds a day. The tables an aggregation
run registers (its calendar, periods, files and partial-store registries) are a few columns of whole numbers and
strings, so they are built here from numpy buffers instead, and pandas stays unimported.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence, Sized
from typing import Any

import numpy as np
import pyarrow as pa

_WHOLE_NUMBERS = {pa.int8(): np.int8, pa.int16(): np.int16, pa.int32(): np.int32, pa.int64(): np.int64}


def column(values: Sequence[Any] | np.ndarray, type_: pa.DataType) -> pa.Array:
    """An Arrow array of ``values``: whole numbers (None a null; a numpy array of them, no nulls), strings, or
    lists of strings (no nulls)."""
    if type_ in _WHOLE_NUMBERS:
        if isinstance(values, np.ndarray):
            array = np.ascontiguousarray(values, dtype=_WHOLE_NUMBERS[type_])
            return pa.Array.from_buffers(type_, len(array), [None, pa.py_buffer(array)])
        present = np.fromiter((v is not None for v in values), dtype=bool, count=len(values))
        data = np.fromiter((v or 0 for v in values), dtype=_WHOLE_NUMBERS[type_], count=len(values))
        validity = None if present.all() else pa.py_buffer(np.packbits(present, bitorder="little"))
        return pa.Array.from_buffers(type_, len(values), [validity, pa.py_buffer(data)])
    if pa.types.is_string(type_):
        encoded = [str(v).encode("utf-8") for v in values]
        return pa.Array.from_buffers(pa.string(), len(encoded), [None, pa.py_buffer(_offsets(encoded)),
                                                                  pa.py_buffer(b"".join(encoded))])
    if pa.types.is_list(type_) and pa.types.is_string(type_.value_type):
        flat = column([item for items in values for item in items], pa.string())
        offsets = pa.Array.from_buffers(pa.int32(), len(values) + 1, [None, pa.py_buffer(_offsets(values))])
        return pa.ListArray.from_arrays(offsets, flat)
    raise TypeError(f"no column of {type_} here")


def table(columns: Mapping[str, tuple[Sequence[Any] | np.ndarray, pa.DataType]]) -> pa.Table:
    """An Arrow table of the named columns, each given as (values, type)."""
    return pa.Table.from_arrays([column(values, type_) for values, type_ in columns.values()], names=list(columns))


def _offsets(parts: Iterable[Sized]) -> np.ndarray:
    lengths = np.fromiter((len(p) for p in parts), dtype=np.int64)
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    if offsets[-1] > np.iinfo(np.int32).max:
        raise ValueError("more than 2 GiB of text in one column")
    return offsets.astype(np.int32)

