"""The planner's compiled loops: RAPTOR's rounds (:func:`run`), the fare model's taps
(:func:`fare_step`) and its comparisons (``run``'s ``key``, :func:`key_dominates`), and the
feed's transfer rules (:func:`match_rule`, :func:`requirement`), as numba functions over flat
integer and float arrays.

They are compiled with ``cache=True``: the first process on a machine compiles them (about
half a minute of one core) and writes the machine code next to this file, in ``__pycache__``,
or under ``NUMBA_CACHE_DIR`` (the settings point it into the data folder when this package is
read-only; failing both, numba's user cache directory); later processes load it in under a
second. Everything numba compiles lives in this one module because numba keys its cache by the
file of the function it compiled: a change to a function another file's compiled code calls
would not be noticed.

:mod:`search` lays a query out as arrays and reads labels back, :mod:`pricing` compiles the
card's fare rules into :func:`fare_step`'s tables, :mod:`transfers` the feed's transfer rules
into :func:`match_rule`'s; the Python there is their only interface.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba
import numpy as np

F = TypeVar("F", bound=Callable[..., Any])


def jit(fn: F) -> F:
    """numba's nopython compilation, cached on disk."""
    return cast(F, numba.njit(cache=True, nogil=True)(fn))


INF = 2**31 - 1
NONE = -(2**62)  # an absent time, count or vehicle in a fare state or key
FORBIDDEN = -1

# transfers.txt transfer_type
RECOMMENDED, TIMED, MIN_TIME, NOT_POSSIBLE, IN_SEAT, NO_IN_SEAT = range(6)

# -- the feed's transfer rules -----------------------------------------------------------------
# A rule row: from_stop, to_stop, from_route, to_route, from_trip, to_trip (-1: any; names are
# codes of TransferRules' vocabulary), transfer_type, min_transfer_time, rank. Rows joining two
# stops come first, sorted by the pair, then by rank (highest first); then the rows with any
# stop, by rank. ``pair_keys`` holds from_stop << 32 | to_stop of the first rows.
R_FROUTE, R_TROUTE, R_FTRIP, R_TTRIP, R_KIND, R_MIN, R_RANK = 2, 3, 4, 5, 6, 7, 8


@jit
def requirement(kind: int, min_time: int, same_stop: bool, walk_s: int, path: bool,
                slack: int) -> int:
    """Seconds a change needs between alighting and boarding, or FORBIDDEN; ``kind`` -1: no
    rule (see :func:`transfers.requirement`)."""
    base = slack if same_stop else walk_s + slack
    if kind < 0 or kind == NO_IN_SEAT:
        return base if (same_stop or path) else FORBIDDEN
    if kind == RECOMMENDED:
        return base
    if kind == TIMED or kind == IN_SEAT:
        return 0
    if kind == MIN_TIME:
        return max(min_time, base)
    return FORBIDDEN


@jit
def _rule_matches(rules: Any, r: int, f_trip: int, f_route: int, t_trip: int,
                  t_route: int) -> bool:
    return bool((rules[r, R_FTRIP] < 0 or rules[r, R_FTRIP] == f_trip)
                and (rules[r, R_TTRIP] < 0 or rules[r, R_TTRIP] == t_trip)
                and (rules[r, R_FROUTE] < 0 or rules[r, R_FROUTE] == f_route)
                and (rules[r, R_TROUTE] < 0 or rules[r, R_TROUTE] == t_route))


@jit
def match_rule(rules: Any, pair_keys: Any, a: int, b: int, f_trip: int, f_route: int,
               t_trip: int, t_route: int) -> int:
    """The row of the most specific rule for a change at stops a -> b between these trips (and
    routes), or -1."""
    best = -1
    n_pair = len(pair_keys)
    key = (np.int64(a) << 32) | np.int64(b)
    lo, hi = 0, n_pair
    while lo < hi:
        mid = (lo + hi) // 2
        if pair_keys[mid] < key:
            lo = mid + 1
        else:
            hi = mid
    r = lo
    while r < n_pair and pair_keys[r] == key:
        if _rule_matches(rules, r, f_trip, f_route, t_trip, t_route):
            best = r
            break
        r += 1
    for r in range(n_pair, rules.shape[0]):
        if (best < 0 or rules[r, R_RANK] > rules[best, R_RANK]) and _rule_matches(
                rules, r, f_trip, f_route, t_trip, t_route):
            best = r
            break
    return best


