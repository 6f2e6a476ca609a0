"""HTML answers: a complete, accessible page with the table laid out as published, notes and source."""

from __future__ import annotations

from html import escape

from citystat.formats.display import format_cell
from citystat.formats.pivot import LabelMode, Pivot
from citystat.model.text import ZH


def _repeat(pivot: Pivot, level: int) -> int:
    """How many data columns one value of the heading variable at ``level`` spans."""
    span = 1
    for variable_index in range(level + 1, len(pivot.heading)):
        span *= len({column[variable_index].code for column in pivot.heading_columns})
    return span


def to_html(pivot: Pivot, *, labels: LabelMode = LabelMode.TEXTS, include_title: bool = False) -> str:
    lang = "zh-Hant-TW" if pivot.lang == ZH else "en"
    title = pivot.title()
    out = [
        "<!DOCTYPE html>",
        f'<html lang="{lang}">',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>{escape(title)}</title>",
        "<style>table{border-collapse:collapse}th,td{border:1px solid #999;padding:.25em .5em}"
        "td{text-align:right;font-variant-numeric:tabular-nums}caption{font-weight:bold;text-align:left}</style>",
        "</head>",
        "<body>",
        f'<table data-table="{escape(pivot.meta.id)}">',
    ]
    if include_title:
        out.append(f"<caption>{escape(title)}</caption>")
    out.append("<thead>")
    levels = max(len(pivot.heading), 1)
    for level in range(levels):
        cells = []
        if level == 0:
            for variable in pivot.stub:
                cells.append(f'<th scope="col" rowspan="{levels}">{escape(pivot.variable_text(variable, labels))}</th>')
        if not pivot.heading:
            cells.append(f'<th scope="col">{escape(pivot.meta.title.get(pivot.lang))}</th>')
        else:
            span = _repeat(pivot, level)
            variable = pivot.heading[level]
            for start in range(0, len(pivot.heading_columns), span):
                value = pivot.heading_columns[start][level]
                text = escape(pivot.value_text(variable, value, labels))
                attribute = f' colspan="{span}"' if span > 1 else ""
                cells.append(f'<th scope="col"{attribute}>{text}</th>')
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</thead>")
    out.append("<tbody>")
    for row, row_cells in zip(pivot.stub_rows, pivot.cells, strict=False):
        heads = "".join(f'<th scope="row">{escape(pivot.value_text(var, val, labels))}</th>'
                        for var, val in zip(pivot.stub, row, strict=False))
        data = "".join(
            f'<td data-key="{escape(",".join(c.key))}">{escape(format_cell(c.cell, c.measure))}</td>' for c in row_cells
        )
        out.append(f"<tr>{heads}{data}</tr>")
    out.append("</tbody>")
    out.append("</table>")
    out.append("<footer>")
    out += [f"<p>{escape(line)}</p>" for line in pivot.footnotes()]
    out.append("</footer>")
    out.append("</body>")
    out.append("</html>")
    return "\n".join(out) + "\n"
