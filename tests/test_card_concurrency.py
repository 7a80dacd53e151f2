"""Many validators and top-ups on one card account at once, on PostgreSQL.

The first test proves the race is real: with the account lock taken away, two top-ups read the
same balance and one of them is lost from the cached balance (reconciliation catches it). The
others show that with the lock nothing is lost or doubled."""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection, connections

from zerocity.card import services
from zerocity.card.models import LedgerAccount, LedgerTransaction, Tap
from zerocity.core.results import Done

pytestmark = [pytest.mark.postgres_only,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture(autouse=True)
def only_on_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("row locks are proved on PostgreSQL; the PostgreSQL pass of `make test` "
                    "runs this")


def in_threads(n: int, work: Callable[[int], object]) -> list[object]:
    results: list[object] = [None] * n
    start = threading.Barrier(n)

    def run(i: int) -> None:
        try:
            start.wait(timeout=10)
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 - the failure is what the test inspects
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_without_the_lock_a_top_up_is_lost(city, monkeypatch):
    wallet = services.open_wallet(city, "card-1", "Card 1")
    both_read = threading.Barrier(2)

    def no_lock(pks):  # type: ignore[no-untyped-def]
        accounts = {a.pk: a for a in LedgerAccount.objects.filter(pk__in=pks)}
        both_read.wait(timeout=10)  # both have read the balance: the window the lock closes
        return accounts

    monkeypatch.setattr(services, "_lock_accounts", no_lock)
    in_threads(2, lambda i: services.top_up(wallet, "10.00", payment_reference=f"p{i}"))
    assert LedgerAccount.objects.get(pk=wallet.pk).balance == Decimal("10.00")
    assert "card-1: cached balance 10.00, entries add up to 20.00" in \
        services.reconcile(city).problems


def test_with_the_lock_concurrent_fares_stop_exactly_at_the_floor(city):
    wallet = services.open_wallet(city, "card-1", "Card 1")
    services.top_up(wallet, "30.00", payment_reference="p0")

    def ten_fares(i: int) -> list[object]:
        out: list[object] = []
        for _ in range(10):
            try:
                out.append(services.charge(wallet, "0.50"))
            except services.InsufficientBalance as exc:
                out.append(exc)
        return out

    results = [r for batch in in_threads(8, ten_fares) for r in batch]  # type: ignore[union-attr]
    paid = [r for r in results if isinstance(r, LedgerTransaction)]
    refused = [r for r in results if isinstance(r, services.InsufficientBalance)]
    assert (len(paid), len(refused)) == (60, 20)
    assert LedgerAccount.objects.get(pk=wallet.pk).balance == Decimal("0.00")
    assert services.reconcile(city).clean


def test_the_same_top_up_sent_by_many_connections_credits_once(city):
    wallet = services.open_wallet(city, "card-1", "Card 1")
    results = in_threads(8, lambda i: services.top_up(wallet, "10.00",
                                                      payment_reference="psp-42"))
    assert all(isinstance(r, Done) for r in results), results
    assert len({r.value.pk for r in results}) == 1  # type: ignore[union-attr]
    # one connection made it; every other one is told it repeated it
    assert sorted(r.replayed for r in results) == [False] + [True] * 7  # type: ignore[union-attr]
    assert LedgerAccount.objects.get(pk=wallet.pk).balance == Decimal("10.00")
    assert services.reconcile(city).clean


def test_taps_and_top_ups_from_many_connections_lose_nothing(city):
    from datetime import UTC, datetime, timedelta

    from zerocity.card import accounts, taps
    from zerocity.card.demo import kranj_fares
    from zerocity.card.taps import TapIn

    accounts.set_rules(city, kranj_fares(), actor="test")
    validators = [taps.register_validator(city, f"bus-{i}", "bus")[0] for i in range(6)]
    account = accounts.open_account(city)
    accounts.issue_medium(account, "CARD-1")
    services.top_up(account.wallet, "10.00", payment_reference="p0")
    day0 = datetime(2026, 10, 1, 5, 0, tzinfo=UTC)

    def work(i: int) -> object:
        if i < 6:  # six buses, each one ride a day for five days: EUR 1 a day (day cap)
            return [taps.process_tap(validators[i], TapIn(
                seq=d, medium="CARD-1", at=day0 + timedelta(days=d, hours=i * 3),
                vehicle=f"bus-{i}")) for d in range(5)]
        return services.top_up(account.wallet, "1.00", payment_reference=f"p{i}")

    results = in_threads(10, work)
    assert not [r for r in results if isinstance(r, Exception)], results
    charged = sum(t.fare for t in Tap.objects.filter(medium__account=account))
    # each day costs exactly EUR 1 however the six buses' taps interleave
    assert charged == Decimal("5.00")
    assert LedgerAccount.objects.get(pk=account.wallet_id).balance == Decimal("9.00")
    assert Tap.objects.filter(medium__account=account).count() == 30
    assert services.reconcile(city).clean


def _two_fares_at_once(city, pay):  # type: ignore[no-untyped-def]
    """Connection A pays a fare and keeps its transaction open; connection B pays another
    card's fare meanwhile, allowed to wait 2 s for a lock. What B got (or the error)."""
    from django.db import transaction

    a_paid, b_done = threading.Event(), threading.Event()

    def work(i: int) -> object:
        with transaction.atomic():
            if i == 0:
                pay(0)
                a_paid.set()
                b_done.wait(timeout=10)  # A holds its rows until B has finished
                return "A"
            a_paid.wait(timeout=10)
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")
            try:
                return pay(1)
            finally:
                b_done.set()

    return in_threads(2, work)[1]


def test_one_revenue_row_for_the_city_makes_fares_wait_on_each_other(city):
    """The race the validators' revenue accounts remove: two cards' fares credited to the
    city's one revenue row wait on each other (B gives up after its lock timeout)."""
    wallets = [services.open_wallet(city, f"card-{i}", f"Card {i}") for i in range(2)]
    for i, w in enumerate(wallets):
        services.top_up(w, "5.00", payment_reference=f"p{i}")
    result = _two_fares_at_once(city, lambda i: services.charge(wallets[i], "1.00"))
    assert "lock timeout" in str(result), result


def test_two_validators_fares_do_not_wait_on_one_row(city):
    from datetime import UTC, datetime

    from zerocity.card import accounts, taps
    from zerocity.card.demo import kranj_fares
    from zerocity.card.taps import TapIn

    accounts.set_rules(city, kranj_fares(), actor="test")
    buses = [taps.register_validator(city, f"bus-{i}", "bus")[0] for i in range(2)]
    for i in range(2):
        account = accounts.open_account(city)
        accounts.issue_medium(account, f"CARD-{i}")
        services.top_up(account.wallet, "5.00", payment_reference=f"p{i}")
    at = datetime(2026, 10, 1, 5, 0, tzinfo=UTC)
    result = _two_fares_at_once(city, lambda i: taps.process_tap(
        buses[i], TapIn(seq=1, medium=f"CARD-{i}", at=at, vehicle=f"bus-{i}")))
    assert isinstance(result, taps.TapResult), result
    assert result.tap.fare == Decimal("1.00")
    assert Tap.objects.filter(fare=Decimal("1.00")).count() == 2
    assert services.fare_revenue(city) == Decimal("2.00")
    assert services.reconcile(city).clean


def test_batches_over_the_same_cards_in_other_orders_never_deadlock(city):
    """Each batch is one transaction that locks the wallets of its cards: at once and in id
    order, so four validators' batches naming the same cards in different orders all
    finish, and every card's day costs its EUR 1 once."""
    from datetime import UTC, datetime, timedelta

    from zerocity.card import accounts, taps
    from zerocity.card.demo import kranj_fares
    from zerocity.card.taps import TapIn

    accounts.set_rules(city, kranj_fares(), actor="test")
    buses = [taps.register_validator(city, f"bus-{i}", "bus")[0] for i in range(4)]
    for c in range(4):
        account = accounts.open_account(city)
        accounts.issue_medium(account, f"CARD-{c}")
        services.top_up(account.wallet, "5.00", payment_reference=f"p{c}")
    day0 = datetime(2026, 10, 1, 5, 0, tzinfo=UTC)

    def batch(i: int) -> object:
        cards = [(i + k) % 4 for k in range(4)]  # each validator meets the cards in its order
        return taps.process_batch(buses[i], [TapIn(
            seq=n + 1, medium=f"CARD-{cards[n % 4]}", vehicle=f"bus-{i}",
            at=day0 + timedelta(minutes=n * 7 + i)) for n in range(12)])

    results = in_threads(4, batch)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert Tap.objects.count() == 48
    assert sum(t.fare for t in Tap.objects.all()) == Decimal("4.00")  # the day cap, per card
    assert services.fare_revenue(city) == Decimal("4.00")
    assert services.reconcile(city).clean


def test_a_tap_locks_its_wallet_and_nothing_else_of_the_card(city):
    """The tap's one read of the medium, its account and its wallet locks the wallet only:
    while a tap's transaction is open, another connection still changes the card and its
    account without waiting (locking their rows too would make the desk wait on every tap,
    and deadlock with its paths that lock the wallet first), and it is the wallet it waits
    on (B gives up after its lock timeout)."""
    from datetime import UTC, datetime

    from django.db import transaction

    from zerocity.card import accounts, taps
    from zerocity.card.demo import kranj_fares
    from zerocity.card.models import CardAccount, Medium
    from zerocity.card.taps import TapIn

    accounts.set_rules(city, kranj_fares(), actor="test")
    bus, _ = taps.register_validator(city, "bus-0", "bus")
    account = accounts.open_account(city)
    accounts.issue_medium(account, "CARD-0")
    services.top_up(account.wallet, "5.00", payment_reference="p0")
    at = datetime(2026, 10, 1, 5, 0, tzinfo=UTC)

    def work(i: int) -> object:
        if i == 0:
            return taps.process_tap(bus, TapIn(seq=1, medium="CARD-0", at=at, vehicle="bus-0"))
        changed = (Medium.objects.filter(account=account).update(label="0000-b"),
                   CardAccount.objects.filter(pk=account.pk).update(closed_at=None))
        try:
            with transaction.atomic():
                LedgerAccount.objects.select_for_update().get(pk=account.wallet_id)
        except Exception as exc:  # noqa: BLE001 - the lock timeout is what the test reads
            return changed, str(exc)
        return changed, "the wallet was not locked"

    changed, wallet = _two_fares_at_once(city, work)
    assert changed == (1, 1)
    assert "lock timeout" in wallet, wallet
    assert Tap.objects.get(seq=1).fare == Decimal("1.00")
    assert services.reconcile(city).clean
