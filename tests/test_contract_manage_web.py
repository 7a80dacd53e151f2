"""The contract's staff page (issue 21, docs/contract.md "Staff pages"): a signatory with the
signed document's SHA-256, a new wording, a funding source and a funding decision, each
through ``contract.services``; the page's figures equal the selectors'; staff only."""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from clients import client_for
from contract_city import contract_city
from test_mobility_planning_web import figure, table
from zerocity.contract import selectors
from zerocity.contract.models import FundingDecision, FundingSource, Signatory


def gap() -> Decimal:
    """The financing gap over every action and year, as the selector reckons it."""
    return sum((r["gap"] for r in selectors.financing("testville")["rows"]), Decimal(0))


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]
PAGE = "/en/testville/plan/contract/manage/"


@pytest.fixture
def town(city):  # type: ignore[no-untyped-def]
    from zerocity.core.models import Role
    from zerocity.core.services import ensure_department, grant_role

    found = contract_city(city)
    found["staff"] = grant_role(city, "mia", Role.STAFF, department=ensure_department(
        city, "climate-office", "Climate office")).user
    found["citizen"] = grant_role(city, "jana", Role.CITIZEN).user
    return found


def test_only_the_citys_staff_open_the_page_and_post_its_forms(town):
    posts = [f"{PAGE}{town['utility'].pk}/sign/", f"{PAGE}{town['utility'].pk}/revise/",
             f"{PAGE}funding/", f"{PAGE}decisions/"]
    anonymous, citizen, staff = (client_for(None), client_for(town["citizen"]),
                                 client_for(town["staff"]))
    assert anonymous.get(PAGE).status_code == 302
    assert citizen.get(PAGE).status_code == 404
    response = staff.get(PAGE)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    for url in posts:
        assert anonymous.post(url, {"text": "x"}).status_code == 302, url
        assert citizen.post(url, {"text": "x"}).status_code == 404, url
        assert staff.get(url).status_code == 405, url
    assert staff.post(f"{PAGE}999999/revise/", {"text": "x"}).status_code == 404
    assert client_for(town["staff"]).get("/en/atlantis/plan/contract/manage/"
                                         ).status_code == 404


def test_a_signatory_with_the_signed_document_keeps_its_sha256(town):
    staff = client_for(town["staff"])
    document = b"%PDF-1.4 signed by Testville Energy"
    # when staff record the utility's signature with its document
    response = staff.post(f"{PAGE}{town['utility'].pk}/sign/", {
        "organisation": "Testville Energy", "representative": "Ana Novak", "role": "Director",
        "signed_on": "2024-05-10",
        "document": SimpleUploadedFile("signed.pdf", document, "application/pdf")})
    assert response.status_code == 302
    # then the signature holds the document's SHA-256, as the selector and the page show it
    signatory = Signatory.objects.get()
    assert signatory.document_sha256 == hashlib.sha256(document).hexdigest()
    assert (signatory.signed_on, signatory.document_name) == (date(2024, 5, 10), "signed.pdf")
    page = staff.get(f"{PAGE}?commitment={town['utility'].pk}").content.decode()
    chosen = next(c for c in selectors.commitments("testville")["commitments"]
                  if c["id"] == town["utility"].pk)
    assert table(page, "signatories") == [
        [s["organisation"], s["representative"], s["role"], s["signed_on"],
         s["document_sha256"][:12] + "…"] for s in chosen["signatories"]]
    assert f'data-sha256="{signatory.document_sha256}"' in page
    # and a different document for the same signature is refused as a message, unchanged
    again = staff.post(f"{PAGE}{town['utility'].pk}/sign/", {
        "organisation": "Testville Energy", "representative": "Ana Novak", "role": "Director",
        "signed_on": "2024-05-10",
        "document": SimpleUploadedFile("other.pdf", b"another", "application/pdf"),
        "next": PAGE},
        follow=True)
    assert "already signed this version with another document" in again.content.decode()
    assert Signatory.objects.count() == 1
    # an empty or a missing document is refused too
    staff.post(f"{PAGE}{town['utility'].pk}/sign/", {
        "organisation": "X", "representative": "Y", "role": "Z", "signed_on": "2024-05-10"})
    assert Signatory.objects.count() == 1


def test_a_new_wording_is_a_new_version_shown_as_the_selector_has_it(town):
    staff = client_for(town["staff"])
    url = f"{PAGE}{town['city_commitment'].pk}/revise/"
    staff.post(url, {"text": "We build 40 km of cycle paths.", "note": "Length named"})
    staff.post(url, {"text": "We build 40 km of cycle paths.", "note": "again"})  # unchanged
    chosen = next(c for c in selectors.commitments("testville")["commitments"]
                  if c["id"] == town["city_commitment"].pk)
    assert (chosen["version"], chosen["text"]) == (2, "We build 40 km of cycle paths.")
    assert [v["note"] for v in chosen["versions"]] == ["", "Length named"]
    page = staff.get(f"{PAGE}?commitment={town['city_commitment'].pk}").content.decode()
    assert figure(page, "text") == chosen["text"]
    assert "version 2" in page


def test_check_13_funding_is_secured_only_with_its_decision_reference(town):
    staff = client_for(town["staff"])
    base = {"action": "5.1", "year": "2025", "kind": "national", "status": "secured",
            "name": "Eko sklad", "amount": "300000"}
    # when secured money is entered without its decision, it is refused as a message
    refused = staff.post(f"{PAGE}funding/", {**base, "next": PAGE}, follow=True).content.decode()
    assert "give its reference" in refused
    assert not FundingSource.objects.exists()
    # with the reference it is recorded, and the financing gap closes by its amount
    before = gap()
    staff.post(f"{PAGE}funding/", {**base, "decision_reference": "EKO-1"})
    row = FundingSource.objects.get()
    assert (row.amount, row.status, row.decision_reference) == (
        Decimal("300000.00"), "secured", "EKO-1")
    assert before - gap() == Decimal("300000")
    page = staff.get(PAGE).content.decode()
    assert table(page, "sources") == [["5.1", "2025", "National funds", "Secured", "Eko sklad",
                                       "300,000.00", "EKO-1"]]
    # an action not in the plan is refused
    staff.post(f"{PAGE}funding/", {**base, "action": "9.9", "decision_reference": "X"})
    assert FundingSource.objects.count() == 1


def test_check_13_a_decision_on_an_nrp_project_secures_its_eu_lines(town):
    staff = client_for(town["staff"])
    planned = gap()
    refused = staff.post(f"{PAGE}decisions/", {"nrp_code": "OB-1", "kind": "eu",
                                               "status": "secured", "next": PAGE}, follow=True)
    assert "give its reference" in refused.content.decode()
    staff.post(f"{PAGE}decisions/", {"nrp_code": "OB-1", "kind": "eu", "status": "secured",
                                     "decision_reference": "EU-2025-7"})
    decision = FundingDecision.objects.get()
    assert (decision.nrp_code, decision.status, decision.decision_reference) == (
        "OB-1", "secured", "EU-2025-7")
    assert planned - gap() == Decimal("500000")
    assert table(staff.get(PAGE).content.decode(), "decisions") == [
        ["OB-1", "EU funds", "Secured", "EU-2025-7"]]
