"""Accessibility's compiled loops: a one-to-all range RAPTOR (rRAPTOR, Delling, Pajor and
Werneck 2012) from every origin cell over every departure minute of a window, and the count of
opportunities each minute reaches within each time limit.

Self-contained on purpose: numba keys its on-disk cache by the file of the function it
compiled, so these functions call nothing compiled elsewhere (the planner's own loops are in
``planner/kernels.py``).

The model is the planner's earliest-arrival one: access offsets (walking from the cell to a
stop), boarding the earliest catchable trip of a FIFO pattern where pick-up is allowed,
alighting where drop-off is, then one change per round: at the same stop (``same``: seconds
needed, -1 forbidden) or along a closed footpath (``fp_req``: walking plus the rider's slack,
or transfers.txt's stop-level rule); walking is never chained. ``ready[k]`` is the earliest
boarding time after k vehicles, ``arrived[k]`` the earliest arrival off the k-th. Minutes are
run latest first and the labels are kept between them (rRAPTOR): a stop improves, and is
scanned from, only where the earlier departure does better, and the labels after minute m
answer "departing at m or later", i.e. waiting at the origin is allowed, as in R5.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba
import numpy as np

F = TypeVar("F", bound=Callable[..., Any])

INF = 2**31 - 1


def jit(fn: F) -> F:
    return cast(F, numba.njit(cache=True, nogil=True)(fn))


def pjit(fn: F) -> F:
    return cast(F, numba.njit(cache=True, nogil=True, parallel=True)(fn))


@jit
def _origin(net: Any, walks: Any, acc_stop: Any, acc_sec: Any, minutes: Any, horizon_s: int,
            max_rounds: int, ready: Any, arrived: Any, marked: Any, next_marked: Any,
            arr_flag: Any, mark_flag: Any, pat_from: Any, pat_list: Any,
            ea_out: Any) -> None:
    """rRAPTOR from one origin: ``ea_out[m, s]`` the earliest arrival off a vehicle at stop s
    leaving at ``minutes[m]`` or later (INF: none by ``minutes[m] + horizon_s``)."""
    (pat_stop_ptr, pat_stops, pat_pickup, pat_dropoff, pat_trip, pat_time, arr, dep,
     stop_pat_ptr, stop_pat, stop_pat_pos) = net
    fp_ptr, fp_to, fp_req, same = walks
    n_stops = len(stop_pat_ptr) - 1
    for k in range(max_rounds + 1):
        for s in range(n_stops):
            ready[k, s] = INF
            arrived[k, s] = INF
    for p in range(len(pat_from)):
        pat_from[p] = INF
    for mi in range(len(minutes) - 1, -1, -1):
        m = minutes[mi]
        limit = m + horizon_s
        n_marked = 0
        for a in range(len(acc_stop)):
            s = acc_stop[a]
            t = m + acc_sec[a]
            if t < ready[0, s] and t <= limit:
                ready[0, s] = t
                marked[n_marked] = s
                n_marked += 1
        for k in range(1, max_rounds + 1):
            if n_marked == 0:
                break
            n_pat = 0
            for i in range(n_marked):
                s = marked[i]
                for j in range(stop_pat_ptr[s], stop_pat_ptr[s + 1]):
                    p = stop_pat[j]
                    pos = stop_pat_pos[j]
                    if pat_from[p] == INF:
                        pat_list[n_pat] = p
                        n_pat += 1
                        pat_from[p] = pos
                    elif pos < pat_from[p]:
                        pat_from[p] = pos
            n_arr = 0
            for pi in range(n_pat):
                p = pat_list[pi]
                first = pat_from[p]
                pat_from[p] = INF
                sp = pat_stop_ptr[p]
                n = pat_stop_ptr[p + 1] - sp
                t_lo = pat_trip[p]
                t_hi = pat_trip[p + 1]
                base = pat_time[p]
                trip = -1  # trip index within the pattern
                for pos in range(first, n):
                    s = pat_stops[sp + pos]
                    if trip >= 0 and pat_dropoff[sp + pos]:
                        a = arr[base + trip * n + pos]
                        if a <= limit and a < arrived[k, s]:
                            arrived[k, s] = a
                            if not arr_flag[s]:
                                arr_flag[s] = True
                                next_marked[n_arr] = s
                                n_arr += 1
                    if pos == n - 1 or not pat_pickup[sp + pos]:
                        continue
                    r = ready[k - 1, s]
                    if r == INF:
                        continue
                    if trip >= 0 and dep[base + trip * n + pos] < r:
                        continue
                    hi = trip if trip >= 0 else t_hi - t_lo
                    lo = 0
                    while lo < hi:
                        mid = (lo + hi) // 2
                        if dep[base + mid * n + pos] >= r:
                            hi = mid
                        else:
                            lo = mid + 1
                    if trip < 0:
                        if lo < t_hi - t_lo:
                            trip = lo
                    elif lo < trip:
                        trip = lo
            n_marked = 0
            for i in range(n_arr):
                s = next_marked[i]
                arr_flag[s] = False
                if k == max_rounds:
                    continue
                a = arrived[k, s]
                need = same[s]
                if need >= 0:
                    t = a + need
                    if t <= limit and t < ready[k, s]:
                        ready[k, s] = t
                        if not mark_flag[s]:
                            mark_flag[s] = True
                            marked[n_marked] = s
                            n_marked += 1
                for e in range(fp_ptr[s], fp_ptr[s + 1]):
                    b = fp_to[e]
                    t = a + fp_req[e]
                    if t <= limit and t < ready[k, b]:
                        ready[k, b] = t
                        if not mark_flag[b]:
                            mark_flag[b] = True
                            marked[n_marked] = b
                            n_marked += 1
            for i in range(n_marked):
                mark_flag[marked[i]] = False
        for s in range(n_stops):
            best = INF
            for k in range(1, max_rounds + 1):
                if arrived[k, s] < best:
                    best = arrived[k, s]
            ea_out[mi, s] = best if best <= limit else INF


@jit
def ride_arrivals(net: Any, walks: Any, acc_stop: Any, acc_sec: Any, minutes: Any,
                  horizon_s: int, max_rounds: int) -> Any:
    """One origin's earliest arrivals at every stop for every minute ([minutes, stops])."""
    n_stops = len(net[8]) - 1
    n_pat = len(net[0]) - 1
    ea = np.empty((len(minutes), n_stops), dtype=np.int64)
    _origin(net, walks, acc_stop, acc_sec, minutes, horizon_s, max_rounds,
            np.empty((max_rounds + 1, n_stops), dtype=np.int64),
            np.empty((max_rounds + 1, n_stops), dtype=np.int64),
            np.empty(n_stops + 1, dtype=np.int64), np.empty(n_stops + 1, dtype=np.int64),
            np.zeros(n_stops, dtype=np.bool_), np.zeros(n_stops, dtype=np.bool_),
            np.empty(n_pat, dtype=np.int64),
            np.empty(n_pat + 1, dtype=np.int64), ea)
    return ea


