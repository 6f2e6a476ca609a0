"""The proof from a Parquet file's own pages that its ids run consecutively (citystat.aggregate.id_runs).

Files are written by pyarrow, as producers write them; what the ids are is read back by pyarrow's own decoder.
The rule under test: a "yes" (a first id) only when the decoded ids are first, first + 1, ... in file order; a
consecutive id column written with DELTA_BINARY_PACKED in a supported codec gets its "yes"; nothing raises.
"""

from __future__ import annotations

import random
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from citystat.aggregate.id_runs import consecutive_first

ID = "event_id"
INT64 = pa.int64()


def write(path: Path, ids: np.ndarray | list, *, encoding: str | None = "DELTA_BINARY_PACKED",
          compression: str = "zstd", page_version: str = "1.0", row_group_size: int | None = None,
          page_size: int | None = None, nullable: bool = False, type_: pa.DataType = INT64, **extra: object) -> Path:
    table = pa.table({ID: pa.array(ids, type_), "other": pa.array(np.arange(len(ids)) % 7, pa.int32())},
                     schema=pa.schema([pa.field(ID, type_, nullable=nullable), pa.field("other", pa.int32())]))
    options: dict = {"compression": compression, "data_page_version": page_version, **extra}
    if encoding is not None:
        options |= {"use_dictionary": ["other"], "column_encoding": {ID: encoding}}
    if row_group_size:
        options["row_group_size"] = row_group_size
    if page_size:
        options["data_page_size"] = page_size
    pq.write_table(table, path, **options)
    return path


def first_of(path: Path) -> int | None:
    return consecutive_first(pq.ParquetFile(path), path, ID)


def decoded(path: Path) -> np.ndarray:
    return pq.read_table(path, columns=[ID])[ID].to_numpy()


@pytest.mark.parametrize("compression", ["zstd", "snappy", "gzip", "none", "brotli", "lz4"])
@pytest.mark.parametrize("page_version", ["1.0", "2.0"])
@pytest.mark.parametrize("checksums", [False, True], ids=["", "crc"])
def test_consecutive_ids_are_shown_by_their_pages_in_every_codec_and_page_version(
        tmp_path: Path, compression: str, page_version: str, checksums: bool) -> None:
    start = 202_109_000_000_000_000
    path = write(tmp_path / "f.parquet", np.arange(start, start + 250_001), compression=compression,
                 page_version=page_version, row_group_size=60_000, page_size=4096,
                 write_page_checksum=checksums, write_page_index=checksums)
    meta = pq.ParquetFile(path).metadata
    assert meta.num_row_groups == 5  # several row groups, each of several pages
    assert first_of(path) == start


@pytest.mark.parametrize("ids", [
    [5, 6, 7, 7, 8],  # a repeated id
    [5, 6, 8, 9],  # a gap: distinct, but not shown consecutive here
    [9, 8, 7],  # descending
    [1, 2, 3] * 3,
    [(1 << 63) - 3, (1 << 63) - 2, (1 << 63) - 1, -(1 << 63)],  # wraps around past the largest int64
])
def test_ids_that_do_not_run_by_one_get_no_answer(tmp_path: Path, ids: list[int]) -> None:
    assert first_of(write(tmp_path / "f.parquet", ids)) is None


def test_a_repeated_id_deep_inside_a_long_file_is_caught(tmp_path: Path) -> None:
    ids = np.arange(1_000, 301_000)
    ids[234_567] = ids[234_566]
    assert first_of(write(tmp_path / "f.parquet", ids, page_size=8192)) is None


def test_a_page_that_restarts_the_run_is_caught(tmp_path: Path) -> None:
    """Each page is consecutive on its own, but the second row group starts over: the same ids twice."""
    ids = np.concatenate([np.arange(100, 50_100), np.arange(100, 50_100)])
    assert first_of(write(tmp_path / "f.parquet", ids, row_group_size=50_000)) is None


@pytest.mark.parametrize("options", [
    {"encoding": None},  # pyarrow's default: a dictionary
    {"encoding": "PLAIN"},
    {"type_": pa.uint64()},
])
def test_other_encodings_and_types_get_no_answer(tmp_path: Path, options: dict) -> None:
    assert first_of(write(tmp_path / "f.parquet", np.arange(10, 5_010), **options)) is None


@pytest.mark.parametrize("page_version", ["1.0", "2.0"])
def test_an_optional_column_is_shown_when_its_levels_say_no_id_is_null(tmp_path: Path, page_version: str) -> None:
    ids = np.arange(10, 50_010)
    shown = write(tmp_path / "a.parquet", ids, nullable=True, page_version=page_version, page_size=4096)
    assert first_of(shown) == 10
    with_null = pa.array(ids, pa.int64(), mask=np.arange(len(ids)) == 31_234)  # a null where id 31,244 was
    assert first_of(write(tmp_path / "b.parquet", with_null, nullable=True, page_version=page_version)) is None


