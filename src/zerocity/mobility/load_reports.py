"""Demand against capacity for a city and a date or a range of dates, from the city card's
taps and the timetable version in force on each date (``mobility.loads`` computes; this
module reads). It writes nothing of its own; the card's pseudonym key of a month is made on
first use, as the card's ridership does.

Taps: the accepted bus taps of each local day, except repeats on the same vehicle
(``already_validated``: the same boarding tapped twice). The rider of a tap is the card's
monthly pseudonym (``card.ridership.pseudonym``: HMAC of the account's pseudonym with the
month's key), used only to chain a rider's taps within the day; nothing per rider or card
leaves this module, only counts per trip run, stop, route and reason.

Times: the timetable's. The city keeps only its latest GTFS-Realtime message
(``mobility.realtime``), not the actual times of runs that have ended, so past days are matched
against the schedule (``TIMES``); ``loads.day_flows`` takes a timetable with actual times the
day a history of them is kept.

**For a frequency optimiser**: :func:`peak_loads` returns ``{route_id: {period: peak load}}``,
the highest maximum load point (passengers, scaled by the stated factor) of the route's runs
starting in each period (``mobility.periods.DEFAULT_PERIODS`` unless the parameters give
others: 05-07, 07-09, 09-14, 14-17, 17-22, the optimiser's names, so the answer is its ``loads``
as it is) over the dates asked; a period with no tapped run is absent (no evidence is not a
load of 0), and a run starting outside every period counts in the totals only.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pandas as pd

from zerocity.core.actors import Person
from zerocity.core.errors import Conflict, NotFound
from zerocity.core.models import City
from zerocity.core.permissions import is_city_staff
from zerocity.mobility import loads as calc
from zerocity.mobility import timetables
from zerocity.mobility.models import FeedStop, FeedVersion
from zerocity.mobility.selectors import version_in_force

# a month at most in one answer (each date's timetable is compiled once, about a second for
# Kranj, then cached); a week on the API, which answers while someone waits
MAX_DAYS = 31
API_MAX_DAYS = 7
TIMES = "timetable"
TIMES_NOTE = ("matched against the timetable: the city keeps only its latest real-time "
              "message, not the actual times of past runs")


@dataclass(frozen=True)
class CityLoads:
    city: City
    first: date
    last: date
    versions: tuple[FeedVersion, ...]
    loads: calc.Loads
    days_without_feed: tuple[date, ...]
    route: str | None = None


def _days(first: date, last: date) -> Iterator[date]:
    for n in range((last - first).days + 1):  # never a day past ``last`` (9999-12-31)
        yield first + timedelta(days=n)


def bus_taps(city: City, first: date, last: date) -> pd.DataFrame:
    """The accepted bus boardings of the local days ``first`` to ``last`` as (rider, at,
    route, stop): rider is the month's pseudonym of the card's account, nothing else of it."""
    from zerocity.card.models import Tap
    from zerocity.card.ridership import period_key, period_of, pseudonym

    start, end = city.calendar.days_bounds(first, last)
    rows = (Tap.objects.filter(validator__city=city, accepted=True, service="bus",
                               medium__isnull=False, at__gte=start, at__lt=end)
            .exclude(reason="already_validated")
            .values_list("medium__account__pseudonym", "at", "route", "stop")
            .order_by("at", "id"))
    keys: dict[str, bytes | None] = {}
    out = []
    for account, at, route, stop in rows.iterator(chunk_size=10_000):
        period = period_of(city.calendar.local_date(at))
        if period not in keys:
            keys[period] = period_key(city, period)
        key = keys[period]
        if key is not None:  # the key is gone with the retention window, and the taps' stops
            out.append((pseudonym(key, account), at, route, stop))
    return pd.DataFrame.from_records(out, columns=list(calc.TAP_COLUMNS))


def _stations(version: FeedVersion) -> tuple[dict[str, str], dict[str, tuple[float, float]]]:
    """Platforms' stations (child -> parent), and every stop's position."""
    parents: dict[str, str] = {}
    places: dict[str, tuple[float, float]] = {}
    for sid, parent, lat, lon in FeedStop.objects.filter(version=version).values_list(
            "stop_id", "parent_station", "lat", "lon"):
        if parent:
            parents[sid] = parent
        if lat is not None and lon is not None:
            places[sid] = (lat, lon)
    return parents, places


def city_loads(city: City, first: date, last: date | None = None, *,
               params: calc.LoadParams | None = None, route: str | None = None,
               max_days: int = MAX_DAYS) -> CityLoads:
    """The loads of the runs of ``first`` to ``last`` (one day when ``last`` is None) from
    the card's taps; NotFound when no timetable is in force on any of the dates (a version
    is in force from its start date, and has runs until the day after its end date)."""
    last = last or first
    params = params or calc.LoadParams()
    if last < first:
        raise Conflict(f"the last date {last} is before the first {first}")
    if (last - first).days >= max_days:
        raise Conflict(f"at most {max_days} days at a time, not {(last - first).days + 1}")
    if problems := params.problems():
        raise Conflict("; ".join(problems))
    in_force: dict[date, FeedVersion] = {}
    missing = []
    for day in _days(first, last):
        version = version_in_force(city, day)
        if version is None or (day - version.end_date).days > 1:
            missing.append(day)
        else:
            in_force[day] = version
    if not in_force:
        raise NotFound(f"{city.slug} has no timetable feed in force from {first} to {last}")
    taps = bus_taps(city, min(in_force), max(in_force))
    by_day = dict(calc.split_days(taps, city.timezone))
    flows, versions = [], []
    stations: dict[int, tuple[dict[str, str], dict[str, tuple[float, float]]]] = {}
    empty = pd.DataFrame(columns=list(calc.TAP_COLUMNS))
    for day, version in in_force.items():
        if version.pk not in stations:
            stations[version.pk] = _stations(version)
            versions.append(version)
        parents, places = stations[version.pk]
        tt = timetables.compiled(version, day, city.timezone)
        flows.append(calc.day_flows(tt, by_day.get(day, empty), params=params, places=places,
                                    parents=parents))
    return CityLoads(city=city, first=first, last=last, versions=tuple(versions),
                     loads=calc.loads(flows, params=params, route=route),
                     days_without_feed=tuple(missing), route=route)


def peak_loads(city: City, first: date, last: date | None = None, *,
               params: calc.LoadParams | None = None) -> dict[str, dict[str, float]]:
    """{route_id: {period: peak load}} over the dates (see the module's docstring)."""
    return city_loads(city, first, last, params=params).loads.peak_loads()


def access_loads(user: Person | None, city: City, first: date, last: date | None = None, *,
                 params: calc.LoadParams | None = None, route: str | None = None,
                 max_days: int = MAX_DAYS) -> CityLoads:
    """:func:`city_loads` for the city's staff (it is made of riders' taps); NotFound for
    anyone else, as if there were nothing."""
    if not is_city_staff(user, city):
        raise NotFound("not found")
    return city_loads(city, first, last, params=params, route=route, max_days=max_days)


# -- the answer as data (CLI --format json and the API) ---------------------------------------

def to_json(result: CityLoads) -> dict[str, Any]:
    r = result.loads
    p = r.params
    return {
        "city": result.city.slug,
        "first": result.first.isoformat(), "last": result.last.isoformat(),
        "route": result.route,
        "feed_versions": [{"id": v.pk, "name": v.name, "attribution": v.attribution}
                          for v in result.versions],
        "days_without_feed": [d.isoformat() for d in result.days_without_feed],
        "times": TIMES, "times_note": TIMES_NOTE,
        "capacity": p.capacity, "capacity_source": p.capacity_source,
        "scale": p.scale, "scale_source": p.scale_source,
        "window_s": p.window_s, "max_walk_m": p.max_walk_m,
        "periods": [{"name": x.name, "start_s": x.start_s, "end_s": x.end_s,
                     "peak": x.peak} for x in p.periods],
        "taps": r.taps, "matched": r.matched,
        "match_rate": None if r.match_rate is None else round(r.match_rate, 4),
        "unmatched": r.unmatched,
        "unmatched_where": [{"route_id": route, "stop_id": stop, "reason": why, "taps": n}
                            for (route, stop, why), n in sorted(
                                r.outcomes.items(), key=lambda x: (-x[1], x[0])) if why],
        "unchained": r.unchained,
        "trips": [{"trip_id": t.run.trip_id, "run": t.run.key, "route_id": t.run.route_id,
                   "service_date": t.run.service_date.isoformat(),
                   "start": t.run.start.isoformat(), "period": t.period,
                   "boardings": t.boardings, "unchained": t.unchained,
                   "max_load": t.max_load, "max_load_stop": t.max_load_stop,
                   "max_load_position": t.max_load_position,
                   "over_capacity": t.over_capacity,
                   "segments": [{"position": s.position, "stop_id": s.stop_id,
                                 "boardings": s.boardings, "alightings": s.alightings,
                                 "load": s.load} for s in t.segments]}
                  for t in r.trips],
        "routes": [{"route_id": x.route_id, "runs": x.runs, "trips_with_taps": x.trips,
                    "boardings": x.boardings, "max_load": x.max_load,
                    "over_capacity": x.over_capacity, "peak_by_period": x.peak_by_period}
                   for x in r.routes],
    }
