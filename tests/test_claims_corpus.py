"""Real published texts (tests/documents/): none gets a figure called wrong; on subjects the database does not hold
every number is unverifiable or not a claim; each text keeps its address, licence note and first-run score."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from citystat.claims import Checker
from citystat.claims.document import check_document
from citystat.claims.model import Status
from citystat.documents import read_path
from citystat.store import Store

CORPUS = Path(__file__).parent / "documents"
SIDECARS = sorted(CORPUS.glob("*.claims.yaml"))


def _text(sidecar: Path) -> Path:
    stem = sidecar.name.removesuffix(".claims.yaml")
    return next(p for p in CORPUS.glob(stem + ".*") if not p.name.endswith(".claims.yaml"))


@pytest.fixture(scope="module")
def checker(built_db: Path) -> Checker:
    with Store(built_db, read_only=True) as store:
        return Checker(store.latest())


def test_the_corpus_is_real_annotated_and_partly_held_out() -> None:
    annotations = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in SIDECARS]
    assert len(annotations) >= 12
    for data in annotations:
        assert data["url"].startswith("http") and data["source"] and data["licence"] and "first_run" in data
    assert sum(1 for d in annotations if d.get("held_out")) >= 4
    assert sum(1 for d in annotations if not d.get("in_store", True)) >= len(annotations) * 0.4


@pytest.mark.parametrize("sidecar", SIDECARS, ids=lambda p: p.name.removesuffix(".claims.yaml"))
def test_no_real_text_gets_a_figure_called_wrong(checker: Checker, sidecar: Path) -> None:
    data: dict[str, Any] = yaml.safe_load(sidecar.read_text(encoding="utf-8"))
    report = check_document(read_path(_text(sidecar)), checker, data["lang"])
    verdicts = report.report.verdicts
    assert not [(v.claim.text, v.message) for v in verdicts if v.status is Status.WRONG]
    if not data.get("in_store", True):
        allowed = {Status.UNVERIFIABLE, Status.NOT_A_CLAIM}
        assert not [(v.claim.text, v.status.value) for v in verdicts if v.status not in allowed]
