"""The simulator in the real world: Wi-Fi sessions at the real hotspots, bike trips between the real stations
along the study's weekday OD pairs, and every published figure still reproduced exactly."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from citystat.aggregate import DuckDBEngine, aggregate_events
from citystat.aggregate.runner import catalog_metas
from citystat.cli import app
from citystat.ingest.run import read_all
from citystat.ingest.simulation import od_rows
from citystat.model import Cell, Status

from .conftest import EVENTS_SCALE
from .ingest_support import HOTSPOTS, REALDATA, YOUBIKE
from .test_aggregate import PUBLISHED, SCALE, expected_cell

pytestmark = pytest.mark.slow

SNAPSHOT = YOUBIKE / "youbike_immediate_v2_2024-03-27.json"
ROUTES = REALDATA / "youbike-study" / "yb_route_weekday_tpc.parquet"


@pytest.fixture(scope="module")
def real_events(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("real-events") / "sf0001"
    done = CliRunner().invoke(app, ["simulate", "--out", str(out), "--scale", EVENTS_SCALE, "--years", "2011-2021",
                                    "--seed", "7", "--workers", "2", "--hotspots", str(HOTSPOTS),
                                    "--stations", str(SNAPSHOT), "--od", str(ROUTES)])
    assert done.exit_code == 0, done.stdout + done.stderr
    return out


def test_the_od_pairs_join_the_snapshot() -> None:
    [snapshot] = read_all([SNAPSHOT])
    pairs, left_out = od_rows(ROUTES, snapshot)
    # 241,793 pairs, 2,824,923 trips in the study; pairs touching its two stations missing from the feed are out
    assert sum(p["weight"] for p in pairs) + left_out == 2_824_923
    assert len(pairs) == 241_432 and left_out == 1_640


def test_events_happen_in_the_real_world(real_events: Path) -> None:
    con = duckdb.connect()
    reference = str(real_events / "_reference")
    hotspots = con.execute(f"SELECT count(*), count(DISTINCT hotspot_id) FROM '{reference}/hotspots.parquet'")\
        .fetchone()
    assert hotspots == (3285, 3285)
    bikes = con.execute(f"SELECT count(*) FROM '{reference}/stations.parquet' WHERE mode = 'bike'").fetchone()
    assert bikes == (1379,)
    sessions = str(real_events / "service=wifi" / "stream=sessions" / "*" / "*" / "*.parquet")
    stray = con.execute(f"SELECT count(*) FROM read_parquet('{sessions}') s "
                    f"ANTI JOIN '{reference}/hotspots.parquet' h USING (hotspot_id)").fetchone()
    assert stray == (0,)
    [snapshot] = read_all([SNAPSHOT])
    pairs = {(p["origin"], p["destination"]) for p in od_rows(ROUTES, snapshot)[0]}
    trips = str(real_events / "service=shared_transport" / "stream=trips" / "*" / "*" / "*.parquet")
    drawn = con.execute(f"SELECT origin_station, destination_station FROM read_parquet('{trips}') "
                    "WHERE mode = 'bike'").fetchall()
    assert len(drawn) > 1000
    with_od = {o for o, _ in pairs}
    # a station with OD rows sends its trips only along them; one without keeps them at home
    assert all((o, d) in pairs if o in with_od else o == d for o, d in drawn)
    assert sum(o != d for o, d in drawn) / len(drawn) > 0.8  # most trips go to another station, as in the study


def test_the_published_figures_are_still_reproduced(real_events: Path) -> None:
    with DuckDBEngine() as engine:
        result = aggregate_events(real_events, engine=engine, metas=catalog_metas())
    checked = 0
    for derived in result.tables:
        published = PUBLISHED[derived.id.removesuffix("__events")]
        for key, cell in published.ordered_cells():
            got = derived.get(key)
            if cell.status is Status.NIL:
                assert got == Cell(None, Status.NIL), (derived.id, key)
            elif cell.value is not None:
                assert got == expected_cell(published, key, SCALE), (derived.id, key, got)
                checked += 1
    assert checked == 93
