"""GTFS-Realtime TripUpdates applied to the planner's timetable (research §2.2 and §6 check 13),
without a database: messages built with the reference bindings over the kranj-mini fixture
feed, read by ``mobility.gtfsrt`` and applied by ``planner.realtime``; the planner's answers
before and after. And on random feeds: the adjusted timetable keeps every run's expected times,
stays FIFO, and RAPTOR still equals the connection scan on it."""

from __future__ import annotations

import random
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest

from planner_feeds import random_feed
from rt_messages import MONDAY, ZONE, local, message, stop_at, tables, trip_update
from zerocity.mobility import gtfsrt
from zerocity.mobility.planner import Query, compile_timetable, oracles, plan
from zerocity.mobility.planner.realtime import (
    StopTimeUpdate,
    TripUpdate,
    apply_updates,
    stop_sequences,
)
from zerocity.mobility.planner.search import INF, Offset, Params, Search

ROOT = Path(__file__).resolve().parents[1]
FEED = tables()
SEQ = stop_sequences(FEED["stop_times"])


def compiled(day: date = MONDAY):
    return compile_timetable(FEED, ZONE, day)


def applied(*entities, at=None, tt=None):  # type: ignore[no-untyped-def]
    at = at or local(7, 0)
    msg = gtfsrt.parse(message(at, *entities), now=int(at.timestamp()))
    return apply_updates(tt or compiled(), msg.trip_updates, sequences=SEQ,
                         feed_time=msg.timestamp)


def run_times(tt, trip_id: str, start: int = -1) -> list[tuple[str, str, str]]:
    """(stop, arrival, departure) of a trip run, local HH:MM:SS."""
    t = next(i for i, tid in enumerate(tt.trip_ids)
             if tid == trip_id and tt.trip_start[i] == start)
    p = int(tt.trip_pattern[t])
    arrs, deps = tt.times(p)
    row = t - int(tt.pat_trip[p])
    return [(tt.stop_ids[s], f"{tt.instant(int(a)):%H:%M:%S}", f"{tt.instant(int(d)):%H:%M:%S}")
            for s, a, d in zip(tt.pattern_stops(p), arrs[row], deps[row], strict=True)]


def ask(tt, frm: str, to: str, when):  # type: ignore[no-untyped-def]
    return plan(tt, Query(stop_at(FEED, frm), stop_at(FEED, to), when))


def rides(result) -> list[list[str]]:
    return [[leg.trip for leg in it.legs if leg.trip] for it in result.itineraries]


# -- research §6 check 13 ---------------------------------------------------------------------

def test_a_300_s_delay_at_stop_sequence_3_propagates_to_every_later_stop():
    done = applied(trip_update("1-0700", {"seq": 3, "arrival_delay": 300}))
    assert (done.delayed, done.cancelled, done.unmatched) == (1, 0, ())
    assert run_times(done.timetable, "1-0700") == [
        ("kolodvor-1", "07:00:00", "07:00:00"),  # before the first update: the schedule
        ("glavni-trg", "07:06:00", "07:07:00"),
        ("zlato-polje", "07:17:00", "07:17:00"),  # 07:12 + 300 s (departure: the same delay)
        ("planina", "07:25:00", "07:25:00")]  # 07:20 + 300 s, propagated
    before = ask(compiled(), "glavni-trg", "planina", local(7, 0))
    after = ask(done.timetable, "glavni-trg", "planina", local(7, 0))
    assert rides(before) == rides(after) == [["1-0700"]]
    assert before.itineraries[0].arrive == local(7, 20)
    assert after.itineraries[0].arrive - before.itineraries[0].arrive == timedelta(seconds=300)
    assert after.itineraries[0].depart == local(7, 7)  # boarding upstream is not delayed


def test_an_absolute_time_sets_the_delay_that_a_later_update_replaces():
    done = applied(trip_update("1-0700", {"seq": 2, "arrival_time": local(7, 9)},
                               {"seq": 4, "arrival_delay": 60}))
    assert run_times(done.timetable, "1-0700")[1:] == [
        ("glavni-trg", "07:09:00", "07:10:00"),  # +180 s, the departure too
        ("zlato-polje", "07:15:00", "07:15:00"),  # +180 s propagated
        ("planina", "07:21:00", "07:21:00")]  # the next update: +60 s


def test_no_data_stops_the_propagation_and_reverts_to_the_schedule():
    done = applied(trip_update("1-0700", {"seq": 2, "arrival_delay": 300},
                               {"seq": 3, "relationship": "NO_DATA"}))
    assert run_times(done.timetable, "1-0700")[1:] == [
        ("glavni-trg", "07:11:00", "07:12:00"),
        ("zlato-polje", "07:12:00", "07:12:00"),  # the schedule again
        ("planina", "07:20:00", "07:20:00")]  # and after it, until a next update
    after = ask(done.timetable, "glavni-trg", "planina", local(7, 0))
    assert (after.itineraries[0].depart, after.itineraries[0].arrive) == (local(7, 12),
                                                                          local(7, 20))


