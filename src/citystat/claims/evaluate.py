"""How well extraction finds the claims a careful reader annotated: precision and recall against a sidecar file.

An annotation (``name.claims.yaml`` beside ``name.txt``) lists, in reading order, each claim's number or words as
written (``text``), what it claims (``kind``) and the verdict it deserves. An extracted claim matches an annotated
one when both the text and the kind agree; each annotated claim matches at most one extracted claim, in order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from citystat.claims.model import Claim


@dataclass
class Annotated:
    name: str
    text: str
    lang: str
    claims: list[dict[str, Any]]


@dataclass
class Score:
    expected: int
    extracted: int
    matched: int
    missed: list[dict[str, Any]] = field(default_factory=list)  # annotated, not found
    spurious: list[Claim] = field(default_factory=list)  # found, not annotated

    @property
    def precision(self) -> float:
        return self.matched / self.extracted if self.extracted else 1.0

    @property
    def recall(self) -> float:
        return self.matched / self.expected if self.expected else 1.0

    def __add__(self, other: Score) -> Score:
        return Score(self.expected + other.expected, self.extracted + other.extracted, self.matched + other.matched,
                     self.missed + other.missed, self.spurious + other.spurious)


def load(path: Path) -> Annotated:
    """``path`` is the text; its annotation is ``<stem>.claims.yaml`` beside it."""
    sidecar = path.with_name(path.stem + ".claims.yaml")
    data = yaml.safe_load(sidecar.read_text(encoding="utf-8"))
    return Annotated(path.stem, path.read_text(encoding="utf-8"), data["lang"], list(data["claims"]))


def _same(claim: Claim, expected: dict[str, Any]) -> bool:
    return claim.text.strip() == str(expected["text"]).strip() and claim.kind.value == expected["kind"]


def align(claims: Sequence[Claim], expected: Sequence[dict[str, Any]]) -> list[tuple[dict[str, Any], Claim | None]]:
    """Each annotated claim with the extracted claim that matches it (in order), or None."""
    out: list[tuple[dict[str, Any], Claim | None]] = []
    position = 0
    ordered = sorted(claims, key=lambda c: (c.start, c.id))
    for item in expected:
        found = next((i for i in range(position, len(ordered)) if _same(ordered[i], item)), None)
        if found is None:
            out.append((item, None))
        else:
            out.append((item, ordered[found]))
            position = found + 1
    return out


def score(claims: Sequence[Claim], expected: Sequence[dict[str, Any]]) -> Score:
    pairs = align(claims, expected)
    matched = {id(c) for _, c in pairs if c is not None}
    return Score(
        expected=len(expected), extracted=len(claims), matched=len(matched),
        missed=[item for item, c in pairs if c is None],
        spurious=[c for c in claims if id(c) not in matched],
    )
