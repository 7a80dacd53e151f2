"""The stored plan as a pathway model (plan/scenario.py) and the climate budget built on it
(plan/budget.py). Kranj's figures: A-2.1 in ghg-standards.md §7.6, action effects §7.7."""

from __future__ import annotations

import pytest

from zerocity.plan.budget import ceilings, margins
from zerocity.plan.scenario import EffectError, parse_effects


def test_effects_parse_from_json():
    effects = parse_effects([
        {"type": "reduce_demand", "share": 0.3, "target": {"gpc": ["II.1.1"]},
         "ramp": {"start": 2024, "full": 2030}},
        {"type": "switch_carrier", "from": "heating_oil", "to": "electricity",
         "efficiency_to": 3.2},
        {"type": "change_factor", "carrier": "district_heat", "share": 0.5},
        {"type": "add_renewable", "mwh": 1000},
        {"type": "change_activity", "mwh": 120.5, "carrier": "electricity", "to_gpc": "II.1.2"},
    ])
    assert [type(e).__name__ for e in effects] == [
        "ReduceDemand", "SwitchCarrier", "ChangeFactor", "AddLocalRenewable", "ChangeActivity"]
    assert (effects[4].mwh, effects[4].carrier, effects[4].to_gpc_ref) == (
        120.5, "electricity", "II.1.2")
    assert effects[0].target.gpc_prefixes == ("II.1.1",) and effects[0].ramp.full == 2030
    assert effects[1].ratio == pytest.approx(1 / 3.2)


@pytest.mark.parametrize(("data", "message"), [
    ({"type": "reduce_demand"}, r"expected a list"),
    ([{"type": "teleport"}], r"effects\[0\]: type must be one of"),
    ([{"type": "reduce_demand", "share": 1.5}], r"effects\[0\]: .*between 0 and 1"),
    ([{"type": "reduce_demand", "share": "a third"}], r"effects\[0\]: share must be a number"),
    ([{"type": "add_renewable", "mwh": 5}, {"type": "switch_carrier", "from": "oil"}],
     r"effects\[1\]: switch_carrier needs from and to"),
    ([{"type": "change_factor", "share": 0.1, "new_factor": 0.2}], r"exactly one of"),
    ([{"type": "change_activity", "mwh": 10}], r"effects\[0\]: change_activity needs a carrier"),
    ([{"type": "change_activity", "mwh": 10, "carrier": "diesel"}],
     r"effects\[0\]: .*needs the GPC row it goes to \(to_gpc\)"),
    ([{"type": "change_activity", "mwh": -10, "carrier": "diesel", "litres": 3}],
     r"unknown key litres for change_activity"),
    ([{"type": "reduce_demand", "share": 0.1, "ramp": {"start": 2030}}],
     r"a ramp needs start and full"),
    ([{"type": "reduce_demand", "share": 0.1, "target": {"zone": "north"}}],
     r"unknown target key zone"),
])
def test_bad_effects_are_refused_with_the_effect_and_the_reason(data, message):
    with pytest.raises(EffectError, match=message):
        parse_effects(data)


def test_ceilings_run_straight_to_the_target_and_margins_are_ceiling_minus_projection():
    c = ceilings({"transport": 1000.0, "waste": 100.0}, base_year=2018, target_year=2030,
                 reduction=0.8, years=[2018, 2024, 2030, 2031])
    assert c["transport"] == pytest.approx([1000, 600, 200, 200])
    assert c["waste"] == pytest.approx([100, 60, 20, 20])
    assert margins([600, 200], [550, 260]) == [50, -60]
    with pytest.raises(ValueError):
        ceilings({"waste": 1.0}, base_year=2030, target_year=2030, reduction=0.8, years=[2030])


# -- on Kranj's plan ----------------------------------------------------------------------------

@pytest.mark.django_db
def test_each_measure_alone_removes_its_stated_tonnes(kranj):
    from zerocity.plan.scenario import plan_model

    pm = plan_model(kranj.plan)
    base = pm.run(())
    existing = pm.run(pm.existing_ids)
    # existing national and regional policies, A-2.1 column (3): 77,802 t in 2030
    assert base.total_in(2030) - existing.total_in(2030) == pytest.approx(77_802, abs=1)
    for code, tonnes in (("MT-CARS", 16_342), ("WC-ALL", 14_823), ("1.2", 9_850)):
        alone = pm.run(pm.existing_ids | {code})
        assert existing.total_in(2030) - alone.total_in(2030) == pytest.approx(tonnes, abs=1)
    # action 1.3 has a typed effect: 35,000 MWh more solar electricity displaces grid
    # electricity at the 2030 grid factor of the demo's drivers (0.25 t/MWh)
    pv = pm.run({"1.3"})
    assert base.total_in(2030) - pv.total_in(2030) == pytest.approx(35_000 * 0.25, rel=1e-9)
    assert base.total_in(2018) == pytest.approx(238_832, abs=1)  # the baseline inventory


