"""Whether a Parquet file's id column runs consecutively, shown by its own pages without decoding the values.

Proving that events' ids are distinct must look at every id. For a file whose ids are ``first, first + 1, ...``
in file order, the pages show it on their own: in DELTA_BINARY_PACKED (the encoding the simulator and any writer
asked for it use for ids), a page is its first value, then blocks of a least delta and the bit widths of the
deltas above it. A block whose least delta is 1 and whose bit widths are all 0 holds only deltas of 1, and its
packed deltas take no bytes. So a page is checked by comparing its bytes after the first value with that pattern:
a few hundred bytes for 20,000 ids, against reading, decompressing and comparing each id with its row number.

An optional column counts when its definition levels (the RLE / bit-packed hybrid) say every value is present,
as DuckDB writes ids with ``PARQUET_VERSION V2``. Anything else (another encoding, a dictionary, a null, a gap, a
repeated id, a page that does not parse, a codec pyarrow cannot decompress) gives no answer, and the aggregation
proves the ids another way: this never says "yes" without the pages showing it, and it never raises. Reading is
bounded: only the column's chunks, each at most ``MAX_CHUNK`` bytes, and each page at most ``MAX_PAGE`` bytes
once decompressed.

The page headers are Thrift compact-protocol structs (parquet-format's ``PageHeader``); pyarrow and DuckDB read
them but expose neither the pages nor the encoded bytes, so the few fields needed are read here.
"""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import zstandard

MAX_CHUNK = 64 << 20  # bytes of one row group's id column read at most
MAX_PAGE = 16 << 20  # bytes of one decompressed page

# pyarrow's names of the codecs (its "LZ4" is parquet's LZ4_RAW, a bare block; Hadoop's framing is LZ4_HADOOP)
_CODECS = {"UNCOMPRESSED": None, "SNAPPY": "snappy", "GZIP": "gzip", "ZSTD": "zstd", "BROTLI": "brotli",
           "LZ4": "lz4_raw", "LZ4_RAW": "lz4_raw"}
_DATA_PAGE, _INDEX_PAGE, _DICTIONARY_PAGE, _DATA_PAGE_V2 = 0, 1, 2, 3
_RLE, _DELTA_BINARY_PACKED = 3, 5
_BOUNDS = {pa.int64(): (-(1 << 63), (1 << 63) - 1), pa.int32(): (-(1 << 31), (1 << 31) - 1)}


class _NoRun(Exception):
    """The pages do not show a consecutive run (or do not parse)."""


def consecutive_first(parquet: pq.ParquetFile, path: Path | str, column: str) -> int | None:
    """The first value of ``column`` when the file's pages show its values are first, first + 1, ... in file
    order (so every value is distinct); None when they do not show it, or the file has no rows."""
    try:
        return _first_of_run(parquet, os.fspath(path), column)
    except (_NoRun, IndexError, ValueError, OSError, RecursionError, pa.ArrowException, zstandard.ZstdError):
        return None


def _first_of_run(parquet: pq.ParquetFile, path: str, column: str) -> int | None:
    meta = parquet.metadata
    names = [meta.schema.column(i).path for i in range(meta.num_columns)]
    if meta.num_rows == 0 or names.count(column) != 1:
        return None
    index = names.index(column)
    described = meta.schema.column(index)
    bounds = _BOUNDS.get(parquet.schema_arrow.field(column).type)
    if bounds is None or described.max_definition_level > 1 or described.max_repetition_level:
        return None  # an id nested, repeated, unsigned or not a whole number: not shown here
    optional = described.max_definition_level == 1  # then every page's definition levels must say "present"
    first: int | None = None
    following = 0  # the value the next page must start with
    with open(path, "rb") as file:
        for group in range(meta.num_row_groups):
            chunk = meta.row_group(group).column(index)
            if chunk.num_values == 0:
                continue
            if (chunk.dictionary_page_offset is not None or "DELTA_BINARY_PACKED" not in chunk.encodings
                    or chunk.compression not in _CODECS or not 0 < chunk.total_compressed_size <= MAX_CHUNK):
                return None
            file.seek(chunk.data_page_offset)
            data = file.read(chunk.total_compressed_size)
            for page_first, count in _pages(data, _CODECS[chunk.compression], chunk.num_values, optional):
                if first is None:
                    first = following = page_first
                if page_first != following:
                    return None
                following += count
    if first is None or following - first != meta.num_rows or following - 1 > bounds[1]:
        return None
    return first


