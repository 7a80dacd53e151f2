"""Cumulative-opportunity accessibility (research mobility-upscale.md §4; docs/mobility-access.md):
A_i(T) = sum_j O_j [t_ij <= T] from each cell i of a grid, for every departure minute of a
window, summarised as percentiles over the minutes (Conway, Byrd and van der Linden 2017, as
R5 and r5r do).

Pure: a feed's tables (or the planner's compiled :class:`Timetable`) and the city's
opportunities in, arrays out. Travel times are the planner's: walking (the city's network
where the timetable has one, else the straight line x 1.3 at 1.3 m/s), its closed footpaths
and stop-level transfers.txt rules, the rider's transfer slack. Frequency-based routes
(``frequencies.txt`` with ``exact_times`` 0) have no published departure times: each draw
gives every such frequency row a random phase in [0, headway) from a generator seeded with
``seed``, and the window is searched once per draw.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
import pandas as pd

from zerocity.mobility.access import kernels
from zerocity.mobility.access.opportunities import Grid, Opportunities, aggregate
from zerocity.mobility.planner import transfers as tr
from zerocity.mobility.planner.search import Footpaths
from zerocity.mobility.planner.timetable import (
    Timetable,
    active_services,
    compile_timetable,
    parse_times,
)
from zerocity.mobility.planner.walking import WalkNetwork

PERCENTILES = (5, 25, 50, 75, 95)
I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Settings:
    """What a computation is asked; the defaults are the issue's and R5's (docs)."""

    start: time = time(7, 0)
    end: time = time(9, 0)  # the last departure is the minute before
    cell_m: float = 250.0
    limits_min: tuple[int, ...] = (30, 45)
    seed: int = 1
    draws: int = 5  # per frequency-based window (r5r's default draws per minute)
    max_rides: int = 3  # r5r's max_rides default
    max_walk_m: float = 1000.0  # access, egress and changes, walked metres (the planner's)
    slack_s: int = 60  # seconds added to every change (the planner's)

    def as_dict(self) -> dict[str, Any]:
        return {"window": f"{self.start:%H:%M}-{self.end:%H:%M}", "cell_m": self.cell_m,
                "limits_min": list(self.limits_min), "seed": self.seed, "draws": self.draws,
                "max_rides": self.max_rides, "max_walk_m": self.max_walk_m,
                "transfer_slack_s": self.slack_s}


@dataclass(frozen=True)
class Layout:
    """One grid's walking ways, as the kernel reads them: access from each origin cell to
    stops, egress from each stop to destination cells, walking straight from cell to cell."""

    acc_ptr: I64
    acc_stop: I64
    acc_sec: I64
    eg_ptr: I64
    eg_dest: I64
    eg_sec: I64
    dir_ptr: I64
    dir_dest: I64
    dir_sec: I64


@dataclass
class Result:
    grid: Grid
    kinds: tuple[str, ...]
    settings: Settings
    minutes: list[datetime]
    draws: int  # 1 when no route is frequency-based
    headway_based: int  # frequency rows with exact_times 0
    cell_opportunities: I64  # [cells, kinds]
    percentiles: F64  # [cells, kinds, limits, len(PERCENTILES)]
    samples: I64 | None = field(default=None, repr=False)  # [cells, draws*minutes, kinds, limits]

    def weighted(self) -> dict[str, dict[str, dict[str, float]]]:
        """City-wide: each percentile averaged over the cells weighted by their residents
        (plain mean when the file has no residents)."""
        if "residents" in self.kinds:
            w = self.cell_opportunities[:, self.kinds.index("residents")].astype(float)
        else:
            w = np.ones(self.grid.n_cells)
        total = float(w.sum()) or 1.0
        out: dict[str, dict[str, dict[str, float]]] = {}
        for k, kind in enumerate(self.kinds):
            out[kind] = {}
            for li, lim in enumerate(self.settings.limits_min):
                vals = (w[:, None] * self.percentiles[:, k, li, :]).sum(axis=0) / total
                out[kind][str(lim)] = {f"p{p}": round(float(v), 1)
                                       for p, v in zip(PERCENTILES, vals, strict=True)}
        return out


def minutes_of(day: date, tz: str, start: time, end: time) -> list[datetime]:
    """The departure minutes [start, end) of a local date, as aware datetimes."""
    zone = ZoneInfo(tz)
    first = datetime.combine(day, start, zone)
    last = datetime.combine(day, end, zone)
    if last <= first:
        raise ValueError("the window must end after it starts")
    n = int((last - first).total_seconds() // 60)
    return [first + timedelta(minutes=i) for i in range(n)]


def headway_rows(tables: dict[str, pd.DataFrame],
                 day: date | None = None) -> npt.NDArray[np.bool_]:
    """Which frequencies.txt rows are frequency-based (exact_times empty or 0); with ``day``,
    only those of trips running that date or the one before (whose runs may pass midnight)."""
    freq = tables.get("frequencies")
    if freq is None or not len(freq):
        return np.zeros(0, dtype=np.bool_)
    exact = freq["exact_times"].fillna("").astype(str).str.strip() if "exact_times" in \
        freq.columns else pd.Series([""] * len(freq))
    rows = np.asarray(exact.to_numpy() != "1", dtype=np.bool_)
    if day is not None and rows.any():
        trips = tables.get("trips", pd.DataFrame(columns=["trip_id", "service_id"]))
        on = active_services(tables, day) | active_services(tables, day - timedelta(days=1))
        running = set(trips["trip_id"][trips["service_id"].isin(on)])
        rows &= freq["trip_id"].isin(running).to_numpy()
    return rows


def with_phases(tables: dict[str, pd.DataFrame],
                rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    """The tables with every frequency-based row's window moved by a random phase in
    [0, headway_secs) seconds (so its runs leave at start + phase, + headway, ...)."""
    rows = headway_rows(tables)
    if not rows.any():
        return tables
    freq = tables["frequencies"].copy()
    heads = pd.to_numeric(freq["headway_secs"], errors="coerce").fillna(0).to_numpy()
    phase = np.asarray([int(rng.integers(0, int(h))) if on and h > 0 else 0
                        for on, h in zip(rows, heads, strict=True)])
    for name in ("start_time", "end_time"):
        secs = parse_times(freq[name]) + phase
        freq[name] = [f"{int(s) // 3600:02d}:{int(s) // 60 % 60:02d}:{int(s) % 60:02d}"
                      for s in secs]
    out = dict(tables)
    out["frequencies"] = freq
    return out


def _secs(metres: F64) -> I64:
    """tr.walk_seconds on arrays: walked metres at 1.3 m/s, rounded up."""
    return np.ceil(metres / tr.WALK_SPEED_MS - 1e-9).astype(np.int64)


def _walked(walk: WalkNetwork | None, lat: float, lon: float, to_lat: F64, to_lon: F64,
            limit_m: float) -> F64:
    """Walked metres from one place to others: the planner's rule (query.walked_to_stops)."""
    if walk is not None:
        return np.asarray(walk.distances(lat, lon, to_lat, to_lon, limit_m), dtype=np.float64)
    d = np.asarray(tr.haversine_m(lat, lon, to_lat, to_lon), dtype=np.float64) * tr.DETOUR
    return d


