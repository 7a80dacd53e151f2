"""What a timetable scenario is worth (docs/mobility-scenarios.md): a year of service on the base
and on the scenario counted by day types, its cost, its buses' energy and CO2 by GPC row, the
ridership response by elasticity (research mobility-upscale.md §4: +20 % vehicle-km gives
+7.6 % short run, +13.6 % long run), the car-km it avoids, and the typed effects it gives a
plan action — down to the plan's 2030 result."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pandas as pd
import pytest
from click.testing import CliRunner

from zerocity.cli import main
from zerocity.mobility.scenarios import compare as cmp
from zerocity.pathways import ActivityRow, Model
from zerocity.plan.scenario import parse_effects

pytestmark = pytest.mark.usefixtures("in_english")

D = Decimal


# -- day types (pure) --------------------------------------------------------------------------

def test_a_year_falls_into_day_types_by_the_services_that_run():
    # given weekday school service with a holiday removed, a Saturday service, and a holiday
    # service added on the removed day
    calendar = {
        "calendar": pd.DataFrame([
            ["SCHOOL", "1", "1", "1", "1", "1", "0", "0", "20261201", "20261231"],
            ["SAT", "0", "0", "0", "0", "0", "1", "0", "20261201", "20261231"],
        ], columns=["service_id", "monday", "tuesday", "wednesday", "thursday", "friday",
                    "saturday", "sunday", "start_date", "end_date"]),
        "calendar_dates": pd.DataFrame([["SCHOOL", "20261225", "2"],
                                        ["HOLIDAY", "20261225", "1"]],
                                       columns=["service_id", "date", "exception_type"]),
    }
    types = cmp.day_types(calendar, date(2026, 12, 1), date(2026, 12, 31))
    # then December 2026 has 22 school days (23 weekdays less Christmas), 4 Saturdays, one
    # holiday, and its 4 Sundays have no service at all
    assert [(t.services, t.days, t.sample) for t in types] == [
        (frozenset({"SCHOOL"}), 22, date(2026, 12, 1)),
        (frozenset({"SAT"}), 4, date(2026, 12, 5)),
        (frozenset({"HOLIDAY"}), 1, date(2026, 12, 25)),
    ]


# -- the comparison and its effects (pure) -------------------------------------------------------

BASE = cmp.Year(bus_km=D(100_000), bus_hours=D(5_000), trips=20_000, service_days=300,
                peak_vehicles=10)
PLUS_20 = cmp.Year(bus_km=D(120_000), bus_hours=D(6_000), trips=24_000, service_days=300,
                   peak_vehicles=12)


def test_twenty_percent_more_bus_km_is_worth_the_elasticity_range_and_its_car_km():
    a = cmp.Assumptions(battery_share=D("0.25"), boardings_per_year=D(1_000_000),
                        km_per_boarding=D("3.9"))
    c = cmp.compare(BASE, PLUS_20, date(2026, 12, 1), date(2027, 11, 30), a)
    out = cmp.to_json(c)
    # then the ridership response is research §4's (check 23), labelled short and long run
    assert (out["ridership"]["short_run_percent"], out["ridership"]["long_run_percent"]) == (
        "7.6", "13.6")
    assert "TRL593" in out["ridership"]["source"]
    # and the operating cost at EUR 45 per bus-hour and EUR 0.90 per bus-km
    assert (out["cost"]["base"], out["cost"]["scenario"], out["cost"]["change"]) == (
        "315000.00", "378000.00", "63000.00")
    # and the buses' energy: 75 % diesel at 40 l/100 km x 10 kWh/l, 25 % battery at 1.25
    # kWh/km; diesel CO2 at 0.267 t/MWh in II.1.1, electricity at 0.358 in II.1.2
    assert out["energy"]["scenario"] == {
        "diesel_mwh": "360.000", "electricity_mwh": "37.500",
        "t_co2": {"II.1.1": "96.120", "II.1.2": "13.425"}}
    # and the new boardings x 3.9 km, all from the car (the upper bound), 1.3 to a car
    new_long = D(1_000_000) * (D("1.2") ** D("0.7") - 1)
    assert out["ridership"]["new_boardings_per_year"][1] == str(new_long.quantize(D(1)))
    car_km = new_long * D("3.9") / D("1.3")
    assert out["car"]["km_avoided_per_year"][1] == str(car_km.quantize(D(1)))
    # a car's 0.17 kg per km over diesel's 0.267 t per MWh: 0.637 kWh per km
    assert out["car"]["kwh_per_vkm"] == "0.637"
    assert out["car"]["mwh_avoided_per_year"][1] == str(
        (car_km * D("0.17") / D("0.267") / 1000).quantize(D("0.001")))


def test_the_effects_move_a_pathway_by_the_buses_fuel_less_the_cars_fuel():
    # given a scenario with only diesel buses and the comparison's effects
    a = cmp.Assumptions(boardings_per_year=D(1_000_000), km_per_boarding=D(4))
    c = cmp.compare(BASE, PLUS_20, date(2026, 12, 1), date(2027, 11, 30), a)
    effects = c.effects(start_year=2027, full_year=2027, label="#1 v1 line 1 every 7.5 min")
    bus_mwh = float(c.scenario_energy.diesel_mwh - c.base_energy.diesel_mwh)
    car_mwh = float(c.car_mwh_avoided[1])
    assert effects == [
        {"type": "change_activity", "mwh": round(bus_mwh, 3), "carrier": "diesel",
         "to_gpc": "II.1.1", "ramp": {"start": 2027, "full": 2027},
         "note": "timetable scenario: #1 v1 line 1 every 7.5 min"},
        {"type": "change_activity", "mwh": round(-car_mwh, 3), "carrier": "diesel",
         "target": {"gpc": ["II.1.1"]}, "ramp": {"start": 2027, "full": 2027},
         "note": "timetable scenario: #1 v1 line 1 every 7.5 min"}]
    # when the pathway model runs them on a road row of Kranj's diesel (CCC Table)
    from zerocity.pathways import Action

    road = ActivityRow(key="road", gpc_ref="II.1.1", label="road diesel", carrier="diesel",
                       activity=200_496.0, factor=0.267, sector="II", ccc_sector="transport")
    model = Model([road], base_year=2018, actions=[
        Action("up", "timetable", parse_effects(effects))])
    r = model.run()
    # then 2030 differs from the baseline by the buses' extra diesel less the cars' diesel
    assert r.total_in(2030) - model.run(model.baseline()).total_in(2030) == pytest.approx(
        (round(bus_mwh, 3) - round(car_mwh, 3)) * 0.267, rel=1e-9)
    assert r.total_in(2026) == pytest.approx(200_496.0 * 0.267, rel=1e-12)


def test_a_scenario_with_fewer_buses_gives_back_their_fuel():
    fewer = cmp.Year(bus_km=D(90_000), bus_hours=D(4_500), trips=18_000, service_days=300,
                     peak_vehicles=9)
    c = cmp.compare(BASE, fewer, date(2026, 12, 1), date(2027, 11, 30), cmp.Assumptions())
    # then the bus diesel comes off the road rows, and no taps means no car effect
    (only,) = c.effects(start_year=2027, full_year=2027, label="x")
    assert only["mwh"] == -40.0 and only["target"] == {"gpc": ["II.1.1"]}
    assert c.ridership.long_run < 0


# -- on the Kranj demo -----------------------------------------------------------------------------

DOUBLE_LINE_1 = [{"type": "adjust_frequency", "route_id": "1", "start": "00:00:00",
                  "end": "30:00:00", "factor": 2}]


@pytest.mark.django_db
def test_doubling_line_1_on_the_kranj_demo_is_worth_its_figures_and_moves_the_plan(
        kranj, tmp_path):
    from zerocity.mobility.scenarios.services import create_scenario
    from zerocity.mobility.selectors import version_in_force
    from zerocity.plan.models import Action, Plan
    from zerocity.plan.scenario import scenario_result

    base = version_in_force(kranj, date(2026, 12, 8))
    s = create_scenario(kranj, name="Line 1 twice as often", edits=DOUBLE_LINE_1, base=base,
                        today=date(2026, 12, 6)).value.scenario
    run = CliRunner().invoke(main, ["mobility", "scenario", "compare", str(s.pk), "--city",
                                    "kranj", "--battery-share", "0.42", "--boardings",
                                    "1000000", "--format", "json"])
    assert run.exit_code == 0, run.output
    out = json.loads(run.output)
    b, sc = out["base"], out["scenario"]
    # then a year of the demo feed from its first day, every day of it counted
    assert out["period"] == {"first": "2026-12-01", "last": "2027-11-30"}
    assert b["service_days"] == sc["service_days"] > 300
    # and more bus-km, bus-hours and trips, the change in percent of the base
    assert D(sc["bus_km"]) > D(b["bus_km"]) and sc["trips"] > b["trips"]
    # and more vehicles on the typical (school) day, never fewer than are under way at once
    assert b["typical_day"] == sc["typical_day"]
    assert sc["fleet"] > b["fleet"] > 0
    assert out["change"]["bus_km_percent"] == str(
        ((D(sc["bus_km"]) - D(b["bus_km"])) / D(b["bus_km"]) * 100).quantize(D("0.1")))
    # and the ridership range follows the bus-km change with ε 0.4 and 0.7
    change = (D(sc["bus_km"]) - D(b["bus_km"])) / D(b["bus_km"])
    assert float(out["ridership"]["long_run_percent"]) == pytest.approx(
        float(((1 + change) ** D("0.7") - 1) * 100), abs=0.06)
    # and without riders' taps in this demo there are no observed pairs to route
    assert out["od"] == {"pairs": [], "weighted_mean_min": None}
    # when riders travel on line 1 alone (health centre to Primskovo), from the station to
    # Planina (line 1's ends, and line 15's) and on line 3 (the old town to Stražišče)
    from zerocity.mobility import store
    from zerocity.mobility.scenarios.compare import weighted_minutes
    from zerocity.mobility.scenarios.selectors import scenario_version
    from zerocity.mobility.scenarios.worth import Tapped, od_times

    stops = store.read_table(base.path, "stops")
    where = {r.stop_id: (float(r.stop_lat), float(r.stop_lon)) for r in stops.itertuples()}
    taps = Tapped(D(0), "test", od=(("zd-kranj", "primskovo", 30), ("kolodvor", "planina", 20),
                                    ("glavni-trg", "strazisce", 10)), positions=where)
    pairs = od_times(s, scenario_version(s), date.fromisoformat(b["typical_day"]), taps)
    line_1, ends, line_3 = pairs
    # then line 1's riders wait less: a bus every 15 minutes instead of 30
    assert line_1.scenario_min < line_1.base_min
    # and the station-Planina riders gain nothing: line 15 already ran in line 1's gaps, and
    # the new line 1 trips leave when line 15's do
    assert ends.scenario_min == ends.base_min
    # and line 3's riders are where they were
    assert line_3.scenario_min == line_3.base_min
    assert weighted_minutes(pairs) == pytest.approx((
        (30 * line_1.base_min + 20 * ends.base_min + 10 * line_3.base_min) / 60,
        (30 * line_1.scenario_min + 20 * ends.scenario_min + 10 * line_3.scenario_min) / 60))
    # and the battery buses' electricity is in II.1.2, the diesel in II.1.1
    assert D(out["energy"]["scenario"]["t_co2"]["II.1.2"]) > 0
    assert out["energy"]["battery_share"] == "0.42"

    # when the scenario is attached to an action modelled from its declared tonnes
    refused = CliRunner().invoke(main, ["mobility", "scenario", "attach", str(s.pk), "--city",
                                        "kranj", "--action", "MT-COMMUTE"])
    # then it is refused: its effects would replace the calibration
    assert refused.exit_code == 1
    assert "Action MT-COMMUTE is modelled from its declared reductions (4,797 t CO2e)" \
        in refused.output

    # given an action of its own for the UP-SCALE timetable
    plan = Plan.objects.get(city=kranj)
    Action.objects.create(plan=plan, code="UP-1", name="Line 1 twice as often",
                          field=plan.actions.get(code="MT-COMMUTE").field, start_year=2027,
                          end_year=2027)
    before = scenario_result(plan, ["UP-1"], include_existing=False)["result"]
    run = CliRunner().invoke(main, ["mobility", "scenario", "attach", str(s.pk), "--city",
                                    "kranj", "--action", "UP-1", "--battery-share", "0.42",
                                    "--boardings", "1000000"])
    assert run.exit_code == 0, run.output
    effects = Action.objects.get(plan=plan, code="UP-1").effects
    assert [(e["carrier"], e.get("to_gpc")) for e in effects] == [
        ("diesel", "II.1.1"), ("electricity", "II.1.2"), ("diesel", None)]
    # then the plan's model moves: the explorer's 2030 result with the action differs from
    # the baseline by what its effects add and remove
    after = scenario_result(plan, ["UP-1"], include_existing=False)["result"]
    assert before["scenario"] == before["baseline"]
    assert after["scenario"] != before["scenario"]
    # and attaching the same scenario again changes nothing
    again = CliRunner().invoke(main, ["mobility", "scenario", "attach", str(s.pk), "--city",
                                      "kranj", "--action", "UP-1", "--battery-share", "0.42",
                                      "--boardings", "1000000"])
    assert again.exit_code == 0 and "nothing changed" in again.output


# -- accessibility of a scenario against its base ---------------------------------------------

@pytest.mark.django_db
def test_more_buses_never_reach_less_and_fewer_never_reach_more(kranj):
    from datetime import time

    from zerocity.mobility.access.compute import Settings
    from zerocity.mobility.scenarios.access_change import access_change
    from zerocity.mobility.scenarios.services import create_scenario
    from zerocity.mobility.selectors import version_in_force

    base = version_in_force(kranj, date(2026, 12, 8))
    day = date(2026, 12, 8)  # a school day of the demo timetable
    # a coarse grid and half an hour keep it quick; the method is the full one
    quick = Settings(start=time(7, 0), end=time(7, 30), cell_m=500)

    def change(name, edits):
        s = create_scenario(kranj, name=name, edits=edits, base=base,
                            today=date(2026, 12, 6)).value
        return access_change(s.scenario, s, day, quick)

    more = change("Line 1 twice as often", DOUBLE_LINE_1)
    fewer = change("No line 1", [{"type": "remove_trips", "route_id": "1"}])
    # then both sides are the same computation on the same base
    assert more.base == fewer.base and more.synthetic
    kinds = {"residents", "jobs", "schools", "health"}
    assert set(more.base) == kinds and all(set(v) == {"30", "45"} for v in more.base.values())
    for kind in kinds:
        for limit in ("30", "45"):
            for p, reached in more.base[kind][limit].items():
                # twice the buses on line 1 leave every departure at least as well off
                assert more.scenario[kind][limit][p] >= reached, (kind, limit, p)
                # and without line 1 no one reaches more
                assert fewer.scenario[kind][limit][p] <= reached, (kind, limit, p)
    # and the change is felt somewhere: jobs within 30 minutes, the median resident
    assert more.change("jobs", "30") > 0 > fewer.change("jobs", "30")
    out = more.to_json()
    assert out["change_p50"]["jobs"]["30"] == more.change("jobs", "30")
    assert out["weighted_by"] == "residents" and out["service_date"] == "2026-12-08"


@pytest.mark.django_db
def test_a_comparison_is_computed_once_and_again_when_what_it_rests_on_changes(kranj, client):
    from unittest import mock

    from zerocity.core.models import Role
    from zerocity.core.services import ensure_department, grant_role
    from zerocity.mobility.parameters import set_parameters
    from zerocity.mobility.scenarios import worth
    from zerocity.mobility.scenarios.services import create_scenario
    from zerocity.mobility.selectors import version_in_force

    s = create_scenario(kranj, name="Line 1 twice as often", edits=DOUBLE_LINE_1,
                        base=version_in_force(kranj, date(2026, 12, 8)),
                        today=date(2026, 12, 6)).value.scenario
    staff = grant_role(kranj, "t-staff", Role.STAFF,
                       department=ensure_department(kranj, "transport", "Transport")).user
    client.force_login(staff)
    url = f"/api/v1/cities/kranj/mobility/scenarios/{s.pk}/compare?battery_share=0.42"
    first = client.get(url)
    assert first.status_code == 200, first.content
    # when the same comparison is asked again
    with mock.patch.object(worth, "compare_scenario", side_effect=AssertionError("computed")):
        again = client.get(url)
    # then it comes from the cache, the same figures
    assert again.status_code == 200 and again.json() == first.json()
    # when the city's cost of a bus-hour changes
    set_parameters(kranj, {"eur_per_bus_hour": D("60")})
    changed = client.get(url).json()
    # then the comparison is computed again at the new rate
    assert changed["cost"]["per_bus_hour"] == "60.00" != first.json()["cost"]["per_bus_hour"]
    assert D(changed["cost"]["base"]) > D(first.json()["cost"]["base"])
