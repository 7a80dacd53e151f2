"""City card accounts, media and taps on Kranj's fare rules (research note
anchors-citycard-engagement.md A.2: day ticket EUR 1, monthly EUR 10 from the purchase day to the
end of the month; A.1: Urbana's 90-minute transfer and "already validated" on the same bus).
Online and offline taps, blocked media, replacement, passes, concessions, closing an account,
and the validators' API."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.test import Client

from zerocity.card import accounts, services, taps
from zerocity.card.demo import kranj_fares
from zerocity.card.models import Medium, MediumStatus, Tap
from zerocity.core.errors import Conflict

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]
D = Decimal
# a Tuesday in October 2026, 07:00 in Kranj (UTC+2)
MORNING = datetime(2026, 10, 20, 5, 0, tzinfo=UTC)


@pytest.fixture
def card(city):  # type: ignore[no-untyped-def]
    accounts.set_rules(city, kranj_fares(), actor="test")
    bus1, _ = taps.register_validator(city, "bus-101", "bus")
    bus2, _ = taps.register_validator(city, "bus-102", "bus")
    account = accounts.open_account(city, actor="test")
    medium = accounts.issue_medium(account, "CARD-0001")
    services.top_up(account.wallet, "5.00", payment_reference="p1")
    return account, medium, bus1, bus2


def tap(validator, seq, at, medium="CARD-0001", **kw):  # type: ignore[no-untyped-def]
    return taps.process_tap(validator, taps.TapIn(seq=seq, medium=medium, at=at, **kw))


def test_a_ride_a_repeat_a_transfer_and_the_day_cap(card):
    account, _, bus1, bus2 = card
    first = tap(bus1, 1, MORNING, vehicle="bus-101")
    assert (first.tap.accepted, first.tap.reason, first.tap.fare) == (True, "fare", D("1.00"))
    assert first.balance == D("4.00")
    # the validator sends the same tap again: the same answer, nothing charged
    again = tap(bus1, 1, MORNING, vehicle="bus-101")
    assert again.replayed and again.tap.pk == first.tap.pk
    assert accounts.balance(account) == D("4.00")
    # a second tap on the same bus: already validated
    same = tap(bus1, 2, MORNING + timedelta(minutes=2), vehicle="bus-101")
    assert (same.tap.reason, same.tap.fare) == ("already_validated", D("0.00"))
    # another bus within 90 minutes: a free transfer
    transfer = tap(bus2, 1, MORNING + timedelta(minutes=40), vehicle="bus-102")
    assert (transfer.tap.reason, transfer.tap.fare) == ("transfer", D("0.00"))
    # in the afternoon: Kranj's day ticket is EUR 1, so the day is capped
    later = tap(bus2, 2, MORNING + timedelta(hours=8), vehicle="bus-102")
    assert later.tap.accepted and later.tap.fare == D("0.00")
    assert later.tap.reason == "capped"
    # the next day costs again
    tomorrow = tap(bus1, 3, MORNING + timedelta(days=1), vehicle="bus-101")
    assert tomorrow.tap.fare == D("1.00") and accounts.balance(account) == D("3.00")
    assert services.reconcile(account.city).clean


def test_a_blocked_medium_is_denied_online_and_on_the_deny_list(card):
    account, medium, bus1, _ = card
    accounts.block_medium(medium, reason="lost")
    denied = tap(bus1, 1, MORNING, vehicle="bus-101")
    assert (denied.tap.accepted, denied.tap.reason, denied.tap.fare) == (False, "blocked",
                                                                        D("0.00"))
    listed = taps.deny_list(account.city)
    assert listed["add"] == [accounts.token_hash("CARD-0001")] and listed["version"] == 1
    assert taps.deny_list(account.city, since=1) == {"version": 1, "since": 1, "add": [],
                                                     "remove": []}
    assert accounts.balance(account) == D("5.00")


def test_a_replaced_card_keeps_the_balance_and_the_passes(card):
    account, medium, bus1, _ = card
    monthly = next(p for p in accounts.current_rules(account.city)[1].products
                   if p.kind == "pass" and p.service == "bus" and p.amount == D("10.00"))
    services.top_up(account.wallet, "10.00", payment_reference="p2")
    accounts.sell_pass(account, monthly.id, at=MORNING)
    new = accounts.replace_medium(medium, "CARD-0002")
    assert Medium.objects.get(pk=medium.pk).status == MediumStatus.REPLACED
    old = tap(bus1, 1, MORNING + timedelta(hours=1), vehicle="bus-101")
    assert (old.tap.accepted, old.tap.reason) == (False, "blocked")
    ride = tap(bus1, 2, MORNING + timedelta(hours=1), medium="CARD-0002", vehicle="bus-101")
    assert (ride.tap.accepted, ride.tap.reason, ride.tap.fare) == (True, "pass", D("0.00"))
    assert new.account_id == account.pk and accounts.balance(account) == D("5.00")
    # Kranj's monthly pass runs from the purchase day to the end of the month
    november = tap(bus1, 3, datetime(2026, 11, 1, 6, 0, tzinfo=UTC), medium="CARD-0002",
                   vehicle="bus-101")
    assert november.tap.reason == "fare"


def test_an_offline_batch_cut_off_half_way_and_re_sent_charges_once(card):
    account, _, bus1, _ = card
    queue = [taps.TapIn(seq=s, medium="CARD-0001", at=MORNING + timedelta(days=d),
                        vehicle="bus-101") for s, d in ((10, 0), (11, 1), (12, 2), (13, 3))]
    first_half = taps.process_batch(bus1, queue[:2])  # the upload breaks after two taps
    assert [r.tap.fare for r in first_half] == [D("1.00"), D("1.00")]
    whole = taps.process_batch(bus1, list(reversed(queue)))  # re-sent, in any order
    assert [r.replayed for r in whole] == [False, False, True, True]
    assert sorted(r.tap.fare for r in whole) == [D("1.00")] * 4
    assert accounts.balance(account) == D("1.00")
    assert Tap.objects.filter(validator=bus1).count() == 4
    assert all(t.offline for t in Tap.objects.filter(validator=bus1))
    assert services.reconcile(account.city).clean


def test_late_taps_are_priced_in_the_order_they_happened(card):
    account, _, bus1, bus2 = card
    # bus 2 was online at 07:40; bus 1 was offline and uploads its 07:00 tap later
    online = tap(bus2, 1, MORNING + timedelta(minutes=40), vehicle="bus-102")
    assert online.tap.reason == "fare"
    late = taps.process_batch(bus1, [taps.TapIn(seq=1, medium="CARD-0001", at=MORNING,
                                                vehicle="bus-101")])
    # priced against the taps before it: the day's first ride, the cap already reached
    assert late[0].tap.accepted and late[0].tap.fare == D("0.00")
    assert accounts.balance(account) == D("4.00")


def test_insufficient_balance_is_denied_and_nothing_is_charged(city):
    accounts.set_rules(city, kranj_fares(), actor="test")
    bus, _ = taps.register_validator(city, "bus-101", "bus")
    account = accounts.open_account(city)
    accounts.issue_medium(account, "CARD-0009")
    denied = tap(bus, 1, MORNING, medium="CARD-0009", vehicle="bus-101")
    assert (denied.tap.accepted, denied.tap.reason) == (False, "insufficient_balance")
    assert accounts.balance(account) == D("0.00")
    unknown = tap(bus, 2, MORNING, medium="NOT-A-CARD", vehicle="bus-101")
    assert (unknown.tap.accepted, unknown.tap.reason) == (False, "unknown_medium")


def test_a_child_pass_needs_a_valid_pupil_concession(card):
    account, _, _, _ = card
    rules = accounts.current_rules(account.city)[1]
    child = next(p for p in rules.products if p.kind == "pass" and p.amount == D("5.00"))
    with pytest.raises(Conflict, match=r"needs a valid concession \(pupil\)"):
        accounts.sell_pass(account, child.id, at=MORNING)
    accounts.add_eligibility(account, "pupil", valid_from=MORNING - timedelta(days=60),
                             expires_at=MORNING - timedelta(seconds=1), verified_by="school")
    with pytest.raises(Conflict, match=r"needs a valid concession \(pupil\)"):
        accounts.sell_pass(account, child.id, at=MORNING)  # expired a second ago
    accounts.add_eligibility(account, "pupil", valid_from=MORNING - timedelta(days=1),
                             expires_at=MORNING + timedelta(days=300), verified_by="school",
                             evidence_ref="school register 2026/27")
    sold = accounts.sell_pass(account, child.id, at=MORNING)
    assert sold.sale is not None and accounts.balance(account) == D("0.00")
    with pytest.raises(Conflict, match="Choose a concession: pupil"):
        accounts.add_eligibility(account, "astronaut", valid_from=MORNING,
                                 expires_at=MORNING + timedelta(days=1), verified_by="x")


def test_closing_an_account_refunds_and_unlinks_the_person(card, django_user_model):
    account, medium, bus1, _ = card
    person = django_user_model.objects.create_user("holder")
    account.holder = person
    account.save()
    accounts.close_account(account, refund_reference="IBAN SI56 0000 refund")
    account.refresh_from_db()
    assert account.holder is None and account.closed_at is not None
    assert accounts.balance(account) == D("0.00")
    assert Medium.objects.get(pk=medium.pk).status == MediumStatus.CLOSED
    assert tap(bus1, 1, MORNING, vehicle="bus-101").tap.reason == "blocked"
    assert services.reconcile(account.city).clean


# -- the validators' API ------------------------------------------------------------------

def post(client, url, body, secret):  # type: ignore[no-untyped-def]
    return client.post(url, json.dumps(body), content_type="application/json",
                       HTTP_AUTHORIZATION=f"Bearer {secret}")


def test_the_tap_api_answers_replays_and_refuses_bad_input(city):
    accounts.set_rules(city, kranj_fares(), actor="test")
    _, secret = taps.register_validator(city, "bus-101", "bus")
    account = accounts.open_account(city)
    accounts.issue_medium(account, "CARD-0001")
    services.top_up(account.wallet, "3.00", payment_reference="p1")
    client = Client()
    body = {"device_id": "bus-101", "seq": 1, "medium": "CARD-0001",
            "at": "2026-11-24T07:00:00+01:00", "vehicle": "bus-101"}
    first = post(client, "/api/v1/card/taps", body, secret)
    assert first.status_code == 201
    assert first.json() == {"seq": 1, "decision": "accept", "reason": "fare", "fare": "1.00",
                            "balance": "2.00", "replayed": False}
    again = post(client, "/api/v1/card/taps", body, secret)
    assert again.status_code == 200 and again.json()["replayed"] is True
    assert post(client, "/api/v1/card/taps", body, "zcv_wrong-token-xxxxxxxx").status_code == 401
    wrong_device = post(client, "/api/v1/card/taps", {**body, "device_id": "bus-999"}, secret)
    assert wrong_device.status_code == 403  # a token acts for its own device only
    assert "device_id: this token belongs to 'bus-101'" in wrong_device.json()["detail"]
    for change, message in (({"at": "yesterday"}, "tap.at: 'yesterday' is not an ISO 8601"),
                            ({"at": "2026-11-24T07:00:00"}, "has no UTC offset"),
                            ({"seq": -1}, "tap.seq"), ({"medium": 7}, "tap.medium")):
        bad = post(client, "/api/v1/card/taps", {**body, **change}, secret)
        assert bad.status_code == 400 and message in bad.json()["detail"], change
    assert client.post("/api/v1/card/taps", b"{", content_type="application/json",
                       HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 400
    batch = post(client, "/api/v1/card/taps/batch",
                 {"device_id": "bus-101", "taps": [{**body, "seq": 2,
                                                    "at": "2026-11-25T07:00:00+01:00"}, body]},
                 secret)
    assert batch.status_code == 200
    assert [(r["seq"], r["fare"], r["replayed"]) for r in batch.json()["results"]] == [
        (2, "1.00", False), (1, "1.00", True)]
    listed = client.get("/api/v1/card/denylist?since=0", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert listed.json() == {"version": 0, "since": 0, "add": [], "remove": []}
    assert client.get("/api/v1/card/denylist?since=x",
                      HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 400
    rules = client.get("/api/v1/card/rules", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert rules.json()["version"] == 1 and rules.json()["rules"] == kranj_fares()
    assert client.get("/api/v1/card/rules").status_code == 401
