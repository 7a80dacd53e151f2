"""A feed version's service date as the vehicle scheduler's input, and its answer as JSON.

The trips are those of the planner's compiled timetable for the date (``planner.timetable``:
calendar.txt and calendar_dates.txt decide the services, frequencies.txt is expanded into its
runs), less the previous date's trips that the planner keeps for after midnight: a service
date's blocks are its own trips, including those that run past 24:00.

Each trip's distance in service (bus-km): the length of its shape when shapes.txt has the
trip's ``shape_id`` (the polyline's points joined by great-circle segments), else the straight
lines from stop to stop. ``shape_dist_traveled`` is not used: GTFS leaves its unit to the
feed. The answer says which was used, per route.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from django.utils.translation import gettext as _

from zerocity.core.errors import Conflict, NotFound
from zerocity.mobility.fleet import (
    Battery,
    Block,
    DayTrips,
    Deadhead,
    Schedule,
    TooLarge,
    haversine_km,
    schedule,
)

if TYPE_CHECKING:  # the scheduler and its JSON run without Django set up (bench, tests)
    from zerocity.core.models import City
    from zerocity.mobility.timetables import FeedSource
from zerocity.mobility.planner.timetable import Timetable

SHAPES = "shapes"
STRAIGHT = "stop-to-stop straight lines"
MIXED = "shapes where the trip has one, else stop-to-stop straight lines"


def _col(df: pd.DataFrame | None, name: str) -> pd.Series:
    if df is None or name not in df.columns:
        return pd.Series([], dtype=object) if df is None else pd.Series(
            [""] * len(df), index=df.index, dtype=object)
    return df[name].fillna("").astype(str).str.strip()


def shape_km(shapes: pd.DataFrame | None) -> dict[str, float]:
    """Each shape's length in km along its points."""
    if shapes is None or not len(shapes):
        return {}
    df = pd.DataFrame({"id": _col(shapes, "shape_id"),
                       "seq": pd.to_numeric(_col(shapes, "shape_pt_sequence"), errors="coerce"),
                       "lat": pd.to_numeric(_col(shapes, "shape_pt_lat"), errors="coerce"),
                       "lon": pd.to_numeric(_col(shapes, "shape_pt_lon"), errors="coerce")})
    df = df.dropna().sort_values(["id", "seq"], kind="stable")
    ids = df["id"].to_numpy()
    lat, lon = df["lat"].to_numpy(dtype=float), df["lon"].to_numpy(dtype=float)
    same = ids[1:] == ids[:-1]
    seg = np.where(same, haversine_km(lat[:-1], lon[:-1], lat[1:], lon[1:]), 0.0)
    out = pd.Series(seg).groupby(ids[:-1]).sum() if len(seg) else pd.Series(dtype=float)
    lengths = {str(k): float(v) for k, v in out.items()}
    return {str(s): lengths.get(str(s), 0.0) for s in pd.unique(ids)}


def day_trips(tt: Timetable, tables: dict[str, pd.DataFrame]) -> tuple[DayTrips, list[str]]:
    """The service date's own trips of ``tt`` (the feed's ``tables`` give parent stations and
    shapes), and for each trip where its distance came from (``SHAPES`` or ``STRAIGHT``)."""
    today = np.flatnonzero(tt.trip_day == 0)
    pat = tt.trip_pattern[today].astype(np.int64)
    ptr = tt.pat_stop_ptr.astype(np.int64)
    n_stops = ptr[pat + 1] - ptr[pat]
    offset = tt.pat_time[pat].astype(np.int64) + (today - tt.pat_trip[pat]) * n_stops
    start = tt.dep[offset].astype(np.int64)
    end = tt.arr[offset + n_stops - 1].astype(np.int64)
    first = tt.pat_stops[ptr[pat]].astype(np.int64)
    last = tt.pat_stops[ptr[pat + 1] - 1].astype(np.int64)

    # each pattern's stop-to-stop length
    seq = tt.pat_stops.astype(np.int64)
    leg = haversine_km(tt.lat[seq[:-1]], tt.lon[seq[:-1]], tt.lat[seq[1:]], tt.lon[seq[1:]])
    within = np.ones(len(seq) - 1 if len(seq) else 0, dtype=bool)
    within[ptr[1:-1] - 1] = False  # a leg from one pattern's last stop to the next's first
    cum = np.concatenate([[0.0], np.cumsum(np.where(within, leg, 0.0))])
    pat_km = cum[ptr[1:] - 1] - cum[ptr[:-1]] if tt.n_patterns else np.zeros(0)
    km = pat_km[pat].astype(float)

    trips = tables.get("trips")
    shape_of = dict(zip(_col(trips, "trip_id"), _col(trips, "shape_id"), strict=True))
    lengths = shape_km(tables.get(SHAPES))
    source = []
    for k, t in enumerate(today):
        length = lengths.get(shape_of.get(tt.trip_ids[t], ""), 0.0)
        if length > 0:
            km[k] = length
            source.append(SHAPES)
        else:
            source.append(STRAIGHT)

    stops = tables.get("stops")
    parent = dict(zip(_col(stops, "stop_id"), _col(stops, "parent_station"), strict=True))
    groups = [parent.get(s) or s for s in tt.stop_ids]
    station = np.asarray(pd.factorize(pd.Series(groups, dtype=object))[0], dtype=np.int64)
    route_ids = tuple(tt.route_ids[r] if r >= 0 else "" for r in tt.trip_route[today])
    return DayTrips(
        trip_ids=tuple(tt.trip_ids[t] + (f"@{tt.trip_start[t]}" if tt.trip_start[t] >= 0
                                         else "") for t in today),
        route_ids=route_ids, start=start, end=end, first_stop=first, last_stop=last, km=km,
        stop_ids=tuple(tt.stop_ids), lat=tt.lat, lon=tt.lon, station=station), source


