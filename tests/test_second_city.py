"""A second city's catalog (tests/data/second_city: an invented city, other districts, a table per measure kind)
builds, narrates, publishes and serves with no code change, and nothing it shows names Taipei."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from citystat.catalog import catalog_tables, read_city
from citystat.model import MeasureKind
from citystat.store import Store

from .conftest import REPO, RunningServer

SECOND_CITY = REPO / "tests" / "data" / "second_city"
TAIPEI_WORDS = ("臺北", "台北", "Taipei")


def citystat(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO / "src"), os.environ.get("PYTHONPATH")]))}
    return subprocess.run([sys.executable, "-m", "citystat.cli", *args], capture_output=True, text=True, env=env,
                          timeout=300)


@pytest.fixture(scope="module")
def second_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("second_city") / "lakeford.duckdb"
    done = citystat("build", "--catalog", str(SECOND_CITY), "--db", str(path))
    assert done.returncode == 0, done.stderr
    return path


def test_the_catalog_has_a_table_for_every_measure_kind() -> None:
    kinds = {m.kind for t in catalog_tables(SECOND_CITY) for m in t.meta.measures.values()}
    assert kinds == set(MeasureKind)


def test_the_build_records_the_city(second_db: Path) -> None:
    with Store(second_db, read_only=True) as store:
        city = store.city()
        assert city == read_city(SECOND_CITY)
        assert [d.code for d in city.districts] == ["harbour", "old_town", "hillside"]
        assert len(store.table_ids()) == 6


def test_tables_and_narratives_speak_of_the_city(second_db: Path) -> None:
    listed = json.loads(citystat("tables", "--json", "--lang", "en", "--db", str(second_db)).stdout)
    assert {t["subject_name"] for t in listed} == {"Digital library", "Lakeford public Wi-Fi",
                                                  "Bill payment platform", "City ranking"}
    done = citystat("narrate", "--all", "--lang", "zh-TW", "--db", str(second_db))
    assert done.returncode == 0, done.stderr
    assert "湖濱市" in done.stdout and "110 年" in done.stdout
    assert not any(word in done.stdout for word in TAIPEI_WORDS)


@pytest.mark.slow  # renders the publication
def test_the_publication_is_the_citys(second_db: Path, tmp_path: Path) -> None:
    done = citystat("report", "--format", "html", "--out", str(tmp_path), "--db", str(second_db))
    assert done.returncode == 0, done.stderr
    zh = (tmp_path / "citystat-publication.zh-TW.html").read_text(encoding="utf-8")
    en = (tmp_path / "citystat-publication.en.html").read_text(encoding="utf-8")
    assert "<title>湖濱市數位服務統計" in zh and "Lakeford Digital Services Statistics" in en
    for html in (zh, en):
        assert not any(word in html for word in TAIPEI_WORDS)


@pytest.mark.slow  # starts a server
def test_the_dashboard_and_api_are_the_citys(second_db: Path, serve_database) -> None:
    server: RunningServer = serve_database(second_db)
    for path, expected in (("/", "湖濱市數位服務統計"), ("/?lang=en", "Lakeford City Council agencies"),
                           ("/services/libraries?lang=en", "Digital library"),
                           ("/tables/ebook_titles?lang=en", "Hillside")):
        with urllib.request.urlopen(server.url + path, timeout=30) as answer:
            page = answer.read().decode()
        assert expected in page, path
        assert not any(word in page for word in TAIPEI_WORDS), path
    with urllib.request.urlopen(server.api + "/tables?lang=en", timeout=30) as answer:
        tables = json.load(answer)["tables"]
    assert {t["id"] for t in tables} == {t.id for t in catalog_tables(SECOND_CITY)}
    with urllib.request.urlopen(server.api + "/config", timeout=30) as answer:
        sources = [s["text"] for s in json.load(answer)["sourceReferences"]]
    assert sources == ["資料來源：湖濱市政府（citystat 統計資料庫）",
                       "Source: Lakeford City Council (citystat statistical database)"]
    with urllib.request.urlopen(server.api + "/tables/ebook_titles/data?lang=en&outputFormat=px", timeout=30) as answer:
        px = answer.read().decode()
    assert "Digital library" in px and not any(word in px for word in TAIPEI_WORDS)


# -- no code names the city ------------------------------------------------------------------------------------

# Files whose string literals still name Taipei, each with why; the list only shrinks.
NOT_YET_DATA: dict[str, str] = {}


def _literals_naming_taipei(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    return [node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
            and any(word in node.value for word in TAIPEI_WORDS)]


def test_no_code_names_taipei_outside_the_catalog_data() -> None:
    package = REPO / "src" / "citystat"
    offenders = {}
    for path in sorted(package.rglob("*.py")):
        name = path.relative_to(package).as_posix()
        found = _literals_naming_taipei(path)
        if found and name not in NOT_YET_DATA:
            offenders[name] = found[:3]
    assert offenders == {}
    still = {name for name in NOT_YET_DATA if _literals_naming_taipei(package / name)}
    assert still == set(NOT_YET_DATA), f"no longer naming Taipei, take off the list: {set(NOT_YET_DATA) - still}"
