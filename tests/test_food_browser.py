"""Local food's main journeys in a real headless Chromium, on the Kranj demo's DPS: a new
supplier registers and applies, an invited farm sends a sealed tender, and two openers open
the tenders after the deadline and award the procurement."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.utils.timezone import now

from test_browser import chromium
from test_engage_browser import axe
from zerocity.food import demo, letters
from zerocity.food.models import (
    Application,
    Message,
    Operator,
    ProcurementStatus,
    SpecificProcurement,
    Tender,
)
from zerocity.food.services import tendering

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]
PASSWORD = "food-journey-2026!"


def fits_a_phone(page: Any) -> None:
    """At 390 px nothing of the page's content reaches past the screen's edge (wide tables
    scroll inside their own box), and axe-core finds no serious or critical violation. (The
    site's header navigation is base.html's, checked with the site's layout.)"""
    page.set_viewport_size({"width": 390, "height": 844})
    wide = page.evaluate("""() => [...document.querySelectorAll('main *')].filter(e =>
        e.getBoundingClientRect().right > 391 && !e.closest('.table-scroll'))
        .map(e => e.tagName + '[' + (e.getAttribute('name') || '') + ']')""")
    assert not wide, (page.url, wide)
    axe(page)


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
    sp = SpecificProcurement.objects.get(dps__city=kranj, status=ProcurementStatus.TENDERING,
                                         reference__startswith="vegetables-")
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


def test_the_demo_procurement_runs_from_invitation_to_award(kranj, live_server):
    """The whole journey on the demo's data: the bread procurement's invitation showed what is
    bought; its deadline has just passed with two sealed tenders; the two openers open them,
    each with their own passphrase; the buyer sees the scores and awards; the award is shown
    to the buyer and, as sentences, to the tenderers."""
    from playwright.sync_api import expect

    _password("ana.staff", "marko.admin")
    sp = SpecificProcurement.objects.get(
        dps__city=kranj, reference=demo.CLOSED.format(kranj.calendar.today()))
    with chromium() as browser:
        path = f"food/manage/procurements/{sp.pk}/"
        ana = log_in(browser, live_server.url, "ana.staff", path)
        expect(ana.locator('[data-table="items"]')).to_contain_text("Wholegrain bread")  # in English
        expect(ana.locator('[data-figure="sealed"]')).to_contain_text("2 sealed tenders")
        ana.get_by_label("Your passphrase").fill(demo.opener_passphrase("ana.staff"))
        ana.get_by_role("button", name="Approve the opening").click()
        expect(ana.get_by_role("status")).to_contain_text("the second opener's is needed")
        expect(ana.locator('[data-section="opened"]')).to_have_count(0)
        marko = log_in(browser, live_server.url, "marko.admin", path)
        marko.get_by_label("Your passphrase").fill(demo.opener_passphrase("marko.admin"))
        marko.get_by_role("button", name="Approve the opening").click()
        expect(marko.get_by_role("status")).to_contain_text("The tenders are open.")
        expect(marko.locator('[data-section="opened"]')).to_contain_text("31200")
        expect(marko.locator('[data-section="ranking"] [data-rank="1"]')).to_be_visible()
        marko.get_by_role("button", name="Award to the best tender").click()
        expect(marko.get_by_role("alert").or_(marko.get_by_role("status"))).to_contain_text(
            "supporting documents first")
        marko.get_by_label("The best tenderer's up-to-date supporting documents are "
                           "verified").check()
        marko.get_by_role("button", name="Award to the best tender").click()
        expect(marko.get_by_role("status")).to_contain_text("every tenderer is told")
        sp.refresh_from_db()
        winner = sp.awarded_tender.operator
        expect(marko.locator('[data-figure="winner"]')).to_have_text(winner.name)
        fits_a_phone(marko)
    assert sp.status == ProcurementStatus.AWARDED
    loser = sp.tenders.exclude(operator=winner).get().operator
    told = [m for m in Message.objects.filter(dps=sp.dps, kind="award_decision")
            if m.recipients == [f"operator:{loser.pk}"]]
    assert len(told) == 1 and winner.name in told[0].body and "{" not in " ".join(
        letters.render(told[0], loser.name).sentences)


def test_a_farm_tenders_in_slovenian_numbers(kranj, live_server):
    """A supplier types the price as Slovenian writes it, 39.500,00; it is sealed, and once
    the tenders are opened it is 39 500 EUR exactly."""
    from playwright.sync_api import expect

    _password("farm.supplier")
    sp = SpecificProcurement.objects.get(dps__city=kranj, status=ProcurementStatus.TENDERING,
                                         reference__startswith="vegetables-")
    farm = Operator.objects.get(people__username="farm.supplier")
    with chromium() as browser:
        page = log_in(browser, live_server.url, "farm.supplier", "food/supplier/")
        page.goto(f"{live_server.url}/sl/kranj/food/supplier/{farm.pk}/procurements/{sp.pk}/")
        expect(page.locator('[data-table="items"]')).to_contain_text("6.000 kg")
        fits_a_phone(page)
        form = page.locator('[data-form="tender"]')
        form.locator('input[name="c_price"]').fill("39.500,00")
        form.locator('input[name="c_freshness"]').fill("1")
        form.locator('input[name="c_deliveries"]').fill("3")
        form.locator('input[name="c_quality"]').fill("60")
        form.locator('input[name="c_transport"]').fill("4,5")
        form.locator('button[type="submit"]').click()
        tender = sp.tenders.filter(operator=farm)
        expect(page.locator('[data-tender="sealed"]')).to_have_count(1)
        assert tender.count() == 1
    deadline = SpecificProcurement.objects.get(pk=sp.pk).tender_deadline
    users = get_user_model().objects
    for name in ("ana.staff", "marko.admin"):
        sp = tendering.approve_opening(sp, users.get(username=name), demo.opener_passphrase(name),
                                       at=deadline + timedelta(minutes=1))
    content = Tender.objects.get(procurement=sp, operator=farm).content
    assert Decimal(content["price"]) == Decimal("39500.00") and content["price"] == "39500.00"
    assert content["transport"] == "4.5"
