"""Small tables built in memory, for the tests of the model, the indicators and the language: a revision of
the catalog then breaks only the tests about the catalog.

A table is written compactly, through the public model (the mapping ``meta_from_dict`` reads, cells, statuses):

    wifi = small_table(
        "wifi", ["2020", "2021"],
        [flow("total", unit=("人次", "uses")), monthly_average("monthly_average", of="total")],
        {"total": "121554733 135943532", "monthly_average": "10129561 11328628"},
    )

Each series is one token per period: a number (observed); a number with its status letter after it (``57.1e``
estimated, ``12p`` provisional, ``12r`` revised); ``..`` (not available) or ``-`` (nil). With a geo or category
variable (``by=geo(...)`` or ``by=category(...)``) a series is keyed by (value, measure). A cell no series names
is not available (``..``). Every estimated cell gets the note the model requires: its recorded derivation when
``derived`` gives one, else a plain note. Every table built passes ``check_table``, or the helper fails.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from citystat.model import Cell, Status, StoredTable, Table, check_table, meta_from_dict, unreleased

Bilingual = tuple[str, str]  # (zh-TW, en)
SeriesKey = str | tuple[str, ...]  # a measure code, or (value of the `by` variable, measure code)
Tokens = str | Sequence[str | int]

_STATUS_LETTERS = {"e": Status.ESTIMATED, "p": Status.PROVISIONAL, "r": Status.REVISED}
_OPS = {"/": "divide", "*": "multiply", "-": "subtract", "+": "add"}


def _text(pair: Bilingual) -> dict[str, str]:
    return {"zh-TW": pair[0], "en": pair[1]}


def _label(code: str, label: Bilingual | None) -> dict[str, str]:
    return _text(label or (code, code.replace("_", " ").capitalize()))


# -- measures: one function per kind, each a value of the metric variable in the catalog's YAML shape ---------


def measure(code: str, kind: str, *, unit: Bilingual = ("次", "uses"), decimals: int = 0,
            label: Bilingual | None = None, average_of: str | None = None, share_of: str | None = None,
            service_from: str | None = None, notes: Iterable[Bilingual] = ()) -> dict[str, Any]:
    """A measure of any kind; ``notes`` are mandatory notes on it (a series break)."""
    out: dict[str, Any] = {"code": code, "label": _label(code, label), "unit": _text(unit), "decimals": decimals,
                           "kind": kind}
    for key, value in (("average_of", average_of), ("share_of", share_of), ("service_from", service_from)):
        if value is not None:
            out[key] = value
    if notes:
        out["notes"] = [{"mandatory": True, "text": _text(n)} for n in notes]
    return out


def flow(code: str, **kw: Any) -> dict[str, Any]:
    return measure(code, "flow", **kw)


def stock(code: str, **kw: Any) -> dict[str, Any]:
    return measure(code, "stock", **kw)


def count(code: str, **kw: Any) -> dict[str, Any]:
    return measure(code, "count", **kw)


def monthly_average(code: str, *, of: str | None = None, **kw: Any) -> dict[str, Any]:
    """Checked against ``of`` (the flow it averages) / months in service, when ``of`` is given."""
    return measure(code, "monthly_average", average_of=of, **kw)


def daily_average(code: str, *, of: str | None = None, **kw: Any) -> dict[str, Any]:
    return measure(code, "daily_average", average_of=of, **{"unit": ("人次/日", "uses a day"), **kw})


def rate(code: str, **kw: Any) -> dict[str, Any]:
    return measure(code, "rate", **{"unit": ("%", "percent of households"), "decimals": 1, **kw})


def share(code: str, *, of: str | None = None, **kw: Any) -> dict[str, Any]:
    """A percentage of the aggregate's ``of`` (checked against it when given)."""
    return measure(code, "share", share_of=of, **{"unit": ("%", "percent"), "decimals": 1, **kw})


def rank(code: str = "rank", **kw: Any) -> dict[str, Any]:
    return measure(code, "rank", **{"unit": ("名", "place"), "label": ("排名", "Rank"), **kw})


