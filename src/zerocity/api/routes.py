"""The HTTP API (OpenAPI at /api/v1/docs). Handlers parse, authorise through the access
functions, call one selector or service and return plain data."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import NinjaAPI, Schema
from ninja.errors import HttpError

from zerocity.core.access import PUBLIC
from zerocity.core.errors import NotFound
from zerocity.core.models import City
from zerocity.data import opendata
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


# -- open data: DCAT-AP catalogue and downloads ---------------------------------------------

def _city(slug: str) -> City:
    city = City.objects.filter(slug=slug).first()
    if city is None:
        raise HttpError(404, f"no city {slug!r}")
    return city


def _jsonld(data: dict[str, Any]) -> HttpResponse:
    body = json.dumps(data, ensure_ascii=False, indent=1)
    return HttpResponse(body, content_type="application/ld+json; charset=utf-8")


def _dataset_url(request: HttpRequest, city: City, key: str, kind: str) -> str:
    if kind == "page":
        name, kwargs = "open_data_dataset", {"city": city.slug, "key": key}
    elif kind == "metadata":
        name, kwargs = "api:open_data_dataset", {"slug": city.slug, "key": key}
    else:
        name, kwargs = "api:open_data_download", {"slug": city.slug, "key": key, "fmt": kind}
    return request.build_absolute_uri(reverse(name, kwargs=kwargs))


@api.get("/cities/{slug}/datasets", tags=["open data"], url_name="open_data_catalog",
         summary="The city's open-data catalogue (DCAT-AP, JSON-LD)")
@rule(PUBLIC)
def open_data_catalog(request: HttpRequest, slug: str) -> HttpResponse:
    city = _city(slug)
    home = request.build_absolute_uri(reverse("open_data", kwargs={"city": city.slug}))
    return _jsonld(opendata.dcat_catalog(
        city, lambda key, kind: _dataset_url(request, city, key, kind),
        request.build_absolute_uri(), home))


# declared before "/datasets/{key}", which would otherwise take "energy-use.csv" as a key
@api.get("/cities/{slug}/datasets/{key}.{fmt}", tags=["open data"],
         url_name="open_data_download",
         summary="Download a dataset: csv, json or parquet, with its licence and metadata")
@rule(PUBLIC)
def open_data_download(request: HttpRequest, slug: str, key: str, fmt: str) -> HttpResponse:
    city = _city(slug)
    body = opendata.download(city, key, fmt)
    response = HttpResponse(body, content_type=opendata.FORMATS[fmt]
                            + ("; charset=utf-8" if fmt != "parquet" else ""))
    response["Content-Disposition"] = (
        f'attachment; filename="{opendata.filename(city, key, fmt)}"')
    response["Link"] = f'<{settings.OPEN_DATA_LICENCE_URL}>; rel="license"'
    response["Access-Control-Allow-Origin"] = "*"  # open data: any web page may fetch it
    return response


@api.get("/cities/{slug}/datasets/{key}", tags=["open data"], url_name="open_data_dataset",
         summary="One dataset's metadata (DCAT-AP, JSON-LD)")
@rule(PUBLIC)
def open_data_dataset(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    city = _city(slug)
    opendata.get_dataset(key)  # 404 for an unknown one
    home = request.build_absolute_uri(reverse("open_data", kwargs={"city": city.slug}))
    return _jsonld(opendata.with_context(opendata.dcat_dataset(
        city, key, lambda kind: _dataset_url(request, city, key, kind), home)))
