"""The Climate City Contract as the city publishes it: the commitments with their signatories
(organisation, representative and role as published with the contract, the day and the signed
document's SHA-256) and their status, and the investment plan with its financing gap.

Handlers call one selector (``contract.selectors``) and return its plain data. Amounts are
decimal strings in euros; shares are percent as decimal strings."""

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from zerocity.api.common import Exact
from zerocity.api.errors import Problem
from zerocity.api.security import PUBLIC, rule
from zerocity.contract import selectors

router = Router(tags=["contract"])
ERRORS = {404: Problem}


class SignatoryOut(Schema):
    organisation: str
    representative: str = Field(description="As published with the contract")
    role: str
    signed_on: str = Field(description="ISO date")
    document_sha256: str = Field(description="SHA-256 of the signed document")


class VersionOut(Schema):
    number: int
    text: str
    note: str
    signed: bool = Field(description="A signed version never changes")
    signatories: list[SignatoryOut]


class CommitmentAction(Schema):
    code: str
    name: str
    status: str = Field(description="not_started, on_time, late, completed or cancelled")


class CommitmentOut(Schema):
    organisation: str
    partner: bool = Field(description="Outside the city administration")
    group: str
    text: str = Field(description="The current version's wording")
    version: int
    versions: list[VersionOut]
    signatories: list[SignatoryOut] = Field(description="Of every version")
    actions: list[CommitmentAction]
    status: str = Field(description="at_risk (an action is late), on_track, done or "
                        "no_actions")


class ContractOut(Schema):
    city: str
    commitments: list[CommitmentOut]


class Figures(Schema):
    capex: Exact
    opex: Exact
    need: Exact = Field(description="Capital and operating cost planned")
    secured: Exact = Field(description="Own budget, and outside money with its decision")
    applied: Exact
    planned: Exact = Field(description="Without a decision: stays in the gap")
    cost_to_others: Exact = Field(description="Secured EU, national and private money")
    cost_to_municipality: Exact
    gap: Exact = Field(description="need − secured, never below zero")
    covered: str | None = Field(description="Percent of the need secured")


class ActionFinancing(Figures):
    action: str
    name: str
    field: str
    year: int


class FieldFinancing(Schema):
    name: str
    years: dict[str, Figures]
    total: Figures


class SourceOut(Schema):
    origin: str = Field(description="budget (a published budget line) or entered")
    action: str
    year: int
    kind: str = Field(description="own, eu, national, loan or private")
    status: str = Field(description="secured, applied or planned")
    name: str
    nrp_code: str
    line: str = Field(description="The budget line's key, for a budget line")
    amount: Exact
    decision_reference: str


class KindStatus(Schema):
    secured: Exact
    applied: Exact
    planned: Exact


class InvestmentPlanOut(Schema):
    city: str
    years: list[str]
    actions: list[ActionFinancing]
    fields: dict[str, FieldFinancing]
    years_total: dict[str, Figures]
    sources_by_kind: dict[str, KindStatus]
    total: Figures
    sources: list[SourceOut]
    budget_versions: dict[str, str] = Field(description="The published budget stage read per "
                                            "year")
    illustrative: bool = Field(description="Made-up figures (a demo's) among them")


@router.get("/api/v1/cities/{slug}/contract", response={200: ContractOut, **ERRORS},
            openapi_extra=rule(PUBLIC),
            summary="The Climate City Contract's commitments, signatories and status")
def contract(request: HttpRequest, slug: str) -> Any:
    return selectors.public_commitments(slug)


@router.get("/api/v1/cities/{slug}/investment-plan",
            response={200: InvestmentPlanOut, **ERRORS}, openapi_extra=rule(PUBLIC),
            summary="The investment plan: needs, funding by kind and status, financing gap")
def investment_plan(request: HttpRequest, slug: str) -> Any:
    return selectors.investment_plan(slug)
