"""Estimates of how wide a line of text is, to lay out chart labels and wrap footnotes before rendering.

Vega does not wrap text, so footnotes are broken into lines here. Wide (CJK) characters take a full em,
Latin letters about half; the estimate errs wide so that nothing is clipped.
"""

from __future__ import annotations

import re
import unicodedata

_NARROW = set("il.,:;'|!()[]` ")
_NO_LINE_START = set("，。、；：）」』％,.;:)%")  # punctuation that must not begin a line


def char_width(ch: str) -> float:
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return 1.0
    if ch in _NARROW:
        return 0.32
    if ch.isupper() or ch in "mw%@MW":
        return 0.72
    return 0.58


def text_width(text: str, size: float) -> float:
    """Estimated width in px of ``text`` set at ``size`` px."""
    return sum(char_width(ch) for ch in text) * size


_WIDE = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f"
_TOKEN = re.compile(f"[{_WIDE}]|[^\\s{_WIDE}]+\\s*|\\s+")  # one wide character, or a word with its spaces


def wrap(text: str, width: float, size: float, indent: str = "") -> list[str]:
    """Break text into lines no wider than ``width`` px: between words in English, between characters in Chinese."""
    lines: list[str] = []
    line = ""
    for token in _TOKEN.findall(text):
        candidate = line + token
        if line and text_width(candidate.rstrip(), size) > width and token not in _NO_LINE_START:
            lines.append(line.rstrip())
            line = indent + token.lstrip()
        else:
            line = candidate
    if line.strip():
        lines.append(line.rstrip())
    return lines
