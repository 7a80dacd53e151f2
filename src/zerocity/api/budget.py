"""The city budget as a city publishes it: the shares of its in-scope lines by mitigation and
adaptation tag (I4CE), beside the investment share and the execution rate. Public, and only
for a published version: what a department has proposed or the finance office is still
tagging is not shown.

Handlers parse, call one selector (``budget.selectors``) and return its plain data. Amounts
are decimal strings in euros ("6650000.00"); shares are percent as decimal strings ("63.91").
"""

from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema

from zerocity.api.common import Exact
from zerocity.api.errors import Problem
from zerocity.api.security import PUBLIC, rule
from zerocity.budget import selectors
from zerocity.budget.models import Stage

router = Router(tags=["budget"])
ERRORS = {400: Problem, 404: Problem}


class Share(Schema):
    amount: Exact = Field(description="Euros")
    share: str | None = Field(description="Percent of the base, largest-remainder rounded")


class Axis(Schema):
    very_favourable: Share
    favourable: Share
    neutral: Share
    unfavourable: Share
    undefined: Share


class Untagged(Schema):
    mitigation: Share
    adaptation: Share


class Execution(Schema):
    against: str = Field(description="The stage compared with (adopted)")
    planned: Exact
    amount: Exact
    rate: str | None = Field(description="Percent of the planned total")


class Trend(Schema):
    against_year: int
    against_stage: Stage
    green_share_then: str
    change_pp: str = Field(description="The green share's change in percentage points, signed")


class ActionFunding(Schema):
    action: str = Field(description="The plan action's code the lines name (ccc_action_id)")
    linked: Exact = Field(description="The budget lines that name it")
    planned: Exact | None = Field(description="Its planned cost that year (capital and "
                                  "operating); null when the plan has no such action")
    covered: str | None = Field(description="Percent of the planned cost")
    gap: Exact | None


class Part(Schema):
    code: str = Field(description="The PPP, GPR or PPR code, or the direct user's (PU)")
    name: str | None = Field(description="The direct user's name; null for a programme")
    total: Exact
    in_scope: Exact = Field(description="The base of the part's shares")
    mitigation: Axis
    adaptation: Axis
    untagged: Untagged
    green_share: str | None = Field(description="Null when nothing of the part is in scope")


class PolicyAreas(Schema):
    ppp: list[Part] = Field(description="Per policy area (2 digits)")
    gpr: list[Part] = Field(description="Per main programme (4 digits)")
    ppr: list[Part] = Field(description="Per sub-programme (8 digits)")


class ParticipatoryProject(Schema):
    project: int
    title: str
    budget: str = Field(description="The participatory budget it was chosen in")
    cost: Exact
    line: str = Field(description="The key of the budget line that pays for it")
    row: int
    amount: Exact = Field(description="The line's amount: counted once, through the line")
    nrp_code: str
    in_scope: bool
    mitigation: dict[str, str]
    adaptation: dict[str, str]


class BudgetReport(Schema):
    city: str
    year: int
    stage: Stage
    published: bool
    illustrative: bool = Field(description="Made-up figures (a demo's)")
    total: Exact = Field(description="Every line, in scope or not")
    in_scope: Exact = Field(description="The base of the shares")
    out_of_scope: Exact = Field(description="Interest, reserves, debt repayment and the like")
    mitigation: Axis
    adaptation: Axis = Field(description="Never added to mitigation: the same base, another "
                             "question")
    untagged: Untagged
    green_share: str | None = Field(description="Very favourable and favourable for "
                                    "mitigation, percent of the base")
    investment: Share = Field(description="Account groups 42 and 43, percent of the total")
    execution: Execution | None = Field(description="Against the adopted budget (a revision "
                                        "or the final account only)")
    trend: Trend | None = Field(description="Against the year before (its same stage, else "
                                "its latest)")
    actions: list[ActionFunding] = Field(description="Each plan action the lines fund")
    by_policy_area: PolicyAreas
    by_department: list[Part] = Field(description="Per direct budget user (PU)")
    participatory: list[ParticipatoryProject] = Field(
        description="The participatory budget's projects the lines pay for (check 24)")


@router.get("/api/v1/cities/{slug}/budget/{year}", response={200: BudgetReport, **ERRORS},
            openapi_extra=rule(PUBLIC),
            summary="A published budget's climate tagging: shares by tag per axis")
def budget_report(request: HttpRequest, slug: str,
                  year: Annotated[int, Path(ge=1990, le=2100)],
                  stage: Annotated[Stage | None, Query(
                      description="adopted, revised or final; default the latest published")
                  ] = None) -> Any:
    return selectors.published_report(slug, year, stage)
