"""Round-based search (RAPTOR, Delling, Pajor and Werneck 2012) over a compiled timetable.

Round k finds the journeys using k vehicles: it scans every pattern through a stop reached in
round k-1, boarding the earliest trip catchable there, and then relaxes the transfers (a change
at the same stop, the closed footpaths). Arrival labels (off a vehicle) and ready labels
(where one may board next) are kept apart, so that walking is never chained and the rider's
transfer slack is part of the ready time, never of the arrival.

One engine serves both criteria sets. ``mc`` keeps Pareto bags (McRAPTOR) on arrival, walking
metres and fare (cents paid and the fare state's key, :mod:`pricing`); vehicles are the round.
``ea`` keeps one label per stop and class: earliest arrival. A label's class is the stop and
trip it alighted from when a route- or trip-level transfer rule starts at that stop: such
labels may board what others may not, so they are compared only with their own class, and
their change is checked rule by rule. Range search (rRAPTOR) runs the departures of a window
latest first, keeping the bags, so an earlier departure survives only where it arrives better.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from zerocity.mobility.planner import transfers as tr
from zerocity.mobility.planner.pricing import FREE, FareModel, State
from zerocity.mobility.planner.timetable import Timetable

INF = 2**31 - 1
NO_TAPS: State = (0, (), None, None, None, 0, 0)


@dataclass(frozen=True)
class Offset:
    """A way between the query's point and a stop: walking, or a shared bike (with the walks
    to and from its stations in ``seconds`` and ``walk_m``)."""

    stop: int
    seconds: int
    walk_m: float
    fare_cents: int = 0
    mode: str = "walk"
    detail: Any = None


class Label:
    __slots__ = ("arr", "walk", "paid", "fstate", "fkey", "cls", "rounds", "prev", "leg",
                 "dep0", "alive")

    def __init__(self, arr: int, walk: float, paid: int, fstate: State, fkey: Any,
                 cls: Any, rounds: int, prev: Label | None, leg: Any, dep0: int) -> None:
        self.arr = arr
        self.walk = walk
        self.paid = paid
        self.fstate = fstate
        self.fkey = fkey
        self.cls = cls
        self.rounds = rounds
        self.prev = prev
        self.leg = leg  # ("ride", pattern, trip, board_pos, alight_pos) | ("walk", a, b, m)
        # | ("access", Offset) | ("egress", Offset) | ("direct", seconds, metres) | None
        self.dep0 = dep0  # the departure of the search run it belongs to
        self.alive = True


@dataclass
class Params:
    depart: int
    horizon: int
    max_rounds: int = 8
    slack: int = 60
    max_walk_m: float = 1000.0
    criteria: str = "mc"  # or "ea"
    access: Sequence[Offset] = ()
    egress: Sequence[Offset] = ()
    direct: tuple[int, float] | None = None  # walking all the way: (seconds, metres)
    pattern_ok: npt.NDArray[np.bool_] | None = None
    stop_ok: npt.NDArray[np.bool_] | None = None
    fare: FareModel | None = None


class Footpaths:
    """The footpaths a query may walk: closed walking paths within its walking limit, plus
    every stop-level transfers.txt pair; with what each change needs on top of the arrival."""

    def __init__(self, tt: Timetable, slack: int, max_walk_m: float) -> None:
        keep = (tt.fp_rule >= 0) | (tt.fp_m <= max_walk_m + 1e-9)
        src = np.repeat(np.arange(tt.n_stops, dtype=np.int32), np.diff(tt.fp_ptr))[keep]
        self.to = tt.fp_to[keep]
        self.m = tt.fp_m[keep]
        self.s = tt.fp_s[keep]
        rule, mins = tt.fp_rule[keep], tt.fp_min[keep]
        base = self.s + slack
        self.req = np.where(rule == tr.TIMED, 0,
                            np.where(rule == tr.MIN_TIME, np.maximum(mins, base), base))
        self.ptr = np.concatenate([[0], np.cumsum(np.bincount(src, minlength=tt.n_stops))])
        self.pairs = {(int(a), int(b)): (int(s), float(m))
                      for a, b, s, m in zip(src, self.to, self.s, self.m, strict=True)}
        same = np.where(tt.same_rule == tr.TIMED, 0, np.where(
            tt.same_rule == tr.MIN_TIME, np.maximum(tt.same_min, slack), slack))
        self.same = np.where(tt.same_rule == tr.NOT_POSSIBLE, -1, same)
        # python lists: the search reads them one element at a time
        self.ptr_l = self.ptr.tolist()
        self.to_l = self.to.tolist()
        self.m_l = self.m.tolist()
        self.req_l = self.req.tolist()
        self.same_l = self.same.tolist()

    def walk(self, tt: Timetable, a: int, b: int) -> tuple[int, float, bool]:
        """(walking seconds, walked metres, a footpath exists) from a to b."""
        hit = self.pairs.get((a, b))
        if hit is not None:
            return hit[0], hit[1], True
        m = float(tr.haversine_m(tt.lat[a], tt.lon[a], tt.lat[b], tt.lon[b])) * tr.DETOUR
        return tr.walk_seconds(m), m, False


def change_requirement(tt: Timetable, fps: Footpaths, slack: int, a: int, b: int,
                       from_trip: int, to_trip: int) -> tuple[int, float]:
    """(seconds needed, walked metres) for alighting ``from_trip`` at a and boarding ``to_trip``
    at b under the most specific transfers.txt rule; seconds are tr.FORBIDDEN when it is."""
    rules = tt.transfer_rules
    rule = rules.match(a, b, tt.trip_ids[from_trip],
                       tt.route_ids[tt.trip_route[from_trip]] if tt.trip_route[from_trip] >= 0
                       else None, tt.trip_ids[to_trip],
                       tt.route_ids[tt.trip_route[to_trip]] if tt.trip_route[to_trip] >= 0
                       else None)
    if a == b:
        return tr.requirement(rule, True, 0, True, slack), 0.0
    secs, m, path = fps.walk(tt, a, b)
    return tr.requirement(rule, False, secs, path, slack), m


class Search:
    """One query's state: bags per stop (arrival and ready), the target bag, the runs."""

    def __init__(self, tt: Timetable, p: Params) -> None:
        self.tt = tt
        self.p = p
        self.mc = p.criteria == "mc"
        self.fps = Footpaths(tt, p.slack, p.max_walk_m)
        n = tt.n_stops
        self.best_arr: list[list[Label]] = [[] for _ in range(n)]
        self.best_ready: list[list[Label]] = [[] for _ in range(n)]
        self.target: list[Label] = []
        self.egress: dict[int, list[Offset]] = {}
        for o in p.egress:
            self.egress.setdefault(o.stop, []).append(o)
        self.pattern_ok = (p.pattern_ok if p.pattern_ok is not None
                           else np.ones(tt.n_patterns, dtype=bool)).tolist()
        self.stop_ok = (p.stop_ok if p.stop_ok is not None
                        else np.ones(n, dtype=bool)).tolist()
        rules = tt.transfer_rules
        self.special = [rules.is_special_stop(s) for s in range(n)]
        self.stop_pat_ptr = tt.stop_pat_ptr.tolist()
        self.stop_pat = tt.stop_pat.tolist()
        self.stop_pat_pos = tt.stop_pat_pos.tolist()
        self.pat_ptr = tt.pat_stop_ptr.tolist()
        self.pat_stops = tt.pat_stops.tolist()
        self.pickup = tt.pat_pickup.tolist()
        self.dropoff = tt.pat_dropoff.tolist()
        self.pat_trip = tt.pat_trip.tolist()
        self._times: dict[int, tuple[Any, Any, list[list[int]]]] = {}
        self.fare = p.fare
        self.vehicles: dict[int, str] = {}

    # -- dominance ------------------------------------------------------------------------

    def _dominates(self, a: Label, b: Label) -> bool:
        if a.arr > b.arr or a.cls != b.cls:
            return False
        if not self.mc:
            return True
        if a.walk > b.walk + 1e-9 or a.paid > b.paid:
            return False
        return self.fare is None or self.fare.dominates(a.fkey, b.fkey)

    def _target_prunes(self, lab: Label) -> bool:
        for t in self.target:
            if t.arr <= lab.arr and t.rounds <= lab.rounds and (
                    not self.mc or (t.walk <= lab.walk + 1e-9 and t.paid <= lab.paid)):
                return True
        return False

    def _merge(self, best: list[Label], lab: Label) -> bool:
        """Add lab to a stop's bag unless dominated there or by the target; drop what it
        dominates."""
        if lab.arr > self.p.horizon or self._target_prunes(lab):
            return False
        for other in best:
            if self._dominates(other, lab):
                return False
        keep = []
        for other in best:
            if self._dominates(lab, other):
                other.alive = False
            else:
                keep.append(other)
        keep.append(lab)
        best[:] = keep
        return True

    def _merge_target(self, lab: Label) -> None:
        if lab.arr > self.p.horizon:
            return
        for t in self.target:
            if t.arr <= lab.arr and t.rounds <= lab.rounds and (
                    not self.mc or (t.walk <= lab.walk + 1e-9 and t.paid <= lab.paid)):
                return
        # labels of a later departure are never dropped: they leave later
        self.target = [t for t in self.target if t.dep0 != lab.dep0 or not (
            lab.arr <= t.arr and lab.rounds <= t.rounds and (
                not self.mc or (lab.walk <= t.walk + 1e-9 and lab.paid <= t.paid)))]
        self.target.append(lab)

    # -- the rounds -----------------------------------------------------------------------

    def _pattern(self, p: int) -> tuple[Any, Any, list[list[int]]]:
        hit = self._times.get(p)
        if hit is None:
            hit = self._times[p] = self.tt.columns(p)
        return hit

    def _vehicle(self, trip: int) -> str:
        v = self.vehicles.get(trip)
        if v is None:
            v = self.vehicles[trip] = self.tt.vehicle(trip)
        return v

    def _key(self, state: State, now: int) -> Any:
        return self.fare.key(state, now) if self.fare is not None and self.mc else FREE

    def run(self, depart: int) -> None:
        """One search from the origin at ``depart`` (a range search calls it latest first)."""
        p = self.p
        init: State = p.fare.initial if p.fare is not None else NO_TAPS
        marked: dict[int, list[Label]] = {}
        for o in p.access:
            if not self.stop_ok[o.stop]:
                continue
            lab = Label(depart + o.seconds, o.walk_m, o.fare_cents, init,
                        self._key(init, depart + o.seconds), None, 0, None, ("access", o),
                        depart)
            if self._merge(self.best_ready[o.stop], lab):
                marked.setdefault(o.stop, []).append(lab)
        if p.direct is not None:
            secs, metres = p.direct
            self._merge_target(Label(depart + secs, metres, 0, init, FREE, None, 0, None,
                                     ("direct", secs, metres), depart))
        for k in range(1, p.max_rounds + 1):
            if not marked:
                break
            arrived = self._scan(k, marked, depart)
            marked = self._transfer(k, arrived, depart)

    def _scan(self, k: int, marked: dict[int, list[Label]], depart: int
              ) -> dict[int, list[Label]]:
        queue: dict[int, int] = {}
        for s in marked:
            for j in range(self.stop_pat_ptr[s], self.stop_pat_ptr[s + 1]):
                pat = self.stop_pat[j]
                if self.pattern_ok[pat]:
                    pos = self.stop_pat_pos[j]
                    if pos < queue.get(pat, INF):
                        queue[pat] = pos
        arrived: dict[int, list[Label]] = {}
        for pat, start in queue.items():
            self._scan_pattern(k, pat, start, marked, arrived, depart)
        return arrived

    def _scan_pattern(self, k: int, pat: int, start: int, marked: dict[int, list[Label]],
                      arrived: dict[int, list[Label]], depart: int) -> None:
        p = self.p
        arrs, deps, dep_cols = self._pattern(pat)
        base = self.pat_ptr[pat]
        n = self.pat_ptr[pat + 1] - base
        first_trip = self.pat_trip[pat]
        # route bag: [trip (local), walk, paid, fstate, ready label, board position]
        bag: list[list[Any]] = []
        for i in range(start, n):
            s = self.pat_stops[base + i]
            if bag and self.dropoff[base + i] and self.stop_ok[s]:
                for t, walk, paid, fstate, ready, bpos in bag:
                    a = int(arrs[t, i])
                    trip = first_trip + t
                    cls = (s, trip) if self.special[s] else None
                    lab = Label(a, walk, paid, fstate, self._key(fstate, a), cls, k, ready,
                                ("ride", pat, trip, bpos, i), depart)
                    if self._merge(self.best_arr[s], lab):
                        arrived.setdefault(s, []).append(lab)
                        for o in self.egress.get(s, ()):
                            self._merge_target(Label(
                                a + o.seconds, walk + o.walk_m, paid + o.fare_cents, fstate,
                                FREE, None, k, lab, ("egress", o), depart))
            readies = marked.get(s)
            if not readies or not self.pickup[base + i] or not self.stop_ok[s]:
                continue
            col = dep_cols[i]
            for r in readies:
                if not r.alive:
                    continue
                if r.cls is None:
                    t = bisect.bisect_left(col, r.arr)
                else:
                    t = self._special_board(r, s, first_trip, col)
                if t >= len(col) or col[t] > p.horizon:
                    continue
                fstate, paid = r.fstate, r.paid
                if self.fare is not None and self.mc:
                    fstate = self.fare.step(r.fstate, col[t], self._vehicle(first_trip + t))
                    paid = r.paid + fstate[0] - r.fstate[0]
                self._merge_route(bag, [t, r.walk, paid, fstate, r, i], deps, i)

    def _special_board(self, r: Label, b: int, first_trip: int, col: list[int]) -> int:
        """The first trip boardable from a class label: each trip's change checked against the
        rules (the label's arr is its alighting time)."""
        alight = r.prev
        assert alight is not None and alight.leg[0] == "ride"
        a, from_trip = self.pat_stops[self.pat_ptr[alight.leg[1]] + alight.leg[4]], \
            alight.leg[2]
        ta = alight.arr
        for t in range(bisect.bisect_left(col, ta), len(col)):
            need, _ = change_requirement(self.tt, self.fps, self.p.slack, a, b, from_trip,
                                         first_trip + t)
            if need >= 0 and col[t] >= ta + need:
                return t
        return len(col)

    def _merge_route(self, bag: list[list[Any]], new: list[Any], deps: Any, i: int) -> None:
        for old in bag:
            if self._route_dominates(old, new, deps, i):
                return
        bag[:] = [old for old in bag if not self._route_dominates(new, old, deps, i)]
        bag.append(new)

    def _route_dominates(self, a: list[Any], b: list[Any], deps: Any, i: int) -> bool:
        if a[0] > b[0]:
            return False
        if not self.mc:
            return True
        if a[1] > b[1] + 1e-9 or a[2] > b[2]:
            return False
        if self.fare is None:
            return True
        now = int(deps[a[0], i])
        return self.fare.dominates(self.fare.key(a[3], now), self.fare.key(b[3], now))

    def _transfer(self, k: int, arrived: dict[int, list[Label]], depart: int
                  ) -> dict[int, list[Label]]:
        fps = self.fps
        marked: dict[int, list[Label]] = {}

        def add(stop: int, lab: Label) -> None:
            if self._merge(self.best_ready[stop], lab):
                marked.setdefault(stop, []).append(lab)

        for s, labs in arrived.items():
            for a in labs:
                if not a.alive:
                    continue
                if a.cls is not None:
                    # the change is checked at boarding; here only where it may lead
                    add(s, Label(a.arr, a.walk, a.paid, a.fstate, a.fkey, a.cls, k, a, None,
                                 depart))
                    targets = set(fps.to_l[fps.ptr_l[s]:fps.ptr_l[s + 1]])
                    targets.update(self.tt.transfer_rules.special_edges.get(s, ()))
                    for b in sorted(targets):
                        _, m, _ = fps.walk(self.tt, s, b)
                        add(b, Label(a.arr, a.walk + m, a.paid, a.fstate, a.fkey, a.cls, k,
                                     a, ("walk", s, b, m), depart))
                    continue
                same = fps.same_l[s]
                if same >= 0:
                    t = a.arr + same
                    add(s, Label(t, a.walk, a.paid, a.fstate, self._key(a.fstate, t), None, k,
                                 a, None, depart))
                for e in range(fps.ptr_l[s], fps.ptr_l[s + 1]):
                    b = fps.to_l[e]
                    t = a.arr + fps.req_l[e]
                    add(b, Label(t, a.walk + fps.m_l[e], a.paid, a.fstate,
                                 self._key(a.fstate, t), None, k, a,
                                 ("walk", s, b, fps.m_l[e]), depart))
        return marked


