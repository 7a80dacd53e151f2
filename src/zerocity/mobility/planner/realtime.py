"""GTFS-Realtime TripUpdates applied to a compiled timetable (research §2.2, §3.4 step 5).

``apply_updates(tt, updates)`` returns a new :class:`Timetable` with each updated trip's times
replaced on a copy of the arrays and cancelled trips removed; the timetable given is not
changed. The rules are the GTFS-Realtime reference's:

- an update names one trip run: ``trip_id``, and for a frequency-based trip its
  ``start_time`` too (the run leaving then); ``start_date`` picks the service date (without
  one, the run nearest in time to the feed's timestamp);
- a StopTimeUpdate is matched by ``stop_sequence`` (through the feed's stop_sequence values of
  the trip, ``sequences``) or else by ``stop_id``; it gives a delay or an absolute time of
  arrival and of departure (either one stands for both when the other is missing);
- a delay **propagates** to the following stops until the next update; stops before the first
  update keep the trip-level delay when there is one, else their schedule;
- ``SKIPPED``: the vehicle passes the stop without stopping (no boarding, no alighting there)
  and the delay goes on propagating; ``NO_DATA``: the stop and the following ones, until the
  next update, keep their schedule (propagation stops);
- ``CANCELED`` and ``DELETED`` trips are removed; ``ADDED``, ``NEW``, ``DUPLICATED``,
  ``REPLACEMENT`` and ``UNSCHEDULED`` trips are not applied (counted in ``ignored``).

A trip's times are then made consistent: no arrival before the previous departure, no
departure before the arrival (a prediction may be later than what a reverted schedule says).

**FIFO.** A pattern's trips must not overtake one another (the search boards the earliest
trip catchable at a stop and relies on it being the earliest at every later stop). A delay
may make a trip overtaken by the next one, and a skipped stop changes a trip's pick-up and
drop-off flags; each changed pattern is therefore split again exactly as compiling does: its
trips are grouped by flags, sorted by first departure, and each joins the first sub-pattern
whose last trip it never overtakes, else starts a new one. Unchanged patterns are copied as
they are. Trip indices of the new timetable differ from the old one's.

Pure Python and numpy: nothing here imports Django; the timetable's public fields only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from zerocity.mobility.planner.timetable import Timetable

I64 = npt.NDArray[np.int64]
BArr = npt.NDArray[np.bool_]

SCHEDULED, SKIPPED, NO_DATA, UNSCHEDULED = "SCHEDULED", "SKIPPED", "NO_DATA", "UNSCHEDULED"
REMOVED = frozenset({"CANCELED", "DELETED"})
APPLIED = frozenset({"SCHEDULED"})


@dataclass(frozen=True)
class StopTimeUpdate:
    """One stop of a TripUpdate: times are POSIX seconds, delays seconds."""

    stop_sequence: int | None = None
    stop_id: str | None = None
    arrival_delay: int | None = None
    arrival_time: int | None = None
    departure_delay: int | None = None
    departure_time: int | None = None
    relationship: str = SCHEDULED


@dataclass(frozen=True)
class TripUpdate:
    """One trip run's update. ``start_time``: seconds of the GTFS time "HH:MM:SS" (a
    frequency-based trip's run); ``delay``: the trip-level delay, for the stops before the
    first StopTimeUpdate (and all stops without one)."""

    trip_id: str
    start_date: date | None = None
    start_time: int | None = None
    relationship: str = SCHEDULED
    delay: int | None = None
    stop_time_updates: tuple[StopTimeUpdate, ...] = ()


@dataclass(frozen=True)
class Applied:
    """The timetable with the updates applied, and what they did: trip runs with changed
    times, runs removed, stop calls skipped, updates naming no run of this timetable (often a
    run of another service date), updates of a kind not applied, StopTimeUpdates naming no
    stop of their trip, and patterns that had to be split to stay FIFO."""

    timetable: Timetable
    delayed: int = 0
    cancelled: int = 0
    skipped: int = 0
    unmatched: tuple[str, ...] = ()
    ignored: tuple[str, ...] = ()
    unmatched_stops: int = 0
    splits: int = 0


def stop_sequences(stop_times: pd.DataFrame,
                   trip_ids: Iterable[str] | None = None) -> dict[str, list[int]]:
    """trip_id -> its stop_sequence values in order, from stop_times (text columns as the
    feed has them): how a StopTimeUpdate's stop_sequence finds its position in the trip."""
    frame = stop_times[["trip_id", "stop_sequence"]]
    if trip_ids is not None:
        frame = frame[frame["trip_id"].isin(set(trip_ids))]
    seq = pd.to_numeric(frame["stop_sequence"], errors="coerce")
    frame = pd.DataFrame({"trip_id": frame["trip_id"].astype(str), "seq": seq}).dropna()
    frame = frame.sort_values(["trip_id", "seq"], kind="stable")
    return {str(t): [int(x) for x in g] for t, g in frame.groupby("trip_id", sort=False)["seq"]}


