"""What a timetable runs on one service date: per route, per stop and for the network, the
trips, first and last departures, headways per period, peak vehicles in service, service hours,
bus-km and speed — computed on DuckDB over a feed version's tables (docs/mobility-stats.md).

The definitions follow gtfs-kit's ``compute_trip_stats`` / ``compute_route_stats`` (research
mobility-upscale.md §4), which the tests use as a cross-check, with three differences that make
the numbers a timetable's rather than a file's:

- the service date's trips are those whose service runs that day by calendar.txt and
  calendar_dates.txt (``planner.timetable.active_services``: a removal on a holiday drops the
  trip); their times past 24:00 stay on that service date, the previous date's trips do not
  come in;
- a trip of frequencies.txt (either ``exact_times``) runs at ``start_time`` and every
  ``headway_secs`` before ``end_time``, each run a trip, its stop times shifted from the
  template's; gtfs-kit counts the template once;
- a trip ends at its last stop's arrival (gtfs-kit: its last departure; the same wherever the
  last stop has no dwell).

Times are seconds after the service date's "noon minus 12 h" as GTFS writes them (hours may
pass 24), so no zone is needed. Headways are the gaps between consecutive trip starts (the
first stop's departure) of one route and direction, both starts inside the period, its ends
included, as gtfs-kit's headway window; the periods are ``mobility.periods``' (the loads' and
the frequency optimiser's, ``DEFAULT_PERIODS`` unless a city gives its own); a stop's headways
are the gaps between consecutive departures there, whatever the route. Peak vehicles are the
most trips under way at once, a trip counting from its first departure until its last arrival
(one arriving as another leaves is not simultaneous with it).

A trip's distance is, in this order: its stop_times ``shape_dist_traveled`` (last minus first,
where every stop of the trip has one), else its shape's length (``shape_dist_traveled`` of
shapes.txt where every point has one, else the polyline's great-circle length), else the
great-circle distances from stop to stop. Each route says which it used. The feed's distance
unit is the one named, else inferred (``infer_unit``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from zerocity.core.units import UNITS
from zerocity.mobility.periods import DEFAULT_PERIODS, HOUR, Period, clock
from zerocity.mobility.planner.timetable import active_services

SOURCES = ("stop_times.shape_dist_traveled", "shapes", "straight line between stops")
EARTH_KM = 6371.0088  # mean Earth radius (IUGG)
DIST_UNITS = {"m": "meter", "km": "kilometer", "mi": "mile", "ft": "foot"}
TABLES = ("trips", "routes", "stop_times", "stops", "calendar", "calendar_dates",
          "frequencies", "shapes")


# gtfs-kit's headway window (``compute_route_stats``' headway_start_time 07:00:00 and
# headway_end_time 19:00:00): not a period of the day, the window the tests compare with
# gtfs-kit's mean headways; ``compute(periods=(GTFS_KIT_WINDOW,))`` gives it.
GTFS_KIT_WINDOW = Period("07-19", 7 * HOUR, 19 * HOUR)


@dataclass(frozen=True)
class Headway:
    """Minutes between consecutive departures inside a period."""

    min: float
    mean: float
    max: float


@dataclass(frozen=True)
class RouteStats:
    route_id: str
    route_name: str
    trips: int
    first_departure: int  # seconds, GTFS time of the service date
    last_departure: int
    last_arrival: int
    headways: dict[str, Headway | None]
    peak_vehicles: int
    service_hours: float
    bus_km: float | None  # None: a trip without any distance
    distance_source: str  # one of SOURCES, or several joined by " + "

    @property
    def speed_kmh(self) -> float | None:
        if self.bus_km is None or self.service_hours <= 0:
            return None
        return self.bus_km / self.service_hours


@dataclass(frozen=True)
class StopStats:
    stop_id: str
    stop_name: str
    routes: int
    departures: int  # trips calling there
    first_departure: int
    last_departure: int
    headways: dict[str, Headway | None]


@dataclass(frozen=True)
class NetworkStats:
    routes: int
    trips: int
    stops: int
    first_departure: int | None
    last_arrival: int | None
    peak_vehicles: int
    service_hours: float
    bus_km: float | None

    @property
    def speed_kmh(self) -> float | None:
        if self.bus_km is None or self.service_hours <= 0:
            return None
        return self.bus_km / self.service_hours


@dataclass(frozen=True)
class ServiceStats:
    service_date: date
    periods: tuple[Period, ...]
    dist_unit: str  # the unit of the feed's shape_dist_traveled
    routes: list[RouteStats]
    network: NetworkStats
    stops: list[StopStats] = field(default_factory=list)


# -- the feed on DuckDB ---------------------------------------------------------------------

def open_folder(folder: Path) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with a view per table of a stored version (``store``'s Parquet
    files, every column text)."""
    con = duckdb.connect()
    for name in TABLES:
        path = folder / f"{name}.parquet"
        if path.exists():
            quoted = str(path).replace("'", "''")
            con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{quoted}')")
    return con


