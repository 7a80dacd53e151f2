"""The service statistics of a city's timetable on a service date, for the command line and the
API (``zerocity mobility stats``, ``GET /api/v1/cities/{slug}/mobility/stats``): the version in
force that day, read on DuckDB from its stored tables (``service_stats``), as JSON."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from zerocity.core.errors import NotFound
from zerocity.core.models import City
from zerocity.mobility import service_stats
from zerocity.mobility.models import FeedRoute, FeedVersion
from zerocity.mobility.periods import DEFAULT_PERIODS, Period
from zerocity.mobility.selectors import version_in_force
from zerocity.mobility.service_stats import ServiceStats


def feed_for(city: City, day: date) -> FeedVersion:
    """The version in force on ``day``, refused when there is none or ``day`` lies past its
    last service date."""
    version = version_in_force(city, day)
    if version is None:
        raise NotFound(_("%(city)s has no timetable in force on %(date)s.")
                       % {"city": city.name, "date": day.isoformat()})
    if day > version.end_date:
        raise NotFound(_("The timetable in force on %(date)s runs only until %(end)s: choose "
                         "a date from %(start)s to %(end)s.")
                       % {"date": day.isoformat(), "start": version.start_date.isoformat(),
                          "end": version.end_date.isoformat()})
    return version


def compute(city: City, day: date, *, route_id: str | None = None, stops: bool = False,
            periods: Sequence[Period] = DEFAULT_PERIODS) -> tuple[FeedVersion, ServiceStats]:
    """The statistics of ``day`` on the city's timetable in force (only ``route_id`` when
    given, per stop when ``stops``)."""
    version = feed_for(city, day)
    if route_id is not None and not FeedRoute.objects.filter(version=version,
                                                             route_id=route_id).exists():
        raise NotFound(_("The timetable in force on %(date)s has no route %(route)s.")
                       % {"date": day.isoformat(), "route": route_id})
    con = service_stats.open_folder(Path(settings.DATA_DIR) / version.path)
    try:
        return version, service_stats.compute(con, day, periods=periods, route_id=route_id,
                                              stops=stops)
    finally:
        con.close()


def hourly(city: City, day: date, *,
           route_id: str | None = None) -> list[service_stats.Hour]:
    """Departures per hour of ``day`` (of ``route_id`` when given, with its headways per
    hour) on the timetable in force, refused as :func:`compute` refuses."""
    version = feed_for(city, day)
    con = service_stats.open_folder(Path(settings.DATA_DIR) / version.path)
    try:
        return service_stats.hourly(con, day, route_id=route_id)
    finally:
        con.close()


def service_day(city: City, today: date, *, most: int = 14) -> date:
    """The day a page opens on: ``today`` when its timetable runs trips then, else the next
    day that does within ``most`` days (a Sunday without buses opens on Monday); ``today``
    when none does, so the page says why."""
    for n in range(most + 1):
        day = today + timedelta(days=n)
        version = version_in_force(city, day)
        if version is None or day > version.end_date:
            continue
        con = service_stats.open_folder(Path(settings.DATA_DIR) / version.path)
        try:
            runs = service_stats.runs_on(con, day)
        finally:
            con.close()
        if runs:
            return day
    return today


def as_json(city: City, version: FeedVersion, stats: ServiceStats) -> dict[str, Any]:
    feed = {"version": version.pk, "name": version.name, "sha256": version.sha256,
            "licence": version.licence, "attribution": version.attribution}
    return service_stats.to_json(stats, city=city.slug, feed=feed)


STATS_CACHE_SECONDS = 24 * 3600  # a version's tables never change: the key names its digest


def stats_json(city: City, day: date, *, route_id: str | None = None, stops: bool = False,
               periods: Sequence[Period] = DEFAULT_PERIODS) -> dict[str, Any]:
    """``as_json(compute(...))``, kept in the cache for a day per timetable version (its id
    and SHA-256), date, route, stops and periods: the public API and page answer a repeated
    question without DuckDB. A new version in force is a new key; the refusals of
    :func:`compute` are never cached."""
    version = feed_for(city, day)
    key = ("zc:mobility-stats:" + ":".join(str(x) for x in (
        city.pk, version.pk, version.sha256, day.isoformat(), route_id, stops,
        ",".join(f"{p.name}={p.start_s}-{p.end_s}{'*' if p.peak else ''}" for p in periods))))
    found = cache.get(key)
    if found is None:
        found = as_json(city, *compute(city, day, route_id=route_id, stops=stops,
                                       periods=periods))
        cache.set(key, found, STATS_CACHE_SECONDS)
    return found  # type: ignore[no-any-return]
