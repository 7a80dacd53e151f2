"""The city card's citizen journeys in a real headless Chromium: log in, top up the card, block
a lost card."""

from __future__ import annotations

from typing import Any

import pytest

from test_browser import chromium
from zerocity.card import accounts, services
from zerocity.card.models import Medium, MediumStatus
from zerocity.core.models import Role
from zerocity.core.services import grant_role

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_citizen_tops_up_and_blocks_a_lost_card(kranj, live_server):
    password = "card-holder-2026!"
    holder = grant_role(kranj, "b-holder", Role.CITIZEN, password=password).user
    account = accounts.open_account(kranj, holder=holder)
    medium = accounts.issue_medium(account, "KR-BROWSER-0042", label="0042")
    services.top_up(account.wallet, "3.00", payment_reference="b-1")
    with chromium() as browser:
        journey(browser, live_server.url, "b-holder", password)
    assert accounts.balance(account) == services.cents("13.50")
    assert Medium.objects.get(pk=medium.pk).status == MediumStatus.BLOCKED


def journey(browser: Any, base: str, username: str, password: str) -> None:
    from playwright.sync_api import expect

    page = browser.new_context(locale="en-GB").new_page()
    page.goto(f"{base}/en/kranj/card/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/en/kranj/card/")
    expect(page.locator('[data-figure="balance"]')).to_have_text("3.00 EUR")

    page.get_by_label("Amount (EUR)").fill("10.50")
    page.get_by_role("button", name="Top up").click()
    expect(page.get_by_role("status")).to_contain_text("10.50 EUR added. Balance: 13.50 EUR.")
    expect(page.locator('[data-figure="balance"]')).to_have_text("13.50 EUR")
    expect(page.locator('[data-table="history"] tbody tr').first).to_contain_text("10.50")

    card = page.locator('[data-medium="0042"]')
    card.get_by_label("Reason").select_option("lost")
    card.get_by_role("button", name="Block this card now").click()
    expect(page.get_by_role("status")).to_contain_text("The card ending 0042 is blocked.")
    expect(page.locator('[data-medium="0042"] [data-status]')).to_have_text("Blocked")
    expect(page.get_by_role("button", name="Block this card now")).to_have_count(0)