def open_tables(tables: Mapping[str, pd.DataFrame]) -> duckdb.DuckDBPyConnection:
    """The same over tables in memory (file name without .txt -> its rows as text)."""
    con = duckdb.connect()
    for name in TABLES:
        if name in tables:
            con.register(f"_{name}", tables[name].astype(str))
            con.execute(f"CREATE VIEW {name} AS SELECT * FROM _{name}")
    return con


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    rows = con.execute("SELECT column_name FROM information_schema.columns "
                       "WHERE table_name = ?", [table]).fetchall()
    return {str(r[0]) for r in rows}


def _frame(con: duckdb.DuckDBPyConnection, table: str) -> pd.DataFrame:
    if not _columns(con, table):
        return pd.DataFrame()
    return con.execute(f"SELECT * FROM {table}").df().fillna("").astype(str)


MACROS = f"""
CREATE OR REPLACE MACRO txt(x) AS NULLIF(trim(CAST(x AS VARCHAR)), '');
CREATE OR REPLACE MACRO secs(x) AS
  TRY_CAST(split_part(txt(x), ':', 1) AS INTEGER) * 3600
  + TRY_CAST(split_part(txt(x), ':', 2) AS INTEGER) * 60
  + TRY_CAST(split_part(txt(x), ':', 3) AS INTEGER);
CREATE OR REPLACE MACRO num(x) AS TRY_CAST(txt(x) AS DOUBLE);
CREATE OR REPLACE MACRO gc_km(a1, o1, a2, o2) AS
  2 * {EARTH_KM} * asin(sqrt(pow(sin(radians(a2 - a1) / 2), 2)
  + cos(radians(a1)) * cos(radians(a2)) * pow(sin(radians(o2 - o1) / 2), 2)));
"""


def _col(have: set[str], name: str, alias: str | None = None) -> str:
    return f"{name} AS {alias or name}" if name in have else f"NULL AS {alias or name}"