def _csr(rows: list[tuple[I64, I64]]) -> tuple[I64, I64, I64]:
    ptr = np.zeros(len(rows) + 1, dtype=np.int64)
    ptr[1:] = np.cumsum([len(a) for a, _ in rows])
    cols = np.concatenate([a for a, _ in rows]) if rows else np.zeros(0, np.int64)
    vals = np.concatenate([b for _, b in rows]) if rows else np.zeros(0, np.int64)
    return ptr, cols.astype(np.int64), vals.astype(np.int64)


def layout(tt: Timetable, lat: F64, lon: F64, dest_lat: F64, dest_lon: F64, *,
           max_walk_m: float, max_direct_s: int) -> Layout:
    """Walking from origins to stops (within ``max_walk_m``), stops to destinations (the
    same) and origins straight to destinations (within ``max_direct_s``)."""
    walk = tt.walk
    direct_m = max_direct_s * tr.WALK_SPEED_MS
    acc: list[tuple[I64, I64]] = []
    drc: list[tuple[I64, I64]] = []
    for i in range(len(lat)):
        d = _walked(walk, float(lat[i]), float(lon[i]), tt.lat, tt.lon, max_walk_m)
        d = np.where(d < 1.0, 0.0, d)  # within a metre of a stop is at the stop
        near = np.nonzero(d <= max_walk_m)[0]
        acc.append((near.astype(np.int64), _secs(d[near])))
        d = _walked(walk, float(lat[i]), float(lon[i]), dest_lat, dest_lon, direct_m)
        d = np.where(d < 1.0, 0.0, d)
        secs = _secs(np.where(np.isfinite(d), d, 1e12))
        near = np.nonzero(secs <= max_direct_s)[0]
        drc.append((near.astype(np.int64), secs[near]))
    egr: list[tuple[I64, I64]] = []
    for s in range(tt.n_stops):
        d = _walked(walk, float(tt.lat[s]), float(tt.lon[s]), dest_lat, dest_lon, max_walk_m)
        d = np.where(d < 1.0, 0.0, d)
        near = np.nonzero(d <= max_walk_m)[0]
        egr.append((near.astype(np.int64), _secs(d[near])))
    a, e, w = _csr(acc), _csr(egr), _csr(drc)
    return Layout(*a, *e, *w)


