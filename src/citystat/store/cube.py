"""A cell's position in the cube of a release: the store keeps a cell as its ordinal in the order of
``meta.cell_keys()`` (variable 0 outermost), and gets its codes back from the release's metadata.

code_i = codes_i[(position // stride_i) % count_i], where stride_i is the product of the counts of the variables
after i. A cube *extends* another when its cells keep their positions: the same variables, the same codes of every
variable but the first, and the first variable's codes those of the other followed by new ones (periods added at the
end). Releases stored as deltas on one another are such a chain (``citystat.store.deltas``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from citystat.model import TableMeta


def sizes(meta: TableMeta) -> list[int]:
    return [len(v.codes) for v in meta.variables]


def strides(meta: TableMeta) -> list[int]:
    """How far apart in position two cells are whose codes of variable i are neighbours."""
    counts = sizes(meta)
    out = [1] * len(counts)
    for i in reversed(range(len(counts) - 1)):
        out[i] = out[i + 1] * counts[i + 1]
    return out


def extends(new: TableMeta, old: TableMeta) -> bool:
    """Whether every cell of ``old``'s cube has the same position in ``new``'s (an identical cube does)."""
    if len(new.variables) != len(old.variables):
        return False
    if not new.variables:
        return True
    if any(list(a.codes) != list(b.codes) for a, b in zip(new.variables[1:], old.variables[1:], strict=True)):
        return False
    first, before = list(new.variables[0].codes), list(old.variables[0].codes)
    return first[:len(before)] == before


def same(a: TableMeta, b: TableMeta) -> bool:
    """Whether two releases' cubes are the same (labels, notes and units aside)."""
    return [list(v.codes) for v in a.variables] == [list(v.codes) for v in b.variables]


def codes_sql(meta: TableMeta, position: str, name: str) -> tuple[str, dict[str, Any]]:
    """SQL for the list of a cell's codes (``VARCHAR[]``) from its ``position`` in the cube of ``meta``, and its
    parameters (the codes of each variable, named ``{name}0``, ``{name}1``, ...)."""
    counts, steps = sizes(meta), strides(meta)
    terms = [f"list_extract(${name}{i}::VARCHAR[], ({position} // {steps[i]}) % {counts[i]} + 1)"
             for i in range(len(counts))]
    return f"[{', '.join(terms)}]::VARCHAR[]", _codes(meta, name)


def position_joins(meta: TableMeta, name: str, code_of: Callable[[int], str], join: str = "JOIN"
                   ) -> tuple[str, str, dict[str, Any]]:
    """SQL joins from a cell's codes (``code_of(i)``: the SQL of its code of variable i) to each code's place in its
    variable (``{name}{i}.idx``, NULL after a LEFT JOIN when the code is unknown), the position they make, and the
    parameters (the codes of each variable, named ``{name}0``, ``{name}1``, ...)."""
    steps = strides(meta)
    joins = " ".join(f"{join} (SELECT unnest(${name}{i}::VARCHAR[]) AS code, "
                     f"generate_subscripts(${name}{i}::VARCHAR[], 1) - 1 AS idx) {name}{i} "
                     f"ON {name}{i}.code = {code_of(i)}" for i in range(len(meta.variables)))
    position = " + ".join(f"{name}{i}.idx * {steps[i]}" for i in range(len(meta.variables))) or "0"
    return joins, position, _codes(meta, name)


def _codes(meta: TableMeta, name: str) -> dict[str, Any]:
    """The parameters of the SQL above: the codes of each variable, named ``{name}0``, ``{name}1``, ..."""
    return {f"{name}{i}": list(v.codes) for i, v in enumerate(meta.variables)}
