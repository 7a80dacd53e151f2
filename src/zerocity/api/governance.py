"""The bodies of a city's transition as the public sees them: their current members with
organisation and role (never an e-mail or an account), the quorum, and the meetings whose
minutes are approved with their decisions (owner and deadline).

Handlers parse, call one selector (``governance.selectors``) and return its plain data."""

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from zerocity.api.errors import Problem
from zerocity.api.security import PUBLIC, rule
from zerocity.core.selectors import get_city
from zerocity.governance import selectors

router = Router(tags=["governance"])
ERRORS = {400: Problem, 404: Problem}


class PublicMember(Schema):
    name: str
    organisation: str = Field(description="The city's name for a member from the city")
    side: str = Field(description="city, utility, business, ngo, academia or public")
    side_name: str
    role: str = Field(description="chair, co_chair, secretary, member or deputy")
    role_name: str
    deputy_for: str = Field(description="For a deputy: whom they stand in for")
    start: str
    end: str | None


class PublicDecision(Schema):
    id: int
    text: str
    item: int | None = Field(description="The agenda item's position")
    owner: str
    owner_organisation: str
    deadline: str
    done: str | None
    proposal: dict[str, Any] | None = Field(description="The plan change proposal it opened")
    commitment: dict[str, Any] | None = Field(description="The commitment it opened")


class PublicMeeting(Schema):
    number: int
    date: str
    decisions: list[PublicDecision]


class PublicBody(Schema):
    slug: str
    name: str
    kind: str = Field(description="council, team or working_group")
    sector: str = Field(description="A working group's sector (energy, transport, waste, "
                        "green, construction)")
    parent: str | None
    quorum_rule: str = Field(description="majority or two_thirds of the eligible members")
    minutes_days: int = Field(description="Working days within which minutes are due")
    illustrative: bool = Field(description="Invented members (a demo's)")
    voting_members: int
    quorum: int = Field(description="Members needed today, before any declaration of interest")
    members: list[PublicMember]
    meetings: list[PublicMeeting] = Field(description="Meetings whose minutes are approved")


@router.get("/api/v1/cities/{slug}/governance/bodies",
            response={200: list[PublicBody], **ERRORS}, openapi_extra=rule(PUBLIC),
            summary="The council, transition team and working groups with their members")
def governance_bodies(request: HttpRequest, slug: str) -> Any:
    city = get_city(slug)
    return selectors.bodies_data(city, city.calendar.today())
