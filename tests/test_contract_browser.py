"""The Climate City Contract's pages in a real headless Chromium at phone width, in both
languages: the commitments with their signatories and status, and the financing gap with its
tables, fit a 390 px screen, speak the page's language and pass axe-core."""

from __future__ import annotations

from datetime import date

import pytest

from contract_city import contract_city
from test_browser import PHONE, check_page, chromium

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_contract_pages_fit_a_phone_and_pass_axe_in_both_languages(city, live_server):
    from zerocity.contract import services

    # given a signed commitment, a secured national grant and an EU grant only planned
    town = contract_city(city)
    services.sign_commitment(town["utility"], organisation="Testville Energy",
                             representative="Ana Novak", role="Direktorica",
                             signed_on=date(2024, 5, 10), document=b"signed", actor="test")
    services.revise_commitment(town["utility"], "Sončne elektrarne na vseh javnih strehah.",
                               actor="test")
    services.add_funding(town["cycling"], year=2025, kind="national", status="secured",
                         name="Eko sklad", amount="300000", decision_reference="EKO-1",
                         actor="test")
    with chromium() as browser:
        page = browser.new_page()
        page.set_viewport_size(PHONE)
        wrong: dict[str, list[str]] = {}
        for lang in ("sl", "en"):
            for name, path, tables in (("contract", "plan/contract/", 1),
                                       ("financing", "plan/investment/financing/", 5)):
                # when each page is opened on the phone
                response = page.goto(f"{live_server.url}/{lang}/testville/{path}")
                # then it has its tables, fits and passes
                assert page.locator("main table").count() == tables, (lang, name)
                wrong[f"{lang} {name}"] = check_page(page, lang, response.status)
    assert {k: v for k, v in wrong.items() if v} == {}