# -- the fare model ----------------------------------------------------------------------------
# params: on (compare fares), price, same-vehicle seconds, free_all, all_free, simple_window,
# journey-start limit, previous-tap limit, counted, horizon. transfers: rows (limit,
# from_journey_start, count or -1, fare). caps: amounts. intervals: rows (cap, start, end,
# cents the rider paid in it before the query), each cap's periods covering [start, horizon].
# A state row: paid, journey start, last tap, last vehicle, transfers made, end of the latest
# full cap period, then the cents this itinerary paid in each interval.
P_ON, P_PRICE, P_SAME, P_FREE_ALL, P_ALL_FREE, P_SIMPLE, P_JS, P_PREV, P_COUNTED, \
    P_HORIZON = range(10)
S_PAID, S_JS, S_LA, S_LV, S_TM, S_FULL, S_IV = range(7)


@jit
def _interval(intervals: Any, cap: int, t: int) -> int:
    for j in range(intervals.shape[0]):
        if intervals[j, 0] == cap and intervals[j, 1] <= t < intervals[j, 2]:
            return j
    raise ValueError("a tap outside the fare model's time span")


@jit
def _charge(caps: Any, intervals: Any, states: Any, row: int, fare: int,
            t: int) -> tuple[int, bool]:
    capped = False
    for c in range(len(caps)):
        j = _interval(intervals, c, t)
        room = max(0, caps[c] - (intervals[j, 3] + states[row, S_IV + j]))
        if fare > room:
            fare, capped = room, True
    return fare, capped


@jit
def fare_full_until(caps: Any, intervals: Any, states: Any, row: int, t: int) -> int:
    """The end of the latest cap period holding t that is already full."""
    until = states[row, S_FULL]
    for c in range(len(caps)):
        j = _interval(intervals, c, t)
        if intervals[j, 2] > until and intervals[j, 3] + states[row, S_IV + j] >= caps[c]:
            until = intervals[j, 2]
    return int(until)


@jit
def fare_step(params: Any, transfers: Any, caps: Any, intervals: Any, states: Any, src: int,
              t: int, vehicle: int, dst: int) -> None:
    """Write into row ``dst`` the state after a bus tap at t on ``vehicle`` (a code: -1 for an
    empty name, -2 for none) from the state in row ``src``, as the card's engine decides it."""
    js, la, lv, tm = states[src, S_JS], states[src, S_LA], states[src, S_LV], states[src, S_TM]
    charged = 0
    if states[src, S_FULL] > params[P_HORIZON]:
        pass  # a cap full to the horizon: every tap until then is free
    elif params[P_FREE_ALL]:
        js, tm = t, 0
    elif la != NONE and vehicle >= 0 and lv == vehicle and t - la <= params[P_SAME]:
        pass  # already validated on this vehicle
    else:
        done = False
        if la != NONE and js != NONE and vehicle != lv:
            for r in range(transfers.shape[0]):
                since = js if transfers[r, 1] else la
                if t - since <= transfers[r, 0] and (transfers[r, 2] < 0
                                                     or tm < transfers[r, 2]):
                    charged, capped = _charge(caps, intervals, states, src, transfers[r, 3], t)
                    if not capped:
                        tm += 1
                    done = True
                    break
        if not done:
            if params[P_PRICE] != 0:
                charged, _ = _charge(caps, intervals, states, src, params[P_PRICE], t)
            js, tm = t, 0
    states[dst] = states[src]
    states[dst, S_PAID] += charged
    states[dst, S_JS], states[dst, S_LA], states[dst, S_LV], states[dst, S_TM] = \
        js, t, vehicle, tm
    for j in range(intervals.shape[0]):
        if intervals[j, 1] <= t < intervals[j, 2]:
            states[dst, S_IV + j] += charged
    if len(caps):
        states[dst, S_FULL] = fare_full_until(caps, intervals, states, dst, t)


