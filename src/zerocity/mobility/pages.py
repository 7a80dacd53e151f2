"""What the transport pages read (docs/mobility.md, "The transport pages"): the service
statistics of a date, the loads from the card's taps, the newest accessibility result. Each
reads through the same functions as the command line and the API (``stats``,
``load_reports``, ``access.services``) and keeps their JSON, so a page shows the API's figures;
where there is nothing to show (no timetable that day, no result computed yet) the page gets
the reason to say instead of a refusal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from zerocity.core.actors import Person
from zerocity.core.errors import NotFound
from zerocity.core.models import City
from zerocity.core.permissions import is_city_staff
from zerocity.mobility import load_reports, stats
from zerocity.mobility import loads as calc
from zerocity.mobility.access import services as access
from zerocity.mobility.models import FeedStop, FeedVersion
from zerocity.mobility.selectors import routes, version_in_force


@dataclass(frozen=True)
class Missing:
    """Nothing to show, and why (the service's own words)."""

    reason: str


def route_choices(city: City, day: date) -> list[tuple[str, str]]:
    """(route_id, its name) of the timetable in force on ``day``; none without one."""
    version = version_in_force(city, day)
    if version is None:
        return []
    return [(r.route_id, r.short_name or r.long_name or r.route_id) for r in routes(version)]


def service(city: City, day: date, route: str | None = None
            ) -> tuple[dict[str, Any], list[Any]] | Missing:
    """The statistics of ``day`` as the API gives them (``stats.as_json``), and the departures
    (and, for one route, headways) per hour; Missing when that day has no timetable or the
    route is not in it."""
    try:
        figures = stats.stats_json(city, day, route_id=route)
        hours = stats.hourly(city, day, route_id=route)
    except NotFound as exc:
        return Missing(str(exc))
    return figures, hours


def stop_names(versions: tuple[FeedVersion, ...]) -> dict[str, str]:
    """The stops' names of the versions (the newest's where they differ)."""
    out: dict[str, str] = {}
    for v in sorted(versions, key=lambda v: v.pk):
        out.update(FeedStop.objects.filter(version=v).values_list("stop_id", "name"))
    return out


def loads(user: Person | None, city: City, first: date, last: date,
          route: str | None = None) -> tuple[dict[str, Any], dict[str, str]] | Missing:
    """The loads of ``first`` to ``last`` for the city's staff (NotFound for anyone else, as
    the API), as ``load_reports.to_json``, with the stops' names; Missing when no timetable
    is in force on any of the dates."""
    try:
        result = load_reports.access_loads(user, city, first, last, route=route,
                                           params=calc.LoadParams(),
                                           max_days=load_reports.API_MAX_DAYS)
    except NotFound as exc:
        if not is_city_staff(user, city):
            raise
        return Missing(str(exc))
    return load_reports.to_json(result), stop_names(result.versions)


def accessibility(city: City) -> dict[str, Any] | Missing:
    """The newest stored result as the API gives it (``access.services.to_json``)."""
    try:
        return access.to_json(access.latest_result(city))
    except NotFound as exc:
        return Missing(str(exc))
