"""The journey planner on small hand-checked feeds: the edge cases of research §6 (midnight and
the previous service day, holidays through calendar_dates, summer time, frequencies, every
transfer type, wheelchair requests, no journey), the answer's shape (fastest and fewest
transfers both shown, arrive-by and range queries, shared-bike legs), the compiled cache, and
that the planner needs no Django."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from planner_feeds import ZONE, Feed, at
from zerocity.mobility.planner import (
    BikeShare,
    BikeStation,
    Query,
    compile_timetable,
    plan,
    timetable_for,
)

Z = ZoneInfo(ZONE)
ROOT = Path(__file__).resolve().parents[1]


def local(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=Z)


def ask(tables, when: datetime, frm, to, **kw):
    tt = compile_timetable(tables, ZONE, when.date())
    return plan(tt, Query(at(*frm), at(*to), when, **kw))


def trips(result) -> list[list[str]]:
    return [[leg.trip for leg in it.legs if leg.trip] for it in result.itineraries]


A, X, Y, C = (0, 0), (3000, 0), (3000, 100), (6000, 0)


def line_feed() -> Feed:
    return Feed().calendar("WK").stop("A", *A).stop("X", *X).stop("Y", *Y).stop("C", *C)


# -- service days ------------------------------------------------------------------------------

def test_a_query_after_midnight_sees_the_previous_days_trips_past_24h():
    f = Feed().calendar("FRI", days="0000100").calendar("SAT", days="0000010")
    f.stop("A", *A).stop("X", *X)
    f.trip("N", "F1", [("A", "24:20:00"), ("X", "24:35:00")], service="FRI")
    f.trip("N", "S1", [("A", "00:40:00"), ("X", "00:55:00")], service="SAT")
    saturday = local(2026, 5, 9, 0, 10)
    got = ask(f.build(), saturday, A, X)
    assert trips(got) == [["F1"]]
    leg = got.itineraries[0].legs[0]
    assert (leg.depart, leg.arrive) == (local(2026, 5, 9, 0, 20), local(2026, 5, 9, 0, 35))
    both = ask(f.build(), saturday, A, X, window_s=3600)
    assert sorted(trips(both)) == [["F1"], ["S1"]]
    # on Friday evening the same trip is Friday's own, after midnight
    assert trips(ask(f.build(), local(2026, 5, 8, 23, 0), A, X)) == [["F1"]]


def school_and_holiday_feed() -> Feed:
    f = Feed().calendar("SCHOOL", days="1111100").calendar("HOLIDAY", days="0000000")
    f.stop("K", *A, name="Kranj kolodvor").stop("P", *C, name="Planina")
    for i, minute in enumerate(range(0, 60, 15)):
        f.trip("1", f"school-{i}", [("K", f"07:{minute:02d}:00"), ("P", f"07:{minute + 12:02d}:00")],
               service="SCHOOL")
    for i, minute in enumerate(range(0, 60, 30)):
        f.trip("1", f"holiday-{i}", [("K", f"07:{minute:02d}:00"),
                                     ("P", f"07:{minute + 12:02d}:00")], service="HOLIDAY")
    statehood_day = date(2026, 6, 25)  # a Thursday, a public holiday in Slovenia
    f.calendar_date("SCHOOL", statehood_day, 2).calendar_date("HOLIDAY", statehood_day, 1)
    return f


def test_calendar_dates_remove_school_days_and_add_the_holiday_timetable():
    tables = school_and_holiday_feed().build()
    school = ask(tables, local(2026, 6, 24, 7, 1), A, C)
    holiday = ask(tables, local(2026, 6, 25, 7, 1), A, C)
    assert trips(school) == [["school-1"]]
    assert school.itineraries[0].depart == local(2026, 6, 24, 7, 15)
    assert trips(holiday) == [["holiday-1"]]
    assert holiday.itineraries[0].depart == local(2026, 6, 25, 7, 30)
    tt = compile_timetable(tables, ZONE, date(2026, 6, 25))
    today = [t for t, d in zip(tt.trip_ids, tt.trip_day, strict=True) if d == 0]
    assert sorted(today) == ["holiday-0", "holiday-1"]


@pytest.mark.parametrize(("day", "depart", "arrive"), [
    # spring: "noon minus 12 h" is 23:00 the evening before, so 01:30 is 00:30 CET
    (date(2026, 3, 29), "2026-03-29T00:30:00+01:00", "2026-03-29T03:30:00+02:00"),
    # autumn: it is 01:00 CEST, so 01:30 is 02:30 CEST and 03:30 is 03:30 CET
    (date(2026, 10, 25), "2026-10-25T02:30:00+02:00", "2026-10-25T03:30:00+01:00"),
])
def test_summer_time_days_count_times_from_noon_minus_twelve_hours(day, depart, arrive):
    f = Feed().calendar("WK").stop("A", *A).stop("X", *X)
    f.trip("N", "night", [("A", "01:30:00"), ("X", "03:30:00")])
    got = ask(f.build(), datetime(day.year, day.month, day.day, 0, 0, tzinfo=Z), A, X,
              max_duration_s=6 * 3600)
    leg = got.itineraries[0].legs[0]
    assert (leg.depart.isoformat(), leg.arrive.isoformat()) == (depart, arrive)
    assert leg.arrive.astimezone(UTC) - leg.depart.astimezone(UTC) == timedelta(hours=2)


# -- frequencies ------------------------------------------------------------------------------

@pytest.mark.parametrize("exact", [0, 1])
def test_frequency_runs_equal_the_same_timetable_written_out(exact):
    base = [("A", "07:00:00"), ("X", "07:10:00"), ("C", "07:25:00")]
    freq = line_feed().trip("F", "every10", base).frequency("every10", "07:00:00", "08:00:00",
                                                            600, exact)
    explicit = line_feed()
    for k in range(6):
        explicit.trip("F", f"run{k}", [(s, _plus(t, 600 * k)) for s, t in base])
    for minute in range(50, 130, 7):
        when = local(2026, 5, 6, 6, 0) + timedelta(minutes=minute)
        one, two = ask(freq.build(), when, A, C), ask(explicit.build(), when, A, C)
        assert [i.arrive for i in one.itineraries] == [i.arrive for i in two.itineraries]
    got = ask(freq.build(), local(2026, 5, 6, 7, 3), A, C)
    assert got.itineraries[0].depart == local(2026, 5, 6, 7, 10)  # waits at most a headway
    assert ask(freq.build(), local(2026, 5, 6, 7, 51), A, X).no_journey  # none at end_time


def _plus(text: str, seconds: int) -> str:
    h, m, s = (int(x) for x in text.split(":"))
    t = h * 3600 + m * 60 + s + seconds
    return f"{t // 3600:02d}:{t % 3600 // 60:02d}:{t % 60:02d}"


# -- transfers.txt ----------------------------------------------------------------------------

def transfer_feed(**rule) -> dict:
    f = line_feed()
    f.trip("R1", "T1", [("A", "08:00:00"), ("X", "08:10:00")])
    f.trip("R2", "T2", [("X", "08:12:00"), ("C", "08:30:00")])
    f.trip("R3", "T3", [("X", "08:20:00"), ("C", "08:40:00")])
    f.trip("R5", "T5", [("X", "08:10:00"), ("C", "08:34:00")])
    f.trip("R4", "T4", [("Y", "08:20:00"), ("C", "08:36:00")])
    if rule:
        f.transfer(**rule)
    return f.build()


def arrival(rule: dict, slack: int = 60, max_walk_m: float = 0) -> str | None:
    got = ask(transfer_feed(**rule), local(2026, 5, 6, 7, 55), A, C, transfer_slack_s=slack,
              max_walk_m=max_walk_m)
    if got.no_journey:
        return None
    return got.itineraries[0].arrive.strftime("%H:%M") + " " + "+".join(trips(got)[0])


def test_without_rules_a_change_needs_the_slack_and_walking_needs_a_footpath():
    assert arrival({}) == "08:30 T1+T2"
    assert arrival({}, slack=180) == "08:40 T1+T3"
    assert arrival({}, slack=0) == "08:30 T1+T2"


@pytest.mark.parametrize(("rule", "slack", "expected"), [
    ({"from_stop_id": "X", "to_stop_id": "X", "transfer_type": 3}, 60, None),
    ({"from_stop_id": "X", "to_stop_id": "X", "transfer_type": 2, "min_transfer_time": 300},
     60, "08:40 T1+T3"),
    ({"from_stop_id": "X", "to_stop_id": "X", "transfer_type": 1}, 180, "08:30 T1+T2"),
    ({"from_stop_id": "X", "to_stop_id": "X", "transfer_type": 0}, 60, "08:30 T1+T2"),
    ({"from_stop_id": "X", "to_stop_id": "X", "from_route_id": "R1", "to_route_id": "R2",
      "transfer_type": 3}, 60, "08:40 T1+T3"),
    ({"from_stop_id": "X", "to_stop_id": "X", "from_trip_id": "T1", "to_trip_id": "T2",
      "transfer_type": 2, "min_transfer_time": 600}, 60, "08:40 T1+T3"),
    ({"from_stop_id": "X", "to_stop_id": "X", "from_trip_id": "T1", "to_trip_id": "T5",
      "transfer_type": 4}, 60, "08:30 T1+T2"),
    ({"from_stop_id": "X", "to_stop_id": "X", "from_trip_id": "T1", "to_trip_id": "T5",
      "transfer_type": 5}, 60, "08:30 T1+T2"),
])
def test_every_transfer_type_is_honoured(rule, slack, expected):
    assert arrival(rule, slack) == expected


def test_a_timed_or_in_seat_transfer_catches_a_departure_the_slack_would_miss():
    # T5 leaves X at 08:10, the minute T1 arrives: only a rule lets the rider make it
    in_seat = {"from_stop_id": "X", "to_stop_id": "X", "from_trip_id": "T1", "to_trip_id": "T5",
               "transfer_type": 4}
    assert arrival({**in_seat, "transfer_type": 1}, 600) == "08:34 T1+T5"
    assert arrival(in_seat, 600) == "08:34 T1+T5"
    assert arrival({**in_seat, "transfer_type": 5}, 600) == "08:40 T1+T3"


def test_with_no_walking_only_the_feeds_own_transfers_join_two_stops():
    rule = {"from_stop_id": "X", "to_stop_id": "Y", "transfer_type": 0}
    forbid_x = {"from_stop_id": "X", "to_stop_id": "X", "transfer_type": 3}
    got = ask(transfer_feed(**forbid_x), local(2026, 5, 6, 7, 55), A, C, max_walk_m=0)
    assert got.no_journey
    f = line_feed()
    f.trip("R1", "T1", [("A", "08:00:00"), ("X", "08:10:00")])
    f.trip("R4", "T4", [("Y", "08:20:00"), ("C", "08:36:00")])
    f.transfer(**rule)
    got = ask(f.build(), local(2026, 5, 6, 7, 55), A, C, max_walk_m=0)
    assert trips(got) == [["T1", "T4"]]
    assert [leg.mode for leg in got.itineraries[0].legs] == ["bus", "walk", "bus"]
    no_rule = line_feed().trip("R1", "T1", [("A", "08:00:00"), ("X", "08:10:00")])
    no_rule.trip("R4", "T4", [("Y", "08:20:00"), ("C", "08:36:00")])
    walks = ask(no_rule.build(), local(2026, 5, 6, 7, 55), A, C, max_walk_m=200)
    assert trips(walks) == [["T1", "T4"]]  # within walking distance without the rule too


# -- wheelchair, no journey, the shape of the answer -------------------------------------------

def test_a_wheelchair_request_leaves_out_inaccessible_stops_and_trips_and_says_why():
    f = Feed().calendar("WK")
    f.stop("HUB", 3000, 50, location_type=1, wheelchair_boarding=2)
    f.stop("A", *A).stop("X", *X, parent_station="HUB").stop("C", *C)
    f.trip("R1", "direct-inaccessible", [("A", "08:00:00"), ("C", "08:20:00")],
           wheelchair_accessible=2)
    f.trip("R2", "via-x", [("A", "08:05:00"), ("X", "08:15:00"), ("C", "08:30:00")])
    f.trip("R3", "slow-accessible", [("A", "08:10:00"), ("C", "08:50:00")],
           wheelchair_accessible=1)
    anyone = ask(f.build(), local(2026, 5, 6, 7, 55), A, X)
    assert trips(anyone) == [["via-x"]]
    chair = ask(f.build(), local(2026, 5, 6, 7, 55), A, X, wheelchair=True)
    assert chair.no_journey
    assert chair.excluded == (
        "1 trip(s) marked not wheelchair accessible (wheelchair_accessible=2)",
        "stop(s) X marked without wheelchair boarding (wheelchair_boarding=2)")
    to_c = ask(f.build(), local(2026, 5, 6, 7, 55), A, C, wheelchair=True)
    assert trips(to_c) == [["via-x"]]  # it passes X without stopping the rider there
    assert trips(ask(f.build(), local(2026, 5, 6, 7, 55), A, C)) == [["direct-inaccessible"]]


def test_no_journey_is_said_plainly():
    f = line_feed().trip("R1", "T1", [("A", "08:00:00"), ("C", "08:30:00")])
    got = ask(f.build(), local(2026, 5, 6, 22, 0), A, C)
    assert got.no_journey and got.itineraries == ()
    assert got.notes == ("no journey leaving at 2026-05-06T22:00:00+02:00 within 180 minutes; "
                         "ask for a longer window",)


def test_fastest_and_fewest_transfers_both_shown_when_they_differ():
    f = line_feed()
    f.trip("SLOW", "slow", [("A", "08:00:00"), ("C", "09:00:00")])
    f.trip("R1", "T1", [("A", "08:01:00"), ("X", "08:10:00")])
    f.trip("R2", "T2", [("X", "08:12:00"), ("C", "08:30:00")])
    got = ask(f.build(), local(2026, 5, 6, 7, 55), A, C)
    assert [(it.vehicles, it.transfers, it.arrive.strftime("%H:%M"))
            for it in got.itineraries] == [(2, 1, "08:30"), (1, 0, "09:00")]


def test_arrive_by_takes_the_latest_departure_that_arrives_in_time():
    f = line_feed()
    for i, (d, a) in enumerate([("07:00", "07:40"), ("08:00", "08:40"), ("08:30", "09:10")]):
        f.trip("R1", f"T{i}", [("A", f"{d}:00"), ("C", f"{a}:00")])
    got = ask(f.build(), local(2026, 5, 6, 9, 0), A, C, arrive_by=True)
    assert trips(got) == [["T1"]]
    assert got.itineraries[0].depart == local(2026, 5, 6, 8, 0)


def test_shared_bikes_reach_a_stop_from_stations_with_bikes_and_to_stations_with_docks():
    f = line_feed().trip("R1", "T1", [("A", "08:00:00"), ("C", "08:30:00")])
    home = (-2500, 0)
    empty = BikeStation("empty", "Empty", *at(-2450, 0), bikes=0, docks=5)
    full = BikeStation("full", "Full", *at(-2400, 30), bikes=3, docks=0)
    by_stop = BikeStation("stop", "By the stop", *at(-50, 0), bikes=0, docks=4)
    share = BikeShare((empty, full, by_stop))
    tt = compile_timetable(f.build(), ZONE, date(2026, 5, 6))
    q = Query(at(*home), at(*C), local(2026, 5, 6, 7, 40), max_walk_m=300)
    got = plan(tt, q, bikes=share)
    legs = got.itineraries[0].legs
    assert [leg.mode for leg in legs] == ["walk", "bike", "walk", "bus"]
    assert (legs[1].origin.stop_id, legs[1].destination.stop_id) == ("full", "stop")
    stale = plan(tt, q, bikes=BikeShare(share.stations, stale=True))
    assert stale.no_journey
    assert "shared bikes left out: the bike-share feed is stale" in stale.notes
    assert [t.service for t in got.itineraries[0].taps] == ["bike", "bus"]


def test_itineraries_carry_co2_against_the_car_over_the_same_trip():
    f = line_feed().trip("R1", "T1", [("A", "08:00:00"), ("X", "08:10:00"), ("C", "08:20:00")])
    it = ask(f.build(), local(2026, 5, 6, 7, 55), A, C).itineraries[0]
    km = it.legs[0].distance_m / 1000
    assert km == pytest.approx(6.0, rel=1e-3)
    assert it.co2e_g == pytest.approx(round(km * 1.07 / 10 * 1000, 1), abs=0.2)
    assert it.car_co2e_g == pytest.approx(round(km * 1.3 * 170 / 1.3, 1), abs=0.2)


# -- the cache and the boundary ---------------------------------------------------------------

def test_compiled_timetables_are_cached_by_feed_and_date(tmp_path):
    tables = transfer_feed(from_stop_id="X", to_stop_id="X", transfer_type=2,
                           min_transfer_time=300)
    first = timetable_for(tables, ZONE, date(2026, 5, 6), tmp_path)
    files = list(tmp_path.iterdir())
    again = timetable_for(tables, ZONE, date(2026, 5, 6), tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == [p.name for p in files] and len(files) == 1
    for name in ("arr", "dep", "pat_stops", "fp_to", "fp_m", "same_rule", "same_min"):
        assert np.array_equal(getattr(first, name), getattr(again, name)), name
    assert again.trip_ids == first.trip_ids and again.rules == first.rules
    q = Query(at(*A), at(*C), local(2026, 5, 6, 7, 55))
    assert plan(first, q) == plan(again, q)
    timetable_for(tables, ZONE, date(2026, 5, 7), tmp_path)
    assert len(list(tmp_path.iterdir())) == 2


def test_the_planner_imports_nothing_of_django():
    code = ("import sys, zerocity.mobility.planner, zerocity.mobility.planner.oracles; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={"PYTHONPATH": str(ROOT / "src")}, check=True)
    assert out.stdout.strip() == "[]"
