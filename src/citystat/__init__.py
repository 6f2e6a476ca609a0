"""citystat: official statistics from the usage data of a city's digital public services."""

__version__ = "0.1.0"
