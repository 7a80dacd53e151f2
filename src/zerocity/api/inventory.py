"""Cities, their GHG inventories and their open data (DCAT-AP catalogue and downloads).
Handlers parse, authorise through the access functions, call one selector and return plain
data."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Router, Schema

from zerocity.api.errors import BadInput, Problem
from zerocity.api.security import PUBLIC, PUBLIC_DRAFTS_FOR_STAFF, rule
from zerocity.core.models import City
from zerocity.core.selectors import cities, get_city
from zerocity.data import opendata
from zerocity.inventory import selectors

router = Router()
NOT_FOUND = {404: Problem}


class CityOut(Schema):
    slug: str
    name: str
    country: str
    timezone: str
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


class LinesOut(Schema):
    number: int
    pages: int
    first: int
    last: int
    count: int


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
    lines: LinesOut | None = None  # with ?page=: which lines ``rows`` holds, of how many


@router.get("/api/v1/cities", response=list[CityOut], tags=["cities"],
            openapi_extra=rule(PUBLIC), summary="The cities on this ZeroCity")
def list_cities(request: HttpRequest) -> Any:
    return cities()


@router.get("/api/v1/cities/{slug}", response={200: CityOut, **NOT_FOUND}, tags=["cities"],
            openapi_extra=rule(PUBLIC), summary="One city, with its time zone")
def get_city_detail(request: HttpRequest, slug: str) -> Any:
    return get_city(slug)


@router.get("/api/v1/cities/{slug}/inventories", response={200: list[InventoryRef], **NOT_FOUND},
            tags=["inventory"], openapi_extra=rule(PUBLIC_DRAFTS_FOR_STAFF),
            summary="The city's GHG inventories (published ones; drafts for its staff)")
def list_inventories(request: HttpRequest, slug: str) -> Any:
    return selectors.visible_inventories(request.user, get_city(slug))


@router.get("/api/v1/cities/{slug}/inventories/{year}",
            response={200: InventoryOut, 400: Problem, **NOT_FOUND}, tags=["inventory"],
            openapi_extra=rule(PUBLIC_DRAFTS_FOR_STAFF),
            summary="One inventory: totals, sectors, the CCC table A-1.3 and every row, or with "
                    "?page=N the rows of page N (200 a page)")
def get_inventory(request: HttpRequest, slug: str, year: int, gwp: str | None = None,
                  page: int | None = None) -> Any:
    inventory = selectors.access_inventory_for_user(request.user, slug, year)
    try:
        return selectors.summary(inventory, gwp=gwp, page=page)
    except ValueError as exc:
        raise BadInput(["query", "gwp"], str(exc)) from exc


# -- open data: DCAT-AP catalogue and downloads ---------------------------------------------


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


JSONLD = {200: {"content": {"application/ld+json": {"schema": {"type": "object"}}}}}


@router.get("/api/v1/cities/{slug}/datasets", tags=["open data"], url_name="open_data_catalog",
            response={200: None, **NOT_FOUND},
            openapi_extra=rule(PUBLIC, responses=JSONLD),
            summary="The city's open-data catalogue (DCAT-AP, JSON-LD)")
def open_data_catalog(request: HttpRequest, slug: str) -> HttpResponse:
    city = get_city(slug)
    home = request.build_absolute_uri(reverse("open_data", kwargs={"city": city.slug}))
    return _jsonld(opendata.dcat_catalog(
        city, lambda key, kind: _dataset_url(request, city, key, kind),
        request.build_absolute_uri(), home))


DOWNLOAD = {200: {"content": {media: {"schema": {"type": "string", "format": "binary"}}
                             for media in opendata.FORMATS.values()}}}


# declared before "/datasets/{key}", which would otherwise take "energy-use.csv" as a key
@router.get("/api/v1/cities/{slug}/datasets/{key}.{fmt}", tags=["open data"],
            url_name="open_data_download", response={200: None, **NOT_FOUND},
            openapi_extra=rule(PUBLIC, responses=DOWNLOAD),
            summary="Download a dataset: csv, json or parquet, with its licence and metadata")
def open_data_download(request: HttpRequest, slug: str, key: str, fmt: str) -> HttpResponse:
    city = get_city(slug)
    body = opendata.download(city, key, fmt)
    response = HttpResponse(body, content_type=opendata.FORMATS[fmt]
                            + ("; charset=utf-8" if fmt != "parquet" else ""))
    response["Content-Disposition"] = (
        f'attachment; filename="{opendata.filename(city, key, fmt)}"')
    response["Link"] = f'<{settings.OPEN_DATA_LICENCE_URL}>; rel="license"'
    response["Access-Control-Allow-Origin"] = "*"  # open data: any web page may fetch it
    return response


@router.get("/api/v1/cities/{slug}/datasets/{key}", tags=["open data"],
            url_name="open_data_dataset", response={200: None, **NOT_FOUND},
            openapi_extra=rule(PUBLIC, responses=JSONLD),
            summary="One dataset's metadata (DCAT-AP, JSON-LD)")
def open_data_dataset(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    city = get_city(slug)
    opendata.get_dataset(key)  # 404 for an unknown one
    home = request.build_absolute_uri(reverse("open_data", kwargs={"city": city.slug}))
    return _jsonld(opendata.with_context(opendata.dcat_dataset(
        city, key, lambda kind: _dataset_url(request, city, key, kind), home)))
