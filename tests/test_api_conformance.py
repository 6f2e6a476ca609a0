"""The API against the official PxWeb API 2.0 specification (tests/pxapi/PxAPI-2.yml, PxTools/PxApiSpecs).

Schemathesis generates requests from the specification (25 examples per operation, a fixed seed, stopped at
85 s; about 25 s here), sends them to a live `citystat serve`, and runs all its checks on the answers. Every
failure must be one of the deliberate deviations listed, each with its reason, in tests/pxapi/deviations.yaml;
anything else fails the test. Longer runs are recorded in docs/pxapi-conformance.md.
"""

from __future__ import annotations

import base64
import fnmatch
import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

pytestmark = pytest.mark.slow

SPEC = Path(__file__).parent / "pxapi" / "PxAPI-2.yml"
DEVIATIONS = Path(__file__).parent / "pxapi" / "deviations.yaml"


@dataclass(frozen=True)
class Finding:
    code: str  # schemathesis's failure code, ST108 ...
    operation: str  # GET /tables/{id}
    title: str
    message: str
    problem: str  # the problem type's last part when the answer was a problem, else ""

    def __str__(self) -> str:
        return f"{self.code} {self.operation}: {self.title} ({self.problem or 'no problem'}) {self.message[:300]}"


def deviations() -> list[dict[str, Any]]:
    return list(yaml.safe_load(DEVIATIONS.read_text(encoding="utf-8"))["deviations"])


def deviation_of(finding: Finding, listed: list[dict[str, Any]]) -> dict[str, Any] | None:
    for entry in listed:
        if finding.code not in entry["codes"]:
            continue
        if not any(fnmatch.fnmatchcase(finding.operation, pattern) for pattern in entry["operations"]):
            continue
        if "problem" in entry and finding.problem != entry["problem"]:
            continue
        if "message" in entry and entry["message"] not in finding.message:
            continue
        return entry
    return None


def _problem_type(interaction: dict[str, Any] | None) -> str:
    response = (interaction or {}).get("response") or {}
    content_type = " ".join(response.get("headers", {}).get("content-type", []))
    if "problem+json" not in content_type:
        return ""
    content = response.get("content") or {}
    raw = base64.b64decode(content["$base64"]) if "$base64" in content else str(content.get("string", "")).encode()
    try:
        return str(json.loads(raw).get("type", "")).rsplit(":", 1)[-1]
    except (ValueError, AttributeError):
        return ""


def findings(report: Path) -> list[Finding]:
    """Every failed check of a schemathesis NDJSON report, once per code, operation, message and problem."""
    found: dict[tuple[str, ...], Finding] = {}
    with report.open(encoding="utf-8") as lines:
        for line in lines:
            if '"failure"' not in line:
                continue
            event = json.loads(line).get("ScenarioFinished")
            if not event:
                continue
            recorder = event["recorder"]
            for case_id, checks in recorder.get("checks", {}).items():
                for check in checks:
                    failure = (check.get("failure_info") or {}).get("failure")
                    if check.get("status") != "failure" or not failure:
                        continue
                    problem = _problem_type(recorder.get("interactions", {}).get(case_id))
                    finding = Finding(failure["code"], failure.get("operation") or recorder["label"],
                                      failure.get("title", ""), failure.get("message", ""), problem)
                    found[(finding.code, finding.operation, finding.message, finding.problem)] = finding
    return list(found.values())


def run_schemathesis(api: str, report: Path, cwd: Path, *args: str, timeout: float = 85) -> str:
    command = [sys.executable, "-m", "schemathesis.cli", "run", str(SPEC), "--url", api, "--checks", "all",
               "--workers", "1", "--seed", "20260119", "--no-color", "--request-timeout", "20",
               "--rate-limit", "90/s", "--report", "ndjson", "--report-ndjson-path", str(report), *args]
    run = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    assert report.exists(), run.stdout[-4000:] + run.stderr[-2000:]
    return run.stdout


def test_every_deviation_says_why():
    for entry in deviations():
        assert entry["codes"] and entry["operations"], entry
        assert len(entry["reason"].split()) >= 8, entry


def test_the_specification_finds_nothing_outside_the_listed_deviations(built_db, serve_database, tmp_path):
    db = tmp_path / "conformance.duckdb"
    shutil.copy(built_db, db)
    server = serve_database(db, env={"CITYSTAT_RATE_LIMIT": "1000/10"})  # the default, as a deployment has it
    report = tmp_path / "schemathesis.ndjson"
    output = run_schemathesis(server.api, report, tmp_path, "--max-examples", "25")
    found = findings(report)
    listed = deviations()
    unexplained = [f for f in found if deviation_of(f, listed) is None]
    assert not unexplained, "\n".join(map(str, unexplained)) + "\n" + output[-3000:]
    assert "API Operations" in output and "Tested: 12" in output, output[-3000:]
