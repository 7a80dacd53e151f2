"""Timetable scenarios: edits on a city's feed version, each save a new version whose derived
feed the planner routes on (``GET .../mobility/plan?scenario=ID``). Drafts are the city's
staff's; a published scenario anyone may read. Creating one and saving a version need a
signed-in member of the city's staff (docs/mobility-scenarios.md)."""

# No ``from __future__ import annotations``: ninja reads the parameters' types at run time.

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from zerocity.api.errors import Problem
from zerocity.api.security import PUBLIC_DRAFTS_FOR_STAFF, SESSION, STAFF_SESSION, rule
from zerocity.core.selectors import get_city
from zerocity.mobility.models import Scenario, ScenarioVersion
from zerocity.mobility.scenarios import compare, selectors, services, worth
from zerocity.mobility.selectors import get_version

router = Router(tags=["mobility"])
EDITS = ("The edit list (docs/mobility-scenarios.md): objects with a type (adjust_headway, "
         "adjust_frequency, add_trips, reroute, remove_stops, insert_stop, adjust_speed, "
         "adjust_dwell, remove_trips) and its fields")


class Version(Schema):
    number: int
    created_at: datetime
    by: str
    edits_sha256: str
    sha256: str = Field(description="SHA-256 of the derived GTFS zip")
    counts: dict[str, int] = Field(description="Rows per file of the derived feed")
    warnings: dict[str, int] = Field(description="The validator's notices, per code")
    edits: list[dict[str, Any]]


class ScenarioOut(Schema):
    id: int
    name: str
    description: str
    status: str = Field(description="draft or published")
    base_feed: int = Field(description="The feed version the edits apply to")
    base_feed_name: str
    licence: str = Field(description="The source feed's, which the derived feed keeps")
    attribution: str
    latest_version: int


class ScenarioDetail(ScenarioOut):
    versions: list[Version] = Field(description="Newest first")


class ScenarioIn(Schema):
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=5000)
    feed: int | None = Field(default=None, description="The feed version to base it on "
                             "[default: the one in force today]")
    edits: list[dict[str, Any]] = Field(description=EDITS)


class EditsIn(Schema):
    edits: list[dict[str, Any]] = Field(description=EDITS)


class Saved(Schema):
    scenario: int
    version: Version
    replayed: bool = Field(description="The same edits as the latest version: nothing changed")


def _version(v: ScenarioVersion) -> dict[str, Any]:
    return {"number": v.number, "created_at": v.created_at, "by": v.by_label,
            "edits_sha256": v.edits_sha256, "sha256": v.sha256, "counts": v.counts,
            "warnings": v.warning_counts, "edits": v.edits}


def _scenario(s: Scenario) -> dict[str, Any]:
    return {"id": s.pk, "name": s.name, "description": s.description, "status": s.status,
            "base_feed": s.base_id, "base_feed_name": s.base.name, "licence": s.base.licence,
            "attribution": s.base.attribution, "latest_version": selectors.latest_number(s)}


@router.get("/api/v1/cities/{slug}/mobility/scenarios", url_name="mobility_scenarios",
            response={200: list[ScenarioOut], 404: Problem},
            openapi_extra=rule(PUBLIC_DRAFTS_FOR_STAFF),
            summary="The city's timetable scenarios (published ones; drafts for its staff)")
def scenario_list(request: HttpRequest, slug: str) -> list[dict[str, Any]]:
    city = get_city(slug)
    return [_scenario(s) for s in selectors.scenarios_for_user(request.user, city)]


@router.get("/api/v1/cities/{slug}/mobility/scenarios/{pk}", url_name="mobility_scenario",
            response={200: ScenarioDetail, 400: Problem, 404: Problem},
            openapi_extra=rule(PUBLIC_DRAFTS_FOR_STAFF),
            summary="One timetable scenario with its versions and their edits")
def scenario_show(request: HttpRequest, slug: str, pk: int) -> dict[str, Any]:
    found = selectors.access_scenario_for_user(request.user, get_city(slug), pk)
    return {**_scenario(found), "versions": [_version(v) for v in selectors.versions(found)]}


@router.post("/api/v1/cities/{slug}/mobility/scenarios", auth=SESSION,
             url_name="mobility_scenario_create",
             response={200: Saved, 201: Saved, 401: Problem, 403: Problem, 404: Problem,
                       422: Problem},
             openapi_extra=rule(STAFF_SESSION),
             summary="A new timetable scenario with its first version (the same name, feed "
                     "and edits again: the version made before)")
