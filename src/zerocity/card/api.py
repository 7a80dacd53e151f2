"""The validators' API. Every request carries the device's token (``Authorization: Bearer``).

- ``POST /api/v1/card/taps`` ``{device_id, seq, medium, at, service?, vehicle?, route?, stop?,
  units?}`` (``route`` and ``stop`` are GTFS ``route_id`` and ``stop_id``) ->
  ``{decision: accept|deny, reason, fare, balance, seq, replayed}``.
- ``POST /api/v1/card/taps/batch`` ``{device_id, taps: [...]}`` -> ``{results: [...]}``, one per
  tap in the order sent; a repeated or re-sent batch answers the taps already decided with
  ``replayed: true`` and charges nothing again.
- ``GET /api/v1/card/denylist?since=VERSION`` -> ``{version, since, add, remove}`` (SHA-256 of
  the media's tokens).
- ``GET /api/v1/card/rules`` -> ``{version, rules}``: the fare rules validators decide from
  when offline.

- ``POST /api/v1/card/redemptions`` ``{device_id, medium, points, receipt}`` (a partner
  shop's or venue's till, registered like a validator) -> ``{points, balance, receipt,
  replayed}``; the same receipt again spends nothing more.

For the card holder's app (signed in, the session's CSRF token; one's own accounts only):

- ``POST /api/v1/card/accounts/{id}/top-ups`` ``{amount}`` with an ``Idempotency-Key`` header
  -> ``{transaction, amount, balance, replayed}``: the key goes to the payment provider and
  the ledger, so a retried request is charged and credited once; the same key with another
  amount is refused (422).

Bad input is a 4xx with the field and the reason, never a 5xx.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.timezone import now
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from zerocity.card import accounts, rewards, selectors, services, taps
from zerocity.card.accounts import current_rules
from zerocity.card.models import CardAccount, LedgerTransaction, Medium, PointsEntry, Validator
from zerocity.card.payments import TOP_UP_MAX, TOP_UP_MIN, PaymentDeclined, provider
from zerocity.core.access import SIGNED_IN
from zerocity.core.errors import Conflict, NotFound

VALIDATOR_TOKEN = "validator_token"
MAX_BATCH = 10_000

View = Callable[..., HttpResponse]


class BadRequest(ValueError):
    pass


def _answer(call: Callable[[], HttpResponse]) -> HttpResponse:
    try:
        return call()
    except BadRequest as exc:
        return JsonResponse({"detail": str(exc)}, status=400)
    except Conflict as exc:
        return JsonResponse({"detail": str(exc)}, status=422)
    except NotFound as exc:
        return JsonResponse({"detail": str(exc)}, status=404)


def validator_token(view: Callable[[HttpRequest, Validator], HttpResponse]) -> View:
    """A registered validator's token is required; the view receives the validator."""

    def wrapper(request: HttpRequest) -> HttpResponse:
        header = request.headers.get("Authorization", "")
        secret = header[7:].strip() if header.lower().startswith("bearer ") else ""
        validator = taps.authenticate_validator(secret) if secret else None
        if validator is None:
            response = JsonResponse({"detail": "a validator token is required "
                                     "(Authorization: Bearer <token>)"}, status=401)
            response["WWW-Authenticate"] = 'Bearer realm="zerocity"'
            return response
        return _answer(lambda: view(request, validator))

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    wrapper.permission_rule = VALIDATOR_TOKEN  # type: ignore[attr-defined]
    return csrf_exempt(wrapper)


