"""Two independent searches the tests hold the router to (and the benchmark times as its
reference): a connection scan (CSA, Dibbelt et al. 2013) and Dijkstra on a time-expanded
graph layered by vehicles used (``scipy.sparse.csgraph``, a test-only dependency).

Both answer the earliest arrival at the target with at most k vehicles, for every k up to the
round bound, under the same model as the router: access and egress offsets, walking never
chained, the rider's slack in every change, transfers.txt through
:func:`search.change_requirement`, pick-up and drop-off flags, the query's excluded stops and
patterns, and the arrival horizon.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import Any

import numpy as np

from zerocity.mobility.planner.search import INF, Footpaths, Params, change_requirement
from zerocity.mobility.planner.timetable import Timetable


def _ok(p: Params, n: int, attr: str) -> list[bool]:
    mask = getattr(p, attr)
    return [True] * n if mask is None else [bool(x) for x in mask]


def connections(tt: Timetable, pattern_ok: Sequence[bool]) -> list[tuple[int, ...]]:
    """(dep, arr, trip, position, pattern) of every hop, by departure."""
    out: list[tuple[int, ...]] = []
    for pat in range(tt.n_patterns):
        if not pattern_ok[pat]:
            continue
        arrs, deps = tt.times(pat)
        first = int(tt.pat_trip[pat])
        for t in range(arrs.shape[0]):
            for i in range(arrs.shape[1] - 1):
                out.append((int(deps[t, i]), int(arrs[t, i + 1]), first + t, i, pat))
    out.sort()
    return out


def csa(tt: Timetable, p: Params, conns: list[tuple[int, ...]] | None = None) -> list[int]:
    """Earliest arrival at the target using at most k vehicles, k = 0..max_rounds (INF: none)."""
    K = p.max_rounds
    pattern_ok = _ok(p, tt.n_patterns, "pattern_ok")
    stop_ok = _ok(p, tt.n_stops, "stop_ok")
    conns = connections(tt, pattern_ok) if conns is None else conns
    fps = Footpaths(tt, p.slack, p.max_walk_m)
    rules = tt.transfer_rules
    special = [rules.is_special_stop(s) for s in range(tt.n_stops)]
    ready = [[INF] * tt.n_stops for _ in range(K + 1)]  # ready[k][s]: k vehicles used
    best = [INF] * (K + 1)  # exactly k vehicles
    if p.direct is not None:
        best[0] = p.depart + p.direct[0]
    for o in p.access:
        if stop_ok[o.stop]:
            ready[0][o.stop] = min(ready[0][o.stop], p.depart + o.seconds)
    egress: dict[int, list[int]] = {}
    for o in p.egress:
        egress.setdefault(o.stop, []).append(o.seconds)
    onboard: dict[int, int] = {}
    # special arrivals that may change at a stop b: b -> [(a, trip, time, vehicles)]
    pending: dict[int, list[tuple[int, int, int, int]]] = {}
    ptr, stops = tt.pat_stop_ptr, tt.pat_stops
    start = bisect.bisect_left(conns, (p.depart,))
    for dep, arr, trip, i, pat in conns[start:]:
        if dep > p.horizon:
            break
        base = int(ptr[pat])
        s = int(stops[base + i])
        v = onboard.get(trip, INF)
        if tt.pat_pickup[base + i] and stop_ok[s]:
            for k in range(min(v - 1, K)):
                if ready[k][s] <= dep:
                    v = k + 1
                    break
            for a, from_trip, ta, kv in pending.get(s, ()):
                if kv + 1 < v:
                    need, _ = change_requirement(tt, fps, p.slack, a, s, from_trip, trip)
                    if need >= 0 and ta + need <= dep:
                        v = kv + 1
        if v > K:
            continue
        onboard[trip] = v
        s2 = int(stops[base + i + 1])
        if not tt.pat_dropoff[base + i + 1] or not stop_ok[s2] or arr > p.horizon:
            continue
        for e in egress.get(s2, ()):
            best[v] = min(best[v], arr + e)
        if special[s2]:
            targets = {s2, *fps.to_l[fps.ptr_l[s2]:fps.ptr_l[s2 + 1]],
                       *rules.special_edges.get(s2, ())}
            for b in targets:
                pending.setdefault(b, []).append((s2, trip, arr, v))
            continue
        same = fps.same_l[s2]
        if same >= 0:
            ready[v][s2] = min(ready[v][s2], arr + same)
        for e in range(fps.ptr_l[s2], fps.ptr_l[s2 + 1]):
            b = fps.to_l[e]
            ready[v][b] = min(ready[v][b], arr + fps.req_l[e])
    return _prefix(best, p.horizon)


def _prefix(best: list[int], horizon: int) -> list[int]:
    out, low = [], INF
    for x in best:
        low = min(low, x if x <= horizon else INF)
        out.append(low)
    return out


def time_expanded(tt: Timetable, p: Params) -> list[int]:
    """The same answer by Dijkstra on a time-expanded graph: per layer k (vehicles used),
    departure and arrival events, a waiting chain per stop, change edges into layer k+1."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    K = p.max_rounds
    pattern_ok = _ok(p, tt.n_patterns, "pattern_ok")
    stop_ok = _ok(p, tt.n_stops, "stop_ok")
    fps = Footpaths(tt, p.slack, p.max_walk_m)
    rules = tt.transfer_rules
    events: list[tuple[int, int, int, int, int]] = []  # pattern, trip, position, arr, dep
    for pat in range(tt.n_patterns):
        if not pattern_ok[pat]:
            continue
        arrs, deps = tt.times(pat)
        first = int(tt.pat_trip[pat])
        for t in range(arrs.shape[0]):
            for i in range(arrs.shape[1]):
                events.append((pat, first + t, i, int(arrs[t, i]), int(deps[t, i])))
    n_ev = len(events)
    ev_index = {(e[1], e[2]): j for j, e in enumerate(events)}
    boards: dict[int, list[tuple[int, int]]] = {}  # stop -> [(dep, event)]
    for j, (pat, _trip, i, _a, d) in enumerate(events):
        base = int(tt.pat_stop_ptr[pat])
        s = int(tt.pat_stops[base + i])
        if tt.pat_pickup[base + i] and stop_ok[s] and i < tt.pat_stop_ptr[pat + 1] - base - 1:
            boards.setdefault(s, []).append((d, j))
    wait_times = {s: sorted({d for d, _ in v}) for s, v in boards.items()}
    wait_base: dict[int, int] = {}
    n_wait = 0
    for s, times in wait_times.items():
        wait_base[s] = n_wait
        n_wait += len(times)
    # node ids: per layer k: dep events, arr events, wait nodes; then source and targets
    per_layer = 2 * n_ev + n_wait

    def dep_node(k: int, j: int) -> int:
        return k * per_layer + j

    def arr_node(k: int, j: int) -> int:
        return k * per_layer + n_ev + j

    def wait_node(k: int, s: int, idx: int) -> int:
        return k * per_layer + 2 * n_ev + wait_base[s] + idx

    source = (K + 1) * per_layer
    target0 = source + 1
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    eps = 1e-7

    def edge(a: int, b: int, w: float) -> None:
        rows.append(a)
        cols.append(b)
        vals.append(w + eps)

    def to_wait(k: int, node: int, s: int, t_from: int, t_ready: int) -> None:
        times = wait_times.get(s)
        if not times:
            return
        idx = bisect.bisect_left(times, t_ready)
        if idx < len(times):
            edge(node, wait_node(k, s, idx), times[idx] - t_from)

    for o in p.access:
        if stop_ok[o.stop]:
            to_wait(0, source, o.stop, p.depart, p.depart + o.seconds)
    if p.direct is not None:
        edge(source, target0, p.direct[0])
    egress: dict[int, list[int]] = {}
    for o in p.egress:
        egress.setdefault(o.stop, []).append(o.seconds)
    for k in range(K + 1):
        for s, times in wait_times.items():
            for idx in range(len(times) - 1):
                edge(wait_node(k, s, idx), wait_node(k, s, idx + 1), times[idx + 1] - times[idx])
            if k < K:
                for d, j in boards[s]:
                    edge(wait_node(k, s, bisect.bisect_left(times, d)), dep_node(k + 1, j), 0)
        if k == 0:
            continue
        for j, (pat, trip, i, a, d) in enumerate(events):
            base = int(tt.pat_stop_ptr[pat])
            n = int(tt.pat_stop_ptr[pat + 1]) - base
            if i + 1 < n:
                nxt = ev_index[(trip, i + 1)]
                edge(dep_node(k, j), arr_node(k, nxt), events[nxt][3] - d)
            if 0 < i < n - 1:
                edge(arr_node(k, j), dep_node(k, j), d - a)
            s = int(tt.pat_stops[base + i])
            if i == 0 or not tt.pat_dropoff[base + i] or not stop_ok[s]:
                continue
            for e in egress.get(s, ()):
                edge(arr_node(k, j), target0 + k, e)
            if k == K:
                continue
            if rules.is_special_stop(s):
                targets = {s, *fps.to_l[fps.ptr_l[s]:fps.ptr_l[s + 1]],
                           *rules.special_edges.get(s, ())}
                for b in targets:
                    for d2, j2 in boards.get(b, ()):
                        if d2 < a:
                            continue
                        need, _ = change_requirement(tt, fps, p.slack, s, b, trip,
                                                     events[j2][1])
                        if need >= 0 and a + need <= d2:
                            edge(arr_node(k, j), dep_node(k + 1, j2), d2 - a)
                continue
            if fps.same_l[s] >= 0:
                to_wait(k, arr_node(k, j), s, a, a + fps.same_l[s])
            for e in range(fps.ptr_l[s], fps.ptr_l[s + 1]):
                to_wait(k, arr_node(k, j), fps.to_l[e], a, a + fps.req_l[e])
    size = target0 + K + 1
    graph = csr_matrix((np.asarray(vals), (np.asarray(rows), np.asarray(cols))),
                       shape=(size, size))
    dist: Any = dijkstra(graph, indices=source)
    best = []
    for k in range(K + 1):
        x = dist[target0 + k]
        best.append(INF if not np.isfinite(x) else p.depart + int(round(x - 0.0)))
    return _prefix(best, p.horizon)