def _pages(data: bytes, codec: str | None, values: int, optional: bool):
    """(first value, count) of each data page of a column chunk whose values run by 1 within the page (of an
    ``optional`` column, with no null: every definition level 1)."""
    at, seen = 0, 0
    while seen < values:
        header, at = _page_header(data, at)
        kind, size, stored = header.get(1), header.get(2, -1), header.get(3, -1)
        body = data[at:at + stored]
        at += stored
        if stored < 0 or len(body) != stored or not 0 <= size <= MAX_PAGE:
            raise _NoRun
        if kind == _INDEX_PAGE:
            continue
        if kind == _DATA_PAGE:  # levels, then values, compressed together
            page = header.get(5) or {}
            count, encoding = page.get(1, -1), page.get(2)
            encoded = _decompressed(body, size, codec)
            if optional:  # the levels' length (4 bytes, little-endian), then the levels (RLE)
                length = int.from_bytes(encoded[:4], "little")
                if page.get(3) != _RLE or not _all_present(encoded[4:4 + length], count):
                    raise _NoRun
                encoded = encoded[4 + length:]
        elif kind == _DATA_PAGE_V2:  # levels uncompressed, then the values
            page = header.get(8) or {}
            count, encoding = page.get(1, -1), page.get(4)
            length = page.get(5, -1)
            if page.get(2) or page.get(6) or (length > 0) != optional or not 0 <= length <= min(size, stored):
                raise _NoRun  # nulls, repetition levels, or levels the column does not have
            if optional and not _all_present(body[:length], count):
                raise _NoRun
            encoded = _decompressed(body[length:], size - length, codec if page.get(7, 1) else None)
        else:
            raise _NoRun  # a dictionary page
        if encoding != _DELTA_BINARY_PACKED or count <= 0:
            raise _NoRun
        yield _delta_run(encoded, count), count
        seen += count
    if seen != values:
        raise _NoRun


_ZSTD = zstandard.ZstdDecompressor()  # pyarrow's decompress starts a context for every call: 25 times as long


def _decompressed(body: bytes, size: int, codec: str | None) -> bytes:
    if codec is None:
        if len(body) != size:
            raise _NoRun
        return body
    if codec == "zstd":
        if zstandard.frame_content_size(body) not in (size, -1):  # a frame whose stated size would be allocated
            raise _NoRun
        out = _ZSTD.decompress(body, max_output_size=size)
    else:
        out = pa.decompress(body, decompressed_size=size, codec=codec, asbytes=True)
    if len(out) != size:
        raise _NoRun
    return out


def _all_present(levels: bytes, count: int) -> bool:
    """Whether definition levels of bit width 1 (the RLE / bit-packed hybrid) say ``count`` values are all
    present: every level 1."""
    at, seen = 0, 0
    while seen < count:
        head, at = _varint(levels, at)
        if head & 1:  # bit-packed: (head >> 1) groups of 8 levels, a byte each; levels past count are padding
            groups = head >> 1
            packed = levels[at:at + groups]
            if groups == 0 or len(packed) != groups:
                return False
            wanted = min(groups * 8, count - seen)
            full, rest = divmod(wanted, 8)
            if packed[:full] != b"\xff" * full or (rest and packed[full] & ((1 << rest) - 1) != (1 << rest) - 1):
                return False
            at += groups
            seen += groups * 8
        else:  # a run of (head >> 1) copies of one level, in a byte
            if head >> 1 == 0 or at >= len(levels) or levels[at] != 1:
                return False
            at += 1
            seen += head >> 1
    return at == len(levels)


