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

The rounds run as compiled code (:func:`kernels.run`, numba) over the timetable's flat arrays
and the query's (access, egress, footpaths, fare tables), labels kept as rows of integer
arrays; :class:`Search` lays the query out, keeps the state between the runs of a range search
and turns the labels it is asked for back into :class:`Label` objects.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from zerocity.mobility.planner import kernels
from zerocity.mobility.planner import transfers as tr
from zerocity.mobility.planner.pricing import FareModel, State
from zerocity.mobility.planner.timetable import Timetable

INF = kernels.INF


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
        # python lists: the oracles (and the table of walks from special stops) read them one
        # element at a time
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


@dataclass(frozen=True)
class _Walks:
    """A query's footpaths and what the compiled search reads of them: the footpath arrays,
    and, from each stop where transfers.txt's route- or trip-level rules start, every stop a
    label may walk to there (its footpaths and the rules' own pairs, sorted), with the walk."""

    fps: Footpaths
    arrays: tuple[Any, ...]


def _walks(tt: Timetable, slack: int, max_walk_m: float) -> _Walks:
    def make() -> _Walks:
        fps = Footpaths(tt, slack, max_walk_m)
        rules = tt.transfer_rules
        ptr, to, metres, secs, path = [0], [], [], [], []
        for s in range(tt.n_stops):
            if rules.is_special_stop(s):
                targets = set(fps.to_l[fps.ptr_l[s]:fps.ptr_l[s + 1]])
                targets.update(rules.special_edges.get(s, ()))
                for b in sorted(targets):
                    w_s, w_m, w_path = fps.walk(tt, s, b)
                    to.append(b)
                    metres.append(w_m)
                    secs.append(w_s)
                    path.append(w_path)
            ptr.append(len(to))
        special = np.asarray([rules.is_special_stop(s) for s in range(tt.n_stops)],
                             dtype=np.bool_)
        arrays = (special, _i64(fps.ptr), _i64(fps.to), _f64(fps.m), _i64(fps.req),
                  _i64(fps.same), _i64(ptr), _i64(to), _f64(metres), _i64(secs),
                  np.asarray(path, dtype=np.bool_))
        return _Walks(fps, arrays)

    cache: dict[tuple[int, float], _Walks] = tt.cached("walks", dict)
    key = (int(slack), float(max_walk_m))
    hit = cache.get(key)
    if hit is None:
        for old in list(cache)[:-7]:  # walking limits vary per query: keep the latest few
            cache.pop(old, None)
        hit = cache[key] = make()
    return hit


def _network(tt: Timetable) -> tuple[Any, ...]:
    """The timetable's arrays as the compiled search reads them (fixed types, contiguous), and
    each trip's vehicle, name and route as codes."""
    def make() -> tuple[Any, ...]:
        rules = tt.transfer_rules
        if rules.vocab:
            names = _i64([rules.code(t) for t in tt.trip_ids])
            by_route = [rules.code(r) for r in tt.route_ids]
            routes = _i64([by_route[r] if r >= 0 else tr.UNKNOWN for r in tt.trip_route])
        else:
            names = routes = np.full(tt.n_trips, tr.UNKNOWN, dtype=np.int64)
        return (_i32(tt.stop_pat_ptr), _i32(tt.stop_pat), _i32(tt.stop_pat_pos),
                _i32(tt.pat_stop_ptr), _i32(tt.pat_stops), _b(tt.pat_pickup),
                _b(tt.pat_dropoff), _i32(tt.pat_trip), _i32(tt.pat_time), _i32(tt.arr),
                _i32(tt.dep), tt.vehicle_codes(), names, routes,
                _i64(rules.table).reshape(-1, 9), _i64(rules.pair_keys))
    out: tuple[Any, ...] = tt.cached("network", make)
    return out


def _i32(x: Any) -> npt.NDArray[np.int32]:
    return np.ascontiguousarray(x, dtype=np.int32)


def _i64(x: Any) -> npt.NDArray[np.int64]:
    return np.ascontiguousarray(x, dtype=np.int64)


def _f64(x: Any) -> npt.NDArray[np.float64]:
    return np.ascontiguousarray(x, dtype=np.float64)


def _b(x: Any) -> npt.NDArray[np.bool_]:
    return np.ascontiguousarray(x, dtype=np.bool_)


NO_FARE = (np.zeros(10, dtype=np.int64), np.zeros((0, 4), dtype=np.int64),
           np.zeros(0, dtype=np.int64), np.zeros((0, 4), dtype=np.int64))


