"""The published tables shipped with citystat: one YAML (metadata) and one CSV (values) per table."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

from citystat.catalog.reading import read_yaml_file
from citystat.catalog.tablefile import parse_meta, parse_values, read_table
from citystat.file_digests import file_digest
from citystat.model import City, InvalidInput, Problem, Provenance, Subject, Table, city_from_dict
from citystat.model.city import subjects_from_list

CATALOG_DIR = Path(str(resources.files("citystat.catalog")))
TABLES_DIR = CATALOG_DIR / "tables"
CITY_FILE, SUBJECTS_FILE = "city.yaml", "subjects.yaml"

__all__ = ["CATALOG_DIR", "TABLES_DIR", "bundled_city", "bundled_tables", "catalog_releases", "catalog_tables",
           "parse_meta", "parse_values", "read_city", "read_table", "subject", "subjects"]


def read_city(catalog: Path) -> City:
    """The city of a catalog folder: its city.yaml, with the services of subjects.yaml beside it."""
    city_path, subjects_path = catalog / CITY_FILE, catalog / SUBJECTS_FILE
    for path in (city_path, subjects_path):
        if not path.is_file():
            raise InvalidInput([Problem("missing_file", f"a catalog needs {path.name}; {path} does not exist",
                                        file=str(path))])
    city_doc = read_yaml_file(city_path, name=str(city_path))
    subjects_doc = read_yaml_file(subjects_path, name=str(subjects_path))
    problems: list[Problem] = []
    try:
        subjects_from_list(subjects_doc.data, file=str(subjects_path), line=subjects_doc.line)
        services = subjects_doc.data
    except InvalidInput as exc:  # reported with subjects.yaml's name and lines; the city is still checked
        problems += exc.problems
        services = []
    raw = {**city_doc.data, "subjects": services} if isinstance(city_doc.data, dict) else city_doc.data
    try:
        city = city_from_dict(raw, file=str(city_path), line=city_doc.line)
    except InvalidInput as exc:
        problems = exc.problems + problems
    if problems:
        raise InvalidInput(problems)
    return city


def catalog_tables(catalog: Path) -> list[Table]:
    """Every table of a catalog folder (tables/*.yaml with their .csv), read and checked, ordered by subject
    (the city's order) then id."""
    order = read_city(catalog).subject_order()
    tables = [read_table(csv, meta) for meta, csv in _table_files(catalog)]
    return sorted(tables, key=lambda t: (order.get(t.meta.subject, len(order)), t.id))


def catalog_releases(catalog: Path) -> list[tuple[Table, Provenance]]:
    """Every table of a catalog folder, as ``catalog_tables``, with where it comes from: its YAML and CSV files
    and their digests."""
    order = read_city(catalog).subject_order()
    entries = [(read_table(csv, meta), Provenance.catalog([file_digest(meta), file_digest(csv)]))
               for meta, csv in _table_files(catalog)]
    return sorted(entries, key=lambda e: (order.get(e[0].meta.subject, len(order)), e[0].id))


def _table_files(catalog: Path) -> list[tuple[Path, Path]]:
    """Each table's metadata (YAML) and its values (the CSV beside it)."""
    return [(meta, meta.with_suffix(".csv")) for meta in sorted((catalog / "tables").glob("*.yaml"))]


@cache
def bundled_city() -> City:
    return read_city(CATALOG_DIR)


def bundled_tables() -> list[Table]:
    """Every table of the bundled catalog, read and checked, ordered by subject then id."""
    return catalog_tables(CATALOG_DIR)


def subjects() -> tuple[Subject, ...]:
    """The bundled city's services, in the order a publication presents them."""
    return bundled_city().subjects


def subject(code: str) -> Subject:
    """A service of the bundled city; an unknown code (a user's own service) gets its code as its name."""
    return bundled_city().subject(code)
