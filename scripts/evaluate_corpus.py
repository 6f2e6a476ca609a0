"""How the checker does on real published texts (tests/documents/): precision and recall of extraction, agreement
of verdicts, and numbers that are no statistics, per text and overall, with the held-out texts apart.

    PYTHONPATH=src:. python scripts/evaluate_corpus.py --db citystat.duckdb [--record-first-run]

The scoring rules are in ``tools/claims_scoring.py``. ``--record-first-run``
writes the scores into each sidecar that has none yet: the first time the checker reads a text.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml
from tools.claims_scoring import Score, score_verdicts

from citystat.claims import Checker
from citystat.claims.document import check_document
from citystat.documents import read_path
from citystat.store import Store

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "documents"


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
        result = score_verdicts(report.report.verdicts, annotation)
        held = bool(annotation.get("held_out"))
        totals[held] = totals[held] + result
        if args.record_first_run and "first_run" not in annotation:
            with sidecar.open("a", encoding="utf-8") as handle:
                handle.write("first_run: " + yaml.safe_dump(result.as_dict(), default_flow_style=True,
                                                             allow_unicode=True))
            annotation["first_run"] = result.as_dict()
        recorded = annotation.get("first_run") or {}
        if recorded:
            first[held] = first[held] + Score.from_dict(recorded)
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