# -- the variable a table is broken down by ------------------------------------------------------------------


def _breakdown(role: str, code: str, values: Sequence[str], aggregate: str | None, peer_group: Bilingual | None,
               labels: Mapping[str, Bilingual] | None, label: Bilingual | None) -> dict[str, Any]:
    items: list[dict[str, Any]] = []
    for value in values:
        item: dict[str, Any] = {"code": value, "label": _label(value, (labels or {}).get(value))}
        if value == aggregate:
            item["aggregate"] = True
        items.append(item)
    if aggregate is not None and aggregate not in values:
        raise ValueError(f"the aggregate {aggregate!r} is not one of the values {list(values)}")
    out: dict[str, Any] = {"code": code, "role": role, "label": _label(code, label), "values": items}
    if peer_group is not None:
        out["peer_group"] = _text(peer_group)
    return out


def geo(code: str, values: Sequence[str], *, aggregate: str | None = None, peer_group: Bilingual | None = None,
        labels: Mapping[str, Bilingual] | None = None, label: Bilingual = ("地區", "Area")) -> dict[str, Any]:
    """Areas; the first one that is not the aggregate is the one a narrative is about."""
    return _breakdown("geo", code, values, aggregate, peer_group, labels, label)


def category(code: str, values: Sequence[str], *, aggregate: str | None = None,
             labels: Mapping[str, Bilingual] | None = None, label: Bilingual = ("類別", "Category")) -> dict[str, Any]:
    return _breakdown("category", code, values, aggregate, None, labels, label)


# -- the table -------------------------------------------------------------------------------------------------


def table_dict(table_id: str, periods: Sequence[str], measures: Sequence[dict[str, Any]], *,
               by: dict[str, Any] | None = None, time: str = "year", subject: str = "test",
               title: Bilingual | None = None, period_notes: Mapping[str, Bilingual] | None = None,
               notes: Iterable[Bilingual] = ()) -> dict[str, Any]:
    """The metadata mapping (what ``meta_from_dict`` reads): a test may change it before parsing it.
    ``period_notes`` are mandatory notes on periods (a break the narratives must not compare across)."""
    time_values: list[Any] = []
    for period in periods:
        note = (period_notes or {}).get(period)
        time_values.append({"code": period, "notes": [{"mandatory": True, "text": _text(note)}]} if note else period)
    variables: list[dict[str, Any]] = [
        {"code": time, "role": "time", "label": _label(time, ("年別", "Year")), "values": time_values}]
    if by is not None:
        variables.append(by)
    variables.append({"code": "measure", "role": "metric", "label": _label("measure", ("指標", "Measure")),
                      "values": list(measures)})
    return {
        "id": table_id, "subject": subject, "title": _text(title or (f"測試表 {table_id}", f"Test table {table_id}")),
        "sources": [{"name": _text(("測試資料", "Test data"))}],
        "notes": [{"text": _text(n)} for n in notes],
        "variables": variables,
    }


def parse_cell(token: str | int) -> Cell:
    """``1234`` observed, ``57.1e`` estimated (``p`` provisional, ``r`` revised), ``..`` not available, ``-`` nil."""
    token = str(token)
    if token in ("..", "-"):
        return Cell(None, Status.parse(token))
    status = _STATUS_LETTERS.get(token[-1])
    return Cell(Decimal(token[:-1]), status) if status else Cell(Decimal(token))


