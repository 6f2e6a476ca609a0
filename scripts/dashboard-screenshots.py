"""Screenshots of the dashboard for the README: the home page and a table page in both languages, into docs/.

    .venv/bin/python scripts/dashboard-screenshots.py [--table taipei_free_usage] [--out docs]

It builds a database from the bundled catalog in a temporary folder, starts `citystat serve` on 127.0.0.1 and
drives Debian's /usr/bin/chromium with Playwright (never a downloaded browser). The PNGs are palette images to
keep the repository small.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run"]


def free_port(preferred: int = 8000) -> int:
    """8000 (as in the README, so the API URLs in the pictures read as they will) if it is free, else any."""
    for port in (preferred, 0):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(probe.getsockname()[1])
    raise RuntimeError("no free port")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--table", default="taipei_free_usage")
    parser.add_argument("--out", type=Path, default=REPO / "docs")
    parser.add_argument("--width", type=int, default=1200)
    args = parser.parse_args()
    sys.path.insert(0, str(REPO / "src"))
    from citystat.catalog import bundled_tables
    from citystat.store import Store

    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "citystat.duckdb"
        with Store(db) as store:
            store.load_many(bundled_tables(), origin="catalog")
        port = free_port()
        env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
        server = subprocess.Popen(
            [sys.executable, "-c", "from citystat.cli import main; main()", "serve", "--db", str(db), "--port",
             str(port), "--no-access-log"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(200):
                try:
                    urllib.request.urlopen(base + "/api/v2/config", timeout=1)
                    break
                except OSError:
                    time.sleep(0.1)
            shots = {f"dashboard-home-{lang}.png": f"/?lang={lang}" for lang in ("zh-TW", "en")}
            shots |= {f"dashboard-table-{lang}.png": f"/tables/{args.table}?lang={lang}" for lang in ("zh-TW", "en")}
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": args.width, "height": 900})
                for name, path in shots.items():
                    page.goto(base + path)
                    page.wait_for_load_state("networkidle")
                    if page.locator(".chart-live").count():
                        page.wait_for_selector(".chart-live[data-drawn=true]")
                    target = args.out / name
                    page.screenshot(path=str(target), full_page=True)
                    with Image.open(target) as image:
                        image.convert("RGB").quantize(colors=256, method=Image.Quantize.MAXCOVERAGE).save(
                            target, optimize=True)
                    print(f"{target} ({target.stat().st_size // 1024} KiB)")
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
