"""Demand against capacity from the card's taps (issue 20; research mobility-upscale.md §4
"Demand vs capacity from taps", §6 check 16): taps matched to timetabled trips, alightings by
trip chaining (Trépanier et al. 2007; Munizaga & Palma 2012), segment loads, the maximum load
point against the e-buses' 80 places (research §1.2), the match rate and the unmatched taps.

The hand-worked line L runs A-B-C-D-E, 1 km apart, five minutes between stops: L-0700 and
L-0730 out at 07:00 and 07:30, L-1600 back at 16:00. Wednesday 6 May 2026."""

from __future__ import annotations

import io
import json
import random
import zipfile
from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from planner_feeds import ZONE, Feed
from zerocity.mobility import loads as calc
from zerocity.mobility.planner.timetable import compile_timetable

DAY = date(2026, 5, 6)
TZ = ZoneInfo(ZONE)


def line_l() -> Feed:
    f = Feed().calendar("WK").calendar("SU", days="0000001")
    for i, s in enumerate("ABCDE"):
        f.stop(s, i * 1000)
    f.stop("F", 0, 3000)  # a stop no trip of L calls at
    f.trip("L", "L-0700", [(s, f"07:{5 * i:02d}:00") for i, s in enumerate("ABCDE")])
    f.trip("L", "L-0730", [(s, f"07:{30 + 5 * i:02d}:00") for i, s in enumerate("ABCDE")])
    f.trip("L", "L-1600", [(s, f"16:{5 * i:02d}:00") for i, s in enumerate("EDCBA")])
    f.trip("M", "M-sunday", [("A", "08:00:00"), ("F", "08:10:00")], service="SU")
    return f


@pytest.fixture(scope="module")
def tt():  # type: ignore[no-untyped-def]
    return compile_timetable(line_l().build(), ZONE, DAY)


def at(h: int, m: int, s: int = 0, day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, h, m, s, tzinfo=TZ)


def taps(*rows: tuple[str, datetime, str, str]) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=list(calc.TAP_COLUMNS))


# four riders out in the morning on L-0700 and back on L-1600
COMMUTERS = [
    ("r1", at(7, 0), "L", "A"), ("r1", at(16, 5), "L", "D"),
    ("r2", at(6, 59, 30), "L", "A"), ("r2", at(16, 10), "L", "C"),
    ("r3", at(7, 6), "L", "B"), ("r3", at(16, 0), "L", "E"),
    ("r4", at(7, 10), "L", "C"), ("r4", at(16, 1), "L", "E"),
]


def run(tt, rows, **kw):  # type: ignore[no-untyped-def]
    params = kw.pop("params", calc.LoadParams())
    return calc.loads([calc.day_flows(tt, taps(*rows), params=params, **kw)], params=params)


def profile(result, trip_id):  # type: ignore[no-untyped-def]
    (t,) = [t for t in result.trips if t.run.trip_id == trip_id]
    return t, [(s.stop_id, s.boardings, s.alightings, s.load) for s in t.segments]


def test_given_commuters_with_known_alightings_then_the_segment_loads_are_exact(tt):
    # when
    result = run(tt, COMMUTERS)
    # then: out, r1 alights at D (boards there in the afternoon), r2 at C, r3 and r4 at E
    out, stops = profile(result, "L-0700")
    assert stops == [("A", 2, 0, 2), ("B", 1, 0, 3), ("C", 1, 1, 3), ("D", 0, 1, 2),
                     ("E", 0, 2, 0)]
    assert (out.max_load, out.max_load_stop, out.max_load_position) == (3, "B", 2)
    assert out.period == "07-09" and out.over_capacity is False
    # back, each day's last trip ends where the day's first began (r1, r2 at A, r3 at B,
    # r4 at C)
    back, stops = profile(result, "L-1600")
    assert stops == [("E", 2, 0, 2), ("D", 1, 0, 3), ("C", 1, 1, 3), ("B", 0, 1, 2),
                     ("A", 0, 2, 0)]
    assert (back.max_load, back.max_load_stop, back.period) == (3, "D", "14-17")
    assert result.taps == 8 and result.matched == 8 and result.match_rate == 1.0
    assert result.unmatched == {} and result.unchained == {}
    assert result.peak_loads() == {"L": {"07-09": 3, "14-17": 3}}
    (route,) = result.routes
    assert (route.route_id, route.runs, route.trips, route.boardings) == ("L", 3, 2, 8)


