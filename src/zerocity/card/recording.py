"""Deciding and recording a run of one validator's taps together: a single tap online, or an
offline queue. The fare engine decides each tap exactly as it would alone, in the order the
taps happened, against the taps before it (those already stored and those of the run); what
the run reads and writes, it reads and writes once:

- the media, their accounts and their wallets in one read, the wallets row-locked in id order
  (one account's taps and top-ups happen one after the other; two runs never wait on each other
  crosswise), with the version of the fare rules and whether each rider is in a running
  challenge;
- the cards' taps in one read, their passes and concessions in another, for the whole run (the
  reads leave out the models' default orderings, which would join the city to sort them);
- the fares in one credit of the validator's revenue account, one insert of the ledger's
  transactions, one of their entries (each with the balance after it, in the order of the taps)
  and one update of the wallets; the taps in one insert, their eco-points in one read and one
  insert; the running challenges read only for the riders in one. The taps are decided as
  plain records (``Recorded``) and the inserts take plain rows (``core.bulk``): the ORM's
  ``bulk_create`` spent more time preparing a queue's few hundred models than deciding it.

The caller holds the transaction; the ledger's guarantees are those of ``services.pay_fare``
(balanced, whole cents, the wallet's floor with the database's CHECK behind it, one key per
fare), and ``services.reconcile`` proves them afterwards."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import connection
from django.utils.timezone import now

from zerocity.card import challenges, fares, rewards
from zerocity.card.accounts import rules_of, token_hash
from zerocity.card.models import (
    CardAccount,
    ChallengeEntry,
    ChallengeMeasure,
    Eligibility,
    Entitlement,
    FareRuleSet,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    Medium,
    MediumStatus,
    PointsEntry,
    PointsKind,
    Tap,
    TransactionKind,
    Validator,
)
from zerocity.card.services import credit_revenue, read_money, revenue_code
from zerocity.core import bulk
from zerocity.core.calendar import CityCalendar

HISTORY_DAYS = 32  # enough for a monthly cap
TAP_COLUMNS = ("validator_id", "seq", "medium_id", "token_hash", "at", "received_at", "offline",
               "service", "vehicle", "route", "stop", "units", "accepted", "reason", "fare",
               "product", "journey_start", "payment_id")
NO_FLOOR = Decimal("-1e9")


@dataclass(frozen=True)
class TapIn:
    """A tap as its validator sends it (``POST /api/v1/card/taps`` and ``.../taps/batch``)."""

    seq: int
    medium: str
    at: datetime
    service: str | None = None
    vehicle: str | None = None
    units: int | None = None
    route: str | None = None
    stop: str | None = None


@dataclass
class Rider:
    """One card account as the run sees it: its wallet's balance under the lock, and its
    accepted taps, passes and concessions, to which the run adds its own taps."""

    account_id: int
    wallet_id: int
    closed: bool
    balance: Decimal
    floor: Decimal
    challenged: bool  # in a challenge not yet completed
    history: list[fares.PriorTap] = field(default_factory=list)
    passes: list[fares.Pass] = field(default_factory=list)
    eligibilities: list[fares.Eligibility] = field(default_factory=list)


@dataclass(slots=True)
class Recorded:
    """A tap as the run decides and stores it: the columns of its row (``TAP_COLUMNS``) and,
    once stored, its id and when it was received. Plain, not a ``Tap`` model: making a model
    for each tap of a queue of 100 took a fifth of the queue's CPU, and the row is all the
    API answers with (its readers ask what a ``Tap`` has by the same names)."""

    validator_id: int
    seq: int
    token_hash: str
    at: datetime
    offline: bool
    service: str
    vehicle: str
    route: str
    stop: str
    units: int | None
    medium_id: int | None = None
    accepted: bool = False
    reason: str = ""
    fare: Decimal = Decimal("0.00")
    product: str = ""
    journey_start: datetime | None = None
    payment_id: int | None = None
    received_at: datetime | None = None
    pk: int | None = None


@dataclass(frozen=True)
class Decided:
    tap: Recorded
    balance: Decimal | None  # the wallet's balance after the tap; None for an unknown card


def record(validator: Validator, run: Sequence[TapIn], *, offline: bool) -> list[Decided]:
    """Decide and record ``run`` (taps not yet recorded, in the order they happened) inside the
    caller's transaction; the results in the same order."""
    city = validator.city
    digests = [token_hash(t.medium) for t in run]
    media, riders, version = _riders(city.pk, set(digests))
    rules = rules_of(city, version) if media else None  # an unknown card needs none
    _load(riders, run)
    decided: list[tuple[Recorded, Rider | None, Decimal | None]] = []
    for t, digest in zip(run, digests, strict=True):
        service = t.service or validator.service
        record = Recorded(validator.pk, t.seq, digest, t.at, offline, service, t.vehicle or "",
                          t.route or "", t.stop or "", t.units)
        found = media.get(digest)
        if found is None:
            record.accepted, record.reason = False, "unknown_medium"
            decided.append((record, None, None))
            continue
        medium_id, status, rider = found
        assert rules is not None
        since, until = t.at - timedelta(days=HISTORY_DAYS), t.at + timedelta(days=HISTORY_DAYS)
        decision = fares.decide(
            rules, fares.Tap(at=t.at, service=service, vehicle=t.vehicle, units=t.units),
            history=[p for p in rider.history if since <= p.at < until],
            passes=[p for p in rider.passes if p.valid_from <= t.at < p.valid_to],
            eligibilities=rider.eligibilities, balance=rider.balance, floor=rider.floor,
            blocked=status != MediumStatus.ACTIVE or rider.closed)
        record.medium_id, record.accepted, record.reason = (medium_id, decision.accept,
                                                            decision.reason)
        record.fare, record.product = decision.fare, decision.product or ""
        record.journey_start = decision.journey_start
        if decision.accept:
            rider.balance -= decision.fare  # the engine kept it above the floor
            rider.history.append(fares.PriorTap(
                at=t.at, service=service, vehicle=t.vehicle or None, fare=decision.fare,
                reason=decision.reason, journey_start=decision.journey_start or t.at))
        decided.append((record, rider, rider.balance))
    _pay(validator, [(r, rider, after) for r, rider, after in decided
                     if rider is not None and after is not None and r.fare > 0])
    records = [r for r, _, _ in decided]
    received = now()
    for r, pk in zip(records, bulk.insert(Tap, TAP_COLUMNS, [
            [received if c == "received_at" else getattr(r, c) for c in TAP_COLUMNS]
            for r in records], returning=True), strict=True):
        r.pk, r.received_at = pk, received
    _trips(city.calendar, [(r, rider) for r, rider, _ in decided if rider is not None
                           and r.accepted and r.reason in rewards.EARNING_REASONS])
    return [Decided(r, after) for r, _, after in decided]