def _delta_run(encoded: bytes, count: int) -> int:
    """The first value of a DELTA_BINARY_PACKED page of ``count`` values that runs by 1 (every block's least
    delta 1, every bit width 0, nothing after the blocks)."""
    block, at = _varint(encoded, 0)
    miniblocks, at = _varint(encoded, at)
    total, at = _varint(encoded, at)
    first, at = _varint(encoded, at)
    if total != count or block <= 0 or block % 128 or miniblocks <= 0 or block % miniblocks \
            or (block // miniblocks) % 32:
        raise _NoRun
    blocks = -(-(count - 1) // block)
    if len(encoded) - at != blocks * (1 + miniblocks):
        raise _NoRun
    if encoded[at:] != (b"\x02" + bytes(miniblocks)) * blocks:  # least delta zigzag(1) = 2, widths 0
        raise _NoRun
    return _zigzag(first)


def _varint(data: bytes, at: int) -> tuple[int, int]:
    shift = value = 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, at
        shift += 7
        if shift > 70:
            raise _NoRun


def _zigzag(n: int) -> int:
    return (n >> 1) ^ -(n & 1)


# Thrift compact protocol: a field is a byte (id delta << 4 | type), an id of its own when the delta is 0. The
# fields read are checked against their declared types, and the required ones must be there, as a strict reader
# (pyarrow's, DuckDB's) demands: a header they refuse gets no answer here either.
_TRUE, _FALSE, _I32, _STRUCT = 1, 2, 5, 12
_DATA_PAGE_FIELDS = {1: _I32, 2: _I32, 3: _I32, 4: _I32, 5: _STRUCT}  # num_values, encoding, level encodings
# num_values, num_nulls, num_rows, encoding, the levels' lengths, is_compressed, statistics
_DATA_PAGE_V2_FIELDS = {1: _I32, 2: _I32, 3: _I32, 4: _I32, 5: _I32, 6: _I32, 7: _TRUE, 8: _STRUCT}
# type, uncompressed_page_size, compressed_page_size, crc, then data, index, dictionary and v2 data page headers
_PAGE_HEADER_FIELDS = {1: _I32, 2: _I32, 3: _I32, 4: _I32, 5: _STRUCT, 6: _STRUCT, 7: _STRUCT, 8: _STRUCT}
_REQUIRED = {_DATA_PAGE: (5, range(1, 5)), _DATA_PAGE_V2: (8, range(1, 7))}
_NESTED = {5: _DATA_PAGE_FIELDS, 8: _DATA_PAGE_V2_FIELDS}


def _page_header(data: bytes, at: int) -> tuple[dict, int]:
    """A PageHeader's whole-number fields by id, and those of its data page header (v1 or v2) as a dict."""
    header, at = _struct(data, at, _PAGE_HEADER_FIELDS, _NESTED)
    if not {1, 2, 3} <= header.keys():
        raise _NoRun
    nested, wanted = _REQUIRED.get(header[1], (None, range(0)))
    if nested is not None and not set(wanted) <= header.get(nested, {}).keys():
        raise _NoRun
    return header, at


def _struct(data: bytes, at: int, declared: dict[int, int] | None = None,
            nested: dict[int, dict[int, int]] | None = None) -> tuple[dict, int]:
    fields: dict = {}
    field = 0
    while True:
        head = data[at]
        at += 1
        if head == 0:
            return fields, at
        kind = head & 0x0F
        if head >> 4:
            field += head >> 4
        else:
            raw, at = _varint(data, at)
            field = _zigzag(raw)
        if declared is None or field not in declared:
            at = _skip(data, at, kind)
            continue
        if (_TRUE if kind == _FALSE else kind) != declared[field]:
            raise _NoRun  # a field of the wrong type
        if kind == _I32:
            raw, at = _varint(data, at)
            fields[field] = _zigzag(raw)
            if not -(1 << 31) <= fields[field] < 1 << 31:
                raise _NoRun
        elif kind in (_TRUE, _FALSE):  # booleans are in the type
            fields[field] = int(kind == _TRUE)
        elif nested and field in nested:
            fields[field], at = _struct(data, at, nested[field])
        else:
            at = _skip(data, at, kind)


def _skip(data: bytes, at: int, kind: int) -> int:
    """Past a field's value (a boolean field's value is its type: nothing to pass)."""
    if kind in (_TRUE, _FALSE):
        return at
    if kind == 3:
        return at + 1
    if kind in (4, 5, 6):
        return _varint(data, at)[1]
    if kind == 7:
        return at + 8
    if kind == 8:
        size, at = _varint(data, at)
        return at + size
    if kind in (9, 10):
        head = data[at]
        at += 1
        size, element = head >> 4, head & 0x0F
        if size == 15:
            size, at = _varint(data, at)
        if size > len(data) - at:  # every element takes a byte at least
            raise _NoRun
        for _ in range(size):
            at = _skip_element(data, at, element)
        return at
    if kind == 11:
        size, at = _varint(data, at)
        if size > len(data) - at:
            raise _NoRun
        if size:
            types = data[at]
            at += 1
            for _ in range(size):
                at = _skip_element(data, _skip_element(data, at, types >> 4), types & 0x0F)
        return at
    if kind == _STRUCT:
        return _struct(data, at)[1]
    raise _NoRun  # not a type of the protocol


def _skip_element(data: bytes, at: int, kind: int) -> int:
    """Past an element of a list, set or map (a boolean element takes a byte of its own)."""
    return at + 1 if kind in (_TRUE, _FALSE) else _skip(data, at, kind)
