"""Validators and their taps.

A tap is decided by the fare engine (``zerocity.card.fares``) from the account's recent taps,
passes, concessions and balance, under a lock on the account's wallet, so taps and top-ups on
one account never interleave; a fare is paid by a ledger transaction in the same database
transaction. Taps are unique per (device, seq): one sent again — online, or in an offline batch
repeated or cut off half-way and re-sent — is answered with the decision already made, and
nothing is charged twice. An offline batch is decided in the order the taps happened, each
against the taps before it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.timezone import now

from zerocity.card import challenges, fares, rewards
from zerocity.card.accounts import current_rules, token_hash
from zerocity.card.models import (
    DenyListChange,
    Eligibility,
    Entitlement,
    LedgerAccount,
    Medium,
    MediumStatus,
    Tap,
    Validator,
)
from zerocity.card.services import pay_fare, revenue_code
from zerocity.core import audit, hooks, tokens
from zerocity.core.actors import Person
from zerocity.core.errors import Conflict
from zerocity.core.models import City

TOKEN_PREFIX = "zcv_"
HISTORY_DAYS = 32  # enough for a monthly cap
CLOCK_SLACK = timedelta(minutes=10)


# -- validators -------------------------------------------------------------------------------

@transaction.atomic
def register_validator(city: City, device_id: str, service: str, *, description: str = "",
                       by: Person | None = None, actor: str = "") -> tuple[Validator, str]:
    """Register a device and issue its token; the secret is returned once, never stored.
    Registering it again issues a new token and revokes the old one."""
    secret, prefix, digest = tokens.new_secret(TOKEN_PREFIX)
    validator, _ = Validator.objects.update_or_create(
        city=city, device_id=device_id,
        defaults={"service": service, "description": description, "token_prefix": prefix,
                  "token_digest": digest, "revoked_at": None})
    audit.record("card.validator_token", city=city, user=by, actor=actor, obj=validator,
                 device=device_id, prefix=prefix)
    return validator, secret


def authenticate_validator(secret: str) -> Validator | None:
    if not tokens.plausible(secret):
        return None
    for v in Validator.objects.filter(
            token_prefix=secret[:tokens.PREFIX_LENGTH]).select_related("city"):
        if tokens.matches(v.token_digest, secret) and v.revoked_at is None:
            return v
    return None


# -- taps -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class TapIn:
    seq: int
    medium: str
    at: datetime
    service: str | None = None
    vehicle: str | None = None
    units: int | None = None
    route: str | None = None
    stop: str | None = None


@dataclass(frozen=True)
class TapResult:
    tap: Tap
    balance: Decimal | None
    replayed: bool

    def as_dict(self) -> dict[str, Any]:
        t = self.tap
        return {"seq": t.seq, "decision": "accept" if t.accepted else "deny",
                "reason": t.reason, "fare": str(t.fare),
                "balance": None if self.balance is None else str(self.balance),
                "replayed": self.replayed}


def _history(account_id: int, around: datetime) -> list[fares.PriorTap]:
    """The account's accepted taps near ``around``: before it for transfers and repeats, and
    after it too, so that a late offline tap counts the cap period's later fares."""
    rows = Tap.objects.filter(medium__account_id=account_id, accepted=True,
                              at__gte=around - timedelta(days=HISTORY_DAYS),
                              at__lt=around + timedelta(days=HISTORY_DAYS)).values_list(
        "at", "service", "vehicle", "fare", "reason", "journey_start")
    return [fares.PriorTap(at=at, service=service, vehicle=vehicle or None, fare=fare,
                           reason=reason, journey_start=start or at)
            for at, service, vehicle, fare, reason, start in rows.order_by("at")]


def _passes(account_id: int, at: datetime) -> list[fares.Pass]:
    rows = Entitlement.objects.filter(account_id=account_id, revoked_at__isnull=True,
                                      valid_from__lte=at, valid_to__gt=at).values_list(
        "product", "valid_from", "valid_to")
    return [fares.Pass(product_id=p, valid_from=f, valid_to=t) for p, f, t in rows]


