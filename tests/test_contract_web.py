"""The Climate City Contract's public pages and API (issue 21): the commitments with their
signatories and status, and the financing gap with the template's tables, every figure equal
to the selector's (``contract.selectors``); who may see them; Slovenian and English."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import translation

from clients import client_for
from contract_city import contract_city
from page_words import raw_codes
from test_mobility_planning_web import figure, table
from zerocity.contract import selectors, services, tables
from zerocity.web.templatetags import zc

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]
PAGES = ("/{lang}/testville/plan/contract/", "/{lang}/testville/plan/investment/financing/")


def money(value: object) -> str:
    with translation.override("en"):
        return zc.money(value)


def pct(value: object, decimals: int = 1) -> str:
    with translation.override("en"):
        return f"{zc.num(value, decimals)} %"


@pytest.fixture
def town(city):  # type: ignore[no-untyped-def]
    found = contract_city(city)
    services.sign_commitment(found["utility"], organisation="Testville Energy",
                             representative="Ana Novak", role="Director",
                             signed_on=date(2024, 5, 10), document=b"signed", actor="test")
    services.add_funding(found["cycling"], year=2025, kind="national", status="secured",
                         name="Eko sklad", amount="300000", decision_reference="EKO-1",
                         actor="test")
    return found


def test_the_pages_are_public_to_everyone(town):
    from zerocity.core.models import Role
    from zerocity.core.services import ensure_department, grant_role

    city = town["plan"].city
    who = {"anonymous": None, "citizen": grant_role(city, "jana", Role.CITIZEN).user,
           "staff": grant_role(city, "mia", Role.STAFF, department=ensure_department(
               city, "roads", "Roads")).user}
    for url in (*PAGES, "/{lang}/testville/plan/investment/financing/T9.csv"):
        assert {k: client_for(u).get(url.format(lang="en")).status_code
                for k, u in who.items()} == dict.fromkeys(who, 200), url
    assert client_for(None).get("/en/atlantis/plan/contract/").status_code == 404
    assert client_for(None).get("/en/testville/plan/investment/financing/T3.csv"
                             ).status_code == 404
    assert client_for(None).post(PAGES[0].format(lang="en")).status_code == 405


def test_every_figure_of_the_financing_page_equals_the_selectors(town):
    inv = selectors.investment_plan("testville")
    page = client_for(None).get(PAGES[1].format(lang="en")).content.decode()
    for key in ("gap", "need", "secured"):
        assert figure(page, key) == money(inv["total"][key]), key
    assert figure(page, "covered") == pct(inv["total"]["covered"])
    assert table(page, "actions") == [
        [f"{a['action']} {a['name']}", str(a["year"]), money(a["need"]),
         money(a["cost_to_municipality"]), money(a["cost_to_others"]), money(a["secured"]),
         pct(a["covered"]), money(a["gap"])] for a in inv["actions"]]
    assert table(page, "kinds") == [
        [name, money(v["secured"]), money(v["applied"]), money(v["planned"])]
        for name, v in zip(["Own budget", "EU funds", "National funds", "Loans", "Private"],
                           inv["sources_by_kind"].values(), strict=True)]
    rows = table(page, "fields")
    assert rows[:-1] == [[f["name"], *(money(f["years"][y]["gap"]) if y in f["years"] else ""
                                       for y in inv["years"]), money(f["total"]["gap"])]
                         for f in inv["fields"].values()]
    assert table(page, "t1") == [
        [r["year"], money(r["municipal_budget_eur"]), money(r["climate_budget_eur"]),
         pct(r["climate_share_pct"], 2), r["criterion"]] for r in tables.table("testville", "T1")]
    # check 11 on the page: 5.1 in 2025, now with EUR 300,000 of national money secured
    assert table(page, "actions")[1][-2:] == ["44.1 %", "1,900,000.00\xa0EUR"]
    assert 'data-illustrative="financing"' not in page


def test_the_contract_page_shows_each_commitment_its_signatories_and_status(town):
    data = selectors.commitments("testville")
    page = client_for(None).get(PAGES[0].format(lang="en")).content.decode()
    assert figure(page, "commitments") == str(len(data["commitments"]))
    for c in data["commitments"]:
        assert f'data-commitment="{c["organisation"]}"' in page
        assert f'data-status="{c["status"]}"' in page
    assert table(page, "signatories") == [
        ["Testville Energy", "Ana Novak", "Director", "2024-05-10",
         data["commitments"][0]["signatories"][0]["document_sha256"][:12] + "…"]]
    assert "Not signed yet." in page  # the city's own commitment


def test_the_template_tables_download_as_csv_and_xlsx_and_read_back(town):
    for fmt in ("csv", "xlsx"):
        got = client_for(None).get(f"/en/testville/plan/investment/financing/T9.{fmt}")
        assert got.status_code == 200
        assert tables.read("T9", got.content, fmt) == tables.table("testville", "T9")


@pytest.mark.parametrize("path", PAGES)
def test_the_slovenian_pages_read_in_slovenian(town, path):
    page = client_for(None).get(path.format(lang="sl")).content.decode()
    assert raw_codes(page) == []
    for english in ("Financing gap", "Signatories", "Secured", "On track", "Own budget"):
        assert f">{english}<" not in page, english


def test_the_api_gives_the_contract_and_the_investment_plan(town, client):
    got = client.get("/api/v1/cities/testville/contract")
    assert got.status_code == 200
    assert got.json() == selectors.public_commitments("testville")
    assert got.json()["commitments"][0]["signatories"][0]["representative"] == "Ana Novak"
    got = client.get("/api/v1/cities/testville/investment-plan")
    assert got.status_code == 200
    plan = selectors.investment_plan("testville")
    body = got.json()
    assert body["total"] == plan["total"] and body["actions"] == plan["actions"]
    assert client.get("/api/v1/cities/atlantis/contract").status_code == 404


def test_the_action_page_shows_its_funding_and_gap_each_year(town):
    # check 11 on the action's own page: 5.1 in 2025 costs EUR 3.4 M; the budget's lines give
    # 1.2 M and the national fund has secured 0.3 M more
    years = selectors.action_funding("testville", "5.1")
    assert [(f["year"], f["need"], f["secured"], f["covered"], f["gap"]) for f in years] == [
        (2025, "3400000.00", "1500000.00", "44.1", "1900000.00")]
    page = client_for(None).get("/en/testville/plan/actions/5.1/").content.decode()
    assert table(page, "funding") == [
        [str(f["year"]), money(f["need"]), money(f["secured"]), money(f["applied"]),
         money(f["planned"]), pct(f["covered"]), money(f["gap"])] for f in years]
    slovenian = client_for(None).get("/sl/testville/plan/actions/5.1/").content.decode()
    assert "Financiranje in vrzel" in slovenian