@pjit
def reach_counts(net: Any, walks: Any, acc_ptr: Any, acc_stop: Any, acc_sec: Any,
                 eg_ptr: Any, eg_dest: Any, eg_sec: Any, dir_ptr: Any, dir_dest: Any,
                 dir_sec: Any, opp: Any, minutes: Any, limits: Any, max_rounds: int) -> Any:
    """Opportunities reached from each origin, per minute, kind and time limit:
    ``out[o, m, kind, l]`` = sum of ``opp[d, kind]`` over destinations d whose travel time
    (walking straight there, or rides and a walk from the last stop, less the departure
    minute) is at most ``limits[l]`` seconds."""
    n_orig = len(acc_ptr) - 1
    n_stops = len(net[8]) - 1
    n_pat = len(net[0]) - 1
    n_dest, n_kind = opp.shape
    horizon = 0
    for li in range(len(limits)):
        if limits[li] > horizon:
            horizon = limits[li]
    out = np.zeros((n_orig, len(minutes), n_kind, len(limits)), dtype=np.int64)
    for o in numba.prange(n_orig):
        ready = np.empty((max_rounds + 1, n_stops), dtype=np.int64)
        arrived = np.empty((max_rounds + 1, n_stops), dtype=np.int64)
        marked = np.empty(n_stops + 1, dtype=np.int64)
        next_marked = np.empty(n_stops + 1, dtype=np.int64)
        arr_flag = np.zeros(n_stops, dtype=np.bool_)
        mark_flag = np.zeros(n_stops, dtype=np.bool_)
        pat_from = np.empty(n_pat, dtype=np.int64)
        pat_list = np.empty(n_pat + 1, dtype=np.int64)
        ea = np.empty((len(minutes), n_stops), dtype=np.int64)
        _origin(net, walks, acc_stop[acc_ptr[o]:acc_ptr[o + 1]],
                acc_sec[acc_ptr[o]:acc_ptr[o + 1]], minutes, horizon, max_rounds, ready,
                arrived, marked, next_marked, arr_flag, mark_flag, pat_from, pat_list, ea)
        best = np.full(n_dest, INF, dtype=np.int64)
        touched = np.empty(n_dest, dtype=np.int64)
        for mi in range(len(minutes)):
            m = minutes[mi]
            n_t = 0
            for e in range(dir_ptr[o], dir_ptr[o + 1]):
                d = dir_dest[e]
                if best[d] == INF:
                    touched[n_t] = d
                    n_t += 1
                if dir_sec[e] < best[d]:
                    best[d] = dir_sec[e]
            for s in range(n_stops):
                a = ea[mi, s]
                if a == INF:
                    continue
                for e in range(eg_ptr[s], eg_ptr[s + 1]):
                    t = a - m + eg_sec[e]
                    if t > horizon:
                        continue
                    d = eg_dest[e]
                    if best[d] == INF:
                        touched[n_t] = d
                        n_t += 1
                    if t < best[d]:
                        best[d] = t
            for i in range(n_t):
                d = touched[i]
                t = best[d]
                best[d] = INF
                for li in range(len(limits)):
                    if t <= limits[li]:
                        for kd in range(n_kind):
                            out[o, mi, kd, li] += opp[d, kd]
    return out
