"""The budget's report over the years and against the plan: the green share's trend in
percentage points (research/green-budget-governance.md §6, check 10) and each plan action's
funding from the budget lines that name it (check 11)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from zerocity.budget.selectors import budget_version, report
from zerocity.budget.services import import_budget

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]

HEADER = ("pu_code,pu_name,ppp,gpr,ppr,pp_code,pp_name,konto,cofog,nrp_code,nrp_name,"
          "amount_eur,funding_source,mitig_tag,adapt_tag,split_pct,ccc_action_id\n")


def row(pp: str, amount: str, mitig: str, action: str = "") -> str:
    return (f"4000,Mestna uprava,13,1302,13029003,{pp},Postavka,4201,0451,,,{amount},own,"
            f"{mitig},neutral,,{action}\n")


def load(city, year: int, *rows: str) -> None:  # type: ignore[no-untyped-def]
    import_budget(city, year, "adopted", (HEADER + "".join(rows)).encode(),
                  filename=f"budget-{year}.csv", actor="test")


def test_check_10_a_green_share_from_45_0_to_52_3_is_plus_7_3_points(city):
    # given 2024 at 45.0 % green and 2025 at 52.3 %
    load(city, 2024, row("1", "450", "favourable"), row("2", "550", "neutral"))
    load(city, 2025, row("1", "523", "very_favourable"), row("2", "477", "unfavourable"))
    data = report(budget_version("testville", 2025), decimals=1)
    # then the report shows the change in percentage points, not in percent
    assert data["green_share"] == "52.3"
    assert data["trend"] == {"against_year": 2024, "against_stage": "adopted",
                             "green_share_then": "45.0", "change_pp": "+7.3"}
    # and a first year has no trend
    assert report(budget_version("testville", 2024))["trend"] is None


def test_check_11_an_action_of_3_4_m_with_1_2_m_of_lines_is_35_3_percent_covered(city):
    from zerocity.inventory.services import create_inventory
    from zerocity.plan.models import Action, ActionCost, FieldOfAction, Plan

    # given plan action 5.1 costing EUR 3.4 M in 2025 (capital and operating)
    plan = Plan.objects.create(city=city, baseline=create_inventory(city, 2018),
                               title="Climate neutrality action plan", target_year=2030)
    field = FieldOfAction.objects.create(city=city, slug="mobility", name="Mobility")
    action = Action.objects.create(plan=plan, code="5.1", name="Cycling network", field=field)
    ActionCost.objects.create(action=action, year=2025, capex_eur=Decimal("3000000"),
                              opex_eur=Decimal("400000"))
    ActionCost.objects.create(action=action, year=2026, capex_eur=Decimal("9000000"))
    # and two budget lines of 2025 that name it, one line that names an action the plan lacks
    load(city, 2025, row("1", "800000", "very_favourable", "5.1"),
         row("2", "400000", "favourable", "5.1"), row("3", "100000", "neutral", "9.9"),
         row("4", "50000", "neutral"))
    data = report(budget_version("testville", 2025), decimals=1)
    # then the action is 35.3 % covered with a gap of EUR 2.2 M (its 2026 cost not counted)
    assert data["actions"] == [
        {"action": "5.1", "linked": "1200000.00", "planned": "3400000.00", "covered": "35.3",
         "gap": "2200000.00"},
        {"action": "9.9", "linked": "100000.00", "planned": None, "covered": None,
         "gap": None}]