def _eligibilities(account_id: int) -> list[fares.Eligibility]:
    rows = Eligibility.objects.filter(account_id=account_id).values_list(
        "category", "valid_from", "expires_at")
    return [fares.Eligibility(category=c, valid_from=f, expires_at=e) for c, f, e in rows]


def process_tap(validator: Validator, tap: TapIn, *, offline: bool = False) -> TapResult:
    """Decide one tap and record it (and its fare); the same (device, seq) again returns the
    decision already made."""
    done = Tap.objects.filter(validator=validator, seq=tap.seq).first()
    if done is not None:
        return TapResult(done, None, True)
    _check(validator, tap)
    try:
        with transaction.atomic():
            result = _decide_and_record(validator, tap, offline=offline)
            _seen(validator, tap.seq)
            return result
    except IntegrityError:
        done = Tap.objects.filter(validator=validator, seq=tap.seq).first()
        if done is None:
            raise
        return TapResult(done, None, True)  # the same tap raced in on another connection


def _check(validator: Validator, tap: TapIn) -> None:
    """A tap's time and its place in the timetable feed, before anything is decided."""
    if tap.at.tzinfo is None:
        raise Conflict("the tap's time needs a UTC offset")
    if tap.at > now() + CLOCK_SLACK:
        raise Conflict(f"tap {tap.seq} is in the future ({tap.at.isoformat()})")
    earliest = datetime.combine(settings.DEVICE_TIME_EARLIEST, time(), UTC)
    if tap.at < earliest:  # a validator's unset clock: no fare, no calendar, holds for it
        raise Conflict(f"tap {tap.seq} is dated {tap.at.isoformat()}, before "
                       f"{earliest.date().isoformat()}, the earliest time a device may send "
                       "(its clock not set?)", code="device-time-earliest")
    _check_network(validator.city, tap)


def _seen(validator: Validator, seq: int) -> None:
    Validator.objects.filter(pk=validator.pk).update(last_seen_at=now(), last_seq=seq)


def _check_network(city: City, tap: TapIn) -> None:
    """A tap's route and stop are those of the city's timetable feed in force on the tap's
    local day (the mobility app answers through ``core.hooks``); a city without a feed takes
    any."""
    network = hooks.transit()
    if network is None or not (tap.route or tap.stop):
        return
    unknown = network.unknown(city, city.calendar.local_date(tap.at), tap.route or "",
                              tap.stop or "")
    if unknown:
        raise Conflict(f"tap {tap.seq}: {' and '.join(unknown)} not in {city.slug}'s timetable "
                       "feed in force on the tap's day; the validator's route and stop must "
                       "be the feed's route_id and stop_id", code="tap-unknown-stop")


