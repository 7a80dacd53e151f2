"""The router against its oracles on random feeds (research §6 check 9): RAPTOR's earliest
arrival with at most k vehicles, for every k up to the round bound, equals the connection
scan's and the time-expanded Dijkstra's, with zero mismatches; McRAPTOR's bags keep the same
per-round earliest arrivals while also carrying walking and fare. And the properties: a later
departure never arrives earlier, an added trip never worsens an answer, returned sets are
non-dominated."""

from __future__ import annotations

import json
import random
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from planner_feeds import random_feed
from zerocity.card import fares as card_fares
from zerocity.mobility.planner import oracles
from zerocity.mobility.planner.pricing import CardFares, FareModel
from zerocity.mobility.planner.search import INF, Offset, Params, Search
from zerocity.mobility.planner.timetable import compile_timetable

DAY = date(2026, 5, 6)
FEEDS = 40
RULES = Path(__file__).resolve().parents[1] / "src/zerocity/demo/data/kranj_fares.json"


def kranj_fares() -> CardFares:
    rules = card_fares.load_rules(json.loads(RULES.read_text()), "Europe/Ljubljana")
    return CardFares(rules, card_fares.decide, card_fares.Tap, card_fares.PriorTap)


def compiled(seed: int):
    return compile_timetable(random_feed(seed), "Europe/Ljubljana", DAY, radius_m=350,
                             closure_m=700)


def random_params(tt, rnd: random.Random, criteria: str = "ea") -> Params:
    def offsets() -> list[Offset]:
        picks = rnd.sample(range(tt.n_stops), rnd.randint(1, 3))
        return [Offset(s, rnd.choice([0, 60, 240]), rnd.choice([0.0, 80.0, 300.0]))
                for s in picks]

    depart = rnd.randint(-2 * 3600, 9 * 3600)
    pattern_ok = stop_ok = None
    if rnd.random() < 0.3:  # a wheelchair request
        pattern_ok = tt.pat_accessible.copy()
        stop_ok = tt.stop_wheelchair != 2
    return Params(depart=depart, horizon=depart + rnd.choice([3600, 3 * 3600, 6 * 3600]),
                  max_rounds=rnd.randint(1, 5), slack=rnd.choice([0, 60, 120]),
                  max_walk_m=rnd.choice([0.0, 300.0, 2000.0]), criteria=criteria,
                  access=offsets(), egress=offsets(),
                  direct=(rnd.randint(600, 7200), 900.0) if rnd.random() < 0.2 else None,
                  pattern_ok=pattern_ok, stop_ok=stop_ok)


def per_round(target, k_max: int) -> list[int]:
    return [min((lab.arr for lab in target if lab.rounds <= k), default=INF)
            for k in range(k_max + 1)]


def test_raptor_equals_the_connection_scan_on_thousands_of_random_queries():
    mismatches, asked, reached = [], 0, 0
    for seed in range(FEEDS):
        tt = compiled(seed)
        conns = None
        rnd = random.Random(seed)
        for q in range(60):
            p = random_params(tt, rnd)
            if conns is None or p.pattern_ok is not None:
                conns = oracles.connections(tt, p.pattern_ok if p.pattern_ok is not None
                                            else [True] * tt.n_patterns)
            s = Search(tt, p)
            s.run(p.depart)
            got = per_round(s.target, p.max_rounds)
            want = oracles.csa(tt, p, conns)
            asked += 1
            reached += got[-1] < INF
            if got != want:
                mismatches.append((seed, q, got, want))
            if p.pattern_ok is not None:
                conns = None
    assert asked == FEEDS * 60
    assert mismatches == []
    assert reached > asked // 3  # the queries mostly find journeys: the check has teeth


def test_raptor_equals_the_time_expanded_dijkstra():
    mismatches = []
    for seed in range(0, FEEDS, 2):
        tt = compiled(seed)
        rnd = random.Random(1000 + seed)
        for q in range(12):
            p = random_params(tt, rnd)
            s = Search(tt, p)
            s.run(p.depart)
            got = per_round(s.target, p.max_rounds)
            want = oracles.time_expanded(tt, p)
            if got != want:
                mismatches.append((seed, q, got, want))
    assert mismatches == []


def test_mcraptor_keeps_the_earliest_arrival_of_every_round_while_carrying_fare_and_walk():
    cf = kranj_fares()
    mismatches = []
    for seed in range(FEEDS):
        tt = compiled(seed)
        rnd = random.Random(2000 + seed)
        for q in range(25):
            p = random_params(tt, rnd, "mc")
            p.fare = FareModel(cf, tt.ref_utc, p.depart, p.horizon)
            s = Search(tt, p)
            s.run(p.depart)
            got = per_round(s.target, p.max_rounds)
            want = oracles.csa(tt, p)
            if got != want:
                mismatches.append((seed, q, got, want))
            labels = [(t.arr, t.rounds, t.walk, t.paid) for t in s.target]
            for i, a in enumerate(labels):
                for j, b in enumerate(labels):
                    assert i == j or not all(x <= y for x, y in zip(a, b, strict=True)), \
                        (seed, q, a, b)
    assert mismatches == []


def test_a_later_departure_never_arrives_earlier():
    for seed in range(0, FEEDS, 3):
        tt = compiled(seed)
        rnd = random.Random(3000 + seed)
        for _ in range(20):
            p = random_params(tt, rnd)
            p.horizon = p.depart + 12 * 3600
            before = Search(tt, p)
            before.run(p.depart)
            later = Params(**{**p.__dict__, "depart": p.depart + rnd.randint(1, 3600)})
            after = Search(tt, later)
            after.run(later.depart)
            a, b = per_round(before.target, p.max_rounds), per_round(after.target, p.max_rounds)
            assert all(x <= y for x, y in zip(a, b, strict=True)), (seed, a, b)


