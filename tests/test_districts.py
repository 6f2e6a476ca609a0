"""One list of districts: the catalog's city.yaml. The event streams' district codes and the simulator's districts
(their order and centres) come from it; the simulator's weights are assumptions checked against it."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from citystat.catalog import bundled_city
from citystat.events import stream
from citystat.events.schemas import DISTRICT_CODES
from citystat.model import GeoPoint, InvalidInput, city_from_dict
from citystat.simulate import DISTRICTS, GeneratedHotspots
from citystat.simulate.reference import districts_of
from citystat.store import Store

WEIGHTS = {d.code: str(d.population) for d in DISTRICTS}


def test_the_streams_and_the_simulator_take_the_citys_districts_in_its_order() -> None:
    city = bundled_city()
    assert DISTRICT_CODES == city.district_codes() == tuple(d.code for d in DISTRICTS)
    assert stream("wifi.sessions").column("district").categories == city.district_codes()
    for simulated, declared in zip(DISTRICTS, city.districts, strict=True):
        assert isinstance(declared.centroid, GeoPoint)
        assert (simulated.lon, simulated.lat) == (float(declared.centroid.lon), float(declared.centroid.lat))
    assert {h.district for h in GeneratedHotspots(seed=1, count=500).hotspots()} <= set(city.district_codes())


def test_the_simulators_districts_are_checked_against_the_city() -> None:
    city = bundled_city()
    no_centre = dataclasses.replace(city, districts=(dataclasses.replace(city.districts[0], centroid=None),
                                                      *city.districts[1:]))
    weights = {**{k: v for k, v in WEIGHTS.items() if k != "beitou"}, "atlantis": "5"}
    with pytest.raises(ValueError) as caught:
        districts_of(no_centre, weights)
    message = str(caught.value)
    assert "district 'beitou' has no weight in assumptions.yaml" in message
    assert "names 'atlantis', which is not a district" in message
    assert "district 'songshan' has no centroid" in message
    assert [d.population for d in districts_of(city, WEIGHTS)] == [int(w) for w in WEIGHTS.values()]


def _raw_city(**centroid: object) -> dict:
    return {"code": "x", "name": "X", "government": "X", "publication": {"title": "X"}, "time_zone": "UTC",
            "subjects": [], "districts": [{"code": "a", "label": "A", "centroid": centroid}]}


@pytest.mark.parametrize(("centroid", "field", "words"), [
    ({"lon": "121.5", "lat": "95"}, "districts[0].centroid.lat", "from -90 to 90"),
    ({"lon": "east", "lat": "25"}, "districts[0].centroid.lon", "from -180 to 180"),
    ({"lat": "25"}, "districts[0].centroid", "a mapping of lon and lat"),
])
def test_a_bad_centroid_is_named_by_field(centroid: dict, field: str, words: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        city_from_dict(_raw_city(**centroid), file="city.yaml")
    (problem,) = caught.value.problems
    assert problem.file == "city.yaml" and f"{field}: " in problem.message and words in problem.message


def test_the_centroids_are_recorded_with_the_city_and_read_back_exactly(tmp_path: Path) -> None:
    city = bundled_city()
    with Store(tmp_path / "db.duckdb") as store:
        store.record_city(city)
    with Store(tmp_path / "db.duckdb", read_only=True) as store:
        recorded = store.city()
    assert recorded is not None and recorded.districts == city.districts
    assert str(recorded.districts[0].centroid.lat) == "25.0500"  # exactly as written
