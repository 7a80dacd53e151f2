"""The climate budget (plan/budget.py): the arithmetic on hand-made numbers, then the small
plan of test_plan_scenario.py and Kranj's."""

from __future__ import annotations

import pytest

from test_plan_scenario import load_small_plan
from zerocity.plan.budget import budget_table, by_department, ceilings, margins

YEARS = [2021, 2022, 2023, 2024]


def test_ceilings_run_straight_to_the_target_and_a_sink_keeps_its_baseline():
    c = ceilings({"transport": 1000.0, "afolu": -40.0}, base_year=2020, target_year=2024,
                 reduction=0.8, years=[2020, *YEARS, 2025])
    assert c["transport"] == pytest.approx([1000, 800, 600, 400, 200, 200])
    assert c["afolu"] == [-40.0] * 6
    with pytest.raises(ValueError, match="between 0 and 1"):
        ceilings({"waste": 1.0}, base_year=2020, target_year=2030, reduction=80, years=YEARS)
    with pytest.raises(ValueError, match="after the baseline year"):
        ceilings({"waste": 1.0}, base_year=2030, target_year=2030, reduction=0.8, years=YEARS)
    assert margins([600, 200], [550, 260]) == [50, -60]


def _table(**kw):
    data = {
        "base_year": 2020, "target_year": 2024, "reduction": 0.8,
        "baseline": {"transport": 1000.0, "waste": 100.0},
        "existing": {"transport": [990, 980, 970, 960], "waste": [100, 100, 100, 100]},
        "projected": {"transport": [900, 700, 500, 250], "waste": [70, 50, 30, 10]},
        "carriers": {
            "transport": [{"code": "T1", "name": "Buses", "department": "Mobility",
                           "department_slug": "mobility", "tco2e": 500.0},
                          {"code": "T2", "name": "Bikes", "department": "", "tco2e": 200.0}],
            "energy_systems": [{"code": "E1", "name": "Solar", "department": "Energy",
                                "department_slug": "energy", "tco2e": 80.0}],
            "waste": [{"code": "T1", "name": "Buses", "department": "Mobility",
                       "department_slug": "mobility", "tco2e": 5.0}]},
        "policies": {"waste": [{"name": "Landfill tax", "level": "national", "tco2e": 10.0}]},
    }
    return budget_table(**(data | kw))


def test_the_budget_table_by_hand():
    b = _table()
    assert b["years"] == YEARS
    transport, waste = b["sectors"]["transport"], b["sectors"]["waste"]
    assert transport["ceiling"] == pytest.approx([800, 600, 400, 200])
    assert transport["margin"] == pytest.approx([-100, -100, -100, -50])
    assert transport["first_overshoot"] == 2021
    assert transport["shortfall"] == pytest.approx(50)  # what is left to cut in 2024
    assert transport["target"] == pytest.approx(200)
    assert transport["stated_tco2e"] == 700.0
    assert waste["ceiling"] == pytest.approx([80, 60, 40, 20])
    assert waste["margin"] == pytest.approx([10, 10, 10, 10])
    assert waste["first_overshoot"] is None and waste["shortfall"] == 0.0
    assert waste["policies"] == [{"name": "Landfill tax", "level": "national", "tco2e": 10.0}]
    total = b["total"]
    assert total["baseline"] == 1100.0 and total["target"] == pytest.approx(220)
    assert total["ceiling"] == pytest.approx([880, 660, 440, 220])
    assert total["projected"] == pytest.approx([970, 750, 530, 260])
    assert total["existing"] == pytest.approx([1090, 1080, 1070, 1060])
    assert total["margin"] == pytest.approx([c - p for c, p in zip(
        total["ceiling"], total["projected"], strict=True)])
    assert total["shortfall"] == pytest.approx(40)
    assert b["first_overshoot"] == 2021
    assert b["energy_systems"] == {"carriers": _table()["energy_systems"]["carriers"],
                                   "stated_tco2e": 80.0}
    assert list(b["sectors"]) == ["transport", "waste"]  # the CCC order, not the input's


def test_the_budget_is_met_when_every_year_stays_under_its_ceiling():
    b = _table(projected={"transport": [800, 600, 400, 200], "waste": [80, 60, 40, 20]})
    assert b["first_overshoot"] is None and b["total"]["shortfall"] == 0.0
    assert b["total"]["margin"] == pytest.approx([0, 0, 0, 0])


def test_a_projection_of_the_wrong_length_is_refused():
    with pytest.raises(ValueError, match=r"^waste: one projected and one existing value per "
                                         r"year 2021-2024 are needed$"):
        _table(projected={"transport": [1, 2, 3, 4], "waste": [1, 2, 3]})