def test_given_81_riders_on_one_bus_then_it_is_flagged_over_the_80_places(tt):
    # given: 81 riders from A to E on L-0700 (research §1.2: 35 seats + 45 standing = 80)
    rows = [r for i in range(81) for r in ((f"p{i}", at(7, 0), "L", "A"),
                                           (f"p{i}", at(16, 0), "L", "E"))]
    # when
    full = run(tt, rows)
    fewer = run(tt, rows[2:])
    roomier = run(tt, rows, params=calc.LoadParams(capacity=100, capacity_source="test"))
    # then
    out, _ = profile(full, "L-0700")
    assert (out.max_load, out.over_capacity) == (81, True)
    assert full.routes[0].over_capacity == 2  # the way back too
    assert profile(fewer, "L-0700")[0].over_capacity is False  # 80 is not over 80
    assert profile(roomier, "L-0700")[0].over_capacity is False


def test_given_taps_that_do_not_match_then_each_is_counted_with_its_reason(tt):
    # given
    rows = [*COMMUTERS,
            ("u1", at(7, 0), "", "A"),  # the validator reported no route
            ("u2", at(7, 0), "L", ""),
            ("u3", at(7, 0), "Z", "A"),  # no such route
            ("u4", at(7, 0), "L", "Q"),  # no such stop
            ("u5", at(8, 0), "M", "A"),  # M runs on Sundays only
            ("u6", at(7, 0), "L", "F"),  # L never calls at F
            ("u7", at(7, 2, 1), "L", "A"),  # 121 s after L-0700 left A, 27:59 before L-0730
            ]
    # when
    result = run(tt, rows)
    # then
    assert result.unmatched == {"no_route": 1, "no_stop": 1, "unknown_route": 1,
                                "unknown_stop": 1, "route_not_running": 1,
                                "stop_not_on_route": 1, "no_trip_in_window": 1}
    assert set(result.unmatched) == set(calc.REASONS)
    assert (result.taps, result.matched, result.match_rate) == (15, 8, 8 / 15)
    assert result.outcomes[("L", "F", "stop_not_on_route")] == 1
    # the unmatched taps change no load
    assert profile(result, "L-0700")[1] == profile(run(tt, COMMUTERS), "L-0700")[1]


def test_the_window_is_two_minutes_either_side_and_the_nearest_run_wins(tt):
    # given: 07:02:00 is 120 s after L-0700 left A; 07:28:30 is 90 s before L-0730
    m = calc.match(tt, taps(("a", at(7, 2), "L", "A"), ("b", at(7, 28, 30), "L", "A"),
                            ("c", at(7, 15), "L", "A"), ("d", at(7, 6, 30), "L", "B")))
    # then: c is 15 minutes from both; d is 90 s after L-0700 left B
    assert [tt.trip_ids[t] if t >= 0 else r for t, r in zip(m["trip"], m["reason"],
                                                             strict=True)] == [
        "L-0700", "L-0730", "no_trip_in_window", "L-0700"]
    assert list(m["pos"]) == [0, 0, -1, 1]


def test_given_a_rider_with_one_tap_then_the_boarding_is_spread_over_the_chained_alightings(
        tt):
    # given: r5 taps once, at A on L-0700, where the commuters alight C 1, D 1, E 2 later
    result = run(tt, [*COMMUTERS, ("r5", at(7, 0), "L", "A")])
    # then: r5 alights a quarter at C and D and half at E
    out, stops = profile(result, "L-0700")
    assert stops == [("A", 3, 0, 3), ("B", 1, 0, 4), ("C", 1, 1.25, 3.75),
                     ("D", 0, 1.25, 2.5), ("E", 0, 2.5, 0)]
    assert out.unchained == 1 and result.unchained == {"single_tap": 1}
    assert (result.matched, out.max_load, out.max_load_stop) == (9, 4, "B")


