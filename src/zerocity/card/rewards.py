"""Eco-points for sustainable trips, in the manner of Bologna's Bella Mossa: points for each
new bus or bike trip (not for a transfer or a repeated tap) and for a day's walk, at most
``DAILY_CAP`` a local day, kept in a points ledger of their own and redeemed at the city's
venues and partner shops. A card tap is strong evidence of a trip; a walk the citizen reports
is weaker, so it earns less (``WALK_POINTS``) and at most one a day."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Sum
from django.utils.timezone import now
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from zerocity.card.models import (
    CardAccount,
    LedgerAccount,
    Medium,
    MediumStatus,
    PointsEntry,
    PointsKind,
    Validator,
    Walk,
)
from zerocity.card.signals import walk_recorded
from zerocity.core import audit
from zerocity.core.actors import Person
from zerocity.core.calendar import CityCalendar
from zerocity.core.errors import Conflict, NotFound
from zerocity.core.formats import number
from zerocity.core.results import Done

POINTS_PER_TRIP = {"bus": 10, "bike": 10}
WALK_POINTS = 5
WALK_MIN_KM, WALK_MAX_KM = Decimal("1.0"), Decimal("60.0")
DAILY_CAP = 50  # a local day of the city's (``core.calendar``)
EARNING_REASONS = ("fare", "pass", "capped", "free")  # a new trip, however it was paid


def balance(account: CardAccount) -> int:
    return int(account.points.aggregate(s=Sum("points"))["s"] or 0)


def _room(account: CardAccount, cal: CityCalendar, day: date) -> int:
    """Points an account may still earn on a local day."""
    start, end = cal.day_bounds(day)
    today = account.points.filter(kind=PointsKind.EARN, at__gte=start, at__lt=end).exclude(
        idempotency_key__startswith="challenge:").aggregate(s=Sum("points"))["s"] or 0
    return max(0, DAILY_CAP - today)


@transaction.atomic
def record_walk(account: CardAccount, day: date, km: Decimal | str, *,
                evidence: str = "self-reported", by: Person | None = None, actor: str = "") -> Walk:
    """A day's walk: at most one a day (reporting the day again keeps the first), within the
    day's cap, never in the future."""
    try:
        km = Decimal(str(km)).quantize(Decimal("0.1"))
    except InvalidOperation:
        raise Conflict(_("%(km)s is not a number of kilometres.") % {"km": km}) from None
    if not WALK_MIN_KM <= km <= WALK_MAX_KM:
        raise Conflict(_("A day's walk is %(low)s to %(high)s km.")
                       % {"low": number(WALK_MIN_KM), "high": number(WALK_MAX_KM)})
    cal = account.city.calendar
    if day > cal.today():
        raise Conflict(_("A walk can be reported only for today or an earlier day."))
    if account.closed_at is not None:
        raise Conflict(_("This card account is closed."))
    LedgerAccount.objects.select_for_update().get(pk=account.wallet_id)  # the account's lock
    walk, created = Walk.objects.get_or_create(account=account, day=day,
                                               defaults={"km": km, "evidence": evidence[:20]})
    if created:
        points = min(WALK_POINTS, _room(account, cal, day))
        if points > 0:
            PointsEntry.objects.create(
                account=account, kind=PointsKind.EARN, points=points, reason="walk",
                idempotency_key=f"walk:{walk.pk}",
                at=cal.at(day, time(12)))
        audit.record("card.walk", city=account.city, user=by, actor=actor, obj=walk,
                     km=str(km))
        walk_recorded.send(sender=Walk, walk=walk)  # challenges count it
    return walk


@transaction.atomic
def redeem(account: CardAccount, points: int, *, where: str, key: str, by: Person | None = None,
           actor: str = "") -> Done[PointsEntry]:
    """Spend points at a venue or partner shop; idempotent by ``key`` (the till's receipt):
    the same receipt again is a replay and spends nothing more."""
    done = PointsEntry.objects.filter(idempotency_key=f"redeem:{key}").first()
    if done is not None:
        if done.account_id != account.pk or -done.points != points:
            raise Conflict(_("This receipt was already used for another card or number of points; "
                             "use a new receipt number."), code="redemption-key-reused")
        return Done(done, True)
    if points <= 0:
        raise Conflict(_("Redeem more than zero points."))
    LedgerAccount.objects.select_for_update().get(pk=account.wallet_id)  # the account's lock
    have = balance(account)
    if points > have:
        raise Conflict(ngettext("%(asked)s point is asked, but only %(have)s are available.",
                                "%(asked)s points are asked, but only %(have)s are available.",
                                points) % {"asked": number(points), "have": number(have)})
    entry = PointsEntry.objects.create(account=account, kind=PointsKind.REDEEM, points=-points,
                                       reason=where[:200], idempotency_key=f"redeem:{key}",
                                       at=now(), by_label=actor or audit.actor_label(by))
    audit.record("card.points_redeemed", city=account.city, user=by, actor=actor, obj=entry,
                 points=points, where=where)
    return Done(entry, False)


def redeem_at_till(till: Validator, token: str, points: int, receipt: str) -> Done[PointsEntry]:
    """Points spent at a partner shop's or venue's till (registered like a validator) for the
    card whose token it read; idempotent by the till's receipt number."""
    from zerocity.card.accounts import token_hash

    medium = Medium.objects.filter(city=till.city, token_hash=token_hash(token),
                                   status=MediumStatus.ACTIVE).select_related("account").first()
    if medium is None:
        raise NotFound(_("No active card has this number; the card may be blocked or "
                         "replaced."))
    return redeem(medium.account, points, where=till.description or till.device_id,
                  key=f"{till.device_id}:{receipt.strip()}", actor=f"till {till.device_id}")