def _riders(city_pk: int, digests: set[str]) -> tuple[dict[str, tuple[int, str, Rider]],
                                                       list[Rider], int | None]:
    """The run's media with their accounts and wallets in one read, which row-locks the
    wallets (only them) in id order; with each account, whether it is in a challenge not yet
    completed, and with them all, the version of the fare rules in force (None when the city
    has none, or when no medium is found). The statement is written out: it is the hottest
    read of the card, and the ORM spent longer building it and a model per row than the
    database took to answer."""
    t = {m: connection.ops.quote_name(m._meta.db_table)
         for m in (Medium, CardAccount, LedgerAccount, FareRuleSet, ChallengeEntry)}
    postgres = connection.vendor == "postgresql"
    wanted, keys = bulk.any_of(sorted(digests))
    sql = (  # noqa: S608 (table names from the models, values bound)
        f"SELECT m.id, m.token_hash, m.status, a.id, a.closed_at IS NOT NULL, w.id, "
        f"w.balance, w.floor, EXISTS (SELECT 1 FROM {t[ChallengeEntry]} e "
        f"WHERE e.account_id = a.id AND e.completed_at IS NULL), "
        f"(SELECT MAX(r.version) FROM {t[FareRuleSet]} r WHERE r.city_id = m.city_id) "
        f"FROM {t[Medium]} m JOIN {t[CardAccount]} a ON a.id = m.account_id "
        f"JOIN {t[LedgerAccount]} w ON w.id = a.wallet_id "
        f"WHERE m.city_id = %s AND m.token_hash {wanted} ORDER BY w.id, m.id"
        + (" FOR UPDATE OF w" if postgres else ""))
    rows = bulk.select(sql, [city_pk, *keys])
    media: dict[str, tuple[int, str, Rider]] = {}
    riders: dict[int, Rider] = {}
    for pk, digest, status, account_id, closed, wallet_id, balance, floor, challenged, \
            _version in rows:
        rider = riders.get(account_id)
        if rider is None:
            rider = riders[account_id] = Rider(
                account_id, wallet_id, bool(closed), read_money(balance),
                NO_FLOOR if floor is None else read_money(floor), bool(challenged))
        media[digest] = (pk, status, rider)
    return media, list(riders.values()), rows[0][-1] if rows else None