def test_unchained_boardings_fall_back_to_the_pattern_then_to_even_shares(tt):
    # given: r6 taps once on L-0730, whose own riders are none: L-0700's alightings (same
    # stops) share it; r7 taps once on L-1600 at B, with no chained alighting after B
    result = run(tt, [*COMMUTERS, ("r6", at(7, 35), "L", "B"),
                      ("r7", at(16, 15), "L", "B")])
    # then
    assert profile(result, "L-0730")[1] == [
        ("A", 0, 0, 0), ("B", 1, 0, 1), ("C", 0, 0.25, 0.75), ("D", 0, 0.25, 0.5),
        ("E", 0, 0.5, 0)]
    # L-1600 after B: only A, where r1 and r2 alight; r7 goes there too
    assert profile(result, "L-1600")[1][-2:] == [("B", 1, 1, 3), ("A", 0, 3, 0)]


def test_chaining_rules_next_stop_same_stop_and_too_far(tt):
    # given: s1 boards at A twice (same stop); s2's next boarding is at F, 3 km from the
    # nearest stop of L-0700 after A; s3's next stop is not in the feed
    rows = [("s1", at(7, 0), "L", "A"), ("s1", at(7, 30), "L", "A"),
            ("s2", at(7, 0), "L", "A"), ("s2", at(9, 0), "M", "F"),
            ("s3", at(7, 5), "L", "B"), ("s3", at(9, 0), "L", "Q")]
    # when
    result = run(tt, rows)
    # then
    assert result.unchained == {"same_stop": 2, "too_far": 1, "next_stop_unknown": 1}
    assert result.unmatched == {"route_not_running": 1, "unknown_stop": 1}
    # with a longer walk allowed, s2 alights at B, the stop of L-0700 after A nearest F
    far = calc.LoadParams(max_walk_m=5000)
    flows = calc.day_flows(tt, taps(*rows), params=far)
    assert flows.alightings() == {("L-0700/2026-05-06", 1): 1}


def test_a_tap_naming_the_station_matches_the_run_at_its_platform(tt):
    # given: A is a platform of station S (its stops.txt parent_station)
    m = calc.match(tt, taps(("a", at(7, 0), "L", "S")), parents={"A": "S"})
    assert (tt.trip_ids[int(m["trip"][0])], m["reason"][0]) == ("L-0700", "")
    assert calc.match(tt, taps(("a", at(7, 0), "L", "S")))["reason"][0] == "unknown_stop"


def test_the_scale_factor_is_applied_only_when_stated(tt):
    # given
    assert calc.LoadParams().scale == 1.0
    assert calc.LoadParams().scale_source == calc.NO_SCALE_SOURCE
    assert calc.LoadParams(scale=1.25).problems() == [
        "a scale factor other than 1.0 needs its source stated"]
    stated = calc.LoadParams(scale=1.25, scale_source="operator's 2025 count: 80 % tap")
    # when
    result = run(tt, COMMUTERS, params=stated)
    # then
    assert profile(result, "L-0700")[1] == [
        ("A", 2.5, 0, 2.5), ("B", 1.25, 0, 3.75), ("C", 1.25, 1.25, 3.75),
        ("D", 0, 1.25, 2.5), ("E", 0, 2.5, 0)]
    assert result.params.scale_source == "operator's 2025 count: 80 % tap"
    assert result.matched == 8  # taps are counted as they are


def test_the_same_taps_in_any_order_give_the_same_answer_again(tt):
    # given
    rows = [*COMMUTERS, ("r5", at(7, 0), "L", "A"), ("u", at(7, 3), "L", "A")]
    shuffled = rows[:]
    random.Random(4).shuffle(shuffled)
    # when
    first, again, other = run(tt, rows), run(tt, rows), run(tt, shuffled)
    # then
    assert first == again == other


def test_a_run_past_midnight_collects_the_taps_of_both_days():
    # given: N-2350 leaves A at 23:50 and reaches E at 00:10 the next day
    f = line_l()
    f.trip("N", "N-2350", [(s, f"{23 + (50 + 5 * i) // 60:02d}:{(50 + 5 * i) % 60:02d}:00")
                           for i, s in enumerate("ABCDE")])
    tables = f.build()
    nxt = DAY + timedelta(days=1)
    today, tomorrow = compile_timetable(tables, ZONE, DAY), compile_timetable(tables, ZONE, nxt)
    # when: one rider boards at A before midnight, another at C after it
    flows = [calc.day_flows(today, taps(("x", at(23, 50), "N", "A"))),
             calc.day_flows(tomorrow, taps(("y", at(0, 0, 30, day=nxt), "N", "C")))]
    result = calc.loads(flows)
    # then: one run, of 6 May, with both boardings; it starts after the last period (17-22),
    # so it counts in the route's totals and in no period's peak
    (run_,) = result.trips
    assert (run_.run.key, run_.boardings, run_.period) == ("N-2350/2026-05-06", 2, None)
    (night,) = [r for r in result.routes if r.route_id == "N"]
    assert (night.boardings, night.max_load, result.peak_loads()) == (2, run_.max_load, {})
    assert result.days == 2 and result.matched == 2


