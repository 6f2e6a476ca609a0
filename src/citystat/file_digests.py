"""Digests of the files a release is made from, for its provenance: read in pieces, so a large file is never
held whole."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from citystat.model import FileDigest


def file_digest(path: Path) -> FileDigest:
    """The file's name, SHA-256 and size, as ``sha256sum`` would give them."""
    with path.open("rb") as f:
        digest = hashlib.file_digest(f, "sha256")
    return FileDigest(path.name, digest.hexdigest(), path.stat().st_size)


def files_digest(paths: Iterable[Path]) -> str:
    """One SHA-256 over several files, each given by its name and content in name order: a set of files (a
    folder of definitions) changes digest when any file is added, removed, renamed or edited."""
    total = hashlib.sha256()
    for path in sorted(paths, key=lambda p: p.name):
        one = file_digest(path)
        total.update(f"{one.name}\0{one.sha256}\n".encode())
    return total.hexdigest()
