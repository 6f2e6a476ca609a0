"""A release's provenance as fields: kept in a real DuckDB file, read back field by field, the same words as
before for a person, and a database of the schema before the fields upgraded in place."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from citystat.aggregate.compare import UnknownScale, compare_in_store
from citystat.aggregate.definitions import derived_table_id
from citystat.catalog import CATALOG_DIR, bundled_tables, catalog_releases
from citystat.cli import app
from citystat.model import Cell, FileDigest, InvalidInput, Provenance, ProvenanceKind, Table, provenance_from_dict
from citystat.model.provenance import SOFTWARE
from citystat.store import Store, cube


def _table(table_id: str) -> Table:
    return next(t for t in bundled_tables() if t.id == table_id)


EVENTS = Provenance.events("spark", scale=Decimal("0.001"), seed=7, definitions="d" * 64,
                           sources=[FileDigest("_citystat_events.json", "a" * 64, 1234)])


def test_provenance_round_trips_through_a_database_file_field_by_field(tmp_path: Path) -> None:
    path = tmp_path / "db.duckdb"
    with Store(path) as store:
        (loaded,) = store.load_many([_table("cooc_cloud")], origin=EVENTS)
    assert loaded.created and loaded.release.provenance == EVENTS
    with Store(path, read_only=True) as store:  # a new connection: only what the file holds
        info = store.release("cooc_cloud")
        words = store.connection.execute("SELECT origin FROM releases").fetchall()
    back = info.provenance
    assert back == EVENTS  # every field, the time and the digests included
    assert (back.kind, back.engine, back.scale, back.seed) == (ProvenanceKind.EVENTS, "spark", Decimal("0.001"), 7)
    assert back.sources == (FileDigest("_citystat_events.json", "a" * 64, 1234),)
    assert back.created_at is not None and back.created_at.tzinfo is not None and back.software == SOFTWARE
    assert info.origin == "events:spark:scale=0.001" == words[0][0]  # the words a person reads, kept beside


def test_each_table_of_a_load_gets_its_own_provenance_and_a_missing_one_loads_nothing(tmp_path: Path) -> None:
    tables = [_table("cooc_cloud"), _table("taipeipass")]
    given = {t.id: Provenance.catalog([FileDigest(f"{t.id}.yaml", t.id[0] * 64)]) for t in tables}
    with Store(tmp_path / "db.duckdb") as store:
        with pytest.raises(ValueError, match="no provenance given for table 'taipeipass'"):
            store.load_many(tables, origin={"cooc_cloud": given["cooc_cloud"]})
        assert store.table_ids() == []  # refused before anything was written
        store.load_many(tables, origin=given)
        assert {t.id: store.release(t.id).provenance for t in tables} == given
        assert store.release("taipeipass").origin == "catalog"


def test_words_alone_are_kept_as_words() -> None:
    said = Provenance.described("my own spreadsheet, March")
    assert said.describe() == "my own spreadsheet, March" and said.kind is ProvenanceKind.DESCRIBED
    assert provenance_from_dict(json.loads(json.dumps(said.to_dict()))) == said
    api = Provenance.api("api:cooc_cloud")
    assert provenance_from_dict(api.to_dict()) == api and api.describe() == "api:cooc_cloud"


@pytest.mark.parametrize(("provenance", "words"), [
    (Provenance.catalog(), "catalog"),
    (Provenance.file(FileDigest("t.csv", "0" * 64), FileDigest("t.yaml", "1" * 64)), "load:t.csv"),
    (Provenance.ingest(FileDigest(f"f{i}.json", "0" * 64) for i in range(7)),
     "ingest:f0.json, f1.json, f2.json, f3.json, f4.json and 2 more"),
    (Provenance.events("duckdb"), "events:duckdb"),
    (Provenance.events("duckdb", scale=Decimal("1")), "events:duckdb:scale=1"),
])
def test_the_words_are_made_from_the_fields_as_the_store_wrote_them_before(provenance: Provenance,
                                                                            words: str) -> None:
    assert provenance.describe() == words
    assert provenance_from_dict(provenance.to_dict()) == provenance


def test_a_damaged_provenance_is_named() -> None:
    with pytest.raises(ValueError, match="unknown kind 'rumour'"):
        provenance_from_dict({"kind": "rumour"})
    with pytest.raises(ValueError, match=r"provenance.scale: not a number: 'a lot'"):
        provenance_from_dict({"kind": "events", "scale": "a lot"})


def _downgrade_to_schema_2(path: Path) -> None:
    """The file as citystat wrote it before provenance had fields: the same tables, no provenance column, and the
    cells named by their codes (as schemas 2 and 3 kept them)."""
    with Store(path) as store:
        con = store.connection
        con.execute("CREATE TABLE coded (table_id VARCHAR NOT NULL, release INTEGER NOT NULL, coordinates VARCHAR[] "
                    "NOT NULL, value DECIMAL(38, 6), decimals TINYINT, status VARCHAR, removed BOOLEAN NOT NULL)")
        for table_id, release in con.execute("SELECT table_id, release FROM releases").fetchall():
            codes, params = cube.codes_sql(store.meta(table_id, release), "position", "c")
            con.execute(f"INSERT INTO coded SELECT table_id, release, {codes}, value, decimals, status, false "
                        "FROM cell_changes WHERE table_id = $table AND release = $release",
                        {"table": table_id, "release": release, **params})
        con.execute("DROP TABLE cell_changes")
        con.execute("ALTER TABLE coded RENAME TO cell_changes")
        con.execute("ALTER TABLE releases DROP COLUMN provenance")
        con.execute("UPDATE citystat_schema SET version = 2")


def test_a_schema_2_database_reads_its_words_and_is_upgraded_when_opened_to_write(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    first, second = _table("cooc_cloud"), _table("taipeipass")
    with Store(path) as store:
        store.load(first, origin="catalog")
        store.load(second, origin="load:taipeipass.csv")
    _downgrade_to_schema_2(path)

    with Store(path, read_only=True) as store:  # readable as it is
        assert store.release("cooc_cloud").provenance == Provenance.described("catalog")
        assert store.release("taipeipass").origin == "load:taipeipass.csv"
        assert store.read("cooc_cloud").table == first

    with Store(path) as store:  # upgraded in place, in one transaction
        assert store.connection.execute("SELECT version FROM citystat_schema").fetchall() == [(4,)]
        assert store.release("cooc_cloud").provenance == Provenance.described("catalog")
        assert store.release("cooc_cloud").provenance.from_catalog  # 'citystat build' still knows its own
        assert not store.release("taipeipass").provenance.from_catalog
        assert store.read("taipeipass").table == second
        key = first.meta.key({"year": "2021", "measure": "courses"})
        revised = Table(first.meta, {**first.cells, key: Cell(Decimal("178204"), first.cells[key].status)})
        new = store.load(revised, origin=EVENTS).release
    with Store(path, read_only=True) as store:
        assert [r.provenance for r in store.releases("cooc_cloud")] == [Provenance.described("catalog"), EVENTS]
        assert store.release("cooc_cloud") == new and new.release == 2
        stored = store.connection.execute(
            "SELECT CAST(provenance AS VARCHAR) FROM releases WHERE table_id = 'cooc_cloud'").fetchone()
    assert json.loads(stored[0]) == {"kind": "described", "description": "catalog"}


def test_build_on_an_upgraded_database_still_takes_catalog_releases_for_its_own(tmp_path: Path) -> None:
    db = tmp_path / "old.duckdb"
    with Store(db) as store:
        store.load_many(bundled_tables(), origin="catalog")  # the words 'citystat build' wrote before the fields
    _downgrade_to_schema_2(db)
    built = CliRunner().invoke(app, ["build", "--db", str(db)])
    assert built.exit_code == 0, built.output
    assert "left alone" not in built.output


def test_build_records_each_catalog_file_with_its_digest(tmp_path: Path) -> None:
    db = tmp_path / "db.duckdb"
    assert CliRunner().invoke(app, ["build", "--db", str(db)]).exit_code == 0
    expected = dict((t.id, p) for t, p in catalog_releases(CATALOG_DIR))
    with Store(db, read_only=True) as store:
        provenance = store.release("cooc_cloud").provenance
    assert provenance.kind is ProvenanceKind.CATALOG and provenance.describe() == "catalog"
    assert provenance.sources == expected["cooc_cloud"].sources
    yaml_file = CATALOG_DIR / "tables" / provenance.sources[0].name
    assert provenance.sources[0].sha256 == hashlib.sha256(yaml_file.read_bytes()).hexdigest()
    assert [s.name.rsplit(".", 1)[1] for s in provenance.sources] == ["yaml", "csv"]


def test_load_and_releases_json_give_the_fields(tmp_path: Path) -> None:
    db, table_id = tmp_path / "db.duckdb", "cooc_cloud"
    data, meta = tmp_path / "mine.csv", tmp_path / "mine.yaml"
    shutil.copy(CATALOG_DIR / "tables" / f"{table_id}.csv", data)
    shutil.copy(CATALOG_DIR / "tables" / f"{table_id}.yaml", meta)
    loaded = CliRunner().invoke(app, ["load", str(data), "--meta", str(meta), "--db", str(db)])
    assert loaded.exit_code == 0, loaded.output
    listed = CliRunner().invoke(app, ["releases", table_id, "--json", "--db", str(db)])
    assert listed.exit_code == 0, listed.output
    with Store(db, read_only=True) as store:
        assert json.loads(listed.output) == [info.to_dict() for info in store.releases(table_id)]
    (entry,) = json.loads(listed.output)
    assert entry["origin"] == f"load:{data.name}"
    assert entry["provenance"]["kind"] == "file"
    assert entry["provenance"]["sources"] == [
        {"name": p.name, "sha256": hashlib.sha256(p.read_bytes()).hexdigest(), "bytes": p.stat().st_size}
        for p in (data, meta)]
    assert datetime.fromisoformat(entry["provenance"]["created_at"]) <= datetime.now(UTC)


def test_compare_takes_the_scale_from_the_fields_never_from_the_words(tmp_path: Path) -> None:
    published = _table("cooc_cloud")
    derived = Table(dataclasses.replace(published.meta, id=derived_table_id(published.id)), published.cells)
    with Store(tmp_path / "db.duckdb") as store:
        store.load(published, origin="catalog")
        store.load(derived, origin="events:duckdb:scale=0.001")  # words only, as a schema 2 database keeps them
        with pytest.raises(UnknownScale, match="give the scale with --scale"):
            compare_in_store(store, [published.id])
        assert compare_in_store(store, [published.id], Decimal(1))[0].matches
        store.load(derived, origin=Provenance.events("duckdb"))  # the same content: no new release, words kept
        with pytest.raises(UnknownScale):
            compare_in_store(store, [published.id])
    with Store(tmp_path / "fields.duckdb") as store:
        store.load(published, origin="catalog")
        store.load(derived, origin=Provenance.events("duckdb"))  # real events: scale 1
        (comparison,) = compare_in_store(store, [published.id])
        assert comparison.scale == 1 and comparison.matches


def test_a_schema_2_databases_aggregation_words_are_read_as_fields_so_compare_knows_the_scale(
        tmp_path: Path) -> None:
    """The one format aggregation wrote its words in before the fields (events:ENGINE[:scale=S]) is read back as
    fields, read-only and when upgraded; other words stay words."""
    published = _table("cooc_cloud")
    derived = Table(dataclasses.replace(published.meta, id=derived_table_id(published.id)), published.cells)
    path = tmp_path / "old.duckdb"
    with Store(path) as store:
        store.load(published, origin="catalog")
        store.load(derived, origin="events:spark:scale=0.001")
    _downgrade_to_schema_2(path)
    for read_only in (True, False):
        with Store(path, read_only=read_only) as store:
            provenance = store.release(derived.id).provenance
            assert (provenance.kind, provenance.engine, provenance.scale) == (
                ProvenanceKind.EVENTS, "spark", Decimal("0.001"))
            assert provenance.describe() == "events:spark:scale=0.001"
            assert compare_in_store(store, [published.id])[0].scale == Decimal("0.001")
    assert Provenance.from_words("events:duckdb").scale is None and Provenance.from_words("events:duckdb").engine
    for words in ("catalog", "events:", "events:duckdb:scale=lots", "events:duckdb:scale=-1", "load:events.csv"):
        assert Provenance.from_words(words) == Provenance.described(words)


def test_an_ingest_records_the_files_it_read(tmp_path: Path) -> None:
    from .conftest import shared_path

    source = shared_path("realdata", "youbike-realtime", "YouBikeTP_v1_2016-09-22.json")
    db = tmp_path / "db.duckdb"
    result = CliRunner().invoke(app, ["ingest", str(source), "--db", str(db)])
    assert result.exit_code == 0, result.output
    with Store(db, read_only=True) as store:
        (provenance,) = {store.release(t).provenance for t in store.table_ids()}
    assert provenance.kind is ProvenanceKind.INGEST
    assert provenance.sources == (FileDigest(source.name, hashlib.sha256(source.read_bytes()).hexdigest(),
                                             source.stat().st_size),)
    assert provenance.describe() == f"ingest:{source.name}"


def test_a_bad_events_manifest_is_refused_naming_the_field(tmp_path: Path) -> None:
    from citystat.aggregate.provenance import events_provenance
    from citystat.events.schemas import MANIFEST

    (tmp_path / MANIFEST).write_text('{"scale": "0.001", "seed": "seven"}', encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        events_provenance(tmp_path, "duckdb")
    (problem,) = caught.value.problems
    assert (problem.file, problem.column) == (MANIFEST, "seed")
    (tmp_path / MANIFEST).write_text('{"scale": 2}', encoding="utf-8")
    with pytest.raises(InvalidInput, match="at most 1"):
        events_provenance(tmp_path, "duckdb")
