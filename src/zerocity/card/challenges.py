"""Challenges the city runs ("ten bus trips in May", "walk 50 km in the European Mobility
Week"): a card holder joins, progress is counted from their accepted taps or reported walks
between the challenge's dates (local days), and reaching the target earns the bonus once —
a points entry keyed by challenge and account, so it is never given twice. The bonus is on top
of the daily cap of trip points."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.db.models import Q, Sum
from django.utils.timezone import now
from django.utils.translation import gettext as _

from zerocity.card.models import (
    CardAccount,
    Challenge,
    ChallengeEntry,
    ChallengeMeasure,
    LedgerAccount,
    PointsEntry,
    PointsKind,
    Tap,
    Walk,
)
from zerocity.card.rewards import EARNING_REASONS
from zerocity.core import audit
from zerocity.core.actors import Person
from zerocity.core.errors import Conflict
from zerocity.core.models import City
from zerocity.core.translations import per_language

SERVICES = {ChallengeMeasure.BUS_TRIPS: ("bus",), ChallengeMeasure.BIKE_TRIPS: ("bike",),
            ChallengeMeasure.GREEN_TRIPS: ("bus", "bike")}


@transaction.atomic
def create_challenge(city: City, code: str, *, title: str, measure: str, target: int,
                     bonus_points: int, starts: date, ends: date, title_sl: str = "",
                     description: str = "", by: Person | None = None, actor: str = "") -> Challenge:
    """A new challenge; the same one again changes nothing."""
    if measure not in ChallengeMeasure.values:
        raise Conflict(_("Choose what the challenge counts: %(measures)s.") % {
            "measures": ", ".join(str(label) for label in ChallengeMeasure.labels)})
    if target <= 0 or bonus_points <= 0:
        raise Conflict(_("A challenge needs a target and bonus points above zero."))
    if ends < starts:
        raise Conflict(_("A challenge must end on or after the day it starts."))
    if not (title.strip() or title_sl.strip()):
        raise Conflict(_("A challenge needs a title, in at least one language."))
    fields = dict(**per_language("title", {"en": title, "sl": title_sl}),
                  **per_language("description", {"en": description}), measure=measure,
                  target=target, bonus_points=bonus_points, starts=starts, ends=ends)
    existing = Challenge.objects.filter(city=city, code=code).first()
    if existing is not None:
        if any(getattr(existing, k) != v for k, v in fields.items()):
            raise Conflict(_("A challenge with the code %(code)s already exists with other "
                             "terms; choose another code.") % {"code": code})
        return existing
    challenge = Challenge.objects.create(city=city, code=code, **fields)
    audit.record("card.challenge", city=city, user=by, actor=actor, obj=challenge, code=code)
    return challenge


def open_challenges(city: City, today: date | None = None) -> list[Challenge]:
    today = today or city.calendar.today()
    return list(Challenge.objects.filter(city=city, ends__gte=today).order_by("starts", "code"))


def _bounds(challenge: Challenge) -> tuple[datetime, datetime]:
    """[the first day's 00:00, the day after the last's 00:00) in the city's zone."""
    return challenge.city.calendar.days_bounds(challenge.starts, challenge.ends)


def progress(challenge: Challenge, account: CardAccount) -> float:
    """Trips or kilometres towards the target, counted between the challenge's dates."""
    if challenge.measure == ChallengeMeasure.WALK_KM:
        km = Walk.objects.filter(account=account, day__gte=challenge.starts,
                                 day__lte=challenge.ends).aggregate(s=Sum("km"))["s"]
        return float(km or 0)
    start, end = _bounds(challenge)
    return float(Tap.objects.filter(
        medium__account=account, accepted=True, reason__in=EARNING_REASONS,
        service__in=SERVICES[ChallengeMeasure(challenge.measure)], at__gte=start,
        at__lt=end).count())


@dataclass(frozen=True)
class Standing:
    challenge: Challenge
    entry: ChallengeEntry | None
    progress: float

    @property
    def percent(self) -> int:
        return min(100, int(100 * self.progress / self.challenge.target))


def standings(account: CardAccount, today: date | None = None) -> list[Standing]:
    """The city's open challenges, and the ones the account took part in, with progress."""
    today = today or account.city.calendar.today()
    entries = {e.challenge_id: e for e in account.challenge_entries.select_related("challenge")}
    challenges = Challenge.objects.filter(city=account.city).filter(
        Q(ends__gte=today) | Q(pk__in=list(entries))).order_by("-starts", "code")
    return [Standing(c, entries.get(c.pk),
                     progress(c, account) if c.pk in entries else 0.0) for c in challenges]


@transaction.atomic
def join(account: CardAccount, challenge: Challenge, *, by: Person | None = None,
         actor: str = "") -> ChallengeEntry:
    """Take part; joining again changes nothing. Trips since the start count."""
    if challenge.city_id != account.city_id:
        raise Conflict(_("This challenge is for another city's card."))
    if account.closed_at is not None:
        raise Conflict(_("This card account is closed."))
    if challenge.ends < account.city.calendar.today():
        raise Conflict(_("This challenge is over; join a current one."))
    entry, created = ChallengeEntry.objects.get_or_create(challenge=challenge, account=account)
    if created:
        audit.record("card.challenge_joined", city=account.city, user=by, actor=actor,
                     obj=entry, challenge=challenge.code)
    check(entry)
    return entry


def check(entry: ChallengeEntry) -> bool:
    """Award the bonus if the target is reached; it is given once however often this runs.
    The caller holds, or this takes, the account's lock."""
    if entry.completed_at is not None:
        return True
    challenge, account = entry.challenge, entry.account
    if progress(challenge, account) < challenge.target:
        return False
    with transaction.atomic():
        LedgerAccount.objects.select_for_update().get(pk=account.wallet_id)
        key = f"challenge:{challenge.pk}:{account.pk}"
        if not PointsEntry.objects.filter(idempotency_key=key).exists():
            PointsEntry.objects.create(account=account, kind=PointsKind.EARN,
                                       points=challenge.bonus_points,
                                       reason=f"challenge {challenge.code}"[:200],
                                       idempotency_key=key, at=now())
        entry.completed_at = now()
        entry.save(update_fields=["completed_at"])
    return True


def after_walk(sender: Any = None, *, walk: Walk, **_: Any) -> None:
    """Check the account's running walking challenges (``signals.walk_recorded``)."""
    for entry in ChallengeEntry.objects.filter(
            account_id=walk.account_id, completed_at__isnull=True,
            challenge__measure=ChallengeMeasure.WALK_KM, challenge__starts__lte=walk.day,
            challenge__ends__gte=walk.day).select_related("challenge", "account"):
        check(entry)
