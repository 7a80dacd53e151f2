"""Demand against capacity from the city card's taps: boardings matched to the timetable's
trips, alightings by trip chaining, the load on every segment of every trip run, and its
maximum against the vehicle's capacity. Pure: a compiled timetable and a table of taps in,
plain data out (``zerocity.mobility.load_reports`` reads a city's taps and feed for it).

**Matching** (research mobility-upscale.md §4 "Demand vs capacity from taps"). A bus tap names
its route (GTFS ``route_id``) and stop (``stop_id``, or a station whose platforms the route
serves). It is matched to the trip run of that route that picks up at that stop nearest in time:
the distance of the tap to a call is 0 between the bus's arrival and departure, else the time to
the nearer of them; a call further than ``window_s`` (120 s) does not match. Calls are the
timetable's (``planner.timetable``: the service date's trips with the previous date's past
midnight, frequency runs expanded); a city that keeps the actual times of its runs hands in the
timetable with them instead (``planner.realtime.apply_updates``). A tap that does not match
gets the first of these reasons that holds (``REASONS``): no route, no stop, route or stop not
in the feed, route not running that date, no trip of the route picking up at the stop, no trip
within the window.

**Alighting by trip chaining** (Trépanier, Tranchant & Chapleau, J. ITS 11(1) 2007; Munizaga &
Palma, TR-C 24 2012): a rider's boarding ends at the stop of the boarded trip, after the
boarding and with drop-off allowed, nearest (great circle) to where the rider boards next that
day; the day's last boarding chains to the day's first boarding stop. A boarding is not chained
(``UNCHAINED``) when it is the rider's only tap that day, when the next boarding stop has no
position in the feed, when it is the boarding's own stop, or when no later stop of the trip is
within ``max_walk_m`` (1,000 m) of it.

**Unchained boardings** are counted and reported, and distributed by this rule: over the later
stops of the same trip run in proportion to the chained alightings there; when that run has none
downstream, in proportion to the chained alightings of every run of the same route and stop
pattern; when those have none either, evenly over the later stops with drop-off allowed.

**Loads**: per run, the load leaving a stop is the running sum of boardings minus alightings
along the stop sequence; the maximum load point is the stop leaving which the load is highest;
it is flagged when that load exceeds ``capacity`` (80 on Kranj's MAN Lion's City E, 35 seats
and 45 standing; research §1.2). Riders who do not tap are accounted for only by an explicit
``scale`` factor (1.0 unless the city states one), applied to boardings and alightings alike and
shown with every result.

**Periods** (``mobility.periods``, the service statistics' and the frequency optimiser's): a run
belongs to the period of its first departure; a run outside every period (before 05:00 or from
22:00 with the default periods) counts in the route's runs, boardings and maximum load but in
no period's peak.

Taps are chained within one local day: :func:`day_flows` takes the taps of one day, and
:func:`loads` sums the flows of any number of days by trip run (a run past midnight collects the
taps of both days).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
import pandas as pd

from zerocity.mobility.periods import DEFAULT_PERIODS, Period, period_of
from zerocity.mobility.planner.timetable import Timetable, reference_utc

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]

CAPACITY = 80.0
CAPACITY_SOURCE = ("MAN Lion's City E 12 m of Kranj's fleet: 35 seats + 45 standing "
                   "(research mobility-upscale.md §1.2)")
NO_SCALE_SOURCE = "none stated: the card's taps as they are"
WINDOW_S = 120
MAX_WALK_M = 1000.0
EARTH_M = 6_371_008.8
TAP_COLUMNS = ("rider", "at", "route", "stop")

REASONS = {
    "no_route": "the tap names no route (not reported, or erased by retention)",
    "no_stop": "the tap names no stop (not reported, or erased by retention)",
    "unknown_route": "the route is not in the feed in force",
    "unknown_stop": "the stop is not in the feed in force",
    "route_not_running": "the route runs no trip on the service date",
    "stop_not_on_route": "no trip of the route picks up at the stop that day",
    "no_trip_in_window": "no trip of the route is at the stop within the window of the tap",
}
UNCHAINED = {
    "single_tap": "the rider's only bus tap of the day",
    "next_stop_unknown": "the next boarding's stop has no position in the feed",
    "same_stop": "the next boarding is at the same stop",
    "too_far": "no later stop of the trip is within walking distance of the next boarding",
}


@dataclass(frozen=True)
class LoadParams:
    """The constants of a load calculation, each shown with the result."""

    capacity: float = CAPACITY
    capacity_source: str = CAPACITY_SOURCE
    scale: float = 1.0
    scale_source: str = NO_SCALE_SOURCE
    window_s: int = WINDOW_S
    max_walk_m: float = MAX_WALK_M
    periods: tuple[Period, ...] = DEFAULT_PERIODS

    def problems(self) -> list[str]:
        out = []
        if not self.capacity > 0:
            out.append(f"capacity must be more than 0, not {self.capacity}")
        if not self.scale > 0:
            out.append(f"scale must be more than 0, not {self.scale}")
        if self.scale != 1.0 and self.scale_source == NO_SCALE_SOURCE:
            out.append("a scale factor other than 1.0 needs its source stated")
        if self.window_s < 0:
            out.append(f"the matching window must not be negative, not {self.window_s} s")
        return out

    def period_of(self, seconds: float) -> str | None:
        """The name of the period a run first departing at ``seconds`` belongs to; None
        outside every period (the run counts in the totals, in no period)."""
        p = period_of(self.periods, seconds)
        return None if p is None else p.name


@dataclass(frozen=True)
class Run:
    """A trip run as the loads name it: one trip (one frequency run of it) on one service
    date, with its stops in order and where drop-off is allowed."""

    key: str
    trip_id: str
    route_id: str
    service_date: date
    start: datetime
    start_s: int  # seconds after its service date's reference
    stops: tuple[str, ...]
    dropoff: tuple[bool, ...]


COUNT_COLUMNS = ["run", "pos", "board", "alight", "unchained"]


@dataclass
class DayFlows:
    """What one day's taps say: per run and stop position (0 for the first), the chained
    boardings, chained alightings and unchained boardings (``counts``, columns
    ``COUNT_COLUMNS``); and the taps counted by outcome."""

    taps: int
    matched: int
    runs: dict[str, Run]
    counts: pd.DataFrame
    unchained: Counter[tuple[str, str]]  # (route of the run, reason) -> boardings
    outcomes: Counter[tuple[str, str, str]]  # (route, stop, reason or "") -> taps
    route_runs: Counter[str]  # runs of each route that day

    def alightings(self) -> dict[tuple[str, int], int]:
        """{(run, position): chained alightings}, where there are any."""
        c = self.counts[self.counts["alight"] > 0]
        return {(str(r), int(p)): int(n)
                for r, p, n in zip(c["run"], c["pos"], c["alight"], strict=True)}


def _vector_haversine(lat1: F64, lon1: F64, lat2: F64, lon2: F64) -> F64:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi, dl = p2 - p1, np.radians(lon2 - lon1)
    h = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    out: F64 = 2 * EARTH_M * np.arcsin(np.sqrt(np.minimum(h, 1.0)))
    return out


@dataclass
class _Calls:
    trip: I64
    pos: I64
    stop: I64
    route: I64
    arr: I64
    dep: I64
    pickup: npt.NDArray[np.bool_]


def _calls(tt: Timetable) -> _Calls:
    """Every call of every run as flat arrays (trip, position, stop, route, times, pick-up)."""
    n_trips = tt.n_trips
    trips = np.arange(n_trips, dtype=np.int64)
    pats = tt.trip_pattern.astype(np.int64)
    ptr = tt.pat_stop_ptr.astype(np.int64)
    n = (ptr[1:] - ptr[:-1])[pats] if n_trips else np.zeros(0, dtype=np.int64)
    first = tt.pat_time.astype(np.int64)[pats] + (trips - tt.pat_trip.astype(np.int64)[pats]) * n
    trip = np.repeat(trips, n)
    starts = np.concatenate([[0], np.cumsum(n)[:-1]]) if n_trips else np.zeros(0, np.int64)
    pos = np.arange(int(n.sum()), dtype=np.int64) - np.repeat(starts, n)
    where = ptr[:-1][pats][trip] + pos if n_trips else pos
    times = np.repeat(first, n) + pos
    return _Calls(trip=trip, pos=pos, stop=tt.pat_stops.astype(np.int64)[where],
                  route=tt.trip_route.astype(np.int64)[trip],
                  arr=tt.arr.astype(np.int64)[times], dep=tt.dep.astype(np.int64)[times],
                  pickup=tt.pat_pickup[where])


def _run(tt: Timetable, t: int, refs: dict[int, datetime]) -> Run:
    p = int(tt.trip_pattern[t])
    lo, hi = int(tt.pat_stop_ptr[p]), int(tt.pat_stop_ptr[p + 1])
    offset = int(tt.trip_day[t])
    day = tt.service_date + timedelta(days=offset)
    if offset not in refs:
        refs[offset] = reference_utc(day, tt.tz)
    first = int(tt.dep[int(tt.pat_time[p]) + (t - int(tt.pat_trip[p])) * (hi - lo)])
    start = tt.instant(first)
    route = int(tt.trip_route[t])
    return Run(key=tt.vehicle(t), trip_id=tt.trip_ids[t],
               route_id=tt.route_ids[route] if route >= 0 else "", service_date=day,
               start=start, start_s=int((start - refs[offset]).total_seconds()),
               stops=tuple(tt.stop_ids[s] for s in tt.pat_stops[lo:hi]),
               dropoff=tuple(bool(x) for x in tt.pat_dropoff[lo:hi]))


def _lookup(values: pd.Series, table: Mapping[str, int]) -> npt.NDArray[np.float64]:
    """Each value's number in ``table`` (NaN where it has none), looking up distinct values
    only."""
    codes, uniques = pd.factorize(values.fillna("").astype(str))
    found = np.asarray([table.get(str(u), np.nan) for u in uniques], dtype=np.float64)
    return found[codes] if len(codes) else np.zeros(0)


SPAN = 10_000_000  # room for a key's times: seconds on the axis, shifted by OFFSET
OFFSET = 4_000_000


def match(tt: Timetable, taps: pd.DataFrame, *, window_s: int = WINDOW_S,
          parents: Mapping[str, str] | None = None) -> pd.DataFrame:
    """``taps`` (columns route, stop, and ``at``: aware datetimes) with ``trip`` (the
    timetable's trip index, -1 unmatched), ``pos`` (its stop position), ``stop_ix`` (the stop
    boarded, -1) and ``reason`` ("" when matched). ``parents`` maps a platform's stop id to
    its station's, so that a tap naming the station matches the trips at its platforms."""
    out = taps.copy()
    k = len(out)
    route_s = out["route"].fillna("").astype(str)
    stop_s = out["stop"].fillna("").astype(str)
    at = pd.to_datetime(out["at"], utc=True)
    secs = (at - pd.Timestamp(tt.ref_utc)).dt.total_seconds().round().to_numpy(dtype=np.int64)
    calls = _calls(tt)
    # stops a tap may name: the timetable's, then stations of its platforms
    vocab = {s: i for i, s in enumerate(tt.stop_ids)}
    station_rows: list[tuple[int, int]] = []  # (call stop index, station code)
    for child, parent in (parents or {}).items():
        if child in vocab and parent and parent not in vocab:
            code = vocab.setdefault(f"\x00{parent}", len(vocab))
            station_rows.append((vocab[child], code))
    names = {s: c for s, c in vocab.items() if not s.startswith("\x00")}
    names.update({s[1:]: c for s, c in vocab.items() if s.startswith("\x00")})
    n_codes = max(len(vocab), 1)

    keep = calls.pickup & (calls.route >= 0)
    c_stop = calls.stop[keep]
    c_idx = np.flatnonzero(keep)
    if station_rows:
        child_of = np.full(len(tt.stop_ids), -1, dtype=np.int64)
        for child_ix, code in station_rows:
            child_of[child_ix] = code
        extra = child_of[c_stop] >= 0
        c_idx = np.concatenate([c_idx, c_idx[extra]])
        c_stop_key = np.concatenate([c_stop, child_of[c_stop][extra]])
    else:
        c_stop_key = c_stop
    c_key = calls.route[c_idx] * n_codes + c_stop_key
    c_sort = c_key * SPAN + (calls.dep[c_idx] + OFFSET)
    order = np.argsort(c_sort, kind="stable")
    c_sort, c_idx, c_key = c_sort[order], c_idx[order], c_key[order]
    running = np.unique(calls.route[keep])

    route_ix = _lookup(route_s, {r: i for i, r in enumerate(tt.route_ids)})
    stop_code = _lookup(stop_s, names)
    # the first reason that holds, in the order of REASONS
    reason = np.select(
        [(route_s == "").to_numpy(), (stop_s == "").to_numpy(), np.isnan(route_ix),
         np.isnan(stop_code)],
        ["no_route", "no_stop", "unknown_route", "unknown_stop"], default="").astype(object)
    ok = reason == ""
    r_ix = np.where(ok, route_ix, 0).astype(np.int64)
    s_ix = np.where(ok, stop_code, 0).astype(np.int64)
    reason[ok & ~np.isin(r_ix, running)] = "route_not_running"
    ok = reason == ""
    key = r_ix * n_codes + s_ix
    reason[ok & ~np.isin(key, c_key)] = "stop_not_on_route"
    ok = reason == ""

    trip = np.full(k, -1, dtype=np.int64)
    pos = np.full(k, -1, dtype=np.int64)
    stop_ix = np.full(k, -1, dtype=np.int64)
    if ok.any() and len(c_sort):
        t = np.where(ok, secs, 0)
        q = key * SPAN + (t + OFFSET)
        right = np.searchsorted(c_sort, q, side="left")
        left = right - 1
        big = np.iinfo(np.int64).max
        r_c = np.clip(right, 0, len(c_sort) - 1)
        l_c = np.clip(left, 0, len(c_sort) - 1)
        r_call, l_call = c_idx[r_c], c_idx[l_c]
        r_ok = (right < len(c_sort)) & (c_key[r_c] == key)
        l_ok = (left >= 0) & (c_key[l_c] == key)
        # 0 while the bus is at the stop (arrival to departure), else the time to it
        r_gap = np.where(r_ok, np.maximum(calls.arr[r_call] - t, 0), big)
        l_gap = np.where(l_ok, t - calls.dep[l_call], big)
        best = np.where(r_gap <= l_gap, r_call, l_call)
        gap = np.minimum(r_gap, l_gap)
        hit = ok & (gap <= window_s)
        reason[ok & ~hit] = "no_trip_in_window"
        trip[hit] = calls.trip[best[hit]]
        pos[hit] = calls.pos[best[hit]]
        stop_ix[hit] = calls.stop[best[hit]]
    out["trip"], out["pos"], out["stop_ix"], out["reason"] = trip, pos, stop_ix, reason
    return out


