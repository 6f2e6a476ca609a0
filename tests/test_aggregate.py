"""Aggregation at scale 0.001 over 2011-2021 reproduces the published tables; releases in the store; compare."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from citystat.aggregate import DuckDBEngine, aggregate_events, derived_table_id, load_definitions
from citystat.aggregate.runner import catalog_metas
from citystat.catalog import bundled_tables
from citystat.cli import app
from citystat.model import Cell, MeasureKind, Period, Status, Table, round_half_up
from citystat.model.period import days_in_service, months_in_service
from citystat.store import Store

SCALE = Decimal("0.001")
PUBLISHED = {t.id: t for t in bundled_tables()}


def expected_cell(table: Table, key: tuple[str, ...], scale: Decimal) -> Cell:
    """What an aggregation of events simulated at ``scale`` must give for a published cell, from the rules:
    flows and stocks round_half_up(figure × scale); averages from their scaled totals; shares from scaled parts."""
    meta = table.meta
    cell = table.get(key)
    if cell.value is None:
        return cell
    measure = meta.measure_of(key)
    period = Period.parse(key[meta.position(meta.time.code)])
    metric = meta.position(meta.metric.code)

    def other(code: str, **change: str) -> tuple[str, ...]:
        out = list(key)
        out[metric] = code
        for variable, value in change.items():
            out[meta.position(variable)] = value
        return tuple(out)

    def scaled(value: Decimal) -> Decimal:
        return round_half_up(value * scale, 0)

    if measure.kind in (MeasureKind.FLOW, MeasureKind.STOCK):
        return Cell(scaled(cell.value))
    if measure.kind is MeasureKind.MONTHLY_AVERAGE:
        start = meta.measures[measure.average_of].service_from
        total = scaled(table.get(other(measure.average_of)).value)
        return Cell(round_half_up(total / months_in_service(period, start), measure.decimals))
    if measure.kind is MeasureKind.DAILY_AVERAGE:
        days = days_in_service(period, measure.service_from)
        return Cell(round_half_up(scaled(cell.value * days) / days, measure.decimals))
    if measure.kind is MeasureKind.SHARE:
        category = next(v for v in meta.variables if v.aggregate is not None)
        part = scaled(table.get(other(measure.share_of)).value)
        whole = scaled(table.get(other(measure.share_of, **{category.code: category.aggregate.code})).value)
        return Cell(round_half_up(part / whole * 100, measure.decimals))
    raise AssertionError(measure.kind)


@pytest.fixture(scope="module")
def duckdb_result(simulated_events: Path):
    with DuckDBEngine() as engine:
        return aggregate_events(simulated_events, engine=engine, metas=catalog_metas())


def test_every_published_table_with_events_has_a_definition(duckdb_result) -> None:
    defined = {d.table for d in load_definitions()}
    assert defined == {
        "taipei_free_usage", "citizen_platform_visits", "open_data_platform", "cooc_cloud", "pay_taipei",
        "pay_taipei_by_category", "shared_transport_fleet", "shared_transport_daily_uses", "taipeipass",
    }
    assert sorted(t.id for t in duckdb_result.tables) == sorted(derived_table_id(t) for t in defined)


def test_duckdb_reproduces_every_published_figure_at_scale(duckdb_result) -> None:
    checked = 0
    for derived in duckdb_result.tables:
        published = PUBLISHED[derived.id.removesuffix("__events")]
        assert derived.meta.time.codes == published.meta.time.codes  # 2011-2021 covers every published year
        for key, cell in published.ordered_cells():
            got = derived.get(key)
            if cell.status is Status.NIL:
                assert got == Cell(None, Status.NIL), (derived.id, key)  # no service, no events, no number
            elif cell.value is None:
                assert got.value is not None, (derived.id, key)  # unpublished ('..'): the events give a number
            else:
                assert got == expected_cell(published, key, SCALE), (derived.id, key, got)
                checked += 1
    assert checked == 93  # every published number of the nine tables


def test_derived_tables_carry_the_published_metadata(duckdb_result) -> None:
    for derived in duckdb_result.tables:
        published = PUBLISHED[derived.id.removesuffix("__events")].meta
        meta = derived.meta
        assert meta.id == derived_table_id(published.id)
        assert meta.subject == published.subject and meta.sources == published.sources
        assert meta.variables == published.variables
        assert meta.title.en == f"{published.title.en} (computed from events)"
        assert set(published.notes) <= set(meta.notes) and "citystat compare" in meta.notes[0].text.en
        assert meta.cell_notes == () and meta.aliases == ()
    report = duckdb_result.report
    assert report.events == sum(s.events for s in report.streams) > 2_000_000
    assert report.excluded == 0 and {s.ids for s in report.streams} == {"consecutive"}


def _cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_aggregate_command_stores_releases_that_compare_reproduces(simulated_events: Path, tmp_path: Path) -> None:
    db = str(tmp_path / "citystat.duckdb")
    assert _cli("build", "--db", db)[0] == 0
    code, out = _cli("aggregate", str(simulated_events), "--db", db, "--json")
    assert code == 0, out
    report = json.loads(out)
    assert report["scale"] == "0.001" and report["excluded"] == 0
    assert len(report["releases"]) == 9 and all(r["created"] for r in report["releases"])
    with Store(db, read_only=True) as store:
        stored = store.read("taipei_free_usage__events")
        assert stored.release.origin == "events:duckdb:scale=0.001"
        provenance = stored.release.provenance  # the fields compare reads, never the words
        assert (provenance.engine, provenance.scale, provenance.seed) == ("duckdb", Decimal("0.001"), 7)
        assert stored.table.cell(year="2021", measure="total").value == 135_944
        assert store.read("taipei_free_usage").table.cell(year="2021", measure="total").value == 135_943_532
    code, out = _cli("compare", "--db", db, "--json", "--check")
    assert code == 0, out
    comparisons = {c["published"]: c for c in json.loads(out)}
    assert all(c["matches"] for c in comparisons.values())
    assert comparisons["pay_taipei_by_category"]["counts"] == {"equal": 12, "differs": 0, "new": 4, "missing": 0,
                                                                "status": 0}
    # the same events again: nothing changes
    code, out = _cli("aggregate", str(simulated_events), "--db", db, "--json", "--table", "taipei_free_usage")
    assert code == 0 and [r["created"] for r in json.loads(out)["releases"]] == [False]
    # at the wrong scale every flow differs, and --check says so
    code, out = _cli("compare", "taipei_free_usage", "--db", db, "--scale", "1", "--check")
    assert code == 1 and "differs" in out
    code, out = _cli("show", "taipei_free_usage__events", "--db", db, "--lang", "en")
    assert code == 0 and "(computed from events)" in " ".join(out.split())