@pytest.mark.parametrize("version", ["V1", "V2"])
@pytest.mark.parametrize("compression", ["zstd", "snappy", "uncompressed"])
def test_files_written_by_duckdb(tmp_path: Path, version: str, compression: str) -> None:
    """DuckDB's own writer (optional columns; delta-encoded integers in its format V2): shown exactly when its
    ids run, with or without a null."""
    path = tmp_path / "f.parquet"
    for query, expected in [("range + 1000", 1000 if version == "V2" else None),  # V1 writes them PLAIN
                            ("CASE WHEN range = 123456 THEN NULL ELSE range + 1000 END", None),
                            ("CASE WHEN range = 123456 THEN 1000 ELSE range + 1000 END", None)]:
        duckdb.execute(f"COPY (SELECT ({query})::BIGINT AS {ID}, range % 7 AS other FROM range(300000)) TO '{path}' "
                       f"(FORMAT parquet, PARQUET_VERSION {version}, COMPRESSION {compression})")
        assert first_of(path) == expected, query


def test_int32_ids_and_an_empty_file(tmp_path: Path) -> None:
    assert first_of(write(tmp_path / "a.parquet", np.arange(-40, 4_000), type_=pa.int32())) == -40
    assert first_of(write(tmp_path / "b.parquet", np.arange(0))) is None


def test_a_missing_column_gets_no_answer(tmp_path: Path) -> None:
    path = write(tmp_path / "f.parquet", np.arange(5))
    assert consecutive_first(pq.ParquetFile(path), path, "no_such_column") is None


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(st.integers(-(1 << 62), 1 << 62), min_size=1, max_size=300),
       run=st.booleans(), start=st.integers(-(1 << 40), 1 << 40), page_version=st.sampled_from(["1.0", "2.0"]),
       compression=st.sampled_from(["zstd", "snappy", "none"]), row_group=st.integers(1, 400),
       nulls=st.sets(st.integers(0, 299), max_size=3), nullable=st.booleans())
def test_an_answer_is_given_only_for_a_decoded_run(tmp_path: Path, values: list[int], run: bool, start: int,
                                                    page_version: str, compression: str, row_group: int,
                                                    nulls: set[int], nullable: bool) -> None:
    ids = np.arange(start, start + len(values)) if run else np.array(values)
    mask = np.isin(np.arange(len(ids)), list(nulls)) if nullable else None
    path = write(tmp_path / "f.parquet", pa.array(ids, pa.int64(), mask=mask), page_version=page_version,
                 compression=compression, row_group_size=row_group, page_size=256, nullable=nullable)
    found = first_of(path)
    got = pq.read_table(path, columns=[ID])[ID]
    is_run = got.null_count == 0 and bool((got.to_numpy() == got[0].as_py() + np.arange(len(got))).all())
    assert found == (got[0].as_py() if is_run else None)


def _read_by(reader: str, path: Path) -> np.ndarray | None:
    """The ids as ``reader`` decodes them, or None when it refuses the file."""
    try:
        if reader == "pyarrow":
            return decoded(path)
        return duckdb.sql(f"SELECT {ID} FROM read_parquet('{path}')").fetchnumpy()[ID]
    except (OSError, duckdb.Error):
        return None


@pytest.mark.parametrize("options", [{}, {"page_version": "2.0"}, {"compression": "snappy"}, {"compression": "none"},
                                     {"nullable": True}, {"nullable": True, "page_version": "2.0"}])
def test_damaged_bytes_never_give_an_answer_a_decoder_contradicts(tmp_path: Path, options: dict) -> None:
    """Bytes of the id column's pages changed at random (headers most of all): either no answer, or the file is
    refused by the readers (the scan will then say it is damaged) or decodes to exactly that run."""
    run = np.arange(7_000, 47_000)
    path = write(tmp_path / "f.parquet", run, page_size=2048, row_group_size=15_000, **options)
    chunk = pq.ParquetFile(path).metadata.row_group(1).column(0)
    original = path.read_bytes()
    rng = random.Random(14)
    answered = 0
    for trial in range(200):
        data = bytearray(original)
        for _ in range(rng.randint(1, 3)):
            data[chunk.data_page_offset + rng.randrange(min(400, chunk.total_compressed_size))] = rng.randrange(256)
        damaged = tmp_path / f"d{trial}.parquet"
        damaged.write_bytes(bytes(data))
        found = first_of(damaged)
        if found is None:
            continue
        answered += 1
        assert found == 7_000
        for reader in ("pyarrow", "duckdb"):
            got = _read_by(reader, damaged)
            assert got is None or (len(got) == len(run) and (got == run).all()), (trial, reader)
    assert 0 < answered < 200  # damage to statistics passes; damage to what is read does not
