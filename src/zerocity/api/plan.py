"""The action plan as a city publishes it: the plan at a glance, its actions (status, department,
reductions, costs), its indicators with their targets and observations, the emission-gap table
A-2.1 and the scenarios of the public explorer. Public, like the plan's pages: nothing a
department has only proposed, and no person's name.

Handlers parse, call one selector (``plan.selectors``) and return its plain data. Money and
other exact decimals are strings ("21827000.00"); tonnes and indicator values are numbers.
Lists are pages of ``items`` with the ``count`` of them all (``limit``, ``offset``).
"""

# No ``from __future__ import annotations`` here: ninja reads a paginated handler's
# parameters through its pagination wrapper, whose module cannot resolve them as strings.

from datetime import date
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema
from ninja.pagination import paginate

from zerocity.api.common import NO_NUL, Exact, Pages
from zerocity.api.errors import Problem
from zerocity.api.security import PUBLIC, rule
from zerocity.core.selectors import get_city
from zerocity.plan import selectors
from zerocity.plan.models import ActionStatus

router = Router(tags=["plan"])
NOT_FOUND = {404: Problem}
ERRORS = {400: Problem, 404: Problem}
class PlanRef(Schema):
    slug: str
    name: str


class PlanBaseline(Schema):
    year: int
    gwp: str
    tco2e: float = Field(description="The baseline year's emissions, the A-2.1 total")


class PlanField(PlanRef):
    actions: int


class PlanOut(Schema):
    city: str
    title: str
    source: str
    target_year: int
    reduction_target: Exact = Field(description="Share of the baseline to reduce by the "
                                    "target year (0.800 = 80 %)")
    baseline: PlanBaseline
    residual_tco2e: float = Field(description="Emissions left in the target year, to be "
                                  "offset")
    fields_of_action: list[PlanField]
    actions: int
    status_counts: dict[str, int] = Field(description="Actions per status today: "
                                          + ", ".join(ActionStatus.values))


class ActionReductions(Schema):
    tco2e_per_year: float = Field(description="Expected reduction, tCO2e a year")
    year: int = Field(description="The year the reduction is expected by (the plan's "
                      "target year)")
    by_sector: dict[str, float]


class ActionYearCost(Schema):
    year: int
    capex_eur: Exact
    opex_eur: Exact


class ActionFundingCost(Schema):
    source: str = Field(description='The source of funding ("-" where none is named)')
    eur: Exact


class ActionCosts(Schema):
    total_eur: Exact | None = Field(description="The stated cost (C-3.1), or the yearly "
                                    "schedule's sum where none is stated")
    scheduled_eur: Exact | None = Field(description="The sum of the yearly schedule")
    cost_per_tonne_eur: Exact | None = Field(description="EUR per tCO2e a year reduced")
    by_year: list[ActionYearCost]
    by_funding_source: list[ActionFundingCost]


class ActionOut(Schema):
    code: str
    title: str
    field: PlanRef = Field(description="The field of action")
    status: str = Field(description=", ".join(ActionStatus.values))
    department: PlanRef | None = Field(description="The responsible department")
    start_year: int | None
    end_year: int | None
    reductions: ActionReductions
    costs: ActionCosts


class ActionMilestone(Schema):
    name: str
    due: date
    done: date | None


class ActionOverdue(Schema):
    name: str
    due: date


class ActionIndicator(Schema):
    code: str
    name: str
    unit: str
    status: str
    latest_year: int | None
    latest_value: float | None


class ActionCommitment(Schema):
    organisation: str
    partner: bool = Field(description="Outside the city administration")
    text: str


class ActionDetail(ActionOut):
    action_type: str
    description: str
    lever: PlanRef | None = Field(description="The systemic lever")
    outcome: str
    responsible_body: str
    stakeholders: str
    scale: str
    energy_generated_mwh: float | None
    energy_substituted: str
    sinks_tco2e: float
    source: str
    status_overridden: bool = Field(description="The status was set by hand, for the reason "
                                    "given")
    override_reason: str
    milestones: list[ActionMilestone]
    overdue: list[ActionOverdue]
    indicators: list[ActionIndicator]
    commitments: list[ActionCommitment]


class IndicatorValue(Schema):
    year: int
    value: float


class IndicatorObservation(IndicatorValue):
    source: str


class IndicatorOut(Schema):
    code: str
    name: str
    kind: str = Field(description='The letters its code starts with ("OI" in "OI 1.2")')
    unit: str
    definition: str
    calculation: str
    data_source: str
    interval: str
    baseline: IndicatorValue | None
    targets: list[IndicatorValue]
    observations: list[IndicatorObservation]
    actions: list[str] = Field(description="Codes of the actions it follows")
    status: str = Field(description="on_track, deviating, off_track, no_data or no_baseline")
    latest_year: int | None
    latest_value: float | None
    expected: float | None = Field(description="The value expected in the latest year, on "
                                   "the straight path from the baseline to the targets")
    progress: float | None = Field(description="The share of the expected progress made")


