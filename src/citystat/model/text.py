"""Bilingual text: every string a person reads exists in Traditional Chinese and English."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

ZH = "zh-TW"
EN = "en"
LANGUAGES: tuple[str, ...] = (ZH, EN)

_LANGUAGE_ALIASES = {
    "zh-tw": ZH,
    "zh": ZH,
    "zh_tw": ZH,
    "zh-hant": ZH,
    "tw": ZH,
    "en": EN,
    "en-us": EN,
    "en-gb": EN,
    "eng": EN,
}


def normalise_language(lang: str) -> str:
    """Map a language tag a person or client may send (zh, zh-tw, en-GB) to zh-TW or en."""
    try:
        return _LANGUAGE_ALIASES[lang.strip().lower()]
    except KeyError:
        raise ValueError(f"unknown language {lang!r}; use one of {', '.join(LANGUAGES)}") from None


def _kind(raw: Any) -> str:
    if isinstance(raw, Mapping):
        return "a mapping"
    if isinstance(raw, (list, tuple)):
        return "a list"
    return type(raw).__name__


def _scalar_text(raw: Any, lang: str) -> str:
    """A language's text: a string (a plain number is taken as written); never a mapping or a list's repr."""
    if raw is None:
        return ""
    if isinstance(raw, str):
        return raw
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return str(raw)
    raise TypeError(f"the {lang!r} text must be a string, got {_kind(raw)}")


@dataclass(frozen=True)
class Text:
    """A label in both languages. A missing language falls back to the other one."""

    zh: str
    en: str

    def __post_init__(self) -> None:
        if not self.zh and not self.en:
            raise ValueError("text needs at least one language")

    def get(self, lang: str) -> str:
        lang = normalise_language(lang)
        if lang == ZH:
            return self.zh or self.en
        return self.en or self.zh

    def to_dict(self) -> dict[str, str]:
        return {ZH: self.zh, EN: self.en}

    @classmethod
    def of(cls, raw: Any) -> Text:
        """Build from a mapping {zh-TW: ..., en: ...} or, for codes shown as they are, a plain string."""
        if isinstance(raw, Text):
            return raw
        if isinstance(raw, str):
            return cls(raw, raw)
        if isinstance(raw, Mapping):
            # every key must be a language: a stray key is usually text cut at a comma in a YAML flow mapping
            known = {normalise_language(str(k)): _scalar_text(v, str(k)) for k, v in raw.items()}
            return cls(known.get(ZH, ""), known.get(EN, ""))
        raise TypeError(f"expected text as a string or a {{zh-TW, en}} mapping, got {_kind(raw)}")

    def __str__(self) -> str:
        return self.en or self.zh