def test_a_skipped_stop_keeps_the_delay_propagating_and_cannot_be_boarded():
    done = applied(trip_update("1-0700", {"seq": 2, "arrival_delay": 300},
                               {"seq": 3, "relationship": "SKIPPED"}))
    assert done.skipped == 1
    assert run_times(done.timetable, "1-0700")[-1] == ("planina", "07:25:00", "07:25:00")
    assert rides(ask(compiled(), "zlato-polje", "planina", local(7, 0))) == [["1-0700"]]
    assert ask(done.timetable, "zlato-polje", "planina", local(7, 0)).no_journey
    assert rides(ask(done.timetable, "glavni-trg", "planina", local(7, 0))) == [["1-0700"]]


def test_a_cancelled_trip_vanishes_from_the_answers():
    done = applied(trip_update("1-0700", relationship="CANCELED"))
    assert (done.cancelled, done.delayed) == (1, 0)
    assert "1-0700" not in done.timetable.trip_ids
    assert "1-0700" in compiled().trip_ids  # the timetable given is not changed
    gone = ask(done.timetable, "glavni-trg", "planina", local(7, 0))
    assert gone.no_journey and "no journey" in gone.notes[0]
    # the trip of the other direction still runs
    assert rides(ask(done.timetable, "planina", "glavni-trg", local(7, 25))) == [["1-0730"]]


def test_a_frequency_run_is_named_by_its_start_time_and_a_run_it_overtakes_is_split_off():
    # 1-morning runs 06:00-07:00 every 15 min (exact_times 1): delay only the 06:15 run, by
    # 20 minutes from glavni-trg on, so that the 06:30 run overtakes it
    done = applied(trip_update("1-morning", {"seq": 2, "arrival_delay": 1200},
                               start_time="06:15:00"), at=local(6, 10))
    starts = [6 * 3600 + k * 900 for k in range(4)]
    assert run_times(done.timetable, "1-morning", starts[1])[-1] == ("planina", "06:50:00",
                                                                      "06:50:00")
    for start in (starts[0], starts[2], starts[3]):
        assert run_times(done.timetable, "1-morning", start) == run_times(
            compiled(), "1-morning", start)
    assert done.splits == 1 and done.timetable.n_patterns == compiled().n_patterns + 1
    for p in range(done.timetable.n_patterns):  # still FIFO
        arrs, deps = done.timetable.times(p)
        assert (np.diff(arrs, axis=0) >= 0).all() and (np.diff(deps, axis=0) >= 0).all()
    best = ask(done.timetable, "glavni-trg", "planina", local(6, 10)).itineraries[0]
    assert (best.depart, best.arrive) == (local(6, 36), local(6, 45))  # the 06:30 run
    # a frequency-based trip without start_time names no run
    vague = applied(trip_update("1-morning", {"seq": 2, "arrival_delay": 60}))
    assert vague.unmatched == (f"1-morning {MONDAY.isoformat()}",) and vague.delayed == 0


def test_a_stop_time_update_found_by_its_stop_id():
    done = applied(trip_update("1-0730", {"stop_id": "glavni-trg", "departure_delay": 120}))
    assert run_times(done.timetable, "1-0730")[2:] == [
        ("glavni-trg", "07:46:00", "07:46:00"), ("kolodvor-1", "07:52:00", "07:52:00")]


def test_a_trip_level_delay_applies_before_the_first_stop_update():
    done = applied(trip_update("1-0700", {"seq": 3, "arrival_delay": 0}, delay=120))
    assert [t[1] for t in run_times(done.timetable, "1-0700")] == [
        "07:02:00", "07:08:00", "07:12:00", "07:20:00"]


def test_updates_of_other_days_unknown_trips_and_added_trips_change_nothing():
    done = applied(trip_update("1-0700", {"seq": 3, "arrival_delay": 300},
                               start_date=MONDAY + timedelta(days=1)),
                   trip_update("no-such-trip", {"seq": 1, "arrival_delay": 60}),
                   trip_update("1-0730", relationship="ADDED"))
    assert done.unmatched == ("1-0700 2026-03-03", "no-such-trip 2026-03-02")
    assert done.ignored == ("1-0730 2026-03-02 (ADDED)",)
    assert (done.delayed, done.cancelled) == (0, 0)
    assert run_times(done.timetable, "1-0700") == run_times(compiled(), "1-0700")


