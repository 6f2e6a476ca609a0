"""Precision and recall of claim extraction on the annotated test texts (tests/claims/*.txt + *.claims.yaml).

    PYTHONPATH=src:. python scripts/claims_precision_recall.py [DIR]

Extraction needs no database; the units of the bundled tables are read after numbers, as the checker does.
"""

from __future__ import annotations

import sys
from pathlib import Path

from tools.claims_scoring import Score, load, score_extraction

from citystat.catalog import bundled_tables
from citystat.claims import extract
from citystat.claims.vocabulary import Vocabulary


def main(directory: Path) -> int:
    units = Vocabulary([t.meta for t in bundled_tables()]).units_zh
    total = Score()
    print(f"{'text':<14} {'lang':<6} {'expected':>8} {'found':>6} {'matched':>7} {'precision':>9} {'recall':>7}")
    for path in sorted(directory.glob("*.txt")):
        annotated = load(path)
        result = score_extraction(extract(annotated.text, annotated.lang, units=units), annotated.claims)
        total += result
        print(f"{annotated.name:<14} {annotated.lang:<6} {result.expected:>8} {result.extracted:>6} "
              f"{result.matched:>7} {result.precision:>9.3f} {result.recall:>7.3f}")
        for item in result.missed:
            print(f"    missed: {item['kind']} {item['text']!r}")
        for claim in result.spurious:
            print(f"    spurious: {claim.kind.value} {claim.text!r}")
    print(f"{'all':<14} {'':<6} {total.expected:>8} {total.extracted:>6} {total.matched:>7} "
          f"{total.precision:>9.3f} {total.recall:>7.3f}")
    return 0


if __name__ == "__main__":
    root = Path(__file__).resolve().parents[1]
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else root / "tests" / "claims"))