def _load(riders: list[Rider], run: Sequence[TapIn]) -> None:
    """The riders' accepted taps around the run in one read, their passes and concessions in
    another. Both are written out (``bulk.select``): for a queue of a hundred taps the ORM
    spent longer building them and reading their timestamps than the database answering."""
    if not riders:
        return
    by_account = {r.account_id: r for r in riders}
    first, last = min(t.at for t in run), max(t.at for t in run)
    t = {m: connection.ops.quote_name(m._meta.db_table)
         for m in (Tap, Medium, Entitlement, Eligibility)}
    accounts, keys = bulk.any_of(by_account)
    taken = (  # noqa: S608 (table names from the models, values bound)
        f"SELECT m.account_id, t.at, t.service, t.vehicle, t.fare, t.reason, t.journey_start "
        f"FROM {t[Tap]} t JOIN {t[Medium]} m ON m.id = t.medium_id "
        f"WHERE m.account_id {accounts} AND t.accepted AND t.at >= %s AND t.at < %s "
        f"ORDER BY t.at")
    for account_id, at, service, vehicle, fare, reason, start in bulk.select(
            taken, [*keys, first - timedelta(days=HISTORY_DAYS),
                    last + timedelta(days=HISTORY_DAYS)], times=(1, 6)):
        by_account[account_id].history.append(fares.PriorTap(
            at=at, service=service, vehicle=vehicle or None, fare=read_money(fare),
            reason=reason, journey_start=start or at))
    held = (  # noqa: S608 (table names from the models, values bound)
        f"SELECT account_id, product, valid_from, valid_to, 1 FROM {t[Entitlement]} "
        f"WHERE account_id {accounts} AND revoked_at IS NULL AND valid_from <= %s "
        f"AND valid_to > %s UNION ALL SELECT account_id, category, valid_from, expires_at, 0 "
        f"FROM {t[Eligibility]} WHERE account_id {accounts}")
    for account_id, name, valid_from, valid_to, is_pass in bulk.select(
            held, [*keys, last, first, *keys], times=(2, 3)):
        rider = by_account[account_id]
        if is_pass:
            rider.passes.append(fares.Pass(name, valid_from, valid_to))
        else:
            rider.eligibilities.append(fares.Eligibility(name, valid_from, valid_to))


