"""Kranj's published 2018 baseline (2030 Climate Neutrality Action Plan, table A-1.3; research
note ghg-standards.md §7.5), reproduced by the demo through the normal import path."""

from __future__ import annotations

import pytest

from kranj_reference import A_1_3
from zerocity.inventory.models import Inventory
from zerocity.inventory.selectors import summary

pytestmark = pytest.mark.django_db


@pytest.fixture
def baseline(kranj):
    return summary(Inventory.objects.get(city=kranj, year=2018))


@pytest.mark.parametrize("row", list(A_1_3))
def test_each_a13_row_within_one_tonne(baseline, row):
    got = baseline["ccc_a13"][row]
    s1, s2, s3, total = A_1_3[row]
    assert got["scope1"] == pytest.approx(s1, abs=1)
    assert got["scope2"] == pytest.approx(s2, abs=1)
    assert got["scope3"] == pytest.approx(s3, abs=1)
    assert got["total"] == pytest.approx(total, abs=1)


def test_gpc_totals_of_the_baseline(baseline):
    t = baseline["totals"]
    assert baseline["gwp"] == "AR5"
    assert t["scope1"] == pytest.approx(207_460, abs=1)
    assert t["scope2"] == pytest.approx(25_661, abs=1)
    assert t["scope3"] == pytest.approx(5_711, abs=1)
    assert t["mission"] == pytest.approx(238_832, abs=1)
    # nothing territorial-only in Kranj's data: I.4.4 is IE, no imported waste
    assert t["territorial"] == t["scope1"]


def test_baseline_is_published_and_real_and_later_years_illustrative(kranj):
    years = {i.year: i for i in Inventory.objects.filter(city=kranj)}
    assert years[2018].is_published and not years[2018].illustrative
    assert all(years[y].illustrative for y in (2020, 2022, 2024))
    assert not years[2024].is_published


def test_every_line_of_the_baseline_says_where_its_figure_comes_from(baseline):
    for row in baseline["rows"]:
        if row["notation_key"]:
            assert row["explanation"], row
        else:
            assert row["source"] and row["data_quality"] in ("H", "M", "L"), row


def test_kranj_factors_are_recorded_on_each_line(baseline):
    gas = [r for r in baseline["rows"] if r["activity"].startswith("Natural gas")]
    assert {r["factor"]["source"] for r in gas} == {"kranj-ccc-2018"}
    assert {r["factor"]["co2"] for r in gas} == {0.205}


def test_the_whole_demo_holds_up_1_and_the_2025_budget_and_loading_again_changes_nothing(
        kranj_data):
    from decimal import Decimal

    from zerocity.core.models import AuditLog
    from zerocity.demo.kranj import load_demo
    from zerocity.mobility.models import Scenario
    from zerocity.mobility.scenarios.worth import compare_scenario
    from zerocity.plan.models import Plan
    from zerocity.plan.scenario import scenario_result

    # the UP-SCALE scenario of issue 20 on the demo: line 1 twice as often, all day
    scenario = Scenario.objects.get(city=kranj_data, name="Line 1 twice as often")
    version = scenario.versions.get()
    assert version.edits == [{"type": "adjust_frequency", "route_id": "1", "start": "00:00:00",
                              "end": "30:00:00", "factor": 2}]
    # its action's effects are the comparison's, with Kranj's 8 battery buses of 19 (0.42)
    plan = Plan.objects.get(city=kranj_data)
    action = plan.actions.get(code="UP-1")
    _v, c = compare_scenario(scenario, battery_share=Decimal("0.42"))
    assert c.service_change > Decimal("0.05")
    year = c.first.year
    assert action.effects == c.effects(start_year=year, full_year=year,
                                       label=f"#{scenario.pk} v1 {scenario.name}")
    assert [(e["carrier"], e.get("to_gpc")) for e in action.effects] == [
        ("diesel", "II.1.1"), ("electricity", "II.1.2"), ("diesel", None)]
    # and the plan's 2030 result moves by what the action adds and takes away
    alone = scenario_result(plan, ["UP-1"], include_existing=False)
    assert alone["result"]["scenario"] != alone["result"]["baseline"]
    assert alone["impacts"]["UP-1"] != 0
    assert (alone["result"]["scenario"] - alone["result"]["baseline"]
            == pytest.approx(-alone["impacts"]["UP-1"], abs=0.2))

    # the 2025 budget (illustrative) is published, tagged, and its report is its file's sums
    import csv
    import io

    from zerocity.budget.demo import budget_csv
    from zerocity.budget.selectors import budget_version, report

    rows = list(csv.DictReader(io.StringIO(budget_csv().decode())))
    version = budget_version("kranj", 2025, published=True)
    figures = report(version, decimals=1)
    total = sum(Decimal(r["amount_eur"]) for r in rows)
    scope = [r for r in rows if not r["konto"].startswith(("403", "409", "55"))]
    green = sum(Decimal(r["amount_eur"]) for r in scope
                if r["mitig_tag"] in ("very_favourable", "favourable"))
    in_scope = sum(Decimal(r["amount_eur"]) for r in scope)
    assert len(rows) == version.lines.count() > 200
    assert (Decimal(figures["total"]), Decimal(figures["in_scope"])) == (total, in_scope)
    assert figures["green_share"] == f"{green * 100 / in_scope:.1f}"
    assert figures["untagged"]["mitigation"]["amount"] == "0.00"
    # and sized like Kranj's 2024 budget (EUR 96.7 M, research green-budget-governance §2.2)
    assert round(total / Decimal(1_000_000), 1) == Decimal("96.7")
    # and its lines fund the plan's actions, the solar electricity against its 2025 cost
    funded = {a["action"]: a for a in figures["actions"]}
    assert {"1.3", "BE-ALL", "MT-COMMUTE", "WC-ALL"} <= set(funded)
    assert funded["1.3"]["planned"] is not None and funded["1.3"]["covered"] is not None

    before = (AuditLog.objects.count(), list(Inventory.objects.values_list("updated_at")),
              action.effects)
    load_demo(actor="test")
    after = (AuditLog.objects.count(), list(Inventory.objects.values_list("updated_at")),
             plan.actions.get(code="UP-1").effects)
    assert after == before