def test_adding_a_trip_never_worsens_an_answer():
    for seed in range(0, FEEDS, 4):
        tables = random_feed(seed)
        rnd = random.Random(4000 + seed)
        tt = compile_timetable(tables, "Europe/Ljubljana", DAY, radius_m=350, closure_m=700)
        st = tables["stop_times"]
        trip = rnd.choice(sorted(set(tables["trips"]["trip_id"])))
        extra = st[st["trip_id"] == trip].copy()
        shift = rnd.randint(-1800, 1800)
        for col in ("arrival_time", "departure_time"):
            extra[col] = [_shift(t, shift) for t in extra[col]]
        extra["trip_id"] = trip + "-added"
        row = tables["trips"][tables["trips"]["trip_id"] == trip].copy()
        row["trip_id"] = trip + "-added"
        more = dict(tables)
        more["stop_times"] = pd.concat([st, extra], ignore_index=True)
        more["trips"] = pd.concat([tables["trips"], row], ignore_index=True)
        tt2 = compile_timetable(more, "Europe/Ljubljana", DAY, radius_m=350, closure_m=700)
        assert tt2.n_trips >= tt.n_trips
        for _ in range(25):
            p = random_params(tt, rnd)
            p.pattern_ok = p.stop_ok = None
            one, two = Search(tt, p), Search(tt2, p)
            one.run(p.depart)
            two.run(p.depart)
            a, b = per_round(one.target, p.max_rounds), per_round(two.target, p.max_rounds)
            assert all(y <= x for x, y in zip(a, b, strict=True)), (seed, a, b)


def _shift(text: str, by: int) -> str:
    h, m, s = (int(x) for x in text.split(":"))
    t = max(0, h * 3600 + m * 60 + s + by)
    return f"{t // 3600:02d}:{t % 3600 // 60:02d}:{t % 60:02d}"


@pytest.mark.parametrize("seed", range(0, FEEDS, 5))
def test_compiled_patterns_are_fifo_and_footpaths_closed(seed):
    tt = compile_timetable(random_feed(seed, rules=False), "Europe/Ljubljana", DAY,
                           radius_m=350, closure_m=700)
    for p in range(tt.n_patterns):
        arrs, deps = tt.times(p)
        assert (np.diff(arrs, axis=0) >= 0).all() and (np.diff(deps, axis=0) >= 0).all()
    walk = {}
    for a in range(tt.n_stops):
        for e in range(tt.fp_ptr[a], tt.fp_ptr[a + 1]):
            if tt.fp_rule[e] < 0:
                walk[(a, int(tt.fp_to[e]))] = float(tt.fp_m[e])
    for (a, b), m1 in walk.items():
        for (b2, c), m2 in walk.items():
            if b2 == b and c != a and m1 + m2 <= 700:
                assert walk.get((a, c), float("inf")) <= m1 + m2 + 1e-6, (a, b, c)


def _chains(labels) -> list[list[tuple]]:
    out = []
    for lab in labels:
        chain = []
        while lab is not None:
            leg = lab.leg if lab.leg is None or lab.leg[0] not in ("access", "egress") \
                else (lab.leg[0], lab.leg[1].stop)
            chain.append((lab.arr, lab.walk, lab.paid, lab.rounds, lab.dep0, lab.cls, leg))
            lab = lab.prev
        out.append(chain)
    return out


@pytest.mark.parametrize("ahead", [True, False])
def test_a_search_whose_arrays_start_too_small_grows_them_and_finds_the_same_labels(
        ahead, monkeypatch):
    """Between runs a search makes room for what a run may add (``ahead``); when a run still
    fills an array (labels, fare states, a stop's bag, the target) the compiled search stops,
    and the search doubles that array and runs its departures again. Either way: the same
    labels, bags and journeys as a search that never ran out of room."""
    if not ahead:
        monkeypatch.setattr(Search, "_make_room", lambda self: None)
    cf = kranj_fares()
    for seed in range(0, FEEDS, 4):
        roomy, cramped = compiled(seed), compiled(seed)
        for mc in (False, True):  # every size starts at 1 (a search learns them per timetable)
            assert cramped.cached(("sizes", mc), lambda: [1, 1, 1, 1]) == [1, 1, 1, 1]
        rnd = random.Random(5000 + seed)
        for q in range(6):
            p = random_params(roomy, rnd, ["ea", "mc"][q % 2])
            if p.criteria == "mc":
                p.fare = FareModel(cf, roomy.ref_utc, p.depart, p.horizon + 3600)
            runs = sorted({p.depart, p.depart + rnd.randint(60, 3600)}, reverse=True)
            a, b = Search(roomy, p), Search(cramped, p)
            for t in runs:
                a.run(t)
                b.run(t)
            assert _chains(b.target) == _chains(a.target)
            assert [_chains(bag) for bag in b.best_ready] == [_chains(bag) for bag in a.best_ready]
            assert [_chains(bag) for bag in b.best_arr] == [_chains(bag) for bag in a.best_arr]
        grown = [cramped.cached(("sizes", mc), list) for mc in (False, True)]
        assert grown[0][0] > 1 and grown[1][0] > 1 and grown[1][1] > 1  # labels, fare states
