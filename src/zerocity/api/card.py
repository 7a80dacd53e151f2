"""The city card's API: validators' taps, offline batches, deny list and rules; partner tills'
redemptions; the card holder's own top-ups; the published fare rules.

Validators and tills send their token (``Authorization: Bearer zcv_...``); a tap names its
device, which must be the token's. Taps are idempotent by ``(device_id, seq)``: a repeated or
re-sent tap (online, or in a batch cut off and sent again) is answered with the decision made
the first time, ``replayed: true``, and charges nothing again. Paths are the ones validators
in the field already use.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Field, Header, Query, Router, Schema, Status
from pydantic import BaseModel, BeforeValidator, StrictInt, StringConstraints, WithJsonSchema

from zerocity.api.common import ONE_LINE
from zerocity.api.errors import Problem
from zerocity.api.security import (
    HOLDER_SESSION,
    PUBLIC,
    SESSION,
    VALIDATOR,
    VALIDATOR_TOKEN,
    rule,
)
from zerocity.card import accounts, rewards, selectors, services, taps
from zerocity.card.models import Validator
from zerocity.card.payments import TOP_UP_MAX, TOP_UP_MIN
from zerocity.core.errors import PermissionDenied
from zerocity.core.selectors import get_city

router = Router(tags=["city card"])
MAX_BATCH = 10_000
BIGINT = 2**63 - 1  # what the database keeps: a larger number is refused, not a 500


def _instant(value: Any) -> datetime:
    """An ISO 8601 time with its UTC offset: a validator's clock says where it is."""
    try:
        at = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{value!r} is not an ISO 8601 time") from None
    if at.tzinfo is None:
        raise ValueError(f"{value!r} has no UTC offset")
    return at


# 1.00 to 150.00 EUR (TOP_UP_MIN, TOP_UP_MAX), cents optional: money travels as text, exactly
EUROS = r"^(150(\.00?)?|(1[0-4][0-9]|[1-9][0-9]?)(\.[0-9]{1,2})?)$"


def _euros(value: Any) -> Decimal:
    if not isinstance(value, str):
        raise ValueError('write the amount as text in euros, e.g. "12.50"')
    if not re.fullmatch(EUROS, value.strip()):
        raise ValueError(f"{value!r}: {TOP_UP_MIN} to {TOP_UP_MAX} EUR, in whole cents")
    return Decimal(value.strip())


Instant = Annotated[datetime, BeforeValidator(_instant)]
Count = Annotated[StrictInt, Field(ge=0, le=BIGINT)]
Text60 = Annotated[str, StringConstraints(max_length=60, pattern=ONE_LINE)]
Token = Annotated[str, StringConstraints(strip_whitespace=True, min_length=4, max_length=200,
                                         pattern=ONE_LINE)]
DeviceId = Annotated[str, StringConstraints(min_length=1, max_length=60, pattern=ONE_LINE)]
Euros = Annotated[Decimal, BeforeValidator(_euros),
                  WithJsonSchema({"type": "string", "pattern": EUROS, "examples": ["12.50"]})]


# What a validator sends and gets back is plain pydantic, not ninja's ``Schema``: it is only
# ever JSON, and it travels a hundred to a batch. ``Schema`` wraps every object it validates to
# read a Django model's attributes, which cost more than the validation itself (the OpenAPI
# document is the same either way).
class Tap(BaseModel):
    seq: Count = Field(description="The device's own sequence number of the tap")
    medium: Token = Field(description="The card's or phone's token as the device read it")
    at: Instant = Field(description="When the tap happened, ISO 8601 with its UTC offset")
    service: Text60 | None = Field(None, description="bus, bike, parking, ... (default: "
                                   "the validator's)")
    vehicle: Text60 | None = None
    route: Text60 | None = Field(None, description="GTFS route_id")
    stop: Text60 | None = Field(None, description="GTFS stop_id")
    units: Annotated[StrictInt, Field(ge=0, le=BIGINT)] | None = Field(
        None, description="Minutes or hours, for products priced per unit")


class TapRequest(Tap):
    device_id: DeviceId


class BatchRequest(BaseModel):
    device_id: DeviceId
    taps: list[Tap] = Field(min_length=1, max_length=MAX_BATCH)


class Decision(BaseModel):
    seq: int
    decision: Literal["accept", "deny"]
    reason: str
    fare: str
    balance: str | None
    replayed: bool


class BatchResult(BaseModel):
    results: list[Decision]


class DenyList(Schema):
    version: int
    since: int
    add: list[str] = Field(description="SHA-256 of the tokens to refuse")
    remove: list[str]


class Rules(Schema):
    version: int
    rules: dict[str, Any]


class RedemptionRequest(Schema):
    device_id: DeviceId
    medium: Token
    points: Annotated[StrictInt, Field(gt=0, le=BIGINT)]
    receipt: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                              max_length=60, pattern=ONE_LINE)]


class Redemption(Schema):
    points: int
    balance: int
    receipt: str
    replayed: bool


class TopUpRequest(Schema):
    amount: Euros = Field(description=f"EUR, {TOP_UP_MIN} to {TOP_UP_MAX}, in whole cents")


class TopUp(Schema):
    transaction: int
    amount: str
    balance: str
    replayed: bool


