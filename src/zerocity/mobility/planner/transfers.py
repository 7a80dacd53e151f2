"""Walking between stops and the feed's own transfer rules (``transfers.txt``).

Walking is the straight line x 1.3 at 1.3 m/s (research §3.4, until a city uploads a walking
network). Stop-to-stop footpaths join stops closer than a radius and are then *transitively
closed* within a limit: every chain a -> b -> c walked within the limit has a direct a -> c no
slower, so a search never needs to chain two walks (RAPTOR relaxes footpaths once per round).

``transfers.txt`` rules are matched most specific first, as the GTFS reference orders them
(both trips; a trip and a route; a trip; both routes; a route; stops only), a rule naming a
stop beating one naming its station. One function, :func:`requirement`, says what a change
from one vehicle to another needs; the router and the test oracles both ask it (the router
from compiled code: both are :mod:`kernels`' functions, and :meth:`TransferRules.match` is
:func:`kernels.match_rule` over the rules laid out as integers).
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from zerocity.mobility.planner import kernels
from zerocity.mobility.planner.kernels import FORBIDDEN as FORBIDDEN
from zerocity.mobility.planner.kernels import IN_SEAT as IN_SEAT
from zerocity.mobility.planner.kernels import MIN_TIME as MIN_TIME
from zerocity.mobility.planner.kernels import NO_IN_SEAT as NO_IN_SEAT
from zerocity.mobility.planner.kernels import NOT_POSSIBLE as NOT_POSSIBLE
from zerocity.mobility.planner.kernels import RECOMMENDED as RECOMMENDED
from zerocity.mobility.planner.kernels import TIMED as TIMED

WALK_SPEED_MS = 1.3
DETOUR = 1.3
EARTH_M = 6_371_008.8
UNKNOWN = -3  # the code of a trip or route name no rule names

F64 = npt.NDArray[np.float64]
I32 = npt.NDArray[np.int32]


def haversine_m(lat1: Any, lon1: Any, lat2: Any, lon2: Any) -> Any:
    """Great-circle metres; works on floats and on numpy arrays alike."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(np.asarray(lon2) - np.asarray(lon1))
    h = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_M * np.arcsin(np.sqrt(np.minimum(h, 1.0)))


def walked_m(straight_m: float) -> float:
    return straight_m * DETOUR


def walk_seconds(walk_m: float) -> int:
    """Seconds to walk ``walk_m`` (already including the detour) at 1.3 m/s, rounded up."""
    return int(math.ceil(walk_m / WALK_SPEED_MS - 1e-9))


def walk_footpaths(lat: F64, lon: F64, radius_m: float,
                   limit_m: float) -> tuple[I32, I32, F64]:
    """(from, to, walked metres) of the closed walking footpaths between stops.

    Edges join stops within ``radius_m`` in a straight line (walked: x 1.3); the closure keeps,
    for every pair joined by a chain of edges, the shortest chain if it is walked within
    ``limit_m`` metres."""
    n = len(lat)
    adj: list[list[tuple[int, float]]] = [[] for _ in range(n)]
    chunk = 512
    for start in range(0, n, chunk):
        rows = slice(start, min(n, start + chunk))
        d = haversine_m(lat[rows, None], lon[rows, None], lat[None, :], lon[None, :])
        ii, jj = np.nonzero(d <= radius_m)
        for i, j in zip(ii.tolist(), jj.tolist(), strict=True):
            i += start
            if i != j:
                adj[i].append((j, float(d[i - start, j]) * DETOUR))
    src: list[int] = []
    dst: list[int] = []
    metres: list[float] = []
    for s in range(n):
        if not adj[s]:
            continue
        best = {s: 0.0}
        heap = [(0.0, s)]
        while heap:
            dist, u = heapq.heappop(heap)
            if dist > best.get(u, math.inf):
                continue
            for v, w in adj[u]:
                nd = dist + w
                if nd <= limit_m + 1e-9 and nd < best.get(v, math.inf):
                    best[v] = nd
                    heapq.heappush(heap, (nd, v))
        for v, dist in sorted(best.items()):
            if v != s:
                src.append(s)
                dst.append(v)
                metres.append(dist)
    return (np.asarray(src, dtype=np.int32), np.asarray(dst, dtype=np.int32),
            np.asarray(metres, dtype=np.float64))


