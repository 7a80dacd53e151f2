"""Eco-points (Bella Mossa style, research note anchors-citycard-engagement.md A.8): points for
each new bus or bike trip, none for a transfer or a repeated tap or a denied one, a daily cap,
a points ledger of their own (append-only) and idempotent redemption."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import DatabaseError, transaction

from zerocity.card import accounts, rewards, services, taps
from zerocity.card.demo import kranj_fares
from zerocity.card.models import PointsEntry
from zerocity.core.errors import Conflict

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]
MORNING = datetime(2026, 10, 20, 5, 0, tzinfo=UTC)  # 07:00 in Kranj


@pytest.fixture
def rider(city):  # type: ignore[no-untyped-def]
    accounts.set_rules(city, kranj_fares())
    buses = [taps.register_validator(city, f"bus-{i}", "bus")[0] for i in range(8)]
    account = accounts.open_account(city)
    accounts.issue_medium(account, "CARD-1")
    services.top_up(account.wallet, "20.00", payment_reference="p1")
    return account, buses


def ride(bus, seq, at):  # type: ignore[no-untyped-def]
    return taps.process_tap(bus, taps.TapIn(seq=seq, medium="CARD-1", at=at,
                                            vehicle=bus.device_id))


def test_points_for_new_trips_only_and_at_most_the_daily_cap(rider):
    account, buses = rider
    ride(buses[0], 1, MORNING)                                  # a trip: 10
    ride(buses[0], 2, MORNING + timedelta(minutes=1))           # the same bus again: 0
    ride(buses[1], 1, MORNING + timedelta(minutes=30))          # a transfer: 0
    assert rewards.balance(account) == 10
    for i in range(2, 8):                                       # six more trips, 2 hours apart
        ride(buses[i], 1, MORNING + timedelta(hours=2 * (i - 1)))
    assert rewards.balance(account) == rewards.DAILY_CAP        # 50, not 70
    ride(buses[0], 3, MORNING + timedelta(days=1))              # a new day
    assert rewards.balance(account) == rewards.DAILY_CAP + 10


def test_a_denied_tap_earns_nothing(rider):
    account, buses = rider
    accounts.block_medium(account.media.get())
    ride(buses[0], 1, MORNING)
    assert rewards.balance(account) == 0


def test_redemption_is_checked_idempotent_and_the_ledger_append_only(rider):
    account, buses = rider
    for i in range(3):
        ride(buses[i], 1, MORNING + timedelta(days=i))
    assert rewards.balance(account) == 30
    first = rewards.redeem(account, 20, where="Kranj pool", key="till-7-0001")
    again = rewards.redeem(account, 20, where="Kranj pool", key="till-7-0001")
    assert (first.replayed, again.replayed) == (False, True)
    assert again.value.pk == first.value.pk and rewards.balance(account) == 10
    with pytest.raises(Conflict, match="20 points are asked, but only 10 are available."):
        rewards.redeem(account, 20, where="Kranj pool", key="till-7-0002")
    with pytest.raises(Conflict, match="already used for another card or number of points"):
        rewards.redeem(account, 5, where="Kranj pool", key="till-7-0001")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        PointsEntry.objects.filter(pk=first.value.pk).update(points=-1)


def test_an_offline_batch_counts_the_daily_cap_across_its_own_taps(rider):
    """Eight trips of one day in one offline queue, after a trip already recorded that day:
    the queue's points stop at the cap, counting the day's earlier points and its own."""
    account, buses = rider
    ride(buses[0], 1, MORNING)                                  # 10 before the queue
    queue = [taps.TapIn(seq=10 + i, medium="CARD-1", vehicle=f"bus-q{i}",
                        at=MORNING + timedelta(hours=2 * (i + 1))) for i in range(7)]
    results = taps.process_batch(buses[1], queue)
    assert all(r.tap.reason == "fare" or r.tap.reason == "capped" for r in results)
    assert rewards.balance(account) == rewards.DAILY_CAP
    earned = list(PointsEntry.objects.filter(account=account).order_by("at").values_list(
        "points", flat=True))
    assert earned == [10, 10, 10, 10, 10]  # four of the queue's trips, then the cap
