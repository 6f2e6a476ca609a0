"""Ingest: read every file (a folder is its files, in name order), build the tables, or report every problem.

Nothing here writes to the store: the caller loads the tables in one transaction, so a file that cannot be
read whole means nothing is loaded.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from citystat.file_digests import file_digest
from citystat.ingest.data_taipei import DataTaipeiReader, read_pages
from citystat.ingest.reading import Reading
from citystat.ingest.registry import reader_for
from citystat.ingest.source import SourceFile
from citystat.ingest.tables import builder_for
from citystat.model import InvalidInput, Problem, Provenance, Table

SKIPPED_NAMES = ("SOURCE.md", "NOTICE", "README.md", "LICENSE")
FileProgress = Callable[[str, int], None]  # (file name, bytes just read)


@dataclass
class IngestResult:
    readings: list[Reading]
    tables: list[Table] = field(default_factory=list)
    unbuilt: list[Reading] = field(default_factory=list)  # read, but no table is built from their kind


def provenance(files: Sequence[Path]) -> Provenance:
    """Where ingested tables come from: the files read (as ``expand`` lists them), with their digests."""
    return Provenance.ingest(file_digest(path) for path in files)


def expand(paths: Iterable[Path]) -> list[Path]:
    """Files to read: a folder stands for its files (not hidden, not documentation), sorted by name."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir()
                                if p.is_file() and not p.name.startswith(".") and p.name not in SKIPPED_NAMES
                                and p.suffix.lower() != ".md"))
        elif path.exists():
            files.append(path)
        else:
            raise FileNotFoundError(f"{path}: no such file or folder")
    return files


def read_all(files: Sequence[Path], *, encoding: str | None = None, media_type: str | None = None,
             progress: FileProgress | None = None) -> list[Reading]:
    """Read every file; the problems of all of them are raised together, so nothing is half-read."""
    problems: list[Problem] = []
    readings: list[Reading] = []
    pages: list[SourceFile] = []
    for path in files:
        try:
            source = SourceFile.open(path, media_type=media_type, encoding=encoding)
        except InvalidInput as exc:
            problems.extend(exc.problems)
            continue
        if progress:
            progress(path.name, len(source.data))
        reader = reader_for(source)
        if reader is None:
            problems.append(Problem("unknown_format", "no reader handles this file (see 'citystat readers')",
                                    file=source.name))
            continue
        if isinstance(reader, DataTaipeiReader):
            pages.append(source)  # pages of one dataset are read together, so their count can be checked
            continue
        try:
            readings.append(reader.read(source))
        except InvalidInput as exc:
            problems.extend(exc.problems)
    if pages:
        try:
            readings.append(read_pages([(p, p.json()) for p in pages]))
        except InvalidInput as exc:
            problems.extend(exc.problems)
    if problems:
        raise InvalidInput(problems)
    return readings


def build_tables(readings: Sequence[Reading], as_table: str | None = None) -> IngestResult:
    """One table per kind of record; ``as_table`` renames it (one kind only)."""
    by_kind: dict[str, list[Reading]] = {}
    for reading in readings:
        by_kind.setdefault(reading.kind, []).append(reading)
    result = IngestResult(list(readings))
    buildable = {kind: group for kind, group in by_kind.items() if builder_for(kind) is not None}
    if as_table is not None and len(buildable) > 1:
        raise InvalidInput([Problem("several_tables", f"--as names one table, but the files make {len(buildable)} "
                                    f"({', '.join(buildable)}); ingest them apart", table=as_table)])
    for kind, group in by_kind.items():
        builder = builder_for(kind)
        if builder is None:
            result.unbuilt.extend(group)
            continue
        table = builder.build(group)
        if as_table is not None:
            table = replace(table, meta=replace(table.meta, id=as_table))
        result.tables.append(table)
    return result


def ingest(paths: Iterable[Path], *, as_table: str | None = None, encoding: str | None = None,
           media_type: str | None = None, progress: FileProgress | None = None) -> IngestResult:
    return build_tables(read_all(expand(paths), encoding=encoding, media_type=media_type, progress=progress),
                        as_table)


REJECT_COLUMNS = ("file", "row", "kind", "record_id", "field", "value", "reason")


def rejects_csv(readings: Sequence[Reading]) -> str:
    """Every rejected row and bad cell, one a line, for a person to check."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(REJECT_COLUMNS)
    for reading in readings:
        for r in reading.rejected:
            writer.writerow((r.file, r.row, "rejected row", r.record_id, r.field, r.value, r.reason))
        for c in reading.bad_cells:
            writer.writerow((c.file, c.row, "bad cell", "", c.field, c.value, c.reason))
    return out.getvalue()