def _pay(validator: Validator, due: list[tuple[Recorded, Rider, Decimal]]) -> None:
    """The run's fares: one credit of the validator's revenue account for them all, then each
    fare's transaction and its two entries, with the balances after them in the order of the
    taps, and the wallets' new balances."""
    if not due:
        return
    city = validator.city
    total = sum((record.fare for record, _, _ in due), Decimal("0.00"))
    revenue_pk, revenue = credit_revenue(city, revenue_code(validator.pk), total)
    revenue -= total  # the balance before the run; each fare adds to it below
    actor, at = f"validator {validator.device_id}", now()
    txs = bulk.insert(
        LedgerTransaction, ("city_id", "kind", "idempotency_key", "reason", "by_label",
                            "created_at"),
        [(city.pk, TransactionKind.FARE, f"tap:{validator.pk}:{record.seq}", "", actor, at)
         for record, _, _ in due], returning=True)
    entries = []
    for (record, rider, after), tx in zip(due, txs, strict=True):
        revenue += record.fare
        record.payment_id = tx
        entries += sorted([(tx, rider.wallet_id, -record.fare, after),
                           (tx, revenue_pk, record.fare, revenue)], key=lambda e: e[1])
    bulk.insert(LedgerEntry, ("transaction_id", "account_id", "amount", "balance_after"),
                entries)
    wallets = {rider.wallet_id: rider.balance for _, rider, _ in due}
    with connection.cursor() as cursor:  # the ORM's bulk_update builds a CASE per wallet
        cursor.executemany(
            f"UPDATE {LedgerAccount._meta.db_table} SET balance = %s WHERE id = %s",  # noqa: S608
            [(balance, pk) for pk, balance in sorted(wallets.items())])


def _trips(cal: CityCalendar, trips: list[tuple[Recorded, Rider]]) -> None:
    """The run's new trips: their eco-points (``rewards``: at most the daily cap a local day,
    the day's earlier points counted), then the challenges they count for, each checked once
    after the run's taps are stored (a challenge's bonus is given once, when its count is
    reached)."""
    if not trips:
        return
    days = {cal.local_date(r.at) for r, _ in trips}
    earning = [(r, rider) for r, rider in trips
               if rewards.POINTS_PER_TRIP.get(r.service) and not rider.closed]
    if earning:
        start, end = cal.days_bounds(min(days), max(days))
        earned: dict[tuple[int, date], int] = defaultdict(int)
        accounts, keys = bulk.any_of({rider.account_id for _, rider in earning})
        for account_id, at, points in bulk.select(
                f"SELECT account_id, at, points FROM {PointsEntry._meta.db_table} "  # noqa: S608
                f"WHERE account_id {accounts} AND kind = %s AND at >= %s AND at < %s "
                f"AND (idempotency_key IS NULL OR idempotency_key NOT LIKE %s)",
                [*keys, PointsKind.EARN, start, end, "challenge:%"], times=(1,)):
            earned[account_id, cal.local_date(at)] += points
        entries = []
        for r, rider in earning:
            key = (rider.account_id, cal.local_date(r.at))
            points = min(rewards.POINTS_PER_TRIP[r.service],
                         max(0, rewards.DAILY_CAP - earned[key]))
            if points > 0:
                earned[key] += points
                entries.append((rider.account_id, PointsKind.EARN, points, f"{r.service} trip",
                                r.pk, r.at, ""))
        bulk.insert(PointsEntry, ("account_id", "kind", "points", "reason", "tap_id", "at",
                                  "by_label"), entries)
    counted: dict[int, list[tuple[str, date]]] = defaultdict(list)
    for r, rider in trips:
        if rider.challenged:  # only a rider in a running challenge is read for it
            counted[rider.account_id].append((r.service, cal.local_date(r.at)))
    if not counted:
        return
    for entry in ChallengeEntry.objects.filter(
            account_id__in=counted, completed_at__isnull=True, challenge__starts__lte=max(days),
            challenge__ends__gte=min(days)).select_related("challenge", "account").order_by():
        challenge = entry.challenge
        services = challenges.SERVICES.get(ChallengeMeasure(challenge.measure), ())
        if any(s in services and challenge.starts <= d <= challenge.ends
               for s, d in counted[entry.account_id]):
            challenges.check(entry)