def test_departments_carry_their_actions_over_every_sector():
    assert by_department({
        "transport": [{"code": "T1", "department": "Mobility", "department_slug": "mobility",
                       "tco2e": 500.0},
                      {"code": "T2", "department": "", "tco2e": 200.0}],
        "waste": [{"code": "T1", "department": "Mobility", "department_slug": "mobility",
                   "tco2e": 5.0}],
        "energy_systems": [{"code": "E1", "department": "Energy",
                            "department_slug": "energy", "tco2e": 80.0}],
    }) == [
        {"department": "Mobility", "department_slug": "mobility", "actions": ["T1"],
         "tco2e": 505.0},
        {"department": "", "department_slug": "", "actions": ["T2"], "tco2e": 200.0},
        {"department": "Energy", "department_slug": "energy", "actions": ["E1"],
         "tco2e": 80.0},
    ]
    assert _table()["departments"][0]["tco2e"] == 505.0


# -- on stored plans -----------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_small_plans_budget(city):
    from zerocity.plan.budget import climate_budget
    from zerocity.plan.scenario import plan_model

    plan = load_small_plan(city)
    b = climate_budget(plan)
    assert b["years"] == list(range(2021, 2031))
    buildings, transport, waste = (b["sectors"][s] for s in ("buildings", "transport",
                                                              "waste"))
    assert buildings["ceiling"][0] == pytest.approx(2000 - 1600 / 10)  # 2021: 1/10 of the way
    assert buildings["ceiling"][-1] == pytest.approx(400)
    # 2030, by hand (test_plan_scenario.py): buildings 382.5 + 535.5, cars 352, landfill 0
    assert buildings["projected"][-1] == pytest.approx(918)
    assert transport["projected"][-1] == pytest.approx(352)
    assert waste["projected"][-1] == pytest.approx(0, abs=1e-9)
    assert buildings["existing"][-1] == pytest.approx(1700)
    assert buildings["margin"][-1] == pytest.approx(400 - 918)
    assert buildings["shortfall"] == pytest.approx(518)
    assert waste["shortfall"] == 0.0
    assert b["total"]["ceiling"][-1] == pytest.approx(540)
    assert b["total"]["margin"][-1] == pytest.approx(540 - 1270)
    plan_run = plan_model(plan).run(plan_model(plan).existing_ids | {
        "B1", "D1", "E1", "T1", "W1", "X1"}).by("ccc_sector")
    for s, row in b["sectors"].items():  # every year is the model's plan scenario
        assert row["projected"] == pytest.approx([float(plan_run[s][y - 2020])
                                                  for y in b["years"]]), s
        assert row["margin"] == pytest.approx([c - p for c, p in zip(
            row["ceiling"], row["projected"], strict=True)]), s
    assert [(c["code"], c["department"], c["tco2e"]) for c in transport["carriers"]] == [
        ("T1", "Mobility", 100.0), ("X1", "Mobility", 60.0)]
    assert [(c["code"], c["tco2e"]) for c in buildings["carriers"]] == [
        ("D1", 425.0), ("B1", 170.0)]
    assert [c["code"] for c in b["energy_systems"]["carriers"]] == ["E1"]
    assert buildings["policies"] == [{"name": "National policy", "level": "national",
                                      "tco2e": 300.0}]
    assert [(d["department"], d["actions"], d["tco2e"]) for d in b["departments"]] == [
        ("", ["D1", "W1"], 825.0), ("Energy", ["B1", "E1"], 425.0),
        ("Mobility", ["T1", "X1"], 160.0)]
    assert any(w.startswith("W1:") for w in b["warnings"])


@pytest.mark.django_db
def test_kranjs_budget_agrees_with_the_explorer_and_the_stated_reductions(kranj):
    from zerocity.plan.budget import climate_budget
    from zerocity.plan.models import ActionReduction
    from zerocity.plan.scenario import scenario_result

    plan = kranj.plan
    b = climate_budget(plan)
    everything = scenario_result(plan, None)
    assert b["years"] == list(range(2019, 2031))
    assert b["total"]["ceiling"][-1] == pytest.approx(238_832 * 0.2, abs=1)
    assert b["total"]["projected"][-1] == pytest.approx(everything["result"]["scenario"],
                                                        abs=0.1)
    assert b["total"]["shortfall"] == pytest.approx(-everything["result"]["margin"], abs=0.1)
    for s, row in b["sectors"].items():
        assert row["projected"][-1] == pytest.approx(everything["sectors"][s]["scenario"],
                                                     abs=0.1), s
        assert row["ceiling"][-1] == pytest.approx(row["baseline"] * 0.2), s
    stated = sum(ActionReduction.objects.filter(action__plan=plan).values_list("tco2e",
                                                                             flat=True))
    assert sum(d["tco2e"] for d in b["departments"]) == pytest.approx(stated)
    assert b["energy_systems"]["stated_tco2e"] == 14_342 + 9_850 + 19_690 + 125 + 286 + 1_969
    transport = {c["code"]: c for c in b["sectors"]["transport"]["carriers"]}
    assert transport["MT-CARS"]["department"] == "Transport and mobility"
    assert b["sectors"]["buildings"]["policies"][0]["tco2e"] == 34_825
