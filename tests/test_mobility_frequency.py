"""Frequency setting (research mobility-upscale.md §4 "Frequency setting", §6 check 20): the
MILP's answer on hand-worked instances, re-checked by the independent checker and equal to the
brute-force optimum on small random ones; infeasible instances refused naming the rule; the
inputs read from a feed and a loads file; the Kranj demo's 12 lines solved through the command
line and the API.

The hand-worked instances use one two-hour period (07-09), the default headways {7.5, 10, 15,
20, 30, 60} min, 80 riders per bus with a 0.9 margin (so a headway f carries 4320/f riders/h)
and the default unit costs: EUR 45 per bus-hour, EUR 0.90 per bus-km, EUR 8 per hour waited.

Line A: cycle 40 min, 10 km round trip, 200 riders/h. It may run every 7.5, 10, 15 or 20 min
(20 min carries 216, 30 min only 144):

    f    buses ⌈40/f⌉  bus-h ×45   bus-km 120/f·10 ×0.9   wait 200·2·f/120 h ×8   total
    7.5  6             540         160 → 144               25 h → 200              884.00
    10   4             360         120 → 108               33⅓ h → 266.67          734.67
    15   3             270          80 →  72               50 h → 400              742.00
    20   2             180          60 →  54               66⅔ h → 533.33          767.33

Line B: cycle 30 min, 8 km, 100 riders/h; every 7.5 to 30 min (30 carries 144):

    f    buses ⌈30/f⌉  bus-h   bus-km 120/f·8 ×0.9   wait 100·2·f/120 ×8   total
    7.5  4             360     115.20                100.00                575.20
    10   3             270      86.40                133.33                489.73
    15   2             180      57.60                200.00                437.60
    20   2             180      43.20                266.67                489.87
    30   1              90      28.80                400.00                518.80

Alone, A runs every 10 min and B every 15: 6 buses. With 5 buses the cheapest pair is A and B
both every 15 min (3 + 2 buses, EUR 742.00 + 437.60 = 1,179.60).
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from zerocity.mobility.frequency import (
    FrequencyInputError,
    Infeasible,
    Line,
    make_instance,
    optimise,
)
from zerocity.mobility.frequency_check import brute_force, case_of, check, check_plan
from zerocity.mobility.frequency_feed import lines_from_tables, read_loads
from zerocity.mobility.periods import DEFAULT_PERIODS, parse_periods

PEAK = parse_periods("07-09")
DEMO = Path(__file__).resolve().parents[1] / "src" / "zerocity" / "demo" / "data"
LOADS = DEMO / "kranj_peak_loads.csv"


def line_a(current: float = 30.0) -> Line:
    return Line("A", "A", 40 * 60, 10.0, {"07-09": current})


def line_b() -> Line:
    return Line("B", "B", 30 * 60, 8.0, {"07-09": 30.0})


# -- hand-worked optima -----------------------------------------------------------------------

def test_given_one_line_when_solved_then_the_hand_worked_ten_minutes_is_chosen():
    inst = make_instance([line_a()], {"A": {"07-09": 200}}, periods=PEAK, fleet=10)
    plan = optimise(inst)
    assert plan.headway("A", "07-09") == 10.0
    assert plan.objective == Fraction(2204, 3)  # 360 + 108 + 800/3
    s = plan.split
    assert (s.bus_hours, s.bus_km, s.waiting_hours) == (Decimal("8.00"), Decimal("120.0"),
                                                        Decimal("33.3"))
    assert (s.operating_hours_eur, s.operating_km_eur, s.waiting_eur, s.total_eur) == (
        Decimal("360.00"), Decimal("108.00"), Decimal("266.67"), Decimal("734.67"))
    # today's 30 min would not carry 200 riders/h; its cost is shown beside the plan's
    # (2 buses × 2 h × 45 + 40 km × 0.9 + 100 h × 8 = 180 + 36 + 800)
    assert plan.current.total_eur == Decimal("1016.00")
    assert plan.fleet == {"07-09": 4}
    assert check_plan(plan).ok


def test_given_too_few_buses_for_both_favourites_when_solved_then_both_run_every_15_minutes():
    loads = {"A": {"07-09": 200}, "B": {"07-09": 100}}
    free = optimise(make_instance([line_a(), line_b()], loads, periods=PEAK, fleet=6))
    assert (free.headway("A", "07-09"), free.headway("B", "07-09")) == (10.0, 15.0)
    tight = optimise(make_instance([line_a(), line_b()], loads, periods=PEAK, fleet=5))
    assert (tight.headway("A", "07-09"), tight.headway("B", "07-09")) == (15.0, 15.0)
    assert tight.split.total_eur == Decimal("1179.60") and tight.fleet == {"07-09": 5}
    verdict = check_plan(tight)
    assert verdict.ok and verdict.problems == () and verdict.fleet == {"07-09": 5}
    assert brute_force(case_of(tight.instance))[0] == tight.objective


def test_given_a_policy_maximum_when_a_line_has_no_riders_then_it_still_runs_that_often():
    empty = Line("7", "7", 20 * 60, 3.0, {"07-09": 60.0})
    assert optimise(make_instance([empty], {}, periods=PEAK, fleet=3)).headway("7", "07-09") \
        == 60.0
    plan = optimise(make_instance([empty], {}, periods=PEAK, fleet=3, max_headway=20))
    assert plan.headway("7", "07-09") == 20.0 and check_plan(plan).ok


def test_given_a_plan_then_its_changes_are_adjust_headway_edits_of_their_periods():
    lines = [line_a(current=10.0), line_b()]
    plan = optimise(make_instance(lines, {"A": {"07-09": 200}, "B": {"07-09": 100}},
                                  periods=parse_periods("07-09,09-14"), fleet=6))
    assert [(c.route_id, c.period.name, c.current_min, c.headway_min)
            for c in plan.changes()] == [("B", "07-09", 30.0, 15.0)]
    assert plan.edits() == [{"type": "adjust_headway", "route_id": "B", "start": "07:00:00",
                             "end": "09:00:00", "headway_secs": 900}]
    assert json.loads(json.dumps(plan.to_json()))["edits"] == plan.edits()


# -- refusals ---------------------------------------------------------------------------------

def test_given_a_load_no_headway_carries_then_the_capacity_rule_is_named():
    three = Line("3", "3", 46 * 60, 9.9, {"07-09": 30.0})
    with pytest.raises(Infeasible) as exc:
        optimise(make_instance([three], {"3": {"07-09": 700}}, periods=PEAK, fleet=20))
    assert str(exc.value) == ("line 3, period 07-09: even the shortest allowed headway 7.5 min "
                              "carries 576 < 700 riders/h")
    assert (exc.value.rule, exc.value.route_id, exc.value.period) == ("capacity", "3", "07-09")


def test_given_a_policy_shorter_than_every_allowed_headway_then_the_policy_rule_is_named():
    with pytest.raises(Infeasible) as exc:
        optimise(make_instance([line_a()], {}, periods=PEAK, fleet=9, headways=[30, 60],
                               max_headway=20))
    assert str(exc.value) == ("line A, period 07-09: no allowed headway is at most the "
                              "policy's maximum 20 min (allowed: 30, 60 min)")
    assert exc.value.rule == "policy"


def test_given_a_policy_the_shortest_headway_it_allows_is_the_one_named():
    with pytest.raises(Infeasible, match=r"shortest allowed headway 15 min carries 288 < 300"):
        optimise(make_instance([line_a()], {"A": {"07-09": 300}}, periods=PEAK, fleet=9,
                               headways=[15, 30]))


def test_given_fewer_buses_than_the_longest_headways_need_then_the_fleet_rule_is_named():
    loads = {"A": {"07-09": 200}, "B": {"07-09": 100}}
    optimise(make_instance([line_a(), line_b()], loads, periods=PEAK, fleet=3))  # 2 + 1
    with pytest.raises(Infeasible) as exc:
        optimise(make_instance([line_a(), line_b()], loads, periods=PEAK, fleet=2))
    assert str(exc.value) == ("period 07-09: even at the longest headways that carry their "
                              "loads the lines need 3 > 2 buses")
    assert (exc.value.rule, exc.value.period) == ("fleet", "07-09")


@pytest.mark.parametrize(("loads", "message"), [
    ({"99": {"07-09": 1}}, "loads: there is no line 99 in the timetable (lines: A)"),
    ({"A": {"06-07": 1}}, "loads: line A: there is no period 06-07 (periods: 07-09)"),
    ({"A": {"07-09": -1}}, "loads: line A, period 07-09: -1 is not a number of 0 or more"),
    ({"A": {"07-09": "many"}}, "loads: line A, period 07-09: 'many' is not a number"),
])
def test_given_loads_the_model_cannot_take_then_the_entry_is_named(loads, message):
    with pytest.raises(FrequencyInputError) as exc:
        make_instance([line_a()], loads, periods=PEAK)
    assert str(exc.value) == message


# -- the independent checker -----------------------------------------------------------------

def test_given_a_wrong_answer_then_the_checker_names_every_broken_rule():
    inst = make_instance([line_a(), line_b()], {"A": {"07-09": 200}, "B": {"07-09": 100}},
                         periods=PEAK, fleet=5, max_headway=20)
    verdict = check(case_of(inst), {("A", "07-09"): 30.0, ("C", "07-09"): 10.0})
    assert not verdict.ok
    assert verdict.problems == (
        "line B, period 07-09: no headway",
        "line C, period 07-09: a headway where none is wanted",
        "line A, period 07-09: 30 min is more than the policy's 20 min",
        "line A, period 07-09: 30 min carries 144 < 200 riders/h")
    over = check(case_of(inst), {("A", "07-09"): 7.5, ("B", "07-09"): 12.0})
    assert over.problems == ("line B, period 07-09: 12 min is not an allowed headway",
                             "period 07-09: 9 buses > 5")  # 6 + ⌈30/12⌉


def test_given_a_plan_whose_own_figures_are_wrong_then_the_checker_says_so():
    from dataclasses import replace

    plan = optimise(make_instance([line_a()], {"A": {"07-09": 200}}, periods=PEAK, fleet=10))
    forged = replace(plan, fleet={"07-09": 3}, objective=plan.objective - 1)
    assert check_plan(forged).problems == (
        "period 07-09: the plan says 3 buses, its headways need 4",
        "the plan's cost 733.67 EUR is not its headways' 734.67 EUR")


# -- against brute force ----------------------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(5, 70), st.integers(1, 25), st.integers(0, 500),
                          st.integers(0, 300)), min_size=1, max_size=2),
       st.integers(1, 9), st.sampled_from([None, 15.0, 30.0]),
       st.lists(st.sampled_from([7.5, 10.0, 15.0, 20.0, 30.0, 60.0]), min_size=1, max_size=5,
                unique=True))
def test_the_milp_equals_the_brute_force_optimum_on_small_instances(lines, fleet, max_headway,
                                                                   headways):
    periods = parse_periods("07-09,09-12")
    made = [Line(str(i), str(i), cycle * 60, float(km), {"07-09": 30.0})
            for i, (cycle, km, _, _) in enumerate(lines)]
    loads = {str(i): {"07-09": peak, "09-12": off} for i, (_, _, peak, off) in enumerate(lines)}
    inst = make_instance(made, loads, periods=periods, fleet=fleet, max_headway=max_headway,
                         headways=headways)
    best = brute_force(case_of(inst))
    try:
        plan = optimise(inst)
    except Infeasible:
        assert best is None
        return
    assert best is not None
    verdict = check_plan(plan)
    assert verdict.ok, verdict.problems
    assert abs(plan.objective - best[0]) < Fraction(1, 10**6)


# -- inputs from a feed and a file ------------------------------------------------------------

def _tables(rows: dict[str, str]) -> dict[str, pd.DataFrame]:
    from io import StringIO
    return {name: pd.read_csv(StringIO(text), dtype=str, keep_default_na=False)
            for name, text in rows.items()}


TINY = {
    "routes.txt": "route_id,route_short_name,route_long_name,route_type\nL,L,,3\n",
    "calendar.txt": "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,"
                    "start_date,end_date\nWD,1,1,1,1,1,0,0,20261201,20271231\n",
    "stops.txt": "stop_id,stop_name,stop_lat,stop_lon\na,A,46.0,14.0\nb,B,46.01,14.0\n",
    "trips.txt": "route_id,service_id,trip_id,direction_id\nL,WD,out1,0\nL,WD,out2,0\n"
                 "L,WD,back,1\nL,WD,run,0\n",
    # out: 10 min there, back: 12 min; "run" leaves 07:00, 07:20, 07:40 (frequencies.txt)
    "stop_times.txt": "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
                      "out1,06:30:00,06:30:00,a,1\nout1,06:40:00,06:40:00,b,2\n"
                      "out2,09:00:00,09:00:00,a,1\nout2,09:10:00,09:10:00,b,2\n"
                      "back,06:45:00,06:45:00,b,1\nback,06:57:00,06:57:00,a,2\n"
                      "run,07:00:00,07:00:00,a,1\nrun,07:10:00,07:10:00,b,2\n",
    "frequencies.txt": "trip_id,start_time,end_time,headway_secs\nrun,07:00:00,08:00:00,1200\n",
}


def test_given_a_feed_then_a_lines_cycle_length_and_headways_are_its_service_days():
    tables = _tables({k.removesuffix(".txt"): v for k, v in TINY.items()})
    (line,) = lines_from_tables(tables, date(2026, 12, 2), parse_periods("05-07,07-09,09-14"),
                                layover_s=300)
    # running 10 + 12 min, 5 min layover at each end; a to b is 0.01° of latitude, 1.112 km
    assert line.cycle_s == (10 + 12 + 10) * 60
    assert line.round_trip_km == pytest.approx(2 * 1.112, abs=0.001)
    # 05-07: out1 (back is the other direction); 07-09: the three frequency runs; 09-14: out2
    assert line.current == {"05-07": 120.0, "07-09": 40.0, "09-14": 300.0}
    assert lines_from_tables(tables, date(2026, 12, 5), DEFAULT_PERIODS) == ()  # a Saturday


def test_given_the_kranj_feed_then_line_1_turns_in_34_minutes_and_runs_half_hourly():
    folder = DEMO / "gtfs" / "kranj"
    tables = {p.stem: pd.read_csv(p, dtype=str, keep_default_na=False)
              for p in folder.glob("*.txt")}
    lines = lines_from_tables(tables, date(2026, 12, 2), DEFAULT_PERIODS)
    assert [ln.route_id for ln in lines] == ["1", "2", "3", "4", "5", "6", "7", "8", "9", "11",
                                             "12", "15"]
    one = lines[0]
    assert one.cycle_s == 34 * 60  # 12 min each way (transit_build: 300 m/min) + 2 × 5
    assert one.current["07-09"] == 30.0 and one.current["09-14"] == 30.0


def test_given_a_loads_file_then_its_rows_are_read_and_a_bad_row_is_named(tmp_path):
    good = tmp_path / "loads.csv"
    good.write_text("# counted 2026\nroute_id,period,peak_load\n1,07-09,210\n1,09-14,90.5\n")
    assert read_loads(good) == {"1": {"07-09": 210.0, "09-14": 90.5}}
    assert read_loads({"1": {"07-09": 5}}) == {"1": {"07-09": 5}}
    bad = tmp_path / "bad.csv"
    bad.write_text("route_id,period,peak_load\n1,07-09,210\n2,07-09,lots\n")
    with pytest.raises(FrequencyInputError, match=r"^bad.csv line 3: peak_load 'lots' is not"):
        read_loads(bad)
    twice = tmp_path / "twice.csv"
    twice.write_text("route_id,period,peak_load\n1,07-09,210\n1,07-09,200\n")
    with pytest.raises(FrequencyInputError, match=r"twice.csv line 3: line 1, period 07-09 is "
                                                  r"given twice"):
        read_loads(twice)
    header = tmp_path / "header.csv"
    header.write_text("route,period,load\n")
    with pytest.raises(FrequencyInputError, match=r"header.csv line 1: the header lacks "
                                                  r"route_id, peak_load"):
        read_loads(header)


def test_the_demo_loads_file_says_it_is_illustrative():
    text = LOADS.read_text()
    assert "ILLUSTRATIVE, SYNTHETIC" in text.splitlines()[1]
    assert len(read_loads(LOADS)) == 12


# -- the Kranj demo through the command line and the API --------------------------------------

@pytest.mark.django_db
def test_given_the_kranj_demo_when_optimised_then_its_12_lines_pass_the_independent_check(
        kranj):
    from zerocity.cli import main

    result = CliRunner().invoke(main, ["mobility", "optimise", "--city", "kranj", "--date",
                                       "2026-12-02", "--loads", str(LOADS), "--format", "json"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert answer["check"] == {"ok": True, "problems": [], "fleet": answer["check"]["fleet"],
                               "total_eur": answer["cost"]["total_eur"]}
    assert len({h["route_id"] for h in answer["headways"]}) == 12
    assert len(answer["headways"]) == 12 * 5
    # today's timetable needs 19 buses at its peak: the default fleet
    assert {f["available"] for f in answer["fleet"]} == {19}
    assert all(f["used"] <= 19 for f in answer["fleet"])
    assert all(h["carries_per_hour"] >= h["peak_load"] for h in answer["headways"])
    assert answer["edits"] and all(set(e) == {"type", "route_id", "start", "end",
                                              "headway_secs"} for e in answer["edits"])
    text = CliRunner().invoke(main, ["mobility", "optimise", "--city", "kranj", "--date",
                                     "2026-12-02", "--loads", str(LOADS), "--fleet", "25"])
    assert text.exit_code == 0, text.output
    assert "independent check: passed" in text.output


@pytest.mark.django_db
def test_given_an_infeasible_fleet_the_command_and_the_api_name_it(kranj, client):
    from zerocity.cli import main
    from zerocity.core.models import Role
    from zerocity.core.services import ensure_department, grant_role

    result = CliRunner().invoke(main, ["mobility", "optimise", "--city", "kranj", "--date",
                                       "2026-12-02", "--loads", str(LOADS), "--fleet", "10"])
    # every demo line turns within 60 min: hourly, each needs one bus, twelve in all
    assert result.exit_code == 1
    assert "error: period 05-07: even at the longest headways that carry their loads the " \
           "lines need 12 > 10 buses" in result.output

    staff = grant_role(kranj, "t-staff", Role.STAFF,
                       department=ensure_department(kranj, "mobility", "Mobility")).user
    client.force_login(staff)
    url = "/api/v1/cities/kranj/mobility/optimise"
    body = {"date": "2026-12-02", "loads": {"3": {"07-09": 700}}}
    r = client.post(url, json.dumps(body), content_type="application/json")
    assert r.status_code == 422
    assert r.json()["detail"] == ("line 3, period 07-09: even the shortest allowed headway "
                                  "7.5 min carries 576 < 700 riders/h")
    r = client.post(url, json.dumps({**body, "loads": {"99": {"07-09": 1}}}),
                    content_type="application/json")
    assert r.status_code == 400 and "there is no line 99" in r.json()["detail"]
    ok = client.post(url, json.dumps({"date": "2026-12-02", "loads": read_loads(LOADS),
                                      "fleet": 25, "max_headway": 30}),
                     content_type="application/json")
    assert ok.status_code == 200, ok.content
    answer = ok.json()
    assert answer["check"]["ok"] and max(h["headway_min"] for h in answer["headways"]) <= 30


@pytest.mark.django_db
def test_given_the_kranj_answer_when_saved_as_a_scenario_then_its_timetable_runs_the_plan(
        kranj, client):
    from zerocity.cli import main
    from zerocity.core.models import Role
    from zerocity.core.services import ensure_department, grant_role
    from zerocity.mobility import store
    from zerocity.mobility.models import Scenario

    args = ["mobility", "optimise", "--city", "kranj", "--date", "2026-12-02", "--loads",
            str(LOADS), "--fleet", "25", "--format", "json"]
    # when the optimiser's answer is saved in the same step
    result = CliRunner().invoke(main, [*args, "--save-scenario", "MILP 2026-12-02"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    saved = answer["scenario"]
    assert saved["version"] == 1 and saved["replayed"] is False
    scenario = Scenario.objects.get(pk=saved["id"])
    version = scenario.versions.get(number=1)
    # then the scenario holds the plan's edits, on the timetable the plan was computed from
    assert scenario.base_id == answer["feed"]["version"]
    assert version.edits == answer["edits"]
    assert scenario.description.startswith("Frequency MILP for 2026-12-02")
    # and its derived timetable runs each changed line at the plan's headway in that period:
    # from its first departure there, every headway_min (per service and direction)
    tables = store.read_tables(version.path)
    calls = tables["stop_times"].merge(tables["trips"], on="trip_id")
    calls["seq"] = calls["stop_sequence"].astype(int)
    first = calls.loc[calls.groupby("trip_id")["seq"].idxmin()]
    first = first.assign(dep=[sum(int(x) * f for x, f in zip(t.split(":"), (3600, 60, 1),
                                                              strict=True))
                              for t in first["departure_time"]])
    checked = 0
    for h in answer["headways"]:
        if not h["changed"]:
            continue
        period = next(p for p in DEFAULT_PERIODS if p.name == h["period"])
        runs = first[(first["route_id"] == h["route_id"]) & first["dep"].map(period.__contains__)]
        for _key, group in runs.groupby(["service_id", "direction_id"]):
            gaps = set(group["dep"].sort_values().diff().dropna())
            assert gaps <= {h["headway_min"] * 60}, (h, gaps)
            checked += 1
    assert checked >= len(answer["edits"])
    # and saving the same answer again through the API returns that version, nothing new
    staff = grant_role(kranj, "t-staff", Role.STAFF,
                       department=ensure_department(kranj, "mobility", "Mobility")).user
    client.force_login(staff)
    r = client.post("/api/v1/cities/kranj/mobility/optimise",
                    json.dumps({"date": "2026-12-02", "loads": read_loads(LOADS), "fleet": 25,
                                "save_as": "MILP 2026-12-02"}),
                    content_type="application/json")
    assert r.status_code == 200, r.content
    assert r.json()["scenario"] == {**saved, "replayed": True}
    assert Scenario.objects.filter(city=kranj).count() == 1


@pytest.mark.usefixtures("in_english")
def test_given_an_answer_that_changes_nothing_then_no_scenario_is_saved():
    from types import SimpleNamespace

    from zerocity.core.errors import Conflict
    from zerocity.mobility.optimise import save_as_scenario

    done = SimpleNamespace(check=SimpleNamespace(ok=True, problems=[]), day=date(2026, 12, 2),
                           plan=SimpleNamespace(edits=lambda: []))
    with pytest.raises(Conflict, match="keeps today's headways on 2026-12-02"):
        save_as_scenario(done, name="nothing")  # type: ignore[arg-type]
    done.check = SimpleNamespace(ok=False, problems=["fleet 07-09: 26 > 25"])
    with pytest.raises(Conflict, match=r"failed its independent check \(fleet 07-09: 26 > 25\)"):
        save_as_scenario(done, name="wrong")  # type: ignore[arg-type]
