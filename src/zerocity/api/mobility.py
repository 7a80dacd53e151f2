"""The journey planner: itineraries between two points on the city's timetable, with the city
card's fare and CO2e against the car; the same JSON as ``zerocity mobility plan --format json``
(``mobility.journeys.to_json``). Public: anyone may ask."""

# No ``from __future__ import annotations``: ninja reads the parameters' types at run time.

from datetime import datetime
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils.timezone import now
from ninja import Field, Query, Router, Schema
from pydantic import BeforeValidator, WithJsonSchema

from zerocity.api.errors import Problem
from zerocity.api.security import PUBLIC, rule
from zerocity.core.selectors import get_city
from zerocity.mobility import journeys
from zerocity.mobility.planner import Query as Journey
from zerocity.mobility.scenarios.selectors import access_scenario_for_user, scenario_version

router = Router(tags=["mobility"])


def _point(value: Any) -> str:
    journeys.parse_point(str(value))  # a sentence saying what is wrong, else the point
    return str(value)


def _modes(value: Any) -> str:
    journeys.parse_modes(str(value))
    return str(value)


# validated by the planner's own parsing (a sentence naming the mistake), documented with the
# same patterns (what they let through is a point on the globe, a list of known modes)
Point = Annotated[str, BeforeValidator(_point), WithJsonSchema({
    "type": "string", "pattern": journeys.POINT, "examples": ["46.2389,14.3556"]})]
Modes = Annotated[str, BeforeValidator(_modes), WithJsonSchema({
    "type": "string", "pattern": journeys.MODES_PATTERN, "examples": ["bus,bike"]})]
Moment = Annotated[str, WithJsonSchema({"type": "string", "format": "date-time"})]


class Place(Schema):
    stop_id: str | None = Field(description="GTFS stop_id; null for the start and the "
                                "destination, or a bike station's id")
    name: str
    lat: float
    lon: float


class Leg(Schema):
    mode: str = Field(description="walk, bike, or the transit mode (bus, tram, rail, ...)")
    from_: Place = Field(alias="from")
    to: Place
    route: str | None = Field(description="GTFS route_id")
    route_name: str | None = Field(description="The route's short (else long) name")
    trip: str | None = Field(description="GTFS trip_id")
    depart: Moment
    arrive: Moment
    distance_m: int


class Fare(Schema):
    amount: str = Field(description="What the city card charges for the taps, exact")
    currency: str


class PlannedTap(Schema):
    at: Moment
    service: str
    vehicle: str | None = Field(description="What the validator sends: trip_id/service date")
    units: int | None
    route: str | None
    stop: str | None


class Itinerary(Schema):
    depart: Moment
    arrive: Moment
    duration_s: int
    transfers: int
    walk_m: int
    legs: list[Leg]
    fare: Fare | None = Field(description="null when the card has no fare for a tap, or the "
                              "city no fare rules")
    co2e_g: float = Field(description="Grams of CO2e per passenger")
    car_co2e_g: float = Field(description="The same trip by car, per passenger")
    fastest: bool
    fewest_transfers: bool
    taps: list[PlannedTap] = Field(description="The taps the card would see")


class Asked(Schema):
    from_: list[float] = Field(alias="from")
    to: list[float]
    depart: Moment
    arrive_by: bool
    max_walk_m: float
    transfer_slack: int
    wheelchair: bool
    modes: list[str] | None
    within_min: int


class Attribution(Schema):
    feed: str
    feed_version: str
    sha256: str
    publisher: str
    publisher_url: str
    licence: str
    attribution: str


class Plan(Schema):
    city: str
    query: Asked
    service_date: str
    itineraries: list[Itinerary] = Field(description="Sorted by arrival")
    notes: list[str] = Field(description="In the language asked (?lang=sl|en or "
                             "Accept-Language)")
    excluded: list[str] = Field(description="What a wheelchair request left out, and why")
    attribution: list[Attribution] = Field(description="The timetable version(s) used, with "
                                           "the licence and attribution to show with them")


@router.get("/api/v1/cities/{slug}/mobility/plan", url_name="mobility_plan", by_alias=True,
            response={200: Plan, 400: Problem, 404: Problem}, openapi_extra=rule(PUBLIC),
            summary="Journeys from one point to another, priced by the city card, with CO2e "
                    "against the car")
def plan(request: HttpRequest, slug: str,
         from_: Annotated[Point, Query(alias="from", description="LAT,LON in decimal "
                                       "degrees")],
         to: Annotated[Point, Query(description="LAT,LON in decimal degrees")],
         depart: Annotated[datetime | None, Query(
             description="ISO 8601; without a UTC offset the city's local time [default: "
                         "now]")] = None,
         arrive_by: Annotated[bool, Query(description="depart is the latest arrival")] = False,
         max_walk_m: Annotated[float, Query(ge=0, le=10000, description="Walking at either "
                                            "end and between stops; 0: none, except the "
                                            "transfers the feed defines")] = 1000,
         transfer_slack: Annotated[int, Query(ge=0, le=3600, description="Seconds added to "
                                              "every change; 0: as tight as the timetable "
                                              "allows")] = 60,
         wheelchair: bool = False,
         modes: Annotated[Modes | None, Query(description="Comma-separated: bus, tram, "
                                              "rail, ..., bike, walk [default: all]")] = None,
         within: Annotated[int, Query(ge=1, le=1440, description="Minutes the journey may "
                                      "take")] = 180,
         scenario: Annotated[int | None, Query(
             description="Plan on this timetable scenario's latest version instead of the "
                         "city's timetable (drafts: the city's staff only)")] = None,
         ) -> dict[str, Any]:
    city = get_city(slug)
    on = None
    if scenario is not None:
        on = scenario_version(access_scenario_for_user(request.user, city, scenario))
    chosen = journeys.parse_modes(modes) if modes is not None else None
    query = Journey(journeys.parse_point(from_), journeys.parse_point(to), depart or now(),
                    arrive_by=arrive_by, max_walk_m=max_walk_m, transfer_slack_s=transfer_slack,
                    wheelchair=wheelchair, modes=chosen, max_duration_s=within * 60)
    return journeys.to_json(journeys.plan_journey(city, query, scenario=on))