def _place(tt: Timetable, places: Mapping[str, tuple[float, float]] | None
           ) -> dict[str, tuple[float, float]]:
    where = dict(places or {})
    where.update({s: (float(la), float(lo)) for s, la, lo in zip(tt.stop_ids, tt.lat, tt.lon,
                                                                 strict=True)
                  if np.isfinite(la) and np.isfinite(lo)})
    return where


def day_flows(tt: Timetable, taps: pd.DataFrame, *, params: LoadParams | None = None,
              places: Mapping[str, tuple[float, float]] | None = None,
              parents: Mapping[str, str] | None = None) -> DayFlows:
    """Match one local day's bus taps (columns ``TAP_COLUMNS``: a rider's pseudonym, an aware
    time, route and stop ids) to ``tt`` (the timetable of that date) and chain them.
    ``places`` gives positions of stops the timetable has none for (stations)."""
    params = params or LoadParams()
    df = taps.reset_index(drop=True)
    at = pd.to_datetime(df["at"], utc=True)
    rider_codes = pd.factorize(df["rider"].astype(str))[0]
    # a rider's taps in time order (ties: as given), riders apart
    order = np.lexsort((np.arange(len(df)), at.array.asi8, rider_codes))
    df = df.iloc[order].reset_index(drop=True).assign(at=at.iloc[order].reset_index(drop=True))
    rider = rider_codes[order]
    m = match(tt, df, window_s=params.window_s, parents=parents)
    n = len(m)

    # the next boarding stop of the same rider that day; the last goes back to the first
    stop_codes, stop_names = pd.factorize(m["stop"].fillna("").astype(str))
    where = _place(tt, places)
    lat_u = np.asarray([where.get(str(x), (np.nan, np.nan))[0] for x in stop_names], float)
    lon_u = np.asarray([where.get(str(x), (np.nan, np.nan))[1] for x in stop_names], float)
    new = np.r_[True, rider[1:] != rider[:-1]] if n else np.zeros(0, dtype=np.bool_)
    group = np.cumsum(new) - 1
    starts = np.flatnonzero(new)
    size = np.diff(np.r_[starts, n])[group]
    same_next = np.r_[~new[1:], False] if n else new
    dest = np.where(same_next, np.r_[stop_codes[1:], -1][:n], stop_codes[starts][group])
    lat = lat_u[dest] if n else np.zeros(0)
    lon = lon_u[dest] if n else np.zeros(0)
    why = np.full(n, "", dtype=object)
    why[np.isnan(lat)] = "next_stop_unknown"
    why[dest == stop_codes] = "same_stop"
    why[size == 1] = "single_tap"

    trips = m["trip"].to_numpy()
    poss = m["pos"].to_numpy()
    matched = trips >= 0
    # alighting stops, pattern by pattern: the later drop-off stop nearest the destination
    chainable = matched & (why == "")
    pats = tt.trip_pattern[np.where(matched, trips, 0)] if matched.any() else trips
    alight_rows, alight_pos = [], []
    for p in np.unique(pats[chainable]):
        rows = np.flatnonzero(chainable & (pats == p))
        lo, hi = int(tt.pat_stop_ptr[p]), int(tt.pat_stop_ptr[p + 1])
        stops = tt.pat_stops[lo:hi]
        dist = _vector_haversine(lat[rows, None], lon[rows, None], tt.lat[stops][None, :],
                                 tt.lon[stops][None, :])
        later = np.arange(hi - lo)[None, :] > poss[rows, None]
        dist = np.where(later & tt.pat_dropoff[lo:hi][None, :], dist, np.inf)
        best = np.argmin(dist, axis=1)
        near = dist[np.arange(len(rows)), best] <= params.max_walk_m
        why[rows[~near]] = "too_far"
        alight_rows.append(rows[near])
        alight_pos.append(best[near])

    refs: dict[int, datetime] = {}
    runs_of = {int(t): _run(tt, int(t), refs) for t in np.unique(trips[matched])}
    on = np.flatnonzero(matched)
    chained = why[on] == ""
    a_rows = np.concatenate(alight_rows) if alight_rows else np.zeros(0, dtype=np.int64)
    a_pos = np.concatenate(alight_pos) if alight_pos else np.zeros(0, dtype=np.int64)
    events = pd.DataFrame({
        "trip": np.r_[trips[on], trips[a_rows]], "pos": np.r_[poss[on], a_pos],
        "board": np.r_[chained, np.zeros(len(a_rows), bool)].astype(np.int64),
        "alight": np.r_[np.zeros(len(on), np.int64), np.ones(len(a_rows), np.int64)],
        "unchained": np.r_[~chained, np.zeros(len(a_rows), bool)].astype(np.int64)})
    counts = events.groupby(["trip", "pos"], as_index=False).sum()
    counts.insert(0, "run", [runs_of[int(t)].key for t in counts["trip"]])
    counts = counts.drop(columns="trip")[COUNT_COLUMNS]

    reasons = m["reason"].to_numpy()
    sizes = (pd.DataFrame({"route": m["route"].fillna("").astype(str),
                           "stop": m["stop"].fillna("").astype(str), "reason": reasons})
             .groupby(["route", "stop", "reason"]).size())
    outcomes: Counter[tuple[str, str, str]] = Counter(
        {(str(r), str(st), str(w)): int(k) for (r, st, w), k in sizes.items()})
    unchained: Counter[tuple[str, str]] = Counter(
        (runs_of[int(trips[r])].route_id, str(why[r])) for r in on[~chained])
    today = tt.trip_day == 0
    route_runs: Counter[str] = Counter(
        {tt.route_ids[r]: int(k) for r, k in enumerate(np.bincount(
            tt.trip_route[today & (tt.trip_route >= 0)], minlength=len(tt.route_ids))) if k})
    return DayFlows(taps=n, matched=int(matched.sum()),
                    runs={r.key: r for r in runs_of.values()}, counts=counts,
                    unchained=unchained, outcomes=outcomes, route_runs=route_runs)


