"""The one HTTP API of ZeroCity: every machine and public interface, one router per app,
mounted here, with one OpenAPI document at ``/api/v1/openapi.json`` and interactive docs at
``/api/v1/docs``.

The API is mounted at the site's root so that its operations keep the paths devices already
use: ``/api/v1/...`` and the NGSI-LD endpoints under ``/ngsi-ld/v1/...``. Errors of every
operation are answered by ``errors.install``; who may call what is in ``security``.
"""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema

from zerocity.api import (
    budget,
    card,
    climate_checks,
    contract,
    data,
    engage,
    errors,
    food,
    governance,
    inventory,
    mobility,
    mobility_access,
    mobility_fleet,
    mobility_loads,
    mobility_optimise,
    mobility_realtime,
    mobility_scenarios,
    mobility_stats,
    plan,
)


class ZeroCityAPI(NinjaAPI):
    """django-ninja's API, whose document says what errors really are: Problem Details are
    served as ``application/problem+json`` (ninja documents every response as JSON)."""

    def get_openapi_schema(self, *, path_prefix: str | None = None,
                           path_params: dict[str, Any] | None = None) -> OpenAPISchema:
        doc = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        for operations in doc["paths"].values():
            for operation in operations.values():
                for response in operation.get("responses", {}).values():
                    content = response.get("content", {})
                    ref = content.get("application/json", {}).get("schema", {}).get("$ref")
                    if ref == "#/components/schemas/Problem":
                        response["content"] = {errors.PROBLEM: content["application/json"]}
        return doc


api = ZeroCityAPI(
    title="ZeroCity API",
    version="1",
    description=(
        "Everything a city publishes on ZeroCity, and the interfaces its devices use: "
        "inventories, the action plan with its indicators and the emission gap, scenarios, "
        "food procurement outcomes, participation, open data, the city card's validators "
        "and fares, the journey planner and public transport real time (GTFS-Realtime), and "
        "readings from meters and sensors (JSON and NGSI-LD).\n\n"
        "Read endpoints are public for published data; drafts need a signed-in member of the "
        "city's staff. Devices send their token (`Authorization: Bearer ...`). Errors are "
        "RFC 9457 Problem Details (`application/problem+json`); NGSI-LD errors keep their "
        "ETSI types. Lists are paginated with `limit` and `offset`."),
    urls_namespace="api",
    openapi_url="/api/v1/openapi.json",
    docs_url="/api/v1/docs",
    parser=errors.JsonParser(),
)
errors.install(api)
for module in (inventory, plan, data, card, mobility, food, budget, climate_checks, contract,
               governance, engage, mobility_realtime, mobility_stats, mobility_optimise,
               mobility_loads,
               mobility_access, mobility_scenarios, mobility_fleet):
    api.add_router("", module.router)