class Search:
    """One query's state, its rounds run by the compiled :func:`kernels.run`: the labels (a
    row each), the bags per stop (arrival and ready) and the target bag, over the runs; the
    labels come back as :class:`Label` objects (``target``, ``best_arr``, ``best_ready``)."""

    def __init__(self, tt: Timetable, p: Params) -> None:
        self.tt = tt
        self.p = p
        self.mc = p.criteria == "mc"
        walks = _walks(tt, p.slack, p.max_walk_m)
        self.fps = walks.fps
        net = _network(tt)
        n = tt.n_stops
        pattern_ok = _b(p.pattern_ok if p.pattern_ok is not None
                        else np.ones(tt.n_patterns, dtype=bool))
        stop_ok = _b(p.stop_ok if p.stop_ok is not None else np.ones(n, dtype=bool))
        access = p.access
        egress = list(p.egress)
        e_stop = _i64([o.stop for o in egress])
        e_order = np.argsort(e_stop, kind="stable")
        e_ptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(e_stop, minlength=n), out=e_ptr[1:])
        direct = p.direct
        q_ints = _i64([p.horizon, p.max_rounds, p.slack, self.mc, direct is not None,
                       direct[0] if direct is not None else 0])
        q_floats = _f64([direct[1] if direct is not None else 0.0])
        self._q = (pattern_ok, stop_ok, *walks.arrays, net[14], net[15],
                   _i64([o.stop for o in access]), _i64([o.seconds for o in access]),
                   _f64([o.walk_m for o in access]), _i64([o.fare_cents for o in access]),
                   e_ptr, _i64(e_order), _i64([o.seconds for o in egress]),
                   _f64([o.walk_m for o in egress]), _i64([o.fare_cents for o in egress]),
                   q_ints, q_floats)
        self._net = net[:14]
        self.fare = p.fare
        if p.fare is not None:
            m = p.fare
            params = m.params.copy()
            params[kernels.P_ON] = self.mc
            self._fare = (params, m.transfer_table, m.cap_amounts, m.intervals)
            first = list(m.initial)
            if m.last_vehicle:  # the rider's last vehicle, as this timetable codes it
                code = tt.vehicle_code(m.last_vehicle)
                first[kernels.S_LV] = tr.UNKNOWN if code is None else code
            self._first = np.asarray(first, dtype=np.int64)
        else:
            self._fare = NO_FARE
            self._first = np.zeros(kernels.S_IV, dtype=np.int64)
        # array sizes (labels, fare states, bag width, target): what searches of this kind on
        # this timetable came to need
        self._learnt: list[int] = tt.cached(("sizes", self.mc), lambda: [512, 128, 4, 16])
        self._departs: list[int] = []
        self._peak = [0, 0, 0]  # the most labels, fare states and target labels a run added
        self._st = self._fresh(list(self._learnt))
        self._labels: dict[int, Label] = {}

    def _fresh(self, sizes: list[int]) -> tuple[Any, ...]:
        """Empty state of these sizes (labels, fare states, bag width, target)."""
        labels, n_states, width, target = sizes
        n = self.tt.n_stops
        states = np.empty((n_states, len(self._first)), dtype=np.int64)
        states[0] = self._first
        return (np.empty((labels, kernels.L_COLS), dtype=np.int64),
                np.empty((labels, 2), dtype=np.float64), states,
                np.empty((2, n, width), dtype=np.int64), np.zeros((2, n), dtype=np.int64),
                np.empty(target, dtype=np.int64), np.asarray([0, 1, 0, 0], dtype=np.int64),
                *self._groups(labels))

    def _groups(self, labels: int) -> tuple[Any, ...]:
        n, n_pat = self.tt.n_stops, self.tt.n_patterns
        return (np.full((2, n), -1, dtype=np.int64), np.full((2, n), -1, dtype=np.int64),
                np.empty((2, n), dtype=np.int64), np.zeros((2, 2), dtype=np.int64),
                *self._scratch(labels), np.full(n_pat, kernels.INF, dtype=np.int64),
                np.empty(n_pat, dtype=np.int64), np.empty((labels, 5), dtype=np.int64),
                np.empty(labels, dtype=np.float64))

    @staticmethod
    def _scratch(labels: int) -> tuple[Any, ...]:
        return np.empty((2, labels), dtype=np.int64), np.empty((2, labels), dtype=np.int64)

    def _sizes(self) -> list[int]:
        st = self._st
        return [st[0].shape[0], st[2].shape[0], st[3].shape[2], st[5].shape[0]]

    def _make_room(self) -> None:
        """Before a run: room for twice what a run has added so far (and bags twice as wide
        as the fullest), copying what the state holds into the larger arrays."""
        st = self._st
        nl, ns, nt, fullest = st[6].tolist()
        sizes = self._sizes()
        need = [nl + 2 * self._peak[0] + 64, ns + 2 * self._peak[1] + 16, max(4, 2 * fullest),
                nt + 2 * self._peak[2] + 8]
        if all(n <= have for n, have in zip(need, sizes, strict=True)):
            return
        new = [max(n, 2 * have) if n > have else have
               for n, have in zip(need, sizes, strict=True)]
        li, lf, states, bags = (np.empty((new[0], kernels.L_COLS), dtype=np.int64),
                                np.empty((new[0], 2), dtype=np.float64),
                                np.empty((new[1], st[2].shape[1]), dtype=np.int64),
                                np.empty((2, st[3].shape[1], new[2]), dtype=np.int64))
        li[:nl], lf[:nl], states[:ns] = st[0][:nl], st[1][:nl], st[2][:ns]
        bags[:, :, :sizes[2]] = st[3]
        target = np.empty(new[3], dtype=np.int64)
        target[:nt] = st[5][:nt]
        groups = st[7:11] + self._scratch(new[0]) + st[13:15] + (
            np.empty((new[0], 5), dtype=np.int64), np.empty(new[0], dtype=np.float64))
        self._st = (li, lf, states, bags, st[4], target, st[6], *groups)
        self._learn(new)

    def _learn(self, sizes: list[int]) -> None:
        for i, size in enumerate(sizes):
            self._learnt[i] = max(self._learnt[i], size)

    def run(self, depart: int) -> None:
        """One search from the origin at ``depart`` (a range search calls it latest first)."""
        self._departs.append(int(depart))
        self._labels = {}
        self._make_room()
        before = self._st[6].tolist()
        status = kernels.run(self._net, self._q, self._fare, self._st, int(depart))
        sizes = self._sizes()
        while status != kernels.DONE:  # a run outgrew an array: double it, search again
            sizes[status - 1] *= 2
            self._learn(sizes)
            self._st = self._fresh(sizes)
            for t in self._departs:
                status = kernels.run(self._net, self._q, self._fare, self._st, t)
                if status != kernels.DONE:
                    break
            before = [0, 1, 0, 0]
        after = self._st[6].tolist()
        for i in range(3):
            self._peak[i] = max(self._peak[i], after[i] - before[i])

    @property
    def target(self) -> list[Label]:
        """The target's Pareto labels."""
        target, ctr = self._st[5], self._st[6]
        return [self.label(i) for i in target[:ctr[2]].tolist()]

    @property
    def best_arr(self) -> list[list[Label]]:
        """Each stop's bag of labels off a vehicle."""
        return self._bags(kernels.ARRIVED)

    @property
    def best_ready(self) -> list[list[Label]]:
        """Each stop's bag of labels ready to board."""
        return self._bags(kernels.READY)

    def _bags(self, kind: int) -> list[list[Label]]:
        bags, counts = self._st[3][kind], self._st[4][kind]
        return [[self.label(i) for i in bags[s, :counts[s]].tolist()]
                for s in range(self.tt.n_stops)]

    def label(self, i: int) -> Label:
        """Label row i (and those before it on its way) as objects."""
        hit = self._labels.get(i)
        if hit is not None:
            return hit
        li, lf, states = self._st[0], self._st[1], self._st[2]
        row: list[int] = li[i].tolist()
        kind, a, b, c, d = row[kernels.L_LEG:kernels.L_D + 1]
        leg: Any = None
        if kind == kernels.LEG_RIDE:
            leg = ("ride", a, b, c, d)
        elif kind == kernels.LEG_WALK:
            leg = ("walk", a, b, float(lf[i, kernels.F_M]))
        elif kind == kernels.LEG_ACCESS:
            leg = ("access", self.p.access[a])
        elif kind == kernels.LEG_EGRESS:
            leg = ("egress", self.p.egress[a])
        elif kind == kernels.LEG_DIRECT:
            assert self.p.direct is not None
            leg = ("direct", *self.p.direct)
        prev = self.label(row[kernels.L_PREV]) if row[kernels.L_PREV] >= 0 else None
        cls = (row[kernels.L_CS], row[kernels.L_CT]) if row[kernels.L_CS] >= 0 else None
        lab = Label(row[kernels.L_ARR], float(lf[i, kernels.F_WALK]), row[kernels.L_PAID],
                    tuple(states[row[kernels.L_FS]].tolist()),
                    tuple(row[kernels.L_K0:kernels.L_K3 + 1]), cls, row[kernels.L_RND], prev,
                    leg, row[kernels.L_DEP0])
        lab.alive = bool(row[kernels.L_ALIVE])
        self._labels[i] = lab
        return lab


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