def holder_session(view: Callable[..., HttpResponse]) -> View:
    """The card holder's own session (the app's or the site's, with its CSRF token); a
    person's own accounts and their minors' only, others are not found."""

    def wrapper(request: HttpRequest, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return JsonResponse({"detail": "sign in first"}, status=401)
        return _answer(lambda: view(request, **kwargs))

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    wrapper.permission_rule = SIGNED_IN  # type: ignore[attr-defined]
    return wrapper


def _body(request: HttpRequest) -> dict[str, Any]:
    try:
        data = json.loads(request.body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadRequest(f"the body is not valid JSON: {getattr(exc, 'msg', exc)}") from None
    if not isinstance(data, dict):
        raise BadRequest("the body is a JSON object")
    return data


def _device(data: dict[str, Any], validator: Validator) -> None:
    if data.get("device_id") != validator.device_id:
        raise BadRequest(f"device_id: this token belongs to {validator.device_id!r}")


def _tap(item: Any, where: str) -> taps.TapIn:
    if not isinstance(item, dict):
        raise BadRequest(f"{where}: a tap is a JSON object")
    seq = item.get("seq")
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
        raise BadRequest(f"{where}.seq: a whole number, 0 or more")
    medium = item.get("medium")
    if not isinstance(medium, str) or not 4 <= len(medium.strip()) <= 200:
        raise BadRequest(f"{where}.medium: the medium's token, 4 to 200 characters")
    raw_at = item.get("at")
    try:
        at = datetime.fromisoformat(str(raw_at).replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(f"{where}.at: {raw_at!r} is not an ISO 8601 time") from None
    if at.tzinfo is None:
        raise BadRequest(f"{where}.at: {raw_at!r} has no UTC offset")
    units = item.get("units")
    if units is not None and (not isinstance(units, int) or isinstance(units, bool)
                              or units < 0):
        raise BadRequest(f"{where}.units: a whole number of minutes or hours")
    for key in ("service", "vehicle", "route", "stop"):
        if item.get(key) is not None and (not isinstance(item[key], str)
                                          or len(item[key]) > 60):
            raise BadRequest(f"{where}.{key}: text of at most 60 characters")
    return taps.TapIn(seq=seq, medium=medium, at=at, service=item.get("service"),
                      vehicle=item.get("vehicle"), units=units, route=item.get("route"),
                      stop=item.get("stop"))


@validator_token
@require_POST
def tap(request: HttpRequest, validator: Validator) -> HttpResponse:
    data = _body(request)
    _device(data, validator)
    result = taps.process_tap(validator, _tap(data, "tap"))
    return JsonResponse(result.as_dict(), status=200 if result.replayed else 201)


@validator_token
@require_POST
def tap_batch(request: HttpRequest, validator: Validator) -> HttpResponse:
    data = _body(request)
    _device(data, validator)
    items = data.get("taps")
    if not isinstance(items, list) or not items:
        raise BadRequest("taps: a non-empty list")
    if len(items) > MAX_BATCH:
        raise BadRequest(f"taps: at most {MAX_BATCH} per batch")
    parsed = [_tap(item, f"taps[{i}]") for i, item in enumerate(items)]
    results = taps.process_batch(validator, parsed)
    return JsonResponse({"results": [r.as_dict() for r in results]})


@validator_token
@require_GET
def deny_list(request: HttpRequest, validator: Validator) -> HttpResponse:
    raw = request.GET.get("since", "0")
    if not raw.isdigit():
        raise BadRequest(f"since: {raw!r} is not a version number")
    return JsonResponse(taps.deny_list(validator.city, int(raw)))


@validator_token
@require_GET
def rules(request: HttpRequest, validator: Validator) -> HttpResponse:
    from zerocity.card.models import FareRuleSet

    version, _ = current_rules(validator.city)
    data = FareRuleSet.objects.get(city=validator.city, version=version).data
    return JsonResponse({"version": version, "rules": data})


@validator_token
@require_POST
def redemption(request: HttpRequest, validator: Validator) -> HttpResponse:
    """Eco-points spent at a partner shop or venue; idempotent by the till's receipt."""
    data = _body(request)
    _device(data, validator)
    points, receipt = data.get("points"), data.get("receipt")
    if not isinstance(points, int) or isinstance(points, bool) or points <= 0:
        raise BadRequest("points: a whole number above 0")
    if not isinstance(receipt, str) or not 1 <= len(receipt.strip()) <= 60:
        raise BadRequest("receipt: the till's receipt number, 1 to 60 characters")
    token = data.get("medium")
    if not isinstance(token, str):
        raise BadRequest("medium: the medium's token")
    medium = Medium.objects.filter(city=validator.city, token_hash=accounts.token_hash(token),
                                   status="active").select_related("account").first()
    if medium is None:
        raise NotFound("no active card with this token")
    key = f"{validator.device_id}:{receipt.strip()}"
    replayed = PointsEntry.objects.filter(idempotency_key=f"redeem:{key}").exists()
    rewards.redeem(medium.account, points, where=validator.description or validator.device_id,
                   key=key, actor=f"till {validator.device_id}")
    return JsonResponse({"points": points, "balance": rewards.balance(medium.account),
                         "receipt": receipt.strip(), "replayed": replayed},
                        status=200 if replayed else 201)


@holder_session
@require_POST
def top_up(request: HttpRequest, pk: int) -> HttpResponse:
    key = request.headers.get("Idempotency-Key", "").strip()
    if not (8 <= len(key) <= 64 and all(c.isalnum() or c in "-_" for c in key)):
        raise BadRequest("Idempotency-Key: a header of 8 to 64 letters, digits, '-' or '_' "
                         "is required")
    found = CardAccount.objects.filter(pk=pk).select_related("city").first()
    if found is None:
        raise NotFound("no such card account")
    account = selectors.access_account_for_user(request.user, found.city, pk)
    raw = _body(request).get("amount")
    try:
        amount = services.cents(str(raw))
    except Conflict:
        raise BadRequest(f"amount: {raw!r} is not an amount in euros") from None
    if not TOP_UP_MIN <= amount <= TOP_UP_MAX:
        raise BadRequest(f"amount: {TOP_UP_MIN} to {TOP_UP_MAX} EUR")
    try:
        payment = provider().pay(amount, key=f"{account.pk}-{key}",
                                 description=f"{account.city.name} city card top-up")
    except PaymentDeclined as exc:
        return JsonResponse({"detail": f"the payment was declined: {exc}"}, status=402)
    started = now()
    tx = services.top_up(account.wallet, payment.amount, payment_reference=payment.reference,
                         by=request.user)
    replayed = LedgerTransaction.objects.filter(pk=tx.pk, created_at__lt=started).exists()
    return JsonResponse({"transaction": tx.pk, "amount": str(payment.amount),
                         "balance": str(accounts.balance(account)), "replayed": replayed},
                        status=200 if replayed else 201)
