"""Push intake over HTTP: a plain JSON endpoint and the NGSI-LD subset FIWARE devices and
brokers use. Every request carries a source's token (``Authorization: Bearer <token>``, or
``X-Auth-Token`` as FIWARE PEP proxies pass it on); a token writes to its own source only.

- ``POST /api/v1/data/readings``: ``{"readings": [{"meter", "time", "quantity", "value",
  "unit", "customer_class"?}]}`` -> 201 with the batch summary; 200 when nothing was new (a
  replay of the very same payload says ``replay: true``); 422 when every reading was refused.
  Each refused reading is kept in quarantine with its line, column and reason.
- ``POST /ngsi-ld/v1/entities``: one entity -> 201 with ``Location``; 409 AlreadyExists when
  it was created before (new readings of it come by upsert).
- ``POST /ngsi-ld/v1/entityOperations/upsert``: an array of entities -> 201 with the ids of new
  entities, 204 when all existed, 207 with a BatchOperationResult when some failed.

NGSI-LD bodies are read here rather than by a schema, because the specification's content
negotiation (``application/json`` with a ``Link`` header, or ``application/ld+json`` with the
``@context`` inline) decides how they are read; its errors are ETSI ProblemDetails.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Field, Router, Schema, Status

from zerocity.api.errors import BodyError, Problem, parse_json
from zerocity.api.security import SOURCE, SOURCE_TOKEN, rule
from zerocity.data import ngsi, services
from zerocity.data.models import Batch, DataSource

router = Router(tags=["data platform"])
MAX_READINGS = 100_000


class Reading(Schema):
    meter: str | None = None
    time: str | None = Field(None, description="ISO 8601; without an offset, read on the "
                             "source's clock (the city's unless set otherwise)")
    quantity: str | None = None
    value: float | str | None = None
    unit: str | None = None
    customer_class: str | None = None

    model_config = {"extra": "allow"}  # a reading's other fields are kept with it as sent


class ReadingsRequest(Schema):
    readings: list[dict[str, Any]] = Field(
        description=f"At most {MAX_READINGS:,} readings, each checked on its own: "
        "a bad one is quarantined with its reason, the others are stored",
        json_schema_extra={"items": Reading.model_json_schema()})


class RowError(Schema):
    line: int
    column: str
    reason: str


class BatchSummary(Schema):
    batch: int
    status: str
    received: int
    accepted: int
    duplicates: int
    rejected: int
    errors: list[RowError] = Field(description="The first 100 refused readings")
    replay: bool = Field(description="The very same payload was accepted before: its batch, "
                         "nothing written")


def _source(request: HttpRequest) -> DataSource:
    source: DataSource = request.auth  # type: ignore[attr-defined]
    return source  # a body over API_MAX_BODY was answered 413 before (api.limits)


def _summary(batch: Batch, replay: bool) -> dict[str, Any]:
    return {
        "batch": batch.pk, "status": batch.status, "received": batch.received,
        "accepted": batch.accepted, "duplicates": batch.duplicates,
        "rejected": batch.rejected, "replay": replay,
        "errors": [{"line": q.line, "column": q.column, "reason": q.reason}
                   for q in batch.quarantine.all()[:100]],
    }


@router.post("/api/v1/data/readings", auth=SOURCE, url_name="data_readings",
             response={200: BatchSummary, 201: BatchSummary, 422: BatchSummary,
                       400: Problem, 401: Problem, 413: Problem},
             openapi_extra=rule(SOURCE_TOKEN), summary="Readings from a device or a utility")
def readings(request: HttpRequest, body: ReadingsRequest) -> Status[dict[str, Any]]:
    source = _source(request)
    if len(body.readings) > MAX_READINGS:
        raise ngsi.NgsiError("RequestTooLarge", f"at most {MAX_READINGS} readings a request; "
                             "send more requests", 413)
    done = services.ingest_records(source, body.readings, origin="api",
                                   actor=f"token:{source.key}")
    batch = done.value
    if done.replayed:
        return Status(200, _summary(batch, True))
    status = 201 if batch.accepted else (200 if batch.duplicates and not batch.rejected
                                         else 422)
    return Status(status, _summary(batch, False))


# -- NGSI-LD ------------------------------------------------------------------------------------

ENTITY = {"type": "object", "required": ["id", "type"],
          "description": "An NGSI-LD entity, normalized or keyValues, of a supported Smart Data "
                         f"Model ({', '.join(ngsi.SUPPORTED)}); its @context inline with "
                         "application/ld+json, or in a Link header with application/json",
          "properties": {"id": {"type": "string", "pattern": ngsi.URN.pattern},
                         "type": {"type": "string"}}}
ENTITY_BODY = {"requestBody": {"required": True, "content": {
    media: {"schema": ENTITY} for media in ("application/json", "application/ld+json")}}}
ENTITIES_BODY = {"requestBody": {"required": True, "content": {
    media: {"schema": {"type": "array", "items": ENTITY}}
    for media in ("application/json", "application/ld+json")}}}


def _entities(request: HttpRequest, *, batch: bool) -> Any:
    try:
        body = parse_json(request.body)
    except BodyError as exc:
        raise ngsi.NgsiError("InvalidRequest", str(exc)) from None
    ngsi.check_context(request.content_type or "", request.headers.get("Link"), body)
    if batch and not isinstance(body, list):
        raise ngsi.NgsiError("BadRequestData", "a batch operation takes a JSON array of "
                             "entities")
    if not batch and not isinstance(body, dict):
        raise ngsi.NgsiError("BadRequestData", "POST /entities takes one entity (an object)")
    return body


class BatchError(Schema):
    entityId: str  # noqa: N815 - the NGSI-LD name
    error: dict[str, Any]


class BatchOperationResult(Schema):
    success: list[str]
    errors: list[BatchError]


@router.post("/ngsi-ld/v1/entities", auth=SOURCE, url_name="ngsi_create",
             response={201: None, 400: Problem, 401: Problem, 409: Problem, 413: Problem,
                       415: Problem},
             openapi_extra=rule(SOURCE_TOKEN, **ENTITY_BODY), tags=["NGSI-LD"],
             summary="Create an entity (its readings go to the source's store)")
def ngsi_create(request: HttpRequest) -> HttpResponse:
    source = _source(request)
    entity_id = services.create_entity(source, _entities(request, batch=False))
    response = HttpResponse(status=201)
    response["Location"] = f"/ngsi-ld/v1/entities/{entity_id}"
    return response


@router.post("/ngsi-ld/v1/entityOperations/upsert", auth=SOURCE, url_name="ngsi_upsert",
             response={201: list[str], 204: None, 207: BatchOperationResult, 400: Problem,
                       401: Problem, 413: Problem, 415: Problem},
             openapi_extra=rule(SOURCE_TOKEN, **ENTITIES_BODY), tags=["NGSI-LD"],
             summary="Create or update entities in a batch")
def ngsi_upsert(request: HttpRequest) -> HttpResponse:
    source = _source(request)
    done = services.upsert_entities(source, _entities(request, batch=True))
    if done.errors:
        return JsonResponse({"success": done.succeeded, "errors": [
            {"entityId": e["entityId"], "error": {
                "type": ngsi.ERROR_BASE + "BadRequestData", "title": "BadRequestData",
                "detail": e["error"]}} for e in done.errors]}, status=207)
    if done.created:
        return JsonResponse(done.created, status=201, safe=False)
    return HttpResponse(status=204)