@jit
def key_dominates(a0: int, a1: int, a2: int, a3: int, b0: int, b1: int, b2: int, b3: int,
                  simple: bool) -> bool:
    """Whether a label keyed a pays, from here on, never more than one keyed b (given it has
    paid no more so far): a is free, the keys are equal, or (one free transfer window from the
    journey's start) a's window closes no earlier."""
    if a0 == 0 or (a0 == b0 and a1 == b1 and a2 == b2 and a3 == b3):
        return True
    if b0 == 0 or not simple:
        return False
    return a1 != NONE and (b1 == NONE or a1 >= b1)


# -- RAPTOR ----------------------------------------------------------------------------------
# A label row (int64): arrival, cents paid, fare state, fare key (4), class stop and trip (-1:
# none), round, previous label, leg kind and its 4 fields, departure of its run, alive; and
# (float64) walked metres and the walk leg's metres. Bags: [0 (off a vehicle) or 1 (ready to
# board), stop, slot], with their counts. The helpers of :func:`run` are closures over its
# arrays (an array handed to an inlined function) and no array is ever reassigned there (a
# variable given another array): numba would count references at every turn of a loop. When
# an array is full, run stops and says which (FULL_*); the caller grows it and runs again.
L_ARR, L_PAID, L_FS, L_K0, L_K1, L_K2, L_K3, L_CS, L_CT, L_RND, L_PREV, L_LEG, L_A, L_B, \
    L_C, L_D, L_DEP0, L_ALIVE = range(18)
L_COLS = 18
F_WALK, F_M = 0, 1
LEG_NONE, LEG_RIDE, LEG_WALK, LEG_ACCESS, LEG_EGRESS, LEG_DIRECT = range(6)
ARRIVED, READY = 0, 1  # the two bags of a stop, and the two label lists of a round
# query ints: horizon, max rounds, slack, multi-criteria, has a direct walk, its seconds
Q_HORIZON, Q_ROUNDS, Q_SLACK, Q_MC, Q_DIRECT, Q_DIRECT_S = range(6)
# what run says: done, or which array was full
DONE, FULL_LABELS, FULL_STATES, FULL_BAGS, FULL_TARGET = range(5)


@jit
def _change_need(rules: Any, pair_keys: Any, t_name: Any, t_route: Any, sw_ptr: Any,
                 sw_to: Any, sw_s: Any, sw_path: Any, slack: int, a: int, b: int,
                 from_trip: int, to_trip: int) -> int:
    """Seconds a change from from_trip at stop a to to_trip at stop b needs, or FORBIDDEN
    (b is a or one of the stops a class label at a walks to)."""
    row = match_rule(rules, pair_keys, a, b, t_name[from_trip], t_route[from_trip],
                     t_name[to_trip], t_route[to_trip])
    kind = rules[row, R_KIND] if row >= 0 else -1
    mt = rules[row, R_MIN] if row >= 0 else 0
    if a == b:
        return int(requirement(kind, mt, True, 0, False, slack))
    for w in range(sw_ptr[a], sw_ptr[a + 1]):
        if sw_to[w] == b:
            return int(requirement(kind, mt, False, sw_s[w], sw_path[w], slack))
    return FORBIDDEN


