"""Demand against capacity from the city card's taps (docs/mobility-loads.md): per city and
service date (or a range of up to 7 days), the loads of the bus runs, their maximum load
points against capacity, the match rate and the unmatched taps by reason; the same JSON as
``zerocity mobility loads --format json`` (``mobility.load_reports.to_json``).

For the city's signed-in staff only: it is made from riders' taps. Only aggregates are
answered (counts per run, stop, route and reason), never anything per card."""

# No ``from __future__ import annotations``: ninja reads the parameters' types at run time.

from datetime import date
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from zerocity.api.errors import Problem
from zerocity.api.security import SESSION, STAFF_SESSION, rule
from zerocity.core.selectors import get_city
from zerocity.mobility import load_reports
from zerocity.mobility import loads as calc
from zerocity.mobility.periods import DEFAULT_PERIODS_TEXT, PeriodError, parse_periods

router = Router(tags=["mobility"])


class StopLoad(Schema):
    position: int = Field(description="1 for the run's first stop")
    stop_id: str
    boardings: float
    alightings: float
    load: float = Field(description="Passengers leaving the stop (the segment to the next)")


class TripLoad(Schema):
    trip_id: str
    run: str = Field(description="The trip run: trip_id[@frequency start]/service date")
    route_id: str
    service_date: date
    start: str = Field(description="First departure, ISO 8601 with the city's offset")
    period: str | None = Field(description="The period of the run's first departure; null "
                               "outside every period")
    boardings: float
    unchained: float = Field(description="Boardings whose alighting was spread by the rule")
    max_load: float
    max_load_stop: str
    max_load_position: int
    over_capacity: bool
    segments: list[StopLoad]


class RouteLoad(Schema):
    route_id: str
    runs: int = Field(description="Runs of the route in the timetable on the dates")
    trips_with_taps: int
    boardings: float
    max_load: float
    over_capacity: int = Field(description="Runs whose maximum load exceeds the capacity")
    peak_by_period: dict[str, float] = Field(description="What a frequency optimiser meets")


class Unmatched(Schema):
    route_id: str
    stop_id: str
    reason: str
    taps: int


class Version(Schema):
    id: int
    name: str
    attribution: str


class Period(Schema):
    name: str
    start_s: int = Field(description="Seconds on the GTFS time axis of the service date")
    end_s: int
    peak: bool


class Loads(Schema):
    city: str
    first: date
    last: date
    route: str | None
    feed_versions: list[Version]
    days_without_feed: list[date]
    times: str
    times_note: str
    capacity: float
    capacity_source: str
    scale: float
    scale_source: str
    window_s: int
    max_walk_m: float
    periods: list[Period]
    taps: int
    matched: int
    match_rate: float | None
    unmatched: dict[str, int] = Field(description="Taps not matched to a run, by reason: "
                                      + "; ".join(f"{k}: {v}" for k, v in calc.REASONS.items()))
    unmatched_where: list[Unmatched]
    unchained: dict[str, int] = Field(description="Matched boardings not chained, by reason: "
                                      + "; ".join(f"{k}: {v}"
                                                  for k, v in calc.UNCHAINED.items()))
    trips: list[TripLoad]
    routes: list[RouteLoad]


@router.get("/api/v1/cities/{slug}/mobility/loads", auth=SESSION, url_name="mobility_loads",
            response={200: Loads, 400: Problem, 401: Problem, 404: Problem, 422: Problem},
            openapi_extra=rule(STAFF_SESSION),
            summary="Loads of the bus runs from the city card's taps, against capacity "
                    "(the city's staff)")
def loads(request: HttpRequest, slug: str,
          date_: Annotated[date, Query(alias="date", description="Service date")],
          to: Annotated[date | None, Query(description="Last date of a range of up to 7 "
                                           "days [default: date]")] = None,
          route: Annotated[str | None, Query(max_length=200,
                                             description="Only this route_id")] = None,
          capacity: Annotated[float, Query(gt=0, le=1000, description="Passengers a vehicle "
                                           "carries")] = calc.CAPACITY,
          scale: Annotated[float, Query(gt=0, le=10, description="Factor for riders who do "
                                        "not tap; other than 1 only with scale_source")] = 1.0,
          scale_source: Annotated[str, Query(max_length=300)] = "",
          periods: Annotated[str, Query(max_length=500, description="The periods peak loads "
                                        "are given for: 07-09, 07:00-09:00 or "
                                        "NAME=07:00-09:00, * after a peak, commas "
                                        "(docs/mobility.md)")] = DEFAULT_PERIODS_TEXT,
          ) -> dict[str, Any]:
    city = get_city(slug)
    try:
        chosen = parse_periods(periods)
    except PeriodError as exc:
        raise HttpError(400, f"periods: {exc}") from None
    params = calc.LoadParams(
        capacity=capacity,
        capacity_source=(calc.CAPACITY_SOURCE if capacity == calc.CAPACITY
                         else "given in the request"),
        scale=scale, scale_source=scale_source or calc.NO_SCALE_SOURCE, periods=chosen)
    result = load_reports.access_loads(request.user, city, date_, to, params=params,
                                       route=route, max_days=load_reports.API_MAX_DAYS)
    return load_reports.to_json(result)
