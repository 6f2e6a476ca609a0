"""A sparkline as inline SVG: drawn on the server, so a card shows its trend without any script.

Observed values are filled dots, estimates hollow dots with a dashed outline (as in the charts); a period
without a number is a gap in the line, never a zero. The SVG carries its own text alternative.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from markupsafe import Markup, escape

WIDTH = 320
HEIGHT = 64
PAD_X = 6
PAD_Y = 7


def _y_range(values: Sequence[float]) -> tuple[float, float]:
    """Counts and amounts start from zero unless all values lie close together (then the line zooms in)."""
    low, high = min(values), max(values)
    if 0 <= low < 0.5 * high:
        low = 0.0
    if high == low:
        low, high = low - (abs(low) or 1.0), high + (abs(high) or 1.0)
    return low, high


def sparkline_svg(points: Sequence[dict[str, Any]], label: str) -> Markup:
    """The SVG of a card's trend; ``points`` as ``cards.sparkline_points`` gives them, ``label`` its alt text."""
    valued = [(i, float(p["value"])) for i, p in enumerate(points) if p["value"] is not None]
    parts = [f'<svg class="sparkline" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
             f'role="img" aria-label="{escape(label)}" focusable="false" xmlns="http://www.w3.org/2000/svg">',
             f"<title>{escape(label)}</title>"]
    if valued:
        low, high = _y_range([v for _, v in valued])
        steps = max(1, len(points) - 1)

        def x(i: int) -> float:
            return PAD_X + (WIDTH - 2 * PAD_X) * (i / steps if len(points) > 1 else 0.5)

        def y(v: float) -> float:
            return HEIGHT - PAD_Y - (HEIGHT - 2 * PAD_Y) * ((v - low) / (high - low))

        runs: list[list[tuple[float, float]]] = [[]]
        for i, p in enumerate(points):
            if p["value"] is None:
                runs.append([])
            else:
                runs[-1].append((x(i), y(float(p["value"]))))
        for run in runs:
            if len(run) > 1:
                coords = " ".join(f"{a:.1f},{b:.1f}" for a, b in run)
                parts.append(f'<polyline class="spark-line" points="{coords}"/>')
        last = valued[-1][0]
        for i, p in enumerate(points):
            if p["value"] is None:
                continue
            kind = "spark-estimated" if p["estimated"] else "spark-observed"
            if i == last:
                kind += " spark-last"
            title = escape(f"{p['label']}: {p['value']:,}" + (" (e)" if p["estimated"] else ""))
            parts.append(f'<circle class="{kind}" cx="{x(i):.1f}" cy="{y(float(p["value"])):.1f}" r="3.5">'
                         f"<title>{title}</title></circle>")
    parts.append("</svg>")
    return Markup("".join(parts))