@jit
def run(net: Any, q: Any, fare: Any, st: Any, depart: int) -> int:
    """One search from the origin at ``depart`` (a range search calls it latest first, on the
    same state ``st``): DONE, or the FULL_* of an array too small (the state is then spoilt:
    the caller grows that array and runs every departure again). Nothing is allocated here;
    between runs the caller may replace any array by a larger copy."""
    (sp_ptr, sp_pat, sp_pos, p_ptr, p_stops, p_pick, p_drop, p_trip, p_time, t_arr, t_dep,
     t_vid, t_name, t_route) = net
    (pat_ok, stop_ok, special, fp_ptr, fp_to, fp_m, fp_req, same, sw_ptr, sw_to, sw_m, sw_s,
     sw_path, rules, pair_keys, ac_stop, ac_secs, ac_walk, ac_fare, eg_ptr, eg_idx, eg_secs,
     eg_walk, eg_fare, qi, qf) = q
    params, transfers, caps, intervals = fare
    # the arrays run writes, each taken by index: numba (0.68) does not see an array unpacked
    # from a tuple argument as the caller's, and may drop a write it is not read after
    li = st[0]
    lf = st[1]
    states = st[2]
    bags = st[3]
    counts = st[4]
    target = st[5]
    ctr = st[6]
    # scratch, as long as the label store: the labels to board from (READY) and those off a
    # vehicle (ARRIVED) in a round, a list per stop (head, tail, next), the stops in the order
    # of their first label; the patterns to scan; the route bag (trip, paid, fare state, ready
    # label, board position; walked metres)
    g_head = st[7]
    g_tail = st[8]
    g_order = st[9]
    g_n = st[10]
    g_next = st[11]
    g_lab = st[12]
    q_pos = st[13]
    q_list = st[14]
    rbi = st[15]
    rbf = st[16]
    horizon, slack = qi[Q_HORIZON], qi[Q_SLACK]
    mc = qi[Q_MC] != 0
    fares = params[P_ON] != 0
    simple = params[P_SIMPLE] != 0
    cap_l, cap_s, width, cap_t = li.shape[0], states.shape[0], bags.shape[2], target.shape[0]
    nl, ns, nt = ctr[0], ctr[1], ctr[2]

    def put(i: int, arr: int, walk: float, paid: int, fs: int, k0: int, k1: int, k2: int,
            k3: int, cs: int, ct: int, rnd: int, prev: int, leg: int, a: int, b: int, c: int,
            d: int, m: float) -> None:
        li[i, L_ARR], li[i, L_PAID], li[i, L_FS] = arr, paid, fs
        li[i, L_K0], li[i, L_K1], li[i, L_K2], li[i, L_K3] = k0, k1, k2, k3
        li[i, L_CS], li[i, L_CT], li[i, L_RND], li[i, L_PREV] = cs, ct, rnd, prev
        li[i, L_LEG], li[i, L_A], li[i, L_B], li[i, L_C], li[i, L_D] = leg, a, b, c, d
        li[i, L_DEP0], li[i, L_ALIVE] = depart, 1
        lf[i, F_WALK], lf[i, F_M] = walk, m

    def key(fs: int, now: int) -> tuple[int, int, int, int]:
        """What of fare state fs still matters for taps from ``now`` to the horizon: (0, ...)
        free from here on; (1, journey start if its window is open); (2, journey start and
        last tap if their windows are open, transfers made if counted and a window is open)."""
        if (not fares or params[P_FREE_ALL] or params[P_ALL_FREE]
                or states[fs, S_FULL] > params[P_HORIZON]):
            return 0, NONE, NONE, NONE
        js, la = states[fs, S_JS], states[fs, S_LA]
        js_open = js if js != NONE and params[P_JS] >= 0 and js + params[P_JS] >= now \
            else NONE
        la_open = la if la != NONE and params[P_PREV] >= 0 and la + params[P_PREV] >= now \
            else NONE
        if simple:
            return 1, js_open, NONE, NONE
        counted = params[P_COUNTED] and (js_open != NONE or la_open != NONE)
        return 2, js_open, la_open, states[fs, S_TM] if counted else NONE

    def dominates(a: int, b: int) -> bool:
        if li[a, L_ARR] > li[b, L_ARR] or li[a, L_CS] != li[b, L_CS] \
                or li[a, L_CT] != li[b, L_CT]:
            return False
        if not mc:
            return True
        if lf[a, F_WALK] > lf[b, F_WALK] + 1e-9 or li[a, L_PAID] > li[b, L_PAID]:
            return False
        return key_dominates(li[a, L_K0], li[a, L_K1], li[a, L_K2], li[a, L_K3], li[b, L_K0],
                             li[b, L_K1], li[b, L_K2], li[b, L_K3], simple)

    def beats(t: int, lab: int) -> bool:
        """Target label t is no worse than lab on arrival, vehicles, walking and paid."""
        return bool(li[t, L_ARR] <= li[lab, L_ARR] and li[t, L_RND] <= li[lab, L_RND] and (
            not mc or (lf[t, F_WALK] <= lf[lab, F_WALK] + 1e-9
                       and li[t, L_PAID] <= li[lab, L_PAID])))

    def merge(kind: int, s: int, lab: int, nt: int) -> bool:
        """Add lab to stop s's bag (which has room for one more) unless dominated there or by
        the target; drop what it dominates (they are no longer alive)."""
        if li[lab, L_ARR] > horizon:
            return False
        for i in range(nt):
            if beats(target[i], lab):
                return False
        c = counts[kind, s]
        for i in range(c):
            if dominates(bags[kind, s, i], lab):
                return False
        w = 0
        for i in range(c):
            o = bags[kind, s, i]
            if dominates(lab, o):
                li[o, L_ALIVE] = 0
            else:
                bags[kind, s, w] = o
                w += 1
        bags[kind, s, w] = lab
        counts[kind, s] = w + 1
        if w + 1 > ctr[3]:
            ctr[3] = w + 1  # the fullest bag
        return True

    def offer_target(lab: int, nt: int) -> int:
        """The target's size after offering it lab (it has room for one more), -1 if kept
        out."""
        if li[lab, L_ARR] > horizon:
            return -1
        for i in range(nt):
            if beats(target[i], lab):
                return -1
        w = 0
        for i in range(nt):  # labels of a later departure are never dropped: they leave later
            t = target[i]
            if li[t, L_DEP0] != li[lab, L_DEP0] or not beats(lab, t):
                target[w] = t
                w += 1
        target[w] = lab
        return w + 1

    def group_add(g: int, s: int, lab: int) -> None:
        e = g_n[g, 1]
        g_next[g, e] = -1
        g_lab[g, e] = lab
        if g_head[g, s] < 0:
            g_head[g, s] = e
            g_order[g, g_n[g, 0]] = s
            g_n[g, 0] += 1
        else:
            g_next[g, g_tail[g, s]] = e
        g_tail[g, s] = e
        g_n[g, 1] = e + 1

    def group_clear(g: int) -> None:
        for i in range(g_n[g, 0]):
            g_head[g, g_order[g, i]] = -1
            g_tail[g, g_order[g, i]] = -1
        g_n[g, 0] = 0
        g_n[g, 1] = 0

    def first_at_least(off: int, stride: int, count: int, x: int) -> int:
        """bisect_left over the departures t_dep[off + t * stride], t < count."""
        lo, hi = 0, count
        while lo < hi:
            mid = (lo + hi) // 2
            if t_dep[off + mid * stride] < x:
                lo = mid + 1
            else:
                hi = mid
        return lo

    def route_dominates(a: int, b: int, now: int) -> bool:
        if rbi[a, 0] > rbi[b, 0]:
            return False
        if not mc:
            return True
        if rbf[a] > rbf[b] + 1e-9 or rbi[a, 1] > rbi[b, 1]:
            return False
        if not fares:
            return True
        ka = key(rbi[a, 2], now)
        kb = key(rbi[b, 2], now)
        return key_dominates(ka[0], ka[1], ka[2], ka[3], kb[0], kb[1], kb[2], kb[3], simple)

    group_clear(READY)
    group_clear(ARRIVED)
    if nl + len(ac_stop) + 1 > cap_l:
        return FULL_LABELS
    for o in range(len(ac_stop)):
        s = ac_stop[o]
        if not stop_ok[s]:
            continue
        t = depart + ac_secs[o]
        k0, k1, k2, k3 = key(0, t)
        put(nl, t, ac_walk[o], ac_fare[o], 0, k0, k1, k2, k3, -1, -1, 0, -1, LEG_ACCESS, o, 0,
            0, 0, 0.0)
        if counts[READY, s] >= width:
            return FULL_BAGS
        if merge(READY, s, nl, nt):
            group_add(READY, s, nl)
            nl += 1
    if qi[Q_DIRECT]:
        put(nl, depart + qi[Q_DIRECT_S], qf[0], 0, 0, 0, NONE, NONE, NONE, -1, -1, 0, -1,
            LEG_DIRECT, qi[Q_DIRECT_S], 0, 0, 0, qf[0])
        if nt >= cap_t:
            return FULL_TARGET
        size = offer_target(nl, nt)
        if size >= 0:
            nt = size
            nl += 1

    for k in range(1, qi[Q_ROUNDS] + 1):
        if g_n[READY, 0] == 0:
            break
        # the patterns through a marked stop, each from its first marked position
        nq = 0
        for mi in range(g_n[READY, 0]):
            s = g_order[READY, mi]
            for j in range(sp_ptr[s], sp_ptr[s + 1]):
                pat = sp_pat[j]
                if pat_ok[pat]:
                    if q_pos[pat] == INF:
                        q_list[nq] = pat
                        nq += 1
                    if sp_pos[j] < q_pos[pat]:
                        q_pos[pat] = sp_pos[j]
        group_clear(ARRIVED)
        for qn in range(nq):
            pat = q_list[qn]
            start = q_pos[pat]
            q_pos[pat] = INF
            base = p_ptr[pat]
            npos = p_ptr[pat + 1] - base
            first = p_trip[pat]
            n_trips = p_trip[pat + 1] - first
            off = p_time[pat]
            nb = 0
            for i in range(start, npos):
                s = p_stops[base + i]
                if nb > 0 and p_drop[base + i] and stop_ok[s]:
                    n_eg = eg_ptr[s + 1] - eg_ptr[s]
                    if nl + nb * (1 + n_eg) > cap_l:
                        return FULL_LABELS
                    if nt + nb * n_eg > cap_t:
                        return FULL_TARGET
                    for e in range(nb):
                        tl = rbi[e, 0]
                        a = t_arr[off + tl * npos + i]
                        trip = first + tl
                        fs = rbi[e, 2]
                        k0, k1, k2, k3 = key(fs, a)
                        put(nl, a, rbf[e], rbi[e, 1], fs, k0, k1, k2, k3,
                            s if special[s] else -1, trip if special[s] else -1, k, rbi[e, 3],
                            LEG_RIDE, pat, trip, rbi[e, 4], i, 0.0)
                        if counts[ARRIVED, s] >= width:
                            return FULL_BAGS
                        if not merge(ARRIVED, s, nl, nt):
                            continue
                        lab = nl
                        nl += 1
                        group_add(ARRIVED, s, lab)
                        for g in range(eg_ptr[s], eg_ptr[s + 1]):
                            o = eg_idx[g]
                            put(nl, a + eg_secs[o], rbf[e] + eg_walk[o], rbi[e, 1] + eg_fare[o],
                                fs, 0, NONE, NONE, NONE, -1, -1, k, lab, LEG_EGRESS, o, 0, 0, 0,
                                0.0)
                            size = offer_target(nl, nt)
                            if size >= 0:
                                nt = size
                                nl += 1
                e = g_head[READY, s]
                if e < 0 or not p_pick[base + i] or not stop_ok[s]:
                    continue
                while e >= 0:
                    r = g_lab[READY, e]
                    e = g_next[READY, e]
                    if not li[r, L_ALIVE]:
                        continue
                    if li[r, L_CS] < 0:
                        tl = first_at_least(off + i, npos, n_trips, li[r, L_ARR])
                    else:  # a class label: each trip's change by the rules
                        alight = li[r, L_PREV]
                        sa = p_stops[p_ptr[li[alight, L_A]] + li[alight, L_D]]
                        ta = li[alight, L_ARR]
                        tl = first_at_least(off + i, npos, n_trips, ta)
                        while tl < n_trips:
                            cn = _change_need(rules, pair_keys, t_name, t_route, sw_ptr, sw_to,
                                              sw_s, sw_path, slack, sa, s, li[alight, L_B],
                                              first + tl)
                            if cn >= 0 and t_dep[off + tl * npos + i] >= ta + cn:
                                break
                            tl += 1
                    if tl >= n_trips:
                        continue
                    d = t_dep[off + tl * npos + i]
                    if d > horizon:
                        continue
                    fs, paid = li[r, L_FS], li[r, L_PAID]
                    if fares:
                        if ns >= cap_s:
                            return FULL_STATES
                        fare_step(params, transfers, caps, intervals, states, fs, d,
                                  t_vid[first + tl], ns)
                        paid = paid + states[ns, S_PAID] - states[fs, S_PAID]
                        fs = ns
                        ns += 1
                    if nb >= cap_l:  # a pattern through the stop twice boards it twice
                        return FULL_LABELS
                    rbi[nb, 0], rbi[nb, 1], rbi[nb, 2], rbi[nb, 3], rbi[nb, 4] = \
                        tl, paid, fs, r, i
                    rbf[nb] = lf[r, F_WALK]
                    beaten = False
                    for x in range(nb):
                        if route_dominates(x, nb, t_dep[off + rbi[x, 0] * npos + i]):
                            beaten = True
                            break
                    if beaten:
                        if fares:
                            ns -= 1  # nothing refers to the new state
                        continue
                    w = 0
                    for x in range(nb):
                        if not route_dominates(nb, x, d):
                            rbi[w] = rbi[x]
                            rbf[w] = rbf[x]
                            w += 1
                    rbi[w] = rbi[nb]
                    rbf[w] = rbf[nb]
                    nb = w + 1

        # transfers: a change at the same stop, the footpaths, or a class label's own ways
        group_clear(READY)
        for ai in range(g_n[ARRIVED, 0]):
            s = g_order[ARRIVED, ai]
            e = g_head[ARRIVED, s]
            while e >= 0:
                a = g_lab[ARRIVED, e]
                e = g_next[ARRIVED, e]
                if not li[a, L_ALIVE]:
                    continue
                cls = li[a, L_CS] >= 0
                n_out = (sw_ptr[s + 1] - sw_ptr[s]) if cls else (fp_ptr[s + 1] - fp_ptr[s])
                if nl + 1 + n_out > cap_l:
                    return FULL_LABELS
                arr, walk, paid, fs = li[a, L_ARR], lf[a, F_WALK], li[a, L_PAID], li[a, L_FS]
                # x = -1: the change at the same stop; then the footpaths (a class label's own)
                for x in range(-1, n_out):
                    if x < 0:
                        if not cls and same[s] < 0:
                            continue
                        b, t, m = s, arr if cls else arr + same[s], 0.0
                    elif cls:
                        b, t, m = sw_to[sw_ptr[s] + x], arr, sw_m[sw_ptr[s] + x]
                    else:
                        b, t, m = fp_to[fp_ptr[s] + x], arr + fp_req[fp_ptr[s] + x], \
                            fp_m[fp_ptr[s] + x]
                    if cls:  # the change is checked at boarding; here only where it may lead
                        k0, k1, k2, k3 = li[a, L_K0], li[a, L_K1], li[a, L_K2], li[a, L_K3]
                    else:
                        k0, k1, k2, k3 = key(fs, t)
                    put(nl, t, walk + m, paid, fs, k0, k1, k2, k3, li[a, L_CS], li[a, L_CT], k,
                        a, LEG_NONE if x < 0 else LEG_WALK, s, b, 0, 0, m)
                    if counts[READY, b] >= width:
                        return FULL_BAGS
                    if merge(READY, b, nl, nt):
                        group_add(READY, b, nl)
                        nl += 1
    ctr[0], ctr[1], ctr[2] = nl, ns, nt
    return DONE
