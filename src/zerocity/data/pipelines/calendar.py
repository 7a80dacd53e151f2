"""The local calendar the pipelines count in: month starts as UTC instants and how many readings a
meter of a given frequency owes in a local month (DST days have 92 or 100 quarter hours).

The months are the city's (``core.calendar``, by its zone ``tz``); the pipelines turn these
small tables into engine expressions.
"""

from __future__ import annotations

import calendar as _calendar
from collections.abc import Iterable
from datetime import datetime, timedelta

from zerocity.core.calendar import CityCalendar, calendar_of

DAY = 86_400
# The names DataSource.frequency uses, plus "<n>min" / "<n>h" / "<n>s".
_NAMED: dict[str, int | str | None] = {
    "15min": 900, "30min": 1800, "hourly": 3600, "1h": 3600, "daily": DAY, "1d": DAY,
    "monthly": "month", "irregular": None}


def frequency_seconds(frequency: str | int | timedelta | None) -> int | str | None:
    """Seconds between readings (dividing a day, or exactly one day), ``"month"`` for one
    reading per month, or ``None`` for an irregular source (no coverage is computed)."""
    if frequency is None:
        return None
    if isinstance(frequency, timedelta):
        seconds: int | str | None = int(frequency.total_seconds())
    elif isinstance(frequency, int):
        seconds = frequency
    else:
        text = frequency.strip().lower()
        if text in _NAMED:
            seconds = _NAMED[text]
        else:
            for suffix, mult in (("min", 60), ("h", 3600), ("s", 1)):
                if text.endswith(suffix) and text[: -len(suffix)].isdigit():
                    seconds = int(text[: -len(suffix)]) * mult
                    break
            else:
                raise ValueError(f"unknown frequency {frequency!r}: use 15min, hourly, daily, "
                                 "monthly, irregular or <n>min/<n>h")
    if isinstance(seconds, int) and (seconds <= 0 or DAY % seconds != 0):
        raise ValueError(f"frequency {frequency!r} must divide a day evenly")
    return seconds


def _clock(tz: str) -> CityCalendar:
    return calendar_of(tz, "")  # the pipelines count months, never working days


def month_start(year: int, month: int, tz: str) -> datetime:
    """The UTC instant local midnight of the first of ``month`` falls on."""
    return _clock(tz).month_start(year, month)


def month_starts(years: Iterable[int], tz: str) -> list[tuple[int, int, datetime]]:
    """(year, month, UTC start) for every month of ``years``, in order."""
    return [(y, m, month_start(y, m, tz)) for y in sorted(set(years)) for m in range(1, 13)]


def slots(frequency: str | int | timedelta | None, year: int, month: int, tz: str) -> int | None:
    """How many readings one meter of ``frequency`` owes in a local month; ``None`` if the
    source is irregular. Sub-daily frequencies count real elapsed time, so the month with the
    spring DST change owes one hour less and the autumn one one hour more."""
    seconds = frequency_seconds(frequency)
    if seconds is None:
        return None
    if seconds == "month":
        return 1
    assert isinstance(seconds, int)
    if seconds == DAY:
        return _calendar.monthrange(year, month)[1]
    elapsed = (month_start(year, month + 1, tz) - month_start(year, month, tz)).total_seconds()
    return int(elapsed) // seconds


def days_in_year(year: int) -> int:
    return 366 if _calendar.isleap(year) else 365


def local_period(ts: datetime, tz: str) -> tuple[int, int]:
    """(year, month) of an instant in the local calendar."""
    return _clock(tz).local_month(ts)
