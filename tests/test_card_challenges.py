"""Challenges and walks: progress counted from accepted taps and reported walks between the
challenge's dates, the bonus given once however often it is checked, walks capped and checked,
and the citizen's page to take part and record a walk."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils.timezone import now

from zerocity.card import accounts, challenges, rewards, services, taps
from zerocity.card.demo import kranj_fares
from zerocity.card.models import PointsEntry
from zerocity.core.errors import Conflict
from zerocity.core.models import Role
from zerocity.core.services import grant_role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]
TZ = ZoneInfo("Europe/Ljubljana")


@pytest.fixture
def holder(city):  # type: ignore[no-untyped-def]
    accounts.set_rules(city, kranj_fares())
    user = grant_role(city, "walker", Role.CITIZEN).user
    account = accounts.open_account(city, holder=user)
    accounts.issue_medium(account, "CARD-0100")
    services.top_up(account.wallet, "20.00", payment_reference="c1")
    return city, user, account


def three_trips(city, account):  # type: ignore[no-untyped-def]
    """A bus, a challenge of three bus trips around today that ``account`` joined, and the
    start of the day before yesterday."""
    today = now().astimezone(TZ).date()
    bus, _ = taps.register_validator(city, "bus-9", "bus")
    challenge = challenges.create_challenge(
        city, "three", title="Three trips", measure="bus_trips", target=3, bonus_points=25,
        starts=today - timedelta(days=3), ends=today + timedelta(days=3))
    entry = challenges.join(account, challenge)
    return bus, challenge, entry, datetime.combine(today - timedelta(days=2),
                                                   datetime.min.time(), TZ)


def test_three_bus_trips_complete_the_challenge_and_the_bonus_comes_once(holder):
    city, _, account = holder
    bus, challenge, entry, start = three_trips(city, account)
    # 8:00 on another bus is a free transfer: not a new trip
    for i, (hours, vehicle) in enumerate(((7, "a"), (8, "b"), (17, "c"))):
        taps.process_tap(bus, taps.TapIn(seq=i, medium="CARD-0100", vehicle=vehicle,
                                         at=start + timedelta(hours=hours)))
    entry.refresh_from_db()
    assert challenges.progress(challenge, account) == 2 and entry.completed_at is None
    taps.process_tap(bus, taps.TapIn(seq=9, medium="CARD-0100",
                                     at=start + timedelta(days=1, hours=7)))
    entry.refresh_from_db()
    assert entry.completed_at is not None
    assert challenges.check(entry) and challenges.join(account, challenge) == entry
    bonus = PointsEntry.objects.filter(account=account, reason="challenge three")
    assert [b.points for b in bonus] == [25]
    # 3 trips x 10 points, plus the bonus (which does not count against the daily cap)
    assert rewards.balance(account) == 3 * 10 + 25


def test_walks_are_capped_checked_and_count_towards_a_walking_challenge(holder):
    city, _, account = holder
    today = now().astimezone(TZ).date()
    challenge = challenges.create_challenge(
        city, "walk", title="Walk 10 km", measure="walk_km", target=10, bonus_points=40,
        starts=today - timedelta(days=5), ends=today)
    challenges.join(account, challenge)
    rewards.record_walk(account, today - timedelta(days=1), "6.5")
    assert rewards.record_walk(account, today - timedelta(days=1), "9").km == Decimal("6.5")
    assert rewards.balance(account) == rewards.WALK_POINTS  # one walk a day earns once
    for bad, why in (("0.5", "1 to 60 km"), ("61", "1 to 60 km"),
                     ("far", "not a number")):
        with pytest.raises(Conflict, match=why):
            rewards.record_walk(account, today, bad)
    with pytest.raises(Conflict, match="only for today or an earlier day"):
        rewards.record_walk(account, today + timedelta(days=1), "3")
    rewards.record_walk(account, today, "3.5")
    assert challenges.progress(challenge, account) == 10.0
    assert challenge.entries.get(account=account).completed_at is not None
    assert rewards.balance(account) == 2 * rewards.WALK_POINTS + 40


def test_a_challenge_is_refused_with_bad_terms_and_once_over_it_cannot_be_joined(holder):
    city, _, account = holder
    with pytest.raises(Conflict, match="Choose what the challenge counts"):
        challenges.create_challenge(city, "x", title="X", measure="car_trips", target=1,
                                    bonus_points=1, starts=date(2026, 1, 1),
                                    ends=date(2026, 1, 2))
    with pytest.raises(Conflict, match="end on or after"):
        challenges.create_challenge(city, "x", title="X", measure="bus_trips", target=1,
                                    bonus_points=1, starts=date(2026, 1, 2),
                                    ends=date(2026, 1, 1))
    over = challenges.create_challenge(city, "old", title="Old", measure="bus_trips",
                                       target=1, bonus_points=1, starts=date(2025, 1, 1),
                                       ends=date(2025, 1, 31))
    with pytest.raises(Conflict, match="over"):
        challenges.join(account, over)


def test_the_citizen_takes_part_and_records_a_walk_on_their_page(holder):
    city, user, account = holder
    today = now().astimezone(TZ).date()
    challenge = challenges.create_challenge(
        city, "may", title="Ten trips", title_sl="Deset voženj", measure="bus_trips",
        target=10, bonus_points=50, starts=today, ends=today + timedelta(days=20))
    client = Client()
    client.force_login(user)
    page = client.get(f"/sl/{city.slug}/card/").content.decode()
    assert "Deset voženj" in page and 'data-challenge="may"' in page
    join = f"/en/{city.slug}/card/accounts/{account.pk}/challenges/{challenge.pk}/join/"
    assert client.post(join).status_code == 302
    assert challenge.entries.filter(account=account).exists()
    walk = f"/en/{city.slug}/card/accounts/{account.pk}/walks/"
    assert client.post(walk, {"day": today.isoformat(), "km": "4,2"}).status_code == 302
    assert account.walks.get().km == Decimal("4.2")
    page = client.get(f"/en/{city.slug}/card/").content.decode()
    assert "0 / 10 bus trips" in page
    # someone else's account: not found, nothing recorded
    other = Client()
    other.force_login(grant_role(city, "nosy", Role.CITIZEN).user)
    assert other.post(join).status_code == 404
    assert other.post(walk, {"day": today.isoformat(), "km": "5"}).status_code == 404


def test_an_offline_batch_completes_the_challenge_once_with_the_same_points(holder):
    """The same four trips as above sent in one offline queue: the challenge is checked once
    after the queue is recorded, reached, and its bonus given once."""
    city, _, account = holder
    bus, _, entry, start = three_trips(city, account)
    queue = [taps.TapIn(seq=i, medium="CARD-0100", vehicle=vehicle, at=start + offset)
             for i, (offset, vehicle) in enumerate((
                 (timedelta(hours=7), "a"), (timedelta(hours=8), "b"),
                 (timedelta(hours=17), "c"), (timedelta(days=1, hours=7), "d")))]
    results = taps.process_batch(bus, queue)
    reasons = [r.tap.reason for r in results]  # the third trip reaches the day's fare cap
    assert reasons[1] == "transfer" and {reasons[0], reasons[2], reasons[3]} <= {"fare", "capped"}
    entry.refresh_from_db()
    assert entry.completed_at is not None
    assert rewards.balance(account) == 3 * 10 + 25
    taps.process_batch(bus, queue)  # sent again: nothing more
    assert rewards.balance(account) == 3 * 10 + 25
