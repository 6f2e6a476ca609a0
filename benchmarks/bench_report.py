"""Benchmark: the time to build the publication in both languages and both formats, and the time per chart.

    python benchmarks/bench_report.py [--repeat N]

Baseline, measured in the same run: building the publication's content (text, tables and chart specs)
with no chart rendered (build_publication(..., charts=False)), so the ratios show what rendering the
charts and laying out the PDF cost on top.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from citystat.catalog import bundled_tables
from citystat.model import LANGUAGES
from citystat.publish.charts import chart_spec, register_fonts, render_spec
from citystat.publish.report import build_publication
from citystat.publish.writers import write_html, write_pdf, write_report
from citystat.store import Store


def timed(action):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="repetitions of each chart measurement")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        with Store(root / "bench.duckdb") as store:
            store.load_many(bundled_tables(), origin="catalog")
            tables = store.latest()
        register_fonts()
        render_spec(chart_spec(tables[0], "en"), "svg")  # start vl-convert's JavaScript runtime once

        print(f"{len(tables)} tables, {len(LANGUAGES)} languages")

        baseline = min(timed(lambda: [build_publication(tables, lang, charts=False) for lang in LANGUAGES])[0]
                       for _ in range(2))
        print(f"baseline: content and chart specs, nothing rendered, both languages  {baseline:7.2f} s")

        spec_times, svg_times, png_times = [], [], []
        per_table: dict[str, float] = {}
        for stored in tables:
            for lang in LANGUAGES:
                for _ in range(args.repeat):
                    t_spec, spec = timed(lambda s=stored, lang=lang: chart_spec(s, lang, context=tables))
                    t_svg, _ = timed(lambda spec=spec: render_spec(spec, "svg"))
                    t_png, _ = timed(lambda spec=spec: render_spec(spec, "png"))
                    spec_times.append(t_spec)
                    svg_times.append(t_svg)
                    png_times.append(t_png)
                    per_table[stored.meta.id] = min(per_table.get(stored.meta.id, 1e9), t_spec + t_svg)
        charts = len(tables) * len(LANGUAGES)
        print(f"per chart ({charts} charts x {args.repeat}):")
        for name, values in (("spec (Altair)", spec_times), ("SVG (vl-convert)", svg_times),
                             ("PNG (vl-convert)", png_times)):
            print(f"  {name:18s} median {statistics.median(values) * 1000:7.0f} ms   "
                  f"max {max(values) * 1000:7.0f} ms")
        slowest = sorted(per_table.items(), key=lambda item: -item[1])[:3]
        print("  slowest spec+SVG: " + ", ".join(f"{table_id} {seconds * 1000:.0f} ms"
                                                  for table_id, seconds in slowest))

        phases: dict[str, float] = {}
        for lang in LANGUAGES:
            t_build, publication = timed(lambda lang=lang: build_publication(tables, lang))
            t_html, _ = timed(lambda p=publication: write_html(p, root / "phases"))
            t_pdf, _ = timed(lambda p=publication: write_pdf(p, root / "phases"))
            phases[f"build+charts {lang}"] = t_build
            phases[f"HTML {lang}"] = t_html
            phases[f"PDF {lang}"] = t_pdf
        for name, seconds in phases.items():
            print(f"  {name:22s} {seconds:7.2f} s")

        total, written = timed(lambda: write_report(tables, root / "all"))
        sizes = ", ".join(f"{p.name} {p.stat().st_size / 1e6:.2f} MB" for p in written)
        print(f"all four outputs (write_report): {total:7.2f} s  = {total / baseline:5.1f} x baseline")
        median_chart = statistics.median(s + v for s, v in zip(spec_times, svg_times))
        print(f"one chart (spec + SVG, median): {median_chart * 1000:5.0f} ms = "
              f"{median_chart / (baseline / charts):5.1f} x the baseline's share per table")
        print(f"written: {sizes}")


if __name__ == "__main__":
    main()