def small_table(table_id: str, periods: Sequence[str], measures: Sequence[dict[str, Any]],
                series: Mapping[SeriesKey, Tokens], *, by: dict[str, Any] | None = None,
                derived: Mapping[tuple[str, ...], str] | None = None, cell_notes: Mapping[tuple[str, ...], Bilingual]
                | None = None, **meta: Any) -> Table:
    """A table checked as the store checks it. ``derived`` maps a cell key (period, [by value,] measure) to how
    it was derived from another period of its series, e.g. ``{("2001", "internet"): "2020 - 39.0"}`` (ops
    ``/ * - +``); ``cell_notes`` adds notes (not mandatory) to cells. ``meta``: see ``table_dict``."""
    raw = table_dict(table_id, periods, measures, by=by, **meta)
    time_code = raw["variables"][0]["code"]
    codes = [v["code"] for v in raw["variables"]]
    cells: dict[tuple[str, ...], Cell] = {}
    for key, tokens in series.items():
        rest = (key,) if isinstance(key, str) else tuple(key)
        values = tokens.split() if isinstance(tokens, str) else list(tokens)
        if len(values) != len(periods):
            raise ValueError(f"series {key!r}: {len(values)} values for {len(periods)} periods")
        for period, token in zip(periods, values, strict=True):
            cells[(period, *rest)] = parse_cell(token)
    notes: list[dict[str, Any]] = []
    for key, how in (derived or {}).items():
        source, op, operand = how.split()
        notes.append({"cell": dict(zip(codes, key, strict=True)),
                      "derivation": {"from": {time_code: source}, "op": _OPS[op], "by": operand},
                      "text": _text((f"推估值：{source} {op} {operand}。", f"Derived: {source} {op} {operand}."))})
    for key, text in (cell_notes or {}).items():
        notes.append({"cell": dict(zip(codes, key, strict=True)), "text": _text(text)})
    noted = {tuple(n["cell"][c] for c in codes) for n in notes}
    for key, cell in cells.items():
        if cell.status is Status.ESTIMATED and key not in noted:
            notes.append({"cell": dict(zip(codes, key, strict=True)), "text": _text(("推估值。", "Estimated."))})
    raw["cell_notes"] = notes
    parsed = meta_from_dict(raw)
    unknown = [k for k in cells if k not in set(parsed.cell_keys())]
    if unknown:
        raise ValueError(f"table {table_id!r}: cells outside the table: {unknown}")
    table = Table(parsed, {key: cells.get(key, Cell(None, Status.NOT_AVAILABLE)) for key in parsed.cell_keys()})
    problems = check_table(table)
    assert not problems, f"small table {table_id!r} fails check_table: " + "; ".join(map(str, problems))
    return table


def small_stored(*args: Any, **kw: Any) -> StoredTable:
    """``small_table`` held in memory as release 0: what indicators and narratives take, without a database."""
    return unreleased(small_table(*args, **kw))


def small_database(path: Path, tables: Iterable[Table]) -> Path:
    """A real database file holding ``tables`` (for the command-line tests)."""
    from citystat.store import Store

    with Store(path) as store:
        store.load_many(tables, origin="test")
    return path


# -- tables shaped like some of the catalog's (same ids, labels and published figures), kept here so that they
#    do not follow a revision of the catalog: the tests about the catalog itself read the catalog -------------

USES = ("人次", "uses")
SIX = ("六都", "the six special municipalities")
MUNICIPALITIES = {"national": ("全國", "Taiwan (national average)"), "taipei": ("臺北市", "Taipei City"),
                  "new_taipei": ("新北市", "New Taipei City"), "taoyuan": ("桃園市", "Taoyuan City"),
                  "taichung": ("臺中市", "Taichung City"), "tainan": ("臺南市", "Tainan City"),
                  "kaohsiung": ("高雄市", "Kaohsiung City")}
EQUIPMENT = {"computer": ("家用電腦", "Home computer"), "mobile_phone": ("行動電話", "Mobile phone"),
             "internet": ("連網", "Internet access")}


