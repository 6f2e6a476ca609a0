"""Readers of the files and feeds a city publishes, chosen from a registry by handles(), and the builders
that turn what they read into statistical tables."""
