"""What the frequency model takes from a feed and from counts: each line's cycle, round-trip
length and today's headways per period (from a feed version's tables for one service date), and
the peak loads per line and period (a CSV file or a mapping).

Read from the tables with the planner's own service-day rules (``planner.timetable``: the
services of the date by calendar.txt and calendar_dates.txt, times as seconds from noon minus
12 h, untimed stops interpolated, frequencies.txt runs expanded). Per line:

- a direction is trips.txt's ``direction_id`` (else the trips' first stop);
- running time per direction: the median, over that day's trips, of last arrival minus first
  departure; the cycle is the two busiest directions' running times plus a layover at each end
  (one direction only: there and back the same way, or once round a loop);
- length: the trip's shape (shapes.txt, great-circle between its points), else its stops';
  the round trip is built like the cycle;
- today's headway in a period: the period's length divided by the departures of the line's
  busiest direction in it (none: the line does not run then).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from pathlib import Path
from statistics import median

import numpy as np
import numpy.typing as npt
import pandas as pd

from zerocity.mobility.fleet import haversine_km
from zerocity.mobility.fleet_feed import shape_km as shapes_km
from zerocity.mobility.frequency import FrequencyInputError, Line
from zerocity.mobility.periods import Period
from zerocity.mobility.planner.timetable import (
    _col,
    _stop_times,
    _table,
    active_services,
    parse_times,
)

LAYOVER_S = 5 * 60  # at each end of a line, when the city gives none [U]
LOAD_COLUMNS = ("route_id", "period", "peak_load")


def _path_km(lat: npt.NDArray[np.float64], lon: npt.NDArray[np.float64]) -> float:
    if len(lat) < 2:
        return 0.0
    return float(haversine_km(lat[:-1], lon[:-1], lat[1:], lon[1:]).sum())


def lines_from_tables(tables: dict[str, pd.DataFrame], day: date, periods: Sequence[Period],
                      *, layover_s: int = LAYOVER_S) -> tuple[Line, ...]:
    """The lines running on service date ``day``, in route order (see the module's text)."""
    routes = _table(tables, "routes")
    order = {r: i for i, r in enumerate(_col(routes, "route_id"))}
    short, long = _col(routes, "route_short_name"), _col(routes, "route_long_name")
    names = {r: s or lg or r for r, s, lg in zip(_col(routes, "route_id"), short, long,
                                                  strict=True)}
    trips = _table(tables, "trips")
    on = _col(trips, "service_id").isin(active_services(tables, day)).to_numpy()
    trips = trips[on]
    route_of = dict(zip(_col(trips, "trip_id"), _col(trips, "route_id"), strict=True))
    direction_of = dict(zip(_col(trips, "trip_id"), _col(trips, "direction_id"), strict=True))
    shape_of = dict(zip(_col(trips, "trip_id"), _col(trips, "shape_id"), strict=True))
    shape_km = shapes_km(tables.get("shapes"))
    stops = _table(tables, "stops")
    where = dict(zip(_col(stops, "stop_id"),
                     zip(pd.to_numeric(_col(stops, "stop_lat"), errors="coerce"),
                         pd.to_numeric(_col(stops, "stop_lon"), errors="coerce"),
                         strict=True), strict=True))
    runs: dict[str, list[int]] = {}
    freq = _table(tables, "frequencies")
    if len(freq):
        starts, ends = parse_times(_col(freq, "start_time")), parse_times(_col(freq, "end_time"))
        heads = pd.to_numeric(_col(freq, "headway_secs"), errors="coerce").to_numpy()
        for tid, a, b, h in zip(_col(freq, "trip_id"), starts, ends, heads, strict=True):
            if tid in route_of and h > 0 and not (math.isnan(a) or math.isnan(b)):
                runs.setdefault(tid, []).extend(range(int(a), int(b), int(h)))

    # route -> direction -> ([departures], [running s], [km], first stop, last stop)
    seen: dict[str, dict[str, tuple[list[int], list[float], list[float], list[str]]]] = {}
    for tid, g in _stop_times(tables, set(route_of)).groupby("trip_id", sort=False):
        tid = str(tid)
        if len(g) < 2 or g["dep"].isna().all():
            continue
        first_dep, last_arr = float(g["dep"].iloc[0]), float(g["arr"].iloc[-1])
        stop_ids = [str(s) for s in g["stop_id"]]
        direction = direction_of.get(tid) or stop_ids[0]
        km = shape_km.get(shape_of.get(tid, ""))
        if km is None:
            xy = np.array([where.get(s, (np.nan, np.nan)) for s in stop_ids], dtype=float)
            km = _path_km(xy[:, 0], xy[:, 1]) if not np.isnan(xy).any() else 0.0
        deps, run, length, terminals = seen.setdefault(route_of[tid], {}).setdefault(
            direction, ([], [], [], []))
        deps.extend(runs.get(tid, [int(first_dep)]))
        run.append(last_arr - first_dep)
        length.append(km)
        terminals.append(f"{stop_ids[0]}>{stop_ids[-1]}")

    out: list[Line] = []
    for route in sorted(seen, key=lambda r: order.get(r, len(order))):
        dirs = sorted(seen[route].values(), key=lambda d: -len(d[0]))[:2]
        running = [median(d[1]) for d in dirs]
        lengths = [median(d[2]) for d in dirs]
        if len(dirs) == 1:
            a, b = dirs[0][3][0].split(">")
            loop = a == b
            cycle = running[0] + layover_s if loop else 2 * (running[0] + layover_s)
            trip_km = lengths[0] if loop else 2 * lengths[0]
        else:
            cycle, trip_km = sum(running) + 2 * layover_s, sum(lengths)
        current: dict[str, float] = {}
        for p in periods:
            n = max(sum(1 for t in d[0] if t in p) for d in dirs)
            if n:
                current[p.name] = p.seconds / 60 / n
        out.append(Line(route, names.get(route, route), math.ceil(cycle), round(trip_km, 3),
                        current))
    return tuple(out)


# -- peak loads -------------------------------------------------------------------------------

def read_loads(source: str | Path | Mapping[str, Mapping[str, object]] | Iterable[str],
               *, name: str = "loads") -> dict[str, dict[str, object]]:
    """Peak loads, route_id -> period -> riders/h at the maximum load point: a mapping is
    taken as it is (``make_instance`` checks its numbers); a path, or lines of text, are read
    as CSV with the header ``route_id,period,peak_load`` (lines starting with ``#`` are
    comments). A bad row is refused with its line number."""
    if isinstance(source, Mapping):
        return {str(r): dict(by_period) for r, by_period in source.items()}
    if isinstance(source, (str, Path)):
        name = Path(source).name
        text = Path(source).read_text(encoding="utf-8-sig")
        lines: Iterable[str] = io.StringIO(text)
    else:
        lines = source
    numbered = [(i, row) for i, row in enumerate(lines, 1)
                if row.strip() and not row.lstrip().startswith("#")]
    if not numbered:
        raise FrequencyInputError(f"{name}: no header; the first line must be "
                                  + ",".join(LOAD_COLUMNS))
    rows = csv.reader([row for _, row in numbered])
    header = [h.strip() for h in next(rows)]
    missing = [c for c in LOAD_COLUMNS if c not in header]
    if missing:
        raise FrequencyInputError(f"{name} line {numbered[0][0]}: the header lacks "
                                  f"{', '.join(missing)} (it must have "
                                  f"{','.join(LOAD_COLUMNS)})")
    at = [header.index(c) for c in LOAD_COLUMNS]
    out: dict[str, dict[str, object]] = {}
    for (number, _), row in zip(numbered[1:], rows, strict=True):
        if len(row) < len(header):
            raise FrequencyInputError(f"{name} line {number}: {len(row)} fields, the header "
                                      f"has {len(header)}")
        route, period, load = (row[i].strip() for i in at)
        try:
            value = float(load)
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or value < 0:
            raise FrequencyInputError(f"{name} line {number}: peak_load {load!r} is not a "
                                      "number of riders per hour, 0 or more")
        if period in out.get(route, {}):
            raise FrequencyInputError(f"{name} line {number}: line {route}, period {period} "
                                      "is given twice")
        out.setdefault(route, {})[period] = value
    return out
