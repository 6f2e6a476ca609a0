"""The calibrated event simulator: a tool on top of the stream contract (``citystat.events``) that writes event
streams whose aggregation reproduces the published tables, with the reference tables (districts, hotspots,
stations) it draws from and the calibration of its targets."""

from citystat.aggregate.scaling import expected_table, scaled
from citystat.simulate.calibration import Calibration, calibrate
from citystat.simulate.reference import (
    DISTRICTS,
    District,
    GeneratedHotspots,
    GeneratedStations,
    Hotspot,
    HotspotSource,
    Station,
    StationSource,
    hotspots_from_rows,
    stations_from_rows,
)
from citystat.simulate.simulator import MANIFEST, SimulationResult, simulate

__all__ = [
    "DISTRICTS", "MANIFEST", "Calibration", "District", "GeneratedHotspots", "GeneratedStations", "Hotspot",
    "HotspotSource", "SimulationResult", "Station", "StationSource", "calibrate", "expected_table",
    "hotspots_from_rows", "scaled", "simulate", "stations_from_rows",
]