def search(tt: Timetable, p: Params) -> list[Label]:
    """A point search at ``p.depart``: the target's Pareto labels."""
    s = Search(tt, p)
    s.run(p.depart)
    return s.target


def departures(tt: Timetable, access: Sequence[Offset], start: int, end: int,
               pattern_ok: Any = None) -> list[int]:
    """The distinct times in [start, end] at which leaving the origin catches a departure at
    an access stop exactly: the only departures where a range search's answer changes."""
    found: set[int] = set()
    for o in access:
        for j in range(int(tt.stop_pat_ptr[o.stop]), int(tt.stop_pat_ptr[o.stop + 1])):
            pat = int(tt.stop_pat[j])
            if pattern_ok is not None and not pattern_ok[pat]:
                continue
            pos = int(tt.stop_pat_pos[j])
            if not tt.pat_pickup[tt.pat_stop_ptr[pat] + pos]:
                continue
            _, deps = tt.times(pat)
            col = deps[:, pos] - o.seconds
            found.update(int(x) for x in col[(col >= start) & (col <= end)])
    return sorted(found, reverse=True)


def range_search(tt: Timetable, p: Params, start: int, end: int) -> list[Label]:
    """rRAPTOR over departures in [start, end]: the profile's Pareto labels (a later departure
    first), each with ``dep0`` its run's departure."""
    s = Search(tt, p)
    times = departures(tt, p.access, start, end, p.pattern_ok)
    for t in times or [start]:
        s.run(t)
    return s.target
