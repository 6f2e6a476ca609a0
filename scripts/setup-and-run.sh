#!/usr/bin/env bash
# Sets up everything, then runs the main job: builds the statistical database, summarises its tables, writes
# the publication in both languages as HTML and PDF (./out/publication/), and finally serves the dashboard and
# the PxWeb API on 127.0.0.1 in the foreground (Ctrl+C stops it). CITYSTAT_PORT picks another port than 8000.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export CITYSTAT_DB="${CITYSTAT_DB:-$PWD/citystat.duckdb}"
port="${CITYSTAT_PORT:-8000}"
.venv/bin/citystat build
.venv/bin/citystat tables --lang en
.venv/bin/citystat report --lang zh-TW --lang en --format html --format pdf --out out/publication
echo "Open the dashboard: http://127.0.0.1:${port}/  (English: http://127.0.0.1:${port}/?lang=en)"
exec .venv/bin/citystat serve --host 127.0.0.1 --port "$port"
