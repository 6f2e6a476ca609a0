"""Cell status: how a value came about, or why there is none."""

from __future__ import annotations

from enum import Enum

from citystat.model.text import Text


class Status(str, Enum):
    """The symbols of official statistics. An observed value has the empty symbol."""

    OBSERVED = ""
    ESTIMATED = "e"
    PROVISIONAL = "p"
    REVISED = "r"
    NOT_AVAILABLE = ".."
    NIL = "-"

    @classmethod
    def parse(cls, symbol: str | None) -> Status:
        symbol = (symbol or "").strip()
        for status in cls:
            if status.value == symbol:
                return status
        allowed = ", ".join(repr(s.value) for s in cls)
        raise ValueError(f"unknown status {symbol!r}; use one of {allowed}")

    @property
    def has_value(self) -> bool:
        """Whether a cell with this status carries a number."""
        return self not in (Status.NOT_AVAILABLE, Status.NIL)

    @property
    def description(self) -> Text:
        return _DESCRIPTIONS[self]


_DESCRIPTIONS = {
    Status.OBSERVED: Text("實際值", "observed"),
    Status.ESTIMATED: Text("推估值（由公布數據推算）", "estimated or derived from published figures"),
    Status.PROVISIONAL: Text("初步統計", "provisional"),
    Status.REVISED: Text("修正值", "revised"),
    Status.NOT_AVAILABLE: Text("資料不詳或無資料", "not available"),
    Status.NIL: Text("無數值或不適用", "nil or not applicable"),
}
