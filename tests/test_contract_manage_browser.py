"""The contract's staff page in a real headless Chromium at phone width, in both languages:
the forms for a signatory (with the signed document), a new wording, a funding source and a
funding decision, and the staff menu, fit a 390 px screen, speak the page's language and
pass axe-core; a signature made through the form keeps the document's SHA-256."""

from __future__ import annotations

import hashlib

import pytest

from contract_city import contract_city
from test_browser import CRAWL_PASSWORD, PHONE, check_page, chromium, log_in_as

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_contract_staff_forms_fit_a_phone_and_pass_axe_in_both_languages(
        city, live_server, tmp_path):
    from zerocity.contract import services
    from zerocity.contract.models import Signatory
    from zerocity.core.models import Role
    from zerocity.core.services import ensure_department, grant_role

    # given the contract's small city, a funding row and a decision, and a member of staff
    town = contract_city(city)
    services.add_funding(town["cycling"], year=2025, kind="national", status="secured",
                         name="Eko sklad", amount="300000", decision_reference="EKO-1",
                         actor="test")
    services.record_decision(city, nrp_code="OB-1", kind="eu", status="applied", actor="test")
    staff = grant_role(city, "contract.staff", Role.STAFF, department=ensure_department(
        city, "climate-office", "Climate office")).user
    staff.set_password(CRAWL_PASSWORD)
    staff.save()
    document = tmp_path / "podpis.pdf"
    document.write_bytes(b"%PDF-1.4 podpisano")
    with chromium() as browser:
        page = log_in_as(browser, live_server.url, "contract.staff")
        page.set_viewport_size(PHONE)
        wrong: dict[str, list[str]] = {}
        for lang in ("sl", "en"):
            # when the page is opened on the phone
            response = page.goto(f"{live_server.url}/{lang}/testville/plan/contract/manage/")
            # then it has its four forms, the staff menu, and fits and passes
            assert page.locator("main form[method=post]").count() == 4, lang
            assert page.locator("nav[data-menu=staff] a").count() >= 5, lang
            wrong[lang] = check_page(page, lang, response.status)
        # and a signature sent through the form on the phone keeps the document's SHA-256
        form = page.locator("form[data-form=sign]")
        form.locator("input[name=organisation]").fill("Elektro Gorenjska")
        form.locator("input[name=representative]").fill("Ana Novak")
        form.locator("input[name=role]").fill("Director")
        form.locator("input[name=signed_on]").fill("2025-05-10")
        form.locator("input[name=document]").set_input_files(str(document))
        form.locator("button[type=submit]").click()
        page.wait_for_load_state()
        wrong["en signed"] = check_page(page, "en", 200)
    assert {k: v for k, v in wrong.items() if v} == {}
    signatory = Signatory.objects.get()
    assert signatory.document_sha256 == hashlib.sha256(document.read_bytes()).hexdigest()