def wifi_use() -> Table:
    """Taipei Free: uses in the year and the monthly average, 2016-2021, with the 2017 consolidation noted."""
    return small_table(
        "taipei_free_usage", ["2016", "2017", "2018", "2019", "2020", "2021"],
        [flow("total", unit=USES, label=("全年使用人次", "Use in the year"), service_from="2011M08"),
         monthly_average("monthly_average", of="total", unit=USES, label=("每月平均使用人次", "Monthly average use"))],
        {"total": "39432526 30463045 38080783 99947038 121554733 135943532",
         "monthly_average": "3286044 2538587 3173399 8328920 10129561 11328628"},
        subject="wifi", title=("臺北公眾區免費無線上網使用人次", "Taipei Free public Wi-Fi use"),
        period_notes={"2017": ("106 年進行熱點整併及優化，使用人次因而減少。",
                               "In 2017 hotspots were consolidated and optimised, which reduced use.")},
    )


def household_access() -> Table:
    """Percent of households with each kind of access, 2001 (derived from 2020 and the published rises) and 2020."""
    return small_table(
        "digital_access_taipei", ["2001", "2020"],
        [rate(code, label=label) for code, label in EQUIPMENT.items()],
        {"computer": "68.8e 81.8", "mobile_phone": "87.3e 98.7", "internet": "57.1e 96.1"},
        derived={("2001", "computer"): "2020 - 13.0", ("2001", "mobile_phone"): "2020 - 11.4",
                 ("2001", "internet"): "2020 - 39.0"},
        subject="digital_access", title=("臺北市家庭資訊設備普及率", "Household digital access in Taipei"),
    )


def access_by_municipality() -> Table:
    """The same rates in 2020 for the six municipalities (peers) and the national average (not a peer)."""
    figures = {"national": "65.98 96.20 91.31", "taipei": "81.8 98.7 96.1", "new_taipei": "75.64 98.13 94.49",
               "taoyuan": "71.55 97.51 95.17", "taichung": "71.31 96.65 94.40", "tainan": "58.35 94.44 86.74",
               "kaohsiung": "60.55 96.06 93.38"}
    return small_table(
        "digital_access_municipalities", ["2020"],
        [rate(code, label=label, decimals=2) for code, label in EQUIPMENT.items()],
        {(area, code): [value] for area, values in figures.items() for code, value in zip(EQUIPMENT, values.split())},
        by=geo("area", list(MUNICIPALITIES), aggregate="national", peer_group=SIX, labels=MUNICIPALITIES),
        subject="digital_access",
        title=("六都及全國家庭資訊設備普及率", "Household digital access in the six special municipalities and Taiwan"),
    )


def daily_uses() -> Table:
    """Average uses a day of shared bikes, cars and scooters: services that began late ('-') and a gap ('..')."""
    day = ("人次/日", "uses a day")
    return small_table(
        "shared_transport_daily_uses", [str(y) for y in range(2014, 2022)],
        [daily_average("bike_uses", unit=day), daily_average("e_car_uses", unit=day),
         daily_average("e_scooter_uses", unit=day)],
        {"bike_uses": "61863 55021 50359 60147 71925 77986 76214 74465",
         "e_car_uses": "- - - - - .. 516 1039",
         "e_scooter_uses": "- - - - - 5214 29762 25952"},
        subject="shared_transport",
    )


def pay_by_category() -> Table:
    """Bills and amounts paid in 2021 by fee category, with their shares of the total; some not given ('..')."""
    categories = {"all": ("總計", "All categories"), "parking": ("停車費", "Parking fees"),
                  "water": ("自來水費", "Water bills"), "taxes": ("稅費", "Taxes")}
    figures = {"all": "15180000 100 2979050000 100", "parking": "14140000 93.1 894470000 30.0",
               "water": "710000 4.7 .. ..", "taxes": ".. .. 968390000 32.5"}
    measures = ["bills", "bills_share", "amount", "amount_share"]
    return small_table(
        "pay_taipei_by_category", ["2021"],
        [flow("bills", unit=("張", "bills"), label=("繳費張數", "Bills paid")), share("bills_share", of="bills"),
         flow("amount", unit=("元", "NT$"), label=("繳費金額", "Amount collected")),
         share("amount_share", of="amount")],
        {(c, m): [v] for c, values in figures.items() for m, v in zip(measures, values.split())},
        by=category("category", list(categories), aggregate="all", labels=categories,
                    label=("繳費類別", "Fee category")),
        subject="pay_taipei",
    )


