"""Vehicle scheduling (mobility/fleet.py): the minimum fleet of a service date and its blocks,
research mobility-upscale.md §4 "Vehicle scheduling" and §6 check 19 (fleet >= the peak of
trips under way, equal with no layover and no deadhead; the same as a HiGHS MILP on small
cases)."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.planner_feeds import ZONE, Feed, at, secs

from zerocity.mobility import fleet
from zerocity.mobility.fleet import Battery, DayTrips, Deadhead
from zerocity.mobility.fleet_feed import day_trips
from zerocity.mobility.planner.timetable import compile_timetable

INSTANT = Deadhead(speed_kmh=float("inf"))  # deadhead that takes no time
DAY = date(2026, 12, 2)  # a Wednesday


def trips_of(rows: list[tuple[str, str, str, str, str]], stops: dict[str, float],
             km: float = 10.0, station: dict[str, str] | None = None) -> DayTrips:
    """Trips (id, from stop, start, to stop, end) between stops ``east`` metres from Kranj's
    centre on one line."""
    ids = list(stops)
    index = {s: i for i, s in enumerate(ids)}
    lat = np.asarray([at(stops[s], 0)[0] for s in ids])
    lon = np.asarray([at(stops[s], 0)[1] for s in ids])
    groups = [(station or {}).get(s, s) for s in ids]
    return DayTrips(
        trip_ids=tuple(r[0] for r in rows), route_ids=("1",) * len(rows),
        start=np.asarray([secs(r[2]) for r in rows], dtype=np.int64),
        end=np.asarray([secs(r[4]) for r in rows], dtype=np.int64),
        first_stop=np.asarray([index[r[1]] for r in rows], dtype=np.int64),
        last_stop=np.asarray([index[r[3]] for r in rows], dtype=np.int64),
        km=np.full(len(rows), km), stop_ids=tuple(ids), lat=lat, lon=lon,
        station=np.asarray([groups.index(g) for g in groups], dtype=np.int64))


def blocks(result: fleet.Schedule, trips: DayTrips) -> list[list[str]]:
    return [[trips.trip_ids[t] for t in b.trips] for b in result.blocks]


# -- hand-worked ------------------------------------------------------------------------------

SHUTTLE = [("t1", "A", "07:00:00", "B", "07:30:00"), ("t3", "A", "07:10:00", "B", "07:40:00"),
           ("t2", "B", "07:40:00", "A", "08:10:00"), ("t4", "B", "08:00:00", "A", "08:30:00")]


@pytest.mark.parametrize("objective", ["fleet", "cost"])
def test_given_a_shuttle_when_scheduled_then_two_vehicles_each_turning_at_b(objective):
    # t1 reaches B at 07:30 and may leave again from 07:35 (t2 07:40 or t4 08:00); t3 reaches
    # B at 07:40, too late for t2 with a 5-minute layover: only t1->t2 and t3->t4 save both
    trips = trips_of(SHUTTLE, {"A": 0, "B": 5000})
    result = fleet.schedule(trips, min_layover_s=300, deadhead=None, objective=objective)
    assert result.vehicles == 2
    assert result.lower_bound == 2  # 07:10-07:30 and 08:00-08:10
    assert blocks(result, trips) == [["t1", "t2"], ["t3", "t4"]]
    assert [b.vehicle for b in result.blocks] == [1, 2]
    assert result.deadhead_km == 0


def test_given_a_trip_ending_1_2_km_away_when_the_layover_leaves_time_then_one_vehicle():
    # 1.2 km x 1.3 = 1.56 km at 20 km/h = 280.8 s -> 281 s: 07:30:00 + 4:41 + 5:00 = 07:39:41
    trips = trips_of([("a", "X", "07:00:00", "A", "07:30:00"),
                      ("b", "C", "07:40:00", "X", "08:00:00")], {"X": -3000, "A": 0, "C": 1200})
    five = fleet.schedule(trips, min_layover_s=300, deadhead=Deadhead(20.0, 1.3))
    assert five.vehicles == 1
    assert five.blocks[0].legs[1].deadhead_km == pytest.approx(1.56, abs=1e-3)
    assert five.blocks[0].legs[1].deadhead_s == 281
    six = fleet.schedule(trips, min_layover_s=360, deadhead=Deadhead(20.0, 1.3))
    assert six.vehicles == 2  # 07:40:41 > 07:40


def test_given_no_deadhead_when_the_next_trip_starts_elsewhere_then_another_vehicle():
    trips = trips_of([("a", "X", "07:00:00", "A", "07:30:00"),
                      ("b", "C", "09:00:00", "X", "09:30:00")], {"X": -3000, "A": 0, "C": 1200})
    assert fleet.schedule(trips, min_layover_s=0, deadhead=None).vehicles == 2
    assert fleet.schedule(trips, min_layover_s=0, deadhead=Deadhead()).vehicles == 1


def test_given_no_deadhead_when_the_next_trip_leaves_another_platform_of_the_station_then_it_continues():
    trips = trips_of([("a", "X", "07:00:00", "A1", "07:30:00"),
                      ("b", "A2", "07:40:00", "X", "08:00:00")], {"X": -3000, "A1": 0, "A2": 80},
                     station={"A1": "A", "A2": "A"})
    result = fleet.schedule(trips, min_layover_s=300, deadhead=None)
    assert blocks(result, trips) == [["a", "b"]]


def test_given_zero_layover_and_deadhead_when_a_trip_arrives_as_the_next_leaves_then_it_continues():
    trips = trips_of(SHUTTLE, {"A": 0, "B": 5000})
    result = fleet.schedule(trips, min_layover_s=0, deadhead=INSTANT)
    assert result.vehicles == result.lower_bound == 2


def test_given_two_vehicles_needed_when_a_second_one_can_wait_at_x_then_no_deadhead():
    # a and b end at A (07:30, 07:35); c leaves A at 08:00, d leaves X (3 km away) at 09:00.
    # Two vehicles: c after a or b, and d after the other (3.9 km empty) or, with no deadhead,
    # d after c (c ends at X at 08:30): the least deadhead runs c->d on one vehicle
    trips = trips_of([("a", "X", "07:00:00", "A", "07:30:00"),
                      ("b", "X", "07:05:00", "A", "07:35:00"),
                      ("c", "A", "08:00:00", "X", "08:30:00"),
                      ("d", "X", "09:00:00", "A", "09:30:00")],
                     {"X": -3000, "A": 0})
    result = fleet.schedule(trips, min_layover_s=300, objective="cost")
    assert result.vehicles == 2
    assert ["c", "d"] in [b[1:] for b in blocks(result, trips)]
    assert result.deadhead_km == 0


def test_given_the_minimum_cost_variant_when_vehicles_are_cheap_then_it_avoids_the_deadhead():
    # one vehicle needs 1.56 km empty; at EUR 1/km and EUR 1 per vehicle two vehicles cost less
    trips = trips_of([("a", "X", "07:00:00", "A", "07:30:00"),
                      ("b", "C", "07:40:00", "X", "08:00:00")], {"X": -3000, "A": 0, "C": 1200})
    cheap = fleet.schedule(trips, min_layover_s=300, vehicle_cost=1.0, deadhead_cost_per_km=1.0,
                           objective="cost")
    dear = fleet.schedule(trips, min_layover_s=300, vehicle_cost=100.0,
                          deadhead_cost_per_km=1.0, objective="cost")
    assert (cheap.vehicles, dear.vehicles) == (2, 1)


# -- battery buses (research §1.2: 180 kW chargers; E-VSP review [48]) -------------------------

LOOP = [("r1", "D", "06:00:00", "D", "07:00:00"), ("r2", "D", "07:20:00", "D", "08:20:00"),
        ("r3", "D", "08:40:00", "D", "09:40:00")]


def test_given_a_battery_for_two_trips_when_no_charger_then_the_block_is_split():
    trips = trips_of(LOOP, {"D": 0}, km=40.0)  # 40 kWh a trip at 1 kWh/km
    result = fleet.schedule(trips, min_layover_s=300, deadhead=None,
                            battery=Battery(usable_kwh=100.0, kwh_per_km=1.0))
    assert blocks(result, trips) == [["r1", "r2"], ["r3"]]
    assert result.splits == 1
    assert result.blocks[0].energy_kwh == 80.0
    assert result.blocks[0].lowest_kwh == 20.0


def test_given_a_charger_at_the_terminal_when_the_layover_is_20_min_then_no_split():
    # 20 min at 180 kW = 60 kWh: back to full (100) after every trip
    trips = trips_of(LOOP, {"D": 0}, km=40.0)
    battery = Battery(usable_kwh=100.0, kwh_per_km=1.0, charger_kw=180.0,
                      charger_stops=frozenset({0}), min_charge_s=600)
    result = fleet.schedule(trips, min_layover_s=300, deadhead=None, battery=battery)
    assert blocks(result, trips) == [["r1", "r2", "r3"]]
    assert [leg.charge_before_kwh for leg in result.blocks[0].legs] == [0.0, 40.0, 40.0]
    assert result.blocks[0].lowest_kwh == 60.0


def test_given_a_trip_longer_than_the_range_then_it_is_reported():
    trips = trips_of(LOOP[:1], {"D": 0}, km=150.0)
    result = fleet.schedule(trips, min_layover_s=0, deadhead=None,
                            battery=Battery.from_range(100.0, 1.0))
    assert result.infeasible == (0,)


# -- properties (research §6 check 19) --------------------------------------------------------

def clock(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


@st.composite
def day(draw: st.DrawFn) -> DayTrips:
    """Up to 14 trips between up to 4 stops 900 m apart, starting by the minute over three
    hours, 1 to 60 minutes long."""
    n = draw(st.integers(1, 14))
    stops = draw(st.integers(1, 4))
    rows = []
    for k in range(n):
        start = draw(st.integers(0, 180)) * 60
        end = start + draw(st.integers(1, 60)) * 60
        rows.append((f"t{k}", f"S{draw(st.integers(0, stops - 1))}", clock(start),
                     f"S{draw(st.integers(0, stops - 1))}", clock(end)))
    return trips_of(rows, {f"S{i}": i * 900.0 for i in range(stops)})


@settings(max_examples=40, deadline=None)
@given(day(), st.sampled_from([0, 300, 600]), st.sampled_from(["instant", "road", "none"]),
       st.sampled_from(["fleet", "cost"]))
def test_the_fleet_is_never_below_the_peak_and_equals_the_explicit_matching(trips, layover,
                                                                           kind, objective):
    deadhead = {"instant": INSTANT, "road": Deadhead(), "none": None}[kind]
    result = fleet.schedule(trips, min_layover_s=layover, deadhead=deadhead,
                            objective=objective)
    explicit = fleet.compatibility(trips, layover, deadhead)
    hopcroft_karp = trips.n - int((fleet.maximum_matching(explicit) >= 0).sum())
    assert result.vehicles == hopcroft_karp >= result.lower_bound
    assert sorted(t for b in result.blocks for t in b.trips) == list(range(trips.n))
    if kind == "instant" and layover == 0:
        assert result.vehicles == result.lower_bound  # Dilworth: no layover, no deadhead
    for b in result.blocks:  # every block is feasible
        for leg_a, leg_b in zip(b.legs, b.legs[1:], strict=False):
            assert (trips.end[leg_a.trip] + leg_b.deadhead_s + layover
                    <= trips.start[leg_b.trip])


def milp(trips: DayTrips, layover: int, deadhead: Deadhead | None, vehicle_cost: float,
         per_km: float) -> float:
    """The single-depot VSP as a MILP on HiGHS: x_ij = 1 when j follows i."""
    import highspy

    graph = fleet.compatibility(trips, layover, deadhead)
    rows = np.repeat(np.arange(graph.n), np.diff(graph.indptr))
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    x = [h.addBinary(obj=float(graph.km[k]) * per_km - vehicle_cost)
         for k in range(graph.arcs)]
    for i in range(graph.n):
        out = [x[k] for k in np.flatnonzero(rows == i)]
        into = [x[k] for k in np.flatnonzero(graph.indices == i)]
        if out:
            h.addConstr(sum(out[1:], out[0]) <= 1)
        if into:
            h.addConstr(sum(into[1:], into[0]) <= 1)
    h.minimize()
    return float(h.getInfo().objective_function_value) + vehicle_cost * graph.n


@settings(max_examples=12, deadline=None)
@given(day(), st.sampled_from([0, 300]))
def test_the_fleet_and_the_minimum_cost_match_a_highs_milp(trips, layover):
    fewest = fleet.schedule(trips, min_layover_s=layover)
    assert fewest.vehicles == round(milp(trips, layover, Deadhead(), 1.0, 0.0))
    cost = fleet.schedule(trips, min_layover_s=layover, vehicle_cost=5.0,
                          deadhead_cost_per_km=2.0, objective="cost")
    got = 5.0 * cost.vehicles + 2.0 * cost.deadhead_km
    assert got == pytest.approx(milp(trips, layover, Deadhead(), 5.0, 2.0), abs=1e-6)


# -- from a feed: calendars and frequencies -----------------------------------------------------

def test_given_a_feed_when_read_for_a_date_then_frequencies_expand_and_removed_services_drop():
    feed = (Feed().stop("A", 0).stop("B", 3000).calendar("WK", "1111100")
            .calendar("EXTRA", "0000000")
            .calendar_date("EXTRA", DAY, 1).calendar_date("WK", date(2026, 12, 3), 2)
            .trip("1", "f", [("A", "06:00:00"), ("B", "06:20:00")])
            .frequency("f", "06:00:00", "07:00:00", 1200)
            .trip("2", "x", [("B", "06:30:00"), ("A", "06:50:00")], service="EXTRA"))
    tables = feed.build()
    trips, source = day_trips(compile_timetable(tables, ZONE, DAY), tables)
    assert list(trips.trip_ids) == ["f@21600", "f@22800", "f@24000", "x"]
    assert set(source) == {"stop-to-stop straight lines"}
    assert trips.km[0] == pytest.approx(3.0, abs=1e-3)
    # f runs A->B at 06:00, 06:20, 06:40; x B->A 06:30-06:50: only the 06:00 run (at B 06:20)
    # can go on with x, and nothing leaves A after 06:50
    result = fleet.schedule(trips, min_layover_s=300, deadhead=None)
    assert blocks(result, trips) == [["f@21600", "x"], ["f@22800"], ["f@24000"]]
    assert result.lower_bound == 2
    removed, _ = day_trips(compile_timetable(tables, ZONE, date(2026, 12, 3)), tables)
    assert removed.n == 0


# -- the Kranj demo, the command and the API ----------------------------------------------------

def _cli(*args: str) -> dict:  # type: ignore[type-arg]
    from click.testing import CliRunner

    from zerocity.cli import main

    result = CliRunner().invoke(main, ["mobility", "fleet", "--city", "kranj", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output) if "json" in args else {"text": result.output}


@pytest.mark.django_db
def test_given_the_kranj_demo_when_the_fleet_is_asked_then_every_trip_has_one_vehicle(kranj):
    out = _cli("--date", "2026-12-02", "--format", "json")
    assert {"vehicles", "blocks", "routes", "lower_bound"} <= set(out)
    assert out["vehicles"] == len(out["blocks"]) >= out["lower_bound"] > 0
    ran = [t["trip_id"] for b in out["blocks"] for t in b["trips"]]
    assert len(ran) == len(set(ran)) == out["trips"] == sum(r["trips"] for r in out["routes"])
    assert {"route_id", "trips", "bus_km", "service_hours"} <= set(out["routes"][0])
    assert all(r["bus_km"] > 0 and r["service_hours"] > 0 for r in out["routes"])
    strict = _cli("--date", "2026-12-02", "--no-deadhead", "--min-layover", "0", "--format",
                  "json")
    assert strict["vehicles"] >= _cli("--date", "2026-12-02", "--min-layover", "0",
                                      "--format", "json")["vehicles"]
    text = _cli("--date", "2026-12-02")["text"]
    assert f"{out['vehicles']} vehicle(s)" in text


@pytest.mark.django_db
def test_given_the_api_when_staff_ask_then_the_same_json_as_the_command(kranj, client):
    from zerocity.core.models import Role
    from zerocity.core.services import ensure_department, grant_role

    url = "/api/v1/cities/kranj/mobility/fleet?date=2026-12-02&min_layover=3"
    assert client.get(url).status_code == 401
    client.force_login(grant_role(kranj, "t-citizen", Role.CITIZEN).user)
    assert client.get(url).status_code == 404
    dept = ensure_department(kranj, "transport", "Transport")
    client.force_login(grant_role(kranj, "t-staff", Role.STAFF, department=dept).user)
    got = client.get(url)
    assert got.status_code == 200
    assert got.json() == _cli("--date", "2026-12-02", "--min-layover", "3", "--format", "json")
    missing = client.get("/api/v1/cities/kranj/mobility/fleet?date=2026-12-02&battery_kwh=300"
                         "&charger_stop=nowhere")
    assert missing.status_code == 422
