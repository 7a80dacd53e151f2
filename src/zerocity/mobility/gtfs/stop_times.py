"""The rules of trips and their stop times, under the MobilityData validator's codes: times given
in pairs, at both ends of a trip and at timepoints, never going back between stops, distances
growing along the trip, stops (not stations) served, trips with stop times, blocks whose trips
overlap on a day both run, and speeds no vehicle of the route's type reaches. One sort of the
whole table by trip and stop_sequence, then whole-column comparisons with the row before.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from zerocity.mobility.gtfs import geo
from zerocity.mobility.gtfs.fields import Checked
from zerocity.mobility.gtfs.notices import ERROR, WARNING, Notices, quoted
from zerocity.mobility.gtfs.rules import location_types

FILE = "stop_times.txt"
FAR_KM = 10.0


def max_speed_kmh(route_type: float) -> float:
    """The fastest a vehicle of the route's type travels between two stops (MobilityData's
    limits: bus 150 km/h, rail 500, ferry 80...), basic and extended route types."""
    kind = int(route_type) if route_type == route_type else 3  # NaN: as a bus
    basic = {0: 100, 1: 150, 2: 500, 3: 150, 4: 80, 5: 30, 6: 50, 7: 50, 11: 150, 12: 150}
    if kind in basic:
        return basic[kind]
    extended = {1: 500, 2: 150, 4: 150, 7: 150, 8: 150, 9: 100, 10: 80, 12: 80, 13: 50, 14: 50}
    return extended.get(kind // 100, 200)


def ordered(c: Checked) -> pd.DataFrame:
    """stop_times in trip order: trip_id, stop_sequence, arrival and departure in seconds, the
    texts of the times, stop_id, shape_dist_traveled, timepoint and each row's line."""
    st = pd.DataFrame({
        "trip_id": c.text("stop_times", "trip_id").to_numpy(),
        "seq": c.number("stop_times", "stop_sequence").to_numpy(),
        "arr": c.number("stop_times", "arrival_time").to_numpy(),
        "dep": c.number("stop_times", "departure_time").to_numpy(),
        "arr_text": c.text("stop_times", "arrival_time").to_numpy(),
        "dep_text": c.text("stop_times", "departure_time").to_numpy(),
        "stop_id": c.text("stop_times", "stop_id").to_numpy(),
        "dist": c.number("stop_times", "shape_dist_traveled").to_numpy(),
        "timepoint": c.number("stop_times", "timepoint").to_numpy(),
        "flex": ((c.text("stop_times", "location_group_id") != "")
                 | (c.text("stop_times", "location_id") != "")).to_numpy(),
        "line": c.lines("stop_times"),
    })
    return st.sort_values(["trip_id", "seq", "line"], kind="stable").reset_index(drop=True)


def check(c: Checked, notices: Notices, st: pd.DataFrame, days: pd.DataFrame) -> None:
    if not c.has("stop_times"):
        return
    _times(notices, st)
    _distances(notices, st)
    _locations(c, notices, st)
    _trip_usage(c, notices, st)
    _speeds(c, notices, st)
    _blocks(c, notices, st, days)


def _times(notices: Notices, st: pd.DataFrame) -> None:
    has_arr, has_dep = (st["arr_text"] != "").to_numpy(), (st["dep_text"] != "").to_numpy()
    lines = st["line"].to_numpy()
    only = has_arr != has_dep
    notices.add_rows("stop_time_with_only_arrival_or_departure_time", ERROR, FILE, lines[only],
                     "arrival_time", np.where(has_arr[only],
                                              "departure_time is empty: give both times or "
                                              "neither", "arrival_time is empty: give both "
                                              "times or neither"))
    backwards = (st["arr"] > st["dep"]).to_numpy()
    notices.add_rows("start_and_end_range_out_of_order", ERROR, FILE, lines[backwards],
                     "arrival_time", "arrival_time " + quoted(st["arr_text"][backwards])
                     + " is after departure_time " + quoted(st["dep_text"][backwards]).to_numpy())
    trip = st["trip_id"]
    edge = ((trip != trip.shift(1)) | (trip != trip.shift(-1))).to_numpy()
    for column, has in (("arrival_time", has_arr), ("departure_time", has_dep)):
        missing = edge & ~has
        notices.add_rows("missing_trip_edge", ERROR, FILE, lines[missing], column,
                         f"the first and last stop of a trip need {column}")
    untimed = (st["timepoint"] == 1).to_numpy() & ~has_arr & ~has_dep & ~edge
    notices.add_rows("stop_time_timepoint_without_times", ERROR, FILE, lines[untimed],
                     "arrival_time", "a timepoint (timepoint 1) needs its times")
    # the departure of the last stop before that has one, and its line
    dep = st["dep"].where(st["dep"].notna())
    before = pd.DataFrame({"dep": dep, "line": st["line"].where(dep.notna()),
                           "text": st["dep_text"].where(dep.notna())})
    before = before.groupby(st["trip_id"]).shift(1)
    before = before.groupby(st["trip_id"]).ffill()
    back = (st["arr"] < before["dep"]).to_numpy()
    notices.add_rows("stop_time_with_arrival_before_previous_departure_time", ERROR, FILE,
                     lines[back], "arrival_time", "arrival_time "
                     + quoted(st["arr_text"][back]) + " is before the departure "
                     + before["text"][back].astype(str).to_numpy() + " of line "
                     + before["line"][back].astype(int).astype(str).to_numpy())


