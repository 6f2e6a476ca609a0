"""A bounded schemathesis run against the server's own /openapi.json finds no server error (5xx).

It also checks that every answer has a documented status, content type and shape (the models of
citystat.serve.schemas, which follow PxTools/PxApiSpecs).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # fuzzes the API for several seconds

TOKEN = "fuzz-admin-token"
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"


def schemathesis(url: str, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "schemathesis.cli", "run", url, "--checks", CHECKS,
               "--workers", "1", "--seed", "20211231", "--no-color", "--request-timeout", "20",
               "--rate-limit", "90/s", *args]  # under the announced 1000 calls per 10 s
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=240)


def test_fuzzing_the_openapi_document_finds_no_server_error(api_server, built_db, serve_database, tmp_path):
    run = schemathesis(f"{api_server.url}/openapi.json", tmp_path, "--max-examples", "25")
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert "No issues found" in run.stdout or "passed" in run.stdout
    # The admin routes with a valid token: random table files are refused, never a 5xx.
    db = tmp_path / "admin.duckdb"
    shutil.copy(built_db, db)
    admin = serve_database(db, env={"CITYSTAT_ADMIN_TOKEN": TOKEN})
    run = schemathesis(f"{admin.url}/openapi.json", tmp_path, "--max-examples", "15", "--include-path-regex",
                       "/admin/", "--header", f"Authorization: Bearer {TOKEN}")
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
