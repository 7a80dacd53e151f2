"""Push intake over HTTP: a plain JSON endpoint and the NGSI-LD subset FIWARE devices and
brokers use. Every request carries a source's token (``Authorization: Bearer <token>``, or
the ``X-Auth-Token`` header FIWARE PEP proxies pass on); a token writes to its own source only.

Answers are never a 5xx for bad input: a malformed request gets a 4xx with a precise message
(NGSI-LD errors as ProblemDetails, ``application/problem+json``).

- ``POST /api/v1/data/readings``: ``{"readings": [{"meter", "time", "quantity", "value",
  "unit", "customer_class"?}]}`` -> 201 with the batch summary (200 when nothing was new).
- ``POST /ngsi-ld/v1/entities``: one entity -> 201 with ``Location``; 409 AlreadyExists when
  the entity was created before (use upsert to send new readings of it).
- ``POST /ngsi-ld/v1/entityOperations/upsert``: an array of entities -> 201 with the ids of
  new entities, 204 when all existed, 207 with a BatchOperationResult when some failed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.db.models import Max
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from zerocity.data import ngsi
from zerocity.data.models import Batch, DataSource, NgsiEntity
from zerocity.data.services import authenticate_token, ingest_records

SOURCE_TOKEN = "source_token"
MAX_BODY = 20 * 2**20
MAX_READINGS = 100_000

View = Callable[..., HttpResponse]


def _token(request: HttpRequest) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return request.headers.get("X-Auth-Token") or None


def source_token(view: Callable[[HttpRequest, DataSource], HttpResponse]) -> View:
    """A source's token is required; the view receives its source."""

    def wrapper(request: HttpRequest) -> HttpResponse:
        secret = _token(request)
        source = authenticate_token(secret) if secret else None
        if source is None:
            response = _problem(ngsi.NgsiError(
                "NotAuthorized", "a valid source token is required "
                "(Authorization: Bearer <token>)", 401))
            response["WWW-Authenticate"] = 'Bearer realm="zerocity"'
            return response
        if len(request.body) > MAX_BODY:
            return _problem(ngsi.NgsiError("RequestTooLarge",
                                           f"the body is over {MAX_BODY // 2**20} MB", 413))
        return view(request, source)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    wrapper.permission_rule = SOURCE_TOKEN  # type: ignore[attr-defined]
    return csrf_exempt(require_POST(wrapper))


def _problem(exc: ngsi.NgsiError) -> JsonResponse:
    return JsonResponse(exc.problem(), status=exc.status,
                        content_type="application/problem+json")


