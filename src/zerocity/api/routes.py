"""The HTTP API (OpenAPI at /api/v1/docs). Handlers parse, authorise through the access
functions, call one selector or service and return plain data."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import NinjaAPI, Schema
from ninja.errors import HttpError

from zerocity.core.access import PUBLIC
from zerocity.core.errors import NotFound
from zerocity.core.models import City
from zerocity.inventory import selectors

api = NinjaAPI(
    title="ZeroCity API",
    version="1",
    description="Open data and services of the cities on ZeroCity. Read endpoints are public "
    "for published data; drafts need a logged-in member of the city's staff.",
    urls_namespace="api",
)


def rule(name: str):  # type: ignore[no-untyped-def]
    """Record an operation's permission rule (checked by the permission-matrix test)."""

    def mark(fn):  # type: ignore[no-untyped-def]
        fn.permission_rule = name
        return fn

    return mark


@api.exception_handler(NotFound)
def not_found(request: HttpRequest, exc: NotFound):  # type: ignore[no-untyped-def]
    return api.create_response(request, {"detail": str(exc)}, status=404)


class CityOut(Schema):
    slug: str
    name: str
    country: str
    population: int | None


class InventoryRef(Schema):
    year: int
    status: str
    gwp: str
    illustrative: bool


class Totals(Schema):
    scope1: float
    scope2: float
    scope3: float
    basic: float
    basic_plus: float
    territorial: float
    mission: float


class InventoryOut(Schema):
    city: str
    year: int
    gwp: str
    status: str
    illustrative: bool
    population: int | None
    totals: Totals
    per_capita: dict[str, float] | None
    sectors: dict[str, dict[str, float]]
    ccc_a13: dict[str, dict[str, float]]
    rows: list[dict[str, Any]]


@api.get("/cities", response=list[CityOut], tags=["cities"])
@rule(PUBLIC)
def list_cities(request: HttpRequest) -> Any:
    return City.objects.all()


@api.get("/cities/{slug}/inventories", response=list[InventoryRef], tags=["inventory"])
@rule("public; drafts for city staff")
def list_inventories(request: HttpRequest, slug: str) -> Any:
    city = City.objects.filter(slug=slug).first()
    if city is None:
        raise HttpError(404, f"no city {slug!r}")
    return selectors.visible_inventories(request.user, city)


@api.get("/cities/{slug}/inventories/{year}", response=InventoryOut, tags=["inventory"])
@rule("public; drafts for city staff")
def get_inventory(request: HttpRequest, slug: str, year: int, gwp: str | None = None) -> Any:
    inventory = selectors.access_inventory_for_user(request.user, slug, year)
    try:
        return selectors.summary(inventory, gwp=gwp)
    except ValueError as exc:
        raise HttpError(400, str(exc)) from exc