def _distances(notices: Notices, st: pd.DataFrame) -> None:
    counted = st[st["dist"].notna()]
    prev = counted.groupby("trip_id")[["dist", "line"]].shift(1)
    down = (counted["dist"] <= prev["dist"]).to_numpy()
    notices.add_rows("decreasing_or_equal_stop_time_distance", ERROR, FILE,
                     counted["line"].to_numpy()[down], "shape_dist_traveled",
                     "shape_dist_traveled " + counted["dist"][down].astype(str)
                     + " is not more than " + prev["dist"][down].astype(str).to_numpy()
                     + " on line " + prev["line"][down].astype(int).astype(str).to_numpy())


def _locations(c: Checked, notices: Notices, st: pd.DataFrame) -> None:
    lines = st["line"].to_numpy()
    no_stop = ((st["stop_id"] == "") & ~st["flex"]).to_numpy()
    notices.add_rows("missing_required_field", ERROR, FILE, lines[no_stop], "stop_id",
                     "stop_id is required (no location_group_id or location_id is given)")
    if not c.has("stops"):
        return
    types = pd.Series(location_types(c).to_numpy(), index=c.text("stops", "stop_id").to_numpy())
    types = types[~types.index.duplicated()]
    kind = st["stop_id"].map(types)
    wrong = (kind.notna() & (kind != 0)).to_numpy()
    notices.add_rows("location_with_unexpected_stop_time", ERROR, FILE, lines[wrong], "stop_id",
                     quoted(st["stop_id"][wrong]) + " has location_type "
                     + kind[wrong].astype(int).astype(str).to_numpy()
                     + "; trips call at stops and platforms (0)")
    stop_ids = c.text("stops", "stop_id")
    # isin over the distinct values: pandas checks a small column against a long one slowly
    unused = ((location_types(c) == 0).to_numpy()
              & ~stop_ids.isin(st["stop_id"].unique()).to_numpy())
    notices.add_rows("stop_without_stop_time", WARNING, "stops.txt",
                     c.lines("stops")[unused], "stop_id", "stop " + quoted(stop_ids[unused])
                     + " is served by no trip")


def _trip_usage(c: Checked, notices: Notices, st: pd.DataFrame) -> None:
    trips = c.text("trips", "trip_id")
    calls = st.groupby("trip_id").size()
    count = trips.map(calls).fillna(0).to_numpy()
    lines = c.lines("trips")
    notices.add_rows("unused_trip", WARNING, "trips.txt", lines[count == 0], "trip_id",
                     "trip " + quoted(trips[count == 0]) + " has no stop times")
    notices.add_rows("unusable_trip", WARNING, "trips.txt", lines[count == 1], "trip_id",
                     "trip " + quoted(trips[count == 1]) + " calls at one stop only")


def _speeds(c: Checked, notices: Notices, st: pd.DataFrame) -> None:
    if not c.has("stops") or not c.has("trips"):
        return
    timed = st[st["arr"].notna() & st["dep"].notna()].copy()
    pos = geo.positions(c.text("stops", "stop_id"), c.number("stops", "stop_lat"),
                        c.number("stops", "stop_lon"), c.text("stops", "parent_station"))
    at = pos.reindex(timed["stop_id"].to_numpy())
    timed["lat"], timed["lon"] = at["lat"].to_numpy(), at["lon"].to_numpy()
    timed = timed[timed["lat"].notna()]
    prev = timed.groupby("trip_id")[["dep", "lat", "lon", "stop_id"]].shift(1)
    km = geo.distance_m(prev["lat"], prev["lon"], timed["lat"], timed["lon"]) / 1000
    gap = (timed["arr"] - prev["dep"]).to_numpy()
    whole_minutes = ((timed["arr"] % 60 == 0) & (prev["dep"] % 60 == 0)).to_numpy()
    gap = np.where(gap <= 0, 60, np.where(whole_minutes, gap + 60, gap))
    kmh = km * 3600 / gap
    route = timed["trip_id"].map(pd.Series(
        c.text("trips", "route_id").to_numpy(),
        index=c.text("trips", "trip_id").to_numpy()).pipe(lambda s: s[~s.index.duplicated()]))
    rtype = pd.Series(c.number("routes", "route_type").to_numpy(),
                      index=c.text("routes", "route_id").to_numpy())
    rtype = rtype[~rtype.index.duplicated()]
    limit = route.map(rtype.map(max_speed_kmh)).fillna(max_speed_kmh(3)).to_numpy()
    fast = kmh > limit
    notices.add_rows("fast_travel_between_consecutive_stops", WARNING, FILE,
                     timed["line"].to_numpy()[fast], "arrival_time",
                     pd.Series(kmh[fast]).round(0).astype(int).astype(str) + " km/h from "
                     + quoted(prev["stop_id"][fast]).to_numpy() + " to "
                     + quoted(timed["stop_id"][fast]).to_numpy() + ", faster than the "
                     + pd.Series(limit[fast]).astype(int).astype(str).to_numpy()
                     + " km/h a vehicle of this route type reaches")
    _far_speeds(notices, timed, km, limit)


