"""Local food's main journeys in a real headless Chromium, on the Kranj demo's DPS: a new
supplier registers and applies, an invited farm sends a sealed tender, and two openers open
the tenders after the deadline and award the procurement."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.utils.timezone import now

from calendars import KRANJ
from test_browser import chromium
from zerocity.food import deadlines
from zerocity.food.models import (
    Application,
    Dps,
    Operator,
    ProcurementStatus,
    SpecificProcurement,
    Tender,
)
from zerocity.food.services import tendering

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]
PASSWORD = "food-journey-2026!"


def _password(*usernames: str) -> None:
    for name in usernames:
        user = get_user_model().objects.get(username=name)
        user.set_password(PASSWORD)
        user.save()


def log_in(browser: Any, base: str, username: str, path: str) -> Any:
    page = browser.new_context(locale="en-GB").new_page()
    page.goto(f"{base}/en/kranj/{path}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/en/kranj/{path}")
    return page


def test_a_new_supplier_registers_and_applies(kranj, live_server):
    from playwright.sync_api import expect

    _password("citizen")
    with chromium() as browser:
        page = log_in(browser, live_server.url, "citizen", "food/supplier/")
        page.get_by_label("Name", exact=True).fill("Sadjarstvo Kokra")
        page.get_by_label("Registration or VAT number").fill("SI-KOKRA-1")
        page.get_by_role("button", name="Register").click()
        expect(page.get_by_role("status")).to_contain_text("Sadjarstvo Kokra is registered.")
        page.get_by_label("Fresh fruit").check()
        page.get_by_role("button", name="Send the request").click()
        expect(page.get_by_role("status")).to_contain_text("Your request is received.")
        expect(page.locator('[data-application] [data-status]')).to_have_text(
            "Under evaluation")
    application = Application.objects.get(operator__registration="SI-KOKRA-1")
    assert [c.code for c in application.categories.all()] == ["fruit"]
    assert application.decision_due > now()  # 10 working days (DPS-23)


def test_an_invited_farm_sends_a_sealed_tender(kranj, live_server):
    from playwright.sync_api import expect

    _password("farm.supplier")
    sp = SpecificProcurement.objects.get(dps__city=kranj, status=ProcurementStatus.TENDERING)
    farm = Operator.objects.get(people__username="farm.supplier")
    with chromium() as browser:
        page = log_in(browser, live_server.url, "farm.supplier", "food/supplier/")
        page.locator(f'[data-invitation="{sp.reference}"] a').click()
        page.get_by_label("Price (EUR, all quantities)").fill("39500")
        page.get_by_label("Days from harvest or production").fill("1")
        page.get_by_label("Deliveries per week").fill("3")
        page.get_by_label("Share from quality schemes or organic (%)").fill("60")
        page.get_by_label("Transport emissions per delivery (kg CO2e, DESNZ/DEFRA method)"
                          ).fill("4")
        page.get_by_role("button", name="Send the tender").click()
        expect(page.get_by_role("status")).to_contain_text("Your tender is received and sealed")
        tender = Tender.objects.get(procurement=sp, operator=farm)
        expect(page.locator('[data-tender="sealed"]')).to_contain_text(tender.sha256)
    assert tender.content is None and b"39500" not in bytes(tender.ciphertext)


def test_two_openers_open_the_tenders_and_the_buyer_awards(kranj, live_server):
    from playwright.sync_api import expect

    _password("ana.staff", "marko.admin")
    users = get_user_model().objects
    openers = {users.get(username="ana.staff"): "ana's own opening phrase",
               users.get(username="marko.admin"): "marko's own opening phrase"}
    system = Dps.objects.get(city=kranj)
    invited = now() - timedelta(days=15)
    sp = tendering.create_procurement(system, system.categories.get(code="eggs"), "eggs-browser",
                                      "Eggs, browser test", criteria=[c["id"] for c in
                                                                      system.award_criteria],
                                      estimated_value="9000", no_lots_reason="One kitchen round.")
    sp = tendering.invite(sp, at=invited, tender_deadline=deadlines.in_days(KRANJ, invited, 10),
                          openers=openers)
    bidders = list(sp.invitees.order_by("pk")[:2])
    for n, (op, price) in enumerate(zip(bidders, ("8600", "8100"), strict=True)):
        tendering.submit(sp, op, {"price": price, "freshness": "2", "deliveries": "2",
                                  "quality": "40", "transport": "10"},
                         at=invited + timedelta(days=1, hours=n))
    with chromium() as browser:
        path = f"food/manage/procurements/{sp.pk}/"
        ana = log_in(browser, live_server.url, "ana.staff", path)
        ana.get_by_label("Your passphrase").fill("ana's own opening phrase")
        ana.get_by_role("button", name="Approve the opening").click()
        expect(ana.get_by_role("status")).to_contain_text("the second opener's is needed")
        expect(ana.locator('[data-section="opened"]')).to_have_count(0)
        marko = log_in(browser, live_server.url, "marko.admin", path)
        marko.get_by_label("Your passphrase").fill("marko's own opening phrase")
        marko.get_by_role("button", name="Approve the opening").click()
        expect(marko.get_by_role("status")).to_contain_text("The tenders are open.")
        expect(marko.locator('[data-section="opened"]')).to_contain_text("8100")
        marko.get_by_label("The best tenderer's up-to-date supporting documents are "
                           "verified").check()
        marko.get_by_role("button", name="Award to the best tender").click()
        expect(marko.get_by_role("status")).to_contain_text("every tenderer is told")
        expect(marko.locator('[data-figure="winner"]')).to_have_text(bidders[1].name)
    sp.refresh_from_db()
    assert sp.status == ProcurementStatus.AWARDED and sp.awarded_tender.operator == bidders[1]
