"""Vehicle scheduling for the transport office: the blocks of a service date with the fewest
vehicles; the same JSON as ``zerocity mobility fleet --format json`` (docs/mobility-fleet.md).
Operational planning: the city's staff only (signed in); anyone else gets 404, as for any
unpublished staff data."""

# No ``from __future__ import annotations``: ninja reads the parameters' types at run time.

from datetime import date
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from zerocity.api.errors import Problem
from zerocity.api.security import SESSION, STAFF_SESSION, rule
from zerocity.core.errors import NotFound
from zerocity.core.permissions import is_city_staff
from zerocity.core.selectors import get_city
from zerocity.mobility.fleet_feed import city_fleet, parameters

router = Router(tags=["mobility"])


class FleetRoute(Schema):
    route_id: str
    trips: int
    bus_km: float
    service_hours: float = Field(description="The sum of the route's trip durations")
    distance_source: str = Field(description="Where bus-km came from: shapes, or "
                                 "stop-to-stop straight lines")


class Fleet(Schema):
    city: str
    service_date: str
    feed: dict[str, Any] = Field(description="The feed version used, with its licence")
    vehicles: int = Field(description="The fewest vehicles that run every trip (one depot)")
    lower_bound: int = Field(description="The most trips under way at once")
    trips: int
    deadhead_km: float
    battery_splits: int
    battery_infeasible_trips: list[str]
    distance_source: str
    parameters: dict[str, Any]
    blocks: list[dict[str, Any]] = Field(description="Each vehicle's trips in order, with "
                                         "times and deadhead km")
    routes: list[FleetRoute]


@router.get("/api/v1/cities/{slug}/mobility/fleet", auth=SESSION, url_name="mobility_fleet",
            response={200: Fleet, 401: Problem, 404: Problem, 422: Problem},
            openapi_extra=rule(STAFF_SESSION),
            summary="Vehicle blocks of a service date with the fewest vehicles")
def fleet(request: HttpRequest, slug: str,
          date_: Annotated[date, Query(alias="date", description="The service date")],
          min_layover: Annotated[float, Query(ge=0, le=240, description="Minutes a vehicle "
                                              "waits at least between two trips")] = 5.0,
          no_deadhead: Annotated[bool, Query(description="Continue only from the stop (or "
                                             "station) where the last trip ended")] = False,
          deadhead_speed: Annotated[float, Query(ge=1, le=120)] = 20.0,
          detour: Annotated[float, Query(ge=1, le=3)] = 1.3,
          vehicle_cost: Annotated[float | None, Query(ge=0)] = None,
          deadhead_cost: Annotated[float, Query(ge=0)] = 1.0,
          least_deadhead: bool = False,
          battery_kwh: Annotated[float | None, Query(gt=0)] = None,
          range_km: Annotated[float | None, Query(gt=0)] = None,
          kwh_per_km: Annotated[float, Query(gt=0)] = 1.3,
          charger_kw: Annotated[float, Query(ge=0)] = 180.0,
          charger_stop: Annotated[list[str] | None, Query(description="stop_id with a "
                                                          "charger (repeat)")] = None,
          min_charge: Annotated[float, Query(ge=0)] = 10.0,
          ) -> dict[str, Any]:
    city = get_city(slug)
    if not is_city_staff(request.user, city):
        raise NotFound(_("Page not found"))
    params = parameters(min_layover_min=min_layover, no_deadhead=no_deadhead,
                        deadhead_speed_kmh=deadhead_speed, detour=detour,
                        vehicle_cost=vehicle_cost, deadhead_cost_per_km=deadhead_cost,
                        least_deadhead=least_deadhead, battery_kwh=battery_kwh,
                        range_km=range_km, kwh_per_km=kwh_per_km, charger_kw=charger_kw,
                        min_charge_min=min_charge)
    return city_fleet(city, date_, params, tuple(charger_stop or ()))
