"""The tap's hot path: each validator's fares are credited to its own revenue account (no
row that every fare of the city updates), the city's revenue is their sum and reconciles, and
a fare-paying tap costs a handful of queries (the medium, its account and wallet in one read,
the decision's reads, one write per table), and an offline queue the same handful however long
it is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from zerocity.card import accounts, selectors, services, taps
from zerocity.card.demo import kranj_fares
from zerocity.card.models import LedgerAccount, LedgerEntry, PointsEntry, Tap

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]
D = Decimal
MORNING = datetime(2026, 10, 20, 5, 0, tzinfo=UTC)  # a Tuesday, 07:00 in Kranj
# A fare-paying tap, with its points: the medium with its account, its wallet (locked), the
# rules' version and whether the rider is in a running challenge, in one read; the taps; the
# passes and concessions in one read; the revenue credit, the transaction, the two entries,
# the wallet, the tap, the day's points and their entry, the validator's last contact; and
# the savepoints of the tap's transaction. A tap sent again is found by the database's unique
# (device, seq), not by a read first; the running challenges are read only for a rider in
# one. The code before this path took 25.
MAX_QUERIES = 13
# An offline queue, however long: the replay check, the media with their accounts, wallets
# (locked), the rules' version and the challenges they are in, the taps, the passes and
# concessions, the revenue credit, the transactions, the entries, the wallets, the taps, the
# day's points and their entries, the validator's last contact, and the savepoints (and the
# running challenges, when a rider of the queue is in one). The code before this path took
# 8.4 a tap.
MAX_BATCH_QUERIES = 14


@pytest.fixture
def riders(city):  # type: ignore[no-untyped-def]
    accounts.set_rules(city, kranj_fares(), actor="test")
    buses = [taps.register_validator(city, f"bus-{i}", "bus")[0] for i in range(2)]
    for i in range(3):
        account = accounts.open_account(city, actor="test")
        accounts.issue_medium(account, f"CARD-{i}")
        services.top_up(account.wallet, "10.00", payment_reference=f"p{i}")
    return buses


def tap(validator, seq, at, medium):  # type: ignore[no-untyped-def]
    return taps.process_tap(validator, taps.TapIn(seq=seq, medium=medium, at=at,
                                                  vehicle=validator.device_id))


def test_each_validator_credits_its_own_revenue_account_and_the_totals_reconcile(city, riders):
    bus0, bus1 = riders
    tap(bus0, 1, MORNING, "CARD-0")
    tap(bus1, 1, MORNING, "CARD-1")
    tap(bus1, 2, MORNING + timedelta(days=1), "CARD-2")
    tap(bus1, 3, MORNING + timedelta(days=1, minutes=1), "CARD-2")  # already validated
    revenue = {a.code: a.balance for a in LedgerAccount.objects.filter(
        city=city, code__startswith="fare-revenue")}
    assert revenue == {"fare-revenue": D("0.00"),
                       services.revenue_code(bus0.pk): D("1.00"),
                       services.revenue_code(bus1.pk): D("2.00")}
    # a pass sold at the desk goes to the city's own revenue account
    wallet = Tap.objects.get(validator=bus0, seq=1).medium.account.wallet
    services.charge(wallet, "0.50", actor="desk")
    fares = sum(t.fare for t in Tap.objects.filter(validator__city=city))
    assert services.fare_revenue(city) == fares + D("0.50") == D("3.50")
    # every fare's revenue entry is on its validator's account
    for t in Tap.objects.filter(payment__isnull=False):
        credited = LedgerEntry.objects.get(transaction=t.payment, amount__gt=0)
        assert credited.account.code == services.revenue_code(t.validator_id)
    assert services.reconcile(city).clean
    # the reconciliation page shows the city's revenue as one line, the sum of them all
    report = selectors.reconciliation_report(city)
    shown = {a.code: a.balance for a in report["system"]}
    assert shown["fare-revenue"] == D("3.50")
    assert not [c for c in report["codes"] if c.startswith("fare-revenue-v")]


def test_a_fare_paying_tap_costs_a_handful_of_queries(city, riders):
    bus0, _ = riders
    tap(bus0, 1, MORNING, "CARD-0")  # the revenue account exists, the rules are parsed
    with CaptureQueriesContext(connection) as ctx:
        paid = tap(bus0, 2, MORNING + timedelta(days=1), "CARD-0")
    assert paid.tap.fare == D("1.00") and paid.balance == D("8.00")
    assert len(ctx.captured_queries) <= MAX_QUERIES, "\n".join(
        q["sql"][:120] for q in ctx.captured_queries)
    assert services.reconcile(city).clean


def test_a_batch_decides_exactly_as_the_same_taps_one_by_one_for_fewer_queries(city, riders):
    from django.db import transaction

    bus0, _ = riders
    tap(bus0, 1, MORNING, "CARD-0")  # the revenue account exists, the rules are parsed
    # three cards over two days: fares, repeats on the bus, the day cap, a transfer, an
    # unknown card, a balance run down; sent out of order, as an offline queue may be
    queue = [taps.TapIn(seq=10 + k, medium=f"CARD-{k % 3}" if k != 7 else "NOT-A-CARD",
                        at=MORNING + timedelta(hours=k * 3 + (k % 2)), vehicle="bus-0")
             for k in range(24)]
    queue.reverse()

    def outcome(results):  # type: ignore[no-untyped-def]
        return [(r.tap.seq, r.tap.accepted, r.tap.reason, r.tap.fare, r.tap.product,
                 r.balance, r.replayed) for r in results]

    def points():  # type: ignore[no-untyped-def]
        return sorted(PointsEntry.objects.filter(tap__seq__gte=10).values_list(
            "account_id", "tap__seq", "points"))

    with transaction.atomic():
        with CaptureQueriesContext(connection) as ctx:
            batch = outcome(taps.process_batch(bus0, queue))
        batch_queries = len(ctx.captured_queries)
        balances = sorted(LedgerAccount.objects.filter(city=city).values_list("code", "balance"))
        earned = points()
        assert services.reconcile(city).clean
        transaction.set_rollback(True)  # the same world again, for the taps one by one
    assert not Tap.objects.filter(seq__gte=10).exists()
    one_by_one = {r.tap.seq: r for r in (
        taps.process_tap(bus0, t, offline=True)
        for t in sorted(queue, key=lambda t: (t.at, t.seq)))}
    assert batch == outcome([one_by_one[t.seq] for t in queue])
    assert {r[2] for r in batch} >= {"fare", "already_validated", "unknown_medium"}
    assert balances == sorted(LedgerAccount.objects.filter(city=city).values_list(
        "code", "balance"))
    assert earned == points() and earned
    assert batch_queries <= MAX_BATCH_QUERIES, batch_queries
    # sent again: every tap the decision already made, nothing charged twice
    again = taps.process_batch(bus0, queue)
    assert all(r.replayed for r in again)
    assert services.reconcile(city).clean
