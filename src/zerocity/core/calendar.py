"""A city's clock and calendar, asked of one place.

Every instant ZeroCity stores is in UTC; everything a person counts in days, months and years
is counted in the city's own time zone (IANA), and working days skip its country's public
holidays (the ``holidays`` package, by country and optionally subdivision). Card day caps,
eco-point caps, challenge days, ridership months, the data pipelines' months and years, the
nowcast, open-data months, procurement time limits and notification schedules all ask a
``CityCalendar`` instead of keeping a zone or a country of their own.

Pure Python: a calendar is built from three strings, so calculations that take one stay
testable without a database (``CityCalendar("Europe/Helsinki", "FI")``).
"""

from __future__ import annotations

import calendar as _calendar
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache, lru_cache
from importlib.resources import files
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays


class CalendarError(ValueError):
    """A zone, country or subdivision ZeroCity cannot keep a calendar for."""


class HasCalendar(Protocol):
    """What a calendar is read from: a City, or anything shaped like one."""

    timezone: str
    country: str
    subdivision: str


def check_zone(name: str) -> ZoneInfo:
    """The zone of an IANA name, or a CalendarError that says what is wrong with it."""
    text = (name or "").strip()
    if not text or text != name or "/" not in text and text != "UTC":
        raise CalendarError(f"{name!r} is not an IANA time zone name (e.g. Europe/Ljubljana)")
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise CalendarError(f"unknown time zone {name!r} (an IANA name, e.g. "
                            "Europe/Ljubljana)") from None


@cache
def _zones_by_country() -> dict[str, tuple[str, ...]]:
    # zone.tab lists a country's zones with its main one first ("most of Germany").
    table = (files("tzdata.zoneinfo") / "zone.tab").read_text(encoding="utf-8")
    zones: dict[str, list[str]] = defaultdict(list)
    for line in table.splitlines():
        if line and not line.startswith("#"):
            country, _coordinates, zone, *_ = line.split("\t")
            zones[country].append(zone)
    return {country: tuple(names) for country, names in zones.items()}


def country_zones(country: str) -> tuple[str, ...]:
    """The IANA zones of a country (ISO 3166-1 alpha-2), its main zone first."""
    return _zones_by_country().get(country.upper(), ())


def _same_clock(a: str, b: str, years: range) -> bool:
    za, zb = ZoneInfo(a), ZoneInfo(b)
    probes = (datetime(y, m, d, 12, tzinfo=UTC) for y in years for m in range(1, 13)
              for d in (1, 15))
    return all(p.astimezone(za).utcoffset() == p.astimezone(zb).utcoffset() for p in probes)


def default_zone(country: str, *, today: date | None = None) -> str:
    """A country's main zone when that is unambiguous: it has one zone, or all its zones keep
    the same clock (Germany's Busingen keeps Berlin's). Spain, Portugal and the like have
    islands on another clock, so their cities must name their zone."""
    zones = country_zones(country)
    if not zones:
        raise CalendarError(f"no time zone is known for the country {country!r}; name the "
                            "city's zone (--timezone)")
    year = (today or date.today()).year
    if all(_same_clock(zones[0], other, range(year, year + 2)) for other in zones[1:]):
        return zones[0]
    raise CalendarError(f"{country.upper()} has more than one time zone "
                        f"({', '.join(zones)}); name the city's zone (--timezone)")


def check_holidays(country: str, subdivision: str = "") -> None:
    """Refuse a country or subdivision the ``holidays`` package has no calendar for."""
    supported = holidays.list_supported_countries()
    code = country.upper()
    if code not in supported:
        raise CalendarError(f"no public-holiday calendar is known for the country {code!r}")
    if subdivision and subdivision not in supported[code]:
        raise CalendarError(f"{code} has no subdivision {subdivision!r} with its own holidays "
                            f"(known: {', '.join(supported[code]) or 'none'})")


