"""The statistical data model. No I/O here: readers, writers and the store live elsewhere."""

from citystat.model.checks import check_table
from citystat.model.city import City, District, GeoPoint, city_from_dict
from citystat.model.measure import Measure, MeasureKind, round_half_up
from citystat.model.period import Frequency, Period
from citystat.model.problems import InvalidInput, Problem
from citystat.model.provenance import FileDigest, Provenance, ProvenanceError, ProvenanceKind, provenance_from_dict
from citystat.model.release import LoadResult, ReleaseInfo, StoredTable, unreleased
from citystat.model.serialise import meta_from_dict, meta_to_dict
from citystat.model.status import Status
from citystat.model.subject import Subject
from citystat.model.table import (
    Cell,
    CellKey,
    CellNote,
    Derivation,
    DerivationOp,
    Note,
    Role,
    Source,
    Table,
    TableMeta,
    Value,
    Variable,
)
from citystat.model.text import EN, LANGUAGES, ZH, Text, normalise_language

__all__ = [
    "EN", "LANGUAGES", "ZH", "Cell", "CellKey", "CellNote", "City", "Derivation", "DerivationOp", "District",
    "FileDigest", "Frequency", "GeoPoint", "InvalidInput", "LoadResult", "Measure", "MeasureKind", "Note", "Period",
    "Problem", "Provenance", "ProvenanceError", "ProvenanceKind", "ReleaseInfo", "Role", "Source", "Status",
    "StoredTable", "Subject", "Table", "TableMeta", "Text", "Value", "Variable", "check_table", "city_from_dict",
    "meta_from_dict", "meta_to_dict", "normalise_language", "provenance_from_dict", "round_half_up", "unreleased",
]