def _decide_and_record(validator: Validator, tap: TapIn, *, offline: bool,
                       rules: fares.FareRules | None = None) -> TapResult:
    city = validator.city
    service = tap.service or validator.service
    digest = token_hash(tap.medium)
    # the medium, its account and its wallet in one read, the wallet row-locked: one
    # account's taps and top-ups happen one after the other
    medium = (Medium.objects.filter(city=city, token_hash=digest)
              .select_related("account", "account__wallet")
              .select_for_update(of=("account__wallet",)).first())
    common = dict(validator=validator, seq=tap.seq, token_hash=digest, at=tap.at,
                  offline=offline, service=service, vehicle=tap.vehicle or "",
                  route=tap.route or "", stop=tap.stop or "", units=tap.units)
    if medium is None:
        record = Tap.objects.create(medium=None, accepted=False, reason="unknown_medium",
                                    **common)
        return TapResult(record, None, False)
    account = medium.account
    wallet = account.wallet
    if rules is None:
        _, rules = current_rules(city)
    decision = fares.decide(
        rules, fares.Tap(at=tap.at, service=service, vehicle=tap.vehicle, units=tap.units),
        history=_history(account.pk, tap.at), passes=_passes(account.pk, tap.at),
        eligibilities=_eligibilities(account.pk), balance=wallet.balance,
        floor=wallet.floor if wallet.floor is not None else Decimal("-1e9"),
        blocked=medium.status != MediumStatus.ACTIVE or account.closed_at is not None)
    payment = None
    if decision.accept and decision.fare > 0:
        payment = pay_fare(city, wallet, decision.fare, revenue=revenue_code(validator.pk),
                           idempotency_key=f"tap:{validator.pk}:{tap.seq}",
                           actor=f"validator {validator.device_id}")
    record = Tap.objects.create(medium=medium, accepted=decision.accept,
                                reason=decision.reason, fare=decision.fare,
                                product=decision.product or "",
                                journey_start=decision.journey_start, payment=payment,
                                **common)
    rewards.earn_for_tap(record)
    challenges.after_tap(record)
    return TapResult(record, wallet.balance, False)


def process_batch(validator: Validator, taps: list[TapIn]) -> list[TapResult]:
    """An offline validator's queue: decided in the order the taps happened (then by seq),
    each against the taps before it, exactly as one by one. The batch is one transaction: the
    taps already recorded are found in one read, the rules read once and the validator's last
    contact written once; the wallets of its cards are locked at once, in id order, first. A
    batch cut off half-way keeps nothing of it, and the re-sent batch does it all. A tap the
    same validator's other connection records meanwhile (the same queue sent twice at once)
    makes the batch go tap by tap, each its own transaction."""
    seqs = [t.seq for t in taps]
    if len(set(seqs)) != len(seqs):
        raise Conflict("a batch names the same seq twice")
    order = sorted(taps, key=lambda t: (t.at, t.seq))
    done = {t.seq: t for t in Tap.objects.filter(validator=validator, seq__in=seqs)}
    for t in order:
        if t.seq not in done:
            _check(validator, t)
    results: dict[int, TapResult] = {}
    try:
        with transaction.atomic():
            _lock_wallets(validator.city, [t for t in order if t.seq not in done])
            rules = None
            for t in order:
                if t.seq in done:
                    results[t.seq] = TapResult(done[t.seq], None, True)
                    continue
                if rules is None:
                    _, rules = current_rules(validator.city)
                results[t.seq] = _decide_and_record(validator, t, offline=True, rules=rules)
                last = t.seq
            if rules is not None:
                _seen(validator, last)
    except IntegrityError:
        results = {t.seq: process_tap(validator, t, offline=True) for t in order}
    return [results[t.seq] for t in taps]


def _lock_wallets(city: City, taps: list[TapIn]) -> None:
    """The wallets of a batch's cards, row-locked at once in id order before any is decided:
    two batches (or a batch and a top-up) never wait on each other crosswise."""
    digests = {token_hash(t.medium) for t in taps}
    wallets = Medium.objects.filter(city=city, token_hash__in=digests).values_list(
        "account__wallet_id", flat=True)
    list(LedgerAccount.objects.select_for_update().filter(pk__in=list(wallets)).order_by("pk")
         .values_list("pk", flat=True))


def deny_list(city: City, since: int = 0) -> dict[str, Any]:
    """The deny list's changes after version ``since`` (all of it from 0): token hashes added
    and removed, and the version the validator is then at."""
    changes = list(DenyListChange.objects.filter(city=city, version__gt=since).order_by(
        "version").values_list("version", "token_hash", "added"))
    state: dict[str, bool] = {}
    for _, digest, added in changes:
        state[digest] = added
    version = changes[-1][0] if changes else since
    return {"version": version, "since": since,
            "add": sorted(d for d, a in state.items() if a),
            "remove": sorted(d for d, a in state.items() if not a)}