@dataclass(frozen=True)
class CityCalendar:
    """One city's zone and holidays. Instants go in aware (any offset) and come out in UTC.
    A calendar without a country counts days and months but has no working days."""

    timezone: str
    country: str
    subdivision: str = ""
    zone: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "zone", check_zone(self.timezone))
        object.__setattr__(self, "country", self.country.upper())

    @classmethod
    def of(cls, city: HasCalendar) -> CityCalendar:
        return calendar_of(city.timezone, city.country, city.subdivision or "")

    # -- instants and local days ----------------------------------------------------------

    def local(self, instant: datetime) -> datetime:
        """The local wall time of an instant."""
        if instant.tzinfo is None or instant.utcoffset() is None:
            raise ValueError("an instant needs its UTC offset")
        return instant.astimezone(self.zone)

    def local_date(self, instant: datetime) -> date:
        return self.local(instant).date()

    def local_month(self, instant: datetime) -> tuple[int, int]:
        """(year, month) of an instant in the city."""
        local = self.local(instant)
        return local.year, local.month

    def today(self, now: datetime | None = None) -> date:
        return self.local_date(now or datetime.now(UTC))

    def at(self, day: date, wall: time = time(0)) -> datetime:
        """The instant (in UTC) the city's clocks show ``wall`` on ``day``. A wall time that
        does not exist (the spring DST gap) is read with the offset before the change."""
        return datetime.combine(day, wall, tzinfo=self.zone).astimezone(UTC)

    def day_start(self, day: date) -> datetime:
        """The UTC instant a local day begins (its 00:00)."""
        return self.at(day)

    def day_end(self, day: date) -> datetime:
        """The UTC instant a local day ends: 24:00, the next day's 00:00 (exclusive)."""
        return self.at(day + timedelta(days=1))

    def day_bounds(self, day: date) -> tuple[datetime, datetime]:
        """[start, end) of a local day in UTC; 23 or 25 hours on DST days."""
        return self.day_start(day), self.day_end(day)

    def days_bounds(self, first: date, last: date) -> tuple[datetime, datetime]:
        """[start of ``first``, end of ``last``) in UTC."""
        return self.day_start(first), self.day_end(last)

    def month_start(self, year: int, month: int) -> datetime:
        """The UTC instant local midnight of the first of ``month`` falls on (month 13 is the
        next year's January)."""
        if month == 13:
            year, month = year + 1, 1
        return self.at(date(year, month, 1))

    def month_bounds(self, year: int, month: int) -> tuple[datetime, datetime]:
        return self.month_start(year, month), self.month_start(year, month + 1)

    def year_bounds(self, year: int) -> tuple[datetime, datetime]:
        return self.month_start(year, 1), self.month_start(year + 1, 1)

    def week_bounds(self, day: date) -> tuple[datetime, datetime]:
        """[Monday 00:00, next Monday 00:00) of the local week ``day`` is in."""
        monday = day - timedelta(days=day.weekday())
        return self.day_start(monday), self.day_start(monday + timedelta(days=7))

    def days_in_month(self, year: int, month: int) -> int:
        return _calendar.monthrange(year, month)[1]

    # -- holidays and working days --------------------------------------------------------

    def holidays(self, year: int) -> dict[date, str]:
        """The country's (and subdivision's) public holidays of a year, with their names."""
        return dict(_holidays(self._country(), self.subdivision, year))

    def is_holiday(self, day: date) -> bool:
        return day in _holiday_dates(self._country(), self.subdivision, day.year)

    def _country(self) -> str:
        if not self.country:
            raise CalendarError("a calendar without a country has no public holidays")
        return self.country

    def is_working_day(self, day: date) -> bool:
        """Monday to Friday, not a public holiday."""
        return day.weekday() < 5 and not self.is_holiday(day)

    def next_working_day(self, day: date) -> date:
        """``day`` itself if it is a working day, else the first working day after it."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def working_days_after(self, day: date) -> Iterator[date]:
        """The working days after ``day``, in order, without end."""
        while True:
            day += timedelta(days=1)
            if self.is_working_day(day):
                yield day


@lru_cache(maxsize=256)
def _holidays(country: str, subdivision: str, year: int) -> tuple[tuple[date, str], ...]:
    found = holidays.country_holidays(country, subdiv=subdivision or None, years=year)
    return tuple(sorted(found.items()))


@lru_cache(maxsize=256)
def _holiday_dates(country: str, subdivision: str, year: int) -> frozenset[date]:
    return frozenset(day for day, _name in _holidays(country, subdivision, year))


@lru_cache(maxsize=256)
def calendar_of(timezone: str, country: str, subdivision: str = "") -> CityCalendar:
    """The calendar of a zone and country, built once per process."""
    return CityCalendar(timezone, country, subdivision)
