"""YAML read within limits: nesting depth, nodes (aliases counted as what they expand to), aliases, scalars.

PyYAML's safe loader constructs only plain types, but it will still follow 9^10 aliases (a "billion
laughs"), recurse 50,000 levels deep until RecursionError, build recursive structures and let a repeated
key silently win. This loader composes the document node by node and stops at the first limit passed, so a
hostile file costs milliseconds; it refuses an alias to a node that contains it (a structure that would be
infinite once expanded) and reports every repeated key with both of its lines.

The characters are scanned and parsed into events by libyaml where PyYAML has it (about seven times quicker than
PyYAML's own scanner, which most of a load spent its time in); the nodes are still composed here, one at a time,
so every limit holds the same either way. A document libyaml refuses is read again by PyYAML's own parser, whose
verdict stands (the same data, lines and errors as before, only quicker).
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import Resolver

from citystat.limits import LimitExceeded, Limits

MERGE_TAG = "tag:yaml.org,2002:merge"


class DuplicateKey(ValueError):
    def __init__(self, key: str, first_line: int, line: int):
        self.key, self.first_line, self.line = key, first_line, line
        super().__init__(f"the key {key!r} appears twice in one mapping, at lines {first_line} and {line}; "
                         "the second would silently replace the first")


class _Bounds(Composer, SafeConstructor):
    """The limits and the check for repeated keys, on PyYAML's composer and safe constructor (the loaders below
    give them their events)."""

    def _bound(self, limits: Limits) -> None:
        self.limits = limits
        self.depth = 0
        self.expanded = 0  # nodes, each alias counted as the size of the node it names
        self.aliases = 0
        self.sizes: dict[int, int] = {}  # id(node) -> its expanded size, once it is composed
        self.duplicates: list[DuplicateKey] = []

    def _line(self) -> int:
        mark = self.peek_event().start_mark
        return mark.line + 1 if mark is not None else 0

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            self.aliases += 1
            if self.aliases > self.limits.yaml_aliases:
                raise LimitExceeded(self.limits, "yaml_aliases",
                                    f"line {self._line()}: more than {self.limits.yaml_aliases} aliases (*name)")
            target = self.anchors.get(event.anchor)  # type: ignore[attr-defined]
            if target is not None and id(target) not in self.sizes:
                raise LimitExceeded(self.limits, "yaml_aliases",
                                    f"line {self._line()}: the alias *{event.anchor} refers to a node that "  # type: ignore[attr-defined]
                                    "contains it, a structure without end")
            self._count(self.sizes.get(id(target), 1))
            return super().compose_node(parent, index)  # type: ignore[no-any-return]
        self.depth += 1
        if self.depth > self.limits.yaml_depth:
            raise LimitExceeded(self.limits, "yaml_depth",
                                f"line {self._line()}: nesting deeper than {self.limits.yaml_depth} levels")
        self._count(1)
        node: Node = super().compose_node(parent, index)
        self.depth -= 1
        if isinstance(node, ScalarNode):
            if len(node.value) > self.limits.field_chars:
                line = node.start_mark.line + 1
                raise LimitExceeded(self.limits, "field_chars",
                                    f"line {line}: a value of {len(node.value):,} characters")
            size = 1
        elif isinstance(node, SequenceNode):
            size = 1 + sum(self.sizes.get(id(child), 1) for child in node.value)
        elif isinstance(node, MappingNode):
            size = 1 + sum(self.sizes.get(id(k), 1) + self.sizes.get(id(v), 1) for k, v in node.value)
        else:
            size = 1
        self.sizes[id(node)] = size
        return node

    def _count(self, nodes: int) -> None:
        self.expanded += nodes
        if self.expanded > self.limits.yaml_nodes:
            raise LimitExceeded(self.limits, "yaml_nodes",
                                f"line {self._line()}: more than {self.limits.yaml_nodes:,} values "
                                "(aliases counted as what they repeat)")

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:  # type: ignore[override]
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == MERGE_TAG or not isinstance(key_node, ScalarNode):
                continue
            key = self.construct_object(key_node)  # type: ignore[no-untyped-call]
            line = key_node.start_mark.line + 1
            try:
                first = seen.get(key)
            except TypeError:
                continue
            if first is not None:
                self.duplicates.append(DuplicateKey(str(key)[:80], first, line))
            else:
                seen[key] = line
        return super().construct_mapping(node, deep=deep)  # type: ignore[no-any-return]


class _PythonLoader(_Bounds, yaml.SafeLoader):
    """Events from PyYAML's own scanner and parser, in Python."""

    def __init__(self, stream: str, limits: Limits):
        yaml.SafeLoader.__init__(self, stream)
        self._bound(limits)


_BoundedLoader: type[_Bounds] = _PythonLoader
if yaml.__with_libyaml__:
    from yaml.cyaml import CParser

    class _LibyamlLoader(_Bounds, CParser, Resolver):  # type: ignore[misc]  # CParser is untyped
        """Events from libyaml's scanner and parser, in C; composed (and bounded) by ``_Bounds``, whose composer
        comes before CParser's own (which would compose the whole document in C, unbounded)."""

        def __init__(self, stream: str, limits: Limits):
            CParser.__init__(self, stream)
            Composer.__init__(self)  # type: ignore[no-untyped-call]
            SafeConstructor.__init__(self)  # type: ignore[no-untyped-call]
            Resolver.__init__(self)  # type: ignore[no-untyped-call]
            self._bound(limits)

    _BoundedLoader = _LibyamlLoader

for _loader in (_PythonLoader, _BoundedLoader):  # mappings go through construct_mapping above, with its check
    _loader.add_constructor("tag:yaml.org,2002:map", _loader.construct_yaml_map)


def load(text: str, limits: Limits) -> tuple[Any, list[DuplicateKey]]:
    """The document's data and any repeated keys; LimitExceeded or yaml.YAMLError when it cannot be read."""
    data, duplicates, _ = load_with_nodes(text, limits)
    return data, duplicates


def load_with_nodes(text: str, limits: Limits) -> tuple[Any, list[DuplicateKey], Node | None]:
    """As ``load``, with the document's node tree, which knows the line of every value (see ``line_of``)."""
    if _BoundedLoader is not _PythonLoader:
        try:
            return _compose(_BoundedLoader, text, limits)
        except yaml.YAMLError:  # libyaml words some errors otherwise, or refuses more (nesting past 1,000 levels,
            pass  # a lone surrogate escaped): PyYAML's loader reads it again and decides, as it always did
    return _compose(_PythonLoader, text, limits)


def _compose(kind: type[_Bounds], text: str, limits: Limits) -> tuple[Any, list[DuplicateKey], Node | None]:
    loader = kind(text, limits)  # type: ignore[call-arg]
    try:
        node = loader.get_single_node()
        data = None if node is None else loader.construct_document(node)
    finally:
        loader.dispose()
    return data, loader.duplicates, node


def line_of(node: Node | None, path: tuple[str | int, ...]) -> int | None:
    """The 1-based line of the value at ``path`` (mapping keys and list positions), or of the deepest value on
    the way that exists: a missing field is placed at the mapping that lacks it."""
    if node is None:
        return None
    line = node.start_mark.line + 1
    for part in path:
        if isinstance(node, MappingNode):
            for key, value in node.value:
                if isinstance(key, ScalarNode) and key.value == str(part):
                    line, node = key.start_mark.line + 1, value
                    break
            else:
                return line
        elif isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line