def _hms(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def _describe(u: TripUpdate) -> str:
    run = f" {_hms(u.start_time)}" if u.start_time is not None else ""
    day = f" {u.start_date.isoformat()}" if u.start_date is not None else ""
    return f"{u.trip_id}{run}{day}"


class _Runs:
    """Finding the trip run an update names."""

    def __init__(self, tt: Timetable, feed_time: int | None) -> None:
        self.tt = tt
        self.by_trip: dict[str, list[int]] = {}
        for t, tid in enumerate(tt.trip_ids):
            self.by_trip.setdefault(tid, []).append(t)
        self.origin = int(tt.ref_utc.timestamp())
        self.now = None if feed_time is None else feed_time - self.origin

    def span(self, t: int) -> tuple[int, int]:
        tt = self.tt
        p = int(tt.trip_pattern[t])
        n = int(tt.pat_stop_ptr[p + 1] - tt.pat_stop_ptr[p])
        o = int(tt.pat_time[p]) + (t - int(tt.pat_trip[p])) * n
        return int(tt.dep[o]), int(tt.arr[o + n - 1])

    def find(self, u: TripUpdate) -> int | None:
        tt = self.tt
        runs = self.by_trip.get(u.trip_id, [])
        if any(tt.trip_start[t] >= 0 for t in runs):
            if u.start_time is None:
                return None  # a frequency-based trip's run is named by its start_time
            runs = [t for t in runs if tt.trip_start[t] < 0 or tt.trip_start[t] == u.start_time]
        if u.start_date is not None:
            runs = [t for t in runs
                    if tt.service_date + timedelta(days=int(tt.trip_day[t])) == u.start_date]
        if not runs:
            return None
        if len(runs) == 1:
            return runs[0]
        if self.now is None:
            today = [t for t in runs if tt.trip_day[t] == 0]
            return (today or runs)[0]
        now = self.now

        def distance(t: int) -> int:
            first, last = self.span(t)
            return max(first - now, now - last, 0)
        return min(runs, key=distance)


def _positions(tt: Timetable, stops: Sequence[int], seqs: Sequence[int] | None,
               updates: Sequence[StopTimeUpdate]) -> tuple[list[tuple[int, StopTimeUpdate]],
                                                           int]:
    """(position in the trip, update) in order, and how many updates named no later stop."""
    where = {s: i for i, s in enumerate(seqs)} if seqs is not None and \
        len(seqs) == len(stops) else None
    out: list[tuple[int, StopTimeUpdate]] = []
    last, lost = -1, 0
    for stu in updates:
        pos: int | None = None
        if stu.stop_sequence is not None and where is not None:
            pos = where.get(stu.stop_sequence)
        if pos is None and stu.stop_id is not None:
            try:
                index = tt.stop_index(stu.stop_id)
            except KeyError:
                index = -1
            pos = next((i for i in range(last + 1, len(stops)) if stops[i] == index), None)
        if pos is None or pos <= last:
            lost += 1
            continue
        out.append((pos, stu))
        last = pos
    return out, lost


def _event(time: int | None, delay: int | None, scheduled: int, origin: int) -> int | None:
    if time is not None:
        return time - origin
    if delay is not None:
        return scheduled + delay
    return None


def _run_times(arr: I64, dep: I64, pick: BArr, drop: BArr, u: TripUpdate,
               located: list[tuple[int, StopTimeUpdate]],
               origin: int) -> tuple[I64, I64, BArr, BArr, int]:
    """The run's new arrival and departure times and flags, and its stops skipped."""
    n = len(arr)
    new_arr, new_dep = arr.copy(), dep.copy()
    pick, drop = pick.copy(), drop.copy()
    at = dict(located)
    delay = u.delay
    skipped = 0
    for i in range(n):
        stu = at.get(i)
        if stu is None or stu.relationship == SKIPPED:
            if delay is not None:
                new_arr[i], new_dep[i] = arr[i] + delay, dep[i] + delay
            if stu is not None:
                pick[i] = drop[i] = False
                skipped += 1
            continue
        if stu.relationship != SCHEDULED:  # NO_DATA (UNSCHEDULED alike): the schedule
            delay = None
            continue
        a = _event(stu.arrival_time, stu.arrival_delay, int(arr[i]), origin)
        d = _event(stu.departure_time, stu.departure_delay, int(dep[i]), origin)
        if a is None and d is None:  # an update with neither: nothing new, keep propagating
            if delay is not None:
                new_arr[i], new_dep[i] = arr[i] + delay, dep[i] + delay
            continue
        if a is None:
            assert d is not None
            a = int(arr[i]) + (d - int(dep[i]))
        if d is None:
            d = int(dep[i]) + (a - int(arr[i]))
        new_arr[i], new_dep[i] = a, max(a, d)
        delay = int(new_dep[i] - dep[i])
    for i in range(n):  # consistent: never leave before arriving, never arrive before leaving
        if i:
            new_arr[i] = max(new_arr[i], new_dep[i - 1])
        new_dep[i] = max(new_dep[i], new_arr[i])
    return new_arr, new_dep, pick, drop, skipped


def apply_updates(tt: Timetable, updates: Iterable[TripUpdate], *,
                  sequences: Mapping[str, Sequence[int]] | None = None,
                  feed_time: int | None = None, tag: str = "rt") -> Applied:
    """The timetable with ``updates`` applied (see the module's rules). ``sequences``:
    trip_id -> its stop_sequence values in order (:func:`stop_sequences`), without which a
    StopTimeUpdate is matched by its stop_id only; ``feed_time``: the feed's POSIX timestamp,
    which picks the run of an update without start_date. The new timetable's ``feed_hash`` is
    the old one's with ``+tag`` when anything changed, so that no cache keyed by it mistakes
    one for the other."""
    runs = _Runs(tt, feed_time)
    origin = runs.origin
    changed: dict[int, tuple[I64, I64, BArr, BArr] | None] = {}
    unmatched: list[str] = []
    ignored: list[str] = []
    delayed = skipped = lost = 0
    for u in updates:
        if u.relationship not in REMOVED and u.relationship not in APPLIED:
            ignored.append(f"{_describe(u)} ({u.relationship})")
            continue
        t = runs.find(u)
        if t is None:
            unmatched.append(_describe(u))
            continue
        if t in changed:  # at most one update per run: the first stands
            continue
        if u.relationship in REMOVED:
            changed[t] = None
            continue
        p = int(tt.trip_pattern[t])
        lo, hi = int(tt.pat_stop_ptr[p]), int(tt.pat_stop_ptr[p + 1])
        n = hi - lo
        o = int(tt.pat_time[p]) + (t - int(tt.pat_trip[p])) * n
        arr = tt.arr[o:o + n].astype(np.int64)
        dep = tt.dep[o:o + n].astype(np.int64)
        located, missed = _positions(tt, tt.pat_stops[lo:hi].tolist(),
                                     sequences.get(u.trip_id) if sequences else None,
                                     u.stop_time_updates)
        lost += missed
        new = _run_times(arr, dep, tt.pat_pickup[lo:hi], tt.pat_dropoff[lo:hi], u, located,
                         origin)
        skipped += new[4]
        if (new[0] != arr).any() or (new[1] != dep).any():
            delayed += 1
        changed[t] = new[:4]
    cancelled = sum(1 for v in changed.values() if v is None)
    rebuilt, splits = _rebuild(tt, changed, f"{tt.feed_hash}+{tag}" if changed else tt.feed_hash)
    return Applied(rebuilt, delayed, cancelled, skipped, tuple(unmatched), tuple(ignored),
                   lost, splits)


# -- rebuilding the arrays ---------------------------------------------------------------------

def _fifo(arrs: I64, deps: I64) -> list[I64]:
    """Rows of a pattern's runs in sub-patterns where no run overtakes another, as compiling
    splits them: by first departure (then last arrival), each run joins the first sub-pattern
    whose last run it never overtakes. Mostly one: checked on whole arrays first."""
    order = np.lexsort((arrs[:, -1], deps[:, 0]))
    a, d = arrs[order], deps[order]
    if (np.diff(a, axis=0) >= 0).all() and (np.diff(d, axis=0) >= 0).all():
        return [order]
    both = np.concatenate([a, d], axis=1)
    # sorted run i+1 never overtakes run i
    follows = [bool(x) for x in np.all(np.diff(both, axis=0) >= 0, axis=1)]
    subs: list[list[int]] = []
    for i in range(len(order)):
        for sub in subs:
            last = sub[-1]
            if follows[last] if last == i - 1 else (both[i] >= both[last]).all():
                sub.append(i)
                break
        else:
            subs.append([i])
    return [order[np.asarray(sub, dtype=np.int64)] for sub in subs]


def _rebuild(tt: Timetable, changed: Mapping[int, tuple[I64, I64, BArr, BArr] | None],
             feed_hash: str) -> tuple[Timetable, int]:
    pat_route: list[int] = []
    pat_acc: list[bool] = []
    stops_chunks: list[Any] = []
    pick_chunks: list[Any] = []
    drop_chunks: list[Any] = []
    pat_stop_ptr, pat_trip, pat_time = [0], [0], []
    arr_chunks: list[Any] = []
    dep_chunks: list[Any] = []
    trip_order: list[int] = []
    trip_pattern: list[int] = []
    offset = splits = 0
    by_pattern: dict[int, list[int]] = {}
    for t in changed:
        by_pattern.setdefault(int(tt.trip_pattern[t]), []).append(t)

    def emit(p: int, pick: Any, drop: Any, trips: list[int], arr: Any, dep: Any) -> None:
        nonlocal offset
        lo, hi = int(tt.pat_stop_ptr[p]), int(tt.pat_stop_ptr[p + 1])
        new_p = len(pat_route)
        pat_route.append(int(tt.pat_route[p]))
        pat_acc.append(bool(tt.pat_accessible[p]))
        stops_chunks.append(tt.pat_stops[lo:hi])
        pick_chunks.append(np.asarray(pick, dtype=np.bool_))
        drop_chunks.append(np.asarray(drop, dtype=np.bool_))
        pat_stop_ptr.append(pat_stop_ptr[-1] + hi - lo)
        pat_time.append(offset)
        arr_chunks.append(arr)
        dep_chunks.append(dep)
        offset += len(arr)
        trip_order.extend(trips)
        trip_pattern.extend([new_p] * len(trips))
        pat_trip.append(len(trip_order))

    for p in range(tt.n_patterns):
        lo, hi = int(tt.pat_stop_ptr[p]), int(tt.pat_stop_ptr[p + 1])
        t0, t1 = int(tt.pat_trip[p]), int(tt.pat_trip[p + 1])
        first, size = int(tt.pat_time[p]), (t1 - t0) * (hi - lo)
        if p not in by_pattern:
            emit(p, tt.pat_pickup[lo:hi], tt.pat_dropoff[lo:hi], list(range(t0, t1)),
                 tt.arr[first:first + size], tt.dep[first:first + size])
            continue
        arrs, deps = (x.astype(np.int64) for x in tt.times(p))  # copies
        pick, drop = tt.pat_pickup[lo:hi], tt.pat_dropoff[lo:hi]
        keep = np.ones(t1 - t0, dtype=np.bool_)
        flags: dict[int, tuple[tuple[bool, ...], tuple[bool, ...]]] = {}
        for t in by_pattern[p]:
            new = changed[t]
            if new is None:
                keep[t - t0] = False  # cancelled
                continue
            arrs[t - t0], deps[t - t0] = new[0], new[1]
            if (new[2] != pick).any() or (new[3] != drop).any():
                flags[t - t0] = (tuple(bool(x) for x in new[2]), tuple(bool(x) for x in new[3]))
        plain = (tuple(bool(x) for x in pick), tuple(bool(x) for x in drop))
        groups: dict[tuple[tuple[bool, ...], tuple[bool, ...]], list[int]] = {}
        for row in np.nonzero(keep)[0].tolist():
            groups.setdefault(flags.get(row, plain), []).append(row)
        made = 0
        for (pk_key, dr_key), members in groups.items():
            rows = np.asarray(members, dtype=np.int64)
            for sub in _fifo(arrs[rows], deps[rows]):
                chosen = rows[sub]
                emit(p, pk_key, dr_key, (chosen + t0).tolist(), arrs[chosen].ravel(),
                     deps[chosen].ravel())
                made += 1
        splits += max(0, made - 1)

    order = np.asarray(trip_order, dtype=np.int64)
    pat_stops = (np.concatenate(stops_chunks) if stops_chunks
                 else np.zeros(0, dtype=np.int32)).astype(np.int32)
    ptr = np.asarray(pat_stop_ptr, dtype=np.int32)
    # which patterns call at each stop, and where: by stop, then pattern, then position
    owner = np.repeat(np.arange(len(pat_route), dtype=np.int32), np.diff(ptr))
    position = np.arange(len(pat_stops), dtype=np.int32) - ptr[owner]
    by_stop = np.lexsort((position, owner, pat_stops))
    counts = np.bincount(pat_stops, minlength=tt.n_stops)
    stop_pat_ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)

    def cat(chunks: list[Any], dtype: Any) -> Any:
        return (np.concatenate(chunks) if chunks else np.zeros(0)).astype(dtype)

    rebuilt = Timetable(
        service_date=tt.service_date, tz=tt.tz, ref_utc=tt.ref_utc, stop_ids=tt.stop_ids,
        stop_names=tt.stop_names, lat=tt.lat, lon=tt.lon, stop_wheelchair=tt.stop_wheelchair,
        route_ids=tt.route_ids, route_names=tt.route_names, route_types=tt.route_types,
        pat_route=np.asarray(pat_route, dtype=np.int32),
        pat_accessible=np.asarray(pat_acc, dtype=np.bool_), pat_stop_ptr=ptr,
        pat_stops=pat_stops, pat_pickup=cat(pick_chunks, np.bool_),
        pat_dropoff=cat(drop_chunks, np.bool_),
        pat_trip=np.asarray(pat_trip, dtype=np.int32),
        pat_time=np.asarray(pat_time, dtype=np.int32),
        arr=cat(arr_chunks, np.int32), dep=cat(dep_chunks, np.int32),
        trip_ids=[tt.trip_ids[t] for t in trip_order],
        trip_pattern=np.asarray(trip_pattern, dtype=np.int32),
        trip_day=tt.trip_day[order].astype(np.int32),
        trip_start=tt.trip_start[order].astype(np.int32),
        trip_route=tt.trip_route[order].astype(np.int32),
        stop_pat_ptr=stop_pat_ptr, stop_pat=owner[by_stop].astype(np.int32),
        stop_pat_pos=position[by_stop].astype(np.int32),
        fp_ptr=tt.fp_ptr, fp_to=tt.fp_to, fp_m=tt.fp_m, fp_s=tt.fp_s, fp_rule=tt.fp_rule,
        fp_min=tt.fp_min, same_rule=tt.same_rule, same_min=tt.same_min, rules=tt.rules,
        feed_hash=feed_hash)
    return rebuilt, splits
