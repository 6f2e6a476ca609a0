"""A whole document checked: its prose (headings, paragraphs, list items, captions, notes) as one text, one block
per line, so a heading or caption sets the subject of what follows; its tables verified as tables; its furniture,
contents and chart labels left out and counted. Every verdict keeps where it stands (page and boxes, element path,
paragraph)."""

from __future__ import annotations

import bisect
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from citystat.claims.check import Checker, Report
from citystat.claims.model import Status, Verdict
from citystat.claims.tables import TableCheck, TableChecker
from citystat.documents.model import Block, Box, Document


@dataclass
class Placed:
    verdict: Verdict
    block: Block
    start: int  # in the block's text
    end: int

    @property
    def boxes(self) -> list[Box]:
        return self.block.span_boxes(self.start, self.end)

    def to_dict(self) -> dict[str, Any]:
        out = self.verdict.to_dict()
        out["block"] = {"kind": self.block.kind.value, "page": self.block.page, "path": self.block.path,
                        "span": [self.start, self.end]}
        out["page"] = self.block.page
        out["boxes"] = [list(b) for b in self.boxes]
        return out


@dataclass
class DocumentReport:
    document: Document
    report: Report
    placed: list[Placed]
    tables: list[TableCheck]
    seconds: dict[str, float] = field(default_factory=dict)

    def count(self, status: Status) -> int:
        return self.report.count(status) + sum(t.count(status) for t in self.tables)

    @property
    def ok(self) -> bool:
        return self.count(Status.WRONG) == 0

    @property
    def summary(self) -> dict[str, int]:
        out = {s.value: self.count(s) for s in Status}
        out["claims"] = len(self.report.verdicts) + sum(len(t.cells) for t in self.tables)
        out["tables"] = len(self.tables)
        out["tables_matched"] = sum(1 for t in self.tables if t.table)
        return out

    def left_out(self) -> dict[str, int]:
        return dict(Counter(b.kind.value for b in self.document.blocks if not b.kind.read and
                            b.kind.value != "table"))

    def to_dict(self) -> dict[str, Any]:
        return {"document": self.document.name, "format": self.document.format, "pages": self.document.pages,
                "lang": self.report.lang, "summary": self.summary, "left_out": self.left_out(),
                "claims": [p.to_dict() for p in self.placed], "tables": [t.to_dict() for t in self.tables]}


def check_document(document: Document, checker: Checker, lang: str = "auto") -> DocumentReport:
    began = time.perf_counter()
    text, starts = document.prose()
    report = checker.check(text, lang)
    offsets = [s for s, _ in starts]
    placed = []
    for verdict in report.verdicts:
        i = max(0, bisect.bisect_right(offsets, verdict.claim.start) - 1)
        begin, block = starts[i]
        placed.append(Placed(verdict, block, verdict.claim.start - begin, verdict.claim.end - begin))
    tables = TableChecker(checker.tables, checker.vocabulary)
    checked = [tables.check(block, report.lang) for block in document.tables()]
    return DocumentReport(document, report, placed, checked, {"verification": time.perf_counter() - began})
