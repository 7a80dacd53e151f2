"""Frequency setting through the API: the same inputs as ``zerocity mobility optimise`` in a
JSON body (the peak loads as ``{route_id: {period: riders/h}}``), the same JSON answer
(``mobility.optimise.to_json``): headways per line and period, the cost split, buses per period,
the independent check's verdict and the plan's scenario edits.

Staff of the city only (loads counted from card taps and the operator's costs are not
published); anyone else is answered 404, as the staff pages do. Nothing is written unless
``save_as`` names a scenario to save the plan's changes as (``scenario`` in the answer).
- 200: the plan; 400: inputs the model cannot take (an unknown line or period, a bad number);
  404: no such city, no timetable that day, or not the city's staff; 422: no plan meets every
  rule (the rule, line and period are named), or a plan to save that changes nothing.
"""

# No ``from __future__ import annotations``: ninja reads the parameters' types at run time.

import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from zerocity.api.errors import BadInput, Problem
from zerocity.api.security import SESSION, STAFF_SESSION, rule
from zerocity.core.errors import NotFound
from zerocity.core.permissions import is_city_staff
from zerocity.core.selectors import get_city
from zerocity.mobility import optimise as opt
from zerocity.mobility.frequency import (
    DEFAULT_HEADWAYS,
    Costs,
)
from zerocity.mobility.parameters import city_parameters
from zerocity.mobility.periods import DEFAULT_PERIODS_TEXT, PeriodError, parse_periods

router = Router(tags=["mobility"])


class OptimiseRequest(Schema):
    date: datetime.date = Field(description="The service date whose timetable is optimised")
    loads: dict[str, dict[str, float]] = Field(
        description="Peak loads, riders/h at each line's maximum load point: "
                    "{route_id: {period: load}}", examples=[{"1": {"07-09": 210}}])
    fleet: int | None = Field(None, ge=0, description="Buses available in every period "
                              "[default: as many as today's timetable uses at its peak]")
    max_headway: float | None = Field(None, gt=0, description="The policy's longest headway, "
                                      "minutes")
    headways: list[float] = Field(list(DEFAULT_HEADWAYS), min_length=1,
                                  description="The headways the city allows, minutes")
    periods: str | None = Field(None, max_length=500,
                                description="The periods of the day (docs/mobility.md): "
                                "07-09, 07:00-09:00 or NAME=07:00-09:00, * after a peak, "
                                "commas [default: the city's parameter; without one "
                                f"{DEFAULT_PERIODS_TEXT}]")
    capacity: int | None = Field(None, ge=1, le=1000, description="Riders per bus [default: "
                                 "the city's parameter; without one 80]")
    margin: float = Field(0.9, gt=0, le=1, description="The share of the capacity planned to "
                          "be used")
    layover_min: int = Field(5, ge=0, le=120, description="Layover at each end of a line")
    eur_per_bus_hour: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2,
                                             description="[default: the city's parameter]")
    eur_per_bus_km: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2,
                                           description="[default: the city's parameter]")
    value_of_time_eur_per_hour: Decimal | None = Field(None, ge=0, max_digits=12,
                                                       decimal_places=2,
                                                       description="[default: the city's "
                                                       "parameter]")
    save_as: str | None = Field(None, min_length=1, max_length=200,
                                description="Save the plan's changes as a timetable scenario "
                                "of this name (answered under ``scenario``)")


@router.post("/api/v1/cities/{slug}/mobility/optimise", auth=SESSION,
             url_name="mobility_optimise",
             response={200: dict[str, Any], 400: Problem, 401: Problem, 403: Problem,
                       404: Problem, 422: Problem},
             openapi_extra=rule(STAFF_SESSION),
             summary="Each line's headway per period chosen within the fleet, capacity and "
                     "policy, re-checked independently, with its scenario edits")
def optimise(request: HttpRequest, slug: str, body: OptimiseRequest) -> dict[str, Any]:
    city = get_city(slug)
    if not is_city_staff(request.user, city):
        raise NotFound("not found")
    try:
        periods = None if body.periods is None else parse_periods(body.periods)
    except PeriodError as exc:
        raise BadInput(["body", "periods"], str(exc)) from exc
    own = city_parameters(city).costs
    costs = Costs(*(own_value if given is None else given for given, own_value in (
        (body.eur_per_bus_hour, own.eur_per_bus_hour), (body.eur_per_bus_km, own.eur_per_bus_km),
        (body.value_of_time_eur_per_hour, own.value_of_time_eur_per_hour))))
    if min(body.headways) <= 0:
        raise BadInput(["body", "headways"], "give headways above 0 minutes")
    done = opt.optimise_frequencies(
        city, body.date, body.loads, fleet=body.fleet, max_headway=body.max_headway,
        headways=body.headways, periods=periods, capacity=body.capacity, margin=body.margin,
        costs=costs, layover_s=body.layover_min * 60)
    out = opt.to_json(done)
    if body.save_as is not None:
        out["scenario"] = opt.saved_json(opt.save_as_scenario(done, name=body.save_as,
                                                              by=request.user))
    return out
