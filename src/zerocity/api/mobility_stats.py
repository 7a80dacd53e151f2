"""The service statistics of a city's timetable on a service date: per route, per stop and for
the network (the same JSON as ``zerocity mobility stats --format json``; docs/mobility-stats.md).
Public: aggregates of the published timetable."""

# No ``from __future__ import annotations``: ninja reads the parameters' types at run time.

from datetime import date
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from zerocity.api.errors import Problem
from zerocity.api.security import PUBLIC, rule
from zerocity.core.selectors import get_city
from zerocity.mobility import stats as reads
from zerocity.mobility.periods import (
    DEFAULT_PERIODS,
    DEFAULT_PERIODS_TEXT,
    PeriodError,
    parse_periods,
)

router = Router(tags=["mobility"])


class Headway(Schema):
    min: float | None = Field(description="Minutes")
    mean: float | None
    max: float | None


class PeriodOut(Schema):
    name: str
    start: str = Field(description="HH:MM:SS, GTFS time of the service date")
    end: str
    peak: bool


class RouteOut(Schema):
    route_id: str
    route_name: str
    trips: int = Field(description="Trip runs on the date (each run of frequencies.txt one)")
    first_departure: str = Field(description="HH:MM:SS; hours may pass 24")
    last_departure: str
    last_arrival: str
    headways: dict[str, Headway] = Field(description="Per period name; null values where "
                                         "fewer than two departures fall in it")
    peak_vehicles: int = Field(description="The most trips under way at once")
    service_hours: float
    bus_km: float | None = Field(description="null where a trip has no distance")
    speed_kmh: float | None
    distance_source: str = Field(description="stop_times.shape_dist_traveled, shapes, or "
                                 "straight line between stops (several joined by ' + ')")


class NetworkOut(Schema):
    routes: int
    trips: int
    stops: int
    first_departure: str | None
    last_arrival: str | None
    peak_vehicles: int
    service_hours: float
    bus_km: float | None
    speed_kmh: float | None


class StopOut(Schema):
    stop_id: str
    stop_name: str
    routes: int
    departures: int
    first_departure: str
    last_departure: str
    headways: dict[str, Headway]


class FeedOut(Schema):
    version: int
    name: str
    sha256: str
    licence: str
    attribution: str


class Stats(Schema):
    city: str
    service_date: str
    feed: FeedOut
    periods: list[PeriodOut]
    distance_unit: str = Field(description="The unit of the feed's shape_dist_traveled")
    routes: list[RouteOut]
    network: NetworkOut
    stops: list[StopOut] = Field(description="Empty unless stops=true")


@router.get("/api/v1/cities/{slug}/mobility/stats", url_name="mobility_stats",
            response={200: Stats, 400: Problem, 404: Problem}, openapi_extra=rule(PUBLIC),
            summary="Service statistics of the timetable on a service date: trips, headways, "
                    "peak vehicles, service hours, bus-km per route, stop and network")
def stats(request: HttpRequest, slug: str,
          date: Annotated[date, Query(description="The service date, YYYY-MM-DD")],
          route: Annotated[str | None, Query(description="Only this route_id")] = None,
          stops: Annotated[bool, Query(description="Per stop as well")] = False,
          periods: Annotated[str | None, Query(
              description="07-09, 07:00-09:00 or NAME=07:00-09:00, * after a peak, commas "
                          "(docs/mobility.md) [default: " + DEFAULT_PERIODS_TEXT + "]")] = None,
          ) -> dict[str, Any]:
    city = get_city(slug)
    chosen = DEFAULT_PERIODS
    if periods is not None:
        try:
            chosen = parse_periods(periods)
        except PeriodError as exc:
            raise HttpError(400, f"periods: {exc}") from None
    return reads.stats_json(city, date, route_id=route, stops=stops, periods=chosen)
