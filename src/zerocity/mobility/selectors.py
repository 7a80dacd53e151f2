"""Reads of the mobility module: the version of a city's timetable in force on a service date,
its GTFS tables, the staff pages' lists, and what the card asks of the network.

**The interface the journey planner (and any analysis) builds on**: ``feed_tables(city, day)``
returns the tables of the version in force on that service date as ``{file name without
.txt: DataFrame}``, every column of dtype ``str`` exactly as the file has it (no number or date
conversion, empty fields ``""``, surrounding spaces removed as the validator reads them).
``version_in_force`` says which version that is (its ``sha256`` is a good cache key).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd
from django.db.models import QuerySet

from zerocity.core.actors import Person
from zerocity.core.errors import NotFound
from zerocity.core.models import City
from zerocity.core.permissions import is_city_staff
from zerocity.mobility import store
from zerocity.mobility.models import (
    BikeShareSystem,
    FeedRoute,
    FeedStop,
    FeedVersion,
    QuarantinedMessage,
    RealtimeFeed,
    RealtimeSnapshot,
    SnapshotKind,
    VehiclePosition,
)


def version_in_force(city: City, day: date) -> FeedVersion | None:
    """The version imported last among those whose start date is on or before ``day``: a new
    version replaces the older ones from its start date, and the dates before it stay theirs.
    None when no version starts that early."""
    return (FeedVersion.objects.filter(city=city, start_date__lte=day)
            .order_by("-id").first())


def version_tables(version: FeedVersion) -> dict[str, pd.DataFrame]:
    """Every table of one version (a replaced version stays readable)."""
    return store.read_tables(version.path)


def feed_tables(city: City, day: date) -> dict[str, pd.DataFrame]:
    """The GTFS tables of the version in force on service date ``day``; NotFound when the city
    has none for that date."""
    version = version_in_force(city, day)
    if version is None:
        raise NotFound(f"{city.slug} has no timetable feed in force on {day.isoformat()}")
    return version_tables(version)


@dataclass(frozen=True)
class Period:
    """The service dates a version is in force: from ``start`` until the day before ``until``
    (None: open-ended); ``start`` None when a later version replaced it from its first day."""

    version: FeedVersion
    start: date | None
    until: date | None

    @property
    def last(self) -> date | None:
        return None if self.until is None else self.until - timedelta(days=1)


def periods(city: City) -> list[Period]:
    """Each version with the dates it is in force, newest import first."""
    out: list[Period] = []
    earliest_later: date | None = None  # the earliest start among versions imported later
    for version in FeedVersion.objects.filter(city=city).order_by("-id"):
        if earliest_later is not None and earliest_later <= version.start_date:
            out.append(Period(version, None, None))
        else:
            out.append(Period(version, version.start_date, earliest_later))
        earliest_later = (version.start_date if earliest_later is None
                          else min(earliest_later, version.start_date))
    return out


# -- staff pages ------------------------------------------------------------------------------

def _staff(user: Person | None, city: City) -> None:
    if not is_city_staff(user, city):
        raise NotFound("not found")


def feeds_page(user: Person | None, city: City, *, today: date | None = None) -> dict[str, object]:
    """The versions with their periods, and the one in force today."""
    _staff(user, city)
    today = today or city.calendar.today()
    current = version_in_force(city, today)
    return {"periods": periods(city), "current": current, "today": today}


def get_version(city: City, pk: int) -> FeedVersion:
    version = FeedVersion.objects.filter(city=city, pk=pk).first()
    if version is None:
        raise NotFound(f"no feed version {pk} in {city.slug}")
    return version


def access_version_for_user(user: Person | None, city: City, pk: int) -> FeedVersion:
    _staff(user, city)
    return get_version(city, pk)


def version_page(version: FeedVersion) -> dict[str, object]:
    period = next(p for p in periods(version.city) if p.version.pk == version.pk)
    return {"version": version, "period": period,
            "counts": sorted(version.counts.items()),
            "warning_counts": sorted(version.warning_counts.items()),
            "warnings": version.warnings[:500],
            "stops": version.stops.count(), "routes": routes(version)}


def routes(version: FeedVersion) -> QuerySet[FeedRoute]:
    return version.routes.order_by("route_id")


# -- what the card asks (core.hooks.transit_network) -----------------------------------------

def unknown_codes(city: City, day: date, route: str, stop: str) -> list[str]:
    """Which of ``route`` and ``stop`` the feed in force on ``day`` lacks; nothing to say
    without a feed."""
    version = version_in_force(city, day)
    if version is None:
        return []
    unknown = []
    if route and not FeedRoute.objects.filter(version=version, route_id=route).exists():
        unknown.append(f"route {route!r}")
    if stop and not FeedStop.objects.filter(version=version, stop_id=stop).exists():
        unknown.append(f"stop {stop!r}")
    return unknown


def stop_positions(city: City, day: date) -> dict[str, tuple[str, float, float]]:
    """stop_id -> (name, lat, lon) of the feed in force on ``day``; a stop without a position
    of its own takes its station's."""
    version = version_in_force(city, day)
    if version is None:
        return {}
    rows = list(FeedStop.objects.filter(version=version).values_list(
        "stop_id", "name", "lat", "lon", "parent_station"))
    placed = {sid: (name, lat, lon) for sid, name, lat, lon, _ in rows
              if lat is not None and lon is not None}
    for sid, name, lat, lon, parent in rows:
        if (lat is None or lon is None) and parent in placed:
            placed[sid] = (name or placed[parent][0], placed[parent][1], placed[parent][2])
    return placed


# -- real time ---------------------------------------------------------------------------------

def vehicle_positions(city: City) -> list[VehiclePosition]:
    """Where the city's vehicles were in its latest VehiclePositions message (trip, position,
    bearing, status, each vehicle's own timestamp), by vehicle id. How old they are:
    ``vehicles_snapshot(city).timestamp``."""
    return list(VehiclePosition.objects.filter(city=city).order_by("vehicle_id", "pk"))


def vehicles_snapshot(city: City) -> RealtimeSnapshot | None:
    """The latest VehiclePositions message (its bytes not loaded), or None."""
    return (RealtimeSnapshot.objects.filter(city=city, kind=SnapshotKind.VEHICLE_POSITIONS)
            .defer("message").first())


def realtime_snapshots(city: City) -> list[RealtimeSnapshot]:
    return list(RealtimeSnapshot.objects.filter(city=city).defer("message").order_by("kind"))


def quarantined_messages(city: City) -> QuerySet[QuarantinedMessage]:
    """The city's quarantined real-time messages, the latest first (bytes not loaded)."""
    return QuarantinedMessage.objects.filter(city=city).defer("message")


def pulled_feeds(city: City) -> tuple[str, str]:
    """The addresses the worker pulls for the city: its GTFS-Realtime feed and its GBFS feed
    ("" where there is none)."""
    rt = RealtimeFeed.objects.filter(city=city).values_list("url", flat=True).first() or ""
    gbfs = BikeShareSystem.objects.filter(city=city).values_list("url", flat=True).first() or ""
    return rt, gbfs