def pay_totals() -> Table:
    """Bills and amounts paid in 2018 (derived from 2021 and the published multiples) and 2021: no 2019 or 2020."""
    return small_table(
        "pay_taipei", ["2018", "2021"],
        [flow("bills", unit=("張", "bills"), label=("繳費張數", "Bills paid"), service_from="2017M06"),
         flow("amount", unit=("元", "NT$"), label=("繳費金額", "Amount collected"), service_from="2017M06")],
        {"bills": "2051351e 15180000", "amount": "157621693e 2979050000"},
        derived={("2018", "bills"): "2021 / 7.4", ("2018", "amount"): "2021 / 18.9"},
        subject="pay_taipei", title=("臺北市政府智慧支付平台", "pay.taipei"),
    )


def online_courses(courses_2021: str = "178203") -> Table:
    """Online courses at the end of each year (a stock) and page views in the year (a flow)."""
    return small_table(
        "cooc_cloud", ["2017", "2018", "2019", "2020", "2021"],
        [stock("courses", unit=("門", "courses"), label=("年底線上課程數", "Online courses at the end of the year")),
         flow("page_views", unit=("人次", "page views"), label=("全年瀏覽人次", "Page views in the year"))],
        {"courses": f"150 1138 2054 77184 {courses_2021}",
         "page_views": "1297459 4609655 5691384 19288748 46024612"},
        subject="cooc_cloud", title=("臺北酷課雲", "CooC-Cloud"),
    )


def open_data() -> Table:
    """Datasets and uses in 2011 (derived) and 2021: two periods ten years apart."""
    return small_table(
        "open_data_platform", ["2011", "2021"],
        [stock("datasets", unit=("項", "datasets"), label=("年底資料集數", "Datasets at the end of the year")),
         flow("uses", label=("全年資料使用次數", "Data use in the year"))],
        {"datasets": "132e 2763", "uses": "274877e 737220000"},
        derived={("2011", "datasets"): "2021 / 20.9", ("2011", "uses"): "2021 / 2682"},
        subject="open_data",
    )


def app_accounts() -> Table:
    """Cumulative activations and downloads (stocks) at the end of 2020 (derived) and 2021."""
    return small_table(
        "taipeipass", ["2020", "2021"],
        [stock("activations", unit=("件", "activations"), service_from="2020M09",
               label=("累計服務啟用件數", "Service activations (cumulative)")),
         stock("downloads", unit=("人次", "downloads"), label=("累計下載人次", "App downloads (cumulative)"),
               service_from="2020M09")],
        {"activations": "1915704e 3318000", "downloads": "192550e 2869000"},
        derived={("2020", "activations"): "2021 / 1.732", ("2020", "downloads"): "2021 / 14.9"},
        subject="taipeipass", title=("臺北通", "TaipeiPASS"),
    )


def portal_visits() -> Table:
    """Visits and their monthly average for a service that began in December 2019 (one month that year)."""
    visits = ("人次", "visits")
    return small_table(
        "citizen_platform_visits", ["2019", "2020", "2021"],
        [flow("total", unit=visits, service_from="2019M12"),
         monthly_average("monthly_average", of="total", unit=visits)],
        {"total": "60565 2028705 3720585", "monthly_average": "60565 169059 310049"},
        subject="citizen_platform",
    )


def city_ranking() -> Table:
    """A rank with the counts beside it, for one city in one year."""
    return small_table(
        "imd_smart_city_index", ["2021"],
        [rank(), count("cities_ranked", unit=("個", "cities")), count("residents_surveyed", unit=("人", "residents"))],
        {("taipei", "rank"): "4", ("taipei", "cities_ranked"): "118", ("taipei", "residents_surveyed"): "15000"},
        by=geo("city", ["taipei"], labels={"taipei": ("臺北市", "Taipei")}, label=("城市", "City")),
        subject="rankings",
    )
