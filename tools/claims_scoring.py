"""How well the checker does against a careful reader's annotations: one score for extraction alone and for whole
documents with their verdicts. A tool for tests and scripts, not part of the runtime package.

An annotation is a sidecar YAML file beside the text (``name.claims.yaml`` beside ``name.txt`` or ``name.pdf``):
its language, and in reading order each claim's number or words as written (``text``), what it claims (``kind``)
and the verdict it deserves; a document's annotation may also list numbers that are no claims (``not_claims``).
Each annotated claim matches at most one found claim, in order.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, TypeVar

import yaml

from citystat.claims.model import Claim, Status, Verdict

Found = TypeVar("Found")


@dataclass
class Annotated:
    name: str
    text: str
    lang: str
    claims: list[dict[str, Any]]


@dataclass
class Score:
    expected: int = 0
    extracted: int = 0
    matched: int = 0
    agreed: int = 0  # matched claims whose verdict is the annotated one
    wrong: int = 0  # verdicts "wrong", annotated or not
    not_claims: int = 0  # annotated numbers that are no claims
    not_claims_kept_out: int = 0  # ... that the checker did not treat as claims
    missed: list[dict[str, Any]] = field(default_factory=list)  # annotated, not found
    spurious: list[Any] = field(default_factory=list)  # found, not annotated

    def __add__(self, other: Score) -> Score:
        return Score(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    @property
    def precision(self) -> float:
        return self.matched / self.extracted if self.extracted else 1.0

    @property
    def recall(self) -> float:
        return self.matched / self.expected if self.expected else 1.0

    @property
    def agreement(self) -> float:
        return self.agreed / self.matched if self.matched else 1.0

    def as_dict(self) -> dict[str, Any]:
        return {"expected": self.expected, "extracted": self.extracted, "matched": self.matched,
                "precision": round(self.precision, 3), "recall": round(self.recall, 3),
                "verdicts_agree": round(self.agreement, 3), "wrong": self.wrong,
                "not_claims_kept_out": f"{self.not_claims_kept_out}/{self.not_claims}"}

    @classmethod
    def from_dict(cls, recorded: dict[str, Any]) -> Score:
        """A score written by ``as_dict`` (the first run recorded in a sidecar)."""
        kept_out, total = map(int, str(recorded["not_claims_kept_out"]).split("/"))
        return cls(recorded["expected"], recorded["extracted"], recorded["matched"],
                   round(recorded["verdicts_agree"] * recorded["matched"]), recorded["wrong"], total, kept_out)


def load(path: Path) -> Annotated:
    """``path`` is the text; its annotation is ``<stem>.claims.yaml`` beside it."""
    data = yaml.safe_load(sidecar(path).read_text(encoding="utf-8"))
    return Annotated(path.stem, path.read_text(encoding="utf-8"), data["lang"], list(data["claims"]))


def sidecar(path: Path) -> Path:
    return path.with_name(path.stem + ".claims.yaml")


def align(found: Sequence[Found], expected: Sequence[dict[str, Any]],
          same: Callable[[Found, dict[str, Any]], bool]) -> list[tuple[dict[str, Any], Found | None]]:
    """Each annotated claim with the found item that matches it, in reading order, or None."""
    out: list[tuple[dict[str, Any], Found | None]] = []
    position = 0
    for item in expected:
        at = next((i for i in range(position, len(found)) if same(found[i], item)), None)
        out.append((item, None if at is None else found[at]))
        if at is not None:
            position = at + 1
    return out


def same_text_and_kind(claim: Claim, expected: dict[str, Any]) -> bool:
    """Extraction's rule: the text as written and the kind both agree."""
    return claim.text.strip() == str(expected["text"]).strip() and claim.kind.value == expected["kind"]


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", str(text))


def same_number(verdict: Verdict, expected: dict[str, Any]) -> bool:
    """A document's rule: spaces aside, one text starts with the other (a PDF may cut or join a claim's words)."""
    a, b = _squeeze(verdict.claim.text), _squeeze(expected["text"])
    return a == b or a.startswith(b) or b.startswith(a)


def score_extraction(claims: Sequence[Claim], expected: Sequence[dict[str, Any]]) -> Score:
    ordered = sorted(claims, key=lambda c: (c.start, c.id))
    pairs = align(ordered, expected, same_text_and_kind)
    matched = {id(c) for _, c in pairs if c is not None}
    return Score(expected=len(expected), extracted=len(claims), matched=len(matched),
                 missed=[item for item, c in pairs if c is None],
                 spurious=[c for c in claims if id(c) not in matched])


def score_verdicts(verdicts: Sequence[Verdict], annotation: dict[str, Any]) -> Score:
    """A checked document against its annotation: extraction counts the numbers treated as claims."""
    claims = [v for v in verdicts if v.status is not Status.NOT_A_CLAIM and v.claim.number is not None]
    expected = list(annotation.get("claims") or [])
    pairs = align(claims, expected, same_number)
    not_claims = [item["text"] for item in annotation.get("not_claims") or []]
    texts = {_squeeze(v.claim.text) for v in claims}
    return Score(expected=len(expected), extracted=len(claims), matched=sum(v is not None for _, v in pairs),
                 agreed=sum(v is not None and v.status.value == item["verdict"] for item, v in pairs),
                 wrong=sum(v.status is Status.WRONG for v in verdicts),
                 not_claims=len(not_claims), not_claims_kept_out=sum(_squeeze(t) not in texts for t in not_claims),
                 missed=[item for item, v in pairs if v is None])