def _far_speeds(notices: Notices, timed: pd.DataFrame, km: np.ndarray,
                limit: np.ndarray) -> None:
    """``fast_travel_between_far_stops``: from each stop to the first stop more than 10 km
    further along the trip (the distances between consecutive stops added up), faster than the
    route type's limit; once per trip, at the first such span."""
    step = np.nan_to_num(km, nan=0.0)
    trip = pd.factorize(timed["trip_id"])[0].astype(np.float64)
    along = pd.Series(step).groupby(trip).cumsum().to_numpy()
    key = trip * 1e7 + along  # sorted: rows are in trip order, distances only grow
    end = np.searchsorted(key, key + FAR_KM, side="right")
    ok = end < len(key)
    end = np.where(ok, end, 0)
    ok &= trip[end] == trip
    seconds = timed["arr"].to_numpy()[end] - timed["dep"].to_numpy()
    hours = np.where(seconds > 0, seconds, 60) / 3600  # as for consecutive stops: a minute
    kmh = np.where(ok, (along[end] - along) / hours, 0.0)
    fast = np.nonzero(ok & (kmh > limit))[0]
    rows = fast[np.unique(trip[fast], return_index=True)[1]]  # the first span of each trip
    ends = end[rows]
    stops = timed["stop_id"].to_numpy()
    notices.add_rows("fast_travel_between_far_stops", WARNING, FILE,
                     timed["line"].to_numpy()[ends], "arrival_time",
                     [f'{kmh[r]:.0f} km/h over {along[e] - along[r]:.1f} km from "{stops[r]}" '
                      f'to "{stops[e]}", faster than the {limit[r]:.0f} km/h a vehicle of '
                      "this route type reaches" for r, e in zip(rows, ends, strict=True)])


def _blocks(c: Checked, notices: Notices, st: pd.DataFrame, days: pd.DataFrame) -> None:
    block = c.text("trips", "block_id")
    if not (block != "").any():
        return
    span = st.groupby("trip_id").agg(start=("dep", "min"), end=("arr", "max"))
    trips = pd.DataFrame({"trip": c.text("trips", "trip_id").to_numpy(),
                          "block": block.to_numpy(),
                          "service": c.text("trips", "service_id").to_numpy(),
                          "line": c.lines("trips")})
    trips = trips[trips["block"] != ""].join(span, on="trip").dropna(subset=["start", "end"])
    pairs = trips.merge(trips, on="block", suffixes=("_a", "_b"))
    pairs = pairs[(pairs["line_a"] < pairs["line_b"]) & (pairs["start_a"] < pairs["end_b"])
                  & (pairs["start_b"] < pairs["end_a"])]
    if pairs.empty:
        return
    by_service = days.groupby("service_id")["date"].apply(set).to_dict()
    shared = [min(by_service.get(a, set()) & by_service.get(b, set()), default=None)
              for a, b in zip(pairs["service_a"], pairs["service_b"], strict=True)]
    pairs = pairs.assign(day=shared).dropna(subset=["day"])
    notices.add_rows("block_trips_with_overlapping_stop_times", ERROR, "trips.txt",
                     pairs["line_b"].to_numpy(), "block_id", "trip " + quoted(pairs["trip_b"])
                     + " overlaps trip " + quoted(pairs["trip_a"]).to_numpy() + " (line "
                     + pairs["line_a"].astype(str).to_numpy() + ") of block "
                     + quoted(pairs["block"]).to_numpy() + " on "
                     + pd.to_datetime(pairs["day"]).dt.strftime("%Y%m%d").to_numpy())