# -- loads -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class StopLoad:
    """A stop of a run: who boarded and alighted there, and the load leaving it (the load on
    the segment to the next stop; 0 after the last)."""

    position: int  # 1 for the first stop of the run
    stop_id: str
    boardings: float
    alightings: float
    load: float


@dataclass(frozen=True)
class TripLoad:
    run: Run
    period: str | None  # None: the run starts outside every period
    boardings: float
    unchained: float
    max_load: float
    max_load_stop: str
    max_load_position: int
    over_capacity: bool
    segments: tuple[StopLoad, ...]


@dataclass(frozen=True)
class RouteLoad:
    route_id: str
    runs: int  # runs of the route in the timetable on the dates
    trips: int  # runs with a matched tap
    boardings: float
    max_load: float
    over_capacity: int
    peak_by_period: dict[str, float]


@dataclass(frozen=True)
class Loads:
    params: LoadParams
    taps: int
    matched: int
    unmatched: dict[str, int]
    unchained: dict[str, int]
    outcomes: dict[tuple[str, str, str], int]
    trips: tuple[TripLoad, ...]
    routes: tuple[RouteLoad, ...]
    days: int = 1
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def match_rate(self) -> float | None:
        return self.matched / self.taps if self.taps else None

    def peak_loads(self) -> dict[str, dict[str, float]]:
        """{route_id: {period: the highest maximum load of the route's runs starting in the
        period}}: the design loads a frequency optimiser meets (max load point rule, Ceder
        1984)."""
        return {r.route_id: dict(r.peak_by_period) for r in self.routes if r.peak_by_period}


