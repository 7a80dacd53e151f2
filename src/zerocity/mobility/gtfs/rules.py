"""The rules across rows and files, each under the MobilityData validator's code: required
files, duplicate keys, foreign keys, agencies, stops and stations, routes, calendars,
frequencies, transfers of every type, shapes and feed_info. ``stop_times.py`` holds the rules of
trips and their stop times. Every rule works on whole columns and reports each offending row.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from zerocity.mobility.gtfs import geo
from zerocity.mobility.gtfs.fields import Checked
from zerocity.mobility.gtfs.notices import ERROR, INFO, WARNING, Notices, quoted
from zerocity.mobility.gtfs.schema import TABLES
from zerocity.mobility.gtfs.service_days import WEEKDAYS, expand

NEAR_ORIGIN_DEG = 0.01  # about a kilometre around (0, 0): a position nobody filled in
NEAR_POLE_LAT = 89.0
SAME_POINT_M = 1.11


def _mask(series: pd.Series) -> np.ndarray:
    mask: np.ndarray = series.to_numpy(dtype=bool)
    return mask


def required_files(c: Checked, notices: Notices) -> None:
    for name, spec in TABLES.items():
        if spec.required and not c.has(name) and name not in c.feed.empty:
            notices.add("missing_required_file", ERROR, spec.file, None, "",
                        "a GTFS feed must have this file")
        elif spec.required and c.has(name) and not len(c.frame(name)):
            notices.add("empty_file", ERROR, spec.file, None, "",
                        "the file has a header but no rows, and a feed needs its data")
    if not ({"calendar", "calendar_dates"} & (set(c.feed.tables) | c.feed.empty)):
        notices.add("missing_calendar_and_calendar_date_files", ERROR, "calendar.txt", None, "",
                    "neither calendar.txt nor calendar_dates.txt: no trip has a day to run")
    if not c.has("feed_info") and "feed_info" not in c.feed.empty:
        notices.add("missing_recommended_file", WARNING, "feed_info.txt", None, "",
                    "feed_info.txt says who publishes the feed and for which dates")


def primary_keys(c: Checked, notices: Notices) -> None:
    for name, spec in TABLES.items():
        frame = c.frame(name)
        if not spec.key or not len(frame) or not set(spec.key) & set(frame.columns):
            continue
        keys = pd.DataFrame({k: c.text(name, k).to_numpy() for k in spec.key})
        required = [k for k in spec.key if (f := spec.field(k)) is not None and f.required]
        usable = _mask((keys[required] != "").all(axis=1) if required
                       else (keys != "").any(axis=1))
        keys, lines = keys[usable].reset_index(drop=True), c.lines(name)[usable]
        again = _mask(keys.duplicated(keep="first"))
        if not again.any():
            continue
        group = keys.groupby(list(spec.key), sort=False).ngroup().to_numpy()
        first = pd.Series(lines).groupby(group).transform("min").to_numpy()
        shown = [k for k in spec.key if (keys[k] != "").any()]
        said = pd.Series([""] * int(again.sum()), dtype=str)
        for k in shown:
            part = (f"{k} '" + keys.loc[again, k].astype(str) + "'").reset_index(drop=True)
            said = part if k == shown[0] else said + ", " + part
        notices.add_rows("duplicate_key", ERROR, spec.file, lines[again], ", ".join(spec.key),
                         said + " is on line " + pd.Series(first[again]).astype(str).to_numpy()
                         + " already")


def _known(c: Checked, table: str, field: str) -> pd.Index:
    return pd.Index(c.text(table, field).unique())


def foreign_keys(c: Checked, notices: Notices) -> None:
    for name, spec in TABLES.items():
        frame = c.frame(name)
        for f in spec.fields:
            if f.refers is None or f.name not in frame.columns:
                continue
            target, target_field = f.refers
            if not c.has(target) and TABLES[target].required:
                continue  # missing_required_file says it once
            values = frame[f.name]
            bad = _mask((values != "") & ~values.isin(_known(c, target, target_field)))
            notices.add_rows("foreign_key_violation", ERROR, spec.file, c.lines(name)[bad],
                             f.name, quoted(values[bad])
                             + f" is not in {target}.txt (as {target_field})")
    services = _known(c, "calendar", "service_id").union(_known(c, "calendar_dates",
                                                                "service_id"))
    service = c.text("trips", "service_id")
    bad = _mask((service != "") & ~service.isin(services))
    notices.add_rows("foreign_key_violation", ERROR, "trips.txt", c.lines("trips")[bad],
                     "service_id", quoted(service[bad]) + " is not in calendar.txt or "
                     "calendar_dates.txt (as service_id): the trip has no day to run")


def agencies(c: Checked, notices: Notices) -> None:
    agency = c.frame("agency")
    if len(agency) > 1:
        empty = _mask(c.text("agency", "agency_id") == "")
        notices.add_rows("missing_required_agency_id", ERROR, "agency.txt",
                         c.lines("agency")[empty], "agency_id",
                         "agency_id is required when the feed has several agencies")
        for name in ("routes", "fare_attributes"):
            if c.has(name):
                empty = _mask(c.text(name, "agency_id") == "")
                notices.add_rows("missing_required_field", ERROR, f"{name}.txt",
                                 c.lines(name)[empty], "agency_id", "agency_id is required "
                                 "when the feed has several agencies")
    zones = c.text("agency", "agency_timezone")
    valid = zones[zones != ""]
    if valid.nunique() > 1:
        first = valid.iloc[0]
        other = _mask(zones.ne(first) & zones.ne(""))
        notices.add_rows("inconsistent_agency_timezone", ERROR, "agency.txt",
                         c.lines("agency")[other], "agency_timezone",
                         quoted(zones[other]) + f' differs from "{first}" of the first agency:'
                         " every agency of a feed must keep the same time zone")


def location_types(c: Checked) -> pd.Series:
    """stops.location_type with its default (0, a stop or platform)."""
    return c.number("stops", "location_type").fillna(0)


def stops(c: Checked, notices: Notices) -> None:
    if not c.has("stops"):
        return
    lines, lt = c.lines("stops"), location_types(c)
    stop_id, parent = c.text("stops", "stop_id"), c.text("stops", "parent_station")
    placed = _mask(lt.isin([0, 1, 2]))
    unnamed = placed & _mask(c.text("stops", "stop_name") == "")
    notices.add_rows("missing_stop_name", ERROR, "stops.txt", lines[unnamed], "stop_name",
                     "a stop, station or entrance must have a name")
    lat_text, lon_text = c.text("stops", "stop_lat"), c.text("stops", "stop_lon")
    nowhere = placed & _mask((lat_text == "") | (lon_text == ""))
    notices.add_rows("stop_without_location", ERROR, "stops.txt", lines[nowhere], "stop_lat",
                     "a stop, station or entrance must have stop_lat and stop_lon")
    station = _mask(lt == 1) & _mask(parent != "")
    notices.add_rows("station_with_parent_station", ERROR, "stops.txt", lines[station],
                     "parent_station", "a station (location_type 1) cannot have a parent")
    orphan = _mask(lt.isin([2, 3, 4])) & _mask(parent == "")
    notices.add_rows("location_without_parent_station", ERROR, "stops.txt", lines[orphan],
                     "parent_station", "an entrance, generic node or boarding area must "
                     "have a parent_station")
    by_id = pd.Series(lt.to_numpy(), index=stop_id.to_numpy())
    by_id = by_id[~by_id.index.duplicated()]
    parent_type = pd.Series(parent.map(by_id).to_numpy(dtype=float))
    expected = pd.Series(np.where(lt.to_numpy() == 4, 0, 1))
    wrong = (_mask(lt.isin([0, 2, 3, 4])) & _mask(parent != "") & _mask(parent_type.notna())
             & _mask(parent_type != expected))
    notices.add_rows("wrong_parent_location_type", ERROR, "stops.txt", lines[wrong],
                     "parent_station", quoted(parent[wrong]) + " has location_type "
                     + parent_type[wrong].astype(int).astype(str).to_numpy() + "; it must be "
                     + expected[wrong].astype(str).to_numpy())
    platform = (_mask(lt == 0) & _mask(parent == "")
                & _mask(c.text("stops", "platform_code") != ""))
    notices.add_rows("platform_without_parent_station", INFO, "stops.txt", lines[platform],
                     "parent_station", "a platform (with platform_code) has no station")
    lat, lon = c.number("stops", "stop_lat"), c.number("stops", "stop_lon")
    origin = _mask((lat.abs() <= NEAR_ORIGIN_DEG) & (lon.abs() <= NEAR_ORIGIN_DEG))
    notices.add_rows("point_near_origin", ERROR, "stops.txt", lines[origin], "stop_lat",
                     "the position is (0, 0): not filled in")
    pole = _mask(lat.abs() >= NEAR_POLE_LAT)
    notices.add_rows("point_near_pole", ERROR, "stops.txt", lines[pole], "stop_lat",
                     "the position is at a pole: latitude and longitude swapped?")


def routes(c: Checked, notices: Notices) -> None:
    if not c.has("routes"):
        return
    lines = c.lines("routes")
    short, long = c.text("routes", "route_short_name"), c.text("routes", "route_long_name")
    nameless = _mask((short == "") & (long == ""))
    notices.add_rows("route_both_short_and_long_name_missing", ERROR, "routes.txt",
                     lines[nameless], "route_short_name",
                     "a route needs route_short_name or route_long_name")
    too_long = _mask(short.str.len() > 12)
    notices.add_rows("route_short_name_too_long", WARNING, "routes.txt", lines[too_long],
                     "route_short_name", quoted(short[too_long]) + " is longer than 12 "
                     "characters")
    desc = c.text("routes", "route_desc")
    same = _mask((desc != "") & ((desc == short) | (desc == long)))
    notices.add_rows("same_name_and_description_for_route", WARNING, "routes.txt", lines[same],
                     "route_desc", "the description repeats the route's name")


def calendars(c: Checked, notices: Notices) -> pd.DataFrame:
    """Checks calendar.txt and returns the days each service runs (service_days.expand)."""
    cal = pd.DataFrame({"service_id": c.text("calendar", "service_id").to_numpy(),
                        "start_date": c.number("calendar", "start_date").to_numpy(),
                        "end_date": c.number("calendar", "end_date").to_numpy(),
                        **{d: c.number("calendar", d).to_numpy() for d in WEEKDAYS}})
    lines = c.lines("calendar")
    backwards = _mask(cal["start_date"] > cal["end_date"])
    notices.add_rows("start_and_end_range_out_of_order", ERROR, "calendar.txt",
                     lines[backwards], "start_date", "start_date "
                     + quoted(c.text("calendar", "start_date")[backwards]) + " is after end_date "
                     + quoted(c.text("calendar", "end_date")[backwards]).to_numpy())
    if len(cal):
        idle = _mask((cal[list(WEEKDAYS)].fillna(0) != 1).all(axis=1))
        notices.add_rows("service_has_no_active_day_of_the_week", WARNING, "calendar.txt",
                         lines[idle], "monday", "the service runs on no day of the week")
    dates = pd.DataFrame({"service_id": c.text("calendar_dates", "service_id").to_numpy(),
                          "date": c.number("calendar_dates", "date").to_numpy(),
                          "exception_type": c.number("calendar_dates",
                                                     "exception_type").to_numpy()})
    return expand(cal, dates)


def frequencies(c: Checked, notices: Notices) -> None:
    if not c.has("frequencies"):
        return
    lines = c.lines("frequencies")
    start = c.number("frequencies", "start_time")
    end = c.number("frequencies", "end_time")
    text_start, text_end = c.text("frequencies", "start_time"), c.text("frequencies", "end_time")
    equal, backwards = _mask(start == end), _mask(start > end)
    notices.add_rows("start_and_end_range_equal", ERROR, "frequencies.txt", lines[equal],
                     "start_time", "start_time and end_time are both " + quoted(text_start[equal]))
    notices.add_rows("start_and_end_range_out_of_order", ERROR, "frequencies.txt",
                     lines[backwards], "start_time", "start_time " + quoted(text_start[backwards])
                     + " is after end_time " + quoted(text_end[backwards]).to_numpy())
    windows = pd.DataFrame({"trip": c.text("frequencies", "trip_id").to_numpy(),
                            "start": start.to_numpy(), "end": end.to_numpy(), "line": lines,
                            "text_start": text_start.to_numpy(),
                            "text_end": text_end.to_numpy()})
    windows = windows[windows["start"] < windows["end"]].sort_values(["trip", "start", "line"])
    before = windows.groupby("trip")[["end", "line", "text_end"]].shift(1)
    overlap = _mask(windows["start"] < before["end"])
    notices.add_rows("overlapping_frequency", ERROR, "frequencies.txt",
                     windows["line"].to_numpy()[overlap], "start_time",
                     "the window from " + quoted(windows["text_start"][overlap])
                     + " starts before the window of line "
                     + before["line"][overlap].astype(int).astype(str).to_numpy()
                     + " ends (" + before["text_end"][overlap].astype(str).to_numpy() + ")")


def transfers(c: Checked, notices: Notices, stop_times: pd.DataFrame) -> None:
    """``stop_times``: trip_id, stop_id in trip order (as stop_times.ordered gives them)."""
    if not c.has("transfers"):
        return
    lines = c.lines("transfers")
    kind = c.number("transfers", "transfer_type").fillna(0)
    in_seat = _mask(kind.isin([4, 5]))
    text = {f: c.text("transfers", f) for f in ("from_stop_id", "to_stop_id", "from_trip_id",
                                                "to_trip_id", "from_route_id", "to_route_id")}
    for side in ("from", "to"):
        stop, trip, route = text[f"{side}_stop_id"], text[f"{side}_trip_id"], \
            text[f"{side}_route_id"]
        missing = ~in_seat & _mask(stop == "")
        notices.add_rows("missing_required_field", ERROR, "transfers.txt", lines[missing],
                         f"{side}_stop_id", f"{side}_stop_id is required for transfer types "
                         "0 to 3")
        missing = in_seat & _mask(trip == "")
        notices.add_rows("missing_required_field", ERROR, "transfers.txt", lines[missing],
                         f"{side}_trip_id", f"{side}_trip_id is required for an in-seat "
                         "transfer (types 4 and 5)")
        stop_type = stop.map(_by_id(c, "stops", "stop_id", location_types(c)))
        allowed = np.where(in_seat, stop_type == 0, stop_type.isin([0, 1]))
        wrong = _mask(stop_type.notna()) & ~allowed
        notices.add_rows("transfer_with_invalid_stop_location_type", ERROR, "transfers.txt",
                         lines[wrong], f"{side}_stop_id", quoted(stop[wrong]) + " has "
                         "location_type " + stop_type[wrong].astype(int).astype(str).to_numpy()
                         + "; a transfer is between stops (0) or stations (1), an in-seat "
                         "transfer between stops")
        trip_route = trip.map(_by_id(c, "trips", "trip_id", c.text("trips", "route_id")))
        mismatch = _mask(trip_route.notna() & (route != "") & (trip_route != route))
        notices.add_rows("transfer_with_invalid_trip_and_route", ERROR, "transfers.txt",
                         lines[mismatch], f"{side}_route_id", "trip " + quoted(trip[mismatch])
                         + " runs on route " + quoted(trip_route[mismatch]).to_numpy()
                         + ", not " + quoted(route[mismatch]).to_numpy())
        _trip_serves_stop(c, notices, side, trip, stop, stop_times, in_seat)
    positions = _positions(c)
    a = positions.reindex(text["from_stop_id"].to_numpy())
    b = positions.reindex(text["to_stop_id"].to_numpy())
    metres = geo.distance_m(a["lat"], a["lon"], b["lat"], b["lon"])
    for code, severity, low, high in (("transfer_distance_too_large", WARNING, 10_000, np.inf),
                                      ("transfer_distance_above_2_km", INFO, 2_000, 10_000)):
        far = (metres > low) & (metres <= high)
        notices.add_rows(code, severity, "transfers.txt", lines[far], "to_stop_id",
                         pd.Series(metres[far] / 1000).round(1).astype(str)
                         + " km between the two stops")


def _by_id(c: Checked, table: str, key: str, values: pd.Series) -> pd.Series:
    out = pd.Series(values.to_numpy(), index=c.text(table, key).to_numpy())
    return out[~out.index.duplicated()]


def _positions(c: Checked) -> pd.DataFrame:
    return geo.positions(c.text("stops", "stop_id"), c.number("stops", "stop_lat"),
                         c.number("stops", "stop_lon"), c.text("stops", "parent_station"))


def _trip_serves_stop(c: Checked, notices: Notices, side: str, trip: pd.Series,
                      stop: pd.Series, stop_times: pd.DataFrame, in_seat: np.ndarray) -> None:
    """A transfer naming a trip and a stop: the trip must call at the stop (or, for a
    station, at one of its platforms); an in-seat transfer should be at the trip's last stop
    (from) or first stop (to)."""
    lines = c.lines("transfers")
    asked = _mask((trip != "") & (stop != "") & trip.isin(stop_times["trip_id"].unique()))
    if not asked.any():
        return
    stop_times = stop_times[stop_times["trip_id"].isin(trip[asked].unique())]
    parent = stop_times["stop_id"].map(_by_id(c, "stops", "stop_id",
                                              c.text("stops", "parent_station")))
    served = pd.MultiIndex.from_arrays(
        [pd.concat([stop_times["trip_id"], stop_times["trip_id"]]).to_numpy(),
         pd.concat([stop_times["stop_id"], parent.fillna("")]).to_numpy()])
    pairs = pd.MultiIndex.from_arrays([trip.to_numpy(), stop.to_numpy()])
    absent = asked & ~pairs.isin(served)
    notices.add_rows("transfer_with_invalid_trip_and_stop", ERROR, "transfers.txt",
                     lines[absent], f"{side}_stop_id", "trip " + quoted(trip[absent])
                     + " does not call at " + quoted(stop[absent]).to_numpy())
    edge = stop_times.groupby("trip_id", sort=False)["stop_id"].agg(
        "last" if side == "from" else "first")
    at_edge = trip.map(edge)
    mid = asked & ~absent & in_seat & _mask(at_edge.notna() & (at_edge != stop))
    notices.add_rows("transfer_with_suspicious_mid_trip_in_seat", WARNING, "transfers.txt",
                     lines[mid], f"{side}_stop_id", "an in-seat transfer at "
                     + quoted(stop[mid]) + ", which is not the trip's "
                     + ("last" if side == "from" else "first") + " stop")


def shapes(c: Checked, notices: Notices) -> None:
    if not c.has("shapes"):
        return
    pts = pd.DataFrame({"shape": c.text("shapes", "shape_id").to_numpy(),
                        "seq": c.number("shapes", "shape_pt_sequence").to_numpy(),
                        "lat": c.number("shapes", "shape_pt_lat").to_numpy(),
                        "lon": c.number("shapes", "shape_pt_lon").to_numpy(),
                        "dist": c.number("shapes", "shape_dist_traveled").to_numpy(),
                        "line": c.lines("shapes")})
    pts = pts[pts["seq"].notna()].sort_values(["shape", "seq", "line"])
    counted = pts[pts["dist"].notna()]
    prev = counted.groupby("shape")[["dist", "lat", "lon", "line"]].shift(1)
    down = _mask(counted["dist"] < prev["dist"])
    notices.add_rows("decreasing_shape_distance", ERROR, "shapes.txt",
                     counted["line"].to_numpy()[down], "shape_dist_traveled",
                     "shape_dist_traveled " + counted["dist"][down].astype(str)
                     + " is less than " + prev["dist"][down].astype(str).to_numpy()
                     + " on line " + prev["line"][down].astype(int).astype(str).to_numpy())
    flat = _mask(counted["dist"] == prev["dist"])
    apart = geo.distance_m(prev["lat"], prev["lon"], counted["lat"], counted["lon"])
    moved = flat & (apart >= SAME_POINT_M)
    notices.add_rows("equal_shape_distance_diff_coordinates", ERROR, "shapes.txt",
                     counted["line"].to_numpy()[moved], "shape_dist_traveled",
                     "the same shape_dist_traveled as line "
                     + prev["line"][moved].astype(int).astype(str) + " for a point "
                     + pd.Series(apart[moved]).round(1).astype(str).to_numpy() + " m away")
    still = flat & ~(apart >= SAME_POINT_M)
    notices.add_rows("equal_shape_distance_same_coordinates", WARNING, "shapes.txt",
                     counted["line"].to_numpy()[still], "shape_dist_traveled",
                     "the point repeats the one before it")
    size = pts.groupby("shape")["line"].agg(["size", "min"])
    single = size[size["size"] == 1]
    notices.add_rows("single_shape_point", WARNING, "shapes.txt", single["min"].to_numpy(),
                     "shape_id", "shape " + quoted(pd.Series(single.index.astype(str)))
                     + " has one point")
    used = c.text("trips", "shape_id")
    unused = size[~size.index.isin(used.unique())]
    notices.add_rows("unused_shape", WARNING, "shapes.txt", unused["min"].to_numpy(),
                     "shape_id", "shape " + quoted(pd.Series(unused.index.astype(str)))
                     + " is used by no trip")


def feed_info(c: Checked, notices: Notices, *, today: date) -> tuple[date | None, date | None]:
    """Checks feed_info.txt; returns its start and end dates (None where not given)."""
    if not c.has("feed_info") or not len(c.frame("feed_info")):
        return None, None
    lines = c.lines("feed_info")
    notices.add_rows("more_than_one_entity", WARNING, "feed_info.txt", lines[1:], "",
                     "feed_info.txt has more than one row; the first is used")
    start, end = (c.number("feed_info", f).iloc[0] for f in ("feed_start_date", "feed_end_date"))
    start_d = None if pd.isna(start) else pd.Timestamp(start).date()
    end_d = None if pd.isna(end) else pd.Timestamp(end).date()
    if (start_d is None) != (end_d is None):
        missing = "feed_end_date" if end_d is None else "feed_start_date"
        notices.add("missing_feed_info_date", WARNING, "feed_info.txt", int(lines[0]), missing,
                    f"{missing} should be given with the other date")
    if start_d and end_d and start_d > end_d:
        notices.add("start_and_end_range_out_of_order", ERROR, "feed_info.txt", int(lines[0]),
                    "feed_start_date", f"feed_start_date {start_d:%Y%m%d} is after "
                    f"feed_end_date {end_d:%Y%m%d}")
    if end_d is not None and end_d < today + timedelta(days=7):
        notices.add("feed_expiration_date7_days", WARNING, "feed_info.txt", int(lines[0]),
                    "feed_end_date", f"the feed ends on {end_d:%Y%m%d}, within 7 days of "
                    f"{today:%Y%m%d}")
    elif end_d is not None and end_d < today + timedelta(days=30):
        notices.add("feed_expiration_date30_days", WARNING, "feed_info.txt", int(lines[0]),
                    "feed_end_date", f"the feed ends on {end_d:%Y%m%d}, within 30 days of "
                    f"{today:%Y%m%d}")
    if (c.text("feed_info", "feed_contact_email").iloc[0] == ""
            and c.text("feed_info", "feed_contact_url").iloc[0] == ""):
        notices.add("missing_feed_contact_email_and_url", WARNING, "feed_info.txt",
                    int(lines[0]), "feed_contact_email",
                    "give feed_contact_email or feed_contact_url so riders can report errors")
    return start_d, end_d


def expired(c: Checked, notices: Notices, days: pd.DataFrame, *, today: date) -> None:
    """calendar.txt rows whose service runs on no day from today on."""
    if not c.has("calendar"):
        return
    last = days.groupby("service_id")["date"].max()
    service = c.text("calendar", "service_id")
    ends = service.map(last)
    past = _mask(ends.notna() & (ends < pd.Timestamp(today)))
    notices.add_rows("expired_calendar", WARNING, "calendar.txt", c.lines("calendar")[past],
                     "end_date", "service " + quoted(service[past]) + " runs on no day from "
                     f"{today:%Y%m%d} on")
