"""The climate checks of a city's new projects and council items, as it publishes them
(research green-budget-governance.md §3; checks 14-16): each published item with the climate
header printed at its head and its fields, and the year's statistics of outcomes. Public;
items not yet published are only counted, never named.

Handlers parse, call ``budget.checks`` and return its plain data. Tonnes are decimal strings
in t CO2e a year (+ emits, - saves); shares are percent as decimal strings ("75.0").
"""

from datetime import datetime
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Path, Router, Schema

from zerocity.api.common import Exact
from zerocity.api.errors import Problem
from zerocity.api.security import PUBLIC, rule
from zerocity.budget import checks
from zerocity.budget.models import EffectType, ProposalKind, Relevance
from zerocity.core.selectors import get_city

router = Router(tags=["budget"])
ERRORS = {400: Problem, 404: Problem}


class Item(Schema):
    reference: str
    kind: ProposalKind
    title: str
    year: int
    estimated_cost: Exact | None = Field(description="Euros")
    department: str | None = Field(description="The department's slug")
    nrp_code: str
    estimate_t: Exact = Field(description="t CO2e a year: + emits, - saves")
    threshold_t: Exact = Field(description="The city's threshold when it was checked")
    relevance: Relevance
    effect_type: EffectType | None = Field(description="The pathway model's effect type")
    justification: str = Field(description="Why it has no relevance (one sentence)")
    opinion: str = Field(description="The climate office's opinion; needed at high relevance")
    opinion_by: str
    header: str = Field(description="The climate check as printed at the head of the item")
    published_at: datetime


class Rating(Schema):
    count: int
    share: str = Field(description="Percent of the checked proposals, largest-remainder "
                       "rounded")


class Ratings(Schema):
    positive_high: Rating
    positive_low: Rating
    none: Rating
    negative_low: Rating
    negative_high: Rating


class Statistics(Schema):
    threshold_t: Exact = Field(description="The city's threshold now, t CO2e a year")
    proposals: int = Field(description="Registered in the year, published or not")
    checked: int
    unchecked: int
    ratings: Ratings
    relevant: Rating = Field(description="Every rating but none")
    with_opinion: int
    published: int
    flagged: int = Field(description="Published items rated negative, high whose budget "
                         "line is tagged favourable (check 16)")


class ClimateChecks(Schema):
    city: str
    year: int
    items: list[Item] = Field(description="The year's published items")
    statistics: Statistics


@router.get("/api/v1/cities/{slug}/climate-checks/{year}",
            response={200: ClimateChecks, **ERRORS}, openapi_extra=rule(PUBLIC),
            summary="A year's published council items and projects with their climate checks")
def climate_checks(request: HttpRequest, slug: str,
                   year: Annotated[int, Path(ge=1990, le=2100)]) -> Any:
    city = get_city(slug)
    figures = checks.public_stats(city, year)
    return {"city": city.slug, "year": year,
            "items": [{k: v for k, v in item.items() if k not in ("missing", "published")}
                      for item in checks.published_items(city, year)],
            "statistics": {k: v for k, v in figures.items() if k not in ("city", "year")}}
