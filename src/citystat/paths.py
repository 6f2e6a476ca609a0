"""Output paths made from ids: the id is checked, and the path resolved and kept inside its folder."""

from __future__ import annotations

from pathlib import Path

from citystat.model.identifiers import table_id_problem


class UnsafePath(ValueError):
    """An output path that would leave its folder, or an id that is not one."""


def checked_ids(ids: list[str]) -> list[str]:
    """The ids, each matching the table id pattern; UnsafePath naming every one that does not."""
    bad = [problem for i in ids if (problem := table_id_problem(i)) is not None]
    if bad:
        raise UnsafePath("; ".join(bad))
    return ids


def inside(folder: Path, name: str) -> Path:
    """``folder / name`` resolved, refused unless it stays inside the resolved ``folder``."""
    root = folder.resolve()
    path = (root / name).resolve()
    if path.parent != root and root not in path.parents:
        raise UnsafePath(f"the output {name!r} would be written outside {folder}")
    return path