def _spread(u: F64, weights: F64) -> tuple[F64, F64]:
    """Alightings of the unchained boardings ``u`` (per position), each position's spread over
    the later positions in proportion to ``weights``; (alightings, boardings that found no
    weight after them)."""
    after = weights.sum() - np.cumsum(weights)  # the weight of the positions after each
    has = after > 1e-12
    ratio = np.divide(u, after, out=np.zeros_like(u), where=has)
    spread: F64 = weights * (np.cumsum(ratio) - ratio)  # sum over the boardings before
    return spread, np.where(has, 0.0, u)


def loads(days: Iterable[DayFlows], *, params: LoadParams | None = None,
          route: str | None = None) -> Loads:
    """Sum the days' flows by run, spread the unchained boardings, and compute every run's
    stop loads, maximum load point and capacity flag; ``route`` keeps only that route's runs
    and taps in the answer (matching and chaining used all taps)."""
    params = params or LoadParams()
    flows = list(days)
    runs: dict[str, Run] = {}
    outcomes: Counter[tuple[str, str, str]] = Counter()
    route_runs: Counter[str] = Counter()
    for f in flows:
        runs.update(f.runs)
        outcomes.update(f.outcomes)
        route_runs.update(f.route_runs)
    keys = sorted(runs, key=lambda x: (_natural(runs[x].route_id), runs[x].start, x))
    # every run's stops laid end to end: run i's position j is flat[offset[i] + j]
    sizes = np.asarray([len(runs[k].stops) for k in keys], dtype=np.int64)
    offset = np.r_[0, np.cumsum(sizes)].astype(np.int64)
    index = {k: i for i, k in enumerate(keys)}
    total = int(offset[-1])
    b, a, u = np.zeros(total), np.zeros(total), np.zeros(total)
    frames = [f.counts for f in flows if len(f.counts)]
    if frames:
        counts = pd.concat(frames, ignore_index=True)
        at = offset[counts["run"].map(index).to_numpy(dtype=np.int64)] + counts["pos"].to_numpy()
        np.add.at(b, at, counts["board"].to_numpy(dtype=np.float64))
        np.add.at(a, at, counts["alight"].to_numpy(dtype=np.float64))
        np.add.at(u, at, counts["unchained"].to_numpy(dtype=np.float64))
    drop = np.asarray([d for k in keys for d in runs[k].dropoff], dtype=np.bool_)
    by_pattern: dict[tuple[str, tuple[str, ...]], F64] = {}
    for i, k in enumerate(keys):
        pk = (runs[k].route_id, runs[k].stops)
        part = a[offset[i]:offset[i + 1]]
        by_pattern[pk] = by_pattern[pk] + part if pk in by_pattern else part.copy()

    # unchained boardings' alightings: the run's chained ones, else its pattern's, else even
    extra = np.zeros(total)
    with_unchained = np.add.reduceat(u, offset[:-1]) > 0 if total else np.zeros(0, bool)
    for i in map(int, np.flatnonzero(with_unchained)):
        lo, hi = int(offset[i]), int(offset[i + 1])
        r = runs[keys[i]]
        d = drop[lo:hi]
        spread, left = _spread(u[lo:hi], a[lo:hi] * d)
        if left.any():
            more, left = _spread(left, by_pattern[(r.route_id, r.stops)] * d)
            spread += more
        if left.any():
            more, left = _spread(left, d.astype(np.float64))
            spread += more
        spread[-1] += left.sum()  # nowhere later to alight: the last stop
        extra[lo:hi] = spread
    b_all = (b + u) * params.scale
    a_all = (a + extra) * params.scale
    load = np.zeros(total)
    for i in range(len(keys)):
        lo, hi = int(offset[i]), int(offset[i + 1])
        run_load = np.cumsum(b_all[lo:hi] - a_all[lo:hi])
        run_load[-1] = 0.0
        load[lo:hi] = run_load
    load[np.abs(load) < 1e-9] = 0.0
    b_r, a_r, l_r = (np.round(x, 2).tolist() for x in (b_all, a_all, load))
    u_sum = np.add.reduceat(u, offset[:-1]) * params.scale if total else np.zeros(0)
    b_sum = np.add.reduceat(b_all, offset[:-1]) if total else np.zeros(0)

    trips = []
    for i, k in enumerate(keys):
        r = runs[k]
        if route is not None and r.route_id != route:
            continue
        lo, hi = int(offset[i]), int(offset[i + 1])
        peak = int(np.argmax(load[lo:hi]))
        segments = tuple(StopLoad(j + 1, s, b_r[lo + j], a_r[lo + j], l_r[lo + j])
                         for j, s in enumerate(r.stops))
        trips.append(TripLoad(run=r, period=params.period_of(r.start_s),
                              boardings=_r(b_sum[i]), unchained=_r(u_sum[i]),
                              max_load=l_r[lo + peak], max_load_stop=r.stops[peak],
                              max_load_position=peak + 1,
                              over_capacity=bool(load[lo + peak] > params.capacity),
                              segments=segments))

    routes = []
    names = sorted({t.run.route_id for t in trips} | (
        set(route_runs) if route is None else {route} & set(route_runs)), key=_natural)
    for name in names:
        mine = [t for t in trips if t.run.route_id == name]
        peaks: dict[str, float] = {}
        for t in mine:
            if t.period is not None:
                peaks[t.period] = max(peaks.get(t.period, 0.0), t.max_load)
        routes.append(RouteLoad(
            route_id=name, runs=route_runs.get(name, 0), trips=len(mine),
            boardings=_r(sum(t.boardings for t in mine)),
            max_load=max((t.max_load for t in mine), default=0.0),
            over_capacity=sum(t.over_capacity for t in mine),
            peak_by_period={p.name: peaks[p.name] for p in params.periods if p.name in peaks}))

    kept = {o: n for o, n in outcomes.items() if route is None or o[0] == route}
    unmatched: Counter[str] = Counter()
    for (_, _, why), n in kept.items():
        if why:
            unmatched[why] += n
    n_taps = sum(kept.values())
    chained_why: Counter[str] = Counter()
    for f in flows:
        for (of_route, why), n in f.unchained.items():
            if route is None or of_route == route:
                chained_why[why] += n
    return Loads(params=params, taps=n_taps, matched=n_taps - sum(unmatched.values()),
                 unmatched=dict(sorted(unmatched.items())),
                 unchained=dict(sorted(chained_why.items())), outcomes=kept,
                 trips=tuple(trips), routes=tuple(routes), days=len(flows))


def _natural(route_id: str) -> tuple[int, int, str]:
    """Line 2 before line 11."""
    return (0, int(route_id), "") if route_id.isdigit() else (1, 0, route_id)


def _r(x: float) -> float:
    """Loads keep two decimals (the spread of unchained boardings makes fractions)."""
    return round(float(x), 2) + 0.0


def local_day(at: pd.Series, tz: str) -> pd.Series:
    """Each aware time's local date in ``tz``: the day its tap is chained in."""
    return pd.to_datetime(at, utc=True).dt.tz_convert(ZoneInfo(tz)).dt.date


def split_days(taps: pd.DataFrame, tz: str) -> Sequence[tuple[date, pd.DataFrame]]:
    """The taps grouped by their local date, in date order."""
    if taps.empty:
        return []
    day = local_day(taps["at"], tz)
    return [(d, g) for d, g in taps.groupby(day, sort=True)]
