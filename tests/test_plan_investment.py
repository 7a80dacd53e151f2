"""The investment plan: costs per field of action, year and funding source add up, and the
cost per tonne reproduces Kranj's C-3.1 table (ghg-standards.md §7.7: action 1.1,
EUR 21,827,000 for 14,342 t a year, EUR 1,522 per tonne)."""

from __future__ import annotations

from decimal import Decimal

import pytest

pytestmark = pytest.mark.django_db


def test_kranj_action_costs_and_cost_per_tonne(kranj):
    from zerocity.plan.investment import investment_plan

    inv = investment_plan(kranj.plan)
    by_code = {a["code"]: a for a in inv["actions"]}
    assert by_code["1.1"]["total_eur"] == "21827000.00"
    assert by_code["1.1"]["cost_per_tonne_eur"] == "1522"
    assert by_code["1.2"]["cost_per_tonne_eur"] == "609"  # 6,000,000 / 9,850
    assert by_code["1.3"]["total_eur"] == "53073000.00"
    assert by_code["EP-LIGHT"]["total_eur"] is None  # no published cost: none invented


def test_the_sums_agree_every_way(kranj):
    from zerocity.plan.investment import investment_plan

    inv = investment_plan(kranj.plan)
    total = Decimal(inv["total"]["total"])
    assert total == Decimal("21827000") + Decimal("6000000") + Decimal("53073000") + Decimal(
        "1000000")
    assert sum(Decimal(f["total"]) for f in inv["fields"].values()) == total
    assert sum(Decimal(v) for v in inv["year_totals"].values()) + Decimal(
        inv["total"]["unscheduled"]) == total
    assert sum(Decimal(v) for v in inv["sources"].values()) == total
    energy = inv["fields"]["energy-systems"]
    assert sum(Decimal(y["total"]) for y in energy["years"].values()) == Decimal(energy["total"])
    assert inv["sources"]["EU Cohesion Fund"] == "8730800.00"  # 40 % of action 1.1


def test_an_action_without_yearly_costs_is_listed_as_unscheduled(kranj):
    from zerocity.plan.investment import investment_plan
    from zerocity.plan.models import Action

    action = Action.objects.get(plan=kranj.plan, code="1.4")
    action.costs.all().delete()
    inv = investment_plan(kranj.plan)
    assert inv["unscheduled"] == ["1.4"]
    assert inv["total"]["unscheduled"] == "1000000.00"
    assert inv["fields"]["energy-systems"]["unscheduled"] == "1000000.00"


def test_the_cost_curve_puts_the_cheapest_tonne_first(kranj):
    from zerocity.plan.investment import investment_plan

    mac = investment_plan(kranj.plan)["mac"]
    # 1.2: 609 EUR/t, 1.1: 1,522, 1.3: 2,695 (53,073,000 / 19,690), 1.4: 8,000
    assert [a["code"] for a in mac] == ["1.2", "1.1", "1.3", "1.4"]
    assert mac[-1]["cumulative_tco2e"] == 9_850 + 14_342 + 19_690 + 125