ERRORS = {400: Problem, 401: Problem, 403: Problem, 404: Problem, 422: Problem}
IdempotencyKey = Annotated[str, StringConstraints(min_length=8, max_length=64,
                                                  pattern=r"^[A-Za-z0-9_-]+$")]


def _device(request: HttpRequest, device_id: str) -> Validator:
    """The token's device, which must be the one the body names: a token acts for its own
    validator only (403 otherwise)."""
    validator: Validator = request.auth  # type: ignore[attr-defined]
    if device_id != validator.device_id:
        raise PermissionDenied(f"device_id: this token belongs to {validator.device_id!r}")
    return validator


def _tap_in(tap: Tap) -> taps.TapIn:
    return taps.TapIn(seq=tap.seq, medium=tap.medium, at=tap.at, service=tap.service,
                      vehicle=tap.vehicle, units=tap.units, route=tap.route, stop=tap.stop)


@router.post("/api/v1/card/taps", auth=VALIDATOR, url_name="card_tap",
             response={200: Decision, 201: Decision, **ERRORS},
             openapi_extra=rule(VALIDATOR_TOKEN), summary="A validator's tap, decided online")
def tap(request: HttpRequest, tap: TapRequest) -> Status[dict[str, Any]]:
    result = taps.process_tap(_device(request, tap.device_id), _tap_in(tap))
    return Status(200 if result.replayed else 201, result.as_dict())


@router.post("/api/v1/card/taps/batch", auth=VALIDATOR, url_name="card_tap_batch",
             response={200: BatchResult, **ERRORS}, openapi_extra=rule(VALIDATOR_TOKEN),
             summary="An offline validator's queue of taps, decided in the order they happened")
def tap_batch(request: HttpRequest, batch: BatchRequest) -> dict[str, Any]:
    results = taps.process_batch(_device(request, batch.device_id),
                                 [_tap_in(t) for t in batch.taps])
    return {"results": [r.as_dict() for r in results]}


@router.get("/api/v1/card/denylist", auth=VALIDATOR, url_name="card_denylist",
            response={200: DenyList, **ERRORS}, openapi_extra=rule(VALIDATOR_TOKEN),
            summary="The deny list's changes since a version the validator holds")
def deny_list(request: HttpRequest,
              since: Annotated[int, Query(ge=0, le=BIGINT)] = 0) -> dict[str, Any]:
    validator: Validator = request.auth  # type: ignore[attr-defined]
    return taps.deny_list(validator.city, since)


@router.get("/api/v1/card/rules", auth=VALIDATOR, url_name="card_rules",
            response={200: Rules, **ERRORS}, openapi_extra=rule(VALIDATOR_TOKEN),
            summary="The fare rules validators decide from when offline")
def rules(request: HttpRequest) -> dict[str, Any]:
    validator: Validator = request.auth  # type: ignore[attr-defined]
    version, data = selectors.rules_document(validator.city)
    return {"version": version, "rules": data}


@router.post("/api/v1/card/redemptions", auth=VALIDATOR, url_name="card_redemption",
             response={200: Redemption, 201: Redemption, **ERRORS},
             openapi_extra=rule(VALIDATOR_TOKEN),
             summary="Eco-points spent at a partner till, once per receipt")
def redemption(request: HttpRequest, body: RedemptionRequest) -> Status[dict[str, Any]]:
    till = _device(request, body.device_id)
    done = rewards.redeem_at_till(till, body.medium, body.points, body.receipt)
    return Status(200 if done.replayed else 201, {
        "points": body.points, "balance": rewards.balance(done.value.account),
        "receipt": body.receipt, "replayed": done.replayed})


@router.post("/api/v1/card/accounts/{pk}/top-ups", auth=SESSION, url_name="card_api_top_up",
             response={200: TopUp, 201: TopUp, 402: Problem, **ERRORS},
             openapi_extra=rule(HOLDER_SESSION),
             summary="The card holder tops up their own account (or a minor's), once per "
                     "Idempotency-Key")
def top_up(request: HttpRequest, pk: int, body: TopUpRequest,
           idempotency_key: Annotated[IdempotencyKey, Header(alias="Idempotency-Key")],
           ) -> Status[dict[str, Any]]:
    account = selectors.access_own_account(request.user, pk)
    done = services.top_up_online(account, body.amount, key=idempotency_key, by=request.user)
    tx = done.value
    return Status(200 if done.replayed else 201, {
        "transaction": tx.pk, "amount": str(body.amount),
        "balance": str(accounts.balance(account)), "replayed": done.replayed})


class FareRules(Schema):
    city: str
    version: int
    timezone: str
    rules: dict[str, Any] = Field(description="GTFS-Fares v2 terms: rider categories, fare "
                                  "products, transfer rules, caps")


@router.get("/api/v1/cities/{slug}/card/fare-rules", response={200: FareRules, 404: Problem},
            openapi_extra=rule(PUBLIC), summary="The city card's fare rules in force")
def fare_rules(request: HttpRequest, slug: str) -> dict[str, Any]:
    city = get_city(slug)
    version, data = selectors.rules_document(city)
    return {"city": city.slug, "version": version, "timezone": city.timezone, "rules": data}