def network_arrays(tt: Timetable, slack_s: int,
                   max_walk_m: float) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """The timetable's arrays and its footpaths (the planner's :class:`Footpaths`: what each
    change needs) as the kernel reads them."""
    def i32(x: Any) -> npt.NDArray[np.int32]:
        return np.ascontiguousarray(x, dtype=np.int32)

    def b(x: Any) -> npt.NDArray[np.bool_]:
        return np.ascontiguousarray(x, dtype=np.bool_)

    def i64(x: Any) -> I64:
        return np.ascontiguousarray(x, dtype=np.int64)

    fps = Footpaths(tt, slack_s, max_walk_m)
    net = (i32(tt.pat_stop_ptr), i32(tt.pat_stops), b(tt.pat_pickup), b(tt.pat_dropoff),
           i32(tt.pat_trip), i32(tt.pat_time), i32(tt.arr), i32(tt.dep), i32(tt.stop_pat_ptr),
           i32(tt.stop_pat), i32(tt.stop_pat_pos))
    return net, (i64(fps.ptr), i64(fps.to), i64(fps.req), i64(fps.same))


def counts(tt: Timetable, lay: Layout, opp: I64, minutes: list[int], settings: Settings) -> I64:
    """Opportunities reached per origin, minute, kind and limit ([o, m, kind, limit])."""
    net, walks = network_arrays(tt, settings.slack_s, settings.max_walk_m)
    out: I64 = kernels.reach_counts(
        net, walks, lay.acc_ptr, lay.acc_stop, lay.acc_sec, lay.eg_ptr, lay.eg_dest,
        lay.eg_sec, lay.dir_ptr, lay.dir_dest, lay.dir_sec, np.ascontiguousarray(opp),
        np.asarray(minutes, dtype=np.int64),
        np.asarray([60 * m for m in settings.limits_min], dtype=np.int64), settings.max_rides)
    return out


def percentiles(samples: I64) -> F64:
    """[cells, samples, kinds, limits] -> [cells, kinds, limits, 5]: numpy's default
    (linear, Hyndman and Fan type 7) percentiles, whose 50th is the median exactly."""
    q = np.percentile(samples.astype(np.float64), PERCENTILES, axis=1)
    return np.ascontiguousarray(np.moveaxis(q, 0, -1))


def accessibility(tables: dict[str, pd.DataFrame], tz: str, day: date, opp: Opportunities,
                  settings: Settings = Settings(), *, timetable: Timetable | None = None,
                  walk: WalkNetwork | None = None, keep_samples: bool = False,
                  compile_fn: Callable[..., Timetable] = compile_timetable) -> Result:
    """Accessibility of every cell of the grid covering the opportunities."""
    if walk is None and timetable is not None:
        walk = timetable.walk
    grid = Grid.covering(opp.lat, opp.lon, settings.cell_m)
    cell_opp = aggregate(opp, grid)
    lat, lon = grid.centres()
    dest = np.nonzero(cell_opp.sum(axis=1) > 0)[0]
    moments = minutes_of(day, tz, settings.start, settings.end)
    rows = headway_rows(tables, day)
    draws = settings.draws if rows.any() else 1
    base = timetable if timetable is not None and not rows.any() else None
    rng = np.random.default_rng(settings.seed)
    lay: Layout | None = None
    parts = []
    for _ in range(draws):
        tt = base if base is not None else compile_fn(
            with_phases(tables, rng), tz, day, walk=walk)
        if lay is None:  # stops and their positions are the same in every draw
            lay = layout(tt, lat, lon, lat[dest], lon[dest], max_walk_m=settings.max_walk_m,
                         max_direct_s=60 * max(settings.limits_min))
        parts.append(counts(tt, lay, cell_opp[dest], [tt.seconds(m) for m in moments],
                            settings))
    samples = np.concatenate(parts, axis=1)
    return Result(grid=grid, kinds=opp.kinds, settings=settings, minutes=moments, draws=draws,
                  headway_based=int(rows.sum()), cell_opportunities=cell_opp,
                  percentiles=percentiles(samples),
                  samples=samples if keep_samples else None)


def per_cell(result: Result) -> list[dict[str, Any]]:
    """The JSON of each cell: id, centre, its own opportunities and, per kind and limit
    (minutes, as text), the percentiles."""
    lat, lon = result.grid.centres()
    out = []
    for i in range(result.grid.n_cells):
        access = {kind: {str(lim): {f"p{p}": _num(result.percentiles[i, k, li, pi])
                                    for pi, p in enumerate(PERCENTILES)}
                         for li, lim in enumerate(result.settings.limits_min)}
                  for k, kind in enumerate(result.kinds)}
        out.append({"cell": result.grid.cell_id(i), "lat": round(float(lat[i]), 6),
                    "lon": round(float(lon[i]), 6),
                    "here": {kind: int(result.cell_opportunities[i, k])
                             for k, kind in enumerate(result.kinds)},
                    "access": access})
    return out


def _num(x: float) -> float | int:
    return int(x) if math.isclose(x, round(x)) else round(float(x), 2)
