"""json-px: PxWeb's JSON table (the ``json`` answer of PxWeb API 1, offered by API 2 as ``json-px``).

``columns`` name the variables (type ``t`` time, ``d`` other dimensions, ``c`` one column per measure), ``data``
holds one row per combination of the dimensions: ``key`` their codes, ``values`` the measures' numbers as text
(``..`` or ``-`` where a cell has none). What PxWeb 1 had no member for travels beside it: ``status`` gives
each value's symbol (empty when observed), ``metadata`` the table's label, source, update time and release.
"""

from __future__ import annotations

import itertools
import json
from typing import TYPE_CHECKING, Any

from citystat.formats.display import value_label
from citystat.formats.jsonstat import iso_utc
from citystat.model import Role

if TYPE_CHECKING:
    from citystat.formats.registry import Rendering


def _text(value: Any) -> str:
    return format(value, "f")


def to_json_px(r: Rendering) -> bytes:
    meta = r.table.meta
    lang = r.lang
    metric = meta.metric
    order = [code for code in (*r.stub, *r.heading) if code in r.selection] or [v.code for v in meta.variables]
    dimensions = [meta.variable(code) for code in order if code != metric.code]
    measures = [metric.value(code) for code in r.selection[metric.code]]
    columns: list[dict[str, Any]] = []
    for variable in dimensions:
        kind = "t" if variable.role is Role.TIME else "d"
        columns.append({"code": variable.code, "text": variable.label.get(lang), "type": kind})
    for value in measures:
        column: dict[str, Any] = {"code": value.code, "text": value_label(meta, metric, value, lang), "type": "c"}
        if value.measure is not None:
            column["unit"] = value.measure.unit.get(lang)
            column["decimals"] = value.measure.decimals
        if value.notes:
            column["comment"] = "\n".join(n.text.get(lang) for n in value.notes)
        columns.append(column)
    data = []
    for combination in itertools.product(*(r.selection[v.code] for v in dimensions)):
        coordinates = dict(zip((v.code for v in dimensions), combination, strict=True))
        values, statuses = [], []
        for value in measures:
            cell = r.table.get(meta.key({**coordinates, metric.code: value.code}))
            values.append(cell.status.value or ".." if cell.value is None else _text(cell.value))
            statuses.append(cell.status.value)
        data.append({"key": list(combination), "values": values, "status": statuses})
    comments = [{"variable": "", "value": "", "comment": n.text.get(lang)} for n in meta.notes]
    comments += [{"variable": v.code, "value": "", "comment": n.text.get(lang)} for v in dimensions for n in v.notes]
    document = {
        "columns": columns,
        "comments": comments,
        "data": data,
        "metadata": [{
            "infofile": meta.id,
            "updated": iso_utc(r.updated),
            "label": meta.title.get(lang),
            "source": "; ".join(s.name.get(lang) for s in meta.sources),
            "language": lang,
            "release": r.release,
        }],
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
