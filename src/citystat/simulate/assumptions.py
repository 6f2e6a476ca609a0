"""What the simulator assumes where the published tables say nothing: ``assumptions.yaml`` beside this module,
read once by the safe YAML loader against the schema below (a share between 0 and 1, an exact number, a date)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, PlainValidator, TypeAdapter

from citystat.catalog.reading import read_yaml_file
from citystat.model.schema import Code, Schema, fail, kind_of, number, required, validate

ASSUMPTIONS_FILE = Path(__file__).with_name("assumptions.yaml")

Number = Annotated[Decimal, number("bad_number", "an assumption")]


def _share(value: Decimal) -> Decimal:
    if not 0 <= value <= 1:
        raise fail("bad_number", "a share must lie between 0 and 1", expected="a number from 0 to 1",
                   found=str(value))
    return value


def _day(value: Any) -> date:
    required(value)
    try:
        return value if isinstance(value, date) else date.fromisoformat(str(value))
    except ValueError:
        raise fail("bad_date", "not a date", expected="a date such as 2021-05-15", found=kind_of(value)) from None


def _year(value: Any) -> int:
    if isinstance(value, bool) or not str(value).isascii() or not str(value).isdigit():
        raise fail("bad_year", "not a year", expected="a year such as 2021", found=kind_of(value))
    return int(value)


Share = Annotated[Number, AfterValidator(_share)]
Day = Annotated[date, PlainValidator(_day)]


def _episode(days: tuple[date, date]) -> tuple[date, date]:
    if days[0] > days[1]:
        raise fail("bad_episode", "an episode ends before it begins", expected="first day, last day",
                   found=f"{days[0]}, {days[1]}")
    return days


class PayTaipei(Schema):
    taxes_bills_share: Share
    water_bill_amount: Number
    unitemised_bills: dict[Code, Share]
    unitemised_amount: dict[Code, Share]
    bill_categories: tuple[Code, ...]


class Launch(Schema):
    first_year_share: Share


class SharedTransport(Schema):
    e_car_daily_without_statistics: Number
    fleet_modes: dict[Code, Code]
    use_modes: dict[Code, Code]


class CityApp(Schema):
    deactivation_rate: dict[Annotated[int, PlainValidator(_year)], Share]
    deactivation_rate_later: Share


class Ledgers(Schema):
    retirement_rate: Share


class Assumptions(Schema):
    pay_taipei: PayTaipei
    launch: Launch
    shared_transport: SharedTransport
    taipeipass: CityApp
    ledgers: Ledgers
    episodes: dict[Code, Annotated[tuple[Day, Day], AfterValidator(_episode)]]
    holiday_country: Code
    district_weights: dict[Code, Number]  # each district's share of the activity (its residents, thousands)


_ASSUMPTIONS = TypeAdapter(Assumptions)


def read_assumptions(path: Path) -> Assumptions:
    """Assumptions from a file, checked (InvalidInput naming the line and field of each problem)."""
    document = read_yaml_file(path)
    return validate(_ASSUMPTIONS, Assumptions, document.data, file=path.name, line=document.line,
                    default_code="bad_assumption")


@cache
def assumptions() -> Assumptions:
    """The simulator's assumptions (``assumptions.yaml`` beside this module), read once."""
    return read_assumptions(ASSUMPTIONS_FILE)