def scenario_create(request: HttpRequest, slug: str, body: ScenarioIn) -> Status[dict[str, Any]]:
    city = selectors.staff_city(request.user, slug)
    base = get_version(city, body.feed) if body.feed is not None else None
    done = services.create_scenario(city, name=body.name, edits=body.edits, base=base,
                                    description=body.description, by=request.user)
    v = done.value
    return Status(200 if done.replayed else 201, {"scenario": v.scenario_id,
                                                  "version": _version(v),
                                                  "replayed": done.replayed})


@router.post("/api/v1/cities/{slug}/mobility/scenarios/{pk}/versions", auth=SESSION,
             url_name="mobility_scenario_version",
             response={200: Saved, 201: Saved, 401: Problem, 403: Problem, 404: Problem,
                       422: Problem},
             openapi_extra=rule(STAFF_SESSION),
             summary="A new version of a scenario's edits (the latest version's edits again: "
                     "nothing changes)")
def scenario_save(request: HttpRequest, slug: str, pk: int,
                  body: EditsIn) -> Status[dict[str, Any]]:
    city = selectors.staff_city(request.user, slug)
    done = services.save_version(selectors.get_scenario(city, pk), body.edits, by=request.user)
    v = done.value
    return Status(200 if done.replayed else 201, {"scenario": v.scenario_id,
                                                  "version": _version(v),
                                                  "replayed": done.replayed})


class WorthQuery(Schema):
    version: int | None = Field(default=None, ge=1, description="The scenario's version "
                                "[default: the latest]")
    battery_share: float | None = Field(default=None, ge=0, le=1,
                                        description="Share of bus-km run by battery buses "
                                        "[default: the city's parameter]")
    from_car: float | None = Field(default=None, ge=0, le=1,
                                   description="Share of new bus passenger-km that were car "
                                   "trips [default: 1, the upper bound]")
    boardings: int | None = Field(default=None, ge=0, le=10**10,
                                  description="Bus boardings a year [default: from the "
                                  "card's taps]")

    def figures(self) -> dict[str, Any]:
        """The service's keyword arguments, as decimals."""
        def dec(x: float | int | None) -> Decimal | None:
            return None if x is None else Decimal(repr(x))

        return {"number": self.version, "battery_share": dec(self.battery_share),
                "from_car": dec(self.from_car), "boardings_per_year": dec(self.boardings)}


class AttachIn(WorthQuery):
    action: str = Field(min_length=1, max_length=20, description="The plan action's code")


@router.get("/api/v1/cities/{slug}/mobility/scenarios/{pk}/compare",
            url_name="mobility_scenario_compare",
            response={200: dict[str, Any], 400: Problem, 404: Problem, 409: Problem},
            openapi_extra=rule(PUBLIC_DRAFTS_FOR_STAFF),
            summary="The scenario against its base over a year of the base feed: bus-km, "
                    "bus-hours, fleet, cost, the buses' CO2 by GPC row, the ridership range "
                    "and the car-km it avoids (as `zerocity mobility scenario compare`)")
def scenario_compare(request: HttpRequest, slug: str, pk: int,
                     q: Query[WorthQuery]) -> dict[str, Any]:
    found = selectors.access_scenario_for_user(request.user, get_city(slug), pk)
    version, c = worth.cached_comparison(found, **q.figures())
    return {"scenario": found.pk, "version": version.number, **compare.to_json(c)}


@router.post("/api/v1/cities/{slug}/mobility/scenarios/{pk}/attach", auth=SESSION,
             url_name="mobility_scenario_attach",
             response={200: dict[str, Any], 401: Problem, 403: Problem, 404: Problem,
                       409: Problem,
                       422: Problem},
             openapi_extra=rule(STAFF_SESSION),
             summary="Make the scenario a plan action's typed effects (its effects from an "
                     "earlier scenario replaced, its others kept)")
def scenario_attach(request: HttpRequest, slug: str, pk: int, body: AttachIn) -> dict[str, Any]:
    city = selectors.staff_city(request.user, slug)
    _, effects, changed = worth.attach_to_action(
        selectors.get_scenario(city, pk), body.action, by=request.user, **body.figures())
    return {"action": body.action, "changed": changed, "effects": effects}