# -- the answer ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Parameters:
    min_layover_s: int
    deadhead: Deadhead | None
    vehicle_cost: float | None
    deadhead_cost_per_km: float
    battery: Battery | None
    objective: str = "auto"


def parameters(*, min_layover_min: float = 5.0, no_deadhead: bool = False,
               deadhead_speed_kmh: float = 20.0, detour: float = 1.3,
               vehicle_cost: float | None = None, deadhead_cost_per_km: float = 1.0,
               least_deadhead: bool = False, battery_kwh: float | None = None,
               range_km: float | None = None, kwh_per_km: float = 1.3,
               charger_kw: float = 180.0, min_charge_min: float = 10.0) -> Parameters:
    """The command's and the API's options as :class:`Parameters`. Defaults: a 5-minute
    layover and 10 minutes at a charger [U: planning assumptions, set the city's own];
    deadhead at 20 km/h [U] on the straight line x 1.3 (research §0); 1.3 kWh/km, the middle
    of 1.0-1.5 for a 12 m battery bus (research §5 [U]); 180 kW chargers (Kranj's, research
    §1.2)."""
    battery = None
    if battery_kwh is not None or range_km is not None:
        usable = battery_kwh if battery_kwh is not None else float(range_km or 0) * kwh_per_km
        battery = Battery(usable_kwh=usable, kwh_per_km=kwh_per_km, charger_kw=charger_kw,
                          min_charge_s=round(min_charge_min * 60))
    return Parameters(
        min_layover_s=round(min_layover_min * 60),
        deadhead=None if no_deadhead else Deadhead(deadhead_speed_kmh, detour),
        vehicle_cost=vehicle_cost, deadhead_cost_per_km=deadhead_cost_per_km, battery=battery,
        objective="cost" if vehicle_cost is not None or least_deadhead else "auto")


def hms(seconds: int) -> str:
    """Seconds on the service date's axis as GTFS HH:MM:SS (past 24:00 after midnight)."""
    sign = "-" if seconds < 0 else ""
    s = abs(int(seconds))
    return f"{sign}{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def route_rows(trips: DayTrips, source: list[str]) -> list[dict[str, Any]]:
    """Per route: trips, bus-km in service and service hours (the sum of trip durations)."""
    rows: dict[str, dict[str, Any]] = {}
    for k, route in enumerate(trips.route_ids):
        row = rows.setdefault(route, {"route_id": route, "trips": 0, "bus_km": 0.0,
                                      "service_hours": 0.0, "sources": set()})
        row["trips"] += 1
        row["bus_km"] += float(trips.km[k])
        row["service_hours"] += float(trips.end[k] - trips.start[k]) / 3600.0
        row["sources"].add(source[k])
    out = []
    for route in sorted(rows):
        row = rows[route]
        kinds = row.pop("sources")
        row["bus_km"] = round(row["bus_km"], 3)
        row["service_hours"] = round(row["service_hours"], 3)
        row["distance_source"] = kinds.pop() if len(kinds) == 1 else MIXED
        out.append(row)
    return out


def _block(trips: DayTrips, block: Block) -> dict[str, Any]:
    legs = [{"trip_id": trips.trip_ids[leg.trip], "route_id": trips.route_ids[leg.trip],
             "start": hms(int(trips.start[leg.trip])), "end": hms(int(trips.end[leg.trip])),
             "from_stop": trips.stop_ids[int(trips.first_stop[leg.trip])],
             "to_stop": trips.stop_ids[int(trips.last_stop[leg.trip])],
             "deadhead_km_before": round(leg.deadhead_km, 3),
             **({"charged_kwh_before": round(leg.charge_before_kwh, 2)}
                if block.energy_kwh is not None else {})}
            for leg in block.legs]
    out: dict[str, Any] = {
        "vehicle": block.vehicle, "start": legs[0]["start"], "end": legs[-1]["end"],
        "trips": legs, "deadhead_km": round(block.deadhead_km, 3),
        "service_km": round(float(sum(trips.km[leg.trip] for leg in block.legs)), 3)}
    if block.energy_kwh is not None:
        out["energy_kwh"] = round(block.energy_kwh, 2)
        out["lowest_charge_kwh"] = round(block.lowest_kwh or 0.0, 2)
    return out


