"""Eco-points for sustainable trips, in the manner of Bologna's Bella Mossa: points for each
new bus or bike trip (not for a transfer or a repeated tap), at most ``DAILY_CAP`` a local day,
kept in a points ledger of their own and redeemed at the city's venues and partner shops."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Sum
from django.utils.timezone import now

from zerocity.card.models import CardAccount, LedgerAccount, PointsEntry, PointsKind, Tap
from zerocity.core import audit
from zerocity.core.errors import Conflict

POINTS_PER_TRIP = {"bus": 10, "bike": 10}
DAILY_CAP = 50
TZ = ZoneInfo("Europe/Ljubljana")
EARNING_REASONS = ("fare", "pass", "capped", "free")  # a new trip, however it was paid


def balance(account: CardAccount) -> int:
    return int(account.points.aggregate(s=Sum("points"))["s"] or 0)


def earn_for_tap(tap: Tap) -> PointsEntry | None:
    """Points for an accepted tap that starts a trip; the caller holds the account's lock."""
    if tap.medium is None or not tap.accepted or tap.reason not in EARNING_REASONS:
        return None
    points = POINTS_PER_TRIP.get(tap.service, 0)
    account = tap.medium.account
    if not points or account.closed_at is not None:
        return None
    day = tap.at.astimezone(TZ).date()
    start = datetime.combine(day, time(0), tzinfo=TZ)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=TZ)
    today = account.points.filter(kind=PointsKind.EARN, at__gte=start, at__lt=end).aggregate(
        s=Sum("points"))["s"] or 0
    points = min(points, DAILY_CAP - today)
    if points <= 0:
        return None
    return PointsEntry.objects.create(account=account, kind=PointsKind.EARN, points=points,
                                      reason=f"{tap.service} trip", tap=tap, at=tap.at)


@transaction.atomic
def redeem(account: CardAccount, points: int, *, where: str, key: str, by: Any = None,
           actor: str = "") -> PointsEntry:
    """Spend points at a venue or partner shop; idempotent by ``key`` (the till's receipt)."""
    done = PointsEntry.objects.filter(idempotency_key=f"redeem:{key}").first()
    if done is not None:
        if done.account_id != account.pk or -done.points != points:
            raise Conflict(f"redemption {key!r} was for another account or amount")
        return done
    if points <= 0:
        raise Conflict("redeem a positive number of points")
    LedgerAccount.objects.select_for_update().get(pk=account.wallet_id)  # the account's lock
    have = balance(account)
    if points > have:
        raise Conflict(f"{points} points asked, {have} available")
    entry = PointsEntry.objects.create(account=account, kind=PointsKind.REDEEM, points=-points,
                                       reason=where[:200], idempotency_key=f"redeem:{key}",
                                       at=now(), by_label=actor or audit.actor_label(by))
    audit.record("card.points_redeemed", city=account.city, user=by, actor=actor, obj=entry,
                 points=points, where=where)
    return entry
