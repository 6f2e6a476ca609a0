"""Reading the catalog's text files: bytes to text (one decoder for every file), and YAML through the safe
loader, with the line of every value for the problems a schema finds."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import Node

from citystat import limits as input_limits
from citystat.catalog import safe_yaml
from citystat.encoding import EncodingError, decode
from citystat.limits import LimitExceeded, Limits
from citystat.model import InvalidInput, Problem


def decode_input(data: bytes | str, *, name: str, table: str | None = None) -> str:
    """The text of a file's bytes (UTF-8, UTF-8 with BOM or Big5/CP950, found without being told); a text is
    taken as it is. InvalidInput (bad_encoding, saying where decoding broke) when no encoding fits."""
    if isinstance(data, str):
        return data
    try:
        return decode(data, name=name).text
    except EncodingError as exc:
        raise InvalidInput([Problem("bad_encoding", str(exc), file=name, table=table)]) from None


@dataclass(frozen=True)
class YamlDocument:
    data: Any
    node: Node | None

    def line(self, path: tuple[str | int, ...]) -> int | None:
        """The line of the value at ``path`` (keys and list positions), for a problem's row."""
        return safe_yaml.line_of(self.node, path)


def read_yaml(data: bytes | str, *, name: str, limits: Limits | None = None,
              size_limit: str = "meta_bytes") -> YamlDocument:
    """One YAML document within the limits (size, depth, aliases, nodes), repeated keys refused; InvalidInput
    with the problems otherwise."""
    limits = limits or input_limits.current()
    most = getattr(limits, size_limit)
    if len(data) > most:
        raise InvalidInput([Problem("limit_exceeded", f"the file has {len(data):,} bytes; "
                                    f"{limits.describe(size_limit)}", file=name)])
    text = decode_input(data, name=name)
    try:
        raw, duplicates, node = safe_yaml.load_with_nodes(text, limits)
    except LimitExceeded as exc:
        raise InvalidInput([Problem("limit_exceeded", str(exc), file=name)]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        row = mark.line + 1 if mark is not None else None
        message = str(exc)
        if len(message) > 1000:
            message = message[:1000] + "…"
        raise InvalidInput([Problem("bad_yaml", f"not valid YAML: {message}", file=name, row=row)]) from None
    except (ValueError, RecursionError) as exc:  # a scalar PyYAML cannot convert (an int of 5,000 digits)
        raise InvalidInput([Problem("bad_yaml", f"not valid YAML: {str(exc)[:500]}", file=name)]) from None
    if duplicates:
        raise InvalidInput([Problem("duplicate_key", str(d), file=name, row=d.line) for d in duplicates])
    return YamlDocument(raw, node)


def read_yaml_file(path: Path, *, limits: Limits | None = None, name: str | None = None) -> YamlDocument:
    """As ``read_yaml``, from a file, its size checked before it is read."""
    limits = limits or input_limits.current()
    size = path.stat().st_size
    if size > limits.meta_bytes:
        raise InvalidInput([Problem("limit_exceeded", f"the file has {size:,} bytes; "
                                    f"{limits.describe('meta_bytes')}", file=name or path.name)])
    return read_yaml(path.read_bytes(), name=name or path.name, limits=limits)
