"""Calibration: the event counts, amounts and stocks the simulator must hit, read from the published tables.

Every observed figure of the catalog tables becomes a target: exactly the figure at scale 1, and
round_half_up(figure × scale) below it (flows and stocks alike). Averages are met through their totals: a monthly
average through the annual total it is computed from; a daily average with no published total through a total of
round_half_up(average × days in service × scale), so that total / days rounds back to the average at scale 1.

Cells without an observed figure are handled openly, and every target says on what it rests (``basis``):

- ``published``: an observed figure; ``estimate``: a figure the catalog flags ``e`` (derived by the source's
  ratios): simulated like the others, but flagged in the manifest;
- ``interpolated``: a year the source does not publish, geometric between the published years around it;
- ``assumption``: a number the source does not give at all (``..``), from the stated assumptions below;
- ``remainder``: what is left of a published total after its published parts and assumptions.

Where the catalog says nil (``-``: the service did not exist) no events are written.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from citystat.aggregate.scaling import scaled
from citystat.events.calendar import year_days
from citystat.model import Cell, Status, Table, round_half_up
from citystat.simulate.assumptions import assumptions

# Assumptions for figures the source does not publish: assumptions.yaml beside this file (each use is documented in
# the manifest of every simulation).
_ASSUMED = assumptions()
TAXES_BILLS_SHARE = _ASSUMED.pay_taipei.taxes_bills_share
WATER_BILL_AMOUNT = _ASSUMED.pay_taipei.water_bill_amount
UNITEMISED_BILLS = dict(_ASSUMED.pay_taipei.unitemised_bills)
UNITEMISED_AMOUNT = dict(_ASSUMED.pay_taipei.unitemised_amount)
FIRST_YEAR_SHARE = _ASSUMED.launch.first_year_share
E_CAR_2019_DAILY = _ASSUMED.shared_transport.e_car_daily_without_statistics
DEACTIVATION_RATE = dict(_ASSUMED.taipeipass.deactivation_rate)
DEACTIVATION_RATE_LATER = _ASSUMED.taipeipass.deactivation_rate_later
RETIREMENT_RATE = _ASSUMED.ledgers.retirement_rate

BILL_CATEGORY_ORDER = _ASSUMED.pay_taipei.bill_categories
MODE_OF_FLEET_MEASURE = dict(_ASSUMED.shared_transport.fleet_modes)
MODE_OF_USE_MEASURE = dict(_ASSUMED.shared_transport.use_modes)


@dataclass(frozen=True)
class TargetNote:
    target: str  # what the simulator hits, e.g. "wifi.sessions 2021: events"
    value: int  # at the simulation's scale
    basis: str  # published | estimate | interpolated | assumption | remainder
    source: str = ""  # the catalog cell, e.g. "taipei_free_usage[2021, total] = 135943532"

    def to_dict(self) -> dict[str, object]:
        return {"target": self.target, "value": self.value, "basis": self.basis, "source": self.source}


@dataclass
class Calibration:
    scale: Decimal
    starts: dict[str, date] = field(default_factory=dict)  # stream or stream/stratum -> first day in service
    flows: dict[str, dict[int, dict[str, int]]] = field(default_factory=dict)  # stream -> year -> stratum -> events
    amounts: dict[int, dict[str, int]] = field(default_factory=dict)  # bills: year -> category -> NT$
    fleet: dict[int, dict[str, int]] = field(default_factory=dict)  # year -> mode -> assets at the year end
    ledgers: dict[str, dict[int, int]] = field(default_factory=dict)  # stream -> year -> stock at the year end
    deactivations: dict[int, int] = field(default_factory=dict)  # TaipeiPASS cards removed in a year
    full_scale: dict[str, dict[int, int]] = field(default_factory=dict)  # catalogue sizes at scale 1 (id ranges)
    notes: list[TargetNote] = field(default_factory=list)

    def start(self, stream: str, stratum: str = "") -> date:
        return self.starts.get(f"{stream}/{stratum}") or self.starts[stream]

    def _note(self, target: str, value: int, basis: str, source: str = "") -> None:
        self.notes.append(TargetNote(target, value, basis, source))


class _Published:
    def __init__(self, tables: Sequence[Table]):
        self.tables = {t.id: t for t in tables}

    def table(self, table_id: str) -> Table:
        try:
            return self.tables[table_id]
        except KeyError:
            raise KeyError(f"the simulator is calibrated on the catalog table {table_id!r}, not given") from None

    def series(self, table_id: str, measure: str, **other: str) -> dict[int, Cell]:
        """The cells of a measure by year."""
        table = self.table(table_id)
        meta = table.meta
        out = {}
        for code in meta.time.codes:
            coords = {meta.time.code: code, meta.metric.code: measure, **other}
            out[int(code[:4])] = table.get(meta.key(coords))
        return out

    def service_from(self, table_id: str, measure: str) -> date | None:
        m = self.table(table_id).meta.measures[measure]
        return m.service_from.start if m.service_from else None


def _basis(cell: Cell) -> str:
    return "estimate" if cell.status is Status.ESTIMATED else "published"


def _source(table_id: str, year: int, measure: str, cell: Cell, extra: str = "") -> str:
    flag = f" ({cell.status.value})" if cell.status.value else ""
    return f"{table_id}[{year}{extra}, {measure}] = {cell.value}{flag}"


def _interpolate(known: Mapping[int, Decimal], year: int) -> Decimal:
    """Geometric interpolation between the nearest known years around ``year``."""
    before = max(y for y in known if y <= year)
    after = min(y for y in known if y >= year)
    if before == after:
        return known[before]
    ratio = (known[after] / known[before]) ** (Decimal(year - before) / Decimal(after - before))
    return known[before] * ratio


def _split(total: int, weights: Mapping[str, Decimal]) -> dict[str, int]:
    """Split a whole number by weights, largest remainder first, so the parts add up exactly."""
    weight_sum = sum(weights.values())
    if total == 0 or weight_sum == 0:
        return {k: 0 for k in weights}
    raw = {k: Decimal(total) * w / weight_sum for k, w in weights.items()}
    parts = {k: int(v) for k, v in raw.items()}
    left = total - sum(parts.values())
    for k in sorted(raw, key=lambda k: (-(raw[k] - parts[k]), k))[:left]:
        parts[k] += 1
    return parts


def calibrate(tables: Sequence[Table], scale: Decimal) -> Calibration:
    """Every target of the simulation at ``scale``, read from the published tables."""
    if scale <= 0 or scale > 1:
        raise ValueError(f"the scale must be above 0 and at most 1, got {scale}")
    pub = _Published(tables)
    cal = Calibration(scale)
    _simple_flows(pub, cal)
    _catalogue(pub, cal, "open_data_platform", ("uses", "open_data.uses"),
               ("datasets", "open_data.datasets", "datasets"))
    _catalogue(pub, cal, "cooc_cloud", ("page_views", "cooc_cloud.page_views"),
               ("courses", "cooc_cloud.courses", "courses"))
    _pay(pub, cal)
    _shared_transport(pub, cal)
    _taipeipass(pub, cal)
    return cal


def _simple_flows(pub: _Published, cal: Calibration) -> None:
    for stream, table_id, measure in (
        ("wifi.sessions", "taipei_free_usage", "total"),
        ("citizen_platform.visits", "citizen_platform_visits", "total"),
    ):
        start = pub.service_from(table_id, measure)
        series = pub.series(table_id, measure)
        first = min(y for y, c in series.items() if c.value is not None)
        cal.starts[stream] = start or date(first, 1, 1)
        for year, cell in series.items():
            if cell.value is None:
                continue
            value = scaled(cell.value, cal.scale)
            cal.flows.setdefault(stream, {})[year] = {"": value}
            cal._note(f"{stream} {year}: events", value, _basis(cell), _source(table_id, year, measure, cell))


def _interpolated_series(pub: _Published, cal: Calibration, table_id: str, measure: str, what: str,
                         target_of: str) -> tuple[dict[int, Decimal], dict[int, int]]:
    """Full-scale and scaled values of every year from the first to the last published one."""
    series = {y: c for y, c in pub.series(table_id, measure).items() if c.value is not None}
    known = {y: Decimal(c.value) for y, c in series.items() if c.value is not None}
    full: dict[int, Decimal] = {}
    out: dict[int, int] = {}
    for year in range(min(known), max(known) + 1):
        if year in series:
            full[year] = known[year]
            basis, source = _basis(series[year]), _source(table_id, year, measure, series[year])
        else:
            full[year] = round_half_up(_interpolate(known, year), 0)
            basis, source = "interpolated", f"{table_id}[{measure}] between published years"
        out[year] = scaled(full[year], cal.scale)
        cal._note(f"{target_of} {year}: {what}", out[year], basis, source)
    return full, out


def _catalogue(pub: _Published, cal: Calibration, table_id: str, uses: tuple[str, str],
               items: tuple[str, str, str]) -> None:
    """A catalogue of items (datasets, courses) and their uses: ``uses`` (measure, stream) a flow of events,
    ``items`` (measure, stream, what) a ledger whose stock hits every year end; both from the first year of uses."""
    use_measure, use_stream = uses
    item_measure, item_stream, what = items
    _, flows = _interpolated_series(pub, cal, table_id, use_measure, "events", use_stream)
    full_items, stocks = _interpolated_series(pub, cal, table_id, item_measure, f"{what} at the year end",
                                              item_stream)
    cal.starts[use_stream] = cal.starts[item_stream] = date(min(flows), 1, 1)
    cal.flows[use_stream] = {y: {"": v} for y, v in flows.items()}
    cal.ledgers[item_stream] = stocks
    cal.full_scale[item_stream] = {y: int(v) for y, v in full_items.items()}


def _pay(pub: _Published, cal: Calibration) -> None:
    stream = "pay_taipei.bills"
    start = pub.service_from("pay_taipei", "bills")
    bills = {y: c for y, c in pub.series("pay_taipei", "bills").items() if c.value is not None}
    amount = {y: c for y, c in pub.series("pay_taipei", "amount").items() if c.value is not None}
    first_full = min(bills)
    first = start.year if start else first_full
    cal.starts[stream] = start or date(first, 1, 1)
    by_cat = pub.table("pay_taipei_by_category")
    split_year = int(max(by_cat.meta.time.codes))

    def category_cell(category: str, measure: str) -> Cell:
        return pub.series("pay_taipei_by_category", measure, category=category)[split_year]

    totals: dict[int, tuple[int, int]] = {}
    for year in range(first, max(bills) + 1):
        for what, series, out in (("bills", bills, 0), ("amount", amount, 1)):
            if year in series:
                value, basis = scaled(series[year].value, cal.scale), _basis(series[year])  # type: ignore[arg-type]
                source = _source("pay_taipei", year, what, series[year])
            elif year < first_full:
                full = round_half_up(Decimal(series[first_full].value) * FIRST_YEAR_SHARE, 0)  # type: ignore[arg-type]
                value, basis = scaled(full, cal.scale), "assumption"
                source = f"{FIRST_YEAR_SHARE} × pay_taipei[{first_full}, {what}] (launch year, not published)"
            else:
                known = {y: Decimal(c.value) for y, c in series.items()}  # type: ignore[arg-type]
                value = scaled(round_half_up(_interpolate(known, year), 0), cal.scale)
                basis, source = "interpolated", f"pay_taipei[{what}] between published years"
            previous = totals.get(year, (0, 0))
            totals[year] = (value, previous[1]) if out == 0 else (previous[0], value)
            cal._note(f"{stream} {year}: {what}", value, basis, source)

    # The split year: published parts, assumptions for the unpublished cells, "other" takes the remainder.
    all_bills, all_amount = totals[split_year]
    parts_bills: dict[str, int] = {}
    parts_amount: dict[str, int] = {}
    for category in ("parking", "water", "taxes"):
        for measure, parts in (("bills", parts_bills), ("amount", parts_amount)):
            cell = category_cell(category, measure)
            if cell.value is not None:
                parts[category] = scaled(cell.value, cal.scale)
                cal._note(f"{stream} {split_year}: {measure} [{category}]", parts[category], _basis(cell),
                          _source("pay_taipei_by_category", split_year, measure, cell, f", {category}"))
    if "taxes" not in parts_bills:
        parts_bills["taxes"] = scaled(all_bills * TAXES_BILLS_SHARE, Decimal(1))
        cal._note(f"{stream} {split_year}: bills [taxes]", parts_bills["taxes"], "assumption",
                  f"{TAXES_BILLS_SHARE} × all bills (not published)")
    if "water" not in parts_amount:
        parts_amount["water"] = parts_bills["water"] * int(WATER_BILL_AMOUNT)
        cal._note(f"{stream} {split_year}: amount [water]", parts_amount["water"], "assumption",
                  f"NT${WATER_BILL_AMOUNT} × water bills (not published)")
    for measure, parts, total, shares in (("bills", parts_bills, all_bills, UNITEMISED_BILLS),
                                          ("amount", parts_amount, all_amount, UNITEMISED_AMOUNT)):
        left = total - sum(parts.values())
        if left < 0:
            raise ValueError(f"at scale {cal.scale} the published parts of pay.taipei {measure} exceed their total; "
                             "use a larger scale")
        split = _split(left, {**shares, "other": Decimal(1) - sum(shares.values(), Decimal(0))})
        for category, value in split.items():
            parts[category] = value
            cal._note(f"{stream} {split_year}: {measure} [{category}]", value,
                      "remainder" if category == "other" else "assumption",
                      f"share of the {measure} not itemised by the source")
    bill_weights = {c: Decimal(parts_bills[c]) for c in BILL_CATEGORY_ORDER}
    amount_weights = {c: Decimal(parts_amount[c]) for c in BILL_CATEGORY_ORDER}
    cal.flows[stream] = {}
    for year, (year_bills, year_amount) in totals.items():
        if year == split_year:
            cal.flows[stream][year] = {c: parts_bills[c] for c in BILL_CATEGORY_ORDER}
            cal.amounts[year] = {c: parts_amount[c] for c in BILL_CATEGORY_ORDER}
        else:
            cal.flows[stream][year] = _split(year_bills, bill_weights)
            paid = {c: w if cal.flows[stream][year][c] else Decimal(0) for c, w in amount_weights.items()}
            cal.amounts[year] = _split(year_amount, paid)
        for category in BILL_CATEGORY_ORDER:
            if cal.flows[stream][year][category] == 0 and cal.amounts[year][category] > 0:
                raise ValueError(f"at scale {cal.scale} pay.taipei {year} has an amount but no bill for "
                                 f"{category}; use a larger scale")


def _first_in_service(cells: Mapping[int, Cell]) -> int | None:
    """The first year whose cell is not nil: a value, or 'not available' (the service ran, unmeasured)."""
    years = [y for y, c in cells.items() if c.status is not Status.NIL]
    return min(years) if years else None


def _shared_transport(pub: _Published, cal: Calibration) -> None:
    trips = "shared_transport.trips"
    cal.flows[trips] = {}
    for measure, mode in MODE_OF_USE_MEASURE.items():
        series = pub.series("shared_transport_daily_uses", measure)
        first = _first_in_service(series)
        if first is None:
            continue
        start = date(first, 1, 1)
        cal.starts[f"{trips}/{mode}"] = start
        for year, cell in series.items():
            if cell.status is Status.NIL:
                continue
            days = year_days(year) if year > first else (date(year, 12, 31) - start).days + 1
            if cell.value is not None:
                daily, basis = Decimal(cell.value), _basis(cell)
                source = _source("shared_transport_daily_uses", year, measure, cell)
            else:
                later = next(c for y, c in sorted(series.items()) if y > year and c.value is not None)
                daily, basis = round_half_up(Decimal(later.value) * E_CAR_2019_DAILY, 0), "assumption"  # type: ignore[arg-type]
                source = f"{E_CAR_2019_DAILY} × the next year's uses a day (not published)"
            value = scaled(daily * days, cal.scale)
            cal.flows[trips].setdefault(year, {})[mode] = value
            cal._note(f"{trips} {year}: events [{mode}] ({days} days × {daily} a day)", value, basis, source)
    cal.starts[trips] = min(v for k, v in cal.starts.items() if k.startswith(trips + "/"))
    for modes in cal.flows[trips].values():
        for mode in MODE_OF_USE_MEASURE.values():
            modes.setdefault(mode, 0)

    fleet = "shared_transport.fleet"
    cal.full_scale[fleet] = {}
    for measure, mode in MODE_OF_FLEET_MEASURE.items():
        series = pub.series("shared_transport_fleet", measure)
        first = _first_in_service(series)
        if first is None:
            continue
        cal.starts[f"{fleet}/{mode}"] = date(first, 1, 1)
        for year, cell in series.items():
            if cell.value is None:
                continue
            value = scaled(cell.value, cal.scale)
            cal.fleet.setdefault(year, {})[mode] = value
            cal.full_scale.setdefault(f"{fleet}/{mode}", {})[year] = int(cell.value)
            cal._note(f"{fleet} {year}: {mode} at the year end", value, _basis(cell),
                      _source("shared_transport_fleet", year, measure, cell))
    cal.starts[fleet] = min(v for k, v in cal.starts.items() if k.startswith(fleet + "/"))


def _taipeipass(pub: _Published, cal: Calibration) -> None:
    start = pub.service_from("taipeipass", "downloads") or date(2020, 9, 1)
    cal.starts["taipeipass.downloads"] = cal.starts["taipeipass.cards"] = start
    downloads = {y: c for y, c in pub.series("taipeipass", "downloads").items() if c.value is not None}
    cumulative = 0
    cal.flows["taipeipass.downloads"] = {}
    for year in sorted(downloads):
        stock = scaled(downloads[year].value, cal.scale)  # type: ignore[arg-type]
        cal.flows["taipeipass.downloads"][year] = {"": stock - cumulative}
        cal._note(f"taipeipass.downloads {year}: downloads to the year end", stock, _basis(downloads[year]),
                  _source("taipeipass", year, "downloads", downloads[year]))
        cumulative = stock
    activations = {y: c for y, c in pub.series("taipeipass", "activations").items() if c.value is not None}
    cal.ledgers["taipeipass.cards"] = {}
    for year in sorted(activations):
        stock = scaled(activations[year].value, cal.scale)  # type: ignore[arg-type]
        cal.ledgers["taipeipass.cards"][year] = stock
        rate = DEACTIVATION_RATE.get(year, DEACTIVATION_RATE_LATER)
        cal.deactivations[year] = scaled(stock * rate, Decimal(1))
        cal._note(f"taipeipass.cards {year}: activations net of deactivations at the year end", stock,
                  _basis(activations[year]), _source("taipeipass", year, "activations", activations[year]))
        cal._note(f"taipeipass.cards {year}: deactivations", cal.deactivations[year], "assumption",
                  f"{rate} × the year-end stock")
