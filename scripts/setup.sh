#!/usr/bin/env bash
# Sets up citystat on a fresh Debian machine: Debian packages, a virtual environment, Python packages.
# Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBIAN_PACKAGES=(
  fonts-noto-cjk            # Noto Sans CJK TC: Chinese glyphs in charts and PDFs
  chromium                  # the browser the dashboard tests drive (never a downloaded one)
  poppler-utils             # pdftotext, pdffonts, pdftoppm: checking the PDF publication
  openjdk-17-jre-headless   # Java for Apache Spark in local mode
  libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0  # WeasyPrint's text layout
)
missing=()
for package in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  echo "installing Debian packages: ${missing[*]}"
  sudo=""; [[ $(id -u) -ne 0 ]] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [[ ! -x .venv/bin/python ]]; then
  python3 -m venv .venv
fi
stamp=.venv/.citystat-installed
if [[ ! -f $stamp || requirements.txt -nt $stamp || pyproject.toml -nt $stamp ]]; then
  echo "installing Python packages into .venv"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -r requirements.txt
  .venv/bin/python -m pip install -q --no-deps -e .
  touch "$stamp"
fi
