"""Subjects: the services the tables describe."""

from __future__ import annotations

from dataclasses import dataclass

from citystat.model.text import Text


@dataclass(frozen=True)
class Subject:
    code: str
    name: Text
    description: Text
