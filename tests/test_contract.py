"""The Climate City Contract: commitments with their versions, signatories and status, and
the investment plan's financing gap and tables (research/green-budget-governance.md §4 and
§6, checks 11, 12 and 13; docs/contract.md)."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from decimal import Decimal

import pytest

from contract_city import cli, contract_city, line
from zerocity.contract import selectors, services, tables
from zerocity.core.errors import Conflict, PermissionDenied

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]


@pytest.fixture
def town(city):  # type: ignore[no-untyped-def]
    return contract_city(city)


def _t9_row(rows, code):  # type: ignore[no-untyped-def]
    return next(r for r in rows if r["action"] == code and r["year"] == "2025")


# -- the financing gap ---------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_check_11_action_5_1_is_35_3_percent_covered_with_a_2_2_m_gap_in_the_t9_export(
        town, fmt, tmp_path):
    # given action 5.1 costing EUR 3.4 M in 2025 and EUR 1.2 M of budget lines naming it
    # when T9 is exported
    out = tmp_path / f"t9.{fmt}"
    code, text = cli("export", "--city", "testville", "--table", "T9", "--format", fmt,
                     "--output", str(out))
    assert code == 0, text
    rows = tables.read("T9", out.read_bytes(), fmt)
    # then the action is 35.3 % covered with a gap of EUR 2.2 M, cost to the municipality
    # the whole cost (no outside money)
    assert _t9_row(rows, "5.1") == {
        "action": "5.1", "field": "mobility", "year": "2025", "cost_eur": "3400000.00",
        "cost_to_municipality_eur": "3400000.00", "cost_to_others_eur": "0.00",
        "secured_eur": "1200000.00", "covered_pct": "35.3", "gap_eur": "2200000.00"}
    # and the export reads back to the table it was written from
    assert rows == tables.table("testville", "T9")


def test_check_13_an_eu_grant_without_a_decision_is_planned_and_stays_in_the_gap(town):
    # given the EU grant of EUR 500,000 on NRP project OB-1 for action 1.1, no decision
    plan = selectors.investment_plan("testville")
    row = next(a for a in plan["actions"] if a["action"] == "1.1")
    # then it is planned, nothing is secured, the whole cost is the gap
    assert (row["planned"], row["secured"], row["gap"]) == ("500000.00", "0.00", "1000000.00")
    source = next(s for s in plan["sources"] if s["action"] == "1.1")
    assert (source["kind"], source["status"], source["nrp_code"], source["origin"]) == (
        "eu", "planned", "OB-1", "budget")
    # when the grant is applied for, it is still in the gap
    services.record_decision(town["plan"].city, nrp_code="OB-1", kind="eu", status="applied",
                             actor="test")
    row = next(a for a in selectors.investment_plan("testville")["actions"]
               if a["action"] == "1.1")
    assert (row["applied"], row["gap"]) == ("500000.00", "1000000.00")
    # and a secured decision needs its reference
    with pytest.raises(Conflict, match="reference"):
        services.record_decision(town["plan"].city, nrp_code="OB-1", kind="eu",
                                 status="secured", actor="test")
    # when the grant agreement is recorded with its reference, it is secured
    services.record_decision(town["plan"].city, nrp_code="OB-1", kind="eu", status="secured",
                             decision_reference="ESRR-2025/17", actor="test")
    plan = selectors.investment_plan("testville")
    row = next(a for a in plan["actions"] if a["action"] == "1.1")
    assert (row["secured"], row["gap"], row["covered"], row["cost_to_others"]) == (
        "500000.00", "500000.00", "50.0", "500000.00")
    t4 = tables.table("testville", "T4")
    assert {"source": "Projekt OB-1", "kind": "eu", "public_private": "public",
            "status": "secured", "decision_reference": "ESRR-2025/17",
            "amount_eur": "500000.00", "actions": "1.1"} in t4


def test_check_13_an_entered_source_is_secured_only_with_its_decision(town):
    with pytest.raises(Conflict, match="decision"):
        services.add_funding(town["cycling"], year=2025, kind="national", status="secured",
                             name="Eko sklad", amount="1000000", actor="test")
    services.add_funding(town["cycling"], year=2025, kind="national", status="secured",
                         name="Eko sklad", amount="1000000", decision_reference="EKO-1/2025",
                         actor="test")
    row = next(a for a in selectors.investment_plan("testville")["actions"]
               if a["action"] == "5.1")
    assert (row["secured"], row["gap"], row["cost_to_others"], row["cost_to_municipality"]) == (
        "2200000.00", "1200000.00", "1000000.00", "2400000.00")
    # the database refuses it whatever path writes it
    from django.db import IntegrityError, transaction

    from zerocity.contract.models import FundingSource
    with pytest.raises(IntegrityError), transaction.atomic():
        FundingSource.objects.create(city=town["plan"].city, action=town["cycling"], year=2026,
                                     kind="eu", status="secured", name="x", amount=1,
                                     recorded_by="test")


def test_the_gap_per_field_year_and_kind_adds_up(town):
    plan = selectors.investment_plan("testville")
    assert plan["years"] == ["2025"]
    assert plan["fields"]["mobility"]["years"]["2025"]["gap"] == "2200000.00"
    assert plan["fields"]["energy"]["total"]["gap"] == "1000000.00"
    assert plan["years_total"]["2025"]["need"] == "4400000.00"
    assert plan["total"]["gap"] == "3200000.00"
    assert plan["total"]["covered"] == "27.3"
    assert plan["sources_by_kind"]["own"]["secured"] == "1200000.00"
    assert plan["sources_by_kind"]["eu"]["planned"] == "500000.00"


def test_only_published_budgets_feed_the_plan(city):
    contract_city(city)
    from zerocity.budget.services import import_budget

    import_budget(city, 2026, "adopted",
                  ("pu_code,pu_name,ppp,gpr,ppr,pp_code,pp_name,konto,cofog,nrp_code,nrp_name,"
                   "amount_eur,funding_source,mitig_tag,adapt_tag,split_pct,ccc_action_id\n"
                   + line("1", "999", "favourable", "5.1")).encode(),
                  filename="b.csv", actor="test")
    assert all(s["year"] == 2025 for s in selectors.investment_plan("testville")["sources"])


@pytest.mark.parametrize("text,kind", [("own", "own"), ("", "own"), ("EU", "eu"),
                                       ("ESRR", "eu"), ("Kohezijski sklad", "eu"),
                                       ("državni proračun", "national"), ("kredit", "loan"),
                                       ("private", "private")])
def test_a_budget_lines_funding_source_reads_as_a_kind(text, kind):
    assert selectors.kind_of(text) == kind


# -- table 1 ----------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_check_12_t1_export_reproduces_differdange_2025_7_35_percent(db, fmt, tmp_path):
    from zerocity.core.services import create_city

    # given Differdange's 2025 figures of its IP-A1 table 1, entered (it has no tagged budget)
    create_city("differdange", name="Differdange", country="LU", population=30000,
                nuts3="LU000")
    contract_city_plan_only(selectors_city("differdange"))
    code, text = cli("budget-figure", "--city", "differdange", "--year", "2025", "--basis",
                     "approved", "--municipal", "243725621", "--climate", "17926000",
                     "--criterion", "EU taxonomy", "--source", "Differdange IP")
    assert code == 0, text
    # when T1 is exported
    out = tmp_path / f"t1.{fmt}"
    code, text = cli("export", "--city", "differdange", "--table", "T1", "--format", fmt,
                     "--output", str(out))
    assert code == 0, text
    # then it reads EUR 17,926,000 of EUR 243,725,621 = 7.35 %
    assert tables.read("T1", out.read_bytes(), fmt) == [{
        "year": "2025", "basis": "approved", "municipal_budget_eur": "243725621.00",
        "climate_budget_eur": "17926000.00", "climate_share_pct": "7.35",
        "criterion": "EU taxonomy", "source": "Differdange IP"}]


def selectors_city(slug):  # type: ignore[no-untyped-def]
    from zerocity.core.models import City

    return City.objects.get(slug=slug)


def test_check_12_t1_is_fed_by_the_tagged_budget_where_there_is_one(town):
    services.enter_budget_figure(town["plan"].city, year=2025, basis="approved",
                                 municipal_budget="1000", climate_budget="1",
                                 criterion="hand", actor="test")
    services.enter_budget_figure(town["plan"].city, year=2024, basis="actual",
                                 municipal_budget="2000000", climate_budget="150000",
                                 criterion="EU taxonomy", actor="test")
    rows = tables.table("testville", "T1")
    # 2024 from the entered figure, 2025 from the tagged budget (not the hand figure):
    # very favourable and favourable mitigation, 800,000 + 400,000 + 500,000 of 1,800,000
    assert [r["year"] for r in rows] == ["2024", "2025"]
    assert rows[0]["climate_share_pct"] == "7.50"
    assert (rows[1]["municipal_budget_eur"], rows[1]["climate_budget_eur"],
            rows[1]["climate_share_pct"], rows[1]["criterion"]) == (
        "1800000.00", "1700000.00", "94.44", selectors.CRITERION)


def contract_city_plan_only(city):  # type: ignore[no-untyped-def]
    from zerocity.inventory.services import create_inventory
    from zerocity.plan.models import Plan

    Plan.objects.create(city=city, baseline=create_inventory(city, 2018), title="Plan")


def test_t2_allocates_the_linked_lines_by_field_action_and_year(town):
    assert tables.table("testville", "T2") == [
        {"field": "energy", "action": "1.1", "year": "2025", "amount_eur": "500000.00"},
        {"field": "mobility", "action": "5.1", "year": "2025", "amount_eur": "1200000.00"}]


def test_a_csv_cell_that_would_be_a_formula_is_defused(town):
    services.add_funding(town["cycling"], year=2025, kind="private", status="planned",
                         name="=HYPERLINK(1)", amount="10", actor="test")
    text = tables.to_csv("T4", tables.table("testville", "T4"))
    assert "'=HYPERLINK(1)" in text


# -- commitments ---------------------------------------------------------------------------

def test_a_signature_keeps_the_documents_sha256_and_freezes_the_version(town, tmp_path):
    doc = tmp_path / "signed.pdf"
    doc.write_bytes(b"%PDF signed contract")
    code, text = cli("signatory", "add", "--city", "testville", "--organisation",
                     "Testville Energy", "--representative", "Ana Novak", "--role",
                     "Director", "--date", "2024-05-10", "--document", str(doc))
    assert code == 0, text
    data = selectors.commitments("testville", today=date(2025, 6, 1))
    c = next(c for c in data["commitments"] if c["organisation"] == "Testville Energy")
    assert c["signatories"] == [{
        "organisation": "Testville Energy", "representative": "Ana Novak", "role": "Director",
        "signed_on": "2024-05-10",
        "document_sha256": hashlib.sha256(b"%PDF signed contract").hexdigest()}]
    # signing again with the same document changes nothing
    code, _text = cli("signatory", "add", "--city", "testville", "--organisation",
                      "Testville Energy", "--representative", "Ana Novak", "--role",
                      "Director", "--date", "2024-05-10", "--document", str(doc))
    assert code == 0
    assert town["utility"].versions.get().signatories.count() == 1
    # the signed version never changes
    version = town["utility"].versions.get()
    version.text = "changed"
    with pytest.raises(TypeError):
        version.save()
    # a new version keeps the old one readable, signed
    services.revise_commitment(town["utility"], "We put solar panels on all public roofs.",
                               note="all roofs", actor="test")
    c = next(c for c in selectors.commitments("testville", today=date(2025, 6, 1))
             ["commitments"] if c["organisation"] == "Testville Energy")
    assert c["version"] == 2 and c["text"] == "We put solar panels on all public roofs."
    assert [(v["number"], v["signed"]) for v in c["versions"]] == [(1, True), (2, False)]
    assert c["versions"][0]["text"] == "We put solar panels on public roofs."
    # on version 2: signing again with the same document changes nothing; another document
    # is refused
    services.sign_commitment(town["utility"], organisation="Testville Energy",
                             representative="Ana Novak", role="Director",
                             signed_on=date(2025, 7, 1), document=b"v2", actor="test")
    services.sign_commitment(town["utility"], organisation="Testville Energy",
                             representative="Ana Novak", role="Director",
                             signed_on=date(2025, 7, 1), document=b"v2", actor="test")
    with pytest.raises(Conflict, match="another document"):
        services.sign_commitment(town["utility"], organisation="Testville Energy",
                                 representative="Ana Novak", role="Director",
                                 signed_on=date(2025, 7, 1), document=b"v2 changed",
                                 actor="test")


def test_a_commitment_is_at_risk_when_an_action_it_covers_is_late(town):
    def status(today: date) -> dict[str, str]:
        return {c["organisation"]: c["status"]
                for c in selectors.commitments("testville", today=today)["commitments"]}

    assert status(date(2025, 6, 1)) == {"City of Testville": "on_track",
                                        "Testville Energy": "on_track"}
    # when the roofs are not built by their due date
    assert status(date(2099, 2, 1))["Testville Energy"] == "at_risk"
    # and done when its every milestone is
    from zerocity.plan.models import Milestone

    Milestone.objects.filter(name="Roofs built").update(done=date(2099, 1, 1))
    assert status(date(2099, 2, 1))["Testville Energy"] == "done"
    assert selectors.commitment_status([]) == "no_actions"


def test_the_commitments_command_prints_json(town):
    code, text = cli("commitments", "--city", "testville", "--format", "json")
    assert code == 0, text
    data = json.loads(text)
    assert [c["organisation"] for c in data["commitments"]] == [
        "Testville Energy", "City of Testville"]


def test_the_investment_plan_command_prints_json(town):
    code, text = cli("investment-plan", "--city", "testville", "--format", "json")
    assert code == 0, text
    assert json.loads(text) == selectors.investment_plan("testville")


def test_funding_added_on_the_command_line(town):
    code, text = cli("funding", "add", "--city", "testville", "--year", "2025", "--action",
                     "5.1", "--kind", "eu", "--status", "secured", "--name", "CEF",
                     "--amount", "100000")
    assert code == 1 and "decision" in text
    code, text = cli("funding", "add", "--city", "testville", "--year", "2025", "--action",
                     "5.1", "--kind", "eu", "--status", "applied", "--name", "CEF",
                     "--amount", "100000")
    assert code == 0, text
    code, text = cli("funding", "decision", "--city", "testville", "--nrp", "OB-1", "--kind",
                     "eu", "--status", "secured", "--decision", "GA-1")
    assert code == 0, text
    assert Decimal(selectors.investment_plan("testville")["total"]["applied"]) == 100000


def test_only_staff_change_the_contract(town):
    from zerocity.core.models import Role
    from zerocity.core.services import ensure_department, grant_role

    citizen = grant_role(town["plan"].city, "jana", Role.CITIZEN).user
    staff = grant_role(town["plan"].city, "mia", Role.STAFF, department=ensure_department(
        town["plan"].city, "roads", "Roads")).user
    with pytest.raises(PermissionDenied):
        services.add_funding(town["cycling"], year=2025, kind="eu", status="planned",
                             name="x", amount="1", by=citizen)
    with pytest.raises(PermissionDenied):
        services.sign_commitment(town["utility"], organisation="x", representative="y",
                                 role="z", signed_on=date(2025, 1, 1), document=b"d",
                                 by=citizen)
    assert services.add_funding(town["cycling"], year=2025, kind="eu", status="planned",
                                name="x", amount="1", by=staff).pk


def test_a_commitment_is_added_on_the_command_line_with_its_actions(town):
    code, text = cli("commitment-add", "--city", "testville", "--organisation", "Arriva",
                     "--group", "transport", "--text", "Electric buses.", "--partner",
                     "--action", "5.1")
    assert code == 0, text
    c = next(c for c in selectors.commitments("testville")["commitments"]
             if c["organisation"] == "Arriva")
    assert (c["partner"], c["version"], [a["code"] for a in c["actions"]]) == (
        True, 1, ["5.1"])
    code, text = cli("commitment-add", "--city", "testville", "--organisation", "X",
                     "--group", "energy", "--text", "t", "--action", "9.9")
    assert code == 1 and "9.9" in text


def test_a_row_saved_from_the_admin_names_the_admin_who_recorded_it(town, rf, admin_user):
    from django.contrib import admin as django_admin

    from zerocity.contract.admin import FundingDecisionAdmin
    from zerocity.contract.models import FundingDecision

    request = rf.post("/admin/")
    request.user = admin_user
    decision = FundingDecision(city=town["plan"].city, nrp_code="OB-1", kind="eu",
                               status="secured", decision_reference="EU-7",
                               recorded_by="someone else")
    FundingDecisionAdmin(FundingDecision, django_admin.site).save_model(
        request, decision, None, False)
    assert FundingDecision.objects.get(pk=decision.pk).recorded_by == "admin:admin"
