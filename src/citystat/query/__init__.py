"""Queries over the store, independent of any output format: the table list, selections, codelists.

The PxWeb API and the dashboard both answer from these functions, so they cannot disagree.
"""

from citystat.query.catalog import TableSummary, search, summarise
from citystat.query.codelists import Codelist, CodelistType, CodelistValue, codelists_of, table_of_codelist
from citystat.query.reader import Snapshot, StoreReader, StoreUnavailable, TableEntry
from citystat.query.selection import (
    Selection,
    SelectionError,
    SelectionErrorKind,
    SelectionRequest,
    VariableRequest,
    default_placement,
    default_selection,
    elimination_value,
    expand,
    request_from_mapping,
    resolve,
)

__all__ = [
    "Codelist", "CodelistType", "CodelistValue", "Selection", "SelectionError", "SelectionErrorKind",
    "SelectionRequest", "Snapshot", "StoreReader", "StoreUnavailable", "TableEntry", "TableSummary",
    "VariableRequest", "codelists_of", "default_placement", "default_selection", "elimination_value", "expand",
    "request_from_mapping", "resolve", "search", "summarise", "table_of_codelist",
]
