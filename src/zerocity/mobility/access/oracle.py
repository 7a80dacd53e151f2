"""The independent reference for accessibility: a one-to-all connection scan (CSA, Dibbelt et
al. 2013), pure Python, one departure minute at a time, over the planner's own list of
connections (:func:`planner.oracles.connections`) and footpaths (:class:`search.Footpaths`).

It answers what the compiled range RAPTOR answers (the earliest arrival off a vehicle at every
stop with at most ``max_rides`` vehicles, and the opportunities reached within each limit)
without sharing its loops: no patterns scanned, no labels kept between minutes. The tests hold
the two equal on random fixtures; the benchmark times this as the reference.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

import numpy as np

from zerocity.mobility.access.compute import Layout
from zerocity.mobility.planner.oracles import connections
from zerocity.mobility.planner.search import Footpaths
from zerocity.mobility.planner.timetable import Timetable

INF = 2**31 - 1


class OneToAll:
    """A timetable's connections and footpaths, read once for many scans."""

    def __init__(self, tt: Timetable, slack_s: int, max_walk_m: float) -> None:
        self.tt = tt
        self.conns = connections(tt, [True] * tt.n_patterns)
        self.fps = Footpaths(tt, slack_s, max_walk_m)
        self.stops = tt.pat_stops.tolist()
        self.ptr = tt.pat_stop_ptr.tolist()
        self.pickup = tt.pat_pickup.tolist()
        self.dropoff = tt.pat_dropoff.tolist()

    def arrivals(self, access: Sequence[tuple[int, int]], depart: int, horizon: int,
                 max_rides: int) -> list[int]:
        """Earliest arrival off a vehicle at each stop leaving at ``depart`` (INF: none by
        ``horizon``); ``access``: (stop, walking seconds)."""
        n, K, fps = self.tt.n_stops, max_rides, self.fps
        ready = [[INF] * n for _ in range(K + 1)]  # ready[k][s]: boardable after k vehicles
        arrived = [INF] * n
        for s, sec in access:
            if depart + sec <= horizon:
                ready[0][s] = min(ready[0][s], depart + sec)
        onboard: dict[int, int] = {}
        start = bisect.bisect_left(self.conns, (depart,))
        for dep, arr, trip, i, pat in self.conns[start:]:
            if dep > horizon:
                break
            base = self.ptr[pat]
            s = self.stops[base + i]
            v = onboard.get(trip, INF)
            if self.pickup[base + i]:
                for k in range(min(v - 1, K)):
                    if ready[k][s] <= dep:
                        v = k + 1
                        break
            if v > K:
                continue
            onboard[trip] = v
            s2 = self.stops[base + i + 1]
            if not self.dropoff[base + i + 1] or arr > horizon:
                continue
            arrived[s2] = min(arrived[s2], arr)
            if v == K:
                continue
            if fps.same_l[s2] >= 0:
                ready[v][s2] = min(ready[v][s2], arr + fps.same_l[s2])
            for e in range(fps.ptr_l[s2], fps.ptr_l[s2 + 1]):
                b = fps.to_l[e]
                ready[v][b] = min(ready[v][b], arr + fps.req_l[e])
        return arrived

    def counts(self, lay: Layout, origin: int, opp: np.ndarray, depart: int,
               limits_s: Sequence[int], max_rides: int) -> list[list[int]]:
        """Opportunities reached from ``origin`` leaving at ``depart``: [kind][limit]."""
        a0, a1 = int(lay.acc_ptr[origin]), int(lay.acc_ptr[origin + 1])
        access = list(zip(lay.acc_stop[a0:a1].tolist(), lay.acc_sec[a0:a1].tolist(),
                          strict=True))
        horizon = max(limits_s)
        arrived = self.arrivals(access, depart, depart + horizon, max_rides)
        best: dict[int, int] = {}
        d0, d1 = int(lay.dir_ptr[origin]), int(lay.dir_ptr[origin + 1])
        for d, sec in zip(lay.dir_dest[d0:d1].tolist(), lay.dir_sec[d0:d1].tolist(),
                          strict=True):
            best[d] = min(best.get(d, INF), sec)
        for s, a in enumerate(arrived):
            if a == INF:
                continue
            e0, e1 = int(lay.eg_ptr[s]), int(lay.eg_ptr[s + 1])
            for d, sec in zip(lay.eg_dest[e0:e1].tolist(), lay.eg_sec[e0:e1].tolist(),
                              strict=True):
                best[d] = min(best.get(d, INF), a - depart + sec)
        kinds = opp.shape[1]
        out = [[0] * len(limits_s) for _ in range(kinds)]
        rows = opp.tolist()
        for d, t in best.items():
            for li, lim in enumerate(limits_s):
                if t <= lim:
                    for k in range(kinds):
                        out[k][li] += rows[d][k]
        return out
