"""The citizen's city card pages: only one's own accounts (and one's minors'), top-up through
the payment provider credited once however often the form is sent, and blocking a lost card at
once (online denial and the deny list)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from zerocity.card import accounts, services, taps
from zerocity.card.models import Medium, MediumStatus
from zerocity.core.models import Role
from zerocity.core.services import grant_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(city):  # type: ignore[no-untyped-def]
    holder = grant_role(city, "holder", Role.CITIZEN).user
    other = grant_role(city, "other", Role.CITIZEN).user
    account = accounts.open_account(city, holder=holder)
    medium = accounts.issue_medium(account, "CARD-0001", label="0001")
    child = accounts.open_account(city, guardian=account)
    child_card = accounts.issue_medium(child, "CARD-0002", label="0002")
    services.top_up(account.wallet, "5.00", payment_reference="p1")
    return city, holder, other, account, medium, child, child_card


def login(user):  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def test_each_person_sees_only_their_own_and_their_minors_accounts(people):
    city, holder, other, account, medium, child, child_card = people
    url = f"/en/{city.slug}/card/"
    assert Client().get(url).status_code == 302  # to the login page
    mine = login(holder).get(url)
    html = mine.content.decode()
    assert mine.status_code == 200 and mine["Cache-Control"].startswith("private")
    assert f'data-account="{account.pk}"' in html and f'data-account="{child.pk}"' in html
    assert 'data-figure="balance">5.00\u00a0EUR' in html
    theirs = login(other).get(url).content.decode()
    assert "data-account=" not in theirs and "no city card account yet" in theirs
    # acting on someone else's account or card is not found
    assert login(other).post(f"/en/{city.slug}/card/accounts/{account.pk}/top-up/",
                             {"amount": "5", "key": "a" * 32}).status_code == 404
    assert login(other).post(f"/en/{city.slug}/card/media/{medium.pk}/block/").status_code == 404
    assert Medium.objects.get(pk=medium.pk).status == MediumStatus.ACTIVE


def test_a_top_up_sent_twice_credits_once(people):
    city, holder, _, account, *_ = people
    client = login(holder)
    url = f"/en/{city.slug}/card/accounts/{account.pk}/top-up/"
    form = {"amount": "12,50", "key": "k" * 32}
    assert client.post(url, form).status_code == 302
    assert client.post(url, form).status_code == 302  # a double click, a reload
    assert accounts.balance(account) == Decimal("17.50")
    client.post(url, {"amount": "1000", "key": "z" * 32})
    client.post(url, {"amount": "0.005", "key": "y" * 32})
    assert accounts.balance(account) == Decimal("17.50")
    page = client.get(f"/en/{city.slug}/card/").content.decode()
    assert "Enter an amount between 1.00 and 150.00 EUR." in page
    assert services.reconcile(city).clean


def test_blocking_a_card_denies_it_at_once_and_lists_it(people):
    city, holder, _, account, medium, _, child_card = people
    from zerocity.card.demo import kranj_fares

    accounts.set_rules(city, kranj_fares())
    bus, _ = taps.register_validator(city, "bus-1", "bus")
    client = login(holder)
    assert client.post(f"/en/{city.slug}/card/media/{child_card.pk}/block/",
                       {"reason": "stolen"}).status_code == 302
    assert Medium.objects.get(pk=child_card.pk).status == MediumStatus.BLOCKED
    assert taps.deny_list(city)["add"] == [child_card.token_hash]
    from datetime import UTC, datetime

    denied = taps.process_tap(bus, taps.TapIn(seq=1, medium="CARD-0002",
                                              at=datetime(2026, 10, 20, 5, tzinfo=UTC)))
    assert (denied.tap.accepted, denied.tap.reason) == (False, "blocked")
    page = client.get(f"/en/{city.slug}/card/").content.decode()
    assert 'data-status="blocked"' in page


def test_the_card_page_reads_each_account_and_a_refusal_comes_back_to_it(people):
    from datetime import timedelta

    from zerocity.card import challenges, selectors
    from zerocity.core.errors import NotFound

    city, holder, _, account, _, child, _ = people
    # given a city without fare rules and a challenge that ended yesterday
    today = city.calendar.today()
    over = challenges.create_challenge(city, "walk-sep", title="Walk", measure="walk_km",
                                       target=10, bonus_points=5,
                                       starts=today - timedelta(days=30),
                                       ends=today - timedelta(days=1))
    page = selectors.card_home(holder, city)
    assert page["products"] == [] and page["today"] == today
    assert [(i["account"], i["balance"], i["minor"], [m.label for m in i["media"]])
            for i in page["items"]] == [(account, Decimal("5.00"), False, ["0001"]),
                                        (child, Decimal("0.00"), True, ["0002"])]
    with pytest.raises(NotFound):
        selectors.city_challenge(city, over.pk + 1)
    # when the holder asks to join it, the service refuses and the page says why
    client = login(holder)
    home = f"/en/{city.slug}/card/"
    assert f'name="next" value="{home}"' in client.get(home).content.decode()
    response = client.post(f"/en/{city.slug}/card/accounts/{account.pk}/challenges/"
                           f"{over.pk}/join/", {"next": home})
    assert (response.status_code, response["Location"]) == (302, home)
    assert "This challenge is over" in client.get(home).content.decode()
