"""A whole document checked: its prose (headings, paragraphs, list items, captions, notes) as one text, one block
per line, so a heading or caption sets the subject of what follows; its tables verified as tables; its furniture,
contents and chart labels left out and counted. Every verdict keeps where it stands (page and boxes, element path,
paragraph)."""

from __future__ import annotations

import bisect
import dataclasses
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from citystat.claims.check import Checker, Report
from citystat.claims.extract import detect_language
from citystat.claims.model import Status, Verdict
from citystat.claims.tables import TableCheck, TableChecker
from citystat.documents.model import Block, BlockKind, Box, Document
from citystat.language.verdicts import because


@dataclass
class Placed:
    verdict: Verdict
    block: Block
    start: int  # in the block's text
    end: int
    back_matter: bool = False  # in the appendices, methods or references

    @property
    def boxes(self) -> list[Box]:
        return self.block.span_boxes(self.start, self.end)

    def to_dict(self) -> dict[str, Any]:
        out = self.verdict.to_dict()
        out["block"] = {"kind": self.block.kind.value, "page": self.block.page, "path": self.block.path,
                        "span": [self.start, self.end]}
        out["page"] = self.block.page
        out["back_matter"] = self.back_matter
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


BACK_MATTER = re.compile(r"^\s*(?:附錄|附件|附表|統計方法|編製說明|名詞定義|名詞解釋|資料來源及版次|參考文獻|參考資料|"
                         r"appendix|annex|methods|methodology|definitions|glossary|technical notes|references|"
                         r"bibliography)", re.IGNORECASE)


def back_matter(document: Document) -> set[int]:
    """The blocks after a heading of the appendices, methods, definitions or references (附錄, Appendix, 參考文獻):
    there numbers illustrate a definition or a derivation, or name a source, rather than state a finding."""
    out: set[int] = set()
    inside = False
    for block in document.blocks:
        standalone = block.kind is BlockKind.HEADING or (
            block.kind in (BlockKind.PARAGRAPH, BlockKind.CAPTION) and len(block.text) <= 40)  # a title in plain text
        if standalone:
            inside = inside or bool(BACK_MATTER.match(re.sub(r"^[\d.\s、]+", "", block.text)))
        if inside:
            out.add(id(block))
    return out


def check_document(document: Document, checker: Checker, lang: str = "auto") -> DocumentReport:
    began = time.perf_counter()
    text, starts = document.prose()
    if lang == "auto":  # the language of the whole document, its tables and captions included
        lang = detect_language(text + "\n" + "\n".join(f"{b.caption}\n{b.text}" for b in document.tables()))
    report = checker.check(text, lang)
    offsets = [s for s, _ in starts]
    appendix = back_matter(document)
    placed = []
    for index, verdict in enumerate(report.verdicts):
        i = max(0, bisect.bisect_right(offsets, verdict.claim.start) - 1)
        begin, block = starts[i]
        if id(block) in appendix and verdict.status is Status.WRONG:
            verdict = dataclasses.replace(verdict, status=Status.UNVERIFIABLE,
                                          message=because("in_back_matter", read=verdict.message))
            report.verdicts[index] = verdict
        placed.append(Placed(verdict, block, verdict.claim.start - begin, verdict.claim.end - begin,
                             id(block) in appendix))
    tables = TableChecker(checker.tables, checker.vocabulary)
    checked = [tables.check(block, report.lang) for block in document.tables()]
    for table in checked:
        table.back_matter = id(table.block) in appendix
        for cell in table.cells:
            if table.back_matter and cell.status is Status.WRONG:
                cell.status = Status.UNVERIFIABLE
                cell.message = because("cell_in_back_matter", read=cell.message)
    return DocumentReport(document, report, placed, checked, {"verification": time.perf_counter() - began})


@dataclass(frozen=True)
class Tally:
    """The numbers a publication states in its findings, narratives and tables (not its appendices, furniture or
    contents, nor the numbers that are no statistics), and how many of them check correct and wrong."""

    numbers: int
    correct: int
    wrong: int

    @property
    def share_correct(self) -> float:
        return self.correct / self.numbers if self.numbers else 1.0


def tally(report: DocumentReport) -> Tally:
    numbers = correct = wrong = 0
    for placed in report.placed:
        verdict = placed.verdict
        if placed.back_matter or verdict.status is Status.NOT_A_CLAIM or verdict.claim.number is None:
            continue
        numbers += 1
        correct += verdict.status is Status.CORRECT
        wrong += verdict.status is Status.WRONG
    for table in report.tables:
        if table.table is None or table.back_matter:
            continue
        for cell in table.cells:
            numbers += 1
            correct += cell.status is Status.CORRECT
            wrong += cell.status is Status.WRONG
    return Tally(numbers, correct, wrong)