@pytest.mark.django_db
def test_the_explorer_result_and_its_bounds(kranj):
    from zerocity.plan.scenario import pathway_charts, plan_model, scenario_result

    pm = plan_model(kranj.plan)
    everything = scenario_result(kranj.plan, None)
    nothing = scenario_result(kranj.plan, [])
    assert everything["actions"] == pm.plan_ids
    assert everything["result"]["scenario"] == pytest.approx(
        pm.run(pm.existing_ids | set(pm.plan_ids)).total_in(2030), abs=0.1)
    assert nothing["result"]["scenario"] == nothing["result"]["existing"]
    assert nothing["impacts"] == {}
    assert everything["result"]["ceiling"] == pytest.approx(238_832 * 0.2, abs=1)
    assert everything["result"]["margin"] == pytest.approx(
        everything["result"]["ceiling"] - everything["result"]["scenario"], abs=0.2)
    assert everything["result"]["met"] is (everything["result"]["margin"] >= -0.5)
    one = scenario_result(kranj.plan, ["WC-ALL"])
    assert nothing["result"]["scenario"] - one["result"]["scenario"] == pytest.approx(
        14_823, abs=1)
    with pytest.raises(ValueError, match="no action 9.9"):
        scenario_result(kranj.plan, ["1.1", "9.9"])

    charts = pathway_charts(kranj.plan)
    steps = charts["waterfall"]
    assert steps[0]["value"] + sum(s["value"] for s in steps[1:-1]) == pytest.approx(
        steps[-1]["value"], abs=1)  # the bars walk exactly from the baseline to the result
    t = charts["years"].index(2030)
    wedge_sum = sum(w["values"][t] for w in charts["wedges"])
    assert wedge_sum == pytest.approx(charts["existing"][t] - charts["plan"][t], abs=1)


@pytest.mark.django_db
def test_the_model_follows_changes_to_the_plan(kranj):
    from zerocity.plan.models import ActionReduction
    from zerocity.plan.scenario import plan_model, scenario_result

    before = scenario_result(kranj.plan, ["WC-ALL"])["result"]["scenario"]
    assert plan_model(kranj.plan) is plan_model(kranj.plan)  # cached
    ActionReduction.objects.filter(action__code="WC-ALL").update(tco2e=4_823)
    after = scenario_result(kranj.plan, ["WC-ALL"])["result"]["scenario"]
    assert after - before == pytest.approx(10_000, abs=1)


@pytest.mark.django_db
def test_the_climate_budget(kranj):
    from zerocity.plan.budget import climate_budget

    b = climate_budget(kranj.plan)
    assert b["years"][0] == 2019 and b["years"][-1] == 2030
    for sector, s in b["sectors"].items():
        assert s["ceiling"][-1] == pytest.approx(s["baseline"] * 0.2), sector
        assert s["margin"] == pytest.approx([c - p for c, p in zip(
            s["ceiling"], s["projected"], strict=True)])
    assert b["total"]["ceiling"][-1] == pytest.approx(238_832 * 0.2, abs=1)
    overshoots = [y for y, m in zip(b["years"], b["total"]["margin"], strict=True) if m < 0]
    assert b["first_overshoot"] == (overshoots[0] if overshoots else None)
    transport = {c["code"]: c for c in b["sectors"]["transport"]["carriers"]}
    assert transport["MT-CARS"]["tco2e"] == 16_342
    assert transport["MT-CARS"]["department"] == "Transport and mobility"
    assert {c["code"] for c in b["energy_systems"]["carriers"]} >= {"1.1", "1.2", "1.3"}


@pytest.mark.django_db
def test_progress_replaces_the_model_by_the_published_inventories(kranj):
    from zerocity.inventory.models import Inventory
    from zerocity.inventory.selectors import summary
    from zerocity.plan.scenario import progress

    p = progress(kranj.plan)
    assert [y["year"] for y in p["years"]] == [2020, 2022]  # 2024 is a draft: not counted
    for y in p["years"]:
        inv = Inventory.objects.get(city=kranj, year=y["year"])
        assert y["observed"] == pytest.approx(summary(inv)["totals"]["mission"], abs=0.1)
        assert y["illustrative"] and y["unmatched_tco2e"] == 0
    # 2022 was measured above the path, so the path carried on from it ends higher too
    assert p["years"][-1]["observed"] > p["years"][-1]["planned"]
    assert p["projected"] > p["planned"]