class GapRow(Schema):
    baseline: float
    target: float
    existing: float = Field(description="Reduction through existing national and regional "
                            "policies")
    gap: float
    portfolio: float = Field(description="Reduction of the city's action portfolio")
    residual: float


class GapOut(Schema):
    city: str
    baseline_year: int
    target_year: int
    sectors: dict[str, GapRow]
    total: GapRow
    reduction_share: float
    residual_share: float
    residual_too_high: bool = Field(description="More than 20 % of the baseline remains")
    portfolio_closes_gap: bool


class ScenarioResult(Schema):
    base_year_total: float
    baseline: float
    existing: float
    scenario: float
    ceiling: float = Field(description="The most the target allows in the target year")
    margin: float
    met: bool
    reduction_share: float | None


class SectorScenarios(Schema):
    baseline: float
    existing: float
    scenario: float


class ScenariosOut(Schema):
    city: str
    base_year: int
    target_year: int
    years: list[int]
    baseline: list[float] = Field(description="tCO2e a year with no measure")
    existing: list[float] = Field(description="tCO2e a year with the existing policies")
    scenario: list[float] = Field(description="tCO2e a year with the existing policies and "
                                  "the chosen actions")
    actions: list[str] = Field(description="The actions switched on")
    include_existing: bool
    result: ScenarioResult = Field(description="The target year, tCO2e")
    sectors: dict[str, SectorScenarios] = Field(description="The target year by sector")
    impacts: dict[str, float] = Field(description="Each chosen action's reduction in the "
                                      "target year, with the others in force")
    warnings: list[str]


@router.get("/api/v1/cities/{slug}/plan", response={200: PlanOut, **NOT_FOUND},
            openapi_extra=rule(PUBLIC),
            summary="The city's climate neutrality action plan at a glance")
def plan_summary(request: HttpRequest, slug: str) -> Any:
    return selectors.plan_summary(get_city(slug))


@router.get("/api/v1/cities/{slug}/plan/actions", response={200: list[ActionOut], **ERRORS},
            openapi_extra=rule(PUBLIC),
            summary="The plan's actions with their status, department, reductions and costs")
@paginate(Pages)
def plan_actions(request: HttpRequest, slug: str,
                 status: Annotated[ActionStatus | None, Query(
                     description="Only the actions in this status today")] = None,
                 field: Annotated[str | None, Query(
                     description="Only the actions of this field of action (its slug)")] = None,
                 department: Annotated[str | None, Query(
                     description="Only the actions of this department (its slug)")] = None,
                 ) -> Any:
    return selectors.published_actions(get_city(slug), status=status, field=field,
                                       department=department)


@router.get("/api/v1/cities/{slug}/plan/actions/{code}",
            response={200: ActionDetail, **ERRORS}, openapi_extra=rule(PUBLIC),
            summary="One action in full: milestones, costs by year, indicators, commitments")
def plan_action(request: HttpRequest, slug: str,
                code: Annotated[str, Path(pattern=NO_NUL, description="The action's code")],
                ) -> Any:
    return selectors.published_action(get_city(slug), code)


@router.get("/api/v1/cities/{slug}/plan/indicators",
            response={200: list[IndicatorOut], **ERRORS}, openapi_extra=rule(PUBLIC),
            summary="The plan's indicators with their baseline, targets and observations")
@paginate(Pages)
def plan_indicators(request: HttpRequest, slug: str,
                    action: Annotated[str | None, Query(
                        pattern=NO_NUL,
                        description="Only the indicators of this action (its code)")] = None,
                    kind: Annotated[str | None, Query(
                        description='Only the indicators of this kind ("OI")')] = None,
                    ) -> Any:
    return selectors.published_indicators(get_city(slug), action=action, kind=kind)


@router.get("/api/v1/cities/{slug}/plan/gap", response={200: GapOut, **NOT_FOUND},
            openapi_extra=rule(PUBLIC),
            summary="The emission-gap table A-2.1 of the Climate City Contract (tCO2e)")
def plan_gap(request: HttpRequest, slug: str) -> Any:
    return selectors.published_gap(get_city(slug))


@router.get("/api/v1/cities/{slug}/plan/scenarios", response={200: ScenariosOut, **ERRORS},
            openapi_extra=rule(PUBLIC),
            summary="The scenarios of the public explorer, year by year (tCO2e)")
def plan_scenarios(request: HttpRequest, slug: str,
                   actions: Annotated[list[str] | None, Query(
                       description="The actions to switch on (codes; all when none is "
                                   "given)")] = None,
                   ) -> Any:
    return selectors.published_scenarios(get_city(slug), actions)
