"""Raw service events: the stream contract (schemas, partitions, the local calendar) that producers write to and
the aggregation reads. The simulator that writes such streams from the published tables is ``citystat.simulate``."""

from citystat.events.calendar import LocalCalendar, fixed_calendar
from citystat.events.schemas import STREAMS, Column, Stream, stream

__all__ = ["STREAMS", "Column", "LocalCalendar", "Stream", "fixed_calendar", "stream"]
