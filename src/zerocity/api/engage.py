"""Participation as anyone sees it on the site: the city's participatory processes and their
proposals, with the city's answers and the plan actions that carry them out. Only what the
public pages show an anonymous visitor (``engage.selectors`` applies their rules): no
withdrawn proposal, no answer before the city has given it, and never who proposed,
supported or commented.

Handlers parse, call one selector and return its plain data.
"""

# No ``from __future__ import annotations`` here: ninja reads a paginated handler's
# parameters through its pagination wrapper, whose module cannot resolve them as strings.

from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema
from ninja.pagination import paginate

from zerocity.api.common import NO_NUL, Pages
from zerocity.api.errors import Problem
from zerocity.api.security import PUBLIC, rule
from zerocity.core.selectors import get_city
from zerocity.engage import selectors
from zerocity.engage.models import Phase

router = Router(tags=["participation"])
ERRORS = {400: Problem, 404: Problem}
# the states a visitor sees (engage.selectors.PUBLIC_STATES: all but withdrawn)
PublicState = Literal["published", "evaluating", "accepted", "rejected"]


class ProcessPhase(Schema):
    phase: str
    label: str
    stage: Literal["done", "current", "upcoming"]


class ProcessOut(Schema):
    slug: str
    title: str
    description: str
    phase: str = Field(description="The phase it is in: " + ", ".join(Phase.values))
    phases: list[ProcessPhase] = Field(description="Its phases in order")
    support_threshold: int = Field(description="Supports a proposal needs to be evaluated")

    @staticmethod
    def resolve_description(obj: dict[str, Any]) -> str:
        return str(obj["summary"])

    @staticmethod
    def resolve_phases(obj: dict[str, Any]) -> list[dict[str, str]]:
        current = Phase.values.index(obj["phase"])
        return [{"phase": value, "label": str(label),
                 "stage": "done" if i < current else "current" if i == current else "upcoming"}
                for i, (value, label) in enumerate(Phase.choices)]


class DistrictRef(Schema):
    code: str
    name: str


class PlanActionRef(Schema):
    code: str
    title: str


class ProposalOut(Schema):
    id: int
    title: str
    body: str
    state: str = Field(description=", ".join(selectors.PUBLIC_STATES))
    supports: int
    district: DistrictRef | None
    answer: str | None = Field(description="The city's answer, once given")
    plan_action: PlanActionRef | None = Field(description="The plan action that carries an "
                                              "accepted proposal out")

    @staticmethod
    def resolve_district(obj: dict[str, Any]) -> dict[str, str] | None:
        if obj["district_code"] is None:
            return None
        return {"code": obj["district_code"], "name": obj["district_name"]}

    @staticmethod
    def resolve_answer(obj: dict[str, Any]) -> str | None:
        answer = obj["city_answer"]
        return None if answer is None else str(answer)

    @staticmethod
    def resolve_plan_action(obj: dict[str, Any]) -> dict[str, str] | None:
        if obj["action_code"] is None:
            return None
        return {"code": obj["action_code"], "title": obj["action_name"]}


@router.get("/api/v1/cities/{slug}/processes", response={200: list[ProcessOut], **ERRORS},
            openapi_extra=rule(PUBLIC), summary="The city's participatory processes")
@paginate(Pages)
def processes(request: HttpRequest, slug: str) -> Any:
    return selectors.public_processes(get_city(slug))


@router.get("/api/v1/cities/{slug}/processes/{process_slug}/proposals",
            response={200: list[ProposalOut], **ERRORS}, openapi_extra=rule(PUBLIC),
            summary="A process's proposals with the city's answers (public fields only)")
@paginate(Pages)
def proposals(request: HttpRequest, slug: str,
              process_slug: Annotated[str, Path(pattern=NO_NUL,
                                                description="The process's slug")],
              state: Annotated[PublicState | None, Query(
                  description="Only the proposals in this state")] = None,
              ) -> Any:
    return selectors.public_proposals(get_city(slug), process_slug, state=state)
