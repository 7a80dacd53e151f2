"""A feed version compiled for one service date: flat arrays a router scans.

Input: the GTFS tables of one feed version (``dict`` of file name without ``.txt`` ->
``DataFrame``, every column text as in the file) and the city's IANA zone. The date's own trips
and the previous date's (those running past 24:00) are both taken, so a 00:20 query sees
yesterday's 24:20 trip. Times are seconds from the date's "noon minus 12 h" (the GTFS reference
point, which is not midnight on a summer-time change day); the previous date's trips are moved
onto the same axis by the true difference between the two reference points.

Patterns are trips with the same stops and the same pick-up and drop-off flags (and route and
wheelchair flag), split until no trip overtakes another (FIFO), so that the earliest trip
catchable at one stop is the earliest at every later stop. Frequency-based trips
(``frequencies.txt``, either ``exact_times``) run at ``start_time`` and every
``headway_secs`` after it, before ``end_time``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
import pandas as pd

from zerocity.mobility.planner import transfers as tr
from zerocity.mobility.planner.walking import WalkNetwork

I32 = npt.NDArray[np.int32]
I8 = npt.NDArray[np.int8]
F64 = npt.NDArray[np.float64]
B = npt.NDArray[np.bool_]

NOT_ACCESSIBLE = 2  # wheelchair_boarding / wheelchair_accessible
ROUTE_MODES = {0: "tram", 1: "subway", 2: "rail", 3: "bus", 4: "ferry", 5: "cable_tram",
               6: "aerial_lift", 7: "funicular", 11: "trolleybus", 12: "monorail"}


def mode_of(route_type: int) -> str:
    """A route_type (basic or extended) as a mode name."""
    if route_type in ROUTE_MODES:
        return ROUTE_MODES[route_type]
    group = route_type // 100
    return {1: "rail", 2: "bus", 4: "subway", 7: "bus", 8: "trolleybus", 9: "tram",
            10: "ferry", 12: "ferry", 13: "aerial_lift", 14: "funicular"}.get(group, "bus")


def reference_utc(day: date, tz: str) -> datetime:
    """The GTFS time origin of a service date: local noon minus 12 hours, as a UTC instant."""
    noon = datetime(day.year, day.month, day.day, 12, tzinfo=ZoneInfo(tz))
    return noon.astimezone(UTC) - timedelta(hours=12)


def parse_times(values: pd.Series) -> npt.NDArray[np.float64]:
    """HH:MM:SS (hours may pass 24) as seconds; NaN where empty."""
    text = values.fillna("").astype(str).str.strip()
    parts = text.str.split(":", expand=True)
    if parts.shape[1] < 3:
        return np.full(len(values), np.nan)
    nums = parts.iloc[:, :3].apply(pd.to_numeric, errors="coerce")
    secs = nums.iloc[:, 0] * 3600 + nums.iloc[:, 1] * 60 + nums.iloc[:, 2]
    return np.asarray(secs.to_numpy(dtype="float64", na_value=np.nan))


def _col(df: pd.DataFrame, name: str) -> pd.Series:
    if name in df.columns:
        return df[name].fillna("").astype(str).str.strip()
    return pd.Series([""] * len(df), index=df.index, dtype=object)


def _table(tables: dict[str, pd.DataFrame], name: str) -> pd.DataFrame:
    df = tables.get(name)
    return df if df is not None else pd.DataFrame()


def active_services(tables: dict[str, pd.DataFrame], day: date) -> set[str]:
    """Service ids running on ``day``: calendar.txt's weekday and range, then calendar_dates
    (1 adds, 2 removes)."""
    ymd = day.strftime("%Y%m%d")
    weekday = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
               "sunday")[day.weekday()]
    active: set[str] = set()
    cal = _table(tables, "calendar")
    if len(cal):
        on = ((_col(cal, weekday) == "1") & (_col(cal, "start_date") <= ymd)
              & (_col(cal, "end_date") >= ymd))
        active.update(_col(cal, "service_id")[on])
    cd = _table(tables, "calendar_dates")
    if len(cd):
        today = cd[_col(cd, "date") == ymd]
        kind = _col(today, "exception_type")
        ids = _col(today, "service_id")
        active.update(ids[kind == "1"])
        active.difference_update(ids[kind == "2"])
    return active


@dataclass
class Timetable:
    """Arrays for one service date. Stops, patterns and trips are indices; times are int32
    seconds from ``ref_utc``. Trip-major times: trip t of pattern p at position i is
    ``arr[pat_time[p] + (t - pat_trip[p]) * n + i]`` with n the pattern's stop count."""

    service_date: date
    tz: str
    ref_utc: datetime
    stop_ids: list[str]
    stop_names: list[str]
    lat: F64
    lon: F64
    stop_wheelchair: I8  # effective wheelchair_boarding (a child inherits its station's 0)
    route_ids: list[str]
    route_names: list[str]
    route_types: I32
    pat_route: I32
    pat_accessible: B
    pat_stop_ptr: I32
    pat_stops: I32
    pat_pickup: B
    pat_dropoff: B
    pat_trip: I32  # [P+1] trip index range of each pattern
    pat_time: I32  # [P] offset of each pattern's times
    arr: I32
    dep: I32
    trip_ids: list[str]
    trip_pattern: I32
    trip_day: I32  # 0: the service date, -1: the date before
    trip_start: I32  # a frequency run's start (s), -1 for scheduled trips
    trip_route: I32
    stop_pat_ptr: I32
    stop_pat: I32
    stop_pat_pos: I32
    fp_ptr: I32
    fp_to: I32
    fp_m: F64  # walked metres
    fp_s: I32  # walking seconds
    fp_rule: I8  # -1: walking only; else the stop-level transfer_type that made or kept it
    fp_min: I32  # min_transfer_time of that rule
    same_rule: I8  # per stop: -1 none, else the stop-level transfer_type for a change there
    same_min: I32
    rules: list[tr.Rule]
    feed_hash: str = ""
    walk: WalkNetwork | None = None  # the city's walking network; None: straight line x 1.3
    _index: dict[str, int] = field(default_factory=dict, repr=False)
    _rules: tr.TransferRules | None = field(default=None, repr=False)
    # what searches derive from the arrays (laid out for the compiled search, footpaths per
    # walking limit, ...): not an __init__ field, so a copy made with dataclasses.replace (with
    # other times, say) starts without it
    _cache: dict[Any, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def n_stops(self) -> int:
        return len(self.stop_ids)

    @property
    def n_patterns(self) -> int:
        return len(self.pat_route)

    @property
    def n_trips(self) -> int:
        return len(self.trip_ids)

    def stop_index(self, stop_id: str) -> int:
        if not self._index:
            self._index = {s: i for i, s in enumerate(self.stop_ids)}
        return self._index[stop_id]

    @property
    def transfer_rules(self) -> tr.TransferRules:
        if self._rules is None:
            self._rules = tr.TransferRules(self.rules)
        return self._rules

    def pattern_stops(self, p: int) -> I32:
        return self.pat_stops[self.pat_stop_ptr[p]:self.pat_stop_ptr[p + 1]]

    def times(self, p: int) -> tuple[I32, I32]:
        """(arrivals, departures) of pattern p as [trips, stops] views."""
        n = int(self.pat_stop_ptr[p + 1] - self.pat_stop_ptr[p])
        t = int(self.pat_trip[p + 1] - self.pat_trip[p])
        o = int(self.pat_time[p])
        return (self.arr[o:o + t * n].reshape(t, n), self.dep[o:o + t * n].reshape(t, n))

    def cached(self, key: Any, make: Callable[[], Any]) -> Any:
        """What ``make`` derives from this timetable, made once and kept with it."""
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    def vehicle_codes(self) -> npt.NDArray[np.int64]:
        """Each trip's :meth:`vehicle` as a code: equal names, equal codes."""
        def make() -> npt.NDArray[np.int64]:
            if any("@" in t for t in self.trip_ids):  # "a@5" run -1 names what "a" run 5 does
                keys = np.asarray([self.vehicle(t) for t in range(self.n_trips)], dtype=str)
                return np.unique(keys, return_inverse=True)[1].astype(np.int64).reshape(-1)
            key = np.zeros(self.n_trips, dtype=np.int64)
            for column in (self.trip_ids, self.trip_start, self.trip_day):  # (name, run, day)
                codes, values = pd.factorize(pd.Series(column))
                key = key * len(values) + codes
            return np.asarray(pd.factorize(key)[0], dtype=np.int64)
        out: npt.NDArray[np.int64] = self.cached("vehicles", make)
        return out

    def vehicle_code(self, name: str) -> int | None:
        """The code of the trip run a validator reports as ``name`` (:meth:`vehicle`)."""
        def make() -> dict[str, int]:
            codes = self.vehicle_codes()
            return {self.vehicle(t): int(codes[t]) for t in range(self.n_trips)}
        by_name: dict[str, int] = self.cached("vehicle names", make)
        return by_name.get(name)

    def instant(self, seconds: int) -> datetime:
        """Seconds on this timetable's axis as an aware datetime in the city's zone."""
        return (self.ref_utc + timedelta(seconds=int(seconds))).astimezone(ZoneInfo(self.tz))

    def seconds(self, moment: datetime) -> int:
        if moment.tzinfo is None:
            raise ValueError("the time needs a time zone")
        return int((moment - self.ref_utc).total_seconds())

    def vehicle(self, trip: int) -> str:
        """What a validator on this trip reports: one trip run on one service date."""
        day = self.service_date + timedelta(days=int(self.trip_day[trip]))
        start = int(self.trip_start[trip])
        run = f"@{start}" if start >= 0 else ""
        return f"{self.trip_ids[trip]}{run}/{day.isoformat()}"


# -- compiling ---------------------------------------------------------------------------------

def _stops(tables: dict[str, pd.DataFrame]) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """Boardable stops (location_type 0) with effective wheelchair flags, and each station's
    children."""
    stops = _table(tables, "stops")
    ids = _col(stops, "stop_id")
    ltype = _col(stops, "location_type").replace("", "0")
    parent = _col(stops, "parent_station")
    wb = _col(stops, "wheelchair_boarding").replace("", "0")
    wb_by_id = dict(zip(ids, wb, strict=True))
    children: dict[str, list[str]] = {}
    for sid, lt, par in zip(ids, ltype, parent, strict=True):
        if lt == "0" and par:
            children.setdefault(par, []).append(sid)
    eff = [w if w != "0" or not p else wb_by_id.get(p, "0") for w, p in zip(wb, parent,
                                                                         strict=True)]
    out = pd.DataFrame({"stop_id": ids, "name": _col(stops, "stop_name"),
                        "lat": pd.to_numeric(_col(stops, "stop_lat"), errors="coerce"),
                        "lon": pd.to_numeric(_col(stops, "stop_lon"), errors="coerce"),
                        "wheelchair": pd.to_numeric(pd.Series(eff, index=stops.index),
                                                    errors="coerce").fillna(0).astype(int)})
    return out[(ltype == "0").to_numpy()].reset_index(drop=True), children


def _stop_times(tables: dict[str, pd.DataFrame], trip_ids: set[str]) -> pd.DataFrame:
    st = _table(tables, "stop_times")
    st = st[_col(st, "trip_id").isin(trip_ids).to_numpy()]
    out = pd.DataFrame({
        "trip_id": _col(st, "trip_id"), "stop_id": _col(st, "stop_id"),
        "seq": pd.to_numeric(_col(st, "stop_sequence"), errors="coerce"),
        "arr": parse_times(_col(st, "arrival_time")),
        "dep": parse_times(_col(st, "departure_time")),
        "pickup": _col(st, "pickup_type") != "1", "dropoff": _col(st, "drop_off_type") != "1",
        "dist": pd.to_numeric(_col(st, "shape_dist_traveled"), errors="coerce"),
    })
    out = out.sort_values(["trip_id", "seq"], kind="stable").reset_index(drop=True)
    out["arr"] = out["arr"].fillna(out["dep"])
    out["dep"] = out["dep"].fillna(out["arr"])
    if out["arr"].isna().any():  # untimed stops: interpolate between timepoints
        for _, g in out.groupby("trip_id", sort=False):
            if not g["arr"].isna().any() or g["arr"].notna().sum() < 2:
                continue
            x = g["dist"].to_numpy() if g["dist"].notna().all() else np.arange(len(g), dtype=float)
            for col in ("arr", "dep"):
                known = g[col].notna().to_numpy()
                out.loc[g.index, col] = np.interp(x, x[known], g[col].to_numpy()[known])
    return out


def compile_timetable(tables: dict[str, pd.DataFrame], tz: str, service_date: date, *,
                      radius_m: float = 400.0, closure_m: float = 800.0,
                      walk: WalkNetwork | None = None) -> Timetable:
    """Compile the feed for ``service_date`` (with the previous date's trips)."""
    stops, children = _stops(tables)
    stop_ids = stops["stop_id"].tolist()
    index = {s: i for i, s in enumerate(stop_ids)}
    routes = _table(tables, "routes")
    route_ids = _col(routes, "route_id").tolist()
    route_index = {r: i for i, r in enumerate(route_ids)}
    short, long = _col(routes, "route_short_name"), _col(routes, "route_long_name")
    route_names = [s or lng or r for s, lng, r in zip(short, long, route_ids, strict=True)]
    route_types = pd.to_numeric(_col(routes, "route_type"), errors="coerce").fillna(3)

    trips = _table(tables, "trips")
    t_ids, t_srv = _col(trips, "trip_id"), _col(trips, "service_id")
    t_route, t_wc = _col(trips, "route_id"), _col(trips, "wheelchair_accessible")
    ref = reference_utc(service_date, tz)
    days = []
    for offset in (-1, 0):
        day = service_date + timedelta(days=offset)
        on = active_services(tables, day)
        shift = int((reference_utc(day, tz) - ref).total_seconds())
        days.append((offset, shift, set(t_ids[t_srv.isin(on)])))
    wanted = set().union(*(d[2] for d in days))
    st = _stop_times(tables, wanted)
    freq = _table(tables, "frequencies")
    runs: dict[str, list[int]] = {}
    if len(freq):
        starts = parse_times(_col(freq, "start_time"))
        ends = parse_times(_col(freq, "end_time"))
        heads = pd.to_numeric(_col(freq, "headway_secs"), errors="coerce").to_numpy()
        for tid, a, b, h in zip(_col(freq, "trip_id"), starts, ends, heads, strict=True):
            if tid in wanted and h > 0:
                runs.setdefault(tid, []).extend(range(int(a), int(b), int(h)))

    trip_meta = {t: (route_index.get(r, -1), w == str(NOT_ACCESSIBLE))
                 for t, r, w in zip(t_ids, t_route, t_wc, strict=True)}
    # one instance per (trip, day, run): key of its pattern, times
    groups: dict[tuple[Any, ...], list[tuple[str, int, int, npt.NDArray[np.int64],
                                             npt.NDArray[np.int64]]]] = {}
    for tid, g in st.groupby("trip_id", sort=False):
        sidx = [index.get(s, -1) for s in g["stop_id"]]
        if len(sidx) < 2 or min(sidx) < 0 or g["arr"].isna().any():
            continue
        route, inaccessible = trip_meta.get(str(tid), (-1, False))
        key = (route, inaccessible, tuple(sidx), tuple(g["pickup"]), tuple(g["dropoff"]))
        arr = g["arr"].to_numpy().astype(np.int64)
        dep = g["dep"].to_numpy().astype(np.int64)
        for offset, shift, ids in days:
            if tid not in ids:
                continue
            if tid in runs:
                base = int(dep[0])
                for start in runs[str(tid)]:
                    delta = start - base + shift
                    groups.setdefault(key, []).append((str(tid), offset, start, arr + delta,
                                                       dep + delta))
            else:
                groups.setdefault(key, []).append((str(tid), offset, -1, arr + shift,
                                                   dep + shift))

    # FIFO split: a trip joins the first sub-pattern whose last trip it never overtakes
    patterns: list[tuple[tuple[Any, ...], list[Any]]] = []
    for key, insts in groups.items():
        insts.sort(key=lambda x: (int(x[4][0]), int(x[3][-1])))
        subs: list[list[Any]] = []
        for inst in insts:
            for sub in subs:
                last = sub[-1]
                if (inst[3] >= last[3]).all() and (inst[4] >= last[4]).all():
                    sub.append(inst)
                    break
            else:
                subs.append([inst])
        patterns.extend((key, sub) for sub in subs)

    pat_route: list[int] = []
    pat_acc: list[bool] = []
    pat_stop_ptr: list[int] = [0]
    pat_stops: list[int] = []
    pat_pick: list[bool] = []
    pat_drop: list[bool] = []
    pat_trip, pat_time = [0], []
    arr_chunks, dep_chunks = [], []
    trip_ids, trip_pattern, trip_day, trip_start, trip_route = [], [], [], [], []
    offset_t = 0
    for p, (key, sub) in enumerate(patterns):
        route, inaccessible, seq, pick, drop = key
        pat_route.append(route)
        pat_acc.append(not inaccessible)
        pat_stops.extend(seq)
        pat_pick.extend(pick)
        pat_drop.extend(drop)
        pat_stop_ptr.append(len(pat_stops))
        pat_time.append(offset_t)
        for tid, day, start, a, d in sub:
            arr_chunks.append(a)
            dep_chunks.append(d)
            trip_ids.append(tid)
            trip_pattern.append(p)
            trip_day.append(day)
            trip_start.append(start)
            trip_route.append(route)
            offset_t += len(a)
        pat_trip.append(len(trip_ids))

    n = len(stop_ids)
    occ: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    for p in range(len(pat_route)):
        for pos, s in enumerate(pat_stops[pat_stop_ptr[p]:pat_stop_ptr[p + 1]]):
            occ[s].append((p, pos))
    stop_pat_ptr = np.cumsum([0] + [len(o) for o in occ]).astype(np.int32)
    flat = [x for o in occ for x in o]

    lat = stops["lat"].to_numpy(dtype=np.float64)
    lon = stops["lon"].to_numpy(dtype=np.float64)
    rules = _rules(tables, index, children)
    fp = _footpaths(lat, lon, rules, radius_m, closure_m, walk)
    same_rule = np.full(n, -1, dtype=np.int8)
    same_min = np.zeros(n, dtype=np.int32)
    same_rank: dict[int, int] = {}
    for r in rules:
        if r.stop_level and r.from_stop == r.to_stop and r.from_stop >= 0 \
                and r.rank >= same_rank.get(r.from_stop, -1):
            same_rank[r.from_stop] = r.rank
            same_rule[r.from_stop] = r.kind
            same_min[r.from_stop] = r.min_time

    def i32(x: Any) -> I32:
        return np.asarray(x, dtype=np.int32)

    empty = np.zeros(0, dtype=np.int64)
    return Timetable(
        walk=walk,
        service_date=service_date, tz=tz, ref_utc=ref, stop_ids=stop_ids,
        stop_names=stops["name"].tolist(), lat=lat, lon=lon,
        stop_wheelchair=stops["wheelchair"].to_numpy(dtype=np.int8),
        route_ids=route_ids, route_names=route_names,
        route_types=route_types.to_numpy(dtype=np.int32),
        pat_route=i32(pat_route), pat_accessible=np.asarray(pat_acc, dtype=np.bool_),
        pat_stop_ptr=i32(pat_stop_ptr), pat_stops=i32(pat_stops),
        pat_pickup=np.asarray(pat_pick, dtype=np.bool_),
        pat_dropoff=np.asarray(pat_drop, dtype=np.bool_),
        pat_trip=i32(pat_trip), pat_time=i32(pat_time),
        arr=i32(np.concatenate(arr_chunks) if arr_chunks else empty),
        dep=i32(np.concatenate(dep_chunks) if dep_chunks else empty),
        trip_ids=trip_ids, trip_pattern=i32(trip_pattern), trip_day=i32(trip_day),
        trip_start=i32(trip_start), trip_route=i32(trip_route),
        stop_pat_ptr=stop_pat_ptr, stop_pat=i32([x[0] for x in flat]),
        stop_pat_pos=i32([x[1] for x in flat]),
        fp_ptr=fp[0], fp_to=fp[1], fp_m=fp[2], fp_s=fp[3], fp_rule=fp[4], fp_min=fp[5],
        same_rule=same_rule, same_min=same_min, rules=rules, _index=index)


def _rules(tables: dict[str, pd.DataFrame], index: dict[str, int],
           children: dict[str, list[str]]) -> list[tr.Rule]:
    df = _table(tables, "transfers")
    out: list[tr.Rule] = []
    if not len(df):
        return out
    cols = {c: _col(df, c).tolist() for c in (
        "from_stop_id", "to_stop_id", "from_route_id", "to_route_id", "from_trip_id",
        "to_trip_id", "transfer_type", "min_transfer_time")}
    for i in range(len(df)):
        def val(c: str, i: int = i) -> str | None:
            return cols[c][i] or None

        kind = int(val("transfer_type") or 0)
        mtt = int(float(val("min_transfer_time") or 0))

        def resolve(sid: str | None) -> list[tuple[int, int]]:
            if sid is None:
                return [(-1, 0)]
            if sid in index:
                return [(index[sid], 1)]
            return [(index[c], 0) for c in children.get(sid, []) if c in index]

        rank = tr.specificity(bool(val("from_trip_id")), bool(val("to_trip_id")),
                              bool(val("from_route_id")), bool(val("to_route_id")))
        for a, exact_a in resolve(val("from_stop_id")):
            for b, exact_b in resolve(val("to_stop_id")):
                out.append(tr.Rule(a, b, val("from_route_id"), val("to_route_id"),
                                   val("from_trip_id"), val("to_trip_id"), kind, mtt,
                                   rank * 4 + exact_a + exact_b))
    return out


def _footpaths(lat: F64, lon: F64, rules: list[tr.Rule], radius_m: float, closure_m: float,
               walk: WalkNetwork | None) -> tuple[I32, I32, F64, I32, npt.NDArray[np.int8],
                                                  I32]:
    """Closed walking footpaths (on the city's walking network within ``closure_m`` when it
    has one), plus the stop-level transfers.txt pairs (which join stops however far apart),
    less the pairs a stop-level rule forbids."""
    src, dst, metres = (tr.walk_footpaths(lat, lon, radius_m, closure_m) if walk is None
                        else walk.footpaths(lat, lon, closure_m))
    pairs: dict[tuple[int, int], list[Any]] = {
        (int(a), int(b)): [float(m), -1, 0, -1]
        for a, b, m in zip(src, dst, metres, strict=True)}
    best_rank: dict[tuple[int, int], int] = {}
    for r in rules:
        if not r.stop_level or r.from_stop < 0 or r.from_stop == r.to_stop:
            continue
        key = (r.from_stop, r.to_stop)
        if best_rank.get(key, -1) > r.rank:
            continue
        best_rank[key] = r.rank
        m = float(tr.haversine_m(lat[r.from_stop], lon[r.from_stop], lat[r.to_stop],
                                 lon[r.to_stop])) * tr.DETOUR
        walked = pairs.get(key, [m, -1, 0, -1])
        pairs[key] = [walked[0], r.kind, r.min_time, r.rank]
    keep = sorted((k, v) for k, v in pairs.items() if v[1] != tr.NOT_POSSIBLE)
    n = len(lat)
    counts = np.bincount([k[0] for k, _ in keep], minlength=n) if keep else np.zeros(n, int)
    ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    to = np.asarray([k[1] for k, _ in keep], dtype=np.int32)
    m_arr = np.asarray([v[0] for _, v in keep], dtype=np.float64)
    secs = np.asarray([tr.walk_seconds(v[0]) for _, v in keep], dtype=np.int32)
    kinds = np.asarray([v[1] for _, v in keep], dtype=np.int8)
    mins = np.asarray([v[2] for _, v in keep], dtype=np.int32)
    return ptr, to, m_arr, secs, kinds, mins


# -- cache ---------------------------------------------------------------------------------

ARRAYS = ("lat", "lon", "stop_wheelchair", "route_types", "pat_route", "pat_accessible",
          "pat_stop_ptr", "pat_stops", "pat_pickup", "pat_dropoff", "pat_trip", "pat_time",
          "arr", "dep", "trip_pattern", "trip_day", "trip_start", "trip_route", "stop_pat_ptr",
          "stop_pat", "stop_pat_pos", "fp_ptr", "fp_to", "fp_m", "fp_s", "fp_rule", "fp_min",
          "same_rule", "same_min")
TEXTS = ("stop_ids", "stop_names", "route_ids", "route_names", "trip_ids")


def feed_hash(tables: dict[str, pd.DataFrame]) -> str:
    """A digest of the feed's tables (names, columns and every value)."""
    h = hashlib.sha256()
    for name in sorted(tables):
        df = tables[name]
        h.update(name.encode() + b"\0" + "\0".join(map(str, df.columns)).encode() + b"\1")
        h.update(pd.util.hash_pandas_object(df.astype(str), index=False).to_numpy().tobytes())
    return h.hexdigest()[:24]


def timetable_for(tables: dict[str, pd.DataFrame], tz: str, service_date: date,
                  cache_dir: Path | None = None, *, radius_m: float = 400.0,
                  closure_m: float = 800.0, digest: str | None = None,
                  walk: WalkNetwork | None = None) -> Timetable:
    """The compiled timetable, from ``cache_dir`` (an .npz per feed, date, footpath limits
    and walking network) when it is there; compiled and stored otherwise."""
    digest = digest or feed_hash(tables)
    if cache_dir is None:
        tt = compile_timetable(tables, tz, service_date, radius_m=radius_m,
                               closure_m=closure_m, walk=walk)
        tt.feed_hash = digest
        return tt
    name = f"{digest}-{service_date.isoformat()}-{tz.replace('/', '_')}-{radius_m:g}-" \
           f"{closure_m:g}{'-' + walk.digest if walk is not None else ''}.npz"
    path = cache_dir / name
    if path.exists():
        tt = load(path)
        tt.walk = walk
        return tt
    tt = compile_timetable(tables, tz, service_date, radius_m=radius_m, closure_m=closure_m,
                           walk=walk)
    tt.feed_hash = digest
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    save(tt, tmp)
    tmp.replace(path)
    return tt


def save(tt: Timetable, path: Path) -> None:
    meta = {"service_date": tt.service_date.isoformat(), "tz": tt.tz,
            "feed_hash": tt.feed_hash,
            "rules": [[r.from_stop, r.to_stop, r.from_route, r.to_route, r.from_trip,
                       r.to_trip, r.kind, r.min_time, r.rank] for r in tt.rules]}
    arrays: dict[str, Any] = {k: getattr(tt, k) for k in ARRAYS}
    arrays.update({k: np.asarray(getattr(tt, k), dtype=str) for k in TEXTS})
    with path.open("wb") as f:
        np.savez(f, meta=np.asarray(json.dumps(meta)), **arrays)


def load(path: Path) -> Timetable:
    with np.load(path, allow_pickle=False) as z:
        meta = json.loads(str(z["meta"]))
        arrays = {k: z[k] for k in ARRAYS}
        texts = {k: z[k].tolist() for k in TEXTS}
    day = date.fromisoformat(meta["service_date"])
    return Timetable(service_date=day, tz=meta["tz"], ref_utc=reference_utc(day, meta["tz"]),
                     rules=[tr.Rule(*r) for r in meta["rules"]], feed_hash=meta["feed_hash"],
                     **arrays, **texts)
