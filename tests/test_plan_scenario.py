"""The stored plan as a pathway model (plan/scenario.py), proved on a plan small enough to
compute by hand, and on Kranj's.

The small plan (base year 2020, target 2030, no drivers, so the baseline is flat at 2,700 t):

    I.1.1   gas boilers in homes      1,000 t   buildings, fixed row
    I.1.2   electricity in homes      1,000 t   buildings, 2,000 MWh x 0.5 t/MWh
    II.1.1  cars                        500 t   transport
    III.1.1 landfill                    200 t   waste

The existing policy cuts buildings by 300 t (a 15 % factor cut on its 2,000 t) and waste by
50 t (25 %), leaving 2,350 t. Each action alone then removes its stated tonnes from those
2,350 t; see each test for the arithmetic.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from zerocity.pathways import ChangeFactor, ReduceDemand, SwitchCarrier
from zerocity.plan.scenario import DriversError, EffectError, parse_drivers, parse_effects

SMALL_CSV = """gpc_ref,activity,amount,unit,fuel,ef_co2,ef_unit,co2,data_quality,source
I.1.1,Gas boilers in homes,,,,,,1000,M,test
I.1.2,Electricity in homes,2000,MWh,,0.5,MWh,,M,test
II.1.1,Cars,,,,,,500,M,test
III.1.1,Landfill,,,,,,200,M,test
"""


def _action(code, reductions, **extra):
    return {"code": code, "name": f"Action {code}", "field": "all", "reductions": reductions,
            "start_year": 2021, "end_year": 2030, **extra}


SMALL_PLAN = {
    "title": "Small plan", "target_year": 2030, "reduction_target": "0.8",
    "fields": {"all": "Everything"},
    "departments": {"mobility": "Mobility", "energy": "Energy"},
    "policies": [{"name": "National policy", "reductions": {"buildings": 300, "waste": 50}}],
    "actions": [
        _action("B1", {"buildings": 170}, department="energy"),
        _action("D1", {"buildings": 425}, effects=[
            {"type": "reduce_demand", "share": 0.5, "target": {"gpc": ["I.1.1"]},
             "note": "halve the gas demand"}]),
        _action("E1", {"energy_systems": 255}, department="energy"),
        _action("T1", {"transport": 100}, department="mobility"),
        _action("W1", {"waste": 400}),
        _action("X1", {"transport": 60}, department="mobility", end_year=2040, costs=[
            {"year": 2021, "capex_eur": "100", "opex_eur": "10", "funding_source": "EU"},
            {"year": 2022, "capex_eur": "50", "opex_eur": "30", "funding_source": "City"}]),
    ],
}


def load_small_plan(city):
    """The small plan above, loaded as a city loads its plan."""
    from zerocity.inventory import services as inventory_services
    from zerocity.plan.services import load_plan

    inventory = inventory_services.import_activity_file(
        city, 2020, SMALL_CSV.encode(), "activity.csv").inventory
    return load_plan(city, inventory, SMALL_PLAN)


# -- effects and drivers from JSON (pure) ---------------------------------------------------------

def test_each_effect_type_reads_its_fields():
    switch, change, demand = parse_effects([
        {"type": "switch_carrier", "from": "heating_oil", "to": "district_heat", "share": 0.38,
         "efficiency_from": 0.85, "efficiency_to": 0.95, "to_factor": 0.05, "to_gpc": "I.1.2",
         "target": {"gpc": ["I.1.1", "I.2.1"], "sectors": "buildings"},
         "ramp": {"start": "2023", "full": 2030, "shape": "step"}},
        {"type": "change_factor", "carrier": "district_heat", "new_factor": 0.0457},
        {"type": "reduce_demand", "share": 0, "note": "free text is allowed"},
    ])
    assert switch == SwitchCarrier("heating_oil", "district_heat", 0.38, 0.85, 0.95, 0.05,
                                   "I.1.2", switch.ramp, switch.target)
    assert (switch.ramp.start, switch.ramp.full, switch.ramp.shape) == (2023, 2030, "step")
    assert switch.target.gpc_prefixes == ("I.1.1", "I.2.1")
    assert switch.target.ccc_sectors == ("buildings",)
    assert change == ChangeFactor("district_heat", new_factor=0.0457)
    assert demand == ReduceDemand(0.0)
    assert parse_effects(None) == () and parse_effects([]) == ()


@pytest.mark.parametrize(("data", "message"), [
    ([{"type": "switch_carrier", "from": "oil", "to": "electricity", "efficency_to": 3}],
     r"^action 1\.1: effects\[0\]: unknown key efficency_to for switch_carrier \(it takes "),
    ([{"type": "reduce_demand", "share": 0.1}, {"type": "add_renewable", "mwh": -5}],
     r"^action 1\.1: effects\[1\]: .*cannot be negative"),
    ([{"type": "change_factor", "carrier": 7, "share": 0.5}],
     r"effects\[0\]: carrier must be a name, got 7"),
    ([{"type": "change_factor", "share": 0.5, "ramp": {"start": 2025.5, "full": 2030}}],
     r"effects\[0\]: ramp start must be a year, got 2025\.5"),
    ([{"type": "change_factor", "share": 0.5, "ramp": {"start": 2030, "full": 2025}}],
     r"effects\[0\]: ramp full year 2025 is before its start 2030"),
    ([{"type": "change_factor", "share": 0.5, "ramp": {"start": 2025, "full": 2030,
                                                       "speed": 2}}],
     r"effects\[0\]: unknown ramp key speed"),
    ([{"type": "reduce_demand", "share": True}], r"effects\[0\]: share must be a number"),
    ([{"type": "switch_carrier", "from": "oil", "to": "oil"}], r"two different carriers"),
    ([{"type": "change_factor"}], r"effects\[0\]: ChangeFactor needs exactly one of"),
    ([{"type": "reduce_demand", "share": 0.2, "target": {"gpc": "I.1", "sectors": [1]}}],
     r"effects\[0\]\.sectors: expected a list of names"),
    ([["reduce_demand", 0.2]], r"effects\[0\]: an effect is an object with a type"),
])
def test_a_bad_effect_is_refused_naming_the_action_the_effect_and_the_problem(data, message):
    with pytest.raises(EffectError, match=message):
        parse_effects(data, where="action 1.1: effects")


def test_drivers_read_rates_and_grid_factors_and_refuse_anything_else():
    drivers = parse_drivers({
        "population_growth": 0.002, "activity_growth": {"ippu": 0.005, "transport": {
            "2025": 0.01}}, "activity_growth_by_ref": {"II.1": -0.01},
        "grid_factor": {"2018": 0.358, "2030": 0.25}, "note": "ignored"})
    assert drivers.population_growth == 0.002
    assert drivers.activity_growth == {"ippu": 0.005, "transport": {2025: 0.01}}
    assert drivers.activity_growth_by_ref == {"II.1": -0.01}
    assert drivers.grid_factor == {2018: 0.358, 2030: 0.25}
    assert parse_drivers(None) == parse_drivers({})
    for data, message in (
        ({"population_grwth": 0.01}, r"unknown key population_grwth"),
        ({"grid_factor": {"2030": -0.1}}, r"grid_factor\[2030\] must be a factor of 0 or more"),
        ({"grid_factor": {"soon": 0.1}}, r"grid_factor: year must be a year, got 'soon'"),
        ({"activity_growth": {"ippu": "fast"}}, r"activity_growth\.ippu must be a number"),
        ({"population_growth": -1.5}, r"population_growth must be above -1"),
        ([0.01], r"drivers must be an object"),
    ):
        with pytest.raises(DriversError, match=message):
            parse_drivers(data)


# -- the small plan, by hand ----------------------------------------------------------------------

@pytest.mark.django_db
def test_each_measure_alone_removes_its_stated_tonnes(city):
    from zerocity.plan.scenario import plan_model

    pm = plan_model(load_small_plan(city))
    assert pm.plan_ids == ["B1", "D1", "E1", "T1", "W1", "X1"]  # code order
    assert pm.existing_ids == {"policy-1"}
    base, existing = pm.run(()), pm.run(pm.existing_ids)
    assert base.total_in(2020) == base.total_in(2030) == pytest.approx(2700)
    assert base.total_in(2030) - existing.total_in(2030) == pytest.approx(300 + 50)
    # the factor cuts: stated tonnes / the group's emissions in 2030 with the policy in force
    assert pm.calibrated["policy-1"] == pytest.approx({"buildings": 300 / 2000,
                                                       "waste": 50 / 200})
    assert pm.calibrated["B1"] == pytest.approx({"buildings": 170 / 1700})
    assert pm.calibrated["E1"] == pytest.approx({"energy_systems": 255 / 850})
    assert pm.calibrated["T1"] == pytest.approx({"transport": 100 / 500})
    # X1 runs to 2040: half of it is in force in 2030, so its cut is twice as deep
    assert pm.calibrated["X1"] == pytest.approx({"transport": 60 / (500 * 0.5)})
    assert "D1" not in pm.calibrated  # typed effects act as they say
    for code, tonnes in (("B1", 170), ("E1", 255), ("T1", 100), ("X1", 60),
                         ("D1", 0.5 * 1000 * 0.85)):  # half of the gas left by the policy
        alone = pm.run(pm.existing_ids | {code})
        assert existing.total_in(2030) - alone.total_in(2030) == pytest.approx(tonnes), code
    # D1 from the baseline (no policy) halves the full 1,000 t: typed effects are not scaled
    assert base.total_in(2030) - pm.run({"D1"}).total_in(2030) == pytest.approx(500)


@pytest.mark.django_db
def test_a_measure_stating_more_than_its_rows_emit_is_capped_with_a_warning(city):
    from zerocity.plan.scenario import plan_model

    pm = plan_model(load_small_plan(city))
    existing = pm.run(pm.existing_ids)
    assert pm.calibrated["W1"] == {"waste": 1.0}
    assert existing.total_in(2030) - pm.run(pm.existing_ids | {"W1"}).total_in(2030) == \
        pytest.approx(150)  # all that is left of the landfill, not the 400 t stated
    assert [w for w in pm.model.warnings if w.startswith("W1:")] == [
        "W1: the waste rows emit 150 t in 2030, less than the 400 t stated; "
        "the model cuts them to zero"]


@pytest.mark.django_db
def test_measures_on_the_same_rows_compound(city):
    from zerocity.plan.scenario import plan_model

    pm = plan_model(load_small_plan(city))
    existing = pm.run(pm.existing_ids).total_in(2030)
    both = pm.run(pm.existing_ids | {"B1", "E1"}).total_in(2030)
    # B1 cuts buildings by 10 %, E1 electricity by 30 %: on the 850 t of electricity left by
    # the policy they overlap by 850 x 0.3 x 0.1 = 25.5 t
    assert existing - both == pytest.approx(170 + 255 - 25.5)


@pytest.mark.django_db
def test_costs_become_capex_and_average_yearly_opex(city):
    from zerocity.plan.models import Action
    from zerocity.plan.scenario import plan_model

    plan = load_small_plan(city)
    model = plan_model(plan).model
    assert model.action("X1").capex == Decimal("150")
    assert model.action("X1").opex_per_year == Decimal("20")  # (10 + 30) / 2 years
    assert model.action("T1").capex == Decimal(0)
    Action.objects.filter(plan=plan, code="T1").update(total_cost_eur=Decimal("999"))
    assert plan_model(plan).model.action("T1").capex == Decimal("999")  # no yearly costs


@pytest.mark.django_db
def test_the_explorer_with_all_none_and_some_actions(city):
    from zerocity.plan.scenario import plan_model, scenario_result

    plan = load_small_plan(city)
    pm = plan_model(plan)
    everything = scenario_result(plan, None)
    assert everything["actions"] == pm.plan_ids
    assert everything["scenario"] == pytest.approx(
        list(pm.model.run(pm.model.plan()).total()), abs=0.05)
    # by hand, 2030: gas 1000 x .85 x .9 x .5 + electricity 1000 x .85 x .7 x .9
    # + cars 500 x .8 x (1 - .24 x .5) + landfill 0
    assert everything["result"]["scenario"] == pytest.approx(382.5 + 535.5 + 352, abs=0.05)
    assert everything["sectors"] == {
        "buildings": {"baseline": 2000.0, "existing": 1700.0, "scenario": 918.0},
        "transport": {"baseline": 500.0, "existing": 500.0, "scenario": 352.0},
        "waste": {"baseline": 200.0, "existing": 150.0, "scenario": 0.0}}
    assert everything["result"] | {"reduction_share": None} == {
        "base_year_total": 2700.0, "baseline": 2700.0, "existing": 2350.0, "scenario": 1270.0,
        "ceiling": 540.0, "margin": -730.0, "met": False, "reduction_share": None}

    nothing = scenario_result(plan, [])
    assert nothing["scenario"] == nothing["existing"]
    assert nothing["impacts"] == {} and nothing["actions"] == []
    bare = scenario_result(plan, [], include_existing=False)
    assert bare["scenario"] == bare["baseline"]
    assert bare["existing"] == nothing["existing"]  # still shown for comparison

    with pytest.raises(ValueError, match=r"^no action Q, Z9 in this plan$"):
        scenario_result(plan, ["T1", "Z9", "Q"])
    with pytest.raises(ValueError, match="no action policy-1"):
        scenario_result(plan, ["policy-1"])  # policies are not the explorer's to switch


@pytest.mark.django_db
def test_counterfactual_impacts_add_up_only_where_actions_do_not_overlap(city):
    from zerocity.plan.scenario import scenario_result

    plan = load_small_plan(city)
    apart = scenario_result(plan, ["T1", "D1"])  # cars and gas demand: different rows
    assert apart["impacts"] == {"D1": 425.0, "T1": 100.0}
    assert sum(apart["impacts"].values()) == pytest.approx(
        apart["result"]["existing"] - apart["result"]["scenario"], abs=0.1)
    # B1 and E1 share the electricity row: each one's impact is what removing it from the
    # scenario would add back, so the overlap (25.5 t) is in neither
    together = scenario_result(plan, ["E1", "B1"])
    assert together["impacts"] == {"B1": 170 - 25.5, "E1": 255 - 25.5}
    removed = together["result"]["existing"] - together["result"]["scenario"]
    assert removed == pytest.approx(399.5, abs=0.1)
    assert removed - sum(together["impacts"].values()) == pytest.approx(25.5, abs=0.1)


@pytest.mark.django_db
def test_the_charts_walk_from_the_baseline_to_the_plan(city):
    from zerocity.plan.scenario import pathway_charts

    charts = pathway_charts(load_small_plan(city))
    steps = charts["waterfall"]
    assert (steps[0]["label"], steps[0]["value"]) == ("baseline", 2700.0)
    assert (steps[1]["label"], steps[1]["value"]) == ("existing measures", -350.0)
    assert (steps[-1]["label"], steps[-1]["value"]) == ("plan", 1270.0)
    assert [s["action"] for s in steps[2:-1]] == ["B1", "D1", "E1", "T1", "W1", "X1"]
    assert sum(s["value"] for s in steps[:-1]) == pytest.approx(1270.0, abs=0.1)
    assert charts["ceiling"] == 540.0
    for t, year in enumerate(charts["years"]):  # the wedges fill the gap exactly, every year
        gap = charts["existing"][t] - charts["plan"][t]
        assert sum(w["values"][t] for w in charts["wedges"]) == pytest.approx(gap, abs=0.5), \
            year


@pytest.mark.django_db
def test_the_model_is_rebuilt_when_the_plan_data_changes(city):
    from zerocity.inventory import services as inventory_services
    from zerocity.plan.models import Action, ActionCost, ActionReduction, PolicyReduction
    from zerocity.plan.scenario import plan_model

    plan = load_small_plan(city)
    first = plan_model(plan)
    assert plan_model(plan) is first  # nothing changed: the same model

    ActionReduction.objects.filter(action__code="T1").update(tco2e=200)
    second = plan_model(plan)
    assert second is not first and second.calibrated["T1"] == pytest.approx(
        {"transport": 200 / 500})

    Action.objects.filter(plan=plan, code="T1").update(
        effects=[{"type": "reduce_demand", "share": 0.1}])
    assert "T1" not in plan_model(plan).calibrated

    ActionCost.objects.filter(action__code="X1", year=2021).update(capex_eur=Decimal("1100"))
    assert plan_model(plan).model.action("X1").capex == Decimal("1150")

    PolicyReduction.objects.filter(sector="waste").update(tco2e=100)
    assert plan_model(plan).calibrated["policy-1"]["waste"] == pytest.approx(0.5)

    plan.drivers = {"grid_factor": {"2020": 0.5, "2030": 0.25}}
    plan.save(update_fields=["drivers"])
    assert plan_model(plan).run(()).total_in(2030) == pytest.approx(2700 - 500)

    inventory_services.import_activity_file(
        city, 2020, SMALL_CSV.replace("II.1.1,Cars,,,,,,500", "II.1.1,Cars,,,,,,700").encode(),
        "activity.csv")
    plan.refresh_from_db()
    assert plan_model(plan).run(()).total_in(2020) == pytest.approx(2900)


@pytest.mark.django_db
def test_effects_or_drivers_the_model_cannot_read_fall_back_with_a_warning(city):
    from zerocity.plan.models import Action
    from zerocity.plan.scenario import plan_model, scenario_result

    plan = load_small_plan(city)
    Action.objects.filter(plan=plan, code="D1").update(
        effects=[{"type": "reduce_demand", "shares": 0.5}])
    plan.drivers = {"grid": {"2030": 0.2}}
    plan.save(update_fields=["drivers"])
    pm = plan_model(plan)
    assert pm.calibrated["D1"] == pytest.approx({"buildings": 425 / 1700})
    warnings = scenario_result(plan, None)["warnings"]
    assert "drivers: unknown key grid (it takes activity_growth, activity_growth_by_ref, " \
        "grid_factor, note, population_growth); the model runs without drivers" in warnings
    assert any(w.startswith("action D1: effects[0]: unknown key shares for reduce_demand")
               and w.endswith("; the action is calibrated from its stated reductions")
               for w in warnings)


# -- Kranj -------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_kranj_explorer_bounds_are_the_model_scenarios(kranj):
    from zerocity.plan.scenario import pathway_charts, plan_model, scenario_result

    plan = kranj.plan
    pm = plan_model(plan)
    model = pm.model
    everything = scenario_result(plan, None)
    nothing = scenario_result(plan, [])
    assert everything["years"][0] == 2018 and everything["years"][-1] == 2050
    assert everything["scenario"] == pytest.approx(
        list(model.run(model.plan()).total()), abs=0.05)
    assert nothing["scenario"] == pytest.approx(
        list(model.run(model.with_existing_measures()).total()), abs=0.05)
    assert everything["result"]["base_year_total"] == pytest.approx(238_832, abs=1)
    assert set(everything["impacts"]) == set(pm.plan_ids)
    # 1.1 has typed effects (district heat 85.7 % cleaner, heating oil to district heat)
    assert "1.1" not in pm.calibrated
    assert sum(everything["sectors"][s]["scenario"] for s in everything["sectors"]) == \
        pytest.approx(everything["result"]["scenario"], abs=0.5)
    charts = pathway_charts(plan)
    assert charts["plan"] == everything["scenario"]
    assert charts["waterfall"][-1]["value"] == everything["result"]["scenario"]
