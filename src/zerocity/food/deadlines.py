"""Time limits of public procurement, computed once and in one place.

Regulation (EEC, Euratom) No 1182/71, as the procurement directive applies it (recital 106;
``shared/research/dps-food-procurement.md`` §2.7), in every member state alike:

- a period in days starts at the beginning of the day *after* the event that triggers it (a
  notice or invitation sent, a request received);
- days are calendar days unless working days are named; working days exclude Saturdays,
  Sundays and the public holidays of the buyer's country (its ``CityCalendar``);
- a period ends at the end (24:00) of its last day; a period in calendar days whose last day
  is not a working day ends at the end of the next working day.

Calendar logic runs in the city's own zone; instants are stored in UTC. A limit is the instant
its period ends, exclusive: something done at ``t`` is in time when ``t < limit`` (the last
day's 24:00 is the next day's 00:00, whatever the daylight-saving time).

"At least N days" is read conservatively (the research note's recommended default): the earliest
lawful deadline is the end of day N, so a deadline at 10:00 on day N is too early.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from itertools import islice

from zerocity.core.calendar import CityCalendar


def last_day_in_days(cal: CityCalendar, event: datetime, days: int) -> date:
    """The last day of a period of ``days`` calendar days after ``event``, moved to the next
    working day when it is not one."""
    if days < 1:
        raise ValueError("a period has at least one day")
    return cal.next_working_day(cal.local_date(event) + timedelta(days=days))


def in_days(cal: CityCalendar, event: datetime, days: int) -> datetime:
    """The end of a period of ``days`` calendar days after ``event``: the earliest lawful
    deadline for "at least ``days`` days" (30 for the DPS's first requests, 10 for tenders)."""
    return cal.day_end(last_day_in_days(cal, event, days))


def last_day_in_working_days(cal: CityCalendar, event: datetime, days: int) -> date:
    if days < 1:
        raise ValueError("a period has at least one day")
    *_, last = islice(cal.working_days_after(cal.local_date(event)), days)
    return last


def in_working_days(cal: CityCalendar, event: datetime, days: int) -> datetime:
    """The end of a period of ``days`` working days after ``event`` (10 or 15 to decide on a
    request to participate, 5 to renew a self-declaration)."""
    return cal.day_end(last_day_in_working_days(cal, event, days))


def working_days_between(cal: CityCalendar, start: datetime, end: datetime) -> int:
    """Working days after ``start``'s day up to and including ``end``'s day."""
    day, last, n = cal.local_date(start), cal.local_date(end), 0
    while day < last:
        day += timedelta(days=1)
        n += cal.is_working_day(day)
    return n
