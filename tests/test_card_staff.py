"""The city card's staff pages (service desk, validators, reconciliation, ridership,
challenges, fare rules) and the citizen's own: buying a pass, downloading all their data and
closing their account. Each checks who may, what changes, and that the ledger stays exact."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils.timezone import now

from clients import client_for
from zerocity.card import accounts, services, taps
from zerocity.card.demo import kranj_fares
from zerocity.card.models import (
    CardAccount,
    Challenge,
    FareRuleSet,
    LedgerTransaction,
    Medium,
    MediumStatus,
    Validator,
)
from zerocity.core.models import Role
from zerocity.core.services import create_city, ensure_department, grant_role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]


@pytest.fixture
def desk(city):  # type: ignore[no-untyped-def]
    accounts.set_rules(city, kranj_fares())
    clerk = grant_role(city, "clerk", Role.STAFF, department=ensure_department(
        city, "city-card", "City card service desk")).user
    admin = grant_role(city, "boss", Role.ADMIN).user
    citizen = grant_role(city, "ana", Role.CITIZEN).user
    citizen.email = "ana@example.org"
    citizen.save()
    account = accounts.open_account(city, holder=citizen)
    medium = accounts.issue_medium(account, "CARD-7777", label="7777")
    services.top_up(account.wallet, "30.00", payment_reference="t1")
    return city, clerk, admin, citizen, account, medium


def test_only_staff_reach_the_desk_and_only_admins_edit_fares(desk):
    city, clerk, admin, citizen, account, _ = desk
    staff_pages = ["desk/", f"desk/accounts/{account.pk}/", "validators/", "reconciliation/",
                   "ridership/", "challenges/"]
    for page in staff_pages:
        url = f"/en/{city.slug}/card/{page}"
        assert client_for(citizen).get(url).status_code == 404, url
        response = client_for(clerk).get(url)
        assert response.status_code == 200, url
        assert response["Cache-Control"].startswith("private")
    medium = account.media.get()
    tx = LedgerTransaction.objects.get(idempotency_key="payment:t1")
    posts = ["desk/open/", f"desk/accounts/{account.pk}/issue/",
             f"desk/accounts/{account.pk}/refund/", f"desk/accounts/{account.pk}/concession/",
             f"desk/accounts/{account.pk}/pass/", f"desk/accounts/{account.pk}/close/",
             f"desk/media/{medium.pk}/replace/", f"desk/media/{medium.pk}/block/",
             f"desk/transactions/{tx.pk}/reverse/", "ridership/publish/"]
    for page in posts:  # a citizen acting as a clerk on their own account: not found
        url = f"/en/{city.slug}/card/{page}"
        assert client_for(citizen).post(url, {"confirm": "yes", "token": "X-1234",
                                              "reason": "x", "amount": "1", "receipt": "1",
                                              "month": "2026-10"}).status_code == 404, url
    assert Client().post(f"/en/{city.slug}/card/desk/open/").status_code == 302  # log in
    assert client_for(clerk).post(f"/en/{city.slug}/card/ridership/publish/",
                                  {"month": "2026-10"}).status_code == 404  # admins only
    assert accounts.balance(account) == Decimal("30.00") and account.media.count() == 1
    assert client_for(clerk).get(f"/en/{city.slug}/card/fares/").status_code == 404
    assert client_for(admin).get(f"/en/{city.slug}/card/fares/").status_code == 200
    assert client_for(clerk).post(f"/en/{city.slug}/card/challenges/", {
        "code": "x", "title": "X", "measure": "bus_trips", "target": "1", "bonus": "1",
        "starts": "2026-12-01", "ends": "2026-12-31"}).status_code == 404
    assert not Challenge.objects.exists()


def test_the_desk_finds_an_account_by_card_name_email_or_number(desk):
    city, clerk, _, _, account, _ = desk
    c = client_for(clerk)
    for query in ("CARD-7777", "7777", "ana", "ANA@example.org", str(account.pk)):
        html = c.get(f"/en/{city.slug}/card/desk/", {"q": query}).content.decode()
        assert f"/card/desk/accounts/{account.pk}/" in html, query
    html = c.get(f"/en/{city.slug}/card/desk/", {"q": "nobody"}).content.decode()
    assert "No account found." in html


def test_a_clerk_replaces_a_card_refunds_and_corrects_with_reasons(desk):
    city, clerk, _, _, account, medium = desk
    c = client_for(clerk)
    base = f"/en/{city.slug}/card/desk"
    assert c.post(f"{base}/media/{medium.pk}/replace/", {"token": "CARD-8888"}).status_code == 302
    medium.refresh_from_db()
    assert medium.status == MediumStatus.REPLACED
    new = Medium.objects.get(pk=medium.replaced_by_id)
    assert new.account_id == account.pk and new.status == MediumStatus.ACTIVE
    assert accounts.balance(account) == Decimal("30.00")  # the balance stays on the account
    # a refund needs a reason and a receipt; the same receipt again refunds once
    refund = {"amount": "5,00", "reason": "unused balance", "receipt": "R-1"}
    c.post(f"{base}/accounts/{account.pk}/refund/", refund)
    c.post(f"{base}/accounts/{account.pk}/refund/", refund)
    c.post(f"{base}/accounts/{account.pk}/refund/", {**refund, "reason": "", "receipt": "R-2"})
    assert accounts.balance(account) == Decimal("25.00")
    tx = LedgerTransaction.objects.get(kind="refund")
    assert tx.reason == "unused balance" and tx.by_label == "clerk"
    # a correction reverses a transaction, with the reason and the clerk; once only
    top_up = LedgerTransaction.objects.get(kind="topup", idempotency_key="payment:t1")
    assert c.post(f"{base}/transactions/{top_up.pk}/reverse/", {"reason": ""}).status_code == 302
    assert not LedgerTransaction.objects.filter(reverses=top_up).exists()
    c.post(f"{base}/transactions/{tx.pk}/reverse/", {"reason": "refunded by mistake"})
    c.post(f"{base}/transactions/{tx.pk}/reverse/", {"reason": "twice"})
    reversal = LedgerTransaction.objects.get(reverses=tx)
    assert reversal.reason == "refunded by mistake" and reversal.by_label == "clerk"
    assert accounts.balance(account) == Decimal("30.00")
    page = c.get(f"{base}/accounts/{account.pk}/").content.decode()
    assert "refunded by mistake" in page and "reversed" in page
    assert services.reconcile(city).clean


def test_a_clerk_opens_accounts_records_concessions_sells_passes_and_closes(desk):
    city, clerk, _, citizen, account, _ = desk
    c = client_for(clerk)
    base = f"/en/{city.slug}/card/desk"
    c.post(f"{base}/open/", {"username": "", "guardian": str(account.pk)})
    child = CardAccount.objects.get(guardian=account)
    assert child.holder is None
    today = now().date()
    c.post(f"{base}/accounts/{child.pk}/concession/", {
        "category": "pupil", "valid_from": today.isoformat(),
        "expires": (today + timedelta(days=300)).isoformat(), "evidence": "school register"})
    concession = child.eligibilities.get()
    assert concession.verified_by == "clerk" and concession.evidence_ref == "school register"
    services.top_up(child.wallet, "5.00", payment_reference="child")
    c.post(f"{base}/accounts/{child.pk}/pass/", {"product": "bus-monthly-child", "receipt": "9"})
    c.post(f"{base}/accounts/{child.pk}/pass/", {"product": "bus-monthly-child", "receipt": "9"})
    assert child.entitlements.count() == 1 and accounts.balance(child) == 0
    c.post(f"{base}/accounts/{account.pk}/close/", {"receipt": "C-1"})  # not confirmed
    assert CardAccount.objects.get(pk=account.pk).closed_at is None
    c.post(f"{base}/accounts/{account.pk}/close/", {"confirm": "yes", "receipt": "C-1"})
    closed = CardAccount.objects.get(pk=account.pk)
    assert closed.closed_at is not None and closed.holder is None
    assert accounts.balance(closed) == 0
    assert services.reconcile(city).clean


def test_validators_show_their_last_contact_and_silent_ones_stand_out(desk):
    city, clerk, *_ = desk
    heard, _ = taps.register_validator(city, "bus-1", "bus")
    taps.register_validator(city, "gate-1", "pool")
    taps.process_tap(heard, taps.TapIn(seq=1, medium="CARD-7777", at=now()))
    Validator.objects.filter(pk=heard.pk).update(last_seen_at=now())
    html = client_for(clerk).get(f"/en/{city.slug}/card/validators/").content.decode()
    assert 'data-device="gate-1" data-silent' in html
    assert 'data-device="bus-1">' in html
    assert "1 validator has not been heard from." in html


def test_reconciliation_page_reports_clean_and_the_daily_totals(desk):
    city, clerk, *_ = desk
    html = client_for(clerk).get(f"/en/{city.slug}/card/reconciliation/").content.decode()
    assert 'data-reconciliation="clean"' in html
    assert 'data-account="payments">Payments received<' in html and "-30.00" in html


def test_the_fare_editor_refuses_bad_rules_with_the_reason_and_versions_good_ones(desk):
    city, _, admin, *_ = desk
    c = client_for(admin)
    url = f"/en/{city.slug}/card/fares/"
    response = c.post(url, {"rules": '{"version": 2,\n  "timezone": }'})
    assert response.status_code == 400 and "Line 2, column" in response.content.decode()
    rules = kranj_fares()
    rules["fare_products"][0]["amount"] = "-1"
    response = c.post(url, {"rules": json.dumps(rules)})
    assert response.status_code == 400 and FareRuleSet.objects.filter(city=city).count() == 1
    rules = kranj_fares()
    rules["fare_products"][0]["amount"] = "1.20"
    assert c.post(url, {"rules": json.dumps(rules)}).status_code == 302
    assert accounts.current_rules(city)[0] == 2
    assert 'data-product="bus-single"' in c.get(url).content.decode()


def test_the_citizen_buys_a_pass_downloads_their_data_and_closes_the_account(desk):
    city, _, _, citizen, account, _ = desk
    c = client_for(citizen)
    key = "p" * 32
    url = f"/en/{city.slug}/card/accounts/{account.pk}/passes/"
    c.post(url, {"product": "bus-monthly", "key": key})
    c.post(url, {"product": "bus-monthly", "key": key})  # sent twice: bought once
    assert account.entitlements.count() == 1 and accounts.balance(account) == Decimal("20.00")
    response = c.get(f"/en/{city.slug}/card/my-data.json")
    assert response["Content-Disposition"].startswith("attachment")
    data = json.loads(response.content)
    assert data["user"] == citizen.get_username() and set(data) == {
        "city", "exported_at", "user", "card"}  # the card's part only
    mine = data["card"]["accounts"][0]
    assert mine["balance_eur"] == "20.00" and mine["passes"][0]["product"] == "bus-monthly"
    assert mine["cards"][0]["label"] == "7777" and "CARD-7777" not in response.content.decode()
    assert [m["kind"] for m in mine["money"]] == ["topup", "pass_sale"]
    assert Client().get(f"/en/{city.slug}/card/my-data.json").status_code == 302
    c.post(f"/en/{city.slug}/card/accounts/{account.pk}/close/", {"confirm": "yes"})
    closed = CardAccount.objects.get(pk=account.pk)
    assert closed.closed_at is not None and closed.holder is None
    assert not closed.media.filter(status=MediumStatus.ACTIVE).exists()
    assert LedgerTransaction.objects.filter(kind="refund", reason="closed by the holder").exists()
    assert json.loads(c.get(f"/en/{city.slug}/card/my-data.json").content)["card"][
        "accounts"] == []
    assert services.reconcile(city).clean


def test_a_concession_is_renewed_only_in_its_re_enrolment_window(desk):
    from zerocity.core.errors import Conflict

    city, _, _, citizen, account, _ = desk
    start = now() - timedelta(days=100)
    accounts.add_eligibility(account, "student", valid_from=start,
                             expires_at=now() + timedelta(days=60), verified_by="faculty")
    with pytest.raises(Conflict, match="it can be renewed from"):
        accounts.add_eligibility(account, "student", valid_from=now(),
                                 expires_at=now() + timedelta(days=400), verified_by="faculty")
    page = client_for(citizen).get(f"/en/{city.slug}/card/").content.decode()
    assert "re-enrolment from" in page
    soon = account.eligibilities.get()
    type(soon).objects.filter(pk=soon.pk).update(expires_at=now() + timedelta(days=20))
    accounts.add_eligibility(account, "student", valid_from=now(),
                             expires_at=now() + timedelta(days=400), verified_by="faculty")
    assert account.eligibilities.count() == 2
    # another category is not a renewal
    accounts.add_eligibility(account, "disabled", valid_from=now(),
                             expires_at=now() + timedelta(days=400), verified_by="ZPIZ")


def test_the_app_tops_up_once_per_idempotency_key(desk):
    city, _, _, citizen, account, _ = desk
    c = Client(enforce_csrf_checks=False)
    url = f"/api/v1/card/accounts/{account.pk}/top-ups"
    body = json.dumps({"amount": "12.50"})
    assert Client().post(url, body, content_type="application/json").status_code == 401
    c.force_login(citizen)
    assert c.post(url, body, content_type="application/json").status_code == 400  # no key
    first = c.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="app-0001")
    again = c.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="app-0001")
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["transaction"] == again.json()["transaction"]
    assert again.json()["replayed"] is True and again.json()["balance"] == "42.50"
    other_amount = c.post(url, json.dumps({"amount": "20"}), content_type="application/json",
                          HTTP_IDEMPOTENCY_KEY="app-0001")
    assert other_amount.status_code == 422
    for bad in ("0.5", "151", "1.234", "ten"):
        response = c.post(url, json.dumps({"amount": bad}), content_type="application/json",
                          HTTP_IDEMPOTENCY_KEY=f"bad-{bad}-key")
        assert response.status_code == 400, bad
    nosy = Client()
    nosy.force_login(grant_role(city, "nosy", Role.CITIZEN).user)
    assert nosy.post(url, body, content_type="application/json",
                     HTTP_IDEMPOTENCY_KEY="nosy-0001").status_code == 404
    assert accounts.balance(account) == Decimal("42.50")
    # the site's session needs its CSRF token for this endpoint too
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(citizen)
    assert strict.post(url, body, content_type="application/json",
                       HTTP_IDEMPOTENCY_KEY="csrf-0001").status_code == 403
    assert services.reconcile(city).clean


def test_a_partner_till_redeems_points_once_per_receipt(desk):
    from zerocity.card.models import PointsEntry

    city, _, _, _, account, _ = desk
    PointsEntry.objects.create(account=account, kind="earn", points=40, reason="bus trip",
                               at=now())
    till, secret = taps.register_validator(city, "shop-1", "shop", description="Bakery")
    c = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    url = "/api/v1/card/redemptions"
    body = {"device_id": "shop-1", "medium": "CARD-7777", "points": 25, "receipt": "B-17"}
    first = c.post(url, json.dumps(body), content_type="application/json", **auth)
    again = c.post(url, json.dumps(body), content_type="application/json", **auth)
    assert first.status_code == 201 and first.json()["balance"] == 15
    assert again.status_code == 200 and again.json()["replayed"] is True
    too_many = c.post(url, json.dumps({**body, "receipt": "B-18"}),
                      content_type="application/json", **auth)
    # the API answers in the city's language unless asked for another (?lang=en)
    assert (too_many.status_code, too_many.json()["detail"]) == (
        422, "Zahtevano število točk je 25, na voljo pa jih je le 15.")
    assert c.post(url, json.dumps({**body, "points": 0}), content_type="application/json",
                  **auth).status_code == 400
    assert c.post(url, json.dumps(body), content_type="application/json").status_code == 401
    entry = PointsEntry.objects.get(kind="redeem")
    assert entry.points == -25 and entry.reason == "Bakery"


def test_an_anonymous_card_is_personalised_and_its_balance_moved_once(desk):
    city, clerk, _, citizen, account, _ = desk
    anonymous = accounts.open_account(city)
    accounts.issue_medium(anonymous, "ANON-0042")
    services.top_up(anonymous.wallet, "7.40", payment_reference="kiosk-1")
    c = client_for(clerk)
    base = f"/en/{city.slug}/card/desk/accounts/{anonymous.pk}"
    move = {"target": str(account.pk), "reason": "card handed in at the desk"}
    c.post(f"{base}/move-balance/", move)
    c.post(f"{base}/move-balance/", move)  # sent again: nothing left to move
    assert accounts.balance(anonymous) == 0 and accounts.balance(account) == Decimal("37.40")
    tx = LedgerTransaction.objects.get(kind="transfer")
    assert tx.reason == "card handed in at the desk" and tx.by_label == "clerk"
    c.post(f"{base}/personalise/", {"username": "nobody-here"})
    assert CardAccount.objects.get(pk=anonymous.pk).holder is None
    other = grant_role(city, "bojan", Role.CITIZEN).user
    c.post(f"{base}/personalise/", {"username": "bojan"})
    assert CardAccount.objects.get(pk=anonymous.pk).holder == other
    c.post(f"{base}/personalise/", {"username": "ana"})  # it has a holder now
    assert CardAccount.objects.get(pk=anonymous.pk).holder == other
    assert client_for(citizen).post(f"{base}/personalise/", {"username": "ana"}).status_code == 404
    assert services.reconcile(city).clean


# -- the desk's reads and writes at the service boundary ----------------------------------------

def test_a_desk_search_and_an_account_opened_at_the_desk_are_in_the_audit_trail(desk):
    from zerocity.card import selectors
    from zerocity.core.errors import NotFound
    from zerocity.core.models import AuditLog

    city, clerk, _, _, account, _ = desk
    # given a clerk who searches twice (once for nothing) and opens an account
    assert selectors.logged_desk_search(city, "ana", by=clerk) == [account]
    assert selectors.logged_desk_search(city, "  ", by=clerk) == []
    page = selectors.logged_desk_account(city, account.pk, by=clerk)
    # then the search with its number of results and the look at the account are recorded,
    # and the blank search, which looked at nothing, is not
    logged = list(AuditLog.objects.filter(action__startswith="card.desk_").order_by("id")
                  .values_list("action", "actor_label", "object_id", "data"))
    assert logged == [("card.desk_search", "clerk", "", {"results": 1}),
                      ("card.desk_view", "clerk", str(account.pk), {})]
    assert (page["account"], page["balance"], page["reversed"]) == (
        account, Decimal("30.00"), set())
    assert [m.label for m in page["media"]] == ["7777"]
    assert "bus-monthly" in [p.id for p in page["pass_products"]]
    # an account of another city is not found, and nothing is recorded for it
    other = accounts.open_account(create_city("ljubljana", name="Ljubljana", country="SI"))
    with pytest.raises(NotFound):
        selectors.logged_desk_account(city, other.pk, by=clerk)
    assert AuditLog.objects.filter(action="card.desk_view").count() == 1


def test_the_desk_pages_record_what_the_clerk_looked_at(desk):
    from zerocity.core.models import AuditLog

    city, clerk, _, _, account, _ = desk
    c = client_for(clerk)
    c.get(f"/en/{city.slug}/card/desk/", {"q": "7777"})
    c.get(f"/en/{city.slug}/card/desk/accounts/{account.pk}/")
    assert list(AuditLog.objects.filter(action__startswith="card.desk_").order_by("id")
                .values_list("action", "object_id")) == [("card.desk_search", ""),
                                                         ("card.desk_view", str(account.pk))]


def test_the_desk_names_holders_and_accounts_and_is_refused_with_a_reason(desk):
    from zerocity.core.errors import Conflict

    city, clerk, _, citizen, account, _ = desk
    # an unknown holder, an unknown or malformed guardian: refused, nothing opened
    with pytest.raises(Conflict, match="^No user nobody.$"):
        accounts.open_account_at_desk(city, username="nobody", by=clerk)
    for guardian in ("999999", "abc", "-1"):
        with pytest.raises(Conflict, match="^No such guardian account.$"):
            accounts.open_account_at_desk(city, guardian=guardian, by=clerk)
    assert CardAccount.objects.count() == 1
    # a minor's account under the guardian's, and an anonymous one
    child = accounts.open_account_at_desk(city, guardian=f" {account.pk} ", by=clerk)
    assert (child.holder, child.guardian) == (None, account)
    anonymous = accounts.open_account_at_desk(city, by=clerk)
    services.top_up(anonymous.wallet, "2.00", payment_reference="kiosk-2")
    # a balance moves to an account of this city named by its number, once
    other = accounts.open_account(create_city("ljubljana", name="Ljubljana", country="SI"))
    for target in (str(other.pk), "", "twelve"):
        with pytest.raises(Conflict, match="^No such receiving account.$"):
            accounts.move_balance_at_desk(anonymous, target, reason="handed in", by=clerk)
    receiving, tx = accounts.move_balance_at_desk(anonymous, str(account.pk),
                                                  reason="handed in", by=clerk)
    assert (receiving, tx.reason, accounts.balance(account)) == (account, "handed in",
                                                                 Decimal("32.00"))
    # an anonymous account is given to the person of this user name
    with pytest.raises(Conflict, match="^No user nobody.$"):
        accounts.personalise_at_desk(anonymous, "nobody", by=clerk)
    assert accounts.personalise_at_desk(anonymous, "ana", by=clerk).holder == citizen
    assert services.reconcile(city).clean


def test_a_refused_desk_action_shows_its_reason_on_the_account_page(desk):
    city, clerk, _, _, account, _ = desk
    c = client_for(clerk)
    page = f"/en/{city.slug}/card/desk/accounts/{account.pk}/"
    html = c.get(page).content.decode()
    forms = re.findall(r'<form method="post" action="/en/testville/card/desk/[^>]*>(.*?)</form>',
                       html, re.S)
    assert len(forms) == 9 and all(f'name="next" value="{page}"' in f for f in forms)
    # the card is issued already: the service refuses, the clerk is back on the page
    response = c.post(f"{page}issue/", {"token": "CARD-7777", "next": page})
    assert (response.status_code, response["Location"]) == (302, page)
    assert "This card is already issued" in c.get(page).content.decode()
    # an unknown user at the desk's "open" form: back on the desk with the reason
    desk_page = f"/en/{city.slug}/card/desk/?q=ana"
    response = c.post(f"/en/{city.slug}/card/desk/open/", {"username": "nobody",
                                                             "next": desk_page})
    assert (response.status_code, response["Location"]) == (302, desk_page)
    assert "No user nobody." in c.get(desk_page).content.decode()
    assert CardAccount.objects.count() == 1


def test_the_staff_reports_read_the_ledger_and_the_validators(desk):
    from zerocity.card import selectors
    from zerocity.core.errors import Conflict

    city, *_ = desk
    # a city without fare rules has no passes on sale and an empty editor
    bare = create_city("ljubljana", name="Ljubljana", country="SI")
    assert selectors.pass_products(bare) == []
    assert selectors.fare_rules_page(bare) == {"version": None, "rules": None,
                                               "document": None, "versions": []}
    rules = selectors.fare_rules_page(city)
    assert (rules["version"], rules["document"], [v.version for v in rules["versions"]]) == (
        1, kranj_fares(), [1])
    # a rules document with a mistake is refused by the editor with the service's own reason
    bad = kranj_fares()
    bad["fare_products"][0]["amount"] = "-1"
    problem = selectors.rules_problem(city, bad)
    with pytest.raises(Conflict) as refused:
        accounts.set_rules(city, bad)
    assert problem is not None and problem == str(refused.value)
    assert selectors.rules_problem(city, kranj_fares()) is None
    # the 30.00 EUR top-up: one wallet holds it, the payments account owes it, today
    report = selectors.reconciliation_report(city)
    assert report["result"].clean and report["wallets"] == {"n": 1, "total": Decimal("30.00")}
    [today] = report["days"]
    assert today["day"] == city.calendar.today()
    assert dict(zip(report["codes"], today["totals"], strict=True))["payments"] == Decimal(
        "-30.00")
    # a validator never heard from is silent; one that tapped just now is not
    heard, _ = taps.register_validator(city, "bus-1", "bus")
    taps.register_validator(city, "gate-1", "pool")
    taps.process_tap(heard, taps.TapIn(seq=1, medium="CARD-7777", at=now()))
    Validator.objects.filter(pk=heard.pk).update(last_seen_at=now())
    status = selectors.validator_status(city)
    assert [(r["v"].device_id, r["taps"], r["silent"]) for r in status["rows"]] == [
        ("bus-1", 1, False), ("gate-1", 0, True)]
    assert status["silent"] == 1


def test_the_card_staff_pages_read_as_words_for_every_staff_role(desk):
    from page_words import raw_codes

    city, clerk, admin, _, account, _ = desk
    # given an account holding a monthly pass and a pupil's concession, and a validator
    base = f"/en/{city.slug}/card/desk/accounts/{account.pk}"
    client_for(clerk).post(f"{base}/pass/", {"product": "bus-monthly", "receipt": "1"})
    client_for(clerk).post(f"{base}/concession/", {
        "category": "pupil", "valid_from": now().date().isoformat(),
        "expires": (now().date() + timedelta(days=300)).isoformat(), "evidence": "register"})
    taps.register_validator(city, "gate-1", "pool")
    assert account.entitlements.get().product == "bus-monthly"
    pages = {clerk: ["desk/?q=ana", f"desk/accounts/{account.pk}/", "validators/",
                     "reconciliation/", "ridership/", "challenges/"]}
    pages[admin] = [*pages[clerk], "fares/"]
    for user, urls in pages.items():
        for lang in ("en", "sl"):
            for page in urls:
                # when each staff role opens each of its pages in each language
                response = client_for(user).get(f"/{lang}/{city.slug}/card/{page}")
                assert response.status_code == 200, (user, lang, page)
                # then no code, field name or dict is in what they read
                assert raw_codes(response.content.decode()) == [], (user, lang, page)
    html = client_for(clerk).get(f"/en/{city.slug}/card/desk/accounts/{account.pk}/"
                                 ).content.decode()
    # the pass is named as the product is, the concession in words
    assert '<li data-pass="bus-monthly">Monthly bus pass: ' in html
    assert '<li data-concession="pupil">Pupil: ' in html
    fares = client_for(admin).get(f"/en/{city.slug}/card/fares/").content.decode()
    assert ("<td class=\"text\">from the day of purchase to the end of the month</td>" in fares
            and '<td class="text">Child and pupil</td>' in fares)
    validators = client_for(clerk).get(f"/en/{city.slug}/card/validators/").content.decode()
    assert '<td class="text">swimming pool</td>' in validators
