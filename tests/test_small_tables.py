"""The helper that builds small tables in memory for the tests: every kind of measure, every status, and
no table that the store would refuse."""

from __future__ import annotations

from decimal import Decimal

import pytest

from citystat.model import MeasureKind, Status

from .small_tables import (
    category,
    count,
    daily_average,
    flow,
    monthly_average,
    parse_cell,
    rank,
    rate,
    share,
    small_table,
    stock,
)


def test_every_kind_and_status_builds_a_table_the_checks_accept() -> None:
    table = small_table(
        "every_kind", ["2019", "2020"],
        [flow("uses", service_from="2019M12"), monthly_average("per_month", of="uses"),
         daily_average("per_day", of="uses"), stock("accounts"), rate("online"), share("uses_share", of="uses"),
         rank(), count("ranked")],
        {("all", "uses"): "310 3660", ("all", "per_month"): "310 305", ("all", "per_day"): "10 10",
         ("all", "uses_share"): "100 100", ("all", "accounts"): "5e 9p", ("all", "online"): "50.5 61.0r",
         ("a", "uses"): "- 3000", ("a", "per_month"): "- 250", ("a", "per_day"): "- 8", ("a", "uses_share"): "- 82.0",
         ("a", "rank"): ".. 1", ("b", "uses"): "310 660", ("b", "per_month"): "310 55", ("b", "per_day"): "10 2",
         ("b", "uses_share"): "100.0 18.0", ("b", "rank"): "2 2",
         ("all", "ranked"): "2 2"},
        by=category("kind", ["all", "a", "b"], aggregate="all"),
    )
    assert {m.kind for m in table.meta.measures.values()} == set(MeasureKind)
    assert table.cell(year="2019", kind="all", measure="accounts") == parse_cell("5e")
    assert table.meta.notes_for_cell(("2019", "all", "accounts"))  # an estimate gets the note the model requires
    assert table.cell(year="2019", kind="a", measure="uses").status is Status.NIL
    assert table.cell(year="2020", kind="b", measure="ranked").status is Status.NOT_AVAILABLE  # named by no series
    assert table.cell(year="2020", kind="all", measure="online").value == Decimal("61.0")


def test_tokens() -> None:
    assert [parse_cell(t).status for t in ("12", "1.5e", "7p", "7r", "..", "-")] == [
        Status.OBSERVED, Status.ESTIMATED, Status.PROVISIONAL, Status.REVISED, Status.NOT_AVAILABLE, Status.NIL]
    assert parse_cell("1.50e").value == Decimal("1.50")


def test_a_table_the_store_would_refuse_is_not_built() -> None:
    with pytest.raises(AssertionError, match="year=2020, measure=per_month.*must equal uses 1200 / 12"):
        small_table("bad", ["2020"], [flow("uses"), monthly_average("per_month", of="uses")],
                    {"uses": "1200", "per_month": "99"})
    with pytest.raises(AssertionError, match="derived as 100 / 2"):
        small_table("bad", ["2020", "2021"], [flow("uses")], {"uses": "49e 100"},
                    derived={("2020", "uses"): "2021 / 2"})
    with pytest.raises(ValueError, match="2 values for 3 periods"):
        small_table("bad", ["2019", "2020", "2021"], [flow("uses")], {"uses": "1 2"})
