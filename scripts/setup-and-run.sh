#!/usr/bin/env bash
# Sets up everything, then runs the main job: builds the statistical database, summarises its tables and
# writes the publication in both languages as HTML and PDF (./out/publication/).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export CITYSTAT_DB="${CITYSTAT_DB:-$PWD/citystat.duckdb}"
.venv/bin/citystat build
.venv/bin/citystat tables --lang en
.venv/bin/citystat report --lang zh-TW --lang en --format html --format pdf --out out/publication
