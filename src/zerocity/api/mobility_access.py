"""Accessibility of the city's grid cells (docs/mobility-access.md): the newest stored result,
as ``zerocity mobility access --format json`` gives it. Public: an aggregate over grid cells of
a published timetable and the city's opportunities file (labelled ``synthetic`` when it is
made up). Computing it is the operator's (``zerocity mobility access``), never a request's."""

# No ``from __future__ import annotations``: ninja reads the parameters' types at run time.

from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from zerocity.api.errors import Problem
from zerocity.api.security import PUBLIC, rule
from zerocity.core.selectors import get_city
from zerocity.mobility.access import services

router = Router(tags=["mobility"])


class Access(Schema):
    city: str
    service_date: date
    computed_at: str
    settings: dict[str, Any] = Field(description="window, cell_m, limits_min, seed, draws, "
                                     "max_rides, max_walk_m, transfer_slack_s")
    percentiles: list[int]
    draws: int = Field(description="Phase draws of frequency-based routes (1: none)")
    grid: dict[str, Any]
    opportunities: dict[str, Any]
    synthetic: bool = Field(description="The opportunities are made up (the demo's)")
    summary: dict[str, Any] = Field(description="City-wide percentiles weighted by each "
                                    "cell's residents, per kind and limit (minutes)")
    attribution: list[dict[str, Any]]
    cells: list[dict[str, Any]] = Field(description="Per cell: id, centre (lat, lon), its "
                                        "own opportunities and, per kind and limit, p5-p95")


@router.get("/api/v1/cities/{slug}/mobility/access", url_name="mobility_access",
            response={200: Access, 400: Problem, 404: Problem}, openapi_extra=rule(PUBLIC),
            summary="Accessibility of the grid: opportunities within 30 and 45 minutes")
def access(request: HttpRequest, slug: str, date: date | None = None) -> dict[str, Any]:
    city = get_city(slug)
    return services.to_json(services.latest_result(city, date))
