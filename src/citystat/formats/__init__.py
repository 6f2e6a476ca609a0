"""Writers of tables in exchange and display formats (JSON-stat 2.0, CSV, plain text)."""
