"""What the food for schools and kindergartens shows: the outcome indicators of a year for the
whole city and for each institution, the figures of the public food page (outcome measures,
never award criteria). Exact decimals (euros, kilograms, shares, emissions) are strings, as in
the rest of the API.

Handlers parse, call one selector (``food.selectors``) and return its plain data.
"""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from zerocity.api.common import Exact
from zerocity.api.errors import Problem
from zerocity.api.security import PUBLIC, rule
from zerocity.core.selectors import get_city
from zerocity.food import selectors

router = Router(tags=["food"])
FIRST_YEAR, LAST_YEAR = 2000, 2100  # the years the public page takes


class GroupEmissions(Schema):
    food_group: str
    kg_co2e: Exact


class FoodKpis(Schema):
    value: Exact = Field(description="Food delivered, EUR net of VAT")
    kg: Exact = Field(description="Food delivered, kg")
    organic: Exact | None = Field(description="Organic share by value, %")
    quality: Exact | None = Field(description="Quality-scheme share by value, %")
    local: Exact | None = Field(description="Share by value produced in the city's NUTS-3 "
                                "region, %")
    national: Exact | None = Field(description="Share by value produced in the city's "
                                   "country, %")
    short_chain: Exact | None = Field(description="Share by value with at most one "
                                      "intermediary, %")
    organic_ok: bool | None = Field(description="The organic share meets the legal minimum "
                                    "(None: no national rule, or nothing delivered)")
    quality_ok: bool | None = Field(description="The quality-scheme share meets the legal "
                                    "minimum")
    organic_min: Exact | None = Field(description="The legal minimum organic share, %")
    quality_min: Exact | None = Field(description="The legal minimum quality-scheme share, %")
    tonne_km: Exact
    vehicle_km: Exact
    transport: Exact = Field(description="Transport emissions, kg CO2e")
    transport_per_kg: Exact | None = Field(description="kg CO2e of transport per kg of food")
    production: Exact = Field(description="Production emissions, kg CO2e")
    production_per_kg: Exact | None = Field(description="kg CO2e of production per kg of food "
                                            "with a footprint")
    by_group: list[GroupEmissions] = Field(description="Production emissions by food group, "
                                           "largest first")
    methods: dict[str, int] = Field(description="Deliveries per transport method "
                                    "(tonne-km, vehicle-km)")


class InstitutionOutcomes(FoodKpis):
    code: str
    name: str
    kind: str


class FoodOutcomes(Schema):
    city: str
    year: int
    years: list[int] = Field(description="The years with deliveries, the newest first")
    city_wide: FoodKpis
    institutions: list[InstitutionOutcomes] = Field(description="Each institution that "
                                                    "received food in the year")


@router.get("/api/v1/cities/{slug}/food/outcomes",
            response={200: FoodOutcomes, 400: Problem, 404: Problem},
            openapi_extra=rule(PUBLIC),
            summary="A year's food outcome indicators, city-wide and per institution")
def food_outcomes(request: HttpRequest, slug: str,
                  year: Annotated[int | None, Query(
                      ge=FIRST_YEAR, le=LAST_YEAR,
                      description="The year (default: that of the latest delivery, as the "
                                  "public page)")] = None,
                  ) -> Any:
    return selectors.public_outcomes(get_city(slug), year)
