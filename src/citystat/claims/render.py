"""A checked text as a person or a program reads it: a terminal table, JSON, and HTML with the text annotated
(green: correct, red: wrong, amber: ambiguous, grey: unverifiable; hovering a mark shows the computation)."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field

from rich.markup import escape
from rich.table import Table as RichTable

from citystat.claims.check import Report
from citystat.claims.model import Status, Verdict

STYLES = {Status.CORRECT: "green", Status.WRONG: "bold red", Status.AMBIGUOUS: "yellow",
          Status.UNVERIFIABLE: "dim", Status.NOT_A_CLAIM: "dim italic"}
SEVERITY = {Status.WRONG: 3, Status.AMBIGUOUS: 2, Status.UNVERIFIABLE: 1, Status.CORRECT: 0, Status.NOT_A_CLAIM: -1}


def _where(verdict: Verdict) -> str:
    claim = verdict.claim
    parts = []
    if claim.period is not None:
        parts.append(claim.period.text)
    if claim.base is not None:
        parts.append(f"vs {claim.base.text}")
    if claim.span_start is not None and claim.span_start is not claim.period:
        parts.insert(0, f"{claim.span_start.text} →")
    return " ".join(parts)


def _cells(verdict: Verdict) -> str:
    if not verdict.table:
        return ""
    text = f"{verdict.table}"
    if verdict.release is not None:
        text += f" r{verdict.release}"
    if verdict.coordinates:
        text += " " + ",".join(f"{k}={v}" for k, v in verdict.coordinates.items())
    return text


def as_table(report: Report, *, title: str | None = None) -> RichTable:
    """Every claim, one row each, coloured by its verdict; the cells and formulas are in the JSON and HTML."""
    summary = report.summary
    caption = ", ".join(f"{summary[s.value]} {s.value}" for s in Status)
    grid = RichTable(title=title or f"{summary['claims']} claims ({report.lang})", caption=caption,
                     title_justify="left", show_lines=False, expand=True)
    grid.add_column("#", justify="right", no_wrap=True)
    grid.add_column("verdict", no_wrap=True)
    grid.add_column("claim", overflow="fold", max_width=14, ratio=1)
    grid.add_column("kind", overflow="fold", max_width=12, ratio=1)
    grid.add_column("when", overflow="fold", max_width=14, ratio=1)
    grid.add_column("why", overflow="fold", ratio=4)
    for verdict in report.verdicts:
        claim = verdict.claim
        why = verdict.in_language
        if verdict.status is not Status.CORRECT and verdict.wording and verdict.wording not in why:
            why += f" → {verdict.wording}"
        if verdict.table:
            why += f" [{_cells(verdict)}]"
        grid.add_row(str(claim.id), f"[{STYLES[verdict.status]}]{verdict.status.value}[/]", escape(claim.text),
                     claim.kind.value, escape(_where(verdict)), escape(why))
    return grid


def as_json(report: Report) -> str:
    """One object per claim, with its character span in the text."""
    return json.dumps(report.to_dict(), ensure_ascii=False, indent=2)


# -- HTML ------------------------------------------------------------------------------------------------------

_CSS = """
body { font-family: "Noto Sans TC", "Noto Sans CJK TC", "Microsoft JhengHei", system-ui, sans-serif;
       max-width: 60rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.9; color: #1b1b1b; }
h1 { font-size: 1.3rem; }
.summary span { display: inline-block; margin-right: 1rem; }
.text p { margin: 0 0 1rem 0; }
mark { position: relative; padding: 0 .1em; border-radius: .2em; border-bottom: 2px solid; cursor: help; }
mark.correct { background: #e3f4e1; border-color: #2e7d32; }
mark.wrong { background: #fde2e1; border-color: #c62828; }
mark.ambiguous { background: #fff1cc; border-color: #e0a100; }
mark.unverifiable { background: #eeeeee; border-color: #9e9e9e; }
mark .tip { display: none; position: absolute; left: 0; top: 1.9em; z-index: 10; width: 30rem; max-width: 80vw;
            background: #fff; color: #1b1b1b; border: 1px solid #999; border-radius: .3rem; padding: .5rem .7rem;
            font-size: .8rem; line-height: 1.5; box-shadow: 0 2px 8px rgba(0,0,0,.2); white-space: normal; }
mark:hover .tip, mark:focus .tip { display: block; }
.tip b { text-transform: uppercase; font-size: .75rem; }
.tip .sep { display: block; border-top: 1px solid #ccc; margin: .4rem 0; }
.tip code { font-size: .75rem; word-break: break-all; }
table.claims { border-collapse: collapse; font-size: .85rem; margin-top: 2rem; width: 100%; }
table.claims th, table.claims td { border-bottom: 1px solid #ddd; padding: .2rem .4rem; text-align: left;
                                   vertical-align: top; }
td.correct { color: #2e7d32; } td.wrong { color: #c62828; font-weight: bold; }
td.ambiguous { color: #a36f00; } td.unverifiable { color: #757575; }
"""


@dataclass
class _Mark:
    start: int
    end: int
    verdicts: list[Verdict] = field(default_factory=list)

    @property
    def status(self) -> Status:
        return max((v.status for v in self.verdicts), key=lambda s: SEVERITY[s])


def _marks(report: Report) -> list[_Mark]:
    """Claims at the same place share one mark (均居六都第 1 is three claims); overlapping ones are merged."""
    marks: list[_Mark] = []
    for verdict in sorted(report.verdicts, key=lambda v: (v.claim.start, -v.claim.end)):
        claim = verdict.claim
        if marks and claim.start < marks[-1].end:
            marks[-1].end = max(marks[-1].end, claim.end)
            marks[-1].verdicts.append(verdict)
        else:
            marks.append(_Mark(claim.start, claim.end, [verdict]))
    return marks


def _tip(verdict: Verdict) -> str:
    lines = [f"<b>{verdict.status.value}</b> · {html.escape(verdict.claim.kind.value)}",
             html.escape(verdict.in_language)]
    if verdict.wording and verdict.status is not Status.CORRECT:
        lines.append(f"right: {html.escape(verdict.wording)}")
    if verdict.formula:
        lines.append(f"<code>{html.escape(verdict.formula)}</code>")
    for reading in verdict.readings:
        mark = "✓" if reading.matches else "✗"
        lines.append(f"{mark} {html.escape(reading.name)}: {html.escape(reading.formula)} — "
                     f"{html.escape(reading.written)}")
    for cell in verdict.cells[:8]:
        coordinates = ", ".join(f"{k}={v}" for k, v in cell["cell"].items())
        lines.append(f"<code>{html.escape(cell['table'])} r{cell['release']} [{html.escape(coordinates)}] = "
                     f"{html.escape(str(cell['value']))} ({html.escape(cell['status'] or 'observed')})</code>")
    if len(verdict.cells) > 8:
        lines.append(f"… {len(verdict.cells) - 8} more cells")
    return "<br>".join(lines)


def _plain(verdict: Verdict) -> str:
    parts = [f"{verdict.status.value}: {verdict.in_language}"]
    if verdict.formula:
        parts.append(verdict.formula)
    return " | ".join(parts)


def as_html(report: Report, *, title: str = "citystat check") -> str:
    """The text with every claim marked; self-contained (no scripts, fonts or styles from elsewhere)."""
    text = report.text
    pieces: list[str] = []
    position = 0
    for mark in _marks(report):
        pieces.append(html.escape(text[position:mark.start]))
        tips = '<span class="sep"></span>'.join(_tip(v) for v in mark.verdicts)
        plain = html.escape(" || ".join(_plain(v) for v in mark.verdicts), quote=True)
        ids = " ".join(str(v.claim.id) for v in mark.verdicts)
        pieces.append(
            f'<mark class="{mark.status.value}" tabindex="0" data-claims="{ids}" title="{plain}">'
            f"{html.escape(text[mark.start:mark.end])}<span class=\"tip\">{tips}</span></mark>"
        )
        position = mark.end
    pieces.append(html.escape(text[position:]))
    body = "".join(pieces)
    paragraphs = "".join(f"<p>{p.replace(chr(10), '<br>')}</p>" for p in body.split("\n\n") if p.strip())
    summary = report.summary
    counts = "".join(f'<span class="{s.value}">{summary[s.value]} {s.value}</span>' for s in Status)
    rows = []
    for verdict in report.verdicts:
        claim = verdict.claim
        rows.append(
            f"<tr><td>{claim.id}</td><td class=\"{verdict.status.value}\">{verdict.status.value}</td>"
            f"<td>{html.escape(claim.text)}</td><td>{claim.kind.value}</td><td>{html.escape(_where(verdict))}</td>"
            f"<td>{html.escape(_cells(verdict))}</td><td>{html.escape(verdict.in_language)}</td></tr>"
        )
    lang = "zh-Hant-TW" if report.lang == "zh-TW" else "en"
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>"
        f"<h1>{html.escape(title)}</h1><p class=\"summary\">{counts}</p>"
        f'<div class="text">{paragraphs}</div>'
        f'<table class="claims"><thead><tr><th>#</th><th>verdict</th><th>claim</th><th>kind</th><th>when</th>'
        f"<th>cells</th><th>why</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
        f"</body></html>\n"
    )