def test_without_updates_the_arrays_are_equal_copies():
    tt = compiled()
    done = apply_updates(tt, [])
    for name in ("arr", "dep", "pat_stops", "pat_trip", "pat_time", "pat_pickup", "stop_pat",
                 "stop_pat_ptr", "stop_pat_pos", "trip_day", "trip_start", "trip_pattern"):
        assert np.array_equal(getattr(done.timetable, name), getattr(tt, name)), name
    assert done.timetable.trip_ids == tt.trip_ids
    assert done.timetable.feed_hash == tt.feed_hash
    assert done.timetable.arr is not tt.arr


def test_a_run_without_start_date_is_the_one_nearest_the_feeds_time():
    # 1-night runs on the day itself only in this timetable; compile Tuesday: Monday's
    # 1-night (23:50 to 24:20) and Tuesday's both are there
    tuesday = MONDAY + timedelta(days=1)
    tt = compiled(tuesday)
    at = local(0, 5, day=tuesday)
    msg = gtfsrt.parse(message(at, trip_update("1-night", {"seq": 4, "arrival_delay": 240},
                                               start_date=None)), now=None)
    done = apply_updates(tt, msg.trip_updates, sequences=SEQ, feed_time=msg.timestamp)
    days = {int(done.timetable.trip_day[i]): i for i, t in enumerate(done.timetable.trip_ids)
            if t == "1-night"}
    assert set(days) == {-1, 0}
    last = [done.timetable.instant(int(a)) for a in (
        done.timetable.times(int(done.timetable.trip_pattern[i]))[0][
            i - int(done.timetable.pat_trip[int(done.timetable.trip_pattern[i])]), -1]
        for i in (days[-1], days[0]))]
    assert last == [local(0, 24, day=tuesday), local(0, 20, day=tuesday + timedelta(days=1))]


# -- reading messages ---------------------------------------------------------------------------

@pytest.mark.parametrize(("data", "kind"), [
    (b"not a protobuf message", "undecodable"),
    (b"", "incomplete"),  # no header
    (message(local(7), incrementality=1), "differential"),
])
def test_a_message_that_cannot_be_used_is_refused_whole(data, kind):
    with pytest.raises(gtfsrt.MessageRefused) as refused:
        gtfsrt.parse(data, now=int(local(7).timestamp()))
    assert refused.value.kind == kind


def test_a_header_without_timestamp_or_from_the_future_is_refused():
    with pytest.raises(gtfsrt.MessageRefused) as refused:
        gtfsrt.parse(message(local(7, 10)), now=int(local(7).timestamp()))
    assert refused.value.kind == "future" and "600 s ahead" in refused.value.reason
    assert gtfsrt.parse(message(local(7, 4)), now=int(local(7).timestamp())).entities == 0
    from google.transit import gtfs_realtime_pb2 as rt

    bare = rt.FeedMessage()
    bare.header.gtfs_realtime_version = "2.0"
    with pytest.raises(gtfsrt.MessageRefused) as refused:
        gtfsrt.parse(bare.SerializeToString(), now=None)
    assert refused.value.kind == "no_timestamp"


def test_entities_breaking_a_rule_are_left_out_with_their_reason_and_the_rest_is_read():
    from google.transit import gtfs_realtime_pb2 as rt

    nameless = rt.FeedEntity()
    nameless.trip_update.trip.trip_id = "1-0730"  # no entity id: a required field
    data = message(local(7), trip_update("1-0700", {"seq": 3, "arrival_delay": 300}),
                   trip_update("1-0700", {"seq": 2, "arrival_delay": 60}, entity_id="again"),
                   trip_update("1-0730", {"seq": 3, "arrival_delay": 60},
                               {"seq": 2, "arrival_delay": 60}, entity_id="backwards"),
                   trip_update("1-night", {"seq": 2}, entity_id="empty-stop"),
                   trip_update("", entity_id="no-trip"), nameless)
    msg = gtfsrt.parse(data, now=None)
    assert [u.trip_id for u in msg.trip_updates] == ["1-0700"]
    assert [(p.entity, p.reason) for p in msg.problems] == [
        ("again", "a second TripUpdate for trip 1-0700 (at most one per trip run; the first "
                  "is used)"),
        ("backwards", "stop_time_update[1]: stop_sequence 2 after 3; updates go in "
                      "stop_sequence order"),
        ("empty-stop", "stop_time_update[0] is SCHEDULED with neither an arrival nor a "
                       "departure time or delay"),
        ("no-trip", "the TripUpdate names no trip_id (a trip is not found by its route and "
                    "start time here)"),
        ("entity[5]", "required fields missing: id")]
    assert all(p.raw for p in msg.problems)  # each one's bytes, for the quarantine


