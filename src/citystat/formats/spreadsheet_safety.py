"""Text that a spreadsheet would run as a formula, made inert (OWASP's CSV-injection guidance).

A cell whose text begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return may be taken by
Excel, LibreOffice or Google Sheets as a formula (``=HYPERLINK(...)``, ``=cmd|' /C calc'!A0``). In XLSX such
text is written as a text cell, never a formula; in CSV it gets a leading apostrophe, which spreadsheets
hide and which keeps it text. Numbers (``-12.5``) and the status symbols (``-`` nil, ``..`` not available)
are not formulas and are left as they are.
"""

from __future__ import annotations

import re

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
NEUTRALISING_PREFIX = "'"
_NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")
_STATUS_SYMBOLS = frozenset({"-", "..", "...", "…"})


def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet could read the text as a formula."""
    return (text.startswith(FORMULA_TRIGGERS) and text not in _STATUS_SYMBOLS
            and _NUMBER.fullmatch(text) is None)


def neutralised(text: str) -> str:
    """The text for a CSV cell: formula-looking text behind an apostrophe, everything else unchanged."""
    return NEUTRALISING_PREFIX + text if looks_like_formula(text) else text
