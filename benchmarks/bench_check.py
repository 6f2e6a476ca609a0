"""Benchmark: checking citystat's own publication as a PDF (about 30 A4 pages), with reading (extraction and layout)
timed apart from verification, against baselines measured in the same run.

    PYTHONPATH=src python benchmarks/bench_check.py [--db citystat.duckdb] [--repeat 3]

It writes the English and Chinese PDFs of the publication (from --db, or from a fresh database of the bundled
catalog), then times, per PDF, the best of --repeat runs of:

- pdfium:   pypdfium2 reading every character and its box, nothing more (the floor of any PDF reading);
- read:     citystat.documents reading the PDF into blocks (characters, lines, cells, layout);
- verify:   the checker over the read document (prose claims and tables cell by cell);
- total:    read + verify (the target is at most 5 s for a 25-page PDF);
- text:     the checker over the same prose as plain text, already extracted (verification alone, no documents).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date
from pathlib import Path

import pypdfium2 as pdfium

from citystat.catalog import bundled_city, bundled_tables
from citystat.claims import Checker
from citystat.claims.document import check_document
from citystat.documents import read_document
from citystat.model import LANGUAGES
from citystat.publish.writers import report_filename, write_report
from citystat.store import Store


def best(repeat: int, run: object) -> float:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        run()  # type: ignore[operator]
        times.append(time.perf_counter() - began)
    return min(times)


def pdfium_floor(data: bytes) -> None:
    pdf = pdfium.PdfDocument(data)
    for page in pdf:
        textpage = page.get_textpage()
        for i in range(textpage.count_chars()):
            textpage.get_charbox(i)
        textpage.close()
    pdf.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        db = Path(args.db) if args.db else Path(work) / "bench.duckdb"
        if not args.db:
            with Store(db) as store:
                store.load_many(bundled_tables(), origin="catalog")
        with Store(db, read_only=True) as store:
            tables = store.latest()
        out = Path(work) / "publication"
        began = time.perf_counter()
        write_report(tables, out, city=bundled_city(), formats=("pdf",), produced=date(2022, 6, 30))
        print(f"publication PDFs written in {time.perf_counter() - began:.1f} s (not part of the check)")
        checker = Checker(tables)
        for lang in LANGUAGES:
            path = out / report_filename(lang, "pdf")
            data = path.read_bytes()
            pages = len(pdfium.PdfDocument(data))
            floor = best(args.repeat, lambda data=data: pdfium_floor(data))
            read = best(args.repeat, lambda data=data, name=path.name: read_document(data, name))
            document = read_document(data, path.name)
            verify = best(args.repeat, lambda document=document: check_document(document, checker))
            prose, _ = document.prose()
            plain = best(args.repeat, lambda prose=prose: checker.check(prose))
            report = check_document(document, checker)
            total = read + verify
            print(f"\n{path.name}: {pages} pages, {len(data) / 1e6:.1f} MB, {report.summary['claims']} numbers "
                  f"checked ({report.summary['wrong']} wrong)")
            print(f"  pdfium floor  {floor:6.2f} s")
            print(f"  read          {read:6.2f} s   ({read / floor:.1f}x the pdfium floor, "
                  f"{read / pages * 1000:.0f} ms a page)")
            print(f"  verify        {verify:6.2f} s   (plain-text check of the same prose: {plain:.2f} s)")
            print(f"  total         {total:6.2f} s   ({total / pages * 25:.2f} s for 25 pages; target <= 5 s)")


if __name__ == "__main__":
    main()