@dataclass(frozen=True)
class Rule:
    """One row of transfers.txt, its stops resolved to stop indices (-1: any stop)."""

    from_stop: int
    to_stop: int
    from_route: str | None
    to_route: str | None
    from_trip: str | None
    to_trip: str | None
    kind: int
    min_time: int
    rank: int  # larger: more specific

    @property
    def stop_level(self) -> bool:
        return not (self.from_route or self.to_route or self.from_trip or self.to_trip)

    def matches(self, from_trip: str | None, from_route: str | None, to_trip: str | None,
                to_route: str | None) -> bool:
        return ((self.from_trip is None or self.from_trip == from_trip)
                and (self.to_trip is None or self.to_trip == to_trip)
                and (self.from_route is None or self.from_route == from_route)
                and (self.to_route is None or self.to_route == to_route))


def specificity(from_trip: bool, to_trip: bool, from_route: bool, to_route: bool) -> int:
    """The GTFS reference's order of transfers.txt rules, most specific highest."""
    if from_trip and to_trip:
        return 6
    if (from_trip and to_route) or (from_route and to_trip):
        return 5
    if from_trip or to_trip:
        return 4
    if from_route and to_route:
        return 3
    if from_route or to_route:
        return 2
    return 1


class TransferRules:
    """The feed's transfer rules, laid out for :func:`kernels.match_rule`: rows joining two
    stops sorted by the pair and then most specific first, then the rows for any stop, most
    specific first; trip and route names as codes of ``vocab``."""

    def __init__(self, rules: list[Rule]) -> None:
        self.rules = tuple(rules)
        pair = sorted((r for r in rules if r.from_stop >= 0 and r.to_stop >= 0),
                      key=lambda r: (r.from_stop, r.to_stop, -r.rank))
        anywhere = sorted((r for r in rules if r.from_stop < 0 or r.to_stop < 0),
                          key=lambda r: -r.rank)
        self.ordered = (*pair, *anywhere)
        self.vocab: dict[str, int] = {}

        def code(name: str | None) -> int:
            return -1 if name is None else self.vocab.setdefault(name, len(self.vocab))

        self.table = np.asarray(
            [[r.from_stop, r.to_stop, code(r.from_route), code(r.to_route), code(r.from_trip),
              code(r.to_trip), r.kind, r.min_time, r.rank] for r in self.ordered],
            dtype=np.int64).reshape(-1, 9)
        self.pair_keys = np.asarray([(r.from_stop << 32) | r.to_stop for r in pair],
                                    dtype=np.int64)
        special = [r for r in rules if not r.stop_level]
        # stops where the trip a rider arrived on can change what a transfer allows
        self.special_from = frozenset(r.from_stop for r in special if r.from_stop >= 0)
        self.any_stop_special = any(r.from_stop < 0 for r in special)
        edges: dict[int, set[int]] = {}
        for r in special:
            if r.from_stop >= 0 and r.to_stop >= 0 and r.from_stop != r.to_stop:
                edges.setdefault(r.from_stop, set()).add(r.to_stop)
        self.special_edges = {a: tuple(sorted(b)) for a, b in edges.items()}

    def is_special_stop(self, stop: int) -> bool:
        return self.any_stop_special or stop in self.special_from

    def code(self, name: str | None) -> int:
        """A trip's or route's name as the rules' tables have it (UNKNOWN: no rule names it)."""
        return UNKNOWN if name is None else self.vocab.get(name, UNKNOWN)

    def match(self, a: int, b: int, from_trip: str | None, from_route: str | None,
              to_trip: str | None, to_route: str | None) -> Rule | None:
        """The most specific rule for a change at stops a -> b between these trips."""
        row = kernels.match_rule(self.table, self.pair_keys, a, b, self.code(from_trip),
                                 self.code(from_route), self.code(to_trip), self.code(to_route))
        return self.ordered[row] if row >= 0 else None


def requirement(rule: Rule | None, same_stop: bool, walk_s: int, path: bool,
                slack: int) -> int:
    """Seconds a change needs between alighting and boarding, or FORBIDDEN.

    No rule (or 5, in-seat not allowed): the rider's slack, plus the walk between two stops,
    which needs a footpath; 0, recommended: the same, the feed vouching for the walk; 1, timed:
    the departing vehicle waits; 2: at least the feed's minimum transfer time; 3: forbidden;
    4, in-seat: the rider stays aboard."""
    return int(kernels.requirement(rule.kind if rule is not None else -1,
                                   rule.min_time if rule is not None else 0, same_stop,
                                   walk_s, path, slack))
