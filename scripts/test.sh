#!/usr/bin/env bash
# Runs the whole test suite (after setting up whatever is missing).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python -m pytest "$@"
