#!/usr/bin/env bash
# Sets up everything, then runs the main job: builds the statistical database and summarises its tables.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export CITYSTAT_DB="${CITYSTAT_DB:-$PWD/citystat.duckdb}"
.venv/bin/citystat build
.venv/bin/citystat tables --lang en
