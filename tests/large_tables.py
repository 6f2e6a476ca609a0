"""A generated table as large as asked: docks by station and day, in the catalog's YAML and CSV files.

Stations x days x 2 measures cells (1,000 stations x 500 days is 1,000,000), with a decimal measure, not-available
cells and provisional values, so every path of the writers is taken. The tests use a small one; the large-reads
benchmark loads and serves a million cells.
"""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from pathlib import Path

import yaml

TABLE_ID = "generated_station_days"


def _meta(stations: int, days: int) -> dict[str, object]:
    first = date(2024, 1, 1)
    return {
        "id": TABLE_ID,
        "subject": "shared_transport",
        "title": {"zh-TW": "生成之站點每日車位", "en": "Generated docks by station and day"},
        "sources": [{"name": {"zh-TW": "citystat 測試資料", "en": "citystat generated data"}}],
        "variables": [
            {"code": "station", "label": {"zh-TW": "站點", "en": "Station"},
             "values": [{"code": f"S{i:05d}", "label": {"zh-TW": f"第 {i} 站", "en": f"Station {i}"}}
                        for i in range(stations)]},
            {"code": "day", "role": "time", "label": {"zh-TW": "日期", "en": "Day"},
             "values": [(first + timedelta(days=d)).isoformat() for d in range(days)]},
            {"code": "measure", "role": "metric", "label": {"zh-TW": "指標", "en": "Measure"},
             "values": [
                 {"code": "docks", "label": {"zh-TW": "車位數", "en": "Docks"},
                  "unit": {"zh-TW": "個", "en": "docks"}, "decimals": 0, "kind": "stock"},
                 {"code": "occupancy", "label": {"zh-TW": "使用率", "en": "Occupancy"},
                  "unit": {"zh-TW": "%", "en": "%"}, "decimals": 1, "kind": "rate"},
             ]},
        ],
    }


def write_large_table(folder: Path, stations: int, days: int, seed: int = 14) -> tuple[Path, Path]:
    """(values CSV, metadata YAML) of a stations x days x 2-measure table, written into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    meta = _meta(stations, days)
    meta_path = folder / f"{TABLE_ID}.yaml"
    meta_path.write_text(yaml.safe_dump(meta, allow_unicode=True, sort_keys=False), encoding="utf-8")
    data_path = folder / f"{TABLE_ID}.csv"
    rng = random.Random(seed)
    days_codes = [v if isinstance(v, str) else "" for v in meta["variables"][1]["values"]]  # type: ignore[index]
    with data_path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["station", "day", "measure", "value", "status"])
        n = 0
        for s in range(stations):
            station = f"S{s:05d}"
            docks = rng.randint(10, 80)
            for day in days_codes:
                n += 1
                if n % 97 == 0:
                    writer.writerow([station, day, "docks", "", ".."])
                else:
                    writer.writerow([station, day, "docks", docks, "p" if n % 89 == 0 else ""])
                writer.writerow([station, day, "occupancy", f"{rng.randint(0, 1000) / 10:.1f}", ""])
    return data_path, meta_path