def _prepare(con: duckdb.DuckDBPyConnection, day: date) -> None:
    """Tables ``run`` (one row per trip run on ``day``), ``ev`` (its stop events, interpolated
    where untimed) and ``trip_km`` (each trip's distance in km and its source)."""
    con.execute(MACROS)
    on = sorted(active_services({"calendar": _frame(con, "calendar"),
                                 "calendar_dates": _frame(con, "calendar_dates")}, day))
    trips = _columns(con, "trips")
    con.execute("CREATE OR REPLACE TEMP TABLE active_service (service_id VARCHAR)")
    if on:
        con.executemany("INSERT INTO active_service VALUES (?)", [[s] for s in on])
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE day_trip AS
        SELECT txt(trip_id) AS trip_id, txt(route_id) AS route_id,
               coalesce(txt(d.direction_id), '') AS direction_id, txt(d.shape_id) AS shape_id
        FROM (SELECT trip_id, route_id, service_id, {_col(trips, 'direction_id')},
                     {_col(trips, 'shape_id')} FROM trips) d
        WHERE txt(service_id) IN (SELECT service_id FROM active_service)""")
    st = _columns(con, "stop_times")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE st AS
        SELECT txt(s.trip_id) AS trip_id, txt(stop_id) AS stop_id,
               TRY_CAST(txt(stop_sequence) AS INTEGER) AS seq,
               coalesce(secs(arrival_time), secs(departure_time)) AS arr,
               coalesce(secs(departure_time), secs(arrival_time)) AS dep,
               num(sdt) AS sdt
        FROM (SELECT trip_id, stop_id, stop_sequence, arrival_time, departure_time,
                     {_col(st, 'shape_dist_traveled', 'sdt')} FROM stop_times) s
        WHERE txt(s.trip_id) IN (SELECT trip_id FROM day_trip)""")
    # untimed stops: linear between the timed ones, along shape_dist_traveled where the trip
    # has it at every stop, else by position (as the planner's compiler does)
    con.execute("""
        CREATE OR REPLACE TEMP TABLE st_x AS
        SELECT *, CASE WHEN count(sdt) OVER w = count(*) OVER w THEN sdt
                       ELSE CAST(row_number() OVER (PARTITION BY trip_id ORDER BY seq)
                                 AS DOUBLE) END AS x
        FROM st WINDOW w AS (PARTITION BY trip_id)""")
    con.execute("""
        CREATE OR REPLACE TEMP TABLE st_t AS
        WITH k AS (
          SELECT *,
            last_value(CASE WHEN dep IS NOT NULL THEN x END IGNORE NULLS) OVER b AS px,
            last_value(dep IGNORE NULLS) OVER b AS pt,
            first_value(CASE WHEN dep IS NOT NULL THEN x END IGNORE NULLS) OVER a AS nx,
            first_value(dep IGNORE NULLS) OVER a AS nt
          FROM st_x
          WINDOW b AS (PARTITION BY trip_id ORDER BY seq
                       ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW),
                 a AS (PARTITION BY trip_id ORDER BY seq
                       ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING))
        SELECT trip_id, stop_id, seq, sdt,
               coalesce(arr, CAST(round(CASE WHEN nx = px THEN pt
                        ELSE pt + (nt - pt) * (x - px) / (nx - px) END) AS INTEGER)) AS arr,
               coalesce(dep, CAST(round(CASE WHEN nx = px THEN pt
                        ELSE pt + (nt - pt) * (x - px) / (nx - px) END) AS INTEGER)) AS dep
        FROM k""")
    # each trip once, or once per run of frequencies.txt
    freq = _columns(con, "frequencies")
    runs = ("SELECT NULL::VARCHAR AS trip_id, NULL::INTEGER AS run_start WHERE false"
            if not freq else """
        SELECT txt(trip_id) AS trip_id, UNNEST(range(secs(start_time), secs(end_time),
               TRY_CAST(txt(headway_secs) AS INTEGER))) AS run_start
        FROM frequencies
        WHERE TRY_CAST(txt(headway_secs) AS INTEGER) > 0
          AND txt(trip_id) IN (SELECT trip_id FROM day_trip)""")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE run AS
        WITH ends AS (
          SELECT trip_id, arg_min(dep, seq) AS t0, arg_max(arr, seq) AS t1, count(*) AS n
          FROM st_t GROUP BY trip_id),
        runs AS ({runs})
        SELECT d.trip_id, d.route_id, d.direction_id,
               coalesce(r.run_start, -1) AS run,
               coalesce(r.run_start - e.t0, 0) AS shift,
               e.t0 + coalesce(r.run_start - e.t0, 0) AS t_start,
               e.t1 + coalesce(r.run_start - e.t0, 0) AS t_end
        FROM day_trip d JOIN ends e USING (trip_id) LEFT JOIN runs r USING (trip_id)
        WHERE e.n >= 2 AND e.t0 IS NOT NULL AND e.t1 IS NOT NULL""")
    con.execute("""
        CREATE OR REPLACE TEMP TABLE ev AS
        SELECT r.route_id, r.trip_id, r.run, t.stop_id, t.dep + r.shift AS dep
        FROM run r JOIN st_t t USING (trip_id) WHERE t.dep IS NOT NULL""")


def _trip_distances(con: duckdb.DuckDBPyConnection, unit: str | None) -> str:
    """Table ``trip_km`` (trip_id, km, source) for the day's trips; returns the unit of the
    feed's shape_dist_traveled it used."""
    stops = _columns(con, "stops")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE stop_pos AS
        WITH s AS (SELECT txt(stop_id) AS stop_id, num(stop_lat) AS lat, num(stop_lon) AS lon,
                          txt(p) AS parent
                   FROM (SELECT stop_id, stop_lat, stop_lon,
                                {_col(stops, 'parent_station', 'p')} FROM stops))
        SELECT s.stop_id, coalesce(s.lat, p.lat) AS lat, coalesce(s.lon, p.lon) AS lon
        FROM s LEFT JOIN s p ON p.stop_id = s.parent""")
    # per trip: the raw span of shape_dist_traveled (complete) and the stop-to-stop line (km)
    con.execute("""
        CREATE OR REPLACE TEMP TABLE trip_raw AS
        WITH legs AS (
          SELECT t.trip_id, t.seq, t.sdt, p.lat, p.lon,
                 lag(p.lat) OVER w AS plat, lag(p.lon) OVER w AS plon
          FROM st_t t LEFT JOIN stop_pos p USING (stop_id)
          WINDOW w AS (PARTITION BY t.trip_id ORDER BY t.seq))
        SELECT trip_id,
               CASE WHEN count(sdt) = count(*) THEN max(sdt) - min(sdt) END AS sdt_span,
               CASE WHEN count(lat) = count(*) AND count(lon) = count(*)
                    THEN coalesce(sum(gc_km(plat, plon, lat, lon)), 0) END AS line_km
        FROM legs GROUP BY trip_id""")
    shapes = _columns(con, "shapes")
    if shapes:
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE shape_len AS
            WITH p AS (
              SELECT txt(shape_id) AS shape_id,
                     TRY_CAST(txt(shape_pt_sequence) AS INTEGER) AS seq,
                     num(shape_pt_lat) AS lat, num(shape_pt_lon) AS lon, num(sd) AS sd
              FROM (SELECT shape_id, shape_pt_sequence, shape_pt_lat, shape_pt_lon,
                           {_col(shapes, 'shape_dist_traveled', 'sd')} FROM shapes)),
            l AS (SELECT *, lag(lat) OVER w AS plat, lag(lon) OVER w AS plon
                  FROM p WINDOW w AS (PARTITION BY shape_id ORDER BY seq))
            SELECT shape_id,
                   CASE WHEN count(sd) = count(*) THEN max(sd) - min(sd) END AS sd_span,
                   coalesce(sum(gc_km(plat, plon, lat, lon)), 0) AS line_km
            FROM l GROUP BY shape_id""")
    else:
        con.execute("CREATE OR REPLACE TEMP TABLE shape_len (shape_id VARCHAR, "
                    "sd_span DOUBLE, line_km DOUBLE)")
    unit = unit or infer_unit(con)
    per_km = float(UNITS.Quantity(1.0, DIST_UNITS[unit]).to("kilometer").magnitude)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE trip_km AS
        SELECT d.trip_id,
          CASE WHEN r.sdt_span IS NOT NULL THEN r.sdt_span * {per_km!r}
               WHEN s.sd_span IS NOT NULL THEN s.sd_span * {per_km!r}
               WHEN s.line_km IS NOT NULL THEN s.line_km
               ELSE r.line_km END AS km,
          CASE WHEN r.sdt_span IS NOT NULL THEN 0
               WHEN s.shape_id IS NOT NULL THEN 1
               WHEN r.line_km IS NOT NULL THEN 2 END AS source
        FROM day_trip d LEFT JOIN trip_raw r USING (trip_id)
             LEFT JOIN shape_len s ON s.shape_id = d.shape_id""")
    return unit


def infer_unit(con: duckdb.DuckDBPyConnection) -> str:
    """The unit of the feed's shape_dist_traveled (GTFS leaves it to the feed): the one of m,
    km, mi and ft nearest (by ratio) to the values' own scale, which is the shape's length
    where shapes.txt has distances, else the straight stop-to-stop line (shorter than the road
    by 10-40 %, far less than the thousandfold between units). Metres when the feed has none."""
    row = con.execute("""
        SELECT coalesce(
          (SELECT median(sd_span / line_km) FROM shape_len WHERE sd_span > 0 AND line_km > 0),
          (SELECT median(sdt_span / line_km) FROM trip_raw WHERE sdt_span > 0 AND line_km > 0))
        """).fetchone()
    scale = None if row is None else row[0]
    if scale is None:
        return "m"
    per_km = {u: float(UNITS.Quantity(1.0, "kilometer").to(n).magnitude)
              for u, n in DIST_UNITS.items()}
    return min(per_km, key=lambda u: abs(math.log(float(scale) / per_km[u])))


# -- statistics ------------------------------------------------------------------------------

def _headways(con: duckdb.DuckDBPyConnection, table: str, keys: Sequence[str], time: str,
              periods: Sequence[Period]) -> dict[tuple[str, ...], dict[str, Headway]]:
    """Gaps between consecutive ``time`` values of ``table`` per ``keys`` (plus the last key's
    partition) inside each period, both ends included; per the first key, in minutes."""
    con.execute("CREATE OR REPLACE TEMP TABLE period (name VARCHAR, a INTEGER, b INTEGER)")
    con.executemany("INSERT INTO period VALUES (?, ?, ?)",
                    [[p.name, p.start_s, p.end_s] for p in periods])
    group = ", ".join(f"x.{k}" for k in keys)
    rows = con.execute(f"""
        WITH x AS (SELECT * FROM {table} x JOIN period p ON x.{time} BETWEEN p.a AND p.b),
        g AS (SELECT x.{keys[0]} AS k, x.name,
                     x.{time} - lag(x.{time}) OVER (PARTITION BY {group}, x.name
                                                    ORDER BY x.{time}) AS gap
              FROM x)
        SELECT k, name, min(gap), avg(gap), max(gap) FROM g WHERE gap IS NOT NULL
        GROUP BY k, name""").fetchall()
    out: dict[tuple[str, ...], dict[str, Headway]] = {}
    for k, name, lo, mean, hi in rows:
        out.setdefault((str(k),), {})[str(name)] = Headway(lo / 60, float(mean) / 60, hi / 60)
    return out


def _peaks(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """The most runs under way at once, per route and ("") for the network; a run ending as
    another starts is not counted with it."""
    rows = con.execute("""
        WITH e AS (SELECT route_id, t_start AS t, 1 AS d FROM run
                   UNION ALL SELECT route_id, t_end, -1 FROM run),
        r AS (SELECT route_id, t, sum(d) AS d FROM e GROUP BY route_id, t),
        n AS (SELECT t, sum(d) AS d FROM e GROUP BY t)
        SELECT route_id, max(c) FROM (SELECT route_id, sum(d) OVER (PARTITION BY route_id
                                      ORDER BY t) AS c FROM r) GROUP BY route_id
        UNION ALL
        SELECT '', max(c) FROM (SELECT sum(d) OVER (ORDER BY t) AS c FROM n)""").fetchall()
    return {str(k): int(v or 0) for k, v in rows}


def compute(con: duckdb.DuckDBPyConnection, day: date, *,
            periods: Sequence[Period] = DEFAULT_PERIODS, route_id: str | None = None,
            stops: bool = False, dist_unit: str | None = None) -> ServiceStats:
    """The statistics of service date ``day`` on the feed behind ``con`` (``open_folder`` /
    ``open_tables``); only ``route_id`` when given (the network then is that route's); per
    stop when ``stops``; ``dist_unit`` (m, km, mi, ft) of shape_dist_traveled, else inferred."""
    if dist_unit is not None and dist_unit not in DIST_UNITS:
        raise ValueError(f"{dist_unit!r} is not a distance unit; use one of "
                         + ", ".join(DIST_UNITS))
    _prepare(con, day)
    if route_id is not None:
        for table in ("run", "ev"):
            con.execute(f"DELETE FROM {table} WHERE route_id IS DISTINCT FROM ?", [route_id])
    unit = _trip_distances(con, dist_unit)
    routes_cols = _columns(con, "routes")
    names = dict(con.execute(f"""
        SELECT txt(route_id), coalesce(txt(s), txt(l), txt(route_id))
        FROM (SELECT route_id, {_col(routes_cols, 'route_short_name', 's')},
                     {_col(routes_cols, 'route_long_name', 'l')} FROM routes)""").fetchall())
    peaks = _peaks(con)
    heads = _headways(con, "run", ("route_id", "direction_id"), "t_start", periods)
    rows = con.execute("""
        SELECT r.route_id, count(*), min(t_start), max(t_start), max(t_end),
               sum(t_end - t_start), sum(k.km), count(k.km), list(DISTINCT k.source)
        FROM run r LEFT JOIN trip_km k USING (trip_id)
        GROUP BY r.route_id ORDER BY r.route_id""").fetchall()
    out: list[RouteStats] = []
    for rid, n, first, last, last_arr, secs, km, with_km, sources in rows:
        known = sorted(s for s in sources if s is not None)
        out.append(RouteStats(
            route_id=str(rid), route_name=str(names.get(rid, rid)), trips=int(n),
            first_departure=int(first), last_departure=int(last), last_arrival=int(last_arr),
            headways={p.name: heads.get((str(rid),), {}).get(p.name) for p in periods},
            peak_vehicles=peaks.get(str(rid), 0), service_hours=float(secs) / 3600,
            bus_km=float(km) if with_km == n else None,
            distance_source=" + ".join(SOURCES[s] for s in known) if known else "none"))
    net = con.execute("""
        SELECT count(DISTINCT route_id), count(*), min(t_start), max(t_end),
               coalesce(sum(t_end - t_start), 0) FROM run""").fetchone()
    assert net is not None
    n_stops = con.execute("SELECT count(DISTINCT stop_id) FROM ev").fetchone()
    network = NetworkStats(
        routes=int(net[0]), trips=int(net[1]), stops=int(n_stops[0]) if n_stops else 0,
        first_departure=None if net[2] is None else int(net[2]),
        last_arrival=None if net[3] is None else int(net[3]),
        peak_vehicles=peaks.get("", 0), service_hours=float(net[4]) / 3600,
        bus_km=(sum(r.bus_km for r in out if r.bus_km is not None)
                if all(r.bus_km is not None for r in out) else None))
    order = {rid: i for i, rid in enumerate(names)}  # routes.txt's order
    out.sort(key=lambda r: (order.get(r.route_id, len(order)), r.route_id))
    return ServiceStats(day, tuple(periods), unit, out, network,
                        _stop_stats(con, periods) if stops else [])


def _stop_stats(con: duckdb.DuckDBPyConnection, periods: Sequence[Period]) -> list[StopStats]:
    heads = _headways(con, "ev", ("stop_id",), "dep", periods)
    stops = _columns(con, "stops")
    rows = con.execute(f"""
        WITH n AS (SELECT txt(stop_id) AS stop_id, txt(name) AS name
                   FROM (SELECT stop_id, {_col(stops, 'stop_name', 'name')} FROM stops))
        SELECT e.stop_id, coalesce(any_value(n.name), e.stop_id), count(DISTINCT e.route_id),
               count(*), min(e.dep), max(e.dep)
        FROM ev e LEFT JOIN n USING (stop_id) GROUP BY e.stop_id ORDER BY e.stop_id
        """).fetchall()
    return [StopStats(str(sid), str(name), int(nr), int(n), int(a), int(b),
                      {p.name: heads.get((str(sid),), {}).get(p.name) for p in periods})
            for sid, name, nr, n, a, b in rows]


def runs_on(con: duckdb.DuckDBPyConnection, day: date) -> int:
    """How many trip runs the feed has on service date ``day``."""
    _prepare(con, day)
    row = con.execute("SELECT count(*) FROM run").fetchone()
    return int(row[0]) if row else 0


@dataclass(frozen=True)
class Hour:
    """Departures starting in one clock hour of the service date (``hour`` may pass 23) and,
    for one route, the headways between consecutive departures of a direction in that hour
    (both ends included, as a period's)."""

    hour: int
    departures: int
    headway: Headway | None


def hourly(con: duckdb.DuckDBPyConnection, day: date, *,
           route_id: str | None = None) -> list[Hour]:
    """Every hour from the first departure's to the last's, also hours without any; the
    headways only with ``route_id`` (a network has no one headway)."""
    _prepare(con, day)
    if route_id is not None:
        con.execute("DELETE FROM run WHERE route_id IS DISTINCT FROM ?", [route_id])
    counts = dict(con.execute(f"SELECT t_start // {HOUR}, count(*) FROM run GROUP BY 1")
                  .fetchall())
    if not counts:
        return []
    hours = range(int(min(counts)), int(max(counts)) + 1)
    heads: dict[str, Headway] = {}
    if route_id is not None:
        periods = [Period(f"{h:02d}", h * HOUR, (h + 1) * HOUR) for h in hours]
        heads = _headways(con, "run", ("route_id", "direction_id"), "t_start",
                          periods).get((route_id,), {})
    return [Hour(h, int(counts.get(h, 0)), heads.get(f"{h:02d}")) for h in hours]


# -- output -----------------------------------------------------------------------------------

def _r(x: float | None, digits: int = 3) -> float | None:
    return None if x is None else round(x, digits)


def _heads(h: dict[str, Headway | None]) -> dict[str, dict[str, float | None]]:
    return {name: {"min": _r(v.min, 2) if v else None, "mean": _r(v.mean, 2) if v else None,
                   "max": _r(v.max, 2) if v else None} for name, v in h.items()}


def to_json(stats: ServiceStats, *, city: str = "", feed: Mapping[str, Any] | None = None
            ) -> dict[str, Any]:
    """The statistics as the command line's ``--format json`` and the API give them
    (docs/mobility-stats.md lists the keys)."""
    n = stats.network
    return {
        "city": city, "service_date": stats.service_date.isoformat(),
        "feed": dict(feed or {}),
        "periods": [{"name": p.name, "start": p.start, "end": p.end,
                     "peak": p.peak} for p in stats.periods],
        "distance_unit": stats.dist_unit,
        "routes": [{
            "route_id": r.route_id, "route_name": r.route_name, "trips": r.trips,
            "first_departure": clock(r.first_departure),
            "last_departure": clock(r.last_departure), "last_arrival": clock(r.last_arrival),
            "headways": _heads(r.headways), "peak_vehicles": r.peak_vehicles,
            "service_hours": _r(r.service_hours), "bus_km": _r(r.bus_km),
            "speed_kmh": _r(r.speed_kmh, 2), "distance_source": r.distance_source,
        } for r in stats.routes],
        "network": {"routes": n.routes, "trips": n.trips, "stops": n.stops,
                    "first_departure": clock(n.first_departure),
                    "last_arrival": clock(n.last_arrival), "peak_vehicles": n.peak_vehicles,
                    "service_hours": _r(n.service_hours), "bus_km": _r(n.bus_km),
                    "speed_kmh": _r(n.speed_kmh, 2)},
        "stops": [{"stop_id": s.stop_id, "stop_name": s.stop_name, "routes": s.routes,
                   "departures": s.departures, "first_departure": clock(s.first_departure),
                   "last_departure": clock(s.last_departure), "headways": _heads(s.headways)}
                  for s in stats.stops],
    }


def to_text(stats: ServiceStats) -> list[str]:
    """A table for the terminal: a line per route, then the network (and the stops)."""
    lines = [f"service date {stats.service_date.isoformat()}; headways in minutes "
             "(min/mean/max) per period: " + ", ".join(p.name for p in stats.periods)]

    def hw(h: dict[str, Headway | None]) -> str:
        return " ".join(f"{k}={v.min:g}/{v.mean:.1f}/{v.max:g}" if v else f"{k}=-"
                        for k, v in h.items())

    for r in stats.routes:
        km = "-" if r.bus_km is None else f"{r.bus_km:.1f}"
        speed = "-" if r.speed_kmh is None else f"{r.speed_kmh:.1f}"
        lines.append(f"route {r.route_id} ({r.route_name}): {r.trips} trips "
                     f"{clock(r.first_departure)}-{clock(r.last_departure)}, peak "
                     f"{r.peak_vehicles} vehicles, {r.service_hours:.2f} h, {km} bus-km "
                     f"({r.distance_source}), {speed} km/h; {hw(r.headways)}")
    n = stats.network
    km = "-" if n.bus_km is None else f"{n.bus_km:.1f}"
    lines.append(f"network: {n.routes} routes, {n.trips} trips, {n.stops} stops, "
                 f"{clock(n.first_departure) or '-'}-{clock(n.last_arrival) or '-'}, peak "
                 f"{n.peak_vehicles} vehicles, {n.service_hours:.2f} h, {km} bus-km")
    for s in stats.stops:
        lines.append(f"stop {s.stop_id} ({s.stop_name}): {s.departures} departures on "
                     f"{s.routes} routes {clock(s.first_departure)}-{clock(s.last_departure)}"
                     f"; {hw(s.headways)}")
    return lines
