"""The bounded YAML loader reads what PyYAML's own safe loader reads, value for value and line for line, whichever
parser gives it its events (libyaml where PyYAML has it); what libyaml refuses, PyYAML's parser decides."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from citystat import limits
from citystat.catalog import safe_yaml
from citystat.limits import LimitExceeded

from .conftest import REPO

BUNDLED = sorted(p for p in (REPO / "src" / "citystat").rglob("*.yaml"))


def _paths(node: Node, at: tuple[Any, ...] = (), line: int | None = None) -> list[tuple[tuple[Any, ...], int]]:
    """Every value's path (keys and positions) with its 1-based line as PyYAML composed it: its key's line in a
    mapping, its own in a list."""
    out = [(at, line or node.start_mark.line + 1)]
    if isinstance(node, MappingNode):
        for key, value in node.value:
            if isinstance(key, ScalarNode):
                out += _paths(value, (*at, key.value), key.start_mark.line + 1)
    elif isinstance(node, SequenceNode):
        for i, value in enumerate(node.value):
            out += _paths(value, (*at, i))
    return out


def test_there_are_bundled_yaml_files_to_compare() -> None:
    assert len(BUNDLED) >= 9  # the aggregation definitions at least


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: str(p.relative_to(REPO)))
def test_every_bundled_file_reads_as_pyyaml_reads_it_with_the_same_lines(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    data, duplicates, node = safe_yaml.load_with_nodes(text, limits.current())
    assert data == yaml.load(text, Loader=yaml.SafeLoader)  # noqa: S506 (the safe loader)
    assert duplicates == []
    reference = yaml.compose(text, Loader=yaml.SafeLoader)  # noqa: S506
    assert reference is not None
    for at, line in _paths(reference):
        assert safe_yaml.line_of(node, at) == line, at


def test_repeated_keys_and_aliases_are_read_as_before() -> None:
    text = "a: &x [1, 2]\nb: *x\na: 3\n"
    data, duplicates, node = safe_yaml.load_with_nodes(text, limits.current())
    assert data == {"a": 3, "b": [1, 2]}
    assert [(d.key, d.first_line, d.line) for d in duplicates] == [("a", 1, 3)]
    assert safe_yaml.line_of(node, ("b",)) == 2


def test_what_libyaml_refuses_pyyaml_decides() -> None:
    # libyaml refuses an escaped lone surrogate; PyYAML reads it (the text checks refuse it later, by name)
    data, _, _ = safe_yaml.load_with_nodes('en: "\\ud800 test"\n', limits.current())
    assert data == {"en": "\ud800 test"}
    # libyaml stops at its own 1,000 levels while it reads ahead: the limit named is still citystat's
    with pytest.raises(LimitExceeded, match="yaml_depth"):
        safe_yaml.load_with_nodes("a: " + "[" * 5_000 + "]" * 5_000 + "\n", limits.current())
    with pytest.raises(yaml.YAMLError) as raised:
        safe_yaml.load_with_nodes("a: 1\n  b: [\n", limits.current())
    assert getattr(raised.value, "problem_mark", None) is not None  # the line is known for the problem's row
