"""How the checker does on real published texts (tests/documents/): precision and recall of extraction, agreement
of verdicts, and numbers that are no statistics, per text and overall, with the held-out texts apart.

    PYTHONPATH=src python scripts/evaluate_corpus.py --db citystat.duckdb [--record-first-run]

An annotated number matches an extracted one when, spaces aside, one starts with the other, in reading order.
Extraction counts the numbers the checker treats as claims (not those it calls "not a claim"). ``--record-first-run``
writes the scores into each sidecar that has none yet: the first time the checker reads a text.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from citystat.claims import Checker
from citystat.claims.document import check_document
from citystat.claims.model import Status, Verdict
from citystat.documents import read_path
from citystat.store import Store

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "documents"


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", str(text))


def _same(found: str, expected: str) -> bool:
    a, b = _squeeze(found), _squeeze(expected)
    return a == b or a.startswith(b) or b.startswith(a)


@dataclass
class Score:
    expected: int = 0
    extracted: int = 0
    matched: int = 0
    agreed: int = 0
    wrong: int = 0
    not_claims: int = 0
    not_claims_kept_out: int = 0

    def __add__(self, other: Score) -> Score:
        return Score(*(a + b for a, b in zip(vars(self).values(), vars(other).values(), strict=True)))

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


def score(verdicts: list[Verdict], annotation: dict[str, Any]) -> Score:
    claims = [v for v in verdicts if v.status is not Status.NOT_A_CLAIM and v.claim.number is not None]
    expected = list(annotation.get("claims") or [])
    out = Score(expected=len(expected), extracted=len(claims),
                wrong=sum(1 for v in verdicts if v.status is Status.WRONG))
    position = 0
    for item in expected:
        found = next((i for i in range(position, len(claims)) if _same(claims[i].claim.text, item["text"])), None)
        if found is None:
            continue
        out.matched += 1
        out.agreed += claims[found].status.value == item["verdict"]
        position = found + 1
    for item in annotation.get("not_claims") or []:
        out.not_claims += 1
        as_claim = [v for v in claims if _squeeze(v.claim.text) == _squeeze(item["text"])]
        out.not_claims_kept_out += not as_claim
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", required=True)
    parser.add_argument("--corpus", default=str(CORPUS))
    parser.add_argument("--record-first-run", action="store_true")
    args = parser.parse_args()
    with Store(Path(args.db), read_only=True) as store:
        checker = Checker(store.latest())
    totals = {False: Score(), True: Score()}
    first = {False: Score(), True: Score()}
    print(f"{'text':34} {'held':>4} {'exp':>4} {'ext':>4} {'match':>5} {'prec':>5} {'recall':>6} {'agree':>5} "
          f"{'wrong':>5} {'non-claims out':>14}")
    for sidecar in sorted(Path(args.corpus).glob("*.claims.yaml")):
        annotation = yaml.safe_load(sidecar.read_text(encoding="utf-8"))
        text = next(p for p in sidecar.parent.glob(sidecar.name.removesuffix(".claims.yaml") + ".*")
                    if not p.name.endswith(".claims.yaml"))
        report = check_document(read_path(text), checker, annotation.get("lang", "auto"))
        result = score(report.report.verdicts, annotation)
        held = bool(annotation.get("held_out"))
        totals[held] = totals[held] + result
        if args.record_first_run and "first_run" not in annotation:
            with sidecar.open("a", encoding="utf-8") as handle:
                handle.write("first_run: " + yaml.safe_dump(result.as_dict(), default_flow_style=True,
                                                             allow_unicode=True))
            annotation["first_run"] = result.as_dict()
        recorded = annotation.get("first_run") or {}
        if recorded:
            first[held] = first[held] + Score(recorded["expected"], recorded["extracted"], recorded["matched"],
                                              round(recorded["verdicts_agree"] * recorded["matched"]),
                                              recorded["wrong"], *map(int, reversed(
                                                  recorded["not_claims_kept_out"].split("/"))))
        d = result.as_dict()
        print(f"{text.name:34} {'yes' if held else '':>4} {d['expected']:>4} {d['extracted']:>4} {d['matched']:>5} "
              f"{d['precision']:>5} {d['recall']:>6} {d['verdicts_agree']:>5} {d['wrong']:>5} "
              f"{d['not_claims_kept_out']:>14}")
    for label, held in (("tuned-on texts", False), ("held-out texts", True)):
        print(f"\n{label}: now {totals[held].as_dict()}")
        print(f"{label}: first run {first[held].as_dict()}")
    overall = totals[False] + totals[True]
    print(f"\noverall now: {overall.as_dict()}")
    print(f"overall first run: {(first[False] + first[True]).as_dict()}")
    return 1 if overall.wrong else 0


if __name__ == "__main__":
    sys.exit(main())