def test_actual_times_replace_the_timetable_when_the_city_has_them(tt):
    # given: L-0700 ran 5 minutes late (its departures from each stop), so a tap at 07:05
    # at A matches it
    late = replace(tt, arr=tt.arr.copy(), dep=tt.dep.copy())
    t = next(i for i, x in enumerate(tt.trip_ids) if x == "L-0700" and tt.trip_day[i] == 0)
    p = int(tt.trip_pattern[t])
    o = int(tt.pat_time[p]) + (t - int(tt.pat_trip[p])) * 5
    late.arr[o:o + 5] += 300
    late.dep[o:o + 5] += 300
    tap = taps(("a", at(7, 5), "L", "A"))
    assert calc.match(tt, tap)["reason"][0] == "no_trip_in_window"
    assert late.trip_ids[int(calc.match(late, tap)["trip"][0])] == "L-0700"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30), st.integers(6 * 60, 17 * 60),
                          st.sampled_from(["L", "M", "", "Z"]),
                          st.sampled_from(["A", "B", "C", "D", "E", "F", "Q", ""])),
                max_size=60),
       st.sampled_from([1.0, 1.5]))
def test_every_run_ends_empty_never_carries_less_than_nobody_and_keeps_its_riders(
        tt, rows, scale):  # type: ignore[no-untyped-def]
    # given: any taps of up to 31 riders between 06:00 and 17:00
    params = calc.LoadParams(scale=scale, scale_source="test")
    result = run(tt, [(f"r{r}", at(m // 60, m % 60), route, stop)
                      for r, m, route, stop in rows], params=params)
    # then
    assert result.taps == len(rows)
    assert result.matched + sum(result.unmatched.values()) == len(rows)
    boarded = 0.0
    for t in result.trips:
        loads = [s.load for s in t.segments]
        assert loads[-1] == 0 and min(loads) >= -0.01
        on = sum(s.boardings for s in t.segments)
        assert on == pytest.approx(sum(s.alightings for s in t.segments), abs=0.05)
        assert t.max_load == max(loads)
        boarded += on
    assert boarded == pytest.approx(result.matched * scale, abs=0.05)


# -- a city's taps, the command line and the API -------------------------------------------

def feed_bytes(tables: dict[str, pd.DataFrame]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, df in tables.items():
            zf.writestr(f"{name}.txt", df.to_csv(index=False))
    return buf.getvalue()


@pytest.fixture
def tapped(city):  # type: ignore[no-untyped-def]
    """Testville with line L as its timetable and the commuters' taps, plus one repeat on the
    same bus and one tap naming no route."""
    from zerocity.card.accounts import issue_medium, open_account
    from zerocity.card.models import Tap
    from zerocity.card.taps import register_validator
    from zerocity.mobility.services import import_feed

    import_feed(city, feed_bytes(line_l().build()), filename="l.zip", actor="test",
                today=DAY)
    validator, _ = register_validator(city, "bus-1", "bus")
    media = {}
    rows = [*COMMUTERS, ("r1", at(7, 1), "L", "A", "already_validated"),
            ("r9", at(12, 0), "", "C")]
    for seq, (rider, when, route, stop, *why) in enumerate(rows, 1):
        if rider not in media:
            media[rider] = issue_medium(open_account(city), f"CARD-{rider}")
        m = media[rider]
        Tap.objects.create(validator=validator, seq=seq, medium=m, token_hash=m.token_hash,
                           at=when, service="bus", vehicle="bus-1", route=route, stop=stop,
                           accepted=True, reason=why[0] if why else "pass")
    return city


@pytest.mark.django_db
def test_a_citys_loads_come_from_its_card_taps_and_its_feed_in_force(tapped):
    from zerocity.mobility import load_reports

    # when
    result = load_reports.city_loads(tapped, DAY)
    # then: the repeat on the same bus is no boarding; the tap without a route is unmatched
    r = result.loads
    assert (r.taps, r.matched, r.unmatched, r.unchained) == (9, 8, {"no_route": 1}, {})
    assert profile(r, "L-0700")[1] == [("A", 2, 0, 2), ("B", 1, 0, 3), ("C", 1, 1, 3),
                                       ("D", 0, 1, 2), ("E", 0, 2, 0)]
    assert load_reports.peak_loads(tapped, DAY) == {"L": {"07-09": 3, "14-17": 3}}
    assert load_reports.city_loads(tapped, DAY).loads == r  # read-only: the same again
    # a day without taps has its runs and no load; two days sum their runs
    quiet = load_reports.city_loads(tapped, DAY + timedelta(days=1)).loads
    assert (quiet.taps, quiet.match_rate, quiet.trips, quiet.routes[0].runs) == (0, None, (), 3)
    both = load_reports.city_loads(tapped, DAY, DAY + timedelta(days=1)).loads
    assert (both.days, both.routes[0].runs, both.trips) == (2, 6, r.trips)
    # nothing per card leaves: no pseudonym, account or medium in the answer
    text = json.dumps(load_reports.to_json(result))
    assert "r1" not in text and "CARD-" not in text and "rider" not in text


@pytest.mark.django_db
def test_the_command_prints_the_loads_as_json_and_as_text(tapped):
    from zerocity.cli import main

    result = CliRunner().invoke(main, ["mobility", "loads", "--city", "testville", "--date",
                                       DAY.isoformat(), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["match_rate"], data["unmatched"], data["capacity"], data["scale"]) == (
        0.8889, {"no_route": 1}, 80, 1.0)
    out = next(t for t in data["trips"] if t["trip_id"] == "L-0700")
    assert (out["max_load"], out["max_load_stop"], out["over_capacity"], out["start"]) == (
        3, "B", False, "2026-05-06T07:00:00+02:00")
    assert [s["load"] for s in out["segments"]] == [2, 3, 3, 2, 0]
    assert data["routes"] == [{"route_id": "L", "runs": 3, "trips_with_taps": 2,
                               "boardings": 8, "max_load": 3, "over_capacity": 0,
                               "peak_by_period": {"07-09": 3, "14-17": 3}}]
    assert data["unmatched_where"] == [{"route_id": "", "stop_id": "C",
                                        "reason": "no_route", "taps": 1}]
    text = CliRunner().invoke(main, ["mobility", "loads", "--city", "testville", "--date",
                                     DAY.isoformat(), "--capacity", "2"])
    assert text.exit_code == 0, text.output
    assert "8 matched (88.9%)" in text.output and "OVER CAPACITY" in text.output
    refused = CliRunner().invoke(main, ["mobility", "loads", "--city", "testville", "--date",
                                        DAY.isoformat(), "--scale", "1.2"])
    assert refused.exit_code == 1
    assert "a scale factor other than 1.0 needs its source stated" in refused.output


@pytest.mark.django_db
def test_the_api_gives_the_loads_to_the_citys_staff_only(tapped, client):
    from zerocity.core.models import Role
    from zerocity.core.services import ensure_department, grant_role

    url = f"/api/v1/cities/testville/mobility/loads?date={DAY.isoformat()}"
    assert client.get(url).status_code == 401
    client.force_login(grant_role(tapped, "t-citizen", Role.CITIZEN).user)
    assert client.get(url).status_code == 404
    office = ensure_department(tapped, "transport", "Transport office")
    client.force_login(grant_role(tapped, "t-staff", Role.STAFF, department=office).user)
    answer = client.get(url + "&route=L&scale=1.5&scale_source=count")
    assert answer.status_code == 200, answer.content
    data = answer.json()
    assert (data["taps"], data["scale"], data["routes"][0]["max_load"]) == (8, 1.5, 4.5)
    # dates without a timetable, however far, are not found; a long range is refused
    for far in ("2025-05-06", "0001-01-01", "9999-12-31"):
        assert client.get(url.replace("2026-05-06", far)).status_code == 404
    assert client.get(url + "&to=2026-05-13").status_code == 422  # 8 days
    assert client.get(url + "&to=2026-05-05").status_code == 422
