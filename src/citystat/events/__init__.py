"""Raw service events: stream schemas, reference tables and the calibrated simulator."""

from citystat.events.calendar import TAIPEI, LocalCalendar
from citystat.events.calibration import Calibration, calibrate, expected_table, scaled
from citystat.events.reference import (
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
from citystat.events.schemas import STREAMS, Column, Stream, stream
from citystat.events.simulator import MANIFEST, SimulationResult, simulate

__all__ = [
    "DISTRICTS", "MANIFEST", "STREAMS", "TAIPEI", "Calibration", "Column", "District", "GeneratedHotspots",
    "GeneratedStations", "Hotspot", "HotspotSource", "LocalCalendar", "SimulationResult", "Station", "StationSource",
    "Stream", "calibrate", "expected_table", "hotspots_from_rows", "scaled", "simulate", "stations_from_rows", "stream",
]