def _json(request: HttpRequest) -> Any:
    try:
        return json.loads(request.body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        msg = getattr(exc, "msg", "not UTF-8")
        pos = getattr(exc, "pos", None)
        where = f" at character {pos + 1}" if pos is not None else ""
        raise ngsi.NgsiError("InvalidRequest", f"the body is not valid JSON: {msg}{where}") \
            from None


def batch_summary(batch: Batch) -> dict[str, Any]:
    return {
        "batch": batch.pk, "status": batch.status, "received": batch.received,
        "accepted": batch.accepted, "duplicates": batch.duplicates,
        "rejected": batch.rejected,
        "errors": [{"line": q.line, "column": q.column, "reason": q.reason}
                   for q in batch.quarantine.all()[:100]],
    }


@source_token
def readings(request: HttpRequest, source: DataSource) -> HttpResponse:
    try:
        body = _json(request)
        if not isinstance(body, dict) or not isinstance(body.get("readings"), list):
            raise ngsi.NgsiError("BadRequestData",
                                 'the body is an object with a "readings" list')
        items = body["readings"]
        if len(items) > MAX_READINGS:
            raise ngsi.NgsiError("RequestTooLarge", f"at most {MAX_READINGS} readings a "
                                 "request; send more requests", 413)
        if not all(isinstance(r, dict) for r in items):
            raise ngsi.NgsiError("BadRequestData", "every reading is a JSON object")
    except ngsi.NgsiError as exc:
        return _problem(exc)
    before = Batch.objects.filter(source=source).aggregate(last=Max("pk"))["last"] or 0
    batch = ingest_records(source, items, origin="api", actor=f"token:{source.key}")
    if batch.pk <= before:  # the very same payload again: its first batch, nothing written
        return JsonResponse(batch_summary(batch) | {"replay": True}, status=200)
    status = 201 if batch.accepted else (200 if batch.duplicates and not batch.rejected
                                         else 422)
    return JsonResponse(batch_summary(batch) | {"replay": False}, status=status)


def _entities(request: HttpRequest, *, batch: bool) -> tuple[list[Any], ngsi.Parsed]:
    body = _json(request)
    ngsi.check_context(request.content_type or "", request.headers.get("Link"), body)
    if batch and not isinstance(body, list):
        raise ngsi.NgsiError("BadRequestData", "a batch operation takes a JSON array of "
                             "entities")
    if not batch and not isinstance(body, dict):
        raise ngsi.NgsiError("BadRequestData", "POST /entities takes one entity (an object)")
    entities = body if isinstance(body, list) else [body]
    return entities, ngsi.parse_entities(entities, batch=batch)


def _register(source: DataSource, entities: list[Any], ids: list[str]) -> list[str]:
    """Record the entities seen; returns the ids that are new for this source."""
    types = {e.get("id"): ngsi.short_type(e.get("type", "")) for e in entities
             if isinstance(e, dict)}
    known = set(NgsiEntity.objects.filter(source=source, entity_id__in=ids)
                .values_list("entity_id", flat=True))
    new = [i for i in dict.fromkeys(ids) if i not in known]
    NgsiEntity.objects.bulk_create([NgsiEntity(source=source, entity_id=i, type=types.get(i, ""))
                                    for i in new], ignore_conflicts=True)
    return new


@source_token
def ngsi_create(request: HttpRequest, source: DataSource) -> HttpResponse:
    try:
        entities, parsed = _entities(request, batch=False)
        entity_id = parsed.entity_ids[0]
        if NgsiEntity.objects.filter(source=source, entity_id=entity_id).exists():
            raise ngsi.NgsiError("AlreadyExists", f"{entity_id} exists; send new readings "
                                 "with POST /ngsi-ld/v1/entityOperations/upsert", 409)
    except ngsi.NgsiError as exc:
        return _problem(exc)
    batch = ingest_records(source, parsed.records, origin="ngsi", actor=f"token:{source.key}")
    if batch.rejected:  # its readings were quarantined with their reasons: not created
        reasons = "; ".join(f"{q.column}: {q.reason}" for q in batch.quarantine.all()[:5])
        return _problem(ngsi.NgsiError("BadRequestData", f"{entity_id}: {reasons}"))
    _register(source, entities, [entity_id])
    response = HttpResponse(status=201)
    response["Location"] = f"/ngsi-ld/v1/entities/{entity_id}"
    return response


@source_token
def ngsi_upsert(request: HttpRequest, source: DataSource) -> HttpResponse:
    try:
        entities, parsed = _entities(request, batch=True)
    except ngsi.NgsiError as exc:
        return _problem(exc)
    errors = list(parsed.errors)
    if parsed.records:
        batch = ingest_records(source, parsed.records, origin="ngsi",
                               actor=f"token:{source.key}")
        if batch.rejected:
            for q in batch.quarantine.all()[:100]:
                errors.append({"entityId": q.raw.get("entity", "") if isinstance(q.raw, dict)
                               else "", "error": f"{q.column}: {q.reason}"})
    failed = {e["entityId"] for e in errors}
    ok = [i for i in parsed.entity_ids if i not in failed]
    new = _register(source, entities, ok)
    if errors:
        return JsonResponse({"success": ok, "errors": [
            {"entityId": e["entityId"], "error": {
                "type": ngsi.ERROR_BASE + "BadRequestData", "title": "BadRequestData",
                "detail": e["error"]}} for e in errors]}, status=207)
    if new:
        return JsonResponse(new, status=201, safe=False)
    return HttpResponse(status=204)