# -- random feeds -------------------------------------------------------------------------------

DAY = date(2026, 5, 6)


def _random_updates(tt, rnd: random.Random, seqs):  # type: ignore[no-untyped-def]
    """Cancellations and non-negative delays at a random stop of random runs, and the times
    each run is then expected to have."""
    updates, expected, cancelled = [], {}, set()
    picked = rnd.sample(range(tt.n_trips), min(tt.n_trips, rnd.randint(1, 8)))
    origin = tt.ref_utc
    for t in picked:
        day = tt.service_date + timedelta(days=int(tt.trip_day[t]))
        start = int(tt.trip_start[t])
        key = (tt.trip_ids[t], int(tt.trip_day[t]), start)
        start_time = start if start >= 0 else None
        if rnd.random() < 0.2:
            updates.append(TripUpdate(tt.trip_ids[t], day, start_time, "CANCELED"))
            cancelled.add(key)
            continue
        p = int(tt.trip_pattern[t])
        arrs, deps = tt.times(p)
        row = t - int(tt.pat_trip[p])
        k = rnd.randrange(arrs.shape[1])
        d = rnd.choice([0, 60, 300, 900, 1800])
        a, dd = arrs[row].astype(int), deps[row].astype(int)
        a[k:] += d
        dd[k:] += d
        expected[key] = (tuple(a), tuple(dd))
        seq = seqs[tt.trip_ids[t]][k]
        if rnd.random() < 0.5:
            stu = StopTimeUpdate(stop_sequence=seq, arrival_delay=d)
        else:  # the same as an absolute departure time
            when = int(origin.timestamp()) + int(deps[row, k]) + d
            stu = StopTimeUpdate(stop_sequence=seq, departure_time=when,
                                 arrival_time=when - int(deps[row, k] - arrs[row, k]))
        updates.append(TripUpdate(tt.trip_ids[t], day, start_time, "SCHEDULED", None,
                                  (stu,)))
    return updates, expected, cancelled


def _runs(tt) -> dict[tuple[str, int, int], tuple[tuple[int, ...], tuple[int, ...]]]:
    out = {}
    for p in range(tt.n_patterns):
        arrs, deps = tt.times(p)
        for row in range(arrs.shape[0]):
            t = int(tt.pat_trip[p]) + row
            out[(tt.trip_ids[t], int(tt.trip_day[t]), int(tt.trip_start[t]))] = (
                tuple(int(x) for x in arrs[row]), tuple(int(x) for x in deps[row]))
    return out


def test_on_random_feeds_every_run_has_its_expected_times_fifo_holds_and_raptor_is_exact():
    mismatches, splits, queries = [], 0, 0
    for seed in range(25):
        feed = random_feed(seed)
        tt = compile_timetable(feed, ZONE, DAY, radius_m=350, closure_m=700)
        rnd = random.Random(seed)
        updates, expected, cancelled = _random_updates(tt, rnd, stop_sequences(
            feed["stop_times"]))
        done = apply_updates(tt, updates, sequences=stop_sequences(feed["stop_times"]))
        splits += done.splits
        want = {k: v for k, v in _runs(tt).items() if k not in cancelled} | expected
        assert _runs(done.timetable) == want, seed
        assert done.cancelled == len(cancelled)
        new = done.timetable
        for p in range(new.n_patterns):
            arrs, deps = new.times(p)
            assert (np.diff(arrs, axis=0) >= 0).all() and (np.diff(deps, axis=0) >= 0).all()
        conns = oracles.connections(new, [True] * new.n_patterns)
        for _ in range(20):
            picks = rnd.sample(range(new.n_stops), 2)
            depart = rnd.randint(5 * 3600, 9 * 3600)
            p = Params(depart=depart, horizon=depart + 4 * 3600, max_rounds=4, slack=60,
                       max_walk_m=rnd.choice([0.0, 500.0]), criteria="ea",
                       access=[Offset(picks[0], 0, 0.0)], egress=[Offset(picks[1], 0, 0.0)])
            s = Search(new, p)
            s.run(depart)
            got = [min((lab.arr for lab in s.target if lab.rounds <= k), default=INF)
                   for k in range(p.max_rounds + 1)]
            queries += 1
            if got != oracles.csa(new, p, conns):
                mismatches.append((seed, got))
    assert mismatches == [] and queries == 500
    assert splits > 0  # some delays made a run overtaken: the re-split was exercised


def test_the_realtime_planner_imports_nothing_of_django():
    code = ("import sys, zerocity.mobility.planner.realtime; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={"PYTHONPATH": str(ROOT / "src")}, check=True)
    assert out.stdout.strip() == "[]"