def to_json(trips: DayTrips, source: list[str], result: Schedule, params: Parameters, *,
            city: str, day: date, feed: dict[str, Any]) -> dict[str, Any]:
    """The answer of ``zerocity mobility fleet --format json`` and of the API."""
    dh = params.deadhead
    battery = params.battery
    kinds = set(source)
    return {
        "city": city, "service_date": day.isoformat(), "feed": feed,
        "vehicles": result.vehicles, "lower_bound": result.lower_bound, "trips": trips.n,
        "deadhead_km": round(result.deadhead_km, 3),
        "battery_splits": result.splits,
        "battery_infeasible_trips": [trips.trip_ids[t] for t in result.infeasible],
        "distance_source": (kinds.pop() if len(kinds) == 1 else MIXED) if kinds else STRAIGHT,
        "parameters": {
            "min_layover_min": params.min_layover_s / 60,
            "deadhead": None if dh is None else {"speed_kmh": dh.speed_kmh,
                                                 "detour": dh.detour},
            "objective": ("minimum fleet (maximum flow; deadhead not minimised)"
                          if result.objective == "fleet" else "minimum cost"
                          if params.vehicle_cost is not None else
                          "minimum fleet, then least deadhead km"),
            "vehicle_cost": params.vehicle_cost,
            "deadhead_cost_per_km": params.deadhead_cost_per_km,
            "battery": None if battery is None else {
                "usable_kwh": battery.usable_kwh, "kwh_per_km": battery.kwh_per_km,
                "charger_kw": battery.charger_kw, "min_charge_min": battery.min_charge_s / 60,
                "charger_stops": sorted(trips.stop_ids[s] for s in battery.charger_stops),
                "reserve_kwh": battery.reserve_kwh},
        },
        "blocks": [_block(trips, b) for b in result.blocks],
        "routes": route_rows(trips, source),
    }


# -- a city's service date -------------------------------------------------------------------

def source_trips(version: FeedSource, day: date, tz: str) -> tuple[DayTrips, list[str]]:
    """The trips of service date ``day`` of a feed version or a scenario's derived feed."""
    from zerocity.mobility import store, timetables

    tt = timetables.compiled(version, day, tz)
    tables = {name: frame for name in ("trips", "stops", SHAPES)
              if (frame := store.read_table(version.path, name)) is not None}
    return day_trips(tt, tables)


def fleet_size(version: FeedSource, day: date, tz: str,
               params: Parameters | None = None) -> int:
    """The fewest vehicles that run ``day`` of a feed version or a scenario's derived feed
    (the default parameters: a 5-minute layover, deadhead on the straight line)."""
    p = params or parameters()
    trips, _ = source_trips(version, day, tz)
    return schedule(trips, min_layover_s=p.min_layover_s, deadhead=p.deadhead,
                    objective="fleet").vehicles


def city_fleet(city: City, day: date, params: Parameters,
               charger_stop_ids: tuple[str, ...] = ()) -> dict[str, Any]:
    """The blocks of ``city``'s trips on service date ``day`` (the feed version in force then,
    compiled as the planner compiles it), as :func:`to_json`. NotFound when the city has no
    timetable for that date; Conflict (422) for a charger stop the feed does not have, or a
    minimum-cost request on too large a day."""
    from zerocity.mobility.selectors import version_in_force

    version = version_in_force(city, day)
    if version is None or day > version.end_date:
        raise NotFound(_("%(city)s has no timetable for %(day)s.")
                       % {"city": city.name, "day": day.isoformat()})
    trips, source = source_trips(version, day, city.timezone)
    battery = params.battery
    if battery is not None and charger_stop_ids:
        index = {s: i for i, s in enumerate(trips.stop_ids)}
        unknown = [s for s in charger_stop_ids if s not in index]
        if unknown:
            raise Conflict(_("The feed has no stop %(stops)s.") % {"stops": ", ".join(unknown)})
        battery = replace(battery, charger_stops=frozenset(index[s] for s in charger_stop_ids))
        params = replace(params, battery=battery)
    try:
        result = schedule(trips, min_layover_s=params.min_layover_s, deadhead=params.deadhead,
                          vehicle_cost=params.vehicle_cost,
                          deadhead_cost_per_km=params.deadhead_cost_per_km, battery=battery,
                          objective=params.objective)
    except TooLarge as exc:
        raise Conflict(str(exc)) from exc
    feed = {"id": version.pk, "name": version.name, "sha256": version.sha256,
            "licence": version.licence, "attribution": version.attribution}
    return to_json(trips, source, result, params, city=city.slug, day=day, feed=feed)
