"""Time limits of public procurement, computed once and in one place.

Regulation (EEC, Euratom) No 1182/71, as the procurement directive applies it (recital 106;
``shared/research/dps-food-procurement.md`` §2.7):

- a period in days starts at the beginning of the day *after* the event that triggers it (a
  notice or invitation sent, a request received);
- days are calendar days unless working days are named; working days exclude Saturdays,
  Sundays and public holidays (Slovenia's, from the ``holidays`` package);
- a period ends at the end (24:00) of its last day; a period in calendar days whose last day
  is not a working day ends at the end of the next working day.

Calendar logic runs in Europe/Ljubljana; instants are stored in UTC. A limit is the instant its
period ends, exclusive: something done at ``t`` is in time when ``t < limit`` (the last day's
24:00 is the next day's 00:00, whatever the daylight-saving time).

"At least N days" is read conservatively (the research note's recommended default): the earliest
lawful deadline is the end of day N, so a deadline at 10:00 on day N is too early.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

TZ = ZoneInfo("Europe/Ljubljana")
COUNTRY = "SI"


@lru_cache(maxsize=64)
def _holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays(COUNTRY, years=year))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _holidays(day.year)


def local_date(moment: datetime) -> date:
    if moment.tzinfo is None:
        raise ValueError("a moment needs its UTC offset")
    return moment.astimezone(TZ).date()


def end_of(day: date) -> datetime:
    """The instant a day ends in Ljubljana (24:00, i.e. the next day's 00:00), in UTC."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=TZ).astimezone(UTC)


def next_working_day(day: date) -> date:
    """``day`` itself if it is a working day, else the first working day after it."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def last_day_in_days(event: datetime, days: int) -> date:
    """The last day of a period of ``days`` calendar days after ``event``, moved to the next
    working day when it is not one."""
    if days < 1:
        raise ValueError("a period has at least one day")
    return next_working_day(local_date(event) + timedelta(days=days))


def in_days(event: datetime, days: int) -> datetime:
    """The end of a period of ``days`` calendar days after ``event``: the earliest lawful
    deadline for "at least ``days`` days" (30 for the DPS's first requests, 10 for tenders)."""
    return end_of(last_day_in_days(event, days))


def last_day_in_working_days(event: datetime, days: int) -> date:
    if days < 1:
        raise ValueError("a period has at least one day")
    day, counted = local_date(event), 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return day


def in_working_days(event: datetime, days: int) -> datetime:
    """The end of a period of ``days`` working days after ``event`` (10 or 15 to decide on a
    request to participate, 5 to renew a self-declaration)."""
    return end_of(last_day_in_working_days(event, days))


def working_days_between(start: datetime, end: datetime) -> int:
    """Working days after ``start``'s day up to and including ``end``'s day."""
    day, last, n = local_date(start), local_date(end), 0
    while day < last:
        day += timedelta(days=1)
        n += is_working_day(day)
    return n
